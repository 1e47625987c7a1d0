//! The order service's messages: its internal routes (called by the saga) and the order
//! record its public routes answer with.

use crate::address::Address;
use crate::status::OrderStatus;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An order's short number, for people: the first 8 characters of the order id after its
/// `o-` prefix, letters and digits only, upper case (`o-5f0c3f1e9b8a4d2c` is `5F0C3F1E`).
/// The emails say "Order #5F0C3F1E"; the web app shows the same number (it mirrors this
/// function). An id without the prefix gives its own first 8 letters and digits.
pub fn order_number(order_id: &str) -> String {
    order_id
        .strip_prefix("o-")
        .unwrap_or(order_id)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect::<String>()
        .to_ascii_uppercase()
}

/// `GET /internal/customers/{id}/contact` of the customer service: where to write to a
/// shopper (the gateway reads it when an order is placed, for the order's emails). The
/// email is personal data: never logged (the `Debug` output hides it).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerContact {
    pub customer_id: String,
    pub email: String,
}

impl std::fmt::Debug for CustomerContact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomerContact")
            .field("customer_id", &self.customer_id)
            .field("email", &"<redacted>")
            .finish()
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_short_number_is_the_ids_first_eight_hex_digits_in_upper_case() {
        assert_eq!(order_number("o-5f0c3f1e9b8a4d2c"), "5F0C3F1E");
        assert_eq!(order_number("o-abc"), "ABC");
        assert_eq!(order_number("order-xyz"), "ORDERXYZ");
        assert_eq!(order_number("o-12_34.56-78-90"), "12345678");
        assert_eq!(order_number(""), "");
    }

    #[test]
    fn a_contact_never_prints_its_email() {
        let c = CustomerContact {
            customer_id: "c-1".into(),
            email: "ada@example.com".into(),
        };
        assert!(!format!("{c:?}").contains("ada@"));
    }
}
