//! The inventory service: product catalog, stock, and the saga's stock reservations.
//!
//! A small hexagon: [`domain`] holds the types and rules, [`store`] persists them in the
//! service's own DynamoDB table, and [`http`] is the one axum `Router` in front of them.

pub mod domain;
pub mod http;
pub mod store;
