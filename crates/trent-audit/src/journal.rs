//! The journal handle: how request threads hand events to the single writer and wait for them to
//! be durable.
//!
//! Group commit: an append puts the event's bytes in a queue and waits; one writer thread
//! ([`crate::writer`]) takes everything waiting, writes it with one `write_all`, syncs once and
//! answers every waiter. A caller pays for a queue push and a wake-up, not for an fsync of its
//! own, and the disk sees one sync per batch however many requests are in flight.
//!
//! Waiters are *slots* in a table inside the queue's mutex, reused once answered, so an append
//! allocates nothing beyond the event bytes the caller already built. An async waiter leaves its
//! task's waker in the slot, a blocking one its thread handle.
//!
//! What this module deliberately does not do: parse events (the caller serialized them; only the
//! framing is checked), or retry failed writes on behalf of a caller. A failed append is an error
//! for that request — the server fails the request rather than answer without a record.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread::{self, JoinHandle, Thread};
use std::time::{Duration, Instant};

use crate::error::AuditError;
use crate::writer::{self, Writer};

/// How a journal rotates segments, seals digests and bounds its queue.
#[derive(Debug, Clone)]
pub struct JournalOptions {
    /// A segment that reaches this size is sealed and a new one started (checked per batch, so a
    /// segment may exceed it by one batch).
    pub max_segment_bytes: u64,
    /// A segment older than this is sealed and a new one started at the next append.
    pub max_segment_age: Duration,
    /// A signed digest is written after this many records…
    pub digest_every_records: u64,
    /// …or when this much time has passed since the last one with records waiting to be sealed,
    /// whichever comes first (and always when the journal closes).
    pub digest_every: Duration,
    /// Appends beyond this many waiting fail at once with [`AuditError::Overloaded`].
    pub max_queued: usize,
    /// While pacing is on ([`Journal::set_pacing`]), syncs start at least this far apart,
    /// unless [`sync_early_at`](Self::sync_early_at) events are already waiting. Each sync costs
    /// the kernel a fixed amount of CPU whatever its size (~60-100 µs on a virtual disk), so when
    /// CPU is what requests wait for, fewer and larger batches serve more of them. Zero, or
    /// pacing off, syncs as often as the disk allows: the lowest latency.
    pub min_sync_interval: Duration,
    /// A batch this large is synced without waiting out `min_sync_interval`.
    pub sync_early_at: usize,
    /// Zero-fill the next segment file on a thread of its own while the current one fills, so
    /// syncs do not also write the file's growing size (see the `prepare` module). Worth it on
    /// filesystems that allocate in place (ext4, xfs); copy-on-write ones (btrfs, ZFS) gain
    /// nothing from it.
    pub prepare_segments: bool,
}

impl Default for JournalOptions {
    fn default() -> Self {
        JournalOptions {
            max_segment_bytes: 64 * 1024 * 1024,
            max_segment_age: Duration::from_secs(3600),
            digest_every_records: 10_000,
            digest_every: Duration::from_secs(60),
            max_queued: 100_000,
            min_sync_interval: Duration::ZERO,
            sync_early_at: 256,
            prepare_segments: true,
        }
    }
}

/// A fault the next write or sync of the journal suffers (tests only).
#[cfg(feature = "fault-injection")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The next `write_all` of a batch fails (after writing half of it).
    FailNextWrite,
    /// The next sync of a batch fails.
    FailNextSync,
}

/// An append-only, hash-chained, signed audit trail in a directory.
///
/// Cloning gives another handle on the same journal; the journal closes (final digest, sync)
/// when [`close`](Self::close) is called or the last handle is dropped.
#[derive(Clone)]
pub struct Journal {
    inner: Arc<Inner>,
}

impl fmt::Debug for Journal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Journal")
            .field("dir", &self.inner.shared.dir)
            .finish_non_exhaustive()
    }
}

struct Inner {
    shared: Arc<Shared>,
    writer: Mutex<WriterThread>,
    /// Held (flock) for as long as the journal is open; released when dropped.
    _lock: std::fs::File,
}

enum WriterThread {
    Running(JoinHandle<Result<(), AuditError>>),
    Finished(Result<(), AuditError>),
}

/// What the handles and the writer thread share.
pub(crate) struct Shared {
    pub(crate) dir: PathBuf,
    pub(crate) options: JournalOptions,
    state: Mutex<State>,
    /// Signalled when the queue goes from empty to non-empty or the journal is closing.
    writer_wakeup: Condvar,
    /// False from a failed batch until the next write or recovery probe succeeds.
    healthy: AtomicBool,
    /// Syncs are spaced by `min_sync_interval` (see [`Journal::set_pacing`]).
    pub(crate) pacing: AtomicBool,
    last_failure: Mutex<Option<AuditError>>,
    #[cfg(feature = "fault-injection")]
    pub(crate) faults: Faults,
}

#[cfg(feature = "fault-injection")]
#[derive(Default)]
pub(crate) struct Faults {
    pub(crate) fail_next_write: AtomicBool,
    pub(crate) fail_next_sync: AtomicBool,
}

struct State {
    queue: VecDeque<Pending>,
    slots: Vec<Slot>,
    free_slots: Vec<u32>,
    closing: bool,
    /// The writer thread has exited (closed, or died).
    stopped: bool,
    /// The writer is waiting on `writer_wakeup` for the queue to reach this length (1: any
    /// event); `None` while it is busy, so appends then skip the wake-up call.
    writer_waits_for: Option<usize>,
}

/// What [`Shared::take_batch`] found.
pub(crate) struct Taken {
    /// Events waiting when the batch was taken (the queue depth).
    pub(crate) queued: usize,
    /// The journal is closing and nothing is left in the queue: write the final digest.
    pub(crate) closing: bool,
}

/// One event waiting for the writer.
pub(crate) struct Pending {
    pub(crate) event: Vec<u8>,
    slot: u32,
}

enum Slot {
    Free,
    Waiting(Waiter),
    Done(Result<u64, AuditError>),
    /// The waiting future was dropped; the writer frees the slot when it answers.
    Abandoned,
}

pub(crate) enum Waiter {
    Nobody,
    Task(Waker),
    Thread(Thread),
}

impl Waiter {
    fn wake(self) {
        match self {
            Waiter::Nobody => {}
            Waiter::Task(waker) => waker.wake(),
            Waiter::Thread(thread) => thread.unpark(),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves the state consistent (every update is one
    // assignment), so a poisoned lock is still usable.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Checks the framing of an event without parsing it: one JSON object on one line.
pub(crate) fn check_event(event: &[u8]) -> Result<(), AuditError> {
    if event.len() < 2 || event[0] != b'{' || event[event.len() - 1] != b'}' {
        return Err(AuditError::InvalidEvent {
            reason: "an event must be a serialized JSON object",
        });
    }
    if event.contains(&b'\n') || event.contains(&b'\r') {
        return Err(AuditError::InvalidEvent {
            reason: "an event must be compact JSON on one line",
        });
    }
    Ok(())
}

impl Journal {
    /// Opens (creating if needed) the journal in `dir`: takes the directory's lock, recovers
    /// after a crash (a torn last line is truncated away and logged; a complete line that breaks
    /// the chain is [`AuditError::Corrupt`]), seals what an earlier run left unsealed, starts a
    /// new segment and the writer thread, and publishes the signing key's public half in
    /// `audit-public-keys.pem` (keeping the keys already there).
    pub fn open(
        dir: &Path,
        signing_key_pkcs8: &[u8],
        options: JournalOptions,
    ) -> Result<Journal, AuditError> {
        let options = JournalOptions {
            digest_every_records: options.digest_every_records.max(1),
            max_queued: options.max_queued.max(1),
            ..options
        };
        let opened = writer::open(dir, signing_key_pkcs8, &options)?;
        let shared = Arc::new(Shared {
            dir: dir.to_path_buf(),
            options,
            state: Mutex::new(State {
                queue: VecDeque::new(),
                slots: Vec::new(),
                free_slots: Vec::new(),
                closing: false,
                stopped: false,
                writer_waits_for: None,
            }),
            writer_wakeup: Condvar::new(),
            healthy: AtomicBool::new(true),
            pacing: AtomicBool::new(false),
            last_failure: Mutex::new(None),
            #[cfg(feature = "fault-injection")]
            faults: Faults::default(),
        });
        let writer = Writer::new(Arc::clone(&shared), opened.state);
        let handle = thread::Builder::new()
            .name("trent-audit-writer".into())
            .spawn(move || writer.run())
            .map_err(|err| AuditError::io("starting the writer for", dir, err))?;
        Ok(Journal {
            inner: Arc::new(Inner {
                shared,
                writer: Mutex::new(WriterThread::Running(handle)),
                _lock: opened.lock,
            }),
        })
    }

    /// Hands one event (a serialized JSON object on one line, without newline) to the writer and
    /// resolves when it is durable, with the record's sequence number. An error means the event
    /// is not in the trail and the request must fail.
    pub async fn append(&self, event_json: Vec<u8>) -> Result<u64, AuditError> {
        let slot = self.inner.shared.enqueue(event_json)?;
        Completion {
            shared: &self.inner.shared,
            slot: Some(slot),
        }
        .await
    }

    /// [`append`](Self::append) for synchronous code: blocks the calling thread until durable.
    pub fn append_blocking(&self, event_json: Vec<u8>) -> Result<u64, AuditError> {
        let shared = &self.inner.shared;
        let slot = shared.enqueue(event_json)?;
        loop {
            {
                let mut state = lock(&shared.state);
                let entry = &mut state.slots[slot as usize];
                match std::mem::replace(entry, Slot::Free) {
                    Slot::Done(result) => {
                        state.free_slots.push(slot);
                        return result;
                    }
                    Slot::Waiting(_) => *entry = Slot::Waiting(Waiter::Thread(thread::current())),
                    other => *entry = other,
                }
            }
            thread::park();
        }
    }

    /// Ok when the writer is running, its last write succeeded and the directory is writable.
    /// A directory whose permission bits allow no writing counts as unwritable even for root, so
    /// that `chmod a-w` takes a node out of service. Recovers by itself: the writer probes about
    /// once a second while unhealthy.
    pub fn check_writable(&self) -> Result<(), AuditError> {
        let shared = &self.inner.shared;
        if lock(&shared.state).stopped {
            return Err(AuditError::Closed);
        }
        if !shared.healthy.load(Ordering::Acquire) {
            let cause = lock(&shared.last_failure)
                .as_ref()
                .map_or_else(|| "unknown".to_string(), ToString::to_string);
            return Err(AuditError::Unavailable { cause });
        }
        writer::check_dir_writable(&shared.dir)
    }

    /// Writes a final digest, syncs and stops the writer; appends afterwards fail with
    /// [`AuditError::Closed`]. Events already queued are written first. Calling it again
    /// returns the first call's result.
    pub fn close(&self) -> Result<(), AuditError> {
        self.inner.close()
    }

    /// Turns sync pacing on or off (see [`JournalOptions::min_sync_interval`]). The journal
    /// cannot tell whether CPU is scarce; its owner can (the server watches how busy the
    /// machine is) and turns pacing on only then, so light load keeps the lowest latency.
    pub fn set_pacing(&self, on: bool) {
        self.inner.shared.pacing.store(on, Ordering::Relaxed);
    }

    /// The journal's directory.
    pub fn dir(&self) -> &Path {
        &self.inner.shared.dir
    }

    /// Makes the next write or sync fail, as a full or failing disk would.
    #[cfg(feature = "fault-injection")]
    pub fn inject_fault(&self, fault: Fault) {
        let faults = &self.inner.shared.faults;
        match fault {
            Fault::FailNextWrite => faults.fail_next_write.store(true, Ordering::SeqCst),
            Fault::FailNextSync => faults.fail_next_sync.store(true, Ordering::SeqCst),
        }
    }
}

impl Inner {
    fn close(&self) -> Result<(), AuditError> {
        let mut writer = lock(&self.writer);
        if let WriterThread::Finished(result) = &*writer {
            return result.clone();
        }
        {
            let mut state = lock(&self.shared.state);
            state.closing = true;
        }
        self.shared.writer_wakeup.notify_one();
        let finished = match std::mem::replace(&mut *writer, WriterThread::Finished(Ok(()))) {
            WriterThread::Running(handle) => handle.join().unwrap_or(Err(AuditError::Closed)),
            WriterThread::Finished(result) => result,
        };
        *writer = WriterThread::Finished(finished.clone());
        finished
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Err(err) = self.close() {
            tracing::warn!(error = %err, dir = %self.shared.dir.display(), "closing the audit journal failed");
        }
    }
}

/// Resolves when the writer has answered a slot; frees the slot if dropped early.
struct Completion<'a> {
    shared: &'a Shared,
    slot: Option<u32>,
}

impl Future for Completion<'_> {
    type Output = Result<u64, AuditError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(slot) = self.slot else {
            return Poll::Ready(Err(AuditError::Closed));
        };
        let mut state = lock(&self.shared.state);
        let entry = &mut state.slots[slot as usize];
        match entry {
            Slot::Done(_) => {
                let Slot::Done(result) = std::mem::replace(entry, Slot::Free) else {
                    unreachable!("matched Done above")
                };
                state.free_slots.push(slot);
                drop(state);
                self.slot = None;
                Poll::Ready(result)
            }
            Slot::Waiting(waiter) => {
                match waiter {
                    Waiter::Task(waker) if waker.will_wake(cx.waker()) => {}
                    _ => *waiter = Waiter::Task(cx.waker().clone()),
                }
                Poll::Pending
            }
            Slot::Free | Slot::Abandoned => {
                drop(state);
                self.slot = None;
                Poll::Ready(Err(AuditError::Closed))
            }
        }
    }
}

impl Drop for Completion<'_> {
    fn drop(&mut self) {
        let Some(slot) = self.slot else { return };
        let mut state = lock(&self.shared.state);
        let entry = &mut state.slots[slot as usize];
        match entry {
            Slot::Done(_) => {
                *entry = Slot::Free;
                state.free_slots.push(slot);
            }
            Slot::Waiting(_) => *entry = Slot::Abandoned,
            Slot::Free | Slot::Abandoned => {}
        }
    }
}

/// How the writer takes work and answers it.
impl Shared {
    fn enqueue(&self, event: Vec<u8>) -> Result<u32, AuditError> {
        check_event(&event)?;
        let mut state = lock(&self.state);
        if state.closing || state.stopped {
            return Err(AuditError::Closed);
        }
        if state.queue.len() >= self.options.max_queued {
            let queued = state.queue.len();
            drop(state);
            metrics::counter!("trent_audit_failures_total").increment(1);
            return Err(AuditError::Overloaded { queued });
        }
        let slot = match state.free_slots.pop() {
            Some(slot) => {
                state.slots[slot as usize] = Slot::Waiting(Waiter::Nobody);
                slot
            }
            None => {
                let slot =
                    u32::try_from(state.slots.len()).map_err(|_| AuditError::Overloaded {
                        queued: state.queue.len(),
                    })?;
                state.slots.push(Slot::Waiting(Waiter::Nobody));
                slot
            }
        };
        state.queue.push_back(Pending { event, slot });
        let wake = state
            .writer_waits_for
            .is_some_and(|wanted| state.queue.len() >= wanted);
        if wake {
            state.writer_waits_for = None;
        }
        drop(state);
        if wake {
            self.writer_wakeup.notify_one();
        }
        Ok(slot)
    }

    /// Waits for work: moves up to `max` queued events into `batch`. Returns when there is
    /// work, the journal is closing, or `timeout` passed. Work found before `not_before` is
    /// held until then unless `early_at` events are waiting (sync pacing).
    pub(crate) fn take_batch(
        &self,
        batch: &mut Vec<Pending>,
        max: usize,
        timeout: Option<Duration>,
        not_before: Option<Instant>,
        early_at: usize,
    ) -> Taken {
        let mut state = lock(&self.state);
        if state.queue.is_empty() && !state.closing {
            state = self.wait_for_queue(state, 1, timeout);
        }
        if let Some(not_before) = not_before {
            let now = Instant::now();
            if now < not_before && !state.closing && state.queue.len() < early_at {
                state = self.wait_for_queue(state, early_at, Some(not_before - now));
            }
        }
        let queued = state.queue.len();
        batch.extend(state.queue.drain(..queued.min(max)));
        Taken {
            queued,
            closing: state.closing && state.queue.is_empty(),
        }
    }

    /// Sleeps until the queue holds `wanted` events, the journal closes or `timeout` passes.
    fn wait_for_queue<'a>(
        &self,
        mut state: MutexGuard<'a, State>,
        wanted: usize,
        timeout: Option<Duration>,
    ) -> MutexGuard<'a, State> {
        state.writer_waits_for = Some(wanted);
        let waiting = |s: &mut State| s.queue.len() < wanted && !s.closing;
        let mut state = match timeout {
            Some(timeout) => {
                self.writer_wakeup
                    .wait_timeout_while(state, timeout, waiting)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
            None => self
                .writer_wakeup
                .wait_while(state, waiting)
                .unwrap_or_else(PoisonError::into_inner),
        };
        state.writer_waits_for = None;
        state
    }

    /// Answers every event of `batch` (record seqs from `first_seq` on, or the error) and
    /// empties it.
    pub(crate) fn answer(
        &self,
        batch: &mut Vec<Pending>,
        result: &Result<u64, AuditError>,
        wake: &mut Vec<Waiter>,
    ) {
        {
            let mut state = lock(&self.state);
            for (index, pending) in batch.iter().enumerate() {
                let answer = match result {
                    Ok(first_seq) => Ok(first_seq + index as u64),
                    Err(err) => Err(err.clone()),
                };
                let slot = pending.slot;
                let entry = &mut state.slots[slot as usize];
                match std::mem::replace(entry, Slot::Done(answer)) {
                    Slot::Waiting(waiter) => wake.push(waiter),
                    Slot::Abandoned => {
                        *entry = Slot::Free;
                        state.free_slots.push(slot);
                    }
                    // Cannot happen: only the writer answers, once per slot.
                    Slot::Free | Slot::Done(_) => {}
                }
            }
        }
        batch.clear();
        for waiter in wake.drain(..) {
            waiter.wake();
        }
    }

    pub(crate) fn set_healthy(&self, failure: Option<&AuditError>) {
        match failure {
            None => {
                if !self.healthy.swap(true, Ordering::AcqRel) {
                    tracing::info!(dir = %self.dir.display(), "audit trail writable again");
                }
            }
            Some(err) => {
                *lock(&self.last_failure) = Some(err.clone());
                if self.healthy.swap(false, Ordering::AcqRel) {
                    tracing::error!(error = %err, dir = %self.dir.display(), "audit trail write failed; requests fail until it recovers");
                }
            }
        }
    }

    pub(crate) fn is_healthy(&self) -> bool {
        self.healthy.load(Ordering::Acquire)
    }

    /// Called when the writer thread ends, normally or not: nothing may wait forever.
    pub(crate) fn stop(&self) {
        let mut wake = Vec::new();
        {
            let mut state = lock(&self.state);
            state.stopped = true;
            state.queue.clear();
            let State {
                slots, free_slots, ..
            } = &mut *state;
            for (index, entry) in slots.iter_mut().enumerate() {
                match std::mem::replace(entry, Slot::Free) {
                    Slot::Waiting(waiter) => {
                        *entry = Slot::Done(Err(AuditError::Closed));
                        wake.push(waiter);
                    }
                    Slot::Abandoned => free_slots.push(index as u32),
                    other => *entry = other,
                }
            }
        }
        for waiter in wake {
            waiter.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_framing_is_checked_without_parsing() {
        assert!(check_event(br#"{"a":1}"#).is_ok());
        assert!(check_event(b"{}").is_ok());
        for bad in [
            &b""[..],
            b"{",
            b"[1]",
            b"{\"a\":\n1}",
            b"{\"a\":\r1}",
            b" {}",
        ] {
            assert!(check_event(bad).is_err());
        }
    }
}
