//! Pushing to WebSocket connections: the [`Push`] port, the API Gateway management API
//! behind it ([`Pusher`]), and an in-memory fake for tests ([`MemoryPusher`]).

use aws_sdk_apigatewaymanagement::Client;
use aws_sdk_apigatewaymanagement::primitives::Blob;
use sagaway_shared::dynamo::attr::error_text;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

pub use crate::domain::Delivery;

/// Sends one message to one connection.
pub trait Push: Send + Sync + 'static {
    fn send(&self, connection_id: &str, payload: &[u8]) -> impl Future<Output = Delivery> + Send;
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
}

impl Push for Pusher {
    async fn send(&self, connection_id: &str, payload: &[u8]) -> Delivery {
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

#[derive(Debug, Default)]
struct Inbox {
    gone: HashSet<String>,
    failing: HashMap<String, String>,
    sent: Vec<(String, Vec<u8>)>,
}

/// A pusher that delivers into memory: every connection takes messages, except those marked
/// [`gone`](Self::gone) or [`failing`](Self::failing).
#[derive(Clone, Debug, Default)]
pub struct MemoryPusher {
    inbox: Arc<Mutex<Inbox>>,
}

impl MemoryPusher {
    pub fn new() -> Self {
        Self::default()
    }

    fn inbox(&self) -> MutexGuard<'_, Inbox> {
        self.inbox.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// From now on, pushes to `connection_id` find it closed.
    pub fn gone(&self, connection_id: &str) {
        self.inbox().gone.insert(connection_id.to_string());
    }

    /// From now on, pushes to `connection_id` fail with `why`.
    pub fn failing(&self, connection_id: &str, why: &str) {
        self.inbox()
            .failing
            .insert(connection_id.to_string(), why.to_string());
    }

    /// Every message delivered so far: (connection id, payload), oldest first.
    pub fn sent(&self) -> Vec<(String, Vec<u8>)> {
        self.inbox().sent.clone()
    }
}

impl Push for MemoryPusher {
    async fn send(&self, connection_id: &str, payload: &[u8]) -> Delivery {
        let mut inbox = self.inbox();
        if inbox.gone.contains(connection_id) {
            return Delivery::Gone;
        }
        if let Some(why) = inbox.failing.get(connection_id) {
            return Delivery::Failed(why.clone());
        }
        inbox
            .sent
            .push((connection_id.to_string(), payload.to_vec()));
        Delivery::Sent
    }
}
