//! The JWT signing key pair, kept in AWS Secrets Manager and created on first use.
//!
//! - `JWT_SIGNING_SECRET` names the secret with the private key (PKCS#8, base64). Only the
//!   customer service may read or create it.
//! - `JWT_PUBLIC_SECRET` names the secret with the public key (`{"kid", "x"}`, `x` the raw
//!   Ed25519 key, base64url). The authorizer reads only this one.
//!
//! The first login generates the pair and creates both secrets with `CreateSecret`, which fails
//! if the secret exists: when two cold starts race, one wins and the other reads the winner's
//! key. The key never passes through Terraform, so it is never in Terraform state.

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::DisplayErrorContext;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{DecodingKey, EncodingKey};
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde::{Deserialize, Serialize};

/// Why a key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("Secrets Manager failed: {0}")]
    SecretsManager(String),
    #[error("the secret {0} does not hold a valid key: {1}")]
    Corrupt(String, String),
    #[error("could not generate a key pair: {0}")]
    Generate(String),
}

/// The published half of the pair.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PublicKey {
    pub kid: String,
    /// Raw Ed25519 public key, base64url without padding (the JWK `x`).
    pub x: String,
}

impl PublicKey {
    pub fn decoding_key(&self) -> Result<DecodingKey, KeyError> {
        DecodingKey::from_ed_components(&self.x)
            .map_err(|e| KeyError::Corrupt("public key".into(), e.to_string()))
    }
}

/// The private half, ready to sign.
pub struct SigningKey {
    pub kid: String,
    pub encoding: EncodingKey,
    pub public: PublicKey,
}

impl SigningKey {
    /// Builds the signing key from PKCS#8 bytes.
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, KeyError> {
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8)
            .map_err(|e| KeyError::Corrupt("signing key".into(), e.to_string()))?;
        let raw = pair.public_key().as_ref();
        let digest = ring::digest::digest(&ring::digest::SHA256, raw);
        let kid = URL_SAFE_NO_PAD.encode(&digest.as_ref()[..12]);
        Ok(Self {
            kid: kid.clone(),
            encoding: EncodingKey::from_ed_der(pkcs8),
            public: PublicKey {
                kid,
                x: URL_SAFE_NO_PAD.encode(raw),
            },
        })
    }

    /// A new random key pair, as PKCS#8.
    pub fn generate_pkcs8() -> Result<Vec<u8>, KeyError> {
        let doc = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .map_err(|e| KeyError::Generate(e.to_string()))?;
        Ok(doc.as_ref().to_vec())
    }
}

/// Reads (and on first use creates) the key pair in Secrets Manager.
#[derive(Clone, Debug)]
pub struct KeyStore {
    client: Client,
    signing_secret: String,
    public_secret: String,
}

fn sm_err<E: std::error::Error + 'static>(e: E) -> KeyError {
    KeyError::SecretsManager(DisplayErrorContext(&e).to_string())
}

impl KeyStore {
    pub fn new(client: Client, signing_secret: String, public_secret: String) -> Self {
        Self {
            client,
            signing_secret,
            public_secret,
        }
    }

    async fn read(&self, name: &str) -> Result<Option<String>, KeyError> {
        match self.client.get_secret_value().secret_id(name).send().await {
            Ok(out) => Ok(out.secret_string().map(str::to_string)),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_resource_not_found_exception()) =>
            {
                Ok(None)
            }
            Err(e) => Err(sm_err(e)),
        }
    }

    /// Creates the secret; `false` when it already existed.
    async fn create(&self, name: &str, value: &str, description: &str) -> Result<bool, KeyError> {
        match self
            .client
            .create_secret()
            .name(name)
            .description(description)
            .secret_string(value)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_resource_exists_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(sm_err(e)),
        }
    }

    /// The signing key, created (with its public half) if this is the first use.
    pub async fn signing_key(&self) -> Result<SigningKey, KeyError> {
        let pkcs8_b64 = match self.read(&self.signing_secret).await? {
            Some(v) => v,
            None => {
                let fresh = STANDARD.encode(SigningKey::generate_pkcs8()?);
                if self
                    .create(
                        &self.signing_secret,
                        &fresh,
                        "sagaway JWT signing key (Ed25519, PKCS#8, base64)",
                    )
                    .await?
                {
                    tracing::info!(secret = %self.signing_secret, "created the JWT signing key");
                    fresh
                } else {
                    self.read(&self.signing_secret).await?.ok_or_else(|| {
                        KeyError::SecretsManager(
                            "the signing secret exists but has no value".into(),
                        )
                    })?
                }
            }
        };
        let pkcs8 = STANDARD
            .decode(pkcs8_b64.trim())
            .map_err(|e| KeyError::Corrupt(self.signing_secret.clone(), e.to_string()))?;
        let key = SigningKey::from_pkcs8(&pkcs8)?;
        // Publish the public half (idempotent: the same key gives the same value).
        match self.public_key().await? {
            Some(p) if p == key.public => {}
            Some(_) => {
                self.client
                    .put_secret_value()
                    .secret_id(&self.public_secret)
                    .secret_string(public_json(&key.public)?)
                    .send()
                    .await
                    .map_err(sm_err)?;
            }
            None => {
                self.create(
                    &self.public_secret,
                    &public_json(&key.public)?,
                    "sagaway JWT public key (Ed25519, JWK x)",
                )
                .await?;
            }
        }
        Ok(key)
    }

    /// The public key, or `None` before the first login created the pair.
    pub async fn public_key(&self) -> Result<Option<PublicKey>, KeyError> {
        match self.read(&self.public_secret).await? {
            None => Ok(None),
            Some(json) => serde_json::from_str(&json)
                .map(Some)
                .map_err(|e| KeyError::Corrupt(self.public_secret.clone(), e.to_string())),
        }
    }
}

fn public_json(p: &PublicKey) -> Result<String, KeyError> {
    serde_json::to_string(p).map_err(|e| KeyError::Corrupt("public key".into(), e.to_string()))
}

/// A Secrets Manager client that honours the custom endpoint.
pub async fn secrets_client(config: &impl AsRef<sagaway_shared::config::Runtime>) -> Client {
    Client::new(&sagaway_shared::aws::sdk_config(config.as_ref()).await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{Algorithm, Header, Validation};

    #[test]
    fn a_generated_pair_signs_and_verifies() {
        let key = SigningKey::from_pkcs8(&SigningKey::generate_pkcs8().unwrap()).unwrap();
        let claims = serde_json::json!({"sub": "c", "exp": 4_000_000_000u64});
        let token =
            jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), &claims, &key.encoding).unwrap();
        let mut v = Validation::new(Algorithm::EdDSA);
        v.required_spec_claims.clear();
        v.validate_aud = false;
        let data = jsonwebtoken::decode::<serde_json::Value>(
            &token,
            &key.public.decoding_key().unwrap(),
            &v,
        )
        .unwrap();
        assert_eq!(data.claims["sub"], "c");
        // Another key does not verify it.
        let other = SigningKey::from_pkcs8(&SigningKey::generate_pkcs8().unwrap()).unwrap();
        assert!(
            jsonwebtoken::decode::<serde_json::Value>(
                &token,
                &other.public.decoding_key().unwrap(),
                &v
            )
            .is_err()
        );
    }
}
