//! The order HTTP API.
//!
//! | route | who | what |
//! |---|---|---|
//! | `GET /health` | anyone | liveness |
//! | `GET /v1/orders?limit=&cursor=` | signed-in shopper | my orders, newest first |
//! | `GET /v1/orders/{id}` | signed-in shopper | one of my orders (404 if not mine) |
//! | `GET /v1/admin/orders?status=&limit=&cursor=` | admin | every order (or those of one status), newest first |
//! | `POST /internal/orders` | internal (saga) | create, idempotent by order id |
//! | `POST /internal/orders/{id}/status` | internal | `{status, reason?, expected_version?}` |
//!
//! Handlers only check the input and ask the store; the rules are in [`crate::domain`].

use crate::domain::{self, CreateOrderInput, Created, OrderError, TransitionInput};
use crate::store::{OrderStore, StoreError};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sagaway_contract::Problem;
use sagaway_contract::api::Health;
use sagaway_contract::api::{AdminOrderQuery, PageQuery};
use sagaway_contract::order::{Order, OrderPage};
use sagaway_shared::auth::{Caller, Internal};
use sagaway_shared::{ApiError, JsonBody};
use serde_json::json;

pub fn router<S: OrderStore + Clone>(store: S) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/v1/orders", get(my_orders::<S>))
        .route("/v1/orders/{id}", get(my_order::<S>))
        .route("/v1/admin/orders", get(all_orders::<S>))
        .route("/internal/orders", post(create::<S>))
        .route("/internal/orders/{id}/status", post(set_status::<S>))
        .with_state(store)
}

/// Every status and code of this service's refusals.
impl From<OrderError> for ApiError {
    fn from(e: OrderError) -> Self {
        let message = e.to_string();
        match e {
            OrderError::Invalid(v) => v.into(),
            OrderError::NotFound(_) => ApiError::not_found("order_not_found", message),
            OrderError::IllegalTransition { from, to, .. } => {
                ApiError::conflict("illegal_transition", message)
                    .with_details(json!({ "from": from.as_str(), "to": to.as_str() }))
            }
            OrderError::VersionConflict { .. } => ApiError::conflict("version_conflict", message),
            OrderError::Mismatch(_) => ApiError::conflict("order_mismatch", message),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Refused(e) => e.into(),
            StoreError::Contention => {
                ApiError::unavailable("contention", "the order is changing too fast; retry")
            }
            e @ StoreError::Backend(_) => ApiError::internal(&e),
        }
    }
}

async fn health() -> Json<Health> {
    Json(Health::ok("order"))
}

/// My orders, newest first.
#[utoipa::path(get, path = "/v1/orders", tag = "orders", security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of orders", body = OrderPage),
        (status = 400, description = "`invalid_query`: a bad `cursor`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `limit` out of range", body = Problem, content_type = "application/problem+json"),
    ))]
async fn my_orders<S: OrderStore>(
    State(store): State<S>,
    caller: Caller,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request("invalid_query", e.to_string()))?;
    let page = domain::page_request(q.limit.as_deref(), q.cursor.as_deref())?;
    let page = store.for_customer(&caller.customer_id, &page).await?;
    Ok(Json(page).into_response())
}

/// One of my orders, with its status history.
#[utoipa::path(get, path = "/v1/orders/{id}", tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path, description = "the order id", pattern = "^[A-Za-z0-9._-]{1,64}$")),
    responses(
        (status = 200, description = "The order", body = Order),
        (status = 404, description = "`order_not_found` (also another shopper's order)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: not an order id", body = Problem, content_type = "application/problem+json"),
    ))]
async fn my_order<S: OrderStore>(
    State(store): State<S>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    domain::validate_id("id", &id)?;
    let order = domain::visible_to(store.get(&id).await?, &caller.customer_id, &id)?;
    Ok(Json(order).into_response())
}

/// Every order, for admins: newest first, optionally of one status.
///
/// Pages are newest first (by creation time, then order id) with or without `status`; each
/// order is on exactly one page of one listing, except that an order whose status changes
/// while a filtered listing is paged through may move out of (or into) the pages still to come.
#[utoipa::path(get, path = "/v1/admin/orders", tag = "orders", security(("bearer" = [])),
    params(AdminOrderQuery),
    responses(
        (status = 200, description = "A page of orders", body = OrderPage),
        (status = 400, description = "`invalid_query`: a repeated or unreadable query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: the caller is not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `status` is not an order status, `limit` out of range or a bad `cursor` (named in `errors`)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn all_orders<S: OrderStore>(
    State(store): State<S>,
    caller: Caller,
    query: Result<Query<AdminOrderQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let Query(q) = query.map_err(|e| ApiError::bad_request("invalid_query", e.to_string()))?;
    let status = domain::admin_filter(q.status.as_deref())?;
    let page = domain::page_request(q.limit.as_deref(), q.cursor.as_deref())?;
    let page = store.all(status, &page).await?;
    Ok(Json(page).into_response())
}

async fn create<S: OrderStore>(
    State(store): State<S>,
    _internal: Internal,
    JsonBody(input): JsonBody<CreateOrderInput>,
) -> Result<Response, ApiError> {
    let new = domain::validate_create(input)?;
    match store.create(&new).await? {
        Created::New(o) => {
            tracing::info!(order_id = %o.id, total_cents = o.total_cents, "order created");
            Ok((StatusCode::CREATED, Json(o)).into_response())
        }
        Created::Existing(o) => Ok(Json(o).into_response()),
    }
}

async fn set_status<S: OrderStore>(
    State(store): State<S>,
    _internal: Internal,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<TransitionInput>,
) -> Result<Response, ApiError> {
    let t = domain::validate_transition(input)?;
    domain::validate_id("id", &id)?;
    let order = store.transition(&id, &t).await?;
    tracing::info!(order_id = %id, status = order.status.as_str(), version = order.version, "order status");
    Ok(Json(order).into_response())
}

/// The order service's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(my_orders, my_order, all_orders))]
pub struct ApiDoc;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::OrderStatus;
    use crate::store::MemoryStore;
    use sagaway_shared::serve::finish;
    use sagaway_shared::testing::{As, Reply, assert_refuses_unreadable_json, call};
    use serde_json::Value;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// The router as deployed, on a memory store whose clock advances a millisecond per read,
    /// so creation order is list order; and that store, to see what the router left in it.
    fn app() -> (Router, MemoryStore) {
        let tick = Arc::new(AtomicU64::new(0));
        let store = MemoryStore::with_clock(move || {
            let ms = tick.fetch_add(1, Ordering::SeqCst);
            format!("2026-01-01T00:00:{:02}.{:03}Z", ms / 1000, ms % 1000)
        });
        (finish(router(store.clone())), store)
    }

    /// The order as stored: no route reads any order regardless of its shopper.
    async fn stored(store: &MemoryStore, id: &str) -> Option<Order> {
        store.get(id).await.expect("the memory store answers")
    }

    fn new_order(id: &str, customer: &str) -> Value {
        json!({
            "order_id": id,
            "customer_id": customer,
            "lines": [
                { "product_id": "ceramic-mug", "quantity": 2, "unit_price_cents": 1200 },
                { "product_id": "paper-filters", "quantity": 1, "unit_price_cents": 650 }
            ]
        })
    }

    async fn create_order(app: &Router, id: &str, customer: &str) -> Reply {
        call(
            app,
            "POST",
            "/internal/orders",
            As::Internal,
            Some(new_order(id, customer)),
        )
        .await
    }

    async fn status(app: &Router, id: &str, body: Value) -> Reply {
        call(
            app,
            "POST",
            &format!("/internal/orders/{id}/status"),
            As::Internal,
            Some(body),
        )
        .await
    }

    #[tokio::test]
    async fn health_is_public() {
        let r = call(&app().0, "GET", "/health", As::Public, None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body, json!({ "status": "ok", "service": "order" }));
    }

    #[tokio::test]
    async fn create_is_idempotent_by_order_id() {
        let (app, store) = app();
        let r = create_order(&app, "o-1", "c-1").await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.body["status"], "PENDING");
        assert_eq!(r.body["total_cents"], 3050);
        assert_eq!(r.body["currency"], "USD");
        assert_eq!(r.body["version"], 1);
        assert_eq!(r.body["history"][0]["status"], "PENDING");
        let first = r.body;

        let again = create_order(&app, "o-1", "c-1").await;
        assert_eq!(again.status, StatusCode::OK);
        assert_eq!(again.body, first);

        // A repeat after the saga moved on returns the order as it is now.
        status(&app, "o-1", json!({ "status": "RESERVED" })).await;
        let later = create_order(&app, "o-1", "c-1").await;
        assert_eq!(later.status, StatusCode::OK);
        assert_eq!(
            (
                later.body["status"].as_str(),
                later.body["version"].as_i64()
            ),
            (Some("RESERVED"), Some(2))
        );

        // Other contents under a used id: refused, and the order is untouched.
        let mut other = new_order("o-1", "c-1");
        other["lines"][0]["quantity"] = json!(5);
        let r = call(&app, "POST", "/internal/orders", As::Internal, Some(other)).await;
        r.assert_problem(409, "order_mismatch");
        let r = call(
            &app,
            "POST",
            "/internal/orders",
            As::Internal,
            Some(new_order("o-1", "c-2")),
        )
        .await;
        r.assert_problem(409, "order_mismatch");
        let order = stored(&store, "o-1").await.expect("the order");
        assert_eq!(order.lines[0].quantity, 2);
        assert_eq!(order.customer_id, "c-1");
    }

    #[tokio::test]
    async fn create_refuses_bad_input() {
        let (app, store) = app();
        let mut zero = new_order("o-1", "c-1");
        zero["lines"][1]["quantity"] = json!(0);
        let r = call(&app, "POST", "/internal/orders", As::Internal, Some(zero)).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "lines[1].quantity");

        let r = call(
            &app,
            "POST",
            "/internal/orders",
            As::Internal,
            Some(new_order("bad id", "c-1")),
        )
        .await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "order_id");

        let mut extra = new_order("o-1", "c-1");
        extra["total_cents"] = json!(1);
        let r = call(&app, "POST", "/internal/orders", As::Internal, Some(extra)).await;
        r.assert_problem(422, "invalid_body");

        assert_refuses_unreadable_json(&app, "POST", "/internal/orders", As::Internal).await;
        assert_eq!(stored(&store, "o-1").await, None, "nothing was stored");
    }

    #[tokio::test]
    async fn internal_routes_are_not_in_the_public_api() {
        let (app, store) = app();
        create_order(&app, "o-1", "c-1").await;
        status(&app, "o-1", json!({ "status": "RESERVED" })).await;
        for who in [As::Public, As::Shopper("c-1"), As::Admin("a-1")] {
            let r = call(
                &app,
                "POST",
                "/internal/orders",
                who,
                Some(new_order("o-2", "c-1")),
            )
            .await;
            r.assert_problem(404, "no_route");
            let r = call(
                &app,
                "POST",
                "/internal/orders/o-1/status",
                who,
                Some(json!({ "status": "CANCELLED", "reason": "x" })),
            )
            .await;
            r.assert_problem(404, "no_route");
        }
        let order = stored(&store, "o-1").await.expect("the order");
        assert_eq!(
            (order.status, order.version),
            (OrderStatus::Reserved, 2),
            "changed by the internal caller only"
        );
    }

    #[tokio::test]
    async fn the_confirm_and_cancel_shortcuts_are_gone() {
        let (app, _) = app();
        create_order(&app, "o-1", "c-1").await;
        let r = call(
            &app,
            "POST",
            "/internal/orders/o-1/confirm",
            As::Internal,
            None,
        )
        .await;
        r.assert_problem(404, "no_route");
        let r = call(
            &app,
            "POST",
            "/internal/orders/o-1/cancel",
            As::Internal,
            Some(json!({ "reason": "x" })),
        )
        .await;
        r.assert_problem(404, "no_route");
    }

    #[tokio::test]
    async fn no_route_reads_any_order() {
        let (app, _) = app();
        create_order(&app, "o-1", "c-1").await;
        let r = call(&app, "GET", "/internal/orders/o-1", As::Internal, None).await;
        r.assert_problem(404, "no_route");
    }

    #[tokio::test]
    async fn the_saga_path_with_repeats_versions_and_history() {
        let (app, _) = app();
        create_order(&app, "o-1", "c-1").await;
        for (to, version) in [("RESERVED", 2), ("PAID", 3)] {
            let r = status(&app, "o-1", json!({ "status": to })).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            assert_eq!(
                (r.body["status"].as_str(), r.body["version"].as_i64()),
                (Some(to), Some(version))
            );
            // A repeated step changes nothing.
            let again = status(&app, "o-1", json!({ "status": to })).await;
            assert_eq!(again.status, StatusCode::OK);
            assert_eq!(again.body, r.body);
        }
        // A writer holding an old version is refused, not silently applied.
        let r = status(
            &app,
            "o-1",
            json!({ "status": "COMPENSATING", "expected_version": 1 }),
        )
        .await;
        r.assert_problem(409, "version_conflict");
        let r = status(
            &app,
            "o-1",
            json!({ "status": "CONFIRMED", "expected_version": 3 }),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body["version"], 4);

        let r = status(
            &app,
            "o-1",
            json!({ "status": "CANCELLED", "reason": "too late" }),
        )
        .await;
        r.assert_problem(409, "illegal_transition");
        assert_eq!(
            (r.body["from"].as_str(), r.body["to"].as_str()),
            (Some("CONFIRMED"), Some("CANCELLED"))
        );

        let r = call(&app, "GET", "/v1/orders/o-1", As::Shopper("c-1"), None).await;
        let history: Vec<&str> = r.body["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["status"].as_str().unwrap())
            .collect();
        assert_eq!(history, ["PENDING", "RESERVED", "PAID", "CONFIRMED"]);
        assert_eq!(r.body["version"], 4);
    }

    #[tokio::test]
    async fn a_cancellation_needs_a_reason_and_keeps_it() {
        let (app, _) = app();
        create_order(&app, "o-1", "c-1").await;
        let r = status(&app, "o-1", json!({ "status": "CANCELLED" })).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "reason");
        let r = status(
            &app,
            "o-1",
            json!({ "status": "CANCELLED", "reason": " out of stock: tasting-set " }),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body["history"][1]["reason"], "out of stock: tasting-set");
        let r = status(&app, "o-1", json!({ "status": "CONFIRMED" })).await;
        r.assert_problem(409, "illegal_transition");
        assert_eq!(r.body["from"], "CANCELLED");
    }

    #[tokio::test]
    async fn status_refuses_bad_input_and_unknown_orders() {
        let (app, store) = app();
        create_order(&app, "o-1", "c-1").await;
        let r = status(&app, "o-1", json!({ "status": "SHIPPED" })).await;
        r.assert_problem(422, "invalid_body");
        let r = status(
            &app,
            "o-1",
            json!({ "status": "PAID", "reason": "x".repeat(2000) }),
        )
        .await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "reason");
        let r = status(&app, "bad%20id", json!({ "status": "RESERVED" })).await;
        r.assert_problem(422, "validation_failed");
        let r = status(&app, "o-9", json!({ "status": "RESERVED" })).await;
        r.assert_problem(404, "order_not_found");
        let order = stored(&store, "o-1").await.expect("the order");
        assert_eq!(
            (order.status, order.version),
            (OrderStatus::Pending, 1),
            "unchanged"
        );
    }

    #[tokio::test]
    async fn shoppers_see_only_their_own_orders_newest_first() {
        let (app, _) = app();
        for id in ["o-1", "o-2", "o-3"] {
            create_order(&app, id, "alice").await;
        }
        create_order(&app, "o-bob", "bob").await;

        let ids = |r: &Reply| -> Vec<String> {
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].as_str().unwrap().to_string())
                .collect()
        };
        let r = call(
            &app,
            "GET",
            "/v1/orders?limit=2",
            As::Shopper("alice"),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(ids(&r), ["o-3", "o-2"]);
        let cursor = r.body["next_cursor"].as_str().unwrap().to_string();
        let r = call(
            &app,
            "GET",
            &format!("/v1/orders?limit=2&cursor={cursor}"),
            As::Shopper("alice"),
            None,
        )
        .await;
        assert_eq!(ids(&r), ["o-1"]);
        assert_eq!(r.body["next_cursor"], Value::Null);
        let r = call(&app, "GET", "/v1/orders", As::Shopper("alice"), None).await;
        assert_eq!(ids(&r), ["o-3", "o-2", "o-1"]);

        let r = call(&app, "GET", "/v1/orders", As::Shopper("bob"), None).await;
        assert_eq!(ids(&r), ["o-bob"]);
        let r = call(&app, "GET", "/v1/orders", As::Shopper("carol"), None).await;
        assert_eq!(r.body, json!({ "items": [], "next_cursor": null }));
        // Alice's cursor in Bob's list starts after that key in his own list.
        let r = call(
            &app,
            "GET",
            &format!("/v1/orders?cursor={cursor}"),
            As::Shopper("bob"),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
    }

    #[tokio::test]
    async fn the_list_refuses_bad_queries_and_anonymous_callers() {
        let (app, _) = app();
        let r = call(
            &app,
            "GET",
            "/v1/orders?limit=500",
            As::Shopper("c-1"),
            None,
        )
        .await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "limit");
        let r = call(
            &app,
            "GET",
            "/v1/orders?cursor=%25%25%25",
            As::Shopper("c-1"),
            None,
        )
        .await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "cursor");
        let r = call(
            &app,
            "GET",
            "/v1/orders?limit=1&limit=2",
            As::Shopper("c-1"),
            None,
        )
        .await;
        r.assert_problem(400, "invalid_query");
        let r = call(&app, "GET", "/v1/orders", As::Public, None).await;
        r.assert_problem(401, "unauthenticated");
        let r = call(
            &app,
            "GET",
            "/v1/orders",
            As::Rejected("token_expired"),
            None,
        )
        .await;
        r.assert_problem(401, "token_expired");
    }

    #[tokio::test]
    async fn one_order_is_visible_to_its_shopper_only() {
        let (app, _) = app();
        create_order(&app, "o-1", "alice").await;
        let r = call(&app, "GET", "/v1/orders/o-1", As::Shopper("alice"), None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body["customer_id"], "alice");
        // Another shopper, even an admin, is told it does not exist.
        let missing = call(&app, "GET", "/v1/orders/o-9", As::Shopper("bob"), None).await;
        missing.assert_problem(404, "order_not_found");
        for who in [As::Shopper("bob"), As::Admin("root")] {
            let r = call(&app, "GET", "/v1/orders/o-1", who, None).await;
            r.assert_problem(404, "order_not_found");
            assert_eq!(r.body["detail"], "order o-1 does not exist");
        }
        let r = call(&app, "GET", "/v1/orders/o-1", As::Public, None).await;
        r.assert_problem(401, "unauthenticated");
        let r = call(
            &app,
            "GET",
            "/v1/orders/bad%20id",
            As::Shopper("alice"),
            None,
        )
        .await;
        r.assert_problem(422, "validation_failed");
    }

    #[tokio::test]
    async fn admins_see_every_order_newest_first_and_by_status() {
        let (app, _) = app();
        for (id, customer) in [
            ("o-1", "alice"),
            ("o-2", "bob"),
            ("o-3", "alice"),
            ("o-4", "carol"),
        ] {
            create_order(&app, id, customer).await;
        }
        status(&app, "o-2", json!({ "status": "RESERVED" })).await;
        status(&app, "o-4", json!({ "status": "CANCELLED", "reason": "x" })).await;
        let ids = |r: &Reply| -> Vec<String> {
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].as_str().unwrap().to_string())
                .collect()
        };
        let admin = As::Admin("root");
        // Every order, paged: each exactly once, newest first.
        let mut seen = Vec::new();
        let mut path = "/v1/admin/orders?limit=3".to_string();
        loop {
            let r = call(&app, "GET", &path, admin, None).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            seen.extend(ids(&r));
            match r.body["next_cursor"].as_str() {
                Some(c) => path = format!("/v1/admin/orders?limit=3&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(seen, ["o-4", "o-3", "o-2", "o-1"]);
        let r = call(&app, "GET", "/v1/admin/orders?status=PENDING", admin, None).await;
        assert_eq!(ids(&r), ["o-3", "o-1"]);
        let r = call(
            &app,
            "GET",
            "/v1/admin/orders?status=PENDING&limit=1",
            admin,
            None,
        )
        .await;
        assert_eq!(ids(&r), ["o-3"]);
        let c = r.body["next_cursor"].as_str().unwrap().to_string();
        let r = call(
            &app,
            "GET",
            &format!("/v1/admin/orders?status=PENDING&limit=1&cursor={c}"),
            admin,
            None,
        )
        .await;
        assert_eq!(ids(&r), ["o-1"]);
        let r = call(
            &app,
            "GET",
            "/v1/admin/orders?status=CANCELLED",
            admin,
            None,
        )
        .await;
        assert_eq!(ids(&r), ["o-4"]);
        assert_eq!(r.body["items"][0]["history"][1]["reason"], "x");
        let r = call(&app, "GET", "/v1/admin/orders?status=PAID", admin, None).await;
        assert_eq!(r.body, json!({ "items": [], "next_cursor": null }));
    }

    #[tokio::test]
    async fn the_admin_overview_refuses_shoppers_and_bad_queries() {
        let (app, _) = app();
        create_order(&app, "o-1", "alice").await;
        let r = call(&app, "GET", "/v1/admin/orders", As::Shopper("alice"), None).await;
        r.assert_problem(403, "forbidden");
        let r = call(&app, "GET", "/v1/admin/orders", As::Public, None).await;
        r.assert_problem(401, "unauthenticated");
        let admin = As::Admin("root");
        let r = call(&app, "GET", "/v1/admin/orders?status=SHIPPED", admin, None).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "status");
        let r = call(&app, "GET", "/v1/admin/orders?limit=101", admin, None).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "limit");
        let r = call(
            &app,
            "GET",
            "/v1/admin/orders?cursor=%25%25%25",
            admin,
            None,
        )
        .await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "cursor");
        let r = call(
            &app,
            "GET",
            "/v1/admin/orders?status=PAID&status=PENDING",
            admin,
            None,
        )
        .await;
        r.assert_problem(400, "invalid_query");
    }

    #[tokio::test]
    async fn an_order_keeps_its_shipping_address() {
        let (app, _) = app();
        let mut body = new_order("o-1", "alice");
        body["shipping_address"] = json!({
            "line1": "Unter den Linden 1", "city": "Berlin", "postal_code": "10117", "country": "DE"
        });
        let r = call(
            &app,
            "POST",
            "/internal/orders",
            As::Internal,
            Some(body.clone()),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let r = call(&app, "GET", "/v1/orders/o-1", As::Shopper("alice"), None).await;
        assert_eq!(r.body["shipping_address"]["postal_code"], "10117");
        assert_eq!(r.body["shipping_address"]["country"], "DE");
        let r = create_order(&app, "o-2", "alice").await;
        assert_eq!(r.body["shipping_address"], Value::Null);
        // The same id with another address is another order.
        body["shipping_address"]["city"] = json!("Potsdam");
        let r = call(
            &app,
            "POST",
            "/internal/orders",
            As::Internal,
            Some(body.clone()),
        )
        .await;
        r.assert_problem(409, "order_mismatch");
        body["order_id"] = json!("o-3");
        body["shipping_address"]["country"] = json!("de");
        let r = call(&app, "POST", "/internal/orders", As::Internal, Some(body)).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "shipping_address.country");
    }

    #[tokio::test]
    async fn storage_failures_are_503_or_500() {
        let busy = ApiError::from(StoreError::Contention).into_response();
        assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(busy.headers()["retry-after"], "1");
        let failed = ApiError::from(StoreError::Backend("boom".into()));
        assert_eq!(
            (failed.status, failed.code),
            (StatusCode::INTERNAL_SERVER_ERROR, "internal_error")
        );
        assert!(!failed.message.contains("boom"));
        let refused = ApiError::from(StoreError::Refused(OrderError::Mismatch("o-1".into())));
        assert_eq!(
            (refused.status, refused.code),
            (StatusCode::CONFLICT, "order_mismatch")
        );
    }
}
