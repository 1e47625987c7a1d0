//! Public request and response bodies of the gateway's routes (`/v1/orders`).

use crate::address::Address;
use crate::saga::{CardSummary, SagaState};
use crate::status::OrderStatus;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One line of a cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CartLine {
    #[schema(
        example = "ceramic-mug",
        min_length = 1,
        max_length = 64,
        pattern = "^[A-Za-z0-9._-]+$"
    )]
    pub product_id: String,
    #[schema(example = 2, minimum = 1, maximum = 1000)]
    pub quantity: i64,
}

/// `POST /v1/orders`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"lines": [{"product_id": "ceramic-mug", "quantity": 2}], "card_number": "4242424242424242"}))]
pub struct PlaceOrderRequest {
    /// 1–25 lines; lines of one product are merged (at most 1000 units of one product).
    #[schema(min_items = 1, max_items = 25)]
    pub lines: Vec<CartLine>,
    /// 12–19 digits (spaces allowed): a test card of the simulated provider
    /// (`GET /v1/payments/test-cards`); exchanged for a token before the order starts and
    /// never stored.
    #[schema(
        example = "4242424242424242",
        min_length = 12,
        max_length = 23,
        pattern = "^[0-9 ]+$"
    )]
    pub card_number: String,
    /// Where to ship the order (optional; the same rules as the profile's address). Stored on
    /// the order; part of what makes a repeated `Idempotency-Key` "the same request".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<Address>,
}

impl std::fmt::Debug for PlaceOrderRequest {
    /// Never prints the card number (nor the address: personal data stays out of logs).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlaceOrderRequest")
            .field("lines", &self.lines)
            .field("card_number", &"<redacted>")
            .field(
                "shipping_address",
                &self.shipping_address.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Where to follow an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderLinks {
    #[schema(example = "/v1/orders/o-5f0c3f1e9b8a4d2c")]
    pub order: String,
    pub saga: String,
    pub cancel: String,
}

impl OrderLinks {
    pub fn for_order(order_id: &str) -> Self {
        Self {
            order: format!("/v1/orders/{order_id}"),
            saga: format!("/v1/orders/{order_id}/saga"),
            cancel: format!("/v1/orders/{order_id}/cancel"),
        }
    }
}

/// `202` to `POST /v1/orders`: the order is placed (or, for a repeated `Idempotency-Key`, was
/// placed before: `repeated` is true and `status` is its current status).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderAccepted {
    pub order_id: String,
    pub status: OrderStatus,
    pub total_cents: i64,
    #[schema(example = "USD")]
    pub currency: String,
    pub card: CardSummary,
    /// True when this answers a repeat of an earlier request with the same `Idempotency-Key`.
    pub repeated: bool,
    pub links: OrderLinks,
}

/// `POST /v1/orders/{id}/cancel` (the body is optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelOrderBody {
    /// Why (at most 200 characters are kept).
    #[serde(default)]
    pub reason: Option<String>,
}

/// `202` to `POST /v1/orders/{id}/cancel`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CancelAccepted {
    pub order_id: String,
    pub saga: SagaState,
}

/// `GET /health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
    #[schema(example = "inventory")]
    pub service: String,
}

impl Health {
    pub fn ok(service: &str) -> Self {
        Self {
            status: "ok".into(),
            service: service.into(),
        }
    }
}

/// `?limit=&cursor=` of every paged list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// page size, 1–100 (default 20)
    #[param(value_type = Option<i32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page
    pub cursor: Option<String>,
}

/// `?status=&limit=&cursor=` of the admins' orders overview (`GET /v1/admin/orders`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdminOrderQuery {
    /// only orders in this status (`PENDING`, `RESERVED`, `PAID`, `CONFIRMED`,
    /// `COMPENSATING`, `CANCELLED`); absent: every order
    #[param(value_type = Option<OrderStatus>)]
    pub status: Option<String>,
    /// page size, 1–100 (default 20)
    #[param(value_type = Option<i32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page (of the same `status`)
    pub cursor: Option<String>,
}
