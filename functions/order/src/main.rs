//! The order function: in Lambda behind API Gateway, or as a local HTTP server.

use anyhow::Context;
use order::{http, store::DynamoStore};
use sagaway_shared::{Config, dynamo, logging, serve};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::from_env().context("reading configuration")?;
    logging::init(&config);
    let store = DynamoStore::new(dynamo::client(&config).await, config.table()?);
    serve::serve(http::router(store), &config)
        .await
        .context("serving the order API")
}
