//! Per-client-address limits on the sign-in endpoints (SECURITY.md S4): a fixed one-minute
//! window per address, in memory (each replica limits on its own; the per-account throttle in
//! the database is what holds across replicas).

use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// Addresses tracked at most; past this, ended windows are swept before adding more.
const MAX_TRACKED: usize = 100_000;

pub struct IpLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<IpAddr, (DateTime<Utc>, u32)>>,
}

impl IpLimiter {
    pub fn new(per_minute: u32) -> Self {
        IpLimiter {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request from `ip`; `Err(seconds)` when over the limit.
    pub fn check(&self, ip: IpAddr, now: DateTime<Utc>) -> Result<(), u64> {
        let window = Duration::minutes(1);
        let mut windows = self.windows.lock().expect("limiter lock");
        if windows.len() >= MAX_TRACKED {
            windows.retain(|_, (start, _)| now < *start + window);
        }
        let entry = windows.entry(ip).or_insert((now, 0));
        if now >= entry.0 + window {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_minute {
            return Err((entry.0 + window - now).num_seconds().max(1) as u64);
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_applies_per_address_and_resets_each_minute() {
        let limiter = IpLimiter::new(3);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let now = Utc::now();
        for _ in 0..3 {
            assert!(limiter.check(a, now).is_ok());
        }
        assert_eq!(limiter.check(a, now + Duration::seconds(20)), Err(40));
        assert!(limiter.check(b, now).is_ok());
        assert!(limiter.check(a, now + Duration::minutes(1)).is_ok());
    }
}
