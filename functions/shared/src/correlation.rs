//! The correlation of the request being served: which API request, order and workflow it
//! belongs to (`sagaway_contract::correlation` says how the id travels).
//!
//! [`crate::serve`] opens one span per request carrying `correlation_id`, `order_id` and
//! `workflow_id` (each where known), so every line logged while serving it carries them
//! ([`crate::logging`] puts a span's fields on each JSON line), and makes the
//! [`Correlation`] the task's [`current`] one, which outgoing calls pass on: direct
//! invocations (`sagaway_invoke`) as headers, the gateway's workflow starts as a Temporal
//! header. The worker does the same around each activity.

use sagaway_contract::correlation::{
    HEADER_CORRELATION_ID, HEADER_ORDER_ID, HEADER_WORKFLOW_ID, is_valid_id,
};
use std::future::Future;
use tracing::Instrument;

/// Which request, order and workflow the work at hand belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Correlation {
    /// The API request id the order's path started from.
    pub correlation_id: Option<String>,
    pub order_id: Option<String>,
    pub workflow_id: Option<String>,
}

tokio::task_local! {
    static CURRENT: Correlation;
}

impl Correlation {
    /// A correlation with this id alone.
    pub fn id(correlation_id: impl Into<String>) -> Self {
        Self {
            correlation_id: Some(correlation_id.into()),
            ..Self::default()
        }
    }

    /// Read from the headers of a direct invocation; values that are not ids are ignored.
    pub fn from_headers<'a>(header: impl Fn(&str) -> Option<&'a str>) -> Self {
        let id = |name: &str| header(name).filter(|v| is_valid_id(v)).map(str::to_string);
        Self {
            correlation_id: id(HEADER_CORRELATION_ID),
            order_id: id(HEADER_ORDER_ID),
            workflow_id: id(HEADER_WORKFLOW_ID),
        }
    }

    /// The headers that pass this correlation on to a direct invocation.
    pub fn headers(&self) -> Vec<(&'static str, &str)> {
        [
            (HEADER_CORRELATION_ID, &self.correlation_id),
            (HEADER_ORDER_ID, &self.order_id),
            (HEADER_WORKFLOW_ID, &self.workflow_id),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value.as_deref()?)))
        .collect()
    }

    /// The `request` span carrying the three fields (empty ones are left out of the logs;
    /// `order_id` can be recorded later, as the gateway does once it knows the order).
    pub fn span(&self) -> tracing::Span {
        let span = tracing::info_span!(
            "request",
            correlation_id = tracing::field::Empty,
            order_id = tracing::field::Empty,
            workflow_id = tracing::field::Empty,
        );
        if let Some(v) = &self.correlation_id {
            span.record("correlation_id", v.as_str());
        }
        if let Some(v) = &self.order_id {
            span.record("order_id", v.as_str());
        }
        if let Some(v) = &self.workflow_id {
            span.record("workflow_id", v.as_str());
        }
        span
    }

    /// Runs `work` with this correlation as the [`current`] one, inside [`Self::span`].
    pub async fn scope<F: Future>(self, work: F) -> F::Output {
        let span = self.span();
        self.scope_in(span, work).await
    }

    /// Runs `work` with this correlation as the [`current`] one, inside `span` (which should
    /// carry the same fields: the worker's activity span does).
    pub async fn scope_in<F: Future>(self, span: tracing::Span, work: F) -> F::Output {
        CURRENT.scope(self, work.instrument(span)).await
    }
}

/// The correlation of the work this task is doing (`None` outside [`Correlation::scope`]).
pub fn current() -> Option<Correlation> {
    CURRENT.try_with(Clone::clone).ok()
}

/// The correlation id of the work this task is doing, if any.
pub fn current_id() -> Option<String> {
    current().and_then(|c| c.correlation_id)
}

/// Notes the order this request turned out to be about: logged as `order_id` on the lines
/// that follow (in the request's span) and passed on with the correlation.
pub fn record_order(order_id: &str, workflow_id: &str) {
    let span = tracing::Span::current();
    span.record("order_id", order_id);
    span.record("workflow_id", workflow_id);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn headers_round_trip_and_junk_is_dropped() {
        let c = Correlation {
            correlation_id: Some("JKJaXmPLvHcESHA=".into()),
            order_id: Some("o-1".into()),
            workflow_id: None,
        };
        let headers: HashMap<&str, &str> = c.headers().into_iter().collect();
        assert_eq!(headers.len(), 2);
        assert_eq!(Correlation::from_headers(|n| headers.get(n).copied()), c);
        let junk =
            Correlation::from_headers(|n| (n == HEADER_CORRELATION_ID).then_some("\"}{ injected"));
        assert_eq!(junk, Correlation::default());
    }

    #[tokio::test]
    async fn the_current_correlation_is_the_scopes() {
        assert_eq!(current(), None);
        let seen = Correlation::id("r-1").scope(async { current_id() }).await;
        assert_eq!(seen.as_deref(), Some("r-1"));
        assert_eq!(current(), None);
    }
}
