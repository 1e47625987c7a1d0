//! The order saga end to end: POST /v1/orders through API Gateway, the gateway starts the
//! OrderSaga on the Temporal dev server, the worker runs it against the services.

use futures::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use system_tests::{Api, Stack, assert_problem, place_order as place, unique};
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

const OK: &str = "4242424242424242";
const DECLINE: &str = "4000000000000002";
const TRANSIENT: &str = "4000000000000119";

/// Polls the order until it is CONFIRMED or CANCELLED.
async fn settled(api: &Api, order_id: &str, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let r = api.get(&format!("/v1/orders/{order_id}")).await;
        if r.status == 200 {
            let s = r.body["status"].as_str().unwrap_or("");
            if s == "CONFIRMED" || s == "CANCELLED" {
                return r.body;
            }
        }
        assert!(
            Instant::now() < deadline,
            "order {order_id} did not settle within {within:?}: {}",
            r.text
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn history(order: &Value) -> Vec<String> {
    order["history"]
        .as_array()
        .map(|h| {
            h.iter()
                .map(|e| e["status"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The order's payment as the payment service stored it (`Null` when there is none).
async fn payment(stack: &Stack, order_id: &str) -> serde_json::Value {
    stack
        .stored("payment", &format!("payment#{order_id}"))
        .await
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn happy_path_confirms_with_one_charge_and_live_notifications() {
    let stack = Stack::from_env().await;
    let product = stack.product("saga-ok", 5).await;
    let (shopper, _) = stack.api.new_shopper("saga-ok").await;
    let token = shopper.token().expect("token");
    let ws_base = std::env::var("SAGAWAY_WS_URL").expect("SAGAWAY_WS_URL");
    let (mut ws, _) = connect_async(format!("{ws_base}?token={token}"))
        .await
        .expect("websocket");

    let r = place(&shopper, &[(&product, 2)], OK, None).await;
    assert_eq!(r.status, 202, "{}", r.text);
    let order_id = r.body["order_id"].as_str().expect("order id").to_string();
    assert_eq!(r.body["total_cents"], 2000, "priced from the catalog");

    let order = settled(&shopper, &order_id, Duration::from_secs(60)).await;
    assert_eq!(order["status"], "CONFIRMED", "{order}");
    assert_eq!(
        history(&order),
        ["PENDING", "RESERVED", "PAID", "CONFIRMED"]
    );
    assert_eq!(stack.stock(&product).await, 3, "stock decremented");
    let p = payment(&stack, &order_id).await;
    assert_eq!(p["status"], "CHARGED");
    assert_eq!(p["captures"], 1, "one charge");
    assert_eq!(p["amount_cents"], 2000);

    // The notifications arrived over the WebSocket, in order.
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(15);
    while seen.last().map(String::as_str) != Some("CONFIRMED") && Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: Value = serde_json::from_str(&t).unwrap_or_default();
                if v["notification"]["order_id"] == order_id.as_str() {
                    seen.push(
                        v["notification"]["data"]["status"]
                            .as_str()
                            .unwrap_or("")
                            .to_string(),
                    );
                }
            }
            Ok(Some(Ok(_))) => {}
            _ => break,
        }
    }
    assert_eq!(seen, ["PENDING", "RESERVED", "PAID", "CONFIRMED"]);
    let r = shopper.get("/v1/notifications").await;
    assert!(
        r.body["items"].as_array().map(Vec::len).unwrap_or(0) >= 4,
        "{}",
        r.text
    );

    // The saga's own view.
    let r = shopper.get(&format!("/v1/orders/{order_id}/saga")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["finished"], true);
    assert_eq!(r.body["status"], "CONFIRMED");

    // Cancelling a confirmed order is a clear 409.
    let r = shopper
        .send(Method::POST, &format!("/v1/orders/{order_id}/cancel"), None)
        .await;
    assert_problem(&r, 409, "not_cancellable");
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn out_of_stock_cancels_with_reason_and_no_charge() {
    let stack = Stack::from_env().await;
    let product = stack.product("saga-oos", 1).await;
    let (shopper, _) = stack.api.new_shopper("saga-oos").await;
    let r = place(&shopper, &[(&product, 3)], OK, None).await;
    assert_eq!(r.status, 202, "{}", r.text);
    let order_id = r.body["order_id"].as_str().expect("id").to_string();
    let order = settled(&shopper, &order_id, Duration::from_secs(60)).await;
    assert_eq!(order["status"], "CANCELLED", "{order}");
    let reason = order["history"]
        .as_array()
        .and_then(|h| h.last())
        .map(|e| e["reason"].as_str().unwrap_or("").to_string())
        .unwrap_or_default();
    assert!(
        reason.contains("not enough stock"),
        "the reason says why: {reason}"
    );
    assert_eq!(stack.stock(&product).await, 1, "stock unchanged");
    let p = payment(&stack, &order_id).await;
    assert_ne!(p["status"], "CHARGED", "no charge: {p}");
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn declined_card_releases_stock_and_cancels() {
    let stack = Stack::from_env().await;
    let product = stack.product("saga-decline", 4).await;
    let (shopper, _) = stack.api.new_shopper("saga-decline").await;
    let r = place(&shopper, &[(&product, 2)], DECLINE, None).await;
    let order_id = r.body["order_id"].as_str().expect("id").to_string();
    let order = settled(&shopper, &order_id, Duration::from_secs(60)).await;
    assert_eq!(order["status"], "CANCELLED", "{order}");
    assert_eq!(
        history(&order),
        ["PENDING", "RESERVED", "COMPENSATING", "CANCELLED"]
    );
    assert!(order.to_string().contains("declined"), "{order}");
    assert_eq!(stack.stock(&product).await, 4, "stock released");
    let p = payment(&stack, &order_id).await;
    assert_eq!(p["status"], "DECLINED");
    assert_eq!(p["captures"], 0, "no charge left");
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn transient_payment_errors_are_retried_with_growing_delays() {
    let stack = Stack::from_env().await;
    let product = stack.product("saga-flaky", 3).await;
    let (shopper, _) = stack.api.new_shopper("saga-flaky").await;
    let started = Instant::now();
    let r = place(&shopper, &[(&product, 1)], TRANSIENT, None).await;
    let order_id = r.body["order_id"].as_str().expect("id").to_string();
    // While the charge is retried, the saga's state shows the attempt (and why the last one
    // failed), with no card number in it.
    let mut attempts = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let s = shopper.get(&format!("/v1/orders/{order_id}/saga")).await;
        assert_eq!(s.status, 200, "{}", s.text);
        if let Some(a) = s.body["attempt"].as_u64() {
            assert_eq!(s.body["step"], "charge_payment", "{}", s.text);
            assert!(a >= 2, "an attempt is shown from the second on: {}", s.text);
            let failure = s.body["last_failure"].as_str().unwrap_or("");
            assert!(!failure.contains(&TRANSIENT[4..]), "{failure}");
            attempts.push(a);
        }
        if s.body["finished"] == true || s.body["status"] == "CONFIRMED" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        !attempts.is_empty(),
        "the retried charge showed its attempt"
    );
    assert!(
        attempts.windows(2).all(|w| w[0] <= w[1]),
        "attempts only grow: {attempts:?}"
    );
    let order = settled(&shopper, &order_id, Duration::from_secs(90)).await;
    assert_eq!(order["status"], "CONFIRMED", "{order}");
    let s = shopper.get(&format!("/v1/orders/{order_id}/saga")).await;
    assert_eq!(
        s.body["attempt"],
        Value::Null,
        "nothing pending: {}",
        s.text
    );
    // Three failures, retried after 1 s, 2 s and 4 s: at least 7 s in all.
    assert!(
        started.elapsed() >= Duration::from_secs(7),
        "retries back off: {:?}",
        started.elapsed()
    );
    let p = payment(&stack, &order_id).await;
    assert_eq!(p["attempts"], 4, "{p}");
    assert_eq!(p["captures"], 1, "exactly one charge");
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn cancel_before_payment_compensates() {
    let stack = Stack::from_env().await;
    let product = stack.product("saga-cancel", 3).await;
    let (shopper, _) = stack.api.new_shopper("saga-cancel").await;
    // The transient card keeps the saga before payment for several seconds.
    let r = place(&shopper, &[(&product, 2)], TRANSIENT, None).await;
    let order_id = r.body["order_id"].as_str().expect("id").to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let s = shopper.get(&format!("/v1/orders/{order_id}/saga")).await;
        if s.body["step"] == "charge_payment" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "saga never reached payment: {}",
            s.text
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let r = shopper
        .json(
            Method::POST,
            &format!("/v1/orders/{order_id}/cancel"),
            &json!({ "reason": "changed my mind" }),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let order = settled(&shopper, &order_id, Duration::from_secs(90)).await;
    assert_eq!(order["status"], "CANCELLED", "{order}");
    assert!(order.to_string().contains("changed my mind"), "{order}");
    assert_eq!(stack.stock(&product).await, 3, "stock released");
    let p = payment(&stack, &order_id).await;
    assert_ne!(p["status"], "CHARGED", "nothing charged is left: {p}");
    let saga = shopper.get(&format!("/v1/orders/{order_id}/saga")).await;
    let comps = saga.body["compensations"].to_string();
    assert!(
        comps.contains("release_stock") && comps.contains("refund_payment"),
        "{comps}"
    );
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn one_idempotency_key_makes_one_order_and_one_saga() {
    let stack = Stack::from_env().await;
    let product = stack.product("saga-idem", 5).await;
    let (shopper, _) = stack.api.new_shopper("saga-idem").await;
    let key = unique("key");
    let lines = [(product.as_str(), 1)];
    let replies =
        futures::future::join_all((0..3).map(|_| place(&shopper, &lines, OK, Some(&key)))).await;
    let ids: Vec<&str> = replies
        .iter()
        .map(|r| {
            assert_eq!(r.status, 202, "{}", r.text);
            r.body["order_id"].as_str().unwrap_or("")
        })
        .collect();
    assert!(ids.iter().all(|i| *i == ids[0]), "one order id: {ids:?}");
    let order = settled(&shopper, ids[0], Duration::from_secs(60)).await;
    assert_eq!(order["status"], "CONFIRMED");
    assert_eq!(stack.stock(&product).await, 4, "one order, one reservation");
    let r = shopper.get("/v1/orders").await;
    assert_eq!(
        r.body["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        r.text
    );
    // A different key is a different order.
    let r = place(&shopper, &[(&product, 1)], OK, Some(&unique("key"))).await;
    assert_ne!(r.body["order_id"], ids[0]);
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn bad_orders_get_4xx_and_other_shoppers_cannot_touch_a_saga() {
    let stack = Stack::from_env().await;
    let product = stack.product("saga-bad", 5).await;
    let (shopper, _) = stack.api.new_shopper("saga-bad").await;
    let (other, _) = stack.api.new_shopper("saga-other").await;
    let r = place(&shopper, &[(&unique("ghost"), 1)], OK, None).await;
    assert_problem(&r, 422, "unknown_product");
    let r = place(&shopper, &[(&product, 0)], OK, None).await;
    assert_problem(&r, 422, "validation_failed");
    let r = place(&shopper, &[(&product, 1)], "12", None).await;
    assert_problem(&r, 422, "validation_failed");
    let r = place(&shopper, &[(&product, 1)], OK, Some("bad key!")).await;
    assert_problem(&r, 422, "validation_failed");
    let r = shopper
        .json(Method::POST, "/v1/orders", &json!({ "lines": [] }))
        .await;
    assert_problem(&r, 422, "invalid_body");
    let r = stack
        .api
        .json(
            Method::POST,
            "/v1/orders",
            &json!({ "lines": [], "card_number": OK }),
        )
        .await;
    assert_eq!(r.status, 401);

    let r = place(&shopper, &[(&product, 1)], OK, None).await;
    let order_id = r.body["order_id"].as_str().expect("id").to_string();
    let r = other.get(&format!("/v1/orders/{order_id}/saga")).await;
    assert_problem(&r, 404, "order_not_found");
    let r = other
        .send(Method::POST, &format!("/v1/orders/{order_id}/cancel"), None)
        .await;
    assert_problem(&r, 404, "order_not_found");
    let r = shopper.get("/v1/orders/no-such-order/saga").await;
    assert_problem(&r, 404, "order_not_found");
    settled(&shopper, &order_id, Duration::from_secs(60)).await;
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn thirty_orders_for_ten_in_stock_confirm_exactly_ten() {
    let stack = Stack::from_env().await;
    let product = stack.product("saga-rush", 10).await;
    let mut shoppers = Vec::new();
    for i in 0..3 {
        shoppers.push(stack.api.new_shopper(&format!("rush{i}")).await.0);
    }
    let lines = [(product.as_str(), 1)];
    let placed =
        futures::future::join_all((0..30).map(|i| place(&shoppers[i % 3], &lines, OK, None))).await;
    let mut orders = Vec::new();
    for (i, r) in placed.iter().enumerate() {
        assert_eq!(r.status, 202, "{}", r.text);
        orders.push((i % 3, r.body["order_id"].as_str().unwrap_or("").to_string()));
    }
    let settled_orders = futures::future::join_all(
        orders
            .iter()
            .map(|(s, id)| settled(&shoppers[*s], id, Duration::from_secs(240))),
    )
    .await;
    let confirmed: Vec<&Value> = settled_orders
        .iter()
        .filter(|o| o["status"] == "CONFIRMED")
        .collect();
    let cancelled = settled_orders
        .iter()
        .filter(|o| o["status"] == "CANCELLED" && o.to_string().contains("not enough stock"))
        .count();
    assert_eq!(confirmed.len(), 10, "exactly the stock's worth confirmed");
    assert_eq!(cancelled, 20, "the rest cancelled as out of stock");
    assert_eq!(stack.stock(&product).await, 0);
    let mut charges = 0;
    for (_, id) in &orders {
        let p = payment(&stack, id).await;
        if p["status"] == "CHARGED" {
            charges += p["captures"].as_i64().unwrap_or(0);
        }
    }
    assert_eq!(charges, 10, "charges = confirmed orders");
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn live_histories_replay_against_the_current_workflow() {
    use sagaway_worker::workflow::OrderSaga;
    use temporalio_client::{WorkflowFetchHistoryOptions, WorkflowHistory};
    use temporalio_sdk::workflow_replayer::{WorkflowReplayer, WorkflowReplayerOptions};

    let stack = Stack::from_env().await;
    let product = stack.product("saga-replay", 5).await;
    let (shopper, _) = stack.api.new_shopper("saga-replay").await;
    let mut ids = Vec::new();
    for (name, card) in [("confirmed", OK), ("declined", DECLINE)] {
        let r = place(&shopper, &[(&product, 1)], card, None).await;
        let id = r.body["order_id"].as_str().expect("id").to_string();
        settled(&shopper, &id, Duration::from_secs(60)).await;
        ids.push((name, id));
    }
    let address = std::env::var("SAGAWAY_TEMPORAL_ADDRESS").expect("SAGAWAY_TEMPORAL_ADDRESS");
    let client = sagaway_temporal::TemporalSettings::from_vars(
        [("TEMPORAL_ADDRESS".to_string(), address)],
        "sagaway-system-tests",
    )
    .expect("Temporal settings")
    .connect()
    .await
    .expect("connecting to Temporal");
    let replayer = WorkflowReplayer::new(
        WorkflowReplayerOptions::new()
            .register_workflow::<OrderSaga>()
            .expect("register")
            .build(),
    )
    .expect("replayer");
    for (name, id) in ids {
        let handle = client.get_workflow_handle::<OrderSaga>(sagaway_worker::workflow_id(&id));
        let json = handle
            .fetch_history(WorkflowFetchHistoryOptions::default())
            .to_json()
            .await
            .expect("history");
        if let Ok(dir) = std::env::var("SAGAWAY_RECORD_HISTORIES") {
            std::fs::write(format!("{dir}/live-{name}.json"), &json).expect("recording");
        }
        let history = WorkflowHistory::from_json(&json).expect("decoding");
        replayer
            .replay_workflow(history)
            .await
            .unwrap_or_else(|e| panic!("the {name} saga no longer replays: {e}"));
    }
}
