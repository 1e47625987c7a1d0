//! One entry point for every function: the same axum `Router` runs under `lambda_http` in
//! Lambda (API Gateway HTTP API events) and under `axum::serve` on a local port.

use crate::config::Config;
use crate::error;
use crate::json::MAX_BODY_BYTES;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

/// Why serving stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("could not bind the local HTTP server to {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("the local HTTP server failed: {0}")]
    Http(std::io::Error),
    #[error("the Lambda runtime failed: {0}")]
    Lambda(lambda_http::Error),
}

/// Adds what every function's router needs: JSON 404/405 fallbacks and the body size limit.
pub fn finish(router: Router) -> Router {
    router
        .fallback(error::no_route)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// Serves `router` until the process is told to stop.
pub async fn serve(router: Router, config: &Config) -> Result<(), ServeError> {
    let router = finish(router);
    if config.in_lambda {
        tracing::info!("serving Lambda events");
        let svc = tower::ServiceBuilder::new()
            .map_request(route_event)
            .service(router);
        lambda_http::run(svc).await.map_err(ServeError::Lambda)
    } else {
        let addr = config.bind_addr;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        tracing::info!(%addr, "serving HTTP locally");
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(ServeError::Http)
    }
}

/// Path of the WebSocket API's `$connect` event.
pub const WS_CONNECT: &str = "/_ws/connect";
/// Path of the WebSocket API's `$disconnect` event.
pub const WS_DISCONNECT: &str = "/_ws/disconnect";
/// Path of any other WebSocket message (`$default`).
pub const WS_MESSAGE: &str = "/_ws/message";

/// Gives every Lambda event the path its route is written with:
/// - API Gateway puts a named stage in front of the path (`/api/v1/products`); the routes are
///   written without it, so it is removed. The `$default` stage has no prefix.
/// - WebSocket events have no path; they become `POST /_ws/{connect,disconnect,message}`.
///   The HTTP API has no such routes, so they cannot be reached from it.
fn route_event(mut req: Request) -> Request {
    let ws_path = match req.request_context_ref() {
        Some(RequestContext::WebSocket(ctx)) => Some(match ctx.event_type.as_deref() {
            Some("CONNECT") => WS_CONNECT,
            Some("DISCONNECT") => WS_DISCONNECT,
            _ => WS_MESSAGE,
        }),
        _ => None,
    };
    if let Some(path) = ws_path {
        if let Ok(uri) = path.parse() {
            *req.uri_mut() = uri;
        }
        *req.method_mut() = axum::http::Method::POST;
        return req;
    }
    let stage = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.stage.clone(),
        _ => None,
    };
    if let Some(stage) = stage.filter(|s| s != "$default") {
        let uri = req.uri().clone();
        let prefix = format!("/{stage}");
        if let Some(rest) = uri.path().strip_prefix(&prefix)
            && (rest.is_empty() || rest.starts_with('/'))
        {
            let rest = if rest.is_empty() { "/" } else { rest };
            let path_and_query = match uri.query() {
                Some(q) => format!("{rest}?{q}"),
                None => rest.to_string(),
            };
            let mut parts = uri.into_parts();
            if let Ok(pq) = path_and_query.parse() {
                parts.path_and_query = Some(pq);
                if let Ok(new_uri) = axum::http::Uri::from_parts(parts) {
                    *req.uri_mut() = new_uri;
                }
            }
        }
    }
    req
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
