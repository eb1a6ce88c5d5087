//! The conformance suite: what every [`Store`] backend must do, written once.
//!
//! Why it exists: a storage bug loses customer keys forever, and the SQLite and PostgreSQL
//! backends must behave identically, down to revision numbers and listing order. Each backend's
//! tests call [`run_all`] with a factory of empty stores; each case is also a `pub fn` so a
//! backend can run one on its own while chasing a failure.
//!
//! It is test code, compiled into the library so that other crates can reuse it: every case panics
//! with a message naming what went wrong. It does not test crash safety (that needs a process to
//! kill), performance, or anything backend-specific such as opening files.
//!
//! Ordering contract pinned here: ids sort by their UTF-8 bytes (Rust's `str` order), so `"B"`
//! sorts before `"a"`. A PostgreSQL backend needs `COLLATE "C"` to pass.

use std::collections::BTreeSet;

use crate::{Batch, Expect, ListQuery, Record, RecordKey, Store, StoreError};

/// A case: its name and the function that runs it on an empty store.
pub type Case = (&'static str, fn(&dyn Store));

/// Every case, in the order [`run_all`] runs them.
pub const CASES: &[Case] = &[
    ("get_missing", get_missing),
    ("put_get_roundtrip", put_get_roundtrip),
    ("revision_increments", revision_increments),
    (
        "absent_conflicts_when_present",
        absent_conflicts_when_present,
    ),
    ("revision_expectation", revision_expectation),
    ("delete_semantics", delete_semantics),
    ("batch_is_atomic", batch_is_atomic),
    ("batch_sees_its_own_writes", batch_sees_its_own_writes),
    ("empty_batch", empty_batch),
    ("list_orders_by_bytes", list_orders_by_bytes),
    ("list_prefix_is_literal", list_prefix_is_literal),
    ("list_after_and_limit", list_after_and_limit),
    ("scan_ordering", scan_ordering),
    ("scan_of_many_records", scan_of_many_records),
    ("isolation", isolation),
    ("wipe", wipe),
    ("concurrent_compare_and_set", concurrent_compare_and_set),
    (
        "concurrent_batches_fail_alone",
        concurrent_batches_fail_alone,
    ),
    ("binary_values", binary_values),
];

/// Runs every case, each on a fresh store from `make`, which must return an empty store.
pub fn run_all(make: &dyn Fn() -> Box<dyn Store>) {
    for (name, case) in CASES {
        eprintln!("conformance: {name}");
        let store = make();
        assert_empty(store.as_ref(), name);
        case(store.as_ref());
    }
}

pub fn get_missing(store: &dyn Store) {
    let got = store.get(&key("key", "acct", "r", "nope")).expect("get");
    assert!(got.is_none(), "get of a missing record returned {got:?}");
}

pub fn put_get_roundtrip(store: &dyn Store) {
    let k = key("key", "111122223333", "eu-west-1", "k1");
    let revision = put(store, &k, b"hello", Expect::Absent).expect("first put");
    assert_eq!(revision, 1, "a new record starts at revision 1");
    let record = store.get(&k).expect("get").expect("record just written");
    assert_eq!(
        record,
        Record {
            key: k,
            revision: 1,
            value: b"hello".to_vec()
        },
        "get returns what put wrote"
    );
}

pub fn revision_increments(store: &dyn Store) {
    let k = key("key", "a", "r", "k");
    for expected in 1..=5u64 {
        let value = expected.to_be_bytes();
        let revision = put(store, &k, &value, Expect::Any).expect("put Any");
        assert_eq!(revision, expected, "revision after {expected} writes");
        let record = store.get(&k).expect("get").expect("record exists");
        assert_eq!(record.revision, expected, "stored revision");
        assert_eq!(record.value, value, "latest value wins");
    }
}

pub fn absent_conflicts_when_present(store: &dyn Store) {
    let k = key("alias", "a", "r", "alias/x");
    put(store, &k, b"first", Expect::Absent).expect("create");
    let err = put(store, &k, b"second", Expect::Absent).expect_err("second create must conflict");
    assert_conflict(err, &k);
    let record = store.get(&k).expect("get").expect("record exists");
    assert_eq!(record.value, b"first", "a failed create changes nothing");
    assert_eq!(record.revision, 1, "a failed create keeps the revision");
}

pub fn revision_expectation(store: &dyn Store) {
    let k = key("key", "a", "r", "k");
    let err = put(store, &k, b"x", Expect::Revision(1)).expect_err("CAS on a missing record");
    assert_conflict(err, &k);
    assert!(
        store.get(&k).expect("get").is_none(),
        "failed CAS created a record"
    );

    put(store, &k, b"v1", Expect::Absent).expect("create");
    for stale in [0, 2, 7] {
        let err = put(store, &k, b"bad", Expect::Revision(stale)).expect_err("stale CAS");
        assert_conflict(err, &k);
    }
    let revision = put(store, &k, b"v2", Expect::Revision(1)).expect("CAS at current revision");
    assert_eq!(revision, 2, "successful CAS bumps the revision");
    let err = put(store, &k, b"v3", Expect::Revision(1)).expect_err("CAS reusing old revision");
    assert_conflict(err, &k);
    let record = store.get(&k).expect("get").expect("record exists");
    assert_eq!(
        (record.revision, record.value.as_slice()),
        (2, &b"v2"[..]),
        "only the successful CAS applied"
    );
}

pub fn delete_semantics(store: &dyn Store) {
    let k = key("key", "a", "r", "k");
    let mut batch = Batch::new();
    batch.delete(k.clone(), Expect::Any);
    assert_eq!(
        store.commit(batch).expect("delete absent with Any"),
        vec![0],
        "deleting an absent record with Any is fine"
    );
    let err = delete(store, &k, Expect::Revision(1)).expect_err("delete absent at revision");
    assert_conflict(err, &k);
    assert_eq!(
        delete(store, &k, Expect::Absent).expect("delete absent with Absent"),
        0,
        "Absent holds for a missing record"
    );

    put(store, &k, b"v1", Expect::Absent).expect("create");
    put(store, &k, b"v2", Expect::Revision(1)).expect("update");
    for expect in [Expect::Absent, Expect::Revision(1), Expect::Revision(3)] {
        let err = delete(store, &k, expect).expect_err("delete with unmet expectation");
        assert_conflict(err, &k);
        assert!(
            store.get(&k).expect("get").is_some(),
            "failed delete removed the record"
        );
    }
    assert_eq!(
        delete(store, &k, Expect::Revision(2)).expect("delete"),
        0,
        "delete returns 0"
    );
    assert!(
        store.get(&k).expect("get").is_none(),
        "deleted record is gone"
    );
    assert!(
        list_all(store, "key", "a", "r").is_empty(),
        "deleted record still listed"
    );

    let revision = put(store, &k, b"again", Expect::Absent).expect("re-create after delete");
    assert_eq!(revision, 1, "a re-created record starts over at revision 1");
}

pub fn batch_is_atomic(store: &dyn Store) {
    let existing = key("key", "a", "r", "existing");
    let fresh = key("key", "a", "r", "fresh");
    let other = key("alias", "a", "r", "alias/x");
    put(store, &existing, b"old", Expect::Absent).expect("seed");

    let mut batch = Batch::new();
    batch
        .put(fresh.clone(), b"new".to_vec(), Expect::Absent)
        .put(existing.clone(), b"clobber".to_vec(), Expect::Absent)
        .put(other.clone(), b"later".to_vec(), Expect::Any);
    let err = store
        .commit(batch)
        .expect_err("batch with a failing 2nd write");
    assert_conflict(err, &existing);

    assert!(
        store.get(&fresh).expect("get").is_none(),
        "1st write of a failed batch was applied"
    );
    assert!(
        store.get(&other).expect("get").is_none(),
        "3rd write of a failed batch was applied"
    );
    let record = store.get(&existing).expect("get").expect("seed exists");
    assert_eq!(
        (record.revision, record.value.as_slice()),
        (1, &b"old"[..]),
        "conflicting write was applied"
    );

    let mut batch = Batch::new();
    batch
        .put(fresh.clone(), b"new".to_vec(), Expect::Absent)
        .put(existing.clone(), b"updated".to_vec(), Expect::Revision(1))
        .delete(other.clone(), Expect::Any);
    assert_eq!(
        store.commit(batch).expect("batch whose expectations hold"),
        vec![1, 2, 0],
        "one revision per write, in order"
    );
    assert_eq!(
        store.get(&fresh).expect("get").expect("fresh").value,
        b"new"
    );
    assert_eq!(
        store.get(&existing).expect("get").expect("existing").value,
        b"updated"
    );
}

pub fn batch_sees_its_own_writes(store: &dyn Store) {
    let k = key("key", "a", "r", "k");
    let mut batch = Batch::new();
    batch
        .put(k.clone(), b"v1".to_vec(), Expect::Absent)
        .put(k.clone(), b"v2".to_vec(), Expect::Revision(1))
        .put(k.clone(), b"v3".to_vec(), Expect::Any);
    assert_eq!(
        store.commit(batch).expect("sequential writes to one key"),
        vec![1, 2, 3],
        "each write sees the ones before it"
    );
    let record = store.get(&k).expect("get").expect("record");
    assert_eq!((record.revision, record.value.as_slice()), (3, &b"v3"[..]));

    let mut batch = Batch::new();
    batch
        .delete(k.clone(), Expect::Revision(3))
        .put(k.clone(), b"new".to_vec(), Expect::Absent);
    assert_eq!(
        store
            .commit(batch)
            .expect("delete then re-create in one batch"),
        vec![0, 1]
    );
}

pub fn empty_batch(store: &dyn Store) {
    assert_eq!(
        store.commit(Batch::new()).expect("empty batch"),
        Vec::<u64>::new(),
        "an empty batch returns no revisions"
    );
}

pub fn list_orders_by_bytes(store: &dyn Store) {
    // Inserted out of order; sorted they are in UTF-8 byte order.
    let ids = ["é", "a", "B", "😀", "ab", "", "A", "b", "aa", "\u{7f}", "z"];
    for id in ids {
        put(
            store,
            &key("key", "a", "r", id),
            id.as_bytes(),
            Expect::Absent,
        )
        .expect("seed");
    }
    let mut expected: Vec<&str> = ids.to_vec();
    expected.sort_unstable();
    let listed = list_all(store, "key", "a", "r");
    assert_eq!(ids_of(&listed), expected, "list orders ids by their bytes");
    for record in &listed {
        assert_eq!(record.value, record.key.id.as_bytes(), "value matches id");
        assert_eq!(record.revision, 1);
    }
}

pub fn list_prefix_is_literal(store: &dyn Store) {
    let ids = [
        "a", "a%", "a%b", "a_b", "axb", "aXb", "ab", "A%b", "a\\b", "é1", "é2", "éa", "f",
    ];
    for id in ids {
        put(store, &key("key", "a", "r", id), b"", Expect::Absent).expect("seed");
    }
    let all = ids_sorted(&ids);
    let cases: &[(&str, &[&str])] = &[
        ("a%", &["a%", "a%b"]),
        ("a_", &["a_b"]),
        ("a\\", &["a\\b"]),
        ("A", &["A%b"]),
        ("ax", &["axb"]),
        ("aX", &["aXb"]),
        ("é", &["é1", "é2", "éa"]),
        ("é2", &["é2"]),
        ("zz", &[]),
        ("", &all),
    ];
    for (prefix, expected) in cases {
        let listed = store
            .list(query("key", "a", "r", prefix, None, 1000))
            .expect("list");
        assert_eq!(ids_of(&listed), *expected, "ids with prefix {prefix:?}");
    }
}

pub fn list_after_and_limit(store: &dyn Store) {
    let ids: Vec<String> = (0..25).map(|i| format!("k{i:02}")).collect();
    for id in ids.iter().rev() {
        put(store, &key("key", "a", "r", id), b"", Expect::Absent).expect("seed");
    }
    put(store, &key("key", "a", "r", "j"), b"", Expect::Absent).expect("seed");
    put(store, &key("key", "a", "r", "l"), b"", Expect::Absent).expect("seed");

    // Paging through with the last id as marker returns each record exactly once.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..=ids.len() {
        let page = store
            .list(query("key", "a", "r", "k", after.as_deref(), 7))
            .expect("list page");
        assert!(page.len() <= 7, "page of {} exceeds limit 7", page.len());
        let Some(last) = page.last() else { break };
        assert!(
            seen.len() <= ids.len(),
            "pagination does not end: after {after:?} returned {page:?}"
        );
        after = Some(last.key.id.clone());
        seen.extend(page.iter().map(|r| r.key.id.clone()));
    }
    assert_eq!(seen, ids, "pagination returns every id once, in order");

    let page = store
        .list(query("key", "a", "r", "k", Some("k10"), 3))
        .expect("list");
    assert_eq!(
        ids_of(&page),
        ["k11", "k12", "k13"],
        "after is strictly greater"
    );
    let page = store
        .list(query("key", "a", "r", "k", Some("k10x"), 2))
        .expect("list");
    assert_eq!(
        ids_of(&page),
        ["k11", "k12"],
        "after need not be an existing id"
    );
    let page = store
        .list(query("key", "a", "r", "k", Some("a"), 2))
        .expect("list");
    assert_eq!(ids_of(&page), ["k00", "k01"], "after before the prefix");
    let page = store
        .list(query("key", "a", "r", "k", Some("k24"), 10))
        .expect("list");
    assert!(page.is_empty(), "after the last id: {page:?}");
    let page = store
        .list(query("key", "a", "r", "", Some("k24"), 10))
        .expect("list");
    assert_eq!(ids_of(&page), ["l"], "after without prefix");
    let page = store
        .list(query("key", "a", "r", "", None, 0))
        .expect("list");
    assert!(page.is_empty(), "limit 0 returns nothing: {page:?}");
    let page = store
        .list(query("key", "a", "r", "", None, usize::MAX))
        .expect("list");
    assert_eq!(page.len(), 27, "usize::MAX limit returns everything");
}

pub fn scan_ordering(store: &dyn Store) {
    let keys = [
        ("b", "us-east-1", "k2"),
        ("a", "us-east-1", "k9"),
        ("b", "eu-west-1", "k1"),
        ("a", "eu-west-1", "k5"),
        ("", "", "global"),
        ("a", "us-east-1", "k1"),
    ];
    for (account, region, id) in keys {
        put(store, &key("key", account, region, id), b"", Expect::Absent).expect("seed");
    }
    put(
        store,
        &key("alias", "a", "us-east-1", "x"),
        b"",
        Expect::Absent,
    )
    .expect("seed");

    let scanned = scanned_addresses(store, "key");
    let mut expected: Vec<(String, String, String)> = keys
        .iter()
        .map(|(a, r, i)| (a.to_string(), r.to_string(), i.to_string()))
        .collect();
    expected.sort();
    assert_eq!(
        scanned, expected,
        "scan orders by (account, region, id), one kind only"
    );
    assert!(
        store.scan("nothing").expect("scan").is_empty(),
        "scan of an unused kind"
    );
}

/// A scan returns every record even when a backend reads them in pages (the SQLite store
/// reads 1,000 at a time): ids that share a prefix, and pages that end inside one
/// (account, region) and at its boundary.
pub fn scan_of_many_records(store: &dyn Store) {
    let mut expected = Vec::new();
    for (account, region, count) in [
        ("", "", 1),
        ("a", "eu-west-1", 1999),
        ("a", "us-east-1", 1001),
    ] {
        let mut batch = Batch::new();
        for n in 0..count {
            let id = format!("k{n}");
            batch.put(key("key", account, region, &id), Vec::new(), Expect::Absent);
            expected.push((account.to_string(), region.to_string(), id));
        }
        store.commit(batch).expect("seed");
    }
    expected.sort();
    let scanned = scanned_addresses(store, "key");
    assert_eq!(scanned.len(), expected.len(), "every record once");
    assert!(scanned == expected, "scan orders by (account, region, id)");
}

/// (account, region, id) of every record `scan(kind)` returns, in its order.
fn scanned_addresses(store: &dyn Store, kind: &str) -> Vec<(String, String, String)> {
    store
        .scan(kind)
        .expect("scan")
        .into_iter()
        .map(|r| (r.key.account, r.key.region, r.key.id))
        .collect()
}

pub fn isolation(store: &dyn Store) {
    let keys = [
        key("key", "a", "r", "same"),
        key("alias", "a", "r", "same"),
        key("key", "b", "r", "same"),
        key("key", "a", "s", "same"),
        key("key", "", "", "same"),
    ];
    for (i, k) in keys.iter().enumerate() {
        put(store, k, &[i as u8], Expect::Absent).expect("same id under another address");
    }
    for (i, k) in keys.iter().enumerate() {
        let record = store.get(k).expect("get").expect("record exists");
        assert_eq!(record.value, [i as u8], "{k:?} holds its own value");
        let listed = list_all(store, &k.kind, &k.account, &k.region);
        assert_eq!(
            listed.len(),
            1,
            "list of {k:?} sees only its own (kind, account, region)"
        );
        assert_eq!(listed[0].key, *k);
    }
    delete(store, &keys[0], Expect::Any).expect("delete one");
    assert!(store.get(&keys[0]).expect("get").is_none());
    for k in &keys[1..] {
        assert!(
            store.get(k).expect("get").is_some(),
            "deleting another address removed {k:?}"
        );
    }
}

pub fn wipe(store: &dyn Store) {
    for kind in ["key", "alias", "grant"] {
        for id in ["1", "2"] {
            put(store, &key(kind, "a", "r", id), b"x", Expect::Absent).expect("seed");
        }
    }
    store.wipe().expect("wipe");
    for kind in ["key", "alias", "grant"] {
        assert!(
            store.scan(kind).expect("scan").is_empty(),
            "{kind} survived wipe"
        );
    }
    let revision =
        put(store, &key("key", "a", "r", "1"), b"y", Expect::Absent).expect("create after wipe");
    assert_eq!(revision, 1, "records start over after wipe");
    store.wipe().expect("wipe again");
}

/// Many threads commit at once (a backend may group them): batches whose expectations fail are
/// refused whole, and never take another caller's batch down with them.
pub fn concurrent_batches_fail_alone(store: &dyn Store) {
    const THREADS: usize = 8;
    const ROUNDS: usize = 40;
    let taken = key("key", "a", "r", "taken");
    put(store, &taken, b"x", Expect::Any).expect("seed");
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            let taken = taken.clone();
            scope.spawn(move || {
                for round in 0..ROUNDS {
                    let own = key("key", "a", "r", &format!("t{thread}-{round}"));
                    let mut batch = Batch::new();
                    batch.put(own.clone(), b"mine".to_vec(), Expect::Absent);
                    if round % 2 == 1 {
                        // Doomed: the record exists.
                        batch.put(taken.clone(), b"y".to_vec(), Expect::Absent);
                        assert!(matches!(store.commit(batch), Err(StoreError::Conflict(_))));
                        assert!(store.get(&own).expect("get").is_none(), "half a batch");
                    } else {
                        store.commit(batch).expect("an independent batch commits");
                        assert!(store.get(&own).expect("get").is_some());
                    }
                }
            });
        }
    });
    assert_eq!(store.get(&taken).expect("get").expect("taken").value, b"x");
}

pub fn concurrent_compare_and_set(store: &dyn Store) {
    const THREADS: usize = 8;
    const INCREMENTS: usize = 25;
    let counter = key("counter", "", "", "c");
    put(store, &counter, &0u64.to_be_bytes(), Expect::Absent).expect("seed counter");

    let revisions_won: Vec<Vec<u64>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                scope.spawn(|| {
                    let mut won = Vec::new();
                    while won.len() < INCREMENTS {
                        let current = store.get(&counter).expect("get").expect("counter");
                        let value = decode_counter(&current.value) + 1;
                        match put(
                            store,
                            &counter,
                            &value.to_be_bytes(),
                            Expect::Revision(current.revision),
                        ) {
                            Ok(revision) => {
                                assert_eq!(revision, current.revision + 1, "CAS revision");
                                won.push(revision);
                            }
                            Err(StoreError::Conflict(k)) => assert_eq!(k, counter),
                            Err(other) => panic!("concurrent CAS failed: {other}"),
                        }
                    }
                    won
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("worker panicked"))
            .collect()
    });

    let total = (THREADS * INCREMENTS) as u64;
    let all: Vec<u64> = revisions_won.into_iter().flatten().collect();
    let distinct: BTreeSet<u64> = all.iter().copied().collect();
    assert_eq!(
        all.len(),
        distinct.len(),
        "two writers won the same revision"
    );
    assert_eq!(
        distinct,
        (2..=total + 1).collect::<BTreeSet<u64>>(),
        "exactly one winner per revision"
    );
    let record = store.get(&counter).expect("get").expect("counter");
    assert_eq!(
        decode_counter(&record.value),
        total,
        "no increment was lost"
    );
    assert_eq!(record.revision, total + 1, "one revision per increment");
}

pub fn binary_values(store: &dyn Store) {
    let every_byte: Vec<u8> = (0..=255u8).collect();
    let big: Vec<u8> = (0..1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let values: [(&str, Vec<u8>); 5] = [
        ("empty", Vec::new()),
        ("nul", vec![0]),
        ("every_byte", every_byte),
        ("invalid_utf8", vec![0xff, 0xfe, 0x00, 0xc3]),
        ("one_mib", big),
    ];
    for (id, value) in &values {
        put(store, &key("blob", "a", "r", id), value, Expect::Absent).expect("put binary");
    }
    for (id, value) in &values {
        let record = store
            .get(&key("blob", "a", "r", id))
            .expect("get")
            .expect("binary record exists");
        assert!(
            record.value == *value,
            "value {id} (len {}) did not round-trip",
            value.len()
        );
    }
    let listed = list_all(store, "blob", "a", "r");
    assert_eq!(listed.len(), values.len());
    for record in listed {
        let (_, value) = values
            .iter()
            .find(|(id, _)| *id == record.key.id)
            .expect("listed id was written");
        assert!(
            record.value == *value,
            "listed value {} differs",
            record.key.id
        );
    }
    // Overwriting with empty keeps an empty value, not a missing one.
    let k = key("blob", "a", "r", "one_mib");
    put(store, &k, b"", Expect::Revision(1)).expect("overwrite with empty");
    let record = store.get(&k).expect("get").expect("record still exists");
    assert!(record.value.is_empty(), "empty overwrite");
}

// ---- helpers ----

fn key(kind: &str, account: &str, region: &str, id: &str) -> RecordKey {
    RecordKey::new(kind, account, region, id)
}

fn query<'a>(
    kind: &'a str,
    account: &'a str,
    region: &'a str,
    prefix: &'a str,
    after: Option<&'a str>,
    limit: usize,
) -> ListQuery<'a> {
    ListQuery {
        kind,
        account,
        region,
        prefix,
        after,
        limit,
    }
}

fn put(
    store: &dyn Store,
    key: &RecordKey,
    value: &[u8],
    expect: Expect,
) -> Result<u64, StoreError> {
    let mut batch = Batch::new();
    batch.put(key.clone(), value.to_vec(), expect);
    single(store.commit(batch)?)
}

fn delete(store: &dyn Store, key: &RecordKey, expect: Expect) -> Result<u64, StoreError> {
    let mut batch = Batch::new();
    batch.delete(key.clone(), expect);
    single(store.commit(batch)?)
}

fn single(revisions: Vec<u64>) -> Result<u64, StoreError> {
    assert_eq!(revisions.len(), 1, "one write, one revision: {revisions:?}");
    Ok(revisions[0])
}

fn list_all(store: &dyn Store, kind: &str, account: &str, region: &str) -> Vec<Record> {
    store
        .list(query(kind, account, region, "", None, usize::MAX))
        .expect("list")
}

fn ids_of(records: &[Record]) -> Vec<&str> {
    records.iter().map(|r| r.key.id.as_str()).collect()
}

fn ids_sorted<'a>(ids: &[&'a str]) -> Vec<&'a str> {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted
}

fn decode_counter(value: &[u8]) -> u64 {
    u64::from_be_bytes(value.try_into().expect("counter is 8 bytes"))
}

fn assert_conflict(err: StoreError, expected: &RecordKey) {
    match err {
        StoreError::Conflict(key) => assert_eq!(key, *expected, "conflict names the wrong key"),
        other => panic!("expected a conflict on {expected:?}, got {other}"),
    }
}

fn assert_empty(store: &dyn Store, case: &str) {
    for kind in ["key", "alias", "grant", "blob", "counter"] {
        let records = store.scan(kind).expect("scan");
        assert!(
            records.is_empty(),
            "store given to {case} is not empty: {records:?}"
        );
    }
}
