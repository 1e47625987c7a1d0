//! Registration, login, tokens and the authorizer, through API Gateway on the local emulator.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, Header};
use reqwest::Method;
use sagaway_keys::SigningKey;
use sagaway_shared::auth::{AUDIENCE, Claims, ISSUER, TOKEN_TTL_SECS};
use serde_json::json;
use system_tests::{Stack, assert_problem, unique};

fn claims(sub: &str, roles: &[&str], exp_offset: i64) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        sub: sub.into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        // Issued one lifetime before it expires, as the customer service issues them.
        iat: now + exp_offset - TOKEN_TTL_SECS,
        exp: now + exp_offset,
        jti: unique("jti"),
    }
}

fn sign(key: &SigningKey, c: &Claims) -> String {
    let mut h = Header::new(Algorithm::EdDSA);
    h.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&h, c, &key.encoding).expect("signing")
}

/// The deployed signing key, read from Secrets Manager (exists after the first login).
async fn deployed_key(stack: &Stack) -> SigningKey {
    let sm = aws_sdk_secretsmanager::Client::new(&stack.sdk);
    let name = std::env::var("SAGAWAY_JWT_SIGNING_SECRET")
        .unwrap_or_else(|_| "sagaway-jwt-signing-key".into());
    let secret = sm
        .get_secret_value()
        .secret_id(name)
        .send()
        .await
        .expect("reading the signing secret");
    let pkcs8 = STANDARD
        .decode(secret.secret_string().expect("a string secret").trim())
        .expect("base64");
    SigningKey::from_pkcs8(&pkcs8).expect("a valid key")
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn register_log_in_use_the_token_refresh_and_edit_the_profile() {
    let stack = Stack::from_env().await;
    let api = &stack.api;
    let email = format!("{}@Example.com", unique("Ada"));
    let r = api
        .json(
            Method::POST,
            "/v1/customers",
            &json!({ "email": email, "password": "correct horse battery", "name": "Ada" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.body["email"],
        email.to_lowercase(),
        "emails are normalized"
    );
    assert_eq!(r.body["roles"], json!(["customer"]));
    assert!(
        r.body.get("password_hash").is_none(),
        "the hash never leaves the service"
    );
    let id = r.body["id"].as_str().expect("id").to_string();

    // Duplicate email (any case) is a clear 409.
    let r = api
        .json(
            Method::POST,
            "/v1/customers",
            &json!({ "email": email.to_uppercase(), "password": "another password!", "name": "Eve" }),
        )
        .await;
    assert_problem(&r, 409, "email_taken");

    let r = api
        .json(
            Method::POST,
            "/v1/auth/login",
            &json!({ "email": email, "password": "correct horse battery" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["token"]["token_type"], "Bearer");
    assert!(r.body["token"]["expires_in"].as_i64().unwrap_or(0) > 0);
    let token = r.body["token"]["token"]
        .as_str()
        .expect("token")
        .to_string();
    assert_eq!(token.split('.').count(), 3);
    let header: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap_or_default())
            .expect("header"),
    )
    .expect("json header");
    assert_eq!(header["alg"], "EdDSA", "asymmetric signature");

    let me = api.with_token(&token);
    let r = me.get("/v1/customers/me").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["id"], id.as_str());

    let r = me
        .json(
            Method::PUT,
            "/v1/customers/me",
            &json!({ "name": "Ada L.", "shipping_address": {
                "line1": "1 Analytical Row", "city": "London", "postal_code": "N1 7AA", "country": "GB"
            }}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["name"], "Ada L.");
    assert_eq!(r.body["shipping_address"]["city"], "London");
    let r = me.get("/v1/customers/me").await;
    assert_eq!(r.body["shipping_address"]["country"], "GB");

    let r = me
        .json(
            Method::PUT,
            "/v1/customers/me",
            &json!({ "shipping_address": {
                "line1": "x", "city": "y", "postal_code": "z", "country": "Britain"
            }}),
        )
        .await;
    assert_problem(&r, 422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "shipping_address.country");

    // Refresh gives a new, working token.
    let r = me.send(Method::POST, "/v1/auth/refresh", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let fresh = r.body["token"]["token"]
        .as_str()
        .expect("token")
        .to_string();
    assert_ne!(fresh, token);
    let r = api.with_token(&fresh).get("/v1/customers/me").await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn login_failures_do_not_say_which_part_was_wrong() {
    let stack = Stack::from_env().await;
    let (_, _) = stack.api.new_shopper("known").await;
    let email = format!("{}@example.com", unique("who"));
    let r = stack
        .api
        .json(
            Method::POST,
            "/v1/customers",
            &json!({ "email": email, "password": "right password 1", "name": "Who" }),
        )
        .await;
    assert_eq!(r.status, 201);
    let wrong_password = stack
        .api
        .json(
            Method::POST,
            "/v1/auth/login",
            &json!({ "email": email, "password": "wrong password 1" }),
        )
        .await;
    let unknown_email = stack
        .api
        .json(
            Method::POST,
            "/v1/auth/login",
            &json!({ "email": format!("nobody-{email}"), "password": "right password 1" }),
        )
        .await;
    assert_problem(&wrong_password, 401, "invalid_credentials");
    assert_problem(&unknown_email, 401, "invalid_credentials");
    assert_eq!(wrong_password.body, unknown_email.body, "the same answer");
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn bad_tokens_are_refused_with_401() {
    let stack = Stack::from_env().await;
    let (shopper, id) = stack.api.new_shopper("tokens").await;
    let r = shopper.get("/v1/customers/me").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let key = deployed_key(&stack).await;

    // A token the real key signed, but expired.
    let expired = sign(&key, &claims(&id, &["customer"], -600));
    let r = stack.api.with_token(&expired).get("/v1/customers/me").await;
    assert_problem(&r, 401, "token_expired");

    // Tampered: a real token whose payload now claims admin.
    let good = sign(&key, &claims(&id, &["customer"], 600));
    let parts: Vec<&str> = good.split('.').collect();
    let forged_payload = URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&claims(&id, &["customer", "admin"], 600)).expect("json"));
    let tampered = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
    let r = stack
        .api
        .with_token(&tampered)
        .get("/v1/customers/me")
        .await;
    assert_problem(&r, 401, "invalid_token");

    // alg: none, unsigned.
    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let none = format!("{}.{}.", none_header, parts[1]);
    let r = stack.api.with_token(&none).get("/v1/customers/me").await;
    assert_problem(&r, 401, "invalid_token");

    // Signed by another key.
    let other = SigningKey::from_pkcs8(&SigningKey::generate_pkcs8().expect("key")).expect("key");
    let wrong_key = sign(&other, &claims(&id, &["customer", "admin"], 600));
    let r = stack
        .api
        .with_token(&wrong_key)
        .get("/v1/customers/me")
        .await;
    assert_problem(&r, 401, "invalid_token");

    // Other audience, garbage, wrong scheme.
    let mut aud = claims(&id, &["customer"], 600);
    aud.aud = "another-api".into();
    let r = stack
        .api
        .with_token(&sign(&key, &aud))
        .get("/v1/customers/me")
        .await;
    assert_problem(&r, 401, "invalid_token");
    let r = stack
        .api
        .with_token("not.a.jwt")
        .get("/v1/customers/me")
        .await;
    assert_problem(&r, 401, "invalid_token");
    let r = stack
        .api
        .with_authorization("Basic dXNlcjpwYXNz")
        .get("/v1/customers/me")
        .await;
    assert_problem(&r, 401, "invalid_token");

    // No token at all: API Gateway refuses it.
    let r = stack.api.get("/v1/customers/me").await;
    assert_eq!(r.status, 401, "{}", r.text);

    // The real key with valid claims works (the checks above are not refusing everything).
    let r = stack.api.with_token(&good).get("/v1/customers/me").await;
    assert_eq!(r.status, 200, "{}", r.text);

    // Validly signed, but its times are wrong: not yet valid, issued in the future, or living
    // far longer than the service issues tokens for.
    let now = chrono::Utc::now().timestamp();
    let timed = |extra: serde_json::Value| {
        let mut c = serde_json::to_value(claims(&id, &["customer"], 600)).expect("claims");
        if let (Some(c), Some(extra)) = (c.as_object_mut(), extra.as_object()) {
            c.extend(extra.clone());
        }
        let mut h = Header::new(Algorithm::EdDSA);
        h.kid = Some(key.kid.clone());
        jsonwebtoken::encode(&h, &c, &key.encoding).expect("signing")
    };
    for (why, extra) in [
        ("nbf an hour ahead", json!({ "nbf": now + 3600 })),
        (
            "iat two minutes ahead",
            json!({ "iat": now + 120, "exp": now + 120 + TOKEN_TTL_SECS }),
        ),
        (
            "exp ten years out",
            json!({ "iat": now, "exp": now + 10 * 365 * 24 * 3600 }),
        ),
    ] {
        let r = stack
            .api
            .with_token(&timed(extra))
            .get("/v1/customers/me")
            .await;
        assert_eq!(r.status, 401, "{why}: {}", r.text);
        assert_problem(&r, 401, "invalid_token");
    }
    // The same construction with sane times is accepted (so the refusals above are the times').
    let r = stack
        .api
        .with_token(&timed(json!({ "nbf": now - 5 })))
        .get("/v1/customers/me")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // A forged admin token cannot reach admin routes either.
    let product = stack.product("forged", 3).await;
    let r = stack
        .api
        .with_token(&wrong_key)
        .json(
            Method::PUT,
            &format!("/v1/products/{product}/stock"),
            &json!({ "stock": 99 }),
        )
        .await;
    assert_problem(&r, 401, "invalid_token");
    assert_eq!(stack.stock(&product).await, 3);
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn customer_routes_reject_bad_input_with_4xx_json() {
    let stack = Stack::from_env().await;
    let api = &stack.api;
    let cases = [
        (
            json!({ "email": "not-an-email", "password": "long enough pw", "name": "A" }),
            "validation_failed",
            "email",
        ),
        (
            json!({ "email": "a@b.co", "password": "short", "name": "A" }),
            "validation_failed",
            "password",
        ),
        (
            json!({ "email": "a@b.co", "password": "long enough pw", "name": "" }),
            "validation_failed",
            "name",
        ),
    ];
    for (body, code, field) in cases {
        let r = api.json(Method::POST, "/v1/customers", &body).await;
        assert_problem(&r, 422, code);
        assert_eq!(r.body["errors"][0]["field"], field, "{}", r.text);
    }
    let r = api
        .json(
            Method::POST,
            "/v1/customers",
            &json!({ "email": "a@b.co", "name": "A" }),
        )
        .await;
    assert_problem(&r, 422, "invalid_body");
    assert!(r.text.contains("password"), "{}", r.text);
    let r = api
        .send(
            Method::POST,
            "/v1/auth/login",
            Some(("application/json", b"{".to_vec())),
        )
        .await;
    assert_problem(&r, 400, "malformed_json");
    let r = api
        .send(
            Method::POST,
            "/v1/auth/login",
            Some(("text/plain", b"hi".to_vec())),
        )
        .await;
    assert_problem(&r, 415, "unsupported_media_type");
    let (shopper, _) = api.new_shopper("badprofile").await;
    let r = shopper
        .json(Method::PUT, "/v1/customers/me", &json!({}))
        .await;
    assert_problem(&r, 422, "validation_failed");
    // The internal admin route is not on the public API.
    let r = shopper
        .json(
            Method::POST,
            "/internal/admins",
            &json!({ "email": "x@y.co", "password": "0123456789", "name": "X" }),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn cors_allows_the_sites_origin_only() {
    let stack = Stack::from_env().await;
    let site = std::env::var("SAGAWAY_SITE_URL").expect("SAGAWAY_SITE_URL");
    let origin: String = site.split('/').take(3).collect::<Vec<_>>().join("/");
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let preflight = |origin: String| {
        http.request(Method::OPTIONS, stack.api.url("/v1/orders"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type,idempotency-key",
            )
            .send()
    };
    let ok = preflight(origin.clone()).await.expect("preflight");
    assert_eq!(
        ok.headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some(origin.as_str()),
        "the site's origin is allowed"
    );
    let evil = preflight("http://evil.example".into())
        .await
        .expect("preflight");
    assert!(
        evil.headers().get("access-control-allow-origin").is_none(),
        "another origin is not allowed"
    );
}
