//! The worker's health and metrics endpoint (127.0.0.1 by default): `GET /health` answers
//! `{"status": "ok", "task_queue", "breakers": [...]}`.

use crate::clients::Clients;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Clone)]
struct Health {
    clients: Arc<Clients>,
    task_queue: String,
}

pub fn router(clients: Arc<Clients>, task_queue: String) -> Router {
    Router::new()
        .route("/health", get(health))
        .with_state(Health {
            clients,
            task_queue,
        })
}

async fn health(State(h): State<Health>) -> Json<Value> {
    Json(json!({
        "status": "ok",
        "task_queue": h.task_queue,
        "breakers": h.clients.breakers(),
    }))
}
