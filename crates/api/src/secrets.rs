//! Secrets kept in the database, sealed with a key the database never holds: the data key
//! comes from `PORTICO_DATA_KEY` (32 bytes, base64) or, without it, from a file created once
//! beside the signing keys (owner-only). Someone who reads the database alone learns no
//! tenant's hand-off secret. ChaCha20-Poly1305 with a random nonce; what a sealed value
//! belongs to (its tenant and purpose) is authenticated with it, so it cannot be moved.

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use std::path::Path;

/// The prefix of a sealed value (a format version).
const SEALED: &str = "sealed1:";

/// The server's data key. Cheap to clone.
#[derive(Clone)]
pub struct DataKey {
    key: std::sync::Arc<LessSafeKey>,
    raw: std::sync::Arc<[u8; 32]>,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

impl DataKey {
    pub fn from_bytes(raw: [u8; 32]) -> DataKey {
        let key = UnboundKey::new(&CHACHA20_POLY1305, &raw).expect("a 32-byte key");
        DataKey {
            key: std::sync::Arc::new(LessSafeKey::new(key)),
            raw: std::sync::Arc::new(raw),
        }
    }

    /// The key from `configured` (base64 of 32 bytes), else from `file`, made on first use.
    pub fn load_or_create(configured: Option<&str>, file: &Path) -> anyhow::Result<DataKey> {
        let decode = |text: &str| -> anyhow::Result<DataKey> {
            let bytes = STANDARD
                .decode(text.trim())
                .context("the data key is not base64")?;
            let raw: [u8; 32] = bytes
                .try_into()
                .map_err(|_| anyhow::anyhow!("the data key must be 32 bytes"))?;
            Ok(DataKey::from_bytes(raw))
        };
        if let Some(text) = configured {
            return decode(text);
        }
        if file.exists() {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            return decode(&text);
        }
        let mut raw = [0u8; 32];
        getrandom::fill(&mut raw).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        std::fs::write(file, format!("{}\n", STANDARD.encode(raw)))
            .with_context(|| format!("cannot write {}", file.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))?;
        }
        Ok(DataKey::from_bytes(raw))
    }

    /// A key for another purpose (an HMAC key, say), derived from this one.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        use sha2::Digest;
        let mut hasher = sha2::Sha256::new();
        hasher.update(b"portico data key derivation\0");
        hasher.update(purpose.as_bytes());
        hasher.update(b"\0");
        hasher.update(self.raw.as_slice());
        hasher.finalize().into()
    }

    /// Seals `secret` for `context` (say `handoff:<tenant id>`).
    pub fn seal(&self, context: &str, secret: &str) -> anyhow::Result<String> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let mut sealed = secret.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut sealed,
            )
            .map_err(|_| anyhow::anyhow!("cannot seal"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{SEALED}{}", STANDARD.encode(out)))
    }

    /// Opens what [`DataKey::seal`] made for the same `context`.
    pub fn open(&self, context: &str, stored: &str) -> anyhow::Result<String> {
        let Some(encoded) = stored.strip_prefix(SEALED) else {
            bail!("not a sealed value");
        };
        let bytes = STANDARD.decode(encoded).context("a damaged sealed value")?;
        if bytes.len() < NONCE_LEN {
            bail!("a damaged sealed value");
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce =
            Nonce::try_assume_unique_for_key(nonce).map_err(|_| anyhow::anyhow!("nonce"))?;
        let mut sealed = sealed.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut sealed)
            .map_err(|_| anyhow::anyhow!("a sealed value that does not open with this key"))?;
        Ok(String::from_utf8(plain.to_vec())?)
    }

    /// Whether a stored value is sealed (older values were stored in clear).
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(SEALED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_context() {
        let key = DataKey::from_bytes([7; 32]);
        let sealed = key.seal("handoff:a", "s3cret").unwrap();
        assert!(!sealed.contains("s3cret"));
        assert_ne!(
            sealed,
            key.seal("handoff:a", "s3cret").unwrap(),
            "a fresh nonce"
        );
        assert_eq!(key.open("handoff:a", &sealed).unwrap(), "s3cret");
        assert!(
            key.open("handoff:b", &sealed).is_err(),
            "moved to another tenant"
        );
        assert!(
            DataKey::from_bytes([8; 32])
                .open("handoff:a", &sealed)
                .is_err()
        );
        let mut flipped = sealed.clone().into_bytes();
        let last = flipped.len() - 2;
        flipped[last] ^= 1;
        assert!(
            key.open("handoff:a", &String::from_utf8(flipped).unwrap())
                .is_err()
        );
        assert_ne!(key.derive("audit"), key.derive("other"));
    }
}
