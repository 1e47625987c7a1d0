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
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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
        let claims = claims_for(customer, chrono::Utc::now().timestamp());
        let token = sign(&key, &claims).map_err(|e| CustomerError::Keys(e.to_string()))?;
        Ok(IssuedToken {
            token,
            token_type: "Bearer",
            expires_in: TOKEN_TTL_SECS,
            expires_at: claims.exp,
        })
    }
}

/// The claims of a token issued at `now`: it lives exactly [`TOKEN_TTL_SECS`], the longest
/// lifetime the authorizer accepts.
fn claims_for(customer: &Customer, now: i64) -> Claims {
    Claims {
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        sub: customer.id.clone(),
        roles: customer.roles.clone(),
        iat: now,
        exp: now + TOKEN_TTL_SECS,
        jti: uuid::Uuid::new_v4().to_string(),
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

fn sign(key: &SigningKey, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(key.kid.clone());
    let signed = SignedClaims {
        claims,
        nbf: claims.iat,
    };
    jsonwebtoken::encode(&header, &signed, &key.encoding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::Validation;

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

    #[test]
    fn issued_tokens_live_exactly_the_ttl_and_start_at_iat() {
        let key = SigningKey::from_pkcs8(&SigningKey::generate_pkcs8().unwrap()).unwrap();
        let now = chrono::Utc::now().timestamp();
        let claims = claims_for(&customer(), now);
        assert_eq!(claims.iat, now);
        assert_eq!(claims.exp - claims.iat, TOKEN_TTL_SECS);
        let token = sign(&key, &claims).unwrap();
        let mut v = Validation::new(Algorithm::EdDSA);
        v.set_issuer(&[ISSUER]);
        v.set_audience(&[AUDIENCE]);
        v.validate_nbf = true;
        let decoded = jsonwebtoken::decode::<serde_json::Value>(
            &token,
            &key.public.decoding_key().unwrap(),
            &v,
        )
        .unwrap();
        assert_eq!(decoded.header.kid.as_deref(), Some(key.kid.as_str()));
        let c = decoded.claims;
        assert_eq!(c["iat"], now);
        assert_eq!(c["nbf"], now);
        assert_eq!(c["exp"], now + TOKEN_TTL_SECS);
        assert_eq!(c["sub"], "c-1");
        // The claims still decode as `Claims`.
        let back: Claims = serde_json::from_value(c).unwrap();
        assert_eq!(back, claims);
    }
}
