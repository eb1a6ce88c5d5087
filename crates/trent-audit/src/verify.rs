//! Offline verification: does the directory hold an unbroken, signed trail?
//!
//! The verifier walks every line of every segment in order and checks, per line, what the writer
//! promised: segment numbers without gaps, one journal id, a header first in every segment,
//! `seq` without gaps or repeats, `prev` equal to the hash of the line before, and digests that
//! cover exactly the records since the previous digest, name the hash of the line before them and
//! carry a valid signature of a trusted key. It does not stop at the first problem: it reports
//! each one with the file, line and seq where it was seen, then resynchronises on the line as
//! found so that one removed line yields one problem rather than a cascade.
//!
//! Where a hash does not match but the numbering does, the line *before* is blamed (its bytes no
//! longer hash to what its successor recorded: it was edited). Where the numbering jumps, the line
//! where it jumps is named.
//!
//! What verification cannot see on its own: a trail cut right after a closing digest looks like
//! a closed trail. Records after the last valid digest are counted as an unsigned tail (a running
//! or crashed journal has one too) and make [`VerifyReport::is_ok`] false; an operator who needs
//! more keeps the last sequence number somewhere else and compares.
//!
//! Events are never parsed or quoted here: a report may be shown to people who may not read
//! the events.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::chain::{JournalId, LineHash};
use crate::digest::{DigestReason, signed_message};
use crate::error::AuditError;
use crate::format::{self, DigestBody, Line, LineError};
use crate::keys::{AuditPublicKey, read_key_file};
use crate::segments;

/// One thing wrong with a trail, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    /// The line (from 1) in `file`; 0 when the problem is about the file as a whole.
    pub line: u64,
    /// The record seq found on that line (for a digest: the last seq it claims to cover).
    pub seq: Option<u64>,
    pub what: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        if let Some(seq) = self.seq {
            write!(f, " (seq {seq})")?;
        }
        write!(f, ": {}", self.what)
    }
}

/// The outcome of [`verify`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct VerifyReport {
    pub dir: PathBuf,
    pub segments: u64,
    pub records: u64,
    /// Digests whose signature verified with a trusted key and that match the chain.
    pub digests: u64,
    /// The sequence numbers of the first and last record present (0 when there are none).
    pub first_seq: u64,
    pub last_seq: u64,
    /// Records after the last valid digest: written but not (yet) signed. A running journal has
    /// some; a truncated trail or a removed final digest shows up here.
    pub unsigned_tail_records: u64,
    /// Bytes after the last newline of the last segment (a write in progress or torn by a crash).
    pub torn_tail_bytes: u64,
    /// The trail ends with a valid closing digest.
    pub closed: bool,
    /// Segments before the first one present: removed by [`crate::prune`] — or by anyone;
    /// only an expected starting point kept elsewhere tells the two apart.
    pub pruned_segments: u64,
    /// No keys were pinned: signatures were checked against `audit-public-keys.pem` in the
    /// directory itself, which proves consistency but not origin.
    pub keys_from_directory: bool,
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    /// No problem found, every record is covered by a valid digest and the trail starts at
    /// its first segment.
    pub fn is_ok(&self) -> bool {
        self.is_ok_from_where_it_starts() && self.pruned_segments == 0
    }

    /// As [`is_ok`](Self::is_ok), but a pruned start is accepted.
    pub fn is_ok_from_where_it_starts(&self) -> bool {
        self.problems.is_empty() && self.unsigned_tail_records == 0 && self.torn_tail_bytes == 0
    }

    /// No problem found, though the tail may be unsigned (what a running journal looks like).
    pub fn is_consistent(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.is_ok() {
            "OK"
        } else if self.is_consistent() {
            "INCOMPLETE"
        } else {
            "FAILED"
        };
        writeln!(f, "audit trail {}: {verdict}", self.dir.display())?;
        writeln!(
            f,
            "  {} segment(s), {} record(s), seq {}..={}, {} valid signed digest(s){}",
            self.segments,
            self.records,
            self.first_seq,
            self.last_seq,
            self.digests,
            if self.closed {
                ", closed"
            } else {
                ", not closed"
            }
        )?;
        if self.pruned_segments > 0 {
            writeln!(
                f,
                "  pruned start: {} segment(s) before the first one present are gone",
                self.pruned_segments
            )?;
        }
        if self.unsigned_tail_records > 0 {
            writeln!(
                f,
                "  unsigned tail: {} record(s) after the last valid digest",
                self.unsigned_tail_records
            )?;
        }
        if self.torn_tail_bytes > 0 {
            writeln!(
                f,
                "  torn tail: {} byte(s) after the last complete line",
                self.torn_tail_bytes
            )?;
        }
        if self.keys_from_directory {
            writeln!(
                f,
                "  signatures checked against the keys in the directory itself (no key pinned)"
            )?;
        }
        for problem in &self.problems {
            writeln!(f, "  problem: {problem}")?;
        }
        Ok(())
    }
}

/// Checks the trail in `dir`. `trusted_public_keys` are SubjectPublicKeyInfo keys, PEM (one or
/// more blocks) or DER; when empty, the directory's own `audit-public-keys.pem` is used and the
/// report says so. An `Err` means the check could not run (unreadable directory, unreadable
/// key); a trail with problems is an `Ok` report that is not [`VerifyReport::is_ok`].
pub fn verify(dir: &Path, trusted_public_keys: &[Vec<u8>]) -> Result<VerifyReport, AuditError> {
    let mut keys = Vec::new();
    for key in trusted_public_keys {
        if key.starts_with(b"-----BEGIN") {
            let text = std::str::from_utf8(key).map_err(|_| AuditError::InvalidPublicKey {
                reason: "PEM is not text".into(),
            })?;
            keys.extend(AuditPublicKey::from_pem(text)?);
        } else {
            keys.push(AuditPublicKey::from_spki_der(key)?);
        }
    }
    let keys_from_directory = keys.is_empty();
    if keys_from_directory {
        keys = read_key_file(dir)?;
    }

    let listing = segments::list(dir)?;
    let mut verifier = Verifier {
        keys: &keys,
        report: VerifyReport {
            dir: dir.to_path_buf(),
            keys_from_directory,
            ..VerifyReport::default()
        },
        journal: None,
        expected_prev: None,
        next_seq: 1,
        digest_first_seq: 1,
        last_signed_seq: 0,
        last_segment: None,
        previous: None,
        ended_by: None,
    };
    if keys.is_empty() {
        verifier.problem(
            dir.join(crate::keys::PUBLIC_KEYS_FILE),
            0,
            None,
            "no public key to check digests with".into(),
        );
    }
    for path in listing.misnamed {
        verifier.problem(
            path,
            0,
            None,
            "looks like a segment but is not named like one".into(),
        );
    }
    if listing.segments.is_empty() {
        verifier.problem(dir.to_path_buf(), 0, None, "no segment files".into());
    }
    let count = listing.segments.len();
    for (index, segment) in listing.segments.into_iter().enumerate() {
        verifier.segment(segment.number, &segment.path, index + 1 == count);
    }
    Ok(verifier.finish())
}

/// Where the previous line was, for blaming it.
struct PreviousLine {
    file: PathBuf,
    line: u64,
    seq: Option<u64>,
    is_digest: Option<DigestReason>,
    /// A problem was already reported for it.
    reported: bool,
}

struct Verifier<'k> {
    keys: &'k [AuditPublicKey],
    report: VerifyReport,
    journal: Option<JournalId>,
    /// The hash the next line must name (None before the first header).
    expected_prev: Option<LineHash>,
    next_seq: u64,
    /// The first record after the previous digest line (valid or not).
    digest_first_seq: u64,
    /// The last record covered by a valid digest.
    last_signed_seq: u64,
    last_segment: Option<u64>,
    previous: Option<PreviousLine>,
    /// The digest earlier in this segment that ended it.
    ended_by: Option<DigestReason>,
}

impl Verifier<'_> {
    fn problem(&mut self, file: PathBuf, line: u64, seq: Option<u64>, what: String) {
        self.report.problems.push(Problem {
            file,
            line,
            seq,
            what,
        });
    }

    /// Reports that the previous line's bytes no longer hash to what the current one names.
    fn blame_previous(&mut self) {
        let Some(previous) = &mut self.previous else {
            return;
        };
        if previous.reported {
            return;
        }
        previous.reported = true;
        let problem = Problem {
            file: previous.file.clone(),
            line: previous.line,
            seq: previous.seq,
            what: "this line was changed: its hash is not the one the next line records".into(),
        };
        self.report.problems.push(problem);
    }

    fn segment(&mut self, number: u64, path: &Path, is_last: bool) {
        self.report.segments += 1;
        let expected = self.last_segment.map_or(1, |n| n + 1);
        let mut missing_before = false;
        if self.last_segment.is_none() && number > 1 {
            missing_before = true;
            self.report.pruned_segments = number - 1;
        } else if number != expected {
            missing_before = true;
            let what = if number == expected + 1 {
                format!("segment {expected} is missing before this one")
            } else if number > expected {
                format!(
                    "segments {expected}..={} are missing before this one",
                    number - 1
                )
            } else {
                format!("segment number {number} is out of order (expected {expected})")
            };
            self.problem(path.to_path_buf(), 0, None, what);
        }
        self.last_segment = Some(number);

        // The previous segment must have ended with a digest that ends segments.
        if let Some(previous) = &self.previous
            && previous
                .is_digest
                .is_none_or(|reason| !reason.ends_segment())
        {
            let (file, line, seq) = (previous.file.clone(), previous.line, previous.seq);
            self.problem(
                file,
                line,
                seq,
                "the segment does not end with a sealing digest (lines removed from its end?)"
                    .into(),
            );
        }
        self.ended_by = None;

        let data = match segments::read_segment(path) {
            Ok(data) => data,
            Err(err) => {
                self.problem(path.to_path_buf(), 0, None, err.to_string());
                return;
            }
        };
        let mut line_count = 0;
        for (line_number, bytes) in data.lines() {
            line_count = line_number;
            self.line(number, path, line_number, bytes, missing_before);
        }
        if line_count == 0 {
            self.problem(path.to_path_buf(), 0, None, "empty segment".into());
        }
        if data.partial_len() > 0 {
            if is_last {
                self.report.torn_tail_bytes = data.partial_len() as u64;
            } else {
                self.problem(
                    path.to_path_buf(),
                    line_count + 1,
                    None,
                    "incomplete line in a segment that is not the last".into(),
                );
            }
        }
    }

    fn line(&mut self, segment: u64, path: &Path, number: u64, bytes: &[u8], gap_before: bool) {
        let hash = LineHash::of_line(bytes);
        let mut issues: Vec<String> = Vec::new();
        let mut seq_here = None;
        let mut digest_reason = None;
        let mut valid_digest = None;

        match format::parse_line(bytes) {
            Err(err) => {
                issues.push(match err {
                    LineError::UnsupportedVersion(_) => err.to_string(),
                    LineError::Malformed(_) => err.to_string(),
                });
            }
            Ok(Line::Header(header)) => {
                if number != 1 {
                    issues.push("a header in the middle of a segment".into());
                }
                if header.segment != segment {
                    issues.push(format!(
                        "the header names segment {} but the file is segment {segment}",
                        header.segment
                    ));
                }
                match self.journal {
                    None => {
                        self.journal = Some(header.journal);
                        if segment == 1 {
                            self.expected_prev = Some(LineHash::genesis(&header.journal));
                        } else {
                            // The start of the trail was pruned (reported); trust this.
                            self.expected_prev = Some(header.prev);
                            self.next_seq = header.first_seq;
                            self.digest_first_seq = header.first_seq;
                            self.last_signed_seq = header.first_seq - 1;
                        }
                    }
                    Some(journal) if journal != header.journal => {
                        issues.push("the header names another journal".into());
                    }
                    Some(_) => {}
                }
                if gap_before {
                    // Whole segments are missing (reported already): pick the trail up here.
                    self.next_seq = header.first_seq;
                    self.digest_first_seq = header.first_seq;
                } else {
                    if header.first_seq != self.next_seq {
                        issues.push(format!(
                            "the segment starts at seq {} but the trail continues at seq {}",
                            header.first_seq, self.next_seq
                        ));
                        self.next_seq = header.first_seq;
                        self.digest_first_seq = header.first_seq;
                    }
                    if self.expected_prev.is_some_and(|prev| prev != header.prev) {
                        if issues.is_empty() {
                            self.blame_previous();
                        } else {
                            issues.push("the header does not chain to the line before it".into());
                        }
                    }
                }
            }
            Ok(Line::Record { seq, prev, .. }) => {
                seq_here = Some(seq);
                if number == 1 {
                    issues.push("the segment does not start with a header".into());
                }
                if let Some(reason) = self.ended_by {
                    issues.push(format!(
                        "a record after the {} digest that ended this segment",
                        reason.as_str()
                    ));
                }
                if seq != self.next_seq {
                    issues.push(if seq > self.next_seq {
                        format!(
                            "expected seq {}, found {seq}: {} record(s) missing (or moved) before this line",
                            self.next_seq,
                            seq - self.next_seq
                        )
                    } else {
                        format!(
                            "expected seq {}, found {seq}: records out of order or repeated",
                            self.next_seq
                        )
                    });
                }
                if self.expected_prev.is_some_and(|expected| expected != prev) {
                    if issues.is_empty() {
                        self.blame_previous();
                    } else {
                        issues.push("and it does not chain to the line before it".into());
                    }
                }
                self.report.records += 1;
                if self.report.records == 1 {
                    self.report.first_seq = seq;
                }
                self.report.last_seq = seq;
                // Resynchronise on the highest seq seen, so that a record moved backwards is
                // one problem and not a cascade.
                self.next_seq = self.next_seq.max(seq.saturating_add(1));
            }
            Ok(Line::Digest {
                prev,
                body,
                signature,
            }) => {
                seq_here = Some(body.last_seq);
                if number == 1 {
                    issues.push("the segment does not start with a header".into());
                }
                if let Some(reason) = self.ended_by {
                    issues.push(format!(
                        "a digest after the {} digest that ended this segment",
                        reason.as_str()
                    ));
                }
                let chained = self.expected_prev.is_none_or(|expected| expected == prev);
                digest_reason = DigestReason::parse(&body.reason);
                if digest_reason.is_none() {
                    issues.push(format!("unknown digest reason {:?}", body.reason));
                }
                self.check_digest(&body, prev, &signature, &mut issues);
                if !chained {
                    if issues.is_empty() {
                        self.blame_previous();
                    } else {
                        issues.push("the digest does not chain to the line before it".into());
                    }
                }
                if issues.is_empty() {
                    valid_digest = Some(body.last_seq);
                }
                self.digest_first_seq = self.next_seq;
            }
        }

        let reported = !issues.is_empty();
        if reported {
            self.problem(path.to_path_buf(), number, seq_here, issues.join("; "));
        }
        if let Some(last_seq) = valid_digest {
            self.report.digests += 1;
            self.last_signed_seq = last_seq;
        }
        if let Some(reason) = digest_reason
            && reason.ends_segment()
        {
            self.ended_by = Some(reason);
        }
        self.expected_prev = Some(hash);
        self.previous = Some(PreviousLine {
            file: path.to_path_buf(),
            line: number,
            seq: seq_here,
            is_digest: digest_reason,
            reported,
        });
    }

    fn check_digest(
        &self,
        body: &DigestBody,
        prev: LineHash,
        signature: &[u8],
        issues: &mut Vec<String>,
    ) {
        if self.journal.is_some_and(|journal| journal != body.journal) {
            issues.push("the digest names another journal".into());
        }
        if body.last_hash != prev {
            issues.push(
                "the signed hash is not the hash of the line before the digest: lines before it were changed, inserted or removed"
                    .into(),
            );
        }
        let expected_last = self.next_seq - 1;
        if body.first_seq != self.digest_first_seq || body.last_seq != expected_last {
            issues.push(format!(
                "the digest covers seq {}..={} but the records since the previous digest are {}..={}",
                body.first_seq, body.last_seq, self.digest_first_seq, expected_last
            ));
        }
        match self.keys.iter().find(|key| key.key_id() == body.key_id) {
            None => issues.push(format!(
                "signed by key {} which is not trusted",
                body.key_id
            )),
            Some(key) => {
                if key.algorithm().as_str() != body.alg {
                    issues.push("the digest names the wrong algorithm for its key".into());
                } else if !key.verify(&signed_message(body), signature) {
                    issues.push("the digest signature does not verify".into());
                }
            }
        }
    }

    fn finish(mut self) -> VerifyReport {
        if let Some(previous) = &self.previous {
            match previous.is_digest {
                Some(DigestReason::Rotate) => {
                    let (file, line, seq) = (previous.file.clone(), previous.line, previous.seq);
                    self.problem(
                        file,
                        line,
                        seq,
                        "the trail ends with a rotation digest: the segment after it is missing"
                            .into(),
                    );
                }
                Some(DigestReason::Close) => {
                    self.report.closed = !previous.reported;
                }
                _ => {}
            }
        }
        self.report.unsigned_tail_records =
            self.report.last_seq.saturating_sub(self.last_signed_seq);
        self.report
    }
}
