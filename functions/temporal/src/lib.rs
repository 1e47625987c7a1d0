//! How the gateway and the worker reach Temporal: one connection path for both.
//!
//! Settings come from the Temporal SDK's own environment configuration
//! (`temporalio_common::envconfig`), the same variables and `temporal.toml` profiles every
//! Temporal SDK and the `temporal` CLI read:
//!
//! | variable | meaning | sagaway default |
//! |---|---|---|
//! | `TEMPORAL_ADDRESS` | frontend, `host:port` or URL | `127.0.0.1:7233` |
//! | `TEMPORAL_NAMESPACE` | namespace | `default` |
//! | `TEMPORAL_API_KEY` | Temporal Cloud API key (turns TLS on) | unset |
//! | `TEMPORAL_TLS`, `TEMPORAL_TLS_*` | TLS and mTLS (client certificate and key, CA, SNI) | off |
//! | `TEMPORAL_PROFILE`, `TEMPORAL_CONFIG_FILE` | a profile from a `temporal.toml` | unset |
//!
//! The one sagaway default that differs from the SDK's: the address is `127.0.0.1:7233`, not
//! `localhost:7233`, because `localhost` may resolve to `::1` first while the dev server
//! listens on IPv4 loopback only.
//!
//! Credentials read by the caller rather than from the environment (the gateway reads Temporal
//! Cloud's API key, or its mTLS client certificate and key, from Secrets Manager) are added
//! with [`TemporalSettings::with_api_key`] and [`TemporalSettings::with_client_cert`].
//!
//! The correlation id travels in a Temporal header ([`CorrelationHeader`] puts it on every
//! workflow start; [`correlation_of`] reads it back), see `sagaway_contract::correlation`.

use futures::future::BoxFuture;
use sagaway_contract::correlation::{TEMPORAL_HEADER, is_valid_id};
use sagaway_contract::saga::order_id_of;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use temporalio_client::envconfig::LoadClientConfigProfileOptions;
use temporalio_client::errors::WorkflowStartError;
use temporalio_client::{
    Client, ClientInterceptor, ClientOptions, ClientTlsOptions, Connection, ConnectionOptions,
    Next, StartWorkflowInput, StartWorkflowOutput,
};
use temporalio_common::envconfig::load_client_config_profile;
use temporalio_common::protos::temporal::api::common::v1::{Header, Payload};

/// The address used when `TEMPORAL_ADDRESS` is unset.
pub const DEFAULT_ADDRESS: &str = "127.0.0.1:7233";

/// Why Temporal cannot be reached.
#[derive(Debug, thiserror::Error)]
pub enum TemporalError {
    #[error("the Temporal settings (TEMPORAL_* variables or temporal.toml) are invalid: {0}")]
    Config(String),
    #[error(
        "connecting to Temporal at {target}: {message}; is the server running and the address right?"
    )]
    Connect { target: String, message: String },
    #[error("creating the Temporal client: {0}")]
    Client(String),
}

impl From<temporalio_client::envconfig::ConfigError> for TemporalError {
    fn from(e: temporalio_client::envconfig::ConfigError) -> Self {
        // Kept as text: the SDK's error is not `Sync`, and callers only report it.
        Self::Config(e.to_string())
    }
}

/// Where and how to connect, read once at start-up.
#[derive(Debug, Clone)]
pub struct TemporalSettings {
    pub connection: ConnectionOptions,
    pub namespace: String,
}

impl TemporalSettings {
    /// Reads the settings from the process environment (and a `temporal.toml` profile when
    /// one is configured). `identity` names this process in Temporal's history.
    pub fn from_env(identity: &str) -> Result<Self, TemporalError> {
        Self::from_vars(std::env::vars(), identity)
    }

    /// Reads the settings from these variables (tests pass their own).
    pub fn from_vars(
        vars: impl IntoIterator<Item = (String, String)>,
        identity: &str,
    ) -> Result<Self, TemporalError> {
        // Empty values count as unset (Terraform writes "" for optional settings).
        let mut env: HashMap<String, String> = vars
            .into_iter()
            .filter(|(k, v)| k.starts_with("TEMPORAL_") && !v.trim().is_empty())
            .collect();
        env.entry("TEMPORAL_ADDRESS".into())
            .or_insert_with(|| DEFAULT_ADDRESS.into());
        let profile =
            load_client_config_profile(LoadClientConfigProfileOptions::default(), Some(&env))?;
        let namespace = profile
            .namespace
            .clone()
            .unwrap_or_else(|| "default".into());
        let mut connection = ConnectionOptions::try_from(profile)?;
        connection.identity = identity.to_string();
        Ok(Self {
            connection,
            namespace,
        })
    }

    /// Uses this API key (for example one read from Secrets Manager); TLS goes with it.
    pub fn with_api_key(mut self, api_key: String) -> Self {
        if self.connection.tls_options.is_none() {
            self.connection.tls_options = Some(Default::default());
            // A bare host:port was read as http://; an API key means TLS.
            if self.connection.target.scheme() == "http" {
                let _ = self.connection.target.set_scheme("https");
            }
        }
        self.connection.api_key = Some(api_key);
        self
    }

    /// Uses this client certificate and private key (PEM; for example read from Secrets
    /// Manager) for mTLS; TLS goes with it.
    pub fn with_client_cert(mut self, cert: Vec<u8>, key: Vec<u8>) -> Self {
        let client = ClientTlsOptions::builder()
            .client_cert(cert)
            .client_private_key(key)
            .build();
        let mut tls = self.connection.tls_options.take().unwrap_or_default();
        tls.client_tls_options = Some(client);
        self.connection.tls_options = Some(tls);
        if self.connection.target.scheme() == "http" {
            let _ = self.connection.target.set_scheme("https");
        }
        self
    }

    /// Gives up connecting after `timeout` (the gateway answers 503 rather than hang).
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connection.connect_timeout = Some(timeout);
        self
    }

    /// The frontend's URL, for messages.
    pub fn target(&self) -> String {
        self.connection.target.to_string()
    }

    /// Connects and returns a client for the namespace.
    pub async fn connect(&self) -> Result<Client, TemporalError> {
        self.connect_with(Vec::new()).await
    }

    /// Connects and returns a client for the namespace whose calls go through `interceptors`
    /// (outermost first).
    pub async fn connect_with(
        &self,
        interceptors: Vec<Arc<dyn ClientInterceptor>>,
    ) -> Result<Client, TemporalError> {
        let connection = Connection::connect(self.connection.clone())
            .await
            .map_err(|e| TemporalError::Connect {
                target: self.target(),
                message: e.to_string(),
            })?;
        Client::new(
            connection,
            ClientOptions::new(self.namespace.clone())
                .client_interceptors(interceptors)
                .build(),
        )
        .map_err(|e| TemporalError::Client(e.to_string()))
    }
}

/// The header payload carrying a correlation id: a JSON string, as the SDK's converter
/// writes one.
pub fn correlation_payload(correlation_id: &str) -> Payload {
    Payload {
        metadata: HashMap::from([("encoding".to_string(), b"json/plain".to_vec())]),
        data: serde_json::to_vec(correlation_id).unwrap_or_default(),
        ..Payload::default()
    }
}

/// The correlation id in a workflow's or activity's headers, if there is a valid one.
pub fn correlation_of(headers: &HashMap<String, Payload>) -> Option<String> {
    let payload = headers.get(TEMPORAL_HEADER)?;
    serde_json::from_slice::<String>(&payload.data)
        .ok()
        .filter(|id| is_valid_id(id))
}

/// A client interceptor that starts every workflow with the caller's correlation id in the
/// [`TEMPORAL_HEADER`] header (`current` answers it: the gateway's is the request being
/// served), and notes the started order on the current span (`order_id`, `workflow_id`), so
/// the request's remaining lines carry them.
pub struct CorrelationHeader {
    current: fn() -> Option<String>,
}

impl CorrelationHeader {
    pub fn new(current: fn() -> Option<String>) -> Self {
        Self { current }
    }

    /// Adds the current correlation id to a workflow start's options.
    pub fn apply(&self, options: &mut temporalio_client::WorkflowStartOptions) {
        if let Some(id) = (self.current)().filter(|id| is_valid_id(id)) {
            options
                .header
                .get_or_insert_with(Header::default)
                .fields
                .insert(TEMPORAL_HEADER.to_string(), correlation_payload(&id));
        }
        let span = tracing::Span::current();
        if let Some(order_id) = order_id_of(&options.workflow_id) {
            span.record("order_id", order_id);
        }
        span.record("workflow_id", options.workflow_id.as_str());
    }
}

impl ClientInterceptor for CorrelationHeader {
    fn start_workflow<'a>(
        &'a self,
        mut input: StartWorkflowInput,
        next: Next<
            'a,
            StartWorkflowInput,
            BoxFuture<'a, Result<StartWorkflowOutput, WorkflowStartError>>,
        >,
    ) -> BoxFuture<'a, Result<StartWorkflowOutput, WorkflowStartError>> {
        self.apply(&mut input.options);
        next.run(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn settings(pairs: &[(&str, &str)]) -> TemporalSettings {
        // No config file is read: a temporal.toml in the developer's home must not change
        // what the tests see.
        let mut v = vars(pairs);
        v.push((
            "TEMPORAL_CONFIG_FILE".into(),
            "/nonexistent/temporal.toml".into(),
        ));
        TemporalSettings::from_vars(v, "test").unwrap()
    }

    #[test]
    fn loopback_plain_text_by_default() {
        let s = settings(&[]);
        assert_eq!(s.target(), "http://127.0.0.1:7233/");
        assert_eq!(s.namespace, "default");
        assert!(s.connection.tls_options.is_none());
        assert!(s.connection.api_key.is_none());
        assert_eq!(s.connection.identity, "test");
    }

    #[test]
    fn empty_values_count_as_unset() {
        let s = settings(&[("TEMPORAL_ADDRESS", " "), ("TEMPORAL_API_KEY", "")]);
        assert_eq!(s.target(), "http://127.0.0.1:7233/");
        assert!(s.connection.api_key.is_none());
    }

    #[test]
    fn an_api_key_from_the_environment_turns_tls_on() {
        let s = settings(&[
            ("TEMPORAL_ADDRESS", "ns.acct.tmprl.cloud:7233"),
            ("TEMPORAL_NAMESPACE", "ns.acct"),
            ("TEMPORAL_API_KEY", "k"),
        ]);
        assert_eq!(s.target(), "https://ns.acct.tmprl.cloud:7233/");
        assert_eq!(s.namespace, "ns.acct");
        assert!(s.connection.tls_options.is_some());
        assert_eq!(s.connection.api_key.as_deref(), Some("k"));
    }

    #[test]
    fn an_api_key_from_a_secret_turns_tls_on_too() {
        let s = settings(&[("TEMPORAL_ADDRESS", "ns.acct.tmprl.cloud:7233")])
            .with_api_key("from-secrets-manager".into());
        assert_eq!(s.target(), "https://ns.acct.tmprl.cloud:7233/");
        assert!(s.connection.tls_options.is_some());
        assert_eq!(
            s.connection.api_key.as_deref(),
            Some("from-secrets-manager")
        );
    }

    #[test]
    fn mtls_settings_are_read() {
        let s = settings(&[
            ("TEMPORAL_ADDRESS", "ns.acct.tmprl.cloud:7233"),
            ("TEMPORAL_TLS_CLIENT_CERT_DATA", "cert"),
            ("TEMPORAL_TLS_CLIENT_KEY_DATA", "key"),
        ]);
        let tls = s
            .connection
            .tls_options
            .as_ref()
            .expect("TLS on with a client certificate");
        assert!(tls.client_tls_options.is_some());
        assert_eq!(s.target(), "https://ns.acct.tmprl.cloud:7233/");
    }

    #[test]
    fn a_client_certificate_from_secrets_turns_mtls_on() {
        let s = settings(&[("TEMPORAL_ADDRESS", "ns.acct.tmprl.cloud:7233")]).with_client_cert(
            b"-----BEGIN CERTIFICATE-----".to_vec(),
            b"-----BEGIN PRIVATE KEY-----".to_vec(),
        );
        assert_eq!(s.target(), "https://ns.acct.tmprl.cloud:7233/");
        let client = s
            .connection
            .tls_options
            .as_ref()
            .and_then(|tls| tls.client_tls_options.as_ref())
            .expect("a client certificate");
        assert_eq!(client.client_cert, b"-----BEGIN CERTIFICATE-----");
        assert_eq!(client.client_private_key, b"-----BEGIN PRIVATE KEY-----");
        assert!(s.connection.api_key.is_none());
    }

    #[test]
    fn the_correlation_id_goes_into_the_start_header() {
        let mut options = temporalio_client::WorkflowStartOptions::new("q", "order-o-1").build();
        CorrelationHeader::new(|| Some("JKJaXmPLvHcESHA=".into())).apply(&mut options);
        let fields = options.header.expect("a header").fields;
        assert_eq!(correlation_of(&fields).as_deref(), Some("JKJaXmPLvHcESHA="));
        // Nothing to carry: no header; junk is never carried.
        for current in [(|| None) as fn() -> Option<String>, || {
            Some("a \"b\"".into())
        }] {
            let mut options = temporalio_client::WorkflowStartOptions::new("q", "w").build();
            CorrelationHeader::new(current).apply(&mut options);
            assert!(options.header.is_none());
        }
    }

    #[test]
    fn a_half_configured_client_certificate_is_refused() {
        let err = TemporalSettings::from_vars(
            vars(&[
                ("TEMPORAL_TLS_CLIENT_CERT_DATA", "cert"),
                ("TEMPORAL_CONFIG_FILE", "/nonexistent/temporal.toml"),
            ]),
            "test",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("client key"), "{err}");
    }
}
