//! Password hashing (SECURITY.md S1): argon2id with OWASP's parameters (m = 19456 KiB, t = 2,
//! p = 1), computed on blocking threads behind a semaphore so sign-in bursts can neither starve
//! the async workers nor exhaust memory. Unknown accounts are checked against a dummy hash so
//! that timing does not reveal which emails exist (S5).

use anyhow::Context;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// OWASP Password Storage Cheat Sheet, argon2id option 2.
pub const M_COST_KIB: u32 = 19_456;
pub const T_COST: u32 = 2;
pub const P_COST: u32 = 1;

/// A password in memory: never printed, never logged.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn new(s: impl Into<String>) -> Self {
        Password(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// The result of checking a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Wrong,
    Right,
    /// Right, but the stored hash is weaker than today's parameters: store a new one.
    RightButRehash,
}

#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    dummy_hash: Arc<String>,
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes synchronously; use [`Passwords::hash`] from async code.
pub fn hash_now(password: &Password) -> anyhow::Result<String> {
    hasher()
        .hash_password(password.expose().as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2 hashing failed: {e}"))
}

/// Verifies synchronously: the parameters come from the stored PHC string.
pub fn verify_now(password: &Password, stored: &str) -> Verdict {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Verdict::Wrong;
    };
    if hasher()
        .verify_password(password.expose().as_bytes(), &parsed)
        .is_err()
    {
        return Verdict::Wrong;
    }
    if is_current(&parsed) {
        Verdict::Right
    } else {
        Verdict::RightButRehash
    }
}

/// Whether a stored hash uses argon2id with at least today's costs.
fn is_current(parsed: &PasswordHash) -> bool {
    let Ok(params) = Params::try_from(parsed) else {
        return false;
    };
    parsed.algorithm.as_str() == "argon2id"
        && params.m_cost() >= M_COST_KIB
        && params.t_cost() >= T_COST
        && params.p_cost() == P_COST
}

impl Passwords {
    pub fn new(concurrency: usize) -> anyhow::Result<Self> {
        let dummy = hash_now(&Password::new(uuid::Uuid::now_v7().to_string()))?;
        Ok(Passwords {
            permits: Arc::new(Semaphore::new(concurrency)),
            dummy_hash: Arc::new(dummy),
        })
    }

    pub async fn hash(&self, password: Password) -> anyhow::Result<String> {
        let _permit = self
            .permits
            .acquire()
            .await
            .context("hashing semaphore closed")?;
        tokio::task::spawn_blocking(move || hash_now(&password))
            .await
            .context("hashing task")?
    }

    /// Checks `password` against `stored`, or against the dummy hash when there is none, so
    /// both paths cost the same.
    pub async fn verify(
        &self,
        password: Password,
        stored: Option<String>,
    ) -> anyhow::Result<Verdict> {
        let _permit = self
            .permits
            .acquire()
            .await
            .context("hashing semaphore closed")?;
        let (target, real) = match stored {
            Some(hash) => (hash, true),
            None => ((*self.dummy_hash).clone(), false),
        };
        let verdict = tokio::task::spawn_blocking(move || verify_now(&password, &target))
            .await
            .context("verification task")?;
        Ok(if real { verdict } else { Verdict::Wrong })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters() {
        let hash = hash_now(&Password::new("correct horse battery staple")).unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert_eq!(
            verify_now(&Password::new("correct horse battery staple"), &hash),
            Verdict::Right
        );
        assert_eq!(
            verify_now(&Password::new("correct horse battery stapl"), &hash),
            Verdict::Wrong
        );
    }

    #[test]
    fn a_weaker_hash_verifies_but_asks_for_a_rehash() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"correct horse battery staple")
        .unwrap()
        .to_string();
        assert_eq!(
            verify_now(&Password::new("correct horse battery staple"), &weak),
            Verdict::RightButRehash
        );
    }

    #[test]
    fn garbage_in_the_hash_column_never_verifies() {
        assert_eq!(
            verify_now(&Password::new("anything at all"), "not a hash"),
            Verdict::Wrong
        );
    }

    #[test]
    fn passwords_do_not_print() {
        assert_eq!(
            format!("{:?}", Password::new("hunter2hunter2")),
            "Password([redacted])"
        );
    }
}
