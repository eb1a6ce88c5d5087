//! The writer thread and everything that changes the directory: recovery at open, segment
//! creation and rotation, batches, digests, and getting back on its feet after a failed write.
//!
//! One thread owns the files, so no lock is held while writing and the chain state (last hash,
//! next seq) needs no synchronisation. A batch is built in one reused buffer — records, plus any
//! digest that falls due — then written with one `write_all` and synced once. The chain state is
//! only advanced after the sync succeeds; a failed batch is cut off the file again (`set_len` to
//! the last durable length) so the trail never holds a record whose append reported an error
//! (and never skips a `seq`).
//!
//! Fail-closed also covers an operator (or an orchestrator) making the directory read-only: the
//! permission bits are checked at most once a second before a batch, and a directory without
//! write bits fails appends even for root, whom `chmod` does not stop.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use crate::chain::{JournalId, LineHash};
use crate::clock::{format_millis, unix_millis};
use crate::digest::{DigestReason, signed_message};
use crate::error::AuditError;
use crate::format::{self, DigestBody, Line, SegmentHeader, segment_file_name};
use crate::journal::{JournalOptions, Pending, Shared};
use crate::keys::{AuditSigner, publish_key};
use crate::prepare::Preparer;
use crate::segments::{self, SegmentFile};

/// The lock file that keeps two journals out of one directory.
pub(crate) const LOCK_FILE: &str = "audit.lock";
/// At most this many events go into one batch (bounds the buffer, not the throughput).
const MAX_BATCH: usize = 8192;
/// How often the permission bits of the directory are looked at, and how often a failed writer
/// probes for recovery.
const RECHECK_EVERY: Duration = Duration::from_secs(1);

/// What the journal has open after [`open`].
pub(crate) struct Opened {
    pub(crate) lock: File,
    pub(crate) state: WriterState,
}

/// The chain position: what the next line must name and number. Copied while building a batch
/// and stored back only once the batch is durable.
#[derive(Clone, Copy)]
struct Cursor {
    prev: LineHash,
    next_seq: u64,
    /// The first record not yet covered by a digest.
    digest_first_seq: u64,
    last_digest_at: Instant,
}

impl Cursor {
    fn unsealed_records(&self) -> u64 {
        self.next_seq - self.digest_first_seq
    }
}

struct OpenSegment {
    file: File,
    path: PathBuf,
    /// Bytes known to be on disk; a failed batch is truncated back to this.
    durable_len: u64,
    /// The file's length: more than `durable_len` while it holds zero padding.
    file_len: u64,
    created: Instant,
    records: u64,
    /// The preparer was asked for the segment that follows this one.
    next_requested: bool,
}

impl OpenSegment {
    fn new(file: File, path: PathBuf, len: u64, file_len: u64) -> OpenSegment {
        OpenSegment {
            file,
            path,
            durable_len: len,
            file_len,
            created: Instant::now(),
            records: 0,
            next_requested: false,
        }
    }

    /// Cuts off zero padding (before sealing, so closed segments end with their last line).
    fn trim(&mut self) -> Result<(), AuditError> {
        if self.file_len > self.durable_len {
            self.file
                .set_len(self.durable_len)
                .and_then(|()| self.file.sync_all())
                .map_err(|err| AuditError::io("trimming", &self.path, err))?;
            self.file_len = self.durable_len;
        }
        Ok(())
    }
}

/// The files and chain state, owned by the writer thread once the journal is open.
pub(crate) struct WriterState {
    dir: PathBuf,
    signer: AuditSigner,
    key_id: String,
    journal: JournalId,
    segment: Option<OpenSegment>,
    next_segment: u64,
    chain: Cursor,
    /// A failed batch could not be cut off the file; nothing is written until it is.
    damaged: bool,
    /// Zero-fills the next segment file (absent when the options turn it off).
    preparer: Option<Preparer>,
    #[cfg(feature = "fault-injection")]
    shared_faults: Option<Arc<Shared>>,
}

fn now_text() -> String {
    format_millis(unix_millis(SystemTime::now()))
}

fn sync_dir(dir: &Path) -> Result<(), AuditError> {
    File::open(dir)
        .and_then(|handle| handle.sync_all())
        .map_err(|err| AuditError::io("syncing", dir, err))
}

/// Errors unless the directory exists and its permission bits allow writing.
pub(crate) fn check_dir_writable(dir: &Path) -> Result<(), AuditError> {
    let metadata = fs::metadata(dir).map_err(|err| AuditError::io("checking", dir, err))?;
    if metadata.permissions().readonly() {
        return Err(AuditError::io(
            "writing",
            dir,
            io::Error::new(
                io::ErrorKind::PermissionDenied,
                "the audit directory is read-only",
            ),
        ));
    }
    Ok(())
}

/// Locks, recovers and prepares the directory; see [`crate::Journal::open`]. With
/// `options.prepare_segments`, segments after the first are zero-filled ahead (see
/// [`crate::prepare`]).
pub(crate) fn open(
    dir: &Path,
    signing_key_pkcs8: &[u8],
    options: &JournalOptions,
) -> Result<Opened, AuditError> {
    let signer = AuditSigner::from_pkcs8(signing_key_pkcs8)?;
    fs::create_dir_all(dir).map_err(|err| AuditError::io("creating", dir, err))?;
    let lock_path = dir.join(LOCK_FILE);
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|err| AuditError::io("opening", &lock_path, err))?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            return Err(AuditError::Locked {
                path: dir.to_path_buf(),
            });
        }
        Err(TryLockError::Error(err)) => return Err(AuditError::io("locking", &lock_path, err)),
    }
    publish_key(dir, signer.public_key())?;

    let listing = segments::list(dir)?;
    let tail = recover_tail(dir, listing.segments)?;
    let key_id = signer.public_key().key_id();
    let now = Instant::now();
    let mut state = match tail {
        None => {
            let journal = JournalId::random().map_err(|_| AuditError::SigningFailed)?;
            WriterState {
                dir: dir.to_path_buf(),
                signer,
                key_id,
                journal,
                segment: None,
                next_segment: 1,
                chain: Cursor {
                    prev: LineHash::genesis(&journal),
                    next_seq: 1,
                    digest_first_seq: 1,
                    last_digest_at: now,
                },
                damaged: false,
                preparer: None,
                #[cfg(feature = "fault-injection")]
                shared_faults: None,
            }
        }
        Some(tail) => {
            let mut state = WriterState {
                dir: dir.to_path_buf(),
                signer,
                key_id,
                journal: tail.journal,
                segment: None,
                next_segment: tail.segment.number + 1,
                chain: Cursor {
                    prev: tail.prev,
                    next_seq: tail.next_seq,
                    digest_first_seq: tail.digest_first_seq,
                    last_digest_at: now,
                },
                damaged: false,
                preparer: None,
                #[cfg(feature = "fault-injection")]
                shared_faults: None,
            };
            if !tail.sealed {
                // The last run ended without closing: seal what it left, so the old segment
                // ends with a digest like every other.
                state.reopen_for_sealing(&tail.segment, tail.len)?;
                let mut buf = Vec::new();
                let mut cursor = state.chain;
                state.append_digest(&mut buf, &mut cursor, DigestReason::Recovery)?;
                state.commit(&buf, cursor)?;
                tracing::info!(
                    segment = %tail.segment.path.display(),
                    unsealed_records = tail.next_seq - tail.digest_first_seq,
                    "sealed the audit segment left open by the previous run"
                );
                state.segment = None;
            }
            state
        }
    };
    state.create_segment()?;
    if options.prepare_segments {
        state.preparer = Some(Preparer::start(dir, options.max_segment_bytes)?);
    }
    Ok(Opened { lock, state })
}

/// Where the trail ended before this run.
struct Tail {
    segment: SegmentFile,
    len: u64,
    journal: JournalId,
    prev: LineHash,
    next_seq: u64,
    digest_first_seq: u64,
    /// The segment ends with a digest that ends segments (rotate, recovery or close).
    sealed: bool,
}

/// Reads and checks the last segment: cuts a torn last line, drops a segment torn before its
/// header was complete, and errors on anything else that does not chain.
fn recover_tail(dir: &Path, mut segments: Vec<SegmentFile>) -> Result<Option<Tail>, AuditError> {
    while let Some(last) = segments.pop() {
        let data = segments::read_segment(&last.path)?;
        if data.file_len > data.complete as u64 {
            if data.partial_len() > 0 {
                tracing::warn!(
                    segment = %last.path.display(),
                    torn_bytes = data.partial_len(),
                    "cutting a torn last line from the audit trail (a crash interrupted a write that was never acknowledged)"
                );
            }
            // Torn bytes and zero padding alike: the segment ends with its last line again.
            let file = OpenOptions::new()
                .write(true)
                .open(&last.path)
                .map_err(|err| AuditError::io("opening", &last.path, err))?;
            file.set_len(data.complete as u64)
                .and_then(|()| file.sync_all())
                .map_err(|err| AuditError::io("truncating", &last.path, err))?;
        }
        if data.complete == 0 {
            tracing::warn!(
                segment = %last.path.display(),
                "removing an audit segment whose creation was interrupted"
            );
            fs::remove_file(&last.path)
                .map_err(|err| AuditError::io("removing", &last.path, err))?;
            sync_dir(dir)?;
            continue;
        }
        return check_last_segment(last, &data).map(Some);
    }
    Ok(None)
}

fn check_last_segment(
    segment: SegmentFile,
    data: &segments::SegmentBytes,
) -> Result<Tail, AuditError> {
    let corrupt = |line: u64, detail: String| AuditError::corrupt(&segment.path, line, detail);
    let mut lines = data.lines();
    let (_, first) = lines.next().ok_or_else(|| corrupt(1, "no header".into()))?;
    let header = match format::parse_line(first) {
        Ok(Line::Header(header)) => header,
        Ok(_) => return Err(corrupt(1, "the first line is not a segment header".into())),
        Err(err) => return Err(corrupt(1, err.to_string())),
    };
    if header.segment != segment.number {
        return Err(corrupt(
            1,
            format!(
                "the header names segment {} but the file is segment {}",
                header.segment, segment.number
            ),
        ));
    }
    let mut prev = LineHash::of_line(first);
    let mut next_seq = header.first_seq;
    let mut digest_first_seq = header.first_seq;
    let mut sealed = false;
    for (number, bytes) in lines {
        let line = format::parse_line(bytes).map_err(|err| corrupt(number, err.to_string()))?;
        if sealed {
            return Err(corrupt(
                number,
                "a line follows the digest that ended the segment".into(),
            ));
        }
        match line {
            Line::Header(_) => return Err(corrupt(number, "a second header".into())),
            Line::Record {
                seq, prev: named, ..
            } => {
                if named != prev {
                    return Err(corrupt(
                        number,
                        "the chain is broken before this line".into(),
                    ));
                }
                if seq != next_seq {
                    return Err(corrupt(
                        number,
                        format!("expected record seq {next_seq}, found {seq}"),
                    ));
                }
                next_seq += 1;
            }
            Line::Digest {
                prev: named, body, ..
            } => {
                if named != prev || body.last_hash != prev {
                    return Err(corrupt(
                        number,
                        "the chain is broken before this line".into(),
                    ));
                }
                if body.journal != header.journal
                    || body.first_seq != digest_first_seq
                    || body.last_seq != next_seq - 1
                {
                    return Err(corrupt(
                        number,
                        "the digest does not cover the records before it".into(),
                    ));
                }
                digest_first_seq = next_seq;
                sealed = DigestReason::parse(&body.reason).is_some_and(DigestReason::ends_segment);
            }
        }
        prev = LineHash::of_line(bytes);
    }
    Ok(Tail {
        len: data.complete as u64,
        journal: header.journal,
        prev,
        next_seq,
        digest_first_seq,
        sealed,
        segment,
    })
}

impl WriterState {
    fn reopen_for_sealing(&mut self, segment: &SegmentFile, len: u64) -> Result<(), AuditError> {
        let file = OpenOptions::new()
            .write(true)
            .open(&segment.path)
            .map_err(|err| AuditError::io("opening", &segment.path, err))?;
        self.segment = Some(OpenSegment::new(file, segment.path.clone(), len, len));
        Ok(())
    }

    /// Starts segment `next_segment` with its header, durably (file and directory synced).
    fn create_segment(&mut self) -> Result<(), AuditError> {
        let number = self.next_segment;
        let path = self.dir.join(segment_file_name(number));
        let header = SegmentHeader {
            journal: self.journal,
            segment: number,
            first_seq: self.chain.next_seq,
            prev: self.chain.prev,
            created_at: now_text(),
        };
        let mut line = Vec::new();
        format::write_header(&mut line, &header);
        let prepared = self.preparer.as_ref().and_then(Preparer::take);
        let result = match prepared {
            // The header goes over the zeros; the file only gets its name once that is durable.
            Some((file, prepared_path)) => file
                .write_all_at(&line, 0)
                .and_then(|()| file.sync_data())
                .and_then(|()| file.metadata())
                .and_then(|metadata| {
                    fs::rename(&prepared_path, &path)?;
                    Ok((file, metadata.len()))
                })
                .map_err(|err| AuditError::io("creating", &path, err)),
            // A file left by an earlier failed attempt at this number was never part of the
            // chain.
            None => OpenOptions::new()
                .create(true)
                .truncate(true)
                .write(true)
                .open(&path)
                .and_then(|file| {
                    file.write_all_at(&line, 0)?;
                    file.sync_all()?;
                    Ok((file, line.len() as u64))
                })
                .map_err(|err| AuditError::io("creating", &path, err)),
        }
        .and_then(|opened| sync_dir(&self.dir).map(|()| opened));
        let (file, file_len) = match result {
            Ok(opened) => opened,
            Err(err) => {
                let _ = fs::remove_file(&path);
                return Err(err);
            }
        };
        self.chain.prev = LineHash::of_line(&line[..line.len() - 1]);
        self.segment = Some(OpenSegment::new(file, path, line.len() as u64, file_len));
        self.next_segment += 1;
        Ok(())
    }

    /// Seals the current segment with a rotation digest and starts the next one.
    fn rotate(&mut self) -> Result<(), AuditError> {
        if self.segment.is_some() {
            let mut buf = Vec::new();
            let mut cursor = self.chain;
            self.append_digest(&mut buf, &mut cursor, DigestReason::Rotate)?;
            self.commit(&buf, cursor)?;
            if let Some(mut sealed) = self.segment.take() {
                sealed.trim()?;
            }
        }
        self.create_segment()
    }

    /// Adds a signed digest of everything since the previous digest to `buf`.
    fn append_digest(
        &self,
        buf: &mut Vec<u8>,
        cursor: &mut Cursor,
        reason: DigestReason,
    ) -> Result<(), AuditError> {
        let body = DigestBody {
            journal: self.journal,
            first_seq: cursor.digest_first_seq,
            last_seq: cursor.next_seq - 1,
            last_hash: cursor.prev,
            sealed_at: now_text(),
            reason: reason.as_str().to_string(),
            alg: self.signer.public_key().algorithm().as_str().to_string(),
            key_id: self.key_id.clone(),
        };
        let signature = self.signer.sign(&signed_message(&body))?;
        let start = buf.len();
        format::write_digest(buf, &cursor.prev, &body, &signature);
        cursor.prev = LineHash::of_line(&buf[start..buf.len() - 1]);
        cursor.digest_first_seq = cursor.next_seq;
        cursor.last_digest_at = Instant::now();
        Ok(())
    }

    /// Writes `buf` to the current segment and syncs; on success the chain moves to `cursor`,
    /// on failure the file is cut back to its durable length.
    fn commit(&mut self, buf: &[u8], cursor: Cursor) -> Result<(), AuditError> {
        if self.damaged {
            self.repair()?;
        }
        let (fail_write, fail_sync) = self.take_injected_faults();
        let Some(segment) = self.segment.as_mut() else {
            return Err(AuditError::Unavailable {
                cause: "no open segment".into(),
            });
        };
        let at = segment.durable_len;
        let written = if fail_write {
            segment
                .file
                .write_all_at(&buf[..buf.len() / 2], at)
                .and(Err(io::Error::other("injected write failure")))
        } else {
            segment.file.write_all_at(buf, at)
        }
        .map_err(|err| AuditError::io("writing", &segment.path, err));
        let synced = written.and_then(|()| {
            let started = Instant::now();
            let result = if fail_sync {
                Err(io::Error::other("injected sync failure"))
            } else {
                segment.file.sync_data()
            }
            .map_err(|err| AuditError::io("syncing", &segment.path, err));
            metrics::histogram!("trent_audit_fsync_seconds")
                .record(started.elapsed().as_secs_f64());
            result
        });
        match synced {
            Ok(()) => {
                segment.durable_len += buf.len() as u64;
                segment.file_len = segment.file_len.max(segment.durable_len);
                segment.records += cursor.next_seq - self.chain.next_seq;
                self.chain = cursor;
                Ok(())
            }
            Err(err) => {
                self.damaged = true;
                if let Some(preparer) = &self.preparer {
                    preparer.discard();
                }
                // Best effort now; retried before the next write.
                let _ = self.repair();
                Err(err)
            }
        }
    }

    /// Whether the next write and the next sync are to fail (tests only): (write, sync).
    #[cfg(feature = "fault-injection")]
    fn take_injected_faults(&self) -> (bool, bool) {
        match &self.shared_faults {
            Some(shared) => {
                let write = shared.faults.fail_next_write.swap(false, Ordering::SeqCst);
                let sync = !write && shared.faults.fail_next_sync.swap(false, Ordering::SeqCst);
                (write, sync)
            }
            None => (false, false),
        }
    }

    #[cfg(not(feature = "fault-injection"))]
    fn take_injected_faults(&self) -> (bool, bool) {
        (false, false)
    }

    /// Cuts the current segment back to its durable length after a failed batch.
    fn repair(&mut self) -> Result<(), AuditError> {
        let Some(segment) = self.segment.as_mut() else {
            self.damaged = false;
            return Ok(());
        };
        // The padding goes too (what the failed write left in it is unknown); the segment grows
        // as it is written from here on.
        let len = segment.durable_len;
        segment
            .file
            .set_len(len)
            .and_then(|()| segment.file.sync_all())
            .map_err(|err| AuditError::Unavailable {
                cause: AuditError::io("truncating", &segment.path, err).to_string(),
            })?;
        segment.file_len = len;
        self.damaged = false;
        Ok(())
    }

    /// Makes sure there is a sound segment to write to.
    fn ensure_ready(&mut self) -> Result<(), AuditError> {
        if self.damaged {
            self.repair()?;
        }
        if self.segment.is_none() {
            self.create_segment()?;
        }
        Ok(())
    }

    /// Asks for the next segment file to be zero-filled once this one is half full: early
    /// enough to be ready when it is needed, late enough that a quiet journal never fills one.
    fn prepare_next_when_half_full(&mut self, options: &JournalOptions) {
        if let (Some(preparer), Some(segment)) = (&self.preparer, &mut self.segment)
            && !segment.next_requested
            && segment.durable_len >= options.max_segment_bytes / 2
        {
            segment.next_requested = true;
            preparer.request();
        }
    }

    fn rotation_due(&self, options: &JournalOptions, incoming: u64) -> bool {
        self.segment.as_ref().is_some_and(|segment| {
            segment.records > 0
                && (segment.durable_len + incoming > options.max_segment_bytes
                    || segment.created.elapsed() >= options.max_segment_age)
        })
    }
}

/// The writer thread.
pub(crate) struct Writer {
    shared: Arc<Shared>,
    state: WriterState,
    buf: Vec<u8>,
    dir_checked_at: Option<Instant>,
    dir_readonly: Option<AuditError>,
    probed_at: Instant,
    /// When the last batch started, for sync pacing.
    last_sync_at: Option<Instant>,
}

/// Marks the journal stopped however the writer thread ends, so no waiter waits forever.
struct StopOnExit(Arc<Shared>);

impl Drop for StopOnExit {
    fn drop(&mut self) {
        self.0.stop();
    }
}

impl Writer {
    pub(crate) fn new(shared: Arc<Shared>, mut state: WriterState) -> Self {
        #[cfg(feature = "fault-injection")]
        {
            state.shared_faults = Some(Arc::clone(&shared));
        }
        #[cfg(not(feature = "fault-injection"))]
        let _ = &mut state;
        Writer {
            shared,
            state,
            buf: Vec::new(),
            dir_checked_at: None,
            dir_readonly: None,
            probed_at: Instant::now(),
            last_sync_at: None,
        }
    }

    pub(crate) fn run(mut self) -> Result<(), AuditError> {
        let _stop = StopOnExit(Arc::clone(&self.shared));
        let mut batch: Vec<Pending> = Vec::new();
        let mut wake = Vec::new();
        loop {
            let options = &self.shared.options;
            let not_before = self
                .last_sync_at
                .filter(|_| self.shared.pacing.load(Ordering::Relaxed))
                .map(|at| at + options.min_sync_interval)
                .filter(|_| !options.min_sync_interval.is_zero());
            let taken = self.shared.take_batch(
                &mut batch,
                MAX_BATCH,
                self.next_timer(),
                not_before,
                options.sync_early_at,
            );
            metrics::gauge!("trent_audit_queue_depth").set(taken.queued as f64);
            if batch.is_empty() {
                self.on_timer();
            } else {
                self.last_sync_at = Some(Instant::now());
                let result = self.write_batch(&batch);
                match &result {
                    Ok(_) => {
                        metrics::counter!("trent_audit_records_total")
                            .increment(batch.len() as u64);
                        metrics::histogram!("trent_audit_batch_records").record(batch.len() as f64);
                    }
                    Err(_) => {
                        metrics::counter!("trent_audit_failures_total")
                            .increment(batch.len() as u64);
                    }
                }
                self.shared.answer(&mut batch, &result, &mut wake);
            }
            if taken.closing {
                return self.finish();
            }
        }
    }

    /// How long the writer may sleep before a time digest or a recovery probe is due.
    fn next_timer(&self) -> Option<Duration> {
        let mut timer = None;
        if self.state.chain.unsealed_records() > 0 {
            let due = self.state.chain.last_digest_at + self.shared.options.digest_every;
            timer = Some(due.saturating_duration_since(Instant::now()));
        }
        if !self.shared.is_healthy() {
            let due = self.probed_at + RECHECK_EVERY;
            let probe = due
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(10));
            timer = Some(timer.map_or(probe, |t: Duration| t.min(probe)));
        }
        timer
    }

    fn on_timer(&mut self) {
        if !self.shared.is_healthy() && self.probed_at.elapsed() >= RECHECK_EVERY {
            self.probed_at = Instant::now();
            let probe = self
                .check_dir(true)
                .and_then(|()| self.state.ensure_ready())
                .and_then(|()| match &self.state.segment {
                    Some(segment) => segment
                        .file
                        .sync_data()
                        .map_err(|err| AuditError::io("syncing", &segment.path, err)),
                    None => Ok(()),
                });
            if probe.is_ok() {
                self.shared.set_healthy(None);
            }
        }
        let chain = &self.state.chain;
        if chain.unsealed_records() > 0
            && chain.last_digest_at.elapsed() >= self.shared.options.digest_every
        {
            let result = self.write_digest_alone(DigestReason::Time);
            if let Err(err) = result {
                self.shared.set_healthy(Some(&err));
            }
        }
    }

    fn write_digest_alone(&mut self, reason: DigestReason) -> Result<(), AuditError> {
        self.check_dir(false)?;
        self.state.ensure_ready()?;
        self.buf.clear();
        let mut cursor = self.state.chain;
        self.state
            .append_digest(&mut self.buf, &mut cursor, reason)?;
        self.state.commit(&self.buf, cursor)
    }

    fn finish(&mut self) -> Result<(), AuditError> {
        let result = self.write_digest_alone(DigestReason::Close).and_then(|()| {
            match self.state.segment.as_mut() {
                Some(segment) => segment.trim(),
                None => Ok(()),
            }
        });
        if let Err(err) = &result {
            tracing::error!(error = %err, "the audit journal closed without its final digest");
        }
        result
    }

    /// Errors while the directory's permission bits forbid writing (looked at once a second).
    fn check_dir(&mut self, force: bool) -> Result<(), AuditError> {
        let stale = self
            .dir_checked_at
            .is_none_or(|at| at.elapsed() >= RECHECK_EVERY);
        if force || stale {
            self.dir_checked_at = Some(Instant::now());
            self.dir_readonly = check_dir_writable(&self.shared.dir).err();
        }
        match &self.dir_readonly {
            Some(err) => Err(err.clone()),
            None => Ok(()),
        }
    }

    fn write_batch(&mut self, batch: &[Pending]) -> Result<u64, AuditError> {
        let result = self.try_write_batch(batch);
        match &result {
            Ok(_) => self.shared.set_healthy(None),
            Err(err) => {
                self.shared.set_healthy(Some(err));
                self.probed_at = Instant::now();
            }
        }
        result
    }

    fn try_write_batch(&mut self, batch: &[Pending]) -> Result<u64, AuditError> {
        self.check_dir(false)?;
        self.state.ensure_ready()?;
        let incoming: u64 = batch
            .iter()
            .map(|pending| pending.event.len() as u64 + 100)
            .sum();
        if self.state.rotation_due(&self.shared.options, incoming) {
            self.state.rotate()?;
        }
        let every = self.shared.options.digest_every_records;
        self.buf.clear();
        let mut cursor = self.state.chain;
        let first_seq = cursor.next_seq;
        for pending in batch {
            let start = self.buf.len();
            format::write_record(&mut self.buf, cursor.next_seq, &cursor.prev, &pending.event);
            cursor.prev = LineHash::of_line(&self.buf[start..self.buf.len() - 1]);
            cursor.next_seq += 1;
            if cursor.unsealed_records() >= every {
                self.state
                    .append_digest(&mut self.buf, &mut cursor, DigestReason::Records)?;
            }
        }
        if cursor.unsealed_records() > 0
            && cursor.last_digest_at.elapsed() >= self.shared.options.digest_every
        {
            self.state
                .append_digest(&mut self.buf, &mut cursor, DigestReason::Time)?;
        }
        self.state.commit(&self.buf, cursor)?;
        self.state.prepare_next_when_half_full(&self.shared.options);
        Ok(first_seq)
    }
}
