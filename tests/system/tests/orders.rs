//! The order service: shoppers' views through the API, saga steps by direct invocation.

use reqwest::Method;
use serde_json::{Value, json};
use system_tests::{Stack, assert_problem, unique};

fn new_order(order_id: &str, customer_id: &str) -> Value {
    json!({
        "order_id": order_id,
        "customer_id": customer_id,
        "lines": [
            { "product_id": "ceramic-mug", "quantity": 2, "unit_price_cents": 1200 },
            { "product_id": "paper-filters", "quantity": 1, "unit_price_cents": 650 }
        ]
    })
}

async fn status(stack: &Stack, id: &str, to: &str, reason: Option<&str>) -> system_tests::Reply {
    stack
        .internal(
            "order",
            "POST",
            &format!("/internal/orders/{id}/status"),
            Some(json!({ "status": to, "reason": reason })),
        )
        .await
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn order_lifecycle_is_idempotent_and_refuses_illegal_moves() {
    let stack = Stack::from_env().await;
    let (shopper, customer) = stack.api.new_shopper("orders").await;
    let id = unique("order");

    let r = stack
        .internal(
            "order",
            "POST",
            "/internal/orders",
            Some(new_order(&id, &customer)),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["status"], "PENDING");
    assert_eq!(r.body["total_cents"], 3050);
    assert_eq!(r.body["version"], 1);
    // A repeated create returns the same order; other contents are refused.
    let r = stack
        .internal(
            "order",
            "POST",
            "/internal/orders",
            Some(new_order(&id, &customer)),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["version"], 1);
    let mut other = new_order(&id, &customer);
    other["lines"][0]["quantity"] = json!(5);
    let r = stack
        .internal("order", "POST", "/internal/orders", Some(other))
        .await;
    assert_problem(&r, 409, "order_mismatch");

    for to in ["RESERVED", "PAID"] {
        let r = status(&stack, &id, to, None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["status"], to);
        // Repeating a step changes nothing.
        let again = status(&stack, &id, to, None).await;
        assert_eq!(again.body["version"], r.body["version"], "{}", again.text);
    }
    // A writer holding an old version is refused, not silently applied.
    let r = stack
        .internal(
            "order",
            "POST",
            &format!("/internal/orders/{id}/status"),
            Some(json!({ "status": "COMPENSATING", "expected_version": 1 })),
        )
        .await;
    assert_problem(&r, 409, "version_conflict");

    let r = status(&stack, &id, "CONFIRMED", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "CONFIRMED");
    let r = status(&stack, &id, "CANCELLED", Some("too late")).await;
    assert_problem(&r, 409, "illegal_transition");
    assert_eq!(r.body["from"], "CONFIRMED");

    // The shopper sees the whole history through the API.
    let r = shopper.get(&format!("/v1/orders/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let history: Vec<&str> = r.body["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| h["status"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(history, ["PENDING", "RESERVED", "PAID", "CONFIRMED"]);
    assert!(r.body["history"][0]["at"].as_str().is_some());
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn a_cancelled_order_keeps_its_reason_and_cannot_be_confirmed() {
    let stack = Stack::from_env().await;
    let (shopper, customer) = stack.api.new_shopper("cancel").await;
    let id = unique("order");
    stack
        .internal(
            "order",
            "POST",
            "/internal/orders",
            Some(new_order(&id, &customer)),
        )
        .await;
    let r = status(&stack, &id, "CANCELLED", None).await;
    assert_problem(&r, 422, "validation_failed");
    let r = status(&stack, &id, "CANCELLED", Some("out of stock: tasting-set")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = status(&stack, &id, "CONFIRMED", None).await;
    assert_problem(&r, 409, "illegal_transition");
    let r = shopper.get(&format!("/v1/orders/{id}")).await;
    assert_eq!(r.body["status"], "CANCELLED");
    assert_eq!(r.body["history"][1]["reason"], "out of stock: tasting-set");
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn shoppers_see_only_their_own_orders_newest_first() {
    let stack = Stack::from_env().await;
    let (alice, alice_id) = stack.api.new_shopper("alice").await;
    let (bob, _) = stack.api.new_shopper("bob").await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let id = unique("order");
        let r = stack
            .internal(
                "order",
                "POST",
                "/internal/orders",
                Some(new_order(&id, &alice_id)),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        ids.push(id);
    }
    // Alice's list: newest first, paginated.
    let r = alice.get("/v1/orders?limit=2").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let first: Vec<String> = r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|o| o["id"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(first, [ids[2].clone(), ids[1].clone()]);
    let cursor = r.body["next_cursor"].as_str().expect("a second page");
    let r = alice
        .get(&format!("/v1/orders?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(r.body["items"][0]["id"], ids[0].as_str(), "{}", r.text);

    // Bob cannot see Alice's order: 404, as if it did not exist.
    let r = bob.get(&format!("/v1/orders/{}", ids[0])).await;
    assert_problem(&r, 404, "order_not_found");
    let r = bob.get("/v1/orders").await;
    assert_eq!(r.body["items"], json!([]), "{}", r.text);
    // Without a token: refused.
    let r = stack.api.get(&format!("/v1/orders/{}", ids[0])).await;
    assert_eq!(r.status, 401);
    // Bad input.
    let r = alice.get("/v1/orders?limit=500").await;
    assert_problem(&r, 422, "validation_failed");
    let r = alice.get("/v1/orders?cursor=%%%").await;
    assert!(r.status == 400 || r.status == 422, "{}", r.text);
    let r = alice.get("/v1/orders/bad%20id").await;
    assert_problem(&r, 422, "validation_failed");
    // Saga routes are not public.
    let r = alice
        .json(
            Method::POST,
            "/internal/orders",
            &new_order(&unique("o"), &alice_id),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
}
