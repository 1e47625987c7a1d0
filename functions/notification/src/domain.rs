//! Notification rules.
//!
//! - A notification belongs to one customer and is stored before it is pushed; a push that
//!   fails never loses it (the shopper reads it from the list).
//! - Sending is idempotent by notification id: the saga uses `<order id>:<status>`, so a
//!   retried step stores and pushes once.
//! - A connection that the management API reports gone is deleted, not retried.

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const MAX_MESSAGE: usize = 1_000;
pub const MAX_DATA_BYTES: usize = 8 * 1024;

pub use sagaway_shared::validation::{ValidationError, invalid, page_size};

/// Why a notification operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum NotificationError {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error("the notifications table failed: {0}")]
    Store(String),
}

/// A stored notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub id: String,
    pub customer_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    pub kind: String,
    pub message: String,
    #[serde(default)]
    pub data: Value,
    pub created_at: String,
}

/// `POST /internal/notifications`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendInput {
    /// Idempotency key; a random one when absent.
    #[serde(default)]
    pub id: Option<String>,
    pub customer_id: String,
    #[serde(default)]
    pub order_id: Option<String>,
    pub kind: String,
    pub message: String,
    #[serde(default)]
    pub data: Value,
}

fn check_key(field: &str, v: &str) -> Result<(), ValidationError> {
    if v.is_empty()
        || v.len() > 128
        || !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':'))
    {
        return Err(invalid(
            field,
            "must be 1 to 128 letters, digits, '.', '_', '-' or ':'",
        ));
    }
    Ok(())
}

impl SendInput {
    pub fn validate(self, now: String) -> Result<Notification, ValidationError> {
        let id = self.id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        check_key("id", &id)?;
        check_key("customer_id", &self.customer_id)?;
        if let Some(o) = &self.order_id {
            check_key("order_id", o)?;
        }
        check_key("kind", &self.kind)?;
        let message = self.message.trim().to_string();
        if message.is_empty() || message.chars().count() > MAX_MESSAGE {
            return Err(invalid(
                "message",
                format!("must be 1 to {MAX_MESSAGE} characters"),
            ));
        }
        if self.data.to_string().len() > MAX_DATA_BYTES {
            return Err(invalid(
                "data",
                format!("must be at most {MAX_DATA_BYTES} bytes of JSON"),
            ));
        }
        Ok(Notification {
            id,
            customer_id: self.customer_id,
            order_id: self.order_id,
            kind: self.kind,
            message,
            data: self.data,
            created_at: now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sends_are_validated() {
        let input = SendInput {
            id: Some("o-1:CONFIRMED".into()),
            customer_id: "c-1".into(),
            order_id: Some("o-1".into()),
            kind: "order_status".into(),
            message: "Your order is confirmed".into(),
            data: json!({"status": "CONFIRMED"}),
        };
        assert!(input.clone().validate("t".into()).is_ok());
        let e = SendInput {
            message: " ".into(),
            ..input.clone()
        }
        .validate("t".into())
        .unwrap_err();
        assert_eq!(e.field, "message");
        let e = SendInput {
            customer_id: "a b".into(),
            ..input
        }
        .validate("t".into())
        .unwrap_err();
        assert_eq!(e.field, "customer_id");
    }
}
