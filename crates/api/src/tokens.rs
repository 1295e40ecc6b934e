//! Access tokens (SECURITY.md S6, S7, S10): short-lived JWTs signed with Ed25519, `kid` in the
//! header, verified with one pinned algorithm and every claim required. Keys live in a JSON
//! file in the data directory (created on first start; share it between replicas) and rotate:
//! a retired key keeps verifying for a grace period, then is dropped.

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use portico_shared::auth::{Jwk, JwkSet};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use uuid::Uuid;

/// The JOSE `typ` of access tokens (RFC 9068 §2.1); other token kinds get other types, so none
/// can stand in for an access token (RFC 8725 §3.11).
pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";
/// The audience of access tokens.
pub const AUDIENCE: &str = "portico-api";
/// Clock skew tolerated on `exp` and `iat` (RFC 8725 §3.10 asks for an explicit, small value).
pub const LEEWAY_SECONDS: i64 = 10;
/// The longest lifetime an access token may claim (15 minutes).
pub const MAX_ACCESS_TTL_SECONDS: i64 = 900;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    /// The user id.
    pub sub: Uuid,
    /// The tenant id.
    pub tid: Uuid,
    /// The session (refresh-token family) this token belongs to.
    pub sid: Uuid,
    pub iat: i64,
    pub exp: i64,
    pub jti: Uuid,
}

/// Why a token was refused. Never shown to clients (they get a plain 401).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("malformed token or header")]
    Malformed,
    #[error("forbidden header: {0}")]
    ForbiddenHeader(&'static str),
    #[error("wrong token type")]
    WrongType,
    #[error("unknown or retired key")]
    UnknownKey,
    #[error("bad signature or claims: {0}")]
    Invalid(String),
    #[error("expired")]
    Expired,
    #[error("issued in the future")]
    NotYetValid,
    #[error("lifetime too long")]
    TooLong,
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    keys: Vec<StoredKey>,
}

#[derive(Clone, Serialize, Deserialize)]
struct StoredKey {
    kid: String,
    /// The 32-byte Ed25519 seed, base64url.
    seed: String,
    created_at: DateTime<Utc>,
    retired_at: Option<DateTime<Utc>>,
}

struct Key {
    stored: StoredKey,
    public: [u8; 32],
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl Key {
    fn generate(now: DateTime<Utc>) -> anyhow::Result<Key> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let stored = StoredKey {
            kid: format!("k-{}", Uuid::now_v7().simple()),
            seed: URL_SAFE_NO_PAD.encode(seed),
            created_at: now,
            retired_at: None,
        };
        Key::from_stored(stored)
    }

    fn from_stored(stored: StoredKey) -> anyhow::Result<Key> {
        let seed: [u8; 32] = URL_SAFE_NO_PAD
            .decode(&stored.seed)
            .ok()
            .and_then(|b| b.try_into().ok())
            .context("a signing key's seed is not 32 bytes of base64url")?;
        let public = ed25519_dalek::SigningKey::from_bytes(&seed)
            .verifying_key()
            .to_bytes();
        // PKCS#8 v1 wrapping of an Ed25519 seed (RFC 8410 §7): a fixed 16-byte prefix.
        let mut pkcs8 = hex::decode("302e020100300506032b657004220420").expect("constant hex");
        pkcs8.extend_from_slice(&seed);
        Ok(Key {
            encoding: EncodingKey::from_ed_der(&pkcs8),
            decoding: DecodingKey::from_ed_der(&public),
            public,
            stored,
        })
    }

    fn usable_at(&self, now: DateTime<Utc>, grace: Duration) -> bool {
        self.stored
            .retired_at
            .is_none_or(|retired| now < retired + grace)
    }
}

/// The signing keys: the current one signs; retired ones verify until their grace period ends.
pub struct KeyRing {
    keys: RwLock<Vec<Key>>,
    file: PathBuf,
    grace: Duration,
    issuer: String,
    verified: std::sync::Mutex<Verified>,
}

/// Access tokens whose signature, header and claims were checked, with their key id and claims:
/// a token cannot change, so its Ed25519 signature (~50 µs, the largest cost of a small
/// request) is checked once; its key's validity and its times are checked on every use, and
/// its session and user by the caller. Bounded: emptied of expired tokens when full, and
/// emptied whole if that is not enough.
#[derive(Default)]
struct Verified(std::collections::HashMap<Box<str>, (String, AccessClaims)>);

/// How many verified access tokens [`KeyRing`] remembers (~0.6 KiB each).
const VERIFIED_CAPACITY: usize = 8192;

impl Verified {
    fn remember(&mut self, token: &str, kid: String, claims: AccessClaims, now: i64) {
        if self.0.len() >= VERIFIED_CAPACITY {
            self.0.retain(|_, (_, c)| c.exp + LEEWAY_SECONDS >= now);
            if self.0.len() >= VERIFIED_CAPACITY {
                self.0.clear();
            }
        }
        self.0.insert(token.into(), (kid, claims));
    }
}

/// A token's times against `now`, with [`LEEWAY_SECONDS`] either way.
fn check_times(iat: i64, exp: i64, now: DateTime<Utc>) -> Result<(), TokenError> {
    let now = now.timestamp();
    if now > exp + LEEWAY_SECONDS {
        return Err(TokenError::Expired);
    }
    if iat > now + LEEWAY_SECONDS {
        return Err(TokenError::NotYetValid);
    }
    if exp - iat > MAX_ACCESS_TTL_SECONDS {
        return Err(TokenError::TooLong);
    }
    Ok(())
}

impl KeyRing {
    /// Reads the key file, or creates it with one fresh key.
    pub fn load_or_create(
        file: &Path,
        issuer: String,
        grace: Duration,
        now: DateTime<Utc>,
    ) -> anyhow::Result<KeyRing> {
        let keys = if file.exists() {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read the signing keys in {}", file.display()))?;
            let parsed: KeyFile = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a signing-keys file", file.display()))?;
            parsed
                .keys
                .into_iter()
                .map(Key::from_stored)
                .collect::<anyhow::Result<Vec<_>>>()?
        } else {
            vec![Key::generate(now)?]
        };
        anyhow::ensure!(
            keys.iter().any(|k| k.stored.retired_at.is_none()),
            "{} holds no current signing key",
            file.display()
        );
        let ring = KeyRing {
            keys: RwLock::new(keys),
            file: file.to_path_buf(),
            grace,
            issuer,
            verified: Default::default(),
        };
        if !file.exists() {
            ring.persist()?;
            tracing::info!(file = %file.display(), "created a new signing key");
        }
        Ok(ring)
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Retires the current key and makes a new one current; keys retired longer than the grace
    /// period are dropped. Returns the new `kid`.
    pub fn rotate(&self, now: DateTime<Utc>) -> anyhow::Result<String> {
        let fresh = Key::generate(now)?;
        let kid = fresh.stored.kid.clone();
        {
            let mut keys = self.keys.write().expect("key ring lock");
            for key in keys.iter_mut().filter(|k| k.stored.retired_at.is_none()) {
                key.stored.retired_at = Some(now);
            }
            keys.retain(|k| k.usable_at(now, self.grace));
            keys.push(fresh);
        }
        self.persist()?;
        Ok(kid)
    }

    fn persist(&self) -> anyhow::Result<()> {
        let file = KeyFile {
            keys: self
                .keys
                .read()
                .expect("key ring lock")
                .iter()
                .map(|k| k.stored.clone())
                .collect(),
        };
        if let Some(dir) = self.file.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let tmp = self.file.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(&file)?)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
        }
        std::fs::rename(&tmp, &self.file)
            .with_context(|| format!("cannot write {}", self.file.display()))?;
        Ok(())
    }

    /// Signs an access token for a session.
    pub fn sign_access(
        &self,
        tenant: Uuid,
        user: Uuid,
        session: Uuid,
        now: DateTime<Utc>,
        ttl_seconds: u64,
    ) -> anyhow::Result<String> {
        let ttl = (ttl_seconds as i64).min(MAX_ACCESS_TTL_SECONDS);
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            aud: AUDIENCE.into(),
            sub: user,
            tid: tenant,
            sid: session,
            iat: now.timestamp(),
            exp: now.timestamp() + ttl,
            jti: Uuid::now_v7(),
        };
        self.sign(&claims, ACCESS_TOKEN_TYPE)
    }

    /// Signs any claims with the current key and the given JOSE `typ`.
    pub fn sign<T: Serialize>(&self, claims: &T, typ: &str) -> anyhow::Result<String> {
        let keys = self.keys.read().expect("key ring lock");
        let key = keys
            .iter()
            .rev()
            .find(|k| k.stored.retired_at.is_none())
            .context("no current signing key")?;
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some(typ.into());
        header.kid = Some(key.stored.kid.clone());
        jsonwebtoken::encode(&header, claims, &key.encoding).context("signing failed")
    }

    /// Verifies an access token: pinned algorithm, no key-carrying headers, known `kid`, exact
    /// type, signature, issuer, audience, and times against `now`.
    pub fn verify_access(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<AccessClaims, TokenError> {
        let known = self
            .verified
            .lock()
            .expect("verified tokens lock")
            .0
            .get(token)
            .cloned();
        if let Some((kid, claims)) = known {
            self.usable_key(&kid, now)?;
            check_times(claims.iat, claims.exp, now)?;
            return Ok(claims);
        }
        let claims = self
            .verify::<AccessClaims>(token, ACCESS_TOKEN_TYPE, AUDIENCE, now, |c| (c.iat, c.exp))?;
        // `verify` accepted it, so its header names a key.
        let kid = jsonwebtoken::decode_header(token)
            .ok()
            .and_then(|h| h.kid)
            .ok_or(TokenError::UnknownKey)?;
        self.verified
            .lock()
            .expect("verified tokens lock")
            .remember(token, kid, claims.clone(), now.timestamp());
        Ok(claims)
    }

    /// Verifies a token of JOSE type `typ` for `audience` the way [`KeyRing::verify_access`]
    /// does, reading its claims as `T`; `times` gives their `(iat, exp)`.
    pub fn verify<T: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        typ: &str,
        audience: &str,
        now: DateTime<Utc>,
        times: impl Fn(&T) -> (i64, i64),
    ) -> Result<T, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        if header.alg != Algorithm::EdDSA {
            return Err(TokenError::Invalid("algorithm".into()));
        }
        // RFC 8725 §3.1: never take keys, or where to fetch them, from the token itself.
        if header.jku.is_some() {
            return Err(TokenError::ForbiddenHeader("jku"));
        }
        if header.jwk.is_some() {
            return Err(TokenError::ForbiddenHeader("jwk"));
        }
        if header.x5u.is_some() || header.x5c.is_some() {
            return Err(TokenError::ForbiddenHeader("x5u/x5c"));
        }
        if header.crit.is_some() {
            return Err(TokenError::ForbiddenHeader("crit"));
        }
        if header.typ.as_deref() != Some(typ) {
            return Err(TokenError::WrongType);
        }
        let kid = header.kid.ok_or(TokenError::UnknownKey)?;
        let decoding = self.usable_key(&kid, now)?;

        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        // Times are checked below against the injectable clock, not the system's.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.leeway = 0;
        let claims = jsonwebtoken::decode::<T>(token, &decoding, &validation)
            .map_err(|e| TokenError::Invalid(e.to_string()))?
            .claims;
        let (iat, exp) = times(&claims);
        check_times(iat, exp, now)?;
        Ok(claims)
    }

    /// The key `kid` if it verifies tokens at `now` (current, or retired within the grace).
    fn usable_key(&self, kid: &str, now: DateTime<Utc>) -> Result<DecodingKey, TokenError> {
        let keys = self.keys.read().expect("key ring lock");
        keys.iter()
            .find(|k| k.stored.kid == kid && k.usable_at(now, self.grace))
            .map(|k| k.decoding.clone())
            .ok_or(TokenError::UnknownKey)
    }

    /// The public keys that verify tokens now (RFC 7517, RFC 8037).
    pub fn jwks(&self, now: DateTime<Utc>) -> JwkSet {
        let keys = self.keys.read().expect("key ring lock");
        JwkSet {
            keys: keys
                .iter()
                .filter(|k| k.usable_at(now, self.grace))
                .map(|k| Jwk {
                    kty: "OKP".into(),
                    crv: "Ed25519".into(),
                    x: URL_SAFE_NO_PAD.encode(k.public),
                    kid: k.stored.kid.clone(),
                    alg: "EdDSA".into(),
                    use_: "sig".into(),
                })
                .collect(),
        }
    }
}

/// A new opaque secret (a refresh token, an emailed link): 256 random bits, base64url.
pub fn new_secret() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// How secrets are stored: SHA-256, hex. They carry 256 random bits, so a fast
/// hash is enough (no dictionary to attack).
pub fn secret_digest(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(dir: &Path) -> KeyRing {
        KeyRing::load_or_create(
            &dir.join("keys.json"),
            "http://portico.test".into(),
            Duration::minutes(15),
            Utc::now(),
        )
        .unwrap()
    }

    #[test]
    fn a_signed_token_verifies_and_survives_a_reload_of_the_key_file() {
        let dir = std::env::temp_dir().join(format!("portico-keys-{}", Uuid::now_v7()));
        let now = Utc::now();
        let token = ring(&dir)
            .sign_access(Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7(), now, 900)
            .unwrap();
        let claims = ring(&dir).verify_access(&token, now).unwrap();
        assert_eq!(claims.aud, AUDIENCE);
        assert_eq!(claims.exp - claims.iat, 900);
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn expiry_is_judged_by_the_given_clock_with_a_small_leeway() {
        let dir = std::env::temp_dir().join(format!("portico-keys-{}", Uuid::now_v7()));
        let keys = ring(&dir);
        let now = Utc::now();
        let token = keys
            .sign_access(Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7(), now, 60)
            .unwrap();
        assert!(
            keys.verify_access(&token, now + Duration::seconds(60 + LEEWAY_SECONDS))
                .is_ok()
        );
        assert_eq!(
            keys.verify_access(&token, now + Duration::seconds(61 + LEEWAY_SECONDS)),
            Err(TokenError::Expired)
        );
        assert_eq!(
            keys.verify_access(&token, now - Duration::seconds(60)),
            Err(TokenError::NotYetValid)
        );
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_token_verified_once_is_still_refused_when_altered_or_when_its_key_retires() {
        let dir = std::env::temp_dir().join(format!("portico-keys-{}", Uuid::now_v7()));
        let keys = KeyRing::load_or_create(
            &dir.join("keys.json"),
            "http://portico.test".into(),
            Duration::minutes(1),
            Utc::now(),
        )
        .unwrap();
        let now = Utc::now();
        let token = keys
            .sign_access(Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7(), now, 600)
            .unwrap();
        let claims = keys.verify_access(&token, now).unwrap();
        assert_eq!(keys.verify_access(&token, now), Ok(claims.clone()));

        // The same signature over other claims: not the token remembered.
        let (head, rest) = token.split_once('.').unwrap();
        let (_, signature) = rest.split_once('.').unwrap();
        let mut other = claims.clone();
        other.sub = Uuid::now_v7();
        let forged = format!(
            "{head}.{}.{signature}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&other).unwrap())
        );
        assert!(matches!(
            keys.verify_access(&forged, now),
            Err(TokenError::Invalid(_))
        ));

        keys.rotate(now).unwrap();
        assert!(keys.verify_access(&token, now).is_ok(), "within the grace");
        assert_eq!(
            keys.verify_access(&token, now + Duration::minutes(2)),
            Err(TokenError::UnknownKey)
        );
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn refresh_tokens_are_256_bits_and_stored_as_digests() {
        let t = new_secret().unwrap();
        assert_eq!(URL_SAFE_NO_PAD.decode(&t).unwrap().len(), 32);
        assert_ne!(new_secret().unwrap(), t);
        assert_eq!(secret_digest(&t).len(), 64);
        assert!(!secret_digest(&t).contains(&t));
    }
}
