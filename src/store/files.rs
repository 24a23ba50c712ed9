//! The data directory and files written outside SQLite: private permissions (directory 0700,
//! files 0600) and the one atomic-write helper (temp file in the same directory, write, fsync,
//! rename, fsync the directory), so a crash leaves the old file or the whole new one.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

#[cfg(unix)]
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};

/// The data directory: `--data-dir`, else `TRIAGE_DATA_DIR` (both arrive as `explicit`), else
/// the platform's data directory.
pub fn data_dir(explicit: Option<&Path>) -> io::Result<PathBuf> {
    match explicit {
        Some(p) => Ok(p.to_owned()),
        None => directories::ProjectDirs::from("", "", "triage")
            .map(|d| d.data_dir().to_owned())
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    "no home directory to keep data in; use --data-dir",
                )
            }),
    }
}

/// Creates `dir` (and parents) if needed and makes it private (0700).
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    set_mode(dir, 0o700)
}

/// Sets Unix permission bits; does nothing elsewhere.
pub fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

/// Creates an empty file with mode 0600 if it does not exist yet, so SQLite's database (and the
/// WAL and shared-memory files, which SQLite gives the database's permissions) are private.
pub fn precreate_private(path: &Path) -> io::Result<()> {
    let mut o = OpenOptions::new();
    o.write(true).create(true).truncate(false);
    #[cfg(unix)]
    o.mode(0o600);
    o.open(path)?;
    set_mode(path, 0o600)
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path` atomically with mode 0600: a reader (or a crash) sees the old file
/// or the whole new one, never half.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
    let result = (|| {
        let mut o = OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        o.mode(0o600);
        let mut f = o.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Flushes a directory entry (after a rename) to disk.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An atomic write replaces the whole file, leaves no temp file, and is private.
    #[test]
    fn atomic_write_replaces_whole_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("out.json");
        write_atomic(&p, b"first").expect("write");
        write_atomic(&p, b"second, longer").expect("write");
        assert_eq!(fs::read(&p).expect("read"), b"second, longer");
        let names: Vec<_> = fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        #[cfg(unix)]
        assert_eq!(
            fs::metadata(&p).expect("meta").permissions().mode() & 0o777,
            0o600
        );
    }

    /// Writing into a missing directory fails cleanly and leaves nothing behind.
    #[test]
    fn atomic_write_failure_is_clean() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("missing").join("out.json");
        assert!(write_atomic(&p, b"x").is_err());
    }
}
