//! The port: what the handlers need to keep, in the domain's words: notifications per
//! customer (idempotent by id) and the open WebSocket connections of each customer.
//!
//! Two adapters implement it with the same semantics: [`dynamo::DynamoStore`] (DynamoDB,
//! deployed) and [`memory::MemoryStore`] (in process, for tests).

pub mod dynamo;
pub mod memory;

pub use crate::domain::NotificationPage;
pub use dynamo::DynamoStore;
pub use memory::MemoryStore;

use crate::domain::{EmailState, Notification, PageRequest, Saved};
use std::future::Future;

/// Why a store operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the notifications table failed: {0}")]
    Backend(String),
}

/// Notifications and connections.
pub trait NotificationStore: Send + Sync + 'static {
    /// Stores `n` unless a notification with its id was stored before (by anyone).
    fn save(&self, n: &Notification) -> impl Future<Output = Result<Saved, StoreError>> + Send;

    /// Claims the email of the stored notification `id` at `at` (a conditional write on the
    /// notification's record): `true` for exactly one caller, who then sends it; `false` when
    /// it was claimed before (or no notification has that id).
    fn claim_email(
        &self,
        id: &str,
        at: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Records what became of a claimed email.
    fn record_email(
        &self,
        id: &str,
        state: &EmailState,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Where the email of notification `id` is (`None`: never claimed).
    fn email_state(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<EmailState>, StoreError>> + Send;

    /// A customer's notifications, newest first ([`sagaway_shared::paging`]).
    fn list(
        &self,
        customer_id: &str,
        page: &PageRequest,
    ) -> impl Future<Output = Result<NotificationPage, StoreError>> + Send;

    /// Remembers an open connection of a customer.
    fn connect(
        &self,
        customer_id: &str,
        connection_id: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Forgets a connection by id alone (`$disconnect`); unknown ids are fine.
    fn disconnect(
        &self,
        connection_id: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Forgets a connection of a customer (one found gone).
    fn forget(
        &self,
        customer_id: &str,
        connection_id: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The open connections of a customer, by connection id.
    fn connections(
        &self,
        customer_id: &str,
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;
}
