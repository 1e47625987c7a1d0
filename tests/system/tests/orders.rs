//! The order service: shoppers' views through the API, saga steps by direct invocation.

use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use system_tests::{Api, Stack, assert_problem, unique};

const OK: &str = "4242424242424242";

fn address() -> Value {
    json!({ "line1": "Unter den Linden 1", "city": "Berlin", "postal_code": "10117", "country": "DE" })
}

/// `POST /v1/orders` with a shipping address (or none) and an `Idempotency-Key`.
async fn place_shipped(
    api: &Api,
    product: &str,
    address: Option<Value>,
    key: &str,
) -> system_tests::Reply {
    let mut body =
        json!({ "lines": [{ "product_id": product, "quantity": 1 }], "card_number": OK });
    if let Some(a) = address {
        body["shipping_address"] = a;
    }
    api.with_header("idempotency-key", key)
        .json(Method::POST, "/v1/orders", &body)
        .await
}

/// The order as its shopper reads it, once it exists (the saga creates it).
async fn order_of(api: &Api, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = api.get(&format!("/v1/orders/{id}")).await;
        if r.status == 200 {
            return r.body;
        }
        assert!(
            Instant::now() < deadline,
            "order {id} never appeared: {}",
            r.text
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

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

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn an_order_carries_its_shipping_address_and_its_key_covers_it() {
    let stack = Stack::from_env().await;
    let product = stack.product("ship", 10).await;
    let (shopper, _) = stack.api.new_shopper("ship").await;

    let key = unique("k");
    let r = place_shipped(&shopper, &product, Some(address()), &key).await;
    assert_eq!(r.status, 202, "{}", r.text);
    let id = r.body["order_id"].as_str().expect("order id").to_string();
    let order = order_of(&shopper, &id).await;
    assert_eq!(order["shipping_address"], address(), "{order}");
    // The same body replays; another address under the same key is refused.
    let r = place_shipped(&shopper, &product, Some(address()), &key).await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(r.body["repeated"], true);
    let mut other = address();
    other["postal_code"] = json!("10115");
    let r = place_shipped(&shopper, &product, Some(other), &key).await;
    assert_problem(&r, 422, "idempotency_key_reused");
    let r = place_shipped(&shopper, &product, None, &key).await;
    assert_problem(&r, 422, "idempotency_key_reused");

    // Without an address, as before: null on the order.
    let r = place_shipped(&shopper, &product, None, &unique("k")).await;
    assert_eq!(r.status, 202, "{}", r.text);
    let plain = order_of(&shopper, r.body["order_id"].as_str().expect("id")).await;
    assert_eq!(plain["shipping_address"], Value::Null, "{plain}");

    // A bad address is a 422 naming the field, and no order.
    let mut bad = address();
    bad["postal_code"] = json!("");
    bad["country"] = json!("Germany");
    let r = place_shipped(&shopper, &product, Some(bad), &unique("k")).await;
    assert_problem(&r, 422, "validation_failed");
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(
        fields,
        ["shipping_address.postal_code", "shipping_address.country"],
        "{}",
        r.text
    );
    let mut unknown = address();
    unknown["zip"] = json!("1");
    let r = place_shipped(&shopper, &product, Some(unknown), &unique("k")).await;
    assert_eq!(r.status, 422, "{}", r.text);
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn admins_page_through_every_order_and_by_status() {
    let stack = Stack::from_env().await;
    let admin = stack.admin().await;
    let (shopper, customer) = stack.api.new_shopper("overview").await;
    let mut ids = Vec::new();
    for _ in 0..3 {
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
        ids.push(id);
    }
    let r = status(&stack, &ids[1], "CANCELLED", Some("overview test")).await;
    assert_eq!(r.status, 200, "{}", r.text);

    let ids_of = |r: &system_tests::Reply| -> Vec<String> {
        r.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|o| o["id"].as_str().unwrap_or("").to_string())
            .collect()
    };
    // Every order, newest first, each page after the last: ours are the newest three (other
    // tests may add orders meanwhile, so look for ours in order among all pages).
    let mut seen: Vec<String> = Vec::new();
    let mut path = "/v1/admin/orders?limit=2".to_string();
    for _ in 0..500 {
        let r = admin.get(&path).await;
        assert_eq!(r.status, 200, "{}", r.text);
        seen.extend(ids_of(&r));
        match r.body["next_cursor"].as_str() {
            Some(c) => path = format!("/v1/admin/orders?limit=2&cursor={c}"),
            None => break,
        }
    }
    let ours: Vec<&String> = seen.iter().filter(|id| ids.contains(id)).collect();
    assert_eq!(ours, [&ids[2], &ids[1], &ids[0]], "newest first");
    let unique_count = seen.iter().collect::<std::collections::HashSet<_>>().len();
    assert_eq!(unique_count, seen.len(), "each order exactly once");

    // By status.
    let r = admin
        .get("/v1/admin/orders?status=CANCELLED&limit=100")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let cancelled = ids_of(&r);
    assert!(cancelled.contains(&ids[1]), "{}", r.text);
    assert!(!cancelled.contains(&ids[0]) && !cancelled.contains(&ids[2]));
    assert!(
        r.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|o| o["status"] == "CANCELLED")
    );
    let r = admin.get("/v1/admin/orders?status=PENDING&limit=1").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(ids_of(&r).len(), 1);

    // Shoppers are refused, anonymous callers too, bad queries named.
    let r = shopper.get("/v1/admin/orders").await;
    assert_problem(&r, 403, "forbidden");
    let r = stack.api.get("/v1/admin/orders").await;
    assert_eq!(r.status, 401, "{}", r.text);
    let r = admin.get("/v1/admin/orders?status=SHIPPED").await;
    assert_problem(&r, 422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "status");
    let r = admin.get("/v1/admin/orders?limit=0").await;
    assert_problem(&r, 422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "limit");
}
