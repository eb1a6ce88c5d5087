//! Finding events again: filters, tail, follow.

use std::time::{Duration, UNIX_EPOCH};

use serde_json::Value;
use trent_audit::{Follower, QueryFilter, query, tail};

use crate::common::*;

fn ids(events: &[Box<serde_json::value::RawValue>]) -> Vec<String> {
    events
        .iter()
        .map(|raw| {
            let value: Value = serde_json::from_str(raw.get()).unwrap();
            value["requestID"].as_str().unwrap().to_string()
        })
        .collect()
}

fn expected(range: impl Iterator<Item = u64>, keep: impl Fn(u64) -> bool) -> Vec<String> {
    range
        .filter(|i| keep(*i))
        .map(|i| format!("req-{i}"))
        .collect()
}

#[test]
fn filters_select_by_time_key_principal_name_and_error() {
    // 40 records over several segments, read while the journal is still open.
    let dir = tempfile::tempdir().unwrap();
    let journal = open(dir.path(), &key(), small_options());
    for i in 0..40 {
        journal.append_blocking(event(i)).unwrap();
    }
    let run = |filter: QueryFilter| ids(&query(dir.path(), &filter).unwrap());

    assert_eq!(run(QueryFilter::default()), expected(0..40, |_| true));
    assert_eq!(
        run(QueryFilter {
            event_name: Some("Decrypt".into()),
            ..Default::default()
        }),
        expected(0..40, |i| i % 4 == 1)
    );
    assert_eq!(
        run(QueryFilter {
            error_code: Some("*".into()),
            ..Default::default()
        }),
        expected(0..40, |i| i % 5 == 4)
    );
    assert_eq!(
        run(QueryFilter {
            error_code: Some("AccessDeniedException".into()),
            event_name: Some("Encrypt".into()),
            ..Default::default()
        }),
        expected(0..40, |i| i % 5 == 4 && i % 4 == 0)
    );
    // By key id (matches requestParameters.keyId and the ARN's tail) or by ARN.
    assert_eq!(
        run(QueryFilter {
            key: Some("k1".into()),
            ..Default::default()
        }),
        expected(0..40, |i| i % 2 == 1)
    );
    assert_eq!(
        run(QueryFilter {
            key: Some("arn:aws:kms:us-east-1:111122223333:key/k0".into()),
            ..Default::default()
        }),
        expected(0..40, |i| i % 2 == 0)
    );
    // By principal ARN or access key id.
    assert_eq!(
        run(QueryFilter {
            principal: Some("arn:aws:iam::111122223333:user/u2".into()),
            ..Default::default()
        }),
        expected(0..40, |i| i % 3 == 2)
    );
    assert_eq!(
        run(QueryFilter {
            principal: Some("AKIA0001".into()),
            limit: Some(3),
            ..Default::default()
        }),
        expected(0..40, |i| i % 3 == 1)
            .into_iter()
            .take(3)
            .collect::<Vec<_>>()
    );
    // By time: event i happens at 17:00:i (UTC, 2026-04-27).
    let base = UNIX_EPOCH + Duration::from_secs(1_777_309_200);
    assert_eq!(
        run(QueryFilter {
            start: Some(base + Duration::from_secs(10)),
            end: Some(base + Duration::from_secs(14)),
            ..Default::default()
        }),
        expected(10..15, |_| true)
    );
    journal.close().unwrap();
}

#[test]
fn tail_returns_the_last_matching_events_oldest_first() {
    let (dir, _key) = closed_trail(40, small_options());
    let last = |n, filter: QueryFilter| ids(&tail(dir.path(), n, &filter).unwrap());
    assert_eq!(last(3, QueryFilter::default()), expected(37..40, |_| true));
    assert_eq!(last(100, QueryFilter::default()).len(), 40);
    assert_eq!(
        last(
            4,
            QueryFilter {
                event_name: Some("Sign".into()),
                ..Default::default()
            }
        ),
        expected(0..40, |i| i % 4 == 3).split_off(6)
    );
    assert!(last(0, QueryFilter::default()).is_empty());
}

#[test]
fn a_follower_sees_what_is_appended_after_it_started() {
    let dir = tempfile::tempdir().unwrap();
    let journal = open(dir.path(), &key(), small_options());
    for i in 0..5 {
        journal.append_blocking(event(i)).unwrap();
    }
    let mut follower = Follower::from_end(dir.path(), QueryFilter::default()).unwrap();
    assert!(follower.poll().unwrap().is_empty());
    for i in 5..25 {
        journal.append_blocking(event(i)).unwrap();
    }
    assert_eq!(ids(&follower.poll().unwrap()), expected(5..25, |_| true));
    journal.append_blocking(event(25)).unwrap();
    assert_eq!(ids(&follower.poll().unwrap()), expected(25..26, |_| true));
    journal.close().unwrap();
}
