//! Request quotas per account, answered with AWS's `ThrottlingException`.
//!
//! AWS KMS limits how many requests per second an account may make and tells callers so in a
//! way every SDK retries with back-off. Trent does the same when the operator sets a quota
//! (`--request-quota`), so one noisy tenant cannot starve the others. A token bucket per account
//! refills continuously and allows bursts of one second's worth.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use trent_protocol::{ErrorCode, KmsError};

#[derive(Debug)]
pub struct Quotas {
    per_second: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl Quotas {
    /// `None` when `per_second` is 0 (no quota).
    pub fn new(per_second: u32) -> Option<Quotas> {
        (per_second > 0).then(|| Quotas {
            per_second: f64::from(per_second),
            buckets: Mutex::new(HashMap::new()),
        })
    }

    /// Takes one request from `account`'s allowance, or says it is spent.
    pub fn take(&self, account: &str) -> Result<(), KmsError> {
        self.take_at(account, Instant::now())
    }

    fn take_at(&self, account: &str, now: Instant) -> Result<(), KmsError> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let bucket = buckets.entry(account.to_string()).or_insert(Bucket {
            tokens: self.per_second,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.per_second);
        bucket.updated = now;
        if bucket.tokens < 1.0 {
            metrics::counter!("trent_throttled_total").increment(1);
            return Err(KmsError::new(
                ErrorCode::ThrottlingException,
                "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.",
            ));
        }
        bucket.tokens -= 1.0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_second_of_burst_then_the_refill_rate() {
        let quotas = Quotas::new(10).unwrap();
        let start = Instant::now();
        for _ in 0..10 {
            quotas.take_at("a", start).unwrap();
        }
        let err = quotas.take_at("a", start).unwrap_err();
        assert_eq!(err.code, ErrorCode::ThrottlingException);
        // Other accounts have their own allowance.
        quotas.take_at("b", start).unwrap();
        // A tenth of a second refills one request.
        quotas
            .take_at("a", start + Duration::from_millis(100))
            .unwrap();
        assert!(
            quotas
                .take_at("a", start + Duration::from_millis(100))
                .is_err()
        );
    }

    #[test]
    fn zero_means_no_quota() {
        assert!(Quotas::new(0).is_none());
    }
}
