//! The notification HTTP API and the WebSocket API's events.
//!
//! | route | who | what |
//! |---|---|---|
//! | `GET /v1/notifications?limit=&cursor=` | signed-in shopper | my notifications, newest first |
//! | `POST /internal/notifications` | internal (saga) | store and push one |
//! | WebSocket `$connect` (`?token=`) | signed-in shopper | remember the connection |
//! | WebSocket `$disconnect` | API Gateway | forget it |
//! | WebSocket `$default` | connected client | answered with `{"type":"pong"}` |

use crate::domain::{self, NotificationError, SendInput};
use crate::push::{Delivery, Pusher};
use crate::store::Store;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use lambda_http::request::RequestContext;
use sagaway_contract::api::PageQuery;
use sagaway_contract::notification::{SendOutcome, WsMessage};
use sagaway_shared::auth::{Caller, Internal};
use sagaway_shared::dynamo::attr::now;
use sagaway_shared::serve::{WS_CONNECT, WS_DISCONNECT, WS_MESSAGE};
use sagaway_shared::{ApiError, JsonBody};
use serde_json::json;

#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub pusher: Pusher,
}

pub fn router(app: App) -> Router {
    Router::new()
        .route("/v1/notifications", get(mine))
        .route("/internal/notifications", post(send))
        .route(WS_CONNECT, post(ws_connect))
        .route(WS_DISCONNECT, post(ws_disconnect))
        .route(WS_MESSAGE, post(ws_message))
        .with_state(app)
}

fn api_error(e: NotificationError) -> ApiError {
    match e {
        NotificationError::Invalid(v) => ApiError::from(v),
        e @ NotificationError::Store(_) => ApiError::internal(&e),
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
async fn mine(
    State(app): State<App>,
    caller: Caller,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request("invalid_query", e.to_string()))?;
    let limit = domain::page_size(q.limit.as_deref()).map_err(|e| api_error(e.into()))?;
    let page = app
        .store
        .list(&caller.customer_id, limit, q.cursor.as_deref())
        .await
        .map_err(api_error)?;
    Ok(Json(page).into_response())
}

async fn send(
    State(app): State<App>,
    _internal: Internal,
    JsonBody(input): JsonBody<SendInput>,
) -> Result<Response, ApiError> {
    let n = crate::domain::validate_send(input, now()).map_err(|e| api_error(e.into()))?;
    if !app.store.save(&n).await.map_err(api_error)? {
        return Ok(Json(SendOutcome {
            notification: n,
            repeated: true,
            pushed: 0,
            gone: 0,
            failed: 0,
        })
        .into_response());
    }
    // Stored first; pushing is best effort and never fails the call.
    let payload = serde_json::to_string(&WsMessage::Notification {
        notification: n.clone(),
    })
    .map_err(|e| ApiError::internal(&e))?;
    let (mut pushed, mut gone, mut failed) = (0, 0, 0);
    let connections = app
        .store
        .connections(&n.customer_id)
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "could not list connections");
            Vec::new()
        });
    for c in connections {
        match app.pusher.send(&c, payload.as_bytes()).await {
            Delivery::Sent => pushed += 1,
            Delivery::Gone => {
                gone += 1;
                if let Err(e) = app.store.forget(&n.customer_id, &c).await {
                    tracing::warn!(error = %e, connection_id = %c, "could not forget a gone connection");
                }
            }
            Delivery::Failed(why) => {
                failed += 1;
                tracing::warn!(connection_id = %c, error = %why, "push failed");
            }
        }
    }
    tracing::info!(notification_id = %n.id, customer_id = %n.customer_id, pushed, gone, failed, "notification sent");
    Ok((
        StatusCode::CREATED,
        Json(SendOutcome {
            notification: n,
            repeated: false,
            pushed,
            gone,
            failed,
        }),
    )
        .into_response())
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

async fn ws_connect(
    State(app): State<App>,
    WsConnection(connection_id): WsConnection,
    caller: Caller,
) -> Result<Response, ApiError> {
    app.store
        .connect(&caller.customer_id, &connection_id)
        .await
        .map_err(api_error)?;
    tracing::info!(%connection_id, customer_id = %caller.customer_id, "websocket connected");
    Ok(Json(json!({ "connected": true })).into_response())
}

async fn ws_disconnect(
    State(app): State<App>,
    WsConnection(connection_id): WsConnection,
) -> Result<Response, ApiError> {
    app.store
        .disconnect(&connection_id)
        .await
        .map_err(api_error)?;
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
