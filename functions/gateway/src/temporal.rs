//! The gateway's Temporal client: connected once per warm Lambda through `sagaway_temporal`
//! (the SDK's environment configuration), with Temporal Cloud credentials read from Secrets
//! Manager: an API key when `TEMPORAL_API_KEY_SECRET` names one, an mTLS client certificate
//! and key when `TEMPORAL_TLS_CLIENT_CERT_SECRET` and `TEMPORAL_TLS_CLIENT_KEY_SECRET` do.
//!
//! Every workflow it starts carries the request's correlation id (the API request id) in a
//! Temporal header, and the request's log lines from then on carry the order id
//! (`sagaway_temporal::CorrelationHeader`).

use crate::config::{ClientCertSecrets, Config};
use sagaway_contract::saga::{
    CancelRequest, OrderSagaInput, QUERY_STATE, SagaState, UPDATE_CANCEL, WORKFLOW_TYPE,
};
use sagaway_temporal::{CorrelationHeader, TemporalSettings};
use std::sync::Arc;
use std::time::Duration;
use temporalio_client::Client;
use temporalio_common::{
    HasWorkflowDefinition, QueryDefinition, UpdateDefinition, WorkflowDefinition,
};
use tokio::sync::OnceCell;

/// The OrderSaga as the gateway knows it: by the contract's names, without the worker's code.
/// (The worker's tests check that its workflow answers to these names.)
pub struct OrderSaga;

impl WorkflowDefinition for OrderSaga {
    type Input = OrderSagaInput;
    type Output = SagaState;
    fn name(&self) -> &str {
        WORKFLOW_TYPE
    }
}

impl HasWorkflowDefinition for OrderSaga {
    type Run = Self;
}

/// The saga's `state` query.
pub struct StateQuery;

impl QueryDefinition for StateQuery {
    type Workflow = OrderSaga;
    type Input = ();
    type Output = SagaState;
    fn name(&self) -> &str {
        QUERY_STATE
    }
}

/// The saga's `request_cancel` update.
pub struct CancelUpdate;

impl UpdateDefinition for CancelUpdate {
    type Workflow = OrderSaga;
    type Input = CancelRequest;
    type Output = SagaState;
    fn name(&self) -> &str {
        UPDATE_CANCEL
    }
}

/// Why Temporal cannot be reached.
#[derive(Debug, Clone, thiserror::Error)]
#[error("Temporal is unavailable: {0}")]
pub struct TemporalUnavailable(pub String);

/// A lazily connected client.
pub struct Temporal {
    settings: TemporalSettings,
    api_key_secret: Option<String>,
    client_cert_secrets: Option<ClientCertSecrets>,
    task_queue: String,
    sdk: aws_config::SdkConfig,
    client: OnceCell<Client>,
}

/// How long connecting may take before the request is answered 503.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

impl Temporal {
    pub fn new(config: &Config, sdk: aws_config::SdkConfig) -> Self {
        Self {
            settings: config.temporal.clone(),
            api_key_secret: config.temporal_api_key_secret.clone(),
            client_cert_secrets: config.temporal_client_cert_secrets.clone(),
            task_queue: config.task_queue.clone(),
            sdk,
            client: OnceCell::new(),
        }
    }

    pub fn task_queue(&self) -> &str {
        &self.task_queue
    }

    /// The client, connecting on first use.
    pub async fn client(&self) -> Result<&Client, TemporalUnavailable> {
        self.client.get_or_try_init(|| self.connect()).await
    }

    async fn connect(&self) -> Result<Client, TemporalUnavailable> {
        let mut settings = self.settings.clone().with_connect_timeout(CONNECT_TIMEOUT);
        if let Some(name) = &self.api_key_secret {
            let key = self.secret(name, "API key").await?;
            settings = settings.with_api_key(key);
        }
        if let Some(names) = &self.client_cert_secrets {
            let (cert, key) = futures::try_join!(
                self.secret(&names.cert, "mTLS client certificate"),
                self.secret(&names.key, "mTLS client key"),
            )?;
            settings = with_client_cert(settings, cert, key);
        }
        let correlation: Arc<dyn temporalio_client::ClientInterceptor> = Arc::new(
            CorrelationHeader::new(sagaway_shared::correlation::current_id),
        );
        settings
            .connect_with(vec![correlation])
            .await
            .map_err(|e| TemporalUnavailable(e.to_string()))
    }

    /// A secret's string value (never logged).
    async fn secret(&self, name: &str, what: &str) -> Result<String, TemporalUnavailable> {
        let sm = aws_sdk_secretsmanager::Client::new(&self.sdk);
        let out = sm
            .get_secret_value()
            .secret_id(name)
            .send()
            .await
            .map_err(|e| TemporalUnavailable(format!("reading the {what} secret {name}: {e}")))?;
        out.secret_string().map(str::to_string).ok_or_else(|| {
            TemporalUnavailable(format!("the {what} secret {name} has no string value"))
        })
    }
}

/// The settings with the mTLS client certificate and key (PEM text, as stored in Secrets
/// Manager).
fn with_client_cert(settings: TemporalSettings, cert: String, key: String) -> TemporalSettings {
    settings.with_client_cert(cert.into_bytes(), key.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sagaway_shared::config::Env;

    #[test]
    fn the_secrets_pem_becomes_the_client_certificate() {
        let config = Config::from(&Env::from_pairs([
            ("TABLE_NAME", "limits"),
            ("TEMPORAL_ADDRESS", "ns.acct.tmprl.cloud:7233"),
            ("TEMPORAL_CONFIG_FILE", "/nonexistent/temporal.toml"),
        ]))
        .expect("config");
        let s = with_client_cert(
            config.temporal,
            "-----BEGIN CERTIFICATE-----\nMIIB\n".into(),
            "-----BEGIN PRIVATE KEY-----\nMIIE\n".into(),
        );
        assert_eq!(s.target(), "https://ns.acct.tmprl.cloud:7233/");
        let tls = s.connection.tls_options.expect("TLS on");
        let client = tls.client_tls_options.expect("a client certificate");
        assert!(
            client
                .client_cert
                .starts_with(b"-----BEGIN CERTIFICATE-----")
        );
        assert!(
            client
                .client_private_key
                .starts_with(b"-----BEGIN PRIVATE KEY-----")
        );
    }
}
