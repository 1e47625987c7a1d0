//! The order service: orders, their status and its history, the shopper's order list.
//!
//! Where each rule lives:
//! - [`domain`]: every decision, as pure functions: input validation, create-or-replay by
//!   order id, whether a status change is a no-op, legal (the contract's transition table)
//!   and made against the current version, who may read an order, list order and paging.
//! - [`store`]: the port ([`store::OrderStore`]) and its two adapters. The DynamoDB one
//!   ([`store::DynamoStore`]) writes each decision conditionally (id unused, version
//!   unchanged) and decides again when another writer got there first; the in-memory one
//!   ([`store::MemoryStore`]) applies the same decisions under a lock, for tests.
//! - [`http`]: the router, generic over the store: it checks input, asks the store, and maps
//!   each refusal to its problem response.

pub mod config;
pub mod domain;
pub mod http;
pub mod store;
