//! The notification service's settings: the one place it reads environment variables.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `TABLE_NAME` | the service's DynamoDB table | required |
//! | `WS_MANAGEMENT_ENDPOINT` | the WebSocket API's management endpoint, for pushing to connections | required |
//! | `EMAIL_FROM` | sender of the orders' receipt emails (an SES identity the function may send from) | `orders@sagaway.example` |
//! | `BIND_ADDR`, `AWS_ENDPOINT_URL`, `LOG_FORMAT`, `RUST_LOG` | how it runs and logs: see `sagaway_shared::config::Runtime` | |

use sagaway_shared::config::{ConfigError, Env, Runtime};

#[derive(Debug, Clone)]
pub struct Config {
    pub runtime: Runtime,
    pub table: String,
    pub ws_management_endpoint: String,
    /// Sender of the orders' receipt emails.
    pub email_from: String,
}

/// The sender when `EMAIL_FROM` is not set.
pub const DEFAULT_EMAIL_FROM: &str = "orders@sagaway.example";

impl AsRef<Runtime> for Config {
    fn as_ref(&self) -> &Runtime {
        &self.runtime
    }
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from(&Env::from_process())
    }

    pub fn from(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            runtime: Runtime::from_env(env)?,
            table: env.table()?,
            ws_management_endpoint: env.required(
                "WS_MANAGEMENT_ENDPOINT",
                "set it to the WebSocket API's https://{api}.execute-api.{region}.amazonaws.com/{stage}",
            )?,
            email_from: env.or("EMAIL_FROM", DEFAULT_EMAIL_FROM),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_required_setting_is_named_when_missing() {
        let full = [
            ("TABLE_NAME", "t"),
            ("WS_MANAGEMENT_ENDPOINT", "https://ws"),
        ];
        let c = Config::from(&Env::from_pairs(full)).unwrap();
        assert_eq!(c.email_from, DEFAULT_EMAIL_FROM);
        let with = full.into_iter().chain([("EMAIL_FROM", "shop@example.com")]);
        assert_eq!(
            Config::from(&Env::from_pairs(with)).unwrap().email_from,
            "shop@example.com"
        );
        for missing in ["TABLE_NAME", "WS_MANAGEMENT_ENDPOINT"] {
            let env = Env::from_pairs(full.into_iter().filter(|(k, _)| *k != missing));
            let err = Config::from(&env).unwrap_err().to_string();
            assert!(err.contains(missing), "{err}");
        }
    }
}
