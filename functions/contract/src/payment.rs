//! The payment service's messages. A card number is exchanged for a payment-method token
//! (`POST /internal/payment-methods`, by the gateway) before any saga starts; the saga, its
//! history, the order and the logs only ever see the token, the brand and the last four digits.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /internal/payment-methods`: vault a card.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenizeRequest {
    pub card_number: String,
}

impl std::fmt::Debug for TokenizeRequest {
    /// Never prints the number.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenizeRequest")
            .field("card_number", &"<redacted>")
            .finish()
    }
}

/// A card's network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CardBrand {
    Visa,
    Mastercard,
    Amex,
    Discover,
    Unknown,
}

impl CardBrand {
    /// The brand of a card number, from its leading digits.
    pub fn of(number: &str) -> Self {
        let two: u32 = number.get(..2).and_then(|d| d.parse().ok()).unwrap_or(0);
        let four: u32 = number.get(..4).and_then(|d| d.parse().ok()).unwrap_or(0);
        match () {
            _ if number.starts_with('4') => Self::Visa,
            _ if (51..=55).contains(&two) || (2221..=2720).contains(&four) => Self::Mastercard,
            _ if two == 34 || two == 37 => Self::Amex,
            _ if number.starts_with("6011") || number.starts_with("65") => Self::Discover,
            _ => Self::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Visa => "visa",
            Self::Mastercard => "mastercard",
            Self::Amex => "amex",
            Self::Discover => "discover",
            Self::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Self {
        [Self::Visa, Self::Mastercard, Self::Amex, Self::Discover]
            .into_iter()
            .find(|b| b.as_str() == s)
            .unwrap_or(Self::Unknown)
    }
}

/// A vaulted card: what may travel through the saga instead of the number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PaymentMethod {
    /// Opaque token, `pm_` and 32 hex digits.
    #[schema(example = "pm_4f9d3c2b1a0e4d5f8a7b6c5d4e3f2a1b")]
    pub token: String,
    pub brand: CardBrand,
    #[schema(example = "4242")]
    pub last4: String,
    /// Epoch seconds after which the token can no longer be charged.
    pub expires_at: i64,
}

/// `POST /internal/payments`: charge once per order id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChargeRequest {
    pub order_id: String,
    pub amount_cents: i64,
    #[serde(default)]
    pub currency: Option<String>,
    pub payment_token: String,
}

/// One test card of the simulated provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TestCard {
    #[schema(example = "4242424242424242")]
    pub number: String,
    #[schema(example = "approved")]
    pub outcome: String,
}

/// `GET /v1/payments/test-cards`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TestCards {
    pub cards: Vec<TestCard>,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// The result of a refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

    #[test]
    fn brands_and_no_number_in_debug() {
        assert_eq!(CardBrand::of("4242424242424242"), CardBrand::Visa);
        assert_eq!(CardBrand::of("5555555555554444"), CardBrand::Mastercard);
        assert_eq!(CardBrand::of("378282246310005"), CardBrand::Amex);
        assert_eq!(CardBrand::of("1"), CardBrand::Unknown);
        let r = TokenizeRequest {
            card_number: "4242424242424242".into(),
        };
        assert!(!format!("{r:?}").contains("4242"));
    }
}
