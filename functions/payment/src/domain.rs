//! Payment rules.
//!
//! - One payment per order id (the idempotency key). A repeated charge returns the first
//!   result (approved or declined) and never charges again; different amounts for the same
//!   order are refused.
//! - While a charge is with the provider it holds a lease; a second call meanwhile gets a
//!   retryable `charge_in_progress`.
//! - Refund: a charged payment is refunded once; refunding twice refunds once; refunding an
//!   order that was never charged is a no-op that says so and leaves a VOIDED mark, so a
//!   charge that arrives late for that order is refused instead of taking money nobody will
//!   give back. A charge whose outcome is unknown (left PROCESSING after its lease ran out)
//!   is voided the same way.

use crate::provider::{Card, TEST_CARDS};
use serde::{Deserialize, Serialize};

pub const MAX_AMOUNT_CENTS: i64 = 100_000_000;
/// How long a charge attempt may hold the payment before another call may take over.
pub const LEASE_SECS: i64 = 30;

pub use sagaway_shared::validation::{ValidationError, invalid};

/// Why a payment operation did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error("the card was declined ({code})")]
    Declined { code: String, payment: Box<Payment> },
    #[error("the payment provider had a processing error; retry")]
    ProviderUnavailable,
    #[error("a charge for this order is already with the provider; retry shortly")]
    InProgress,
    #[error("order {0} already has a payment with another amount or currency")]
    Mismatch(String),
    #[error("order {0} was refunded or voided; it cannot be charged")]
    Closed(String),
    #[error("no payment for order {0}")]
    NotFound(String),
    #[error("the payments table failed: {0}")]
    Store(String),
}

/// Where a payment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentStatus {
    Processing,
    Charged,
    Declined,
    Refunded,
    Voided,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Processing => "PROCESSING",
            Self::Charged => "CHARGED",
            Self::Declined => "DECLINED",
            Self::Refunded => "REFUNDED",
            Self::Voided => "VOIDED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Processing,
            Self::Charged,
            Self::Declined,
            Self::Refunded,
            Self::Voided,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// A payment record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payment {
    pub order_id: String,
    pub amount_cents: i64,
    pub currency: String,
    pub card_last4: String,
    pub status: PaymentStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decline_code: Option<String>,
    /// Calls made to the provider for this order.
    pub attempts: i64,
    /// Successful captures at the provider: never more than one.
    pub captures: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// `POST /internal/payments`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChargeInput {
    pub order_id: String,
    pub amount_cents: i64,
    #[serde(default)]
    pub currency: Option<String>,
    pub card_number: String,
}

/// A validated charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeRequest {
    pub order_id: String,
    pub amount_cents: i64,
    pub currency: String,
    pub card: Card,
    pub card_last4: String,
}

impl ChargeInput {
    pub fn validate(self) -> Result<ChargeRequest, ValidationError> {
        if self.order_id.is_empty()
            || self.order_id.len() > 64
            || !self
                .order_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(invalid(
                "order_id",
                "must be 1 to 64 letters, digits, '.', '_' or '-'",
            ));
        }
        if !(1..=MAX_AMOUNT_CENTS).contains(&self.amount_cents) {
            return Err(invalid(
                "amount_cents",
                format!("must be between 1 and {MAX_AMOUNT_CENTS}"),
            ));
        }
        let currency = self.currency.unwrap_or_else(|| "USD".into());
        if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(invalid(
                "currency",
                "must be a three-letter code such as USD",
            ));
        }
        let number: String = self.card_number.chars().filter(|c| *c != ' ').collect();
        let card = Card::lookup(&number).ok_or_else(|| {
            invalid(
                "card_number",
                format!(
                    "is not a test card of the simulated provider; use one of {}",
                    TEST_CARDS
                        .iter()
                        .map(|(n, _, what)| format!("{n} ({what})"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        Ok(ChargeRequest {
            order_id: self.order_id,
            amount_cents: self.amount_cents,
            currency,
            card,
            card_last4: number[number.len() - 4..].to_string(),
        })
    }
}

impl ChargeRequest {
    /// Whether an existing payment is for the same charge.
    pub fn matches(&self, p: &Payment) -> bool {
        p.amount_cents == self.amount_cents && p.currency == self.currency
    }
}

/// The result of a refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RefundOutcome {
    Refunded {
        payment: Payment,
    },
    AlreadyRefunded {
        payment: Payment,
    },
    /// Nothing was charged for the order; nothing to give back.
    NotCharged {
        order_id: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(card: &str, amount: i64) -> ChargeInput {
        ChargeInput {
            order_id: "o-1".into(),
            amount_cents: amount,
            currency: None,
            card_number: card.into(),
        }
    }

    #[test]
    fn charges_are_checked() {
        let ok = input("4242 4242 4242 4242", 100).validate().unwrap();
        assert_eq!(ok.card_last4, "4242");
        assert_eq!(ok.card, Card::Approve);
        let e = input("4111111111111111", 100).validate().unwrap_err();
        assert_eq!(e.field, "card_number");
        assert!(e.message.contains("4242424242424242"));
        assert_eq!(
            input("4242424242424242", 0).validate().unwrap_err().field,
            "amount_cents"
        );
    }
}
