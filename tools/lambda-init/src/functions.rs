//! What each function is started with: the settings it cannot start without (fake values:
//! every AWS endpoint is a loopback port where nothing listens) and one cheap event that it
//! answers without calling AWS, so what is measured is the function's own start.

use serde_json::{Value, json};

/// The functions shipped as Lambda zips (`FUNCTIONS` in localstack/lib.sh).
pub const KNOWN: [&str; 7] = [
    "inventory",
    "customer",
    "authorizer",
    "order",
    "payment",
    "notification",
    "gateway",
];

/// How one function is started and asked.
#[derive(Debug, Clone)]
pub struct Function {
    pub name: String,
    /// Its own settings (on top of what Lambda sets for every function).
    pub env: Vec<(&'static str, String)>,
    /// The event of its first invocation.
    pub event: Value,
    /// What the event is, for the report.
    pub asks: &'static str,
}

/// The settings and event of function `name`; `nowhere` is an `http://` URL where nothing
/// listens (a call to AWS fails at once instead of going unnoticed). `None` for a name that
/// is not one of [`KNOWN`].
pub fn function(name: &str, nowhere: &str) -> Option<Function> {
    let health = || http_event("GET", "/health");
    let (env, event, asks): (Vec<(&'static str, String)>, Value, &'static str) = match name {
        "inventory" | "order" => (
            vec![("TABLE_NAME", format!("sagaway-{name}"))],
            health(),
            "GET /health",
        ),
        "customer" => (
            vec![
                ("TABLE_NAME", "sagaway-customers".into()),
                ("JWT_SIGNING_SECRET", "sagaway/jwt-signing".into()),
                ("JWT_PUBLIC_SECRET", "sagaway/jwt-public".into()),
            ],
            health(),
            "GET /health",
        ),
        "payment" => (
            vec![
                ("TABLE_NAME", "sagaway-payments".into()),
                ("METHODS_TABLE", "sagaway-payment-methods".into()),
            ],
            health(),
            "GET /health",
        ),
        // A request without a token is refused before the public key is ever read.
        "authorizer" => (
            vec![("JWT_PUBLIC_SECRET", "sagaway/jwt-public".into())],
            authorizer_event(),
            "HTTP API authorizer, no token",
        ),
        // The notification function has no /health; a WebSocket frame gets a pong without
        // touching DynamoDB.
        "notification" => (
            vec![
                ("TABLE_NAME", "sagaway-notifications".into()),
                ("WS_MANAGEMENT_ENDPOINT", nowhere.into()),
            ],
            ws_message_event(),
            "WebSocket frame",
        ),
        // The gateway has no /health; its OpenAPI document is compiled in. Temporal is
        // connected on first use only, and never here. Its table holds the order limits.
        "gateway" => (
            vec![
                ("TABLE_NAME", "sagaway-gateway".into()),
                (
                    "TEMPORAL_ADDRESS",
                    nowhere.trim_start_matches("http://").into(),
                ),
                ("TEMPORAL_NAMESPACE", "default".into()),
                ("INVENTORY_FUNCTION", "sagaway-inventory".into()),
                ("PAYMENT_FUNCTION", "sagaway-payment".into()),
            ],
            http_event("GET", "/v1/openapi.json"),
            "GET /v1/openapi.json",
        ),
        _ => return None,
    };
    Some(Function {
        name: name.to_string(),
        env,
        event,
        asks,
    })
}

const API: &str = "abc123defg";
const DOMAIN: &str = "abc123defg.execute-api.us-east-1.amazonaws.com";
const EPOCH_MS: i64 = 1_767_225_600_000;

/// An API Gateway HTTP API (payload 2.0) request on the `$default` stage.
pub fn http_event(method: &str, path: &str) -> Value {
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {
            "accept": "application/json",
            "host": DOMAIN,
            "user-agent": "lambda-init",
            "x-forwarded-for": "127.0.0.1",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https"
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": API,
            "domainName": DOMAIN,
            "domainPrefix": API,
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "lambda-init"
            },
            "requestId": "lambda-init-request",
            "routeKey": "$default",
            "stage": "$default",
            "time": "01/Jan/2026:00:00:00 +0000",
            "timeEpoch": EPOCH_MS
        },
        "isBase64Encoded": false
    })
}

/// An HTTP API REQUEST authorizer event (payload 2.0) without an `Authorization` header.
pub fn authorizer_event() -> Value {
    let mut event = http_event("GET", "/v1/orders");
    event["type"] = json!("REQUEST");
    event["routeKey"] = json!("GET /v1/orders");
    event["routeArn"] = json!(format!(
        "arn:aws:execute-api:us-east-1:123456789012:{API}/$default/GET/v1/orders"
    ));
    event["identitySource"] = json!([]);
    event
}

/// A WebSocket API `$default` frame.
pub fn ws_message_event() -> Value {
    json!({
        "requestContext": {
            "routeKey": "$default",
            "eventType": "MESSAGE",
            "messageId": "lambda-init-message",
            "extendedRequestId": "lambda-init-extended",
            "requestTime": "01/Jan/2026:00:00:00 +0000",
            "messageDirection": "IN",
            "stage": "prod",
            "connectedAt": EPOCH_MS,
            "requestTimeEpoch": EPOCH_MS,
            "identity": { "sourceIp": "127.0.0.1" },
            "requestId": "lambda-init-request",
            "domainName": DOMAIN,
            "connectionId": "lambda-init-connection",
            "apiId": API
        },
        "body": "{\"action\":\"ping\"}",
        "isBase64Encoded": false
    })
}

/// What a function answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// An API Gateway proxy response with this status.
    Http(u16),
    /// An authorizer's simple response.
    Authorizer,
}

/// An answer that is not a success.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AnswerError {
    #[error("the answer is not JSON: {0}")]
    NotJson(String),
    #[error("the answer has status {0}, not 2xx")]
    Status(u64),
    #[error("the answer's statusCode is not a number")]
    StatusNotNumber,
    #[error(
        "the answer is neither a proxy response (statusCode) nor an authorizer's (isAuthorized)"
    )]
    Unrecognized,
}

/// Reads a function's answer: a proxy response must have a 2xx status; an authorizer's must
/// say `isAuthorized` (true or false: the verdict on a missing token is no failure).
pub fn check_answer(body: &[u8]) -> Result<Answer, AnswerError> {
    let answer: Value =
        serde_json::from_slice(body).map_err(|e| AnswerError::NotJson(e.to_string()))?;
    if let Some(status) = answer.get("statusCode") {
        let status = status.as_u64().ok_or(AnswerError::StatusNotNumber)?;
        return match status {
            200..=299 => Ok(Answer::Http(status as u16)),
            other => Err(AnswerError::Status(other)),
        };
    }
    if answer.get("isAuthorized").is_some_and(Value::is_boolean) {
        return Ok(Answer::Authorizer);
    }
    Err(AnswerError::Unrecognized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_function_has_settings_and_an_event() {
        for name in KNOWN {
            let f = function(name, "http://127.0.0.1:9").unwrap();
            assert_eq!(f.name, name);
            assert!(f.event.is_object(), "{name}");
            // Every function but the authorizer has its own table (the gateway's holds the
            // shoppers' order limits).
            let has_table = f.env.iter().any(|(k, _)| *k == "TABLE_NAME");
            assert_eq!(has_table, name != "authorizer", "{name}");
        }
        assert!(function("worker", "http://127.0.0.1:9").is_none());
    }

    #[test]
    fn aws_and_temporal_point_nowhere() {
        let n = function("notification", "http://127.0.0.1:9").unwrap();
        assert!(
            n.env
                .contains(&("WS_MANAGEMENT_ENDPOINT", "http://127.0.0.1:9".into()))
        );
        let g = function("gateway", "http://127.0.0.1:9").unwrap();
        assert!(g.env.contains(&("TEMPORAL_ADDRESS", "127.0.0.1:9".into())));
    }

    #[test]
    fn events_have_the_shapes_api_gateway_sends() {
        let e = http_event("GET", "/health");
        assert_eq!(e["version"], "2.0");
        assert_eq!(e["requestContext"]["http"]["method"], "GET");
        assert_eq!(e["rawPath"], "/health");
        let a = authorizer_event();
        assert_eq!(a["type"], "REQUEST");
        assert!(a["headers"].get("authorization").is_none());
        let w = ws_message_event();
        assert_eq!(w["requestContext"]["eventType"], "MESSAGE");
        assert!(w["requestContext"].get("http").is_none());
    }

    #[test]
    fn a_2xx_proxy_response_or_an_authorizer_verdict_is_success() {
        assert_eq!(
            check_answer(br#"{"statusCode":200,"body":"{}"}"#),
            Ok(Answer::Http(200))
        );
        assert_eq!(
            check_answer(br#"{"statusCode":204}"#),
            Ok(Answer::Http(204))
        );
        assert_eq!(
            check_answer(br#"{"isAuthorized":true,"context":{"auth":"rejected"}}"#),
            Ok(Answer::Authorizer)
        );
        assert_eq!(
            check_answer(br#"{"isAuthorized":false}"#),
            Ok(Answer::Authorizer)
        );
    }

    #[test]
    fn anything_else_fails() {
        assert_eq!(
            check_answer(br#"{"statusCode":404}"#),
            Err(AnswerError::Status(404))
        );
        assert_eq!(
            check_answer(br#"{"statusCode":500}"#),
            Err(AnswerError::Status(500))
        );
        assert_eq!(
            check_answer(br#"{"statusCode":199}"#),
            Err(AnswerError::Status(199))
        );
        assert_eq!(
            check_answer(br#"{"statusCode":"200"}"#),
            Err(AnswerError::StatusNotNumber)
        );
        assert_eq!(
            check_answer(br#"{"isAuthorized":"yes"}"#),
            Err(AnswerError::Unrecognized)
        );
        assert_eq!(check_answer(br#"{}"#), Err(AnswerError::Unrecognized));
        assert!(matches!(
            check_answer(b"not json"),
            Err(AnswerError::NotJson(_))
        ));
    }
}
