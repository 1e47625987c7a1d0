//! The payment store in process: payments and the vault in maps behind one lock, so each
//! conditional write checks its condition and writes atomically, as DynamoDB does. Expired
//! cards are not returned (DynamoDB's TTL removes them only eventually; both stores check
//! the expiry given `now`).

use super::{PaymentStore, StoreError};
use crate::domain::{Lease, LeasePlan, Payment, PaymentRecord, VaultedCard};
use crate::provider::Outcome;
use sagaway_shared::dynamo::attr::now as stamp;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Debug, Default)]
struct Tables {
    payments: HashMap<String, PaymentRecord>,
    methods: HashMap<String, VaultedCard>,
}

/// Payments and vaulted cards in memory; clones share the same data.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    tables: Arc<Mutex<Tables>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn tables(&self) -> MutexGuard<'_, Tables> {
        // No write leaves the maps half-changed, so a panic elsewhere cannot poison the data.
        self.tables
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Replaces the order's payment with the result of `transition`, if it gives one.
    fn transition(
        &self,
        order_id: &str,
        transition: impl FnOnce(Option<&PaymentRecord>, &str) -> Option<PaymentRecord>,
    ) -> Result<Payment, StoreError> {
        let mut tables = self.tables();
        let next =
            transition(tables.payments.get(order_id), &stamp()).ok_or(StoreError::Conflict)?;
        let payment = next.payment.clone();
        tables.payments.insert(order_id.to_string(), next);
        Ok(payment)
    }
}

impl PaymentStore for MemoryStore {
    async fn save_method(&self, card: &VaultedCard) -> Result<(), StoreError> {
        match self.tables().methods.entry(card.token.clone()) {
            Entry::Occupied(_) => Err(StoreError::Conflict),
            Entry::Vacant(v) => {
                v.insert(card.clone());
                Ok(())
            }
        }
    }

    async fn method(&self, token: &str, now: i64) -> Result<Option<VaultedCard>, StoreError> {
        Ok(self
            .tables()
            .methods
            .get(token)
            .filter(|c| c.is_usable(now))
            .cloned())
    }

    async fn payment(&self, order_id: &str) -> Result<Option<PaymentRecord>, StoreError> {
        Ok(self.tables().payments.get(order_id).cloned())
    }

    async fn take_lease(&self, plan: &LeasePlan) -> Result<(), StoreError> {
        self.transition(&plan.lease().order_id, |r, at| plan.take(r, at))
            .map(drop)
    }

    async fn record_outcome(
        &self,
        lease: &Lease,
        outcome: &Outcome,
    ) -> Result<Payment, StoreError> {
        self.transition(&lease.order_id, |r, at| r?.answered(lease, outcome, at))
    }

    async fn tombstone(&self, order_id: &str) -> Result<(), StoreError> {
        self.transition(order_id, |r, at| PaymentRecord::tombstone(order_id, r, at))
            .map(drop)
    }

    async fn refund(&self, order_id: &str) -> Result<Payment, StoreError> {
        self.transition(order_id, |r, at| r?.refunded(at))
    }

    async fn void(&self, order_id: &str, now: i64) -> Result<Payment, StoreError> {
        self.transition(order_id, |r, at| r?.voided(now, at))
    }
}
