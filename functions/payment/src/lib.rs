//! The payment service: charges and refunds, idempotent by order id, against a simulated
//! payment provider driven by test card numbers.
//!
//! Where things live:
//! - [`domain`]: every rule, as pure functions given `now`: validation and the vault, the
//!   charge decision from the existing record (replay, decline again, refuse a mismatch or a
//!   closed payment, in progress, start, take over a lease that ran out), the refund decision
//!   (refund, already refunded, not charged, VOIDED tombstone, void an unknown outcome), and
//!   the transitions of a stored payment with their conditions.
//! - [`service`]: the charge and refund flows (read, decide, conditional write; the provider
//!   is called between taking a lease and recording its answer), what the handlers call.
//! - [`store`]: the port ([`store::PaymentStore`]), with the DynamoDB adapter
//!   ([`store::dynamo`]), which encodes each transition's condition in its writes, and an
//!   in-memory one ([`store::memory`]) with the same semantics for tests.
//! - [`provider`]: the simulated provider behind the [`provider::Provider`] port.
//! - [`http`]: the router, generic over the store, and the errors' statuses and codes.

pub mod config;
pub mod domain;
pub mod http;
pub mod provider;
pub mod service;
pub mod store;
