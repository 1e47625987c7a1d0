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
//! - The catalog is listed in id order, a page at a time ([`page_request`]); a cursor names a
//!   product id ([`decode_cursor`]), paged as every list is ([`sagaway_shared::paging`]).
//! - A batch read names 1–[`MAX_BATCH_IDS`] product ids, each read once
//!   ([`validate_batch`]); it answers the products found in the order asked and the ids
//!   that name none ([`batch_answer`]).
//! - A reservation belongs to one order, has 1–[`MAX_LINES`] lines with quantities in
//!   `1..=MAX_QUANTITY`; lines naming the same product are merged. It is all-or-nothing.
//! - Reserve and release are idempotent by order id ([`plan_reserve`], [`plan_release`]): a
//!   repeated reserve with the same lines answers with the first result; a repeated release
//!   restores nothing more; releasing an unknown order leaves a tombstone so a late reserve
//!   for that order is refused.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use sagaway_contract::inventory::{
    MAX_BATCH_IDS, Product, ProductBatch, ProductBatchRequest, ReleaseOutcome, Reservation,
    ReservationStatus, ReserveLine as Line,
};
pub use sagaway_contract::inventory::{ReserveLine as LineInput, ReserveRequest as ReserveInput};
pub use sagaway_contract::limits::{MAX_LINES, MAX_PRICE_CENTS, MAX_QUANTITY, MAX_STOCK};
pub const MAX_NAME_LEN: usize = 200;
pub const MAX_DESCRIPTION_LEN: usize = 2_000;
pub const DEFAULT_CURRENCY: &str = "USD";

use sagaway_shared::paging;
pub use sagaway_shared::validation::{ValidationError, validate_id};

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

/// Which page of the catalog to read: at most `limit` products, in id order, after the
/// product `after`.
pub use sagaway_shared::paging::PageRequest;
/// The cursor of the page after the product `id`.
pub use sagaway_shared::paging::encode_cursor;

/// Checks `?limit=` (first) and `?cursor=`.
pub fn page_request(
    limit: Option<&str>,
    cursor: Option<&str>,
) -> Result<PageRequest, ValidationError> {
    paging::page_request_with(limit, cursor, decode_cursor)
}

/// The product id a cursor names; anything this API did not hand out is refused.
pub fn decode_cursor(cursor: &str) -> Result<String, ValidationError> {
    let invalid = || {
        ValidationError::new(
            "cursor",
            "is not a cursor this API returned; pass next_cursor from the previous page",
        )
    };
    let id = paging::decode_cursor(cursor).ok_or_else(invalid)?;
    validate_id("cursor", &id).map_err(|_| invalid())?;
    Ok(id)
}

/// Checks a batch read: 1 to [`MAX_BATCH_IDS`] product ids. Answers each id once, in the
/// order first asked.
pub fn validate_batch(input: ProductBatchRequest) -> Result<Vec<String>, ValidationError> {
    if input.ids.is_empty() || input.ids.len() > MAX_BATCH_IDS {
        return Err(ValidationError::new(
            "ids",
            format!(
                "must hold 1 to {MAX_BATCH_IDS} product ids, got {}",
                input.ids.len()
            ),
        ));
    }
    let mut ids: Vec<String> = Vec::with_capacity(input.ids.len());
    for (i, id) in input.ids.into_iter().enumerate() {
        validate_id(&format!("ids[{i}]"), &id)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// The answer to a batch read of `ids` ([`validate_batch`]) from the products a store found
/// (in any order; products not asked for are left out).
pub fn batch_answer(ids: &[String], found: Vec<Product>) -> ProductBatch {
    let mut found: BTreeMap<String, Product> =
        found.into_iter().map(|p| (p.id.clone(), p)).collect();
    let mut products = Vec::with_capacity(ids.len());
    let mut missing = Vec::new();
    for id in ids {
        match found.remove(id) {
            Some(p) => products.push(p),
            None => missing.push(id.clone()),
        }
    }
    ProductBatch { products, missing }
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

    fn batch(ids: &[&str]) -> Result<Vec<String>, ValidationError> {
        validate_batch(ProductBatchRequest {
            ids: ids.iter().map(|s| s.to_string()).collect(),
        })
    }

    #[test]
    fn a_batch_names_one_to_max_ids_each_read_once() {
        assert_eq!(batch(&["b", "a", "b"]).unwrap(), ["b", "a"]);
        assert_eq!(batch(&[]).unwrap_err().field, "ids");
        let many: Vec<String> = (0..=MAX_BATCH_IDS).map(|i| format!("p{i}")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(batch(&refs).unwrap_err().field, "ids");
        assert_eq!(batch(&refs[..MAX_BATCH_IDS]).unwrap().len(), MAX_BATCH_IDS);
        assert_eq!(batch(&["a", "b c"]).unwrap_err().field, "ids[1]");
        assert_eq!(batch(&["a", ""]).unwrap_err().field, "ids[1]");
    }

    #[test]
    fn a_batch_answers_in_the_order_asked_and_names_what_is_missing() {
        let product = |id: &str| Product {
            id: id.into(),
            name: id.to_uppercase(),
            description: String::new(),
            price_cents: 100,
            currency: "USD".into(),
            stock: 1,
            updated_at: "t".into(),
        };
        let ids: Vec<String> = ["c", "gone", "a"].iter().map(|s| s.to_string()).collect();
        let answer = batch_answer(&ids, vec![product("a"), product("x"), product("c")]);
        let got: Vec<&str> = answer.products.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(got, ["c", "a"]);
        assert_eq!(answer.missing, ["gone"]);
        let none = batch_answer(&ids, Vec::new());
        assert!(none.products.is_empty());
        assert_eq!(none.missing, ["c", "gone", "a"]);
    }

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

    fn line(p: &str, q: i64) -> Line {
        Line {
            product_id: p.into(),
            quantity: q,
        }
    }

    fn reserved(order: &str, lines: Vec<Line>) -> Reservation {
        Reservation {
            order_id: order.into(),
            status: ReservationStatus::Reserved,
            lines,
            created_at: "t0".into(),
            released_at: None,
        }
    }

    fn product(id: &str, stock: i64) -> Product {
        Product {
            id: id.into(),
            name: "Mug".into(),
            description: "a mug".into(),
            price_cents: 1800,
            currency: "USD".into(),
            stock,
            updated_at: "t0".into(),
        }
    }

    fn change(stock: Option<i64>) -> ProductChange {
        ProductChange {
            name: "Cup".into(),
            description: String::new(),
            price_cents: 900,
            currency: "EUR".into(),
            stock,
        }
    }

    #[test]
    fn line_limits_are_inclusive() {
        let exact = input("o", &[("a", MAX_QUANTITY - 1), ("a", 1)]).validate();
        assert_eq!(exact.unwrap().lines, vec![line("a", MAX_QUANTITY)]);
        let e = input("o", &[("a", MAX_QUANTITY), ("b", 1), ("a", 1)])
            .validate()
            .unwrap_err();
        assert_eq!(e.field, "lines[2].quantity", "the line that tips it over");
        let many: Vec<(String, i64)> = (0..MAX_LINES).map(|i| (format!("p{i}"), 1)).collect();
        let many: Vec<(&str, i64)> = many.iter().map(|(p, q)| (p.as_str(), *q)).collect();
        assert_eq!(input("o", &many).validate().unwrap().lines.len(), MAX_LINES);
    }

    #[test]
    fn stock_levels_are_bounded() {
        assert!(validate_stock("stock", 0).is_ok());
        assert!(validate_stock("stock", MAX_STOCK).is_ok());
        assert_eq!(validate_stock("s", -1).unwrap_err().field, "s");
        assert!(validate_stock("stock", MAX_STOCK + 1).is_err());
    }

    #[test]
    fn a_first_reserve_takes_the_request_lines_now() {
        let req = input("o-1", &[("b", 2), ("a", 1)]).validate().unwrap();
        let plan = plan_reserve(None, &req, "t1").unwrap();
        assert_eq!(
            plan,
            ReservePlan::Take(Reservation {
                order_id: "o-1".into(),
                status: ReservationStatus::Reserved,
                lines: vec![line("a", 1), line("b", 2)],
                created_at: "t1".into(),
                released_at: None,
            })
        );
    }

    #[test]
    fn a_repeated_reserve_answers_from_the_record() {
        let req = input("o-1", &[("a", 1)]).validate().unwrap();
        let existing = reserved("o-1", vec![line("a", 1)]);
        assert_eq!(
            plan_reserve(Some(&existing), &req, "t9").unwrap(),
            ReservePlan::Repeat(existing.clone()),
            "the first reservation, its time unchanged"
        );
        let other = input("o-1", &[("a", 1), ("b", 1)]).validate().unwrap();
        assert!(matches!(
            plan_reserve(Some(&existing), &other, "t9"),
            Err(InventoryError::ReservationMismatch(o)) if o == "o-1"
        ));
    }

    #[test]
    fn a_released_order_or_a_tombstone_refuses_a_reserve() {
        let req = input("o-1", &[("a", 1)]).validate().unwrap();
        let ReleasePlan::Tombstone(tombstone) = plan_release(None, "o-1", "t1") else {
            panic!("an unknown order gets a tombstone");
        };
        assert!(matches!(
            plan_reserve(Some(&tombstone), &req, "t2"),
            Err(InventoryError::ReservationReleased(o)) if o == "o-1"
        ));
        let ReleasePlan::Restock(released) =
            plan_release(Some(&reserved("o-1", req.lines.clone())), "o-1", "t1")
        else {
            panic!("a reserved order is restocked");
        };
        assert!(matches!(
            plan_reserve(Some(&released), &req, "t2"),
            Err(InventoryError::ReservationReleased(_))
        ));
    }

    #[test]
    fn stock_never_goes_negative() {
        let stock = |id: &str| match id {
            "a" => Some(3),
            "b" => Some(0),
            "c" => Some(10),
            _ => None,
        };
        assert!(
            check_stock(&[line("a", 3), line("c", 10)], stock).is_ok(),
            "all of it"
        );
        match check_stock(&[line("a", 4), line("b", 1), line("c", 1)], stock) {
            Err(InventoryError::OutOfStock(short)) => assert_eq!(
                short,
                vec![
                    Shortage {
                        product_id: "a".into(),
                        requested: 4,
                        available: 3
                    },
                    Shortage {
                        product_id: "b".into(),
                        requested: 1,
                        available: 0
                    },
                ],
                "only the short lines, with what is there"
            ),
            other => panic!("expected a shortage, got {other:?}"),
        }
    }

    #[test]
    fn unknown_products_are_named_before_shortages() {
        let stock = |id: &str| (id == "a").then_some(0);
        assert!(matches!(
            check_stock(&[line("a", 5), line("x", 1), line("y", 1)], stock),
            Err(InventoryError::UnknownProducts(ids)) if ids == ["x", "y"]
        ));
    }

    #[test]
    fn releasing_an_unknown_order_leaves_a_tombstone() {
        let plan = plan_release(None, "o-1", "t1");
        let tombstone = Reservation {
            order_id: "o-1".into(),
            status: ReservationStatus::Released,
            lines: Vec::new(),
            created_at: "t1".into(),
            released_at: Some("t1".into()),
        };
        assert_eq!(plan, ReleasePlan::Tombstone(tombstone));
        assert_eq!(
            plan.outcome(),
            ReleaseOutcome::UnknownOrder {
                order_id: "o-1".into()
            }
        );
    }

    #[test]
    fn releasing_a_reservation_restocks_its_lines_once() {
        let existing = reserved("o-1", vec![line("a", 2), line("b", 1)]);
        let plan = plan_release(Some(&existing), "o-1", "t5");
        let released = Reservation {
            status: ReservationStatus::Released,
            released_at: Some("t5".into()),
            ..existing.clone()
        };
        assert_eq!(plan, ReleasePlan::Restock(released.clone()));
        assert_eq!(
            plan.outcome(),
            ReleaseOutcome::Released {
                reservation: released.clone()
            }
        );
        // A second release finds it released: nothing more goes back.
        let again = plan_release(Some(&released), "o-1", "t6");
        assert_eq!(again, ReleasePlan::AlreadyReleased(released.clone()));
        assert_eq!(
            again.outcome(),
            ReleaseOutcome::AlreadyReleased {
                reservation: released
            }
        );
    }

    #[test]
    fn a_second_release_of_an_unknown_order_answers_with_the_tombstone() {
        let ReleasePlan::Tombstone(tombstone) = plan_release(None, "o-1", "t1") else {
            panic!("tombstone expected");
        };
        assert_eq!(
            plan_release(Some(&tombstone), "o-1", "t2"),
            ReleasePlan::AlreadyReleased(tombstone)
        );
    }

    #[test]
    fn a_product_change_sets_the_stock_only_when_it_names_one() {
        assert_eq!(change(Some(7)).stock_update(), StockUpdate::Set(7));
        assert_eq!(change(None).stock_update(), StockUpdate::KeepOrStartAt(0));
        assert_eq!(StockUpdate::Set(7).apply(Some(3)), 7);
        assert_eq!(StockUpdate::Set(7).apply(None), 7);
        assert_eq!(StockUpdate::KeepOrStartAt(0).apply(Some(3)), 3);
        assert_eq!(StockUpdate::KeepOrStartAt(0).apply(None), 0);

        let new = product_after_change(None, "cup", &change(None), "t1");
        assert_eq!(
            new,
            Product {
                id: "cup".into(),
                name: "Cup".into(),
                description: String::new(),
                price_cents: 900,
                currency: "EUR".into(),
                stock: 0,
                updated_at: "t1".into(),
            }
        );
        let old = product("cup", 4);
        let kept = product_after_change(Some(&old), "cup", &change(None), "t2");
        assert_eq!((kept.stock, kept.name.as_str()), (4, "Cup"));
        assert_eq!(kept.description, "", "details are replaced as a whole");
        assert_eq!(kept.updated_at, "t2");
        let set = product_after_change(Some(&old), "cup", &change(Some(0)), "t2");
        assert_eq!(set.stock, 0);
    }

    #[test]
    fn setting_stock_needs_an_existing_product() {
        assert!(matches!(
            stock_set(None, "ghost", 3, "t1"),
            Err(InventoryError::ProductNotFound(id)) if id == "ghost"
        ));
        let p = stock_set(Some(&product("mug", 1)), "mug", 42, "t1").unwrap();
        assert_eq!(
            p,
            Product {
                stock: 42,
                updated_at: "t1".into(),
                ..product("mug", 1)
            }
        );
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(decode_cursor(&encode_cursor("mug-01")).unwrap(), "mug-01");
        assert_eq!(decode_cursor("!!!").unwrap_err().field, "cursor");
        assert_eq!(
            decode_cursor("!!!").unwrap_err().message,
            "is not a cursor this API returned; pass next_cursor from the previous page"
        );
        assert_eq!(
            decode_cursor(&encode_cursor("a b")).unwrap_err().field,
            "cursor",
            "a cursor naming no possible product"
        );
    }

    #[test]
    fn a_page_request_checks_the_limit_then_the_cursor() {
        assert_eq!(
            page_request(None, None).unwrap(),
            PageRequest {
                limit: sagaway_shared::validation::DEFAULT_PAGE_SIZE,
                after: None
            }
        );
        let c = encode_cursor("mug");
        assert_eq!(
            page_request(Some("5"), Some(&c)).unwrap(),
            PageRequest {
                limit: 5,
                after: Some("mug".into())
            }
        );
        assert_eq!(
            page_request(Some("0"), Some("***")).unwrap_err().field,
            "limit"
        );
        assert_eq!(
            page_request(Some("5"), Some("***")).unwrap_err().field,
            "cursor"
        );
    }
}
