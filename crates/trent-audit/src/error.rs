//! The one error type of the crate.
//!
//! Appends are answered from the writer thread to many callers at once, so the error is `Clone`:
//! an I/O failure is shared behind an `Arc` rather than copied into strings. No variant ever
//! carries event contents — an error may be logged, and events may hold request parameters.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why a journal operation failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// Reading or writing the audit directory failed.
    #[error("audit trail I/O error while {action} {}: {source}", path.display())]
    Io {
        /// What the journal was doing ("writing", "syncing", "creating", …).
        action: &'static str,
        path: PathBuf,
        #[source]
        source: Arc<io::Error>,
    },

    /// An earlier write failed and the journal has not recovered yet; it retries on a later
    /// append. Requests must fail closed meanwhile.
    #[error("audit trail unavailable after a write failure (retrying): {cause}")]
    Unavailable { cause: String },

    /// The journal was closed (or its writer stopped); nothing more can be appended.
    #[error("the audit journal is closed")]
    Closed,

    /// More appends are waiting than `JournalOptions::max_queued`: the disk is not keeping up.
    #[error("the audit journal is overloaded ({queued} appends waiting for the disk)")]
    Overloaded { queued: usize },

    /// The event handed to `append` is not something the journal stores.
    #[error("invalid audit event: {reason}")]
    InvalidEvent { reason: &'static str },

    /// The PKCS#8 document is not an Ed25519 or ECDSA P-256 private key.
    #[error("the audit signing key is not a PKCS#8 Ed25519 or ECDSA P-256 private key")]
    InvalidSigningKey,

    /// A public key (PEM or DER) could not be read.
    #[error("invalid audit public key: {reason}")]
    InvalidPublicKey { reason: String },

    /// Signing a digest failed (the crypto library reports no detail).
    #[error("signing an audit digest failed")]
    SigningFailed,

    /// Another process (or another `Journal` in this one) holds the directory.
    #[error("the audit directory {} is in use by another journal", path.display())]
    Locked { path: PathBuf },

    /// The directory holds something the journal will not append to: a complete line that is
    /// not a valid entry, a broken chain, an unknown format. Run `verify` to see the full story.
    #[error("audit trail {} line {line} is corrupt: {detail}", file.display())]
    Corrupt {
        file: PathBuf,
        line: u64,
        detail: String,
    },
}

impl AuditError {
    pub(crate) fn io(action: &'static str, path: &Path, source: io::Error) -> Self {
        AuditError::Io {
            action,
            path: path.to_path_buf(),
            source: Arc::new(source),
        }
    }

    pub(crate) fn corrupt(file: &Path, line: u64, detail: impl Into<String>) -> Self {
        AuditError::Corrupt {
            file: file.to_path_buf(),
            line,
            detail: detail.into(),
        }
    }
}
