//! Appends from many threads and tasks, reopening, rotation, digests, keys.

use std::time::Duration;

use trent_audit::{AuditError, Journal, JournalOptions, PUBLIC_KEYS_FILE, query, verify};

use crate::common::*;

#[test]
fn concurrent_appends_are_durable_contiguous_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let key = key();
    let journal = open(dir.path(), &key, options());
    let threads: u64 = 8;
    let per_thread: u64 = 150;

    let mut handles = Vec::new();
    for t in 0..threads {
        let journal = journal.clone();
        handles.push(std::thread::spawn(move || {
            (0..per_thread)
                .map(|i| {
                    let n = t * per_thread + i;
                    (journal.append_blocking(event(n)).unwrap(), n)
                })
                .collect::<Vec<_>>()
        }));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let async_results = runtime.block_on(async {
        let mut tasks = Vec::new();
        for t in threads..threads * 2 {
            let journal = journal.clone();
            tasks.push(tokio::spawn(async move {
                let mut out = Vec::new();
                for i in 0..per_thread {
                    let n = t * per_thread + i;
                    out.push((journal.append(event(n)).await.unwrap(), n));
                }
                out
            }));
        }
        let mut all = Vec::new();
        for task in tasks {
            all.extend(task.await.unwrap());
        }
        all
    });
    let mut results: Vec<(u64, u64)> = handles
        .into_iter()
        .flat_map(|handle| handle.join().unwrap())
        .chain(async_results)
        .collect();
    results.sort();
    let total = threads * 2 * per_thread;
    let seqs: Vec<u64> = results.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(seqs, (1..=total).collect::<Vec<_>>());
    journal.close().unwrap();

    let report = verify(dir.path(), &[]).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!((report.records, report.last_seq), (total, total));
    assert!(report.closed && report.keys_from_directory);

    // Every event is stored byte for byte, at the seq its append returned.
    let events = query(dir.path(), &Default::default()).unwrap();
    assert_eq!(events.len() as u64, total);
    for ((_, n), stored) in results.iter().zip(&events) {
        assert_eq!(stored.get().as_bytes(), event(*n).as_slice());
    }
}

#[test]
fn reopening_continues_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let key = key();
    for round in 0..3u64 {
        let journal = open(dir.path(), &key, options());
        for i in 0..10 {
            let seq = journal.append_blocking(event(i)).unwrap();
            assert_eq!(seq, round * 10 + i + 1);
        }
        if round == 1 {
            // Dropping the last handle closes too.
            drop(journal);
        } else {
            journal.close().unwrap();
            journal.close().unwrap();
            assert!(matches!(
                journal.append_blocking(event(0)),
                Err(AuditError::Closed)
            ));
        }
    }
    let report = verify(dir.path(), &[]).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.records, 30);
    assert_eq!(report.segments, 3);
}

#[test]
fn segments_rotate_by_size_and_digests_follow_the_count() {
    let (dir, _key) = closed_trail(60, small_options());
    let report = verify(dir.path(), &[]).unwrap();
    assert!(report.is_ok(), "{report}");
    assert!(report.segments >= 4, "{report}");
    assert!(report.digests >= 15, "{report}");
    for file in segment_files(dir.path()) {
        let lines = read_lines(&file);
        assert!(lines[0].contains(r#""format":"trent-audit-segment","version":1"#));
        assert!(lines.last().unwrap().contains(r#""digest":"#));
    }
}

#[test]
fn segments_rotate_by_age() {
    let dir = tempfile::tempdir().unwrap();
    let journal = open(
        dir.path(),
        &key(),
        JournalOptions {
            max_segment_age: Duration::from_millis(50),
            ..options()
        },
    );
    for i in 0..3 {
        journal.append_blocking(event(i)).unwrap();
        std::thread::sleep(Duration::from_millis(80));
    }
    journal.close().unwrap();
    assert_eq!(segment_files(dir.path()).len(), 3);
    assert!(verify(dir.path(), &[]).unwrap().is_ok());
}

#[test]
fn a_time_digest_seals_records_while_the_journal_runs() {
    let dir = tempfile::tempdir().unwrap();
    let journal = open(
        dir.path(),
        &key(),
        JournalOptions {
            digest_every: Duration::from_millis(100),
            ..options()
        },
    );
    for i in 0..3 {
        journal.append_blocking(event(i)).unwrap();
    }
    let report = verify(dir.path(), &[]).unwrap();
    assert!(report.is_consistent(), "{report}");
    assert_eq!(report.unsigned_tail_records, 3);
    assert!(!report.is_ok());

    std::thread::sleep(Duration::from_millis(400));
    let report = verify(dir.path(), &[]).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.digests, 1);
    assert!(!report.closed);
    journal.close().unwrap();
}

#[test]
fn a_directory_has_one_journal_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let key = key();
    let journal = open(dir.path(), &key, options());
    assert!(matches!(
        Journal::open(dir.path(), &key, options()),
        Err(AuditError::Locked { .. })
    ));
    journal.close().unwrap();
    drop(journal);
    open(dir.path(), &key, options()).close().unwrap();
}

#[test]
fn bad_events_and_keys_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        Journal::open(dir.path(), b"not a key", options()),
        Err(AuditError::InvalidSigningKey)
    ));
    let journal = open(dir.path(), &key(), options());
    for bad in [&b"[1]"[..], b"{\"a\":\n1}", b""] {
        assert!(matches!(
            journal.append_blocking(bad.to_vec()),
            Err(AuditError::InvalidEvent { .. })
        ));
    }
    assert_eq!(journal.append_blocking(b"{}".to_vec()).unwrap(), 1);
    journal.close().unwrap();
}

#[test]
fn debug_output_names_no_event_content() {
    let dir = tempfile::tempdir().unwrap();
    let journal = open(dir.path(), &key(), options());
    journal
        .append_blocking(br#"{"secretish":"plaintext-marker"}"#.to_vec())
        .unwrap();
    let debug = format!("{journal:?}");
    assert!(debug.contains("Journal") && !debug.contains("plaintext-marker"));
    journal.close().unwrap();
    let report = verify(dir.path(), &[]).unwrap();
    assert!(!format!("{report}{report:?}").contains("plaintext-marker"));
}

#[test]
fn rotating_the_signing_key_keeps_old_digests_verifiable() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (key(), key());
    for key in [&old, &new] {
        let journal = open(dir.path(), key, options());
        journal.append_blocking(event(1)).unwrap();
        journal.close().unwrap();
    }
    let pem = std::fs::read_to_string(dir.path().join(PUBLIC_KEYS_FILE)).unwrap();
    assert_eq!(pem.matches("BEGIN PUBLIC KEY").count(), 2);
    assert!(verify(dir.path(), &[]).unwrap().is_ok());
    // Pinning both keys works; pinning only the new one does not.
    assert!(
        verify(dir.path(), &[pem.clone().into_bytes()])
            .unwrap()
            .is_ok()
    );
    let new_only = trent_audit::AuditSigner::from_pkcs8(&new)
        .unwrap()
        .public_key()
        .to_pem();
    let report = verify(dir.path(), &[new_only.into_bytes()]).unwrap();
    assert!(!report.is_ok() && !report.keys_from_directory);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.what.contains("not trusted"))
    );
}

#[test]
fn ecdsa_p256_keys_sign_digests() {
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair};
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &SystemRandom::new())
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let journal = open(dir.path(), pkcs8.as_ref(), small_options());
    for i in 0..10 {
        journal.append_blocking(event(i)).unwrap();
    }
    journal.close().unwrap();
    let der = trent_audit::AuditSigner::from_pkcs8(pkcs8.as_ref())
        .unwrap()
        .public_key()
        .spki_der()
        .to_vec();
    let report = verify(dir.path(), &[der]).unwrap();
    assert!(report.is_ok(), "{report}");
}

#[test]
fn the_handle_is_send_sync_and_clone() {
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    assert_traits::<Journal>();
}

#[test]
fn the_append_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let dir = tempfile::tempdir().unwrap();
    let journal = open(dir.path(), &key(), options());
    let future = journal.append(event(0));
    assert_send(&future);
    drop(future);
    // A dropped, never-polled append leaves nothing behind.
    journal.close().unwrap();
    assert_eq!(verify(dir.path(), &[]).unwrap().records, 0);
}

/// Sync pacing holds a batch until the interval has passed — unless the journal was idle, enough
/// events are waiting, or it is closing. A pacing bug shows up here as a 60 s hang, not as a
/// slow test.
#[test]
fn sync_pacing_never_holds_an_idle_journal_a_full_batch_or_a_close() {
    let dir = tempfile::tempdir().unwrap();
    let journal = open(
        dir.path(),
        &key(),
        JournalOptions {
            min_sync_interval: Duration::from_secs(60),
            sync_early_at: 3,
            ..options()
        },
    );
    journal.set_pacing(true);
    let within = Duration::from_secs(20);
    let started = std::time::Instant::now();
    assert_eq!(journal.append_blocking(event(0)).unwrap(), 1);
    assert!(started.elapsed() < within, "an idle journal synced at once");

    // Three at once reach `sync_early_at`: synced without waiting out the interval.
    let handles: Vec<_> = (1..=3)
        .map(|i| {
            let journal = journal.clone();
            std::thread::spawn(move || journal.append_blocking(event(i)).unwrap())
        })
        .collect();
    let mut seqs: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, vec![2, 3, 4]);
    assert!(started.elapsed() < within, "a full batch synced early");

    // A lone event is now held by the interval; closing writes it at once.
    let held = {
        let journal = journal.clone();
        std::thread::spawn(move || journal.append_blocking(event(5)))
    };
    std::thread::sleep(Duration::from_millis(100));
    journal.close().unwrap();
    assert_eq!(held.join().unwrap().unwrap(), 5);
    assert!(started.elapsed() < within, "closing flushed the held event");
    let report = verify(dir.path(), &[]).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.records, 5);
}

/// Pacing off (the default): nothing is held, however long the interval.
#[test]
fn without_pacing_every_batch_is_synced_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let journal = open(
        dir.path(),
        &key(),
        JournalOptions {
            min_sync_interval: Duration::from_secs(60),
            ..options()
        },
    );
    let started = std::time::Instant::now();
    for i in 0..5 {
        assert_eq!(journal.append_blocking(event(i)).unwrap(), i + 1);
    }
    journal.set_pacing(true);
    journal.set_pacing(false);
    assert_eq!(journal.append_blocking(event(5)).unwrap(), 6);
    assert!(started.elapsed() < Duration::from_secs(20));
    journal.close().unwrap();
}
