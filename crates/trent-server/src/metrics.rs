//! Prometheus metrics (`GET /metrics`).
//!
//! Code everywhere records through the `metrics` facade (`metrics::counter!` …); this module
//! installs the Prometheus recorder once per process and names what the server itself measures.
//! Metric names and labels stay few and bounded: operations and error codes are closed sets.

use std::fmt;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use trent_protocol::{ErrorCode, Operation};

/// Request latency buckets in seconds: sub-millisecond resolution where KMS calls live.
const LATENCY_BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// The installed recorder; renders the text exposition.
#[derive(Clone)]
pub struct Metrics {
    handle: Option<PrometheusHandle>,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// Installs the process-wide recorder. If one is installed already (a second server in the
    /// same process), metrics are still recorded there and this handle renders nothing.
    pub fn install() -> Metrics {
        let handle = PrometheusBuilder::new()
            .set_buckets(LATENCY_BUCKETS)
            .and_then(|builder| {
                builder.set_buckets_for_metric(
                    Matcher::Full("trent_audit_batch_records".into()),
                    BATCH_BUCKETS,
                )
            })
            .and_then(|builder| {
                builder.set_buckets_for_metric(
                    Matcher::Full("trent_store_commit_batches".into()),
                    BATCH_BUCKETS,
                )
            })
            .and_then(|builder| builder.install_recorder())
            .map_err(|err| tracing::warn!(error = %err, "metrics recorder not installed"))
            .ok();
        if handle.is_some() {
            describe();
        }
        Metrics { handle }
    }

    pub fn render(&self) -> String {
        self.handle
            .as_ref()
            .map(PrometheusHandle::render)
            .unwrap_or_default()
    }
}

fn describe() {
    metrics::describe_counter!(
        "trent_requests_total",
        "API requests by operation and outcome (ok or the AWS error code)"
    );
    metrics::describe_histogram!(
        "trent_request_duration_seconds",
        metrics::Unit::Seconds,
        "Time from receiving a request to having its response, by operation"
    );
    metrics::describe_histogram!(
        "trent_store_commit_seconds",
        metrics::Unit::Seconds,
        "Time to commit and sync one group of store writes"
    );
    metrics::describe_histogram!(
        "trent_store_commit_batches",
        "Write batches committed together in one store transaction"
    );
    trent_audit::describe_metrics();
}

/// Buckets for histograms that count things per batch.
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];

/// Records one finished API request. `target` is the `X-Amz-Target` header as received.
pub fn request_done(target: &str, error: Option<ErrorCode>, elapsed: Duration) {
    let operation = target
        .strip_prefix("TrentService.")
        .and_then(Operation::from_name);
    // The common case (a known operation that succeeded) uses handles registered once: looking
    // a labelled metric up by name on every request cost ~4% of an Encrypt.
    if let (Some(operation), None) = (operation, error) {
        let handles = SUCCESS_HANDLES.get_or_init(|| {
            Operation::ALL
                .iter()
                .map(|op| {
                    (
                        *op,
                        metrics::counter!("trent_requests_total", "operation" => op.name(), "outcome" => "ok"),
                        metrics::histogram!("trent_request_duration_seconds", "operation" => op.name()),
                    )
                })
                .collect()
        });
        if let Some((_, counter, histogram)) = handles.iter().find(|(op, _, _)| *op == operation) {
            counter.increment(1);
            histogram.record(elapsed.as_secs_f64());
            return;
        }
    }
    let operation =
        operation
            .map(Operation::name)
            .unwrap_or(if target.starts_with("TrentAdmin.") {
                "Admin"
            } else {
                "Unknown"
            });
    let outcome = error.map(|code| code.as_str()).unwrap_or("ok");
    metrics::counter!("trent_requests_total", "operation" => operation, "outcome" => outcome)
        .increment(1);
    metrics::histogram!("trent_request_duration_seconds", "operation" => operation)
        .record(elapsed.as_secs_f64());
}

/// Counter and histogram of every operation's successes, registered on first use.
static SUCCESS_HANDLES: std::sync::OnceLock<
    Vec<(Operation, metrics::Counter, metrics::Histogram)>,
> = std::sync::OnceLock::new();

/// Records one finished STS call (`action` as the request named it).
pub fn sts_request_done(action: Option<&str>, error: Option<ErrorCode>, elapsed: Duration) {
    let operation = match action {
        Some("AssumeRole") => "STS.AssumeRole",
        Some("GetCallerIdentity") => "STS.GetCallerIdentity",
        _ => "STS.Unknown",
    };
    let outcome = error.map(|code| code.as_str()).unwrap_or("ok");
    metrics::counter!("trent_requests_total", "operation" => operation, "outcome" => outcome)
        .increment(1);
    metrics::histogram!("trent_request_duration_seconds", "operation" => operation)
        .record(elapsed.as_secs_f64());
}
