//! Cart rules: what a shopper may order, the order id an `Idempotency-Key` maps to, and the
//! fingerprint that tells a repeated request from a different one.
//!
//! - 1–25 lines, quantities 1–1000, lines for one product merged (the contract's limits);
//!   prices come from the catalog, never from the client, and the total may not exceed the
//!   payment limit (checked once the lines are priced, see [`priced_total`]).
//! - The card number is 12–19 digits (spaces allowed); the payment service decides whether it
//!   is a card it can charge when it exchanges it for a token.
//! - With an `Idempotency-Key` (1–128 of `A-Z a-z 0-9 - _ .`), the order id is derived from
//!   the shopper and the key, so a retried request finds the same order and saga.
//! - An optional shipping address follows the contract's rules ([`Address::errors`]); it is
//!   part of the fingerprint when there is one (a request without one keeps the fingerprint
//!   it always had).
//! - Every invalid field is reported, not just the first.
//! - Pricing ([`price_lines`]) takes the catalog's answer for all the cart's products at
//!   once (one batch read) and gives each line its unit price; a product the catalog does
//!   not have, or a cart in more than one currency, is refused.

use sagaway_contract::FieldError;
use sagaway_contract::address::Address;
use sagaway_contract::api::PlaceOrderRequest;
use sagaway_contract::inventory::ProductBatch;
use sagaway_contract::limits::{
    self, MAX_ID_LEN, MAX_IDEMPOTENCY_KEY_LEN, MAX_LINES, MAX_ORDER_TOTAL_CENTS, MAX_QUANTITY,
    MIN_ORDER_TOTAL_CENTS,
};
use sagaway_contract::order::OrderLine;
use sagaway_contract::payment::CardBrand;
use std::collections::BTreeMap;

/// A validated cart: lines merged by product (sorted by product id), card digits only.
#[derive(Clone, PartialEq, Eq)]
pub struct Cart {
    pub lines: Vec<(String, i64)>,
    pub card_number: String,
    pub shipping_address: Option<Address>,
}

impl std::fmt::Debug for Cart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cart")
            .field("lines", &self.lines)
            .field("card_number", &"<redacted>")
            .field(
                "shipping_address",
                &self.shipping_address.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Checks a `POST /v1/orders` body; `Err` names every invalid field.
pub fn validate(input: PlaceOrderRequest) -> Result<Cart, Vec<FieldError>> {
    let mut errors = Vec::new();
    if input.lines.is_empty() || input.lines.len() > MAX_LINES {
        errors.push(FieldError::new(
            "lines",
            format!(
                "must hold 1 to {MAX_LINES} lines, got {}",
                input.lines.len()
            ),
        ));
    }
    let mut merged: BTreeMap<String, i64> = BTreeMap::new();
    for (i, l) in input.lines.into_iter().enumerate() {
        let mut ok = true;
        if !limits::is_key(&l.product_id, MAX_ID_LEN) {
            ok = false;
            errors.push(FieldError::new(
                format!("lines[{i}].product_id"),
                format!("must be 1 to {MAX_ID_LEN} letters, digits, '.', '_' or '-'"),
            ));
        }
        if !(1..=MAX_QUANTITY).contains(&l.quantity) {
            ok = false;
            errors.push(FieldError::new(
                format!("lines[{i}].quantity"),
                format!("must be between 1 and {MAX_QUANTITY}, got {}", l.quantity),
            ));
        }
        if ok {
            *merged.entry(l.product_id).or_insert(0) += l.quantity;
        }
    }
    for (p, q) in &merged {
        if *q > MAX_QUANTITY {
            errors.push(FieldError::new(
                "lines",
                format!("the lines for {p} add up to {q}, more than {MAX_QUANTITY}"),
            ));
        }
    }
    let card: String = input.card_number.chars().filter(|c| *c != ' ').collect();
    if !(12..=19).contains(&card.len()) || !card.chars().all(|c| c.is_ascii_digit()) {
        errors.push(FieldError::new(
            "card_number",
            "must be 12 to 19 digits; see GET /v1/payments/test-cards",
        ));
    }
    if let Some(address) = &input.shipping_address {
        errors.extend(address.errors());
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Cart {
        lines: merged.into_iter().collect(),
        card_number: card,
        shipping_address: input.shipping_address,
    })
}

/// Why a cart cannot be priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PricingError {
    /// These products (in cart order) are not in the catalog.
    UnknownProducts(Vec<String>),
    /// The products are priced in more than one currency.
    MixedCurrencies,
}

/// Prices `lines` (merged, as [`validate`] leaves them) from the catalog's answer for their
/// products: the priced lines and their one currency. Currencies are checked line by line
/// in cart order (the first mismatch is the answer); unknown products are reported
/// together after that.
pub fn price_lines(
    lines: &[(String, i64)],
    catalog: &ProductBatch,
) -> Result<(Vec<OrderLine>, String), PricingError> {
    let mut priced = Vec::with_capacity(lines.len());
    let mut currency: Option<&str> = None;
    let mut unknown = Vec::new();
    for (product_id, quantity) in lines {
        let Some(product) = catalog.products.iter().find(|p| &p.id == product_id) else {
            unknown.push(product_id.clone());
            continue;
        };
        if *currency.get_or_insert(&product.currency) != product.currency {
            return Err(PricingError::MixedCurrencies);
        }
        priced.push(OrderLine {
            product_id: product_id.clone(),
            quantity: *quantity,
            unit_price_cents: product.price_cents,
        });
    }
    if !unknown.is_empty() {
        return Err(PricingError::UnknownProducts(unknown));
    }
    Ok((priced, currency.unwrap_or("USD").to_string()))
}

/// Why a priced cart cannot be paid: the problem code and the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotalError {
    pub code: &'static str,
    pub error: FieldError,
}

/// The order's total from its priced lines: at least [`MIN_ORDER_TOTAL_CENTS`] (the payment
/// service charges nothing smaller) and at most the payment limit.
pub fn priced_total(lines: &[OrderLine]) -> Result<i64, TotalError> {
    let total = limits::order_total(lines.iter().map(|l| (l.quantity, l.unit_price_cents)))
        .map_err(|_| TotalError {
            code: "order_total_too_large",
            error: FieldError::new(
                "lines",
                format!(
                    "the order's total exceeds the payment limit of {MAX_ORDER_TOTAL_CENTS} cents; \
                     split it into smaller orders"
                ),
            ),
        })?;
    if total < MIN_ORDER_TOTAL_CENTS {
        return Err(TotalError {
            code: "order_total_too_small",
            error: FieldError::new(
                "lines",
                format!(
                    "the order's total is {total} cents; the payment service charges at least \
                     {MIN_ORDER_TOTAL_CENTS}: add a product that has a price"
                ),
            ),
        });
    }
    Ok(total)
}

/// What identifies "the same request" for an `Idempotency-Key`: the merged lines and the
/// card's brand and last four digits (the number itself is never kept anywhere, hashed or not),
/// and the shipping address when there is one.
pub fn fingerprint(cart: &Cart) -> String {
    let mut text = String::from("v1\n");
    for (product, quantity) in &cart.lines {
        text.push_str(&format!("{product}\t{quantity}\n"));
    }
    let last4 = cart
        .card_number
        .get(cart.card_number.len().saturating_sub(4)..)
        .unwrap_or("");
    text.push_str(&format!(
        "card\t{}\t{last4}\n",
        CardBrand::of(&cart.card_number).as_str()
    ));
    if let Some(a) = &cart.shipping_address {
        // Tab-separated fields cannot run into each other (a tab in a field changes the text).
        text.push_str(&format!(
            "ship\t{}\t{}\t{}\t{}\t{}\n",
            a.line1,
            a.line2
                .as_deref()
                .map_or("-".to_string(), |l| format!("+{l}")),
            a.city,
            a.postal_code,
            a.country
        ));
    }
    sha256_hex128(text.as_bytes())
}

/// The first 128 bits of SHA-256, as 32 hex digits.
fn sha256_hex128(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    digest.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The order id for a request: derived from the shopper and the `Idempotency-Key`, or new.
pub fn order_id(customer_id: &str, idempotency_key: Option<&str>) -> Result<String, FieldError> {
    match idempotency_key {
        None => Ok(format!("o-{}", uuid::Uuid::new_v4().simple())),
        Some(key) if limits::is_key(key, MAX_IDEMPOTENCY_KEY_LEN) => {
            // SHA-256 of "customer\0key", 128 bits of it: stable, and no shopper can pick a key
            // that lands on another shopper's order (workflow ids are global).
            let mut input = Vec::with_capacity(customer_id.len() + 1 + key.len());
            input.extend_from_slice(customer_id.as_bytes());
            input.push(0);
            input.extend_from_slice(key.as_bytes());
            Ok(format!("o-{}", sha256_hex128(&input)))
        }
        Some(_) => Err(FieldError::new(
            "Idempotency-Key",
            format!("must be 1 to {MAX_IDEMPOTENCY_KEY_LEN} letters, digits, '.', '_' or '-'"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sagaway_contract::api::CartLine;
    use sagaway_contract::inventory::Product;

    fn input(lines: &[(&str, i64)], card: &str) -> PlaceOrderRequest {
        PlaceOrderRequest {
            lines: lines
                .iter()
                .map(|(p, q)| CartLine {
                    product_id: p.to_string(),
                    quantity: *q,
                })
                .collect(),
            card_number: card.into(),
            shipping_address: None,
        }
    }

    fn address() -> Address {
        Address::example()
    }

    #[test]
    fn the_shipping_address_is_checked_and_kept() {
        let mut i = input(&[("a", 1)], "4242424242424242");
        i.shipping_address = Some(address());
        assert_eq!(validate(i).unwrap().shipping_address, Some(address()));
        let mut bad = input(&[("a", 0)], "4242424242424242");
        bad.shipping_address = Some(Address {
            postal_code: String::new(),
            country: "de".into(),
            ..address()
        });
        assert_eq!(
            fields(validate(bad)),
            vec![
                "lines[0].quantity",
                "shipping_address.postal_code",
                "shipping_address.country"
            ]
        );
    }

    #[test]
    fn the_fingerprint_covers_the_address_and_is_unchanged_without_one() {
        let plain = validate(input(&[("a", 1)], "4242424242424242")).unwrap();
        // The fingerprint a request without an address always had (sagas started before
        // addresses existed still recognise their repeats).
        assert_eq!(fingerprint(&plain), "5086173991e2f534714a700b324f5c50");
        let with = |a: Option<Address>| {
            let mut i = input(&[("a", 1)], "4242424242424242");
            i.shipping_address = a;
            fingerprint(&validate(i).unwrap())
        };
        let home = with(Some(address()));
        assert_eq!(home, with(Some(address())));
        assert_ne!(home, fingerprint(&plain));
        assert_ne!(
            home,
            with(Some(Address {
                postal_code: "10115".into(),
                ..address()
            }))
        );
        assert_ne!(
            home,
            with(Some(Address {
                line2: Some(String::new()),
                ..address()
            }))
        );
    }

    fn fields(r: Result<Cart, Vec<FieldError>>) -> Vec<String> {
        r.unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn carts_are_merged_and_every_error_is_named() {
        let c = validate(input(
            &[("b", 1), ("a", 2), ("b", 3)],
            "4242 4242 4242 4242",
        ))
        .unwrap();
        assert_eq!(c.lines, vec![("a".into(), 2), ("b".into(), 4)]);
        assert_eq!(c.card_number, "4242424242424242");
        assert_eq!(
            fields(validate(input(&[("a", 0), ("b c", 1)], "42x"))),
            vec!["lines[0].quantity", "lines[1].product_id", "card_number"]
        );
        assert_eq!(
            fields(validate(input(&[], "4242424242424242"))),
            vec!["lines"]
        );
        assert_eq!(
            fields(validate(input(
                &[("a", 600), ("a", 600)],
                "4242424242424242"
            ))),
            vec!["lines"]
        );
        assert!(!format!("{c:?}").contains("4242"));
    }

    fn product(id: &str, price_cents: i64, currency: &str) -> Product {
        Product {
            id: id.into(),
            name: id.to_uppercase(),
            description: String::new(),
            price_cents,
            currency: currency.into(),
            stock: 1,
            updated_at: "t".into(),
            category: Default::default(),
            image_url: None,
        }
    }

    fn catalog(products: Vec<Product>) -> ProductBatch {
        ProductBatch {
            products,
            missing: Vec::new(),
        }
    }

    fn lines(l: &[(&str, i64)]) -> Vec<(String, i64)> {
        l.iter().map(|(p, q)| (p.to_string(), *q)).collect()
    }

    #[test]
    fn lines_are_priced_from_the_catalog_whatever_its_order() {
        let c = catalog(vec![product("b", 250, "EUR"), product("a", 100, "EUR")]);
        let (priced, currency) = price_lines(&lines(&[("a", 2), ("b", 1)]), &c).unwrap();
        assert_eq!(currency, "EUR");
        let got: Vec<(&str, i64, i64)> = priced
            .iter()
            .map(|l| (l.product_id.as_str(), l.quantity, l.unit_price_cents))
            .collect();
        assert_eq!(got, [("a", 2, 100), ("b", 1, 250)]);
    }

    #[test]
    fn unknown_products_and_mixed_currencies_are_refused() {
        let c = catalog(vec![product("a", 100, "USD"), product("e", 100, "EUR")]);
        assert_eq!(
            price_lines(&lines(&[("a", 1), ("x", 1), ("y", 1)]), &c),
            Err(PricingError::UnknownProducts(vec!["x".into(), "y".into()]))
        );
        assert_eq!(
            price_lines(&lines(&[("a", 1), ("e", 1)]), &c),
            Err(PricingError::MixedCurrencies)
        );
        // The currency check comes first, as each line is priced.
        assert_eq!(
            price_lines(&lines(&[("x", 1), ("a", 1), ("e", 1)]), &c),
            Err(PricingError::MixedCurrencies)
        );
        assert_eq!(
            price_lines(&lines(&[("x", 1)]), &catalog(Vec::new())),
            Err(PricingError::UnknownProducts(vec!["x".into()]))
        );
    }

    #[test]
    fn totals_over_the_payment_limit_are_refused() {
        let line = |q, p| OrderLine {
            product_id: "p".into(),
            quantity: q,
            unit_price_cents: p,
        };
        assert_eq!(priced_total(&[line(2, 150)]), Ok(300));
        let e = priced_total(&[line(1000, 100_000_000)]).unwrap_err();
        assert_eq!(
            (e.code, e.error.field.as_str()),
            ("order_total_too_large", "lines")
        );
        let e = priced_total(&[line(3, 0)]).unwrap_err();
        assert_eq!(e.code, "order_total_too_small");
    }

    #[test]
    fn fingerprints_tell_requests_apart_without_the_number() {
        let a = validate(input(&[("a", 1)], "4242424242424242")).unwrap();
        let same = validate(input(&[("a", 1)], "4242 4242 4242 4242")).unwrap();
        let other_lines = validate(input(&[("a", 2)], "4242424242424242")).unwrap();
        let other_card = validate(input(&[("a", 1)], "4000000000000002")).unwrap();
        assert_eq!(fingerprint(&a), fingerprint(&same));
        assert_ne!(fingerprint(&a), fingerprint(&other_lines));
        assert_ne!(fingerprint(&a), fingerprint(&other_card));
        assert_eq!(fingerprint(&a).len(), 32);
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
