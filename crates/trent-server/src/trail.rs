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
use serde_json::Value;
use trent_audit::{Journal, JournalOptions};
use trent_core::Caller;
use trent_core::audit::{self, RequestContext};
use trent_crypto::WrappingKey;
use trent_protocol::{ErrorCode, KmsError, Operation, Response, Timestamp};

use crate::api::RequestIds;

const SIGNING_KEY_AAD: &[u8] = b"trent/audit-signing-key/v1";

/// Opens the journal in `dir`, with the signing key kept in `key_file` (wrapped by `root_key`;
/// created on first use). Without a key file, a fresh key is made for this run only. Syncs start
/// at least `min_sync_interval` apart (see [`JournalOptions::min_sync_interval`]).
pub fn open(
    dir: &Path,
    key_file: Option<&Path>,
    root_key: &WrappingKey,
    min_sync_interval: Duration,
) -> anyhow::Result<Journal> {
    let pkcs8 = match key_file {
        Some(path) => load_or_create_signing_key(path, root_key)?,
        None => trent_audit::generate_signing_key()?.to_vec(),
    };
    // Events name keys, principals and encryption contexts: for the operator's eyes only.
    crate::serve::create_private_dir(dir)?;
    let options = JournalOptions {
        min_sync_interval,
        ..JournalOptions::default()
    };
    Journal::open(dir, &pkcs8, options)
        .with_context(|| format!("cannot open the audit trail in {}", dir.display()))
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
    pub parameters: Value,
}

impl Entry {
    pub fn new(source: &'static str, event_name: impl Into<String>) -> Entry {
        Entry {
            caller: None,
            operation: None,
            source,
            event_name: event_name.into(),
            parameters: Value::Null,
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
        &entry.parameters,
        outcome,
    )
}

/// The answer when the trail cannot take an event: a 500 without the operation's result.
pub fn unavailable(err: &trent_audit::AuditError) -> KmsError {
    tracing::error!(error = %err, "audit trail unavailable: refusing the request");
    metrics::counter!("trent_requests_refused_unaudited_total").increment(1);
    KmsError::bare(ErrorCode::KMSInternalException)
}
