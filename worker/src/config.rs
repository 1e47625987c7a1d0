//! The worker's settings: the one place it reads environment variables.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `TEMPORAL_ADDRESS` | Temporal frontend, `host:port` or URL | `127.0.0.1:7233` |
//! | `TEMPORAL_NAMESPACE` | namespace | `default` |
//! | `TEMPORAL_API_KEY` | Temporal Cloud API key (enables TLS); unset locally | unset |
//! | `TASK_QUEUE` | task queue of the OrderSaga | `sagaway-orders` |
//! | `ORDER_FUNCTION`, `INVENTORY_FUNCTION`, `PAYMENT_FUNCTION`, `NOTIFICATION_FUNCTION` | Lambda function names | `sagaway-<service>` |
//! | `AWS_ENDPOINT_URL` | custom AWS endpoint (the local emulator) | unset |
//! | `BREAKER_FAILURES` | consecutive failures that open a service's breaker | `5` |
//! | `BREAKER_COOLDOWN_SECS` | how long an open breaker stays open | `20` |
//! | `HEALTH_ADDR` | health/metrics endpoint | `127.0.0.1:9464` |
//! | `RUST_LOG`, `LOG_FORMAT` | logging | `info`, `text` |

use sagaway_shared::config::LogFormat;
use std::net::SocketAddr;
use std::time::Duration;

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {name}={value:?} is invalid: {reason}")]
    Invalid {
        name: &'static str,
        value: String,
        reason: String,
    },
    #[error(transparent)]
    Shared(#[from] sagaway_shared::config::ConfigError),
}

/// The deployed function of each service.
#[derive(Debug, Clone)]
pub struct Functions {
    pub order: String,
    pub inventory: String,
    pub payment: String,
    pub notification: String,
}

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub temporal_address: String,
    pub namespace: String,
    pub api_key: Option<String>,
    pub task_queue: String,
    pub functions: Functions,
    pub aws_endpoint_url: Option<String>,
    pub breaker_failures: u32,
    pub breaker_cooldown: Duration,
    pub health_addr: SocketAddr,
    pub log_format: LogFormat,
    pub log_filter: String,
}

impl WorkerConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let val = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let function =
            |k: &str, service: &str| val(k).unwrap_or_else(|| format!("sagaway-{service}"));
        let number = |name: &'static str, default: u64| -> Result<u64, ConfigError> {
            match val(name) {
                None => Ok(default),
                Some(v) => v.parse().map_err(|_| ConfigError::Invalid {
                    name,
                    value: v.clone(),
                    reason: "expected a whole number".into(),
                }),
            }
        };
        let health_addr = match val("HEALTH_ADDR") {
            None => SocketAddr::from(([127, 0, 0, 1], 9464)),
            Some(v) => v.parse().map_err(|_| ConfigError::Invalid {
                name: "HEALTH_ADDR",
                value: v.clone(),
                reason: "expected host:port such as 127.0.0.1:9464".into(),
            })?,
        };
        Ok(Self {
            temporal_address: val("TEMPORAL_ADDRESS").unwrap_or_else(|| "127.0.0.1:7233".into()),
            namespace: val("TEMPORAL_NAMESPACE").unwrap_or_else(|| "default".into()),
            api_key: val("TEMPORAL_API_KEY"),
            task_queue: val("TASK_QUEUE").unwrap_or_else(|| crate::DEFAULT_TASK_QUEUE.into()),
            functions: Functions {
                order: function("ORDER_FUNCTION", "order"),
                inventory: function("INVENTORY_FUNCTION", "inventory"),
                payment: function("PAYMENT_FUNCTION", "payment"),
                notification: function("NOTIFICATION_FUNCTION", "notification"),
            },
            aws_endpoint_url: val("AWS_ENDPOINT_URL"),
            breaker_failures: number("BREAKER_FAILURES", 5)? as u32,
            breaker_cooldown: Duration::from_secs(number("BREAKER_COOLDOWN_SECS", 20)?),
            health_addr,
            log_format: LogFormat::parse(val("LOG_FORMAT").as_deref(), LogFormat::Text)?,
            log_filter: val("RUST_LOG").unwrap_or_else(|| "info".into()),
        })
    }

    /// The Temporal frontend as a URL.
    pub fn temporal_url(&self) -> String {
        if self.temporal_address.contains("://") {
            self.temporal_address.clone()
        } else if self.api_key.is_some() {
            format!("https://{}", self.temporal_address)
        } else {
            format!("http://{}", self.temporal_address)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_errors() {
        let c = WorkerConfig::from_lookup(|_| None).unwrap();
        assert_eq!(c.temporal_url(), "http://127.0.0.1:7233");
        assert_eq!(c.functions.payment, "sagaway-payment");
        assert_eq!(c.breaker_failures, 5);
        let e = WorkerConfig::from_lookup(|k| (k == "BREAKER_FAILURES").then(|| "many".into()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("BREAKER_FAILURES"), "{e}");
    }
}
