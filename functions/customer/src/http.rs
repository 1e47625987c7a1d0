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

use crate::domain::{
    self, Account, Customer, CustomerError, Hasher, LoginInput, ProfileInput, RegisterInput,
};
use crate::store::{CustomerStore, StoreError};
use crate::tokens::{ClaimsSigner, IssuedToken, Issuer, SecretsManagerKey};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use sagaway_contract::Problem;
use sagaway_contract::api::Health;
use sagaway_shared::auth::{Caller, Internal};
use sagaway_shared::{ApiError, JsonBody};

/// What the handlers share.
#[derive(Clone)]
pub struct App<S, K = SecretsManagerKey> {
    pub store: S,
    pub issuer: Issuer<K>,
    pub hasher: Hasher,
}

impl<S: CustomerStore + Clone, K: ClaimsSigner> App<S, K> {
    /// The handlers' state with the production password hasher.
    pub fn new(store: S, issuer: Issuer<K>) -> Self {
        Self {
            store,
            issuer,
            hasher: Hasher::default(),
        }
    }
}

pub fn router<S: CustomerStore + Clone, K: ClaimsSigner>(app: App<S, K>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/v1/customers", post(register::<S, K>))
        .route("/v1/auth/login", post(login::<S, K>))
        .route("/v1/auth/refresh", post(refresh::<S, K>))
        .route("/v1/customers/me", get(me::<S, K>).put(update_me::<S, K>))
        .route("/internal/admins", post(ensure_admin::<S, K>))
        .with_state(app)
}

/// Maps domain errors to HTTP. Every status and code of this service is here.
impl From<CustomerError> for ApiError {
    fn from(e: CustomerError) -> Self {
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
            e @ (CustomerError::Store(_) | CustomerError::Hashing(_) | CustomerError::Keys(_)) => {
                ApiError::internal(&e)
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        CustomerError::from(e).into()
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

/// Argon2 is CPU-bound by design: keep it off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, CustomerError> + Send + 'static,
) -> Result<T, ApiError> {
    Ok(tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::internal(&e))??)
}

/// The account a registration (or the admin route) describes, as of now.
async fn account_for(
    hasher: &Hasher,
    input: RegisterInput,
    roles: Vec<String>,
) -> Result<Account, ApiError> {
    let reg = input.validate()?;
    let hasher = hasher.clone();
    let password = reg.password.clone();
    let hash = blocking(move || hasher.hash(&password)).await?;
    let id = uuid::Uuid::new_v4().to_string();
    let at = domain::timestamp(Utc::now());
    Ok(domain::new_account(id, &reg, hash, roles, &at))
}

/// Register a shopper account.
#[utoipa::path(post, path = "/v1/customers", tag = "customers", request_body = RegisterInput,
    responses(
        (status = 201, description = "Registered; log in next", body = Customer),
        (status = 409, description = "`email_taken`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn register<S: CustomerStore + Clone, K: ClaimsSigner>(
    State(app): State<App<S, K>>,
    JsonBody(input): JsonBody<RegisterInput>,
) -> Result<Response, ApiError> {
    let account = account_for(&app.hasher, input, domain::shopper_roles()).await?;
    app.store.create(&account).await?;
    tracing::info!(customer_id = %account.customer.id, "customer registered");
    Ok((StatusCode::CREATED, Json(account.customer)).into_response())
}

/// Log in: a token for `Authorization: Bearer`.
#[utoipa::path(post, path = "/v1/auth/login", tag = "customers", request_body = LoginInput,
    responses(
        (status = 200, description = "A token (15 minutes) and the account", body = Session),
        (status = 401, description = "`invalid_credentials`: the email or the password is wrong", body = Problem, content_type = "application/problem+json"),
    ))]
async fn login<S: CustomerStore + Clone, K: ClaimsSigner>(
    State(app): State<App<S, K>>,
    JsonBody(input): JsonBody<LoginInput>,
) -> Result<Response, ApiError> {
    let account = match input.lookup_email() {
        Some(email) => app.store.by_email(&email).await?,
        None => None,
    };
    let hasher = app.hasher.clone();
    let checked =
        blocking(move || Ok(domain::authenticate(&hasher, account, &input.password))).await?;
    let account = checked.inspect_err(|_| tracing::info!("login refused"))?;
    let token = app
        .issuer
        .issue(&account.customer, Utc::now().timestamp())
        .await?;
    tracing::info!(customer_id = %account.customer.id, "logged in");
    Ok(Json(Session {
        token,
        customer: account.customer,
    })
    .into_response())
}

/// The caller's account as stored now.
async fn current<S: CustomerStore>(store: &S, caller: &Caller) -> Result<Customer, ApiError> {
    store
        .by_id(&caller.customer_id)
        .await?
        .map(|a| a.customer)
        .ok_or_else(|| CustomerError::NotFound(caller.customer_id.clone()).into())
}

/// A new token before the old one expires (roles are read again).
#[utoipa::path(post, path = "/v1/auth/refresh", tag = "customers", security(("bearer" = [])),
    responses(
        (status = 200, description = "A new token and the account", body = Session),
        (status = 404, description = "`customer_not_found`: the account is gone", body = Problem, content_type = "application/problem+json"),
    ))]
async fn refresh<S: CustomerStore + Clone, K: ClaimsSigner>(
    State(app): State<App<S, K>>,
    caller: Caller,
) -> Result<Response, ApiError> {
    // Roles are read again, so a role change reaches the next token.
    let customer = current(&app.store, &caller).await?;
    let token = app.issuer.issue(&customer, Utc::now().timestamp()).await?;
    Ok(Json(Session { token, customer }).into_response())
}

/// My profile.
#[utoipa::path(get, path = "/v1/customers/me", tag = "customers", security(("bearer" = [])),
    responses(
        (status = 200, description = "The profile", body = Customer),
        (status = 404, description = "`customer_not_found`: the account is gone", body = Problem, content_type = "application/problem+json"),
    ))]
async fn me<S: CustomerStore + Clone, K: ClaimsSigner>(
    State(app): State<App<S, K>>,
    caller: Caller,
) -> Result<Response, ApiError> {
    Ok(Json(current(&app.store, &caller).await?).into_response())
}

/// Change my name and/or shipping address.
#[utoipa::path(put, path = "/v1/customers/me", tag = "customers", request_body = ProfileInput, security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed profile", body = Customer),
        (status = 404, description = "`customer_not_found`: the account is gone", body = Problem, content_type = "application/problem+json"),
    ))]
async fn update_me<S: CustomerStore + Clone, K: ClaimsSigner>(
    State(app): State<App<S, K>>,
    caller: Caller,
    JsonBody(input): JsonBody<ProfileInput>,
) -> Result<Response, ApiError> {
    let change = input.validate()?;
    let at = domain::timestamp(Utc::now());
    let customer = app
        .store
        .update_profile(&caller.customer_id, &change, &at)
        .await?;
    Ok(Json(customer).into_response())
}

async fn ensure_admin<S: CustomerStore + Clone, K: ClaimsSigner>(
    State(app): State<App<S, K>>,
    _internal: Internal,
    JsonBody(input): JsonBody<RegisterInput>,
) -> Result<Response, ApiError> {
    let admin = account_for(&app.hasher, input, domain::admin_roles()).await?;
    let customer = app.store.ensure_admin(&admin).await?;
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
