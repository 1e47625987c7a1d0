//! The inventory HTTP API: one axum `Router`.
//!
//! | route | who | what |
//! |---|---|---|
//! | `GET /health` | anyone | liveness |
//! | `GET /v1/products?limit=&cursor=` | anyone | the catalog, a page at a time |
//! | `GET /v1/products/{id}` | anyone | one product |
//! | `PUT /v1/products/{id}` | admin role | create or update a product |
//! | `PUT /v1/products/{id}/stock` | admin role | set a product's stock |
//! | `POST /internal/products/batch` | internal (gateway) | the products of up to 25 ids in one call `{ids}` → `{products, missing}` |
//! | `POST /internal/reservations` | internal (saga worker) | reserve stock for an order |
//! | `POST /internal/reservations/{order_id}/release` | internal | release an order's stock |
//!
//! Handlers validate, call the store and answer; a broken rule or a store failure becomes its
//! problem response through `From<InventoryError>` / `From<StoreError>` for `ApiError`.

use crate::domain::{
    self, InventoryError, Product, ProductBatchRequest, ProductInput, ProductPage, ReleaseOutcome,
    ReserveInput, ReserveOutcome, StockInput,
};
use crate::store::{InventoryStore, StoreError};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use sagaway_contract::Problem;
use sagaway_contract::api::Health;
use sagaway_contract::api::PageQuery;
use sagaway_shared::ApiError;
use sagaway_shared::JsonBody;
use sagaway_shared::auth::{Caller, Internal};
use serde_json::json;

/// Builds the router over `store`.
pub fn router<S: InventoryStore + Clone>(store: S) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/v1/products", get(list_products::<S>))
        .route(
            "/v1/products/{id}",
            get(get_product::<S>).put(put_product::<S>),
        )
        .route("/v1/products/{id}/stock", put(set_stock::<S>))
        .route("/internal/products/batch", post(product_batch::<S>))
        .route("/internal/reservations", post(reserve::<S>))
        .route(
            "/internal/reservations/{order_id}/release",
            post(release::<S>),
        )
        .with_state(store)
}

/// A broken rule's HTTP answer. Every rule's status and code lives here.
impl From<InventoryError> for ApiError {
    fn from(err: InventoryError) -> Self {
        match err {
            InventoryError::Invalid(v) => ApiError::from(v),
            InventoryError::ProductNotFound(id) => {
                ApiError::not_found("product_not_found", format!("product {id} does not exist"))
            }
            InventoryError::UnknownProducts(ids) => {
                let details = json!({ "product_ids": &ids });
                let message = InventoryError::UnknownProducts(ids).to_string();
                ApiError::invalid("unknown_product", message).with_details(details)
            }
            InventoryError::OutOfStock(shortages) => {
                let message = format!(
                    "not enough stock: {}; nothing was reserved",
                    shortages
                        .iter()
                        .map(|s| format!(
                            "{} (requested {}, available {})",
                            s.product_id, s.requested, s.available
                        ))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                ApiError::conflict("out_of_stock", message)
                    .with_details(json!({ "shortages": shortages }))
            }
            e @ InventoryError::ReservationReleased(_) => {
                ApiError::conflict("reservation_released", e.to_string())
            }
            e @ InventoryError::ReservationMismatch(_) => ApiError::conflict(
                "reservation_mismatch",
                format!("{e}; use a new order id for different lines"),
            ),
        }
    }
}

/// A store failure's HTTP answer: a refusal is its rule's; contention is worth a retry.
impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Refused(e) => e.into(),
            StoreError::Contention => ApiError::unavailable(
                "contention",
                "too many concurrent changes to the same products; retry shortly",
            ),
            e @ StoreError::Backend(_) => ApiError::internal(&e),
        }
    }
}

/// Liveness.
#[utoipa::path(get, path = "/health", tag = "meta", responses((status = 200, description = "Up", body = Health)))]
async fn health() -> Json<Health> {
    Json(Health::ok("inventory"))
}

/// The catalog, in id order, a page at a time.
#[utoipa::path(get, path = "/v1/products", tag = "catalog",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of products", body = ProductPage),
        (status = 400, description = "`invalid_query`: a bad `cursor`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `limit` out of range", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_products<S: InventoryStore>(
    State(store): State<S>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|e| {
        ApiError::bad_request("invalid_query", format!("the query string is invalid: {e}"))
    })?;
    let page = domain::page_request(q.limit.as_deref(), q.cursor.as_deref())?;
    Ok(Json(store.products(&page).await?).into_response())
}

/// One product.
#[utoipa::path(get, path = "/v1/products/{id}", tag = "catalog", params(("id" = String, Path, description = "the product id", pattern = "^[A-Za-z0-9._-]{1,64}$")),
    responses(
        (status = 200, description = "The product", body = Product),
        (status = 404, description = "`product_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: not a product id", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_product<S: InventoryStore>(
    State(store): State<S>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    domain::validate_id("id", &id)?;
    match store.product(&id).await? {
        Some(p) => Ok(Json(p).into_response()),
        None => Err(InventoryError::ProductNotFound(id).into()),
    }
}

/// Create or update a product (admin). An update without `stock` keeps the stock.
#[utoipa::path(put, path = "/v1/products/{id}", tag = "catalog", params(("id" = String, Path, description = "the product id", pattern = "^[A-Za-z0-9._-]{1,64}$")),
    request_body = ProductInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The product as saved", body = Product),
        (status = 403, description = "`forbidden`: needs the admin role", body = Problem, content_type = "application/problem+json"),
    ))]
async fn put_product<S: InventoryStore>(
    State(store): State<S>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ProductInput>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    domain::validate_id("id", &id)?;
    let change = input.validate()?;
    let product = store.put_product(&id, &change).await?;
    tracing::info!(product_id = %id, stock = product.stock, "product saved");
    Ok(Json(product).into_response())
}

/// Set a product's stock (admin).
#[utoipa::path(put, path = "/v1/products/{id}/stock", tag = "catalog", params(("id" = String, Path, description = "the product id", pattern = "^[A-Za-z0-9._-]{1,64}$")),
    request_body = StockInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The product with its new stock", body = Product),
        (status = 403, description = "`forbidden`: needs the admin role", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`product_not_found`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn set_stock<S: InventoryStore>(
    State(store): State<S>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<StockInput>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    domain::validate_id("id", &id)?;
    domain::validate_stock("stock", input.stock)?;
    let product = store.set_stock(&id, input.stock).await?;
    tracing::info!(product_id = %id, stock = product.stock, "stock set");
    Ok(Json(product).into_response())
}

/// Several products in one read (the gateway prices a cart with it).
async fn product_batch<S: InventoryStore>(
    State(store): State<S>,
    _internal: Internal,
    JsonBody(input): JsonBody<ProductBatchRequest>,
) -> Result<Response, ApiError> {
    let ids = domain::validate_batch(input)?;
    let found = store.products_by_id(&ids).await?;
    Ok(Json(domain::batch_answer(&ids, found)).into_response())
}

async fn reserve<S: InventoryStore>(
    State(store): State<S>,
    _internal: Internal,
    JsonBody(input): JsonBody<ReserveInput>,
) -> Result<Response, ApiError> {
    let request = domain::validate_reserve(input)?;
    match store.reserve(&request).await {
        Ok(ReserveOutcome::Created(r)) => {
            tracing::info!(order_id = %r.order_id, lines = r.lines.len(), "stock reserved");
            Ok((StatusCode::CREATED, Json(r)).into_response())
        }
        Ok(ReserveOutcome::Repeated(r)) => {
            tracing::info!(order_id = %r.order_id, "repeated reserve answered from the record");
            Ok((StatusCode::OK, Json(r)).into_response())
        }
        Err(e) => {
            tracing::info!(order_id = %request.order_id, error = %e, "reserve refused");
            Err(e.into())
        }
    }
}

async fn release<S: InventoryStore>(
    State(store): State<S>,
    _internal: Internal,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    domain::validate_id("order_id", &order_id)?;
    let outcome = store.release(&order_id).await?;
    match &outcome {
        ReleaseOutcome::Released { .. } => tracing::info!(%order_id, "stock released"),
        ReleaseOutcome::AlreadyReleased { .. } => {
            tracing::info!(%order_id, "repeated release; nothing to do")
        }
        ReleaseOutcome::UnknownOrder { .. } => {
            tracing::info!(%order_id, "release of an order without a reservation; nothing to do")
        }
    }
    Ok(Json(outcome).into_response())
}

/// The inventory service's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(health, list_products, get_product, put_product, set_stock),
    tags((name = "catalog", description = "products and stock"))
)]
pub struct ApiDoc;

#[cfg(test)]
mod tests;
