//! Latency histograms: every request recorded, percentiles exact to 0.1 %.
//!
//! # Why a histogram and not a list or an average
//!
//! A run can answer millions of requests; keeping each latency would cost more memory and time
//! than the requests, and an average hides exactly the tail (p99, p99.9) a KMS is judged on.
//! An HDR histogram records a value in a few nanoseconds with a fixed relative precision over
//! the whole range (1 ns to minutes), and two of them add up exactly, so each worker keeps its
//! own (no sharing, no locks on the hot path) and they are merged once at the end.

use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

/// Values are nanoseconds; three significant digits (0.1 %).
const SIGNIFICANT_DIGITS: u8 = 3;
/// The range prepared up front; longer values make the histogram grow (rare: only requests
/// slower than this, or open-loop requests late by more than this).
const INITIAL_HIGHEST_NANOS: u64 = 60_000_000_000;

/// Latencies of one worker or, merged, of a whole run.
#[derive(Clone, Debug)]
pub struct LatencyHistogram {
    nanos: Histogram<u64>,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        LatencyHistogram::new()
    }
}

impl LatencyHistogram {
    /// An empty histogram.
    pub fn new() -> LatencyHistogram {
        let mut nanos = Histogram::new_with_bounds(1, INITIAL_HIGHEST_NANOS, SIGNIFICANT_DIGITS)
            .expect("the histogram bounds are valid constants");
        nanos.auto(true);
        LatencyHistogram { nanos }
    }

    /// Records one latency.
    pub fn record(&mut self, latency: Duration) {
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX).max(1);
        // With auto-resize the only failure left is a value beyond u64 range: clamp it.
        if self.nanos.record(nanos).is_err() {
            let highest = self.nanos.high();
            let _ = self.nanos.record(highest);
        }
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: &LatencyHistogram) {
        if self.nanos.add(&other.nanos).is_err() {
            // Only possible if the two could not be resized to match: add value by value.
            for value in other.nanos.iter_recorded() {
                let _ = self
                    .nanos
                    .record_n(value.value_iterated_to(), value.count_at_value());
            }
        }
    }

    /// How many latencies were recorded.
    pub fn len(&self) -> u64 {
        self.nanos.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.nanos.is_empty()
    }

    /// The usual summary, in milliseconds (all zero when empty).
    pub fn percentiles(&self) -> Percentiles {
        if self.nanos.is_empty() {
            return Percentiles::default();
        }
        let at = |quantile: f64| nanos_to_ms(self.nanos.value_at_quantile(quantile));
        Percentiles {
            min_ms: nanos_to_ms(self.nanos.min()),
            mean_ms: self.nanos.mean() / 1e6,
            p50_ms: at(0.50),
            p90_ms: at(0.90),
            p99_ms: at(0.99),
            p999_ms: at(0.999),
            max_ms: nanos_to_ms(self.nanos.max()),
        }
    }
}

fn nanos_to_ms(nanos: u64) -> f64 {
    nanos as f64 / 1e6
}

/// A latency summary in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Percentiles {
    /// The fastest.
    pub min_ms: f64,
    /// The mean.
    pub mean_ms: f64,
    /// The median.
    pub p50_ms: f64,
    /// 90 % were at most this.
    pub p90_ms: f64,
    /// 99 % were at most this.
    pub p99_ms: f64,
    /// 99.9 % were at most this.
    pub p999_ms: f64,
    /// The slowest.
    pub max_ms: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_known_distribution() {
        let mut histogram = LatencyHistogram::new();
        for micros in 1..=1000u64 {
            histogram.record(Duration::from_micros(micros));
        }
        let summary = histogram.percentiles();
        let close = |actual: f64, expected: f64| (actual - expected).abs() <= expected * 0.002;
        assert!(close(summary.p50_ms, 0.5), "{summary:?}");
        assert!(close(summary.p90_ms, 0.9), "{summary:?}");
        assert!(close(summary.p99_ms, 0.99), "{summary:?}");
        assert!(close(summary.p999_ms, 0.999), "{summary:?}");
        assert!(close(summary.max_ms, 1.0), "{summary:?}");
        assert!(close(summary.min_ms, 0.001), "{summary:?}");
        assert!(close(summary.mean_ms, 0.5005), "{summary:?}");
    }

    #[test]
    fn merging_adds_counts_and_keeps_the_tail() {
        let mut fast = LatencyHistogram::new();
        let mut slow = LatencyHistogram::new();
        for _ in 0..999 {
            fast.record(Duration::from_micros(100));
        }
        slow.record(Duration::from_secs(120));
        fast.merge(&slow);
        assert_eq!(fast.len(), 1000);
        let summary = fast.percentiles();
        assert!((summary.p50_ms - 0.1).abs() < 0.001);
        assert!(summary.max_ms >= 119_000.0, "{summary:?}");
    }

    #[test]
    fn empty_is_all_zero() {
        assert!(LatencyHistogram::new().is_empty());
        assert_eq!(
            LatencyHistogram::new().percentiles(),
            Percentiles::default()
        );
    }
}
