//! Password hashing (SECURITY.md S1): argon2id with OWASP's parameters (m = 19456 KiB, t = 2,
//! p = 1), computed on a fixed pool of threads — one per allowed concurrent hash — each of which
//! owns its 19 MiB working memory and reuses it for every hash. So a sign-in storm can neither
//! starve the async workers nor grow memory past `threads × 19 MiB` (a blocking thread per
//! hash kept a 19 MiB arena each), and at a low priority, so sign-ins mostly use the CPU other
//! requests leave. Unknown accounts are checked against a dummy hash so that
//! timing does not reveal which emails exist (S5).

use anyhow::Context;
use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

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
    work: mpsc::UnboundedSender<Work>,
    dummy_hash: Arc<String>,
}

/// What a hashing thread is asked to do, with where its answer goes.
enum Work {
    Hash(Password, oneshot::Sender<anyhow::Result<String>>),
    Verify(Password, String, oneshot::Sender<Verdict>),
}

/// Hashes synchronously (allocating its working memory); use [`Passwords::hash`] from async
/// code.
pub fn hash_now(password: &Password) -> anyhow::Result<String> {
    hash_with(&mut Vec::new(), password)
}

/// Verifies synchronously: the parameters come from the stored PHC string.
pub fn verify_now(password: &Password, stored: &str) -> Verdict {
    verify_with(&mut Vec::new(), password, stored)
}

/// `blocks` sized for `count` blocks (grown once, then reused).
fn memory(blocks: &mut Vec<Block>, count: usize) -> &mut [Block] {
    if blocks.len() < count {
        blocks.resize(count, Block::default());
    }
    &mut blocks[..count]
}

/// A new PHC string for `password` (random salt), hashed in `blocks`.
fn hash_with(blocks: &mut Vec<Block>, password: &Password) -> anyhow::Result<String> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None).expect("valid argon2 parameters");
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon2
        .hash_password_into_with_memory(
            password.expose().as_bytes(),
            &salt,
            &mut out,
            memory(blocks, params.block_count()),
        )
        .map_err(|e| anyhow::anyhow!("argon2 hashing failed: {e}"))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)
            .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?,
        salt: Some(Salt::new(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?),
        hash: Some(Output::new(&out).map_err(|e| anyhow::anyhow!("output: {e}"))?),
    };
    Ok(phc.to_string())
}

/// Checks `password` against a stored PHC string, hashing in `blocks`.
fn verify_with(blocks: &mut Vec<Block>, password: &Password, stored: &str) -> Verdict {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Verdict::Wrong;
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return Verdict::Wrong;
    };
    let algorithm = Algorithm::try_from(parsed.algorithm.as_str());
    let version = parsed
        .version
        .map(Version::try_from)
        .unwrap_or(Ok(Version::V0x13));
    let (Ok(algorithm), Ok(version), Ok(params)) = (algorithm, version, Params::try_from(&parsed))
    else {
        return Verdict::Wrong;
    };
    let mut out = vec![0u8; expected.as_bytes().len()];
    let count = params.block_count();
    let computed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password.expose().as_bytes(),
        salt.as_ref(),
        &mut out,
        memory(blocks, count),
    );
    // `Output`'s equality is constant-time.
    let right = computed.is_ok() && Output::new(&out).is_ok_and(|o| o == *expected);
    if !right {
        Verdict::Wrong
    } else if is_current(&parsed) {
        Verdict::Right
    } else {
        Verdict::RightButRehash
    }
}

/// Lowers the calling thread's scheduling priority (nice 10, a tenth of a normal thread's
/// share of a contended core): a hash runs on every core nothing else wants, and mostly gives
/// way to the async workers when requests need the cores. A sign-in storm then takes the idle
/// CPU (sign-ins at the rate the cores allow) while other requests keep ~90 % of it, and a busy
/// server still signs people in, slower. Linux sets niceness per thread.
fn yield_to_requests() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only reads its arguments; `gettid` names this thread.
    unsafe {
        let tid = libc::gettid();
        if libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 10) != 0 {
            tracing::warn!("cannot lower the hashing threads' priority");
        }
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
    /// Starts `concurrency` hashing threads.
    pub fn new(concurrency: usize) -> anyhow::Result<Self> {
        let dummy = hash_now(&Password::new(uuid::Uuid::now_v7().to_string()))?;
        let (work, queue) = mpsc::unbounded_channel::<Work>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..concurrency.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || {
                    yield_to_requests();
                    let mut blocks = Vec::new();
                    loop {
                        let next = queue.lock().map(|mut q| q.blocking_recv());
                        let Ok(Some(work)) = next else {
                            return;
                        };
                        match work {
                            Work::Hash(password, answer) => {
                                let _ = answer.send(hash_with(&mut blocks, &password));
                            }
                            Work::Verify(password, stored, answer) => {
                                let _ = answer.send(verify_with(&mut blocks, &password, &stored));
                            }
                        }
                    }
                })
                .context("cannot start a hashing thread")?;
        }
        Ok(Passwords {
            work,
            dummy_hash: Arc::new(dummy),
        })
    }

    pub async fn hash(&self, password: Password) -> anyhow::Result<String> {
        let (answer, hashed) = oneshot::channel();
        self.work
            .send(Work::Hash(password, answer))
            .map_err(|_| anyhow::anyhow!("the hashing threads have stopped"))?;
        hashed.await.context("hashing thread")?
    }

    /// Checks `password` against `stored`, or against the dummy hash when there is none, so
    /// both paths cost the same.
    pub async fn verify(
        &self,
        password: Password,
        stored: Option<String>,
    ) -> anyhow::Result<Verdict> {
        let (target, real) = match stored {
            Some(hash) => (hash, true),
            None => ((*self.dummy_hash).clone(), false),
        };
        let (answer, verdict) = oneshot::channel();
        self.work
            .send(Work::Verify(password, target, answer))
            .map_err(|_| anyhow::anyhow!("the hashing threads have stopped"))?;
        let verdict = verdict.await.context("hashing thread")?;
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
    fn a_hash_made_by_the_pool_verifies_with_the_argon2_crate_and_back() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let ours = hash_now(&Password::new("correct horse battery staple")).unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        let reference = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(M_COST_KIB, T_COST, P_COST, None).unwrap(),
        );
        assert!(
            reference
                .verify_password(b"correct horse battery staple", &parsed)
                .is_ok()
        );
        let theirs = reference
            .hash_password(b"correct horse battery staple")
            .unwrap()
            .to_string();
        // Reusing one working memory for several hashes gives the same answers.
        let mut blocks = Vec::new();
        for _ in 0..2 {
            let password = Password::new("correct horse battery staple");
            assert_eq!(verify_with(&mut blocks, &password, &theirs), Verdict::Right);
            assert_eq!(
                verify_with(&mut blocks, &Password::new("wrong"), &theirs),
                Verdict::Wrong
            );
        }
    }

    #[test]
    fn a_weaker_hash_verifies_but_asks_for_a_rehash() {
        use argon2::password_hash::PasswordHasher;
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
