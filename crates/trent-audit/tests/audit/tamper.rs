//! Tampering with a copy of a closed trail: every change is found, and pointed at.

use std::fs;
use std::path::{Path, PathBuf};

use trent_audit::{AuditSigner, VerifyReport, verify};

use crate::common::*;

/// A closed trail of 30 records over several segments, digests every 4 records.
fn trail() -> tempfile::TempDir {
    let (dir, _key) = closed_trail(30, small_options());
    let report = verify(dir.path(), &[]).unwrap();
    assert!(report.is_ok() && report.segments >= 3, "{report}");
    dir
}

fn check(dir: &Path) -> VerifyReport {
    let report = verify(dir, &[]).unwrap();
    assert!(!report.is_ok(), "tampering went unnoticed:\n{report}");
    assert!(
        report.to_string().contains("problem")
            || report.unsigned_tail_records > 0
            || report.torn_tail_bytes > 0
    );
    report
}

fn assert_first_problem(report: &VerifyReport, file: &Path, line: u64, seq: Option<u64>) {
    let first = report
        .problems
        .first()
        .unwrap_or_else(|| panic!("no problem in\n{report}"));
    assert_eq!(
        (first.file.as_path(), first.line, first.seq),
        (file, line, seq),
        "\n{report}"
    );
}

/// A record (seq >= 5) whose next line is a record too: (file, line, seq).
fn record_followed_by_record(dir: &Path) -> (PathBuf, usize, u64) {
    for file in segment_files(dir) {
        let lines = read_lines(&file);
        for (index, pair) in lines.windows(2).enumerate() {
            if pair[0].starts_with("{\"seq\":") && pair[1].starts_with("{\"seq\":") {
                let seq: u64 = pair[0][7..pair[0].find(',').unwrap()].parse().unwrap();
                if seq >= 5 {
                    return (file, index + 1, seq);
                }
            }
        }
    }
    panic!("no two adjacent records");
}

fn edit_line(file: &Path, line: usize, edit: impl FnOnce(&str) -> String) {
    let mut lines = read_lines(file);
    lines[line - 1] = edit(&lines[line - 1]);
    write_lines(file, &lines);
}

#[test]
fn a_changed_byte_in_an_event_is_pinned_to_its_line() {
    let original = trail();
    let copy = copy_dir(original.path());
    let (file, line) = find_record(copy.path(), 5);
    edit_line(&file, line, |text| {
        text.replacen("kms.amazonaws.com", "kms.amazonaws.cot", 1)
    });
    let report = check(copy.path());
    assert_first_problem(&report, &file, line as u64, Some(5));
    assert!(report.problems[0].what.contains("changed"));
    assert_eq!(report.problems.len(), 1, "{report}");
}

#[test]
fn a_removed_record_is_found_where_the_numbering_jumps() {
    let copy = copy_dir(trail().path());
    let (file, line, seq) = record_followed_by_record(copy.path());
    let mut lines = read_lines(&file);
    lines.remove(line - 1);
    write_lines(&file, &lines);
    let report = check(copy.path());
    assert_first_problem(&report, &file, line as u64, Some(seq + 1));
    assert!(report.problems[0].what.contains("missing"), "{report}");
}

#[test]
fn swapped_records_are_found() {
    let copy = copy_dir(trail().path());
    let (file, line, seq) = record_followed_by_record(copy.path());
    let mut lines = read_lines(&file);
    lines.swap(line - 1, line);
    write_lines(&file, &lines);
    let report = check(copy.path());
    assert_first_problem(&report, &file, line as u64, Some(seq + 1));
    assert_eq!(report.problems[1].line, line as u64 + 1, "{report}");
    assert_eq!(report.problems.len(), 2, "{report}");
}

#[test]
fn a_forged_record_after_the_closing_digest_is_found() {
    let copy = copy_dir(trail().path());
    let last = segment_files(copy.path()).pop().unwrap();
    let mut lines = read_lines(&last);
    let prev = line_hash(lines.last().unwrap());
    let forged = String::from_utf8(event(99)).unwrap();
    lines.push(format!(
        "{{\"seq\":31,\"prev\":\"{prev}\",\"event\":{forged}}}"
    ));
    write_lines(&last, &lines);
    let report = check(copy.path());
    assert_first_problem(&report, &last, lines.len() as u64, Some(31));
    assert!(report.problems[0].what.contains("close"), "{report}");
}

#[test]
fn a_forged_record_after_the_last_digest_of_an_open_trail_is_an_unsigned_tail() {
    let (dir, _key) = closed_trail(30, options());
    let copy = copy_dir(dir.path());
    let last = segment_files(copy.path()).pop().unwrap();
    let mut lines = read_lines(&last);
    lines.pop(); // the closing digest, as if the journal were still running
    let prev = line_hash(lines.last().unwrap());
    let forged = String::from_utf8(event(99)).unwrap();
    lines.push(format!(
        "{{\"seq\":31,\"prev\":\"{prev}\",\"event\":{forged}}}"
    ));
    write_lines(&last, &lines);
    let report = check(copy.path());
    assert!(report.is_consistent(), "{report}");
    assert_eq!(report.unsigned_tail_records, 31);
    assert!(!report.closed);
    assert!(report.to_string().contains("unsigned tail: 31"));
}

#[test]
fn a_forged_record_with_recomputed_hashes_before_a_digest_is_found() {
    let copy = copy_dir(trail().path());
    let (file, line, seq) = record_followed_by_record(copy.path());
    let files = segment_files(copy.path());
    let mut all: Vec<(usize, String)> = files
        .iter()
        .enumerate()
        .flat_map(|(index, path)| read_lines(path).into_iter().map(move |l| (index, l)))
        .collect();
    let file_index = files.iter().position(|f| *f == file).unwrap();
    let at = all
        .iter()
        .position(|(index, l)| *index == file_index && l.starts_with(&format!("{{\"seq\":{seq},")))
        .unwrap();
    let forged = String::from_utf8(event(99)).unwrap();
    all.insert(
        at + 1,
        (
            file_index,
            format!(
                "{{\"seq\":0,\"prev\":\"{}\",\"event\":{forged}}}",
                "0".repeat(64)
            ),
        ),
    );
    // Renumber and re-chain everything after the forged line, as a careful forger would.
    let mut next_seq = seq + 1;
    for i in at + 1..all.len() {
        let prev = line_hash(&all[i - 1].1);
        let line = &all[i].1;
        let rewritten = if line.starts_with("{\"seq\":") {
            next_seq += 1;
            with_prev(&with_seq(line, next_seq - 1), &prev)
        } else if line.starts_with("{\"format\":") {
            with_prev(&with_first_seq(line, next_seq), &prev)
        } else {
            with_prev(line, &prev)
        };
        all[i].1 = rewritten;
    }
    for (index, path) in files.iter().enumerate() {
        let lines: Vec<String> = all
            .iter()
            .filter(|(i, _)| *i == index)
            .map(|(_, l)| l.clone())
            .collect();
        write_lines(path, &lines);
    }
    // The first digest after the forged line can no longer be right.
    let lines = read_lines(&file);
    let digest_line = (line + 1..lines.len())
        .find(|&i| lines[i].contains("\"digest\":"))
        .unwrap()
        + 1;
    let signed_last_seq: u64 = {
        let text = &lines[digest_line - 1];
        let at = text.find("\"last_seq\":").unwrap() + 11;
        text[at..at + text[at..].find(',').unwrap()]
            .parse()
            .unwrap()
    };
    let report = check(copy.path());
    assert_first_problem(&report, &file, digest_line as u64, Some(signed_last_seq));
    assert!(report.problems[0].what.contains("signed hash"), "{report}");
}

#[test]
fn a_changed_digest_signature_is_found() {
    let copy = copy_dir(trail().path());
    let file = segment_files(copy.path()).remove(0);
    let lines = read_lines(&file);
    let line = lines.iter().position(|l| l.contains("\"sig\":\"")).unwrap() + 1;
    edit_line(&file, line, |text| {
        let at = text.find("\"sig\":\"").unwrap() + 7;
        let flipped = if &text[at..at + 1] == "A" { "B" } else { "A" };
        format!("{}{flipped}{}", &text[..at], &text[at + 1..])
    });
    let report = check(copy.path());
    assert_eq!(report.problems[0].file, file);
    assert_eq!(report.problems[0].line, line as u64);
    assert!(
        report.problems[0]
            .what
            .contains("signature does not verify"),
        "{report}"
    );
}

#[test]
fn a_deleted_middle_segment_is_found() {
    let copy = copy_dir(trail().path());
    let files = segment_files(copy.path());
    fs::remove_file(&files[1]).unwrap();
    let report = check(copy.path());
    assert_first_problem(&report, &files[2], 0, None);
    assert!(
        report.problems[0].what.contains("segment 2 is missing"),
        "{report}"
    );
    assert_eq!(report.problems.len(), 1, "{report}");
}

#[test]
fn a_deleted_first_segment_is_found() {
    let copy = copy_dir(trail().path());
    let files = segment_files(copy.path());
    fs::remove_file(&files[0]).unwrap();
    let report = verify(copy.path(), &[]).unwrap();
    // Not OK — though only an expected starting point kept elsewhere tells this from pruning.
    assert!(!report.is_ok(), "{report}");
    assert_eq!(report.pruned_segments, 1);
    assert!(report.to_string().contains("pruned start"), "{report}");
    assert!(report.is_ok_from_where_it_starts(), "{report}");
}

#[test]
fn a_deleted_last_segment_is_found() {
    let copy = copy_dir(trail().path());
    let mut files = segment_files(copy.path());
    fs::remove_file(files.pop().unwrap()).unwrap();
    let previous = files.pop().unwrap();
    let report = check(copy.path());
    let last_line = read_lines(&previous).len() as u64;
    assert_eq!(report.problems[0].file, previous);
    assert_eq!(report.problems[0].line, last_line);
    assert!(
        report.problems[0]
            .what
            .contains("segment after it is missing"),
        "{report}"
    );
}

#[test]
fn a_deleted_final_digest_leaves_an_unsigned_tail() {
    let (dir, _key) = closed_trail(30, options());
    let copy = copy_dir(dir.path());
    let file = segment_files(copy.path()).pop().unwrap();
    let mut lines = read_lines(&file);
    assert!(lines.pop().unwrap().contains("\"reason\":\"close\""));
    write_lines(&file, &lines);
    let report = check(copy.path());
    assert_eq!(report.unsigned_tail_records, 30);
    assert!(!report.closed);
}

#[test]
fn a_truncated_tail_is_reported() {
    let copy = copy_dir(trail().path());
    let file = segment_files(copy.path()).pop().unwrap();
    let mut lines = read_lines(&file);
    lines.truncate(lines.len() - 3);
    write_lines(&file, &lines);
    let report = check(copy.path());
    assert!(
        report.unsigned_tail_records > 0 || !report.problems.is_empty(),
        "{report}"
    );
    assert!(!report.closed);
}

#[test]
fn a_changed_header_version_is_found() {
    let copy = copy_dir(trail().path());
    let file = segment_files(copy.path()).remove(1);
    edit_line(&file, 1, |text| {
        text.replacen("\"version\":1", "\"version\":2", 1)
    });
    let report = check(copy.path());
    assert_first_problem(&report, &file, 1, None);
    assert!(report.problems[0].what.contains("version 2"), "{report}");
}

#[test]
fn another_trusted_key_fails_every_digest() {
    let dir = trail();
    let other = AuditSigner::from_pkcs8(&key())
        .unwrap()
        .public_key()
        .to_pem();
    let report = verify(dir.path(), &[other.into_bytes()]).unwrap();
    assert!(!report.is_ok());
    assert_eq!(report.digests, 0);
    assert!(
        report
            .problems
            .iter()
            .all(|p| p.what.contains("not trusted")),
        "{report}"
    );
}

#[test]
fn a_torn_last_line_is_reported_as_torn() {
    let copy = copy_dir(trail().path());
    let file = segment_files(copy.path()).pop().unwrap();
    let mut text = fs::read(&file).unwrap();
    text.extend_from_slice(b"{\"seq\":31,\"pr");
    fs::write(&file, text).unwrap();
    let report = check(copy.path());
    assert!(report.is_consistent());
    assert_eq!(report.torn_tail_bytes, 13);
}
