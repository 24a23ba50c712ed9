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
/// the platform's data directory; with the folders above it resolved once (see
/// [`resolve_above`]). Errors: no home directory, or a folder above it that cannot be read.
pub fn data_dir(explicit: Option<&Path>) -> io::Result<PathBuf> {
    let dir = match explicit {
        Some(p) => p.to_owned(),
        None => directories::ProjectDirs::from("", "", "triage")
            .map(|d| d.data_dir().to_owned())
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    "no home directory to keep data in; use --data-dir",
                )
            })?,
    };
    resolve_above(&dir).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot use the data directory {}: {e}", dir.display()),
        )
    })
}

/// `p` with the folders above its last part resolved: symbolic links followed and `.`/`..`
/// gone, as the system resolves them (`/home` is a link on some systems: that is the system's
/// business, not a planted link). The last part is kept as it is, so a link in the place of
/// the data directory itself is still seen, and refused, by [`ensure_private_dir`]. Folders
/// that do not exist yet are appended as named (they are created as real folders). An absolute
/// path comes back; `p` itself when it has no last part to keep (`/`, `..`).
pub fn resolve_above(p: &Path) -> io::Result<PathBuf> {
    let Some(name) = p.file_name() else {
        return Ok(p.to_owned());
    };
    let dot = Path::new(".");
    let mut existing = p
        .parent()
        .filter(|x| !x.as_os_str().is_empty())
        .unwrap_or(dot);
    let mut missing = Vec::new();
    loop {
        match fs::canonicalize(existing) {
            Ok(mut out) => {
                out.extend(missing.iter().rev());
                out.push(name);
                return Ok(out);
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                match (existing.file_name(), existing.parent()) {
                    (Some(n), Some(up)) => {
                        missing.push(n);
                        existing = if up.as_os_str().is_empty() { dot } else { up };
                    }
                    _ => return Err(e),
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// The error for a symbolic link where triage expects a real folder or file of its own: it never
/// follows one there, so a link planted in the place of the data directory, an export or spool
/// folder or the database cannot redirect patient data or have its target's permissions changed.
pub fn symlink_refused(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} is a symbolic link; triage does not follow links where it keeps or writes patient data: name the real folder or file",
            path.display()
        ),
    )
}

/// Creates `dir` if needed and makes it private (0700), refusing a symbolic link in its place.
/// Every folder created on the way (the missing parents too) is made 0700 whatever the umask;
/// parents that already exist are left as they are. The final folder's mode is set through a
/// descriptor opened without following links (`O_NOFOLLOW`), so a link swapped in meanwhile is
/// never chmod'ed. Errors: a link or a non-folder in the way, or the system's I/O error.
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    // The missing folders, outermost first.
    let mut missing = Vec::new();
    let mut cur = Some(dir);
    while let Some(p) = cur.filter(|p| !p.as_os_str().is_empty()) {
        match fs::symlink_metadata(p) {
            Ok(_) => break,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                missing.push(p);
                cur = p.parent();
            }
            Err(e) => return Err(e),
        }
    }
    for p in missing.into_iter().rev() {
        match make_private_dir(p) {
            Ok(()) => {}
            // Made by someone else meanwhile: checked below like any existing folder.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        if p != dir {
            chmod_dir_nofollow(p, 0o700)?;
        }
    }
    let meta = fs::symlink_metadata(dir)?;
    if meta.file_type().is_symlink() {
        return Err(symlink_refused(dir));
    }
    if !meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a folder", dir.display()),
        ));
    }
    chmod_dir_nofollow(dir, 0o700)
}

/// `mkdir` with mode 0700 (the umask can only take bits away, and the mode is set again after).
fn make_private_dir(p: &Path) -> io::Result<()> {
    let mut b = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(p)
}

/// Sets a folder's mode through a descriptor opened with `O_NOFOLLOW | O_DIRECTORY`: a symbolic
/// link is refused, never followed.
fn chmod_dir_nofollow(dir: &Path, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use rustix::fs::{Mode, OFlags};
        let fd = rustix::fs::open(
            dir,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| match e {
            rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR if is_symlink(dir) => {
                symlink_refused(dir)
            }
            e => e.into(),
        })?;
        rustix::fs::fchmod(&fd, Mode::from_raw_mode(mode)).map_err(io::Error::from)
    }
    #[cfg(not(unix))]
    {
        let _ = (dir, mode);
        Ok(())
    }
}

fn is_symlink(p: &Path) -> bool {
    fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
}

/// Sets a file's mode unless it is a symbolic link, whose target is never touched (a link is an
/// error; a missing file is not). The file is never opened: closing a descriptor of a file drops
/// every `fcntl` lock this process holds on it, and SQLite's locks on the database, WAL and
/// shared-memory files must survive. The check and the change are a moment apart; the folder is
/// private (0700), so only its owner could swap a link in between.
pub fn set_file_mode_nofollow(path: &Path, mode: u32) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(symlink_refused(path)),
        Ok(_) => {
            #[cfg(unix)]
            {
                fs::set_permissions(path, fs::Permissions::from_mode(mode))
            }
            #[cfg(not(unix))]
            {
                let _ = mode;
                Ok(())
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Creates an empty file with mode 0600 if it does not exist yet, so SQLite's database (and the
/// WAL and shared-memory files, which SQLite gives the database's permissions) are private. A
/// symbolic link in its place is refused without touching its target. A new file is created
/// with `O_CREAT | O_EXCL` (which never follows a link); an existing one is never opened here
/// (see [`set_file_mode_nofollow`]: another connection of this process may hold its locks).
pub fn precreate_private(path: &Path) -> io::Result<()> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    o.mode(0o600);
    match o.open(path) {
        Ok(f) => {
            #[cfg(unix)]
            f.set_permissions(fs::Permissions::from_mode(0o600))?;
            drop(f);
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => set_file_mode_nofollow(path, 0o600),
        Err(e) => Err(e),
    }
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
