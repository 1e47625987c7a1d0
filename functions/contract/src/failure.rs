//! The business failure kinds a saga step can end with. Each is a Temporal failure type
//! name, never retried: retrying cannot change the answer. Everything else (5xx, timeouts,
//! throttling) is transient and retried.

use serde::{Deserialize, Serialize};

/// A final refusal by a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FailureKind {
    /// Not enough stock for a line (inventory `409 out_of_stock`).
    OutOfStock,
    /// A product does not exist (inventory `422 unknown_product`).
    UnknownProduct,
    /// The card was declined (payment `402 card_declined`).
    CardDeclined,
    /// The card has insufficient funds (payment `402 insufficient_funds`).
    InsufficientFunds,
    /// The payment-method token is unknown or expired (payment `422 payment_method_invalid`).
    PaymentMethodInvalid,
    /// A status change the order's rules forbid (order `409 illegal_transition`).
    IllegalTransition,
    /// Any other 4xx: the request itself was refused (a caller bug).
    Rejected,
}

impl FailureKind {
    pub const ALL: [FailureKind; 7] = [
        Self::OutOfStock,
        Self::UnknownProduct,
        Self::CardDeclined,
        Self::InsufficientFunds,
        Self::PaymentMethodInvalid,
        Self::IllegalTransition,
        Self::Rejected,
    ];

    /// The Temporal failure type name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OutOfStock => "OutOfStock",
            Self::UnknownProduct => "UnknownProduct",
            Self::CardDeclined => "CardDeclined",
            Self::InsufficientFunds => "InsufficientFunds",
            Self::PaymentMethodInvalid => "PaymentMethodInvalid",
            Self::IllegalTransition => "IllegalTransition",
            Self::Rejected => "Rejected",
        }
    }

    /// Every type name, for Temporal's `non_retryable_error_types`.
    pub fn type_names() -> [&'static str; 7] {
        Self::ALL.map(Self::as_str)
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The kind of a 4xx answer from a service, by its status and problem code.
    pub fn of(status: u16, code: &str) -> Self {
        match (status, code) {
            (409, "out_of_stock") => Self::OutOfStock,
            (422, "unknown_product") => Self::UnknownProduct,
            (402, "insufficient_funds") => Self::InsufficientFunds,
            (402, _) => Self::CardDeclined,
            (422, "payment_method_invalid") => Self::PaymentMethodInvalid,
            (409, "illegal_transition") => Self::IllegalTransition,
            _ => Self::Rejected,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_classify() {
        for k in FailureKind::ALL {
            assert_eq!(FailureKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(
            FailureKind::of(409, "out_of_stock"),
            FailureKind::OutOfStock
        );
        assert_eq!(
            FailureKind::of(402, "card_declined"),
            FailureKind::CardDeclined
        );
        assert_eq!(
            FailureKind::of(402, "insufficient_funds"),
            FailureKind::InsufficientFunds
        );
        assert_eq!(
            FailureKind::of(409, "version_conflict"),
            FailureKind::Rejected
        );
    }
}
