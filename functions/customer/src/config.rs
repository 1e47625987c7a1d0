//! The customer service's settings: the one place it reads environment variables.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `TABLE_NAME` | the service's DynamoDB table | required |
//! | `JWT_SIGNING_SECRET` | Secrets Manager name of the JWT private key (created on first use) | required |
//! | `JWT_PUBLIC_SECRET` | Secrets Manager name of the JWT public key | required |
//! | `LOGIN_MAX_FAILURES_PER_ACCOUNT` | failed logins of one account (email) that lock it | `5` |
//! | `LOGIN_MAX_FAILURES_PER_ADDRESS` | failed logins from one source address that lock it | `50` |
//! | `LOGIN_FAILURE_WINDOW_SECS` | the window those failures are counted in | `900` |
//! | `LOGIN_LOCKOUT_SECS` | the first lock; each further one is twice as long | `60` |
//! | `LOGIN_LOCKOUT_MAX_SECS` | the longest lock | `900` |
//! | `REGISTER_RATE_LIMIT` | registrations from one source address per `REGISTER_RATE_PERIOD_SECS` | `20` |
//! | `REGISTER_RATE_PERIOD_SECS` | the period of that rate, in seconds | `3600` |
//! | `REGISTER_RATE_BURST` | registrations from one address at once | `10` |
//! | `BIND_ADDR`, `AWS_ENDPOINT_URL`, `LOG_FORMAT`, `RUST_LOG` | how it runs and logs: see `sagaway_shared::config::Runtime` | |

use crate::limits::CustomerLimits;
use sagaway_shared::config::{ConfigError, Env, Runtime};

const LOCKOUT_TAIL: [&str; 3] = [
    "LOGIN_FAILURE_WINDOW_SECS",
    "LOGIN_LOCKOUT_SECS",
    "LOGIN_LOCKOUT_MAX_SECS",
];
const REGISTER_RATE: [&str; 3] = [
    "REGISTER_RATE_LIMIT",
    "REGISTER_RATE_PERIOD_SECS",
    "REGISTER_RATE_BURST",
];

/// The login lockout whose failure count is `failures`; the rest is common to both.
fn lockout_vars(failures: &'static str) -> [&'static str; 4] {
    let [window, lock, max] = LOCKOUT_TAIL;
    [failures, window, lock, max]
}

#[derive(Debug, Clone)]
pub struct Config {
    pub runtime: Runtime,
    pub table: String,
    pub signing_secret: String,
    pub public_secret: String,
    pub limits: CustomerLimits,
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
            limits: limits(env)?,
        })
    }
}

fn limits(env: &Env) -> Result<CustomerLimits, ConfigError> {
    let defaults = CustomerLimits::default();
    Ok(CustomerLimits {
        login_account: env.lockout(
            lockout_vars("LOGIN_MAX_FAILURES_PER_ACCOUNT"),
            defaults.login_account,
        )?,
        login_address: env.lockout(
            lockout_vars("LOGIN_MAX_FAILURES_PER_ADDRESS"),
            defaults.login_address,
        )?,
        registrations: env.rate(REGISTER_RATE, defaults.registrations)?,
    })
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
        let c = Config::from(&Env::from_pairs(full)).unwrap();
        assert_eq!(c.limits, CustomerLimits::default());
        for missing in ["TABLE_NAME", "JWT_SIGNING_SECRET", "JWT_PUBLIC_SECRET"] {
            let env = Env::from_pairs(full.into_iter().filter(|(k, _)| *k != missing));
            let err = Config::from(&env).unwrap_err().to_string();
            assert!(err.contains(missing), "{err}");
        }
    }

    #[test]
    fn limits_are_settings() {
        use sagaway_shared::limits::{Lockout, Rate};
        let env = Env::from_pairs([
            ("TABLE_NAME", "t"),
            ("JWT_SIGNING_SECRET", "s"),
            ("JWT_PUBLIC_SECRET", "p"),
            ("LOGIN_MAX_FAILURES_PER_ACCOUNT", "3"),
            ("LOGIN_MAX_FAILURES_PER_ADDRESS", "1000"),
            ("LOGIN_LOCKOUT_SECS", "10"),
            ("LOGIN_LOCKOUT_MAX_SECS", "40"),
            ("REGISTER_RATE_BURST", "1000"),
            ("REGISTER_RATE_LIMIT", "1000"),
        ]);
        let l = Config::from(&env).unwrap().limits;
        assert_eq!(l.login_account, Lockout::new(3, 900, 10, 40).unwrap());
        assert_eq!(l.login_address, Lockout::new(1000, 900, 10, 40).unwrap());
        assert_eq!(l.registrations, Rate::new(1000, 3600, 1000).unwrap());
        let bad = Env::from_pairs(
            env.pairs()
                .chain([("LOGIN_LOCKOUT_MAX_SECS".to_string(), "5".to_string())]),
        );
        let err = Config::from(&bad).unwrap_err().to_string();
        assert!(err.contains("LOGIN_LOCKOUT_MAX_SECS=5"), "{err}");
    }
}
