//! The sagaway worker process: polls the OrderSaga task queue, serves `/health` and
//! `/metrics`, stops gracefully on SIGTERM or Ctrl-C.
//!
//! `sagaway-worker healthcheck` instead asks a running worker's `/health` (on `HEALTH_ADDR`)
//! and exits 0 when it is healthy, 1 when not: the container's health check, with no HTTP
//! client in the image.

use anyhow::Context;
use sagaway_invoke::InternalClient;
use sagaway_shared::config::Env;
use sagaway_shared::{aws, logging};
use sagaway_worker::activities::SagaActivities;
use sagaway_worker::clients::Clients;
use sagaway_worker::config::{WorkerConfig, health_addr};
use sagaway_worker::health::{self, Status, TemporalHealth, TemporalState};
use sagaway_worker::metrics::Metrics;
use sagaway_worker::workflow::OrderSaga;
use std::sync::Arc;
use std::time::Duration;
use temporalio_common::telemetry::TelemetryOptions;
use temporalio_sdk::runtime::RuntimeOptions;
use temporalio_sdk::{Runtime, Worker, WorkerOptions};
use tokio::sync::watch;

const USAGE: &str = "usage: sagaway-worker             run the worker (settings from the environment: see worker/src/config.rs)
       sagaway-worker healthcheck GET /health on HEALTH_ADDR; exit 0 if healthy, 1 if not";

fn main() -> anyhow::Result<()> {
    match std::env::args().nth(1).as_deref() {
        None => run(),
        Some("healthcheck") => {
            let addr = health_addr(&Env::from_process()).context("reading HEALTH_ADDR")?;
            health::check(addr, Duration::from_secs(3))?;
            Ok(())
        }
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => anyhow::bail!("unknown argument {other:?}\n{USAGE}"),
    }
}

#[tokio::main]
async fn run() -> anyhow::Result<()> {
    let config = WorkerConfig::from_env().context("reading configuration")?;
    logging::init_with(config.log_format, &config.log_filter);

    let sdk = aws::sdk_config_for(config.aws_endpoint_url.as_deref()).await;
    let clients = Arc::new(Clients::new(InternalClient::from_sdk(&sdk), &config));
    let metrics = Metrics::new();
    let temporal = TemporalHealth::default();

    let listener = tokio::net::TcpListener::bind(config.health_addr)
        .await
        .with_context(|| format!("binding the health endpoint to {}", config.health_addr))?;
    let status = Status {
        task_queue: config.task_queue.clone(),
        temporal: temporal.clone(),
        metrics: metrics.clone(),
        breakers: {
            let clients = clients.clone();
            Arc::new(move || clients.breakers())
        },
    };
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, health::router(status)).await {
            tracing::error!(error = %e, "health endpoint stopped");
        }
    });

    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        wait_for_signal().await;
        let _ = stop_tx.send(true);
    });

    // The SDK's metrics go to the /metrics endpoint: the worker's through the runtime, the
    // client's (requests to the server) through the connection.
    let telemetry = TelemetryOptions::builder()
        .metrics(metrics.core_meter())
        .build();
    let runtime_options = RuntimeOptions::builder()
        .telemetry_options(telemetry)
        .build()
        .map_err(|e| anyhow::anyhow!("the Temporal runtime's options: {e}"))?;
    let runtime =
        Runtime::from_current_tokio(runtime_options).context("starting the Temporal runtime")?;
    let mut settings = config.temporal.clone();
    settings.connection.metrics_meter = Some(metrics.client_meter());
    let url = settings.target();

    // Unhealthy until connected; retried with back-off, so a worker that starts before
    // Temporal is reachable waits for it rather than exiting.
    let client = tokio::select! {
        client = connect(&settings, &temporal) => client,
        () = stopped(stop_rx.clone()) => {
            tracing::info!("stopped before reaching Temporal");
            return Ok(());
        }
    };
    temporal.set(TemporalState::Connected);
    let probe = tokio::spawn(temporal.clone().probe(client.clone()));

    let mut options = WorkerOptions::new(config.task_queue.clone())
        .register_workflow::<OrderSaga>()
        .context("registering the OrderSaga")?
        .register_activities(SagaActivities::new(clients))
        .build();
    sagaway_worker::correlation::install(&mut options);
    let mut worker = Worker::new(&runtime, client, options).context("creating the worker")?;
    let shutdown = worker.shutdown_handle();
    let draining = temporal.clone();
    tokio::spawn(async move {
        stopped(stop_rx).await;
        tracing::info!("stopping: finishing running activities, then exiting");
        draining.set(TemporalState::Stopped("shutting down".into()));
        shutdown();
    });
    tracing::info!(task_queue = %config.task_queue, temporal = %url, health = %config.health_addr, "worker running");
    let outcome = worker.run().await;
    probe.abort();
    temporal.set(TemporalState::Stopped(match &outcome {
        Ok(()) => "stopped".to_string(),
        Err(e) => format!("stopped with an error: {e}"),
    }));
    outcome.context("the worker stopped with an error")?;
    tracing::info!("worker stopped");
    Ok(())
}

/// Connects, retrying every 1 s, 2 s, 4 s ... up to 30 s until it works.
async fn connect(
    settings: &sagaway_temporal::TemporalSettings,
    temporal: &TemporalHealth,
) -> temporalio_client::Client {
    let mut wait = Duration::from_secs(1);
    loop {
        match settings.connect().await {
            Ok(client) => return client,
            Err(e) => {
                temporal.set(TemporalState::Unreachable(format!(
                    "{e} (set TEMPORAL_ADDRESS, or TEMPORAL_PROFILE with a temporal.toml); retrying in {}s",
                    wait.as_secs()
                )));
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(30));
            }
        }
    }
}

async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

async fn wait_for_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
