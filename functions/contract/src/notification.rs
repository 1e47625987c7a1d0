//! The notification service's messages: what the saga sends, what a shopper reads and what
//! the WebSocket pushes.

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
