//! Retention: the oldest sealed segments go, what stays verifies from where it starts.

use std::time::{Duration, SystemTime};

use trent_audit::{QueryFilter, prune, query, verify};

use crate::common::*;

#[test]
fn segments_sealed_before_the_cut_off_are_removed_oldest_first() {
    let (dir, key) = closed_trail(30, small_options());
    let before = segment_files(dir.path());
    assert!(before.len() >= 3);

    // Nothing was sealed before an hour ago.
    let report = prune(dir.path(), SystemTime::now() - Duration::from_secs(3600)).unwrap();
    assert!(report.removed.is_empty());
    assert_eq!(segment_files(dir.path()), before);

    // Everything was sealed before now, but the newest segment always stays.
    std::thread::sleep(Duration::from_millis(5));
    let report = prune(dir.path(), SystemTime::now()).unwrap();
    assert_eq!(report.removed, before[..before.len() - 1]);
    let kept = segment_files(dir.path());
    assert_eq!(kept, before[before.len() - 1..]);
    assert_eq!(report.first_kept, Some(before.len() as u64));

    let report = verify(dir.path(), &[]).unwrap();
    assert!(report.is_ok_from_where_it_starts(), "{report}");
    assert!(!report.is_ok());
    assert_eq!(report.pruned_segments, before.len() as u64 - 1);

    // The journal carries on after the pruned start.
    let last_seq = report.last_seq;
    let journal = open(dir.path(), &key, small_options());
    assert_eq!(journal.append_blocking(event(99)).unwrap(), last_seq + 1);
    journal.close().unwrap();
    let report = verify(dir.path(), &[]).unwrap();
    assert!(report.is_ok_from_where_it_starts(), "{report}");
    assert!(
        !query(dir.path(), &QueryFilter::default())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_running_journal_can_be_pruned() {
    let dir = tempfile::tempdir().unwrap();
    let journal = open(dir.path(), &key(), small_options());
    for i in 0..40 {
        journal.append_blocking(event(i)).unwrap();
    }
    std::thread::sleep(Duration::from_millis(5));
    let report = prune(dir.path(), SystemTime::now()).unwrap();
    assert!(!report.removed.is_empty());
    for i in 40..60 {
        journal.append_blocking(event(i)).unwrap();
    }
    journal.close().unwrap();
    let report = verify(dir.path(), &[]).unwrap();
    assert!(report.is_ok_from_where_it_starts(), "{report}");
    assert_eq!(report.last_seq, 60);
}
