//! The authorizer's answers to API Gateway.

use crate::verify::{bearer, verify};
use jsonwebtoken::DecodingKey;
use sagaway_keys::{KeyError, KeyStore};
use sagaway_shared::auth::{
    AUTH_OK, AUTH_REJECTED, CTX_AUTH, CTX_CUSTOMER_ID, CTX_REASON, CTX_ROLES, Claims, Rejection,
};
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::RwLock;

/// Loads the public key once per warm instance (and again while none exists yet).
#[derive(Clone)]
pub struct Verifier {
    keys: KeyStore,
    cached: Arc<RwLock<Option<DecodingKey>>>,
}

impl Verifier {
    pub fn new(keys: KeyStore) -> Self {
        Self {
            keys,
            cached: Arc::new(RwLock::new(None)),
        }
    }

    async fn key(&self) -> Result<Option<DecodingKey>, KeyError> {
        if let Some(k) = self.cached.read().await.as_ref() {
            return Ok(Some(k.clone()));
        }
        let Some(public) = self.keys.public_key().await? else {
            // Nobody has logged in yet, so no valid token exists.
            return Ok(None);
        };
        let key = public.decoding_key()?;
        *self.cached.write().await = Some(key.clone());
        Ok(Some(key))
    }

    /// The verdict on a token.
    pub async fn check(&self, token: Option<&str>) -> Result<Claims, Rejection> {
        let token = token.ok_or(Rejection::Invalid)?;
        match self.key().await {
            Ok(Some(key)) => verify(token, &key),
            Ok(None) => Err(Rejection::Invalid),
            Err(e) => {
                tracing::error!(error = %e, "cannot load the JWT public key");
                Err(Rejection::Invalid)
            }
        }
    }

    /// Answers one authorizer event (HTTP API payload 2.0 or WebSocket `$connect`).
    pub async fn handle(&self, event: Value) -> Value {
        if event.get("methodArn").is_some() {
            self.websocket(&event).await
        } else {
            self.http(&event).await
        }
    }

    async fn http(&self, event: &Value) -> Value {
        let header = header(event, "authorization");
        let verdict = self.check(header.as_deref().and_then(bearer)).await;
        let context = match &verdict {
            Ok(c) => json!({
                CTX_AUTH: AUTH_OK,
                CTX_CUSTOMER_ID: c.sub,
                CTX_ROLES: c.roles.join(","),
            }),
            Err(r) => json!({ CTX_AUTH: AUTH_REJECTED, CTX_REASON: r.code() }),
        };
        log(event, &verdict);
        json!({ "isAuthorized": true, "context": context })
    }

    async fn websocket(&self, event: &Value) -> Value {
        let token = event
            .pointer("/queryStringParameters/token")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| {
                header(event, "authorization").and_then(|h| bearer(&h).map(str::to_string))
            });
        let verdict = self.check(token.as_deref()).await;
        log(event, &verdict);
        let method_arn = event["methodArn"].as_str().unwrap_or("*");
        match verdict {
            Ok(c) => json!({
                "principalId": c.sub,
                "policyDocument": policy("Allow", method_arn),
                "context": {
                    CTX_AUTH: AUTH_OK,
                    CTX_CUSTOMER_ID: c.sub,
                    CTX_ROLES: c.roles.join(","),
                },
            }),
            Err(_) => json!({
                "principalId": "anonymous",
                "policyDocument": policy("Deny", method_arn),
            }),
        }
    }
}

fn policy(effect: &str, resource: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{ "Action": "execute-api:Invoke", "Effect": effect, "Resource": resource }],
    })
}

/// A header, case-insensitively.
fn header(event: &Value, name: &str) -> Option<String> {
    event
        .get("headers")?
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_str())
        .map(str::to_string)
}

fn log(event: &Value, verdict: &Result<Claims, Rejection>) {
    let route = event
        .get("routeKey")
        .or_else(|| event.get("methodArn"))
        .and_then(Value::as_str)
        .unwrap_or("?");
    match verdict {
        Ok(c) => tracing::info!(%route, customer_id = %c.sub, "token accepted"),
        Err(r) => tracing::info!(%route, reason = r.code(), "token rejected"),
    }
}
