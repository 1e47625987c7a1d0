//! The gateway's settings: the one place it reads environment variables.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `TABLE_NAME` | the gateway's own table: the shoppers' order limits | required |
//! | `ORDER_RATE_LIMIT` | orders one shopper may place per `ORDER_RATE_PERIOD_SECS` | `10` |
//! | `ORDER_RATE_PERIOD_SECS` | the period of that rate, in seconds | `60` |
//! | `ORDER_RATE_BURST` | orders one shopper may place at once (a full bucket) | `5` |
//! | `TASK_QUEUE` | the OrderSaga's task queue | `sagaway-orders` |
//! | `INVENTORY_FUNCTION` | the inventory function, for pricing carts | `sagaway-inventory` |
//! | `PAYMENT_FUNCTION` | the payment function, for exchanging card numbers for tokens | `sagaway-payment` |
//! | `CUSTOMER_FUNCTION` | the customer function, for the shopper's email (the order's emails) | `sagaway-customer` |
//! | `TEMPORAL_API_KEY_SECRET` | Secrets Manager name of a Temporal Cloud API key | unset (no TLS) |
//! | `TEMPORAL_TLS_CLIENT_CERT_SECRET`, `TEMPORAL_TLS_CLIENT_KEY_SECRET` | Secrets Manager names of a Temporal Cloud mTLS client certificate and its private key (PEM); both or neither | unset |
//! | `TEMPORAL_*` | where Temporal is: read by `sagaway_temporal` (address, namespace, TLS) | `127.0.0.1:7233`, `default` |
//! | runtime | `BIND_ADDR`, `AWS_ENDPOINT_URL`, `LOG_FORMAT`, `RUST_LOG`: see `sagaway_shared::config` | |

use sagaway_shared::config::{ConfigError, Env, Runtime};
use sagaway_shared::limits::Rate;
use sagaway_temporal::{TemporalError, TemporalSettings};

/// A setting the gateway cannot start with.
#[derive(Debug, thiserror::Error)]
pub enum GatewayConfigError {
    #[error(transparent)]
    Env(#[from] ConfigError),
    #[error(transparent)]
    Temporal(#[from] TemporalError),
    #[error(
        "TEMPORAL_TLS_CLIENT_CERT_SECRET and TEMPORAL_TLS_CLIENT_KEY_SECRET go together: mTLS needs the certificate and its key"
    )]
    HalfClientCert,
}

/// The Secrets Manager names of an mTLS client certificate and its private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCertSecrets {
    pub cert: String,
    pub key: String,
}

/// The variables of the per-shopper order rate: count, period, burst.
pub const ORDER_RATE: [&str; 3] = [
    "ORDER_RATE_LIMIT",
    "ORDER_RATE_PERIOD_SECS",
    "ORDER_RATE_BURST",
];

/// 10 orders a minute, 5 at once: more than any shopper places by hand, and a client stuck in
/// a loop is stopped after a few.
pub const DEFAULT_ORDER_RATE: Rate = match Rate::new(10, 60, 5) {
    Ok(rate) => rate,
    Err(_) => panic!("the default order rate is not a rate"),
};

#[derive(Debug, Clone)]
pub struct Config {
    pub runtime: Runtime,
    /// The gateway's own table (the order limits).
    pub table: String,
    /// How many orders one shopper may place.
    pub order_rate: Rate,
    pub task_queue: String,
    pub inventory_function: String,
    pub payment_function: String,
    pub customer_function: String,
    pub temporal: TemporalSettings,
    pub temporal_api_key_secret: Option<String>,
    pub temporal_client_cert_secrets: Option<ClientCertSecrets>,
}

impl AsRef<Runtime> for Config {
    fn as_ref(&self) -> &Runtime {
        &self.runtime
    }
}

impl Config {
    pub fn from_env() -> Result<Self, GatewayConfigError> {
        Self::from(&Env::from_process())
    }

    pub fn from(env: &Env) -> Result<Self, GatewayConfigError> {
        Ok(Self {
            runtime: Runtime::from_env(env)?,
            table: env.table()?,
            order_rate: env.rate(ORDER_RATE, DEFAULT_ORDER_RATE)?,
            task_queue: env.or("TASK_QUEUE", sagaway_contract::saga::DEFAULT_TASK_QUEUE),
            inventory_function: env.or("INVENTORY_FUNCTION", "sagaway-inventory"),
            payment_function: env.or("PAYMENT_FUNCTION", "sagaway-payment"),
            customer_function: env.or("CUSTOMER_FUNCTION", "sagaway-customer"),
            temporal: TemporalSettings::from_vars(env.pairs(), "sagaway-gateway")?,
            temporal_api_key_secret: env.optional("TEMPORAL_API_KEY_SECRET"),
            temporal_client_cert_secrets: match (
                env.optional("TEMPORAL_TLS_CLIENT_CERT_SECRET"),
                env.optional("TEMPORAL_TLS_CLIENT_KEY_SECRET"),
            ) {
                (Some(cert), Some(key)) => Some(ClientCertSecrets { cert, key }),
                (None, None) => None,
                _ => return Err(GatewayConfigError::HalfClientCert),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_name_the_deployed_functions() {
        let c = Config::from(&Env::from_pairs([
            ("PAYMENT_FUNCTION", "p"),
            ("TABLE_NAME", "t"),
        ]))
        .unwrap();
        assert_eq!(c.task_queue, "sagaway-orders");
        assert_eq!(c.inventory_function, "sagaway-inventory");
        assert_eq!(c.payment_function, "p");
        assert_eq!(c.customer_function, "sagaway-customer");
        assert!(c.temporal_api_key_secret.is_none());
        assert_eq!(c.table, "t");
        assert_eq!(c.order_rate, Rate::new(10, 60, 5).unwrap());
        assert!(c.temporal_client_cert_secrets.is_none());
    }

    #[test]
    fn the_order_rate_and_its_table_are_settings() {
        let err = Config::from(&Env::from_pairs([("PAYMENT_FUNCTION", "p")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("TABLE_NAME"), "{err}");
        let c = Config::from(&Env::from_pairs([
            ("TABLE_NAME", "t"),
            ("ORDER_RATE_LIMIT", "30"),
            ("ORDER_RATE_BURST", "10"),
        ]))
        .unwrap();
        assert_eq!(c.order_rate, Rate::new(30, 60, 10).unwrap());
        let err = Config::from(&Env::from_pairs([
            ("TABLE_NAME", "t"),
            ("ORDER_RATE_PERIOD_SECS", "0"),
        ]))
        .unwrap_err()
        .to_string();
        assert!(err.contains("ORDER_RATE_PERIOD_SECS=0"), "{err}");
    }

    #[test]
    fn mtls_secrets_come_in_pairs() {
        let c = Config::from(&Env::from_pairs([
            ("TABLE_NAME", "t"),
            ("TEMPORAL_TLS_CLIENT_CERT_SECRET", "sagaway/temporal-cert"),
            ("TEMPORAL_TLS_CLIENT_KEY_SECRET", "sagaway/temporal-key"),
        ]))
        .unwrap();
        assert_eq!(
            c.temporal_client_cert_secrets,
            Some(ClientCertSecrets {
                cert: "sagaway/temporal-cert".into(),
                key: "sagaway/temporal-key".into()
            })
        );
        let e = Config::from(&Env::from_pairs([
            ("TABLE_NAME", "t"),
            ("TEMPORAL_TLS_CLIENT_CERT_SECRET", "sagaway/temporal-cert"),
        ]))
        .unwrap_err();
        assert!(matches!(e, GatewayConfigError::HalfClientCert), "{e}");
    }
}
