//! The gateway HTTP API.
//!
//! | route | who | what |
//! |---|---|---|
//! | `POST /v1/orders` | signed-in shopper | place an order: 202 with the order id; `Idempotency-Key` header makes retries safe |
//! | `GET /v1/orders/{id}/saga` | the order's shopper | the saga's live state (a workflow query) |
//! | `POST /v1/orders/{id}/cancel` | the order's shopper | cancel while not yet paid (a workflow update); 409 after |
//! | `GET /v1/openapi.json` | anyone | the OpenAPI 3.1 document of the whole HTTP API |
//!
//! Idempotency (the IETF `Idempotency-Key` draft): the key and the shopper derive the order
//! id, and the saga's workflow id never runs twice (`RejectDuplicate`, `Fail` on conflict).
//! A request whose key was used before answers the existing order with its current status and
//! `repeated: true` when its body is the same (same merged lines, same card brand and last
//! four digits), and `422 idempotency_key_reused` naming the order when it is not.
//!
//! The shopper's email (for the order's receipt emails) is read from the customer function
//! while the cart is priced; when it cannot be read the order goes on without emails.
//!
//! Each shopper may place `order_rate` orders (a token bucket in the gateway's own table,
//! `limit#orders#<customer id>`; [`sagaway_shared::limits`]): beyond it `429 too_many_orders`
//! with `Retry-After`. A repeat of an order placed before is answered before the limit is
//! looked at, so retries with an `Idempotency-Key` never use it up; of concurrent first
//! requests with one key, those that find the saga already started give their token back.
//! A limiter that cannot answer lets the order through (fails open): the limit protects
//! capacity, not a secret, and refusing paying shoppers because a counter is unreachable
//! would turn a small outage into a lost sale; API Gateway's stage throttle still caps the
//! total.

use crate::cart::{self, Cart, PricingError};
use crate::temporal::{CancelUpdate, OrderSaga, StateQuery, Temporal, TemporalUnavailable};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sagaway_contract::api::{
    CancelAccepted, CancelOrderBody, OrderAccepted, OrderLinks, PlaceOrderRequest,
};
use sagaway_contract::inventory::{ProductBatch, ProductBatchRequest};
use sagaway_contract::limits::{MAX_CANCEL_REASON_LEN, MAX_ID_LEN};
use sagaway_contract::order::{CustomerContact, OrderLine};
use sagaway_contract::payment::{PaymentMethod, TokenizeRequest};
use sagaway_contract::saga::{
    CancelRequest, OrderSagaInput, PaymentMethodRef, SagaState, workflow_id,
};
use sagaway_contract::{FieldError, OrderStatus, Problem};
use sagaway_invoke::InternalClient;
use sagaway_shared::auth::Caller;
use sagaway_shared::limits::{Clock, DynamoLimiter, Limiter, Rate, Verdict};
use sagaway_shared::{ApiError, JsonBody};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use temporalio_client::errors::{WorkflowQueryError, WorkflowStartError, WorkflowUpdateError};
use temporalio_client::{
    Client, RpcOptions, WorkflowDescribeOptions, WorkflowExecuteUpdateOptions,
    WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowQueryOptions, WorkflowStartOptions,
};

/// How long one query may take: a saga whose worker is down must not hold the request until
/// the Lambda's own timeout (15 s), which would answer without a problem or `Retry-After`.
const QUERY_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a cancellation may wait for the saga to take it.
const UPDATE_TIMEOUT: Duration = Duration::from_secs(8);

fn rpc(timeout: Duration) -> RpcOptions {
    RpcOptions::builder().timeout(timeout).build()
}

/// The OpenAPI document, generated from the code by `functions/openapi` (a test fails when
/// this committed copy is not what the code generates).
pub const OPENAPI_JSON: &str = include_str!("../../../docs/openapi.json");

#[derive(Clone)]
pub struct App<L = DynamoLimiter> {
    pub temporal: Arc<Temporal>,
    pub internal: InternalClient,
    pub inventory_function: String,
    pub payment_function: String,
    /// The customer function, for the shopper's email.
    pub customer_function: String,
    /// Where the shoppers' order counters are.
    pub limiter: L,
    /// How many orders one shopper may place.
    pub order_rate: Rate,
    pub clock: Clock,
}

pub fn router<L: Limiter>(app: App<L>) -> Router {
    Router::new()
        .route("/v1/orders", post(place_order::<L>))
        .route("/v1/orders/{id}/saga", get(saga_state::<L>))
        .route("/v1/orders/{id}/cancel", post(cancel::<L>))
        .route("/v1/openapi.json", get(openapi))
        .with_state(app)
}

/// The key of a shopper's order bucket in the gateway's table.
pub fn order_limit_key(customer_id: &str) -> String {
    format!("limit#orders#{customer_id}")
}

/// A token taken from a shopper's order bucket (`None`: the limiter could not answer and the
/// order went through without one).
struct Quota(Option<String>);

/// Takes one order from the shopper's bucket: `429 too_many_orders` when it is empty. A
/// limiter failure lets the order through (see the module's notes: it fails open).
async fn take_quota<L: Limiter>(app: &App<L>, customer_id: &str) -> Result<Quota, ApiError> {
    let key = order_limit_key(customer_id);
    match app
        .limiter
        .take(&key, &app.order_rate, app.clock.now_ms())
        .await
    {
        Ok(Verdict::Allowed) => Ok(Quota(Some(key))),
        Ok(Verdict::Limited { retry_after_secs }) => {
            tracing::info!(
                customer_id,
                retry_after_secs,
                "order refused by the rate limit"
            );
            Err(ApiError::too_many_requests(
                "too_many_orders",
                format!(
                    "too many orders: a shopper may place {}; retry in {retry_after_secs} seconds",
                    app.order_rate
                ),
                retry_after_secs,
            ))
        }
        Err(e) => {
            tracing::error!(error = %e, customer_id, "the order limit cannot be checked; letting the order through");
            Ok(Quota(None))
        }
    }
}

/// Gives a token back: its request turned out to repeat an order another request placed.
async fn give_back<L: Limiter>(app: &App<L>, quota: Quota) {
    if let Quota(Some(key)) = quota
        && let Err(e) = app.limiter.give_back(&key, &app.order_rate).await
    {
        tracing::warn!(error = %e, key, "could not give an order token back");
    }
}

fn unavailable(e: TemporalUnavailable) -> ApiError {
    tracing::error!(error = %e, "temporal unavailable");
    ApiError::unavailable(
        "workflow_engine_unavailable",
        "orders cannot be processed right now; retry in a moment",
    )
    .retry_after(2)
}

fn catalog_unavailable() -> ApiError {
    ApiError::unavailable(
        "catalog_unavailable",
        "the catalog cannot be read right now; retry",
    )
}

fn payment_unavailable() -> ApiError {
    ApiError::unavailable(
        "payment_unavailable",
        "the payment service cannot take the card right now; retry",
    )
}

/// The OpenAPI 3.1 document of the whole HTTP API.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object)))]
pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON).into_response()
}

/// Prices every line from the catalog: one batch read of all the cart's products at the
/// inventory function ([`cart::price_lines`] does the rest).
async fn price<L>(
    app: &App<L>,
    lines: &[(String, i64)],
) -> Result<(Vec<OrderLine>, String), ApiError> {
    let request = ProductBatchRequest {
        ids: lines.iter().map(|(id, _)| id.clone()).collect(),
    };
    let reply = app
        .internal
        .post(
            &app.inventory_function,
            "/internal/products/batch",
            &request,
        )
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "pricing failed");
            catalog_unavailable()
        })?;
    if !reply.is_success() {
        // The cart's ids passed the same rules the route checks, so any refusal is the
        // catalog's failure, not the shopper's.
        tracing::error!(status = reply.status, "the catalog refused the batch read");
        return Err(catalog_unavailable());
    }
    let catalog: ProductBatch = reply.parse().map_err(|e| {
        tracing::error!(error = %e, "the catalog answered something that is not a product batch");
        catalog_unavailable()
    })?;
    cart::price_lines(lines, &catalog).map_err(|e| match e {
        PricingError::MixedCurrencies => ApiError::invalid(
            "mixed_currencies",
            "all products of one order must have the same currency",
        ),
        PricingError::UnknownProducts(unknown) => ApiError::invalid(
            "unknown_product",
            format!("these products do not exist: {}", unknown.join(", ")),
        )
        .with_details(json!({ "product_ids": unknown })),
    })
}

/// How long placing an order waits for the shopper's email: it must not hold the order up.
const CONTACT_TIMEOUT: Duration = Duration::from_secs(2);

/// The shopper's email, for the order's emails: `None` (logged, without the email) when the
/// customer function cannot say; an order never fails for it.
async fn email_of<L>(app: &App<L>, customer_id: &str) -> Option<String> {
    let path = format!("/internal/customers/{customer_id}/contact");
    let call = app.internal.get(&app.customer_function, &path);
    let Ok(reply) = tokio::time::timeout(CONTACT_TIMEOUT, call).await else {
        tracing::warn!(
            customer_id,
            "the customer function did not answer in time; no emails for this order"
        );
        return None;
    };
    match reply {
        Ok(reply) if reply.is_success() => match reply.parse::<CustomerContact>() {
            Ok(c) if c.customer_id == customer_id => Some(c.email),
            Ok(_) => {
                tracing::warn!(
                    customer_id,
                    "the customer function answered another customer; no emails for this order"
                );
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, customer_id, "the customer function's contact is unreadable; no emails for this order");
                None
            }
        },
        Ok(reply) => {
            tracing::warn!(
                status = reply.status,
                code = reply.code(),
                customer_id,
                "no contact for the shopper; no emails for this order"
            );
            None
        }
        Err(e) => {
            tracing::warn!(error = %e, customer_id, "the customer function cannot be reached; no emails for this order");
            None
        }
    }
}

/// Exchanges the card number for a payment-method token at the payment service. The number
/// goes no further than this call.
async fn tokenize<L>(app: &App<L>, card_number: String) -> Result<PaymentMethod, ApiError> {
    let reply = app
        .internal
        .post(
            &app.payment_function,
            "/internal/payment-methods",
            &TokenizeRequest { card_number },
        )
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "tokenizing the card failed");
            payment_unavailable()
        })?;
    if reply.is_success() {
        return reply.parse().map_err(|e| {
            tracing::error!(error = %e, "the payment service answered something that is not a payment method");
            payment_unavailable()
        });
    }
    if reply.status >= 500 {
        return Err(payment_unavailable());
    }
    // The payment service refused the card: say which field, in its words.
    let problem: Option<Problem> = reply.problem();
    let errors = problem
        .as_ref()
        .map(|p| p.errors.clone())
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| {
            vec![FieldError::new(
                "card_number",
                "is not a card the payment provider accepts; see GET /v1/payments/test-cards",
            )]
        });
    Err(ApiError::validation(errors))
}

/// The saga of `order_id`, if it exists (open or closed).
async fn existing(client: &Client, order_id: &str) -> Result<Option<SagaState>, ApiError> {
    let handle = client.get_workflow_handle::<OrderSaga>(workflow_id(order_id));
    let mut last = String::new();
    // A saga started a moment ago may not answer queries yet: a few short retries, within a
    // budget well under the Lambda's timeout.
    let started = std::time::Instant::now();
    for attempt in 0..5u64 {
        if attempt > 0 {
            if started.elapsed() > Duration::from_secs(8) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250 * attempt)).await;
        }
        let options = WorkflowQueryOptions::builder()
            .rpc_options(rpc(QUERY_TIMEOUT))
            .build();
        match handle.query(StateQuery, (), options).await {
            Ok(state) => return Ok(Some(state)),
            Err(WorkflowQueryError::NotFound(_)) => return Ok(None),
            Err(e) => last = e.to_string(),
        }
    }
    Err(unavailable(TemporalUnavailable(last)))
}

fn accepted(state: &SagaState, repeated: bool) -> Response {
    let body = OrderAccepted {
        order_id: state.order_id.clone(),
        status: state.status,
        total_cents: state.total_cents,
        currency: state.currency.clone(),
        card: state.card.clone(),
        repeated,
        links: OrderLinks::for_order(&state.order_id),
    };
    let mut response = (StatusCode::ACCEPTED, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/v1/orders/{}", state.order_id)) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// The answer to a request whose key was used before (by this shopper: the order id is
/// derived from the shopper and the key, and a saga of anyone else is never shown).
fn repeat(state: &SagaState, customer_id: &str, fingerprint: &str) -> Result<Response, ApiError> {
    if state.customer_id != customer_id {
        return Err(ApiError::invalid(
            "idempotency_key_reused",
            "this Idempotency-Key cannot be used; send a new key",
        ));
    }
    if state.request_fingerprint == fingerprint {
        tracing::info!(order_id = %state.order_id, status = %state.status, "repeated order request");
        return Ok(accepted(state, true));
    }
    Err(ApiError::invalid(
        "idempotency_key_reused",
        format!(
            "this Idempotency-Key already placed order {} with a different body; \
             send a new key to place a new order",
            state.order_id
        ),
    )
    .with_details(json!({ "order_id": state.order_id })))
}

/// Place an order.
///
/// Prices the lines from the catalog, checks every limit, exchanges the card number for a
/// payment-method token and starts the order saga. With an `Idempotency-Key`, a retry with the
/// same body answers the same order (with its current status and `repeated: true`) and never
/// starts a second saga; the same key with a different body is `422 idempotency_key_reused`.
/// Each shopper may place a limited number of orders a minute (`429 too_many_orders` with
/// `Retry-After` beyond it); a repeat of an order placed before does not count.
#[utoipa::path(post, path = "/v1/orders", tag = "orders",
    request_body = PlaceOrderRequest,
    params(("Idempotency-Key" = Option<String>, Header,
        description = "1–128 of A-Z a-z 0-9 . _ - ; remembered for as long as the order exists",
        pattern = "^[A-Za-z0-9._-]{1,128}$")),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Placed (or, for a repeated key, placed before)", body = OrderAccepted,
            headers(("Location" = String, description = "the order's URL"))),
        (status = 422, description = "`validation_failed` (every invalid field in `errors`; also a card the provider does not accept), `order_total_too_large` (over the payment limit), `order_total_too_small` (nothing to charge), `unknown_product` (`product_ids`), `mixed_currencies`, `idempotency_key_reused` (`order_id`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_orders`: the shopper's order rate is used up (10 a minute, 5 at once, unless the deployment says otherwise); retry after `Retry-After` seconds (a repeat of an order placed before, by its `Idempotency-Key`, is never refused for this)", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "seconds until the next order fits"))),
        (status = 503, description = "`workflow_engine_unavailable`, `catalog_unavailable`, `payment_unavailable`: retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn place_order<L: Limiter>(
    State(app): State<App<L>>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(input): JsonBody<PlaceOrderRequest>,
) -> Result<Response, ApiError> {
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(v) => Some(v.to_str().map_err(|_| {
            ApiError::from(FieldError::new(
                "Idempotency-Key",
                "must be 1 to 128 letters, digits, '.', '_' or '-'",
            ))
        })?),
    };
    let order_id = cart::order_id(&caller.customer_id, key).map_err(ApiError::from)?;
    let cart: Cart = cart::validate(input).map_err(ApiError::validation)?;
    let fingerprint = cart::fingerprint(&cart);
    // A repeat of an order placed before is answered before the limit: it costs nothing.
    if key.is_some() {
        let client = app.temporal.client().await.map_err(unavailable)?;
        if let Some(state) = existing(client, &order_id).await? {
            return repeat(&state, &caller.customer_id, &fingerprint);
        }
    }
    let quota = take_quota(&app, &caller.customer_id).await?;
    let client = app.temporal.client().await.map_err(unavailable)?;
    // Pricing and vaulting the card do not depend on each other: both at once. The pricing
    // answer is checked first, so the errors are the same as one after the other (a cart
    // refused here may leave a vaulted card behind, which expires unused).
    let (priced, method, email) = futures::join!(
        price(&app, &cart.lines),
        tokenize(&app, cart.card_number.clone()),
        email_of(&app, &caller.customer_id)
    );
    let (lines, currency) = priced?;
    let total_cents = cart::priced_total(&lines).map_err(|e| {
        let mut err = ApiError::validation(vec![e.error]);
        err.code = e.code;
        err
    })?;
    let method = method?;
    let saga = OrderSagaInput {
        order_id: order_id.clone(),
        customer_id: caller.customer_id.clone(),
        lines,
        currency,
        total_cents,
        payment: PaymentMethodRef {
            token: method.token,
            brand: method.brand,
            last4: method.last4,
        },
        request_fingerprint: fingerprint.clone(),
        shipping_address: cart.shipping_address.clone(),
        email,
    };
    let options = WorkflowStartOptions::new(app.temporal.task_queue(), workflow_id(&order_id))
        .id_reuse_policy(WorkflowIdReusePolicy::RejectDuplicate)
        .id_conflict_policy(WorkflowIdConflictPolicy::Fail)
        .build();
    let state = SagaState::started(&saga);
    match client.start_workflow(OrderSaga, saga, options).await {
        Ok(_) => {
            tracing::info!(%order_id, customer_id = %caller.customer_id, total_cents, "order placed");
            Ok(accepted(&state, false))
        }
        // A concurrent request with the same key started it first: this one placed nothing.
        Err(WorkflowStartError::AlreadyStarted { .. }) => {
            give_back(&app, quota).await;
            match existing(client, &order_id).await? {
                Some(state) => repeat(&state, &caller.customer_id, &fingerprint),
                None => Err(unavailable(TemporalUnavailable(
                    "the order's saga exists but cannot be read".into(),
                ))),
            }
        }
        Err(e) => Err(unavailable(TemporalUnavailable(e.to_string()))),
    }
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found("order_not_found", format!("order {id} does not exist"))
}

/// The saga's state, if it exists and belongs to the caller.
async fn owned_state(client: &Client, caller: &Caller, id: &str) -> Result<SagaState, ApiError> {
    if id.is_empty() || id.len() > MAX_ID_LEN {
        return Err(not_found(id));
    }
    match existing(client, id).await? {
        Some(state) if state.customer_id == caller.customer_id => Ok(state),
        _ => Err(not_found(id)),
    }
}

/// The retry Temporal is making of the saga's running step, if any ([`crate::retries`]): a
/// description of the workflow. `(None, None)` when it cannot be read (logged): the state is
/// still worth answering.
async fn retry_of(client: &Client, order_id: &str) -> (Option<u32>, Option<String>) {
    let handle = client.get_workflow_handle::<OrderSaga>(workflow_id(order_id));
    let options = WorkflowDescribeOptions::builder()
        .rpc_options(rpc(QUERY_TIMEOUT))
        .build();
    match handle.describe(options).await {
        Ok(d) => crate::retries::retry_of(&d.raw_description.pending_activities),
        Err(e) => {
            tracing::warn!(error = %e, order_id, "could not describe the saga; no attempt shown");
            (None, None)
        }
    }
}

/// The order saga's live state.
///
/// While Temporal retries the running step, `attempt` is its attempt number and
/// `last_failure` why the last attempt failed (the web app shows "running (attempt 3)").
#[utoipa::path(get, path = "/v1/orders/{id}/saga", tag = "orders",
    params(("id" = String, Path, description = "the order id", pattern = "^[A-Za-z0-9._-]{1,64}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The saga's state", body = SagaState),
        (status = 404, description = "`order_not_found` (also another shopper's order)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`workflow_engine_unavailable`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn saga_state<L: Limiter>(
    State(app): State<App<L>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let client = app.temporal.client().await.map_err(unavailable)?;
    let mut state = owned_state(client, &caller, &id).await?;
    if !state.finished {
        (state.attempt, state.last_failure) = retry_of(client, &id).await;
    }
    Ok(Json(state).into_response())
}

fn not_cancellable(status: OrderStatus) -> ApiError {
    ApiError::conflict(
        "not_cancellable",
        format!(
            "the order is {status} and can no longer be cancelled; only orders not yet paid can be"
        ),
    )
    .with_details(json!({ "status": status }))
}

/// Cancel an order that is not yet paid.
///
/// The body is optional. The saga takes the cancellation at its next step and compensates.
#[utoipa::path(post, path = "/v1/orders/{id}/cancel", tag = "orders",
    params(("id" = String, Path, description = "the order id", pattern = "^[A-Za-z0-9._-]{1,64}$")),
    request_body(content = Option<CancelOrderBody>, description = "optional `{\"reason\": \"...\"}`"),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Cancellation accepted", body = CancelAccepted),
        (status = 404, description = "`order_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`not_cancellable` (`status` says where the order is)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`workflow_engine_unavailable`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn cancel<L: Limiter>(
    State(app): State<App<L>>,
    caller: Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    // The body is optional: `{"reason": "..."}`, `null` or nothing.
    let input: CancelOrderBody = if body.iter().all(u8::is_ascii_whitespace) {
        CancelOrderBody::default()
    } else {
        sagaway_shared::json::parse::<Option<CancelOrderBody>>(&body)?.unwrap_or_default()
    };
    let reason = input
        .reason
        .map(|r| {
            r.trim()
                .chars()
                .take(MAX_CANCEL_REASON_LEN)
                .collect::<String>()
        })
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "requested by the shopper".to_string());
    let client = app.temporal.client().await.map_err(unavailable)?;
    let state = owned_state(client, &caller, &id).await?;
    // A finished saga takes no updates: the order is settled.
    if state.finished || !state.status.is_cancellable() {
        return Err(not_cancellable(state.status));
    }
    let handle = client.get_workflow_handle::<OrderSaga>(workflow_id(&id));
    let options = WorkflowExecuteUpdateOptions::builder()
        .rpc_options(rpc(UPDATE_TIMEOUT))
        .build();
    match handle
        .execute_update(CancelUpdate, CancelRequest { reason }, options)
        .await
    {
        Ok(saga) => {
            tracing::info!(order_id = %id, "cancellation accepted");
            Ok((
                StatusCode::ACCEPTED,
                Json(CancelAccepted { order_id: id, saga }),
            )
                .into_response())
        }
        // Refused by the saga (paid meanwhile), or the run closed meanwhile (Temporal then
        // answers NotFound although the order exists): the order is settled.
        Err(e) => match existing(client, &id).await? {
            Some(now) if now.finished || !now.status.is_cancellable() => {
                Err(not_cancellable(now.status))
            }
            Some(now) if matches!(e, WorkflowUpdateError::NotFound(_)) => {
                Err(not_cancellable(now.status))
            }
            None => Err(not_found(&id)),
            _ => Err(unavailable(TemporalUnavailable(e.to_string()))),
        },
    }
}

/// The gateway's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(place_order, saga_state, cancel, openapi))]
pub struct ApiDoc;

#[cfg(test)]
mod tests {
    use super::*;

    fn state(fingerprint: &str) -> SagaState {
        SagaState {
            order_id: "o-1".into(),
            customer_id: "c-1".into(),
            status: OrderStatus::Confirmed,
            total_cents: 300,
            request_fingerprint: fingerprint.into(),
            ..SagaState::default()
        }
    }

    #[tokio::test]
    async fn a_repeat_answers_the_order_as_it_is_and_another_body_is_refused() {
        let r = repeat(&state("abc"), "c-1", "abc").expect("a repeat");
        assert_eq!(r.status(), StatusCode::ACCEPTED);
        assert_eq!(r.headers()[header::LOCATION], "/v1/orders/o-1");
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 16)
            .await
            .expect("body");
        let body: OrderAccepted = serde_json::from_slice(&bytes).expect("OrderAccepted");
        assert!(body.repeated);
        assert_eq!(body.status, OrderStatus::Confirmed, "the current status");
        assert_eq!(body.total_cents, 300);

        let e = repeat(&state("abc"), "c-1", "xyz").expect_err("another body");
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.code, "idempotency_key_reused");
        assert_eq!(e.extensions["order_id"], "o-1");
        // Another shopper's saga is never shown, whatever the fingerprint.
        let e = repeat(&state("abc"), "c-2", "abc").expect_err("not theirs");
        assert_eq!(e.code, "idempotency_key_reused");
        assert!(!e.extensions.contains_key("order_id"));
    }
}
