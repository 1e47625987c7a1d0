//! The payment store port: the operations the charge and refund flows and the vault need, in
//! the domain's words. Every write that can race is conditional and fails with
//! [`StoreError::Conflict`] when its condition no longer holds; the conditions are the
//! domain's ([`LeasePlan::take`], [`PaymentRecord::answered`], [`PaymentRecord::tombstone`],
//! [`PaymentRecord::refunded`], [`PaymentRecord::voided`]).
//!
//! [`dynamo::DynamoStore`] keeps payments and the vault in DynamoDB; [`memory::MemoryStore`]
//! keeps them in process with the same semantics, for tests.

pub mod dynamo;
pub mod memory;

use crate::domain::{Lease, LeasePlan, Payment, PaymentError, PaymentRecord, VaultedCard};
use crate::provider::Outcome;

/// Why a store operation did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The write's condition no longer held: another call changed the record first.
    #[error("the record changed meanwhile; the conditional write was not applied")]
    Conflict,
    /// The store itself failed, or holds an item it cannot read.
    #[error("{0}")]
    Failed(String),
}

impl From<StoreError> for PaymentError {
    fn from(e: StoreError) -> Self {
        PaymentError::Store(e.to_string())
    }
}

/// Payments by order id, and the card vault.
pub trait PaymentStore: Send + Sync + 'static {
    /// Puts a card in the vault; a token is never reused (`Conflict` if it exists).
    fn save_method(
        &self,
        card: &VaultedCard,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// A vaulted card that can still be charged at `now`; `None` when unknown or expired.
    fn method(
        &self,
        token: &str,
        now: i64,
    ) -> impl Future<Output = Result<Option<VaultedCard>, StoreError>> + Send;

    /// The order's payment with its lease.
    fn payment(
        &self,
        order_id: &str,
    ) -> impl Future<Output = Result<Option<PaymentRecord>, StoreError>> + Send;

    /// Takes the lease as planned, only if the plan's condition still holds.
    fn take_lease(&self, plan: &LeasePlan) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records the provider's answer to `lease`'s attempt, only while that attempt still holds
    /// the payment; the payment after.
    fn record_outcome(
        &self,
        lease: &Lease,
        outcome: &Outcome,
    ) -> impl Future<Output = Result<Payment, StoreError>> + Send;

    /// Leaves the VOIDED mark of an order refunded before any charge, only if it has no payment.
    fn tombstone(&self, order_id: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// CHARGED -> REFUNDED, only while CHARGED; the payment after.
    fn refund(&self, order_id: &str) -> impl Future<Output = Result<Payment, StoreError>> + Send;

    /// PROCESSING -> VOIDED, only while no lease is live at `now`; the payment after.
    fn void(
        &self,
        order_id: &str,
        now: i64,
    ) -> impl Future<Output = Result<Payment, StoreError>> + Send;
}
