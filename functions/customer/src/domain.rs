//! Customer domain: who a customer is and every rule about registering and logging in.
//!
//! - Emails are trimmed and lower-cased; one account per email.
//! - Passwords are 10–128 characters and stored only as argon2id hashes (PHC strings).
//! - A failed login never says whether the email or the password was wrong.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, password_hash::rand_core::OsRng};
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
    #[error("the signing key is unavailable: {0}")]
    Keys(String),
}

/// A postal address for shipping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    #[schema(min_length = 1, max_length = 200, example = "Unter den Linden 1")]
    pub line1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub line2: Option<String>,
    #[schema(min_length = 1, max_length = 100, example = "Berlin")]
    pub city: String,
    #[schema(min_length = 1, max_length = 20, example = "10117")]
    pub postal_code: String,
    /// ISO 3166-1 alpha-2, e.g. `DE`.
    #[schema(pattern = "^[A-Z]{2}$", example = "DE")]
    pub country: String,
}

impl Address {
    fn validate(&self) -> Result<(), ValidationError> {
        for (field, value, max) in [
            ("shipping_address.line1", &self.line1, 200),
            ("shipping_address.city", &self.city, 100),
            ("shipping_address.postal_code", &self.postal_code, 20),
        ] {
            let len = value.trim().chars().count();
            if len == 0 || len > max {
                return Err(invalid(field, format!("must be 1 to {max} characters")));
            }
        }
        if self.line2.as_ref().is_some_and(|l| l.chars().count() > 200) {
            return Err(invalid(
                "shipping_address.line2",
                "must be at most 200 characters",
            ));
        }
        if self.country.len() != 2 || !self.country.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(invalid(
                "shipping_address.country",
                "must be a two-letter country code such as DE or US",
            ));
        }
        Ok(())
    }
}

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

/// Hashes a password with argon2id (random salt, the crate's default cost).
pub fn hash_password(password: &str) -> Result<String, CustomerError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CustomerError::Store(format!("hashing failed: {e}")))
}

/// Checks a password against a stored hash. A malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of nothing in particular, verified against when the email is unknown so that a
/// failed login takes as long whichever part was wrong.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FnYXdheWR1bW15c2FsdA$k0cWcl2Fr1b8jtH5dXw0mqmN8qXnGhd8U7y8c3vO2Ks";

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

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong horse battery", &h));
        assert!(!verify_password("anything", "not a hash"));
        assert!(!verify_password("anything", DUMMY_HASH));
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
    }
}
