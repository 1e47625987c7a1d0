//! The notification HTTP API and the WebSocket API's events.
//!
//! | route | who | what |
//! |---|---|---|
//! | `GET /v1/notifications?limit=&cursor=` | signed-in shopper | my notifications, newest first |
//! | `POST /internal/notifications` | internal (saga) | store and push one |
//! | WebSocket `$connect` (`?token=`) | signed-in shopper | remember the connection |
//! | WebSocket `$disconnect` | API Gateway | forget it |
//! | WebSocket `$default` | connected client | answered with `{"type":"pong"}` |

use crate::domain::{self, Delivery, Fate, Saved, SendInput};
use crate::push::Push;
use crate::store::{NotificationStore, StoreError};
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use lambda_http::request::RequestContext;
use sagaway_contract::api::PageQuery;
use sagaway_contract::notification::WsMessage;
use sagaway_shared::auth::{Caller, Internal};
use sagaway_shared::dynamo::attr::now;
use sagaway_shared::serve::{WS_CONNECT, WS_DISCONNECT, WS_MESSAGE};
use sagaway_shared::{ApiError, JsonBody};
use serde_json::json;

/// What the handlers work with: where notifications and connections are kept, and how to
/// reach a connection.
#[derive(Clone)]
pub struct App<S, P> {
    pub store: S,
    pub pusher: P,
}

pub fn router<S, P>(app: App<S, P>) -> Router
where
    S: NotificationStore + Clone,
    P: Push + Clone,
{
    Router::new()
        .route("/v1/notifications", get(mine::<S, P>))
        .route("/internal/notifications", post(send::<S, P>))
        .route(WS_CONNECT, post(ws_connect::<S, P>))
        .route(WS_DISCONNECT, post(ws_disconnect::<S, P>))
        .route(WS_MESSAGE, post(ws_message))
        .with_state(app)
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            e @ StoreError::Backend(_) => ApiError::internal(&e),
        }
    }
}

/// My notifications, newest first.
#[utoipa::path(get, path = "/v1/notifications", tag = "notifications", security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of notifications", body = crate::store::NotificationPage),
        (status = 400, description = "`invalid_query`: a bad `cursor`", body = sagaway_contract::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `limit` out of range", body = sagaway_contract::Problem, content_type = "application/problem+json"),
    ))]
async fn mine<S: NotificationStore, P>(
    State(app): State<App<S, P>>,
    caller: Caller,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request("invalid_query", e.to_string()))?;
    let page = domain::page_request(q.limit.as_deref(), q.cursor.as_deref())?;
    let page = app.store.list(&caller.customer_id, &page).await?;
    Ok(Json(page).into_response())
}

async fn send<S: NotificationStore, P: Push>(
    State(app): State<App<S, P>>,
    _internal: Internal,
    JsonBody(input): JsonBody<SendInput>,
) -> Result<Response, ApiError> {
    let n = domain::validate_send(input, &now(), || uuid::Uuid::new_v4().to_string())?;
    if app.store.save(&n).await? == Saved::Repeat {
        return Ok(Json(domain::outcome(n, Saved::Repeat, &[])).into_response());
    }
    // Stored first; pushing is best effort and never fails the call.
    let payload = serde_json::to_string(&WsMessage::Notification {
        notification: n.clone(),
    })
    .map_err(|e| ApiError::internal(&e))?;
    let connections = app
        .store
        .connections(&n.customer_id)
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "could not list connections");
            Vec::new()
        });
    let mut deliveries = Vec::with_capacity(connections.len());
    for c in connections {
        let d = app.pusher.send(&c, payload.as_bytes()).await;
        if let Delivery::Failed(why) = &d {
            tracing::warn!(connection_id = %c, error = %why, "push failed");
        }
        if domain::fate(&d) == Fate::Forget
            && let Err(e) = app.store.forget(&n.customer_id, &c).await
        {
            tracing::warn!(error = %e, connection_id = %c, "could not forget a gone connection");
        }
        deliveries.push(d);
    }
    let outcome = domain::outcome(n, Saved::New, &deliveries);
    tracing::info!(
        notification_id = %outcome.notification.id,
        customer_id = %outcome.notification.customer_id,
        pushed = outcome.pushed,
        gone = outcome.gone,
        failed = outcome.failed,
        "notification sent"
    );
    Ok((StatusCode::CREATED, Json(outcome)).into_response())
}

/// The connection id of a WebSocket event. A request that is no WebSocket event gets a 404
/// (the routes do not exist for the HTTP API); a WebSocket event without a connection id
/// gets a 400.
struct WsConnection(String);

impl<S: Send + Sync> FromRequestParts<S> for WsConnection {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<RequestContext>() {
            Some(RequestContext::WebSocket(ctx)) => ctx
                .connection_id
                .clone()
                .filter(|id| !id.is_empty())
                .map(WsConnection)
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "invalid_event",
                        "the WebSocket event has no connectionId",
                    )
                }),
            _ => Err(ApiError::no_route()),
        }
    }
}

async fn ws_connect<S: NotificationStore, P>(
    State(app): State<App<S, P>>,
    WsConnection(connection_id): WsConnection,
    caller: Caller,
) -> Result<Response, ApiError> {
    app.store
        .connect(&caller.customer_id, &connection_id)
        .await?;
    tracing::info!(%connection_id, customer_id = %caller.customer_id, "websocket connected");
    Ok(Json(json!({ "connected": true })).into_response())
}

async fn ws_disconnect<S: NotificationStore, P>(
    State(app): State<App<S, P>>,
    WsConnection(connection_id): WsConnection,
) -> Result<Response, ApiError> {
    app.store.disconnect(&connection_id).await?;
    tracing::info!(%connection_id, "websocket disconnected");
    Ok(Json(json!({ "disconnected": true })).into_response())
}

/// Any frame (text, binary, JSON or not; its body is not read) is answered with a pong.
async fn ws_message(WsConnection(_): WsConnection) -> Json<WsMessage> {
    Json(WsMessage::Pong)
}

/// The notification service's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(mine),
    tags((name = "notifications", description = "stored notifications (live ones arrive over the WebSocket API)"))
)]
pub struct ApiDoc;
