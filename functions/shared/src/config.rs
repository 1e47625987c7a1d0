//! Reading configuration from the environment.
//!
//! Each function has its own settings struct in its own `config.rs`, the one place it reads
//! environment variables, built from an [`Env`]; what every function reads is [`Runtime`]:
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `AWS_LAMBDA_RUNTIME_API` | set by Lambda; when present the function serves Lambda events | unset |
//! | `BIND_ADDR` | address for the local HTTP server (outside Lambda) | `127.0.0.1:3000` |
//! | `AWS_ENDPOINT_URL` | custom AWS endpoint (the local emulator); unset in AWS | unset |
//! | `AWS_REGION` | AWS region (read by the SDK) | from the SDK's default chain |
//! | `LOG_FORMAT` | `json` or `text` | `json` in Lambda, `text` elsewhere |
//! | `RUST_LOG` | tracing filter | `info` |
use crate::limits::{InvalidLimit, Lockout, Rate};
use std::collections::HashMap;
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

/// A snapshot of the environment: variables set to something other than blanks.
#[derive(Debug, Clone, Default)]
pub struct Env(HashMap<String, String>);

impl Env {
    /// The process environment.
    pub fn from_process() -> Self {
        Self::from_pairs(std::env::vars())
    }

    /// These variables (tests pass their own).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                // Terraform writes "" for optional settings; blank means unset.
                .filter(|(_, v): &(String, String)| !v.trim().is_empty())
                .collect(),
        )
    }

    /// Every variable that is set.
    pub fn pairs(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.0.iter().map(|(k, v)| (k.clone(), v.clone()))
    }

    /// The value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// The value of `name` as an owned string, if set.
    pub fn optional(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_string)
    }

    /// The value of `name`, or `default`.
    pub fn or(&self, name: &str, default: &str) -> String {
        self.get(name).unwrap_or(default).to_string()
    }

    /// The value of a setting the function cannot run without, or the error naming it and
    /// saying what to set it to.
    pub fn required(&self, name: &'static str, hint: &'static str) -> Result<String, ConfigError> {
        self.optional(name)
            .ok_or(ConfigError::Missing { name, hint })
    }

    /// The function's own DynamoDB table (`TABLE_NAME`), which every service needs.
    pub fn table(&self) -> Result<String, ConfigError> {
        self.required(
            "TABLE_NAME",
            "set it to the function's DynamoDB table (Terraform does this in Lambda)",
        )
    }

    /// The value of `name` parsed as `T`, or `default`; `expected` says what a valid value
    /// looks like.
    pub fn parsed<T: std::str::FromStr>(
        &self,
        name: &'static str,
        default: T,
        expected: &str,
    ) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        match self.get(name) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|e: T::Err| ConfigError::Invalid {
                name,
                value: v.to_string(),
                reason: format!("{e}; expected {expected}"),
            }),
        }
    }
}

impl Env {
    /// A [`Rate`] from its count, period (seconds) and burst variables, each defaulting to
    /// `default`'s.
    pub fn rate(&self, vars: [&'static str; 3], default: Rate) -> Result<Rate, ConfigError> {
        let [limit, period, burst] = vars;
        let values = [
            self.parsed(limit, default.limit(), "a whole number of requests")?,
            self.parsed(period, default.period_secs(), "a whole number of seconds")?,
            self.parsed(burst, default.burst(), "a whole number of requests")?,
        ];
        Rate::new(values[0], values[1], values[2]).map_err(|e| invalid_limit(&vars, &values, &e))
    }

    /// A [`Lockout`] from its failures, window, first lock and longest lock variables (the
    /// last three in seconds), each defaulting to `default`'s.
    pub fn lockout(
        &self,
        vars: [&'static str; 4],
        default: Lockout,
    ) -> Result<Lockout, ConfigError> {
        let [failures, window, lock, max_lock] = vars;
        let secs = "a whole number of seconds";
        let values = [
            self.parsed(
                failures,
                default.max_failures(),
                "a whole number of failures",
            )?,
            self.parsed(window, default.window_secs(), secs)?,
            self.parsed(lock, default.lock_secs(), secs)?,
            self.parsed(max_lock, default.max_lock_secs(), secs)?,
        ];
        Lockout::new(values[0], values[1], values[2], values[3])
            .map_err(|e| invalid_limit(&vars, &values, &e))
    }
}

/// A limit whose values, each valid, do not make one (named by its first variable).
fn invalid_limit(vars: &[&'static str], values: &[u32], e: &InvalidLimit) -> ConfigError {
    ConfigError::Invalid {
        name: vars[0],
        value: vars
            .iter()
            .zip(values)
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" "),
        reason: e.to_string(),
    }
}

/// What every function reads: how it runs and logs, and where AWS is.
#[derive(Debug, Clone)]
pub struct Runtime {
    pub in_lambda: bool,
    pub bind_addr: SocketAddr,
    pub aws_endpoint_url: Option<String>,
    pub log_format: LogFormat,
    pub log_filter: String,
}

impl Runtime {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let in_lambda = env.get("AWS_LAMBDA_RUNTIME_API").is_some();
        let default_format = if in_lambda {
            LogFormat::Json
        } else {
            LogFormat::Text
        };
        Ok(Self {
            in_lambda,
            bind_addr: env.parsed(
                "BIND_ADDR",
                SocketAddr::from(([127, 0, 0, 1], 3000)),
                "host:port such as 127.0.0.1:3000",
            )?,
            aws_endpoint_url: env.optional("AWS_ENDPOINT_URL"),
            log_format: LogFormat::parse(env.get("LOG_FORMAT"), default_format)?,
            log_filter: env.or("RUST_LOG", "info"),
        })
    }
}

impl AsRef<Runtime> for Runtime {
    fn as_ref(&self) -> &Runtime {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime(pairs: &[(&str, &str)]) -> Result<Runtime, ConfigError> {
        Runtime::from_env(&Env::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn required_settings_are_named_with_a_hint() {
        let env = Env::from_pairs([("TABLE_NAME", "t"), ("BLANK", "  ")]);
        assert_eq!(env.required("TABLE_NAME", "h").unwrap(), "t");
        let err = env
            .required("BLANK", "set it to the table")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("BLANK") && err.contains("set it to the table"),
            "{err}"
        );
    }

    #[test]
    fn defaults_outside_lambda() {
        let c = runtime(&[]).unwrap();
        assert_eq!(c.bind_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.log_format, LogFormat::Text);
        assert!(!c.in_lambda);
        assert!(c.aws_endpoint_url.is_none());
        assert_eq!(c.log_filter, "info");
    }

    #[test]
    fn lambda_logs_json_and_endpoint_is_read() {
        let c = runtime(&[
            ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
        ])
        .unwrap();
        assert!(c.in_lambda);
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.aws_endpoint_url.as_deref(), Some("http://127.0.0.1:4566"));
    }

    #[test]
    fn limits_are_read_with_their_defaults_and_checked() {
        const RATE: [&str; 3] = ["R_LIMIT", "R_PERIOD", "R_BURST"];
        const LOCK: [&str; 4] = ["L_FAILURES", "L_WINDOW", "L_LOCK", "L_MAX"];
        let rate = Rate::new(10, 60, 5).unwrap();
        let lock = Lockout::new(5, 900, 60, 900).unwrap();
        let env = Env::from_pairs([("R_BURST", "2"), ("L_LOCK", "10")]);
        assert_eq!(env.rate(RATE, rate).unwrap(), Rate::new(10, 60, 2).unwrap());
        assert_eq!(
            env.lockout(LOCK, lock).unwrap(),
            Lockout::new(5, 900, 10, 900).unwrap()
        );
        let err = Env::from_pairs([("R_BURST", "0")])
            .rate(RATE, rate)
            .unwrap_err()
            .to_string();
        assert!(err.contains("R_BURST=0") && err.contains("burst"), "{err}");
        let err = Env::from_pairs([("L_MAX", "30")])
            .lockout(LOCK, lock)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("L_MAX=30") && err.contains("longest lock"),
            "{err}"
        );
        let err = Env::from_pairs([("R_PERIOD", "-1")])
            .rate(RATE, rate)
            .unwrap_err()
            .to_string();
        assert!(err.contains("R_PERIOD") && err.contains("seconds"), "{err}");
    }

    #[test]
    fn bad_values_are_explained() {
        let err = runtime(&[("BIND_ADDR", "nope")]).unwrap_err().to_string();
        assert!(
            err.contains("BIND_ADDR") && err.contains("host:port"),
            "{err}"
        );
        let err = runtime(&[("LOG_FORMAT", "xml")]).unwrap_err().to_string();
        assert!(err.contains("json or text"), "{err}");
        let err = Env::from_pairs([("N", "many")])
            .parsed("N", 5u32, "a whole number")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("N=\"many\"") && err.contains("a whole number"),
            "{err}"
        );
    }
}
