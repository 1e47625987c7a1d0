//! The order service's messages: its internal routes (called by the saga) and the order
//! record its public routes answer with.

use crate::address::Address;
use crate::status::OrderStatus;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One line of an order; the price is the catalog's at the time of ordering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderLine {
    #[schema(example = "ceramic-mug")]
    pub product_id: String,
    #[schema(example = 2, minimum = 1, maximum = 1000)]
    pub quantity: i64,
    #[schema(example = 1800, minimum = 0)]
    pub unit_price_cents: i64,
}

/// One entry of an order's status history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StatusChange {
    pub status: OrderStatus,
    /// RFC 3339 time of the change.
    pub at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Order {
    #[schema(example = "o-5f0c3f1e9b8a4d2c")]
    pub id: String,
    pub customer_id: String,
    pub lines: Vec<OrderLine>,
    pub total_cents: i64,
    #[schema(example = "USD")]
    pub currency: String,
    pub status: OrderStatus,
    /// Where to ship it; null for an order placed without one.
    #[serde(default)]
    pub shipping_address: Option<Address>,
    /// Every status the order had, oldest first.
    pub history: Vec<StatusChange>,
    /// Bumped by every change; writes are conditional on it.
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// A page of orders, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderPage {
    pub items: Vec<Order>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// `POST /internal/orders`: create, idempotent by order id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateOrderRequest {
    pub order_id: String,
    pub customer_id: String,
    pub lines: Vec<OrderLine>,
    #[serde(default)]
    pub currency: Option<String>,
    /// Where to ship it (the shopper's choice when placing the order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<Address>,
}

/// `POST /internal/orders/{id}/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetStatusRequest {
    pub status: OrderStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<i64>,
}
