//! AWS client setup: the one place the SDK's configuration is built.

use crate::config::Runtime;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};

/// The SDK's HTTPS client on rustls with ring: the one crypto library every binary already
/// links (through the Temporal client), so no binary carries aws-lc as well.
pub fn http_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// A loader with the default chain (region, credentials) and [`http_client`]; callers that
/// need more (a fixed region or credentials in tests) add to it.
pub fn loader() -> aws_config::ConfigLoader {
    aws_config::from_env().http_client(http_client())
}

/// The SDK configuration from the default chain (region, credentials), pointed at
/// `AWS_ENDPOINT_URL` when it is set (the local emulator).
pub async fn sdk_config(runtime: &Runtime) -> aws_config::SdkConfig {
    sdk_config_for(runtime.aws_endpoint_url.as_deref()).await
}

/// The SDK configuration from the default chain, pointed at `endpoint` when given.
pub async fn sdk_config_for(endpoint: Option<&str>) -> aws_config::SdkConfig {
    let mut loader = loader();
    if let Some(endpoint) = endpoint {
        loader = loader.endpoint_url(endpoint);
    }
    loader.load().await
}

/// A DynamoDB client for this runtime.
pub async fn dynamodb(runtime: &Runtime) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&sdk_config(runtime).await)
}
