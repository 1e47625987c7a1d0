//! The gateway's Temporal client: connected once per warm Lambda through `sagaway_temporal`
//! (the SDK's environment configuration), with a Temporal Cloud API key read from Secrets
//! Manager when `TEMPORAL_API_KEY_SECRET` names one.

use crate::config::Config;
use sagaway_contract::saga::{
    CancelRequest, OrderSagaInput, QUERY_STATE, SagaState, UPDATE_CANCEL, WORKFLOW_TYPE,
};
use sagaway_temporal::TemporalSettings;
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
            let sm = aws_sdk_secretsmanager::Client::new(&self.sdk);
            let out = sm
                .get_secret_value()
                .secret_id(name)
                .send()
                .await
                .map_err(|e| {
                    TemporalUnavailable(format!("reading the API key secret {name}: {e}"))
                })?;
            let key = out.secret_string().ok_or_else(|| {
                TemporalUnavailable(format!("the API key secret {name} has no string value"))
            })?;
            settings = settings.with_api_key(key.to_string());
        }
        settings
            .connect()
            .await
            .map_err(|e| TemporalUnavailable(e.to_string()))
    }
}
