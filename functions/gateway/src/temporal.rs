//! The gateway's Temporal client: connected once per warm Lambda, from configuration
//! (address, namespace; for Temporal Cloud an API key read from Secrets Manager).

use sagaway_contract::saga::{
    CancelRequest, OrderSagaInput, QUERY_STATE, SagaState, UPDATE_CANCEL, WORKFLOW_TYPE,
};
use sagaway_shared::Config;
use temporalio_client::{Client, ClientOptions, Connection, ConnectionOptions, Url};
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
    config: Config,
    sdk: aws_config::SdkConfig,
    client: OnceCell<Client>,
}

impl Temporal {
    pub fn new(config: Config, sdk: aws_config::SdkConfig) -> Self {
        Self {
            config,
            sdk,
            client: OnceCell::new(),
        }
    }

    pub fn task_queue(&self) -> &str {
        &self.config.task_queue
    }

    /// The client, connecting on first use.
    pub async fn client(&self) -> Result<&Client, TemporalUnavailable> {
        self.client.get_or_try_init(|| self.connect()).await
    }

    async fn connect(&self) -> Result<Client, TemporalUnavailable> {
        let api_key = match &self.config.temporal_api_key_secret {
            None => None,
            Some(name) => {
                let sm = aws_sdk_secretsmanager::Client::new(&self.sdk);
                let out = sm
                    .get_secret_value()
                    .secret_id(name)
                    .send()
                    .await
                    .map_err(|e| {
                        TemporalUnavailable(format!("reading the API key secret {name}: {e}"))
                    })?;
                out.secret_string().map(str::to_string)
            }
        };
        let address = &self.config.temporal_address;
        let url = if address.contains("://") {
            address.clone()
        } else if api_key.is_some() {
            format!("https://{address}")
        } else {
            format!("http://{address}")
        };
        let target = Url::parse(&url).map_err(|e| TemporalUnavailable(format!("{url}: {e}")))?;
        let connection = Connection::connect(
            ConnectionOptions::new(target)
                .maybe_api_key(api_key)
                .connect_timeout(std::time::Duration::from_secs(3))
                .identity("sagaway-gateway".to_string())
                .build(),
        )
        .await
        .map_err(|e| TemporalUnavailable(format!("connecting to {url}: {e}")))?;
        Client::new(
            connection,
            ClientOptions::new(self.config.temporal_namespace.clone()).build(),
        )
        .map_err(|e| TemporalUnavailable(e.to_string()))
    }
}
