//! The customer service's settings: the one place it reads environment variables.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `TABLE_NAME` | the service's DynamoDB table | required |
//! | `JWT_SIGNING_SECRET` | Secrets Manager name of the JWT private key (created on first use) | required |
//! | `JWT_PUBLIC_SECRET` | Secrets Manager name of the JWT public key | required |
//! | `BIND_ADDR`, `AWS_ENDPOINT_URL`, `LOG_FORMAT`, `RUST_LOG` | how it runs and logs: see `sagaway_shared::config::Runtime` | |

use sagaway_shared::config::{ConfigError, Env, Runtime};

#[derive(Debug, Clone)]
pub struct Config {
    pub runtime: Runtime,
    pub table: String,
    pub signing_secret: String,
    pub public_secret: String,
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
            signing_secret: env.required(
                "JWT_SIGNING_SECRET",
                "set it to the Secrets Manager name of the JWT signing key",
            )?,
            public_secret: env.required(
                "JWT_PUBLIC_SECRET",
                "set it to the Secrets Manager name of the JWT public key",
            )?,
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
            ("JWT_SIGNING_SECRET", "s"),
            ("JWT_PUBLIC_SECRET", "p"),
        ];
        assert!(Config::from(&Env::from_pairs(full)).is_ok());
        for missing in ["TABLE_NAME", "JWT_SIGNING_SECRET", "JWT_PUBLIC_SECRET"] {
            let env = Env::from_pairs(full.into_iter().filter(|(k, _)| *k != missing));
            let err = Config::from(&env).unwrap_err().to_string();
            assert!(err.contains(missing), "{err}");
        }
    }
}
