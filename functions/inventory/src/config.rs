//! The inventory service's settings: the one place it reads environment variables.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `TABLE_NAME` | the service's DynamoDB table | required |
//! | `BIND_ADDR`, `AWS_ENDPOINT_URL`, `LOG_FORMAT`, `RUST_LOG` | how it runs and logs: see `sagaway_shared::config::Runtime` | |

use sagaway_shared::config::{ConfigError, Env, Runtime};

#[derive(Debug, Clone)]
pub struct Config {
    pub runtime: Runtime,
    pub table: String,
}

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
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_required_setting_is_named_when_missing() {
        let set = Env::from_pairs([("TABLE_NAME", "x")]);
        assert!(Config::from(&set).is_ok());
        let err = Config::from(&Env::default()).unwrap_err().to_string();
        assert!(err.contains("TABLE_NAME"), "{err}");
    }
}
