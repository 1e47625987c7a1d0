//! The inventory service: product catalog, stock, and the saga's stock reservations.
//!
//! A small hexagon, each part pointing inwards only:
//! - [`domain`]: the types and every rule, as pure functions: input validation, "stock never
//!   goes negative" ([`domain::check_stock`]), the reserve and release plans with their
//!   idempotency by order id and the release tombstone ([`domain::plan_reserve`],
//!   [`domain::plan_release`]), product changes ([`domain::product_after_change`],
//!   [`domain::stock_set`]) and the catalog's cursors ([`domain::page_request`]). Unit-tested
//!   there.
//! - [`store`]: the port ([`store::InventoryStore`]) and its two adapters, which carry the
//!   domain's plans out atomically: [`store::DynamoStore`] (the service's DynamoDB table; the
//!   plans' preconditions become condition expressions and transactions, the part only the
//!   system tests on the emulator exercise) and [`store::MemoryStore`] (one lock; the
//!   handler tests run on it).
//!   The catalog's search and category filter ([`domain::catalog_filter`],
//!   [`domain::CatalogFilter::matches`]) and the image rules ([`domain::validate_image`],
//!   [`domain::image_key`]) are domain rules too; both stores page a filtered list alike.
//! - [`store::images`]: where uploaded product images go, a port of its own
//!   ([`store::ImageStore`]): the site bucket in S3 ([`store::S3Images`]) or memory
//!   ([`store::MemoryImages`]).
//! - [`http`]: the one axum `Router`, generic over the stores, and the mapping of each rule
//!   and store failure to its HTTP problem.

pub mod config;
pub mod domain;
pub mod http;
pub mod store;
