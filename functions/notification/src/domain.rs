//! Notification rules.
//!
//! - A notification belongs to one customer and is stored before it is pushed; a push that
//!   fails never loses it (the shopper reads it from the list).
//! - Sending is idempotent by notification id: the saga uses `<order id>:<status>`, so a
//!   retried step stores and pushes once.
//! - A connection that the management API reports gone is deleted, not retried.

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

pub use sagaway_contract::notification::{
    Notification, NotificationKind, OrderStatusData, SendNotification as SendInput,
};

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

/// Checks a send request into the notification to store.
pub fn validate_send(input: SendInput, now: String) -> Result<Notification, ValidationError> {
    let this = input;
    {
        let id = this.id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        check_key("id", &id)?;
        check_key("customer_id", &this.customer_id)?;
        if let Some(o) = &this.order_id {
            check_key("order_id", o)?;
        }
        let message = this.message.trim().to_string();
        if message.is_empty() || message.chars().count() > MAX_MESSAGE {
            return Err(invalid(
                "message",
                format!("must be 1 to {MAX_MESSAGE} characters"),
            ));
        }
        if this
            .data
            .reason
            .as_ref()
            .is_some_and(|r| r.len() > MAX_DATA_BYTES)
        {
            return Err(invalid(
                "data",
                format!("the reason must be at most {MAX_DATA_BYTES} bytes"),
            ));
        }
        Ok(Notification {
            id,
            customer_id: this.customer_id,
            order_id: this.order_id,
            kind: this.kind,
            message,
            data: this.data,
            created_at: now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sends_are_validated() {
        let input = SendInput {
            id: Some("o-1:CONFIRMED".into()),
            customer_id: "c-1".into(),
            order_id: Some("o-1".into()),
            kind: NotificationKind::OrderStatus,
            message: "Your order is confirmed".into(),
            data: OrderStatusData {
                status: sagaway_contract::OrderStatus::Confirmed,
                reason: None,
            },
        };
        assert!(validate_send(input.clone(), "t".into()).is_ok());
        let e = validate_send(
            SendInput {
                message: " ".into(),
                ..input.clone()
            },
            "t".into(),
        )
        .unwrap_err();
        assert_eq!(e.field, "message");
        let e = validate_send(
            SendInput {
                customer_id: "a b".into(),
                ..input
            },
            "t".into(),
        )
        .unwrap_err();
        assert_eq!(e.field, "customer_id");
    }
}
