//! The gateway function: in Lambda behind API Gateway, or as a local HTTP server.
#![recursion_limit = "256"]

use anyhow::Context;
use gateway::config::Config;
use gateway::http::{self, App};
use gateway::temporal::Temporal;
use sagaway_invoke::InternalClient;
use sagaway_shared::limits::{Clock, DynamoLimiter};
use sagaway_shared::{aws, logging, serve};
use std::sync::Arc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::from_env().context("reading configuration")?;
    logging::init(&config);
    let sdk = aws::sdk_config(&config.runtime).await;
    let app = App {
        temporal: Arc::new(Temporal::new(&config, sdk.clone())),
        internal: InternalClient::from_sdk(&sdk),
        inventory_function: config.inventory_function.clone(),
        payment_function: config.payment_function.clone(),
        customer_function: config.customer_function.clone(),
        limiter: DynamoLimiter::from_sdk(&sdk, &config.table),
        order_rate: config.order_rate,
        clock: Clock::System,
    };
    serve::serve(http::router(app), &config)
        .await
        .context("serving the gateway API")
}
