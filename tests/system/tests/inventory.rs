//! The inventory service through API Gateway on the local emulator.

use futures::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};
use system_tests::{Stack, assert_problem, unique};

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn health_and_seeded_catalog() {
    let stack = Stack::from_env().await;
    let api = &stack.api;
    let r = api.get("/health").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "ok");

    let path = std::env::var("SAGAWAY_CATALOG").expect("SAGAWAY_CATALOG names the seed file");
    let seed: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(path).expect("seed file")).expect("json");
    assert!(seed.len() >= 12, "the demo catalog has a dozen products");
    for p in &seed {
        let id = p["id"].as_str().expect("id");
        let r = api.get(&format!("/v1/products/{id}")).await;
        assert_eq!(r.status, 200, "seeded product {id}: {}", r.text);
        assert_eq!(r.body["name"], p["name"]);
        assert_eq!(r.body["price_cents"], p["price_cents"]);
    }
    assert!(
        seed.iter().any(|p| p["stock"].as_i64().unwrap_or(0) <= 3),
        "a few seeded products have low stock"
    );
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn catalog_pages_follow_cursors_without_gaps_or_repeats() {
    let stack = Stack::from_env().await;
    let api = &stack.api;
    let mut mine = Vec::new();
    for _ in 0..3 {
        mine.push(stack.product("page", 1).await);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..200 {
        let path = match &cursor {
            Some(c) => format!("/v1/products?limit=5&cursor={c}"),
            None => "/v1/products?limit=5".to_string(),
        };
        let r = api.get(&path).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let items = r.body["items"].as_array().expect("items");
        assert!(items.len() <= 5, "a page holds at most limit items");
        seen.extend(
            items
                .iter()
                .map(|p| p["id"].as_str().unwrap_or("").to_string()),
        );
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let mut dedup = seen.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), seen.len(), "no product appears twice");
    for id in &mine {
        assert!(seen.contains(id), "product {id} is listed");
    }
    let r = api.get("/v1/products?limit=5&cursor=not*a*cursor").await;
    assert_problem(&r, 422, "validation_failed");
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn fifty_parallel_reservations_against_stock_of_twenty() {
    let stack = Stack::from_env().await;
    let api = &stack.api;
    let product = stack.product("race", 20).await;
    let calls = (0..50).map(|i| {
        let stack = &stack;
        let product = product.clone();
        async move {
            stack
                .reserve(&format!("{product}-order-{i}"), &[(&product, 1)])
                .await
        }
    });
    let replies = join_all(calls).await;
    let ok = replies.iter().filter(|r| r.status == 201).count();
    let out = replies
        .iter()
        .filter(|r| r.status == 409 && r.code() == "out_of_stock")
        .count();
    let other: Vec<_> = replies
        .iter()
        .filter(|r| r.status != 201 && !(r.status == 409 && r.code() == "out_of_stock"))
        .map(|r| r.text.clone())
        .collect();
    assert!(other.is_empty(), "unexpected replies: {other:?}");
    assert_eq!(ok, 20, "exactly 20 reservations succeed");
    assert_eq!(out, 30, "exactly 30 are out of stock");
    assert_eq!(
        api.stock(&product).await,
        0,
        "final stock is 0, never negative"
    );
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn reserve_and_release_are_idempotent() {
    let stack = Stack::from_env().await;
    let api = &stack.api;
    let product = stack.product("idem", 10).await;
    let order = unique("order");

    let statuses: Vec<u16> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            let r = stack.reserve(&order, &[(&product, 4)]).await;
            assert_eq!(r.body["status"], "RESERVED", "{}", r.text);
            v.push(r.status);
        }
        v
    };
    assert_eq!(
        statuses,
        vec![201, 200, 200],
        "first creates, repeats answer 200"
    );
    assert_eq!(
        api.stock(&product).await,
        6,
        "three reserves decrement once"
    );

    // Same order, different lines: refused, nothing changes.
    let r = stack.reserve(&order, &[(&product, 5)]).await;
    assert_problem(&r, 409, "reservation_mismatch");
    assert_eq!(api.stock(&product).await, 6);

    let outcomes: Vec<String> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            let r = stack.release(&order).await;
            assert_eq!(r.status, 200, "{}", r.text);
            v.push(r.body["outcome"].as_str().unwrap_or("").to_string());
        }
        v
    };
    assert_eq!(
        outcomes,
        vec!["released", "already_released", "already_released"]
    );
    assert_eq!(api.stock(&product).await, 10, "three releases restore once");

    // A released order cannot reserve again (a late retry must not take stock).
    let r = stack.reserve(&order, &[(&product, 4)]).await;
    assert_problem(&r, 409, "reservation_released");
    assert_eq!(api.stock(&product).await, 10);
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn release_after_failed_reserve_or_of_unknown_order_changes_nothing() {
    let stack = Stack::from_env().await;
    let api = &stack.api;
    let product = stack.product("fail", 2).await;
    let order = unique("order");
    let r = stack.reserve(&order, &[(&product, 3)]).await;
    assert_problem(&r, 409, "out_of_stock");
    assert_eq!(r.body["shortages"][0]["available"], 2);
    assert_eq!(api.stock(&product).await, 2);

    let r = stack.release(&order).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["outcome"], "unknown_order");
    assert_eq!(api.stock(&product).await, 2, "nothing restored");

    let r = stack.release(&unique("never-seen")).await;
    assert_eq!(r.body["outcome"], "unknown_order", "{}", r.text);
    assert_eq!(api.stock(&product).await, 2);
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn multi_line_reservation_is_all_or_nothing() {
    let stack = Stack::from_env().await;
    let api = &stack.api;
    let plenty = stack.product("plenty", 5).await;
    let scarce = stack.product("scarce", 1).await;
    let order = unique("order");
    let r = stack.reserve(&order, &[(&plenty, 2), (&scarce, 3)]).await;
    assert_problem(&r, 409, "out_of_stock");
    let short = &r.body["shortages"];
    assert_eq!(short.as_array().map(Vec::len), Some(1), "{}", r.text);
    assert_eq!(short[0]["product_id"], scarce.as_str());
    assert_eq!(
        api.stock(&plenty).await,
        5,
        "the line with stock is untouched"
    );
    assert_eq!(api.stock(&scarce).await, 1);
    let r = stack
        .stored("inventory", &format!("reservation#{order}"))
        .await;
    assert!(r.is_null(), "nothing was reserved: {r}");

    // The same lines with enough stock go through together; duplicate lines are merged.
    let order = unique("order");
    let r = stack
        .reserve(&order, &[(&plenty, 2), (&scarce, 1), (&plenty, 1)])
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(api.stock(&plenty).await, 2);
    assert_eq!(api.stock(&scarce).await, 0);
    let r = stack
        .stored("inventory", &format!("reservation#{order}"))
        .await;
    assert_eq!(r["lines"].as_array().map(Vec::len), Some(2), "{r}");
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn bad_input_gets_a_4xx_json_error_naming_the_problem() {
    let stack = Stack::from_env().await;
    let admin = stack.admin().await;
    let product = stack.product("bad", 5).await;
    let path = format!("/v1/products/{product}");
    let json_ct = "application/json";

    // Malformed JSON, and an empty body.
    let r = admin
        .send(Method::PUT, &path, Some((json_ct, b"{\"name\": ".to_vec())))
        .await;
    assert_problem(&r, 400, "malformed_json");
    let r = admin
        .send(Method::PUT, &path, Some((json_ct, Vec::new())))
        .await;
    assert_problem(&r, 400, "malformed_json");

    // Missing fields are named.
    let r = admin
        .json(Method::PUT, &path, &json!({ "name": "Mug" }))
        .await;
    assert_problem(&r, 422, "invalid_body");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap_or("")
            .contains("price_cents"),
        "{}",
        r.text
    );

    // Wrong types are named with their path.
    let r = admin
        .json(
            Method::PUT,
            &path,
            &json!({ "name": "Mug", "price_cents": "cheap" }),
        )
        .await;
    assert_problem(&r, 422, "invalid_body");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap_or("")
            .contains("price_cents"),
        "{}",
        r.text
    );

    // Unknown fields.
    let r = admin
        .json(
            Method::PUT,
            &path,
            &json!({ "name": "Mug", "price_cents": 1, "colour": "red" }),
        )
        .await;
    assert_problem(&r, 422, "invalid_body");

    // Oversized body.
    let big = format!(
        "{{\"name\": \"{}\", \"price_cents\": 1}}",
        "x".repeat(100 * 1024)
    );
    let r = admin
        .send(Method::PUT, &path, Some((json_ct, big.into_bytes())))
        .await;
    assert_problem(&r, 413, "body_too_large");

    // Wrong content type, and none at all.
    let r = admin
        .send(
            Method::PUT,
            &path,
            Some((
                "text/plain",
                b"{\"name\":\"Mug\",\"price_cents\":1}".to_vec(),
            )),
        )
        .await;
    assert_problem(&r, 415, "unsupported_media_type");
    let r = admin.send(Method::PUT, &path, None).await;
    assert_problem(&r, 415, "unsupported_media_type");

    // Values that break rules name the field.
    let r = admin
        .json(
            Method::PUT,
            &format!("{path}/stock"),
            &json!({ "stock": -4 }),
        )
        .await;
    assert_problem(&r, 422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "stock");
    let r = admin
        .json(
            Method::PUT,
            &path,
            &json!({ "name": "", "price_cents": 10 }),
        )
        .await;
    assert_problem(&r, 422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "name");
    let r = stack.api.get("/v1/products?limit=0").await;
    assert_problem(&r, 422, "validation_failed");
    let r = stack.api.get("/v1/products?limit=abc").await;
    assert_problem(&r, 422, "validation_failed");
    let r = stack.api.get("/v1/products/a%20b").await;
    assert_problem(&r, 422, "validation_failed");

    // Unknown product: read directly, and its stock set.
    let ghost = unique("ghost");
    let r = stack.api.get(&format!("/v1/products/{ghost}")).await;
    assert_problem(&r, 404, "product_not_found");
    let r = admin
        .json(
            Method::PUT,
            &format!("/v1/products/{ghost}/stock"),
            &json!({ "stock": 3 }),
        )
        .await;
    assert_problem(&r, 404, "product_not_found");

    // The worker's reservations: zero and negative quantities, unknown products, bad ids.
    for q in [0, -1] {
        let r = stack.reserve(&unique("order"), &[(&product, q)]).await;
        assert_problem(&r, 422, "validation_failed");
        assert_eq!(
            r.body["errors"][0]["field"], "lines[0].quantity",
            "{}",
            r.text
        );
    }
    let r = stack
        .reserve(&unique("order"), &[(&product, 1), (&ghost, 1)])
        .await;
    assert_problem(&r, 422, "unknown_product");
    assert!(
        r.text.contains(&ghost),
        "the unknown id is named: {}",
        r.text
    );
    let r = stack.reserve("bad id!", &[(&product, 1)]).await;
    assert_problem(&r, 422, "validation_failed");
    let r = stack
        .internal(
            "inventory",
            "POST",
            "/internal/reservations",
            Some(json!({ "order_id": "o-1" })),
        )
        .await;
    assert_problem(&r, 422, "invalid_body");
    assert!(
        r.body["detail"].as_str().unwrap_or("").contains("lines"),
        "{}",
        r.text
    );
    assert_eq!(stack.stock(&product).await, 5, "nothing was reserved");
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn catalog_changes_need_an_admin_and_reservations_are_not_public() {
    let stack = Stack::from_env().await;
    let product = stack.product("guarded", 5).await;
    let (shopper, _) = stack.api.new_shopper("shopper").await;
    let body = json!({ "stock": 999 });
    let path = format!("/v1/products/{product}/stock");
    let r = shopper.json(Method::PUT, &path, &body).await;
    assert_problem(&r, 403, "forbidden");
    let r = shopper
        .json(
            Method::PUT,
            &format!("/v1/products/{product}"),
            &json!({ "name": "Mine now", "price_cents": 1 }),
        )
        .await;
    assert_problem(&r, 403, "forbidden");
    let r = stack.api.json(Method::PUT, &path, &body).await;
    assert_eq!(r.status, 401, "no token: {}", r.text);
    assert_eq!(stack.stock(&product).await, 5);

    // The saga's routes are not on the public API, with or without a token.
    for api in [&stack.api, &shopper] {
        let r = api
            .json(
                Method::POST,
                "/internal/reservations",
                &json!({ "order_id": unique("o"), "lines": [{ "product_id": product, "quantity": 1 }] }),
            )
            .await;
        assert_eq!(r.status, 404, "{}", r.text);
        let r = api.json(Method::POST, "/v1/reservations", &json!({})).await;
        assert_eq!(r.status, 404, "{}", r.text);
    }
    assert_eq!(stack.stock(&product).await, 5);
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn admin_can_set_stock_and_update_a_product() {
    let stack = Stack::from_env().await;
    let api = &stack.admin().await;
    let product = stack.product("admin", 1).await;
    let r = api
        .json(
            Method::PUT,
            &format!("/v1/products/{product}/stock"),
            &json!({ "stock": 42 }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(api.stock(&product).await, 42);
    // Updating details without a stock keeps the stock.
    let r = api
        .json(
            Method::PUT,
            &format!("/v1/products/{product}"),
            &json!({ "name": "Renamed", "price_cents": 1500, "currency": "EUR" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["name"], "Renamed");
    assert_eq!(r.body["currency"], "EUR");
    assert_eq!(r.body["stock"], 42);
}
