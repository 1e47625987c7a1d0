//! Plumbing shared by every sagaway Lambda function.
//!
//! - [`config`]: reading settings from the environment ([`config::Env`], [`config::Runtime`]).
//! - [`aws`]: AWS SDK configuration (honours the emulator's endpoint).
//! - [`correlation`]: the request's correlation id, order id and workflow id (logged, passed on).
//! - [`error`]: [`ApiError`], which renders as a JSON problem response.
//! - [`json`]: [`JsonBody`], a JSON extractor whose rejections are [`ApiError`]s.
//! - [`logging`]: structured `tracing` output (JSON in Lambda).
//! - [`dynamo`]: DynamoDB reads and attribute helpers every store uses.
//! - [`paging`]: paged lists: `?limit=`/`?cursor=` checks, cursors, the in-memory page.
//! - [`auth`]: token claims, the caller's identity ([`auth::Caller`]), internal-only routes,
//!   the request's source address ([`auth::SourceIp`]).
//! - [`limits`]: rate limits and lockouts kept in DynamoDB ([`limits::Limiter`]), decided by
//!   pure functions.
//! - [`serve`]: run one axum `Router` under `lambda_http` in Lambda or `axum::serve` locally.
//! - [`testing`]: drive a router in process with the request context API Gateway attaches.

pub mod auth;
pub mod aws;
pub mod config;
pub mod correlation;
pub mod dynamo;
pub mod error;
pub mod json;
pub mod limits;
pub mod logging;
pub mod paging;
pub mod serve;
pub mod testing;
pub mod validation;

pub use error::ApiError;
pub use json::JsonBody;
