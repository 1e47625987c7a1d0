//! The inventory service through API Gateway on the local emulator.

use futures::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};
use system_tests::{Api, Stack, assert_problem, fetch, unique};

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
    let site = site_base();
    for p in &seed {
        let id = p["id"].as_str().expect("id");
        let r = api.get(&format!("/v1/products/{id}")).await;
        assert_eq!(r.status, 200, "seeded product {id}: {}", r.text);
        assert_eq!(r.body["name"], p["name"]);
        assert_eq!(r.body["price_cents"], p["price_cents"]);
        assert_eq!(r.body["category"], p["category"], "{id}");
        let image = r.body["image_url"].as_str().expect("a seeded image");
        assert_eq!(image, format!("images/products/{id}.svg"));
        // The illustration ships with the web app, so the site serves it.
        let (status, content_type, bytes) = fetch(&format!("{site}{image}")).await;
        assert_eq!(status, 200, "{site}{image}");
        assert!(content_type.starts_with("image/svg+xml"), "{content_type}");
        assert!(
            String::from_utf8_lossy(&bytes).contains("<title"),
            "{image}"
        );
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

/// The web app's root on the site (`SAGAWAY_SITE_URL` names its index.html), ending in `/`:
/// where the web app resolves an `image_url` from.
fn site_base() -> String {
    let site = std::env::var("SAGAWAY_SITE_URL").expect("SAGAWAY_SITE_URL names the web app");
    match site.rfind('/') {
        Some(i) => site[..=i].to_string(),
        None => format!("{site}/"),
    }
}

/// Every product id of `path` (a catalog list), following `next_cursor` to the end, with the
/// size of each page.
async fn all_pages(api: &Api, path: &str) -> (Vec<String>, Vec<usize>) {
    let (mut ids, mut sizes) = (Vec::new(), Vec::new());
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let url = match &cursor {
            Some(c) => format!("{path}&cursor={c}"),
            None => path.to_string(),
        };
        let r = api.get(&url).await;
        assert_eq!(r.status, 200, "{url}: {}", r.text);
        let items = r.body["items"].as_array().expect("items");
        sizes.push(items.len());
        ids.extend(
            items
                .iter()
                .map(|p| p["id"].as_str().unwrap_or("").to_string()),
        );
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return (ids, sizes),
        }
    }
    panic!("{path} did not end within 100 pages");
}

/// Creates a product with this name and category (as an admin); returns its id.
async fn named_product(admin: &Api, name: &str, category: &str) -> String {
    let id = unique("find");
    let r = admin
        .json(
            Method::PUT,
            &format!("/v1/products/{id}"),
            &json!({ "name": name, "price_cents": 500, "stock": 3, "category": category }),
        )
        .await;
    assert_eq!(r.status, 200, "creating {id}: {}", r.text);
    assert_eq!(r.body["category"], category);
    id
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn categories_are_listed_in_the_shops_order() {
    let stack = Stack::from_env().await;
    let r = stack.api.get("/v1/categories").await;
    assert_eq!(r.status, 200, "{}", r.text);
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
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn search_and_category_filter_page_through_every_match_once() {
    let stack = Stack::from_env().await;
    let admin = stack.admin().await;
    let api = &stack.api;
    // A word no other product's name holds, so the filtered set is exactly these.
    let tag = unique("Zq").replace('-', "");
    let mut kettles = Vec::new();
    let mut mugs = Vec::new();
    for i in 0..7 {
        kettles.push(named_product(&admin, &format!("Kettle {tag} no {i}"), "brewing").await);
    }
    for i in 0..4 {
        mugs.push(named_product(&admin, &format!("{tag} Mug {i}"), "drinkware").await);
    }
    let lower = tag.to_lowercase();
    let upper = tag.to_uppercase();
    kettles.sort();
    mugs.sort();
    let mut every = [kettles.clone(), mugs.clone()].concat();
    every.sort();

    // A part of the name, in any case, paged 3 at a time: each product once, in id order,
    // every page but the last full.
    for q in [&lower, &upper, &tag[2..]] {
        let (ids, sizes) = all_pages(api, &format!("/v1/products?limit=3&q={q}")).await;
        assert_eq!(ids, every, "q={q}");
        let (last, full) = sizes.split_last().expect("a page");
        assert!(full.iter().all(|&n| n == 3), "full pages: {sizes:?}");
        assert!(*last <= 3);
    }
    // The category alone (with others' products too): mine are all there, once.
    let (ids, _) = all_pages(api, "/v1/products?limit=100&category=brewing").await;
    for id in &kettles {
        assert_eq!(ids.iter().filter(|x| *x == id).count(), 1, "{id} once");
    }
    assert!(mugs.iter().all(|id| !ids.contains(id)), "no drinkware");
    // Both: only the brewing products with the word, over several pages.
    let (ids, sizes) = all_pages(
        api,
        &format!("/v1/products?limit=2&q={upper}&category=brewing"),
    )
    .await;
    assert_eq!(ids, kettles);
    assert!(sizes.len() >= 4, "{sizes:?}");
    let (ids, _) = all_pages(
        api,
        &format!("/v1/products?limit=2&q=%20mug%20{lower}&category=drinkware"),
    )
    .await;
    assert!(
        ids.is_empty(),
        "the words in another order are not a part of the name"
    );
    let (ids, _) = all_pages(
        api,
        &format!("/v1/products?q={lower}%20mug&category=drinkware"),
    )
    .await;
    assert_eq!(ids, mugs, "a part with a space, trimmed");
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn a_bad_search_or_category_is_refused_naming_it() {
    let stack = Stack::from_env().await;
    let api = &stack.api;
    let long = "a".repeat(101);
    for (path, field) in [
        ("/v1/products?category=tea".to_string(), "category"),
        ("/v1/products?category=Coffee&q=mug".to_string(), "category"),
        (format!("/v1/products?q={long}"), "q"),
    ] {
        let r = api.get(&path).await;
        assert_problem(&r, 422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], field, "{path}: {}", r.text);
    }
    let r = api
        .get(&format!("/v1/products?q={}", "a".repeat(100)))
        .await;
    assert_eq!(r.status, 200, "100 characters are fine: {}", r.text);
}

fn image_body(content_type: &str, bytes: &[u8]) -> Value {
    use base64::Engine;
    json!({
        "content_type": content_type,
        "data_base64": base64::engine::general_purpose::STANDARD.encode(bytes),
    })
}

/// A real 1x1 PNG, with something unique after its end so each run uploads new bytes.
fn png(salt: &str) -> Vec<u8> {
    use base64::Engine;
    let mut bytes = base64::engine::general_purpose::STANDARD
        .decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
        .expect("png");
    bytes.extend_from_slice(salt.as_bytes());
    bytes
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn an_admin_uploads_an_image_that_the_site_then_serves() {
    let stack = Stack::from_env().await;
    let admin = stack.admin().await;
    let id = stack.product("img", 2).await;
    let bytes = png(&id);
    let path = format!("/v1/products/{id}/image");
    let r = admin
        .json(Method::PUT, &path, &image_body("image/png", &bytes))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let key = r.body["image_url"].as_str().expect("image_url").to_string();
    assert!(
        key.starts_with(&format!("images/uploads/{id}-")) && key.ends_with(".png"),
        "{key}"
    );
    assert_eq!(r.body["stock"], 2);
    let read = stack.api.get(&format!("/v1/products/{id}")).await;
    assert_eq!(read.body["image_url"], key.as_str());

    // The web app resolves image_url against its own origin: the object is on the site.
    let (status, content_type, served) = fetch(&format!("{}{key}", site_base())).await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "image/png");
    assert_eq!(served, bytes, "the same bytes");

    // The same bytes again: the same key.
    let again = admin
        .json(Method::PUT, &path, &image_body("image/png", &bytes))
        .await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["image_url"], key.as_str());
    // Editing the product without image_url keeps the image.
    let edit = admin
        .json(
            Method::PUT,
            &format!("/v1/products/{id}"),
            &json!({ "name": "Renamed", "price_cents": 700 }),
        )
        .await;
    assert_eq!(edit.body["image_url"], key.as_str(), "{}", edit.text);
}

#[tokio::test]
#[ignore = "needs the deployed local stack: run tests/system.sh"]
async fn only_admins_upload_good_images() {
    let stack = Stack::from_env().await;
    let admin = stack.admin().await;
    let id = stack.product("img", 1).await;
    let path = format!("/v1/products/{id}/image");
    let good = image_body("image/png", &png(&id));

    let (shopper, _) = stack.api.new_shopper("img").await;
    let r = shopper.json(Method::PUT, &path, &good).await;
    assert_problem(&r, 403, "forbidden");
    let r = admin
        .json(
            Method::PUT,
            &format!("/v1/products/{}/image", unique("ghost")),
            &good,
        )
        .await;
    assert_problem(&r, 404, "product_not_found");

    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    let mut big = png(&id);
    big.resize(300 * 1024 + 1, 0);
    for (body, status, code, field) in [
        (
            image_body("image/svg+xml", svg),
            422,
            "validation_failed",
            "content_type",
        ),
        (
            image_body("image/jpeg", &png(&id)),
            422,
            "validation_failed",
            "data_base64",
        ),
        (
            image_body("image/png", svg),
            422,
            "validation_failed",
            "data_base64",
        ),
        (
            json!({ "content_type": "image/png", "data_base64": "%%% not base64 %%%" }),
            422,
            "validation_failed",
            "data_base64",
        ),
        (
            image_body("image/png", &big),
            413,
            "image_too_large",
            "data_base64",
        ),
    ] {
        let r = admin.json(Method::PUT, &path, &body).await;
        assert_problem(&r, status, code);
        assert_eq!(r.body["errors"][0]["field"], field, "{}", r.text);
    }
    let r = stack.api.get(&format!("/v1/products/{id}")).await;
    assert_eq!(r.body["image_url"], Value::Null, "nothing refused was set");
}
