//! Customer domain: who a customer is and every rule about registering and logging in. No
//! I/O and no clock: callers pass the time (`at`, `now`) and fresh ids in.
//!
//! - Emails are trimmed and lower-cased; one account per email (the stores enforce it
//!   atomically: [`crate::store`]).
//! - Passwords are 10–128 characters and stored only as argon2id hashes (PHC strings,
//!   [`Hasher`]).
//! - A new account is a shopper without an address ([`new_account`]); the internal admin route
//!   creates an admin or resets the account of that email to one ([`reset_to`]).
//! - A profile change changes only the fields it gives ([`apply_profile`]).
//! - A failed login never says whether the email or the password was wrong, and takes as long
//!   either way ([`authenticate`]).
//! - A token carries the account's current roles and lives [`TOKEN_TTL_SECS`]
//!   ([`token_claims`]).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version, password_hash::rand_core::OsRng};
use chrono::{DateTime, SecondsFormat, Utc};
use sagaway_shared::auth::{AUDIENCE, Claims, ISSUER, ROLE_ADMIN, ROLE_CUSTOMER, TOKEN_TTL_SECS};
use serde::{Deserialize, Serialize};

pub const MIN_PASSWORD: usize = 10;
pub const MAX_PASSWORD: usize = 128;
pub const MAX_NAME: usize = 100;
pub const MAX_EMAIL: usize = 254;

pub use sagaway_shared::validation::{ValidationError, invalid};

/// Why a customer operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CustomerError {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error("{} fields are invalid", .0.len())]
    InvalidFields(Vec<ValidationError>),
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("the email or the password is wrong")]
    InvalidCredentials,
    #[error("customer {0} does not exist")]
    NotFound(String),
    #[error("the customer table failed: {0}")]
    Store(String),
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error("the signing key is unavailable: {0}")]
    Keys(String),
    #[error("too many failed logins; retry in {0} s")]
    TooManyLogins(u64),
    #[error("too many registrations from this address; retry in {0} s")]
    TooManyRegistrations(u64),
    #[error("the limits cannot be checked: {0}")]
    Limits(String),
}

impl From<sagaway_shared::limits::LimitError> for CustomerError {
    fn from(e: sagaway_shared::limits::LimitError) -> Self {
        CustomerError::Limits(e.to_string())
    }
}

/// A postal address for shipping: the contract's, with its rules ([`Address::validate`]).
pub use sagaway_contract::address::Address;

/// A customer as the API shows it (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Customer {
    pub id: String,
    pub email: String,
    pub name: String,
    pub roles: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<Address>,
    pub created_at: String,
    pub updated_at: String,
}

/// A stored customer: the customer and the password hash.
#[derive(Debug, Clone)]
pub struct Account {
    pub customer: Customer,
    pub password_hash: String,
}

/// `POST /v1/customers`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterInput {
    #[schema(example = "ada@example.com", format = "email")]
    pub email: String,
    /// 10–128 characters.
    #[schema(example = "correct horse battery", min_length = 10, max_length = 128)]
    pub password: String,
    #[schema(example = "Ada", min_length = 1, max_length = 100)]
    pub name: String,
}

/// A validated registration.
#[derive(Debug, Clone)]
pub struct Registration {
    pub email: String,
    pub password: String,
    pub name: String,
}

impl RegisterInput {
    /// Checks every field; `Err` names each invalid one.
    pub fn validate(self) -> Result<Registration, CustomerError> {
        let email = normalize_email(&self.email);
        let password = check_password(self.password);
        let name = check_name(&self.name);
        match (email, password, name) {
            (Ok(email), Ok(password), Ok(name)) => Ok(Registration {
                email,
                password,
                name,
            }),
            (e, p, n) => Err(CustomerError::InvalidFields(
                [e.err(), p.err(), n.err()].into_iter().flatten().collect(),
            )),
        }
    }
}

/// `POST /v1/auth/login`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
}

/// `PUT /v1/customers/me`: the fields to change.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileInput {
    #[serde(default)]
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[serde(default)]
    pub shipping_address: Option<Address>,
}

/// A validated profile change.
#[derive(Debug, Clone)]
pub struct ProfileChange {
    pub name: Option<String>,
    pub shipping_address: Option<Address>,
}

impl ProfileInput {
    pub fn validate(self) -> Result<ProfileChange, ValidationError> {
        if self.name.is_none() && self.shipping_address.is_none() {
            return Err(invalid("body", "give name, shipping_address or both"));
        }
        let name = self.name.as_deref().map(check_name).transpose()?;
        if let Some(a) = &self.shipping_address {
            a.validate()?;
        }
        Ok(ProfileChange {
            name,
            shipping_address: self.shipping_address,
        })
    }
}

/// Trims and lower-cases an email and checks its shape.
pub fn normalize_email(raw: &str) -> Result<String, ValidationError> {
    let email = raw.trim().to_lowercase();
    let bad = || invalid("email", "must be an email address such as ada@example.com");
    if email.is_empty() || email.len() > MAX_EMAIL || email.chars().any(char::is_whitespace) {
        return Err(bad());
    }
    let (local, domain) = email.split_once('@').ok_or_else(bad)?;
    if local.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return Err(bad());
    }
    Ok(email)
}

fn check_password(password: String) -> Result<String, ValidationError> {
    let n = password.chars().count();
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&n) {
        return Err(invalid(
            "password",
            format!("must be {MIN_PASSWORD} to {MAX_PASSWORD} characters"),
        ));
    }
    Ok(password)
}

fn check_name(name: &str) -> Result<String, ValidationError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(invalid(
            "name",
            format!("must be 1 to {MAX_NAME} characters"),
        ));
    }
    Ok(name.to_string())
}

/// Now (or any instant) as the service stores it: RFC 3339 UTC with milliseconds, so that
/// timestamps sort as text.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The roles of a registered shopper.
pub fn shopper_roles() -> Vec<String> {
    vec![ROLE_CUSTOMER.to_string()]
}

/// The roles of an admin (an admin is a shopper too).
pub fn admin_roles() -> Vec<String> {
    vec![ROLE_CUSTOMER.to_string(), ROLE_ADMIN.to_string()]
}

/// The account a registration creates at `at`: no shipping address yet, created and updated
/// at the same instant.
pub fn new_account(
    id: String,
    reg: &Registration,
    password_hash: String,
    roles: Vec<String>,
    at: &str,
) -> Account {
    Account {
        customer: Customer {
            id,
            email: reg.email.clone(),
            name: reg.name.clone(),
            roles,
            shipping_address: None,
            created_at: at.to_string(),
            updated_at: at.to_string(),
        },
        password_hash,
    }
}

/// What `POST /internal/admins` makes of an account that already has the admin's email: the
/// same account (id, email, shipping address, creation time) with the admin's name, password
/// and roles, updated when `admin` was made.
pub fn reset_to(existing: &Account, admin: &Account) -> Account {
    Account {
        customer: Customer {
            name: admin.customer.name.clone(),
            roles: admin.customer.roles.clone(),
            updated_at: admin.customer.updated_at.clone(),
            ..existing.customer.clone()
        },
        password_hash: admin.password_hash.clone(),
    }
}

/// A profile change applied at `at`: only the fields it gives change.
pub fn apply_profile(customer: &Customer, change: &ProfileChange, at: &str) -> Customer {
    let mut next = customer.clone();
    if let Some(name) = &change.name {
        next.name.clone_from(name);
    }
    if let Some(address) = &change.shipping_address {
        next.shipping_address = Some(address.clone());
    }
    next.updated_at = at.to_string();
    next
}

impl LoginInput {
    /// The email to look up, or `None` when it cannot belong to an account: a malformed email
    /// gets the same answer as a wrong password, not a validation error.
    pub fn lookup_email(&self) -> Option<String> {
        normalize_email(&self.email).ok()
    }
}

/// The login decision. `account` is the account of the email, `None` when there is none. An
/// unknown email is checked against the hasher's dummy hash, so that a refusal costs the same
/// time whichever part was wrong, and the answer is the same
/// [`CustomerError::InvalidCredentials`].
pub fn authenticate(
    hasher: &Hasher,
    account: Option<Account>,
    password: &str,
) -> Result<Account, CustomerError> {
    let hash = account
        .as_ref()
        .map_or(hasher.dummy_hash(), |a| a.password_hash.as_str());
    let matches = hasher.verify(password, hash);
    match account {
        Some(account) if matches => Ok(account),
        _ => Err(CustomerError::InvalidCredentials),
    }
}

/// The claims of a token for `customer` issued at `now` (seconds): it carries the roles the
/// account has now and lives exactly [`TOKEN_TTL_SECS`], the longest lifetime the authorizer
/// accepts.
pub fn token_claims(customer: &Customer, now: i64, jti: String) -> Claims {
    Claims {
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        sub: customer.id.clone(),
        roles: customer.roles.clone(),
        iat: now,
        exp: now + TOKEN_TTL_SECS,
        jti,
    }
}

/// A hash of nothing in particular, made with the default costs: [`Hasher::default`] verifies
/// against it when the email is unknown (see [`authenticate`]).
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FnYXdheWR1bW15c2FsdA$k0cWcl2Fr1b8jtH5dXw0mqmN8qXnGhd8U7y8c3vO2Ks";

/// Hashes and verifies passwords with argon2id (a random salt per hash).
///
/// Verifying runs with the costs written in the stored hash, so the dummy hash of an unknown
/// email must have the costs of real hashes: each hasher carries its own.
#[derive(Clone)]
pub struct Hasher {
    argon: Argon2<'static>,
    dummy: String,
}

impl Default for Hasher {
    /// The production hasher: the argon2 crate's default costs (m = 19 MiB, t = 2, p = 1).
    fn default() -> Self {
        Self {
            argon: Argon2::default(),
            dummy: DUMMY_HASH.to_string(),
        }
    }
}

impl Hasher {
    /// A hasher with other costs (tests use the minimum to stay fast); its dummy hash is made
    /// here, with the same costs.
    pub fn with_params(params: Params) -> Result<Self, CustomerError> {
        let mut hasher = Self {
            argon: Argon2::new(Algorithm::Argon2id, Version::V0x13, params),
            dummy: String::new(),
        };
        hasher.dummy = hasher.hash("sagaway dummy password")?;
        Ok(hasher)
    }

    /// The cheapest costs argon2 allows: for tests only, never for stored passwords.
    pub fn fastest() -> Result<Self, CustomerError> {
        let params = Params::new(Params::MIN_M_COST, Params::MIN_T_COST, 1, None)
            .map_err(|e| CustomerError::Hashing(e.to_string()))?;
        Self::with_params(params)
    }

    /// The PHC string of `password` with a fresh random salt.
    pub fn hash(&self, password: &str) -> Result<String, CustomerError> {
        let salt = SaltString::generate(&mut OsRng);
        self.argon
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| CustomerError::Hashing(e.to_string()))
    }

    /// Whether `password` matches the stored `hash`. A malformed hash never matches.
    pub fn verify(&self, password: &str, hash: &str) -> bool {
        PasswordHash::new(hash)
            .map(|parsed| {
                self.argon
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    }

    /// What an unknown email is verified against.
    pub fn dummy_hash(&self) -> &str {
        &self.dummy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_and_checked() {
        assert_eq!(
            normalize_email("  Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@x.com",
            "a b@x.com",
            "ada@x",
            "a@b@c.com",
            "ada@.com",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }

    fn fast() -> Hasher {
        Hasher::fastest().unwrap()
    }

    /// The argon2 costs (memory, iterations, parallelism) written in a hash.
    fn costs(hash: &str) -> (u32, u32, u32) {
        let p = Params::try_from(&PasswordHash::new(hash).unwrap()).unwrap();
        (p.m_cost(), p.t_cost(), p.p_cost())
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let hasher = fast();
        let h = hasher.hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(hasher.verify("correct horse battery", &h));
        assert!(!hasher.verify("wrong horse battery", &h));
        assert!(!hasher.verify("anything", "not a hash"));
        assert!(!hasher.verify("anything", hasher.dummy_hash()));
        // A fresh salt each time.
        assert_ne!(h, hasher.hash("correct horse battery").unwrap());
    }

    #[test]
    fn the_dummy_hash_costs_what_a_real_hash_costs() {
        // Verifying runs with the costs in the hash: an unknown email is only as slow as a
        // known one when the dummy hash has the costs of real hashes.
        let production = Hasher::default();
        assert_eq!(production.dummy_hash(), DUMMY_HASH);
        let dummy = PasswordHash::new(DUMMY_HASH).expect("the dummy hash parses");
        assert_eq!(dummy.algorithm.as_str(), "argon2id");
        assert_eq!(
            costs(DUMMY_HASH),
            (
                Params::DEFAULT_M_COST,
                Params::DEFAULT_T_COST,
                Params::DEFAULT_P_COST
            )
        );
        let real = production.hash("correct horse battery").unwrap();
        assert_eq!(costs(&real), costs(DUMMY_HASH));

        let test = fast();
        let real = test.hash("correct horse battery").unwrap();
        assert_eq!(costs(test.dummy_hash()), costs(&real));
        assert_eq!(costs(&real), (Params::MIN_M_COST, Params::MIN_T_COST, 1));
    }

    fn account(hasher: &Hasher, password: &str) -> Account {
        let reg = Registration {
            email: "ada@example.com".into(),
            password: password.into(),
            name: "Ada".into(),
        };
        let hash = hasher.hash(password).unwrap();
        new_account("c-1".into(), &reg, hash, shopper_roles(), AT)
    }

    const AT: &str = "2025-01-01T00:00:00.000Z";
    const LATER: &str = "2025-01-02T00:00:00.000Z";

    #[test]
    fn login_accepts_only_the_right_password_of_a_known_account() {
        let hasher = fast();
        let ada = account(&hasher, "correct horse battery");
        let ok = authenticate(&hasher, Some(ada.clone()), "correct horse battery").unwrap();
        assert_eq!(ok.customer.id, "c-1");
        for (who, password) in [
            (Some(ada.clone()), "wrong horse battery"),
            (Some(ada.clone()), ""),
            (None, "correct horse battery"),
            (None, ""),
        ] {
            assert!(matches!(
                authenticate(&hasher, who, password),
                Err(CustomerError::InvalidCredentials)
            ));
        }
        // A stored hash that is not a hash never lets anyone in.
        let broken = Account {
            password_hash: "plain text".into(),
            ..ada
        };
        assert!(matches!(
            authenticate(&hasher, Some(broken), "plain text"),
            Err(CustomerError::InvalidCredentials)
        ));
    }

    #[test]
    fn login_looks_up_the_normalized_email_or_nothing() {
        let input = |email: &str| LoginInput {
            email: email.into(),
            password: "x".into(),
        };
        assert_eq!(
            input(" Ada@Example.com").lookup_email().as_deref(),
            Some("ada@example.com")
        );
        assert_eq!(input("not an email").lookup_email(), None);
    }

    #[test]
    fn a_new_account_starts_without_an_address() {
        let hasher = fast();
        let a = account(&hasher, "correct horse battery");
        assert_eq!(a.customer.roles, vec!["customer"]);
        assert_eq!(a.customer.email, "ada@example.com");
        assert_eq!(a.customer.shipping_address, None);
        assert_eq!(
            (
                a.customer.created_at.as_str(),
                a.customer.updated_at.as_str()
            ),
            (AT, AT)
        );
        assert_ne!(a.password_hash, "correct horse battery");
        assert_eq!(admin_roles(), vec!["customer", "admin"]);
    }

    #[test]
    fn an_admin_reset_keeps_the_account_and_takes_name_password_and_roles() {
        let hasher = fast();
        let mut existing = account(&hasher, "old password 1");
        existing.customer.shipping_address = Some(address());
        let reg = Registration {
            email: "ada@example.com".into(),
            password: "new password 1".into(),
            name: "Admin Ada".into(),
        };
        let admin = new_account(
            "c-new".into(),
            &reg,
            hasher.hash("new password 1").unwrap(),
            admin_roles(),
            LATER,
        );
        let reset = reset_to(&existing, &admin);
        assert_eq!(reset.customer.id, "c-1");
        assert_eq!(reset.customer.email, "ada@example.com");
        assert_eq!(reset.customer.shipping_address, Some(address()));
        assert_eq!(reset.customer.created_at, AT);
        assert_eq!(reset.customer.updated_at, LATER);
        assert_eq!(reset.customer.name, "Admin Ada");
        assert_eq!(reset.customer.roles, vec!["customer", "admin"]);
        assert!(hasher.verify("new password 1", &reset.password_hash));
        assert!(!hasher.verify("old password 1", &reset.password_hash));
    }

    fn address() -> Address {
        Address {
            line1: "1 Main St".into(),
            line2: None,
            city: "Berlin".into(),
            postal_code: "10115".into(),
            country: "DE".into(),
        }
    }

    #[test]
    fn a_profile_change_changes_only_what_it_gives() {
        let hasher = fast();
        let before = account(&hasher, "correct horse battery").customer;
        let named = apply_profile(
            &before,
            &ProfileChange {
                name: Some("Ada L.".into()),
                shipping_address: None,
            },
            LATER,
        );
        assert_eq!(named.name, "Ada L.");
        assert_eq!(named.shipping_address, None);
        assert_eq!(
            (named.created_at.as_str(), named.updated_at.as_str()),
            (AT, LATER)
        );
        let addressed = apply_profile(
            &named,
            &ProfileChange {
                name: None,
                shipping_address: Some(address()),
            },
            LATER,
        );
        assert_eq!(addressed.name, "Ada L.");
        assert_eq!(addressed.shipping_address, Some(address()));
        let other = Address {
            city: "Paris".into(),
            country: "FR".into(),
            ..address()
        };
        let both = apply_profile(
            &addressed,
            &ProfileChange {
                name: Some("Ada".into()),
                shipping_address: Some(other.clone()),
            },
            LATER,
        );
        assert_eq!(
            (both.name.as_str(), both.shipping_address),
            ("Ada", Some(other))
        );
        assert_eq!(
            (both.id, both.email, both.roles),
            (before.id, before.email, before.roles)
        );
    }

    #[test]
    fn timestamps_are_utc_with_milliseconds() {
        let at = DateTime::parse_from_rfc3339("2025-03-04T05:06:07.089+02:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(timestamp(at), "2025-03-04T03:06:07.089Z");
    }

    #[test]
    fn token_claims_carry_the_current_roles_for_exactly_the_ttl() {
        let hasher = fast();
        let mut c = account(&hasher, "correct horse battery").customer;
        c.roles = admin_roles();
        let claims = token_claims(&c, 1_000, "j-1".into());
        assert_eq!(
            (claims.iss.as_str(), claims.aud.as_str()),
            (ISSUER, AUDIENCE)
        );
        assert_eq!(claims.sub, "c-1");
        assert_eq!(claims.roles, vec!["customer", "admin"]);
        assert_eq!((claims.iat, claims.exp), (1_000, 1_000 + TOKEN_TTL_SECS));
        assert_eq!(claims.jti, "j-1");
    }

    #[test]
    fn password_and_name_limits_count_characters() {
        assert!(check_password("0123456789".into()).is_ok());
        assert!(check_password("012345678".into()).is_err());
        assert!(check_password("ü".repeat(MAX_PASSWORD)).is_ok());
        assert!(check_password("ü".repeat(MAX_PASSWORD + 1)).is_err());
        assert_eq!(check_name("  Ada  ").unwrap(), "Ada");
        assert!(check_name(&"é".repeat(MAX_NAME)).is_ok());
        assert!(check_name(&"é".repeat(MAX_NAME + 1)).is_err());
        assert!(check_name(" \t ").is_err());
        let long = format!("{}@example.com", "a".repeat(MAX_EMAIL));
        assert!(normalize_email(&long).is_err());
    }

    #[test]
    fn registration_rules() {
        let ok = RegisterInput {
            email: "a@b.co".into(),
            password: "0123456789".into(),
            name: "Ada".into(),
        };
        assert!(ok.clone().validate().is_ok());
        let fields = |input: RegisterInput| match input.validate() {
            Err(CustomerError::InvalidFields(v)) => {
                v.into_iter().map(|e| e.field).collect::<Vec<String>>()
            }
            other => panic!("expected invalid fields, got {other:?}"),
        };
        let short = RegisterInput {
            password: "short".into(),
            ..ok.clone()
        };
        assert_eq!(fields(short), vec!["password".to_string()]);
        let all_bad = RegisterInput {
            email: "nope".into(),
            password: "short".into(),
            name: " ".into(),
        };
        assert_eq!(fields(all_bad), vec!["email", "password", "name"]);
    }

    #[test]
    fn profile_rules() {
        assert!(
            ProfileInput {
                name: None,
                shipping_address: None
            }
            .validate()
            .is_err()
        );
        let e = ProfileInput {
            name: None,
            shipping_address: Some(Address {
                line1: "1 Main St".into(),
                line2: None,
                city: "Berlin".into(),
                postal_code: "10115".into(),
                country: "Germany".into(),
            }),
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.field, "shipping_address.country");
        let named = ProfileInput {
            name: Some("  Ada L. ".into()),
            shipping_address: None,
        }
        .validate()
        .unwrap();
        assert_eq!(named.name.as_deref(), Some("Ada L."));
        let blank = ProfileInput {
            name: Some(" ".into()),
            shipping_address: None,
        };
        assert_eq!(blank.validate().unwrap_err().field, "name");
    }
}
