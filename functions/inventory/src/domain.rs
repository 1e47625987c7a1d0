//! Inventory domain: products, stock, reservations, and every rule about them.
//!
//! Rules in one place:
//! - Identifiers (product ids, order ids) are 1–64 characters of `A-Z a-z 0-9 . _ -`.
//! - Stock is an integer in `0..=MAX_STOCK`; it never goes below zero.
//! - A reservation belongs to one order, has 1–[`MAX_LINES`] lines with quantities in
//!   `1..=MAX_QUANTITY`; lines naming the same product are merged. It is all-or-nothing.
//! - Reserve and release are idempotent by order id: a repeated reserve with the same lines
//!   answers with the first result; a repeated release restores nothing more; releasing an
//!   unknown order leaves a tombstone so a late reserve for that order is refused.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use sagaway_contract::inventory::{
    Product, ReleaseOutcome, Reservation, ReservationStatus, ReserveLine as Line,
};
pub use sagaway_contract::inventory::{ReserveLine as LineInput, ReserveRequest as ReserveInput};
pub use sagaway_contract::limits::{MAX_LINES, MAX_PRICE_CENTS, MAX_QUANTITY, MAX_STOCK};
pub const MAX_NAME_LEN: usize = 200;
pub const MAX_DESCRIPTION_LEN: usize = 2_000;
pub const DEFAULT_CURRENCY: &str = "USD";

pub use sagaway_shared::validation::{ValidationError, page_size, validate_id};

/// Why an inventory operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error("product {0} does not exist")]
    ProductNotFound(String),
    #[error("the reservation names products that do not exist: {}", .0.join(", "))]
    UnknownProducts(Vec<String>),
    #[error("not enough stock for {}", .0.iter().map(|s| s.product_id.as_str()).collect::<Vec<_>>().join(", "))]
    OutOfStock(Vec<Shortage>),
    #[error("order {0} was already released; it cannot reserve stock again")]
    ReservationReleased(String),
    #[error("order {0} already holds a reservation with different lines")]
    ReservationMismatch(String),
    #[error("the table is busy with conflicting writes; retry")]
    Contention,
    #[error("the inventory table failed: {0}")]
    Store(String),
}

/// A line that could not be reserved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shortage {
    pub product_id: String,
    pub requested: i64,
    pub available: i64,
}

/// Checks a stock level.
pub fn validate_stock(field: &str, stock: i64) -> Result<(), ValidationError> {
    if !(0..=MAX_STOCK).contains(&stock) {
        return Err(ValidationError::new(
            field,
            format!("must be between 0 and {MAX_STOCK}, got {stock}"),
        ));
    }
    Ok(())
}

/// The body of `PUT /v1/products/{id}`: create or replace a product's details.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    #[schema(min_length = 1, max_length = 200, example = "Ceramic mug")]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub description: String,
    #[schema(minimum = 0, maximum = 100_000_000, example = 1800)]
    pub price_cents: i64,
    /// ISO 4217, default `USD`.
    #[serde(default)]
    #[schema(pattern = "^[A-Z]{3}$", example = "USD")]
    pub currency: Option<String>,
    /// Sets the stock when given; a new product without it starts at 0.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub stock: Option<i64>,
}

/// A validated [`ProductInput`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductChange {
    pub name: String,
    pub description: String,
    pub price_cents: i64,
    pub currency: String,
    pub stock: Option<i64>,
}

impl ProductInput {
    pub fn validate(self) -> Result<ProductChange, ValidationError> {
        let name = self.name.trim().to_string();
        if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
            return Err(ValidationError::new(
                "name",
                format!("must be 1 to {MAX_NAME_LEN} characters"),
            ));
        }
        if self.description.chars().count() > MAX_DESCRIPTION_LEN {
            return Err(ValidationError::new(
                "description",
                format!("must be at most {MAX_DESCRIPTION_LEN} characters"),
            ));
        }
        if !(0..=MAX_PRICE_CENTS).contains(&self.price_cents) {
            return Err(ValidationError::new(
                "price_cents",
                format!(
                    "must be between 0 and {MAX_PRICE_CENTS} (an amount in cents), got {}",
                    self.price_cents
                ),
            ));
        }
        let currency = self
            .currency
            .unwrap_or_else(|| DEFAULT_CURRENCY.to_string());
        if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(ValidationError::new(
                "currency",
                "must be a three-letter ISO 4217 code such as USD",
            ));
        }
        if let Some(stock) = self.stock {
            validate_stock("stock", stock)?;
        }
        Ok(ProductChange {
            name,
            description: self.description,
            price_cents: self.price_cents,
            currency,
            stock: self.stock,
        })
    }
}

/// The body of `PUT /v1/products/{id}/stock`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockInput {
    #[schema(minimum = 0, maximum = 1_000_000, example = 12)]
    pub stock: i64,
}

/// A validated reservation request: lines merged by product and sorted by product id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReserveRequest {
    pub order_id: String,
    pub lines: Vec<Line>,
}

/// Checks a reservation request: lines merged by product and sorted by product id.
pub fn validate_reserve(input: ReserveInput) -> Result<ReserveRequest, ValidationError> {
    let this = input;
    {
        validate_id("order_id", &this.order_id)?;
        if this.lines.is_empty() {
            return Err(ValidationError::new("lines", "must hold at least one line"));
        }
        if this.lines.len() > MAX_LINES {
            return Err(ValidationError::new(
                "lines",
                format!("must hold at most {MAX_LINES} lines"),
            ));
        }
        let mut merged: BTreeMap<String, i64> = BTreeMap::new();
        for (i, line) in this.lines.into_iter().enumerate() {
            validate_id(&format!("lines[{i}].product_id"), &line.product_id)?;
            if !(1..=MAX_QUANTITY).contains(&line.quantity) {
                return Err(ValidationError::new(
                    format!("lines[{i}].quantity"),
                    format!(
                        "must be between 1 and {MAX_QUANTITY}, got {}",
                        line.quantity
                    ),
                ));
            }
            let total = merged.entry(line.product_id).or_insert(0);
            *total += line.quantity;
            if *total > MAX_QUANTITY {
                return Err(ValidationError::new(
                    format!("lines[{i}].quantity"),
                    format!("the lines for this product add up to more than {MAX_QUANTITY}"),
                ));
            }
        }
        Ok(ReserveRequest {
            order_id: this.order_id,
            lines: merged
                .into_iter()
                .map(|(product_id, quantity)| Line {
                    product_id,
                    quantity,
                })
                .collect(),
        })
    }
}

/// What a repeated reserve for the same order means, given its existing reservation.
pub fn check_repeat(
    existing: &Reservation,
    request: &ReserveRequest,
) -> Result<(), InventoryError> {
    match existing.status {
        ReservationStatus::Released => Err(InventoryError::ReservationReleased(
            existing.order_id.clone(),
        )),
        ReservationStatus::Reserved if existing.lines == request.lines => Ok(()),
        ReservationStatus::Reserved => Err(InventoryError::ReservationMismatch(
            existing.order_id.clone(),
        )),
    }
}

/// The result of a reserve call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReserveOutcome {
    /// Stock was taken now.
    Created(Reservation),
    /// The same reservation already existed; nothing changed.
    Repeated(Reservation),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `validate_reserve` as a method, for readable assertions.
    trait Validate {
        fn validate(self) -> Result<ReserveRequest, ValidationError>;
    }

    impl Validate for ReserveInput {
        fn validate(self) -> Result<ReserveRequest, ValidationError> {
            validate_reserve(self)
        }
    }

    fn input(order: &str, lines: &[(&str, i64)]) -> ReserveInput {
        ReserveInput {
            order_id: order.into(),
            lines: lines
                .iter()
                .map(|(p, q)| LineInput {
                    product_id: p.to_string(),
                    quantity: *q,
                })
                .collect(),
        }
    }

    #[test]
    fn lines_for_one_product_are_merged_and_sorted() {
        let r = input("o-1", &[("b", 2), ("a", 1), ("b", 3)])
            .validate()
            .unwrap();
        assert_eq!(
            r.lines,
            vec![
                Line {
                    product_id: "a".into(),
                    quantity: 1
                },
                Line {
                    product_id: "b".into(),
                    quantity: 5
                }
            ]
        );
    }

    #[test]
    fn zero_and_negative_quantities_name_the_line() {
        for q in [0, -3] {
            let e = input("o-1", &[("a", 1), ("b", q)]).validate().unwrap_err();
            assert_eq!(e.field, "lines[1].quantity");
        }
        let e = input("o-1", &[("a", MAX_QUANTITY + 1)])
            .validate()
            .unwrap_err();
        assert_eq!(e.field, "lines[0].quantity");
    }

    #[test]
    fn ids_and_line_counts_are_checked() {
        assert_eq!(
            input("", &[("a", 1)]).validate().unwrap_err().field,
            "order_id"
        );
        assert_eq!(
            input("o/1", &[("a", 1)]).validate().unwrap_err().field,
            "order_id"
        );
        assert_eq!(input("o", &[]).validate().unwrap_err().field, "lines");
        let many: Vec<(String, i64)> = (0..=MAX_LINES).map(|i| (format!("p{i}"), 1)).collect();
        let many: Vec<(&str, i64)> = many.iter().map(|(p, q)| (p.as_str(), *q)).collect();
        assert_eq!(input("o", &many).validate().unwrap_err().field, "lines");
        assert_eq!(
            input("o", &[("bad id", 1)]).validate().unwrap_err().field,
            "lines[0].product_id"
        );
    }

    #[test]
    fn repeat_of_a_reservation() {
        let req = input("o", &[("a", 1)]).validate().unwrap();
        let mut res = Reservation {
            order_id: "o".into(),
            status: ReservationStatus::Reserved,
            lines: req.lines.clone(),
            created_at: "t".into(),
            released_at: None,
        };
        assert!(check_repeat(&res, &req).is_ok());
        let other = input("o", &[("a", 2)]).validate().unwrap();
        assert!(matches!(
            check_repeat(&res, &other),
            Err(InventoryError::ReservationMismatch(_))
        ));
        res.status = ReservationStatus::Released;
        assert!(matches!(
            check_repeat(&res, &req),
            Err(InventoryError::ReservationReleased(_))
        ));
    }

    #[test]
    fn product_input_rules() {
        let ok = ProductInput {
            name: " Mug ".into(),
            description: String::new(),
            price_cents: 1299,
            currency: None,
            stock: Some(5),
        };
        let c = ok.clone().validate().unwrap();
        assert_eq!(c.name, "Mug");
        assert_eq!(c.currency, "USD");
        let e = ProductInput {
            price_cents: -1,
            ..ok.clone()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.field, "price_cents");
        let e = ProductInput {
            stock: Some(-1),
            ..ok.clone()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.field, "stock");
        let e = ProductInput {
            currency: Some("usd".into()),
            ..ok.clone()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.field, "currency");
        let e = ProductInput {
            name: "  ".into(),
            ..ok
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.field, "name");
    }
}
