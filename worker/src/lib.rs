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
//! - [`health`]: the health endpoint (Temporal connection, breaker states) and `/metrics` on
//!   127.0.0.1; the `healthcheck` subcommand's check.
//! - [`metrics`]: the Temporal SDK's metrics and the breakers' in the Prometheus text format.
//! - [`correlation`]: the order's correlation id from the workflow start to every service call.
//!
//! The workflow's input, state and messages are the contract's (`sagaway_contract::saga`), so
//! the gateway starts and reads sagas without linking this crate.

pub mod activities;
pub mod breaker;
pub mod clients;
pub mod config;
pub mod correlation;
pub mod health;
pub mod metrics;
pub mod policies;
pub mod services;
pub mod workflow;

pub use sagaway_contract::saga::{DEFAULT_TASK_QUEUE, workflow_id};
