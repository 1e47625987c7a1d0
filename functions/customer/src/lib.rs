//! The customer service: registration, login, JWT issuing, profiles.
//!
//! [`domain`] holds the rules (and password hashing), [`store`] the customer table,
//! [`tokens`] the signing of JWTs, [`http`] the router.

pub mod domain;
pub mod http;
pub mod store;
pub mod tokens;
