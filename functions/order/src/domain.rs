//! Order domain: every rule of the order service, as pure functions (no I/O, no clock: the
//! caller passes `now`) that both stores and the handlers call.
//!
//! Statuses and which may follow which are the contract's ([`sagaway_contract::status`]):
//! ```text
//! PENDING ──> RESERVED ──> PAID ──> CONFIRMED
//!    │            │          │
//!    └────────────┴──────────┴──> COMPENSATING ──> CANCELLED
//! PENDING and RESERVED may also go straight to CANCELLED.
//! ```
//! - [`validate_create`], [`validate_transition`]: what a request must hold (a cancellation
//!   needs a reason; the total is computed with checked arithmetic; a shipping address follows
//!   the contract's rules).
//! - [`create_or_replay`]: creating is idempotent by order id. A repeat with the same
//!   customer, lines, currency and shipping address returns the existing order as it is now (whatever its
//!   status); other contents under a used id are refused ([`OrderError::Mismatch`]).
//! - [`decide`]: moving to the status an order already has is a no-op (saga steps are
//!   retried); any other move not drawn above is an illegal transition (a 409), never an
//!   overwrite; a writer that names an `expected_version` other than the current one is
//!   refused. Checked in that order. An applied change appends to the history with its time
//!   and reason and bumps `version`, and the store writes it only if the version it read is
//!   still current.
//! - [`visible_to`]: a shopper sees only their own orders; another shopper's order is
//!   reported exactly like a missing one.
//! - [`page_request`]: a shopper's list is newest first, ordered by [`list_key`]
//!   (`<created_at>#<id>`), paged as every list is ([`sagaway_shared::paging`]): an opaque
//!   cursor holding the last key of the page; a full page carries a cursor, so the page after
//!   it may be empty. A cursor must hold a list key.
//! - [`admin_filter`]: the admins' overview lists every order, or those of one status, newest
//!   first by the same [`list_key`] and cursor; a status that is not one of the contract's is
//!   refused naming `status`.

pub use sagaway_contract::OrderStatus;
pub use sagaway_contract::address::Address;
use sagaway_contract::limits::{self, MAX_REASON_LEN as MAX_REASON};
pub use sagaway_contract::limits::{MAX_LINES, MAX_PRICE_CENTS, MAX_QUANTITY};
pub use sagaway_contract::order::{
    CreateOrderRequest as CreateOrderInput, Order, OrderLine, OrderPage,
    SetStatusRequest as TransitionInput, StatusChange,
};
use sagaway_shared::paging;
/// Where an order sits in its shopper's list (sorted descending: newest first; the id breaks
/// ties between orders created in the same millisecond).
pub use sagaway_shared::paging::list_key;

pub use sagaway_shared::validation::{ValidationError, invalid, validate_id};

/// Why an order operation was refused: a broken rule, never a storage failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error("order {0} does not exist")]
    NotFound(String),
    #[error("order {id} is {from:?}; it cannot become {to:?}")]
    IllegalTransition {
        id: String,
        from: OrderStatus,
        to: OrderStatus,
    },
    #[error("order {id} is at version {actual}, not {expected}; read it again")]
    VersionConflict {
        id: String,
        expected: i64,
        actual: i64,
    },
    #[error("order {0} already exists with other contents; use a new order id")]
    Mismatch(String),
}

/// A validated new order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub id: String,
    pub customer_id: String,
    pub lines: Vec<OrderLine>,
    pub total_cents: i64,
    pub currency: String,
    pub shipping_address: Option<Address>,
}

/// Checks a create request; the total is computed with checked arithmetic and may not exceed
/// the payment limit (the contract's `order_total`).
pub fn validate_create(input: CreateOrderInput) -> Result<NewOrder, ValidationError> {
    validate_id("order_id", &input.order_id)?;
    if input.customer_id.is_empty() || input.customer_id.len() > 64 {
        return Err(invalid("customer_id", "must be 1 to 64 characters"));
    }
    if input.lines.is_empty() || input.lines.len() > MAX_LINES {
        return Err(invalid(
            "lines",
            format!("must hold 1 to {MAX_LINES} lines"),
        ));
    }
    for (i, l) in input.lines.iter().enumerate() {
        validate_id(&format!("lines[{i}].product_id"), &l.product_id)?;
        if !(1..=MAX_QUANTITY).contains(&l.quantity) {
            return Err(invalid(
                format!("lines[{i}].quantity"),
                format!("must be between 1 and {MAX_QUANTITY}, got {}", l.quantity),
            ));
        }
        if !(0..=MAX_PRICE_CENTS).contains(&l.unit_price_cents) {
            return Err(invalid(
                format!("lines[{i}].unit_price_cents"),
                format!("must be between 0 and {MAX_PRICE_CENTS}"),
            ));
        }
    }
    let total = limits::order_total(input.lines.iter().map(|l| (l.quantity, l.unit_price_cents)))
        .map_err(|e| invalid("lines", e.to_string()))?;
    let currency = input.currency.unwrap_or_else(|| "USD".into());
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(invalid(
            "currency",
            "must be a three-letter code such as USD",
        ));
    }
    if let Some(a) = &input.shipping_address {
        a.validate()?;
    }
    Ok(NewOrder {
        id: input.order_id,
        customer_id: input.customer_id,
        lines: input.lines,
        total_cents: total,
        currency,
        shipping_address: input.shipping_address,
    })
}

impl NewOrder {
    /// Whether an existing order is this one (a repeated create). The total follows from the
    /// lines, the status and history from what happened since.
    pub fn matches(&self, o: &Order) -> bool {
        o.customer_id == self.customer_id
            && o.lines == self.lines
            && o.currency == self.currency
            && o.shipping_address == self.shipping_address
    }

    /// The order as first stored: PENDING, version 1, one history entry.
    pub fn to_order(&self, now: &str) -> Order {
        Order {
            id: self.id.clone(),
            customer_id: self.customer_id.clone(),
            lines: self.lines.clone(),
            total_cents: self.total_cents,
            currency: self.currency.clone(),
            status: OrderStatus::Pending,
            shipping_address: self.shipping_address.clone(),
            history: vec![StatusChange {
                status: OrderStatus::Pending,
                at: now.to_string(),
                reason: None,
            }],
            version: 1,
            created_at: now.to_string(),
            updated_at: now.to_string(),
        }
    }
}

/// The result of a create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    /// Store this order (only if its id is still unused).
    New(Order),
    /// A repeat: the order as it is.
    Existing(Order),
}

/// The create rule: `existing` is the order already stored under the new order's id.
pub fn create_or_replay(
    new: &NewOrder,
    existing: Option<&Order>,
    now: &str,
) -> Result<Created, OrderError> {
    match existing {
        None => Ok(Created::New(new.to_order(now))),
        Some(o) if new.matches(o) => Ok(Created::Existing(o.clone())),
        Some(_) => Err(OrderError::Mismatch(new.id.clone())),
    }
}

/// A validated status change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub to: OrderStatus,
    pub reason: Option<String>,
    pub expected_version: Option<i64>,
}

/// Checks a status change: a cancellation needs a reason.
pub fn validate_transition(input: TransitionInput) -> Result<Transition, ValidationError> {
    let to = input.status;
    let reason = check_reason(input.reason)?;
    if to == OrderStatus::Cancelled && reason.is_none() {
        return Err(invalid("reason", "a cancellation needs a reason"));
    }
    Ok(Transition {
        to,
        reason,
        expected_version: input.expected_version,
    })
}

fn check_reason(reason: Option<String>) -> Result<Option<String>, ValidationError> {
    match reason.map(|r| r.trim().to_string()) {
        Some(r) if r.is_empty() => Ok(None),
        Some(r) if r.chars().count() > MAX_REASON => Err(invalid(
            "reason",
            format!("must be at most {MAX_REASON} characters"),
        )),
        other => Ok(other),
    }
}

/// A status change to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    /// Write only while the stored order is still at this version.
    pub if_version: i64,
    /// The history entry to append.
    pub change: StatusChange,
    /// The order after the write.
    pub order: Order,
}

/// What a transition means for an order in its current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Already there: nothing to write.
    Unchanged,
    /// Write the change (boxed: it carries the whole order).
    Apply(Box<Update>),
}

/// The rule for one transition of `order` (as just read) at `now`.
pub fn decide(order: &Order, t: &Transition, now: &str) -> Result<Decision, OrderError> {
    if order.status == t.to {
        return Ok(Decision::Unchanged);
    }
    if !order.status.can_move_to(t.to) {
        return Err(OrderError::IllegalTransition {
            id: order.id.clone(),
            from: order.status,
            to: t.to,
        });
    }
    if let Some(expected) = t.expected_version
        && expected != order.version
    {
        return Err(OrderError::VersionConflict {
            id: order.id.clone(),
            expected,
            actual: order.version,
        });
    }
    let change = StatusChange {
        status: t.to,
        at: now.to_string(),
        reason: t.reason.clone(),
    };
    let mut next = order.clone();
    next.status = t.to;
    next.version = order.version + 1;
    next.updated_at = now.to_string();
    next.history.push(change.clone());
    Ok(Decision::Apply(Box::new(Update {
        if_version: order.version,
        change,
        order: next,
    })))
}

/// What a shopper may read: their own order; someone else's is reported as missing.
pub fn visible_to(order: Option<Order>, customer_id: &str, id: &str) -> Result<Order, OrderError> {
    match order {
        Some(o) if o.customer_id == customer_id => Ok(o),
        _ => Err(OrderError::NotFound(id.to_string())),
    }
}

/// The list key a cursor points after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListKey {
    /// `<created_at>#<id>`.
    pub key: String,
    /// The order id in it.
    pub id: String,
}

impl AsRef<str> for ListKey {
    fn as_ref(&self) -> &str {
        &self.key
    }
}

/// A validated page request.
pub type PageRequest = paging::PageRequest<ListKey>;

/// Checks `?limit=` (first) and `?cursor=`: a cursor must hold a [`list_key`], whose order id
/// the DynamoDB adapter needs to resume the index query.
pub fn page_request(
    limit: Option<&str>,
    cursor: Option<&str>,
) -> Result<PageRequest, ValidationError> {
    paging::page_request_with(limit, cursor, |c| {
        let key = paging::cursor_key(c)?;
        let id = paging::list_key_id(&key)
            .ok_or_else(|| invalid("cursor", paging::NOT_A_CURSOR))?
            .to_string();
        Ok(ListKey { key, id })
    })
}

/// Which orders the admins' overview lists: `?status=` (absent or empty: every order).
pub fn admin_filter(status: Option<&str>) -> Result<Option<OrderStatus>, ValidationError> {
    match status.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => OrderStatus::parse(s).map(Some).ok_or_else(|| {
            let names: Vec<_> = OrderStatus::ALL.iter().map(|s| s.as_str()).collect();
            invalid("status", format!("must be one of {}", names.join(", ")))
        }),
    }
}

/// The value every order carries in [`ALL_ORDERS_KEY`], so one index lists them all by
/// [`list_key`].
pub const ALL_ORDERS: &str = "order";
/// The attribute that holds [`ALL_ORDERS`] (the hash key of the `all_orders` index).
pub const ALL_ORDERS_KEY: &str = "all_orders";

#[cfg(test)]
mod tests {
    use super::*;
    use OrderStatus::*;
    use sagaway_shared::paging::encode_cursor;

    const NOW: &str = "2026-01-01T00:00:00.000Z";
    const LATER: &str = "2026-01-01T00:00:01.000Z";

    fn line(product: &str, quantity: i64, price: i64) -> OrderLine {
        OrderLine {
            product_id: product.into(),
            quantity,
            unit_price_cents: price,
        }
    }

    fn input() -> CreateOrderInput {
        CreateOrderInput {
            order_id: "o-1".into(),
            customer_id: "c-1".into(),
            lines: vec![line("a", 2, 150), line("b", 1, 1000)],
            currency: None,
            shipping_address: None,
        }
    }

    fn address() -> Address {
        Address::example()
    }

    #[test]
    fn the_shipping_address_is_checked_stored_and_part_of_the_order() {
        let mut i = input();
        i.shipping_address = Some(Address {
            postal_code: " ".into(),
            ..address()
        });
        assert_eq!(
            validate_create(i).unwrap_err().field,
            "shipping_address.postal_code"
        );
        let mut i = input();
        i.shipping_address = Some(address());
        let n = validate_create(i).unwrap();
        let o = n.to_order(NOW);
        assert_eq!(o.shipping_address, Some(address()));
        assert_eq!(new().to_order(NOW).shipping_address, None);
        // A repeat with the same address replays; another address (or none) is another order.
        assert_eq!(
            create_or_replay(&n, Some(&o), LATER),
            Ok(Created::Existing(o.clone()))
        );
        assert_eq!(
            create_or_replay(&new(), Some(&o), LATER),
            Err(OrderError::Mismatch("o-1".into()))
        );
        let mut other = n.clone();
        other.shipping_address = Some(Address {
            city: "Potsdam".into(),
            ..address()
        });
        assert_eq!(
            create_or_replay(&other, Some(&o), LATER),
            Err(OrderError::Mismatch("o-1".into()))
        );
    }

    fn new() -> NewOrder {
        validate_create(input()).unwrap()
    }

    fn order(status: OrderStatus, version: i64) -> Order {
        Order {
            status,
            version,
            ..new().to_order(NOW)
        }
    }

    fn to(s: OrderStatus) -> Transition {
        Transition {
            to: s,
            reason: Some("r".into()),
            expected_version: None,
        }
    }

    #[test]
    fn totals_and_create_validation() {
        let n = new();
        assert_eq!(n.total_cents, 1300);
        assert_eq!(n.currency, "USD");
        let field = |f: fn(&mut CreateOrderInput)| {
            let mut i = input();
            f(&mut i);
            validate_create(i).unwrap_err().field
        };
        assert_eq!(field(|i| i.order_id = "bad id".into()), "order_id");
        assert_eq!(field(|i| i.customer_id = String::new()), "customer_id");
        assert_eq!(field(|i| i.customer_id = "c".repeat(65)), "customer_id");
        assert_eq!(field(|i| i.lines.clear()), "lines");
        assert_eq!(
            field(|i| i.lines = vec![line("a", 1, 1); MAX_LINES + 1]),
            "lines"
        );
        assert_eq!(
            field(|i| i.lines[0].product_id = "a/b".into()),
            "lines[0].product_id"
        );
        assert_eq!(field(|i| i.lines[1].quantity = 0), "lines[1].quantity");
        assert_eq!(
            field(|i| i.lines[1].quantity = MAX_QUANTITY + 1),
            "lines[1].quantity"
        );
        assert_eq!(
            field(|i| i.lines[0].unit_price_cents = -1),
            "lines[0].unit_price_cents"
        );
        assert_eq!(
            field(|i| {
                i.lines[0].quantity = MAX_QUANTITY;
                i.lines[0].unit_price_cents = MAX_PRICE_CENTS;
            }),
            "lines"
        );
        assert_eq!(field(|i| i.currency = Some("usd".into())), "currency");
        assert_eq!(field(|i| i.currency = Some("EURO".into())), "currency");
        let mut free = input();
        free.lines = vec![line("a", 1, 0)];
        free.currency = Some("EUR".into());
        let free = validate_create(free).unwrap();
        assert_eq!((free.total_cents, free.currency.as_str()), (0, "EUR"));
    }

    #[test]
    fn a_new_order_starts_pending_at_version_one() {
        let o = new().to_order(NOW);
        assert_eq!((o.status, o.version, o.total_cents), (Pending, 1, 1300));
        assert_eq!((o.created_at.as_str(), o.updated_at.as_str()), (NOW, NOW));
        assert_eq!(
            o.history,
            [StatusChange {
                status: Pending,
                at: NOW.into(),
                reason: None
            }]
        );
    }

    #[test]
    fn create_is_idempotent_by_id_and_refuses_other_contents() {
        let n = new();
        let Created::New(first) = create_or_replay(&n, None, NOW).unwrap() else {
            panic!("a new id creates");
        };
        // The repeat returns the order as it is now, even after it moved on.
        let mut moved = first.clone();
        moved.status = Paid;
        moved.version = 3;
        assert_eq!(
            create_or_replay(&n, Some(&moved), LATER).unwrap(),
            Created::Existing(moved.clone())
        );
        let other = |f: fn(&mut CreateOrderInput)| {
            let mut i = input();
            f(&mut i);
            create_or_replay(&validate_create(i).unwrap(), Some(&first), LATER)
        };
        for result in [
            other(|i| i.customer_id = "c-2".into()),
            other(|i| i.lines[0].quantity = 5),
            other(|i| i.lines.reverse()),
            other(|i| i.currency = Some("EUR".into())),
        ] {
            assert_eq!(result, Err(OrderError::Mismatch("o-1".into())));
        }
    }

    #[test]
    fn an_applied_transition_appends_history_and_bumps_the_version() {
        let Decision::Apply(u) = decide(&order(Reserved, 2), &to(Paid), LATER).unwrap() else {
            panic!("a legal move applies");
        };
        assert_eq!(u.if_version, 2);
        assert_eq!(
            u.change,
            StatusChange {
                status: Paid,
                at: LATER.into(),
                reason: Some("r".into())
            }
        );
        assert_eq!((u.order.status, u.order.version), (Paid, 3));
        assert_eq!(u.order.updated_at, LATER);
        assert_eq!(u.order.created_at, NOW);
        assert_eq!(u.order.history.len(), 2);
        assert_eq!(u.order.history.last(), Some(&u.change));
    }

    #[test]
    fn every_pair_of_statuses_follows_the_contract() {
        for from in OrderStatus::ALL {
            for target in OrderStatus::ALL {
                let d = decide(&order(from, 4), &to(target), LATER);
                if from == target {
                    assert_eq!(d, Ok(Decision::Unchanged), "{from} -> {target}");
                } else if from.can_move_to(target) {
                    assert!(matches!(d, Ok(Decision::Apply(_))), "{from} -> {target}");
                } else {
                    assert_eq!(
                        d,
                        Err(OrderError::IllegalTransition {
                            id: "o-1".into(),
                            from,
                            to: target
                        }),
                        "{from} -> {target}"
                    );
                }
            }
        }
    }

    #[test]
    fn versions_are_checked_after_repeats_and_legality() {
        let at = |v| Transition {
            expected_version: Some(v),
            ..to(Reserved)
        };
        assert_eq!(
            decide(&order(Pending, 2), &at(1), LATER),
            Err(OrderError::VersionConflict {
                id: "o-1".into(),
                expected: 1,
                actual: 2
            })
        );
        // A version from the future is as wrong as an old one.
        assert!(matches!(
            decide(&order(Pending, 2), &at(3), LATER),
            Err(OrderError::VersionConflict { .. })
        ));
        assert!(matches!(
            decide(&order(Pending, 2), &at(2), LATER),
            Ok(Decision::Apply(_))
        ));
        // A repeated step with a stale version is still a no-op, and an illegal move is
        // reported as such whatever the version.
        assert_eq!(
            decide(&order(Reserved, 5), &at(1), LATER),
            Ok(Decision::Unchanged)
        );
        assert!(matches!(
            decide(&order(Confirmed, 5), &at(1), LATER),
            Err(OrderError::IllegalTransition { .. })
        ));
    }

    #[test]
    fn transition_validation() {
        let t = |status, reason: Option<&str>| {
            validate_transition(TransitionInput {
                status,
                reason: reason.map(str::to_string),
                expected_version: Some(7),
            })
        };
        assert_eq!(t(Cancelled, None).unwrap_err().field, "reason");
        assert_eq!(t(Cancelled, Some("   ")).unwrap_err().field, "reason");
        assert_eq!(
            t(Cancelled, Some(" out of stock ")).unwrap(),
            Transition {
                to: Cancelled,
                reason: Some("out of stock".into()),
                expected_version: Some(7)
            }
        );
        assert_eq!(t(Paid, Some(" ")).unwrap().reason, None);
        let long = "x".repeat(MAX_REASON + 1);
        assert_eq!(t(Paid, Some(&long)).unwrap_err().field, "reason");
        assert!(t(Paid, Some(&"é".repeat(MAX_REASON))).is_ok());
        assert!(serde_json::from_str::<TransitionInput>(r#"{"status":"SHIPPED"}"#).is_err());
    }

    #[test]
    fn shoppers_see_only_their_own_orders() {
        let o = order(Pending, 1);
        assert_eq!(visible_to(Some(o.clone()), "c-1", "o-1"), Ok(o.clone()));
        assert_eq!(
            visible_to(Some(o), "c-2", "o-1"),
            Err(OrderError::NotFound("o-1".into()))
        );
        assert_eq!(
            visible_to(None, "c-1", "o-1"),
            Err(OrderError::NotFound("o-1".into()))
        );
    }

    #[test]
    fn the_admin_filter_takes_a_contract_status_or_none() {
        assert_eq!(admin_filter(None), Ok(None));
        assert_eq!(admin_filter(Some("")), Ok(None));
        for s in OrderStatus::ALL {
            assert_eq!(admin_filter(Some(s.as_str())), Ok(Some(s)));
        }
        for bad in ["SHIPPED", "confirmed", "Paid", "PAID,CANCELLED"] {
            let e = admin_filter(Some(bad)).unwrap_err();
            assert_eq!(e.field, "status", "{bad}");
            assert!(e.message.contains("COMPENSATING"), "{}", e.message);
        }
    }

    #[test]
    fn a_cursor_holds_a_list_key_and_its_order_id() {
        let key = list_key(NOW, "o-1");
        let r = page_request(Some("2"), Some(&encode_cursor(&key))).unwrap();
        assert_eq!(
            (r.limit, r.after),
            (
                2,
                Some(ListKey {
                    key: key.clone(),
                    id: "o-1".into()
                })
            )
        );
        for bad in ["%%%", &encode_cursor("no separator"), "\u{e9}"] {
            let e = page_request(None, Some(bad)).unwrap_err();
            assert_eq!(
                (e.field.as_str(), e.message.as_str()),
                ("cursor", "is not a cursor this API returned")
            );
        }
        // The limit is checked first.
        assert_eq!(
            page_request(Some("0"), Some("%%%")).unwrap_err().field,
            "limit"
        );
    }
}
