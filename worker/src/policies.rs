//! Every retry policy and timeout of the saga, in one place.
//!
//! | activity | timeout (start-to-close) | retries | backoff |
//! |---|---|---|---|
//! | create order, record a status | 10 s | until it succeeds | 0.5 s × 2ⁿ, at most 10 s |
//! | reserve stock | 10 s | 8 attempts | 0.5 s × 2ⁿ, at most 10 s |
//! | charge payment | 5 s | 6 attempts | 1 s × 2ⁿ, at most 8 s |
//! | compensations (refund, release, cancel) | 10 s | until they succeed | 1 s × 2ⁿ, at most 30 s |
//! | notify | 5 s | 3 attempts, then given up (never fails the order) | 0.5 s × 2ⁿ |
//!
//! Business refusals (`sagaway_contract::FailureKind`: out of stock, declined, insufficient funds, …)
//! are never retried. Transient failures (5xx, timeouts, throttling, invocation errors) are.
//! While a service's circuit is open, an attempt fails at once and asks Temporal to wait
//! out the cool-down before the next one (`next_retry_delay`).

use sagaway_contract::FailureKind;
use std::time::Duration;
use temporalio_common::RetryPolicy;
use temporalio_sdk::ActivityOptions;

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

pub fn reserve() -> ActivityOptions {
    options(10, retry(500, 10, 8))
}

/// Shorter than the slow test card, so its charge times out and is retried (idempotently).
pub fn charge() -> ActivityOptions {
    options(5, retry(1_000, 8, 6))
}

/// Refund, release, cancel: retried until they succeed.
pub fn compensation() -> ActivityOptions {
    options(10, retry(1_000, 30, 0))
}

pub fn notify() -> ActivityOptions {
    options(5, retry(500, 2, 3))
}
