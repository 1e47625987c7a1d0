//! The notification HTTP API and the WebSocket API's events.
//!
//! | route | who | what |
//! |---|---|---|
//! | `GET /v1/notifications?limit=&cursor=` | signed-in shopper | my notifications, newest first |
//! | `POST /internal/notifications` | internal (saga) | store and push one (and email an order's CONFIRMED/CANCELLED once, when it carries a `receipt`) |
//! | WebSocket `$connect` (`?token=`) | signed-in shopper | remember the connection |
//! | WebSocket `$disconnect` | API Gateway | forget it |
//! | WebSocket `$default` | connected client | answered with `{"type":"pong"}` |

use crate::domain::{self, Delivery, EmailState, Fate, Notification, Receipt, Saved, SendInput};
use crate::email::Mailer;
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
pub struct App<S, P, M> {
    pub store: S,
    pub pusher: P,
    /// Sends the orders' receipt emails.
    pub mailer: M,
}

pub fn router<S, P, M>(app: App<S, P, M>) -> Router
where
    S: NotificationStore + Clone,
    P: Push + Clone,
    M: Mailer + Clone,
{
    Router::new()
        .route("/v1/notifications", get(mine::<S, P, M>))
        .route("/internal/notifications", post(send::<S, P, M>))
        .route(WS_CONNECT, post(ws_connect::<S, P, M>))
        .route(WS_DISCONNECT, post(ws_disconnect::<S, P, M>))
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
async fn mine<S: NotificationStore, P, M>(
    State(app): State<App<S, P, M>>,
    caller: Caller,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request("invalid_query", e.to_string()))?;
    let page = domain::page_request(q.limit.as_deref(), q.cursor.as_deref())?;
    let page = app.store.list(&caller.customer_id, &page).await?;
    Ok(Json(page).into_response())
}

/// Emails an order's notification once (see [`domain::receipt_email`]): claims it, sends
/// it, records what became of it. Never fails the notification: every failure is logged
/// (without the recipient).
async fn email<S: NotificationStore, M: Mailer>(
    store: &S,
    mailer: &M,
    n: &Notification,
    receipt: Option<&Receipt>,
) {
    let Some(receipt) = receipt else {
        return;
    };
    let email = match domain::receipt_email(n, receipt) {
        Ok(email) => email,
        Err(domain::NoEmail::NotEmailed) => return,
        Err(e) => {
            tracing::warn!(notification_id = %n.id, error = %e, "no email for this notification");
            return;
        }
    };
    match store.claim_email(&n.id, &now()).await {
        Ok(true) => {}
        Ok(false) => {
            tracing::info!(notification_id = %n.id, "its email was sent before (or is being sent)");
            return;
        }
        Err(e) => {
            tracing::warn!(notification_id = %n.id, error = %e, "could not claim the email; not sending it");
            return;
        }
    }
    let state = match mailer.send(&email).await {
        Ok(message_id) => {
            tracing::info!(notification_id = %n.id, %message_id, subject = %email.subject, "email sent");
            EmailState::Sent(message_id)
        }
        Err(why) => {
            tracing::warn!(notification_id = %n.id, error = %why, "email failed; the notification stands");
            EmailState::Failed(why)
        }
    };
    if let Err(e) = store.record_email(&n.id, &state).await {
        tracing::warn!(notification_id = %n.id, error = %e, "could not record the email's outcome");
    }
}

async fn send<S: NotificationStore, P: Push, M: Mailer>(
    State(app): State<App<S, P, M>>,
    _internal: Internal,
    JsonBody(mut input): JsonBody<SendInput>,
) -> Result<Response, ApiError> {
    let receipt = input.receipt.take();
    let n = domain::validate_send(input, &now(), || uuid::Uuid::new_v4().to_string())?;
    if app.store.save(&n).await? == Saved::Repeat {
        // A repeat pushes nothing, but sends the email if the first call stopped before it
        // (the claim makes sure it goes once).
        email(&app.store, &app.mailer, &n, receipt.as_ref()).await;
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
    email(&app.store, &app.mailer, &n, receipt.as_ref()).await;
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

async fn ws_connect<S: NotificationStore, P, M>(
    State(app): State<App<S, P, M>>,
    WsConnection(connection_id): WsConnection,
    caller: Caller,
) -> Result<Response, ApiError> {
    app.store
        .connect(&caller.customer_id, &connection_id)
        .await?;
    tracing::info!(%connection_id, customer_id = %caller.customer_id, "websocket connected");
    Ok(Json(json!({ "connected": true })).into_response())
}

async fn ws_disconnect<S: NotificationStore, P, M>(
    State(app): State<App<S, P, M>>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Notification, NotificationKind, OrderStatusData, PageRequest};
    use crate::email::MemoryMailer;
    use crate::push::MemoryPusher;
    use crate::store::{MemoryStore, NotificationPage};
    use sagaway_contract::OrderStatus;
    use sagaway_shared::serve::finish;
    use sagaway_shared::testing::{As, Reply, assert_refuses_unreadable_json, call};
    use serde_json::Value;

    struct Setup {
        store: MemoryStore,
        pusher: MemoryPusher,
        mailer: MemoryMailer,
        app: Router,
    }

    fn setup_with(mailer: MemoryMailer) -> Setup {
        let (store, pusher) = (MemoryStore::new(), MemoryPusher::new());
        let app = finish(router(App {
            store: store.clone(),
            pusher: pusher.clone(),
            mailer: mailer.clone(),
        }));
        Setup {
            store,
            pusher,
            mailer,
            app,
        }
    }

    fn setup() -> Setup {
        setup_with(MemoryMailer::new())
    }

    /// An order notification of `status` with a receipt for ada@example.com.
    fn order_body(status: &str, reason: Option<&str>) -> Value {
        json!({
            "id": format!("o-5f0c3f1e9b8a4d2c:{status}"),
            "customer_id": "c-1",
            "order_id": "o-5f0c3f1e9b8a4d2c",
            "kind": "order_status",
            "message": "m",
            "data": { "status": status, "reason": reason },
            "receipt": {
                "email": "ada@example.com",
                "lines": [{ "product_id": "ceramic-mug", "quantity": 2, "unit_price_cents": 1800 }],
                "total_cents": 3600,
                "currency": "USD"
            }
        })
    }

    #[tokio::test]
    async fn confirmed_and_cancelled_orders_are_emailed_once_each() {
        let s = setup();
        for _ in 0..3 {
            let r = send(&s.app, order_body("CONFIRMED", None)).await;
            assert!(r.status.is_success(), "{}", r.body);
        }
        let sent = s.mailer.sent();
        assert_eq!(sent.len(), 1, "one email however often the step is retried");
        assert_eq!(sent[0].to, "ada@example.com");
        assert_eq!(sent[0].subject, "Order #5F0C3F1E: Order confirmed");
        assert_eq!(
            s.store
                .email_state("o-5f0c3f1e9b8a4d2c:CONFIRMED")
                .await
                .unwrap(),
            Some(EmailState::Sent("m-1".into()))
        );
        send(&s.app, order_body("CANCELLED", Some("card declined"))).await;
        send(&s.app, order_body("CANCELLED", Some("card declined"))).await;
        let sent = s.mailer.sent();
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[1].subject, "Order #5F0C3F1E: Order cancelled");
        assert!(
            sent[1].body.contains("Reason: card declined"),
            "{}",
            sent[1].body
        );
        // Other statuses, and notifications without a receipt, are not emailed.
        send(&s.app, order_body("PAID", None)).await;
        send(&s.app, body("o-2:CONFIRMED", "c-1")).await;
        assert_eq!(s.mailer.sent().len(), 2);
    }

    #[tokio::test]
    async fn a_failed_email_fails_neither_the_notification_nor_a_retry() {
        let s = setup_with(MemoryMailer::failing());
        let r = send(&s.app, order_body("CONFIRMED", None)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(listed(&s.store, "c-1").await.items.len(), 1);
        assert!(matches!(
            s.store
                .email_state("o-5f0c3f1e9b8a4d2c:CONFIRMED")
                .await
                .unwrap(),
            Some(EmailState::Failed(_))
        ));
        let again = send(&s.app, order_body("CONFIRMED", None)).await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.body);
        assert_eq!(again.body["repeated"], true);
        // A bad recipient is skipped, the notification stored.
        let mut bad = order_body("CANCELLED", Some("x"));
        bad["receipt"]["email"] = json!("not an address");
        let r = send(&s.app, bad).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(
            s.store
                .email_state("o-5f0c3f1e9b8a4d2c:CANCELLED")
                .await
                .unwrap(),
            None
        );
    }

    fn body(id: &str, customer: &str) -> Value {
        json!({
            "id": id,
            "customer_id": customer,
            "order_id": "o-1",
            "kind": "order_status",
            "message": "Your order is confirmed",
            "data": { "status": "CONFIRMED" }
        })
    }

    async fn send(app: &Router, body: Value) -> Reply {
        call(
            app,
            "POST",
            "/internal/notifications",
            As::Internal,
            Some(body),
        )
        .await
    }

    /// The first page of a customer's notifications, straight from the store.
    async fn listed(store: &MemoryStore, customer: &str) -> NotificationPage {
        let first = PageRequest {
            limit: 10,
            after: None,
        };
        store.list(customer, &first).await.unwrap()
    }

    fn stored(id: &str, customer: &str, at: &str) -> Notification {
        Notification {
            id: id.into(),
            customer_id: customer.into(),
            order_id: None,
            kind: NotificationKind::OrderStatus,
            message: format!("about {id}"),
            data: OrderStatusData {
                status: OrderStatus::Paid,
                reason: None,
            },
            created_at: at.into(),
        }
    }

    fn ids(r: &Reply) -> Vec<&str> {
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_str().unwrap())
            .collect()
    }

    #[tokio::test]
    async fn my_notifications_newest_first_in_pages() {
        let s = setup();
        for (id, customer, at) in [
            ("n-1", "alice", "2026-01-01T00:00:01.000Z"),
            ("n-3", "alice", "2026-01-01T00:00:03.000Z"),
            ("n-2", "alice", "2026-01-01T00:00:02.000Z"),
            ("n-b", "bob", "2026-01-01T00:00:04.000Z"),
        ] {
            s.store.save(&stored(id, customer, at)).await.unwrap();
        }
        let r = call(
            &s.app,
            "GET",
            "/v1/notifications?limit=2",
            As::Shopper("alice"),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(ids(&r), ["n-3", "n-2"]);
        assert_eq!(r.body["items"][0]["message"], "about n-3");
        let cursor = r.body["next_cursor"].as_str().unwrap();
        let r = call(
            &s.app,
            "GET",
            &format!("/v1/notifications?limit=2&cursor={cursor}"),
            As::Shopper("alice"),
            None,
        )
        .await;
        assert_eq!(ids(&r), ["n-1"]);
        assert_eq!(r.body["next_cursor"], Value::Null);
        let r = call(&s.app, "GET", "/v1/notifications", As::Shopper("bob"), None).await;
        assert_eq!(ids(&r), ["n-b"]);
        let r = call(&s.app, "GET", "/v1/notifications", As::Admin("carol"), None).await;
        assert_eq!(r.body, json!({ "items": [], "next_cursor": null }));
    }

    #[tokio::test]
    async fn the_list_refuses_bad_queries_and_anonymous_callers() {
        let s = setup();
        let get = |q: &'static str, who| call(&s.app, "GET", q, who, None);
        get("/v1/notifications?limit=0", As::Shopper("c-1"))
            .await
            .assert_problem(422, "validation_failed");
        let r = get("/v1/notifications?cursor=%25%25", As::Shopper("c-1")).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "cursor");
        get("/v1/notifications?cursor=a&cursor=b", As::Shopper("c-1"))
            .await
            .assert_problem(400, "invalid_query");
        get("/v1/notifications", As::Public)
            .await
            .assert_problem(401, "unauthenticated");
        get("/v1/notifications", As::Rejected("invalid_token"))
            .await
            .assert_problem(401, "invalid_token");
    }

    #[tokio::test]
    async fn a_notification_is_stored_and_pushed_to_its_customers_connections() {
        let s = setup();
        s.store.connect("c-1", "conn-b").await.unwrap();
        s.store.connect("c-1", "conn-a").await.unwrap();
        s.store.connect("c-2", "conn-x").await.unwrap();
        let r = send(&s.app, body("o-1:CONFIRMED", "c-1")).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(
            (
                &r.body["repeated"],
                &r.body["pushed"],
                &r.body["gone"],
                &r.body["failed"]
            ),
            (&json!(false), &json!(2), &json!(0), &json!(0))
        );
        assert_eq!(r.body["notification"]["id"], "o-1:CONFIRMED");
        let sent = s.pusher.sent();
        let to: Vec<&str> = sent.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(to, ["conn-a", "conn-b"]);
        let pushed: Value = serde_json::from_slice(&sent[0].1).unwrap();
        assert_eq!(pushed["type"], "notification");
        assert_eq!(pushed["notification"], r.body["notification"]);

        let r = call(&s.app, "GET", "/v1/notifications", As::Shopper("c-1"), None).await;
        assert_eq!(ids(&r), ["o-1:CONFIRMED"]);
    }

    #[tokio::test]
    async fn a_repeated_id_is_neither_stored_nor_pushed_again() {
        let s = setup();
        s.store.connect("c-1", "conn-a").await.unwrap();
        let first = send(&s.app, body("o-1:PAID", "c-1")).await;
        assert_eq!(first.status, StatusCode::CREATED);
        let again = send(&s.app, body("o-1:PAID", "c-1")).await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.body);
        assert_eq!(again.body["repeated"], true);
        assert_eq!(again.body["pushed"], 0);
        // The id decides, whatever else the repeat says.
        let mut other = body("o-1:PAID", "c-2");
        other["message"] = json!("something else");
        assert_eq!(send(&s.app, other).await.body["repeated"], true);
        assert_eq!(s.pusher.sent().len(), 1);
        let r = call(&s.app, "GET", "/v1/notifications", As::Shopper("c-1"), None).await;
        assert_eq!(ids(&r), ["o-1:PAID"]);
        let r = call(&s.app, "GET", "/v1/notifications", As::Shopper("c-2"), None).await;
        assert_eq!(ids(&r), Vec::<&str>::new());
        // Without an id, every send is new.
        let mut anon = body("x", "c-3");
        anon.as_object_mut().unwrap().remove("id");
        let a = send(&s.app, anon.clone()).await;
        let b = send(&s.app, anon).await;
        assert_eq!(
            (a.status, b.status),
            (StatusCode::CREATED, StatusCode::CREATED)
        );
        assert_ne!(a.body["notification"]["id"], b.body["notification"]["id"]);
    }

    #[tokio::test]
    async fn a_gone_connection_is_deleted_and_a_failing_one_kept() {
        let s = setup();
        for c in ["conn-a", "conn-b", "conn-c"] {
            s.store.connect("c-1", c).await.unwrap();
        }
        s.pusher.gone("conn-a");
        s.pusher.failing("conn-b", "throttled");
        let r = send(&s.app, body("n-1", "c-1")).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(
            (&r.body["pushed"], &r.body["gone"], &r.body["failed"]),
            (&json!(1), &json!(1), &json!(1))
        );
        assert_eq!(
            s.store.connections("c-1").await.unwrap(),
            ["conn-b", "conn-c"]
        );
        // The next send no longer tries the gone one; the failing one is tried again.
        let r = send(&s.app, body("n-2", "c-1")).await;
        assert_eq!(
            (&r.body["pushed"], &r.body["gone"], &r.body["failed"]),
            (&json!(1), &json!(0), &json!(1))
        );
        // Both notifications are stored whatever became of the pushes.
        let r = call(&s.app, "GET", "/v1/notifications", As::Shopper("c-1"), None).await;
        assert_eq!(ids(&r).len(), 2);
    }

    #[tokio::test]
    async fn send_refuses_bad_input_and_public_callers() {
        let s = setup();
        let mut blank = body("n-1", "c-1");
        blank["message"] = json!("  ");
        let r = send(&s.app, blank).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "message");
        let r = send(&s.app, body("n 1", "c-1")).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "id");
        let mut extra = body("n-1", "c-1");
        extra["data"]["colour"] = json!("red");
        send(&s.app, extra)
            .await
            .assert_problem(422, "invalid_body");
        assert_refuses_unreadable_json(&s.app, "POST", "/internal/notifications", As::Internal)
            .await;
        for who in [As::Public, As::Shopper("c-1"), As::Admin("a-1")] {
            let r = call(
                &s.app,
                "POST",
                "/internal/notifications",
                who,
                Some(body("n-1", "c-1")),
            )
            .await;
            r.assert_problem(404, "no_route");
        }
        // Nothing reached the store.
        assert_eq!(
            listed(&s.store, "c-1").await,
            NotificationPage {
                items: vec![],
                next_cursor: None
            }
        );
    }

    #[tokio::test]
    async fn websocket_routes_are_not_http_routes() {
        let s = setup();
        for path in [WS_CONNECT, WS_DISCONNECT, WS_MESSAGE] {
            for who in [As::Shopper("c-1"), As::Internal] {
                let r = call(&s.app, "POST", path, who, Some(json!({}))).await;
                r.assert_problem(404, "no_route");
            }
        }
        assert!(s.store.connections("c-1").await.unwrap().is_empty());
    }

    /// A store whose connection list fails: pushing is best effort.
    #[derive(Clone)]
    struct NoConnections(MemoryStore);

    impl NotificationStore for NoConnections {
        async fn save(&self, n: &Notification) -> Result<Saved, StoreError> {
            self.0.save(n).await
        }
        async fn list(&self, c: &str, p: &PageRequest) -> Result<NotificationPage, StoreError> {
            self.0.list(c, p).await
        }
        async fn connect(&self, c: &str, id: &str) -> Result<(), StoreError> {
            self.0.connect(c, id).await
        }
        async fn disconnect(&self, id: &str) -> Result<(), StoreError> {
            self.0.disconnect(id).await
        }
        async fn forget(&self, c: &str, id: &str) -> Result<(), StoreError> {
            self.0.forget(c, id).await
        }
        async fn connections(&self, _: &str) -> Result<Vec<String>, StoreError> {
            Err(StoreError::Backend("throttled".into()))
        }
        async fn claim_email(&self, id: &str, at: &str) -> Result<bool, StoreError> {
            self.0.claim_email(id, at).await
        }
        async fn record_email(&self, id: &str, state: &EmailState) -> Result<(), StoreError> {
            self.0.record_email(id, state).await
        }
        async fn email_state(&self, id: &str) -> Result<Option<EmailState>, StoreError> {
            self.0.email_state(id).await
        }
    }

    #[tokio::test]
    async fn a_stored_notification_is_not_failed_by_its_push() {
        let store = MemoryStore::new();
        let app = finish(router(App {
            store: NoConnections(store.clone()),
            pusher: MemoryPusher::new(),
            mailer: MemoryMailer::new(),
        }));
        let r = send(&app, body("n-1", "c-1")).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.body["pushed"], 0);
        assert_eq!(listed(&store, "c-1").await.items.len(), 1);
    }

    #[test]
    fn a_store_failure_is_a_500_that_hides_the_cause() {
        let e = ApiError::from(StoreError::Backend("secret detail".into()));
        assert_eq!(
            (e.status, e.code),
            (StatusCode::INTERNAL_SERVER_ERROR, "internal_error")
        );
        assert!(!e.message.contains("secret"));
    }
}
