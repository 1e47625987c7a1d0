//! The one contract of sagaway: what crosses a function boundary.
//!
//! Every service deserializes these types, the worker serializes them, the gateway and the
//! web app (through the OpenAPI document) use them. Nothing crosses a boundary as hand-built
//! JSON or as a bare status string.
//!
//! - [`limits`]: every limit (lines, quantities, prices, the order total) and the checked
//!   arithmetic that applies them.
//! - [`status`]: [`OrderStatus`] and its transition table, the one place those rules live.
//! - [`saga`]: the OrderSaga's input, live state, update and names.
//! - [`correlation`]: the correlation id's log fields and headers (one order's path, one query).
//! - [`failure`]: the business failure kinds a saga step can end with.
//! - [`problem`]: the RFC 9457 problem body every error uses.
//! - [`address`]: the shipping address and its rules (profile and order).
//! - [`api`]: public request/response bodies of the gateway.
//! - [`order`], [`inventory`], [`payment`], [`notification`]: each service's messages.

pub mod address;
pub mod api;
pub mod correlation;
pub mod failure;
pub mod inventory;
pub mod limits;
pub mod notification;
pub mod order;
pub mod payment;
pub mod problem;
pub mod saga;
pub mod status;

pub use failure::FailureKind;
pub use problem::{FieldError, Problem};
pub use status::OrderStatus;
