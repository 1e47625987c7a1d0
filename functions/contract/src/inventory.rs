//! The inventory service's messages: the catalog's product, the batch of products the gateway
//! prices a cart with (one call for every line), and the reservation request of the saga.

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

/// Most ids one [`ProductBatchRequest`] may name: a cart's distinct products
/// ([`crate::limits::MAX_LINES`]), well within the 100 keys DynamoDB reads in one batch.
pub const MAX_BATCH_IDS: usize = crate::limits::MAX_LINES;

/// `POST /internal/products/batch`: the products with these ids, read in one call (the
/// gateway prices a cart with it). Repeated ids are read once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductBatchRequest {
    pub ids: Vec<String>,
}

/// The answer to a [`ProductBatchRequest`]: the products found, in the order their ids were
/// first asked for, and the ids that name no product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductBatch {
    pub products: Vec<Product>,
    pub missing: Vec<String>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_batch_request_names_ids_and_nothing_else() {
        let r: ProductBatchRequest = serde_json::from_value(json!({"ids": ["a", "b"]})).unwrap();
        assert_eq!(r.ids, ["a", "b"]);
        assert!(serde_json::from_value::<ProductBatchRequest>(json!({"ids": [], "x": 1})).is_err());
        assert!(serde_json::from_value::<ProductBatchRequest>(json!({})).is_err());
    }

    #[test]
    fn a_batch_answer_round_trips() {
        let batch = ProductBatch {
            products: vec![Product {
                id: "mug".into(),
                name: "Mug".into(),
                description: String::new(),
                price_cents: 1200,
                currency: "USD".into(),
                stock: 3,
                updated_at: "2026-01-01T00:00:00.000Z".into(),
            }],
            missing: vec!["gone".into()],
        };
        let v = serde_json::to_value(&batch).unwrap();
        assert_eq!(v["products"][0]["price_cents"], 1200);
        assert_eq!(v["missing"], json!(["gone"]));
        assert_eq!(serde_json::from_value::<ProductBatch>(v).unwrap(), batch);
    }
}
