//! The accounts in process memory, with the semantics of [`super::DynamoStore`]: the checks
//! DynamoDB makes in its conditions are made here under one lock, before anything changes.

use super::{CustomerStore, StoreError};
use crate::domain::{self, Account, Customer, ProfileChange};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// An in-memory customer store; clones share the same accounts.
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    accounts: Arc<Mutex<Accounts>>,
}

#[derive(Debug, Default)]
struct Accounts {
    by_id: HashMap<String, Account>,
    /// email → customer id: the `email#` items of the table.
    ids_by_email: HashMap<String, String>,
}

impl Accounts {
    /// Like the table's transaction: both keys must be free, else nothing is written. The
    /// table reports a taken id as a failed condition too, hence `EmailTaken` for both.
    fn create(&mut self, account: &Account) -> Result<(), StoreError> {
        let c = &account.customer;
        if self.ids_by_email.contains_key(&c.email) || self.by_id.contains_key(&c.id) {
            return Err(StoreError::EmailTaken);
        }
        self.ids_by_email.insert(c.email.clone(), c.id.clone());
        self.by_id.insert(c.id.clone(), account.clone());
        Ok(())
    }

    fn by_email(&self, email: &str) -> Option<&Account> {
        self.ids_by_email
            .get(email)
            .and_then(|id| self.by_id.get(id))
    }
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Accounts> {
        // Every operation checks before it changes anything, so a panic elsewhere while the
        // lock was held cannot have left the accounts half-changed.
        self.accounts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl CustomerStore for MemoryStore {
    async fn create(&self, account: &Account) -> Result<(), StoreError> {
        self.lock().create(account)
    }

    async fn by_email(&self, email: &str) -> Result<Option<Account>, StoreError> {
        Ok(self.lock().by_email(email).cloned())
    }

    async fn by_id(&self, id: &str) -> Result<Option<Account>, StoreError> {
        Ok(self.lock().by_id.get(id).cloned())
    }

    async fn update_profile(
        &self,
        id: &str,
        change: &ProfileChange,
        at: &str,
    ) -> Result<Customer, StoreError> {
        let mut accounts = self.lock();
        let account = accounts
            .by_id
            .get_mut(id)
            .ok_or_else(|| StoreError::NotFound(id.to_string()))?;
        account.customer = domain::apply_profile(&account.customer, change, at);
        Ok(account.customer.clone())
    }

    async fn ensure_admin(&self, admin: &Account) -> Result<Customer, StoreError> {
        let mut accounts = self.lock();
        let Some(existing) = accounts.by_email(&admin.customer.email) else {
            accounts.create(admin)?;
            return Ok(admin.customer.clone());
        };
        let reset = domain::reset_to(existing, admin);
        let customer = reset.customer.clone();
        accounts.by_id.insert(customer.id.clone(), reset);
        Ok(customer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Address, Registration, admin_roles, new_account, shopper_roles};

    const AT: &str = "2025-01-01T00:00:00.000Z";
    const LATER: &str = "2025-01-02T00:00:00.000Z";

    fn account(id: &str, email: &str, roles: Vec<String>) -> Account {
        let reg = Registration {
            email: email.into(),
            password: "unused here".into(),
            name: format!("name of {id}"),
        };
        new_account(id.into(), &reg, format!("hash of {id}"), roles, AT)
    }

    #[tokio::test]
    async fn accounts_are_found_by_id_and_email() {
        let store = MemoryStore::new();
        let ada = account("c-1", "ada@example.com", shopper_roles());
        store.create(&ada).await.unwrap();
        let by_email = store.by_email("ada@example.com").await.unwrap().unwrap();
        assert_eq!(by_email.customer, ada.customer);
        assert_eq!(by_email.password_hash, "hash of c-1");
        assert!(store.by_id("c-1").await.unwrap().is_some());
        assert!(store.by_id("c-2").await.unwrap().is_none());
        assert!(store.by_email("bob@example.com").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_taken_email_or_id_writes_nothing() {
        let store = MemoryStore::new();
        store
            .create(&account("c-1", "ada@example.com", shopper_roles()))
            .await
            .unwrap();
        let same_email = account("c-2", "ada@example.com", shopper_roles());
        assert_eq!(store.create(&same_email).await, Err(StoreError::EmailTaken));
        assert!(store.by_id("c-2").await.unwrap().is_none());
        let same_id = account("c-1", "bob@example.com", shopper_roles());
        assert_eq!(store.create(&same_id).await, Err(StoreError::EmailTaken));
        assert!(store.by_email("bob@example.com").await.unwrap().is_none());
        let found = store.by_id("c-1").await.unwrap().unwrap();
        assert_eq!(found.customer.email, "ada@example.com");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_registrations_of_one_email_leave_one_account() {
        let store = MemoryStore::new();
        let tasks: Vec<_> = (0..32)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    let a = account(&format!("c-{i}"), "race@example.com", shopper_roles());
                    store.create(&a).await.map(|()| a.customer.id)
                })
            })
            .collect();
        let mut winners = Vec::new();
        for task in tasks {
            match task.await.unwrap() {
                Ok(id) => winners.push(id),
                Err(e) => assert_eq!(e, StoreError::EmailTaken),
            }
        }
        assert_eq!(winners.len(), 1, "{winners:?}");
        let owner = store.by_email("race@example.com").await.unwrap().unwrap();
        assert_eq!(owner.customer.id, winners[0]);
        let stored = store.accounts.lock().unwrap().by_id.len();
        assert_eq!(stored, 1);
    }

    #[tokio::test]
    async fn a_profile_change_applies_to_an_existing_account_only() {
        let store = MemoryStore::new();
        store
            .create(&account("c-1", "ada@example.com", shopper_roles()))
            .await
            .unwrap();
        let address = Address {
            line1: "1 Main St".into(),
            line2: None,
            city: "Berlin".into(),
            postal_code: "10115".into(),
            country: "DE".into(),
        };
        let change = ProfileChange {
            name: None,
            shipping_address: Some(address.clone()),
        };
        let changed = store.update_profile("c-1", &change, LATER).await.unwrap();
        assert_eq!(changed.shipping_address, Some(address));
        assert_eq!(changed.name, "name of c-1");
        assert_eq!(changed.updated_at, LATER);
        let stored = store.by_id("c-1").await.unwrap().unwrap();
        assert_eq!(stored.customer, changed);
        assert_eq!(
            store.update_profile("c-9", &change, LATER).await,
            Err(StoreError::NotFound("c-9".into()))
        );
    }

    #[tokio::test]
    async fn ensure_admin_creates_or_resets_the_account_of_the_email() {
        let store = MemoryStore::new();
        let first = account("c-1", "admin@example.com", admin_roles());
        let created = store.ensure_admin(&first).await.unwrap();
        assert_eq!(created, first.customer);

        let mut again = account("c-2", "admin@example.com", admin_roles());
        again.customer.updated_at = LATER.into();
        let reset = store.ensure_admin(&again).await.unwrap();
        assert_eq!(reset.id, "c-1");
        assert_eq!(reset.name, "name of c-2");
        assert_eq!(reset.updated_at, LATER);
        let stored = store.by_email("admin@example.com").await.unwrap().unwrap();
        assert_eq!(stored.password_hash, "hash of c-2");
        assert!(store.by_id("c-2").await.unwrap().is_none());

        // A shopper's account becomes an admin's.
        store
            .create(&account("c-3", "bob@example.com", shopper_roles()))
            .await
            .unwrap();
        let bob = store
            .ensure_admin(&account("c-4", "bob@example.com", admin_roles()))
            .await
            .unwrap();
        assert_eq!((bob.id.as_str(), bob.roles), ("c-3", admin_roles()));
    }
}
