//! What a run found, counted per worker and summed at the end ([`Tally`]), and told as a table
//! or JSON ([`Report`]).
//!
//! # Why errors are counted by type
//!
//! A throughput figure means little if part of it was `ThrottlingException`s answered in a few
//! microseconds. So every non-2xx answer is counted under its AWS `__type`, and transport
//! failures under local kinds (`ConnectError`, `TransportError`, `Timeout`); latency
//! percentiles cover successful requests only, and both rates are reported: every answer per
//! second, and successful answers per second.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::args::Settings;
use crate::client::Failure;
use crate::histogram::LatencyHistogram;
use crate::operations::KeySpec;

pub use crate::histogram::Percentiles;

/// One worker's counts, or a run's once merged.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    /// Successful requests: from when each was sent (closed loop) or due (open loop).
    pub latency: LatencyHistogram,
    /// Open loop only: successful requests from when each was actually sent.
    pub service_time: Option<LatencyHistogram>,
    /// Failures by kind, with the first message seen.
    pub failures: BTreeMap<String, FailureCount>,
    /// Connections reopened during the run.
    pub reconnects: u64,
    /// When the last measured request completed.
    pub last_done: Option<Instant>,
}

/// How often one kind of failure happened, and an example of its message.
#[derive(Clone, Debug)]
pub(crate) struct FailureCount {
    pub count: u64,
    pub example: String,
}

impl Tally {
    pub(crate) fn new(open_loop: bool) -> Tally {
        Tally {
            service_time: open_loop.then(LatencyHistogram::new),
            ..Tally::default()
        }
    }

    /// A measured request that succeeded.
    pub(crate) fn success(&mut self, latency: Duration, service_time: Duration, done: Instant) {
        self.latency.record(latency);
        if let Some(histogram) = &mut self.service_time {
            histogram.record(service_time);
        }
        self.completed(done);
    }

    /// A measured request that failed.
    pub(crate) fn failure(&mut self, failure: Failure, done: Instant) {
        match self.failures.get_mut(&failure.kind) {
            Some(seen) => seen.count += 1,
            None => {
                self.failures.insert(
                    failure.kind,
                    FailureCount {
                        count: 1,
                        example: failure.message,
                    },
                );
            }
        }
        self.completed(done);
    }

    fn completed(&mut self, done: Instant) {
        self.last_done = Some(self.last_done.map_or(done, |last| last.max(done)));
    }

    fn errors(&self) -> u64 {
        self.failures.values().map(|seen| seen.count).sum()
    }

    /// Adds another worker's counts.
    pub(crate) fn merge(&mut self, other: Tally) {
        self.latency.merge(&other.latency);
        match (&mut self.service_time, &other.service_time) {
            (Some(mine), Some(theirs)) => mine.merge(theirs),
            (None, Some(_)) => self.service_time = other.service_time.clone(),
            _ => {}
        }
        for (kind, seen) in other.failures {
            self.failures
                .entry(kind)
                .and_modify(|mine| mine.count += seen.count)
                .or_insert(seen);
        }
        self.reconnects += other.reconnects;
        if let Some(done) = other.last_done {
            self.completed(done);
        }
    }
}

/// The counts of a whole run and when its measured window started.
#[derive(Debug)]
pub(crate) struct Measured {
    pub tally: Tally,
    pub measure_from: Instant,
}

/// The result of one benchmark run. `Display` prints a table; `Serialize` gives the JSON.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The operation measured (`Encrypt`, …, `RawSign`).
    pub operation: String,
    /// The endpoint loaded (`None` for `RawSign`).
    pub endpoint: Option<String>,
    /// The spec of the key used, if the operation uses one.
    pub key_spec: Option<String>,
    /// Plaintext, message or random size in bytes, where the operation has one.
    pub payload_bytes: Option<usize>,
    /// Workers (connections), or threads for `RawSign`.
    pub concurrency: usize,
    /// `closed` (each worker sends when answered) or `open` (`--rate`).
    pub load: &'static str,
    /// The `--rate` asked for, requests per second.
    pub target_rate: Option<f64>,
    /// Seconds of warm-up before measuring.
    pub warmup_s: f64,
    /// Seconds measured: from the end of the warm-up to the last measured answer.
    pub duration_s: f64,
    /// Measured requests that were answered or failed (successes plus errors).
    pub requests: u64,
    /// Measured requests answered with 2xx.
    pub ok: u64,
    /// Measured requests that failed, in any way.
    pub errors: u64,
    /// `requests` per second.
    pub req_per_s: f64,
    /// `ok` per second.
    pub ok_per_s: f64,
    /// Latency of successful requests (open loop: from when each was due).
    #[serde(flatten)]
    pub latency: Percentiles,
    /// Open loop only: latency of successful requests from when each was actually sent.
    pub service_time: Option<Percentiles>,
    /// Failures by AWS `__type` or local kind (`ConnectError`, `TransportError`, `Timeout`).
    pub errors_by_type: BTreeMap<String, u64>,
    /// The first message seen for each kind of failure.
    pub error_examples: BTreeMap<String, String>,
    /// Connections that had to be reopened during the run.
    pub reconnects: u64,
}

impl Report {
    pub(crate) fn new(
        settings: &Settings,
        endpoint: Option<String>,
        key_spec: Option<KeySpec>,
        measured: Measured,
    ) -> Report {
        let Measured {
            tally,
            measure_from,
        } = measured;
        let window = tally.last_done.map_or(Duration::ZERO, |done| {
            done.saturating_duration_since(measure_from)
        });
        let ok = tally.latency.len();
        let errors = tally.errors();
        let requests = ok + errors;
        let per_second = |count: u64| {
            if window.is_zero() {
                0.0
            } else {
                count as f64 / window.as_secs_f64()
            }
        };
        Report {
            operation: settings.operation.name().to_owned(),
            endpoint,
            key_spec: key_spec.map(|spec| spec.name().to_owned()),
            payload_bytes: settings
                .operation
                .payload_bounds(key_spec)
                .map(|_| settings.payload_bytes),
            concurrency: settings.concurrency,
            load: if settings.rate.is_some() {
                "open"
            } else {
                "closed"
            },
            target_rate: settings.rate,
            warmup_s: settings.warmup.as_secs_f64(),
            duration_s: window.as_secs_f64(),
            requests,
            ok,
            errors,
            req_per_s: per_second(requests),
            ok_per_s: per_second(ok),
            latency: tally.latency.percentiles(),
            service_time: tally
                .service_time
                .as_ref()
                .map(LatencyHistogram::percentiles),
            errors_by_type: tally
                .failures
                .iter()
                .map(|(kind, seen)| (kind.clone(), seen.count))
                .collect(),
            error_examples: tally
                .failures
                .into_iter()
                .map(|(kind, seen)| (kind, seen.example))
                .collect(),
            reconnects: tally.reconnects,
        }
    }

    /// The report as the CLI prints it: pretty JSON with `json`, else the table.
    pub fn render(&self, json: bool) -> String {
        if json {
            serde_json::to_string_pretty(self).unwrap_or_else(|err| {
                format!("{{\"error\": \"cannot serialise the report: {err}\"}}")
            })
        } else {
            self.to_string()
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut subject = self.operation.clone();
        if let Some(spec) = &self.key_spec {
            subject.push_str(&format!(" ({spec})"));
        }
        if let Some(bytes) = self.payload_bytes {
            subject.push_str(&format!(", {bytes}-byte payload"));
        }
        match &self.endpoint {
            Some(endpoint) => writeln!(f, "{:<14}{subject} against {endpoint}", "operation")?,
            None => writeln!(f, "{:<14}{subject}, aws-lc-rs in-process", "operation")?,
        }
        let workers = if self.endpoint.is_some() {
            "connections"
        } else {
            "threads"
        };
        match self.target_rate {
            Some(rate) => writeln!(
                f,
                "{:<14}{} {workers}, open loop at {rate:.0} req/s",
                "load", self.concurrency
            )?,
            None => writeln!(
                f,
                "{:<14}{} {workers}, closed loop",
                "load", self.concurrency
            )?,
        }
        write!(f, "{:<14}{:.2} s", "measured", self.duration_s)?;
        if self.warmup_s > 0.0 {
            write!(f, " after {:.2} s of warm-up", self.warmup_s)?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "{:<14}{}  ({:.1} req/s)",
            "requests", self.requests, self.req_per_s
        )?;
        writeln!(
            f,
            "{:<14}{}  ({:.1} req/s)",
            "succeeded", self.ok, self.ok_per_s
        )?;
        writeln!(f, "{:<14}{}", "errors", self.errors)?;
        writeln!(f, "{:<14}{}", "latency ms", PercentileRow(&self.latency))?;
        if let Some(service) = &self.service_time {
            writeln!(f, "{:<14}{}", "service ms", PercentileRow(service))?;
        }
        if self.reconnects > 0 {
            writeln!(f, "{:<14}{}", "reconnects", self.reconnects)?;
        }
        if !self.errors_by_type.is_empty() {
            writeln!(f, "errors by type")?;
            let width = self
                .errors_by_type
                .keys()
                .map(String::len)
                .max()
                .unwrap_or(0);
            for (kind, count) in &self.errors_by_type {
                let example = self
                    .error_examples
                    .get(kind)
                    .map(|message| message.chars().take(100).collect::<String>())
                    .unwrap_or_default();
                writeln!(f, "  {kind:<width$}  {count:>10}  {example}")?;
            }
        }
        Ok(())
    }
}

struct PercentileRow<'a>(&'a Percentiles);

impl fmt::Display for PercentileRow<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.0;
        write!(
            f,
            "p50 {:.3}  p90 {:.3}  p99 {:.3}  p99.9 {:.3}  (min {:.3}  mean {:.3}  max {:.3})",
            p.p50_ms, p.p90_ms, p.p99_ms, p.p999_ms, p.min_ms, p.mean_ms, p.max_ms
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_sums_counts_and_keeps_the_first_example() {
        let now = Instant::now();
        let mut first = Tally::new(false);
        first.success(Duration::from_millis(1), Duration::from_millis(1), now);
        first.failure(Failure::new("ThrottlingException", "first"), now);
        let mut second = Tally::new(false);
        second.failure(Failure::new("ThrottlingException", "second"), now);
        second.failure(
            Failure::new(Failure::TIMEOUT, "late"),
            now + Duration::from_secs(1),
        );
        second.reconnects = 2;
        first.merge(second);
        assert_eq!(first.latency.len(), 1);
        assert_eq!(first.errors(), 3);
        assert_eq!(first.failures["ThrottlingException"].count, 2);
        assert_eq!(first.failures["ThrottlingException"].example, "first");
        assert_eq!(first.reconnects, 2);
        assert_eq!(first.last_done, Some(now + Duration::from_secs(1)));
    }
}
