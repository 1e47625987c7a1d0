//! The OrderSaga.
//!
//! ```text
//! create order (PENDING) ─> reserve stock (RESERVED) ─> charge payment (PAID) ─> confirm (CONFIRMED)
//!        on failure or cancellation after the order exists, in reverse:
//!        COMPENSATING ─> refund (if a charge was attempted) ─> release stock ─> CANCELLED
//! ```
//! Every status change is recorded on the order and notified to the shopper; a failed
//! notification never fails the order. Compensations retry until they succeed. A shopper's
//! cancellation (the `request_cancel` update) is accepted until payment has gone through and
//! takes effect at the next step.

use crate::activities::SagaActivities;
use crate::model::{CancelRequest, OrderSagaInput, SagaState, StatusInput};
use crate::policies;
use temporalio_common::error::IncomingError;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{
    ActivityExecutionError, SyncWorkflowContext, WorkflowContext, WorkflowContextView,
    WorkflowResult,
};

/// Statuses after which a shopper can no longer cancel.
const NOT_CANCELLABLE: [&str; 4] = ["PAID", "CONFIRMED", "COMPENSATING", "CANCELLED"];

#[workflow]
#[derive(Default)]
pub struct OrderSaga {
    state: SagaState,
}

/// Why the forward path stopped.
struct Stop(String);

#[workflow_methods]
impl OrderSaga {
    #[run]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        input: OrderSagaInput,
    ) -> WorkflowResult<SagaState> {
        ctx.state_mut(|w| {
            w.state.order_id = input.order_id.clone();
            w.state.customer_id = input.customer_id.clone();
        });

        step(ctx, "create_order");
        ctx.execute_activity(
            SagaActivities::create_order,
            input.clone(),
            policies::order_step(),
        )
        .await?;
        Self::record(ctx, &input, "PENDING", None).await?;

        if let Err(Stop(reason)) = Self::forward(ctx, &input).await {
            Self::compensate(ctx, &input, reason).await?;
        }

        step(ctx, "done");
        ctx.state_mut(|w| w.state.finished = true);
        Ok(ctx.state(|w| w.state.clone()))
    }

    /// The happy path. `Err` carries the reason to compensate.
    async fn forward(ctx: &mut WorkflowContext<Self>, input: &OrderSagaInput) -> Result<(), Stop> {
        Self::check_cancel(ctx)?;
        step(ctx, "reserve_stock");
        ctx.execute_activity(
            SagaActivities::reserve_stock,
            input.clone(),
            policies::reserve(),
        )
        .await
        .map_err(|e| stop("stock could not be reserved", &e))?;
        ctx.state_mut(|w| w.state.stock_reserved = true);
        Self::record(ctx, input, "RESERVED", None)
            .await
            .map_err(|e| stop("the order could not be updated", &e))?;

        Self::check_cancel(ctx)?;
        step(ctx, "charge_payment");
        ctx.state_mut(|w| w.state.charge_attempted = true);
        ctx.execute_activity(
            SagaActivities::charge_payment,
            input.clone(),
            policies::charge(),
        )
        .await
        .map_err(|e| stop("the payment failed", &e))?;
        ctx.state_mut(|w| w.state.charged = true);
        Self::check_cancel(ctx)?;
        Self::record(ctx, input, "PAID", None)
            .await
            .map_err(|e| stop("the order could not be updated", &e))?;

        step(ctx, "confirm");
        Self::record(ctx, input, "CONFIRMED", None)
            .await
            .map_err(|e| stop("the order could not be confirmed", &e))?;
        Ok(())
    }

    /// Undo in reverse order. Every step retries until it succeeds.
    async fn compensate(
        ctx: &mut WorkflowContext<Self>,
        input: &OrderSagaInput,
        reason: String,
    ) -> Result<(), ActivityExecutionError> {
        ctx.state_mut(|w| w.state.failure_reason = Some(reason.clone()));
        Self::record(ctx, input, "COMPENSATING", Some(reason.clone())).await?;
        if ctx.state(|w| w.state.charge_attempted) {
            step(ctx, "refund_payment");
            ctx.execute_activity(
                SagaActivities::refund_payment,
                input.order_id.clone(),
                policies::compensation(),
            )
            .await?;
            compensated(ctx, "refund_payment");
        }
        // Released even when the reserve failed: that leaves a tombstone, so a reserve that
        // lands late cannot keep stock.
        step(ctx, "release_stock");
        ctx.execute_activity(
            SagaActivities::release_stock,
            input.order_id.clone(),
            policies::compensation(),
        )
        .await?;
        compensated(ctx, "release_stock");
        Self::record(ctx, input, "CANCELLED", Some(reason)).await?;
        compensated(ctx, "cancel_order");
        Ok(())
    }

    /// Records a status on the order (retried until it succeeds), then notifies the shopper
    /// (best effort).
    async fn record(
        ctx: &mut WorkflowContext<Self>,
        input: &OrderSagaInput,
        status: &str,
        reason: Option<String>,
    ) -> Result<(), ActivityExecutionError> {
        let change = StatusInput {
            order_id: input.order_id.clone(),
            customer_id: input.customer_id.clone(),
            status: status.to_string(),
            reason,
        };
        if status != "PENDING" {
            ctx.execute_activity(
                SagaActivities::set_status,
                change.clone(),
                policies::order_step(),
            )
            .await?;
        }
        ctx.state_mut(|w| w.state.status = status.to_string());
        if let Err(e) = ctx
            .execute_activity(SagaActivities::notify, change, policies::notify())
            .await
        {
            tracing::warn!(order_id = %input.order_id, status, error = %e, "notification failed; the order goes on");
        }
        Ok(())
    }

    fn check_cancel(ctx: &mut WorkflowContext<Self>) -> Result<(), Stop> {
        match ctx.state(|w| w.state.cancel_requested.clone()) {
            Some(reason) => Err(Stop(format!("cancelled by the shopper: {reason}"))),
            None => Ok(()),
        }
    }

    /// The saga's live state.
    #[query]
    pub fn state(&self, _ctx: &WorkflowContextView) -> SagaState {
        self.state.clone()
    }

    #[update_validator(request_cancel)]
    fn validate_request_cancel(
        &self,
        _ctx: &WorkflowContextView,
        input: &CancelRequest,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        if self.state.finished || NOT_CANCELLABLE.contains(&self.state.status.as_str()) {
            return Err(format!(
                "the order is {} and can no longer be cancelled",
                self.state.status
            )
            .into());
        }
        if input.reason.trim().is_empty() {
            return Err("a cancellation needs a reason".into());
        }
        Ok(())
    }

    /// A shopper's cancellation; takes effect at the next step.
    #[update]
    pub fn request_cancel(
        &mut self,
        _ctx: &mut SyncWorkflowContext<Self>,
        input: CancelRequest,
    ) -> SagaState {
        if self.state.cancel_requested.is_none() {
            self.state.cancel_requested = Some(input.reason);
        }
        self.state.clone()
    }
}

fn step(ctx: &mut WorkflowContext<OrderSaga>, name: &str) {
    ctx.state_mut(|w| w.state.step = name.to_string());
}

fn compensated(ctx: &mut WorkflowContext<OrderSaga>, name: &str) {
    ctx.state_mut(|w| w.state.compensations.push(name.to_string()));
}

/// The shopper-facing reason for a failed step: the service's own message for a business
/// refusal (out of stock, declined), `what` otherwise.
fn stop(what: &str, e: &ActivityExecutionError) -> Stop {
    match e.cause() {
        Some(IncomingError::Application(f))
            if f.type_name()
                .is_some_and(|t| crate::clients::kinds::ALL.contains(&t)) =>
        {
            Stop(f.source_error().to_string())
        }
        _ => Stop(format!("{what}: {e}")),
    }
}
