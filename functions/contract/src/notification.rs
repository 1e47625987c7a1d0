//! The notification service's messages: what the saga sends, what a shopper reads and what
//! the WebSocket pushes.

use crate::order::OrderLine;
use crate::status::OrderStatus;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// An order changed status; `data` holds the status and reason.
    OrderStatus,
}

impl NotificationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrderStatus => "order_status",
        }
    }
}

/// The data of an `order_status` notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderStatusData {
    pub status: OrderStatus,
    #[serde(default)]
    pub reason: Option<String>,
}

/// `POST /internal/notifications`: stored, then pushed; idempotent by `id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendNotification {
    /// Idempotency key; a random one when absent.
    #[serde(default)]
    pub id: Option<String>,
    pub customer_id: String,
    #[serde(default)]
    pub order_id: Option<String>,
    pub kind: NotificationKind,
    pub message: String,
    pub data: OrderStatusData,
    /// Set for an order's CONFIRMED and CANCELLED notifications of a shopper whose email is
    /// known: the notification service also emails them a receipt (once per notification id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Receipt>,
}

/// What an order's email needs beyond the notification: where to send it and the order's
/// contents. The email is personal data: the `Debug` output hides it, so it stays out of logs.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub email: String,
    #[serde(default)]
    pub lines: Vec<OrderLine>,
    #[serde(default)]
    pub total_cents: Option<i64>,
    #[serde(default)]
    pub currency: Option<String>,
}

impl std::fmt::Debug for Receipt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receipt")
            .field("email", &"<redacted>")
            .field("lines", &self.lines)
            .field("total_cents", &self.total_cents)
            .field("currency", &self.currency)
            .finish()
    }
}

/// What the WebSocket API pushes to a shopper, and answers to any frame the shopper sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WsMessage {
    /// `{"type": "notification", "notification": {…}}`
    Notification { notification: Notification },
    /// `{"type": "pong"}`
    Pong,
}

/// The answer to `POST /internal/notifications`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendOutcome {
    pub notification: Notification,
    /// True when a notification with this id was stored before (nothing was pushed again).
    pub repeated: bool,
    /// Connections it reached.
    pub pushed: usize,
    /// Connections found gone (and deleted).
    #[serde(default)]
    pub gone: usize,
    /// Connections a push failed on (kept).
    #[serde(default)]
    pub failed: usize,
}

/// A stored notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Notification {
    pub id: String,
    pub customer_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    pub kind: NotificationKind,
    pub message: String,
    pub data: OrderStatusData,
    pub created_at: String,
}
