//! The on-disk format, version 1: segment file names and the three kinds of line.
//!
//! A journal is a directory of segment files `segment-NNNNNNNNNNNNNNNNNNNN.jsonl` (the segment
//! number, 20 digits, so names sort in order), each a sequence of JSON lines ending in `\n`:
//!
//! ```text
//! {"format":"trent-audit-segment","version":1,"journal":J,"segment":N,"first_seq":S,"prev":H,"created_at":T}
//! {"seq":S,"prev":H,"event":{...the event as given...}}
//! {"prev":H,"digest":{"journal":J,"first_seq":A,"last_seq":B,"last_hash":H,"sealed_at":T,"reason":R,"alg":G,"key_id":K},"sig":BASE64}
//! ```
//!
//! The header opens every segment and says which format version the rest of the file uses; the
//! reader refuses versions it does not know rather than guessing. Records carry one sequence
//! (`seq`, from 1, without gaps across segments); every line carries the hash chain (`prev`, see
//! [`crate::chain`]). Lines are written by this module's functions only, so their bytes are
//! fixed: the event goes in verbatim, so a query returns exactly what was appended.
//!
//! Record lines are read *positionally* (a fixed prefix, the event, a closing brace) rather than
//! with a JSON parser: the writer never has to parse an event, verification only hashes, and the
//! few bytes around the event are checked exactly. Headers and digests are rare and parsed
//! strictly (unknown members are an error) because a verifier that skips what it does not
//! understand can be fed content it never checked.

use serde::Deserialize;

use crate::chain::{JournalId, LineHash};

pub(crate) const FORMAT_NAME: &str = "trent-audit-segment";
pub(crate) const FORMAT_VERSION: u32 = 1;
const SEGMENT_PREFIX: &str = "segment-";
const SEGMENT_SUFFIX: &str = ".jsonl";
const SEGMENT_DIGITS: usize = 20;

const RECORD_START: &[u8] = b"{\"seq\":";
const RECORD_PREV: &[u8] = b",\"prev\":\"";
const RECORD_EVENT: &[u8] = b"\",\"event\":";

/// The file name of segment `number`.
pub(crate) fn segment_file_name(number: u64) -> String {
    format!("{SEGMENT_PREFIX}{number:020}{SEGMENT_SUFFIX}")
}

/// The segment number of a well-formed segment file name.
pub(crate) fn parse_segment_file_name(name: &str) -> Option<u64> {
    let digits = name
        .strip_prefix(SEGMENT_PREFIX)?
        .strip_suffix(SEGMENT_SUFFIX)?;
    if digits.len() != SEGMENT_DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Whether a file name looks like it was meant to be a segment (so a malformed one is reported
/// rather than ignored).
pub(crate) fn looks_like_segment(name: &str) -> bool {
    name.starts_with(SEGMENT_PREFIX) || name.ends_with(SEGMENT_SUFFIX)
}

/// The first line of a segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SegmentHeader {
    pub(crate) journal: JournalId,
    pub(crate) segment: u64,
    /// The sequence number the segment's first record has (or would have).
    pub(crate) first_seq: u64,
    /// The hash of the previous segment's last line, or the genesis hash.
    pub(crate) prev: LineHash,
    pub(crate) created_at: String,
}

/// What a digest attests; signed as [`crate::digest::signed_message`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DigestBody {
    pub(crate) journal: JournalId,
    /// The first record this digest covers: the one after the previous digest's `last_seq`.
    pub(crate) first_seq: u64,
    /// The last record covered (`first_seq - 1` when the digest covers no record).
    pub(crate) last_seq: u64,
    /// The hash of the line just before the digest (equal to the digest line's `prev`).
    pub(crate) last_hash: LineHash,
    pub(crate) sealed_at: String,
    pub(crate) reason: String,
    pub(crate) alg: String,
    pub(crate) key_id: String,
}

/// One parsed line.
#[derive(Debug)]
pub(crate) enum Line<'a> {
    Header(SegmentHeader),
    Record {
        seq: u64,
        prev: LineHash,
        /// The event bytes exactly as appended.
        event: &'a [u8],
    },
    Digest {
        prev: LineHash,
        body: DigestBody,
        signature: Vec<u8>,
    },
}

/// Why a line could not be read. Never quotes the line (it may hold an event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LineError {
    /// Not one of the three shapes.
    Malformed(String),
    /// A header of a format version this build does not read.
    UnsupportedVersion(u32),
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LineError::Malformed(why) => write!(f, "not a valid journal line ({why})"),
            LineError::UnsupportedVersion(version) => write!(
                f,
                "segment format version {version} is not supported (this build reads version {FORMAT_VERSION})"
            ),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLine {
    format: Option<String>,
    version: Option<u32>,
    journal: Option<String>,
    segment: Option<u64>,
    first_seq: Option<u64>,
    created_at: Option<String>,
    prev: Option<String>,
    digest: Option<RawDigest>,
    sig: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDigest {
    journal: String,
    first_seq: u64,
    last_seq: u64,
    last_hash: String,
    sealed_at: String,
    reason: String,
    alg: String,
    key_id: String,
}

fn malformed(why: &str) -> LineError {
    LineError::Malformed(why.to_string())
}

/// Parses one line (without its newline).
pub(crate) fn parse_line(bytes: &[u8]) -> Result<Line<'_>, LineError> {
    if bytes.starts_with(RECORD_START) {
        return parse_record(bytes);
    }
    // serde_json's messages quote no input, only positions and expectations.
    let raw: RawLine =
        serde_json::from_slice(bytes).map_err(|err| LineError::Malformed(err.to_string()))?;
    let prev = raw
        .prev
        .as_deref()
        .map(|text| {
            lower_hex_hash(text.as_bytes()).ok_or_else(|| malformed("prev is not a SHA-256 hex"))
        })
        .transpose()?
        .ok_or_else(|| malformed("no prev"))?;

    if let Some(format) = raw.format {
        if format != FORMAT_NAME {
            return Err(malformed("not a trent audit segment"));
        }
        let version = raw
            .version
            .ok_or_else(|| malformed("header without version"))?;
        if version != FORMAT_VERSION {
            return Err(LineError::UnsupportedVersion(version));
        }
        if raw.digest.is_some() || raw.sig.is_some() {
            return Err(malformed("header with digest members"));
        }
        let journal = raw
            .journal
            .as_deref()
            .and_then(JournalId::from_hex)
            .ok_or_else(|| malformed("header without a valid journal id"))?;
        return Ok(Line::Header(SegmentHeader {
            journal,
            segment: raw
                .segment
                .ok_or_else(|| malformed("header without segment"))?,
            first_seq: raw
                .first_seq
                .ok_or_else(|| malformed("header without first_seq"))?,
            prev,
            created_at: raw
                .created_at
                .ok_or_else(|| malformed("header without created_at"))?,
        }));
    }

    let header_members = raw.version.is_some()
        || raw.journal.is_some()
        || raw.segment.is_some()
        || raw.first_seq.is_some()
        || raw.created_at.is_some();
    if header_members {
        return Err(malformed("digest with header members"));
    }
    let (Some(digest), Some(sig)) = (raw.digest, raw.sig) else {
        return Err(malformed("neither a header, a record nor a digest"));
    };
    use base64::Engine;
    let signature = base64::engine::general_purpose::STANDARD
        .decode(sig)
        .map_err(|_| malformed("sig is not base64"))?;
    let body = DigestBody {
        journal: JournalId::from_hex(&digest.journal)
            .ok_or_else(|| malformed("digest journal id is not hex"))?,
        first_seq: digest.first_seq,
        last_seq: digest.last_seq,
        last_hash: lower_hex_hash(digest.last_hash.as_bytes())
            .ok_or_else(|| malformed("digest last_hash is not a SHA-256 hex"))?,
        sealed_at: digest.sealed_at,
        reason: digest.reason,
        alg: digest.alg,
        key_id: digest.key_id,
    };
    Ok(Line::Digest {
        prev,
        body,
        signature,
    })
}

/// `{"seq":S,"prev":"H","event":E}` where S is a canonical decimal, H 64 lower-case hex digits
/// and E starts with `{` and ends with `}`.
fn parse_record(bytes: &[u8]) -> Result<Line<'_>, LineError> {
    let rest = &bytes[RECORD_START.len()..];
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 20 || (digits > 1 && rest[0] == b'0') {
        return Err(malformed("record seq is not a canonical number"));
    }
    let seq = std::str::from_utf8(&rest[..digits])
        .ok()
        .and_then(|text| text.parse::<u64>().ok())
        .ok_or_else(|| malformed("record seq is out of range"))?;
    let rest = rest[digits..]
        .strip_prefix(RECORD_PREV)
        .ok_or_else(|| malformed("record without prev"))?;
    let prev = rest
        .get(..64)
        .and_then(lower_hex_hash)
        .ok_or_else(|| malformed("record prev is not a SHA-256 hex"))?;
    let event = rest[64..]
        .strip_prefix(RECORD_EVENT)
        .and_then(|rest| rest.strip_suffix(b"}"))
        .ok_or_else(|| malformed("record without event"))?;
    if !(event.len() >= 2 && event.starts_with(b"{") && event.ends_with(b"}")) {
        return Err(malformed("event is not a JSON object"));
    }
    Ok(Line::Record { seq, prev, event })
}

/// A hash written as exactly 64 lower-case hex digits (the only spelling the writer produces,
/// so that no two spellings of one line exist).
fn lower_hex_hash(text: &[u8]) -> Option<LineHash> {
    if text.len() != 64 || !text.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0; 32];
    hex::decode_to_slice(text, &mut out).ok()?;
    Some(LineHash(out))
}

/// Appends a header line (with its newline) to `out`.
pub(crate) fn write_header(out: &mut Vec<u8>, header: &SegmentHeader) {
    let line = format!(
        "{{\"format\":\"{FORMAT_NAME}\",\"version\":{FORMAT_VERSION},\"journal\":\"{}\",\"segment\":{},\"first_seq\":{},\"prev\":\"{}\",\"created_at\":{}}}\n",
        header.journal.to_hex(),
        header.segment,
        header.first_seq,
        header.prev.to_hex(),
        json_string(&header.created_at),
    );
    out.extend_from_slice(line.as_bytes());
}

/// Appends a record line (with its newline) to `out`. `event` must be one line of compact JSON
/// holding an object (see [`crate::journal::check_event`]). Allocates nothing beyond `out`'s
/// growth: this runs once per appended event.
pub(crate) fn write_record(out: &mut Vec<u8>, seq: u64, prev: &LineHash, event: &[u8]) {
    out.extend_from_slice(RECORD_START);
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = seq;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
    out.extend_from_slice(RECORD_PREV);
    let mut hex = [0; 64];
    // Cannot fail: the buffer is exactly twice the hash length.
    let _ = hex::encode_to_slice(prev.0, &mut hex);
    out.extend_from_slice(&hex);
    out.extend_from_slice(RECORD_EVENT);
    out.extend_from_slice(event);
    out.extend_from_slice(b"}\n");
}

/// Appends a digest line (with its newline) to `out`.
pub(crate) fn write_digest(
    out: &mut Vec<u8>,
    prev: &LineHash,
    body: &DigestBody,
    signature: &[u8],
) {
    use base64::Engine;
    let line = format!(
        "{{\"prev\":\"{}\",\"digest\":{{\"journal\":\"{}\",\"first_seq\":{},\"last_seq\":{},\"last_hash\":\"{}\",\"sealed_at\":{},\"reason\":{},\"alg\":{},\"key_id\":{}}},\"sig\":\"{}\"}}\n",
        prev.to_hex(),
        body.journal.to_hex(),
        body.first_seq,
        body.last_seq,
        body.last_hash.to_hex(),
        json_string(&body.sealed_at),
        json_string(&body.reason),
        json_string(&body.alg),
        json_string(&body.key_id),
        base64::engine::general_purpose::STANDARD.encode(signature),
    );
    out.extend_from_slice(line.as_bytes());
}

fn json_string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> SegmentHeader {
        SegmentHeader {
            journal: JournalId([9; 16]),
            segment: 3,
            first_seq: 41,
            prev: LineHash([1; 32]),
            created_at: "2026-04-27T17:11:06.000Z".into(),
        }
    }

    fn without_newline(buf: &[u8]) -> &[u8] {
        buf.strip_suffix(b"\n").unwrap()
    }

    #[test]
    fn file_names_sort_and_round_trip() {
        assert_eq!(segment_file_name(7), "segment-00000000000000000007.jsonl");
        assert_eq!(
            parse_segment_file_name(&segment_file_name(u64::MAX)),
            Some(u64::MAX)
        );
        assert!(segment_file_name(9) < segment_file_name(10));
        for bad in [
            "segment-7.jsonl",
            "segment-0000000000000000000x.jsonl",
            "other.jsonl",
        ] {
            assert_eq!(parse_segment_file_name(bad), None);
        }
    }

    #[test]
    fn every_line_kind_round_trips() {
        let mut buf = Vec::new();
        write_header(&mut buf, &header());
        assert!(matches!(parse_line(without_newline(&buf)), Ok(Line::Header(h)) if h == header()));

        for seq in [0, 1, 41, u64::MAX] {
            buf.clear();
            write_record(
                &mut buf,
                seq,
                &LineHash([2; 32]),
                br#"{"eventName":"Encrypt"}"#,
            );
            assert_eq!(
                String::from_utf8(buf.clone()).unwrap(),
                format!(
                    "{{\"seq\":{seq},\"prev\":\"{}\",\"event\":{{\"eventName\":\"Encrypt\"}}}}\n",
                    "02".repeat(32)
                )
            );
            match parse_line(without_newline(&buf)).unwrap() {
                Line::Record {
                    seq: parsed,
                    prev,
                    event,
                } => {
                    assert_eq!((parsed, prev), (seq, LineHash([2; 32])));
                    assert_eq!(event, br#"{"eventName":"Encrypt"}"#);
                }
                other => panic!("{other:?}"),
            }
        }

        let body = DigestBody {
            journal: JournalId([9; 16]),
            first_seq: 1,
            last_seq: 41,
            last_hash: LineHash([3; 32]),
            sealed_at: "2026-04-27T17:11:06.000Z".into(),
            reason: "records".into(),
            alg: "ed25519".into(),
            key_id: "ab".into(),
        };
        buf.clear();
        write_digest(&mut buf, &LineHash([3; 32]), &body, &[1, 2, 3]);
        match parse_line(without_newline(&buf)).unwrap() {
            Line::Digest {
                prev,
                body: parsed,
                signature,
            } => {
                assert_eq!(
                    (prev, parsed, signature),
                    (LineHash([3; 32]), body, vec![1, 2, 3])
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rejects_mixed_unknown_and_future_lines() {
        let prev = "00".repeat(32);
        for bad in [
            String::from("not json"),
            format!(r#"{{"seq":1,"prev":"{prev}"}}"#),
            format!(r#"{{"seq":1,"prev":"{prev}","event":[1]}}"#),
            format!(r#"{{"seq":1,"prev":"{prev}","event":{{}},"extra":1}}"#),
            format!(r#"{{"seq":01,"prev":"{prev}","event":{{}}}}"#),
            format!(r#"{{"seq":1, "prev":"{prev}","event":{{}}}}"#),
            format!(r#"{{"seq":1,"prev":"{}","event":{{}}}}"#, "AB".repeat(32)),
            String::from(r#"{"seq":1,"prev":"abc","event":{}}"#),
            format!(r#"{{"seq":99999999999999999999,"prev":"{prev}","event":{{}}}}"#),
            format!(r#"{{"prev":"{prev}","event":{{}}}}"#),
            format!(r#"{{"prev":"{prev}"}}"#),
        ] {
            assert!(
                matches!(parse_line(bad.as_bytes()), Err(LineError::Malformed(_))),
                "{bad}"
            );
        }
        let future = format!(
            r#"{{"format":"trent-audit-segment","version":2,"journal":"{}","segment":1,"first_seq":1,"prev":"{prev}","created_at":"x"}}"#,
            "00".repeat(16)
        );
        assert_eq!(
            parse_line(future.as_bytes()).unwrap_err(),
            LineError::UnsupportedVersion(2)
        );
    }
}
