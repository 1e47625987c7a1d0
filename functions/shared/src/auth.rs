//! Identity at the API edge.
//!
//! - [`Claims`]: what a sagaway JWT says (issued by the customer service, verified by the
//!   authorizer). Tokens are EdDSA (Ed25519), issuer [`ISSUER`], audience [`AUDIENCE`].
//! - The authorizer passes its verdict to the functions in the request's authorizer context
//!   under the `CTX_*` keys; [`Caller`] is the one helper that reads it. No function parses
//!   tokens itself.
//! - [`Internal`] guards the saga-step routes: they answer only direct Lambda invocations
//!   (the worker's), never requests that came through the public API.

use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use lambda_http::request::RequestContext;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;

/// The `iss` of every sagaway token.
pub const ISSUER: &str = "sagaway";
/// The `aud` of every sagaway token.
pub const AUDIENCE: &str = "sagaway-api";
/// How long a token lives.
pub const TOKEN_TTL_SECS: i64 = 15 * 60;

/// Role of every registered shopper.
pub const ROLE_CUSTOMER: &str = "customer";
/// Role that may change the catalog.
pub const ROLE_ADMIN: &str = "admin";

/// Authorizer context keys (set by the authorizer, read by [`Caller`]).
pub const CTX_AUTH: &str = "auth";
pub const CTX_CUSTOMER_ID: &str = "customer_id";
pub const CTX_ROLES: &str = "roles";
pub const CTX_REASON: &str = "reason";
/// Values of [`CTX_AUTH`].
pub const AUTH_OK: &str = "ok";
pub const AUTH_REJECTED: &str = "rejected";

/// The `apiId` a direct (internal) invocation carries in its request context.
pub const INTERNAL_API_ID: &str = "internal";

/// The claims of a sagaway JWT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The customer id.
    pub sub: String,
    pub roles: Vec<String>,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

/// Why a token was refused: a stable code and a message for the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    Expired,
    Invalid,
}

impl Rejection {
    pub fn code(self) -> &'static str {
        match self {
            Self::Expired => "token_expired",
            Self::Invalid => "invalid_token",
        }
    }

    pub fn parse(code: &str) -> Self {
        if code == "token_expired" {
            Self::Expired
        } else {
            Self::Invalid
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::Expired => "the token has expired; log in again or refresh it before it expires",
            Self::Invalid => "the token is not valid; log in to get a new one",
        }
    }
}

/// The authenticated caller of a public route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub customer_id: String,
    pub roles: Vec<String>,
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.roles.iter().any(|r| r == ROLE_ADMIN)
    }

    /// 403 unless the caller has the admin role.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "this route needs the admin role",
            ))
        }
    }

    /// Reads the caller from an authorizer context (string or JSON values).
    pub fn from_context(ctx: &HashMap<String, Value>) -> Result<Self, ApiError> {
        let get = |k: &str| ctx.get(k).and_then(Value::as_str).unwrap_or_default();
        match get(CTX_AUTH) {
            AUTH_OK => {
                let customer_id = get(CTX_CUSTOMER_ID).to_string();
                if customer_id.is_empty() {
                    return Err(unauthenticated());
                }
                let roles = get(CTX_ROLES)
                    .split(',')
                    .filter(|r| !r.is_empty())
                    .map(str::to_string)
                    .collect();
                Ok(Self { customer_id, roles })
            }
            AUTH_REJECTED => {
                let why = Rejection::parse(get(CTX_REASON));
                Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    why.code(),
                    why.message(),
                ))
            }
            _ => Err(unauthenticated()),
        }
    }
}

fn unauthenticated() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "this route needs a token: send Authorization: Bearer <token> from POST /v1/auth/login",
    )
}

/// The authorizer context of a request, as a map, when there is one.
pub fn authorizer_context(parts: &Parts) -> Option<HashMap<String, Value>> {
    match parts.extensions.get::<RequestContext>()? {
        RequestContext::ApiGatewayV2(ctx) => ctx.authorizer.as_ref().map(|a| a.fields.clone()),
        RequestContext::WebSocket(ctx) => Some(ctx.authorizer.fields.clone()),
        _ => None,
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let ctx = authorizer_context(parts).ok_or_else(unauthenticated)?;
        Caller::from_context(&ctx)
    }
}

/// Present on a request that is a direct invocation of the function (by the saga worker) or
/// that reached the local development server; absent on anything that came through the
/// public API, which then gets a 404 as if the route did not exist.
#[derive(Debug, Clone, Copy)]
pub struct Internal;

impl<S: Send + Sync> FromRequestParts<S> for Internal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<RequestContext>() {
            // Local development server (axum::serve): bound to 127.0.0.1.
            None => Ok(Internal),
            Some(RequestContext::ApiGatewayV2(ctx))
                if ctx.apiid.as_deref() == Some(INTERNAL_API_ID) =>
            {
                Ok(Internal)
            }
            Some(_) => Err(ApiError::no_route()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx(v: Value) -> HashMap<String, Value> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn ok_context_gives_the_caller() {
        let c = Caller::from_context(&ctx(json!({
            "auth": "ok", "customer_id": "c-1", "roles": "customer,admin"
        })))
        .unwrap();
        assert_eq!(c.customer_id, "c-1");
        assert!(c.is_admin());
        assert!(c.require_admin().is_ok());
    }

    #[test]
    fn rejected_context_is_401_with_the_reason() {
        let e = Caller::from_context(&ctx(json!({"auth": "rejected", "reason": "token_expired"})))
            .unwrap_err();
        assert_eq!(e.status, StatusCode::UNAUTHORIZED);
        assert_eq!(e.code, "token_expired");
        let e = Caller::from_context(&ctx(json!({}))).unwrap_err();
        assert_eq!(e.code, "unauthenticated");
    }

    #[test]
    fn shoppers_are_not_admins() {
        let c = Caller::from_context(&ctx(json!({
            "auth": "ok", "customer_id": "c-1", "roles": "customer"
        })))
        .unwrap();
        assert_eq!(c.require_admin().unwrap_err().status, StatusCode::FORBIDDEN);
    }
}
