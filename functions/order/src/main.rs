//! The order function: in Lambda behind API Gateway, or as a local HTTP server.

use anyhow::Context;
use order::config::Config;
use order::{http, store::DynamoStore};
use sagaway_shared::{aws, logging, serve};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::from_env().context("reading configuration")?;
    logging::init(&config);
    let store = DynamoStore::new(aws::dynamodb(&config.runtime).await, &config.table);
    serve::serve(http::router(store), &config)
        .await
        .context("serving the order API")
}
