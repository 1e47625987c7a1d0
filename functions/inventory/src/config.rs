//! The inventory service's settings: the one place it reads environment variables.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `TABLE_NAME` | the service's DynamoDB table | required |
//! | `SITE_BUCKET` | the web app's S3 bucket; uploaded product images go under its `images/uploads/` | unset: `PUT /v1/products/{id}/image` answers 503 `images_unavailable` |
//! | `BIND_ADDR`, `AWS_ENDPOINT_URL`, `LOG_FORMAT`, `RUST_LOG` | how it runs and logs: see `sagaway_shared::config::Runtime` | |

use sagaway_shared::config::{ConfigError, Env, Runtime};

#[derive(Debug, Clone)]
pub struct Config {
    pub runtime: Runtime,
    pub table: String,
    /// Where uploaded product images go (`SITE_BUCKET`); `None`: uploads are refused.
    pub site_bucket: Option<String>,
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
            site_bucket: env.optional("SITE_BUCKET").filter(|b| !b.trim().is_empty()),
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

    #[test]
    fn the_site_bucket_is_read_when_set() {
        let set = Env::from_pairs([("TABLE_NAME", "x"), ("SITE_BUCKET", "sagaway-site-1")]);
        assert_eq!(
            Config::from(&set).unwrap().site_bucket.as_deref(),
            Some("sagaway-site-1")
        );
        let unset = Env::from_pairs([("TABLE_NAME", "x")]);
        assert_eq!(Config::from(&unset).unwrap().site_bucket, None);
        let empty = Env::from_pairs([("TABLE_NAME", "x"), ("SITE_BUCKET", " ")]);
        assert_eq!(Config::from(&empty).unwrap().site_bucket, None);
    }
}
