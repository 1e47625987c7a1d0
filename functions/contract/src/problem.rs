//! The error body of every sagaway response: RFC 9457 `application/problem+json`.
//!
//! ```json
//! {"type": "urn:sagaway:problem:validation_failed", "title": "Unprocessable Content",
//!  "status": 422, "code": "validation_failed",
//!  "detail": "2 fields are invalid: lines[0].quantity, card_number",
//!  "errors": [{"field": "lines[0].quantity", "message": "must be between 1 and 1000, got 0"},
//!             {"field": "card_number", "message": "must be 12 to 19 digits"}]}
//! ```
//! `code` is stable and machine-readable (`type` is the same code as a URN); `detail` is for
//! people and says what to do; `errors` names every invalid field. Some problems carry more
//! members (`shortages`, `status`, `order_id`), documented with the route.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";
/// Prefix of every problem `type`; the code follows.
pub const TYPE_PREFIX: &str = "urn:sagaway:problem:";

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// The field's path in the request, e.g. `lines[0].quantity`, or a header or query name.
    #[schema(example = "lines[0].quantity")]
    pub field: String,
    /// What is wrong with it and what is allowed.
    #[schema(example = "must be between 1 and 1000, got 0")]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// An RFC 9457 problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:sagaway:problem:out_of_stock", "title": "Conflict", "status": 409,
    "code": "out_of_stock",
    "detail": "not enough stock: tasting-set (requested 2, available 1); nothing was reserved",
    "shortages": [{"product_id": "tasting-set", "requested": 2, "available": 1}]
}))]
pub struct Problem {
    /// `urn:sagaway:problem:<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    /// The HTTP status's reason phrase.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Stable machine-readable code; see the README's error table.
    pub code: String,
    /// What happened and what to do, for people.
    pub detail: String,
    /// Every invalid field, for validation problems.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Further members of some problems (for example `shortages`, `status`, `order_id`).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extensions: Map<String, Value>,
}

impl Problem {
    /// The `type` URI of a code.
    pub fn type_for(code: &str) -> String {
        format!("{TYPE_PREFIX}{code}")
    }
}

impl std::error::Error for FieldError {}
