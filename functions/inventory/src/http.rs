//! The inventory HTTP API: one axum `Router`.
//!
//! | route | who | what |
//! |---|---|---|
//! | `GET /health` | anyone | liveness |
//! | `GET /v1/products?q=&category=&limit=&cursor=` | anyone | the catalog, a page at a time, by name and category |
//! | `GET /v1/categories` | anyone | the categories, in the shop's order |
//! | `GET /v1/products/{id}` | anyone | one product |
//! | `PUT /v1/products/{id}` | admin role | create or update a product |
//! | `PUT /v1/products/{id}/image` | admin role | upload a product's image (PNG, JPEG, WebP) to the site bucket |
//! | `PUT /v1/products/{id}/stock` | admin role | set a product's stock |
//! | `POST /internal/products/batch` | internal (gateway) | the products of up to 25 ids in one call `{ids}` → `{products, missing}` |
//! | `POST /internal/reservations` | internal (saga worker) | reserve stock for an order |
//! | `POST /internal/reservations/{order_id}/release` | internal | release an order's stock |
//!
//! Handlers validate, call the store and answer; a broken rule or a store failure becomes its
//! problem response through `From<InventoryError>` / `From<StoreError>` for `ApiError`.

use crate::domain::{
    self, CategoryList, InventoryError, MAX_IMAGE_BYTES, Product, ProductBatchRequest,
    ProductImageUpload, ProductInput, ProductPage, ReleaseOutcome, ReserveInput, ReserveOutcome,
    StockInput,
};
use crate::store::{ImageStore, InventoryStore, StoreError};
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Extension, FromRequest, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use sagaway_contract::FieldError;
use sagaway_contract::Problem;
use sagaway_contract::api::Health;
use sagaway_contract::inventory::CatalogQuery;
use sagaway_shared::ApiError;
use sagaway_shared::JsonBody;
use sagaway_shared::auth::{Caller, Internal};
use serde_json::json;

/// Largest body of `PUT /v1/products/{id}/image`: a [`MAX_IMAGE_BYTES`] image in base64 (4
/// characters per 3 bytes) and the JSON around it. Every other route keeps the functions'
/// [`sagaway_shared::json::MAX_BODY_BYTES`].
pub const MAX_IMAGE_BODY_BYTES: usize = MAX_IMAGE_BYTES / 3 * 4 + 4 * 1024;

/// Builds the router over `store`, with uploaded images going to `images`.
pub fn router<S: InventoryStore + Clone, I: ImageStore>(store: S, images: I) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/v1/products", get(list_products::<S>))
        .route("/v1/categories", get(categories))
        .route(
            "/v1/products/{id}",
            get(get_product::<S>).put(put_product::<S>),
        )
        .route(
            "/v1/products/{id}/image",
            put(put_image::<S, I>).layer(DefaultBodyLimit::max(MAX_IMAGE_BODY_BYTES)),
        )
        .route("/v1/products/{id}/stock", put(set_stock::<S>))
        .route("/internal/products/batch", post(product_batch::<S>))
        .route("/internal/reservations", post(reserve::<S>))
        .route(
            "/internal/reservations/{order_id}/release",
            post(release::<S>),
        )
        .layer(Extension(images))
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
            e @ InventoryError::ImageTooLarge(_) => image_too_large(e.to_string()),
        }
    }
}

/// 413 `image_too_large`, naming `data_base64`.
fn image_too_large(message: String) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "image_too_large",
        message.clone(),
    );
    e.errors = vec![FieldError::new("data_base64", message)];
    e
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
            e @ StoreError::NotConfigured(_) => {
                tracing::error!(error = %e, "image upload refused");
                ApiError::unavailable(
                    "images_unavailable",
                    "this deployment cannot store images (the inventory function has no SITE_BUCKET)",
                )
            }
        }
    }
}

/// Liveness.
#[utoipa::path(get, path = "/health", tag = "meta", responses((status = 200, description = "Up", body = Health)))]
async fn health() -> Json<Health> {
    Json(Health::ok("inventory"))
}

/// The catalog in id order, a page at a time, narrowed by name (`q`) and category.
///
/// Every page of a filtered list is full unless the catalog ends; follow `next_cursor` (with
/// the same `q` and `category`) until it is absent to see every matching product once.
#[utoipa::path(get, path = "/v1/products", tag = "catalog",
    params(CatalogQuery),
    responses(
        (status = 200, description = "A page of products, in id order", body = ProductPage),
        (status = 400, description = "`invalid_query`: a query string that cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `limit` out of range, a bad `cursor`, `q` over 100 characters or an unknown `category` (named in `errors`)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_products<S: InventoryStore>(
    State(store): State<S>,
    query: Result<Query<CatalogQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|e| {
        ApiError::bad_request("invalid_query", format!("the query string is invalid: {e}"))
    })?;
    let page = domain::page_request(q.limit.as_deref(), q.cursor.as_deref())?;
    let filter = domain::catalog_filter(q.q.as_deref(), q.category.as_deref())?;
    Ok(Json(store.products(&page, &filter).await?).into_response())
}

/// The shop's categories, in the order the web app lists them.
#[utoipa::path(get, path = "/v1/categories", tag = "catalog",
    responses((status = 200, description = "Every category", body = CategoryList)))]
async fn categories() -> Json<CategoryList> {
    Json(CategoryList::all())
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
        (status = 422, description = "`validation_failed`: an invalid field (an unknown `category`, an `image_url` that is not a shipped illustration or this product's upload, ...) named in `errors`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn put_product<S: InventoryStore>(
    State(store): State<S>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ProductInput>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    domain::validate_id("id", &id)?;
    let change = input.validate(&id)?;
    let product = store.put_product(&id, &change).await?;
    tracing::info!(product_id = %id, stock = product.stock, "product saved");
    Ok(Json(product).into_response())
}

/// Upload a product's image (admin): PNG, JPEG or WebP, at most 300 KiB.
///
/// The image is stored in the web app's site bucket at
/// `images/uploads/<id>-<first 16 hex of its SHA-256>.<png|jpg|webp>` (immutable, cached for
/// a year), and the product's `image_url` becomes that path. The same bytes again give the
/// same path. SVG is refused: served from the shop's origin it could run script.
#[utoipa::path(put, path = "/v1/products/{id}/image", tag = "catalog", params(("id" = String, Path, description = "the product id", pattern = "^[A-Za-z0-9._-]{1,64}$")),
    request_body = ProductImageUpload,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The product with its new `image_url`", body = Product),
        (status = 403, description = "`forbidden`: needs the admin role", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`product_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`images_unavailable`: the deployment has no site bucket configured", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`image_too_large`: over 300 KiB decoded (`errors` names `data_base64`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `content_type` not PNG, JPEG or WebP (SVG included), or `data_base64` not base64, empty, or not starting with that type's magic number", body = Problem, content_type = "application/problem+json"),
    ))]
async fn put_image<S: InventoryStore, I: ImageStore>(
    State(store): State<S>,
    Extension(images): Extension<I>,
    caller: Caller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    domain::validate_id("id", &id)?;
    let JsonBody(upload) = JsonBody::<ProductImageUpload>::from_request(request, &())
        .await
        .map_err(|e| {
            // The body limit is the image's: say so, naming the field.
            if e.status == StatusCode::PAYLOAD_TOO_LARGE {
                image_too_large(format!(
                    "the request body is larger than {MAX_IMAGE_BODY_BYTES} bytes; an image may \
                     be at most {MAX_IMAGE_BYTES} bytes (300 KiB)"
                ))
            } else {
                e
            }
        })?;
    let image = domain::validate_image(upload)?;
    // The product first: no object is written for a product that does not exist.
    if store.product(&id).await?.is_none() {
        return Err(InventoryError::ProductNotFound(id).into());
    }
    let key = domain::image_key(&id, &image);
    images.put_image(&key, &image).await?;
    let product = store.set_image(&id, &key).await?;
    tracing::info!(product_id = %id, image = %key, bytes = image.bytes.len(), "product image stored");
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
    paths(health, list_products, categories, get_product, put_product, put_image, set_stock),
    tags((name = "catalog", description = "products and stock"))
)]
pub struct ApiDoc;

#[cfg(test)]
mod tests;
