//! When the trail cannot be written, appends fail — and recover by themselves.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use trent_audit::{Fault, Journal, verify};

use crate::common::*;

#[test]
fn an_injected_write_or_sync_failure_fails_the_append_then_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let journal = open(dir.path(), &key(), small_options());
    assert_eq!(journal.append_blocking(event(0)).unwrap(), 1);
    for fault in [Fault::FailNextWrite, Fault::FailNextSync] {
        journal.inject_fault(fault);
        assert!(journal.append_blocking(event(1)).is_err());
        assert!(journal.check_writable().is_err());
    }
    // The failed events took no seq and left no bytes behind.
    assert_eq!(journal.append_blocking(event(2)).unwrap(), 2);
    assert!(journal.check_writable().is_ok());
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    journal.inject_fault(Fault::FailNextWrite);
    assert!(rt.block_on(journal.append(event(3))).is_err());
    assert_eq!(rt.block_on(journal.append(event(4))).unwrap(), 3);
    journal.close().unwrap();
    let report = verify(dir.path(), &[]).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.records, 3);
}

#[test]
fn an_unhealthy_journal_recovers_without_traffic() {
    let dir = tempfile::tempdir().unwrap();
    let journal = open(dir.path(), &key(), options());
    journal.inject_fault(Fault::FailNextSync);
    assert!(journal.append_blocking(event(0)).is_err());
    assert!(journal.check_writable().is_err());
    let started = Instant::now();
    while journal.check_writable().is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "never recovered"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    journal.close().unwrap();
}

fn set_readonly(dir: &Path, readonly: bool) {
    let mode = if readonly { 0o555 } else { 0o755 };
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_read_only_directory_fails_appends_within_a_second_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let journal: Journal = open(dir.path(), &key(), options());
    journal.append_blocking(event(0)).unwrap();
    assert!(journal.check_writable().is_ok());

    set_readonly(dir.path(), true);
    assert!(journal.check_writable().is_err());
    let started = Instant::now();
    let mut appended_meanwhile = 0;
    while journal.append_blocking(event(1)).is_ok() {
        appended_meanwhile += 1;
        assert!(
            started.elapsed() < Duration::from_millis(1500),
            "appends still succeed in a read-only directory"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(journal.check_writable().is_err());

    set_readonly(dir.path(), false);
    let started = Instant::now();
    while journal.check_writable().is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "never recovered"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let seq = journal.append_blocking(event(2)).unwrap();
    assert_eq!(seq, 2 + appended_meanwhile);
    journal.close().unwrap();
    assert!(verify(dir.path(), &[]).unwrap().is_ok());
}

#[test]
fn close_while_read_only_reports_the_failure() {
    let dir = tempfile::tempdir().unwrap();
    let key = key();
    let journal = open(dir.path(), &key, options());
    journal.append_blocking(event(0)).unwrap();
    set_readonly(dir.path(), true);
    std::thread::sleep(Duration::from_millis(1100));
    assert!(journal.close().is_err());
    drop(journal);
    set_readonly(dir.path(), false);
    // The next open seals what was left unsealed.
    open(dir.path(), &key, options()).close().unwrap();
    assert!(verify(dir.path(), &[]).unwrap().is_ok());
}
