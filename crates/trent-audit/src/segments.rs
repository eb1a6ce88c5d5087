//! Finding segment files and reading their complete lines.
//!
//! Readers (recovery, `verify`, `query`, `tail`) may run while a journal appends to the last
//! segment, so they only ever look at bytes up to the last newline: a line without its newline is
//! either being written or was torn by a crash, and is not part of the trail yet.

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::AuditError;
use crate::format::{looks_like_segment, parse_segment_file_name};

/// One segment file of a directory.
#[derive(Debug, Clone)]
pub(crate) struct SegmentFile {
    pub(crate) number: u64,
    pub(crate) path: PathBuf,
}

/// The segment files of a directory, in order, and files that look like segments but are not
/// named like one.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    pub(crate) segments: Vec<SegmentFile>,
    pub(crate) misnamed: Vec<PathBuf>,
}

pub(crate) fn list(dir: &Path) -> Result<Listing, AuditError> {
    let mut listing = Listing::default();
    let entries = fs::read_dir(dir).map_err(|err| AuditError::io("listing", dir, err))?;
    for entry in entries {
        let entry = entry.map_err(|err| AuditError::io("listing", dir, err))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            continue;
        };
        match parse_segment_file_name(name) {
            Some(number) => listing.segments.push(SegmentFile {
                number,
                path: entry.path(),
            }),
            None if looks_like_segment(name) => listing.misnamed.push(entry.path()),
            None => {}
        }
    }
    listing.segments.sort_by_key(|segment| segment.number);
    listing.misnamed.sort();
    Ok(listing)
}

/// A segment's bytes, of which `complete` end with the last newline.
pub(crate) struct SegmentBytes {
    pub(crate) bytes: Vec<u8>,
    pub(crate) complete: usize,
}

impl SegmentBytes {
    /// The bytes after the last newline (a line being written, or torn by a crash).
    pub(crate) fn partial_len(&self) -> usize {
        self.bytes.len() - self.complete
    }

    /// The complete lines, numbered from 1, without their newlines.
    pub(crate) fn lines(&self) -> impl Iterator<Item = (u64, &[u8])> {
        let complete = &self.bytes[..self.complete];
        let body = complete.strip_suffix(b"\n").unwrap_or(complete);
        let mut lines = body.split(|&b| b == b'\n');
        // `split` of an empty body yields one empty item; there are no lines then.
        let empty = body.is_empty() && self.complete == 0;
        let mut number = 0;
        std::iter::from_fn(move || {
            if empty {
                return None;
            }
            let line = lines.next()?;
            number += 1;
            Some((number, line))
        })
    }
}

pub(crate) fn read_segment(path: &Path) -> Result<SegmentBytes, AuditError> {
    read_segment_from(path, 0)
}

/// Reads a segment from byte `offset` on (for followers that already saw the start).
pub(crate) fn read_segment_from(path: &Path, offset: u64) -> Result<SegmentBytes, AuditError> {
    let mut file = File::open(path).map_err(|err| AuditError::io("opening", path, err))?;
    let mut bytes = Vec::new();
    if offset > 0 {
        use std::io::{Seek, SeekFrom};
        file.seek(SeekFrom::Start(offset))
            .map_err(|err| AuditError::io("reading", path, err))?;
    }
    file.read_to_end(&mut bytes)
        .map_err(|err| AuditError::io("reading", path, err))?;
    let complete = bytes
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |at| at + 1);
    Ok(SegmentBytes { bytes, complete })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(bytes: &[u8]) -> Vec<(u64, Vec<u8>)> {
        let complete = bytes
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |at| at + 1);
        let segment = SegmentBytes {
            bytes: bytes.to_vec(),
            complete,
        };
        segment.lines().map(|(n, l)| (n, l.to_vec())).collect()
    }

    #[test]
    fn only_complete_lines_are_read() {
        assert!(lines(b"").is_empty());
        assert!(lines(b"partial").is_empty());
        assert_eq!(lines(b"a\n"), vec![(1, b"a".to_vec())]);
        assert_eq!(
            lines(b"a\nb\npart"),
            vec![(1, b"a".to_vec()), (2, b"b".to_vec())]
        );
        assert_eq!(lines(b"\n"), vec![(1, b"".to_vec())]);
    }
}
