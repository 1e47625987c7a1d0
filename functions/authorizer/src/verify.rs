//! Token verification rules.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use sagaway_shared::auth::{AUDIENCE, Claims, ISSUER, Rejection};

/// Seconds of clock skew tolerated on `exp`.
pub const LEEWAY_SECS: u64 = 30;

/// Verifies `token`; `Err` says why it is refused.
pub fn verify(token: &str, key: &DecodingKey) -> Result<Claims, Rejection> {
    let mut v = Validation::new(Algorithm::EdDSA);
    v.algorithms = vec![Algorithm::EdDSA];
    v.set_issuer(&[ISSUER]);
    v.set_audience(&[AUDIENCE]);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    v.leeway = LEEWAY_SECS;
    v.validate_exp = true;
    match jsonwebtoken::decode::<Claims>(token, key, &v) {
        Ok(data) if !data.claims.sub.is_empty() => Ok(data.claims),
        Ok(_) => Err(Rejection::Invalid),
        Err(e) => match e.kind() {
            ErrorKind::ExpiredSignature => Err(Rejection::Expired),
            _ => Err(Rejection::Invalid),
        },
    }
}

/// The token of an `Authorization: Bearer <token>` header value.
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() {
        Some(token.trim())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use jsonwebtoken::Header;
    use sagaway_shared::keys::SigningKey;

    fn key() -> SigningKey {
        SigningKey::from_pkcs8(&SigningKey::generate_pkcs8().unwrap()).unwrap()
    }

    fn claims(exp_offset: i64) -> Claims {
        let now = chrono::Utc::now().timestamp();
        Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: "c-1".into(),
            roles: vec!["customer".into()],
            iat: now,
            exp: now + exp_offset,
            jti: "j".into(),
        }
    }

    fn sign(k: &SigningKey, c: &Claims) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), c, &k.encoding).unwrap()
    }

    #[test]
    fn good_token_verifies() {
        let k = key();
        let t = sign(&k, &claims(60));
        assert_eq!(
            verify(&t, &k.public.decoding_key().unwrap()).unwrap().sub,
            "c-1"
        );
    }

    #[test]
    fn expired_wrong_key_tampered_none_and_wrong_audience_fail() {
        let k = key();
        let dk = k.public.decoding_key().unwrap();
        assert_eq!(
            verify(&sign(&k, &claims(-120)), &dk),
            Err(Rejection::Expired)
        );
        assert_eq!(
            verify(&sign(&key(), &claims(60)), &dk),
            Err(Rejection::Invalid)
        );
        let t = sign(&k, &claims(60));
        let parts: Vec<&str> = t.split('.').collect();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut c = claims(60);
        c.roles.push("admin".into());
        let forged = b64.encode(serde_json::to_vec(&c).unwrap());
        let tampered = format!("{}.{}.{}", parts[0], forged, parts[2]);
        assert_eq!(verify(&tampered, &dk), Err(Rejection::Invalid));
        let none_header = b64.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let none = format!("{}.{}.", none_header, parts[1]);
        assert_eq!(verify(&none, &dk), Err(Rejection::Invalid));
        let mut other_aud = claims(60);
        other_aud.aud = "someone-else".into();
        assert_eq!(verify(&sign(&k, &other_aud), &dk), Err(Rejection::Invalid));
        assert_eq!(verify("garbage", &dk), Err(Rejection::Invalid));
    }

    #[test]
    fn bearer_header() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
    }
}
