//! The worker's health and metrics endpoint (127.0.0.1 by default, one HTTP server):
//!
//! - `GET /health`: `200 {"status": "ok", "temporal": {"state": "connected"}, "task_queue",
//!   "breakers": [...]}` while the worker is connected to Temporal and polling; `503` with
//!   `"status": "unavailable"` and the reason before it has connected, while Temporal does not
//!   answer (probed every [`PROBE_EVERY`]), and once the worker has stopped. The circuit
//!   breakers are reported either way but never make the worker unhealthy: an open breaker is a
//!   service's trouble, and replacing the worker would not help.
//! - `GET /metrics`: the Temporal SDK's metrics and the breakers' (`crate::metrics`), in the
//!   Prometheus text format.
//!
//! [`check`] is the `sagaway-worker healthcheck` subcommand: the container's health check,
//! without curl in the image.

use crate::breaker::Snapshot;
use crate::metrics::Metrics;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use temporalio_client::Client;
use temporalio_client::tonic::IntoRequest;
use temporalio_common::protos::temporal::api::workflowservice::v1::GetSystemInfoRequest;

/// How often a connected worker checks that Temporal still answers.
pub const PROBE_EVERY: Duration = Duration::from_secs(10);
/// How long one probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the worker stands with Temporal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemporalState {
    /// Not connected yet (the worker retries with back-off).
    Connecting,
    /// Connected, and the last probe was answered.
    Connected,
    /// The last probe, or the last connection attempt, failed.
    Unreachable(String),
    /// The worker stopped polling (shutting down, or stopped with an error).
    Stopped(String),
}

impl TemporalState {
    fn name(&self) -> &'static str {
        match self {
            Self::Connecting => "connecting",
            Self::Connected => "connected",
            Self::Unreachable(_) => "unreachable",
            Self::Stopped(_) => "stopped",
        }
    }
}

/// The worker's Temporal state, shared by the worker's tasks and the endpoint.
#[derive(Debug, Clone)]
pub struct TemporalHealth(Arc<Mutex<(TemporalState, Instant)>>);

impl Default for TemporalHealth {
    fn default() -> Self {
        Self(Arc::new(Mutex::new((
            TemporalState::Connecting,
            Instant::now(),
        ))))
    }
}

impl TemporalHealth {
    pub fn set(&self, state: TemporalState) {
        let mut g = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if g.0 != state {
            match &state {
                TemporalState::Connected => tracing::info!("temporal reachable"),
                TemporalState::Unreachable(why) => {
                    tracing::warn!(error = %why, "temporal unreachable")
                }
                _ => {}
            }
            *g = (state, Instant::now());
        }
    }

    pub fn get(&self) -> (TemporalState, Duration) {
        let g = self.0.lock().unwrap_or_else(|e| e.into_inner());
        (g.0.clone(), g.1.elapsed())
    }

    /// Probes Temporal every [`PROBE_EVERY`] (a `GetSystemInfo` call) until the task is
    /// dropped, and records the outcome (a stopped worker stays stopped).
    pub async fn probe(self, client: Client) {
        let mut every = tokio::time::interval(PROBE_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if matches!(self.get().0, TemporalState::Stopped(_)) {
                return;
            }
            let mut service = client.connection().workflow_service();
            let call = service.get_system_info(GetSystemInfoRequest::default().into_request());
            let state = match tokio::time::timeout(PROBE_TIMEOUT, call).await {
                Ok(Ok(_)) => TemporalState::Connected,
                Ok(Err(status)) => TemporalState::Unreachable(status.message().to_string()),
                Err(_) => TemporalState::Unreachable(format!(
                    "no answer to a probe within {}s",
                    PROBE_TIMEOUT.as_secs()
                )),
            };
            if !matches!(self.get().0, TemporalState::Stopped(_)) {
                self.set(state);
            }
        }
    }
}

/// What the endpoint reports on.
#[derive(Clone)]
pub struct Status {
    pub task_queue: String,
    pub temporal: TemporalHealth,
    pub metrics: Metrics,
    /// The circuit breakers' snapshots, read at each request.
    pub breakers: Arc<dyn Fn() -> Vec<Snapshot> + Send + Sync>,
}

pub fn router(status: Status) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .with_state(status)
}

async fn health(State(s): State<Status>) -> Response {
    let (state, since) = s.temporal.get();
    let reason = match &state {
        TemporalState::Unreachable(why) | TemporalState::Stopped(why) => Some(why.clone()),
        _ => None,
    };
    let ok = state == TemporalState::Connected;
    let body = json!({
        "status": if ok { "ok" } else { "unavailable" },
        "temporal": {
            "state": state.name(),
            "since_secs": since.as_secs(),
            "reason": reason,
        },
        "task_queue": s.task_queue,
        "breakers": (s.breakers)(),
    });
    let code = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body)).into_response()
}

async fn metrics(State(s): State<Status>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        s.metrics.render(&(s.breakers)()),
    )
        .into_response()
}

/// Why the health check failed.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("the health endpoint at {addr} did not answer: {source}")]
    Io {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the health endpoint at {addr} answered {status_line:?}")]
    Unhealthy {
        addr: SocketAddr,
        status_line: String,
    },
}

/// `GET /health` on the worker's own endpoint (`addr`; an unspecified address such as
/// `0.0.0.0` means this host's loopback): `Ok` on a 200 answer within `timeout`.
pub fn check(addr: SocketAddr, timeout: Duration) -> Result<(), CheckError> {
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let io = |source| CheckError::Io { addr, source };
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(io)?;
    stream.set_read_timeout(Some(timeout)).map_err(io)?;
    stream.set_write_timeout(Some(timeout)).map_err(io)?;
    write!(
        stream,
        "GET /health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .map_err(io)?;
    let mut head = [0u8; 64];
    let mut read = 0;
    // Enough of the answer for its status line.
    while read < head.len() {
        match stream.read(&mut head[read..]).map_err(io)? {
            0 => break,
            n => read += n,
        }
        if head[..read].contains(&b'\n') {
            break;
        }
    }
    let text = String::from_utf8_lossy(&head[..read]);
    let status_line = text.lines().next().unwrap_or_default().trim().to_string();
    let mut parts = status_line.split_whitespace();
    match (parts.next(), parts.next()) {
        (Some(v), Some("200")) if v.starts_with("HTTP/1.") => Ok(()),
        _ => Err(CheckError::Unhealthy { addr, status_line }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::breaker::Breaker;

    async fn serve(status: Status) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router(status)).await });
        addr
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn health_follows_the_temporal_connection_and_the_check_follows_health() {
        let breaker = Arc::new(Breaker::new("payment", 1, Duration::from_secs(30)));
        breaker.failure();
        let b = breaker.clone();
        let temporal = TemporalHealth::default();
        let addr = serve(Status {
            task_queue: "q".into(),
            temporal: temporal.clone(),
            metrics: Metrics::new(),
            breakers: Arc::new(move || vec![b.snapshot()]),
        })
        .await;
        let get = move |path: &'static str| async move {
            tokio::task::spawn_blocking(move || {
                let mut s = TcpStream::connect(addr).unwrap();
                write!(
                    s,
                    "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                )
                .unwrap();
                let mut out = String::new();
                s.read_to_string(&mut out).unwrap();
                out
            })
            .await
            .unwrap()
        };
        let run_check =
            move || tokio::task::spawn_blocking(move || check(addr, Duration::from_secs(2)));

        // Not connected yet: unhealthy, and the subcommand says so.
        assert!(get("/health").await.starts_with("HTTP/1.1 503"));
        assert!(matches!(
            run_check().await.unwrap(),
            Err(CheckError::Unhealthy { .. })
        ));
        // Connected: healthy, although a breaker is open.
        temporal.set(TemporalState::Connected);
        let h = get("/health").await;
        assert!(h.starts_with("HTTP/1.1 200"), "{h}");
        assert!(h.contains("\"state\":\"open\""), "{h}");
        assert!(run_check().await.unwrap().is_ok());
        // Temporal stops answering, or the worker stops: unhealthy again.
        temporal.set(TemporalState::Unreachable("connection refused".into()));
        let h = get("/health").await;
        assert!(
            h.starts_with("HTTP/1.1 503") && h.contains("connection refused"),
            "{h}"
        );
        temporal.set(TemporalState::Stopped("shutting down".into()));
        assert!(run_check().await.unwrap().is_err());
        // Metrics: the breaker's gauges.
        let m = get("/metrics").await;
        assert!(
            m.contains("sagaway_breaker_open{service=\"payment\"} 1"),
            "{m}"
        );
        // Nothing listening: the check fails.
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        assert!(matches!(
            tokio::task::spawn_blocking(move || check(closed, Duration::from_secs(1)))
                .await
                .unwrap(),
            Err(CheckError::Io { .. })
        ));
    }
}
