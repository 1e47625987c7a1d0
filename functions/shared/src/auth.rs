//! Identity at the API edge.
//!
//! - [`Claims`]: what a sagaway JWT says (issued by the customer service, verified by the
//!   authorizer). Tokens are EdDSA (Ed25519), issuer [`ISSUER`], audience [`AUDIENCE`].
//! - The authorizer passes its verdict to the functions in the request's authorizer context
//!   under the `CTX_*` keys; [`Caller`] is the one helper that reads it. No function parses
//!   tokens itself.
//! - API Gateway caches the authorizer's verdict per `Authorization` header for a while
//!   (`infra/auth.tf`), so a verdict can be older than the request. The verdict carries the
//!   token's expiry ([`CTX_EXP`]) and [`Caller`] refuses a token past it (with the
//!   authorizer's own [`EXP_LEEWAY_SECS`]), so a cached "allow" never outlives its token.
//! - [`Internal`] guards the saga-step routes: they answer only direct Lambda invocations
//!   (the worker's), never requests that came through the public API.
//! - [`SourceIp`] is the client's address as API Gateway saw the connection
//!   (`requestContext.http.sourceIp`), for per-address limits. Never `X-Forwarded-For`, which
//!   the client writes itself.

use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use lambda_http::request::RequestContext;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::net::IpAddr;

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
/// The accepted token's `exp` (Unix seconds, a number or its decimal text).
pub const CTX_EXP: &str = "exp";
/// Seconds of clock skew tolerated on a token's `exp` (by the authorizer and by [`Caller`]).
pub const EXP_LEEWAY_SECS: i64 = 30;
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

    /// Reads the caller from an authorizer context (string or JSON values), now.
    pub fn from_context(ctx: &HashMap<String, Value>) -> Result<Self, ApiError> {
        Self::from_context_at(ctx, chrono::Utc::now().timestamp())
    }

    /// [`Self::from_context`] at `now` (Unix seconds): an accepted token whose [`CTX_EXP`]
    /// plus [`EXP_LEEWAY_SECS`] has passed is `401 token_expired`, as the authorizer would
    /// answer it now; an `exp` that is not a number is `401 invalid_token`. A context
    /// without `exp` (from an authorizer older than this rule) is taken as it is.
    pub fn from_context_at(ctx: &HashMap<String, Value>, now: i64) -> Result<Self, ApiError> {
        let get = |k: &str| ctx.get(k).and_then(Value::as_str).unwrap_or_default();
        match get(CTX_AUTH) {
            AUTH_OK => {
                let customer_id = get(CTX_CUSTOMER_ID).to_string();
                if customer_id.is_empty() {
                    return Err(unauthenticated());
                }
                if let Some(exp) = ctx.get(CTX_EXP) {
                    let exp = match exp {
                        Value::Number(n) => n.as_i64(),
                        Value::String(s) => s.parse::<i64>().ok(),
                        _ => None,
                    }
                    .ok_or_else(|| rejected(Rejection::Invalid))?;
                    if now > exp.saturating_add(EXP_LEEWAY_SECS) {
                        return Err(rejected(Rejection::Expired));
                    }
                }
                let roles = get(CTX_ROLES)
                    .split(',')
                    .filter(|r| !r.is_empty())
                    .map(str::to_string)
                    .collect();
                Ok(Self { customer_id, roles })
            }
            AUTH_REJECTED => Err(rejected(Rejection::parse(get(CTX_REASON)))),
            _ => Err(unauthenticated()),
        }
    }
}

/// The 401 for a token the authorizer refused, or would refuse now.
fn rejected(why: Rejection) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, why.code(), why.message())
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

/// The address API Gateway received the request from (`requestContext.http.sourceIp`);
/// `None` for a direct invocation or the local development server. Headers the client sends
/// (`X-Forwarded-For`, `Forwarded`) are never read: they say whatever the client wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceIp(pub Option<IpAddr>);

impl SourceIp {
    pub fn of(parts: &Parts) -> Self {
        let ip = match parts.extensions.get::<RequestContext>() {
            Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.as_deref(),
            Some(RequestContext::WebSocket(ctx)) => ctx.identity.source_ip.as_deref(),
            _ => None,
        };
        Self(ip.and_then(|ip| ip.parse().ok()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SourceIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(parts))
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
    fn a_verdict_is_refused_once_its_token_has_expired() {
        let at = |exp: Value, now: i64| {
            Caller::from_context_at(
                &ctx(json!({"auth": "ok", "customer_id": "c-1", "roles": "customer", "exp": exp})),
                now,
            )
        };
        let exp = 1_700_000_000;
        assert_eq!(at(json!(exp), exp - 600).unwrap().customer_id, "c-1");
        // The authorizer's leeway, to the second; then expired.
        assert!(at(json!(exp), exp + EXP_LEEWAY_SECS).is_ok());
        let e = at(json!(exp), exp + EXP_LEEWAY_SECS + 1).unwrap_err();
        assert_eq!(
            (e.status, e.code),
            (StatusCode::UNAUTHORIZED, "token_expired")
        );
        // As text too (a REST-style authorizer stringifies its context).
        assert!(at(json!(exp.to_string()), exp).is_ok());
        let e = at(json!(exp.to_string()), exp + 3600).unwrap_err();
        assert_eq!(e.code, "token_expired");
        for bad in [json!("soon"), json!(1.5), json!(null), json!([exp])] {
            let e = at(bad.clone(), exp).unwrap_err();
            assert_eq!(
                (e.status, e.code),
                (StatusCode::UNAUTHORIZED, "invalid_token"),
                "{bad}"
            );
        }
        // Without `exp` (an older authorizer's verdict) the caller is taken as it is.
        assert!(
            Caller::from_context_at(&ctx(json!({"auth": "ok", "customer_id": "c-1"})), i64::MAX)
                .is_ok()
        );
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
