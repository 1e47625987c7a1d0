//! The customer API in process: the real router (with the fallbacks it is served with) on the
//! in-memory store, a key pair generated here, and argon2 at its lowest cost. Requests carry
//! the request context API Gateway or a direct invocation attaches, so the real `Caller` and
//! `Internal` extractors decide who may call what.

use axum::Router;
use axum::http::StatusCode;
use customer::domain::{CustomerError, Hasher};
use customer::http::{App, router};
use customer::limits::CustomerLimits;
use customer::store::{CustomerStore, MemoryStore};
use customer::tokens::{ClaimsSigner, InMemoryKey, Issuer};
use jsonwebtoken::{Algorithm, Validation};
use sagaway_shared::auth::{AUDIENCE, Claims, ISSUER, TOKEN_TTL_SECS};
use sagaway_shared::limits::{Clock, MemoryLimiter, Rate};
use sagaway_shared::serve::finish;
use sagaway_shared::testing::{As, Reply, assert_refuses_unreadable_json, call};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery";

struct Service {
    router: Router,
    store: MemoryStore,
    key: InMemoryKey,
}

/// The production limits, but room for this file's registrations from one address (the
/// limits themselves: tests/login_limits.rs).
fn limits() -> CustomerLimits {
    CustomerLimits {
        registrations: Rate::new(100, 3600, 100).unwrap(),
        ..CustomerLimits::default()
    }
}

fn service() -> Service {
    let store = MemoryStore::new();
    let key = InMemoryKey::generate().expect("a key pair");
    let app = App {
        store: store.clone(),
        issuer: Issuer::with_signer(key.clone()),
        hasher: Hasher::fastest().expect("a test hasher"),
        limiter: MemoryLimiter::new(),
        limits: limits(),
        clock: Clock::System,
    };
    Service {
        router: finish(router(app)),
        store,
        key,
    }
}

impl Service {
    async fn register(&self, email: &str, name: &str) -> Reply {
        let body = json!({"email": email, "password": PASSWORD, "name": name});
        call(
            &self.router,
            "POST",
            "/v1/customers",
            As::Public,
            Some(body),
        )
        .await
    }

    /// Registers and returns the new customer's id.
    async fn shopper(&self, email: &str) -> String {
        let r = self.register(email, "Shopper").await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        r.body["id"].as_str().expect("an id").to_string()
    }

    async fn login(&self, email: &str, password: &str) -> Reply {
        let body = json!({"email": email, "password": password});
        call(
            &self.router,
            "POST",
            "/v1/auth/login",
            As::Public,
            Some(body),
        )
        .await
    }

    async fn admin(&self, who: As<'_>, email: &str, password: &str, name: &str) -> Reply {
        let body = json!({"email": email, "password": password, "name": name});
        call(&self.router, "POST", "/internal/admins", who, Some(body)).await
    }

    async fn send(&self, method: &str, path: &str, who: As<'_>) -> Reply {
        call(&self.router, method, path, who, None).await
    }

    async fn put_me(&self, who: As<'_>, body: Value) -> Reply {
        call(&self.router, "PUT", "/v1/customers/me", who, Some(body)).await
    }

    /// The claims of a token, verified as the authorizer verifies them.
    fn verify(&self, token: &str) -> Claims {
        let mut v = Validation::new(Algorithm::EdDSA);
        v.set_issuer(&[ISSUER]);
        v.set_audience(&[AUDIENCE]);
        v.validate_nbf = true;
        let key = self.key.public_key().decoding_key().expect("decoding key");
        jsonwebtoken::decode::<Claims>(token, &key, &v)
            .expect("a valid token")
            .claims
    }
}

#[tokio::test]
async fn health_is_public() {
    let s = service();
    let r = s.send("GET", "/health", As::Public).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, json!({"status": "ok", "service": "customer"}));
}

#[tokio::test]
async fn registering_creates_a_shopper_without_exposing_the_password() {
    let s = service();
    let r = s.register("  Ada@Example.COM ", "  Ada ").await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap();
    assert_eq!(r.body["email"], "ada@example.com");
    assert_eq!(r.body["name"], "Ada");
    assert_eq!(r.body["roles"], json!(["customer"]));
    assert_eq!(r.body["created_at"], r.body["updated_at"]);
    let fields: Vec<&str> = r
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        fields,
        vec!["created_at", "email", "id", "name", "roles", "updated_at"]
    );
    let stored = s.store.by_id(id).await.unwrap().expect("stored");
    assert!(stored.password_hash.starts_with("$argon2id$"));
    assert!(!stored.password_hash.contains(PASSWORD));
    // A public route: a signed-in caller registers another account just the same.
    let body = json!({"email": "bob@example.com", "password": PASSWORD, "name": "Bob"});
    let r = call(
        &s.router,
        "POST",
        "/v1/customers",
        As::Shopper(id),
        Some(body),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
}

#[tokio::test]
async fn an_email_registers_once() {
    let s = service();
    let first = s.shopper("ada@example.com").await;
    let r = s.register(" ADA@example.com", "Impostor").await;
    r.assert_problem(StatusCode::CONFLICT, "email_taken");
    // The first account is untouched.
    let account = s.store.by_email("ada@example.com").await.unwrap().unwrap();
    assert_eq!(
        (account.customer.id.as_str(), account.customer.name.as_str()),
        (first.as_str(), "Shopper")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_registrations_of_one_email_give_one_201() {
    let s = service();
    let calls: Vec<_> = (0..16)
        .map(|i| {
            let router = s.router.clone();
            tokio::spawn(async move {
                let body =
                    json!({"email": "race@example.com", "password": PASSWORD, "name": format!("R{i}")});
                call(&router, "POST", "/v1/customers", As::Public, Some(body)).await
            })
        })
        .collect();
    let mut created = 0;
    for c in calls {
        let r = c.await.unwrap();
        match r.status {
            StatusCode::CREATED => created += 1,
            _ => r.assert_problem(StatusCode::CONFLICT, "email_taken"),
        }
    }
    assert_eq!(created, 1);
}

#[tokio::test]
async fn bad_registrations_are_4xx_naming_the_problem_and_store_nothing() {
    let s = service();
    let r = call(
        &s.router,
        "POST",
        "/v1/customers",
        As::Public,
        Some(json!({"email": "nope", "password": "short", "name": " "})),
    )
    .await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["email", "password", "name"]);

    let extra = json!({"email": "a@b.co", "password": PASSWORD, "name": "A", "roles": ["admin"]});
    let r = call(&s.router, "POST", "/v1/customers", As::Public, Some(extra)).await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    let missing = json!({"email": "a@b.co", "name": "A"});
    let r = call(
        &s.router,
        "POST",
        "/v1/customers",
        As::Public,
        Some(missing),
    )
    .await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    assert_refuses_unreadable_json(&s.router, "POST", "/v1/customers", As::Public).await;
    assert!(s.store.by_email("a@b.co").await.unwrap().is_none());
}

#[tokio::test]
async fn login_gives_a_token_the_authorizer_accepts() {
    let s = service();
    let id = s.shopper("ada@example.com").await;
    let r = s.login(" ADA@example.com ", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["customer"]["id"], id.as_str());
    assert_eq!(r.body["token"]["token_type"], "Bearer");
    assert_eq!(r.body["token"]["expires_in"], TOKEN_TTL_SECS);
    let claims = s.verify(r.body["token"]["token"].as_str().unwrap());
    assert_eq!(claims.sub, id);
    assert_eq!(claims.roles, vec!["customer"]);
    assert_eq!(claims.exp - claims.iat, TOKEN_TTL_SECS);
    assert_eq!(r.body["token"]["expires_at"], claims.exp);
    // Logging in again is a new token, not the same one.
    let again = s.login("ada@example.com", PASSWORD).await;
    let again = s.verify(again.body["token"]["token"].as_str().unwrap());
    assert_eq!(again.sub, id);
    assert_ne!(again.jti, claims.jti);
}

#[tokio::test]
async fn every_refused_login_is_the_same_401() {
    let s = service();
    s.shopper("ada@example.com").await;
    let refusals = [
        s.login("ada@example.com", "wrong horse battery").await,
        s.login("ada@example.com", "").await,
        s.login("bob@example.com", PASSWORD).await,
        s.login("not an email", PASSWORD).await,
        s.login("", "").await,
    ];
    for r in &refusals {
        r.assert_problem(StatusCode::UNAUTHORIZED, "invalid_credentials");
        assert_eq!(r.body, refusals[0].body);
        assert_eq!(
            r.headers
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok()),
            Some("Bearer realm=\"sagaway\"")
        );
    }
    let missing = json!({"email": "ada@example.com"});
    let r = call(
        &s.router,
        "POST",
        "/v1/auth/login",
        As::Public,
        Some(missing),
    )
    .await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
}

#[tokio::test]
async fn refresh_issues_a_new_token_with_the_roles_read_again() {
    let s = service();
    let id = s.shopper("ada@example.com").await;
    let r = s.send("POST", "/v1/auth/refresh", As::Shopper(&id)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["customer"]["id"], id.as_str());
    let claims = s.verify(r.body["token"]["token"].as_str().unwrap());
    assert_eq!(
        (claims.sub.as_str(), claims.roles),
        (id.as_str(), vec!["customer".to_string()])
    );

    // Made an admin since the last token: the next token says so.
    let r = s
        .admin(As::Internal, "ada@example.com", PASSWORD, "Ada")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = s.send("POST", "/v1/auth/refresh", As::Shopper(&id)).await;
    let claims = s.verify(r.body["token"]["token"].as_str().unwrap());
    assert_eq!(claims.roles, vec!["customer", "admin"]);

    let r = s.send("POST", "/v1/auth/refresh", As::Public).await;
    r.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    let r = s
        .send("POST", "/v1/auth/refresh", As::Rejected("token_expired"))
        .await;
    r.assert_problem(StatusCode::UNAUTHORIZED, "token_expired");
    let r = s
        .send("POST", "/v1/auth/refresh", As::Rejected("invalid_token"))
        .await;
    r.assert_problem(StatusCode::UNAUTHORIZED, "invalid_token");
    let r = s
        .send("POST", "/v1/auth/refresh", As::Shopper("gone"))
        .await;
    r.assert_problem(StatusCode::NOT_FOUND, "customer_not_found");
}

#[tokio::test]
async fn each_caller_sees_only_their_own_profile() {
    let s = service();
    let ada = s.shopper("ada@example.com").await;
    let bob = s.shopper("bob@example.com").await;
    let r = s.send("GET", "/v1/customers/me", As::Shopper(&ada)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        (r.body["id"].as_str(), r.body["email"].as_str()),
        (Some(ada.as_str()), Some("ada@example.com"))
    );
    assert!(r.body.get("password_hash").is_none());
    let r = s.send("GET", "/v1/customers/me", As::Shopper(&bob)).await;
    assert_eq!(r.body["email"], "bob@example.com");
    let r = s.send("GET", "/v1/customers/me", As::Admin(&bob)).await;
    assert_eq!(r.body["email"], "bob@example.com");

    let r = s.send("GET", "/v1/customers/me", As::Public).await;
    r.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    let r = s
        .send("GET", "/v1/customers/me", As::Rejected("token_expired"))
        .await;
    r.assert_problem(StatusCode::UNAUTHORIZED, "token_expired");
    let r = s.send("GET", "/v1/customers/me", As::Shopper("gone")).await;
    r.assert_problem(StatusCode::NOT_FOUND, "customer_not_found");
}

fn address() -> Value {
    json!({"line1": "Unter den Linden 1", "city": "Berlin", "postal_code": "10117", "country": "DE"})
}

#[tokio::test]
async fn a_profile_change_changes_only_what_it_gives_and_repeats_the_same() {
    let s = service();
    let ada = s.shopper("ada@example.com").await;
    let bob = s.shopper("bob@example.com").await;
    let r = s
        .put_me(As::Shopper(&ada), json!({"shipping_address": address()}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["shipping_address"], address());
    assert_eq!(r.body["name"], "Shopper");
    assert!(r.body["updated_at"].as_str() >= r.body["created_at"].as_str());

    let r = s
        .put_me(As::Shopper(&ada), json!({"name": " Ada L. "}))
        .await;
    assert_eq!(
        (r.body["name"].as_str(), &r.body["shipping_address"]),
        (Some("Ada L."), &address())
    );
    let before = r.body;

    // The same change again gives the same profile (only the update time may move).
    let r = s.put_me(As::Shopper(&ada), json!({"name": "Ada L."})).await;
    let strip = |mut v: Value| {
        v.as_object_mut().unwrap().remove("updated_at");
        v
    };
    assert_eq!(strip(r.body.clone()), strip(before.clone()));
    assert!(r.body["updated_at"].as_str() >= before["updated_at"].as_str());

    let r = s.send("GET", "/v1/customers/me", As::Shopper(&ada)).await;
    assert_eq!(strip(r.body), strip(before));
    // Bob's change is Bob's.
    let r = s.put_me(As::Shopper(&bob), json!({"name": "Bob"})).await;
    assert_eq!(r.body["id"], bob.as_str());
    let r = s.send("GET", "/v1/customers/me", As::Shopper(&ada)).await;
    assert_eq!(r.body["name"], "Ada L.");
}

#[tokio::test]
async fn bad_profile_changes_are_4xx_and_change_nothing() {
    let s = service();
    let ada = s.shopper("ada@example.com").await;
    let r = s.put_me(As::Shopper(&ada), json!({})).await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "body");
    let mut bad = address();
    bad["country"] = json!("Germany");
    let r = s
        .put_me(As::Shopper(&ada), json!({"shipping_address": bad}))
        .await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "shipping_address.country");
    let r = s.put_me(As::Shopper(&ada), json!({"name": ""})).await;
    assert_eq!(r.body["errors"][0]["field"], "name");
    let r = s
        .put_me(As::Shopper(&ada), json!({"email": "new@example.com"}))
        .await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    let r = s.put_me(As::Public, json!({"name": "X"})).await;
    r.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    let r = s.put_me(As::Shopper("gone"), json!({"name": "X"})).await;
    r.assert_problem(StatusCode::NOT_FOUND, "customer_not_found");
    let stored = s.store.by_id(&ada).await.unwrap().unwrap().customer;
    assert_eq!(
        (stored.name.as_str(), stored.shipping_address),
        ("Shopper", None)
    );
    assert_eq!(stored.email, "ada@example.com");
}

#[tokio::test]
async fn the_admin_route_creates_then_resets_an_admin() {
    let s = service();
    let r = s
        .admin(
            As::Internal,
            " Admin@Example.com",
            "first password",
            "Admin",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["roles"], json!(["customer", "admin"]));
    assert_eq!(r.body["email"], "admin@example.com");
    let id = r.body["id"].as_str().unwrap().to_string();
    let login = s.login("admin@example.com", "first password").await;
    let claims = s.verify(login.body["token"]["token"].as_str().unwrap());
    assert_eq!((claims.sub.as_str(), claims.roles.len()), (id.as_str(), 2));

    // Again with another password: the same account, only the new password works.
    let r = s
        .admin(As::Internal, "admin@example.com", "second password", "Root")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        (r.body["id"].as_str(), r.body["name"].as_str()),
        (Some(id.as_str()), Some("Root"))
    );
    let old = s.login("admin@example.com", "first password").await;
    old.assert_problem(StatusCode::UNAUTHORIZED, "invalid_credentials");
    assert_eq!(
        s.login("admin@example.com", "second password").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_admin_route_promotes_a_shopper_keeping_the_account() {
    let s = service();
    let id = s.shopper("ada@example.com").await;
    let r = s
        .put_me(As::Shopper(&id), json!({"shipping_address": address()}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = s
        .admin(As::Internal, "ada@example.com", "admin password", "Ada")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["id"], id.as_str());
    assert_eq!(r.body["roles"], json!(["customer", "admin"]));
    assert_eq!(r.body["shipping_address"], address());
}

#[tokio::test]
async fn the_admin_route_is_not_on_the_public_api() {
    let s = service();
    for who in [As::Public, As::Shopper("c-1"), As::Admin("a-1")] {
        let r = s.admin(who, "sneaky@example.com", PASSWORD, "Sneaky").await;
        r.assert_problem(StatusCode::NOT_FOUND, "no_route");
    }
    assert!(
        s.store
            .by_email("sneaky@example.com")
            .await
            .unwrap()
            .is_none()
    );
    let r = s.admin(As::Internal, "nope", "short", "").await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
}

#[tokio::test]
async fn the_contact_route_gives_the_gateway_a_customers_email_only_internally() {
    let s = service();
    let r = s.register("Ada@Example.com", "Ada").await;
    let id = r.body["id"].as_str().unwrap().to_string();
    let path = format!("/internal/customers/{id}/contact");
    let r = s.send("GET", &path, As::Internal).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        r.body,
        json!({ "customer_id": id, "email": "ada@example.com" })
    );
    for who in [As::Public, As::Shopper(&id), As::Admin("a-1")] {
        let r = s.send("GET", &path, who).await;
        r.assert_problem(StatusCode::NOT_FOUND, "no_route");
    }
    let r = s
        .send("GET", "/internal/customers/c-nobody/contact", As::Internal)
        .await;
    r.assert_problem(StatusCode::NOT_FOUND, "customer_not_found");
}

#[tokio::test]
async fn other_methods_and_paths_are_problems() {
    let s = service();
    let r = s
        .send("DELETE", "/v1/customers/me", As::Shopper("c-1"))
        .await;
    r.assert_problem(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    let r = s
        .send("GET", "/v1/customers/someone", As::Shopper("c-1"))
        .await;
    r.assert_problem(StatusCode::NOT_FOUND, "no_route");
}

/// A signing key that cannot be had (Secrets Manager down).
#[derive(Clone)]
struct NoKey;

impl ClaimsSigner for NoKey {
    async fn sign(&self, _claims: &Claims) -> Result<String, CustomerError> {
        Err(CustomerError::Keys("Secrets Manager is unreachable".into()))
    }
}

#[tokio::test]
async fn without_the_signing_key_login_fails_as_a_500_that_tells_nothing() {
    let store = MemoryStore::new();
    let app = App {
        store: store.clone(),
        issuer: Issuer::with_signer(NoKey),
        hasher: Hasher::fastest().unwrap(),
        limiter: MemoryLimiter::new(),
        limits: limits(),
        clock: Clock::System,
    };
    let router = finish(router(app));
    let body = json!({"email": "ada@example.com", "password": PASSWORD, "name": "Ada"});
    let r = call(&router, "POST", "/v1/customers", As::Public, Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let body = json!({"email": "ada@example.com", "password": PASSWORD});
    let r = call(&router, "POST", "/v1/auth/login", As::Public, Some(body)).await;
    r.assert_problem(StatusCode::INTERNAL_SERVER_ERROR, "internal_error");
    assert!(!r.body.to_string().contains("Secrets Manager"));
}
