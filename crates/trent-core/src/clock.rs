//! Time as the service sees it.
//!
//! Deletion windows and rotation periods are days long; tests and test suites written for other
//! KMS emulators need them to pass in seconds. So the service reads time only through [`Clock`],
//! and test mode uses [`AdjustableClock`], which an administrator can move forward. Request
//! signing (SigV4) is deliberately not on this clock: clients sign with real time.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Unix time in seconds, with sub-second precision.
    fn now(&self) -> f64;
}

fn system_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> f64 {
        system_now()
    }
}

/// Real time plus an offset that only grows.
#[derive(Debug, Default)]
pub struct AdjustableClock {
    offset_ms: AtomicI64,
}

impl AdjustableClock {
    /// Moves the clock forward by `seconds` (negative values are ignored: time never runs back).
    pub fn advance(&self, seconds: f64) {
        if seconds > 0.0 {
            let ms = (seconds * 1000.0).min(i64::MAX as f64 / 2.0) as i64;
            self.offset_ms.fetch_add(ms, Ordering::SeqCst);
        }
    }

    pub fn offset_seconds(&self) -> f64 {
        self.offset_ms.load(Ordering::SeqCst) as f64 / 1000.0
    }
}

impl Clock for AdjustableClock {
    fn now(&self) -> f64 {
        system_now() + self.offset_seconds()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjustable_clock_only_moves_forward() {
        let clock = AdjustableClock::default();
        let before = clock.now();
        clock.advance(86_400.0 * 30.0);
        assert!(clock.now() - before >= 86_400.0 * 30.0);
        clock.advance(-1e9);
        assert!(clock.now() - before >= 86_400.0 * 30.0);
    }
}
