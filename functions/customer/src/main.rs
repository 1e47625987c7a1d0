//! The customer function: in Lambda behind API Gateway, or as a local HTTP server.

use anyhow::Context;
use customer::config::Config;
use customer::http::{self, App};
use customer::{store::DynamoStore, tokens::Issuer};
use sagaway_keys::{KeyStore, secrets_client};
use sagaway_shared::limits::DynamoLimiter;
use sagaway_shared::{aws, logging, serve};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::from_env().context("reading configuration")?;
    logging::init(&config);
    let dynamodb = aws::dynamodb(&config.runtime).await;
    let store = DynamoStore::new(dynamodb.clone(), &config.table);
    // The limits live in the same table as the accounts (items `limit#…`).
    let limiter = DynamoLimiter::new(dynamodb, &config.table);
    let keys = KeyStore::new(
        secrets_client(&config).await,
        config.signing_secret.clone(),
        config.public_secret.clone(),
    );
    let app = App::new(store, Issuer::new(keys), limiter, config.limits);
    serve::serve(http::router(app), &config)
        .await
        .context("serving the customer API")
}
