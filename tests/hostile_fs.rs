//! The file system as an attacker leaves it (issue 12, item 5): a symbolic link where triage
//! expects its data directory, database, export, spool or FHIR-spool folder is refused without
//! touching the link's target (no chmod, nothing written into it), and every folder triage
//! creates, the missing parents included, is 0700 even under `umask 000`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

use assert_cmd::Command;
use triage::store::{DB_FILE, SqliteStore};

fn triage(data: &Path) -> Command {
    let mut c = Command::cargo_bin("triage").expect("binary builds");
    c.env("NO_COLOR", "1")
        .env_remove("TRIAGE_DATA_DIR")
        .arg("--data-dir")
        .arg(data);
    c
}

fn mode(p: &Path) -> u32 {
    fs::symlink_metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A folder someone else owns the idea of: 0755 with one file in it.
fn target_folder(root: &Path) -> std::path::PathBuf {
    let t = root.join("elsewhere");
    fs::create_dir(&t).expect("mkdir");
    fs::write(t.join("theirs.txt"), "x").expect("write");
    fs::set_permissions(&t, fs::Permissions::from_mode(0o755)).expect("chmod");
    t
}

/// A data directory that is a symbolic link is refused with a plain message; its target keeps
/// its mode and gets no database.
#[test]
fn data_dir_link_is_refused() {
    let root = tempfile::tempdir().expect("tempdir");
    let target = target_folder(root.path());
    let link = root.path().join("data");
    symlink(&target, &link).expect("symlink");
    let out = triage(&link)
        .args(["records", "list"])
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("is a symbolic link"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(mode(&target), 0o755);
    assert_eq!(names(&target), ["theirs.txt"]);
}

/// A `triage.db` that is a symbolic link is refused before anything touches its target: the
/// target keeps its mode and its bytes.
#[test]
fn database_link_is_refused_untouched() {
    let root = tempfile::tempdir().expect("tempdir");
    let data = root.path().join("data");
    fs::create_dir(&data).expect("mkdir");
    let target = root.path().join("victim.txt");
    fs::write(&target, "not a database").expect("write");
    fs::set_permissions(&target, fs::Permissions::from_mode(0o644)).expect("chmod");
    symlink(&target, data.join(DB_FILE)).expect("symlink");
    let err = match SqliteStore::open(&data) {
        Ok(_) => panic!("a linked database was opened"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("is a symbolic link"), "{err}");
    assert_eq!(mode(&target), 0o644);
    assert_eq!(fs::read(&target).expect("read"), b"not a database");
    let out = triage(&data)
        .args(["records", "list"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is a symbolic link"));
    assert_eq!(mode(&target), 0o644);
}

/// `records export --out LINK` writes nothing into the link's target and leaves its mode.
#[test]
fn export_folder_link_is_refused() {
    let root = tempfile::tempdir().expect("tempdir");
    let data = root.path().join("data");
    let st = triage(&data)
        .args([
            "submit",
            "--answers",
            "questionnaires/examples/baseline.json",
        ])
        .output()
        .expect("runs");
    assert_eq!(st.status.code(), Some(0));
    let target = target_folder(root.path());
    let link = root.path().join("export");
    symlink(&target, &link).expect("symlink");
    let out = triage(&data)
        .args(["records", "export", "--out"])
        .arg(&link)
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("export folder"), "{err}");
    assert!(err.contains("is a symbolic link"), "{err}");
    assert_eq!(mode(&target), 0o755);
    assert_eq!(names(&target), ["theirs.txt"]);
}

/// The kiosk's spool and FHIR-spool folders (both written by `deliver::spool`): a link is
/// refused, its target untouched; a real missing folder is created 0700.
#[test]
fn spool_folder_link_is_refused() {
    let root = tempfile::tempdir().expect("tempdir");
    let target = target_folder(root.path());
    let link = root.path().join("spool");
    symlink(&target, &link).expect("symlink");
    for ext in ["txt", "fhir.json"] {
        let e = triage::kiosk::deliver::spool(&link, 7, ext, b"summary").expect_err("refused");
        assert!(e.contains("is a symbolic link"), "{e}");
    }
    assert_eq!(mode(&target), 0o755);
    assert_eq!(names(&target), ["theirs.txt"]);
    let real = root.path().join("real").join("spool");
    let written = triage::kiosk::deliver::spool(&real, 7, "txt", b"summary").expect("spooled");
    assert_eq!(mode(&real), 0o700);
    assert_eq!(mode(root.path().join("real").as_path()), 0o700);
    assert_eq!(mode(&written), 0o600);
}

/// Under `umask 000` a new data directory's missing parents and itself are all 0700, the
/// database 0600; an existing parent keeps its own mode.
#[test]
fn new_folders_are_private_under_umask_000() {
    let root = tempfile::tempdir().expect("tempdir");
    fs::set_permissions(root.path(), fs::Permissions::from_mode(0o755)).expect("chmod");
    let data = root.path().join("a").join("b").join("data");
    let bin = assert_cmd::cargo::cargo_bin("triage");
    let st = std::process::Command::new("sh")
        .arg("-c")
        .arg("umask 000 && exec \"$0\" --data-dir \"$1\" records list")
        .arg(&bin)
        .arg(&data)
        .env_remove("TRIAGE_DATA_DIR")
        .output()
        .expect("runs");
    assert_eq!(
        st.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    assert_eq!(mode(&root.path().join("a")), 0o700);
    assert_eq!(mode(&root.path().join("a").join("b")), 0o700);
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join(DB_FILE)), 0o600);
    assert_eq!(mode(root.path()), 0o755, "an existing parent is left alone");
}

/// A link ABOVE the data directory (`/home` is one on some systems) is the system's business:
/// `--data-dir LINK/sub` works for a new and an existing data directory, a deeper missing path
/// under the link too, and the records land in the link's target; the data directory itself
/// being a link under such a path is still refused, with the real reason, and nothing created.
#[test]
fn links_above_the_data_dir_are_followed() {
    let root = tempfile::tempdir().expect("tempdir");
    let real = root.path().join("real");
    fs::create_dir(&real).expect("mkdir");
    let link = root.path().join("plink");
    symlink(&real, &link).expect("symlink");
    for sub in ["sub", "deeper/sub"] {
        let data = link.join(sub);
        for round in ["new", "existing"] {
            let out = triage(&data)
                .args(["records", "list"])
                .output()
                .expect("runs");
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(0), "{sub} {round}: {err}");
            assert!(!err.contains("read-only"), "{err}");
        }
        let db = real.join(sub).join(DB_FILE);
        assert!(fs::metadata(&db).expect("db").len() > 0, "a real database");
        assert_eq!(mode(&real.join(sub)), 0o700);
    }
    // The library opens such a path too.
    SqliteStore::open(&link.join("sub")).expect("open through a link above");
    // A data directory that is itself a link, below a link: refused, its target untouched.
    let target = target_folder(root.path());
    symlink(&target, real.join("linked")).expect("symlink");
    let out = triage(&link.join("linked"))
        .args(["records", "list"])
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("is a symbolic link"), "{err}");
    assert!(!err.contains("read-only"), "{err}");
    assert_eq!(names(&target), ["theirs.txt"]);
    assert_eq!(mode(&target), 0o755);
}
