//! One entry point for every function: the same axum `Router` runs under `lambda_http` in
//! Lambda (API Gateway HTTP API and WebSocket API events) and under `axum::serve` on a local
//! port.
//!
//! In Lambda every event goes through [`answer`], which uses lambda_http's own event
//! conversion (`lambda_http::Adapter`, `lambda_http::request::LambdaRequest`: public but
//! doc-hidden items of lambda_http 1.3; recheck them when upgrading it) after making the
//! event safe for it, so that no event makes the function panic.
//!
//! Every request is served inside one span carrying its correlation ([`correlate`]: the API
//! request id as `correlation_id`; for a direct invocation from the worker or the gateway,
//! the caller's correlation id, order id and workflow id), so every line logged for it carries
//! them. Every request is logged as one line once it is answered ([`finish`]'s access log:
//! method, path, status, duration; JSON in Lambda), and so is every event that cannot be served.
//! Besides being the function's access log, this line matters to the local emulator: after
//! each invocation MiniStack waits up to 50 ms for a log line before it answers the caller,
//! so a function that logs nothing for a request makes that request 50 ms slower.

use crate::auth::INTERNAL_API_ID;
use crate::config::Runtime;
use crate::correlation::Correlation;
use crate::error::{self, ApiError};
use crate::json::MAX_BODY_BYTES;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request as AxumRequest};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use base64::Engine;
use lambda_http::request::{LambdaRequest, RequestContext};
use lambda_http::{Adapter, Context, LambdaEvent, Request, RequestExt};
use sagaway_contract::correlation::is_valid_id;
use sagaway_contract::problem::PROBLEM_CONTENT_TYPE;
use serde_json::{Map, Value, json};
use std::convert::Infallible;
use std::panic::AssertUnwindSafe;
use tower::{Service, ServiceExt};

/// Why serving stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("could not bind the local HTTP server to {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("the local HTTP server failed: {0}")]
    Http(std::io::Error),
    #[error("the Lambda runtime failed: {0}")]
    Lambda(lambda_http::Error),
}

/// Adds what every function's router needs: JSON 404/405 fallbacks, the body size limit, the
/// access log (one line per request, [`access_log`]) and, around it all, the request's span
/// and correlation ([`correlate`]).
pub fn finish(router: Router) -> Router {
    router
        .fallback(error::no_route)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(access_log))
        .layer(middleware::from_fn(correlate))
}

/// Serves the request inside its `request` span with its [`Correlation`] as the current one
/// (see [`correlation_of`]).
pub async fn correlate(request: AxumRequest, next: Next) -> Response {
    correlation_of(&request).scope(next.run(request)).await
}

/// Where a request's correlation comes from:
/// - a public API request (HTTP API or WebSocket API): its API request id, which API Gateway
///   made; headers a client sends are not believed;
/// - a direct invocation (the `internal` API id, which only IAM-allowed callers can send):
///   the `x-correlation-id`, `x-order-id` and `x-workflow-id` headers of the caller, the
///   invocation's own request id when there is no correlation id;
/// - a request to the local HTTP server (no request context): the same headers.
pub fn correlation_of(request: &AxumRequest) -> Correlation {
    let headers = || {
        Correlation::from_headers(|name| request.headers().get(name).and_then(|v| v.to_str().ok()))
    };
    let valid = |id: &Option<String>| id.clone().filter(|id| is_valid_id(id));
    match request.extensions().get::<RequestContext>() {
        Some(RequestContext::ApiGatewayV2(ctx))
            if ctx.apiid.as_deref() == Some(INTERNAL_API_ID) =>
        {
            let mut c = headers();
            if c.correlation_id.is_none() {
                c.correlation_id = valid(&ctx.request_id);
            }
            c
        }
        Some(RequestContext::ApiGatewayV2(ctx)) => Correlation {
            correlation_id: valid(&ctx.request_id),
            ..Correlation::default()
        },
        Some(RequestContext::WebSocket(ctx)) => Correlation {
            correlation_id: valid(&ctx.request_id),
            ..Correlation::default()
        },
        // REST API, ALB and the like: not how sagaway is invoked.
        Some(_) => Correlation::default(),
        None => headers(),
    }
}

/// How many characters of the path are logged (it is whatever the client sent).
const MAX_LOGGED_PATH: usize = 200;

/// Logs one line per request once its response is ready (before Lambda sends it): the
/// method, the path (never the query string, which may carry a token), the status and the
/// time taken in milliseconds.
pub async fn access_log(request: AxumRequest, next: Next) -> Response {
    let method = request.method().clone();
    let path: String = request.uri().path().chars().take(MAX_LOGGED_PATH).collect();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let duration_ms = (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0;
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        duration_ms,
        "request"
    );
    response
}

/// Serves `router` until the process is told to stop.
pub async fn serve(router: Router, config: &impl AsRef<Runtime>) -> Result<(), ServeError> {
    let config = config.as_ref();
    let router = finish(router);
    if config.in_lambda {
        tracing::info!("serving Lambda events");
        // Not `lambda_http::run`: it turns the event into a request before any of our code
        // runs, and that conversion panics on some events (see `answer`).
        let handler = lambda_http::service_fn(move |event: LambdaEvent<Value>| {
            let router = router.clone();
            async move {
                let (event, context) = event.into_parts();
                Ok::<Value, Infallible>(answer(router, event, context).await)
            }
        });
        lambda_http::lambda_runtime::run(handler)
            .await
            .map_err(ServeError::Lambda)
    } else {
        let addr = config.bind_addr;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        tracing::info!(%addr, "serving HTTP locally");
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(ServeError::Http)
    }
}

/// Answers one Lambda event with `router` (as [`finish`]ed): what `lambda_http::run` does for
/// one event (an API Gateway HTTP API or WebSocket API event becomes an HTTP request, the
/// response becomes the event's answer), except that it never panics. An event that is not
/// one of those, or that cannot be made into a request, is answered with a 400
/// `invalid_event` problem.
///
/// lambda_http 1.3 builds the request's absolute URI with `Url::parse(..).unwrap()` from the
/// `Host` header or else `requestContext.domainName`, and decodes a base64 body with
/// `expect`. A WebSocket `MESSAGE` or `DISCONNECT` event carries no headers, so the domain
/// name is used; MiniStack (`MINISTACK_HOST=127.0.0.1`) sends
/// `{api}.execute-api.127.0.0.1`, which the URL parser takes for a malformed IPv4 address
/// (its last label is a number), and the conversion panicked on every frame. So the event
/// is first made safe for that conversion ([`normalize`]), and any panic left in it is caught.
pub async fn answer(router: Router, event: Value, context: Context) -> Value {
    let event = match normalize(event) {
        Ok(event) => event,
        Err(why) => {
            tracing::warn!(why, "the event cannot be served");
            return bad_event(why);
        }
    };
    let request: LambdaRequest = match serde_json::from_value(event) {
        Ok(request) => request,
        Err(e) => {
            tracing::warn!(error = %e, "the event is not an API Gateway HTTP API or WebSocket event");
            return bad_event("the event is not an API Gateway HTTP API or WebSocket API event");
        }
    };
    let svc = tower::ServiceBuilder::new()
        .map_request(route_event)
        .service(router);
    let mut adapter = Adapter::from(svc);
    let adapter = match adapter.ready().await {
        Ok(adapter) => adapter,
        Err(never) => match never {},
    };
    // The event becomes a request synchronously inside `call`.
    let call = std::panic::catch_unwind(AssertUnwindSafe(|| {
        adapter.call(LambdaEvent::new(request, context))
    }));
    let Ok(response) = call else {
        tracing::error!("lambda_http could not turn the event into a request");
        return bad_event("the event cannot be made into an HTTP request");
    };
    match response.await {
        // `internal` logs the cause.
        Ok(response) => {
            serde_json::to_value(response).unwrap_or_else(|e| error_answer(&ApiError::internal(&e)))
        }
        Err(never) => match never {},
    }
}

/// The 400 answer to an event that cannot be served.
fn bad_event(why: &str) -> Value {
    error_answer(&ApiError::bad_request("invalid_event", why))
}

/// A problem response in the shape both API Gateway payloads accept.
fn error_answer(e: &ApiError) -> Value {
    json!({
        "statusCode": e.status.as_u16(),
        "headers": { "content-type": PROBLEM_CONTENT_TYPE },
        "body": serde_json::to_string(&e.problem()).unwrap_or_default(),
        "isBase64Encoded": false,
    })
}

/// Host used in the request URI when neither the `Host` header nor the domain name is one
/// the URL parser is sure to accept. Only the URI's path is ever routed on.
const FALLBACK_HOST: &str = "localhost";

/// Makes an event safe for lambda_http's conversion to a request:
/// - headers: entries that are no valid HTTP header are dropped; `x-forwarded-proto` (the
///   URI's scheme) is kept only when it is `http` or `https`;
/// - the URI's host: a `Host` header that is not a plain host name or IPv4 address (with an
///   optional port) is dropped; when the domain name is not one either, `Host` is set to
///   [`FALLBACK_HOST`] (the request context keeps the domain name as it came);
/// - the path starts with `/`; the raw query string has only characters a URI may carry;
/// - a body marked base64 must be base64 (else `Err`);
/// - a WebSocket event gets the two timestamps lambda_http requires when it lacks them.
fn normalize(mut event: Value) -> Result<Value, &'static str> {
    let Some(obj) = event.as_object_mut() else {
        return Err("the event is not a JSON object");
    };
    for key in ["headers", "multiValueHeaders"] {
        if let Some(headers) = obj.get_mut(key) {
            clean_headers(headers);
        }
    }
    safe_host(obj);
    for key in ["rawPath", "path"] {
        if let Some(Value::String(path)) = obj.get_mut(key)
            && !path.is_empty()
            && !path.starts_with('/')
        {
            path.insert(0, '/');
        }
    }
    if let Some(Value::String(query)) = obj.get_mut("rawQueryString") {
        *query = encode_query(query);
    }
    if uri_len_bound(obj) > MAX_URI_LEN {
        return Err("the request URI is too long");
    }
    if obj.get("isBase64Encoded") == Some(&Value::Bool(true))
        && let Some(Value::String(body)) = obj.get("body")
        && base64::engine::general_purpose::STANDARD
            .decode(body)
            .is_err()
    {
        return Err("the body is marked as base64 but is not valid base64");
    }
    if let Some(Value::Object(ctx)) = obj.get_mut("requestContext")
        && is_websocket_context(ctx)
    {
        for key in ["connectedAt", "requestTimeEpoch"] {
            if !ctx.get(key).is_some_and(Value::is_i64) {
                ctx.insert(key.to_string(), Value::from(0));
            }
        }
    }
    Ok(event)
}

/// A WebSocket API event's request context (an HTTP API one has `http`).
fn is_websocket_context(ctx: &Map<String, Value>) -> bool {
    !ctx.contains_key("http") && (ctx.contains_key("connectionId") || ctx.contains_key("eventType"))
}

/// Drops the header entries that are not valid HTTP headers (a `headers` that is not an
/// object becomes null, which means none).
fn clean_headers(headers: &mut Value) {
    let Value::Object(map) = headers else {
        *headers = Value::Null;
        return;
    };
    let valid = |name: &str, value: &Value| {
        let Value::String(value) = value else {
            return false;
        };
        HeaderValue::from_str(value).is_ok()
            && (!name.eq_ignore_ascii_case("x-forwarded-proto")
                || value.eq_ignore_ascii_case("http")
                || value.eq_ignore_ascii_case("https"))
    };
    map.retain(|name, value| {
        if HeaderName::from_bytes(name.as_bytes()).is_err() {
            return false;
        }
        if let Value::Array(values) = value {
            values.retain(|v| valid(name, v));
            !values.is_empty()
        } else {
            valid(name, value)
        }
    });
}

/// Leaves lambda_http a host it can parse: a safe `Host` header, else a safe domain name,
/// else [`FALLBACK_HOST`] as the `Host` header.
fn safe_host(obj: &mut Map<String, Value>) {
    let mut host = None;
    if let Some(Value::Object(headers)) = obj.get_mut("headers") {
        let names: Vec<String> = headers
            .keys()
            .filter(|k| k.eq_ignore_ascii_case("host"))
            .cloned()
            .collect();
        for name in names {
            if let Some(Value::String(value)) = headers.remove(&name)
                && (host.is_none() || name == "host")
            {
                host = Some(value);
            }
        }
    }
    let domain = obj
        .get("requestContext")
        .and_then(|ctx| ctx.get("domainName"));
    let domain_ok = match domain {
        None | Some(Value::Null) => true,
        Some(Value::String(domain)) => is_safe_host(domain),
        // Not a string: the event does not parse anyway.
        Some(_) => true,
    };
    let host = match host {
        Some(host) if is_safe_host(&host) => Some(host),
        _ if domain_ok => None,
        _ => Some(FALLBACK_HOST.to_string()),
    };
    if let Some(host) = host {
        match obj.get_mut("headers") {
            Some(Value::Object(headers)) => {
                headers.insert("host".into(), Value::String(host));
            }
            _ => {
                obj.insert("headers".into(), json!({ "host": host }));
            }
        }
    }
}

/// A `host[:port]` the URL parser surely accepts: a dotted-decimal IPv4 address, or a DNS
/// name of letters, digits and inner hyphens whose last label is not numeric (which would
/// make it an IPv4 address) and that has no punycode label.
fn is_safe_host(value: &str) -> bool {
    let (host, port) = match value.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (value, None),
    };
    let port_ok = port.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 5
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u16>().is_ok()
    });
    if !port_ok || host.is_empty() || host.len() > 253 {
        return false;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let decimal = |l: &str| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit());
    if labels.last().is_some_and(|l| decimal(l)) {
        return labels.len() == 4
            && labels.iter().all(|l| {
                decimal(l)
                    && l.len() <= 3
                    && (l.len() == 1 || !l.starts_with('0'))
                    && l.parse::<u8>().is_ok()
            });
    }
    let last_is_hex = labels.last().is_some_and(|l| {
        let l = l.to_ascii_lowercase();
        l.strip_prefix("0x")
            .is_some_and(|rest| rest.bytes().all(|b| b.is_ascii_hexdigit()))
    });
    !last_is_hex
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.get(2..4) != Some("--")
        })
}

/// The longest request URI let through to lambda_http (the `http` crate refuses URIs of
/// 64 KiB and more; API Gateway itself allows far less).
const MAX_URI_LEN: usize = 48 * 1024;

/// An upper bound of the length of the URI lambda_http builds from the event: its path
/// under the stage and its query (the host is at most 259 bytes once [`safe_host`] ran).
fn uri_len_bound(obj: &Map<String, Value>) -> usize {
    const PATH_KEEP: &[u8] = b"-._~!$&'()*+,;=:@/";
    const FORM_KEEP: &[u8] = b"*-._";
    let encoded = |s: &str, keep: &[u8]| -> usize {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || keep.contains(&b) {
                    1
                } else {
                    3
                }
            })
            .sum()
    };
    fn text(v: Option<&Value>) -> &str {
        v.and_then(Value::as_str).unwrap_or_default()
    }
    let stage = text(obj.get("requestContext").and_then(|c| c.get("stage")));
    let mut len = 300 + encoded(stage, PATH_KEEP);
    for key in ["rawPath", "path"] {
        len += encoded(text(obj.get(key)), PATH_KEEP);
    }
    len += text(obj.get("rawQueryString")).len();
    for key in ["queryStringParameters", "multiValueQueryStringParameters"] {
        if let Some(Value::Object(params)) = obj.get(key) {
            for (name, value) in params {
                let values = match value {
                    Value::Array(values) => values.iter().collect(),
                    value => vec![value],
                };
                for value in values {
                    let value = value.as_str().unwrap_or_default();
                    len += encoded(name, FORM_KEEP) + encoded(value, FORM_KEEP) + 2;
                }
            }
        }
    }
    len
}

/// Percent-encodes every byte of a raw query string that a URI may not carry as is.
fn encode_query(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    for b in query.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Path of the WebSocket API's `$connect` event.
pub const WS_CONNECT: &str = "/_ws/connect";
/// Path of the WebSocket API's `$disconnect` event.
pub const WS_DISCONNECT: &str = "/_ws/disconnect";
/// Path of any other WebSocket message (`$default`).
pub const WS_MESSAGE: &str = "/_ws/message";

/// Gives every Lambda event the path its route is written with:
/// - API Gateway puts a named stage in front of the path (`/api/v1/products`); the routes are
///   written without it, so it is removed. The `$default` stage has no prefix.
/// - WebSocket events have no path; they become `POST /_ws/{connect,disconnect,message}`.
///   The HTTP API has no such routes, so they cannot be reached from it.
fn route_event(mut req: Request) -> Request {
    let ws_path = match req.request_context_ref() {
        Some(RequestContext::WebSocket(ctx)) => Some(match ctx.event_type.as_deref() {
            Some("CONNECT") => WS_CONNECT,
            Some("DISCONNECT") => WS_DISCONNECT,
            _ => WS_MESSAGE,
        }),
        _ => None,
    };
    if let Some(path) = ws_path {
        if let Ok(uri) = path.parse() {
            *req.uri_mut() = uri;
        }
        *req.method_mut() = axum::http::Method::POST;
        return req;
    }
    let stage = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.stage.clone(),
        _ => None,
    };
    if let Some(stage) = stage.filter(|s| s != "$default") {
        let uri = req.uri().clone();
        let prefix = format!("/{stage}");
        if let Some(rest) = uri.path().strip_prefix(&prefix)
            && (rest.is_empty() || rest.starts_with('/'))
        {
            let rest = if rest.is_empty() { "/" } else { rest };
            let path_and_query = match uri.query() {
                Some(q) => format!("{rest}?{q}"),
                None => rest.to_string(),
            };
            let mut parts = uri.into_parts();
            if let Ok(pq) = path_and_query.parse() {
                parts.path_and_query = Some(pq);
                if let Ok(new_uri) = axum::http::Uri::from_parts(parts) {
                    *req.uri_mut() = new_uri;
                }
            }
        }
    }
    req
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::LogLines as Lines;
    use crate::testing::{As, call};
    use axum::routing::get;

    /// The JSON lines written so far.
    fn take(lines: &Lines) -> Vec<Value> {
        lines
            .take_text()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// JSON lines, as in Lambda, on this thread only.
    fn capture() -> (Lines, tracing::subscriber::DefaultGuard) {
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .without_time()
            .with_writer(move || writer.clone())
            .finish();
        (lines, tracing::subscriber::set_default(subscriber))
    }

    fn router() -> Router {
        finish(
            Router::new()
                .route("/things/{id}", get(|| async { "ok" }))
                .route("/quiet", get(|| async { ApiError::no_route() })),
        )
    }

    #[tokio::test]
    async fn every_request_is_one_line_with_its_path_status_and_duration() {
        let (lines, _guard) = capture();
        let r = router();
        call(&r, "GET", "/things/t-42?x=1", As::Public, None).await;
        call(&r, "GET", "/quiet", As::Public, None).await;
        call(&r, "POST", "/things/t-1", As::Public, None).await;
        let long = format!("/{}", "a".repeat(500));
        call(&r, "GET", &long, As::Public, None).await;
        let logged = take(&lines);
        let fields = |l: &Value| {
            (
                l["method"].as_str().unwrap().to_string(),
                l["path"].as_str().unwrap().to_string(),
                l["status"].as_u64().unwrap(),
            )
        };
        assert_eq!(logged.len(), 4, "{logged:?}");
        assert_eq!(
            fields(&logged[0]),
            ("GET".into(), "/things/t-42".into(), 200)
        );
        assert_eq!(fields(&logged[1]), ("GET".into(), "/quiet".into(), 404));
        assert_eq!(
            fields(&logged[2]),
            ("POST".into(), "/things/t-1".into(), 405)
        );
        let (_, path, status) = fields(&logged[3]);
        assert_eq!((path.len(), status), (MAX_LOGGED_PATH, 404));
        for line in &logged {
            assert_eq!(line["message"], "request");
            assert!(line["duration_ms"].as_f64().unwrap() >= 0.0, "{line}");
        }
    }

    /// The flat JSON lines of Lambda, on this thread only.
    fn capture_flat() -> (Lines, tracing::subscriber::DefaultGuard) {
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = crate::logging::json_subscriber(move || writer.clone()).finish();
        (lines, tracing::subscriber::set_default(subscriber))
    }

    #[tokio::test]
    async fn every_line_of_a_request_carries_its_correlation() {
        use crate::testing::call_raw;
        let (lines, _guard) = capture_flat();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let record = seen.clone();
        let r = finish(Router::new().route(
            "/work",
            get(move || {
                let record = record.clone();
                async move {
                    tracing::info!("working");
                    record.lock().unwrap().push(crate::correlation::current());
                    "ok"
                }
            }),
        ));
        // A public request: the API request id; what the client sends is not believed.
        call_raw(
            &r,
            "GET",
            "/work",
            As::Public,
            &[("x-correlation-id", "spoofed")],
            None,
        )
        .await;
        // A direct invocation: the caller's correlation, order and workflow.
        let internal = [
            ("x-correlation-id", "JKJaXmPLvHcESHA="),
            ("x-order-id", "o-1"),
            ("x-workflow-id", "order-o-1"),
        ];
        call_raw(&r, "GET", "/work", As::Internal, &internal, None).await;
        let logged = take(&lines);
        assert_eq!(logged.len(), 4, "{logged:?}");
        for line in &logged[..2] {
            assert_eq!(line["correlation_id"], "test-request", "{line}");
            assert!(line.get("order_id").is_none(), "{line}");
        }
        for line in &logged[2..] {
            assert_eq!(line["correlation_id"], "JKJaXmPLvHcESHA=", "{line}");
            assert_eq!(line["order_id"], "o-1", "{line}");
            assert_eq!(line["workflow_id"], "order-o-1", "{line}");
        }
        assert_eq!(logged[1]["message"], "request", "the access log line too");
        let seen = seen.lock().unwrap();
        assert_eq!(
            seen[1].as_ref().and_then(|c| c.order_id.as_deref()),
            Some("o-1"),
            "the handler's calls pass the correlation on"
        );
    }

    #[tokio::test]
    async fn an_event_that_cannot_be_served_is_logged_too() {
        let (lines, _guard) = capture();
        for event in [
            json!("not an object"),
            json!({"isBase64Encoded": true, "body": "%%%"}),
            json!({"something": "else"}),
        ] {
            let answer = answer(router(), event, Context::default()).await;
            assert_eq!(answer["statusCode"], 400);
            let logged = take(&lines);
            assert_eq!(logged.len(), 1, "{logged:?}");
            assert_eq!(logged[0]["level"], "WARN");
        }
    }
}
