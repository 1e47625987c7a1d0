//! The correlation id through the saga (`sagaway_contract::correlation`).
//!
//! The gateway starts the OrderSaga with the API request id in the
//! [`TEMPORAL_HEADER`] header. [`WorkflowCorrelation`] reads it when the run starts (from the
//! history, so a replay reads the same) and puts it on every activity and local activity the
//! run schedules; the workflow's own log lines are in a `workflow` span carrying it.
//! [`ActivityCorrelation`] runs each activity inside an `activity` span carrying the
//! correlation id, the order id and the workflow id (the order id is the workflow id's, see
//! `sagaway_contract::saga::order_id_of`), logs one line when it ends, and makes the three the
//! task's current correlation, which `sagaway_invoke` hands to every service it calls.
//!
//! Headers are not part of a command's identity on replay (Temporal checks an activity's id
//! and type), so runs started before this, which have no header, replay unchanged.

use sagaway_contract::correlation::TEMPORAL_HEADER;
use sagaway_contract::saga::order_id_of;
use sagaway_shared::correlation::Correlation;
use sagaway_temporal::{correlation_of, correlation_payload};
use std::cell::RefCell;
use std::time::Instant;
use temporalio_sdk::WorkerOptions;
use temporalio_sdk::activities::ActivityError;
use temporalio_sdk::interceptors::{
    ActivityInboundInterceptor, ExecuteActivityInput, ExecuteActivityOutput, Next,
};
use temporalio_sdk::workflow_interceptors::{
    CancellableWorkflowOutboundFuture, ExecuteWorkflowInput, ExecuteWorkflowResult,
    ScheduleActivityInput, ScheduleActivityResult, ScheduleLocalActivityInput, WorkflowInterceptor,
    WorkflowInterceptorConstructor, WorkflowInterceptorContext, WorkflowInterceptorFuture,
    WorkflowNext,
};
use tracing::Instrument;
use tracing::field::Empty;

/// Registers both interceptors on a worker's options.
pub fn install(options: &mut WorkerOptions) {
    options
        .workflow_interceptor(WorkflowCorrelation::constructor())
        .activity_inbound_interceptor(ActivityCorrelation);
}

/// One per workflow run in memory: the run's correlation id, once the run has started.
#[derive(Default)]
pub struct WorkflowCorrelation {
    correlation_id: RefCell<Option<String>>,
}

impl WorkflowCorrelation {
    pub fn constructor() -> WorkflowInterceptorConstructor {
        WorkflowInterceptorConstructor::new(|_| WorkflowCorrelation::default())
    }

    fn header(
        &self,
    ) -> Option<(
        String,
        temporalio_common::protos::temporal::api::common::v1::Payload,
    )> {
        let id = self.correlation_id.borrow();
        let id = id.as_deref()?;
        Some((TEMPORAL_HEADER.to_string(), correlation_payload(id)))
    }
}

impl WorkflowInterceptor for WorkflowCorrelation {
    fn execute<'a>(
        &'a self,
        ctx: WorkflowInterceptorContext,
        input: ExecuteWorkflowInput,
        next: WorkflowNext<
            'a,
            ExecuteWorkflowInput,
            WorkflowInterceptorFuture<'a, ExecuteWorkflowResult>,
        >,
    ) -> WorkflowInterceptorFuture<'a, ExecuteWorkflowResult> {
        let id = correlation_of(input.headers());
        let span = tracing::info_span!(
            "workflow",
            correlation_id = Empty,
            order_id = Empty,
            workflow_id = ctx.workflow_id(),
        );
        if let Some(id) = &id {
            span.record("correlation_id", id.as_str());
        }
        if let Some(order_id) = order_id_of(ctx.workflow_id()) {
            span.record("order_id", order_id);
        }
        *self.correlation_id.borrow_mut() = id;
        WorkflowInterceptorFuture::new(next.run(input).instrument(span))
    }

    fn schedule_activity(
        &self,
        _ctx: WorkflowInterceptorContext,
        mut input: ScheduleActivityInput,
        next: WorkflowNext<
            'static,
            ScheduleActivityInput,
            CancellableWorkflowOutboundFuture<ScheduleActivityResult>,
        >,
    ) -> CancellableWorkflowOutboundFuture<ScheduleActivityResult> {
        if let Some((name, payload)) = self.header() {
            input.headers_mut().insert(name, payload);
        }
        next.run(input)
    }

    fn schedule_local_activity(
        &self,
        _ctx: WorkflowInterceptorContext,
        mut input: ScheduleLocalActivityInput,
        next: WorkflowNext<
            'static,
            ScheduleLocalActivityInput,
            CancellableWorkflowOutboundFuture<ScheduleActivityResult>,
        >,
    ) -> CancellableWorkflowOutboundFuture<ScheduleActivityResult> {
        if let Some((name, payload)) = self.header() {
            input.headers_mut().insert(name, payload);
        }
        next.run(input)
    }
}

/// Runs every activity in its correlation and logs its end: `activity completed` or
/// `activity failed` with `activity`, `attempt`, `local` and `duration_ms`.
pub struct ActivityCorrelation;

impl ActivityInboundInterceptor for ActivityCorrelation {
    fn execute_activity<'a>(
        &'a self,
        input: ExecuteActivityInput,
        next: Next<'a, ExecuteActivityInput, ExecuteActivityOutput<'a>>,
    ) -> ExecuteActivityOutput<'a> {
        let info = input.activity_info();
        let workflow_id = info.workflow_id.clone();
        let correlation = Correlation {
            correlation_id: correlation_of(input.headers()),
            order_id: workflow_id
                .as_deref()
                .and_then(order_id_of)
                .map(str::to_string),
            workflow_id,
        };
        let span = tracing::info_span!(
            "activity",
            correlation_id = Empty,
            order_id = Empty,
            workflow_id = Empty,
            activity = %info.activity_type,
            attempt = info.attempt,
            local = info.is_local,
        );
        for (field, value) in [
            ("correlation_id", &correlation.correlation_id),
            ("order_id", &correlation.order_id),
            ("workflow_id", &correlation.workflow_id),
        ] {
            if let Some(value) = value {
                span.record(field, value.as_str());
            }
        }
        // Every activity a run schedules carries the header (WorkflowCorrelation); one without
        // it is a gap in the order's path to find: its header names are kept for the warning.
        let unlabelled = correlation
            .correlation_id
            .is_none()
            .then(|| input.headers().keys().cloned().collect::<Vec<String>>());
        Box::pin(correlation.scope_in(span, async move {
            if let Some(header_names) = unlabelled {
                tracing::warn!(?header_names, "activity without the correlation header");
            }
            let started = Instant::now();
            let result = next.run(input).await;
            let duration_ms = (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0;
            match &result {
                Ok(_) => tracing::info!(duration_ms, "activity completed"),
                Err(e) => tracing::warn!(duration_ms, error = %describe(e), "activity failed"),
            }
            result
        }))
    }
}

fn describe(e: &ActivityError) -> String {
    match e {
        ActivityError::Application(f) => match f.type_name() {
            Some(kind) => format!("{kind}: {f}"),
            None => f.to_string(),
        },
        ActivityError::Cancelled { .. } => "cancelled".to_string(),
        other => format!("{other:?}"),
    }
}
