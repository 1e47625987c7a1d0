//! The authorizer's answers to API Gateway.

use crate::verify::{bearer, verify};
use jsonwebtoken::DecodingKey;
use sagaway_keys::{KeyError, KeyStore};
use sagaway_shared::auth::{
    AUTH_OK, AUTH_REJECTED, CTX_AUTH, CTX_CUSTOMER_ID, CTX_EXP, CTX_REASON, CTX_ROLES, Claims,
    Rejection,
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

    /// The verdict on a token; `Err` when the public key cannot be read, which is no verdict
    /// at all: API Gateway caches verdicts, and must not keep refusing a good token for a
    /// Secrets Manager hiccup.
    pub async fn check(&self, token: Option<&str>) -> Result<Result<Claims, Rejection>, KeyError> {
        let Some(token) = token else {
            return Ok(Err(Rejection::Invalid));
        };
        Ok(match self.key().await? {
            Some(key) => verify(token, &key),
            None => Err(Rejection::Invalid),
        })
    }

    /// Answers one authorizer event (HTTP API payload 2.0 or WebSocket `$connect`); `Err`
    /// (the invocation fails, API Gateway answers 500 and caches nothing) when the public key
    /// cannot be read.
    pub async fn handle(&self, event: Value) -> Result<Value, KeyError> {
        let websocket = event.get("methodArn").is_some();
        let token = if websocket {
            websocket_token(&event)
        } else {
            header(&event, "authorization").and_then(|h| bearer(&h).map(str::to_string))
        };
        let verdict = self.check(token.as_deref()).await.inspect_err(|e| {
            tracing::error!(error = %e, "cannot load the JWT public key");
        })?;
        log(&event, &verdict);
        Ok(if websocket {
            websocket_answer(&event, &verdict)
        } else {
            http_answer(&verdict)
        })
    }
}

/// The HTTP API's simple response: always authorized, the verdict in the context (with the
/// token's `exp`, so that a cached verdict is refused once the token has expired).
pub fn http_answer(verdict: &Result<Claims, Rejection>) -> Value {
    let context = match verdict {
        Ok(c) => json!({
            CTX_AUTH: AUTH_OK,
            CTX_CUSTOMER_ID: c.sub,
            CTX_ROLES: c.roles.join(","),
            CTX_EXP: c.exp,
        }),
        Err(r) => json!({ CTX_AUTH: AUTH_REJECTED, CTX_REASON: r.code() }),
    };
    json!({ "isAuthorized": true, "context": context })
}

/// The WebSocket `$connect` token: `?token=`, else an `Authorization: Bearer` header.
fn websocket_token(event: &Value) -> Option<String> {
    event
        .pointer("/queryStringParameters/token")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| header(event, "authorization").and_then(|h| bearer(&h).map(str::to_string)))
}

/// The WebSocket `$connect` policy: Allow with the caller in the context, or Deny.
pub fn websocket_answer(event: &Value, verdict: &Result<Claims, Rejection>) -> Value {
    let method_arn = event["methodArn"].as_str().unwrap_or("*");
    match verdict {
        Ok(c) => json!({
            "principalId": c.sub,
            "policyDocument": policy("Allow", method_arn),
            "context": {
                CTX_AUTH: AUTH_OK,
                CTX_CUSTOMER_ID: c.sub,
                CTX_ROLES: c.roles.join(","),
                CTX_EXP: c.exp,
            },
        }),
        Err(_) => json!({
            "principalId": "anonymous",
            "policyDocument": policy("Deny", method_arn),
        }),
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

#[cfg(test)]
mod tests {
    use super::*;
    use sagaway_shared::auth::{AUDIENCE, Caller, ISSUER};
    use std::collections::HashMap;

    fn claims() -> Claims {
        Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: "c-1".into(),
            roles: vec!["customer".into(), "admin".into()],
            iat: 1_700_000_000,
            exp: 1_700_000_900,
            jti: "j".into(),
        }
    }

    fn context(answer: &Value) -> HashMap<String, Value> {
        serde_json::from_value(answer["context"].clone()).unwrap()
    }

    #[test]
    fn an_accepted_token_is_passed_on_with_its_expiry() {
        let answer = http_answer(&Ok(claims()));
        assert_eq!(answer["isAuthorized"], true);
        assert_eq!(answer["context"]["exp"], 1_700_000_900);
        // What the functions make of it: the caller until the token expires, then a 401.
        let ctx = context(&answer);
        let caller = Caller::from_context_at(&ctx, 1_700_000_800).unwrap();
        assert_eq!(caller.customer_id, "c-1");
        assert!(caller.is_admin());
        let late = Caller::from_context_at(&ctx, 1_700_001_000).unwrap_err();
        assert_eq!(late.code, "token_expired");
    }

    #[test]
    fn a_refused_token_is_passed_on_with_the_reason() {
        let answer = http_answer(&Err(Rejection::Expired));
        assert_eq!(answer["isAuthorized"], true);
        let e = Caller::from_context_at(&context(&answer), 0).unwrap_err();
        assert_eq!(e.code, "token_expired");
        let e = Caller::from_context_at(&context(&http_answer(&Err(Rejection::Invalid))), 0)
            .unwrap_err();
        assert_eq!(e.code, "invalid_token");
    }

    #[test]
    fn websocket_connects_are_allowed_or_denied() {
        let event = json!({"methodArn": "arn:aws:execute-api:us-east-1:0:api/$connect"});
        let allow = websocket_answer(&event, &Ok(claims()));
        assert_eq!(allow["policyDocument"]["Statement"][0]["Effect"], "Allow");
        assert_eq!(
            allow["policyDocument"]["Statement"][0]["Resource"],
            "arn:aws:execute-api:us-east-1:0:api/$connect"
        );
        assert_eq!(allow["context"]["exp"], 1_700_000_900);
        let deny = websocket_answer(&event, &Err(Rejection::Expired));
        assert_eq!(deny["policyDocument"]["Statement"][0]["Effect"], "Deny");
        assert!(deny.get("context").is_none());
    }

    #[test]
    fn the_websocket_token_comes_from_the_query_or_the_header() {
        let q = json!({"queryStringParameters": {"token": "abc"}, "headers": {"Authorization": "Bearer def"}});
        assert_eq!(websocket_token(&q).as_deref(), Some("abc"));
        let h = json!({"headers": {"Authorization": "Bearer def"}});
        assert_eq!(websocket_token(&h).as_deref(), Some("def"));
        assert_eq!(websocket_token(&json!({})), None);
    }
}
