//! The order HTTP API.
//!
//! | route | who | what |
//! |---|---|---|
//! | `GET /health` | anyone | liveness |
//! | `GET /v1/orders?limit=&cursor=` | signed-in shopper | my orders, newest first |
//! | `GET /v1/orders/{id}` | signed-in shopper | one of my orders (404 if not mine) |
//! | `POST /internal/orders` | internal (saga) | create, idempotent by order id |
//! | `GET /internal/orders/{id}` | internal | any order |
//! | `POST /internal/orders/{id}/status` | internal | `{status, reason?, expected_version?}` |
//! | `POST /internal/orders/{id}/confirm` | internal | → CONFIRMED |
//! | `POST /internal/orders/{id}/cancel` | internal | `{reason}` → CANCELLED |

use crate::domain::{
    self, CancelInput, CreateOrderInput, OrderError, OrderStatus, Transition, TransitionInput,
};
use crate::store::{Created, Store};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sagaway_contract::Problem;
use sagaway_contract::api::Health;
use sagaway_contract::api::PageQuery;
use sagaway_contract::order::{Order, OrderPage};
use sagaway_shared::auth::{Caller, Internal};
use sagaway_shared::{ApiError, JsonBody};
use serde_json::json;

pub fn router(store: Store) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/v1/orders", get(my_orders))
        .route("/v1/orders/{id}", get(my_order))
        .route("/internal/orders", post(create))
        .route("/internal/orders/{id}", get(get_any))
        .route("/internal/orders/{id}/status", post(set_status))
        .route("/internal/orders/{id}/confirm", post(confirm))
        .route("/internal/orders/{id}/cancel", post(cancel))
        .with_state(store)
}

/// Every status and code of this service.
fn api_error(e: OrderError) -> ApiError {
    match e {
        OrderError::Invalid(v) => ApiError::from(v),
        OrderError::NotFound(id) => {
            ApiError::not_found("order_not_found", format!("order {id} does not exist"))
        }
        e @ OrderError::IllegalTransition { .. } => {
            let (from, to) = match &e {
                OrderError::IllegalTransition { from, to, .. } => (from.as_str(), to.as_str()),
                _ => ("", ""),
            };
            ApiError::conflict("illegal_transition", e.to_string())
                .with_details(json!({ "from": from, "to": to }))
        }
        e @ OrderError::VersionConflict { .. } => {
            ApiError::conflict("version_conflict", e.to_string())
        }
        e @ OrderError::Mismatch(_) => ApiError::conflict("order_mismatch", e.to_string()),
        OrderError::Contention => {
            ApiError::unavailable("contention", "the order is changing too fast; retry")
        }
        e @ OrderError::Store(_) => ApiError::internal(&e),
    }
}

fn check_id(id: &str) -> Result<(), ApiError> {
    domain::validate_id("id", id).map_err(|e| api_error(e.into()))
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
async fn my_orders(
    State(store): State<Store>,
    caller: Caller,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request("invalid_query", e.to_string()))?;
    let limit = domain::page_size(q.limit.as_deref()).map_err(|e| api_error(e.into()))?;
    let page = store
        .for_customer(&caller.customer_id, limit, q.cursor.as_deref())
        .await
        .map_err(api_error)?;
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
async fn my_order(
    State(store): State<Store>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    check_id(&id)?;
    match store.get(&id).await.map_err(api_error)? {
        // Another shopper's order is reported exactly like a missing one.
        Some(o) if o.customer_id == caller.customer_id => Ok(Json(o).into_response()),
        _ => Err(api_error(OrderError::NotFound(id))),
    }
}

async fn create(
    State(store): State<Store>,
    _internal: Internal,
    JsonBody(input): JsonBody<CreateOrderInput>,
) -> Result<Response, ApiError> {
    let new = domain::validate_create(input).map_err(|e| api_error(e.into()))?;
    match store.create(&new).await.map_err(api_error)? {
        Created::New(o) => {
            tracing::info!(order_id = %o.id, total_cents = o.total_cents, "order created");
            Ok((StatusCode::CREATED, Json(o)).into_response())
        }
        Created::Existing(o) => Ok(Json(o).into_response()),
    }
}

async fn get_any(
    State(store): State<Store>,
    _internal: Internal,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    check_id(&id)?;
    match store.get(&id).await.map_err(api_error)? {
        Some(o) => Ok(Json(o).into_response()),
        None => Err(api_error(OrderError::NotFound(id))),
    }
}

async fn apply(store: &Store, id: &str, t: Transition) -> Result<Response, ApiError> {
    check_id(id)?;
    let order = store.transition(id, &t).await.map_err(api_error)?;
    tracing::info!(order_id = %id, status = order.status.as_str(), version = order.version, "order status");
    Ok(Json(order).into_response())
}

async fn set_status(
    State(store): State<Store>,
    _internal: Internal,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<TransitionInput>,
) -> Result<Response, ApiError> {
    let t = domain::validate_transition(input).map_err(|e| api_error(e.into()))?;
    apply(&store, &id, t).await
}

async fn confirm(
    State(store): State<Store>,
    _internal: Internal,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let t = Transition {
        to: OrderStatus::Confirmed,
        reason: None,
        expected_version: None,
    };
    apply(&store, &id, t).await
}

async fn cancel(
    State(store): State<Store>,
    _internal: Internal,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<CancelInput>,
) -> Result<Response, ApiError> {
    let t = domain::validate_transition(TransitionInput {
        status: OrderStatus::Cancelled,
        reason: Some(input.reason),
        expected_version: None,
    })
    .map_err(|e| api_error(e.into()))?;
    apply(&store, &id, t).await
}

/// The order service's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(my_orders, my_order))]
pub struct ApiDoc;
