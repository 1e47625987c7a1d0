//! The correlation id: one id on every log line of one order's path.
//!
//! It is the API request id API Gateway gives the request that placed the order
//! (`requestContext.requestId`, the `requestId` of the stage's access log). The gateway logs
//! it on every line of that request and starts the OrderSaga with it in a Temporal header
//! ([`TEMPORAL_HEADER`]); the worker logs it on every line of the saga's activities and hands
//! it, with the order id and the workflow id, to every service it calls (the `x-*` headers of
//! the direct invocation below), and each service logs all three on every line of that call.
//! One order's path is then one query: `correlation_id = "<id>" or order_id = "<id>"`.
//!
//! The names here are the log fields and headers every side agrees on.

/// Log field: the API request id the order's path started from.
pub const FIELD_CORRELATION_ID: &str = "correlation_id";
/// Log field: the order id, where the line is about one order.
pub const FIELD_ORDER_ID: &str = "order_id";
/// Log field: the OrderSaga's workflow id (`order-<order id>`).
pub const FIELD_WORKFLOW_ID: &str = "workflow_id";

/// Header of a direct (internal) invocation: the correlation id of the caller's request.
pub const HEADER_CORRELATION_ID: &str = "x-correlation-id";
/// Header of a direct invocation: the order the call is about.
pub const HEADER_ORDER_ID: &str = "x-order-id";
/// Header of a direct invocation: the workflow the call comes from.
pub const HEADER_WORKFLOW_ID: &str = "x-workflow-id";

/// The Temporal header (workflow start, then every activity the saga schedules) that carries
/// the correlation id, as a JSON string payload.
pub const TEMPORAL_HEADER: &str = "sagaway-correlation-id";

/// The longest id taken from a header.
pub const MAX_ID_LEN: usize = 128;

/// Whether a value from a header may go into the logs as an id: 1 to [`MAX_ID_LEN`] of
/// `A-Z a-z 0-9 . _ : - = + /` (API Gateway's request ids, such as `JKJaXmPLvHcESHA=`, order
/// ids and workflow ids all are). Nothing else: no quotes, spaces or control characters.
pub fn is_valid_id(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= MAX_ID_LEN
        && value.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-' | b'=' | b'+' | b'/')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked_before_they_reach_a_log() {
        assert!(is_valid_id("JKJaXmPLvHcESHA="));
        assert!(is_valid_id("order-o-1.x_y:z"));
        assert!(!is_valid_id(""));
        assert!(!is_valid_id("a b"));
        assert!(!is_valid_id("a\"b"));
        assert!(!is_valid_id(&"a".repeat(MAX_ID_LEN + 1)));
    }
}
