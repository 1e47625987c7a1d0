//! The notification function: the HTTP API's routes and the WebSocket API's events.

use anyhow::Context;
use notification::config::Config;
use notification::http::{self, App};
use notification::{email::SesMailer, push::Pusher, store::DynamoStore};
use sagaway_shared::{aws, logging, serve};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::from_env().context("reading configuration")?;
    logging::init(&config);
    let sdk = aws::sdk_config(&config.runtime).await;
    let app = App {
        store: DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &config.table),
        pusher: Pusher::new(&sdk, &config.ws_management_endpoint),
        mailer: SesMailer::new(&sdk, &config.email_from),
    };
    serve::serve(http::router(app), &config)
        .await
        .context("serving the notification API")
}
