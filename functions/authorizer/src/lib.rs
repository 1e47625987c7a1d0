//! The authorizer: verifies a sagaway JWT and tells API Gateway who the caller is.
//!
//! - [`verify`]: the rules (signature with the public key, EdDSA only, expiry, issuer,
//!   audience). `alg: none`, other algorithms, other keys and tampered tokens fail.
//! - [`handler`]: the two event shapes. For the HTTP API (REQUEST authorizer, payload 2.0,
//!   simple responses) every request with an `Authorization` header is let through with a
//!   verdict in its context: `auth=ok` with `customer_id` and `roles`, or `auth=rejected`
//!   with a `reason`; the function's `Caller` extractor turns a rejection into a
//!   `401` JSON error that says why (an HTTP API authorizer itself can only answer 403).
//!   An accepted token's `exp` travels in the context too: API Gateway caches the answer
//!   per `Authorization` header (`infra/auth.tf`), and `Caller` refuses a cached "ok" once
//!   the token has expired.
//!   For the WebSocket API's `$connect` (token in `?token=`) a bad token is a Deny policy,
//!   so the handshake is refused.
//! - When the public key cannot be read there is no verdict: the invocation fails (API
//!   Gateway answers 500 and caches nothing) rather than a cached refusal of a good token.

pub mod config;
pub mod handler;
pub mod verify;
