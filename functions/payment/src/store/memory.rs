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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PaymentStatus, TokenizeRequest, vault};

    fn start(attempt: i64, until: i64) -> LeasePlan {
        LeasePlan::Start {
            lease: Lease {
                order_id: "o-1".into(),
                attempt,
                until,
            },
            amount_cents: 100,
            currency: "USD".into(),
            card_last4: "4242".into(),
        }
    }

    #[tokio::test]
    async fn conditional_writes_fail_with_conflict_and_change_nothing() {
        let store = MemoryStore::new();
        store.take_lease(&start(1, 50)).await.unwrap();
        let before = store.payment("o-1").await.unwrap();
        assert_eq!(
            store.take_lease(&start(1, 99)).await,
            Err(StoreError::Conflict)
        );
        assert_eq!(store.tombstone("o-1").await, Err(StoreError::Conflict));
        assert_eq!(store.refund("o-1").await, Err(StoreError::Conflict));
        assert_eq!(store.void("o-1", 50).await, Err(StoreError::Conflict));
        let stale = Lease {
            order_id: "o-1".into(),
            attempt: 2,
            until: 50,
        };
        assert_eq!(
            store
                .record_outcome(&stale, &Outcome::ProcessingError)
                .await,
            Err(StoreError::Conflict)
        );
        assert_eq!(store.payment("o-1").await.unwrap(), before);
        // Writes to an order with no payment.
        assert_eq!(store.refund("o-2").await, Err(StoreError::Conflict));
        assert_eq!(store.void("o-2", 0).await, Err(StoreError::Conflict));

        let voided = store.void("o-1", 51).await.unwrap();
        assert_eq!(voided.status, PaymentStatus::Voided);
        // Clones share the data.
        let other = store.clone();
        assert_eq!(
            other.payment("o-1").await.unwrap().map(|r| r.payment),
            Some(voided)
        );
    }

    #[tokio::test]
    async fn the_vault_keeps_a_token_once_and_hides_it_once_expired() {
        let store = MemoryStore::new();
        let v = vault(
            TokenizeRequest {
                card_number: "4242424242424242".into(),
            },
            1_000,
        )
        .unwrap();
        store.save_method(&v).await.unwrap();
        assert_eq!(store.save_method(&v).await, Err(StoreError::Conflict));
        assert_eq!(
            store.method(&v.token, v.expires_at - 1).await.unwrap(),
            Some(v.clone())
        );
        assert_eq!(store.method(&v.token, v.expires_at).await.unwrap(), None);
        assert_eq!(store.method("pm_other", 1_000).await.unwrap(), None);
    }
}
