//! Helpers shared by the journal tests: keys, events, trail copies and line surgery.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_lc_rs::digest::{SHA256, digest};
use trent_audit::{Journal, JournalOptions, generate_signing_key};

pub fn key() -> Vec<u8> {
    generate_signing_key().unwrap().to_vec()
}

/// A CloudTrail-shaped event, about 400 bytes; `i` varies name, time, key and principal.
pub fn event(i: u64) -> Vec<u8> {
    let names = ["Encrypt", "Decrypt", "GenerateDataKey", "Sign"];
    let error = if i % 5 == 4 {
        r#","errorCode":"AccessDeniedException","errorMessage":"denied""#
    } else {
        ""
    };
    format!(
        r#"{{"eventVersion":"1.08","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/u{}","accessKeyId":"AKIA{:04}"}},"eventTime":"2026-04-27T17:{:02}:{:02}Z","eventSource":"kms.amazonaws.com","eventName":"{}","awsRegion":"us-east-1","sourceIPAddress":"10.0.0.1","requestParameters":{{"keyId":"k{}"}},"requestID":"req-{i}","eventID":"ev-{i}","resources":[{{"accountId":"111122223333","type":"AWS::KMS::Key","ARN":"arn:aws:kms:us-east-1:111122223333:key/k{}"}}]{error}}}"#,
        i % 3,
        i % 3,
        (i / 60) % 60,
        i % 60,
        names[(i % 4) as usize],
        i % 2,
        i % 2,
    )
    .into_bytes()
}

pub fn options() -> JournalOptions {
    JournalOptions::default()
}

pub fn open(dir: &Path, key: &[u8], options: JournalOptions) -> Journal {
    Journal::open(dir, key, options).unwrap()
}

/// Small segments and frequent digests, so a few dozen records span several segments.
pub fn small_options() -> JournalOptions {
    JournalOptions {
        max_segment_bytes: 4096,
        digest_every_records: 4,
        digest_every: Duration::from_secs(3600),
        ..JournalOptions::default()
    }
}

/// A closed trail of `count` records in a fresh directory.
pub fn closed_trail(count: u64, options: JournalOptions) -> (tempfile::TempDir, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let key = key();
    let journal = open(dir.path(), &key, options);
    for i in 0..count {
        journal.append_blocking(event(i)).unwrap();
    }
    journal.close().unwrap();
    (dir, key)
}

pub fn copy_dir(from: &Path) -> tempfile::TempDir {
    let to = tempfile::tempdir().unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), to.path().join(entry.file_name())).unwrap();
    }
    to
}

pub fn segment_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "jsonl"))
        .collect();
    files.sort();
    files
}

pub fn read_lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

pub fn write_lines(path: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    fs::write(path, text).unwrap();
}

/// Where the record `seq` is: (file, line number from 1).
pub fn find_record(dir: &Path, seq: u64) -> (PathBuf, usize) {
    let prefix = format!("{{\"seq\":{seq},");
    for file in segment_files(dir) {
        for (index, line) in read_lines(&file).iter().enumerate() {
            if line.starts_with(&prefix) {
                return (file, index + 1);
            }
        }
    }
    panic!("no record {seq}");
}

pub fn line_hash(line: &str) -> String {
    hex::encode(digest(&SHA256, line.as_bytes()).as_ref())
}

/// Replaces the `prev` member of a line of any kind with `prev`.
pub fn with_prev(line: &str, prev: &str) -> String {
    let at = line.find("\"prev\":\"").unwrap() + "\"prev\":\"".len();
    format!("{}{}{}", &line[..at], prev, &line[at + 64..])
}

/// Replaces a record's seq.
pub fn with_seq(line: &str, seq: u64) -> String {
    assert!(line.starts_with("{\"seq\":"));
    let end = line.find(',').unwrap();
    format!("{{\"seq\":{seq}{}", &line[end..])
}

/// Replaces a header's first_seq.
pub fn with_first_seq(line: &str, first_seq: u64) -> String {
    let at = line.find("\"first_seq\":").unwrap() + "\"first_seq\":".len();
    let end = at + line[at..].find(',').unwrap();
    format!("{}{first_seq}{}", &line[..at], &line[end..])
}
