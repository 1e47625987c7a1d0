//! Issuing JWTs: EdDSA over [`Claims`] ([`crate::domain::token_claims`] decides them).
//!
//! [`Issuer`] signs through a [`ClaimsSigner`]: in production [`SecretsManagerKey`], the key
//! from Secrets Manager (loaded once per warm Lambda); in tests [`InMemoryKey`], a key pair
//! generated in the process.

use crate::domain::{self, Customer, CustomerError};
use jsonwebtoken::{Algorithm, Header};
use sagaway_keys::{KeyStore, PublicKey, SigningKey};
use sagaway_shared::auth::{Claims, TOKEN_TTL_SECS};
use serde::Serialize;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// A token as the API returns it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IssuedToken {
    pub token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub expires_at: i64,
}

/// Signs claims into a compact JWT.
pub trait ClaimsSigner: Clone + Send + Sync + 'static {
    fn sign(&self, claims: &Claims) -> impl Future<Output = Result<String, CustomerError>> + Send;
}

/// The signing key in Secrets Manager, created on first use ([`KeyStore`]).
#[derive(Clone)]
pub struct SecretsManagerKey {
    keys: KeyStore,
    key: Arc<OnceCell<Arc<SigningKey>>>,
}

impl SecretsManagerKey {
    pub fn new(keys: KeyStore) -> Self {
        Self {
            keys,
            key: Arc::new(OnceCell::new()),
        }
    }

    async fn key(&self) -> Result<Arc<SigningKey>, CustomerError> {
        self.key
            .get_or_try_init(|| async {
                self.keys
                    .signing_key()
                    .await
                    .map(Arc::new)
                    .map_err(|e| CustomerError::Keys(e.to_string()))
            })
            .await
            .cloned()
    }
}

impl ClaimsSigner for SecretsManagerKey {
    async fn sign(&self, claims: &Claims) -> Result<String, CustomerError> {
        sign(&*self.key().await?, claims)
    }
}

/// A key pair generated in the process, never stored: for tests, which verify the tokens
/// with [`InMemoryKey::public_key`].
#[derive(Clone)]
pub struct InMemoryKey {
    key: Arc<SigningKey>,
}

impl InMemoryKey {
    pub fn generate() -> Result<Self, CustomerError> {
        let key = SigningKey::generate_pkcs8()
            .and_then(|pkcs8| SigningKey::from_pkcs8(&pkcs8))
            .map_err(|e| CustomerError::Keys(e.to_string()))?;
        Ok(Self { key: Arc::new(key) })
    }

    pub fn public_key(&self) -> &PublicKey {
        &self.key.public
    }
}

impl ClaimsSigner for InMemoryKey {
    async fn sign(&self, claims: &Claims) -> Result<String, CustomerError> {
        sign(&self.key, claims)
    }
}

/// Issues tokens with the key of `K`.
#[derive(Clone)]
pub struct Issuer<K = SecretsManagerKey> {
    signer: K,
}

impl Issuer<SecretsManagerKey> {
    /// The production issuer: the key in Secrets Manager.
    pub fn new(keys: KeyStore) -> Self {
        Self::with_signer(SecretsManagerKey::new(keys))
    }
}

impl<K: ClaimsSigner> Issuer<K> {
    pub fn with_signer(signer: K) -> Self {
        Self { signer }
    }

    /// A fresh token for `customer`, issued at `now` (seconds).
    pub async fn issue(&self, customer: &Customer, now: i64) -> Result<IssuedToken, CustomerError> {
        let claims = domain::token_claims(customer, now, uuid::Uuid::new_v4().to_string());
        let token = self.signer.sign(&claims).await?;
        Ok(IssuedToken {
            token,
            token_type: "Bearer",
            expires_in: TOKEN_TTL_SECS,
            expires_at: claims.exp,
        })
    }
}

/// What is signed: the claims plus `nbf` = `iat` (the token is valid from the moment it
/// is issued; [`Claims`] itself has no `nbf`).
#[derive(Serialize)]
struct SignedClaims<'a> {
    #[serde(flatten)]
    claims: &'a Claims,
    nbf: i64,
}

fn sign(key: &SigningKey, claims: &Claims) -> Result<String, CustomerError> {
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(key.kid.clone());
    let signed = SignedClaims {
        claims,
        nbf: claims.iat,
    };
    jsonwebtoken::encode(&header, &signed, &key.encoding)
        .map_err(|e| CustomerError::Keys(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::Validation;
    use sagaway_shared::auth::{AUDIENCE, ISSUER};

    fn customer() -> Customer {
        Customer {
            id: "c-1".into(),
            email: "a@example.com".into(),
            name: "A".into(),
            roles: vec!["customer".into()],
            shipping_address: None,
            created_at: "2025-01-01T00:00:00Z".into(),
            updated_at: "2025-01-01T00:00:00Z".into(),
        }
    }

    fn decode(key: &PublicKey, token: &str) -> jsonwebtoken::TokenData<serde_json::Value> {
        let mut v = Validation::new(Algorithm::EdDSA);
        v.set_issuer(&[ISSUER]);
        v.set_audience(&[AUDIENCE]);
        v.validate_nbf = true;
        jsonwebtoken::decode::<serde_json::Value>(token, &key.decoding_key().unwrap(), &v).unwrap()
    }

    #[tokio::test]
    async fn issued_tokens_live_exactly_the_ttl_and_start_at_iat() {
        let key = InMemoryKey::generate().unwrap();
        let issuer = Issuer::with_signer(key.clone());
        let now = chrono::Utc::now().timestamp();
        let issued = issuer.issue(&customer(), now).await.unwrap();
        assert_eq!(issued.token_type, "Bearer");
        assert_eq!(issued.expires_in, TOKEN_TTL_SECS);
        assert_eq!(issued.expires_at, now + TOKEN_TTL_SECS);
        let decoded = decode(key.public_key(), &issued.token);
        assert_eq!(
            decoded.header.kid.as_deref(),
            Some(key.public_key().kid.as_str())
        );
        let c = decoded.claims;
        assert_eq!(c["iat"], now);
        assert_eq!(c["nbf"], now);
        assert_eq!(c["exp"], now + TOKEN_TTL_SECS);
        assert_eq!(c["sub"], "c-1");
        // The claims still decode as `Claims`.
        let back: Claims = serde_json::from_value(c).unwrap();
        assert_eq!(back.roles, vec!["customer"]);
    }

    #[tokio::test]
    async fn every_token_has_its_own_id_and_another_key_does_not_verify_it() {
        let key = InMemoryKey::generate().unwrap();
        let issuer = Issuer::with_signer(key.clone());
        let now = chrono::Utc::now().timestamp();
        let a = issuer.issue(&customer(), now).await.unwrap();
        let b = issuer.issue(&customer(), now).await.unwrap();
        let (ca, cb) = (
            decode(key.public_key(), &a.token).claims,
            decode(key.public_key(), &b.token).claims,
        );
        assert_ne!(ca["jti"], cb["jti"]);
        let other = InMemoryKey::generate().unwrap();
        let mut v = Validation::new(Algorithm::EdDSA);
        v.set_audience(&[AUDIENCE]);
        assert!(
            jsonwebtoken::decode::<serde_json::Value>(
                &a.token,
                &other.public_key().decoding_key().unwrap(),
                &v
            )
            .is_err()
        );
    }
}
