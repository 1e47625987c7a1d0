//! Notifications and connections in process memory, with the DynamoDB adapter's semantics:
//! the same records (a notification per customer and list key, used ids, a connection both
//! by customer and by id), each operation done under one lock as DynamoDB does it in one
//! transaction, and the same list order and paging.

use super::{NotificationPage, NotificationStore, StoreError};
use crate::domain::{EmailState, Notification, PageRequest, Saved, list_key};
use sagaway_shared::paging::{Direction, page};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

#[derive(Debug, Default)]
struct Tables {
    /// (customer, list key) -> notification.
    notifications: BTreeMap<(String, String), Notification>,
    /// Every notification id ever stored.
    used_ids: HashSet<String>,
    /// Notification id -> where its email is.
    emails: HashMap<String, EmailState>,
    /// (customer, connection id): what a push reads.
    by_customer: BTreeSet<(String, String)>,
    /// connection id -> customer: what `$disconnect` reads.
    by_id: HashMap<String, String>,
}

/// The notifications table in memory.
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    tables: Arc<Mutex<Tables>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn tables(&self) -> MutexGuard<'_, Tables> {
        // Every write finishes without panicking, so a poisoned lock holds consistent data.
        self.tables.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl NotificationStore for MemoryStore {
    async fn claim_email(&self, id: &str, at: &str) -> Result<bool, StoreError> {
        let mut t = self.tables();
        if !t.used_ids.contains(id) || t.emails.contains_key(id) {
            return Ok(false);
        }
        t.emails
            .insert(id.to_string(), EmailState::Claimed(at.to_string()));
        Ok(true)
    }

    async fn record_email(&self, id: &str, state: &EmailState) -> Result<(), StoreError> {
        self.tables().emails.insert(id.to_string(), state.clone());
        Ok(())
    }

    async fn email_state(&self, id: &str) -> Result<Option<EmailState>, StoreError> {
        Ok(self.tables().emails.get(id).cloned())
    }

    async fn save(&self, n: &Notification) -> Result<Saved, StoreError> {
        let mut t = self.tables();
        if !t.used_ids.insert(n.id.clone()) {
            return Ok(Saved::Repeat);
        }
        t.notifications.insert(
            (n.customer_id.clone(), list_key(&n.created_at, &n.id)),
            n.clone(),
        );
        Ok(Saved::New)
    }

    async fn list(
        &self,
        customer_id: &str,
        req: &PageRequest,
    ) -> Result<NotificationPage, StoreError> {
        let entries = self
            .tables()
            .notifications
            .iter()
            .filter(|((c, _), _)| c == customer_id)
            .map(|((_, key), n)| (key.clone(), n.clone()))
            .collect();
        let (items, next_cursor) = page(entries, req, Direction::Descending);
        Ok(NotificationPage { items, next_cursor })
    }

    async fn connect(&self, customer_id: &str, connection_id: &str) -> Result<(), StoreError> {
        let mut t = self.tables();
        t.by_customer
            .insert((customer_id.to_string(), connection_id.to_string()));
        t.by_id
            .insert(connection_id.to_string(), customer_id.to_string());
        Ok(())
    }

    async fn disconnect(&self, connection_id: &str) -> Result<(), StoreError> {
        let mut t = self.tables();
        if let Some(customer_id) = t.by_id.remove(connection_id) {
            t.by_customer
                .remove(&(customer_id, connection_id.to_string()));
        }
        Ok(())
    }

    async fn forget(&self, customer_id: &str, connection_id: &str) -> Result<(), StoreError> {
        let mut t = self.tables();
        t.by_customer
            .remove(&(customer_id.to_string(), connection_id.to_string()));
        t.by_id.remove(connection_id);
        Ok(())
    }

    async fn connections(&self, customer_id: &str) -> Result<Vec<String>, StoreError> {
        Ok(self
            .tables()
            .by_customer
            .iter()
            .filter(|(c, _)| c == customer_id)
            .map(|(_, id)| id.clone())
            .collect())
    }
}
