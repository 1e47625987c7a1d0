//! Notifications: stored, listed through the API, pushed over the WebSocket API.

use futures::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;
use system_tests::{Stack, assert_problem, unique};
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

fn ws_url(token: &str) -> String {
    let base = std::env::var("SAGAWAY_WS_URL").expect("SAGAWAY_WS_URL: run tests/system.sh");
    format!("{base}?token={token}")
}

async fn send(stack: &Stack, id: &str, customer: &str, message: &str) -> system_tests::Reply {
    stack
        .internal(
            "notification",
            "POST",
            "/internal/notifications",
            Some(json!({
                "id": id, "customer_id": customer, "order_id": "o-1",
                "kind": "order_status", "message": message, "data": { "status": "CONFIRMED" }
            })),
        )
        .await
}

/// The next text message within `wait`, as JSON.
async fn next_json<S>(ws: &mut S, wait: Duration) -> Option<Value>
where
    S: futures::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return serde_json::from_str(&t).ok(),
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn a_websocket_client_gets_its_own_notifications_only() {
    let stack = Stack::from_env().await;
    let (alice, alice_id) = stack.api.new_shopper("ws-alice").await;
    let (_, bob_id) = stack.api.new_shopper("ws-bob").await;
    let token = alice.token().expect("alice has a token");
    let (mut ws, _) = connect_async(ws_url(&token))
        .await
        .expect("a valid token connects");

    // A notification for Bob is not pushed to Alice.
    let r = send(&stack, &unique("n"), &bob_id, "for bob").await;
    assert_eq!(r.status, 201, "{}", r.text);
    // One for Alice is.
    let id = unique("n");
    let r = send(&stack, &id, &alice_id, "Your order is confirmed").await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["pushed"], 1, "{}", r.text);
    let got = next_json(&mut ws, Duration::from_secs(10))
        .await
        .expect("alice receives a push");
    assert_eq!(
        got["notification"]["id"],
        id.as_str(),
        "only alice's arrives: {got}"
    );
    assert_eq!(got["notification"]["message"], "Your order is confirmed");
    assert!(
        next_json(&mut ws, Duration::from_millis(1500))
            .await
            .is_none(),
        "nothing else arrives"
    );

    // Sending the same id again stores and pushes nothing more.
    let r = send(&stack, &id, &alice_id, "Your order is confirmed").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["repeated"], true);

    // Stored, and listed newest first through the API.
    let r = alice.get("/v1/notifications").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let items = r.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{}", r.text);
    assert_eq!(items[0]["id"], id.as_str());

    // After the client closes, a push finds the connection gone and forgets it.
    ws.close(None).await.ok();
    drop(ws);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let r = send(&stack, &unique("n"), &alice_id, "after close").await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["pushed"], 0, "{}", r.text);
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn a_websocket_without_a_valid_token_is_refused() {
    let stack = Stack::from_env().await;
    let (_, id) = stack.api.new_shopper("ws-refused").await;
    assert!(connect_async(ws_url("not-a-token")).await.is_err());
    let base = std::env::var("SAGAWAY_WS_URL").expect("SAGAWAY_WS_URL");
    assert!(connect_async(base).await.is_err(), "no token at all");
    // Bad input on the internal send.
    let r = send(&stack, "bad id", &id, "x").await;
    assert_problem(&r, 422, "validation_failed");
    let r = send(&stack, &unique("n"), &id, "  ").await;
    assert_problem(&r, 422, "validation_failed");
    let r = stack
        .internal(
            "notification",
            "POST",
            "/internal/notifications",
            Some(json!({ "kind": "x" })),
        )
        .await;
    assert_problem(&r, 422, "invalid_body");
    let r = stack.api.get("/v1/notifications").await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn frames_of_any_shape_get_an_answer_never_a_crash() {
    use futures::SinkExt;
    let stack = Stack::from_env().await;
    let (alice, alice_id) = stack.api.new_shopper("ws-frames").await;
    let token = alice.token().expect("a token");
    let (mut ws, _) = connect_async(ws_url(&token)).await.expect("connects");
    let frames = [
        Message::Text("hello".into()),
        Message::Text("{\"action\": \"ping\"}".into()),
        Message::Text("{".into()),
        Message::Text("".into()),
        Message::Text("\u{1F600} \u{0} é".into()),
        Message::Text("x".repeat(20_000).into()),
        Message::Binary(vec![0u8, 159, 146, 150, 255].into()),
    ];
    for frame in frames {
        let shown = format!("{frame:?}").chars().take(60).collect::<String>();
        ws.send(frame).await.expect("sending a frame");
        let answer = next_json(&mut ws, Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("no JSON answer to {shown}"));
        assert_eq!(answer["type"], "pong", "{shown}: {answer}");
    }
    // The connection still works afterwards: a notification is pushed.
    let id = unique("n");
    let r = send(&stack, &id, &alice_id, "still here").await;
    assert_eq!(r.status, 201, "{}", r.text);
    let got = next_json(&mut ws, Duration::from_secs(10))
        .await
        .expect("a push");
    assert_eq!(got["notification"]["id"], id.as_str(), "{got}");
}
