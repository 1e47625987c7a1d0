//! The sagaway Temporal worker.
//!
//! - [`workflow`]: the OrderSaga, a plain story of steps and compensations.
//! - [`activities`]: one activity per saga step, each a call to a service.
//! - [`services`]: the port the activities call ([`services::SagaServices`]), so the saga's
//!   branches can be tested over a fake (`tests/saga_branches.rs`).
//! - [`clients`]: its production adapter, the service clients (direct Lambda invocation of
//!   internal routes), with a [`breaker`] per service.
//! - [`policies`]: every retry policy and timeout, in one place.
//! - [`config`]: the worker's settings from the environment.
//! - [`health`]: the health/metrics endpoint (breaker states) on 127.0.0.1.
//!
//! The workflow's input, state and messages are the contract's (`sagaway_contract::saga`), so
//! the gateway starts and reads sagas without linking this crate.

pub mod activities;
pub mod breaker;
pub mod clients;
pub mod config;
pub mod health;
pub mod policies;
pub mod services;
pub mod workflow;

pub use sagaway_contract::saga::{DEFAULT_TASK_QUEUE, workflow_id};
