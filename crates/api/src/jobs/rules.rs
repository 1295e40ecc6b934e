//! Retry timing.

use chrono::Duration;

/// The wait before retry `attempt + 1`: 10 s, 20 s, 40 s … doubling, at most an hour.
pub fn backoff(attempt: i32) -> Duration {
    let exponent = attempt.clamp(1, 20) - 1;
    let seconds = 10_i64.saturating_mul(1_i64 << exponent);
    Duration::seconds(seconds.min(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let waits: Vec<i64> = (1..=10).map(|a| backoff(a).num_seconds()).collect();
        assert_eq!(waits, [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600]);
        assert_eq!(backoff(100).num_seconds(), 3600);
    }
}
