//! The payment service: charges and refunds, idempotent by order id, against a simulated
//! payment provider driven by test card numbers.
//!
//! [`provider`] is the simulated provider, [`domain`] the payment rules, [`store`] the
//! payments table, [`http`] the router.

pub mod domain;
pub mod http;
pub mod provider;
pub mod store;
