//! A postal address for shipping: the one type and the one set of rules for the customer's
//! profile (`PUT /v1/customers/me`) and the order (`POST /v1/orders`).
//!
//! - `line1` 1–200, `city` 1–100, `postal_code` 1–20 characters (not counting the spaces
//!   around them); `line2` at most 200; `country` two upper-case letters (ISO 3166-1 alpha-2).
//! - Each invalid field is named `shipping_address.<field>`.

use crate::problem::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A postal address for shipping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    #[schema(min_length = 1, max_length = 200, example = "Unter den Linden 1")]
    pub line1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub line2: Option<String>,
    #[schema(min_length = 1, max_length = 100, example = "Berlin")]
    pub city: String,
    #[schema(min_length = 1, max_length = 20, example = "10117")]
    pub postal_code: String,
    /// ISO 3166-1 alpha-2, e.g. `DE`.
    #[schema(pattern = "^[A-Z]{2}$", example = "DE")]
    pub country: String,
}

/// The field name of an address in every request that carries one.
pub const FIELD: &str = "shipping_address";

impl Address {
    /// A valid address (Berlin), for examples and tests.
    pub fn example() -> Address {
        Address {
            line1: "Unter den Linden 1".into(),
            line2: None,
            city: "Berlin".into(),
            postal_code: "10117".into(),
            country: "DE".into(),
        }
    }

    /// Every broken rule, each naming its field (`shipping_address.postal_code`); empty when
    /// the address is valid.
    pub fn errors(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for (field, value, max) in [
            ("line1", &self.line1, 200),
            ("city", &self.city, 100),
            ("postal_code", &self.postal_code, 20),
        ] {
            let len = value.trim().chars().count();
            if len == 0 || len > max {
                errors.push(FieldError::new(
                    format!("{FIELD}.{field}"),
                    format!("must be 1 to {max} characters"),
                ));
            }
        }
        if self.line2.as_ref().is_some_and(|l| l.chars().count() > 200) {
            errors.push(FieldError::new(
                format!("{FIELD}.line2"),
                "must be at most 200 characters",
            ));
        }
        if self.country.len() != 2 || !self.country.chars().all(|c| c.is_ascii_uppercase()) {
            errors.push(FieldError::new(
                format!("{FIELD}.country"),
                "must be a two-letter country code such as DE or US",
            ));
        }
        errors
    }

    /// The first broken rule, if any (see [`Address::errors`]).
    pub fn validate(&self) -> Result<(), FieldError> {
        match self.errors().into_iter().next() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address() -> Address {
        Address::example()
    }

    #[test]
    fn address_rules() {
        assert!(address().validate().is_ok());
        assert!(address().errors().is_empty());
        let field = |a: Address| a.validate().unwrap_err().field;
        let blank = Address {
            line1: "  ".into(),
            ..address()
        };
        assert_eq!(field(blank), "shipping_address.line1");
        let long_city = Address {
            city: "x".repeat(101),
            ..address()
        };
        assert_eq!(field(long_city), "shipping_address.city");
        let long_code = Address {
            postal_code: "1".repeat(21),
            ..address()
        };
        assert_eq!(field(long_code), "shipping_address.postal_code");
        let long_line2 = Address {
            line2: Some("x".repeat(201)),
            ..address()
        };
        assert_eq!(field(long_line2), "shipping_address.line2");
        let ok_line2 = Address {
            line2: Some("x".repeat(200)),
            ..address()
        };
        assert!(ok_line2.validate().is_ok());
        for country in ["de", "DEU", "D", "D1", "ÄÖ"] {
            let a = Address {
                country: country.into(),
                ..address()
            };
            assert_eq!(field(a), "shipping_address.country", "{country}");
        }
        let all_wrong = Address {
            line1: String::new(),
            line2: None,
            city: String::new(),
            postal_code: String::new(),
            country: "x".into(),
        };
        let fields: Vec<_> = all_wrong.errors().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "shipping_address.line1",
                "shipping_address.city",
                "shipping_address.postal_code",
                "shipping_address.country"
            ]
        );
        assert!(
            serde_json::from_str::<Address>(
                r#"{"line1":"a","city":"b","postal_code":"c","country":"DE","zip":"1"}"#
            )
            .is_err()
        );
    }
}
