//! The error every HTTP entry returns: an RFC 9457 `application/problem+json` response
//! (the body is [`sagaway_contract::Problem`]).
//!
//! `code` is stable and machine-readable; `detail` is for people and says what to do;
//! `errors` names every invalid field. A 401 carries `WWW-Authenticate`, a 429 or 503
//! `Retry-After`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sagaway_contract::problem::PROBLEM_CONTENT_TYPE;
use sagaway_contract::{FieldError, Problem};
use serde_json::{Map, Value};

/// Seconds a client should wait before retrying a 429 or 503 (unless the error says otherwise).
pub const DEFAULT_RETRY_AFTER_SECS: u64 = 1;

/// An HTTP error with a status, a machine-readable code and a human message.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    /// The problem's `detail`.
    pub message: String,
    /// Every invalid field.
    pub errors: Vec<FieldError>,
    /// Further members of the problem.
    pub extensions: Map<String, Value>,
    /// `Retry-After` seconds (429 and 503 get [`DEFAULT_RETRY_AFTER_SECS`] when unset).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            errors: Vec::new(),
            extensions: Map::new(),
            retry_after: None,
        }
    }

    /// Adds the members of a JSON object to the problem (for example `shortages`).
    pub fn with_details(mut self, details: Value) -> Self {
        if let Value::Object(map) = details {
            for (k, v) in map {
                // The standard members cannot be overwritten.
                if !matches!(
                    k.as_str(),
                    "type" | "title" | "status" | "detail" | "code" | "errors"
                ) {
                    self.extensions.insert(k, v);
                }
            }
        }
        self
    }

    /// Sets `Retry-After`.
    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    /// 422 `validation_failed` naming every invalid field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let message = match errors.as_slice() {
            [] => "the request is invalid".to_string(),
            [one] => one.to_string(),
            many => format!(
                "{} fields are invalid: {}",
                many.len(),
                many.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        };
        let mut e = Self::invalid("validation_failed", message);
        e.errors = errors;
        e
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// A well-formed request whose values break a rule (422).
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// 429: the caller sent too many requests; retry after `retry_after_secs`.
    pub fn too_many_requests(
        code: &'static str,
        message: impl Into<String>,
        retry_after_secs: u64,
    ) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, code, message).retry_after(retry_after_secs)
    }

    /// A dependency is briefly unavailable; the caller may retry.
    pub fn unavailable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, message)
    }

    /// An unexpected failure. The cause is logged; the caller sees a generic message.
    pub fn internal(cause: &(dyn std::error::Error + 'static)) -> Self {
        tracing::error!(error = %DisplayChain(cause), "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "the service failed unexpectedly; the failure was logged, please retry later",
        )
    }

    /// 404 for a path no route matches.
    pub fn no_route() -> Self {
        Self::not_found(
            "no_route",
            "no such route; see GET /v1/openapi.json for the API's routes",
        )
    }

    /// 405 for a known path with another method.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this route does not accept that HTTP method; see GET /v1/openapi.json",
        )
    }

    /// The problem body.
    pub fn problem(&self) -> Problem {
        Problem {
            type_: Problem::type_for(self.code),
            title: self
                .status
                .canonical_reason()
                .unwrap_or("Error")
                .to_string(),
            status: self.status.as_u16(),
            code: self.code.to_string(),
            detail: self.message.clone(),
            errors: self.errors.clone(),
            extensions: self.extensions.clone(),
        }
    }
}

impl From<FieldError> for ApiError {
    /// One invalid field: 422 `validation_failed`.
    fn from(e: FieldError) -> Self {
        Self::validation(vec![e])
    }
}

/// The `WWW-Authenticate` challenge of a 401 with `code` (RFC 6750).
pub fn bearer_challenge(code: &str) -> String {
    match code {
        "token_expired" | "invalid_token" => format!(
            "Bearer realm=\"sagaway\", error=\"invalid_token\", error_description=\"{}\"",
            if code == "token_expired" {
                "the token has expired"
            } else {
                "the token is not valid"
            }
        ),
        _ => "Bearer realm=\"sagaway\"".to_string(),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
        );
        if self.status == StatusCode::UNAUTHORIZED
            && let Ok(v) = HeaderValue::from_str(&bearer_challenge(self.code))
        {
            headers.insert(header::WWW_AUTHENTICATE, v);
        }
        if matches!(
            self.status,
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
        ) {
            let secs = self.retry_after.unwrap_or(DEFAULT_RETRY_AFTER_SECS);
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// Displays an error with its chain of sources, `a: b: c`.
pub struct DisplayChain<'a>(pub &'a (dyn std::error::Error + 'static));

impl std::fmt::Display for DisplayChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(s) = source {
            write!(f, ": {s}")?;
            source = s.source();
        }
        Ok(())
    }
}

/// Fallback handler for unknown paths.
pub async fn no_route() -> ApiError {
    ApiError::no_route()
}

/// Fallback handler for a known path with the wrong method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(r: Response) -> Value {
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn problems_follow_rfc_9457() {
        let r = ApiError::validation(vec![
            FieldError::new("lines[0].quantity", "must be between 1 and 1000"),
            FieldError::new("card_number", "must be digits"),
        ])
        .into_response();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.headers()[header::CONTENT_TYPE], PROBLEM_CONTENT_TYPE);
        let b = body(r).await;
        assert_eq!(b["type"], "urn:sagaway:problem:validation_failed");
        assert_eq!(b["title"], "Unprocessable Entity");
        assert_eq!(b["status"], 422);
        assert_eq!(b["code"], "validation_failed");
        assert_eq!(b["errors"][1]["field"], "card_number");
        assert!(
            b["detail"]
                .as_str()
                .unwrap()
                .contains("2 fields are invalid")
        );
    }

    #[tokio::test]
    async fn auth_and_retry_headers() {
        let r = ApiError::new(StatusCode::UNAUTHORIZED, "invalid_token", "bad").into_response();
        let v = r.headers()[header::WWW_AUTHENTICATE].to_str().unwrap();
        assert!(
            v.starts_with("Bearer ") && v.contains("error=\"invalid_token\""),
            "{v}"
        );
        let r = ApiError::unavailable("contention", "retry").into_response();
        assert_eq!(r.headers()[header::RETRY_AFTER], "1");
        let r = ApiError::unavailable("x", "y")
            .retry_after(5)
            .into_response();
        assert_eq!(r.headers()[header::RETRY_AFTER], "5");
        let r = ApiError::too_many_requests("too_many_orders", "slow down", 42).into_response();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()[header::RETRY_AFTER], "42");
        assert_eq!(r.headers()[header::CONTENT_TYPE], PROBLEM_CONTENT_TYPE);
        let b = body(
            ApiError::conflict("out_of_stock", "no")
                .with_details(serde_json::json!({"shortages": [], "code": "overwritten?"}))
                .into_response(),
        )
        .await;
        assert_eq!(b["code"], "out_of_stock");
        assert!(b["shortages"].is_array());
    }
}
