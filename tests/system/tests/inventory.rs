//! The inventory service through API Gateway on the local emulator.

use futures::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};
use system_tests::{Api, assert_problem, unique};

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn health_and_seeded_catalog() {
    let api = Api::from_env();
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
    let api = Api::from_env();
    let mut mine = Vec::new();
    for _ in 0..3 {
        mine.push(api.product("page", 1).await);
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
    let api = Api::from_env();
    let product = api.product("race", 20).await;
    let calls = (0..50).map(|i| {
        let api = api.clone();
        let product = product.clone();
        async move {
            api.reserve(&format!("{product}-order-{i}"), &[(&product, 1)])
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
    let api = Api::from_env();
    let product = api.product("idem", 10).await;
    let order = unique("order");

    let statuses: Vec<u16> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            let r = api.reserve(&order, &[(&product, 4)]).await;
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
    let r = api.reserve(&order, &[(&product, 5)]).await;
    assert_problem(&r, 409, "reservation_mismatch");
    assert_eq!(api.stock(&product).await, 6);

    let outcomes: Vec<String> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            let r = api.release(&order).await;
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
    let r = api.reserve(&order, &[(&product, 4)]).await;
    assert_problem(&r, 409, "reservation_released");
    assert_eq!(api.stock(&product).await, 10);
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn release_after_failed_reserve_or_of_unknown_order_changes_nothing() {
    let api = Api::from_env();
    let product = api.product("fail", 2).await;
    let order = unique("order");
    let r = api.reserve(&order, &[(&product, 3)]).await;
    assert_problem(&r, 409, "out_of_stock");
    assert_eq!(r.body["details"]["shortages"][0]["available"], 2);
    assert_eq!(api.stock(&product).await, 2);

    let r = api.release(&order).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["outcome"], "unknown_order");
    assert_eq!(api.stock(&product).await, 2, "nothing restored");

    let r = api.release(&unique("never-seen")).await;
    assert_eq!(r.body["outcome"], "unknown_order", "{}", r.text);
    assert_eq!(api.stock(&product).await, 2);
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn multi_line_reservation_is_all_or_nothing() {
    let api = Api::from_env();
    let plenty = api.product("plenty", 5).await;
    let scarce = api.product("scarce", 1).await;
    let order = unique("order");
    let r = api.reserve(&order, &[(&plenty, 2), (&scarce, 3)]).await;
    assert_problem(&r, 409, "out_of_stock");
    let short = &r.body["details"]["shortages"];
    assert_eq!(short.as_array().map(Vec::len), Some(1), "{}", r.text);
    assert_eq!(short[0]["product_id"], scarce.as_str());
    assert_eq!(
        api.stock(&plenty).await,
        5,
        "the line with stock is untouched"
    );
    assert_eq!(api.stock(&scarce).await, 1);
    let r = api.get(&format!("/v1/reservations/{order}")).await;
    assert_problem(&r, 404, "reservation_not_found");

    // The same lines with enough stock go through together; duplicate lines are merged.
    let order = unique("order");
    let r = api
        .reserve(&order, &[(&plenty, 2), (&scarce, 1), (&plenty, 1)])
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(api.stock(&plenty).await, 2);
    assert_eq!(api.stock(&scarce).await, 0);
    let r = api.get(&format!("/v1/reservations/{order}")).await;
    assert_eq!(
        r.body["lines"].as_array().map(Vec::len),
        Some(2),
        "{}",
        r.text
    );
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn bad_input_gets_a_4xx_json_error_naming_the_problem() {
    let api = Api::from_env();
    let product = api.product("bad", 5).await;
    let json_ct = "application/json";

    // Malformed JSON.
    let r = api
        .send(
            Method::POST,
            "/v1/reservations",
            Some((json_ct, b"{\"order_id\": ".to_vec())),
        )
        .await;
    assert_problem(&r, 400, "malformed_json");

    // Empty body.
    let r = api
        .send(
            Method::POST,
            "/v1/reservations",
            Some((json_ct, Vec::new())),
        )
        .await;
    assert_problem(&r, 400, "malformed_json");

    // Missing fields are named.
    let r = api
        .json(
            Method::POST,
            "/v1/reservations",
            &json!({ "order_id": "o-1" }),
        )
        .await;
    assert_problem(&r, 422, "invalid_body");
    assert!(
        r.body["message"].as_str().unwrap_or("").contains("lines"),
        "{}",
        r.text
    );
    let r = api
        .json(
            Method::POST,
            "/v1/reservations",
            &json!({ "order_id": "o-1", "lines": [{ "product_id": product }] }),
        )
        .await;
    assert_problem(&r, 422, "invalid_body");
    assert!(
        r.body["message"]
            .as_str()
            .unwrap_or("")
            .contains("quantity"),
        "{}",
        r.text
    );

    // Wrong types are named with their path.
    let r = api
        .json(
            Method::POST,
            "/v1/reservations",
            &json!({ "order_id": "o-1", "lines": [{ "product_id": product, "quantity": "two" }] }),
        )
        .await;
    assert_problem(&r, 422, "invalid_body");
    assert!(
        r.body["message"]
            .as_str()
            .unwrap_or("")
            .contains("lines[0].quantity"),
        "{}",
        r.text
    );

    // Zero and negative quantities.
    for q in [0, -1] {
        let r = api.reserve(&unique("order"), &[(&product, q)]).await;
        assert_problem(&r, 422, "validation_failed");
        assert_eq!(
            r.body["details"]["field"], "lines[0].quantity",
            "{}",
            r.text
        );
    }
    assert_eq!(api.stock(&product).await, 5);

    // Unknown product: in a reservation, and read directly.
    let ghost = unique("ghost");
    let r = api
        .reserve(&unique("order"), &[(&product, 1), (&ghost, 1)])
        .await;
    assert_problem(&r, 422, "unknown_product");
    assert!(
        r.text.contains(&ghost),
        "the unknown id is named: {}",
        r.text
    );
    assert_eq!(api.stock(&product).await, 5, "nothing reserved");
    let r = api.get(&format!("/v1/products/{ghost}")).await;
    assert_problem(&r, 404, "product_not_found");
    let r = api
        .json(
            Method::PUT,
            &format!("/v1/products/{ghost}/stock"),
            &json!({ "stock": 3 }),
        )
        .await;
    assert_problem(&r, 404, "product_not_found");

    // Oversized body.
    let big = format!(
        "{{\"order_id\": \"o-1\", \"pad\": \"{}\"}}",
        "x".repeat(100 * 1024)
    );
    let r = api
        .send(
            Method::POST,
            "/v1/reservations",
            Some((json_ct, big.into_bytes())),
        )
        .await;
    assert_problem(&r, 413, "body_too_large");

    // Wrong content type, and none at all.
    let r = api
        .send(
            Method::POST,
            "/v1/reservations",
            Some(("text/plain", b"{\"order_id\":\"o\",\"lines\":[]}".to_vec())),
        )
        .await;
    assert_problem(&r, 415, "unsupported_media_type");
    let r = api
        .send(Method::PUT, &format!("/v1/products/{product}"), None)
        .await;
    assert_problem(&r, 415, "unsupported_media_type");

    // Unknown fields, bad ids, bad values on the admin routes.
    let r = api
        .json(
            Method::POST,
            "/v1/reservations",
            &json!({ "order_id": "o-1", "lines": [], "extra": 1 }),
        )
        .await;
    assert_problem(&r, 422, "invalid_body");
    let r = api.reserve("bad id!", &[(&product, 1)]).await;
    assert_problem(&r, 422, "validation_failed");
    let r = api
        .json(
            Method::PUT,
            &format!("/v1/products/{product}/stock"),
            &json!({ "stock": -4 }),
        )
        .await;
    assert_problem(&r, 422, "validation_failed");
    let r = api
        .json(
            Method::PUT,
            &format!("/v1/products/{product}"),
            &json!({ "name": "", "price_cents": 10 }),
        )
        .await;
    assert_problem(&r, 422, "validation_failed");
    assert_eq!(r.body["details"]["field"], "name");
    let r = api.get("/v1/products?limit=0").await;
    assert_problem(&r, 422, "validation_failed");
    let r = api.get("/v1/products?limit=abc").await;
    assert_problem(&r, 422, "validation_failed");
    let r = api.get("/v1/products/a%20b").await;
    assert_problem(&r, 422, "validation_failed");
    assert_eq!(api.stock(&product).await, 5);
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn admin_can_set_stock_and_update_a_product() {
    let api = Api::from_env();
    let product = api.product("admin", 1).await;
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
