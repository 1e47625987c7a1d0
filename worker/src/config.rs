//! The worker's settings: the one place it reads environment variables.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS*`, `TEMPORAL_PROFILE` | where Temporal is and how to authenticate, read by `sagaway_temporal` with the SDK's environment configuration: an API key (`TEMPORAL_API_KEY`), or mTLS with the client certificate and key as PEM text (`TEMPORAL_TLS_CLIENT_CERT_DATA`, `TEMPORAL_TLS_CLIENT_KEY_DATA`, which ECS fills from Secrets Manager) or as files (`TEMPORAL_TLS_CLIENT_CERT_PATH`, `TEMPORAL_TLS_CLIENT_KEY_PATH`) | `127.0.0.1:7233`, `default`, no TLS |
//! | `TASK_QUEUE` | task queue of the OrderSaga | `sagaway-orders` |
//! | `ORDER_FUNCTION`, `INVENTORY_FUNCTION`, `PAYMENT_FUNCTION`, `NOTIFICATION_FUNCTION` | Lambda function names | `sagaway-<service>` |
//! | `AWS_ENDPOINT_URL` | custom AWS endpoint (the local emulator) | unset |
//! | `BREAKER_FAILURES` | consecutive failures that open a service's breaker | `5` |
//! | `BREAKER_COOLDOWN_SECS` | how long an open breaker stays open | `20` |
//! | `HEALTH_ADDR` | the one HTTP server: `GET /health` (503 until connected to Temporal) and `GET /metrics` (Prometheus); also where `sagaway-worker healthcheck` asks | `127.0.0.1:9464` |
//! | `RUST_LOG`, `LOG_FORMAT` | logging | `info`, `text` |

use sagaway_shared::config::{Env, LogFormat};
use sagaway_temporal::{TemporalError, TemporalSettings};
use std::net::SocketAddr;
use std::time::Duration;

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Env(#[from] sagaway_shared::config::ConfigError),
    #[error(transparent)]
    Temporal(#[from] TemporalError),
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
    pub temporal: TemporalSettings,
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
        Self::from(&Env::from_process())
    }

    pub fn from(env: &Env) -> Result<Self, ConfigError> {
        let function = |k: &str, service: &str| env.or(k, &format!("sagaway-{service}"));
        Ok(Self {
            temporal: TemporalSettings::from_vars(env.pairs(), "sagaway-worker")?,
            task_queue: env.or("TASK_QUEUE", crate::DEFAULT_TASK_QUEUE),
            functions: Functions {
                order: function("ORDER_FUNCTION", "order"),
                inventory: function("INVENTORY_FUNCTION", "inventory"),
                payment: function("PAYMENT_FUNCTION", "payment"),
                notification: function("NOTIFICATION_FUNCTION", "notification"),
            },
            aws_endpoint_url: env.optional("AWS_ENDPOINT_URL"),
            breaker_failures: env.parsed("BREAKER_FAILURES", 5u32, "a whole number")?,
            breaker_cooldown: Duration::from_secs(env.parsed(
                "BREAKER_COOLDOWN_SECS",
                20u64,
                "a whole number of seconds",
            )?),
            health_addr: health_addr(env)?,
            log_format: LogFormat::parse(env.get("LOG_FORMAT"), LogFormat::Text)?,
            log_filter: env.or("RUST_LOG", "info"),
        })
    }
}

/// The health and metrics endpoint's address (`HEALTH_ADDR`).
pub fn health_addr(env: &Env) -> Result<SocketAddr, sagaway_shared::config::ConfigError> {
    env.parsed(
        "HEALTH_ADDR",
        SocketAddr::from(([127, 0, 0, 1], 9464)),
        "host:port such as 127.0.0.1:9464",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_errors() {
        let c = WorkerConfig::from(&Env::default()).unwrap();
        assert_eq!(c.temporal.target(), "http://127.0.0.1:7233/");
        assert_eq!(c.functions.payment, "sagaway-payment");
        assert_eq!(c.breaker_failures, 5);
        assert_eq!(c.health_addr.to_string(), "127.0.0.1:9464");
        let e = WorkerConfig::from(&Env::from_pairs([("BREAKER_FAILURES", "many")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("BREAKER_FAILURES"), "{e}");
    }
}
