//! Every retry policy and timeout of the saga, in one place.
//!
//! | activity | timeout (start-to-close) | retries | backoff |
//! |---|---|---|---|
//! | create order, record a status (CANCELLED too): first locally | 5 s | 1 attempt | |
//! | … then as an activity | 10 s | until it succeeds | 0.5 s × 2ⁿ, at most 10 s |
//! | reserve stock | 10 s | 8 attempts | 0.5 s × 2ⁿ, at most 10 s |
//! | charge payment | 5 s | 6 attempts | 1 s × 2ⁿ, at most 8 s |
//! | compensations (refund, release) | 10 s | until they succeed | 1 s × 2ⁿ, at most 30 s |
//! | notify (the statuses queued, in order) | 5 s | 3 attempts, then given up (never fails the order) | 0.5 s × 2ⁿ |
//!
//! Business refusals (`sagaway_contract::FailureKind`: out of stock, declined, insufficient funds, …)
//! are never retried. Transient failures (5xx, timeouts, throttling, invocation errors) are.
//! While a service's circuit is open, an attempt fails at once and asks Temporal to wait
//! out the cool-down before the next one (`next_retry_delay`).
//!
//! The order-service calls are tried once as local activities: in the worker, inside the
//! workflow task that asks for them, so they cost no workflow task of their own. A local
//! activity holds its workflow task open while it runs, and an update (a cancellation) waits
//! for that task to end; its retries are the worker's own, in memory. This SDK's
//! schedule-to-close does not bound them: a timeout that falls in a local back-off is dropped
//! (a 5 s schedule-to-close, measured, went on retrying for 25 s). So the local try is one
//! attempt of at most 5 s (well inside the 10 s workflow task timeout and the gateway's 8 s
//! wait for a cancellation); whatever does not succeed in it, other than a business refusal,
//! goes on as a normal activity with the unlimited policy, so nothing is ever given up.

use sagaway_contract::FailureKind;
use std::time::Duration;
use temporalio_common::RetryPolicy;
use temporalio_sdk::{ActivityOptions, LocalActivityOptions};

/// Exponential backoff from `initial_ms`, doubling, capped at `max_secs`; `attempts` 0 means
/// no limit.
fn retry(initial_ms: u64, max_secs: u64, attempts: u32) -> RetryPolicy {
    RetryPolicy::builder()
        .initial_interval(Duration::from_millis(initial_ms))
        .backoff_coefficient(2.0)
        .maximum_interval(Duration::from_secs(max_secs))
        .maximum_attempts(attempts)
        .non_retryable_error_types(FailureKind::type_names())
        .build()
}

fn options(timeout_secs: u64, policy: RetryPolicy) -> ActivityOptions {
    ActivityOptions::with_start_to_close_timeout(Duration::from_secs(timeout_secs))
        .retry_policy(policy)
        .build()
}

/// Creating the order and recording its status: retried until they succeed.
pub fn order_step() -> ActivityOptions {
    options(10, retry(500, 10, 0))
}

/// Creating the order and recording its status, tried once in the worker first (see the
/// module docs); what does not succeed there goes on with [`order_step`].
pub fn order_step_local() -> LocalActivityOptions {
    let window = Duration::from_secs(5);
    LocalActivityOptions::builder()
        .start_to_close_timeout(window)
        .schedule_to_close_timeout(window)
        .retry_policy(retry(500, 10, 1))
        .build()
}

pub fn reserve() -> ActivityOptions {
    options(10, retry(500, 10, 8))
}

/// Shorter than the slow test card, so its charge times out and is retried (idempotently).
pub fn charge() -> ActivityOptions {
    options(5, retry(1_000, 8, 6))
}

/// Refund, release: retried until they succeed.
pub fn compensation() -> ActivityOptions {
    options(10, retry(1_000, 30, 0))
}

pub fn notify() -> ActivityOptions {
    options(5, retry(500, 2, 3))
}
