//! Opening a trail left behind by a crash.

use std::fs;

use trent_audit::{AuditError, Journal, verify};

use crate::common::*;

/// A trail as a crash leaves it: no closing digest, and half a line at the end.
fn crashed_trail() -> (tempfile::TempDir, Vec<u8>) {
    let (dir, key) = closed_trail(5, options());
    let file = segment_files(dir.path()).pop().unwrap();
    let mut lines = read_lines(&file);
    assert!(lines.pop().unwrap().contains("\"reason\":\"close\""));
    write_lines(&file, &lines);
    let mut bytes = fs::read(&file).unwrap();
    bytes.extend_from_slice(br#"{"seq":6,"prev":"00"#);
    fs::write(&file, bytes).unwrap();
    (dir, key)
}

#[test]
fn a_torn_last_line_is_cut_and_appends_continue() {
    let (dir, key) = crashed_trail();
    let before = verify(dir.path(), &[]).unwrap();
    assert!(before.is_consistent() && !before.is_ok(), "{before}");
    assert_eq!(
        (before.unsigned_tail_records, before.torn_tail_bytes),
        (5, 19)
    );

    let journal = open(dir.path(), &key, options());
    for i in 0..5 {
        assert_eq!(journal.append_blocking(event(i)).unwrap(), 6 + i);
    }
    journal.close().unwrap();
    let after = verify(dir.path(), &[]).unwrap();
    assert!(after.is_ok(), "{after}");
    assert_eq!((after.records, after.segments), (10, 2));
    // The first segment was sealed by the recovery.
    let first = read_lines(&segment_files(dir.path())[0]);
    assert!(first.last().unwrap().contains("\"reason\":\"recovery\""));
}

#[test]
fn a_segment_torn_before_its_header_was_complete_is_dropped() {
    let (dir, key) = closed_trail(5, options());
    fs::write(
        dir.path().join("segment-00000000000000000002.jsonl"),
        b"{\"format\":\"trent-au",
    )
    .unwrap();
    let journal = open(dir.path(), &key, options());
    assert_eq!(journal.append_blocking(event(0)).unwrap(), 6);
    journal.close().unwrap();
    let report = verify(dir.path(), &[]).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.segments, 2);
}

#[test]
fn a_broken_chain_in_complete_lines_refuses_to_open() {
    let (dir, key) = closed_trail(5, options());
    let (file, line) = find_record(dir.path(), 3);
    let mut lines = read_lines(&file);
    lines.remove(line - 1);
    write_lines(&file, &lines);
    match Journal::open(dir.path(), &key, options()) {
        Err(AuditError::Corrupt {
            file: f, line: l, ..
        }) => {
            assert_eq!((f, l), (file, line as u64));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unknown_format_version_refuses_to_open() {
    let (dir, key) = closed_trail(2, options());
    let file = segment_files(dir.path()).pop().unwrap();
    let mut lines = read_lines(&file);
    lines[0] = lines[0].replacen("\"version\":1", "\"version\":9", 1);
    write_lines(&file, &lines);
    let err = Journal::open(dir.path(), &key, options()).unwrap_err();
    assert!(err.to_string().contains("version 9"), "{err}");
}

const CHILD_DIR: &str = "TRENT_AUDIT_CRASH_CHILD_DIR";
const CHILD_KEY: &str = "TRENT_AUDIT_CRASH_CHILD_KEY";

/// The child half of `kill_9_loses_no_acknowledged_append`: appends from four threads until
/// killed, printing each acknowledged seq.
#[test]
#[ignore = "run as a child process by kill_9_loses_no_acknowledged_append"]
fn crash_child_appends_until_killed() {
    let (Ok(dir), Ok(key)) = (std::env::var(CHILD_DIR), std::env::var(CHILD_KEY)) else {
        return;
    };
    let journal = open(
        std::path::Path::new(&dir),
        &hex::decode(key).unwrap(),
        options(),
    );
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let journal = journal.clone();
            std::thread::spawn(move || {
                for i in 0.. {
                    let seq = journal.append_blocking(event(t * 1_000_000 + i)).unwrap();
                    println!("acked {seq}");
                }
            })
        })
        .collect();
    for thread in threads {
        let _ = thread.join();
    }
}

#[test]
fn kill_9_loses_no_acknowledged_append() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let key = key();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "recovery::crash_child_appends_until_killed",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_DIR, dir.path())
        .env(CHILD_KEY, hex::encode(&key))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut acked = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        if let Some(seq) = line.unwrap().strip_prefix("acked ") {
            acked.push(seq.parse::<u64>().unwrap());
            if acked.len() == 500 {
                break;
            }
        }
    }
    child.kill().unwrap(); // SIGKILL: no close, no final digest
    child.wait().unwrap();
    assert_eq!(acked.len(), 500, "the child stopped early");

    let crashed = verify(dir.path(), &[]).unwrap();
    assert!(crashed.is_consistent(), "{crashed}");
    let highest = *acked.iter().max().unwrap();
    assert!(crashed.last_seq >= highest, "{crashed}");

    let journal = open(dir.path(), &key, options());
    journal.append_blocking(event(0)).unwrap();
    journal.close().unwrap();
    let report = verify(dir.path(), &[]).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.records, crashed.last_seq + 1);
}
