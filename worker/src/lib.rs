//! The sagaway Temporal worker.
//!
//! - [`workflow`]: the OrderSaga, a plain story of steps and compensations.
//! - [`activities`]: one activity per saga step, each a call to a service.
//! - [`clients`]: the service clients (direct Lambda invocation of internal routes), with a
//!   [`breaker`] per service.
//! - [`policies`]: every retry policy and timeout, in one place.
//! - [`model`]: the workflow's input, state and messages (shared with the gateway function).
//! - [`config`]: the worker's settings from the environment.
//! - [`health`]: the health/metrics endpoint (breaker states) on 127.0.0.1.

pub mod activities;
pub mod breaker;
pub mod clients;
pub mod config;
pub mod health;
pub mod model;
pub mod policies;
pub mod workflow;

/// The task queue the OrderSaga runs on (overridable with `TASK_QUEUE`).
pub const DEFAULT_TASK_QUEUE: &str = "sagaway-orders";

/// The workflow id of an order's saga.
pub fn workflow_id(order_id: &str) -> String {
    format!("order-{order_id}")
}
