//! The OrderSaga's contract: its names on Temporal, its input, its live state and the
//! shopper's cancellation. The worker implements it; the gateway starts, queries and updates
//! it by these names without linking the worker.

use crate::address::Address;
use crate::notification::Receipt;
use crate::order::OrderLine;
use crate::payment::CardBrand;
use crate::status::OrderStatus;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The workflow type name.
pub const WORKFLOW_TYPE: &str = "OrderSaga";
/// The query that answers [`SagaState`].
pub const QUERY_STATE: &str = "state";
/// The update that takes a [`CancelRequest`] and answers [`SagaState`].
pub const UPDATE_CANCEL: &str = "request_cancel";
/// The task queue the OrderSaga runs on (overridable with `TASK_QUEUE`).
pub const DEFAULT_TASK_QUEUE: &str = "sagaway-orders";

/// The workflow id of an order's saga.
pub fn workflow_id(order_id: &str) -> String {
    format!("order-{order_id}")
}

/// The order id of an OrderSaga's workflow id (`None` for any other workflow id).
pub fn order_id_of(workflow_id: &str) -> Option<&str> {
    workflow_id
        .strip_prefix("order-")
        .filter(|id| !id.is_empty())
}

/// The card that pays, as the saga may know it: a token, never the number.
///
/// Workflow payloads outlive deploys (histories are replayed), so they accept fields they do
/// not know rather than wedge a saga when the gateway is deployed before the worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentMethodRef {
    pub token: String,
    pub brand: CardBrand,
    pub last4: String,
}

/// What a shopper may see of the card.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct CardSummary {
    #[schema(example = "visa")]
    pub brand: String,
    #[schema(example = "4242")]
    pub last4: String,
}

/// The saga's input (tolerant of unknown fields, see [`PaymentMethodRef`]). Its `Debug`
/// output leaves out the shopper's email and address (personal data stays out of logs).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSagaInput {
    pub order_id: String,
    pub customer_id: String,
    /// Merged by product, priced from the catalog by the gateway.
    pub lines: Vec<OrderLine>,
    pub currency: String,
    /// Checked against the contract's limits by the gateway.
    pub total_cents: i64,
    pub payment: PaymentMethodRef,
    /// Fingerprint of the request that placed the order (see the gateway's idempotency rule).
    pub request_fingerprint: String,
    /// Where to ship the order (absent in sagas started before orders had one: they replay).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<Address>,
    /// The shopper's email, for the order's emails (absent in older sagas, or when the
    /// customer service could not say). Personal data: never logged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// The step the saga is running (or `done`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SagaStep {
    #[default]
    Starting,
    CreateOrder,
    ReserveStock,
    ChargePayment,
    Confirm,
    RefundPayment,
    ReleaseStock,
    CancelOrder,
    Done,
}

/// A compensation the saga has run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Compensation {
    RefundPayment,
    ReleaseStock,
    CancelOrder,
}

/// The saga's live state, answered by the `state` query. Unknown fields are ignored; a field
/// added later must carry `#[serde(default)]`, so a gateway and a worker of neighbouring
/// versions still understand each other.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SagaState {
    pub order_id: String,
    pub customer_id: String,
    /// The order status the saga last recorded.
    pub status: OrderStatus,
    /// The step running now (or `done`).
    pub step: SagaStep,
    pub total_cents: i64,
    pub currency: String,
    pub card: CardSummary,
    pub stock_reserved: bool,
    /// True once a charge was attempted (its outcome may be unknown).
    pub charge_attempted: bool,
    pub charged: bool,
    pub cancel_requested: Option<String>,
    pub failure_reason: Option<String>,
    /// Compensations run so far, in order.
    pub compensations: Vec<Compensation>,
    pub finished: bool,
    /// Fingerprint of the request that placed the order.
    #[schema(example = "3b4c…")]
    pub request_fingerprint: String,
    /// While Temporal retries the running step: its attempt number (2, 3, …); null on the
    /// first attempt and when nothing is pending. Filled in by the gateway (from the
    /// workflow's pending activities), not by the workflow.
    #[serde(default)]
    #[schema(example = 3, minimum = 2)]
    pub attempt: Option<u32>,
    /// Why the retried step's last attempt failed: one short line, card numbers masked;
    /// null when `attempt` is.
    #[serde(default)]
    #[schema(example = "payment: the provider is unavailable")]
    pub last_failure: Option<String>,
}

impl SagaState {
    /// The state of a saga that has just started from `input` (PENDING, nothing done yet).
    pub fn started(input: &OrderSagaInput) -> Self {
        Self {
            order_id: input.order_id.clone(),
            customer_id: input.customer_id.clone(),
            status: OrderStatus::Pending,
            total_cents: input.total_cents,
            currency: input.currency.clone(),
            card: CardSummary {
                brand: input.payment.brand.as_str().to_string(),
                last4: input.payment.last4.clone(),
            },
            request_fingerprint: input.request_fingerprint.clone(),
            ..Self::default()
        }
    }
}

/// The `request_cancel` update's input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelRequest {
    pub reason: String,
}

/// A status change the saga records on the order and notifies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusUpdate {
    pub order_id: String,
    pub customer_id: String,
    pub status: OrderStatus,
    pub reason: Option<String>,
    /// For CONFIRMED and CANCELLED of a saga that knows the shopper's email: what the
    /// receipt email needs (absent in older histories).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Receipt>,
}

impl std::fmt::Debug for OrderSagaInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |present: bool| present.then_some("<redacted>");
        f.debug_struct("OrderSagaInput")
            .field("order_id", &self.order_id)
            .field("customer_id", &self.customer_id)
            .field("lines", &self.lines)
            .field("currency", &self.currency)
            .field("total_cents", &self.total_cents)
            .field("payment", &self.payment)
            .field("request_fingerprint", &self.request_fingerprint)
            .field(
                "shipping_address",
                &redacted(self.shipping_address.is_some()),
            )
            .field("email", &redacted(self.email.is_some()))
            .finish()
    }
}

impl OrderSagaInput {
    /// What the email of a change to `status` needs: only CONFIRMED and CANCELLED are
    /// emailed, and only when the shopper's email is known.
    pub fn receipt(&self, status: OrderStatus) -> Option<Receipt> {
        if !matches!(status, OrderStatus::Confirmed | OrderStatus::Cancelled) {
            return None;
        }
        self.email.as_ref().map(|email| Receipt {
            email: email.clone(),
            lines: self.lines.clone(),
            total_cents: Some(self.total_cents),
            currency: Some(self.currency.clone()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_confirmed_and_cancelled_carry_a_receipt_and_only_with_an_email() {
        let mut input = OrderSagaInput {
            order_id: "o-1".into(),
            customer_id: "c-1".into(),
            lines: vec![OrderLine {
                product_id: "mug".into(),
                quantity: 2,
                unit_price_cents: 150,
            }],
            currency: "USD".into(),
            total_cents: 300,
            payment: PaymentMethodRef {
                token: "pm".into(),
                brand: CardBrand::Visa,
                last4: "4242".into(),
            },
            request_fingerprint: "fp".into(),
            shipping_address: None,
            email: None,
        };
        assert_eq!(input.receipt(OrderStatus::Confirmed), None);
        input.email = Some("ada@example.com".into());
        assert!(!format!("{input:?}").contains("ada@"), "{input:?}");
        for s in OrderStatus::ALL {
            let r = input.receipt(s);
            if matches!(s, OrderStatus::Confirmed | OrderStatus::Cancelled) {
                let r = r.expect("a receipt");
                assert_eq!(r.email, "ada@example.com");
                assert_eq!((r.total_cents, r.lines.len()), (Some(300), 1));
                assert!(!format!("{r:?}").contains("ada@"));
            } else {
                assert_eq!(r, None, "{s}");
            }
        }
        // An input of an older saga (no address, no email) still reads, and writes the same.
        let old = r#"{"order_id":"o-1","customer_id":"c-1","lines":[],"currency":"USD","total_cents":0,"payment":{"token":"t","brand":"visa","last4":"4242"},"request_fingerprint":"fp"}"#;
        let parsed: OrderSagaInput = serde_json::from_str(old).expect("an old input");
        assert_eq!((parsed.email, parsed.shipping_address), (None, None));
        let again =
            serde_json::to_value(serde_json::from_str::<OrderSagaInput>(old).unwrap()).unwrap();
        assert_eq!(
            again,
            serde_json::from_str::<serde_json::Value>(old).unwrap()
        );
    }

    #[test]
    fn the_workflow_id_names_its_order() {
        assert_eq!(order_id_of(&workflow_id("o-1")), Some("o-1"));
        assert_eq!(order_id_of("order-"), None);
        assert_eq!(order_id_of("other-o-1"), None);
    }
}
