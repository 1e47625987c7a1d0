//! The customer store: the port the handlers use ([`CustomerStore`]) and its two adapters,
//! [`DynamoStore`] (the customer table) and [`MemoryStore`] (in process, for tests).
//!
//! The decisions (what a new account, an admin reset or a profile change looks like) are made
//! in [`crate::domain`]; a store keeps them and enforces the one rule that needs the stored
//! data as a whole: **one account per email**, atomically, so that concurrent registrations
//! of the same email end with exactly one account.

mod dynamo;
mod memory;

pub use dynamo::DynamoStore;
pub use memory::MemoryStore;

use crate::domain::{Account, Customer, CustomerError, ProfileChange};
use std::future::Future;

/// Why a store operation did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("customer {0} does not exist")]
    NotFound(String),
    #[error("the customer table failed: {0}")]
    Backend(String),
}

impl From<StoreError> for CustomerError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::EmailTaken => CustomerError::EmailTaken,
            StoreError::NotFound(id) => CustomerError::NotFound(id),
            StoreError::Backend(why) => CustomerError::Store(why),
        }
    }
}

/// The accounts.
pub trait CustomerStore: Send + Sync + 'static {
    /// Stores a new account ([`crate::domain::new_account`]); `EmailTaken` when its email
    /// belongs to an account already (nothing is written then).
    fn create(&self, account: &Account) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The account with this normalized email.
    fn by_email(
        &self,
        email: &str,
    ) -> impl Future<Output = Result<Option<Account>, StoreError>> + Send;

    /// The account with this id.
    fn by_id(&self, id: &str) -> impl Future<Output = Result<Option<Account>, StoreError>> + Send;

    /// Applies a profile change at `at` ([`crate::domain::apply_profile`]) and returns the
    /// changed profile; `NotFound` when there is no such account.
    fn update_profile(
        &self,
        id: &str,
        change: &ProfileChange,
        at: &str,
    ) -> impl Future<Output = Result<Customer, StoreError>> + Send;

    /// Creates `admin` (a new account with the admin roles), or when its email is taken,
    /// resets that account to it ([`crate::domain::reset_to`]); returns the admin's profile.
    fn ensure_admin(
        &self,
        admin: &Account,
    ) -> impl Future<Output = Result<Customer, StoreError>> + Send;
}
