//! AWS client setup.

use crate::config::Config;

/// The SDK configuration from the default chain (region, credentials), pointed at
/// `AWS_ENDPOINT_URL` when it is set (the local emulator).
pub async fn sdk_config(config: &Config) -> aws_config::SdkConfig {
    let mut loader = aws_config::from_env();
    if let Some(endpoint) = &config.aws_endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    loader.load().await
}

/// A DynamoDB client that honours the custom endpoint.
pub async fn client(config: &Config) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&sdk_config(config).await)
}
