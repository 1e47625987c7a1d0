//! The port between the saga's activities and the services they call.
//!
//! The activities only need each step's outcome: done, a business refusal (final), a
//! transient failure (retried), or an open circuit (retried after its cool-down). The
//! production adapter is [`crate::clients::Clients`] (Lambda invocations behind breakers);
//! the workflow tests run the real activities over a scripted fake.
//!
//! The futures are boxed so the trait stays object-safe: the activities hold an
//! `Arc<dyn SagaServices>`, since the `#[activities]` macro does not take generic types.

use futures::future::BoxFuture;
use sagaway_contract::saga::{OrderSagaInput, StatusUpdate};
use sagaway_contract::{FailureKind, OrderStatus};
use std::time::Duration;

/// Why a step did not succeed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StepError {
    /// The service refused for a business reason; retrying cannot help.
    #[error("{message}")]
    Business { kind: FailureKind, message: String },
    /// The service or the transport failed; a retry may succeed.
    #[error("{service} failed: {message}")]
    Transient {
        service: &'static str,
        message: String,
    },
    /// The service's breaker is open; retry after `retry_after`.
    #[error("the {service} service's circuit is open; not calling it for {retry_after:?}")]
    CircuitOpen {
        service: &'static str,
        retry_after: Duration,
    },
}

/// A step's outcome, once the service has answered.
pub type Step<'a, T> = BoxFuture<'a, Result<T, StepError>>;

/// One operation per saga step and compensation. Each must be idempotent per order: Temporal
/// retries them, and a retry may follow an attempt whose answer was lost.
pub trait SagaServices: Send + Sync {
    /// Creates the order; answers its status now (a repeat answers the existing order's).
    fn create_order<'a>(&'a self, input: &'a OrderSagaInput) -> Step<'a, OrderStatus>;
    /// Records a status change on the order.
    fn set_status<'a>(&'a self, update: &'a StatusUpdate) -> Step<'a, ()>;
    /// Reserves the order's lines.
    fn reserve<'a>(&'a self, input: &'a OrderSagaInput) -> Step<'a, ()>;
    /// Releases the order's reservation, or leaves a tombstone when there is none yet.
    fn release<'a>(&'a self, order_id: &'a str) -> Step<'a, ()>;
    /// Charges the order's total to its payment-method token.
    fn charge<'a>(&'a self, input: &'a OrderSagaInput) -> Step<'a, ()>;
    /// Refunds the order's charge, if any.
    fn refund<'a>(&'a self, order_id: &'a str) -> Step<'a, ()>;
    /// Tells the shopper about a status change.
    fn notify<'a>(&'a self, update: &'a StatusUpdate) -> Step<'a, ()>;
}
