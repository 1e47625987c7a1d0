//! The inventory in memory: the same port as the DynamoDB table, for tests.
//!
//! Products and reservations are maps behind one lock, and every operation runs under it
//! from its read to its last write, so a plan's preconditions (checked by the same
//! [`crate::domain`] functions the DynamoDB store uses) hold atomically, as the table's
//! conditions make them hold there: no reserve sees stock another one is taking, and a
//! multi-line reserve or a release changes everything or nothing.

use super::{InventoryStore, StoreError, now};
use crate::domain::{
    self, CatalogFilter, PageRequest, Product, ProductChange, ProductPage, ReleaseOutcome,
    ReleasePlan, Reservation, ReserveOutcome, ReservePlan, ReserveRequest,
};
use std::collections::{BTreeMap, HashMap};
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

    /// The order's reservation or tombstone, or `None`: what reserve and release left, for
    /// tests to see (no handler reads a reservation, so the port has no such read).
    pub fn reservation(&self, order_id: &str) -> Result<Option<Reservation>, StoreError> {
        Ok(self.lock()?.reservations.get(order_id).cloned())
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

    async fn products_by_id(&self, ids: &[String]) -> Result<Vec<Product>, StoreError> {
        let tables = self.lock()?;
        Ok(ids
            .iter()
            .filter_map(|id| tables.products.get(id).cloned())
            .collect())
    }

    async fn products(
        &self,
        page: &PageRequest,
        filter: &CatalogFilter,
    ) -> Result<ProductPage, StoreError> {
        let catalog = self.lock()?.products.values().cloned().collect();
        Ok(domain::filtered_page(catalog, page, filter))
    }

    async fn put_product(&self, id: &str, change: &ProductChange) -> Result<Product, StoreError> {
        let mut tables = self.lock()?;
        let product = domain::product_after_change(tables.products.get(id), id, change, &now());
        tables.products.insert(id.to_string(), product.clone());
        Ok(product)
    }

    async fn set_image(&self, id: &str, image_url: &str) -> Result<Product, StoreError> {
        let mut tables = self.lock()?;
        let product = domain::image_set(tables.products.get(id), id, image_url, &now())?;
        tables.products.insert(id.to_string(), product.clone());
        Ok(product)
    }

    async fn set_stock(&self, id: &str, stock: i64) -> Result<Product, StoreError> {
        let mut tables = self.lock()?;
        let product = domain::stock_set(tables.products.get(id), id, stock, &now())?;
        tables.products.insert(id.to_string(), product.clone());
        Ok(product)
    }

    async fn reserve(&self, request: &ReserveRequest) -> Result<ReserveOutcome, StoreError> {
        self.lock()?.reserve(request)
    }

    async fn release(&self, order_id: &str) -> Result<ReleaseOutcome, StoreError> {
        self.lock()?.release(order_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{InventoryError, Line, ReservationStatus};

    async fn store_with(products: &[(&str, i64)]) -> MemoryStore {
        let store = MemoryStore::new();
        for (id, stock) in products {
            let change = ProductChange {
                name: format!("Product {id}"),
                description: String::new(),
                price_cents: 100,
                currency: "USD".into(),
                stock: Some(*stock),
                category: None,
                image_url: None,
            };
            store.put_product(id, &change).await.unwrap();
        }
        store
    }

    fn request(order: &str, lines: &[(&str, i64)]) -> ReserveRequest {
        ReserveRequest {
            order_id: order.into(),
            lines: lines
                .iter()
                .map(|(p, q)| Line {
                    product_id: p.to_string(),
                    quantity: *q,
                })
                .collect(),
        }
    }

    async fn stock(store: &MemoryStore, id: &str) -> i64 {
        store.product(id).await.unwrap().expect("product").stock
    }

    #[tokio::test]
    async fn a_batch_read_finds_the_products_that_exist_with_their_stock() {
        let store = store_with(&[("a", 3), ("b", 0)]).await;
        store.reserve(&request("o-1", &[("a", 2)])).await.unwrap();
        let ids: Vec<String> = ["b", "nope", "a"].iter().map(|s| s.to_string()).collect();
        let mut found = store.products_by_id(&ids).await.unwrap();
        found.sort_by(|x, y| x.id.cmp(&y.id));
        let got: Vec<(&str, i64)> = found.iter().map(|p| (p.id.as_str(), p.stock)).collect();
        assert_eq!(got, [("a", 1), ("b", 0)]);
        assert!(store.products_by_id(&[]).await.unwrap().is_empty());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn parallel_reserves_never_take_more_than_the_stock() {
        let store = store_with(&[("race", 20)]).await;
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .reserve(&request(&format!("o-{i}"), &[("race", 1)]))
                        .await
                })
            })
            .collect();
        let (mut created, mut short) = (0, 0);
        for task in tasks {
            match task.await.unwrap() {
                Ok(ReserveOutcome::Created(_)) => created += 1,
                Err(StoreError::Refused(InventoryError::OutOfStock(_))) => short += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!((created, short), (20, 30));
        assert_eq!(stock(&store, "race").await, 0);
    }

    #[tokio::test]
    async fn a_multi_line_reserve_is_all_or_nothing() {
        let store = store_with(&[("plenty", 5), ("scarce", 1)]).await;
        let err = store
            .reserve(&request("o-1", &[("plenty", 2), ("scarce", 3)]))
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            StoreError::Refused(InventoryError::OutOfStock(ref s)) if s.len() == 1 && s[0].product_id == "scarce"
        ));
        let unknown = store
            .reserve(&request("o-1", &[("plenty", 2), ("ghost", 1)]))
            .await
            .unwrap_err();
        assert!(matches!(
            unknown,
            StoreError::Refused(InventoryError::UnknownProducts(ref ids)) if ids == &["ghost"]
        ));
        assert_eq!(stock(&store, "plenty").await, 5, "untouched");
        assert_eq!(stock(&store, "scarce").await, 1);
        assert_eq!(store.reservation("o-1").unwrap(), None, "no record");

        let ok = store
            .reserve(&request("o-1", &[("plenty", 2), ("scarce", 1)]))
            .await
            .unwrap();
        assert!(matches!(ok, ReserveOutcome::Created(_)));
        assert_eq!(stock(&store, "plenty").await, 3);
        assert_eq!(stock(&store, "scarce").await, 0);
    }

    #[tokio::test]
    async fn reserve_and_release_are_idempotent_by_order() {
        let store = store_with(&[("mug", 10)]).await;
        let req = request("o-1", &[("mug", 4)]);
        let first = store.reserve(&req).await.unwrap();
        let ReserveOutcome::Created(created) = first else {
            panic!("created expected, got {first:?}");
        };
        assert_eq!(
            store.reserve(&req).await.unwrap(),
            ReserveOutcome::Repeated(created.clone())
        );
        assert_eq!(stock(&store, "mug").await, 6, "taken once");

        let released = store.release("o-1").await.unwrap();
        let ReleaseOutcome::Released { reservation } = &released else {
            panic!("released expected, got {released:?}");
        };
        assert_eq!(reservation.status, ReservationStatus::Released);
        assert_eq!(reservation.lines, created.lines);
        assert_eq!(
            store.reservation("o-1").unwrap().as_ref(),
            Some(reservation)
        );
        assert!(matches!(
            store.release("o-1").await.unwrap(),
            ReleaseOutcome::AlreadyReleased { .. }
        ));
        assert_eq!(stock(&store, "mug").await, 10, "put back once");
        assert!(matches!(
            store.reserve(&req).await,
            Err(StoreError::Refused(InventoryError::ReservationReleased(_)))
        ));
        assert_eq!(stock(&store, "mug").await, 10);
    }

    #[tokio::test]
    async fn a_release_before_the_reserve_blocks_it() {
        let store = store_with(&[("mug", 3)]).await;
        assert_eq!(
            store.release("late").await.unwrap(),
            ReleaseOutcome::UnknownOrder {
                order_id: "late".into()
            }
        );
        assert!(matches!(
            store.reserve(&request("late", &[("mug", 1)])).await,
            Err(StoreError::Refused(InventoryError::ReservationReleased(_)))
        ));
        assert_eq!(stock(&store, "mug").await, 3);
    }

    #[tokio::test]
    async fn a_detail_update_keeps_the_stock_reserves_moved() {
        let store = store_with(&[("mug", 5)]).await;
        store.reserve(&request("o-1", &[("mug", 2)])).await.unwrap();
        let change = ProductChange {
            name: "Renamed".into(),
            description: "new".into(),
            price_cents: 1500,
            currency: "EUR".into(),
            stock: None,
            category: None,
            image_url: None,
        };
        let p = store.put_product("mug", &change).await.unwrap();
        assert_eq!((p.name.as_str(), p.stock), ("Renamed", 3));
        assert_eq!(store.product("mug").await.unwrap(), Some(p));
        assert!(matches!(
            store.set_stock("ghost", 1).await,
            Err(StoreError::Refused(InventoryError::ProductNotFound(_)))
        ));
        assert_eq!(store.product("ghost").await.unwrap(), None, "not created");
        assert_eq!(store.set_stock("mug", 9).await.unwrap().stock, 9);
    }

    async fn all_pages(store: &MemoryStore, limit: i32) -> Vec<Vec<String>> {
        let mut pages = Vec::new();
        let mut after = None;
        loop {
            let page = store
                .products(&PageRequest { limit, after }, &CatalogFilter::default())
                .await
                .unwrap();
            pages.push(page.items.iter().map(|p| p.id.clone()).collect());
            match page.next_cursor {
                Some(c) => after = Some(domain::decode_cursor(&c).unwrap()),
                None => return pages,
            }
        }
    }

    #[tokio::test]
    async fn the_catalog_pages_in_id_order_as_the_table_does() {
        let store = store_with(&[("c", 1), ("a", 1), ("B", 1), ("e", 1), ("d", 1)]).await;
        assert_eq!(
            all_pages(&store, 2).await,
            vec![vec!["B", "a"], vec!["c", "d"], vec!["e"]],
            "byte order, like the index's string range key"
        );
        // A full last page still carries a cursor; the page after it is empty.
        assert_eq!(
            all_pages(&store, 5).await,
            vec![vec!["B", "a", "c", "d", "e"], Vec::<&str>::new()]
        );
        assert_eq!(
            all_pages(&MemoryStore::new(), 5).await,
            vec![Vec::<String>::new()]
        );
    }
}
