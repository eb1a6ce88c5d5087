//! Trent's audit trail: a tamper-evident, append-only journal of audit events.
//!
//! Every request to Trent yields one CloudTrail-shaped event (built by `trent-core`); this crate
//! makes it durable before the response is sent and makes any later change to the trail
//! detectable:
//!
//! - **Group commit** ([`Journal::append`]): callers hand over serialized bytes; one writer
//!   thread writes everything waiting with one `write_all` and one sync, then answers all of
//!   them. An error means the event is not recorded and the request must fail (fail closed).
//! - **Hash chain**: every line names the SHA-256 of the line before it, across segments.
//! - **Signed digests**: every `digest_every_records` records, every `digest_every`, at each
//!   segment rotation and at close, a digest signed with the audit key (Ed25519 or ECDSA P-256)
//!   seals the chain; the public keys are kept in `audit-public-keys.pem` in the directory.
//! - **Offline verification** ([`verify`]) reports every removed, inserted, reordered or changed
//!   line with file, line and seq; **queries** ([`query`], [`tail`], [`Follower`]) read events
//!   back by time, key, principal, operation and error.
//!
//! The on-disk format is described in the `format` module: versioned JSON lines in
//! size- and time-rotated segment files.
//!
//! What this crate deliberately does not do: build or interpret events (beyond the handful of
//! members queries filter on), store the signing key (the caller keeps it wrapped and hands in
//! PKCS#8), prune old segments, or anchor the trail outside the directory. Nothing here logs or
//! returns event contents: errors, logs and `Debug` output name files, lines and counts only.

mod chain;
mod clock;
mod digest;
mod error;
mod format;
mod journal;
mod keys;
mod prepare;
mod prune;
mod query;
mod segments;
mod verify;
mod writer;

pub use error::AuditError;
#[cfg(feature = "fault-injection")]
pub use journal::Fault;
pub use journal::{Journal, JournalOptions};
pub use keys::{
    AuditPublicKey, AuditSigner, PUBLIC_KEYS_FILE, SignatureAlgorithm, generate_signing_key,
};
pub use prune::{PruneReport, prune, prune_older_than};
pub use query::{Follower, QueryFilter, query, tail};
pub use verify::{Problem, VerifyReport, verify};

/// The instant an RFC 3339 time (`2026-11-28T12:00:00Z`, with fractions or an offset) names,
/// for building [`QueryFilter`]s from user input.
pub fn parse_time(text: &str) -> Option<std::time::SystemTime> {
    let millis = clock::parse_millis(text)?;
    let magnitude = std::time::Duration::from_millis(millis.unsigned_abs());
    Some(if millis >= 0 {
        std::time::UNIX_EPOCH + magnitude
    } else {
        std::time::UNIX_EPOCH - magnitude
    })
}

/// Registers descriptions of the journal's metrics with the installed `metrics` recorder.
pub fn describe_metrics() {
    metrics::describe_gauge!(
        "trent_audit_queue_depth",
        "audit events waiting for the writer when it last took a batch"
    );
    metrics::describe_histogram!(
        "trent_audit_fsync_seconds",
        metrics::Unit::Seconds,
        "time to sync one audit batch to disk"
    );
    metrics::describe_histogram!(
        "trent_audit_batch_records",
        "audit events written per batch (one write, one sync)"
    );
    metrics::describe_counter!("trent_audit_records_total", "audit events made durable");
    metrics::describe_counter!(
        "trent_audit_failures_total",
        "audit appends that failed (the request failed with them)"
    );
}
