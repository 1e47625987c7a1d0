//! DynamoDB client setup.

use crate::config::Config;

/// Builds a DynamoDB client from the SDK's default chain (region, credentials), pointed at
/// `AWS_ENDPOINT_URL` when it is set (the local emulator).
pub async fn client(config: &Config) -> aws_sdk_dynamodb::Client {
    let mut loader = aws_config::from_env();
    if let Some(endpoint) = &config.aws_endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    let shared = loader.load().await;
    aws_sdk_dynamodb::Client::new(&shared)
}
