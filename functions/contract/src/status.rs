//! Order statuses and which status may follow which: the one place these rules live.
//!
//! ```text
//! PENDING ──> RESERVED ──> PAID ──> CONFIRMED
//!    │            │          │
//!    └────────────┴──────────┴──> COMPENSATING ──> CANCELLED
//! PENDING and RESERVED may also go straight to CANCELLED.
//! ```
//! Moving to the status an order already has is a no-op (saga steps are retried); any other
//! move not drawn above is an illegal transition. A shopper may cancel while the order is
//! PENDING or RESERVED (not yet paid).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A status in a shopper's words (see [`OrderStatus::text`]).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusText {
    /// A few words: "Order confirmed".
    pub title: String,
    /// One sentence on what it means for the shopper.
    pub detail: String,
}

/// The one source of the wording: `functions/contract/status-text.json`, keyed by status.
const STATUS_TEXT_JSON: &str = include_str!("../status-text.json");

/// The texts in [`OrderStatus::ALL`] order; the tests check the file names every status and
/// nothing else, so a lookup never fails at run time.
static STATUS_TEXTS: std::sync::LazyLock<Vec<StatusText>> = std::sync::LazyLock::new(|| {
    let mut by_status: std::collections::HashMap<OrderStatus, StatusText> =
        serde_json::from_str(STATUS_TEXT_JSON).unwrap_or_default();
    OrderStatus::ALL
        .iter()
        .map(|s| {
            by_status.remove(s).unwrap_or_else(|| StatusText {
                title: s.as_str().to_string(),
                detail: String::new(),
            })
        })
        .collect()
});

/// Where an order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    #[default]
    Pending,
    Reserved,
    Paid,
    Confirmed,
    Compensating,
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] = [
        Self::Pending,
        Self::Reserved,
        Self::Paid,
        Self::Confirmed,
        Self::Compensating,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Reserved => "RESERVED",
            Self::Paid => "PAID",
            Self::Confirmed => "CONFIRMED",
            Self::Compensating => "COMPENSATING",
            Self::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// What a shopper reads for this status: the same words in the web app (which imports
    /// `functions/contract/status-text.json`) and in the emails the notification service sends.
    pub fn text(self) -> &'static StatusText {
        &STATUS_TEXTS[self as usize]
    }

    /// Whether an order may move from `self` to `to` (a move to itself is a no-op, not a move).
    pub fn can_move_to(self, to: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, to),
            (Pending, Reserved | Compensating | Cancelled)
                | (Reserved, Paid | Compensating | Cancelled)
                | (Paid, Confirmed | Compensating)
                | (Compensating, Cancelled)
        )
    }

    /// CONFIRMED and CANCELLED never change again.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Confirmed | Self::Cancelled)
    }

    /// Whether a shopper may still cancel: only before payment.
    pub fn is_cancellable(self) -> bool {
        matches!(self, Self::Pending | Self::Reserved)
    }
}

impl std::fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::{self, *};

    #[test]
    fn the_status_text_file_names_every_status_and_nothing_else() {
        let texts: std::collections::HashMap<OrderStatus, super::StatusText> =
            serde_json::from_str(super::STATUS_TEXT_JSON).expect("status-text.json parses");
        assert_eq!(texts.len(), OrderStatus::ALL.len());
        for s in OrderStatus::ALL {
            let t = &texts[&s];
            assert!(!t.title.is_empty() && !t.detail.is_empty(), "{s:?}");
            assert_eq!(s.text(), t);
        }
        assert_eq!(Confirmed.text().title, "Order confirmed");
    }

    #[test]
    fn the_transition_table() {
        let legal = [
            (Pending, Reserved),
            (Pending, Compensating),
            (Pending, Cancelled),
            (Reserved, Paid),
            (Reserved, Compensating),
            (Reserved, Cancelled),
            (Paid, Confirmed),
            (Paid, Compensating),
            (Compensating, Cancelled),
        ];
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                assert_eq!(
                    from.can_move_to(to),
                    legal.contains(&(from, to)),
                    "{from} -> {to}"
                );
            }
        }
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
            // A final status has no way out.
            assert_eq!(
                s.is_final(),
                OrderStatus::ALL.iter().all(|t| !s.can_move_to(*t))
            );
        }
        assert!(Pending.is_cancellable() && Reserved.is_cancellable());
        assert!(!Paid.is_cancellable() && !Confirmed.is_cancellable());
    }
}
