//! Token verification rules.
//!
//! A token is accepted only when all of these hold:
//! - it is an EdDSA JWS signed with the current key (no other algorithm, no `none`);
//! - `iss` is [`ISSUER`], `aud` is [`AUDIENCE`], `sub` is not empty;
//! - `exp` has not passed (with [`LEEWAY_SECS`] of clock skew; else [`Rejection::Expired`]);
//! - `nbf`, when present, has been reached (with [`LEEWAY_SECS`] of clock skew);
//! - `iat` is present and at most [`MAX_IAT_SKEW_SECS`] in the future;
//! - its lifetime `exp - iat` is between 0 and [`TOKEN_TTL_SECS`], the lifetime the
//!   customer service gives every token, so a token minted with a longer life is refused.
//!
//! Everything but an expired `exp` is [`Rejection::Invalid`].

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use sagaway_shared::auth::{AUDIENCE, Claims, EXP_LEEWAY_SECS, ISSUER, Rejection, TOKEN_TTL_SECS};
use serde::Deserialize;

/// Seconds of clock skew tolerated on `exp` and `nbf` (the functions apply the same to a
/// cached verdict's `exp`).
pub const LEEWAY_SECS: u64 = EXP_LEEWAY_SECS.unsigned_abs();
/// How far in the future `iat` may be (the issuer's clock running ahead of ours).
pub const MAX_IAT_SKEW_SECS: i64 = 60;

/// The claims as they are decoded: [`Claims`] (where `iat` is required) plus the optional
/// `nbf`, which [`Claims`] does not carry.
#[derive(Debug, Deserialize)]
struct TokenClaims {
    #[serde(flatten)]
    claims: Claims,
    #[serde(default)]
    nbf: Option<i64>,
}

/// Verifies `token`; `Err` says why it is refused.
pub fn verify(token: &str, key: &DecodingKey) -> Result<Claims, Rejection> {
    verify_at(token, key, chrono::Utc::now().timestamp())
}

/// [`verify`] with the time rules applied at `now` (Unix seconds). The signature, `iss`,
/// `aud` and `exp` checks are jsonwebtoken's, at its own clock.
fn verify_at(token: &str, key: &DecodingKey, now: i64) -> Result<Claims, Rejection> {
    let mut v = Validation::new(Algorithm::EdDSA);
    v.algorithms = vec![Algorithm::EdDSA];
    v.set_issuer(&[ISSUER]);
    v.set_audience(&[AUDIENCE]);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    v.leeway = LEEWAY_SECS;
    v.validate_exp = true;
    // Also refuses a malformed `nbf`; the value itself is checked again below.
    v.validate_nbf = true;
    let data = match jsonwebtoken::decode::<TokenClaims>(token, key, &v) {
        Ok(data) => data,
        Err(e) => {
            return match e.kind() {
                ErrorKind::ExpiredSignature => Err(Rejection::Expired),
                _ => Err(Rejection::Invalid),
            };
        }
    };
    let TokenClaims { claims, nbf } = data.claims;
    if claims.sub.is_empty() {
        return Err(Rejection::Invalid);
    }
    check_times(&claims, nbf, now)?;
    Ok(claims)
}

/// The `nbf`, `iat` and lifetime rules (the `exp` rule is jsonwebtoken's).
fn check_times(claims: &Claims, nbf: Option<i64>, now: i64) -> Result<(), Rejection> {
    let leeway = LEEWAY_SECS as i64;
    if nbf.is_some_and(|nbf| nbf > now.saturating_add(leeway)) {
        return Err(Rejection::Invalid);
    }
    if claims.iat > now.saturating_add(MAX_IAT_SKEW_SECS) {
        return Err(Rejection::Invalid);
    }
    let lifetime = claims.exp.saturating_sub(claims.iat);
    if !(0..=TOKEN_TTL_SECS).contains(&lifetime) {
        return Err(Rejection::Invalid);
    }
    Ok(())
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
    use sagaway_keys::SigningKey;

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

    /// Signs arbitrary claims (to add `nbf` or leave `iat` out).
    fn sign_json(k: &SigningKey, c: &serde_json::Value) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), c, &k.encoding).unwrap()
    }

    /// Valid claims as JSON with `iat` and `exp` at these offsets from now.
    fn json_claims(iat_offset: i64, exp_offset: i64) -> serde_json::Value {
        let now = chrono::Utc::now().timestamp();
        serde_json::json!({
            "iss": ISSUER, "aud": AUDIENCE, "sub": "c-1", "roles": ["customer"],
            "iat": now + iat_offset, "exp": now + exp_offset, "jti": "j",
        })
    }

    fn check(c: &serde_json::Value) -> Result<Claims, Rejection> {
        let k = key();
        verify(&sign_json(&k, c), &k.public.decoding_key().unwrap())
    }

    #[test]
    fn nbf_in_the_future_is_refused() {
        let now = chrono::Utc::now().timestamp();
        let mut c = json_claims(0, 600);
        c["nbf"] = (now + 3600).into();
        assert_eq!(check(&c), Err(Rejection::Invalid));
        // Within the clock-skew leeway, or already reached: accepted.
        c["nbf"] = (now + 10).into();
        assert!(check(&c).is_ok());
        c["nbf"] = now.into();
        assert!(check(&c).is_ok());
        // Not a number: refused.
        c["nbf"] = "soon".into();
        assert_eq!(check(&c), Err(Rejection::Invalid));
    }

    #[test]
    fn iat_more_than_a_minute_ahead_is_refused() {
        assert_eq!(check(&json_claims(120, 600)), Err(Rejection::Invalid));
        assert!(check(&json_claims(59, 600)).is_ok());
    }

    #[test]
    fn iat_is_required() {
        let mut c = json_claims(0, 600);
        c.as_object_mut().unwrap().remove("iat");
        assert_eq!(check(&c), Err(Rejection::Invalid));
    }

    #[test]
    fn lifetime_longer_than_issued_is_refused() {
        let ten_years = 10 * 365 * 24 * 3600;
        assert_eq!(check(&json_claims(0, ten_years)), Err(Rejection::Invalid));
        assert_eq!(
            check(&json_claims(0, TOKEN_TTL_SECS + 1)),
            Err(Rejection::Invalid)
        );
        // Exactly the issued lifetime passes.
        assert_eq!(check(&json_claims(0, TOKEN_TTL_SECS)).unwrap().sub, "c-1");
        // A token that expires before it was issued is nonsense.
        assert_eq!(check(&json_claims(50, 10)), Err(Rejection::Invalid));
    }

    #[test]
    fn time_rule_boundaries() {
        let now = 1_700_000_000;
        let at = |iat: i64, exp: i64| Claims {
            iat,
            exp,
            ..claims(0)
        };
        let ok = at(now, now + TOKEN_TTL_SECS);
        assert_eq!(check_times(&ok, None, now), Ok(()));
        assert_eq!(check_times(&ok, Some(now + 30), now), Ok(()));
        assert_eq!(
            check_times(&ok, Some(now + 31), now),
            Err(Rejection::Invalid)
        );
        let ahead = |s: i64| at(now + s, now + s + 60);
        assert_eq!(check_times(&ahead(60), None, now), Ok(()));
        assert_eq!(check_times(&ahead(61), None, now), Err(Rejection::Invalid));
        assert_eq!(
            check_times(&at(i64::MIN, now + 60), None, now),
            Err(Rejection::Invalid)
        );
        assert_eq!(
            check_times(&at(now, i64::MAX), Some(i64::MIN), now),
            Err(Rejection::Invalid)
        );
    }

    #[test]
    fn bearer_header() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
    }
}
