//! Signed digests: what ties the hash chain to a key.
//!
//! The chain ([`crate::chain`]) shows that lines follow each other unchanged, but anyone who can
//! write the directory can rewrite the tail and recompute it. A digest line seals everything up to
//! the line before it: it names the hash of that line and the range of records since the previous
//! digest, and is signed with the audit signing key, which the writer of the directory does not
//! hold at rest (the core keeps it wrapped). Because each hash covers its predecessor, one valid
//! signature vouches for the whole trail before it.
//!
//! The signed message is a fixed binary encoding of the digest body, not its JSON text, so that
//! verification never depends on how the JSON was spelled.

use crate::format::DigestBody;

/// Why a digest was written; recorded in the digest and checked by the verifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DigestReason {
    /// `digest_every_records` records since the previous digest.
    Records,
    /// `digest_every` elapsed with unsealed records.
    Time,
    /// The segment is full or old; the next line is the header of the next segment.
    Rotate,
    /// Opening a journal whose last segment was not closed: seals what survived the crash.
    Recovery,
    /// The journal was closed; nothing follows in this segment.
    Close,
}

impl DigestReason {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DigestReason::Records => "records",
            DigestReason::Time => "time",
            DigestReason::Rotate => "rotate",
            DigestReason::Recovery => "recovery",
            DigestReason::Close => "close",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        [
            DigestReason::Records,
            DigestReason::Time,
            DigestReason::Rotate,
            DigestReason::Recovery,
            DigestReason::Close,
        ]
        .into_iter()
        .find(|reason| reason.as_str() == text)
    }

    /// Whether the digest must be the last line of its segment.
    pub(crate) fn ends_segment(self) -> bool {
        matches!(
            self,
            DigestReason::Rotate | DigestReason::Recovery | DigestReason::Close
        )
    }
}

const DOMAIN: &[u8] = b"trent-audit digest v1\0";

/// The bytes that are signed for a digest: a domain label, then every field of the body with
/// fixed-width integers and length-prefixed strings, so that no two bodies share an encoding.
pub(crate) fn signed_message(body: &DigestBody) -> Vec<u8> {
    let mut out = Vec::with_capacity(192);
    out.extend_from_slice(DOMAIN);
    out.extend_from_slice(&body.journal.0);
    out.extend_from_slice(&body.first_seq.to_be_bytes());
    out.extend_from_slice(&body.last_seq.to_be_bytes());
    out.extend_from_slice(&body.last_hash.0);
    for text in [&body.sealed_at, &body.reason, &body.alg, &body.key_id] {
        // Strings here are short and written by us; a length beyond u32 cannot occur.
        out.extend_from_slice(&u32::try_from(text.len()).unwrap_or(u32::MAX).to_be_bytes());
        out.extend_from_slice(text.as_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::{JournalId, LineHash};

    fn body() -> DigestBody {
        DigestBody {
            journal: JournalId([1; 16]),
            first_seq: 1,
            last_seq: 10,
            last_hash: LineHash([2; 32]),
            sealed_at: "t".into(),
            reason: "records".into(),
            alg: "ed25519".into(),
            key_id: "k".into(),
        }
    }

    #[test]
    fn every_field_changes_the_message() {
        let base = signed_message(&body());
        let mut changed = Vec::new();
        for edit in [
            |b: &mut DigestBody| b.journal = JournalId([3; 16]),
            |b: &mut DigestBody| b.first_seq = 2,
            |b: &mut DigestBody| b.last_seq = 11,
            |b: &mut DigestBody| b.last_hash = LineHash([4; 32]),
            |b: &mut DigestBody| b.sealed_at = "u".into(),
            |b: &mut DigestBody| b.reason = "time".into(),
            |b: &mut DigestBody| b.alg = "x".into(),
            |b: &mut DigestBody| b.key_id = "l".into(),
        ] {
            let mut b = body();
            edit(&mut b);
            changed.push(signed_message(&b));
        }
        assert!(changed.iter().all(|message| *message != base));
        // Moving a byte between adjacent strings changes the encoding too.
        let mut shifted = body();
        shifted.sealed_at = "tr".into();
        shifted.reason = "ecords".into();
        assert_ne!(signed_message(&shifted), base);
    }

    #[test]
    fn reasons_round_trip() {
        for reason in [
            DigestReason::Records,
            DigestReason::Time,
            DigestReason::Rotate,
            DigestReason::Recovery,
            DigestReason::Close,
        ] {
            assert_eq!(DigestReason::parse(reason.as_str()), Some(reason));
        }
        assert_eq!(DigestReason::parse("other"), None);
    }
}
