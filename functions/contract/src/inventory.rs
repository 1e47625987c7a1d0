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

/// Where a reservation is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReservationStatus {
    Reserved,
    Released,
}

impl ReservationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reserved => "RESERVED",
            Self::Released => "RELEASED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "RESERVED" => Some(Self::Reserved),
            "RELEASED" => Some(Self::Released),
            _ => None,
        }
    }
}

/// An order's hold on stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    pub order_id: String,
    pub status: ReservationStatus,
    /// Empty for a tombstone: a release that arrived before any reserve.
    pub lines: Vec<ReserveLine>,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub released_at: Option<String>,
}

/// The result of a release call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ReleaseOutcome {
    /// Stock was put back now.
    Released { reservation: Reservation },
    /// It had been released before; nothing changed.
    AlreadyReleased { reservation: Reservation },
    /// No reservation existed for the order; nothing changed (a tombstone now blocks a late
    /// reserve for it).
    UnknownOrder { order_id: String },
}
