//! Inventory domain: products, stock, reservations, and every rule about them, as pure
//! functions (no I/O, no clock: callers pass `now`). Both stores ([`crate::store`]) ask these
//! functions what to do and then carry the answer out; the DynamoDB store also states each
//! plan's preconditions as conditions, so they still hold when calls race.
//!
//! Rules in one place:
//! - Identifiers (product ids, order ids) are 1–64 characters of `A-Z a-z 0-9 . _ -`.
//! - Stock is an integer in `0..=MAX_STOCK`; it never goes below zero ([`check_stock`]).
//! - A product's details are replaced as a whole; its stock changes only when the change
//!   names one, and a new product without one starts at 0 ([`product_after_change`]). Setting
//!   the stock of a product that does not exist is refused ([`stock_set`]).
//! - The catalog is listed in id order, a page at a time ([`page_request`], [`catalog_page`]).
//! - A reservation belongs to one order, has 1–[`MAX_LINES`] lines with quantities in
//!   `1..=MAX_QUANTITY`; lines naming the same product are merged. It is all-or-nothing.
//! - Reserve and release are idempotent by order id ([`plan_reserve`], [`plan_release`]): a
//!   repeated reserve with the same lines answers with the first result; a repeated release
//!   restores nothing more; releasing an unknown order leaves a tombstone so a late reserve
//!   for that order is refused.

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

/// Which rule refused an inventory operation. Failures of the storage itself are the store's
/// ([`crate::store::StoreError`]).
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

/// How a product change treats the stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockUpdate {
    /// Set it to this.
    Set(i64),
    /// Keep the product's stock; a new product starts at this.
    KeepOrStartAt(i64),
}

impl StockUpdate {
    /// The stock after the update, given the product's stock (`None` for a new product).
    pub fn apply(self, current: Option<i64>) -> i64 {
        match self {
            Self::Set(stock) => stock,
            Self::KeepOrStartAt(start) => current.unwrap_or(start),
        }
    }
}

impl ProductChange {
    /// An update names the stock only to change it: without one, the stock (which reserves
    /// and releases move meanwhile) is left alone, and a new product starts empty.
    pub fn stock_update(&self) -> StockUpdate {
        match self.stock {
            Some(stock) => StockUpdate::Set(stock),
            None => StockUpdate::KeepOrStartAt(0),
        }
    }
}

/// The product after `change`: its details replaced, its stock per [`ProductChange::stock_update`].
pub fn product_after_change(
    existing: Option<&Product>,
    id: &str,
    change: &ProductChange,
    now: &str,
) -> Product {
    Product {
        id: id.to_string(),
        name: change.name.clone(),
        description: change.description.clone(),
        price_cents: change.price_cents,
        currency: change.currency.clone(),
        stock: change.stock_update().apply(existing.map(|p| p.stock)),
        updated_at: now.to_string(),
    }
}

/// The product with its stock set; setting the stock never creates a product.
pub fn stock_set(
    existing: Option<&Product>,
    id: &str,
    stock: i64,
    now: &str,
) -> Result<Product, InventoryError> {
    let product = existing.ok_or_else(|| InventoryError::ProductNotFound(id.to_string()))?;
    Ok(Product {
        stock,
        updated_at: now.to_string(),
        ..product.clone()
    })
}

/// A page of the catalog.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ProductPage {
    pub items: Vec<Product>,
    /// Pass as `?cursor=` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Which page of the catalog to read: at most `limit` products, in id order, after `after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: i32,
    pub after: Option<String>,
}

/// Checks `?limit=` (first) and `?cursor=`.
pub fn page_request(
    limit: Option<&str>,
    cursor: Option<&str>,
) -> Result<PageRequest, ValidationError> {
    let limit = page_size(limit)?;
    let after = cursor.map(decode_cursor).transpose()?;
    Ok(PageRequest { limit, after })
}

/// The cursor of the page after the product `id`.
pub fn encode_cursor(id: &str) -> String {
    sagaway_shared::dynamo::attr::encode_cursor(id)
}

/// The product id a cursor names; anything this API did not hand out is refused.
pub fn decode_cursor(cursor: &str) -> Result<String, ValidationError> {
    let invalid = || {
        ValidationError::new(
            "cursor",
            "is not a cursor this API returned; pass next_cursor from the previous page",
        )
    };
    let id = sagaway_shared::dynamo::attr::decode_cursor(cursor).ok_or_else(invalid)?;
    validate_id("cursor", &id).map_err(|_| invalid())?;
    Ok(id)
}

/// A page made of the products a store read, in id order, after the cursor. `stopped_early`
/// says the store stopped at the page's limit (or a size cap of its own) rather than at the
/// end of the catalog; the page then names its last product as the next cursor, even when
/// nothing follows: stores do not look ahead (DynamoDB's Query does not), so the page after
/// a full last page is empty and has no cursor.
pub fn catalog_page(items: Vec<Product>, stopped_early: bool) -> ProductPage {
    let next_cursor = if stopped_early {
        items.last().map(|p| encode_cursor(&p.id))
    } else {
        None
    };
    ProductPage { items, next_cursor }
}

/// A validated reservation request: lines merged by product and sorted by product id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReserveRequest {
    pub order_id: String,
    pub lines: Vec<Line>,
}

/// Checks a reservation request: lines merged by product and sorted by product id.
pub fn validate_reserve(input: ReserveInput) -> Result<ReserveRequest, ValidationError> {
    validate_id("order_id", &input.order_id)?;
    if input.lines.is_empty() {
        return Err(ValidationError::new("lines", "must hold at least one line"));
    }
    if input.lines.len() > MAX_LINES {
        return Err(ValidationError::new(
            "lines",
            format!("must hold at most {MAX_LINES} lines"),
        ));
    }
    let mut merged: BTreeMap<String, i64> = BTreeMap::new();
    for (i, line) in input.lines.into_iter().enumerate() {
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
        order_id: input.order_id,
        lines: merged
            .into_iter()
            .map(|(product_id, quantity)| Line {
                product_id,
                quantity,
            })
            .collect(),
    })
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

/// What a reserve must do, decided from the order's existing record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReservePlan {
    /// The same reservation exists: answer with it and change nothing.
    Repeat(Reservation),
    /// Write this reservation and take each of its lines from stock, all or nothing,
    /// provided the order still has no record and [`check_stock`] passes for its lines.
    Take(Reservation),
}

/// Decides a reserve from the order's existing record (a reservation or a tombstone).
/// A released order (including one released before it ever reserved) is refused, and so
/// is a repeat with other lines; stock is [`check_stock`]'s to judge.
pub fn plan_reserve(
    existing: Option<&Reservation>,
    request: &ReserveRequest,
    now: &str,
) -> Result<ReservePlan, InventoryError> {
    if let Some(existing) = existing {
        check_repeat(existing, request)?;
        return Ok(ReservePlan::Repeat(existing.clone()));
    }
    Ok(ReservePlan::Take(Reservation {
        order_id: request.order_id.clone(),
        status: ReservationStatus::Reserved,
        lines: request.lines.clone(),
        created_at: now.to_string(),
        released_at: None,
    }))
}

/// Stock never goes negative: every line's product must exist and hold at least the line's
/// quantity. `stock_of` gives a product's current stock, `None` for an unknown product.
/// Unknown products are reported before shortages (an unknown id is the caller's mistake;
/// a shortage is the shop's state).
pub fn check_stock(
    lines: &[Line],
    stock_of: impl Fn(&str) -> Option<i64>,
) -> Result<(), InventoryError> {
    let mut unknown = Vec::new();
    let mut short = Vec::new();
    for line in lines {
        match stock_of(&line.product_id) {
            None => unknown.push(line.product_id.clone()),
            Some(available) if available < line.quantity => short.push(Shortage {
                product_id: line.product_id.clone(),
                requested: line.quantity,
                available,
            }),
            Some(_) => {}
        }
    }
    if !unknown.is_empty() {
        return Err(InventoryError::UnknownProducts(unknown));
    }
    if !short.is_empty() {
        return Err(InventoryError::OutOfStock(short));
    }
    Ok(())
}

/// The result of a reserve call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReserveOutcome {
    /// Stock was taken now.
    Created(Reservation),
    /// The same reservation already existed; nothing changed.
    Repeated(Reservation),
}

/// What a release must do, decided from the order's existing record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReleasePlan {
    /// Released before (or a tombstone): answer with the record and change nothing.
    AlreadyReleased(Reservation),
    /// Nothing was reserved: write this tombstone, provided the order still has no record,
    /// so that a reserve arriving late (after the saga gave up on it) cannot take stock that
    /// nobody will release.
    Tombstone(Reservation),
    /// Mark the reservation released (this is it, released), provided it is still reserved,
    /// and put each of its lines back into stock.
    Restock(Reservation),
}

impl ReleasePlan {
    /// What the release answers once the plan is carried out.
    pub fn outcome(self) -> ReleaseOutcome {
        match self {
            Self::AlreadyReleased(reservation) => ReleaseOutcome::AlreadyReleased { reservation },
            Self::Tombstone(tombstone) => ReleaseOutcome::UnknownOrder {
                order_id: tombstone.order_id,
            },
            Self::Restock(reservation) => ReleaseOutcome::Released { reservation },
        }
    }
}

/// Decides a release from the order's existing record.
pub fn plan_release(existing: Option<&Reservation>, order_id: &str, now: &str) -> ReleasePlan {
    match existing {
        None => ReleasePlan::Tombstone(Reservation {
            order_id: order_id.to_string(),
            status: ReservationStatus::Released,
            lines: Vec::new(),
            created_at: now.to_string(),
            released_at: Some(now.to_string()),
        }),
        Some(r) if r.status == ReservationStatus::Released => {
            ReleasePlan::AlreadyReleased(r.clone())
        }
        Some(r) => ReleasePlan::Restock(Reservation {
            status: ReservationStatus::Released,
            released_at: Some(now.to_string()),
            ..r.clone()
        }),
    }
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
