//! AWS client setup: the one place the SDK's configuration is built.

use crate::config::Runtime;

/// The SDK configuration from the default chain (region, credentials), pointed at
/// `AWS_ENDPOINT_URL` when it is set (the local emulator).
pub async fn sdk_config(runtime: &Runtime) -> aws_config::SdkConfig {
    sdk_config_for(runtime.aws_endpoint_url.as_deref()).await
}

/// The SDK configuration from the default chain, pointed at `endpoint` when given.
pub async fn sdk_config_for(endpoint: Option<&str>) -> aws_config::SdkConfig {
    let mut loader = aws_config::from_env();
    if let Some(endpoint) = endpoint {
        loader = loader.endpoint_url(endpoint);
    }
    loader.load().await
}

/// A DynamoDB client for this runtime.
pub async fn dynamodb(runtime: &Runtime) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&sdk_config(runtime).await)
}
