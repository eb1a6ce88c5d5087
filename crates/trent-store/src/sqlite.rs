//! The embedded backend: one SQLite file (bundled SQLite, so nothing to install).
//!
//! Why it exists: a single `trent` binary must run with zero set-up and still never lose an
//! acknowledged write. The file is in WAL mode with `synchronous=FULL`, so when
//! [`Store::commit`] returns the batch has been fsynced to the write-ahead log.
//!
//! How it is shared between threads: all writes go through one connection behind a mutex; reads
//! of a file store use a small pool of read-only connections, which WAL lets run next to the
//! writer. An in-memory store has a single connection for both.
//!
//! Group commit: an fsync costs far more than applying a batch, so concurrent commits share one.
//! Each caller queues its batch. If no commit is running, the caller becomes the leader: it takes
//! every queued batch, applies each inside its own savepoint (a batch whose expectations fail is
//! rolled back alone and answers `Conflict`), commits once, and hands every caller its result.
//! Otherwise it sleeps until the running commit ends, then collects its answer or leads the next
//! group. A caller whose answer is ready never waits behind a later commit (waiting on the
//! writer's mutex instead made a few callers wait out two or three commits — the p99 of a
//! CreateKey burst). Nothing returns before the fsync that made it durable.
//!
//! Checkpoints (copying the write-ahead log into the database file) run on a thread of their own,
//! not inside a commit: SQLite's automatic checkpoint would make every ~20th group commit of a
//! CreateKey burst take 10–25 ms instead of 2. The background thread checkpoints passively (never
//! blocking writers) a few times a second; only if the log still grows past
//! [`WAL_RESTART_FRAMES`] does it take the brief writer pause needed to start the log over.
//! SQLite's own automatic checkpoint stays on with a much larger threshold, as a backstop.
//!
//! What it deliberately does not do: cache, retry, or let two processes write the same file at
//! once beyond what SQLite's own locking and the busy timeout give.
//!
//! Ids compare by their UTF-8 bytes (SQLite's `BINARY` collation), which is the order of Rust's
//! `str`. A listing by prefix uses a range on `id`, never `LIKE`: `LIKE` treats `%` and `_` as
//! wildcards and ignores ASCII case.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, TryLockError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::types::ToSql;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};

use crate::{Batch, Expect, ListQuery, Record, RecordKey, Store, StoreError, Write};

/// How long a connection waits for a lock held by another connection before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Read connections of a file store.
const READERS: usize = 4;

/// Records per query of [`Store::scan`].
const SCAN_PAGE: usize = 1000;

/// How often the background thread checkpoints the write-ahead log.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);
/// A log this long (in pages) is restarted even if that pauses writers briefly; under a steady
/// stream of commits a passive checkpoint never finds the moment to start the log over.
const WAL_RESTART_FRAMES: i64 = 16_384;
/// SQLite's own checkpoint-on-commit threshold (pages), only reached if the thread falls behind.
const WAL_AUTOCHECKPOINT_BACKSTOP: i64 = 65_536;

/// Schema migrations: `MIGRATIONS[n]` takes the schema from version `n` to `n + 1`. Append only;
/// never edit a migration that has shipped.
const MIGRATIONS: &[&str] = &[
    // 0 -> 1: the records table.
    "CREATE TABLE records (
        kind     TEXT    NOT NULL,
        account  TEXT    NOT NULL,
        region   TEXT    NOT NULL,
        id       TEXT    NOT NULL,
        revision INTEGER NOT NULL,
        value    BLOB    NOT NULL,
        PRIMARY KEY (kind, account, region, id)
    ) STRICT, WITHOUT ROWID;",
];

const COLUMNS: &str = "kind, account, region, id, revision, value";

/// A [`Store`] kept in one SQLite file, or in memory.
pub struct SqliteStore {
    /// `None` for an in-memory store.
    path: Option<PathBuf>,
    writer: Mutex<Connection>,
    /// Batches waiting for the next group commit, and whether one is running.
    group: Mutex<Group>,
    /// Signalled when a group commit ends.
    group_done: Condvar,
    /// Empty for an in-memory store, whose reads then go through `writer`.
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// Held for its `Drop`, which stops the thread; `None` for an in-memory store.
    _checkpointer: Option<Checkpointer>,
}

impl SqliteStore {
    /// Opens the store at `path`, creating the file (and its parent directory) if missing, and
    /// migrating its schema to the current version.
    ///
    /// Fails with [`StoreError::Backend`] if the file is not an SQLite database, is an SQLite
    /// database that Trent did not create, or was written by a newer Trent.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Backend(format!("creating directory {}: {e}", parent.display()))
            })?;
        }
        let context = |what: &str| format!("opening {}: {what}", path.display());

        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut writer =
            Connection::open_with_flags(path, flags).map_err(backend(&context("connect")))?;
        writer
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(backend(&context("busy timeout")))?;
        let mode: String = writer
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(backend(&context("journal mode")))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend(context(&format!(
                "journal mode is {mode}, wanted wal"
            ))));
        }
        writer
            .pragma_update(None, "synchronous", "FULL")
            .map_err(backend(&context("synchronous")))?;
        writer
            .pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_BACKSTOP)
            .map_err(backend(&context("wal_autocheckpoint")))?;
        migrate(&mut writer).map_err(|e| prefix_error(e, &context("")))?;

        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let reader =
                Connection::open_with_flags(path, flags).map_err(backend(&context("reader")))?;
            reader
                .busy_timeout(BUSY_TIMEOUT)
                .map_err(backend(&context("reader busy timeout")))?;
            reader
                .pragma_update(None, "query_only", true)
                .map_err(backend(&context("reader query_only")))?;
            readers.push(Mutex::new(reader));
        }
        let checkpoint_conn =
            Connection::open_with_flags(path, flags).map_err(backend(&context("checkpointer")))?;
        checkpoint_conn
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(backend(&context("checkpointer busy timeout")))?;
        let checkpointer = Checkpointer::start(checkpoint_conn, path)
            .map_err(|e| StoreError::Backend(context(&format!("checkpointer: {e}"))))?;

        Ok(SqliteStore {
            path: Some(path.to_owned()),
            writer: Mutex::new(writer),
            group: Mutex::default(),
            group_done: Condvar::new(),
            readers,
            next_reader: AtomicUsize::new(0),
            _checkpointer: Some(checkpointer),
        })
    }

    /// A store that lives in memory and is gone when dropped (tests, development mode).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let mut conn = Connection::open_in_memory().map_err(backend("opening in-memory store"))?;
        migrate(&mut conn)?;
        Ok(SqliteStore {
            path: None,
            writer: Mutex::new(conn),
            group: Mutex::default(),
            group_done: Condvar::new(),
            readers: Vec::new(),
            next_reader: AtomicUsize::new(0),
            _checkpointer: None,
        })
    }

    fn writer(&self) -> MutexGuard<'_, Connection> {
        // A thread that panicked while holding the lock left no open transaction behind: the
        // `Transaction` it held rolled back when it was dropped during unwinding.
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A free read connection if there is one, else waits for one in turn.
    fn reader(&self) -> MutexGuard<'_, Connection> {
        if self.readers.is_empty() {
            return self.writer();
        }
        for reader in &self.readers {
            match reader.try_lock() {
                Ok(guard) => return guard,
                Err(TryLockError::Poisoned(poisoned)) => return poisoned.into_inner(),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        let turn = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        self.readers[turn]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let location = match &self.path {
            Some(path) => path.display().to_string(),
            None => ":memory:".to_owned(),
        };
        f.debug_struct("SqliteStore")
            .field("path", &location)
            .field("readers", &self.readers.len())
            .finish_non_exhaustive()
    }
}

/// The thread that checkpoints a file store's write-ahead log; stopped and joined when dropped.
struct Checkpointer {
    /// Set to true to stop the thread; the condvar wakes it early.
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    fn start(conn: Connection, path: &Path) -> std::io::Result<Checkpointer> {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let signal = Arc::clone(&stop);
        let path = path.to_owned();
        let thread = std::thread::Builder::new()
            .name("trent-store-checkpoint".into())
            .spawn(move || {
                let (stopped, wakeup) = &*signal;
                let mut stopped = stopped.lock().unwrap_or_else(PoisonError::into_inner);
                while !*stopped {
                    stopped = wakeup
                        .wait_timeout(stopped, CHECKPOINT_EVERY)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0;
                    if !*stopped && let Err(err) = checkpoint(&conn) {
                        tracing::warn!(store = %path.display(), error = %err, "checkpointing the store's write-ahead log failed");
                    }
                }
            })?;
        Ok(Checkpointer {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (stopped, wakeup) = &*self.stop;
        *stopped.lock().unwrap_or_else(PoisonError::into_inner) = true;
        wakeup.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One passive checkpoint; a restart checkpoint as well if the log has grown too long.
fn checkpoint(conn: &Connection) -> rusqlite::Result<()> {
    let started = Instant::now();
    let run = |mode: &str| {
        conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |row| {
            row.get::<_, i64>(1)
        })
    };
    let log_frames = run("PASSIVE")?;
    if log_frames > WAL_RESTART_FRAMES {
        run("RESTART")?;
    }
    metrics::histogram!("trent_store_checkpoint_seconds").record(started.elapsed().as_secs_f64());
    Ok(())
}

impl Store for SqliteStore {
    fn get(&self, key: &RecordKey) -> Result<Option<Record>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM records
                 WHERE kind = ?1 AND account = ?2 AND region = ?3 AND id = ?4"
            ))
            .map_err(backend("get"))?;
        let params: [&dyn ToSql; 4] = [&key.kind, &key.account, &key.region, &key.id];
        collect(&mut stmt, &params[..], "get").map(|mut records| records.pop())
    }

    fn list(&self, query: ListQuery<'_>) -> Result<Vec<Record>, StoreError> {
        // One lower bound: the prefix itself, or the marker if it lies past the prefix.
        let (lower_op, lower) = match query.after {
            Some(after) if after >= query.prefix => (">", after),
            _ => (">=", query.prefix),
        };
        let upper = prefix_upper_bound(query.prefix);
        let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);

        let mut sql = format!(
            "SELECT {COLUMNS} FROM records
             WHERE kind = ?1 AND account = ?2 AND region = ?3 AND id {lower_op} ?4"
        );
        let mut params: Vec<&dyn ToSql> =
            vec![&query.kind, &query.account, &query.region, &lower, &limit];
        if let Some(upper) = &upper {
            sql.push_str(" AND id < ?6");
            params.push(upper);
        }
        sql.push_str(" ORDER BY id LIMIT ?5");

        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&sql).map_err(backend("list"))?;
        collect(&mut stmt, &params, "list")
    }

    /// Reads [`SCAN_PAGE`] records at a time, taking a connection for each page: an in-memory
    /// store has one connection for reads and writes, and a background scan of every key
    /// holding it made all commits wait (100+ ms stalls of CreateKey with 60k keys).
    fn scan(&self, kind: &str) -> Result<Vec<Record>, StoreError> {
        let order = "ORDER BY account, region, id LIMIT ?2";
        let first = format!("SELECT {COLUMNS} FROM records WHERE kind = ?1 {order}");
        let next = format!(
            "SELECT {COLUMNS} FROM records
             WHERE kind = ?1 AND (account, region, id) > (?3, ?4, ?5) {order}"
        );
        let limit = SCAN_PAGE as i64;
        let mut records: Vec<Record> = Vec::new();
        loop {
            let page = {
                let conn = self.reader();
                match records.last() {
                    None => {
                        let params: [&dyn ToSql; 2] = [&kind, &limit];
                        let mut stmt = conn.prepare_cached(&first).map_err(backend("scan"))?;
                        collect(&mut stmt, &params[..], "scan")?
                    }
                    Some(last) => {
                        let last = &last.key;
                        let params: [&dyn ToSql; 5] =
                            [&kind, &limit, &last.account, &last.region, &last.id];
                        let mut stmt = conn.prepare_cached(&next).map_err(backend("scan"))?;
                        collect(&mut stmt, &params[..], "scan")?
                    }
                }
            };
            let complete = page.len() < SCAN_PAGE;
            records.extend(page);
            if complete {
                return Ok(records);
            }
        }
    }

    fn commit(&self, batch: Batch) -> Result<Vec<u64>, StoreError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let outcome = Arc::new(Outcome::default());
        let lock_group = || self.group.lock().unwrap_or_else(PoisonError::into_inner);
        let mut group = lock_group();
        group.queue.push((batch, Arc::clone(&outcome)));
        loop {
            if let Some(result) = outcome.take() {
                return result;
            }
            if group.committing {
                group = self
                    .group_done
                    .wait(group)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            group.committing = true;
            let batches = std::mem::take(&mut group.queue);
            drop(group);
            let leading = Leading {
                store: self,
                outcomes: batches.iter().map(|(_, o)| Arc::clone(o)).collect(),
            };
            commit_group(&mut self.writer(), batches);
            drop(leading);
            group = lock_group();
        }
    }

    fn wipe(&self) -> Result<(), StoreError> {
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend("wipe: begin"))?;
        tx.execute("DELETE FROM records", [])
            .map_err(backend("wipe"))?;
        tx.commit().map_err(backend("wipe: commit"))
    }
}

/// A leader's turn; when it ends, even by a panic, every batch it took has an answer and the
/// next caller may lead.
struct Leading<'a> {
    store: &'a SqliteStore,
    outcomes: Vec<Arc<Outcome>>,
}

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        for outcome in &self.outcomes {
            outcome.set_unless_set(Err(StoreError::Backend(
                "commit: the group commit was interrupted".into(),
            )));
        }
        let mut group = self
            .store
            .group
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        group.committing = false;
        drop(group);
        self.store.group_done.notify_all();
    }
}

/// The batches queued for the next group commit.
#[derive(Default)]
struct Group {
    queue: Vec<(Batch, Arc<Outcome>)>,
    /// A leader is committing a group now; the others wait for `group_done`.
    committing: bool,
}

/// Where a queued batch's result is left for its caller.
#[derive(Default)]
struct Outcome(Mutex<Option<Result<Vec<u64>, StoreError>>>);

impl Outcome {
    fn set(&self, result: Result<Vec<u64>, StoreError>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(result);
    }

    fn set_unless_set(&self, result: Result<Vec<u64>, StoreError>) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert(result);
    }

    fn take(&self) -> Option<Result<Vec<u64>, StoreError>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// Commits a group of batches in one transaction (one fsync), each batch all-or-nothing in its
/// own savepoint, and leaves every batch's result in its outcome.
fn commit_group(conn: &mut Connection, group: Vec<(Batch, Arc<Outcome>)>) {
    let started = std::time::Instant::now();
    let batches = group.len();
    let mut tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(err) => {
            for (_, outcome) in group {
                outcome.set(Err(StoreError::Backend(format!("commit: begin: {err}"))));
            }
            return;
        }
    };
    let mut results = Vec::with_capacity(group.len());
    for (batch, outcome) in group {
        let result = match tx.savepoint() {
            Ok(mut savepoint) => match apply(&savepoint, batch.writes) {
                Ok(revisions) => savepoint
                    .commit()
                    .map(|()| revisions)
                    .map_err(backend("commit: release savepoint")),
                Err(error) => {
                    let _ = savepoint.rollback();
                    Err(error)
                }
            },
            Err(err) => Err(StoreError::Backend(format!("commit: savepoint: {err}"))),
        };
        results.push((result, outcome));
    }
    let committed = tx.commit();
    // One transaction and one sync for the whole group.
    metrics::histogram!("trent_store_commit_seconds").record(started.elapsed().as_secs_f64());
    metrics::histogram!("trent_store_commit_batches").record(batches as f64);
    match committed {
        Ok(()) => {
            for (result, outcome) in results {
                outcome.set(result);
            }
        }
        Err(err) => {
            for (_, outcome) in results {
                outcome.set(Err(StoreError::Backend(format!("commit: {err}"))));
            }
        }
    }
}

/// Applies `writes` in order inside an open transaction, each seeing the ones before it. Stops
/// at the first expectation that does not hold; the caller then rolls back.
fn apply(tx: &Connection, writes: Vec<Write>) -> Result<Vec<u64>, StoreError> {
    let mut revisions = Vec::with_capacity(writes.len());
    for write in writes {
        match write {
            Write::Put { key, value, expect } => {
                let current = current_revision(tx, &key)?;
                check(expect, current, &key)?;
                let next = match current {
                    None => 1,
                    Some(revision) => revision.checked_add(1).ok_or_else(|| {
                        StoreError::Backend(format!("revision of {key:?} overflows"))
                    })?,
                };
                let stored = i64::try_from(next)
                    .map_err(|_| StoreError::Backend(format!("revision of {key:?} overflows")))?;
                tx.prepare_cached(
                    "INSERT INTO records (kind, account, region, id, revision, value)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (kind, account, region, id)
                     DO UPDATE SET revision = excluded.revision, value = excluded.value",
                )
                .and_then(|mut stmt| {
                    stmt.execute((
                        &key.kind,
                        &key.account,
                        &key.region,
                        &key.id,
                        stored,
                        &value,
                    ))
                })
                .map_err(backend("commit: put"))?;
                revisions.push(next);
            }
            Write::Delete { key, expect } => {
                let current = current_revision(tx, &key)?;
                check(expect, current, &key)?;
                if current.is_some() {
                    tx.prepare_cached(
                        "DELETE FROM records
                         WHERE kind = ?1 AND account = ?2 AND region = ?3 AND id = ?4",
                    )
                    .and_then(|mut stmt| {
                        stmt.execute((&key.kind, &key.account, &key.region, &key.id))
                    })
                    .map_err(backend("commit: delete"))?;
                }
                revisions.push(0);
            }
        }
    }
    Ok(revisions)
}

fn current_revision(tx: &Connection, key: &RecordKey) -> Result<Option<u64>, StoreError> {
    let stored: Option<i64> = tx
        .prepare_cached(
            "SELECT revision FROM records
             WHERE kind = ?1 AND account = ?2 AND region = ?3 AND id = ?4",
        )
        .and_then(|mut stmt| {
            stmt.query_row((&key.kind, &key.account, &key.region, &key.id), |row| {
                row.get(0)
            })
            .optional()
        })
        .map_err(backend("commit: read revision"))?;
    stored.map(|r| revision_from_db(r, key)).transpose()
}

fn check(expect: Expect, current: Option<u64>, key: &RecordKey) -> Result<(), StoreError> {
    let holds = match expect {
        Expect::Any => true,
        Expect::Absent => current.is_none(),
        Expect::Revision(wanted) => current == Some(wanted),
    };
    if holds {
        Ok(())
    } else {
        Err(StoreError::Conflict(key.clone()))
    }
}

/// Runs a `SELECT {COLUMNS}` statement and decodes every row.
fn collect(
    stmt: &mut rusqlite::CachedStatement<'_>,
    params: &[&dyn ToSql],
    what: &str,
) -> Result<Vec<Record>, StoreError> {
    let mut rows = stmt.query(params).map_err(backend(what))?;
    let mut records = Vec::new();
    while let Some(row) = rows.next().map_err(backend(what))? {
        let decode = || -> rusqlite::Result<(RecordKey, i64, Vec<u8>)> {
            let key = RecordKey {
                kind: row.get(0)?,
                account: row.get(1)?,
                region: row.get(2)?,
                id: row.get(3)?,
            };
            Ok((key, row.get(4)?, row.get(5)?))
        };
        let (key, revision, value) = decode().map_err(backend(what))?;
        let revision = revision_from_db(revision, &key)?;
        records.push(Record {
            key,
            revision,
            value,
        });
    }
    Ok(records)
}

fn revision_from_db(stored: i64, key: &RecordKey) -> Result<u64, StoreError> {
    u64::try_from(stored)
        .ok()
        .filter(|&r| r >= 1)
        .ok_or_else(|| StoreError::Backend(format!("corrupt revision {stored} on {key:?}")))
}

/// The smallest string greater than every string that starts with `prefix`, or `None` if there is
/// none (empty prefix, or one made only of `char::MAX`).
///
/// UTF-8 byte order is code point order, so bumping the last code point that can be bumped (and
/// dropping what follows it) gives an exclusive upper bound that SQLite's byte comparison agrees
/// with.
fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// Brings the schema of `conn` to the latest version, in one transaction.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend("migrate: begin"))?;
    let tables: Vec<String> = tx
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
        .and_then(|mut stmt| {
            stmt.query_map([], |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()
        })
        .map_err(backend("migrate: read schema"))?;

    let version = if tables.iter().any(|t| t == "schema_version") {
        let stored: i64 = tx
            .query_row("SELECT version FROM schema_version", [], |row| row.get(0))
            .map_err(backend("migrate: read schema_version"))?;
        usize::try_from(stored)
            .map_err(|_| StoreError::Backend(format!("migrate: corrupt schema version {stored}")))?
    } else if tables.is_empty() {
        tx.execute_batch(
            "CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT;
             INSERT INTO schema_version (version) VALUES (0);",
        )
        .map_err(backend("migrate: create schema_version"))?;
        0
    } else {
        return Err(StoreError::Backend(
            "migrate: this SQLite database was not created by Trent".to_owned(),
        ));
    };

    if version > MIGRATIONS.len() {
        return Err(StoreError::Backend(format!(
            "migrate: schema version {version} is newer than this build knows ({})",
            MIGRATIONS.len()
        )));
    }
    for (from, migration) in MIGRATIONS.iter().enumerate().skip(version) {
        tx.execute_batch(migration)
            .map_err(backend(&format!("migrate: {from} -> {}", from + 1)))?;
    }
    if version < MIGRATIONS.len() {
        let latest = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
        tx.execute("UPDATE schema_version SET version = ?1", [latest])
            .map_err(backend("migrate: write schema_version"))?;
    }
    tx.commit().map_err(backend("migrate: commit"))
}

/// Turns an SQLite error into [`StoreError::Backend`], saying what was being done.
fn backend(what: &str) -> impl FnOnce(rusqlite::Error) -> StoreError + '_ {
    move |error| StoreError::Backend(format!("{what}: {error}"))
}

fn prefix_error(error: StoreError, context: &str) -> StoreError {
    match error {
        StoreError::Backend(message) => StoreError::Backend(format!("{context}{message}")),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::prefix_upper_bound;

    #[test]
    fn upper_bound_of_prefix() {
        assert_eq!(prefix_upper_bound(""), None);
        assert_eq!(prefix_upper_bound("ab").as_deref(), Some("ac"));
        assert_eq!(prefix_upper_bound("a%").as_deref(), Some("a&"));
        assert_eq!(
            prefix_upper_bound("a\u{d7ff}").as_deref(),
            Some("a\u{e000}")
        );
        assert_eq!(prefix_upper_bound("a\u{10ffff}").as_deref(), Some("b"));
        assert_eq!(prefix_upper_bound("\u{10ffff}"), None);
    }
}
