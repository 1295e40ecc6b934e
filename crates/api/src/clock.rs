//! The one source of "now". Time-based rules (token expiry, throttling windows, key grace
//! periods) read it, so tests move time forward instead of sleeping.

use chrono::{DateTime, Duration, DurationRound, Utc};
use std::sync::{Arc, Mutex};

/// Current time, truncated to whole microseconds (PostgreSQL's precision), so a time read back
/// from either database equals the one written.
#[derive(Clone)]
pub enum Clock {
    System,
    Manual(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    /// A clock that stands still until [`Clock::advance`] moves it; starts at the real now.
    pub fn manual() -> Self {
        Clock::Manual(Arc::new(Mutex::new(truncate(Utc::now()))))
    }

    /// A clock that stands still at `at` until [`Clock::advance`] moves it.
    pub fn manual_at(at: DateTime<Utc>) -> Self {
        Clock::Manual(Arc::new(Mutex::new(truncate(at))))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => truncate(Utc::now()),
            Clock::Manual(t) => *t.lock().expect("clock lock"),
        }
    }

    /// Moves a manual clock forward. Does nothing to the system clock.
    pub fn advance(&self, by: Duration) {
        if let Clock::Manual(t) = self {
            let mut t = t.lock().expect("clock lock");
            *t += by;
        }
    }
}

fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::microseconds(1)).unwrap_or(t)
}
