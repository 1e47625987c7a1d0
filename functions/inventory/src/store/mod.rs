//! The inventory's storage port: what the handlers need from a store, in the domain's words.
//!
//! Two adapters implement it with the same semantics: [`dynamo::DynamoStore`] (the service's
//! DynamoDB table, used in Lambda) and [`memory::MemoryStore`] (maps behind one lock, for
//! tests). Neither decides a rule: each asks [`crate::domain`] for the plan (reserve, release,
//! product change, page) and carries it out atomically, the DynamoDB one with conditional
//! writes and transactions, the memory one under its lock.

//!
//! Uploaded product images have a port of their own, [`ImageStore`]: [`images::S3Images`]
//! (the site bucket) and [`images::MemoryImages`] (for tests).

pub mod dynamo;
pub mod images;
pub mod memory;

pub use dynamo::DynamoStore;
pub use images::{ImageStore, MemoryImages, S3Images};
pub use memory::MemoryStore;

use crate::domain::{
    CatalogFilter, InventoryError, PageRequest, Product, ProductChange, ProductPage,
    ReleaseOutcome, ReserveOutcome, ReserveRequest,
};
use std::future::Future;

/// Why a store call did not happen.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A rule refused it; nothing was written.
    #[error(transparent)]
    Refused(#[from] InventoryError),
    /// Concurrent writes to the same items kept winning; the caller may retry.
    #[error("the table is busy with conflicting writes; retry")]
    Contention,
    /// The storage itself failed.
    #[error("the inventory table failed: {0}")]
    Backend(String),
    /// This deployment has nowhere to store images (no `SITE_BUCKET`).
    #[error("image uploads are not configured: {0}")]
    NotConfigured(&'static str),
}

/// The inventory's storage.
pub trait InventoryStore: Send + Sync + 'static {
    /// One product, or `None`.
    fn product(&self, id: &str)
    -> impl Future<Output = Result<Option<Product>, StoreError>> + Send;

    /// The products of `ids` that exist, in any order, read together (one `BatchGetItem`
    /// in DynamoDB). `ids` are distinct and at most [`crate::domain::MAX_BATCH_IDS`]
    /// ([`crate::domain::validate_batch`]).
    fn products_by_id(
        &self,
        ids: &[String],
    ) -> impl Future<Output = Result<Vec<Product>, StoreError>> + Send;

    /// A page of the catalog's products that `filter` lets through ([`CatalogFilter::matches`]),
    /// in id order ([`sagaway_shared::paging`]): full unless the catalog ends, its cursor
    /// naming the last product on it ([`crate::domain::filtered_page`]).
    fn products(
        &self,
        page: &PageRequest,
        filter: &CatalogFilter,
    ) -> impl Future<Output = Result<ProductPage, StoreError>> + Send;

    /// Creates or updates a product ([`crate::domain::product_after_change`]).
    fn put_product(
        &self,
        id: &str,
        change: &ProductChange,
    ) -> impl Future<Output = Result<Product, StoreError>> + Send;

    /// Sets an existing product's image path ([`crate::domain::image_set`]).
    fn set_image(
        &self,
        id: &str,
        image_url: &str,
    ) -> impl Future<Output = Result<Product, StoreError>> + Send;

    /// Sets an existing product's stock ([`crate::domain::stock_set`]).
    fn set_stock(
        &self,
        id: &str,
        stock: i64,
    ) -> impl Future<Output = Result<Product, StoreError>> + Send;

    /// Reserves every line of `request` or none of them ([`crate::domain::plan_reserve`],
    /// [`crate::domain::check_stock`]).
    fn reserve(
        &self,
        request: &ReserveRequest,
    ) -> impl Future<Output = Result<ReserveOutcome, StoreError>> + Send;

    /// Puts back what the order reserved, once ([`crate::domain::plan_release`]).
    fn release(
        &self,
        order_id: &str,
    ) -> impl Future<Output = Result<ReleaseOutcome, StoreError>> + Send;
}

/// Now, as the RFC 3339 UTC text every record carries (sorts as text); the one clock read of
/// both adapters.
fn now() -> String {
    sagaway_shared::dynamo::attr::now()
}
