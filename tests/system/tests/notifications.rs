//! Notifications: stored, listed through the API, pushed over the WebSocket API.

use futures::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;
use std::time::Instant;
use system_tests::{Api, Stack, assert_problem, place_order, unique};

const OK: &str = "4242424242424242";
const DECLINE: &str = "4000000000000002";

/// The emails the emulator's SES took, to `to` (MiniStack's `GET /_ministack/ses/messages`).
async fn mails_to(to: &str) -> Vec<Value> {
    let endpoint = std::env::var("SAGAWAY_AWS_ENDPOINT").expect("SAGAWAY_AWS_ENDPOINT");
    let body: Value = reqwest::get(format!("{endpoint}/_ministack/ses/messages"))
        .await
        .expect("the emulator answers")
        .json()
        .await
        .expect("JSON");
    body["messages"]
        .as_object()
        .map(|accounts| {
            accounts
                .values()
                .flat_map(|m| m.as_array().cloned().unwrap_or_default())
                .filter(|m| {
                    m["To"]
                        .as_array()
                        .is_some_and(|t| t.iter().any(|a| a == to))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Polls until the order is CONFIRMED or CANCELLED.
async fn settled(api: &Api, order_id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = api.get(&format!("/v1/orders/{order_id}")).await;
        let s = r.body["status"].as_str().unwrap_or("");
        if s == "CONFIRMED" || s == "CANCELLED" {
            return r.body;
        }
        assert!(
            Instant::now() < deadline,
            "order {order_id} did not settle: {}",
            r.text
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Waits (a little) for `n` emails to `to` with this subject.
async fn wait_for_mails(to: &str, subject: &str, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mails: Vec<Value> = mails_to(to)
            .await
            .into_iter()
            .filter(|m| m["Subject"] == subject)
            .collect();
        if mails.len() >= n || Instant::now() > deadline {
            return mails;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
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

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn confirmed_and_cancelled_orders_are_emailed_once_each() {
    let stack = Stack::from_env().await;
    let product = stack.product("mail", 10).await;
    let (shopper, customer_id) = stack.api.new_shopper("mail").await;
    let me = shopper.get("/v1/customers/me").await;
    let email = me.body["email"].as_str().expect("my email").to_string();

    // OK card: one CONFIRMED email in the web app's words.
    let r = place_order(&shopper, &[(&product, 2)], OK, None).await;
    assert_eq!(r.status, 202, "{}", r.text);
    let order_id = r.body["order_id"].as_str().expect("id").to_string();
    let order = settled(&shopper, &order_id).await;
    assert_eq!(order["status"], "CONFIRMED", "{order}");
    let number = sagaway_contract::order::order_number(&order_id);
    let confirmed = sagaway_contract::OrderStatus::Confirmed.text();
    let subject = format!("Order #{number}: {}", confirmed.title);
    let mails = wait_for_mails(&email, &subject, 1).await;
    assert_eq!(mails.len(), 1, "one email: {mails:?}");
    let body = mails[0]["BodyText"].as_str().unwrap_or("");
    assert!(body.contains(&confirmed.title), "{body}");
    assert!(body.contains(&confirmed.detail), "{body}");
    assert!(body.contains(&format!("Order #{number}")), "{body}");
    assert!(body.contains(&product), "the lines: {body}");
    assert!(body.contains("Total: "), "{body}");
    assert_eq!(mails[0]["Source"], "orders@sagaway.example");

    // The saga's notification repeated (as a retried activity does) sends no second email.
    let again = stack
        .internal(
            "notification",
            "POST",
            "/internal/notifications",
            Some(json!({
                "id": format!("{order_id}:CONFIRMED"), "customer_id": customer_id,
                "order_id": order_id, "kind": "order_status", "message": "again",
                "data": { "status": "CONFIRMED" },
                "receipt": { "email": email, "lines": [], "total_cents": 1, "currency": "USD" }
            })),
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["repeated"], true);

    // DECLINE card: one CANCELLED email with the reason.
    let r = place_order(&shopper, &[(&product, 1)], DECLINE, None).await;
    assert_eq!(r.status, 202, "{}", r.text);
    let declined_id = r.body["order_id"].as_str().expect("id").to_string();
    let order = settled(&shopper, &declined_id).await;
    assert_eq!(order["status"], "CANCELLED", "{order}");
    let reason = order["history"]
        .as_array()
        .and_then(|h| h.last())
        .and_then(|e| e["reason"].as_str())
        .unwrap_or("")
        .to_string();
    let cancelled = sagaway_contract::OrderStatus::Cancelled.text();
    let subject_c = format!(
        "Order #{}: {}",
        sagaway_contract::order::order_number(&declined_id),
        cancelled.title
    );
    let mails = wait_for_mails(&email, &subject_c, 1).await;
    assert_eq!(mails.len(), 1, "one email: {mails:?}");
    let body = mails[0]["BodyText"].as_str().unwrap_or("");
    assert!(body.contains(&cancelled.detail), "{body}");
    assert!(!reason.is_empty());
    assert!(body.contains(&format!("Reason: {reason}")), "{body}");

    // Exactly one email per order and status, and none for the other statuses.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let all = mails_to(&email).await;
    let subjects: Vec<&str> = all.iter().filter_map(|m| m["Subject"].as_str()).collect();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert!(subjects.contains(&subject.as_str()) && subjects.contains(&subject_c.as_str()));
}
