//! The order service: orders, their status and its history, the shopper's order list.
//!
//! [`domain`] holds the statuses and the legal transitions, [`store`] the orders table with
//! optimistic versioning, [`http`] the router.

pub mod domain;
pub mod http;
pub mod store;
