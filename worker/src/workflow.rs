//! The OrderSaga.
//!
//! ```text
//! create order (PENDING) ─> reserve stock (RESERVED) ─> charge payment (PAID) ─> confirm (CONFIRMED)
//!        on failure or cancellation after the order exists, in reverse:
//!        COMPENSATING ─> refund (if a charge was attempted) ─> release stock ─> CANCELLED
//! ```
//! Every status change is recorded on the order, then notified to the shopper. Notifications
//! go out in the background, in the order of the statuses (one notification activity at a
//! time; statuses recorded back to back, as PAID and CONFIRMED, go out in one), so they never
//! hold up the next step; the run ends only once each has been sent or given up, and a failed
//! one never fails the order. Compensations retry until they succeed. A shopper's
//! cancellation (the `request_cancel` update) is accepted until payment has gone through and
//! takes effect at the next step.
//!
//! The order-service calls (create the order, record a status) are tried first as local
//! activities, inside the workflow task that needs them (see `policies`), so a happy saga
//! takes three workflow tasks up to CONFIRMED: the start (create, reserve), the reserve's
//! answer (RESERVED, charge) and the charge's answer (PAID, CONFIRMED); one more ends it once
//! the last notification has been answered. An update is read between workflow tasks, so a
//! cancellation sent while the order is being created or RESERVED recorded is read once the
//! next step has started (the reserve, released again; the charge, refunded). Creating the
//! order records PENDING, so PENDING is only notified.
//!
//! Runs started before this shape (no [`FEWER_STEPS`] patch marker in their history) replay
//! and go on the old way: every call a normal activity, every notification awaited in turn.
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
use std::collections::VecDeque;
use temporalio_common::ActivityDefinition;
use temporalio_common::data_converters::TemporalDeserializable;
use temporalio_common::error::IncomingError;
use temporalio_common::protos::temporal::api::failure::v1::failure::FailureInfo;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::workflows::join;
use temporalio_sdk::{
    ActivityExecutionError, SyncWorkflowContext, WorkflowContext, WorkflowContextView,
    WorkflowResult,
};

/// The patch that brought local activities for the order service and notifications in the
/// background. Its marker tells a run's history which shape the run took.
pub const FEWER_STEPS: &str = "fewer-steps";

#[workflow]
#[derive(Default)]
pub struct OrderSaga {
    state: SagaState,
    /// The run took the [`FEWER_STEPS`] shape.
    fewer_steps: bool,
    /// Recorded statuses not yet handed to the notifier, oldest first.
    outbox: VecDeque<StatusUpdate>,
    /// An order-service call is running as a local activity: statuses recorded back to back
    /// in one workflow task (PAID, CONFIRMED) then wait to go out together.
    calling_locally: bool,
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
        let outcome = if ctx.patched(FEWER_STEPS) {
            ctx.state_mut(|w| w.fewer_steps = true);
            let (outcome, ()) = join!(Self::settle(ctx, &input), Self::notifier(ctx));
            outcome
        } else {
            Self::settle(ctx, &input).await
        };
        outcome?;
        Ok(ctx.state(|w| w.state.clone()))
    }

    /// The story, then the end of the saga as the shopper sees it (notifications may still be
    /// on their way).
    async fn settle(
        ctx: &WorkflowContext<Self>,
        input: &OrderSagaInput,
    ) -> Result<(), ActivityExecutionError> {
        let outcome = Self::story(ctx, input).await;
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
        outcome
    }

    /// Create the order, then the happy path, or compensation.
    async fn story(
        ctx: &WorkflowContext<Self>,
        input: &OrderSagaInput,
    ) -> Result<(), ActivityExecutionError> {
        step(ctx, SagaStep::CreateOrder);
        let status = Self::order_call(ctx, || SagaActivities::create_order, input.clone()).await?;
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
        // Creating the order recorded PENDING: only the shopper is left to tell.
        Self::announce(ctx, change(input, OrderStatus::Pending, None)).await;
        if let Err(Stop(reason)) = Self::forward(ctx, input).await {
            Self::compensate(ctx, input, reason).await?;
        }
        Ok(())
    }

    /// The happy path. `Err` carries the reason to compensate.
    async fn forward(ctx: &WorkflowContext<Self>, input: &OrderSagaInput) -> Result<(), Stop> {
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
        ctx: &WorkflowContext<Self>,
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

    /// Records a status on the order (retried until it succeeds), then tells the shopper.
    async fn record(
        ctx: &WorkflowContext<Self>,
        input: &OrderSagaInput,
        status: OrderStatus,
        reason: Option<String>,
    ) -> Result<(), ActivityExecutionError> {
        let change = change(input, status, reason);
        Self::order_call(ctx, || SagaActivities::set_status, change.clone()).await?;
        Self::announce(ctx, change).await;
        Ok(())
    }

    /// A call to the order service. This shape tries it once as a local activity
    /// (`policies::order_step_local`); if that try times out or fails, it goes on as a normal
    /// activity, retried until it succeeds. A business refusal ends it at once either way.
    /// Runs of the old shape make the normal activity alone.
    async fn order_call<A>(
        ctx: &WorkflowContext<Self>,
        activity: fn() -> A,
        input: A::Input,
    ) -> Result<A::Output, ActivityExecutionError>
    where
        A: ActivityDefinition,
        A::Input: Clone,
        A::Output: TemporalDeserializable,
    {
        if ctx.state(|w| w.fewer_steps) {
            ctx.state_mut(|w| w.calling_locally = true);
            let local = ctx
                .execute_local_activity(activity(), input.clone(), policies::order_step_local())
                .await;
            ctx.state_mut(|w| w.calling_locally = false);
            match local {
                Err(e) if refusal(&e).is_none() => {
                    tracing::warn!(activity = activity().name(), error = %e, "the local try failed; going on with a normal activity");
                }
                done => return done,
            }
        }
        ctx.execute_activity(activity(), input, policies::order_step())
            .await
    }

    /// The order has the status now; the shopper is to hear of it. This shape leaves that to
    /// the notifier; the old shape waits for the notification.
    async fn announce(ctx: &WorkflowContext<Self>, change: StatusUpdate) {
        ctx.state_mut(|w| w.state.status = change.status);
        if ctx.state(|w| w.fewer_steps) {
            ctx.state_mut(|w| w.outbox.push_back(change));
        } else {
            Self::notify(ctx, change).await;
        }
    }

    /// Sends the notifications of the recorded statuses, one activity at a time and oldest
    /// first (so the shopper hears of them in order), until the saga has finished and none is
    /// left. What is queued goes out together, once no order-service call is running locally.
    async fn notifier(ctx: &WorkflowContext<Self>) {
        loop {
            // An error means the workflow itself was cancelled: send what is queued (its
            // activities are cancelled too, so that is quick), then stop waiting.
            let _ = ctx
                .wait_condition(|w| {
                    (!w.outbox.is_empty() && !w.calling_locally) || w.state.finished
                })
                .await;
            let batch: Vec<_> = ctx.state_mut(|w| w.outbox.drain(..).collect());
            if batch.is_empty() {
                return;
            }
            let statuses: Vec<_> = batch.iter().map(|c| c.status.to_string()).collect();
            // Best effort: notifications given up after their attempts never fail the order.
            if let Err(e) = ctx
                .execute_activity(SagaActivities::notify_in_order, batch, policies::notify())
                .await
            {
                tracing::warn!(order_id = %ctx.state(|w| w.state.order_id.clone()), ?statuses, error = %e, "notification failed; the order goes on");
            }
        }
    }

    /// The old shape's notification, awaited in turn (best effort, as above).
    async fn notify(ctx: &WorkflowContext<Self>, change: StatusUpdate) {
        let (order_id, status) = (change.order_id.clone(), change.status);
        if let Err(e) = ctx
            .execute_activity(SagaActivities::notify, change, policies::notify())
            .await
        {
            tracing::warn!(%order_id, %status, error = %e, "notification failed; the order goes on");
        }
    }

    fn check_cancel(ctx: &WorkflowContext<Self>) -> Result<(), Stop> {
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

fn step(ctx: &WorkflowContext<OrderSaga>, step: SagaStep) {
    ctx.state_mut(|w| w.state.step = step);
}

fn compensated(ctx: &WorkflowContext<OrderSaga>, done: Compensation) {
    ctx.state_mut(|w| w.state.compensations.push(done));
}

fn change(input: &OrderSagaInput, status: OrderStatus, reason: Option<String>) -> StatusUpdate {
    StatusUpdate {
        order_id: input.order_id.clone(),
        customer_id: input.customer_id.clone(),
        status,
        reason,
        receipt: input.receipt(status),
    }
}

/// The service's own message when `e` is a business refusal (out of stock, declined, ...).
fn refusal(e: &ActivityExecutionError) -> Option<String> {
    match e.cause() {
        Some(IncomingError::Application(f))
            if f.type_name()
                .is_some_and(|t| FailureKind::parse(t).is_some()) =>
        {
            Some(f.source_error().to_string())
        }
        // A local activity's failure is the activity's own, not wrapped in an activity failure.
        _ => e.failure().and_then(|f| match &f.failure_info {
            Some(FailureInfo::ApplicationFailureInfo(info))
                if FailureKind::parse(&info.r#type).is_some() =>
            {
                Some(f.message.clone())
            }
            _ => None,
        }),
    }
}

/// The shopper-facing reason for a failed step: the service's own message for a business
/// refusal (out of stock, declined), `what` otherwise.
fn stop(what: &str, e: &ActivityExecutionError) -> Stop {
    Stop(refusal(e).unwrap_or_else(|| format!("{what}: {e}")))
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
