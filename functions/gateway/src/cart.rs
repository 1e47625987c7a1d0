//! Cart rules: what a shopper may order, and the order id an `Idempotency-Key` maps to.
//!
//! - 1–25 lines, quantities 1–1000, lines for one product merged; prices come from the
//!   catalog, never from the client.
//! - The card number is 12–19 digits (spaces allowed); the payment service decides what it
//!   does (see the test cards).
//! - With an `Idempotency-Key` (1–128 of `A-Z a-z 0-9 - _ .`), the order id is derived from
//!   the shopper and the key, so a retried request finds the same order and saga.

use serde::Deserialize;
use std::collections::BTreeMap;

pub const MAX_LINES: usize = 25;
pub const MAX_QUANTITY: i64 = 1_000;

/// A rule broken by a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    pub field: String,
    pub message: String,
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> ValidationError {
    ValidationError {
        field: field.into(),
        message: message.into(),
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CartLine {
    pub product_id: String,
    pub quantity: i64,
}

/// `POST /v1/orders`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceOrderInput {
    pub lines: Vec<CartLine>,
    pub card_number: String,
}

/// A validated cart: lines merged by product, card digits only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cart {
    pub lines: Vec<(String, i64)>,
    pub card_number: String,
}

impl PlaceOrderInput {
    pub fn validate(self) -> Result<Cart, ValidationError> {
        if self.lines.is_empty() || self.lines.len() > MAX_LINES {
            return Err(invalid(
                "lines",
                format!("must hold 1 to {MAX_LINES} lines"),
            ));
        }
        let mut merged: BTreeMap<String, i64> = BTreeMap::new();
        for (i, l) in self.lines.into_iter().enumerate() {
            if !is_key(&l.product_id, 64) {
                return Err(invalid(
                    format!("lines[{i}].product_id"),
                    "must be 1 to 64 letters, digits, '.', '_' or '-'",
                ));
            }
            if !(1..=MAX_QUANTITY).contains(&l.quantity) {
                return Err(invalid(
                    format!("lines[{i}].quantity"),
                    format!("must be between 1 and {MAX_QUANTITY}, got {}", l.quantity),
                ));
            }
            *merged.entry(l.product_id).or_insert(0) += l.quantity;
        }
        if let Some((p, _)) = merged.iter().find(|(_, q)| **q > MAX_QUANTITY) {
            return Err(invalid(
                "lines",
                format!("the lines for {p} add up to more than {MAX_QUANTITY}"),
            ));
        }
        let card: String = self.card_number.chars().filter(|c| *c != ' ').collect();
        if !(12..=19).contains(&card.len()) || !card.chars().all(|c| c.is_ascii_digit()) {
            return Err(invalid(
                "card_number",
                "must be 12 to 19 digits; see GET /v1/payments/test-cards",
            ));
        }
        Ok(Cart {
            lines: merged.into_iter().collect(),
            card_number: card,
        })
    }
}

fn is_key(v: &str, max: usize) -> bool {
    !v.is_empty()
        && v.len() <= max
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// The order id for a request: derived from the shopper and the `Idempotency-Key`, or new.
pub fn order_id(
    customer_id: &str,
    idempotency_key: Option<&str>,
) -> Result<String, ValidationError> {
    match idempotency_key {
        None => Ok(format!("o-{}", uuid::Uuid::new_v4().simple())),
        Some(key) if is_key(key, 128) => {
            // FNV-1a (two lanes) of "customer\0key": stable and short; collisions between
            // one shopper's own keys are what it has to avoid, and 128 bits do.
            let mut a: u64 = 0xcbf2_9ce4_8422_2325;
            let mut b: u64 = 0x8422_2325_cbf2_9ce4;
            for byte in customer_id.bytes().chain([0u8]).chain(key.bytes()) {
                a = (a ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
                b = (b ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3 | 0x2);
            }
            Ok(format!("o-{a:016x}{b:016x}"))
        }
        Some(_) => Err(invalid(
            "Idempotency-Key",
            "must be 1 to 128 letters, digits, '.', '_' or '-'",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(lines: &[(&str, i64)], card: &str) -> PlaceOrderInput {
        PlaceOrderInput {
            lines: lines
                .iter()
                .map(|(p, q)| CartLine {
                    product_id: p.to_string(),
                    quantity: *q,
                })
                .collect(),
            card_number: card.into(),
        }
    }

    #[test]
    fn carts_are_merged_and_checked() {
        let c = input(&[("b", 1), ("a", 2), ("b", 3)], "4242 4242 4242 4242")
            .validate()
            .unwrap();
        assert_eq!(c.lines, vec![("a".into(), 2), ("b".into(), 4)]);
        assert_eq!(c.card_number, "4242424242424242");
        assert_eq!(
            input(&[("a", 0)], "4242424242424242")
                .validate()
                .unwrap_err()
                .field,
            "lines[0].quantity"
        );
        assert_eq!(
            input(&[], "4242424242424242").validate().unwrap_err().field,
            "lines"
        );
        assert_eq!(
            input(&[("a", 1)], "42x").validate().unwrap_err().field,
            "card_number"
        );
    }

    #[test]
    fn idempotency_keys_map_to_stable_order_ids() {
        let a = order_id("c-1", Some("k-1")).unwrap();
        assert_eq!(a, order_id("c-1", Some("k-1")).unwrap());
        assert_ne!(a, order_id("c-2", Some("k-1")).unwrap());
        assert_ne!(a, order_id("c-1", Some("k-2")).unwrap());
        assert_ne!(
            order_id("c-1", None).unwrap(),
            order_id("c-1", None).unwrap()
        );
        assert!(order_id("c-1", Some("bad key")).is_err());
        assert!(a.len() <= 64);
    }
}
