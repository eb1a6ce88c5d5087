//! The hash chain: what makes removing, inserting, reordering or editing a line detectable.
//!
//! Every line of every segment file — headers, records and digests — names the SHA-256 of the
//! line before it (its `prev`), computed over the exact bytes on disk without the newline. The
//! first line of the first segment names a genesis hash derived from the journal id, so a trail
//! cannot be spliced onto another one. Hashing the bytes as written (rather than re-serialized
//! JSON) means the verifier needs no canonical form: any changed byte changes the hash.
//!
//! The chain alone only proves order and integrity relative to the last line; a forger who
//! rewrites the tail can recompute it. Signed digests ([`crate::digest`]) pin the chain to a key.

use std::fmt;

use aws_lc_rs::digest::{SHA256, digest};

/// A SHA-256 value of a line (or the genesis value).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct LineHash(pub(crate) [u8; 32]);

impl LineHash {
    /// The hash of one line's bytes, without its terminating newline.
    pub(crate) fn of_line(line: &[u8]) -> Self {
        let mut out = [0; 32];
        out.copy_from_slice(digest(&SHA256, line).as_ref());
        LineHash(out)
    }

    /// The predecessor named by the very first header of a journal.
    pub(crate) fn genesis(journal: &JournalId) -> Self {
        let mut input = b"trent-audit genesis v1\n".to_vec();
        input.extend_from_slice(&journal.0);
        Self::of_line(&input)
    }

    pub(crate) fn to_hex(self) -> String {
        hex::encode(self.0)
    }

    #[cfg(test)]
    pub(crate) fn from_hex(text: &str) -> Option<Self> {
        let mut out = [0; 32];
        hex::decode_to_slice(text, &mut out).ok()?;
        Some(LineHash(out))
    }
}

impl fmt::Debug for LineHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LineHash({})", self.to_hex())
    }
}

/// The random identity of one journal, fixed when its first segment is created. It appears in
/// every segment header and every signed digest.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct JournalId(pub(crate) [u8; 16]);

impl JournalId {
    pub(crate) fn random() -> Result<Self, aws_lc_rs::error::Unspecified> {
        let mut id = [0; 16];
        aws_lc_rs::rand::fill(&mut id)?;
        Ok(JournalId(id))
    }

    pub(crate) fn to_hex(self) -> String {
        hex::encode(self.0)
    }

    pub(crate) fn from_hex(text: &str) -> Option<Self> {
        let mut out = [0; 16];
        hex::decode_to_slice(text, &mut out).ok()?;
        Some(JournalId(out))
    }
}

impl fmt::Debug for JournalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JournalId({})", self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_rejects_wrong_lengths() {
        let hash = LineHash::of_line(b"x");
        assert_eq!(LineHash::from_hex(&hash.to_hex()), Some(hash));
        assert_eq!(LineHash::from_hex("abcd"), None);
        assert_eq!(LineHash::from_hex(&"zz".repeat(32)), None);
        let id = JournalId([7; 16]);
        assert_eq!(JournalId::from_hex(&id.to_hex()), Some(id));
    }

    #[test]
    fn genesis_depends_on_the_journal() {
        assert_ne!(
            LineHash::genesis(&JournalId([1; 16])),
            LineHash::genesis(&JournalId([2; 16]))
        );
    }
}
