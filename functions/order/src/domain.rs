//! Order domain: lines, totals, statuses and which status may follow which.
//!
//! ```text
//! PENDING ──> RESERVED ──> PAID ──> CONFIRMED
//!    │            │          │
//!    └────────────┴──────────┴──> COMPENSATING ──> CANCELLED
//! PENDING and RESERVED may also go straight to CANCELLED.
//! ```
//! - Moving to the status an order already has is a no-op (saga steps are retried).
//! - Any other move not drawn above is an illegal transition (a 409), never an overwrite.
//! - Every change is appended to the history with its time and reason, and bumps `version`;
//!   a writer that read an older version is refused instead of overwriting.

pub use sagaway_contract::OrderStatus;
use sagaway_contract::limits::{self, MAX_REASON_LEN as MAX_REASON};
pub use sagaway_contract::limits::{MAX_LINES, MAX_PRICE_CENTS, MAX_QUANTITY};
pub use sagaway_contract::order::{
    CancelOrderRequest as CancelInput, CreateOrderRequest as CreateOrderInput, Order, OrderLine,
    OrderPage, SetStatusRequest as TransitionInput, StatusChange,
};

pub use sagaway_shared::validation::{ValidationError, invalid, page_size, validate_id};

/// Why an order operation did not happen.
#[derive(Debug, thiserror::Error)]
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
    #[error("the orders table is busy; retry")]
    Contention,
    #[error("the orders table failed: {0}")]
    Store(String),
}

/// A validated new order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub id: String,
    pub customer_id: String,
    pub lines: Vec<OrderLine>,
    pub total_cents: i64,
    pub currency: String,
}

/// Checks a create request; the total is computed with checked arithmetic and may not exceed
/// the payment limit (the contract's `order_total`).
pub fn validate_create(input: CreateOrderInput) -> Result<NewOrder, ValidationError> {
    let this = input;
    {
        validate_id("order_id", &this.order_id)?;
        if this.customer_id.is_empty() || this.customer_id.len() > 64 {
            return Err(invalid("customer_id", "must be 1 to 64 characters"));
        }
        if this.lines.is_empty() || this.lines.len() > MAX_LINES {
            return Err(invalid(
                "lines",
                format!("must hold 1 to {MAX_LINES} lines"),
            ));
        }
        for (i, l) in this.lines.iter().enumerate() {
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
        let total =
            limits::order_total(this.lines.iter().map(|l| (l.quantity, l.unit_price_cents)))
                .map_err(|e| invalid("lines", e.to_string()))?;
        let currency = this.currency.unwrap_or_else(|| "USD".into());
        if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(invalid(
                "currency",
                "must be a three-letter code such as USD",
            ));
        }
        Ok(NewOrder {
            id: this.order_id,
            customer_id: this.customer_id,
            lines: this.lines,
            total_cents: total,
            currency,
        })
    }
}

impl NewOrder {
    /// Whether an existing order is this one (a repeated create).
    pub fn matches(&self, o: &Order) -> bool {
        o.customer_id == self.customer_id && o.lines == self.lines && o.currency == self.currency
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

/// What a transition means for an order in its current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Already there: nothing to write.
    Unchanged,
    /// Write the change.
    Apply,
}

/// The rule for one transition.
pub fn decide(order: &Order, t: &Transition) -> Result<Decision, OrderError> {
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
    Ok(Decision::Apply)
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderStatus::*;

    fn order(status: OrderStatus, version: i64) -> Order {
        Order {
            id: "o".into(),
            customer_id: "c".into(),
            lines: vec![],
            total_cents: 0,
            currency: "USD".into(),
            status,
            history: vec![],
            version,
            created_at: String::new(),
            updated_at: String::new(),
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
    fn the_saga_path_and_compensation_are_legal() {
        for (a, b) in [
            (Pending, Reserved),
            (Reserved, Paid),
            (Paid, Confirmed),
            (Pending, Cancelled),
            (Reserved, Compensating),
            (Paid, Compensating),
            (Compensating, Cancelled),
        ] {
            assert!(a.can_move_to(b), "{a:?} -> {b:?}");
        }
    }

    #[test]
    fn final_states_do_not_move_and_repeats_are_no_ops() {
        assert!(matches!(
            decide(&order(Cancelled, 3), &to(Confirmed)),
            Err(OrderError::IllegalTransition { .. })
        ));
        assert!(matches!(
            decide(&order(Confirmed, 3), &to(Cancelled)),
            Err(OrderError::IllegalTransition { .. })
        ));
        assert_eq!(
            decide(&order(Confirmed, 3), &to(Confirmed)).unwrap(),
            Decision::Unchanged
        );
        for s in OrderStatus::ALL {
            assert!(!Confirmed.can_move_to(s) && !Cancelled.can_move_to(s));
        }
    }

    #[test]
    fn a_stale_version_is_refused() {
        let t = Transition {
            expected_version: Some(1),
            ..to(Reserved)
        };
        assert!(matches!(
            decide(&order(Pending, 2), &t),
            Err(OrderError::VersionConflict { .. })
        ));
    }

    #[test]
    fn totals_and_validation() {
        let input = CreateOrderInput {
            order_id: "o-1".into(),
            customer_id: "c-1".into(),
            lines: vec![
                OrderLine {
                    product_id: "a".into(),
                    quantity: 2,
                    unit_price_cents: 150,
                },
                OrderLine {
                    product_id: "b".into(),
                    quantity: 1,
                    unit_price_cents: 1000,
                },
            ],
            currency: None,
        };
        assert_eq!(validate_create(input.clone()).unwrap().total_cents, 1300);
        let mut bad = input.clone();
        bad.lines[1].quantity = 0;
        assert_eq!(validate_create(bad).unwrap_err().field, "lines[1].quantity");
        let mut huge = input;
        huge.lines[0].quantity = 1000;
        huge.lines[0].unit_price_cents = MAX_PRICE_CENTS;
        assert_eq!(validate_create(huge).unwrap_err().field, "lines");
        let e = validate_transition(TransitionInput {
            status: OrderStatus::Cancelled,
            reason: None,
            expected_version: None,
        })
        .unwrap_err();
        assert_eq!(e.field, "reason");
        assert!(serde_json::from_str::<TransitionInput>(r#"{"status":"SHIPPED"}"#).is_err());
    }
}
