//! Configuration from the environment: the one place a function reads environment variables.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `TABLE_NAME` | the function's own DynamoDB table | required by functions with a table |
//! | `METHODS_TABLE` | the card vault's table (payment service) | required by the payment service |
//! | `JWT_SIGNING_SECRET` | Secrets Manager name of the JWT private key (customer service) | unset |
//! | `JWT_PUBLIC_SECRET` | Secrets Manager name of the JWT public key (customer, authorizer) | unset |
//! | `TEMPORAL_ADDRESS` | Temporal frontend (gateway) | `127.0.0.1:7233` |
//! | `TEMPORAL_NAMESPACE` | Temporal namespace (gateway) | `default` |
//! | `TEMPORAL_API_KEY_SECRET` | Secrets Manager name of a Temporal Cloud API key (gateway) | unset (no TLS) |
//! | `TASK_QUEUE` | the OrderSaga's task queue (gateway) | `sagaway-orders` |
//! | `INVENTORY_FUNCTION` | the inventory function, for pricing carts (gateway) | `sagaway-inventory` |
//! | `PAYMENT_FUNCTION` | the payment function, for exchanging card numbers for tokens (gateway) | `sagaway-payment` |
//! | `WS_MANAGEMENT_ENDPOINT` | the WebSocket API's management endpoint (notification service) | unset |
//! | `AWS_ENDPOINT_URL` | custom AWS endpoint (the local emulator); unset in AWS | unset |
//! | `AWS_REGION` | AWS region | from the SDK's default chain |
//! | `AWS_LAMBDA_RUNTIME_API` | set by Lambda; when present the function serves Lambda events | unset |
//! | `BIND_ADDR` | address for the local HTTP server (outside Lambda) | `127.0.0.1:3000` |
//! | `LOG_FORMAT` | `json` or `text` | `json` in Lambda, `text` elsewhere |
//! | `RUST_LOG` | tracing filter | `info` |

use std::net::SocketAddr;

/// A configuration value that is missing or malformed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {name} is required: {hint}")]
    Missing {
        name: &'static str,
        hint: &'static str,
    },
    #[error("environment variable {name}={value:?} is invalid: {reason}")]
    Invalid {
        name: &'static str,
        value: String,
        reason: String,
    },
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Text,
}

impl LogFormat {
    /// Reads `LOG_FORMAT`'s value: `json`, `text`, or unset for `default`.
    pub fn parse(value: Option<&str>, default: LogFormat) -> Result<LogFormat, ConfigError> {
        match value {
            None => Ok(default),
            Some("json") => Ok(LogFormat::Json),
            Some("text") => Ok(LogFormat::Text),
            Some(other) => Err(ConfigError::Invalid {
                name: "LOG_FORMAT",
                value: other.to_string(),
                reason: "expected json or text".into(),
            }),
        }
    }
}

/// Everything a function reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: Option<String>,
    pub methods_table: Option<String>,
    pub jwt_signing_secret: Option<String>,
    pub jwt_public_secret: Option<String>,
    pub ws_management_endpoint: Option<String>,
    pub temporal_address: String,
    pub temporal_namespace: String,
    pub temporal_api_key_secret: Option<String>,
    pub task_queue: String,
    pub inventory_function: String,
    pub payment_function: String,
    pub aws_endpoint_url: Option<String>,
    pub in_lambda: bool,
    pub bind_addr: SocketAddr,
    pub log_format: LogFormat,
    pub log_filter: String,
}

/// `Some(value)` of a setting a function cannot run without, or the error naming it.
fn required<'a>(
    value: &'a Option<String>,
    name: &'static str,
    hint: &'static str,
) -> Result<&'a str, ConfigError> {
    value.as_deref().ok_or(ConfigError::Missing { name, hint })
}

impl Config {
    /// The function's own table (`TABLE_NAME`).
    pub fn table(&self) -> Result<&str, ConfigError> {
        required(
            &self.table_name,
            "TABLE_NAME",
            "set it to the function's DynamoDB table (Terraform does this in Lambda)",
        )
    }

    /// The card vault's table (`METHODS_TABLE`, payment service).
    pub fn methods_table(&self) -> Result<&str, ConfigError> {
        required(
            &self.methods_table,
            "METHODS_TABLE",
            "set it to the payment-methods DynamoDB table (Terraform does this in Lambda)",
        )
    }

    /// The JWT private key's secret (`JWT_SIGNING_SECRET`).
    pub fn signing_secret(&self) -> Result<&str, ConfigError> {
        required(
            &self.jwt_signing_secret,
            "JWT_SIGNING_SECRET",
            "set it to the Secrets Manager name of the JWT signing key",
        )
    }

    /// The JWT public key's secret (`JWT_PUBLIC_SECRET`).
    pub fn public_secret(&self) -> Result<&str, ConfigError> {
        required(
            &self.jwt_public_secret,
            "JWT_PUBLIC_SECRET",
            "set it to the Secrets Manager name of the JWT public key",
        )
    }

    /// The WebSocket management endpoint (`WS_MANAGEMENT_ENDPOINT`).
    pub fn ws_endpoint(&self) -> Result<&str, ConfigError> {
        required(
            &self.ws_management_endpoint,
            "WS_MANAGEMENT_ENDPOINT",
            "set it to the WebSocket API's https://{api}.execute-api.{region}.amazonaws.com/{stage}",
        )
    }

    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let non_empty = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let in_lambda = non_empty("AWS_LAMBDA_RUNTIME_API").is_some();
        let bind_addr = match non_empty("BIND_ADDR") {
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
            Some(v) => v
                .parse()
                .map_err(|e: std::net::AddrParseError| ConfigError::Invalid {
                    name: "BIND_ADDR",
                    value: v.clone(),
                    reason: format!("{e}; expected host:port such as 127.0.0.1:3000"),
                })?,
        };
        let log_format = LogFormat::parse(
            non_empty("LOG_FORMAT").as_deref(),
            if in_lambda {
                LogFormat::Json
            } else {
                LogFormat::Text
            },
        )?;
        Ok(Self {
            table_name: non_empty("TABLE_NAME"),
            methods_table: non_empty("METHODS_TABLE"),
            jwt_signing_secret: non_empty("JWT_SIGNING_SECRET"),
            jwt_public_secret: non_empty("JWT_PUBLIC_SECRET"),
            ws_management_endpoint: non_empty("WS_MANAGEMENT_ENDPOINT"),
            temporal_address: non_empty("TEMPORAL_ADDRESS")
                .unwrap_or_else(|| "127.0.0.1:7233".into()),
            temporal_namespace: non_empty("TEMPORAL_NAMESPACE").unwrap_or_else(|| "default".into()),
            temporal_api_key_secret: non_empty("TEMPORAL_API_KEY_SECRET"),
            task_queue: non_empty("TASK_QUEUE")
                .unwrap_or_else(|| sagaway_contract::saga::DEFAULT_TASK_QUEUE.into()),
            inventory_function: non_empty("INVENTORY_FUNCTION")
                .unwrap_or_else(|| "sagaway-inventory".into()),
            payment_function: non_empty("PAYMENT_FUNCTION")
                .unwrap_or_else(|| "sagaway-payment".into()),
            aws_endpoint_url: non_empty("AWS_ENDPOINT_URL"),
            in_lambda,
            bind_addr,
            log_format,
            log_filter: non_empty("RUST_LOG").unwrap_or_else(|| "info".into()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn table_name_is_required_and_named_in_the_error() {
        let err = cfg(&[]).unwrap().table().unwrap_err().to_string();
        assert!(err.contains("TABLE_NAME"), "{err}");
        assert_eq!(cfg(&[("TABLE_NAME", "t")]).unwrap().table().unwrap(), "t");
    }

    #[test]
    fn defaults_outside_lambda() {
        let c = cfg(&[("TABLE_NAME", "t")]).unwrap();
        assert_eq!(c.bind_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.log_format, LogFormat::Text);
        assert!(!c.in_lambda);
        assert!(c.aws_endpoint_url.is_none());
    }

    #[test]
    fn lambda_logs_json_and_endpoint_is_read() {
        let c = cfg(&[
            ("TABLE_NAME", "t"),
            ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
        ])
        .unwrap();
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.aws_endpoint_url.as_deref(), Some("http://127.0.0.1:4566"));
    }

    #[test]
    fn bad_values_are_explained() {
        let err = cfg(&[("TABLE_NAME", "t"), ("BIND_ADDR", "nope")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("BIND_ADDR") && err.contains("host:port"),
            "{err}"
        );
        let err = cfg(&[("TABLE_NAME", "t"), ("LOG_FORMAT", "xml")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("json or text"), "{err}");
    }
}
