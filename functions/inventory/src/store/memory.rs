//! The inventory in memory: the same port as the DynamoDB table, for tests.
//!
//! Products and reservations are maps behind one lock, and every operation runs under it
//! from its read to its last write, so a plan's preconditions (checked by the same
//! [`crate::domain`] functions the DynamoDB store uses) hold atomically, as the table's
//! conditions make them hold there: no reserve sees stock another one is taking, and a
//! multi-line reserve or a release changes everything or nothing.

use super::{InventoryStore, StoreError, now};
use crate::domain::{
    self, PageRequest, Product, ProductChange, ProductPage, ReleaseOutcome, ReleasePlan,
    Reservation, ReserveOutcome, ReservePlan, ReserveRequest,
};
use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Debug, Default)]
struct Tables {
    /// In id order, as the table's `catalog` index lists them.
    products: BTreeMap<String, Product>,
    reservations: HashMap<String, Reservation>,
}

/// An inventory held in memory; clones share it.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    tables: Arc<Mutex<Tables>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, Tables>, StoreError> {
        // A panic while holding the lock may have left a half-made change behind.
        self.tables
            .lock()
            .map_err(|_| StoreError::Backend("the memory store's lock is poisoned".into()))
    }
}

impl Tables {
    fn reserve(&mut self, request: &ReserveRequest) -> Result<ReserveOutcome, StoreError> {
        let existing = self.reservations.get(&request.order_id);
        let reservation = match domain::plan_reserve(existing, request, &now())? {
            ReservePlan::Repeat(r) => return Ok(ReserveOutcome::Repeated(r)),
            ReservePlan::Take(r) => r,
        };
        domain::check_stock(&reservation.lines, |id| {
            self.products.get(id).map(|p| p.stock)
        })?;
        for line in &reservation.lines {
            let product = self.product_mut(&line.product_id)?;
            product.stock -= line.quantity;
            product.updated_at.clone_from(&reservation.created_at);
        }
        self.reservations
            .insert(reservation.order_id.clone(), reservation.clone());
        Ok(ReserveOutcome::Created(reservation))
    }

    fn release(&mut self, order_id: &str) -> Result<ReleaseOutcome, StoreError> {
        let plan = domain::plan_release(self.reservations.get(order_id), order_id, &now());
        match &plan {
            ReleasePlan::AlreadyReleased(_) => {}
            ReleasePlan::Tombstone(tombstone) => {
                self.reservations
                    .insert(order_id.to_string(), tombstone.clone());
            }
            ReleasePlan::Restock(released) => {
                // All or nothing, as the table's transaction: every product first, then writes.
                if let Some(gone) = released
                    .lines
                    .iter()
                    .find(|l| !self.products.contains_key(&l.product_id))
                {
                    return Err(StoreError::Backend(format!(
                        "release of {order_id} refused: product {} no longer exists",
                        gone.product_id
                    )));
                }
                let at = released.released_at.clone().unwrap_or_else(now);
                for line in &released.lines {
                    let product = self.product_mut(&line.product_id)?;
                    product.stock += line.quantity;
                    product.updated_at.clone_from(&at);
                }
                self.reservations
                    .insert(order_id.to_string(), released.clone());
            }
        }
        Ok(plan.outcome())
    }

    fn product_mut(&mut self, id: &str) -> Result<&mut Product, StoreError> {
        self.products
            .get_mut(id)
            .ok_or_else(|| StoreError::Backend(format!("product {id} vanished under the lock")))
    }
}

impl InventoryStore for MemoryStore {
    async fn product(&self, id: &str) -> Result<Option<Product>, StoreError> {
        Ok(self.lock()?.products.get(id).cloned())
    }

    async fn products(&self, page: &PageRequest) -> Result<ProductPage, StoreError> {
        let tables = self.lock()?;
        let start = match &page.after {
            Some(id) => Bound::Excluded(id.as_str()),
            None => Bound::Unbounded,
        };
        let limit = usize::try_from(page.limit).unwrap_or(0);
        let items: Vec<Product> = tables
            .products
            .range::<str, _>((start, Bound::Unbounded))
            .take(limit)
            .map(|(_, p)| p.clone())
            .collect();
        // Like a DynamoDB Query, stop at the limit without looking ahead.
        let stopped_early = items.len() == limit;
        Ok(domain::catalog_page(items, stopped_early))
    }

    async fn put_product(&self, id: &str, change: &ProductChange) -> Result<Product, StoreError> {
        let mut tables = self.lock()?;
        let product = domain::product_after_change(tables.products.get(id), id, change, &now());
        tables.products.insert(id.to_string(), product.clone());
        Ok(product)
    }

    async fn set_stock(&self, id: &str, stock: i64) -> Result<Product, StoreError> {
        let mut tables = self.lock()?;
        let product = domain::stock_set(tables.products.get(id), id, stock, &now())?;
        tables.products.insert(id.to_string(), product.clone());
        Ok(product)
    }

    async fn reservation(&self, order_id: &str) -> Result<Option<Reservation>, StoreError> {
        Ok(self.lock()?.reservations.get(order_id).cloned())
    }

    async fn reserve(&self, request: &ReserveRequest) -> Result<ReserveOutcome, StoreError> {
        self.lock()?.reserve(request)
    }

    async fn release(&self, order_id: &str) -> Result<ReleaseOutcome, StoreError> {
        self.lock()?.release(order_id)
    }
}
