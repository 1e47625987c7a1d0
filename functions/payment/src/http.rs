//! The payment HTTP API: the internal routes the saga and the gateway call, and the public list
//! of test cards.
//!
//! | route | who | what |
//! |---|---|---|
//! | `GET /health` | anyone | liveness |
//! | `POST /internal/payment-methods` | internal (gateway) | vault a card `{card_number}` → `{token, brand, last4, expires_at}` |
//! | `POST /internal/payments` | internal (saga) | charge `{order_id, amount_cents, currency?, payment_token}` |
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{LEASE_SECS, LeasePlan, Payment, PaymentStatus, TokenizeRequest};
    use crate::store::memory::MemoryStore;
    use sagaway_contract::limits::PAYMENT_METHOD_TTL_SECS;
    use sagaway_shared::testing::{As, Reply, assert_refuses_unreadable_json, call};

    const OK: &str = "4242424242424242";
    const DECLINE: &str = "4000000000000002";
    const NO_FUNDS: &str = "4000000000009995";
    const TRANSIENT: &str = "4000000000000119";

    /// The router as deployed (with the shared fallbacks and body limit), on a memory store.
    fn app() -> (MemoryStore, Router) {
        let store = MemoryStore::new();
        (store.clone(), sagaway_shared::serve::finish(router(store)))
    }

    async fn token(app: &Router, card: &str) -> String {
        let r = call(
            app,
            "POST",
            "/internal/payment-methods",
            As::Internal,
            Some(json!({ "card_number": card })),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.body["token"].as_str().expect("a token").to_string()
    }

    async fn charge_with(app: &Router, order: &str, amount: i64, token: &str) -> Reply {
        call(
            app,
            "POST",
            "/internal/payments",
            As::Internal,
            Some(json!({ "order_id": order, "amount_cents": amount, "payment_token": token })),
        )
        .await
    }

    async fn charge(app: &Router, order: &str, card: &str) -> Reply {
        let t = token(app, card).await;
        charge_with(app, order, 4200, &t).await
    }

    async fn refund(app: &Router, order: &str) -> Reply {
        let path = format!("/internal/payments/{order}/refund");
        call(app, "POST", &path, As::Internal, None).await
    }

    /// The order's payment as stored: no route reads it.
    async fn stored(store: &MemoryStore, order: &str) -> Option<Payment> {
        let record = store
            .payment(order)
            .await
            .expect("the memory store answers");
        record.map(|r| r.payment)
    }

    async fn payment(store: &MemoryStore, order: &str) -> Payment {
        stored(store, order).await.expect("a payment")
    }

    /// Another call took the lease for `order` at `at` (a call still at the provider, or one
    /// that died there once `at` is long past).
    async fn leased(store: &MemoryStore, order: &str, at: i64) {
        let req = domain::ChargeRequest {
            order_id: order.into(),
            amount_cents: 4200,
            currency: "USD".into(),
            card: crate::provider::Card::Approve,
            card_last4: "4242".into(),
        };
        let Ok(domain::ChargeDecision::Lease(plan @ LeasePlan::Start { .. })) =
            domain::decide_charge(None, &req, at)
        else {
            panic!("a new order starts with a lease")
        };
        store.take_lease(&plan).await.unwrap();
    }

    #[tokio::test]
    async fn health_and_test_cards_are_public() {
        let (_, app) = app();
        let r = call(&app, "GET", "/health", As::Public, None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body, json!({"status": "ok", "service": "payment"}));
        let r = call(&app, "GET", "/v1/payments/test-cards", As::Public, None).await;
        assert_eq!(r.status, StatusCode::OK);
        let cards = r.body["cards"].as_array().expect("cards");
        assert_eq!(cards.len(), TEST_CARDS.len());
        assert_eq!(cards[0], json!({"number": OK, "outcome": "approved"}));
    }

    #[tokio::test]
    async fn internal_routes_are_not_on_the_public_api() {
        let (_, app) = app();
        let body = json!({"card_number": OK});
        for who in [As::Public, As::Shopper("c-1"), As::Admin("a-1")] {
            for (method, path) in [
                ("POST", "/internal/payment-methods"),
                ("POST", "/internal/payments"),
                ("POST", "/internal/payments/o-1/refund"),
            ] {
                let r = call(&app, method, path, who, Some(body.clone())).await;
                r.assert_problem(404, "no_route");
            }
        }
    }

    #[tokio::test]
    async fn cards_are_vaulted_and_the_number_never_comes_back() {
        let (store, app) = app();
        let r = call(
            &app,
            "POST",
            "/internal/payment-methods",
            As::Internal,
            Some(json!({ "card_number": "4242 4242 4242 4242" })),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert!(!r.body.to_string().contains("424242"), "{}", r.body);
        assert_eq!(r.body["brand"], "visa");
        assert_eq!(r.body["last4"], "4242");
        let token = r.body["token"].as_str().unwrap();
        assert!(token.starts_with("pm_") && token.len() == 35, "{token}");
        let expires = r.body["expires_at"].as_i64().unwrap();
        assert!((expires - epoch() - PAYMENT_METHOD_TTL_SECS).abs() <= 2);
        assert!(store.method(token, epoch()).await.unwrap().is_some());

        let r = call(
            &app,
            "POST",
            "/internal/payment-methods",
            As::Internal,
            Some(json!({ "card_number": "4111111111111111" })),
        )
        .await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "card_number");
        assert!(
            r.body["detail"].as_str().unwrap().contains(OK),
            "{}",
            r.body
        );
        let r = call(
            &app,
            "POST",
            "/internal/payment-methods",
            As::Internal,
            Some(json!({ "card_number": "42x" })),
        )
        .await;
        r.assert_problem(422, "validation_failed");
        let r = call(
            &app,
            "POST",
            "/internal/payment-methods",
            As::Internal,
            Some(json!({ "number": OK })),
        )
        .await;
        r.assert_problem(422, "invalid_body");
        assert!(!r.body.to_string().contains(OK), "{}", r.body);
    }

    #[tokio::test]
    async fn the_same_order_charged_three_times_is_one_charge_and_refunds_once() {
        let (store, app) = app();
        let first = charge(&app, "o-1", OK).await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
        assert_eq!(first.body["status"], "CHARGED");
        assert_eq!(first.body["card_last4"], "4242");
        assert!(first.body.get("lease_until").is_none());
        for _ in 0..2 {
            let r = charge(&app, "o-1", OK).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            assert_eq!(r.body, first.body);
        }
        let p = payment(&store, "o-1").await;
        assert_eq!((p.captures, p.attempts), (1, 1));
        assert_eq!((p.amount_cents, p.currency.as_str()), (4200, "USD"));

        let t = token(&app, OK).await;
        charge_with(&app, "o-1", 1, &t)
            .await
            .assert_problem(409, "payment_mismatch");

        let r = refund(&app, "o-1").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body["outcome"], "refunded", "{}", r.body);
        assert_eq!(r.body["payment"]["status"], "REFUNDED");
        let r = refund(&app, "o-1").await;
        assert_eq!(r.body["outcome"], "already_refunded", "{}", r.body);
        charge(&app, "o-1", OK)
            .await
            .assert_problem(409, "payment_closed");
        assert_eq!(payment(&store, "o-1").await.captures, 1);
    }

    #[tokio::test]
    async fn declines_are_402_final_and_repeat_the_same_answer() {
        let (store, app) = app();
        for (order, card, code) in [
            ("d-1", DECLINE, "card_declined"),
            ("d-2", NO_FUNDS, "insufficient_funds"),
        ] {
            for _ in 0..2 {
                let r = charge(&app, order, card).await;
                r.assert_problem(402, code);
                assert_eq!(r.body["payment"]["status"], "DECLINED");
                assert_eq!(r.body["payment"]["decline_code"], code);
            }
            let p = payment(&store, order).await;
            assert_eq!((p.attempts, p.captures), (1, 0));
            assert_eq!(refund(&app, order).await.body["outcome"], "not_charged");
        }
    }

    #[tokio::test]
    async fn processing_errors_are_503_with_retry_after_then_approved() {
        let (_, app) = app();
        let t = token(&app, TRANSIENT).await;
        for _ in 0..3 {
            let r = charge_with(&app, "o-1", 4200, &t).await;
            r.assert_problem(503, "provider_unavailable");
            assert_eq!(r.headers["retry-after"], "1");
        }
        let r = charge_with(&app, "o-1", 4200, &t).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(
            (r.body["attempts"].as_i64(), r.body["captures"].as_i64()),
            (Some(4), Some(1))
        );
    }

    #[tokio::test]
    async fn a_charge_at_the_provider_makes_a_retry_and_a_refund_wait() {
        let (store, app) = app();
        leased(&store, "o-1", epoch()).await;
        let r = charge(&app, "o-1", OK).await;
        r.assert_problem(503, "charge_in_progress");
        assert_eq!(r.headers["retry-after"], "1");
        let r = refund(&app, "o-1").await;
        r.assert_problem(503, "charge_in_progress");
        // Without a usable token too.
        let r = charge_with(&app, "o-1", 4200, "pm_00000000000000000000000000000000").await;
        r.assert_problem(503, "charge_in_progress");
        assert_eq!(
            payment(&store, "o-1").await.status,
            PaymentStatus::Processing
        );
    }

    #[tokio::test]
    async fn a_charge_left_processing_past_its_lease_is_voided_by_a_refund() {
        let (store, app) = app();
        leased(&store, "o-1", epoch() - LEASE_SECS - 10).await;
        let r = refund(&app, "o-1").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body, json!({"outcome": "not_charged", "order_id": "o-1"}));
        assert_eq!(payment(&store, "o-1").await.status, PaymentStatus::Voided);
        charge(&app, "o-1", OK)
            .await
            .assert_problem(409, "payment_closed");

        // Not refunded: the next charge takes the lease over instead.
        leased(&store, "o-2", epoch() - LEASE_SECS - 10).await;
        let r = charge(&app, "o-2", OK).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(
            (r.body["attempts"].as_i64(), r.body["captures"].as_i64()),
            (Some(2), Some(1))
        );
    }

    #[tokio::test]
    async fn a_refund_before_the_charge_blocks_a_late_charge() {
        let (store, app) = app();
        for _ in 0..2 {
            let r = refund(&app, "o-1").await;
            assert_eq!(r.body, json!({"outcome": "not_charged", "order_id": "o-1"}));
        }
        charge(&app, "o-1", OK)
            .await
            .assert_problem(409, "payment_closed");
        let p = payment(&store, "o-1").await;
        assert_eq!((p.status, p.captures), (PaymentStatus::Voided, 0));
    }

    #[tokio::test]
    async fn unknown_and_expired_tokens() {
        let (store, app) = app();
        let unknown = "pm_00000000000000000000000000000000";
        let r = charge_with(&app, "o-1", 100, unknown).await;
        r.assert_problem(422, "payment_method_invalid");
        assert!(r.body["detail"].as_str().unwrap().contains(unknown));
        assert_eq!(stored(&store, "o-1").await, None, "nothing was recorded");

        let old = domain::vault(
            TokenizeRequest {
                card_number: OK.into(),
            },
            epoch() - PAYMENT_METHOD_TTL_SECS - 1,
        )
        .unwrap();
        store.save_method(&old).await.unwrap();
        charge_with(&app, "o-1", 100, &old.token)
            .await
            .assert_problem(422, "payment_method_invalid");

        // A retried step of an order already charged still gets its first result.
        let first = charge(&app, "o-2", OK).await;
        assert_eq!(first.status, StatusCode::CREATED);
        let r = charge_with(&app, "o-2", 4200, &old.token).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body, first.body);
        charge_with(&app, "o-2", 1, &old.token)
            .await
            .assert_problem(409, "payment_mismatch");
    }

    #[tokio::test]
    async fn bad_charges_are_4xx_naming_the_problem() {
        let (store, app) = app();
        let t = token(&app, OK).await;
        let r = charge_with(&app, "o-1", -5, &t).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "amount_cents");
        let r = charge_with(&app, "o/1", 100, &t).await;
        assert_eq!(r.body["errors"][0]["field"], "order_id");
        let r = charge_with(&app, "o-1", 100, OK).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "payment_token");
        assert!(!r.body.to_string().contains(OK), "{}", r.body);
        let r = call(
            &app,
            "POST",
            "/internal/payments",
            As::Internal,
            Some(json!({ "order_id": "o-1", "amount_cents": 100, "currency": "usd", "payment_token": t })),
        )
        .await;
        assert_eq!(r.body["errors"][0]["field"], "currency");
        let r = call(
            &app,
            "POST",
            "/internal/payments",
            As::Internal,
            Some(json!({ "order_id": "x" })),
        )
        .await;
        r.assert_problem(422, "invalid_body");
        assert_refuses_unreadable_json(&app, "POST", "/internal/payments", As::Internal).await;
        assert_eq!(
            stored(&store, "o-1").await,
            None,
            "nothing was recorded by any of them"
        );
    }

    #[tokio::test]
    async fn refunds_of_bad_order_ids_and_unknown_routes() {
        let (_, app) = app();
        let long = "o".repeat(65);
        refund(&app, &long)
            .await
            .assert_problem(422, "validation_failed");
        let r = call(
            &app,
            "GET",
            "/internal/payments/o-1/refund",
            As::Internal,
            None,
        )
        .await;
        r.assert_problem(405, "method_not_allowed");
        let r = call(&app, "GET", "/internal/refunds", As::Internal, None).await;
        r.assert_problem(404, "no_route");
    }

    #[tokio::test]
    async fn no_route_reads_a_payment() {
        let (_, app) = app();
        let r = charge(&app, "o-1", OK).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        for method in ["GET", "DELETE"] {
            let r = call(&app, method, "/internal/payments/o-1", As::Internal, None).await;
            r.assert_problem(404, "no_route");
        }
    }
}
