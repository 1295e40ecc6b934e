//! Plain rules for authentication: the password policy, the throttling window, and which
//! address a request came from.

use chrono::{DateTime, Duration, Utc};

/// Shortest password accepted (SECURITY.md S2; NIST SP 800-63B).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted. Long passphrases are welcome; the bound only caps hashing cost.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Checks a new password: length in characters (never truncated), and not a common or easily
/// guessed one (zxcvbn's frequency lists and patterns, with the user's own email and name as
/// extra words). No composition rules.
pub fn check_new_password(password: &str, personal: &[&str]) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!("use at least {MIN_PASSWORD_CHARS} characters"));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(format!("use at most {MAX_PASSWORD_CHARS} characters"));
    }
    let estimate = zxcvbn::zxcvbn(password, personal);
    if u8::from(estimate.score()) <= 1 {
        return Err("this password is too common or too easy to guess".into());
    }
    Ok(())
}

/// What the per-account throttle says about one more attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttle {
    Allowed,
    /// Locked until the window ends: retry after this many seconds.
    Locked {
        retry_after: u64,
    },
}

/// Failures are counted in a fixed window that starts with the first failure; `limit` failures
/// lock the account until the window ends, then the count starts again. The lock is temporary
/// by design: an attacker can delay a victim by one window at most (SECURITY.md S3).
pub fn throttle(
    failures: i64,
    window_started_at: DateTime<Utc>,
    now: DateTime<Utc>,
    limit: u32,
    window: Duration,
) -> Throttle {
    let ends = window_started_at + window;
    if now >= ends || failures < i64::from(limit) {
        return Throttle::Allowed;
    }
    let retry_after = (ends - now).num_seconds().max(1) as u64;
    Throttle::Locked { retry_after }
}

/// Whether the window holding `failures` has ended, so the next failure starts a new one.
pub fn window_expired(
    window_started_at: DateTime<Utc>,
    now: DateTime<Utc>,
    window: Duration,
) -> bool {
    now >= window_started_at + window
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy_table() {
        let cases: &[(&str, bool)] = &[
            ("short", false),
            ("elevenchars", false),
            ("password1234", false),
            ("123456789012", false),
            ("qwertyuiopasdfgh", false),
            ("aaaaaaaaaaaaaaaa", false),
            ("alice@demo.test1", false),
            ("correct horse battery staple", true),
            ("vQ8#mZ2!pL9xR4tw", true),
            ("zebra quartz lantern", true),
        ];
        for (password, ok) in cases {
            assert_eq!(
                check_new_password(password, &["alice@demo.test", "Alice"]).is_ok(),
                *ok,
                "{password}"
            );
        }
    }

    #[test]
    fn long_passphrases_are_accepted_whole_and_overlong_ones_refused() {
        let long: String = "orchid lantern quartz ".repeat(6);
        assert!(long.chars().count() >= 128);
        assert!(check_new_password(&long, &[]).is_ok());
        assert!(check_new_password(&"zq8!".repeat(65), &[]).is_err());
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // 12 characters, 36 bytes.
        assert!(check_new_password("ŝĝĥĵŭćđžšłóę", &[]).is_ok());
    }

    #[test]
    fn the_account_locks_at_the_limit_and_unlocks_when_the_window_ends() {
        let start = Utc::now();
        let window = Duration::minutes(15);
        assert_eq!(throttle(9, start, start, 10, window), Throttle::Allowed);
        assert_eq!(
            throttle(10, start, start + Duration::minutes(5), 10, window),
            Throttle::Locked { retry_after: 600 }
        );
        assert_eq!(
            throttle(10, start, start + window, 10, window),
            Throttle::Allowed
        );
        assert!(window_expired(start, start + window, window));
    }
}
