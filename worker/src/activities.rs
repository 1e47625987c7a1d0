//! The saga's activities: each is one call to the [`SagaServices`] port (`notify_in_order`:
//! one per status, in order); errors become Temporal failures whose type says whether to
//! retry (see `policies`). The workflow runs `create_order` and `set_status` as local
//! activities first; the rest are always normal activities.

use crate::services::{SagaServices, StepError};
use sagaway_contract::OrderStatus;
use sagaway_contract::saga::{OrderSagaInput, StatusUpdate};
use std::sync::Arc;
use temporalio_macros::activities;
use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

/// Failure type names besides the business kinds.
pub const TRANSIENT: &str = "Transient";
pub const CIRCUIT_OPEN: &str = "CircuitOpen";

/// The saga's activities, sharing the services (in production, the breakers' state too).
pub struct SagaActivities {
    services: Arc<dyn SagaServices>,
}

impl SagaActivities {
    pub fn new(services: Arc<dyn SagaServices>) -> Self {
        Self { services }
    }
}

fn failure(e: StepError) -> ActivityError {
    let text = e.to_string();
    let f = match e {
        StepError::Business { kind, .. } => ApplicationFailure::builder(text)
            .type_name(kind.as_str().to_string())
            .non_retryable(true)
            .build(),
        StepError::Transient { .. } => ApplicationFailure::builder(text)
            .type_name(TRANSIENT.to_string())
            .build(),
        StepError::CircuitOpen { retry_after, .. } => ApplicationFailure::builder(text)
            .type_name(CIRCUIT_OPEN.to_string())
            .next_retry_delay(retry_after.max(std::time::Duration::from_millis(100)))
            .build(),
    };
    ActivityError::application(f)
}

#[activities]
impl SagaActivities {
    #[activity]
    /// Creates the order; answers its status now (not PENDING when an earlier run of this
    /// order's saga already moved it on).
    pub async fn create_order(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: OrderSagaInput,
    ) -> Result<OrderStatus, ActivityError> {
        self.services.create_order(&input).await.map_err(failure)
    }

    #[activity]
    pub async fn set_status(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: StatusUpdate,
    ) -> Result<(), ActivityError> {
        self.services.set_status(&input).await.map_err(failure)?;
        Ok(())
    }

    #[activity]
    pub async fn reserve_stock(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: OrderSagaInput,
    ) -> Result<(), ActivityError> {
        self.services.reserve(&input).await.map_err(failure)?;
        Ok(())
    }

    #[activity]
    pub async fn release_stock(
        self: Arc<Self>,
        _ctx: ActivityContext,
        order_id: String,
    ) -> Result<(), ActivityError> {
        self.services.release(&order_id).await.map_err(failure)?;
        Ok(())
    }

    #[activity]
    pub async fn charge_payment(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: OrderSagaInput,
    ) -> Result<(), ActivityError> {
        self.services.charge(&input).await.map_err(failure)?;
        Ok(())
    }

    #[activity]
    pub async fn refund_payment(
        self: Arc<Self>,
        _ctx: ActivityContext,
        order_id: String,
    ) -> Result<(), ActivityError> {
        self.services.refund(&order_id).await.map_err(failure)?;
        Ok(())
    }

    #[activity]
    pub async fn notify(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: StatusUpdate,
    ) -> Result<(), ActivityError> {
        self.services.notify(&input).await.map_err(failure)?;
        Ok(())
    }

    #[activity]
    /// Tells the shopper about status changes, oldest first. A refused one is skipped (the
    /// rest still go out) and reported once all are done; any other failure stops the attempt,
    /// and its retry sends them all again: the notification service answers a repeat without
    /// storing or pushing it twice.
    pub async fn notify_in_order(
        self: Arc<Self>,
        _ctx: ActivityContext,
        updates: Vec<StatusUpdate>,
    ) -> Result<(), ActivityError> {
        let mut refused = None;
        for update in &updates {
            match self.services.notify(update).await {
                Ok(()) => {}
                Err(e @ StepError::Business { .. }) => refused = Some(e),
                Err(e) => return Err(failure(e)),
            }
        }
        refused.map_or(Ok(()), |e| Err(failure(e)))
    }
}
