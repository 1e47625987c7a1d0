//! Lambda events of every shape through `serve::answer`, the code path every function runs
//! in Lambda: each gets an answer, and nothing panics (not even a panic that is caught).
//!
//! The WebSocket events are built as MiniStack 1.5.33 builds them
//! (`ministack/services/apigateway.py`: `_ws_request_context`, `_ws_connect_fields`,
//! `_invoke_ws_lambda`), with `MINISTACK_HOST=127.0.0.1` as `localstack/lib.sh` sets it.

use axum::Router;
use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::routing::{get, post};
use lambda_http::Context;
use lambda_http::request::RequestContext;
use sagaway_shared::ApiError;
use sagaway_shared::auth::Caller;
use sagaway_shared::serve::{WS_CONNECT, WS_DISCONNECT, WS_MESSAGE, answer, finish};
use serde_json::{Value, json};
use std::cell::Cell;
use std::sync::Once;

// ---------------------------------------------------------------------------------------
// No panics, caught or not.

thread_local! {
    /// Panics on this thread (each test runs on its own thread, its runtime too).
    static PANICS: Cell<usize> = const { Cell::new(0) };
}
static HOOK: Once = Once::new();

/// Counts every panic (a caught one too) on the thread it happens on.
fn count_panics() {
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.with(|n| n.set(n.get() + 1));
            default(info);
        }));
    });
}

// ---------------------------------------------------------------------------------------
// A router with the WebSocket routes the notification function has.

struct Connection(String);

impl<S: Send + Sync> FromRequestParts<S> for Connection {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<RequestContext>() {
            Some(RequestContext::WebSocket(ctx)) => ctx
                .connection_id
                .clone()
                .map(Connection)
                .ok_or_else(ApiError::no_route),
            _ => Err(ApiError::no_route()),
        }
    }
}

fn router() -> Router {
    finish(
        Router::new()
            .route(
                WS_CONNECT,
                post(|Connection(c): Connection, caller: Caller| async move {
                    axum::Json(json!({ "route": "connect", "connection": c, "customer": caller.customer_id }))
                }),
            )
            .route(
                WS_DISCONNECT,
                post(|Connection(c): Connection| async move {
                    axum::Json(json!({ "route": "disconnect", "connection": c }))
                }),
            )
            .route(
                WS_MESSAGE,
                post(|Connection(c): Connection, body: Bytes| async move {
                    axum::Json(json!({ "route": "message", "connection": c, "bytes": body.len() }))
                }),
            )
            .route(
                "/v1/things",
                get(|uri: axum::http::Uri| async move {
                    axum::Json(json!({ "route": "things", "query": uri.query() }))
                }),
            ),
    )
}

/// The answer to `event`, checked to be a well-formed proxy response; panics are counted.
async fn ask(event: Value) -> (u16, Value) {
    count_panics();
    let before = PANICS.with(Cell::get);
    let reply = answer(router(), event.clone(), Context::default()).await;
    assert_eq!(
        PANICS.with(Cell::get),
        before,
        "a panic happened (and was caught) for {event}"
    );
    let status = reply["statusCode"]
        .as_u64()
        .unwrap_or_else(|| panic!("no statusCode in {reply} for {event}"));
    let body = reply["body"].as_str().unwrap_or_default();
    let body = serde_json::from_str(body).unwrap_or(Value::Null);
    (status as u16, body)
}

// ---------------------------------------------------------------------------------------
// MiniStack's WebSocket events.

const API: &str = "a1b2c3d4";

/// `_ws_request_context`: `domainName` is `{apiId}.execute-api.{MINISTACK_HOST}`.
fn ws_context(route_key: &str, event_type: &str) -> Value {
    json!({
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": "5f0c7d3e-0d4c-4f43-9d7e-2a9a3c1f0b11",
        "requestTime": "01/Jan/2026:12:00:00 +0000",
        "stage": "local",
        "connectedAt": 1_767_268_800_000_i64,
        "requestTimeEpoch": 1_767_268_800_000_i64,
        "identity": { "sourceIp": "127.0.0.1", "userAgent": "Python/3.11 websockets/15.0" },
        "requestId": "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6",
        "domainName": format!("{API}.execute-api.127.0.0.1"),
        "connectionId": "9f8e7d6c5b4a3921",
        "apiId": API,
    })
}

/// The authorizer context MiniStack puts in after an `Allow` (stringified, plus principalId).
fn authorizer() -> Value {
    json!({ "auth": "ok", "customer_id": "c-1", "roles": "customer", "principalId": "c-1" })
}

fn handshake_headers() -> Value {
    json!({
        "host": "127.0.0.1:4566",
        "upgrade": "websocket",
        "connection": "Upgrade",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version": "13",
        "user-agent": "Python/3.11 websockets/15.0",
    })
}

fn ministack_connect() -> Value {
    let mut ctx = ws_context("$connect", "CONNECT");
    ctx["authorizer"] = authorizer();
    let headers = handshake_headers();
    let multi: serde_json::Map<String, Value> = headers
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), json!([v])))
        .collect();
    json!({
        "requestContext": ctx,
        "body": "",
        "isBase64Encoded": false,
        "headers": headers,
        "multiValueHeaders": multi,
        "queryStringParameters": { "token": "eyJhbGciOiJFZERTQSJ9.e30.c2ln" },
        "multiValueQueryStringParameters": { "token": ["eyJhbGciOiJFZERTQSJ9.e30.c2ln"] },
    })
}

fn ministack_message(body: &str) -> Value {
    let mut ctx = ws_context("$default", "MESSAGE");
    ctx["authorizer"] = authorizer();
    ctx["messageId"] = json!("6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d");
    json!({ "requestContext": ctx, "body": body, "isBase64Encoded": false })
}

fn ministack_disconnect() -> Value {
    let mut ctx = ws_context("$disconnect", "DISCONNECT");
    ctx["authorizer"] = authorizer();
    ctx["disconnectReason"] = json!("");
    ctx["disconnectStatusCode"] = json!(1005);
    json!({ "requestContext": ctx, "body": "", "isBase64Encoded": false })
}

#[tokio::test]
async fn ministack_connect_message_and_disconnect_are_routed() {
    let (status, body) = ask(ministack_connect()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({ "route": "connect", "connection": "9f8e7d6c5b4a3921", "customer": "c-1" })
    );

    let (status, body) = ask(ministack_message(r#"{"action":"ping"}"#)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["route"], "message");
    assert_eq!(body["connection"], "9f8e7d6c5b4a3921");
    assert_eq!(body["bytes"], 17);

    let (status, body) = ask(ministack_disconnect()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["route"], "disconnect");
}

#[tokio::test]
async fn any_frame_is_answered() {
    let long = "x".repeat(200_000);
    let frames = [
        "",
        "hello",
        "not json {",
        "{\"action\":",
        "null",
        "[1,2,3]",
        "\u{0}\u{1}\u{7f}",
        "\u{fffd}\u{fffd}binary\u{fffd}",
        "ünïcödé ✓ 🚀",
        long.as_str(),
    ];
    for frame in frames {
        let (status, body) = ask(ministack_message(frame)).await;
        if frame.len() > 100_000 {
            // Larger than the body limit of the test route, which reads it.
            assert_eq!(status, 413, "{body}");
        } else {
            assert_eq!(status, 200, "frame {frame:?}: {body}");
            assert_eq!(body["route"], "message");
        }
    }
}

#[tokio::test]
async fn binary_frames_are_answered() {
    // Base64 bodies (as API Gateway sends binary frames).
    let mut event = ministack_message("AAECA/7/");
    event["isBase64Encoded"] = json!(true);
    let (status, body) = ask(event).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["bytes"], 6);
    // Marked base64 but is not: 400, where lambda_http would panic.
    let mut event = ministack_message("%%% not base64 %%%");
    event["isBase64Encoded"] = json!(true);
    let (status, body) = ask(event).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "invalid_event");
}

#[tokio::test]
async fn hosts_the_url_parser_refuses_do_not_panic() {
    let hosts = [
        "a1b2c3d4.execute-api.127.0.0.1",
        "a1b2c3d4.execute-api.127.0.0.1:4566",
        "execute-api.1",
        "x.0x10",
        "256.1.1.1",
        "01.2.3.4",
        "1.2.3",
        "host:99999",
        "host:",
        "host:port",
        "[::1",
        "[::1]:4566",
        "a b",
        "xn--zz.example",
        "-bad-.example",
        "",
        ":",
        "user@host",
        "ho/st",
        "h%st",
        "ünïcode.example",
    ];
    for host in hosts {
        // As the domain name of a header-less MESSAGE.
        let mut event = ministack_message("hi");
        event["requestContext"]["domainName"] = json!(host);
        let (status, body) = ask(event).await;
        assert_eq!(status, 200, "domainName {host:?}: {body}");
        // As the Host header of a CONNECT (the domain name is fine).
        let mut event = ministack_connect();
        event["headers"]["host"] = json!(host);
        event["headers"]["Host"] = json!(host);
        event["multiValueHeaders"]["host"] = json!([host]);
        let (status, body) = ask(event).await;
        assert_eq!(status, 200, "Host {host:?}: {body}");
        // Both.
        let mut event = ministack_connect();
        event["headers"]["host"] = json!(host);
        event["requestContext"]["domainName"] = json!(host);
        let (status, body) = ask(event).await;
        assert_eq!(status, 200, "Host and domainName {host:?}: {body}");
    }
}

#[tokio::test]
async fn odd_websocket_events_get_json_answers() {
    let mut no_ids = ministack_message("hi");
    let ctx = no_ids["requestContext"].as_object_mut().unwrap();
    ctx.remove("connectionId");
    let mut no_times = ministack_message("hi");
    let ctx = no_times["requestContext"].as_object_mut().unwrap();
    ctx.remove("connectedAt");
    ctx.remove("requestTimeEpoch");
    let mut no_identity = ministack_message("hi");
    no_identity["requestContext"]
        .as_object_mut()
        .unwrap()
        .remove("identity");
    let mut no_source_ip = ministack_message("hi");
    no_source_ip["requestContext"]["identity"] = json!({});
    let mut null_source_ip = ministack_message("hi");
    null_source_ip["requestContext"]["identity"]["sourceIp"] = Value::Null;
    let mut bad_headers = ministack_connect();
    bad_headers["headers"]["bad header"] = json!("v");
    bad_headers["headers"]["x-bad-value"] = json!("line\nbreak");
    bad_headers["headers"]["x-number"] = json!(5);
    bad_headers["headers"]["x-forwarded-proto"] = json!("gopher ://");
    bad_headers["multiValueHeaders"]["x-bad-value"] = json!(["ok", "line\nbreak", 7]);
    let mut headers_not_object = ministack_connect();
    headers_not_object["headers"] = json!("host: 127.0.0.1");
    headers_not_object["multiValueHeaders"] = json!([1, 2]);
    let mut odd_query = ministack_connect();
    odd_query["queryStringParameters"] = json!({ "token": "a b#c\"<>`{}|\\^ ü", "": "" });
    odd_query["multiValueQueryStringParameters"] = json!({ "token": ["a b", "#"] });
    let mut odd_path = ministack_message("hi");
    odd_path["path"] = json!(":99999");
    let mut odd_stage = ministack_message("hi");
    odd_stage["requestContext"]["stage"] = json!("st age#?:99999/..\\%");
    let mut no_stage = ministack_message("hi");
    no_stage["requestContext"]["stage"] = Value::Null;
    let mut unknown_type = ministack_message("hi");
    unknown_type["requestContext"]["eventType"] = json!("SOMETHING");

    for event in [
        no_times,
        no_identity,
        no_source_ip,
        null_source_ip,
        bad_headers,
        headers_not_object,
        odd_query,
        odd_path,
        odd_stage,
        no_stage,
        unknown_type,
    ] {
        let (status, body) = ask(event.clone()).await;
        assert_eq!(status, 200, "{event}: {body}");
    }

    // A WebSocket event without a connection id reaches the route, which refuses it.
    let (status, body) = ask(no_ids).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["code"], "no_route");
}

#[tokio::test]
async fn events_that_are_no_api_gateway_event_get_a_400() {
    let mut connected_at_text = ministack_message("hi");
    connected_at_text["requestContext"]["connectedAt"] = json!("yesterday");
    let mut ctx_not_object = ministack_message("hi");
    ctx_not_object["requestContext"] = json!("ctx");
    let mut connection_id_number = ministack_message("hi");
    connection_id_number["requestContext"]["connectionId"] = json!(5);
    let mut body_number = ministack_message("hi");
    body_number["body"] = json!(5);
    let mut huge_path = ministack_message("hi");
    huge_path["path"] = json!(format!("/{}", "%".repeat(70_000)));
    for event in [
        Value::Null,
        json!(true),
        json!(1),
        json!("text"),
        json!([1, 2]),
        json!({}),
        json!({ "body": "hi" }),
        json!({ "requestContext": {} }),
        json!({ "requestContext": { "connectionId": "c" }, "body": {} }),
        ctx_not_object,
        connection_id_number,
        body_number,
        huge_path,
    ] {
        let (status, body) = ask(event.clone()).await;
        assert_eq!(status, 400, "{event}: {body}");
        assert_eq!(body["code"], "invalid_event", "{event}: {body}");
    }
    // connectedAt is only a timestamp: a wrong one is replaced, not refused.
    let (status, body) = ask(connected_at_text).await;
    assert_eq!(status, 200, "{body}");
}

// ---------------------------------------------------------------------------------------
// HTTP API (payload 2.0) events through the same path.

fn http_event(path: &str, query: &str) -> Value {
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": { "host": "127.0.0.1:4566", "accept": "application/json" },
        "requestContext": {
            "apiId": "h1t2t3p4",
            "domainName": "h1t2t3p4.execute-api.127.0.0.1",
            "http": { "method": "GET", "path": path, "protocol": "HTTP/1.1",
                      "sourceIp": "127.0.0.1", "userAgent": "curl/8" },
            "requestId": "r-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "01/Jan/2026:12:00:00 +0000",
            "timeEpoch": 1_767_268_800_000_i64
        },
        "isBase64Encoded": false
    })
}

#[tokio::test]
async fn http_api_events_still_work() {
    let (status, body) = ask(http_event("/v1/things", "a=1&b=two")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({ "route": "things", "query": "a=1&b=two" }));

    // A named stage is removed from the path.
    let mut staged = http_event("/api/v1/things", "");
    staged["requestContext"]["stage"] = json!("api");
    let (status, body) = ask(staged).await;
    assert_eq!(status, 200, "{body}");

    // The HTTP API cannot reach the WebSocket routes.
    let mut ws = http_event(WS_MESSAGE, "");
    ws["requestContext"]["http"]["method"] = json!("POST");
    let (status, body) = ask(ws).await;
    assert_eq!(status, 404, "{body}");

    let (status, _) = ask(http_event("/nope", "")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn odd_http_api_events_do_not_panic() {
    // No Host header, and a domain name the URL parser refuses.
    let mut no_host = http_event("/v1/things", "");
    no_host["headers"].as_object_mut().unwrap().remove("host");
    let mut bad_host = http_event("/v1/things", "");
    bad_host["headers"]["host"] = json!("a.b.1:70000");
    let mut bad_proto = http_event("/v1/things", "");
    bad_proto["headers"]["x-forwarded-proto"] = json!("not a scheme");
    let mut raw_query = http_event("/v1/things", "q=a b&c=\"<>`#frag\u{1}&d=ü");
    raw_query["headers"]["host"] = json!("localhost");
    let relative = http_event("v1/things", "");
    let port_path = http_event(":99999", "");
    for event in [no_host, bad_host, bad_proto, raw_query, relative, port_path] {
        let (status, body) = ask(event.clone()).await;
        assert!(status == 200 || status == 404, "{event}: {status} {body}");
        assert!(body.is_object(), "{event}: {body}");
    }

    let mut bad_method = http_event("/v1/things", "");
    bad_method["requestContext"]["http"]["method"] = json!("NOT A METHOD");
    let mut huge_query = http_event("/v1/things", "");
    huge_query["rawQueryString"] = json!("q=".to_string() + &"é".repeat(40_000));
    for event in [bad_method, huge_query] {
        let (status, body) = ask(event.clone()).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["code"], "invalid_event");
    }
}
