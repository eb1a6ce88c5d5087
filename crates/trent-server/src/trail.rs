//! The audit trail of the running server: one event per request, durable before the answer.
//!
//! Every request that reaches the API — allowed, denied, failed, throttled or not even
//! authenticated — leaves one CloudTrail-shaped event (built by `trent_core::audit`) in the
//! journal (`trent-audit`). The answer waits for the event to be synced; if it cannot be written
//! the client gets a 500 and not the result, so nothing is ever served unrecorded. The journal's
//! signing key lives next to the data, wrapped under the root key.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use axum::http::HeaderMap;
use trent_audit::{Journal, JournalOptions};
use trent_core::Caller;
use trent_core::audit::{self, RequestContext};
use trent_crypto::WrappingKey;
use trent_protocol::{ErrorCode, KmsError, Operation, Response, Timestamp};

use crate::api::RequestIds;

const SIGNING_KEY_AAD: &[u8] = b"trent/audit-signing-key/v1";

/// Opens the journal in `dir`, with the signing key kept in `key_file` (wrapped by `root_key`;
/// created on first use). Without a key file, a fresh key is made for this run only. While the
/// machine's CPUs are saturated, syncs start at least `options.min_sync_interval` apart (see
/// [`pace_while_cpu_saturated`]).
pub fn open(
    dir: &Path,
    key_file: Option<&Path>,
    root_key: &WrappingKey,
    options: JournalOptions,
) -> anyhow::Result<Journal> {
    let pkcs8 = match key_file {
        Some(path) => load_or_create_signing_key(path, root_key)?,
        None => trent_audit::generate_signing_key()?.to_vec(),
    };
    // Events name keys, principals and encryption contexts: for the operator's eyes only.
    crate::serve::create_private_dir(dir)?;
    let pacing = !options.min_sync_interval.is_zero();
    let journal = Journal::open(dir, &pkcs8, options)
        .with_context(|| format!("cannot open the audit trail in {}", dir.display()))?;
    if pacing {
        pace_while_cpu_saturated(journal.clone());
    }
    Ok(journal)
}

/// How often the CPU counters are read.
const CPU_WINDOW: Duration = Duration::from_millis(100);
/// Pacing goes on when less than this fraction of CPU time was idle in a window…
const SATURATED_BELOW_IDLE: f64 = 0.10;
/// …and off again when more than this was (a gap, so it does not flap).
const RELAXED_ABOVE_IDLE: f64 = 0.20;

/// Turns the journal's sync pacing on while the machine's CPUs are saturated, off otherwise.
///
/// Why: each fsync costs the kernel a fixed slice of CPU whatever the batch size. When CPU is
/// idle, syncing every small batch at once gives the lowest latency for free; when requests
/// queue for CPU (an RSA signing load, or a saturated Encrypt load), that CPU is better spent
/// on requests and the batch can wait a millisecond to grow. Whether CPU is scarce is read from
/// `/proc/stat` every 100 ms; where it cannot be read (not Linux), pacing stays off.
fn pace_while_cpu_saturated(journal: Journal) {
    let Some(mut previous) = read_cpu_times() else {
        tracing::info!("/proc/stat is unreadable: audit sync pacing stays off");
        return;
    };
    let spawned = std::thread::Builder::new()
        .name("trent-audit-pacing".into())
        .spawn(move || {
            let mut pacing = false;
            loop {
                std::thread::sleep(CPU_WINDOW);
                let Some(now) = read_cpu_times() else { return };
                let Some(idle) = idle_fraction(previous, now) else {
                    continue;
                };
                previous = now;
                let next = if pacing {
                    idle <= RELAXED_ABOVE_IDLE
                } else {
                    idle < SATURATED_BELOW_IDLE
                };
                if next != pacing {
                    pacing = next;
                    journal.set_pacing(pacing);
                    tracing::debug!(pacing, idle, "audit sync pacing");
                }
            }
        });
    if let Err(err) = spawned {
        tracing::warn!(error = %err, "cannot start the audit pacing thread; pacing stays off");
    }
}

/// (idle, total) CPU time of all CPUs since boot, in clock ticks, from `/proc/stat`.
fn read_cpu_times() -> Option<(u64, u64)> {
    parse_cpu_times(&fs::read_to_string("/proc/stat").ok()?)
}

/// Parses the aggregate `cpu` line: user nice system idle iowait irq softirq steal …; idle
/// time is idle + iowait (a CPU waiting for the disk could run a request).
fn parse_cpu_times(stat: &str) -> Option<(u64, u64)> {
    let line = stat.lines().find(|line| line.starts_with("cpu "))?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(|field| field.parse().ok())
        .collect::<Option<_>>()?;
    if fields.len() < 5 {
        return None;
    }
    Some((fields[3] + fields[4], fields.iter().sum()))
}

fn idle_fraction(before: (u64, u64), after: (u64, u64)) -> Option<f64> {
    let total = after.1.checked_sub(before.1).filter(|&t| t > 0)?;
    let idle = after.0.saturating_sub(before.0);
    Some(idle as f64 / total as f64)
}

fn load_or_create_signing_key(path: &Path, root_key: &WrappingKey) -> anyhow::Result<Vec<u8>> {
    if path.exists() {
        let text =
            fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let wrapped = hex::decode(text.trim()).context("the audit signing key file is not hex")?;
        let secret = root_key
            .unwrap(SIGNING_KEY_AAD, &wrapped)
            .map_err(|_| anyhow::anyhow!("the root key cannot unwrap {}", path.display()))?;
        return Ok(secret.expose().to_vec());
    }
    let pkcs8 = trent_audit::generate_signing_key()?;
    let wrapped = hex::encode(root_key.wrap(SIGNING_KEY_AAD, &pkcs8));
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(wrapped.as_bytes())?;
    file.sync_all()?;
    Ok(pkcs8.to_vec())
}

/// What one request contributes to its event besides its outcome.
#[derive(Debug)]
pub struct Entry {
    /// Who called, once authenticated.
    pub caller: Option<Caller>,
    pub operation: Option<Operation>,
    /// `kms.amazonaws.com`, `sts.amazonaws.com` or `trent.admin`.
    pub source: &'static str,
    pub event_name: String,
    /// `requestParameters`, without secrets.
    pub parameters: audit::Parameters,
}

impl Entry {
    pub fn new(source: &'static str, event_name: impl Into<String>) -> Entry {
        Entry {
            caller: None,
            operation: None,
            source,
            event_name: event_name.into(),
            parameters: None,
        }
    }
}

/// The event of a finished request, serialized.
pub fn event_bytes(
    ids: &RequestIds,
    headers: &HeaderMap,
    default_region: &str,
    entry: &Entry,
    outcome: Result<Option<&Response>, &KmsError>,
) -> Vec<u8> {
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // `Credential=<access key id>/<date>/<region>/<service>/aws4_request`
    let scope: Vec<&str> = authorization
        .split("Credential=")
        .nth(1)
        .and_then(|rest| rest.split([',', ' ']).next())
        .map(|credential| credential.split('/').collect())
        .unwrap_or_default();
    let region = match &entry.caller {
        Some(caller) => caller.region.as_str(),
        None => scope.get(2).copied().unwrap_or(default_region),
    };
    let source_ip = ids.source_ip.map(|ip| ip.to_string()).unwrap_or_default();
    let context = RequestContext {
        request_id: &ids.request_id,
        event_id: &ids.event_id,
        region,
        source_ip: &source_ip,
        user_agent: headers
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
        access_key_id: scope.first().copied().filter(|id| !id.is_empty()),
        time: Timestamp::now(),
    };
    audit::event_json(
        &context,
        entry.caller.as_ref(),
        entry.operation,
        entry.source,
        &entry.event_name,
        entry.parameters.as_deref(),
        outcome,
    )
}

/// The answer when the trail cannot take an event: a 500 without the operation's result.
pub fn unavailable(err: &trent_audit::AuditError) -> KmsError {
    tracing::error!(error = %err, "audit trail unavailable: refusing the request");
    metrics::counter!("trent_requests_refused_unaudited_total").increment(1);
    KmsError::bare(ErrorCode::KMSInternalException)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_times_come_from_the_aggregate_line() {
        let stat = "cpu  100 5 50 800 40 3 2 0 0 0\ncpu0 50 2 25 400 20 1 1 0 0 0\nintr 1\n";
        assert_eq!(parse_cpu_times(stat), Some((840, 1000)));
        assert_eq!(parse_cpu_times("cpu0 1 2 3 4 5\n"), None);
        assert_eq!(parse_cpu_times("cpu  1 2 x 4 5\n"), None);
        assert_eq!(parse_cpu_times("cpu  1 2 3\n"), None);
    }

    #[test]
    fn idle_fraction_of_a_window() {
        assert_eq!(idle_fraction((840, 1000), (860, 1200)), Some(0.1));
        assert_eq!(idle_fraction((840, 1000), (840, 1000)), None);
        assert_eq!(idle_fraction((840, 1000), (800, 900)), None);
    }
}
