//! `JsonBody<T>`: like `axum::Json`, but every rejection is an [`ApiError`] that names the
//! problem (wrong content type, body too large, malformed JSON, which field is wrong).

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

/// Largest request body any function accepts.
pub const MAX_BODY_BYTES: usize = sagaway_contract::limits::MAX_BODY_BYTES;

/// A JSON request body of type `T`.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the request body must be JSON: send the header Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(bytes_rejection)?;
        parse(&bytes).map(JsonBody)
    }
}

/// Parses a JSON body, naming the offending field on a type or value error.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.is_empty() {
        return Err(ApiError::bad_request(
            "malformed_json",
            "the request body is empty; send a JSON object",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        // serde quotes the offending value; a card number sent in the wrong place or type must
        // not come back (or reach anything that records responses).
        let what = redact_long_numbers(&inner.to_string());
        match inner.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                ApiError::bad_request(
                    "malformed_json",
                    format!("the request body is not valid JSON: {what}"),
                )
            }
            _ if path == "." || path.is_empty() => ApiError::invalid(
                "invalid_body",
                format!("the request body does not match the expected shape: {what}"),
            ),
            _ => {
                let mut e = ApiError::invalid("invalid_body", format!("field `{path}`: {what}"));
                e.errors = vec![sagaway_contract::FieldError::new(path, what)];
                e
            }
        }
    })
}

/// Replaces every run of 12 or more digits (single spaces or dashes between them allowed) with
/// `<number>`.
pub fn redact_long_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            // The longest run of digits with single separators between them.
            let (mut j, mut digits, mut end) = (i, 0, i);
            while j < chars.len() {
                if chars[j].is_ascii_digit() {
                    digits += 1;
                    j += 1;
                    end = j;
                } else if matches!(chars[j], ' ' | '-')
                    && chars.get(j + 1).is_some_and(char::is_ascii_digit)
                {
                    j += 1;
                } else {
                    break;
                }
            }
            if digits >= 12 {
                out.push_str("<number>");
            } else {
                out.extend(&chars[i..end]);
            }
            i = end;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let mime = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

fn bytes_rejection(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
        )
    } else {
        ApiError::bad_request(
            "unreadable_body",
            format!("the request body could not be read: {rejection}"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Line {
        product_id: String,
        quantity: i64,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Req {
        lines: Vec<Line>,
    }

    #[test]
    fn malformed_json_is_400() {
        let e = parse::<Req>(b"{\"lines\": [").unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert_eq!(e.code, "malformed_json");
    }

    #[test]
    fn wrong_field_is_named() {
        let e = parse::<Req>(br#"{"lines":[{"product_id":"a","quantity":"x"}]}"#).unwrap_err();
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(e.message.contains("lines[0].quantity"), "{}", e.message);
    }

    #[test]
    fn missing_field_is_named() {
        let e = parse::<Req>(br#"{"lines":[{"product_id":"a"}]}"#).unwrap_err();
        assert!(e.message.contains("quantity"), "{}", e.message);
    }

    #[test]
    fn card_numbers_are_not_echoed() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Pay {
            card_number: String,
        }
        let e = parse::<Pay>(br#"{"card_number": 4242424242424242}"#).unwrap_err();
        assert!(!e.message.contains("4242424242424242"), "{}", e.message);
        assert!(!e.errors[0].message.contains("42424242"), "{:?}", e.errors);
        assert_eq!(e.errors[0].field, "card_number");
        assert_eq!(
            redact_long_numbers("a 4242 4242 4242 4242 b 12345 c 4000-0000-0000-0002"),
            "a <number> b 12345 c <number>"
        );
        assert_eq!(
            redact_long_numbers("line 42, column 7"),
            "line 42, column 7"
        );
    }

    #[test]
    fn json_content_types() {
        let mut h = axum::http::HeaderMap::new();
        assert!(!is_json(&h));
        h.insert(
            header::CONTENT_TYPE,
            "application/json; charset=utf-8".parse().unwrap(),
        );
        assert!(is_json(&h));
        h.insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
        assert!(!is_json(&h));
    }
}
