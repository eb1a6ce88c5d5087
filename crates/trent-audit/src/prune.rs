//! Retention: removing the oldest sealed segments.
//!
//! At full load the trail grows by tens of megabytes a second, so an operator must be able to
//! let old records go — as CloudTrail leaves it to an S3 lifecycle rule. Only a prefix of the
//! trail is removed, and only segments that were sealed (their last line a digest that ends a
//! segment) before the cut-off; the newest segment is never touched, so a running journal can
//! be pruned. What stays still verifies on its own: the first segment kept names the hash and
//! sequence number it continues from, and `verify` reports the removed start as
//! [`crate::VerifyReport::pruned_segments`] instead of a problem. Nothing but an expected
//! starting point kept elsewhere tells pruning from someone deleting the oldest files.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::clock;
use crate::digest::DigestReason;
use crate::error::AuditError;
use crate::format::{self, Line};
use crate::segments;

/// What [`prune`] removed.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct PruneReport {
    pub removed: Vec<PathBuf>,
    /// The number of the segment the trail now starts with, if any remain.
    pub first_kept: Option<u64>,
}

/// Removes, oldest first, every segment sealed before `sealed_before`, stopping at the first
/// that was not (or is the newest of the directory).
pub fn prune(dir: &Path, sealed_before: SystemTime) -> Result<PruneReport, AuditError> {
    let mut report = PruneReport::default();
    let listing = segments::list(dir)?;
    let Some((newest, older)) = listing.segments.split_last() else {
        return Ok(report);
    };
    report.first_kept = Some(newest.number);
    for segment in older {
        match sealed_at(&segment.path)? {
            Some(sealed) if sealed < sealed_before => {
                std::fs::remove_file(&segment.path)
                    .map_err(|err| AuditError::io("removing", &segment.path, err))?;
                report.removed.push(segment.path.clone());
            }
            _ => {
                report.first_kept = Some(segment.number);
                break;
            }
        }
    }
    if !report.removed.is_empty() {
        std::fs::File::open(dir)
            .and_then(|handle| handle.sync_all())
            .map_err(|err| AuditError::io("syncing", dir, err))?;
        tracing::info!(
            dir = %dir.display(),
            removed = report.removed.len(),
            "pruned old audit segments"
        );
    }
    Ok(report)
}

/// [`prune`] with the cut-off `age` before now.
pub fn prune_older_than(dir: &Path, age: Duration) -> Result<PruneReport, AuditError> {
    let cut_off = SystemTime::now()
        .checked_sub(age)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    prune(dir, cut_off)
}

/// When the segment was sealed, if its last line is a digest that ends segments.
fn sealed_at(path: &Path) -> Result<Option<SystemTime>, AuditError> {
    let data = segments::read_segment(path)?;
    let Some((_, last)) = data.lines().last() else {
        return Ok(None);
    };
    let Ok(Line::Digest { body, .. }) = format::parse_line(last) else {
        return Ok(None);
    };
    if !DigestReason::parse(&body.reason).is_some_and(DigestReason::ends_segment) {
        return Ok(None);
    }
    Ok(clock::parse_millis(&body.sealed_at)
        .map(|millis| SystemTime::UNIX_EPOCH + Duration::from_millis(millis.max(0).unsigned_abs())))
}
