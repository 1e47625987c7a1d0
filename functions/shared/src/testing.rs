//! Driving a service's router in process, as API Gateway or the saga worker would call it.
//!
//! Handler tests build the router on a service's in-memory store and send it requests with
//! [`call`]: the request carries the same Lambda request context a deployed function sees
//! (public, a shopper or admin the authorizer let through, a rejected token, or a direct
//! invocation for `/internal/*`), so the real extractors ([`crate::auth::Caller`],
//! [`crate::auth::Internal`]) decide, not a test double.

use crate::auth::{
    AUTH_OK, AUTH_REJECTED, CTX_AUTH, CTX_CUSTOMER_ID, CTX_REASON, CTX_ROLES, INTERNAL_API_ID,
    ROLE_ADMIN, ROLE_CUSTOMER,
};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use lambda_http::request::RequestContext;
use sagaway_contract::problem::PROBLEM_CONTENT_TYPE;
use serde_json::{Value, json};
use tower::ServiceExt;

/// Who is calling.
#[derive(Debug, Clone, Copy)]
pub enum As<'a> {
    /// Through the public API without a token (public routes).
    Public,
    /// Through the public API with a valid shopper token for this customer id.
    Shopper(&'a str),
    /// Through the public API with a valid admin token for this customer id.
    Admin(&'a str),
    /// Through the public API with a token the authorizer rejected (`token_expired` or
    /// `invalid_token`).
    Rejected(&'a str),
    /// A direct invocation of the function (the saga worker, the gateway).
    Internal,
}

/// A response, its body parsed as JSON (`Value::Null` when empty or not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The problem code of an error response (`""` if there is none).
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }

    /// Asserts that this is a problem response (`application/problem+json`) with `status`
    /// (a `u16` or a [`StatusCode`]) and problem `code`.
    #[track_caller]
    pub fn assert_problem<S>(&self, status: S, code: &str)
    where
        StatusCode: TryFrom<S>,
    {
        let Ok(status) = StatusCode::try_from(status) else {
            panic!("the expected status is not an HTTP status code");
        };
        assert_eq!(
            (self.status, self.code()),
            (status, code),
            "{:#}",
            self.body
        );
        assert!(
            self.content_type().starts_with(PROBLEM_CONTENT_TYPE),
            "content type {:?}, body {:#}",
            self.content_type(),
            self.body
        );
    }

    /// The `Content-Type` header (`""` if there is none).
    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// The address [`call`] and [`call_raw`] send from (API Gateway's `sourceIp`).
pub const SOURCE_IP: &str = "127.0.0.1";

/// The Lambda request context API Gateway (or a direct invocation) attaches for `who`.
pub fn context(who: As<'_>, method: &str, path: &str) -> RequestContext {
    context_from(who, method, path, SOURCE_IP)
}

/// [`context`] for a request API Gateway received from `source_ip`.
pub fn context_from(who: As<'_>, method: &str, path: &str, source_ip: &str) -> RequestContext {
    let authorizer = match who {
        As::Public | As::Internal => Value::Null,
        As::Shopper(id) => json!({"lambda": {
            CTX_AUTH: AUTH_OK, CTX_CUSTOMER_ID: id, CTX_ROLES: ROLE_CUSTOMER }}),
        As::Admin(id) => json!({"lambda": {
            CTX_AUTH: AUTH_OK, CTX_CUSTOMER_ID: id,
            CTX_ROLES: format!("{ROLE_CUSTOMER},{ROLE_ADMIN}") }}),
        As::Rejected(reason) => json!({"lambda": { CTX_AUTH: AUTH_REJECTED, CTX_REASON: reason }}),
    };
    let api_id = match who {
        As::Internal => INTERNAL_API_ID,
        _ => "http-api",
    };
    let ctx = json!({
        "apiId": api_id,
        "routeKey": format!("{method} {path}"),
        "stage": "$default",
        "requestId": "test-request",
        "authorizer": authorizer,
        "http": {"method": method, "path": path, "sourceIp": source_ip},
    });
    // The context type is non-exhaustive; deserializing is the way to build one outside its
    // crate, and these fields are the ones API Gateway sends.
    match serde_json::from_value(ctx) {
        Ok(ctx) => RequestContext::ApiGatewayV2(ctx),
        Err(e) => panic!("the test request context does not deserialize: {e}"),
    }
}

/// Sends `method path` with an optional JSON body to `router` as `who`.
pub async fn call(
    router: &Router,
    method: &str,
    path: &str,
    who: As<'_>,
    body: Option<Value>,
) -> Reply {
    let bytes = body.map(|b| b.to_string().into_bytes());
    call_raw(router, method, path, who, &[], bytes).await
}

/// Sends a request with raw body bytes and extra headers (for malformed-input tests). A body
/// gets `Content-Type: application/json` unless `headers` sets one.
pub async fn call_raw(
    router: &Router,
    method: &str,
    path: &str,
    who: As<'_>,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
) -> Reply {
    call_raw_from(router, method, path, who, SOURCE_IP, headers, body).await
}

/// [`call_raw`] as a request API Gateway received from `source_ip` (for per-address limits).
pub async fn call_raw_from(
    router: &Router,
    method: &str,
    path: &str,
    who: As<'_>,
    source_ip: &str,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
) -> Reply {
    let mut builder = Request::builder().method(method).uri(path);
    let has_type = headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
    if body.is_some() && !has_type {
        builder = builder.header("content-type", "application/json");
    }
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let mut request = match builder.body(Body::from(body.unwrap_or_default())) {
        Ok(r) => r,
        Err(e) => panic!("building the test request {method} {path}: {e}"),
    };
    let route_path = path.split('?').next().unwrap_or(path);
    request
        .extensions_mut()
        .insert(context_from(who, method, route_path, source_ip));
    let response = match router.clone().oneshot(request).await {
        Ok(r) => r,
        Err(e) => match e {},
    };
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = match axum::body::to_bytes(response.into_body(), usize::MAX).await {
        Ok(b) => b,
        Err(e) => panic!("reading the response to {method} {path}: {e}"),
    };
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
    }
}

/// Asserts that `method path` reads its body as JSON ([`crate::JsonBody`]) and refuses what is
/// not: a truncated or empty JSON body is a 400 `malformed_json`; a body of another type, or
/// none at all, a 415 `unsupported_media_type`.
pub async fn assert_refuses_unreadable_json(
    router: &Router,
    method: &str,
    path: &str,
    who: As<'_>,
) {
    const TEXT: &[(&str, &str)] = &[("content-type", "text/plain")];
    for (headers, body, status, code) in [
        (&[][..], Some(b"{".to_vec()), 400, "malformed_json"),
        (&[], Some(Vec::new()), 400, "malformed_json"),
        (TEXT, Some(b"{}".to_vec()), 415, "unsupported_media_type"),
        (&[], None, 415, "unsupported_media_type"),
    ] {
        call_raw(router, method, path, who, headers, body)
            .await
            .assert_problem(status, code);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Caller, Internal};
    use axum::routing::get;

    fn router() -> Router {
        Router::new()
            .route(
                "/me",
                get(|c: Caller| async move {
                    axum::Json(json!({"id": c.customer_id, "admin": c.is_admin()}))
                }),
            )
            .route(
                "/internal/x",
                get(|_: Internal| async { axum::Json(json!({"ok": true})) }),
            )
    }

    #[tokio::test]
    async fn the_real_extractors_see_who_is_calling() {
        let r = router();
        let me = call(&r, "GET", "/me", As::Shopper("c-1"), None).await;
        assert_eq!(me.status, StatusCode::OK);
        assert_eq!(me.body, json!({"id": "c-1", "admin": false}));
        let admin = call(&r, "GET", "/me", As::Admin("a-1"), None).await;
        assert_eq!(admin.body["admin"], true);
        let public = call(&r, "GET", "/me", As::Public, None).await;
        assert_eq!(
            (public.status, public.code()),
            (StatusCode::UNAUTHORIZED, "unauthenticated")
        );
        let expired = call(&r, "GET", "/me", As::Rejected("token_expired"), None).await;
        assert_eq!(expired.code(), "token_expired");
        assert_eq!(
            call(&r, "GET", "/internal/x", As::Internal, None)
                .await
                .status,
            StatusCode::OK
        );
        let outside = call(&r, "GET", "/internal/x", As::Shopper("c-1"), None).await;
        outside.assert_problem(StatusCode::NOT_FOUND, "no_route");
        outside.assert_problem(404, "no_route");
    }

    #[tokio::test]
    async fn the_source_address_is_api_gateways_never_a_header() {
        use crate::auth::SourceIp;
        let r = Router::new().route(
            "/ip",
            get(|SourceIp(ip): SourceIp| async move {
                axum::Json(json!({"ip": ip.map(|i| i.to_string())}))
            }),
        );
        let spoofed = [
            ("x-forwarded-for", "10.1.1.1"),
            ("forwarded", "for=10.1.1.1"),
        ];
        let from = call_raw_from(&r, "GET", "/ip", As::Public, "203.0.113.9", &spoofed, None).await;
        assert_eq!(from.body["ip"], "203.0.113.9");
        let v6 = call_raw_from(&r, "GET", "/ip", As::Public, "2001:db8::1", &[], None).await;
        assert_eq!(v6.body["ip"], "2001:db8::1");
        assert_eq!(
            call(&r, "GET", "/ip", As::Public, None).await.body["ip"],
            SOURCE_IP
        );
        // No request context (the local development server): no address, whatever the headers.
        let request = Request::builder()
            .uri("/ip")
            .header("x-forwarded-for", "10.1.1.1")
            .body(Body::empty())
            .unwrap();
        let response = r.clone().oneshot(request).await.unwrap();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 10)
            .await
            .unwrap();
        assert_eq!(
            serde_json::from_slice::<Value>(&bytes).unwrap(),
            json!({"ip": null})
        );
    }

    #[tokio::test]
    async fn a_json_route_refuses_unreadable_bodies() {
        let r = Router::new().route(
            "/echo",
            axum::routing::post(|crate::JsonBody(v): crate::JsonBody<Value>| async move {
                axum::Json(v)
            }),
        );
        let r = crate::serve::finish(r);
        assert_refuses_unreadable_json(&r, "POST", "/echo", As::Public).await;
        let ok = call(&r, "POST", "/echo", As::Public, Some(json!({"a": 1}))).await;
        assert_eq!((ok.status, ok.body), (StatusCode::OK, json!({"a": 1})));
    }

    #[tokio::test]
    #[should_panic(expected = "malformed_json")]
    async fn a_route_that_ignores_its_body_fails_the_json_check() {
        let r = Router::new().route("/any", axum::routing::post(|| async { "ok" }));
        assert_refuses_unreadable_json(&r, "POST", "/any", As::Public).await;
    }

    async fn not_found() -> Reply {
        call(&router(), "GET", "/internal/x", As::Public, None).await
    }

    #[tokio::test]
    #[should_panic(expected = "404")]
    async fn assert_problem_checks_the_status() {
        not_found().await.assert_problem(400, "no_route");
    }

    #[tokio::test]
    #[should_panic(expected = "no_route")]
    async fn assert_problem_checks_the_code() {
        not_found().await.assert_problem(404, "not_found");
    }

    #[tokio::test]
    #[should_panic(expected = "content type")]
    async fn assert_problem_checks_the_content_type() {
        let mut reply = not_found().await;
        reply
            .headers
            .insert("content-type", "application/json".parse().unwrap());
        reply.assert_problem(404, "no_route");
    }

    #[tokio::test]
    #[should_panic(expected = "not an HTTP status code")]
    async fn assert_problem_wants_a_status_code() {
        not_found().await.assert_problem(1000u16, "no_route");
    }
}

/// Collects what a `tracing` subscriber writes, for tests of log lines
/// (`fmt().with_writer(move || lines.clone())`).
#[derive(Clone, Default)]
pub struct LogLines(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl LogLines {
    /// Everything written so far, emptying the buffer.
    pub fn take_text(&self) -> String {
        let bytes = match self.0.lock() {
            Ok(mut b) => std::mem::take(&mut *b),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        };
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl std::io::Write for LogLines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.0.lock() {
            Ok(mut b) => b.extend_from_slice(buf),
            Err(poisoned) => poisoned.into_inner().extend_from_slice(buf),
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
