//! Every limit that more than one function enforces, and the arithmetic that applies them.
//!
//! The gateway refuses at the edge (422) whatever a later service would refuse, so an order
//! that passes the gateway cannot fail a limit in the saga.

/// Lines per order (and per reservation), after merging lines of one product.
pub const MAX_LINES: usize = 25;
/// Units of one product per order.
pub const MAX_QUANTITY: i64 = 1_000;
/// A product's price, in cents.
pub const MAX_PRICE_CENTS: i64 = 100_000_000;
/// An order's total, in cents: the most the payment service charges at once.
pub const MAX_ORDER_TOTAL_CENTS: i64 = 100_000_000;
/// An order's total, in cents: the least the payment service charges.
pub const MIN_ORDER_TOTAL_CENTS: i64 = 1;
/// Units of one product in stock.
pub const MAX_STOCK: i64 = 1_000_000;
/// Identifiers (order, product, customer ids): 1–64 of `A-Z a-z 0-9 . _ -`.
pub const MAX_ID_LEN: usize = 64;
/// `Idempotency-Key` header: 1–128 of `A-Z a-z 0-9 . _ -`.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 128;
/// A cancellation or failure reason, in characters.
pub const MAX_REASON_LEN: usize = 500;
/// A shopper's cancellation reason, in characters (longer ones are cut).
pub const MAX_CANCEL_REASON_LEN: usize = 200;
/// How long a payment-method token lives (seconds): far longer than any saga waits to charge.
pub const PAYMENT_METHOD_TTL_SECS: i64 = 24 * 60 * 60;
/// Largest request body any function accepts.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Why an amount is out of bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("the order total exceeds {MAX_ORDER_TOTAL_CENTS} cents")]
    TotalTooLarge,
}

/// `quantity × unit price` summed over lines, refusing (never wrapping) anything above
/// [`MAX_ORDER_TOTAL_CENTS`]. Negative inputs are the callers' validation's business; they
/// are treated as zero-or-more here only through checked arithmetic.
pub fn order_total<I>(lines: I) -> Result<i64, AmountError>
where
    I: IntoIterator<Item = (i64, i64)>,
{
    let mut total: i64 = 0;
    for (quantity, unit_price_cents) in lines {
        let line = quantity
            .checked_mul(unit_price_cents)
            .ok_or(AmountError::TotalTooLarge)?;
        total = total.checked_add(line).ok_or(AmountError::TotalTooLarge)?;
        if total > MAX_ORDER_TOTAL_CENTS {
            return Err(AmountError::TotalTooLarge);
        }
    }
    Ok(total)
}

/// Whether `v` is an identifier: 1–`max` of `A-Z a-z 0-9 . _ -`.
pub fn is_key(v: &str, max: usize) -> bool {
    !v.is_empty()
        && v.len() <= max
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_are_checked_never_wrapped() {
        assert_eq!(order_total([(2, 150), (1, 100)]), Ok(400));
        assert_eq!(
            order_total([(MAX_QUANTITY, MAX_PRICE_CENTS)]),
            Err(AmountError::TotalTooLarge)
        );
        assert_eq!(
            order_total([(i64::MAX, 2)]),
            Err(AmountError::TotalTooLarge)
        );
        assert_eq!(
            order_total([(1, MAX_ORDER_TOTAL_CENTS)]),
            Ok(MAX_ORDER_TOTAL_CENTS)
        );
        assert_eq!(
            order_total([(1, MAX_ORDER_TOTAL_CENTS), (1, 1)]),
            Err(AmountError::TotalTooLarge)
        );
    }

    #[test]
    fn keys() {
        assert!(is_key("mug-01.a_b", 64));
        assert!(!is_key("", 64));
        assert!(!is_key("a b", 64));
        assert!(!is_key(&"x".repeat(65), 64));
    }
}
