//! The inventory function: in Lambda behind API Gateway, or as a local HTTP server.

use anyhow::Context;
use inventory::config::Config;
use inventory::http;
use inventory::store::{DynamoStore, S3Images};
use sagaway_shared::{aws, logging, serve};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::from_env().context("reading configuration")?;
    logging::init(&config);
    let sdk = aws::sdk_config(&config.runtime).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &config.table);
    // Against the local emulator (an AWS_ENDPOINT_URL), path-style addressing
    // (`<endpoint>/<bucket>/<key>`): it has no per-bucket host names. On AWS, virtual-hosted.
    let s3 = aws_sdk_s3::config::Builder::from(&sdk)
        .force_path_style(config.runtime.aws_endpoint_url.is_some())
        .build();
    let images = S3Images::new(
        aws_sdk_s3::Client::from_conf(s3),
        config.site_bucket.clone(),
    );
    serve::serve(http::router(store, images), &config)
        .await
        .context("serving the inventory API")
}
