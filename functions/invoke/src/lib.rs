//! Calling a function's internal routes by direct Lambda invocation.
//!
//! Saga-step operations (`/internal/...`) are not on the public API. The worker invokes the
//! function with an API Gateway v2 (HTTP API) event whose `requestContext.apiId` is
//! [`INTERNAL_API_ID`], so the function's own router serves it and the
//! [`sagaway_shared::auth::Internal`] guard admits it. IAM decides who may invoke
//! (`lambda:InvokeFunction` on that function only).
//!
//! The caller's correlation (`sagaway_shared::correlation::current`: the API request id, the
//! order id, the workflow id) goes along as the `x-correlation-id`, `x-order-id` and
//! `x-workflow-id` headers, so the function logs its lines for this call under the same ids.

use aws_sdk_lambda::Client;
use aws_sdk_lambda::error::DisplayErrorContext;
use aws_sdk_lambda::primitives::Blob;
use sagaway_contract::Problem;
use sagaway_shared::auth::INTERNAL_API_ID;
use sagaway_shared::correlation;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Why an internal call got no HTTP answer.
#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    #[error("invoking {function} failed: {message}")]
    Invoke { function: String, message: String },
    #[error("{function} failed while handling {path}: {message}")]
    FunctionError {
        function: String,
        path: String,
        message: String,
    },
    #[error("{function} answered {path} with something that is not an HTTP response: {message}")]
    BadResponse {
        function: String,
        path: String,
        message: String,
    },
}

/// An HTTP answer from an internal route.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    /// The body as JSON (`Value::Null` when it is not JSON).
    pub body: Value,
    /// The response headers (names in lower case).
    pub headers: std::collections::BTreeMap<String, String>,
}

impl Reply {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as a contract type.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&self.body)
    }

    /// The problem of an error answer (`None` when the body is not a problem).
    pub fn problem(&self) -> Option<Problem> {
        Problem::deserialize(&self.body).ok()
    }

    /// The problem's `code` (empty when there is none); read from the body, not parsed again.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }

    /// The problem's `detail`, or the body as text.
    pub fn detail(&self) -> String {
        self.body["detail"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| self.body.to_string())
    }
}

/// Invokes functions' internal routes.
#[derive(Clone, Debug)]
pub struct InternalClient {
    lambda: Client,
}

/// The API Gateway v2 event for `method path` with a JSON body, carrying the current
/// correlation's headers.
pub fn event(method: &str, path: &str, body: Option<String>) -> Value {
    let now = chrono_like_now_ms();
    let mut headers =
        json!({ "content-type": "application/json", "user-agent": "sagaway-internal" });
    if let (Some(c), Value::Object(map)) = (correlation::current(), &mut headers) {
        for (name, value) in c.headers() {
            map.insert(name.to_string(), Value::from(value));
        }
    }
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "internal",
            "apiId": INTERNAL_API_ID,
            "domainName": "internal",
            "domainPrefix": "internal",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "sagaway-internal"
            },
            "requestId": format!("internal-{now}"),
            "routeKey": "$default",
            "stage": "$default",
            "time": "",
            "timeEpoch": now
        },
        "body": body,
        "isBase64Encoded": false
    })
}

fn chrono_like_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

impl InternalClient {
    pub fn new(lambda: Client) -> Self {
        Self { lambda }
    }

    /// A client from an SDK config (honouring the custom endpoint).
    pub fn from_sdk(config: &aws_config::SdkConfig) -> Self {
        Self::new(Client::new(config))
    }

    /// `GET path` on `function`.
    pub async fn get(&self, function: &str, path: &str) -> Result<Reply, InvokeError> {
        self.call(function, "GET", path, None::<&()>).await
    }

    /// `POST path` on `function` with a contract type as the JSON body.
    pub async fn post<B: Serialize + ?Sized>(
        &self,
        function: &str,
        path: &str,
        body: &B,
    ) -> Result<Reply, InvokeError> {
        self.call(function, "POST", path, Some(body)).await
    }

    /// Calls `method path` on `function` with an optional JSON body.
    pub async fn call<B: Serialize + ?Sized>(
        &self,
        function: &str,
        method: &str,
        path: &str,
        body: Option<&B>,
    ) -> Result<Reply, InvokeError> {
        let text =
            body.map(serde_json::to_string)
                .transpose()
                .map_err(|e| InvokeError::Invoke {
                    function: function.to_string(),
                    message: format!("the request body could not be serialized: {e}"),
                })?;
        if correlation::current().is_none() {
            // The worker and the gateway call only inside a correlation (an activity, a
            // request): a call outside one is a gap in an order's path, named here.
            tracing::warn!(
                function,
                path,
                "direct invocation without a correlation: the function logs it under its own request id"
            );
        }
        let payload = event(method, path, text).to_string();
        let out = self
            .lambda
            .invoke()
            .function_name(function)
            .payload(Blob::new(payload))
            .send()
            .await
            .map_err(|e| InvokeError::Invoke {
                function: function.to_string(),
                message: DisplayErrorContext(&e).to_string(),
            })?;
        let raw = out
            .payload()
            .map(|b| b.as_ref().to_vec())
            .unwrap_or_default();
        if let Some(err) = out.function_error() {
            return Err(InvokeError::FunctionError {
                function: function.to_string(),
                path: path.to_string(),
                message: format!("{err}: {}", String::from_utf8_lossy(&raw)),
            });
        }
        let bad = |message: String| InvokeError::BadResponse {
            function: function.to_string(),
            path: path.to_string(),
            message,
        };
        let response: Value = serde_json::from_slice(&raw).map_err(|e| bad(e.to_string()))?;
        let status = response["statusCode"]
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .ok_or_else(|| bad(format!("no statusCode in {response}")))?;
        let body = match response["body"].as_str() {
            Some(text) if response["isBase64Encoded"].as_bool() == Some(true) => {
                use base64::Engine;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|e| bad(e.to_string()))?;
                serde_json::from_slice(&bytes).unwrap_or(Value::Null)
            }
            Some(text) => serde_json::from_str(text).unwrap_or(Value::Null),
            None => Value::Null,
        };
        let headers = response["headers"]
            .as_object()
            .map(|h| {
                h.iter()
                    .filter_map(|(k, v)| Some((k.to_ascii_lowercase(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Reply {
            status,
            body,
            headers,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sagaway_shared::correlation::Correlation;

    #[tokio::test]
    async fn the_event_carries_the_callers_correlation() {
        let plain = event("GET", "/internal/x", None);
        assert!(
            plain["headers"].get("x-correlation-id").is_none(),
            "{plain}"
        );
        let c = Correlation {
            correlation_id: Some("JKJaXmPLvHcESHA=".into()),
            order_id: Some("o-1".into()),
            workflow_id: Some("order-o-1".into()),
        };
        let e = c
            .scope(async { event("POST", "/internal/x", Some("{}".into())) })
            .await;
        assert_eq!(e["headers"]["x-correlation-id"], "JKJaXmPLvHcESHA=");
        assert_eq!(e["headers"]["x-order-id"], "o-1");
        assert_eq!(e["headers"]["x-workflow-id"], "order-o-1");
        assert_eq!(e["headers"]["content-type"], "application/json");
        assert_eq!(e["requestContext"]["apiId"], INTERNAL_API_ID);
    }
}
