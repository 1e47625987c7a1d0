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
//!
//! The saga's input, state and names are the contract's (`sagaway_contract::saga`). A run
//! that finds its order already past PENDING (an earlier run of the same order id finished
//! it) does nothing and reports the order as it is.

use crate::activities::SagaActivities;
use crate::policies;
use sagaway_contract::saga::{
    CancelRequest, Compensation, OrderSagaInput, SagaState, SagaStep, StatusUpdate,
};
use sagaway_contract::{FailureKind, OrderStatus};
use temporalio_common::error::IncomingError;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{
    ActivityExecutionError, SyncWorkflowContext, WorkflowContext, WorkflowContextView,
    WorkflowResult,
};

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
        ctx.state_mut(|w| w.state = SagaState::started(&input));

        let outcome = Self::story(ctx, &input).await;
        // Finished either way, so the gateway never offers to cancel a saga that has ended.
        step(ctx, SagaStep::Done);
        ctx.state_mut(|w| {
            w.state.finished = true;
            if let Err(e) = &outcome
                && w.state.failure_reason.is_none()
            {
                w.state.failure_reason = Some(format!("the saga failed: {e}"));
            }
        });
        outcome?;
        Ok(ctx.state(|w| w.state.clone()))
    }

    /// Create the order, then the happy path, or compensation.
    async fn story(
        ctx: &mut WorkflowContext<Self>,
        input: &OrderSagaInput,
    ) -> Result<(), ActivityExecutionError> {
        step(ctx, SagaStep::CreateOrder);
        let status = ctx
            .execute_activity(
                SagaActivities::create_order,
                input.clone(),
                policies::order_step(),
            )
            .await?;
        if status.is_final() {
            // An earlier run of this order's saga finished it: nothing to do again.
            ctx.state_mut(|w| w.state.status = status);
            return Ok(());
        }
        if status != OrderStatus::Pending {
            // An earlier run stopped half-way (and its history is gone): undo whatever it may
            // have done; refunding and releasing what was never taken are no-ops.
            ctx.state_mut(|w| {
                w.state.status = status;
                w.state.charge_attempted = true;
            });
            let reason = "an earlier run of this order stopped before it finished".to_string();
            return Self::compensate(ctx, input, reason).await;
        }
        Self::record(ctx, input, OrderStatus::Pending, None).await?;
        if let Err(Stop(reason)) = Self::forward(ctx, input).await {
            Self::compensate(ctx, input, reason).await?;
        }
        Ok(())
    }

    /// The happy path. `Err` carries the reason to compensate.
    async fn forward(ctx: &mut WorkflowContext<Self>, input: &OrderSagaInput) -> Result<(), Stop> {
        Self::check_cancel(ctx)?;
        step(ctx, SagaStep::ReserveStock);
        ctx.execute_activity(
            SagaActivities::reserve_stock,
            input.clone(),
            policies::reserve(),
        )
        .await
        .map_err(|e| stop("stock could not be reserved", &e))?;
        ctx.state_mut(|w| w.state.stock_reserved = true);
        Self::record(ctx, input, OrderStatus::Reserved, None)
            .await
            .map_err(|e| stop("the order could not be updated", &e))?;

        Self::check_cancel(ctx)?;
        step(ctx, SagaStep::ChargePayment);
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
        Self::record(ctx, input, OrderStatus::Paid, None)
            .await
            .map_err(|e| stop("the order could not be updated", &e))?;

        step(ctx, SagaStep::Confirm);
        Self::record(ctx, input, OrderStatus::Confirmed, None)
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
        Self::record(ctx, input, OrderStatus::Compensating, Some(reason.clone())).await?;
        if ctx.state(|w| w.state.charge_attempted) {
            step(ctx, SagaStep::RefundPayment);
            ctx.execute_activity(
                SagaActivities::refund_payment,
                input.order_id.clone(),
                policies::compensation(),
            )
            .await?;
            compensated(ctx, Compensation::RefundPayment);
        }
        // Released even when the reserve failed: that leaves a tombstone, so a reserve that
        // lands late cannot keep stock.
        step(ctx, SagaStep::ReleaseStock);
        ctx.execute_activity(
            SagaActivities::release_stock,
            input.order_id.clone(),
            policies::compensation(),
        )
        .await?;
        compensated(ctx, Compensation::ReleaseStock);
        Self::record(ctx, input, OrderStatus::Cancelled, Some(reason)).await?;
        compensated(ctx, Compensation::CancelOrder);
        Ok(())
    }

    /// Records a status on the order (retried until it succeeds), then notifies the shopper
    /// (best effort).
    async fn record(
        ctx: &mut WorkflowContext<Self>,
        input: &OrderSagaInput,
        status: OrderStatus,
        reason: Option<String>,
    ) -> Result<(), ActivityExecutionError> {
        let change = StatusUpdate {
            order_id: input.order_id.clone(),
            customer_id: input.customer_id.clone(),
            status,
            reason,
        };
        if status != OrderStatus::Pending {
            ctx.execute_activity(
                SagaActivities::set_status,
                change.clone(),
                policies::order_step(),
            )
            .await?;
        }
        ctx.state_mut(|w| w.state.status = status);
        if let Err(e) = ctx
            .execute_activity(SagaActivities::notify, change, policies::notify())
            .await
        {
            tracing::warn!(order_id = %input.order_id, %status, error = %e, "notification failed; the order goes on");
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
        if self.state.finished || !self.state.status.is_cancellable() {
            return Err(format!(
                "the order is {} and can no longer be cancelled",
                self.state.status
            )
            .into());
        }
        // The charge went through but PAID is still being recorded: nothing checks for a
        // cancellation after this point, so accepting one would be a promise not kept.
        if self.state.charged {
            return Err("the order is PAID and can no longer be cancelled".into());
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

fn step(ctx: &mut WorkflowContext<OrderSaga>, step: SagaStep) {
    ctx.state_mut(|w| w.state.step = step);
}

fn compensated(ctx: &mut WorkflowContext<OrderSaga>, done: Compensation) {
    ctx.state_mut(|w| w.state.compensations.push(done));
}

/// The shopper-facing reason for a failed step: the service's own message for a business
/// refusal (out of stock, declined), `what` otherwise.
fn stop(what: &str, e: &ActivityExecutionError) -> Stop {
    match e.cause() {
        Some(IncomingError::Application(f))
            if f.type_name()
                .is_some_and(|t| FailureKind::parse(t).is_some()) =>
        {
            Stop(f.source_error().to_string())
        }
        _ => Stop(format!("{what}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sagaway_contract::saga::{QUERY_STATE, UPDATE_CANCEL, WORKFLOW_TYPE};
    use temporalio_common::{QueryDefinition, UpdateDefinition, WorkflowDefinition};

    /// The gateway reaches the saga by the contract's names only.
    #[test]
    fn the_workflow_answers_to_the_contracts_names() {
        assert_eq!(OrderSaga::run.name(), WORKFLOW_TYPE);
        assert_eq!(OrderSaga::state.name(), QUERY_STATE);
        assert_eq!(OrderSaga::request_cancel.name(), UPDATE_CANCEL);
    }
}
