//! The router in process on the memory store, called as API Gateway or the saga worker
//! would call it (the real `Caller` and `Internal` extractors decide who may do what).

use super::router;
use crate::domain::{Line, ProductChange, Reservation, ReservationStatus};
use crate::store::{InventoryStore, MemoryImages, MemoryStore, StoreError};
use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use sagaway_shared::ApiError;
use sagaway_shared::serve::finish;
use sagaway_shared::testing::{As, Reply, assert_refuses_unreadable_json, call, call_raw};
use serde_json::{Value, json};

const ADMIN: As<'static> = As::Admin("admin-1");
const SHOPPER: As<'static> = As::Shopper("shopper-1");

/// The router as a function serves it, over a fresh memory store.
fn app() -> (Router, MemoryStore) {
    let (app, store, _) = app_with_images();
    (app, store)
}

/// The router over fresh memory stores, with its image store.
fn app_with_images() -> (Router, MemoryStore, MemoryImages) {
    let store = MemoryStore::new();
    let images = MemoryImages::new();
    (finish(router(store.clone(), images.clone())), store, images)
}

async fn seed(store: &MemoryStore, id: &str, stock: i64) {
    let change = ProductChange {
        name: format!("Product {id}"),
        description: String::new(),
        price_cents: 1800,
        currency: "USD".into(),
        stock: Some(stock),
        category: None,
        image_url: None,
    };
    store.put_product(id, &change).await.unwrap();
}

async fn stock(store: &MemoryStore, id: &str) -> i64 {
    store.product(id).await.unwrap().expect("product").stock
}

fn field(r: &Reply) -> &str {
    r.body["errors"][0]["field"].as_str().unwrap_or_default()
}

async fn reserve(app: &Router, order: &str, lines: &[(&str, i64)]) -> Reply {
    let lines: Vec<Value> = lines
        .iter()
        .map(|(p, q)| json!({ "product_id": p, "quantity": q }))
        .collect();
    call(
        app,
        "POST",
        "/internal/reservations",
        As::Internal,
        Some(json!({ "order_id": order, "lines": lines })),
    )
    .await
}

/// What the store holds for `order`: no route reads a reservation.
fn reservation(store: &MemoryStore, order: &str) -> Option<Reservation> {
    store.reservation(order).expect("the memory store answers")
}

async fn release(app: &Router, order: &str) -> Reply {
    let path = format!("/internal/reservations/{order}/release");
    call(app, "POST", &path, As::Internal, None).await
}

#[tokio::test]
async fn health_is_public() {
    let (app, _) = app();
    let r = call(&app, "GET", "/health", As::Public, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["status"], "ok");
}

#[tokio::test]
async fn the_catalog_is_public_and_paged_by_cursor() {
    let (app, store) = app();
    let r = call(&app, "GET", "/v1/products", As::Public, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, json!({ "items": [], "next_cursor": null }));

    for id in ["mug-c", "mug-a", "mug-b"] {
        seed(&store, id, 1).await;
    }
    let first = call(&app, "GET", "/v1/products?limit=2", As::Public, None).await;
    assert_eq!(first.status, StatusCode::OK);
    let ids = |r: &Reply| -> Vec<String> {
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&first), ["mug-a", "mug-b"]);
    assert_eq!(first.body["items"][0]["price_cents"], 1800);
    let cursor = first.body["next_cursor"].as_str().expect("a cursor");
    let path = format!("/v1/products?limit=2&cursor={cursor}");
    let second = call(&app, "GET", &path, SHOPPER, None).await;
    assert_eq!(ids(&second), ["mug-c"]);
    assert_eq!(second.body["next_cursor"], Value::Null);
    // The default page size covers them all.
    let all = call(&app, "GET", "/v1/products", As::Public, None).await;
    assert_eq!(ids(&all).len(), 3);
}

#[tokio::test]
async fn bad_paging_names_the_parameter() {
    let (app, _) = app();
    for path in [
        "/v1/products?limit=0",
        "/v1/products?limit=abc",
        "/v1/products?limit=101",
    ] {
        let r = call(&app, "GET", path, As::Public, None).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(field(&r), "limit", "{path}");
    }
    let r = call(
        &app,
        "GET",
        "/v1/products?cursor=not*a*cursor",
        As::Public,
        None,
    )
    .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(field(&r), "cursor");
    let r = call(
        &app,
        "GET",
        "/v1/products?limit=1&limit=2",
        As::Public,
        None,
    )
    .await;
    r.assert_problem(400, "invalid_query");
}

#[tokio::test]
async fn one_product_by_id() {
    let (app, store) = app();
    seed(&store, "mug", 4).await;
    let r = call(&app, "GET", "/v1/products/mug", As::Public, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        (r.body["id"].as_str(), r.body["stock"].as_i64()),
        (Some("mug"), Some(4))
    );
    let r = call(&app, "GET", "/v1/products/ghost", As::Public, None).await;
    r.assert_problem(404, "product_not_found");
    let r = call(&app, "GET", "/v1/products/a%20b", As::Public, None).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(field(&r), "id");
}

#[tokio::test]
async fn an_admin_creates_and_updates_a_product() {
    let (app, store) = app();
    let body = json!({ "name": " Ceramic mug ", "price_cents": 1800 });
    let r = call(&app, "PUT", "/v1/products/mug", ADMIN, Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["name"], "Ceramic mug");
    assert_eq!(r.body["currency"], "USD");
    assert_eq!(
        r.body["stock"], 0,
        "a new product without stock starts empty"
    );
    assert_eq!(
        store.product("mug").await.unwrap().unwrap().name,
        "Ceramic mug"
    );

    let body = json!({ "name": "Mug", "price_cents": 1500, "currency": "EUR", "stock": 7 });
    let r = call(&app, "PUT", "/v1/products/mug", ADMIN, Some(body)).await;
    assert_eq!(
        (r.body["stock"].as_i64(), r.body["currency"].as_str()),
        (Some(7), Some("EUR"))
    );
    // The same update again changes nothing; without a stock the stock is kept.
    let body = json!({ "name": "Renamed", "price_cents": 1500 });
    let r = call(&app, "PUT", "/v1/products/mug", ADMIN, Some(body.clone())).await;
    let again = call(&app, "PUT", "/v1/products/mug", ADMIN, Some(body)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        (again.body["name"].as_str(), again.body["stock"].as_i64()),
        (Some("Renamed"), Some(7))
    );
}

#[tokio::test]
async fn catalog_changes_need_an_admin() {
    let (app, store) = app();
    seed(&store, "mug", 5).await;
    let product = json!({ "name": "Mine now", "price_cents": 1 });
    let stock_body = json!({ "stock": 999 });
    for (path, body) in [
        ("/v1/products/mug", &product),
        ("/v1/products/mug/stock", &stock_body),
    ] {
        let r = call(&app, "PUT", path, SHOPPER, Some(body.clone())).await;
        r.assert_problem(403, "forbidden");
        let r = call(&app, "PUT", path, As::Public, Some(body.clone())).await;
        r.assert_problem(401, "unauthenticated");
        assert!(r.headers.contains_key("www-authenticate"));
        let r = call(
            &app,
            "PUT",
            path,
            As::Rejected("token_expired"),
            Some(body.clone()),
        )
        .await;
        r.assert_problem(401, "token_expired");
    }
    let p = store.product("mug").await.unwrap().unwrap();
    assert_eq!(
        (p.name.as_str(), p.stock),
        ("Product mug", 5),
        "nothing changed"
    );
}

#[tokio::test]
async fn product_bodies_that_break_a_rule_name_the_problem() {
    let (app, store) = app();
    seed(&store, "mug", 5).await;
    let put = |body: Value| {
        let app = app.clone();
        async move { call(&app, "PUT", "/v1/products/mug", ADMIN, Some(body)).await }
    };
    for (body, name) in [
        (json!({ "name": "  ", "price_cents": 1 }), "name"),
        (json!({ "name": "x".repeat(201), "price_cents": 1 }), "name"),
        (json!({ "name": "Mug", "price_cents": -1 }), "price_cents"),
        (
            json!({ "name": "Mug", "price_cents": 1, "currency": "usd" }),
            "currency",
        ),
        (
            json!({ "name": "Mug", "price_cents": 1, "stock": -1 }),
            "stock",
        ),
        (
            json!({ "name": "Mug", "price_cents": 1, "description": "d".repeat(2001) }),
            "description",
        ),
    ] {
        let r = put(body).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(field(&r), name);
    }
    let r = put(json!({ "name": "Mug" })).await;
    r.assert_problem(422, "invalid_body");
    assert!(r.body["detail"].as_str().unwrap().contains("price_cents"));
    let r = put(json!({ "name": "Mug", "price_cents": "cheap" })).await;
    r.assert_problem(422, "invalid_body");
    let r = put(json!({ "name": "Mug", "price_cents": 1, "colour": "red" })).await;
    r.assert_problem(422, "invalid_body");

    let raw = |headers: &'static [(&'static str, &'static str)], body: Option<Vec<u8>>| {
        let app = app.clone();
        async move { call_raw(&app, "PUT", "/v1/products/mug", ADMIN, headers, body).await }
    };
    assert_refuses_unreadable_json(&app, "PUT", "/v1/products/mug", ADMIN).await;
    let big = format!(
        "{{\"name\": \"{}\", \"price_cents\": 1}}",
        "x".repeat(100 * 1024)
    );
    raw(&[], Some(big.into_bytes()))
        .await
        .assert_problem(413, "body_too_large");

    let r = call(
        &app,
        "PUT",
        "/v1/products/a%20b",
        ADMIN,
        Some(json!({ "name": "Mug", "price_cents": 1 })),
    )
    .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(field(&r), "id");
    assert_eq!(
        store.product("mug").await.unwrap().unwrap().name,
        "Product mug"
    );
}

#[tokio::test]
async fn an_admin_sets_the_stock_of_an_existing_product() {
    let (app, store) = app();
    seed(&store, "mug", 1).await;
    let r = call(
        &app,
        "PUT",
        "/v1/products/mug/stock",
        ADMIN,
        Some(json!({ "stock": 42 })),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["stock"], 42);
    assert_eq!(stock(&store, "mug").await, 42);

    let r = call(
        &app,
        "PUT",
        "/v1/products/ghost/stock",
        ADMIN,
        Some(json!({ "stock": 3 })),
    )
    .await;
    r.assert_problem(404, "product_not_found");
    assert_eq!(store.product("ghost").await.unwrap(), None);
    for bad in [-4, 1_000_001] {
        let r = call(
            &app,
            "PUT",
            "/v1/products/mug/stock",
            ADMIN,
            Some(json!({ "stock": bad })),
        )
        .await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(field(&r), "stock");
    }
    assert_eq!(stock(&store, "mug").await, 42);
}

#[tokio::test]
async fn reserve_then_release_once_each() {
    let (app, store) = app();
    seed(&store, "mug", 10).await;
    let statuses = {
        let mut v = Vec::new();
        for _ in 0..3 {
            let r = reserve(&app, "o-1", &[("mug", 4)]).await;
            assert_eq!(r.body["status"], "RESERVED", "{}", r.body);
            v.push(r.status.as_u16());
        }
        v
    };
    assert_eq!(
        statuses,
        [201, 200, 200],
        "first creates, repeats answer 200"
    );
    assert_eq!(stock(&store, "mug").await, 6);

    let r = reservation(&store, "o-1").expect("a reservation");
    assert_eq!(r.status, ReservationStatus::Reserved);
    assert_eq!(
        r.lines,
        [Line {
            product_id: "mug".into(),
            quantity: 4
        }]
    );

    let r = reserve(&app, "o-1", &[("mug", 5)]).await;
    r.assert_problem(409, "reservation_mismatch");
    assert_eq!(stock(&store, "mug").await, 6);

    let mut outcomes = Vec::new();
    for _ in 0..3 {
        let r = release(&app, "o-1").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        outcomes.push(r.body["outcome"].as_str().unwrap().to_string());
    }
    assert_eq!(
        outcomes,
        ["released", "already_released", "already_released"]
    );
    assert_eq!(stock(&store, "mug").await, 10, "put back once");
    let r = reservation(&store, "o-1").expect("the released reservation");
    assert_eq!(r.status, ReservationStatus::Released);
    assert!(r.released_at.is_some());

    let r = reserve(&app, "o-1", &[("mug", 4)]).await;
    r.assert_problem(409, "reservation_released");
    assert_eq!(stock(&store, "mug").await, 10);
}

#[tokio::test]
async fn a_release_without_a_reservation_blocks_a_late_reserve() {
    let (app, store) = app();
    seed(&store, "mug", 2).await;
    let r = reserve(&app, "o-1", &[("mug", 3)]).await;
    r.assert_problem(409, "out_of_stock");
    assert_eq!(
        r.body["shortages"],
        json!([{ "product_id": "mug", "requested": 3, "available": 2 }])
    );
    assert_eq!(reservation(&store, "o-1"), None, "nothing was reserved");

    let r = release(&app, "o-1").await;
    assert_eq!(
        r.body,
        json!({ "outcome": "unknown_order", "order_id": "o-1" })
    );
    assert_eq!(stock(&store, "mug").await, 2, "nothing restored");
    let r = reserve(&app, "o-1", &[("mug", 1)]).await;
    r.assert_problem(409, "reservation_released");
    assert_eq!(stock(&store, "mug").await, 2);
}

#[tokio::test]
async fn a_multi_line_reserve_is_all_or_nothing_and_merges_lines() {
    let (app, store) = app();
    seed(&store, "plenty", 5).await;
    seed(&store, "scarce", 1).await;
    let r = reserve(&app, "o-1", &[("plenty", 2), ("scarce", 3)]).await;
    r.assert_problem(409, "out_of_stock");
    assert_eq!(r.body["shortages"].as_array().map(Vec::len), Some(1));
    assert_eq!(r.body["shortages"][0]["product_id"], "scarce");
    assert_eq!(
        stock(&store, "plenty").await,
        5,
        "the line with stock is untouched"
    );

    let r = reserve(&app, "o-2", &[("plenty", 2), ("scarce", 1), ("plenty", 1)]).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        r.body["lines"],
        json!([{ "product_id": "plenty", "quantity": 3 }, { "product_id": "scarce", "quantity": 1 }])
    );
    assert_eq!(
        (stock(&store, "plenty").await, stock(&store, "scarce").await),
        (2, 0)
    );
}

#[tokio::test]
async fn reserve_requests_that_break_a_rule_name_the_problem() {
    let (app, store) = app();
    seed(&store, "mug", 5).await;
    for q in [0, -1] {
        let r = reserve(&app, "o-1", &[("mug", q)]).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(field(&r), "lines[0].quantity");
    }
    let r = reserve(&app, "o-1", &[("mug", 1), ("ghost", 1)]).await;
    r.assert_problem(422, "unknown_product");
    assert_eq!(r.body["product_ids"], json!(["ghost"]));
    let r = reserve(&app, "bad id!", &[("mug", 1)]).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(field(&r), "order_id");
    let r = reserve(&app, "o-1", &[]).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(field(&r), "lines");
    let body = json!({ "order_id": "o-1" });
    let r = call(
        &app,
        "POST",
        "/internal/reservations",
        As::Internal,
        Some(body),
    )
    .await;
    r.assert_problem(422, "invalid_body");
    assert!(r.body["detail"].as_str().unwrap().contains("lines"));

    let r = release(&app, "bad%20id").await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(field(&r), "order_id");
    assert_eq!(stock(&store, "mug").await, 5, "nothing was reserved");
    assert_eq!(reservation(&store, "o-1"), None);
}

#[tokio::test]
async fn reservations_are_not_on_the_public_api() {
    let (app, store) = app();
    seed(&store, "mug", 5).await;
    let body = json!({ "order_id": "o-1", "lines": [{ "product_id": "mug", "quantity": 1 }] });
    for who in [As::Public, SHOPPER, ADMIN] {
        let r = call(
            &app,
            "POST",
            "/internal/reservations",
            who,
            Some(body.clone()),
        )
        .await;
        r.assert_problem(404, "no_route");
        let r = call(
            &app,
            "POST",
            "/internal/reservations/o-1/release",
            who,
            None,
        )
        .await;
        r.assert_problem(404, "no_route");
    }
    assert_eq!(stock(&store, "mug").await, 5);
    assert_eq!(reservation(&store, "o-1"), None, "no tombstone either");
}

#[tokio::test]
async fn no_route_reads_a_reservation() {
    let (app, store) = app();
    seed(&store, "mug", 5).await;
    let r = reserve(&app, "o-1", &[("mug", 1)]).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = call(
        &app,
        "GET",
        "/internal/reservations/o-1",
        As::Internal,
        None,
    )
    .await;
    r.assert_problem(404, "no_route");
}

#[tokio::test]
async fn unknown_routes_and_methods_get_problems() {
    let (app, _) = app();
    let r = call(
        &app,
        "POST",
        "/v1/reservations",
        As::Public,
        Some(json!({})),
    )
    .await;
    r.assert_problem(404, "no_route");
    let r = call(&app, "DELETE", "/v1/products/mug", ADMIN, None).await;
    r.assert_problem(405, "method_not_allowed");
}

#[tokio::test]
async fn store_failures_are_503_to_retry_or_500_without_details() {
    let busy = ApiError::from(StoreError::Contention).into_response();
    assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(busy.headers().contains_key("retry-after"));
    let e = ApiError::from(StoreError::Contention);
    assert_eq!(e.code, "contention");
    let e = ApiError::from(StoreError::Backend(
        "table sagaway-inventory is gone".into(),
    ));
    assert_eq!(
        (e.status, e.code),
        (StatusCode::INTERNAL_SERVER_ERROR, "internal_error")
    );
    assert!(
        !e.message.contains("sagaway-inventory"),
        "the cause is logged, not sent"
    );
}

async fn batch(app: &Router, who: As<'_>, ids: Value) -> Reply {
    call(
        app,
        "POST",
        "/internal/products/batch",
        who,
        Some(json!({ "ids": ids })),
    )
    .await
}

#[tokio::test]
async fn a_batch_reads_several_products_in_one_call() {
    let (app, store) = app();
    seed(&store, "mug", 5).await;
    seed(&store, "beans", 0).await;
    let r = reserve(&app, "o-1", &[("mug", 2)]).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    let r = batch(&app, As::Internal, json!(["beans", "gone", "mug", "beans"])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let got: Vec<(&str, i64, i64, &str)> = r.body["products"]
        .as_array()
        .expect("products")
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap(),
                p["price_cents"].as_i64().unwrap(),
                p["stock"].as_i64().unwrap(),
                p["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("beans", 1800, 0, "Product beans"),
            ("mug", 1800, 3, "Product mug")
        ],
        "in the order asked, each once, with the stock now"
    );
    assert_eq!(r.body["missing"], json!(["gone"]));

    let r = batch(&app, As::Internal, json!(["gone"])).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, json!({ "products": [], "missing": ["gone"] }));
}

#[tokio::test]
async fn batch_requests_that_break_a_rule_name_the_problem() {
    let (app, _) = app();
    let r = batch(&app, As::Internal, json!([])).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(field(&r), "ids");
    let too_many: Vec<String> = (0..26).map(|i| format!("p{i}")).collect();
    let r = batch(&app, As::Internal, json!(too_many)).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(field(&r), "ids");
    let r = batch(&app, As::Internal, json!(["mug", "not an id"])).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(field(&r), "ids[1]");
    let r = call(
        &app,
        "POST",
        "/internal/products/batch",
        As::Internal,
        Some(json!({ "ids": ["mug"], "extra": 1 })),
    )
    .await;
    assert_eq!(r.status.as_u16() / 100, 4, "{}", r.body);
    assert_refuses_unreadable_json(&app, "POST", "/internal/products/batch", As::Internal).await;
}

#[tokio::test]
async fn the_batch_is_not_on_the_public_api() {
    let (app, store) = app();
    seed(&store, "mug", 5).await;
    for who in [As::Public, SHOPPER, ADMIN] {
        batch(&app, who, json!(["mug"]))
            .await
            .assert_problem(404, "no_route");
    }
}

fn ids(r: &Reply) -> Vec<String> {
    r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Puts a product with a name and a category through the API, as an admin.
async fn put_named(app: &Router, id: &str, name: &str, category: &str) {
    let body = json!({ "name": name, "price_cents": 100, "category": category, "stock": 1 });
    let r = call(app, "PUT", &format!("/v1/products/{id}"), ADMIN, Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn categories_are_public_and_in_the_shops_order() {
    let (app, _) = app();
    let r = call(&app, "GET", "/v1/categories", As::Public, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.body,
        json!({"categories": [
            {"id": "coffee", "name": "Coffee"},
            {"id": "brewing", "name": "Brewing"},
            {"id": "drinkware", "name": "Drinkware"},
            {"id": "equipment", "name": "Equipment"},
            {"id": "other", "name": "Other"},
        ]})
    );
}

#[tokio::test]
async fn a_put_sets_the_category_or_keeps_it() {
    let (app, _) = app();
    let put = |body: Value| {
        let app = app.clone();
        async move { call(&app, "PUT", "/v1/products/mug", ADMIN, Some(body)).await }
    };
    let r = put(json!({ "name": "Mug", "price_cents": 100 })).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["category"], "other", "a new product without one");
    assert_eq!(r.body["image_url"], Value::Null);
    let r = put(
        json!({ "name": "Mug", "price_cents": 100, "category": "drinkware",
                        "image_url": "images/products/ceramic-mug.svg" }),
    )
    .await;
    assert_eq!(r.body["category"], "drinkware");
    assert_eq!(r.body["image_url"], "images/products/ceramic-mug.svg");
    let r = put(json!({ "name": "Big Mug", "price_cents": 150 })).await;
    assert_eq!(
        (&r.body["name"], &r.body["category"], &r.body["image_url"]),
        (
            &json!("Big Mug"),
            &json!("drinkware"),
            &json!("images/products/ceramic-mug.svg")
        ),
        "left out: kept"
    );
    for (body, name) in [
        (
            json!({ "name": "Mug", "price_cents": 1, "category": "tea" }),
            "category",
        ),
        (
            json!({ "name": "Mug", "price_cents": 1, "image_url": "https://evil.example/x.png" }),
            "image_url",
        ),
        (
            json!({ "name": "Mug", "price_cents": 1, "image_url": "images/uploads/other-0123456789abcdef.png" }),
            "image_url",
        ),
    ] {
        let r = put(body).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(field(&r), name);
    }
    let r = call(&app, "GET", "/v1/products/mug", As::Public, None).await;
    assert_eq!(r.body["category"], "drinkware", "nothing refused was saved");
}

#[tokio::test]
async fn search_and_category_narrow_the_catalog() {
    let (app, _) = app();
    put_named(&app, "a-mug", "Ceramic Mug", "drinkware").await;
    put_named(&app, "b-beans", "Espresso Beans", "coffee").await;
    put_named(&app, "c-travel", "Travel MUG", "drinkware").await;
    put_named(&app, "d-cleaner", "Mug cleaner", "other").await;
    put_named(&app, "e-cup", "Cup", "drinkware").await;
    let get = |path: &'static str| {
        let app = app.clone();
        async move { call(&app, "GET", path, As::Public, None).await }
    };
    assert_eq!(
        ids(&get("/v1/products?q=mug").await),
        ["a-mug", "c-travel", "d-cleaner"],
        "a part of the name, any case, in id order"
    );
    assert_eq!(
        ids(&get("/v1/products?q=%20MuG%20").await),
        ["a-mug", "c-travel", "d-cleaner"],
        "trimmed"
    );
    assert_eq!(
        ids(&get("/v1/products?category=drinkware").await),
        ["a-mug", "c-travel", "e-cup"]
    );
    assert_eq!(
        ids(&get("/v1/products?q=mug&category=drinkware").await),
        ["a-mug", "c-travel"],
        "both"
    );
    assert_eq!(ids(&get("/v1/products?q=").await).len(), 5, "empty q");
    assert!(ids(&get("/v1/products?q=teapot").await).is_empty());

    for (path, name) in [
        ("/v1/products?category=tea", "category"),
        ("/v1/products?category=", "category"),
        ("/v1/products?category=Coffee", "category"),
    ] {
        let r = get(path).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(field(&r), name, "{path}");
    }
    let long = format!("/v1/products?q={}", "a".repeat(101));
    let r = call(&app, "GET", &long, As::Public, None).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(field(&r), "q");
    let ok = format!("/v1/products?q={}", "a".repeat(100));
    assert_eq!(
        call(&app, "GET", &ok, As::Public, None).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_filtered_list_pages_through_every_match_once() {
    let (app, _) = app();
    for i in 0..23 {
        let (name, category) = if i % 2 == 0 {
            (format!("Mug {i}"), "drinkware")
        } else {
            (format!("Kettle {i}"), "brewing")
        };
        put_named(&app, &format!("p{i:02}"), &name, category).await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/products?q=mug&category=drinkware&limit=5&cursor={c}"),
            None => "/v1/products?q=mug&category=drinkware&limit=5".to_string(),
        };
        let r = call(&app, "GET", &path, As::Public, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let page = ids(&r);
        pages += 1;
        if r.body["next_cursor"].is_string() {
            assert_eq!(page.len(), 5, "every page but the last is full");
        }
        seen.extend(page);
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let expected: Vec<String> = (0..23).step_by(2).map(|i| format!("p{i:02}")).collect();
    assert_eq!(seen, expected, "each match once, in id order");
    assert_eq!(pages, 3);
}

const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 1, 2,
];

fn image_body(content_type: &str, bytes: &[u8]) -> Value {
    use base64::Engine;
    json!({
        "content_type": content_type,
        "data_base64": base64::engine::general_purpose::STANDARD.encode(bytes),
    })
}

#[tokio::test]
async fn an_admin_uploads_an_image_to_a_key_named_by_its_bytes() {
    let (app, store, images) = app_with_images();
    seed(&store, "mug", 3).await;
    let r = call(
        &app,
        "PUT",
        "/v1/products/mug/image",
        ADMIN,
        Some(image_body("image/png", PNG)),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let key = r.body["image_url"]
        .as_str()
        .expect("an image_url")
        .to_string();
    assert!(
        key.starts_with("images/uploads/mug-") && key.ends_with(".png"),
        "{key}"
    );
    assert_eq!(key.len(), "images/uploads/mug-".len() + 16 + ".png".len());
    assert_eq!(r.body["stock"], 3, "the rest of the product is untouched");
    let stored = images.get(&key).expect("the object");
    assert_eq!(stored.bytes, PNG);
    assert_eq!(stored.content_type, "image/png");
    assert_eq!(stored.cache_control, "public, max-age=31536000, immutable");
    assert_eq!(
        store
            .product("mug")
            .await
            .unwrap()
            .unwrap()
            .image_url
            .as_deref(),
        Some(key.as_str())
    );

    // The same bytes again: the same key, one object.
    let again = call(
        &app,
        "PUT",
        "/v1/products/mug/image",
        ADMIN,
        Some(image_body("image/png", PNG)),
    )
    .await;
    assert_eq!(again.body["image_url"], key.as_str());
    assert_eq!(images.len(), 1);

    // A product edit without image_url keeps it; the upload's path may be sent back.
    let edit = json!({ "name": "Mug", "price_cents": 100 });
    let r = call(&app, "PUT", "/v1/products/mug", ADMIN, Some(edit)).await;
    assert_eq!(r.body["image_url"], key.as_str());
    let edit = json!({ "name": "Mug", "price_cents": 100, "image_url": key });
    let r = call(&app, "PUT", "/v1/products/mug", ADMIN, Some(edit)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn only_an_admin_uploads_and_only_for_a_product_that_exists() {
    let (app, store, images) = app_with_images();
    seed(&store, "mug", 1).await;
    let body = || Some(image_body("image/png", PNG));
    call(&app, "PUT", "/v1/products/mug/image", SHOPPER, body())
        .await
        .assert_problem(403, "forbidden");
    call(&app, "PUT", "/v1/products/mug/image", As::Public, body())
        .await
        .assert_problem(401, "unauthenticated");
    call(&app, "PUT", "/v1/products/ghost/image", ADMIN, body())
        .await
        .assert_problem(404, "product_not_found");
    assert!(images.is_empty(), "nothing stored");
    assert_eq!(store.product("ghost").await.unwrap(), None, "not created");
}

#[tokio::test]
async fn bad_uploads_name_the_field() {
    let (app, store, images) = app_with_images();
    seed(&store, "mug", 1).await;
    let put = |body: Value| {
        let app = app.clone();
        async move { call(&app, "PUT", "/v1/products/mug/image", ADMIN, Some(body)).await }
    };
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    for (body, name) in [
        (image_body("image/svg+xml", svg), "content_type"),
        (image_body("image/gif", b"GIF89a"), "content_type"),
        (image_body("image/jpeg", PNG), "data_base64"),
        (image_body("image/png", svg), "data_base64"),
        (image_body("image/png", b""), "data_base64"),
        (
            json!({ "content_type": "image/png", "data_base64": "***not base64***" }),
            "data_base64",
        ),
    ] {
        let r = put(body).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(field(&r), name, "{}", r.body);
    }
    let mut big = PNG.to_vec();
    big.resize(300 * 1024 + 1, 0);
    let r = put(image_body("image/png", &big)).await;
    r.assert_problem(413, "image_too_large");
    assert_eq!(field(&r), "data_base64");
    // Far over the limit: refused before it is read, still naming the field.
    big.resize(2 * 1024 * 1024, 0);
    let r = put(image_body("image/png", &big)).await;
    r.assert_problem(413, "image_too_large");
    assert_eq!(field(&r), "data_base64");
    // 300 KiB exactly is accepted (the body limit leaves room for it in base64).
    big.truncate(300 * 1024);
    assert_eq!(
        put(image_body("image/png", &big)).await.status,
        StatusCode::OK
    );
    let r = put(json!({ "content_type": "image/png" })).await;
    r.assert_problem(422, "invalid_body");
    assert_eq!(images.len(), 1, "only the good upload was stored");
}

#[tokio::test]
async fn an_upload_without_a_site_bucket_is_a_clear_503() {
    use crate::store::S3Images;
    let store = MemoryStore::new();
    seed(&store, "mug", 1).await;
    let sdk = sagaway_shared::aws::sdk_config_for(Some("http://127.0.0.1:9")).await;
    let images = S3Images::new(aws_sdk_s3::Client::new(&sdk), None);
    let app = finish(router(store, images));
    let r = call(
        &app,
        "PUT",
        "/v1/products/mug/image",
        ADMIN,
        Some(image_body("image/png", PNG)),
    )
    .await;
    r.assert_problem(503, "images_unavailable");
}
