//! One live owner per draft. A process that is showing a draft holds an exclusive `flock` on
//! `locks/draft-ID.lock` in the data directory; the operating system drops it when the process
//! ends in any way (exit, crash, kill -9), so a crash releases the form at once and nothing
//! stale is left to expire. Another process never offers, shows, abandons, discards or completes a
//! draft whose lock is held (RELIABILITY.md "One owner, no orphans").

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

#[cfg(unix)]
use std::os::unix::fs::OpenOptionsExt;

use rustix::fs::{FlockOperation, flock};

use super::{DraftId, ensure_private_dir};

/// Holding this is owning the draft; dropping it releases it.
#[derive(Debug)]
pub struct DraftLock {
    pub draft: DraftId,
    _file: File,
}

fn lock_path(data_dir: &Path, draft: DraftId) -> PathBuf {
    data_dir.join("locks").join(format!("draft-{draft}.lock"))
}

impl DraftLock {
    /// Takes the draft for this process; `Ok(None)` when another live process holds it.
    pub fn try_take(data_dir: &Path, draft: DraftId) -> io::Result<Option<DraftLock>> {
        let path = lock_path(data_dir, draft);
        if let Some(dir) = path.parent() {
            ensure_private_dir(dir)?;
        }
        let mut o = OpenOptions::new();
        o.read(true).write(true).create(true).truncate(false);
        // Never through a link planted in the locks folder.
        #[cfg(unix)]
        o.mode(0o600)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits().cast_signed());
        let file = o.open(&path)?;
        match flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => Ok(Some(DraftLock { draft, _file: file })),
            Err(rustix::io::Errno::WOULDBLOCK) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Whether another live process holds the draft (checked by taking and releasing it). An
    /// error reading the lock counts as held: the safe side.
    pub fn held_elsewhere(data_dir: &Path, draft: DraftId) -> bool {
        !matches!(Self::try_take(data_dir, draft), Ok(Some(_)))
    }
}
