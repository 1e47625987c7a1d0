//! The customer service: registration, login, JWT issuing, profiles.
//!
//! Where each rule lives:
//! - [`domain`]: every decision, as pure functions: input validation, password hashing and
//!   the login decision (a uniform refusal, the dummy hash for unknown emails), what a new
//!   account, an admin reset and a profile change look like, a token's claims and lifetime.
//! - [`store`]: the port ([`store::CustomerStore`]) and its adapters. [`store::DynamoStore`]
//!   keeps the decisions in the customer table and enforces one account per email with a
//!   conditional transaction; [`store::MemoryStore`] holds the same rule under a lock, for
//!   tests.
//! - [`limits`]: failed logins per account and per source address (growing lockouts) and
//!   registrations per source address, kept in the customer table by
//!   [`sagaway_shared::limits`]; what happens when they cannot be checked.
//! - [`tokens`]: signing the claims (the key from Secrets Manager, or one generated in
//!   process for tests).
//! - [`http`]: the router, generic over the store and the key, and the one mapping of
//!   errors to HTTP status and code.

pub mod config;
pub mod domain;
pub mod http;
pub mod limits;
pub mod store;
pub mod tokens;
