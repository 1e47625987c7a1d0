//! The port: what the handlers need from the orders table, in the domain's words.
//!
//! Two adapters implement it with the same semantics: [`dynamo::DynamoStore`] (DynamoDB,
//! deployed) and [`memory::MemoryStore`] (in process, for tests). Both take every decision
//! from [`crate::domain`] and write it only if what they read is still current.

pub mod dynamo;
pub mod memory;

pub use dynamo::DynamoStore;
pub use memory::MemoryStore;

use crate::domain::{
    Created, NewOrder, Order, OrderError, OrderPage, OrderStatus, PageRequest, Transition,
};
use std::future::Future;

/// Why a store operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A rule refused it; nothing was written.
    #[error(transparent)]
    Refused(#[from] OrderError),
    /// Other writers kept changing the order; the caller may retry.
    #[error("the orders table is busy; retry")]
    Contention,
    #[error("the orders table failed: {0}")]
    Backend(String),
}

/// The orders.
pub trait OrderStore: Send + Sync + 'static {
    /// Any order by id.
    fn get(&self, id: &str) -> impl Future<Output = Result<Option<Order>, StoreError>> + Send;

    /// Creates the order in PENDING, or replays it ([`crate::domain::create_or_replay`]).
    fn create(&self, new: &NewOrder) -> impl Future<Output = Result<Created, StoreError>> + Send;

    /// Applies a status change ([`crate::domain::decide`]) and returns the order after it.
    fn transition(
        &self,
        id: &str,
        t: &Transition,
    ) -> impl Future<Output = Result<Order, StoreError>> + Send;

    /// A shopper's orders, newest first ([`sagaway_shared::paging`]).
    fn for_customer(
        &self,
        customer_id: &str,
        page: &PageRequest,
    ) -> impl Future<Output = Result<OrderPage, StoreError>> + Send;

    /// Every order (`status`: only those in it), newest first, for the admins' overview.
    fn all(
        &self,
        status: Option<OrderStatus>,
        page: &PageRequest,
    ) -> impl Future<Output = Result<OrderPage, StoreError>> + Send;
}
