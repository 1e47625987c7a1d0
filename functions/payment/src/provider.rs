//! The simulated payment provider. Test cards, in the style of well-known providers:
//!
//! | card number | outcome |
//! |---|---|
//! | `4242424242424242` | approved |
//! | `4000000000000002` | declined (`card_declined`), final |
//! | `4000000000009995` | declined (`insufficient_funds`), final |
//! | `4000000000000119` | processing error on the first 3 attempts (retryable), then approved |
//! | `4000000000006975` | approved, but only after 8 s: slower than the saga's timeout |
//!
//! Any other number is refused as not a test card.
//!
//! [`Provider`] is the port the charge flow calls ([`Simulated`] in the function; tests may
//! give it another to control when and how the provider answers).

use std::time::Duration;

/// Attempts that fail with a processing error on the transient card.
pub const TRANSIENT_FAILURES: i64 = 3;
/// How long the slow card takes.
pub const SLOW_DELAY: Duration = Duration::from_secs(8);

/// A test card's behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Card {
    Approve,
    Decline,
    InsufficientFunds,
    Transient,
    Slow,
}

/// Every test card, with what it does (for error messages and the web app).
pub const TEST_CARDS: [(&str, Card, &str); 5] = [
    ("4242424242424242", Card::Approve, "approved"),
    ("4000000000000002", Card::Decline, "declined"),
    (
        "4000000000009995",
        Card::InsufficientFunds,
        "insufficient funds",
    ),
    (
        "4000000000000119",
        Card::Transient,
        "processing error 3 times, then approved",
    ),
    ("4000000000006975", Card::Slow, "approved after 8 s"),
];

impl Card {
    pub const ALL: [Card; 5] = [
        Card::Approve,
        Card::Decline,
        Card::InsufficientFunds,
        Card::Transient,
        Card::Slow,
    ];

    /// How the vault records the card's behaviour.
    pub fn name(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Decline => "decline",
            Self::InsufficientFunds => "insufficient_funds",
            Self::Transient => "transient",
            Self::Slow => "slow",
        }
    }

    pub fn from_name(name: &str) -> Option<Card> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    pub fn lookup(number: &str) -> Option<Card> {
        TEST_CARDS
            .iter()
            .find(|(n, _, _)| *n == number)
            .map(|(_, c, _)| *c)
    }
}

/// What the provider answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Approved { reference: String },
    Declined { code: &'static str },
    ProcessingError,
}

/// A payment provider.
pub trait Provider: Send + Sync {
    /// Charges `card`; `attempt` counts from 1 for this order.
    fn charge(&self, card: Card, attempt: i64) -> impl Future<Output = Outcome> + Send;
}

/// The simulated provider, driven by the test cards.
#[derive(Debug, Clone, Copy, Default)]
pub struct Simulated;

impl Provider for Simulated {
    fn charge(&self, card: Card, attempt: i64) -> impl Future<Output = Outcome> + Send {
        charge(card, attempt)
    }
}

/// Charges `card` at the simulated provider; `attempt` counts from 1 for this order.
pub async fn charge(card: Card, attempt: i64) -> Outcome {
    let approved = || Outcome::Approved {
        reference: format!("ch_{}", uuid::Uuid::new_v4().simple()),
    };
    match card {
        Card::Approve => approved(),
        Card::Decline => Outcome::Declined {
            code: "card_declined",
        },
        Card::InsufficientFunds => Outcome::Declined {
            code: "insufficient_funds",
        },
        Card::Transient if attempt <= TRANSIENT_FAILURES => Outcome::ProcessingError,
        Card::Transient => approved(),
        Card::Slow => {
            tokio::time::sleep(SLOW_DELAY).await;
            approved()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn cards_behave_as_documented() {
        assert!(matches!(
            charge(Card::Approve, 1).await,
            Outcome::Approved { .. }
        ));
        assert_eq!(
            charge(Card::Decline, 1).await,
            Outcome::Declined {
                code: "card_declined"
            }
        );
        assert_eq!(
            charge(Card::InsufficientFunds, 1).await,
            Outcome::Declined {
                code: "insufficient_funds"
            }
        );
        for attempt in 1..=TRANSIENT_FAILURES {
            assert_eq!(
                charge(Card::Transient, attempt).await,
                Outcome::ProcessingError
            );
        }
        assert!(matches!(
            charge(Card::Transient, TRANSIENT_FAILURES + 1).await,
            Outcome::Approved { .. }
        ));
        assert_eq!(Card::lookup("4000000000000119"), Some(Card::Transient));
        assert_eq!(Card::lookup("4111111111111111"), None);
    }
}
