//! Plain rules for authentication: the password policy, the throttling window, and which
//! address a request came from.

use chrono::{DateTime, Duration, Utc};
use std::net::IpAddr;

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

/// The client's address: the peer, unless the peer is a trusted proxy, in which case the
/// right-most `X-Forwarded-For` entry that is not itself a trusted proxy. A client can write
/// anything into the header, so entries are believed only as far as trusted hops vouch.
pub fn client_ip(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let Some(header) = forwarded_for else {
        return Some(peer);
    };
    let mut last = peer;
    for hop in header.rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => last = ip,
            Ok(ip) => return Some(ip),
            Err(_) => return Some(last),
        }
    }
    Some(last)
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

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        let spoofed = Some("198.51.100.1, 203.0.113.7");
        assert_eq!(
            client_ip(Some(client), Some("198.51.100.1"), &[proxy]),
            Some(client)
        );
        assert_eq!(client_ip(Some(proxy), spoofed, &[proxy]), Some(client));
        assert_eq!(client_ip(Some(proxy), None, &[proxy]), Some(proxy));
        assert_eq!(
            client_ip(Some(proxy), Some("garbage"), &[proxy]),
            Some(proxy)
        );
    }
}
