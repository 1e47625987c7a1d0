//! The inventory service's messages: the catalog's product (read by the gateway to price a
//! cart) and the reservation request of the saga.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A product in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Product {
    #[schema(example = "ceramic-mug")]
    pub id: String,
    #[schema(example = "Ceramic mug")]
    pub name: String,
    pub description: String,
    #[schema(example = 1800)]
    pub price_cents: i64,
    #[schema(example = "USD")]
    pub currency: String,
    pub stock: i64,
    pub updated_at: String,
}

/// One line of a reservation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReserveLine {
    pub product_id: String,
    pub quantity: i64,
}

/// `POST /internal/reservations`: all or nothing, idempotent by order id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReserveRequest {
    pub order_id: String,
    pub lines: Vec<ReserveLine>,
}
