//! The payment HTTP API: internal routes only (the saga calls them).
//!
//! | route | who | what |
//! |---|---|---|
//! | `GET /health` | anyone | liveness |
//! | `POST /internal/payment-methods` | internal (gateway) | vault a card `{card_number}` → `{token, brand, last4, expires_at}` |
//! | `POST /internal/payments` | internal (saga) | charge `{order_id, amount_cents, currency?, payment_token}` |
//! | `GET /internal/payments/{order_id}` | internal | the payment record |
//! | `POST /internal/payments/{order_id}/refund` | internal | refund (idempotent) |
//! | `GET /v1/payments/test-cards` | anyone | the simulated provider's test cards |

use crate::domain::{self, Charged, PaymentError, TokenizeRequest};
use crate::provider::{Simulated, TEST_CARDS};
use crate::service;
use crate::store::PaymentStore;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sagaway_contract::api::Health;
use sagaway_contract::payment::{TestCard, TestCards};
use sagaway_shared::auth::Internal;
use sagaway_shared::{ApiError, JsonBody};
use serde_json::json;

pub fn router<S: PaymentStore + Clone>(store: S) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/v1/payments/test-cards", get(test_cards))
        .route("/internal/payment-methods", post(tokenize::<S>))
        .route("/internal/payments", post(charge::<S>))
        .route("/internal/payments/{order_id}", get(get_payment::<S>))
        .route("/internal/payments/{order_id}/refund", post(refund::<S>))
        .with_state(store)
}

/// Now, in epoch seconds (leases, token expiry): the one clock the rules see.
fn epoch() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Every status and code of this service. Declines are 402 and final; provider errors and
/// a charge in progress are 503 and worth retrying.
impl From<PaymentError> for ApiError {
    fn from(e: PaymentError) -> Self {
        match e {
            PaymentError::Invalid(v) => ApiError::from(v),
            PaymentError::Declined { code, payment } => {
                let (code, message) = if code == "insufficient_funds" {
                    (
                        "insufficient_funds",
                        "the card has insufficient funds; use another card",
                    )
                } else {
                    ("card_declined", "the card was declined; use another card")
                };
                ApiError::new(StatusCode::PAYMENT_REQUIRED, code, message)
                    .with_details(json!({ "payment": payment }))
            }
            PaymentError::ProviderUnavailable => ApiError::unavailable(
                "provider_unavailable",
                "the payment provider had a processing error; retry",
            ),
            PaymentError::InProgress => ApiError::unavailable(
                "charge_in_progress",
                "a charge for this order is already with the provider; retry shortly",
            ),
            e @ PaymentError::Mismatch(_) => ApiError::conflict("payment_mismatch", e.to_string()),
            e @ PaymentError::Closed(_) => ApiError::conflict("payment_closed", e.to_string()),
            e @ PaymentError::MethodInvalid(_) => {
                ApiError::invalid("payment_method_invalid", e.to_string())
            }
            PaymentError::NotFound(id) => {
                ApiError::not_found("payment_not_found", format!("no payment for order {id}"))
            }
            e @ PaymentError::Store(_) => ApiError::internal(&e),
        }
    }
}

async fn health() -> Json<Health> {
    Json(Health::ok("payment"))
}

/// The simulated provider's test cards: each number takes a different saga path.
#[utoipa::path(get, path = "/v1/payments/test-cards", tag = "payments",
    responses((status = 200, description = "The test cards", body = TestCards)))]
async fn test_cards() -> Json<TestCards> {
    Json(TestCards {
        cards: TEST_CARDS
            .iter()
            .map(|(number, _, outcome)| TestCard {
                number: number.to_string(),
                outcome: outcome.to_string(),
            })
            .collect(),
    })
}

/// Vaults a card number; the number goes no further than this handler.
async fn tokenize<S: PaymentStore>(
    State(store): State<S>,
    _internal: Internal,
    JsonBody(input): JsonBody<TokenizeRequest>,
) -> Result<Response, ApiError> {
    let v = domain::vault(input, epoch())?;
    store.save_method(&v).await.map_err(PaymentError::from)?;
    tracing::info!(brand = v.brand.as_str(), last4 = %v.last4, "card vaulted");
    Ok((StatusCode::CREATED, Json(v.public())).into_response())
}

async fn charge<S: PaymentStore>(
    State(store): State<S>,
    _internal: Internal,
    JsonBody(input): JsonBody<domain::ChargeInput>,
) -> Result<Response, ApiError> {
    let charge = domain::validate_charge(input)?;
    match service::charge(&store, &Simulated, charge, epoch()).await? {
        Charged::New(p) => {
            tracing::info!(order_id = %p.order_id, amount_cents = p.amount_cents, "charged");
            Ok((StatusCode::CREATED, Json(p)).into_response())
        }
        Charged::Repeated(p) => Ok(Json(p).into_response()),
    }
}

async fn get_payment<S: PaymentStore>(
    State(store): State<S>,
    _internal: Internal,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    match store.payment(&order_id).await.map_err(PaymentError::from)? {
        Some(r) => Ok(Json(r.payment).into_response()),
        None => Err(PaymentError::NotFound(order_id).into()),
    }
}

async fn refund<S: PaymentStore>(
    State(store): State<S>,
    _internal: Internal,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    if order_id.is_empty() || order_id.len() > 64 {
        return Err(ApiError::invalid(
            "validation_failed",
            "order_id: must be 1 to 64 characters",
        ));
    }
    let outcome = service::refund(&store, &order_id, epoch()).await?;
    Ok(Json(outcome).into_response())
}

/// The payment service's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(test_cards),
    tags((name = "payments", description = "the simulated payment provider"))
)]
pub struct ApiDoc;
