//! The orders in process memory, with the DynamoDB adapter's semantics: the same decisions
//! from [`crate::domain`], each read-decide-write done under one lock (so the conditions
//! DynamoDB checks always hold here), and the same list order and paging.

use super::{OrderStore, StoreError};
use crate::domain::{
    Created, Decision, NewOrder, Order, OrderError, OrderPage, OrderStatus, PageRequest,
    Transition, create_or_replay, decide, list_key,
};
use sagaway_shared::dynamo::attr::now;
use sagaway_shared::paging::{Direction, page};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

type Clock = Arc<dyn Fn() -> String + Send + Sync>;

/// Orders by id.
#[derive(Clone)]
pub struct MemoryStore {
    orders: Arc<Mutex<HashMap<String, Order>>>,
    clock: Clock,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

impl MemoryStore {
    /// An empty store on the system clock.
    pub fn new() -> Self {
        Self::with_clock(now)
    }

    /// An empty store that reads the time (RFC 3339, as the DynamoDB adapter writes it) from
    /// `clock`, so tests can order creations without sleeping.
    pub fn with_clock(clock: impl Fn() -> String + Send + Sync + 'static) -> Self {
        Self {
            orders: Arc::default(),
            clock: Arc::new(clock),
        }
    }

    fn orders(&self) -> MutexGuard<'_, HashMap<String, Order>> {
        // A panic while holding the lock cannot leave a half-written order: every write is
        // one insert of a complete order.
        self.orders.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl OrderStore for MemoryStore {
    async fn get(&self, id: &str) -> Result<Option<Order>, StoreError> {
        Ok(self.orders().get(id).cloned())
    }

    async fn create(&self, new: &NewOrder) -> Result<Created, StoreError> {
        let at = (self.clock)();
        let mut orders = self.orders();
        let created = create_or_replay(new, orders.get(&new.id), &at)?;
        if let Created::New(order) = &created {
            orders.insert(order.id.clone(), order.clone());
        }
        Ok(created)
    }

    async fn transition(&self, id: &str, t: &Transition) -> Result<Order, StoreError> {
        let at = (self.clock)();
        let mut orders = self.orders();
        let order = orders
            .get(id)
            .ok_or_else(|| OrderError::NotFound(id.to_string()))?;
        match decide(order, t, &at)? {
            Decision::Unchanged => Ok(order.clone()),
            Decision::Apply(update) => {
                orders.insert(id.to_string(), update.order.clone());
                Ok(update.order)
            }
        }
    }

    async fn for_customer(
        &self,
        customer_id: &str,
        req: &PageRequest,
    ) -> Result<OrderPage, StoreError> {
        let entries = self
            .orders()
            .values()
            .filter(|o| o.customer_id == customer_id)
            .map(|o| (list_key(&o.created_at, &o.id), o.clone()))
            .collect();
        let (items, next_cursor) = page(entries, req, Direction::Descending);
        Ok(OrderPage { items, next_cursor })
    }

    async fn all(
        &self,
        status: Option<OrderStatus>,
        req: &PageRequest,
    ) -> Result<OrderPage, StoreError> {
        let entries = self
            .orders()
            .values()
            .filter(|o| status.is_none_or(|s| o.status == s))
            .map(|o| (list_key(&o.created_at, &o.id), o.clone()))
            .collect();
        let (items, next_cursor) = page(entries, req, Direction::Descending);
        Ok(OrderPage { items, next_cursor })
    }
}
