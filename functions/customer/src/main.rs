//! The customer function: in Lambda behind API Gateway, or as a local HTTP server.

use anyhow::Context;
use customer::config::Config;
use customer::http::{self, App};
use customer::{store::DynamoStore, tokens::Issuer};
use sagaway_keys::{KeyStore, secrets_client};
use sagaway_shared::{aws, logging, serve};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::from_env().context("reading configuration")?;
    logging::init(&config);
    let store = DynamoStore::new(aws::dynamodb(&config.runtime).await, &config.table);
    let keys = KeyStore::new(
        secrets_client(&config).await,
        config.signing_secret.clone(),
        config.public_secret.clone(),
    );
    let app = App::new(store, Issuer::new(keys));
    serve::serve(http::router(app), &config)
        .await
        .context("serving the customer API")
}
