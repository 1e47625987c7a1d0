//! The customer HTTP API.
//!
//! | route | who | what |
//! |---|---|---|
//! | `GET /health` | anyone | liveness |
//! | `POST /v1/customers` | anyone | register `{email, password, name}` |
//! | `POST /v1/auth/login` | anyone | `{email, password}` → a token |
//! | `POST /v1/auth/refresh` | signed-in caller | a new token before the old one expires |
//! | `GET /v1/customers/me` | signed-in caller | my profile |
//! | `PUT /v1/customers/me` | signed-in caller | change name and/or shipping address |
//! | `POST /internal/admins` | internal (direct invocation) | create or reset an admin account |

use crate::domain::{self, Customer, CustomerError, LoginInput, ProfileInput, RegisterInput};
use crate::store::Store;
use crate::tokens::IssuedToken;
use crate::tokens::Issuer;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sagaway_contract::Problem;
use sagaway_contract::api::Health;
use sagaway_shared::auth::{Caller, Internal, ROLE_CUSTOMER};
use sagaway_shared::{ApiError, JsonBody};

/// What the handlers share.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub issuer: Issuer,
}

pub fn router(app: App) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/v1/customers", post(register))
        .route("/v1/auth/login", post(login))
        .route("/v1/auth/refresh", post(refresh))
        .route("/v1/customers/me", get(me).put(update_me))
        .route("/internal/admins", post(ensure_admin))
        .with_state(app)
}

/// Maps domain errors to HTTP. Every status and code of this service is here.
fn api_error(e: CustomerError) -> ApiError {
    match e {
        CustomerError::Invalid(v) => ApiError::from(v),
        CustomerError::InvalidFields(v) => ApiError::validation(v),
        CustomerError::EmailTaken => ApiError::conflict(
            "email_taken",
            "an account with this email already exists; log in instead",
        ),
        CustomerError::InvalidCredentials => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "the email or the password is wrong",
        ),
        CustomerError::NotFound(_) => ApiError::not_found(
            "customer_not_found",
            "the account of this token no longer exists",
        ),
        e @ (CustomerError::Store(_) | CustomerError::Keys(_)) => ApiError::internal(&e),
    }
}

async fn health() -> Json<Health> {
    Json(Health::ok("customer"))
}

/// A token and the account it belongs to.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Session {
    pub token: IssuedToken,
    pub customer: Customer,
}

/// Register a shopper account.
#[utoipa::path(post, path = "/v1/customers", tag = "customers", request_body = RegisterInput,
    responses(
        (status = 201, description = "Registered; log in next", body = Customer),
        (status = 409, description = "`email_taken`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn register(
    State(app): State<App>,
    JsonBody(input): JsonBody<RegisterInput>,
) -> Result<Response, ApiError> {
    let reg = input.validate().map_err(api_error)?;
    let hash = hash(reg.password.clone()).await?;
    let customer = app
        .store
        .create(&reg, &hash, &[ROLE_CUSTOMER.to_string()])
        .await
        .map_err(api_error)?;
    tracing::info!(customer_id = %customer.id, "customer registered");
    Ok((StatusCode::CREATED, Json(customer)).into_response())
}

/// Hashing is CPU-bound: keep it off the async workers.
async fn hash(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || domain::hash_password(&password))
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(api_error)
}

async fn verify(password: String, hash: String) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || domain::verify_password(&password, &hash))
        .await
        .map_err(|e| ApiError::internal(&e))
}

/// Log in: a token for `Authorization: Bearer`.
#[utoipa::path(post, path = "/v1/auth/login", tag = "customers", request_body = LoginInput,
    responses(
        (status = 200, description = "A token (15 minutes) and the account", body = Session),
        (status = 401, description = "`invalid_credentials`: the email or the password is wrong", body = Problem, content_type = "application/problem+json"),
    ))]
async fn login(
    State(app): State<App>,
    JsonBody(input): JsonBody<LoginInput>,
) -> Result<Response, ApiError> {
    // A malformed email cannot match an account: the same answer as a wrong password.
    let email = domain::normalize_email(&input.email).ok();
    let account = match &email {
        Some(e) => app.store.by_email(e).await.map_err(api_error)?,
        None => None,
    };
    let hash = account
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_else(|| domain::DUMMY_HASH.to_string());
    let ok = verify(input.password, hash).await?;
    let Some(account) = account.filter(|_| ok) else {
        tracing::info!("login refused");
        return Err(api_error(CustomerError::InvalidCredentials));
    };
    let token = app
        .issuer
        .issue(&account.customer)
        .await
        .map_err(api_error)?;
    tracing::info!(customer_id = %account.customer.id, "logged in");
    Ok(Json(Session {
        token,
        customer: account.customer,
    })
    .into_response())
}

async fn current(app: &App, caller: &Caller) -> Result<Customer, ApiError> {
    app.store
        .by_id(&caller.customer_id)
        .await
        .map_err(api_error)?
        .map(|a| a.customer)
        .ok_or_else(|| api_error(CustomerError::NotFound(caller.customer_id.clone())))
}

/// A new token before the old one expires (roles are read again).
#[utoipa::path(post, path = "/v1/auth/refresh", tag = "customers", security(("bearer" = [])),
    responses(
        (status = 200, description = "A new token and the account", body = Session),
        (status = 404, description = "`customer_not_found`: the account is gone", body = Problem, content_type = "application/problem+json"),
    ))]
async fn refresh(State(app): State<App>, caller: Caller) -> Result<Response, ApiError> {
    // Roles are read again, so a role change reaches the next token.
    let customer = current(&app, &caller).await?;
    let token = app.issuer.issue(&customer).await.map_err(api_error)?;
    Ok(Json(Session { token, customer }).into_response())
}

/// My profile.
#[utoipa::path(get, path = "/v1/customers/me", tag = "customers", security(("bearer" = [])),
    responses(
        (status = 200, description = "The profile", body = Customer),
        (status = 404, description = "`customer_not_found`: the account is gone", body = Problem, content_type = "application/problem+json"),
    ))]
async fn me(State(app): State<App>, caller: Caller) -> Result<Response, ApiError> {
    Ok(Json(current(&app, &caller).await?).into_response())
}

/// Change my name and/or shipping address.
#[utoipa::path(put, path = "/v1/customers/me", tag = "customers", request_body = ProfileInput, security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed profile", body = Customer),
        (status = 404, description = "`customer_not_found`: the account is gone", body = Problem, content_type = "application/problem+json"),
    ))]
async fn update_me(
    State(app): State<App>,
    caller: Caller,
    JsonBody(input): JsonBody<ProfileInput>,
) -> Result<Response, ApiError> {
    let change = input
        .validate()
        .map_err(|e| api_error(CustomerError::Invalid(e)))?;
    let customer = app
        .store
        .update_profile(&caller.customer_id, &change)
        .await
        .map_err(api_error)?;
    Ok(Json(customer).into_response())
}

async fn ensure_admin(
    State(app): State<App>,
    _internal: Internal,
    JsonBody(input): JsonBody<RegisterInput>,
) -> Result<Response, ApiError> {
    let reg = input.validate().map_err(api_error)?;
    let hash = hash(reg.password.clone()).await?;
    let customer = app
        .store
        .ensure_admin(&reg, &hash)
        .await
        .map_err(api_error)?;
    tracing::info!(customer_id = %customer.id, "admin account ensured");
    Ok(Json(customer).into_response())
}

/// The customer service's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(register, login, refresh, me, update_me),
    tags((name = "customers", description = "accounts, tokens, profiles"))
)]
pub struct ApiDoc;
