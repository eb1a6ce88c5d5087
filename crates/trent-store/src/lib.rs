//! The storage contract of Trent, and its backends.
//!
//! Why a contract this small: every backend (the embedded SQLite file today, PostgreSQL next) must
//! keep customer keys forever, so the surface each one has to get right is kept to a handful of
//! operations that are easy to reason about and to test with one shared conformance suite
//! ([`conformance`]).
//!
//! The store knows nothing about keys, accounts or cryptography. It holds opaque byte values
//! addressed by a [`RecordKey`] `(kind, account, region, id)`, each with a revision number that
//! grows on every write. Writes are grouped in a [`Batch`] that commits atomically, and each write
//! may state what it expects to find ([`Expect`]), which gives callers compare-and-set: two
//! concurrent updates of one record cannot both succeed.
//!
//! What it deliberately does not do: encrypt (callers hand it only wrapped key material), cache,
//! or interpret values. A value written is durable (fsynced) when [`Store::commit`] returns.

pub mod conformance;
mod sqlite;

pub use sqlite::SqliteStore;

use std::fmt;

/// Addresses one record. `account` and `region` may be empty for records that are global
/// (for example the wrapped domain key, or an access key looked up by its id).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordKey {
    pub kind: String,
    pub account: String,
    pub region: String,
    pub id: String,
}

impl RecordKey {
    pub fn new(
        kind: impl Into<String>,
        account: impl Into<String>,
        region: impl Into<String>,
        id: impl Into<String>,
    ) -> Self {
        RecordKey {
            kind: kind.into(),
            account: account.into(),
            region: region.into(),
            id: id.into(),
        }
    }
}

impl fmt::Debug for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}/{}",
            self.kind, self.account, self.region, self.id
        )
    }
}

/// One stored record: its address, its current revision (>= 1) and its value.
#[derive(Clone, PartialEq, Eq)]
pub struct Record {
    pub key: RecordKey,
    pub revision: u64,
    pub value: Vec<u8>,
}

impl fmt::Debug for Record {
    // Values may hold wrapped key material; they are never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("key", &self.key)
            .field("revision", &self.revision)
            .field("value_len", &self.value.len())
            .finish()
    }
}

/// What a write expects to find before it applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Apply whatever is there.
    Any,
    /// The record must not exist (create).
    Absent,
    /// The record must exist at exactly this revision (compare-and-set).
    Revision(u64),
}

#[derive(Clone)]
enum Write {
    Put {
        key: RecordKey,
        value: Vec<u8>,
        expect: Expect,
    },
    Delete {
        key: RecordKey,
        expect: Expect,
    },
}

impl fmt::Debug for Write {
    // Like `Record`, a pending put never prints its value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Write::Put { key, value, expect } => f
                .debug_struct("Put")
                .field("key", key)
                .field("value_len", &value.len())
                .field("expect", expect)
                .finish(),
            Write::Delete { key, expect } => f
                .debug_struct("Delete")
                .field("key", key)
                .field("expect", expect)
                .finish(),
        }
    }
}

/// Writes that commit together or not at all.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    writes: Vec<Write>,
}

impl Batch {
    pub fn new() -> Self {
        Batch::default()
    }

    /// Creates or replaces `key` with `value`, if `expect` holds.
    pub fn put(&mut self, key: RecordKey, value: Vec<u8>, expect: Expect) -> &mut Self {
        self.writes.push(Write::Put { key, value, expect });
        self
    }

    /// Removes `key`, if `expect` holds. Deleting an absent record with [`Expect::Any`] is not an
    /// error. A record created again after a delete starts over at revision 1.
    pub fn delete(&mut self, key: RecordKey, expect: Expect) -> &mut Self {
        self.writes.push(Write::Delete { key, expect });
        self
    }

    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }
}

/// Which records a listing returns, in ascending order of `id`.
#[derive(Debug, Clone, Copy)]
pub struct ListQuery<'a> {
    pub kind: &'a str,
    pub account: &'a str,
    pub region: &'a str,
    /// Only ids that start with this (may be empty).
    pub prefix: &'a str,
    /// Only ids strictly greater than this (the pagination marker).
    pub after: Option<&'a str>,
    /// At most this many records.
    pub limit: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An [`Expect`] of the batch did not hold; nothing was written.
    #[error("conflict on {0:?}")]
    Conflict(RecordKey),
    /// The backend failed (I/O, corruption, connection). Nothing is known to have been written.
    #[error("storage backend failed: {0}")]
    Backend(String),
}

/// The storage contract. Implementations are safe to share between threads; every method blocks
/// until the backend answers.
pub trait Store: Send + Sync + fmt::Debug {
    /// The record at `key`, if any.
    fn get(&self, key: &RecordKey) -> Result<Option<Record>, StoreError>;

    /// Records of one kind in one (account, region), ordered by id.
    fn list(&self, query: ListQuery<'_>) -> Result<Vec<Record>, StoreError>;

    /// Every record of one kind, across all accounts and regions, ordered by
    /// (account, region, id). Used at start-up and by background workers. Not necessarily one
    /// snapshot: a backend may read in pages, so a record written meanwhile may or may not
    /// appear (callers act on what they read with revision expectations).
    fn scan(&self, kind: &str) -> Result<Vec<Record>, StoreError>;

    /// Applies every write of `batch` atomically and durably, or none of them. Returns the new
    /// revision of each write in order (0 for deletes).
    fn commit(&self, batch: Batch) -> Result<Vec<u64>, StoreError>;

    /// Removes everything (used by the test-mode reset endpoint).
    fn wipe(&self) -> Result<(), StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_values() {
        let secret = b"wrapped-key-material".to_vec();
        let key = RecordKey::new("key", "111122223333", "eu-west-1", "k1");
        let record = Record {
            key: key.clone(),
            revision: 1,
            value: secret.clone(),
        };
        let mut batch = Batch::new();
        batch.put(key.clone(), secret.clone(), Expect::Absent);
        batch.delete(key, Expect::Any);

        let needle = String::from_utf8_lossy(&secret).into_owned();
        let bytes = format!("{:?}", secret);
        for shown in [format!("{record:?}"), format!("{batch:?}")] {
            assert!(!shown.contains(&needle), "value printed as text: {shown}");
            assert!(
                !shown.contains(&bytes[1..bytes.len() - 1]),
                "value printed as bytes: {shown}"
            );
            assert!(shown.contains("k1"), "key missing from {shown}");
        }
    }
}
