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
//! | `GET /internal/customers/{id}/contact` | internal (the gateway) | the customer's email, for the order emails |
//!
//! Logins and registrations are limited ([`crate::limits`]): a locked account or address is
//! `429 too_many_login_attempts` before its password is checked (so a lockout also spares the
//! password hashing), too many registrations from one address `429 too_many_registrations`;
//! both with `Retry-After`. Limits that cannot be checked refuse the request with
//! `503 rate_limit_unavailable` (fail closed).

use crate::domain::{
    self, Account, Customer, CustomerError, Hasher, LoginInput, ProfileInput, RegisterInput,
    Registration,
};
use crate::limits::{CustomerLimits, LoginKeys, registration_key};
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
use sagaway_shared::auth::{Caller, Internal, SourceIp};
use sagaway_shared::limits::{Clock, DynamoLimiter, Limiter, Lockout, Verdict};
use sagaway_shared::{ApiError, JsonBody};

/// What the handlers share.
#[derive(Clone)]
pub struct App<S, K = SecretsManagerKey, L = DynamoLimiter> {
    pub store: S,
    pub issuer: Issuer<K>,
    pub hasher: Hasher,
    /// Where the login and registration counters are.
    pub limiter: L,
    pub limits: CustomerLimits,
    pub clock: Clock,
}

impl<S: CustomerStore + Clone, K: ClaimsSigner, L: Limiter> App<S, K, L> {
    /// The handlers' state with the production password hasher and the system clock.
    pub fn new(store: S, issuer: Issuer<K>, limiter: L, limits: CustomerLimits) -> Self {
        Self {
            store,
            issuer,
            hasher: Hasher::default(),
            limiter,
            limits,
            clock: Clock::System,
        }
    }

    /// 429 when the login's account or address is locked out now.
    async fn check_login(&self, keys: &LoginKeys) -> Result<(), CustomerError> {
        let now = self.clock.now_ms();
        let (account, address) = tokio::join!(
            locked(&self.limiter, keys.account.as_deref(), now),
            locked(&self.limiter, keys.address.as_deref(), now),
        );
        match account?.and(address?) {
            Verdict::Allowed => Ok(()),
            Verdict::Limited { retry_after_secs } => {
                Err(CustomerError::TooManyLogins(retry_after_secs))
            }
        }
    }

    /// Counts a failed login against its account and its address.
    async fn strike_login(&self, keys: &LoginKeys) -> Result<(), CustomerError> {
        let now = self.clock.now_ms();
        let (account, address) = tokio::join!(
            strike(
                &self.limiter,
                keys.account.as_deref(),
                &self.limits.login_account,
                now
            ),
            strike(
                &self.limiter,
                keys.address.as_deref(),
                &self.limits.login_address,
                now
            ),
        );
        account.and(address)
    }

    /// Takes one registration from the address's bucket; 429 when it is empty.
    async fn take_registration(&self, source: SourceIp) -> Result<(), CustomerError> {
        let Some(ip) = source.0 else {
            return Ok(());
        };
        let verdict = self
            .limiter
            .take(
                &registration_key(ip),
                &self.limits.registrations,
                self.clock.now_ms(),
            )
            .await?;
        match verdict {
            Verdict::Allowed => Ok(()),
            Verdict::Limited { retry_after_secs } => {
                Err(CustomerError::TooManyRegistrations(retry_after_secs))
            }
        }
    }
}

/// Counts a failure of `key` (when there is one) at `now`.
async fn strike<L: Limiter>(
    limiter: &L,
    key: Option<&str>,
    policy: &Lockout,
    now: i64,
) -> Result<(), CustomerError> {
    if let Some(key) = key {
        limiter.strike(key, policy, now).await?;
    }
    Ok(())
}

/// Whether `key` (when there is one) is locked out at `now`.
async fn locked<L: Limiter>(
    limiter: &L,
    key: Option<&str>,
    now: i64,
) -> Result<Verdict, CustomerError> {
    match key {
        Some(key) => Ok(limiter.lock_status(key, now).await?),
        None => Ok(Verdict::Allowed),
    }
}

pub fn router<S: CustomerStore + Clone, K: ClaimsSigner, L: Limiter>(app: App<S, K, L>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/v1/customers", post(register::<S, K, L>))
        .route("/v1/auth/login", post(login::<S, K, L>))
        .route("/v1/auth/refresh", post(refresh::<S, K, L>))
        .route(
            "/v1/customers/me",
            get(me::<S, K, L>).put(update_me::<S, K, L>),
        )
        .route("/internal/admins", post(ensure_admin::<S, K, L>))
        .route("/internal/customers/{id}/contact", get(contact::<S, K, L>))
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
            CustomerError::TooManyLogins(secs) => ApiError::too_many_requests(
                "too_many_login_attempts",
                format!(
                    "too many failed logins for this account or from this address; \
                     retry in {secs} seconds"
                ),
                secs,
            ),
            CustomerError::TooManyRegistrations(secs) => ApiError::too_many_requests(
                "too_many_registrations",
                format!("too many registrations from this address; retry in {secs} seconds"),
                secs,
            ),
            CustomerError::Limits(why) => {
                tracing::error!(error = %why, "the limits cannot be checked; refusing");
                ApiError::unavailable(
                    "rate_limit_unavailable",
                    "sign-in and registration cannot be checked right now; retry in a moment",
                )
                .retry_after(2)
            }
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
    new_account(hasher, input.validate()?, roles).await
}

/// The account of a valid registration, as of now (its password hashed).
async fn new_account(
    hasher: &Hasher,
    reg: Registration,
    roles: Vec<String>,
) -> Result<Account, ApiError> {
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
        (status = 429, description = "`too_many_registrations`: too many from this address (20 an hour, 10 at once, unless the deployment says otherwise); retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "seconds until the next registration fits"))),
        (status = 503, description = "`rate_limit_unavailable`: the limits cannot be checked; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json"),
    ))]
async fn register<S: CustomerStore + Clone, K: ClaimsSigner, L: Limiter>(
    State(app): State<App<S, K, L>>,
    source: SourceIp,
    JsonBody(input): JsonBody<RegisterInput>,
) -> Result<Response, ApiError> {
    let reg = input.validate()?;
    // Counted once valid, before the password is hashed (the expensive part).
    app.take_registration(source).await?;
    let account = new_account(&app.hasher, reg, domain::shopper_roles()).await?;
    app.store.create(&account).await?;
    tracing::info!(customer_id = %account.customer.id, "customer registered");
    Ok((StatusCode::CREATED, Json(account.customer)).into_response())
}

/// Log in: a token for `Authorization: Bearer`.
#[utoipa::path(post, path = "/v1/auth/login", tag = "customers", request_body = LoginInput,
    responses(
        (status = 200, description = "A token (15 minutes) and the account", body = Session),
        (status = 401, description = "`invalid_credentials`: the email or the password is wrong", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_login_attempts`: too many failed logins for this account (5 in 15 minutes) or from this address (50); locked for a minute, twice as long after each further lockout up to 15 minutes (unless the deployment says otherwise), even with the right password; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "seconds until the lock ends"))),
        (status = 503, description = "`rate_limit_unavailable`: failed logins cannot be counted; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json"),
    ))]
async fn login<S: CustomerStore + Clone, K: ClaimsSigner, L: Limiter>(
    State(app): State<App<S, K, L>>,
    source: SourceIp,
    JsonBody(input): JsonBody<LoginInput>,
) -> Result<Response, ApiError> {
    let email = input.lookup_email();
    let keys = LoginKeys::new(email.as_deref(), source.0);
    // A locked account or address is refused before its password is looked at.
    app.check_login(&keys).await?;
    let account = match &email {
        Some(email) => app.store.by_email(email).await?,
        None => None,
    };
    let hasher = app.hasher.clone();
    let checked =
        blocking(move || Ok(domain::authenticate(&hasher, account, &input.password))).await?;
    let account = match checked {
        Ok(account) => account,
        Err(refused) => {
            tracing::info!("login refused");
            app.strike_login(&keys).await?;
            return Err(refused.into());
        }
    };
    if let Some(key) = &keys.account
        && let Err(e) = app.limiter.forget(key).await
    {
        // The failures stay counted until they expire; the login itself is good.
        tracing::warn!(error = %e, "could not forget the account's failed logins");
    }
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
async fn refresh<S: CustomerStore + Clone, K: ClaimsSigner, L: Limiter>(
    State(app): State<App<S, K, L>>,
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
async fn me<S: CustomerStore + Clone, K: ClaimsSigner, L: Limiter>(
    State(app): State<App<S, K, L>>,
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
async fn update_me<S: CustomerStore + Clone, K: ClaimsSigner, L: Limiter>(
    State(app): State<App<S, K, L>>,
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

async fn ensure_admin<S: CustomerStore + Clone, K: ClaimsSigner, L: Limiter>(
    State(app): State<App<S, K, L>>,
    _internal: Internal,
    JsonBody(input): JsonBody<RegisterInput>,
) -> Result<Response, ApiError> {
    let admin = account_for(&app.hasher, input, domain::admin_roles()).await?;
    let customer = app.store.ensure_admin(&admin).await?;
    tracing::info!(customer_id = %customer.id, "admin account ensured");
    Ok(Json(customer).into_response())
}

/// Where to write to a customer: the gateway reads it when an order is placed, so the
/// order's emails reach the shopper. The email is never logged.
async fn contact<S: CustomerStore + Clone, K: ClaimsSigner, L: Limiter>(
    State(app): State<App<S, K, L>>,
    _internal: Internal,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Response, ApiError> {
    let account = app
        .store
        .by_id(&id)
        .await?
        .ok_or(CustomerError::NotFound(id))?;
    Ok(Json(sagaway_contract::order::CustomerContact {
        customer_id: account.customer.id,
        email: account.customer.email,
    })
    .into_response())
}

/// The customer service's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(register, login, refresh, me, update_me),
    tags((name = "customers", description = "accounts, tokens, profiles"))
)]
pub struct ApiDoc;
