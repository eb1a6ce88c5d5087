//! Append throughput and latency of the journal on the local disk.
//!
//! - `append/concurrent_64`: 64 tasks append ~1 KiB events as fast as they can; group commit
//!   turns them into few large batches, so this is the server's steady state.
//! - `append/single`: one caller, one event at a time: one write and one sync per append, the
//!   latency floor a lone request pays.
//!
//! `cargo bench -p trent-audit -- --test` runs each once (smoke mode).

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use trent_audit::{Journal, JournalOptions, generate_signing_key};

fn event(i: u64) -> Vec<u8> {
    let mut text = format!(
        r#"{{"eventVersion":"1.08","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/bench","accessKeyId":"AKIABENCH"}},"eventTime":"2026-04-27T17:11:06Z","eventSource":"kms.amazonaws.com","eventName":"Encrypt","awsRegion":"us-east-1","sourceIPAddress":"10.0.0.1","requestParameters":{{"keyId":"1234abcd-12ab-34cd-56ef-1234567890ab","encryptionAlgorithm":"SYMMETRIC_DEFAULT"}},"requestID":"req-{i}","eventID":"ev-{i}","resources":[{{"accountId":"111122223333","type":"AWS::KMS::Key","ARN":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}}],"padding":""#
    );
    while text.len() < 1022 {
        text.push('x');
    }
    text.push_str("\"}");
    text.into_bytes()
}

fn open(dir: &std::path::Path) -> Journal {
    let key = generate_signing_key().unwrap();
    Journal::open(dir, &key, JournalOptions::default()).unwrap()
}

fn bench_append(c: &mut Criterion) {
    let mut group = c.benchmark_group("append");
    group.throughput(Throughput::Elements(1));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));

    let dir = tempfile::tempdir().unwrap();
    let journal = open(dir.path());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    const TASKS: u64 = 64;
    group.bench_function("concurrent_64", |b| {
        b.iter_custom(|iters| {
            let per_task = iters.div_ceil(TASKS);
            let started = Instant::now();
            runtime.block_on(async {
                let tasks: Vec<_> = (0..TASKS)
                    .map(|t| {
                        let journal = journal.clone();
                        tokio::spawn(async move {
                            for i in 0..per_task {
                                journal.append(event(t * per_task + i)).await.unwrap();
                            }
                        })
                    })
                    .collect();
                for task in tasks {
                    task.await.unwrap();
                }
            });
            // Scale to the requested count (the tasks may have done a few more).
            started
                .elapsed()
                .mul_f64(iters as f64 / (per_task * TASKS) as f64)
        })
    });

    let template = event(0);
    group.bench_function("single", |b| {
        b.iter(|| journal.append_blocking(template.clone()).unwrap())
    });
    journal.close().unwrap();

    // One append at a time past the first segment, into files that grow as they are written
    // and into files zero-filled ahead (`prepare_segments`): the sync of a growing file also
    // writes its size.
    for prepare in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let options = JournalOptions {
            max_segment_bytes: 8 * 1024 * 1024,
            prepare_segments: prepare,
            ..JournalOptions::default()
        };
        let key = generate_signing_key().unwrap();
        let journal = Journal::open(dir.path(), &key, options).unwrap();
        runtime.block_on(async {
            let tasks: Vec<_> = (0..TASKS)
                .map(|t| {
                    let journal = journal.clone();
                    tokio::spawn(async move {
                        for i in 0..400 {
                            journal.append(event(t * 400 + i)).await.unwrap();
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        });
        std::thread::sleep(Duration::from_millis(300));
        let name = if prepare {
            "single_zero_filled"
        } else {
            "single_growing"
        };
        group.bench_function(name, |b| {
            b.iter(|| journal.append_blocking(template.clone()).unwrap())
        });
        journal.close().unwrap();
    }
    group.finish();
}

criterion_group!(benches, bench_append);
criterion_main!(benches);
