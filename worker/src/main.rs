//! The sagaway worker process: polls the OrderSaga task queue, serves /health, stops
//! gracefully on SIGTERM or Ctrl-C.

use anyhow::Context;
use sagaway_invoke::InternalClient;
use sagaway_shared::{aws, logging};
use sagaway_worker::activities::SagaActivities;
use sagaway_worker::clients::Clients;
use sagaway_worker::config::WorkerConfig;
use sagaway_worker::health;
use sagaway_worker::workflow::OrderSaga;
use std::sync::Arc;
use temporalio_sdk::{Runtime, Worker, WorkerOptions};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = WorkerConfig::from_env().context("reading configuration")?;
    logging::init_with(config.log_format, &config.log_filter);

    let sdk = aws::sdk_config_for(config.aws_endpoint_url.as_deref()).await;
    let clients = Arc::new(Clients::new(InternalClient::from_sdk(&sdk), &config));

    let listener = tokio::net::TcpListener::bind(config.health_addr)
        .await
        .with_context(|| format!("binding the health endpoint to {}", config.health_addr))?;
    let health_app = health::router(clients.clone(), config.task_queue.clone());
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, health_app).await {
            tracing::error!(error = %e, "health endpoint stopped");
        }
    });

    let url = config.temporal.target();
    let client = config.temporal.connect().await.context(
        "reaching Temporal (set TEMPORAL_ADDRESS, or TEMPORAL_PROFILE with a temporal.toml)",
    )?;

    let runtime =
        Runtime::from_current_tokio(Default::default()).context("starting the Temporal runtime")?;
    let options = WorkerOptions::new(config.task_queue.clone())
        .register_workflow::<OrderSaga>()
        .context("registering the OrderSaga")?
        .register_activities(SagaActivities::new(clients))
        .build();
    let mut worker = Worker::new(&runtime, client, options).context("creating the worker")?;
    let shutdown = worker.shutdown_handle();
    tokio::spawn(async move {
        wait_for_stop().await;
        tracing::info!("stopping: finishing running activities, then exiting");
        shutdown();
    });
    tracing::info!(task_queue = %config.task_queue, temporal = %url, health = %config.health_addr, "worker running");
    worker
        .run()
        .await
        .context("the worker stopped with an error")?;
    tracing::info!("worker stopped");
    Ok(())
}

async fn wait_for_stop() {
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
