//! Pushing to WebSocket connections through the API Gateway management API.

use aws_sdk_apigatewaymanagement::Client;
use aws_sdk_apigatewaymanagement::primitives::Blob;
use sagaway_shared::dynamo::attr::error_text;

/// What became of one push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// The connection is closed: forget it.
    Gone,
    /// Some other failure (logged); the notification stays stored.
    Failed(String),
}

/// The WebSocket API's management endpoint.
#[derive(Clone, Debug)]
pub struct Pusher {
    client: Client,
}

impl Pusher {
    /// A client for the management API at `endpoint`
    /// (`https://{api}.execute-api.{region}.amazonaws.com/{stage}`).
    pub fn new(sdk: &aws_config::SdkConfig, endpoint: &str) -> Self {
        let conf = aws_sdk_apigatewaymanagement::config::Builder::from(sdk)
            .endpoint_url(endpoint)
            .build();
        Self {
            client: Client::from_conf(conf),
        }
    }

    pub async fn send(&self, connection_id: &str, payload: &[u8]) -> Delivery {
        match self
            .client
            .post_to_connection()
            .connection_id(connection_id)
            .data(Blob::new(payload))
            .send()
            .await
        {
            Ok(_) => Delivery::Sent,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_gone_exception()) =>
            {
                Delivery::Gone
            }
            Err(e) => Delivery::Failed(error_text(&e)),
        }
    }
}
