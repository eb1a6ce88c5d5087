//! Zero-filled segments: written into while padded, readable while live, trimmed when sealed or
//! recovered, and never mistaken for records.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use trent_audit::{Journal, JournalOptions, QueryFilter, query, verify};

use crate::common::*;

const SEGMENT_BYTES: u64 = 64 * 1024;
const PREPARED_FILE: &str = "next-segment.zeroed";

fn padded_options() -> JournalOptions {
    JournalOptions {
        max_segment_bytes: SEGMENT_BYTES,
        digest_every_records: 50,
        ..options()
    }
}

/// A journal whose live segment was zero-filled ahead: appends (with pauses, so the filler
/// keeps up) until the newest segment is a padded one. Returns the journal, how many events it
/// holds and the padded segment.
fn padded_live_trail(dir: &Path, key: &[u8]) -> (Journal, u64, PathBuf) {
    let journal = open(dir, key, padded_options());
    for i in 0..5_000 {
        journal.append_blocking(event(i)).unwrap();
        let newest = segment_files(dir).pop().unwrap();
        if newest != segment_files(dir)[0] && fs::metadata(&newest).unwrap().len() == SEGMENT_BYTES
        {
            return (journal, i + 1, newest);
        }
        if i % 10 == 0 {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    panic!("no segment was zero-filled ahead of the writer");
}

fn contains_nul(path: &Path) -> bool {
    fs::read(path).unwrap().contains(&0)
}

#[test]
fn a_padded_live_segment_reads_like_any_other_and_is_trimmed_when_sealed() {
    let dir = tempfile::tempdir().unwrap();
    let key = key();
    let (journal, count, live) = padded_live_trail(dir.path(), &key);
    assert!(contains_nul(&live));

    // Readers stop at the padding: every event is found, nothing is torn.
    assert_eq!(
        query(dir.path(), &QueryFilter::default()).unwrap().len() as u64,
        count
    );
    let live_report = verify(dir.path(), &[]).unwrap();
    assert!(live_report.is_consistent(), "{live_report}");
    assert_eq!(
        (live_report.records, live_report.torn_tail_bytes),
        (count, 0)
    );

    // Rotating out of a padded segment and closing trim every segment to its last line.
    for i in count..count + 400 {
        journal.append_blocking(event(i)).unwrap();
    }
    journal.close().unwrap();
    let report = verify(dir.path(), &[]).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.records, count + 400);
    for file in segment_files(dir.path()) {
        assert!(!contains_nul(&file), "{} keeps padding", file.display());
        assert!(fs::read(&file).unwrap().ends_with(b"\n"));
    }
    assert!(!dir.path().join(PREPARED_FILE).exists());
}

/// A copy of a padded live trail taken while its journal ran — what a crash leaves — with its
/// key, record count and live segment.
fn crashed_padded_trail() -> (tempfile::TempDir, Vec<u8>, u64, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let key = key();
    let (journal, count, live) = padded_live_trail(dir.path(), &key);
    let crashed = copy_dir(dir.path());
    journal.close().unwrap();
    let live = crashed.path().join(live.file_name().unwrap());
    (crashed, key, count, live)
}

/// Opens a crashed trail, appends one record after its `count` and checks the result: it
/// verifies, holds every record, and keeps no padding or prepared file.
fn recover_and_append(dir: &Path, key: &[u8], count: u64) {
    let journal = open(dir, key, padded_options());
    assert_eq!(journal.append_blocking(event(count)).unwrap(), count + 1);
    journal.close().unwrap();
    let after = verify(dir, &[]).unwrap();
    assert!(after.is_ok(), "{after}");
    assert_eq!(after.records, count + 1);
    for file in segment_files(dir) {
        assert!(!contains_nul(&file), "{} keeps padding", file.display());
    }
    assert!(!dir.join(PREPARED_FILE).exists());
}

#[test]
fn recovery_trims_the_padding_a_crash_left() {
    let (crashed, key, count, _) = crashed_padded_trail();
    let before = verify(crashed.path(), &[]).unwrap();
    assert!(before.is_consistent(), "{before}");
    assert_eq!(before.torn_tail_bytes, 0, "padding is not a torn line");
    recover_and_append(crashed.path(), &key, count);
}

#[test]
fn lines_after_a_hole_in_the_padding_are_torn_not_records() {
    let (crashed, key, count, live) = crashed_padded_trail();
    // A page of an unsynced batch that reached the disk while the one before it did not.
    let mut bytes = fs::read(&live).unwrap();
    let content_end = bytes.iter().position(|&b| b == 0).unwrap();
    let later = format!("{}\n", String::from_utf8(event(count + 1)).unwrap());
    bytes[content_end + 4096..content_end + 4096 + later.len()].copy_from_slice(later.as_bytes());
    fs::write(&live, &bytes).unwrap();

    let before = verify(crashed.path(), &[]).unwrap();
    assert!(before.is_consistent(), "{before}");
    assert_eq!(before.records, count);
    assert_eq!(before.torn_tail_bytes, 4096 + later.len() as u64);
    recover_and_append(crashed.path(), &key, count);
}

#[test]
fn journals_that_do_not_prepare_never_pad() {
    let dir = tempfile::tempdir().unwrap();
    let journal = open(
        dir.path(),
        &key(),
        JournalOptions {
            prepare_segments: false,
            ..padded_options()
        },
    );
    for i in 0..600 {
        journal.append_blocking(event(i)).unwrap();
        for file in segment_files(dir.path()) {
            assert!(!contains_nul(&file));
        }
    }
    assert!(!dir.path().join(PREPARED_FILE).exists());
    journal.close().unwrap();
    assert!(segment_files(dir.path()).len() >= 3);
    assert!(verify(dir.path(), &[]).unwrap().is_ok());
}

#[test]
fn a_failed_write_gives_back_the_space_of_the_prepared_file() {
    let dir = tempfile::tempdir().unwrap();
    let key = key();
    let (journal, count, _) = padded_live_trail(dir.path(), &key);
    let prepared = dir.path().join(PREPARED_FILE);
    // Half-fill the live segment so the next one is prepared, and wait until it is.
    let mut next = count;
    let started = std::time::Instant::now();
    while !prepared.exists() || fs::metadata(&prepared).unwrap().len() < SEGMENT_BYTES {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "nothing was prepared"
        );
        journal.append_blocking(event(next)).unwrap();
        next += 1;
        std::thread::sleep(Duration::from_millis(2));
    }
    std::thread::sleep(Duration::from_millis(200));

    journal.inject_fault(trent_audit::Fault::FailNextWrite);
    assert!(journal.append_blocking(event(next)).is_err());
    assert!(!prepared.exists(), "the prepared file still takes space");
    journal.append_blocking(event(next)).unwrap();
    journal.close().unwrap();
    assert!(verify(dir.path(), &[]).unwrap().is_ok());
}
