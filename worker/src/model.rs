//! What the OrderSaga takes, reports and receives. Shared by the worker and the gateway.

use serde::{Deserialize, Serialize};

/// One line of an order, priced from the catalog by the gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SagaLine {
    pub product_id: String,
    pub quantity: i64,
    pub unit_price_cents: i64,
}

/// The saga's input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSagaInput {
    pub order_id: String,
    pub customer_id: String,
    pub lines: Vec<SagaLine>,
    pub currency: String,
    /// A test card of the simulated provider.
    pub card_number: String,
}

impl OrderSagaInput {
    pub fn total_cents(&self) -> i64 {
        self.lines
            .iter()
            .map(|l| l.quantity * l.unit_price_cents)
            .sum()
    }
}

/// A status change to record on the order (and to notify).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusInput {
    pub order_id: String,
    pub customer_id: String,
    pub status: String,
    pub reason: Option<String>,
}

/// The saga's live state, answered by the `state` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SagaState {
    pub order_id: String,
    pub customer_id: String,
    /// The order status the saga last recorded.
    pub status: String,
    /// The step running now (or `done`).
    pub step: String,
    pub stock_reserved: bool,
    /// True once a charge was attempted (its outcome may be unknown).
    pub charge_attempted: bool,
    pub charged: bool,
    pub cancel_requested: Option<String>,
    pub failure_reason: Option<String>,
    /// Compensations run so far, in order.
    pub compensations: Vec<String>,
    pub finished: bool,
}

/// The `request_cancel` update's input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelRequest {
    pub reason: String,
}
