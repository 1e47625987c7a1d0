//! The authorizer function (Lambda only).
#![recursion_limit = "256"]

use anyhow::Context;
use authorizer::config::Config;
use authorizer::handler::Verifier;
use lambda_http::lambda_runtime::{self, LambdaEvent, service_fn};
use sagaway_keys::{KeyStore, secrets_client};
use sagaway_shared::logging;
use serde_json::Value;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::from_env().context("reading configuration")?;
    logging::init(&config);
    let keys = KeyStore::new(
        secrets_client(&config).await,
        // The authorizer never reads the signing secret; the name is only carried along.
        String::new(),
        config.public_secret.clone(),
    );
    let verifier = Verifier::new(keys);
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        let verifier = verifier.clone();
        async move {
            verifier
                .handle(event.payload)
                .await
                .map_err(lambda_runtime::Error::from)
        }
    }))
    .await
    .map_err(|e| anyhow::anyhow!("the Lambda runtime failed: {e}"))
}
