//! The notification function's WebSocket events, shaped as MiniStack 1.5.33 sends them
//! (`ministack/services/apigateway.py`, `MINISTACK_HOST=127.0.0.1`), and malformed ones,
//! through `sagaway_shared::serve::answer` (the path every Lambda event takes) and the real
//! router. Each gets a JSON answer, and nothing panics, not even a panic that is caught.
//!
//! DynamoDB is an address where nothing listens: `$connect` and `$disconnect` reach the
//! store and get its error as a JSON 500; `$default` never touches it. On the in-memory store
//! and pusher, a connection lives from `$connect` to `$disconnect` and takes pushes between.

use aws_sdk_dynamodb::config::{Credentials, Region};
use lambda_http::Context;
use notification::http::{self, App};
use notification::push::{MemoryPusher, Pusher};
use notification::store::{DynamoStore, MemoryStore, NotificationStore};
use sagaway_shared::serve::{answer, finish};
use sagaway_shared::testing::{As, call};
use serde_json::{Value, json};
use std::cell::Cell;
use std::sync::Once;

thread_local! {
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

const NOWHERE: &str = "http://127.0.0.1:9";

async fn router() -> axum::Router {
    let sdk = sagaway_shared::aws::loader()
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .endpoint_url(NOWHERE)
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await;
    let app = App {
        store: DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), "notifications"),
        pusher: Pusher::new(&sdk, NOWHERE),
        mailer: notification::email::MemoryMailer::new(),
    };
    finish(http::router(app))
}

/// Answers `event` with the router on an unreachable DynamoDB.
async fn ask(event: Value) -> (u16, Value) {
    ask_on(router().await, event).await
}

/// Answers `event` with `router`; returns the status and the body parsed as JSON (Null when
/// it is not).
async fn ask_on(router: axum::Router, event: Value) -> (u16, Value) {
    count_panics();
    let before = PANICS.with(Cell::get);
    let reply = answer(router, event.clone(), Context::default()).await;
    assert_eq!(
        PANICS.with(Cell::get),
        before,
        "a panic happened (and was caught) for {event}"
    );
    let status = reply["statusCode"]
        .as_u64()
        .unwrap_or_else(|| panic!("no statusCode in {reply} for {event}"));
    let body = serde_json::from_str(reply["body"].as_str().unwrap_or_default())
        .unwrap_or_else(|_| panic!("the body of {reply} is not JSON (event {event})"));
    (status as u16, body)
}

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
        "domainName": "a1b2c3d4.execute-api.127.0.0.1",
        "connectionId": "9f8e7d6c5b4a3921",
        "apiId": "a1b2c3d4",
        "authorizer": { "auth": "ok", "customer_id": "c-1", "roles": "customer", "principalId": "c-1" },
    })
}

fn connect() -> Value {
    let headers = json!({
        "host": "127.0.0.1:4566",
        "upgrade": "websocket",
        "connection": "Upgrade",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version": "13",
    });
    let multi: serde_json::Map<String, Value> = headers
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), json!([v])))
        .collect();
    json!({
        "requestContext": ws_context("$connect", "CONNECT"),
        "body": "",
        "isBase64Encoded": false,
        "headers": headers,
        "multiValueHeaders": multi,
        "queryStringParameters": { "token": "t" },
        "multiValueQueryStringParameters": { "token": ["t"] },
    })
}

fn message(body: &str) -> Value {
    let mut ctx = ws_context("$default", "MESSAGE");
    ctx["messageId"] = json!("6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d");
    json!({ "requestContext": ctx, "body": body, "isBase64Encoded": false })
}

fn disconnect() -> Value {
    let mut ctx = ws_context("$disconnect", "DISCONNECT");
    ctx["disconnectReason"] = json!("");
    ctx["disconnectStatusCode"] = json!(1005);
    json!({ "requestContext": ctx, "body": "", "isBase64Encoded": false })
}

#[tokio::test]
async fn every_frame_gets_a_pong() {
    for frame in [
        "",
        "hello",
        r#"{"action":"ping"}"#,
        "{ not json",
        "\u{0}\u{1}\u{2}",
        "\u{fffd}\u{fffd}",
        "ünïcödé 🚀",
    ] {
        let (status, body) = ask(message(frame)).await;
        assert_eq!(status, 200, "frame {frame:?}: {body}");
        assert_eq!(body, json!({ "type": "pong" }));
    }
    // A binary frame, base64 as API Gateway sends it.
    let mut binary = message("AAECA/7/");
    binary["isBase64Encoded"] = json!(true);
    let (status, body) = ask(binary).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({ "type": "pong" }));
}

#[tokio::test]
async fn connect_and_disconnect_reach_the_store() {
    // The store is unreachable: a JSON 500, not a panic.
    let (status, body) = ask(connect()).await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["code"], "internal_error");
    let (status, body) = ask(disconnect()).await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["code"], "internal_error");
    // Without the authorizer's verdict, $connect is refused before the store.
    let mut anonymous = connect();
    anonymous["requestContext"]
        .as_object_mut()
        .unwrap()
        .remove("authorizer");
    let (status, body) = ask(anonymous).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["code"], "unauthenticated");
}

#[tokio::test]
async fn malformed_events_get_json_errors() {
    let mut no_connection = message("hi");
    no_connection["requestContext"]
        .as_object_mut()
        .unwrap()
        .remove("connectionId");
    let (status, body) = ask(no_connection).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "invalid_event");

    let mut bare = json!({ "requestContext": { "connectionId": "c-9", "eventType": "MESSAGE" } });
    let (status, body) = ask(bare.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({ "type": "pong" }));
    bare["requestContext"]["domainName"] = json!("x.1");
    bare["requestContext"]["identity"] = json!({ "sourceIp": "not an address" });
    let (status, body) = ask(bare).await;
    assert_eq!(status, 200, "{body}");

    let mut bad_base64 = message("***");
    bad_base64["isBase64Encoded"] = json!(true);
    for event in [
        bad_base64,
        Value::Null,
        json!("garbage"),
        json!({}),
        json!({ "requestContext": 5 }),
        json!({ "requestContext": { "eventType": "MESSAGE", "connectionId": 5 } }),
    ] {
        let (status, body) = ask(event.clone()).await;
        assert_eq!(status, 400, "{event}: {body}");
        assert_eq!(body["code"], "invalid_event", "{event}: {body}");
    }
}

#[tokio::test]
async fn the_http_api_cannot_reach_the_websocket_routes() {
    for path in ["/_ws/connect", "/_ws/disconnect", "/_ws/message"] {
        let event = json!({
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path,
            "rawQueryString": "",
            "headers": { "host": "127.0.0.1:4566" },
            "requestContext": {
                "apiId": "h1t2t3p4",
                "domainName": "h1t2t3p4.execute-api.127.0.0.1",
                "http": { "method": "POST", "path": path },
                "stage": "$default",
                "timeEpoch": 0
            },
            "body": "{}",
            "isBase64Encoded": false
        });
        let (status, body) = ask(event).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(body["code"], "no_route");
    }
}

#[tokio::test]
async fn a_connection_lives_from_connect_to_disconnect() {
    let (store, pusher) = (MemoryStore::new(), MemoryPusher::new());
    let app = finish(http::router(App {
        store: store.clone(),
        pusher: pusher.clone(),
        mailer: notification::email::MemoryMailer::new(),
    }));
    const CONNECTION: &str = "9f8e7d6c5b4a3921";

    let (status, body) = ask_on(app.clone(), connect()).await;
    assert_eq!((status, &body), (200, &json!({ "connected": true })));
    assert_eq!(store.connections("c-1").await.unwrap(), [CONNECTION]);

    let sent = call(
        &app,
        "POST",
        "/internal/notifications",
        As::Internal,
        Some(json!({
            "id": "o-1:PAID",
            "customer_id": "c-1",
            "kind": "order_status",
            "message": "Paid",
            "data": { "status": "PAID" }
        })),
    )
    .await;
    assert_eq!(sent.body["pushed"], 1, "{}", sent.body);
    assert_eq!(pusher.sent()[0].0, CONNECTION);

    let (status, body) = ask_on(app.clone(), disconnect()).await;
    assert_eq!((status, &body), (200, &json!({ "disconnected": true })));
    assert!(store.connections("c-1").await.unwrap().is_empty());
    // API Gateway may report a disconnect twice.
    let (status, _) = ask_on(app.clone(), disconnect()).await;
    assert_eq!(status, 200);

    // Without the authorizer's verdict nothing is remembered.
    let mut anonymous = connect();
    anonymous["requestContext"]
        .as_object_mut()
        .unwrap()
        .remove("authorizer");
    let (status, _) = ask_on(app, anonymous).await;
    assert_eq!(status, 401);
    assert!(store.connections("c-1").await.unwrap().is_empty());
}
