//! The payment function: in Lambda, or as a local HTTP server.

use anyhow::Context;
use payment::config::Config;
use payment::{http, store::dynamo::DynamoStore};
use sagaway_shared::{aws, logging, serve};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::from_env().context("reading configuration")?;
    logging::init(&config);
    let store = DynamoStore::new(
        aws::dynamodb(&config.runtime).await,
        &config.table,
        &config.methods_table,
    );
    serve::serve(http::router(store), &config)
        .await
        .context("serving the payment API")
}
