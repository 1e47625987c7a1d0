//! The gateway HTTP API.
//!
//! | route | who | what |
//! |---|---|---|
//! | `POST /v1/orders` | signed-in shopper | place an order: 202 with the order id; `Idempotency-Key` header makes retries safe |
//! | `GET /v1/orders/{id}/saga` | the order's shopper | the saga's live state (a workflow query) |
//! | `POST /v1/orders/{id}/cancel` | the order's shopper | cancel while not yet paid (a workflow update); 409 after |

use crate::cart::{self, PlaceOrderInput};
use crate::temporal::{Temporal, TemporalUnavailable};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sagaway_shared::auth::Caller;
use sagaway_shared::invoke::InternalClient;
use sagaway_shared::{ApiError, JsonBody};
use sagaway_worker::model::{CancelRequest, OrderSagaInput, SagaLine, SagaState};
use sagaway_worker::workflow::OrderSaga;
use sagaway_worker::workflow_id;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use temporalio_client::errors::{WorkflowQueryError, WorkflowStartError, WorkflowUpdateError};
use temporalio_client::{WorkflowExecuteUpdateOptions, WorkflowQueryOptions, WorkflowStartOptions};

#[derive(Clone)]
pub struct App {
    pub temporal: Arc<Temporal>,
    pub internal: InternalClient,
    pub inventory_function: String,
}

pub fn router(app: App) -> Router {
    Router::new()
        .route("/v1/orders", post(place_order))
        .route("/v1/orders/{id}/saga", get(saga_state))
        .route("/v1/orders/{id}/cancel", post(cancel))
        .with_state(app)
}

fn unavailable(e: TemporalUnavailable) -> ApiError {
    tracing::error!(error = %e, "temporal unavailable");
    ApiError::unavailable(
        "workflow_engine_unavailable",
        "orders cannot be processed right now; retry in a moment",
    )
}

fn invalid(e: cart::ValidationError) -> ApiError {
    ApiError::invalid("validation_failed", e.to_string()).with_details(json!({ "field": e.field }))
}

/// Prices every line from the catalog (the inventory function's public product route).
async fn price(app: &App, lines: &[(String, i64)]) -> Result<(Vec<SagaLine>, String), ApiError> {
    let mut priced = Vec::new();
    let mut currency = None;
    let mut unknown = Vec::new();
    // One catalog read per line, all at once (a cart may hold 25 lines).
    let replies = futures::future::join_all(lines.iter().map(|(product_id, _)| async move {
        let path = format!("/v1/products/{product_id}");
        app.internal
            .call(&app.inventory_function, "GET", &path, None)
            .await
    }))
    .await;
    for ((product_id, quantity), reply) in lines.iter().zip(replies) {
        let reply = reply.map_err(|e| {
            tracing::error!(error = %e, "pricing failed");
            ApiError::unavailable(
                "catalog_unavailable",
                "the catalog cannot be read right now; retry",
            )
        })?;
        match reply.status {
            200 => {
                let unit = reply.body["price_cents"].as_i64().unwrap_or(0);
                let c = reply.body["currency"].as_str().unwrap_or("USD").to_string();
                if currency.get_or_insert(c.clone()) != &c {
                    return Err(ApiError::invalid(
                        "mixed_currencies",
                        "all products of one order must have the same currency",
                    ));
                }
                priced.push(SagaLine {
                    product_id: product_id.clone(),
                    quantity: *quantity,
                    unit_price_cents: unit,
                });
            }
            404 => unknown.push(product_id.clone()),
            s if s >= 500 => {
                return Err(ApiError::unavailable(
                    "catalog_unavailable",
                    "the catalog cannot be read right now; retry",
                ));
            }
            _ => unknown.push(product_id.clone()),
        }
    }
    if !unknown.is_empty() {
        return Err(ApiError::invalid(
            "unknown_product",
            format!("these products do not exist: {}", unknown.join(", ")),
        )
        .with_details(json!({ "product_ids": unknown })));
    }
    Ok((priced, currency.unwrap_or_else(|| "USD".into())))
}

fn links(order_id: &str) -> serde_json::Value {
    json!({
        "order": format!("/v1/orders/{order_id}"),
        "saga": format!("/v1/orders/{order_id}/saga"),
        "cancel": format!("/v1/orders/{order_id}/cancel"),
        "notifications": "the WebSocket API (?token=...)",
    })
}

async fn place_order(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(input): JsonBody<PlaceOrderInput>,
) -> Result<Response, ApiError> {
    let key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    let order_id = cart::order_id(&caller.customer_id, key).map_err(invalid)?;
    let cart = input.validate().map_err(invalid)?;
    let (lines, currency) = price(&app, &cart.lines).await?;
    let saga = OrderSagaInput {
        order_id: order_id.clone(),
        customer_id: caller.customer_id.clone(),
        lines,
        currency,
        card_number: cart.card_number,
    };
    let client = app.temporal.client().await.map_err(unavailable)?;
    let started = client
        .start_workflow(
            OrderSaga::run,
            saga.clone(),
            WorkflowStartOptions::new(app.temporal.task_queue(), workflow_id(&order_id)).build(),
        )
        .await;
    let repeated = match started {
        Ok(_) => false,
        Err(WorkflowStartError::AlreadyStarted { .. }) => true,
        Err(e) => return Err(unavailable(TemporalUnavailable(e.to_string()))),
    };
    tracing::info!(%order_id, customer_id = %caller.customer_id, repeated, total_cents = saga.total_cents(), "order placed");
    let mut response = (
        StatusCode::ACCEPTED,
        Json(json!({
            "order_id": order_id,
            "status": "PENDING",
            "total_cents": saga.total_cents(),
            "currency": saga.currency,
            "repeated": repeated,
            "links": links(&order_id),
        })),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/v1/orders/{order_id}")) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found("order_not_found", format!("order {id} does not exist"))
}

/// The saga's state, if it exists and belongs to the caller.
async fn owned_state(app: &App, caller: &Caller, id: &str) -> Result<SagaState, ApiError> {
    if id.is_empty() || id.len() > 64 {
        return Err(not_found(id));
    }
    let client = app.temporal.client().await.map_err(unavailable)?;
    let handle = client.get_workflow_handle::<OrderSaga>(workflow_id(id));
    match handle
        .query(OrderSaga::state, (), WorkflowQueryOptions::default())
        .await
    {
        Ok(state) if state.customer_id == caller.customer_id => Ok(state),
        Ok(_) | Err(WorkflowQueryError::NotFound(_)) => Err(not_found(id)),
        Err(e) => Err(unavailable(TemporalUnavailable(e.to_string()))),
    }
}

async fn saga_state(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let state = owned_state(&app, &caller, &id).await?;
    Ok(Json(state).into_response())
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CancelInput {
    #[serde(default)]
    reason: Option<String>,
}

async fn cancel(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    // The body is optional: `{"reason": "..."}` or nothing.
    let input: CancelInput = if body.iter().all(u8::is_ascii_whitespace) {
        CancelInput::default()
    } else {
        sagaway_shared::json::parse(&body)?
    };
    let reason = input
        .reason
        .map(|r| r.trim().chars().take(200).collect::<String>())
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "requested by the shopper".to_string());
    let state = owned_state(&app, &caller, &id).await?;
    let settled = || {
        ApiError::conflict(
            "not_cancellable",
            format!(
                "the order is {} and can no longer be cancelled",
                state.status
            ),
        )
        .with_details(json!({ "status": state.status }))
    };
    // A finished saga takes no updates: the order is settled.
    if state.finished {
        return Err(settled());
    }
    let client = app.temporal.client().await.map_err(unavailable)?;
    let handle = client.get_workflow_handle::<OrderSaga>(workflow_id(&id));
    match handle
        .execute_update(
            OrderSaga::request_cancel,
            CancelRequest { reason },
            WorkflowExecuteUpdateOptions::default(),
        )
        .await
    {
        Ok(state) => {
            tracing::info!(order_id = %id, "cancellation accepted");
            Ok((
                StatusCode::ACCEPTED,
                Json(json!({ "order_id": id, "saga": state })),
            )
                .into_response())
        }
        Err(WorkflowUpdateError::Failed(f)) => Err(ApiError::conflict(
            "not_cancellable",
            format!("{}; only orders not yet paid can be cancelled", f.message),
        )
        .with_details(json!({ "status": state.status }))),
        Err(WorkflowUpdateError::NotFound(_)) => Err(not_found(&id)),
        Err(e) => {
            // A finished workflow cannot take updates: the order is settled.
            if state.finished {
                return Err(ApiError::conflict(
                    "not_cancellable",
                    format!(
                        "the order is {} and can no longer be cancelled",
                        state.status
                    ),
                )
                .with_details(json!({ "status": state.status })));
            }
            Err(unavailable(TemporalUnavailable(e.to_string())))
        }
    }
}
