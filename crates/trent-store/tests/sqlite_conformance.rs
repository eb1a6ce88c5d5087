//! The SQLite backend against the shared conformance suite, plus what only a file store has:
//! surviving a reopen, and refusing files that are not its own.

use std::sync::atomic::{AtomicUsize, Ordering};

use trent_store::{
    Batch, Expect, ListQuery, RecordKey, SqliteStore, Store, StoreError, conformance,
};

#[test]
fn conformance_in_memory() {
    conformance::run_all(&|| Box::new(SqliteStore::open_in_memory().expect("open in memory")));
}

#[test]
fn conformance_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let n = AtomicUsize::new(0);
    conformance::run_all(&|| {
        let path = dir
            .path()
            .join(format!("store-{}.db", n.fetch_add(1, Ordering::Relaxed)));
        Box::new(SqliteStore::open(&path).expect("open file store"))
    });
}

#[test]
fn file_store_survives_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A parent directory that does not exist yet is created.
    let path = dir.path().join("data").join("trent.db");
    let keys: Vec<RecordKey> = (0..50)
        .map(|i| RecordKey::new("key", "111122223333", "eu-west-1", format!("k{i:03}")))
        .collect();
    let deleted = RecordKey::new("alias", "111122223333", "eu-west-1", "alias/gone");
    {
        let store = SqliteStore::open(&path).expect("create");
        for k in &keys {
            let mut batch = Batch::new();
            batch.put(k.clone(), k.id.as_bytes().to_vec(), Expect::Absent);
            store.commit(batch).expect("put");
        }
        let mut batch = Batch::new();
        batch
            .put(keys[0].clone(), b"updated".to_vec(), Expect::Revision(1))
            .put(deleted.clone(), b"x".to_vec(), Expect::Absent);
        store.commit(batch).expect("update");
        let mut batch = Batch::new();
        batch.delete(deleted.clone(), Expect::Revision(1));
        store.commit(batch).expect("delete");
    }

    let store = SqliteStore::open(&path).expect("reopen");
    let listed = store
        .list(ListQuery {
            kind: "key",
            account: "111122223333",
            region: "eu-west-1",
            prefix: "",
            after: None,
            limit: 1000,
        })
        .expect("list");
    assert_eq!(listed.len(), keys.len(), "every record survived");
    let first = &listed[0];
    assert_eq!(
        (first.revision, first.value.as_slice()),
        (2, &b"updated"[..])
    );
    for (record, k) in listed.iter().zip(&keys).skip(1) {
        assert_eq!(record.key, *k);
        assert_eq!(
            (record.revision, record.value.as_slice()),
            (1, k.id.as_bytes())
        );
    }
    assert!(
        store.get(&deleted).expect("get").is_none(),
        "delete survived"
    );

    // Writes continue from the stored revisions.
    let mut batch = Batch::new();
    batch.put(keys[0].clone(), b"again".to_vec(), Expect::Revision(2));
    assert_eq!(store.commit(batch).expect("CAS after reopen"), vec![3]);
}

#[test]
fn file_store_is_wal_and_versioned() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("trent.db");
    drop(SqliteStore::open(&path).expect("create"));

    let conn = rusqlite::Connection::open(&path).expect("inspect");
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .expect("journal_mode");
    assert_eq!(mode, "wal");
    let version: i64 = conn
        .query_row("SELECT version FROM schema_version", [], |row| row.get(0))
        .expect("schema_version");
    assert_eq!(version, 1);
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("trent.db");
    drop(SqliteStore::open(&path).expect("create"));
    rusqlite::Connection::open(&path)
        .expect("tamper")
        .execute("UPDATE schema_version SET version = 99", [])
        .expect("bump version");

    let err = SqliteStore::open(&path).expect_err("a newer schema must be refused");
    assert!(
        matches!(&err, StoreError::Backend(m) if m.contains("newer")),
        "unexpected error: {err}"
    );
}

#[test]
fn foreign_sqlite_database_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("other.db");
    rusqlite::Connection::open(&path)
        .expect("create foreign db")
        .execute_batch("CREATE TABLE photos (id INTEGER PRIMARY KEY)")
        .expect("foreign table");

    let err = SqliteStore::open(&path).expect_err("someone else's database must be refused");
    assert!(
        matches!(err, StoreError::Backend(_)),
        "unexpected error: {err}"
    );
}

#[test]
fn corrupt_file_is_a_backend_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("garbage.db");
    std::fs::write(&path, b"this is not an SQLite database\n".repeat(200)).expect("write garbage");

    let err = SqliteStore::open(&path).expect_err("garbage must not open");
    assert!(
        matches!(err, StoreError::Backend(_)),
        "unexpected error: {err}"
    );
}

#[test]
fn directory_path_is_a_backend_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = SqliteStore::open(dir.path()).expect_err("a directory is not a store");
    assert!(
        matches!(err, StoreError::Backend(_)),
        "unexpected error: {err}"
    );
}

#[test]
fn debug_does_not_print_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&dir.path().join("trent.db")).expect("open");
    let k = RecordKey::new("key", "a", "r", "k");
    let mut batch = Batch::new();
    batch.put(k.clone(), b"SECRET-MATERIAL".to_vec(), Expect::Absent);
    store.commit(batch).expect("put");

    let record = store.get(&k).expect("get").expect("record");
    for shown in [format!("{store:?}"), format!("{record:?}")] {
        assert!(
            !shown.contains("SECRET"),
            "value leaked into Debug: {shown}"
        );
    }
    let in_memory = SqliteStore::open_in_memory().expect("open");
    assert!(format!("{in_memory:?}").contains(":memory:"));
}

/// The write-ahead log is copied into the database file while the store is open, by the
/// background checkpointer (SQLite's own checkpoint-on-commit would not run this early).
#[test]
fn the_log_is_checkpointed_in_the_background() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("trent.db");
    let store = SqliteStore::open(&path).expect("create");
    let size = || std::fs::metadata(&path).map_or(0, |m| m.len());
    let before = size();
    for i in 0..200 {
        let mut batch = Batch::new();
        let key = RecordKey::new("key", "111122223333", "eu-west-1", format!("k{i:03}"));
        batch.put(key, vec![7; 1024], Expect::Absent);
        store.commit(batch).expect("put");
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while size() < before + 200 * 1024 {
        assert!(
            std::time::Instant::now() < deadline,
            "the database file stayed at {} bytes",
            size()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    drop(store);
    let store = SqliteStore::open(&path).expect("reopen");
    assert_eq!(store.scan("key").expect("scan").len(), 200);
}
