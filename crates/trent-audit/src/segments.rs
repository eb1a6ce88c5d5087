//! Finding segment files and reading their complete lines.
//!
//! Readers (recovery, `verify`, `query`, `tail`) may run while a journal appends to the last
//! segment, so they only ever look at bytes up to the last newline before the first NUL: a line
//! without its newline is either being written or was torn by a crash, and is not part of the
//! trail yet; NUL bytes are space zero-filled ahead of the writer.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
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

/// A segment's content: the bytes before its first NUL, of which `complete` end with the last
/// newline.
///
/// Segment files may be zero-filled ahead of the writer (see [`crate::prepare`]), so a NUL
/// byte marks where writing stopped: JSON lines never contain one. Bytes after the first NUL
/// that are not NUL themselves (a crash that persisted a later page of an unsynced batch but
/// not an earlier one, or an edit) belong to the torn tail like a line without its newline.
pub(crate) struct SegmentBytes {
    pub(crate) bytes: Vec<u8>,
    pub(crate) complete: usize,
    /// Where the last byte that is not zero padding ends (at least `bytes.len()`; only looked
    /// for by [`read_segment`]).
    written: usize,
    /// How many bytes were read: for [`read_segment`], the whole file, padding included.
    pub(crate) file_len: u64,
}

impl SegmentBytes {
    /// The bytes after the last complete line that are not zero padding: a line being written,
    /// or torn by a crash.
    pub(crate) fn partial_len(&self) -> usize {
        self.written - self.complete
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

/// Reads a whole segment, including what follows its first NUL (recovery and `verify` must
/// tell zero padding from torn bytes).
pub(crate) fn read_segment(path: &Path) -> Result<SegmentBytes, AuditError> {
    read(path, 0, true)
}

/// Reads a segment's content from byte `offset` on (for followers that already saw the start),
/// stopping at its first NUL: the zero padding of a live segment is never read.
pub(crate) fn read_segment_from(path: &Path, offset: u64) -> Result<SegmentBytes, AuditError> {
    read(path, offset, false)
}

/// How much is read at a time.
const CHUNK: usize = 64 * 1024;

fn read(path: &Path, offset: u64, past_content: bool) -> Result<SegmentBytes, AuditError> {
    let failed = |err| AuditError::io("reading", path, err);
    let mut file = File::open(path).map_err(|err| AuditError::io("opening", path, err))?;
    if offset > 0 {
        file.seek(SeekFrom::Start(offset)).map_err(failed)?;
    }
    let mut bytes = Vec::new();
    let mut chunk = vec![0; CHUNK];
    let mut file_len = 0;
    let mut content_ended = false;
    // The end of the last byte after the content that is not padding.
    let mut written = 0;
    loop {
        let read = match file.read(&mut chunk) {
            Ok(0) => break,
            Ok(read) => read,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(failed(err)),
        };
        let chunk = &chunk[..read];
        let chunk_start = file_len as usize;
        file_len += read as u64;
        let mut rest = 0;
        if !content_ended {
            match chunk.iter().position(|&b| b == 0) {
                None => {
                    bytes.extend_from_slice(chunk);
                    continue;
                }
                Some(nul) => {
                    bytes.extend_from_slice(&chunk[..nul]);
                    content_ended = true;
                    if !past_content {
                        break;
                    }
                    rest = nul;
                }
            }
        }
        if let Some(last) = chunk[rest..].iter().rposition(|&b| b != 0) {
            written = chunk_start + rest + last + 1;
        }
    }
    let complete = bytes
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |at| at + 1);
    Ok(SegmentBytes {
        written: written.max(bytes.len()),
        bytes,
        complete,
        file_len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_bytes(content: &[u8], past_content: bool) -> SegmentBytes {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("segment");
        std::fs::write(&path, content).unwrap();
        read(&path, 0, past_content).unwrap()
    }

    fn lines(content: &[u8]) -> Vec<(u64, Vec<u8>)> {
        let segment = read_bytes(content, true);
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

    #[test]
    fn content_ends_at_the_first_nul() {
        assert_eq!(
            lines(b"a\nb\n\0\0\0"),
            vec![(1, b"a".to_vec()), (2, b"b".to_vec())]
        );
        assert_eq!(lines(b"a\n\0b\n\0"), vec![(1, b"a".to_vec())]);
        assert!(lines(b"\0\0").is_empty());
    }

    #[test]
    fn zero_padding_is_not_torn_but_bytes_after_a_hole_are() {
        let mut padded = b"a\nb\n".to_vec();
        padded.resize(3 * CHUNK + 17, 0);
        let segment = read_bytes(&padded, true);
        assert_eq!((segment.complete, segment.partial_len()), (4, 0));
        assert_eq!(segment.file_len, padded.len() as u64);

        let mut torn = b"a\nb".to_vec();
        torn.resize(2 * CHUNK, 0);
        assert_eq!(read_bytes(&torn, true).partial_len(), 1);

        // A page that reached the disk after one that did not: everything from the hole on
        // is torn, wherever it lies.
        let mut holed = b"a\n".to_vec();
        holed.resize(CHUNK + 100, 0);
        holed.extend_from_slice(b"later\n");
        holed.resize(3 * CHUNK, 0);
        let segment = read_bytes(&holed, true);
        assert_eq!(segment.complete, 2);
        assert_eq!(segment.partial_len(), CHUNK + 100 + 6 - 2);
    }

    #[test]
    fn followers_stop_reading_at_the_padding() {
        let mut padded = b"a\nb\n".to_vec();
        padded.resize(4 * CHUNK, 0);
        let segment = read_bytes(&padded, false);
        assert_eq!(segment.complete, 4);
        assert_eq!(segment.file_len, CHUNK as u64);
    }
}
