//! The next segment file, zero-filled ahead of the writer.
//!
//! ext4 and xfs allocate blocks as a file grows, so `fdatasync` after an append must also write
//! the inode (new size, new extents): on the test machine a second I/O, 3.3 instead of 2
//! wake-ups and about 30 % more kernel CPU per sync (BENCHMARKS.md). Writing over zeros that
//! were written and synced before changes no metadata, so a batch's sync is one data write.
//! (`fallocate` does not help: its unwritten extents are converted as they are written, a
//! metadata change again.)
//!
//! Filling costs a full write of the segment, so a thread of its own does it, for the *next*
//! segment, once the writer asks — when the current segment is half full. Short-lived and quiet
//! journals never fill anything; a busy one finds the file ready when it rotates. A file that is
//! not ready, or a fill that failed, costs nothing but speed: the writer then creates a plain
//! file as it always could.
//!
//! The zeros are covered by the reading rules of [`crate::segments`] (a segment's content ends
//! at its first NUL); the writer trims them when it seals a segment, recovery when a crash left
//! one open.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::error::AuditError;

/// The file being filled or ready; never taken for a segment (see `format::looks_like_segment`).
pub(crate) const PREPARED_FILE: &str = "next-segment.zeroed";
/// Zeros are written this much at a time…
const WRITE_CHUNK: usize = 1024 * 1024;
/// …and synced every this many bytes, so the disk sees a steady trickle rather than one burst
/// that the writer's syncs would queue behind.
const SYNC_EVERY: u64 = 1024 * 1024;
/// After a failed fill, requests are ignored for this long (a full or read-only disk).
const BACK_OFF: Duration = Duration::from_secs(30);

/// The filler thread and the file it prepares; dropping it stops the thread and removes a file
/// nobody took.
pub(crate) struct Preparer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    dir: PathBuf,
    size: u64,
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    stage: Stage,
    closing: bool,
}

#[derive(Default)]
enum Stage {
    #[default]
    Idle,
    Wanted,
    Filling,
    Ready(File),
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Preparer {
    /// Removes a file an earlier run left behind and starts the filler thread, which prepares
    /// files of `size` bytes on request.
    pub(crate) fn start(dir: &Path, size: u64) -> Result<Preparer, AuditError> {
        remove_prepared(dir)?;
        let shared = Arc::new(Shared {
            dir: dir.to_path_buf(),
            size,
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        });
        let thread = std::thread::Builder::new()
            .name("trent-audit-prepare".into())
            .spawn({
                let shared = Arc::clone(&shared);
                move || shared.run()
            })
            .map_err(|err| AuditError::io("starting the segment preparer for", dir, err))?;
        Ok(Preparer {
            shared,
            thread: Some(thread),
        })
    }

    /// Asks for the next file, unless one is ready or being filled.
    pub(crate) fn request(&self) {
        let mut state = lock(&self.shared.state);
        if matches!(state.stage, Stage::Idle) {
            state.stage = Stage::Wanted;
            self.shared.changed.notify_all();
        }
    }

    /// Gives back the space of a ready file (a write failed: the disk may be full, and the
    /// trail needs the space more than the next segment needs its zeros).
    pub(crate) fn discard(&self) {
        let mut state = lock(&self.shared.state);
        if let Stage::Ready(_) = state.stage {
            state.stage = Stage::Idle;
            let _ = fs::remove_file(self.shared.dir.join(PREPARED_FILE));
        }
    }

    /// The filled file, if one is ready, and its path. The caller renames it away before the
    /// next [`request`](Self::request).
    pub(crate) fn take(&self) -> Option<(File, PathBuf)> {
        let mut state = lock(&self.shared.state);
        match std::mem::take(&mut state.stage) {
            Stage::Ready(file) => Some((file, self.shared.dir.join(PREPARED_FILE))),
            other => {
                state.stage = other;
                None
            }
        }
    }
}

impl Drop for Preparer {
    fn drop(&mut self) {
        lock(&self.shared.state).closing = true;
        self.shared.changed.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        if let Err(err) = remove_prepared(&self.shared.dir) {
            tracing::warn!(error = %err, "could not remove the prepared audit segment file");
        }
    }
}

impl Shared {
    fn run(&self) {
        loop {
            {
                let mut state = lock(&self.state);
                while !state.closing && !matches!(state.stage, Stage::Wanted) {
                    state = self
                        .changed
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                if state.closing {
                    return;
                }
                state.stage = Stage::Filling;
            }
            let filled = self.fill();
            let mut state = lock(&self.state);
            match filled {
                Ok(Some(file)) => state.stage = Stage::Ready(file),
                Ok(None) => return,
                Err(err) => {
                    tracing::warn!(
                        error = %err,
                        dir = %self.dir.display(),
                        "could not zero-fill the next audit segment; segments grow as they are written"
                    );
                    let _ = fs::remove_file(self.dir.join(PREPARED_FILE));
                    // Still `Filling` to the writer, so its requests are no-ops meanwhile.
                    let (mut state, _) = self
                        .changed
                        .wait_timeout_while(state, BACK_OFF, |state| !state.closing)
                        .unwrap_or_else(PoisonError::into_inner);
                    state.stage = Stage::Idle;
                }
            }
        }
    }

    /// Writes and syncs `size` zeros; `None` if the journal closed meanwhile.
    fn fill(&self) -> io::Result<Option<File>> {
        let path = self.dir.join(PREPARED_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .open(&path)?;
        let zeros = vec![0; WRITE_CHUNK];
        let mut at = 0;
        while at < self.size {
            if lock(&self.state).closing {
                return Ok(None);
            }
            let len = (self.size - at).min(WRITE_CHUNK as u64);
            file.write_all_at(&zeros[..len as usize], at)?;
            at += len;
            if at % SYNC_EVERY == 0 {
                file.sync_data()?;
            }
        }
        file.sync_all()?;
        Ok(Some(file))
    }
}

fn remove_prepared(dir: &Path) -> Result<(), AuditError> {
    let path = dir.join(PREPARED_FILE);
    match fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(AuditError::io("removing", &path, err)),
    }
}
