//! Issuing JWTs: EdDSA over [`Claims`], signed with the key from Secrets Manager (loaded once
//! per warm Lambda).

use crate::domain::{Customer, CustomerError};
use jsonwebtoken::{Algorithm, Header};
use sagaway_shared::auth::{AUDIENCE, Claims, ISSUER, TOKEN_TTL_SECS};
use sagaway_shared::keys::{KeyStore, SigningKey};
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// A token as the API returns it.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedToken {
    pub token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub expires_at: i64,
}

/// Signs tokens.
#[derive(Clone)]
pub struct Issuer {
    keys: KeyStore,
    key: Arc<OnceCell<Arc<SigningKey>>>,
}

impl Issuer {
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

    /// A fresh token for `customer`.
    pub async fn issue(&self, customer: &Customer) -> Result<IssuedToken, CustomerError> {
        let key = self.key().await?;
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: customer.id.clone(),
            roles: customer.roles.clone(),
            iat: now,
            exp: now + TOKEN_TTL_SECS,
            jti: uuid::Uuid::new_v4().to_string(),
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(key.kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &key.encoding)
            .map_err(|e| CustomerError::Keys(e.to_string()))?;
        Ok(IssuedToken {
            token,
            token_type: "Bearer",
            expires_in: TOKEN_TTL_SECS,
            expires_at: claims.exp,
        })
    }
}
