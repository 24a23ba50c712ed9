//! Where kiosk summaries go: the print command gets the summary on standard input (never in its
//! arguments), and spool files are whole or absent, never partial.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use triage::kiosk::deliver::{run_with_input, spool};

/// The print command receives the summary on its standard input.
#[test]
fn print_command_gets_the_summary_on_stdin() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("printed");
    let summary = "Patient: Zoë Example\nDO NOT TREAT TODAY\n".repeat(200);
    run_with_input(
        &["tee".into(), out.display().to_string()],
        summary.as_bytes(),
    )
    .expect("prints");
    assert_eq!(std::fs::read_to_string(&out).expect("read"), summary);
}

/// A failing or missing print command is an error to show staff, not a crash.
#[test]
fn print_failures_are_reported() {
    let e = run_with_input(&["false".into()], b"x").unwrap_err();
    assert!(e.contains("`false` failed"), "{e}");
    let e = run_with_input(&["/no/such/printer".into()], b"x").unwrap_err();
    assert!(e.contains("could not start `/no/such/printer`"), "{e}");
    assert!(run_with_input(&[], b"x").is_err());
}

/// While summaries are spooled again and again, a reader only ever sees whole files; a spool
/// folder that cannot be used leaves no file at all.
#[test]
fn spool_files_are_whole_or_absent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spool_dir = dir.path().join("spool");
    let big = |n: u8| vec![b'a' + n; 300_000];
    spool(&spool_dir, 1, "txt", &big(0)).expect("spool");
    let file = spool_dir.join("triage-record-1.txt");
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (file, stop) = (file.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut reads = 0;
            while !stop.load(Ordering::Relaxed) {
                let bytes = std::fs::read(&file).expect("always there");
                assert_eq!(bytes.len(), 300_000, "a whole file");
                assert!(
                    bytes.iter().all(|b| *b == bytes[0]),
                    "one version, not a mix"
                );
                reads += 1;
            }
            reads
        })
    };
    for n in 1..20 {
        spool(&spool_dir, 1, "txt", &big(n % 20)).expect("spool");
    }
    stop.store(true, Ordering::Relaxed);
    assert!(reader.join().expect("reader") > 0);
    let names: Vec<_> = std::fs::read_dir(&spool_dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temporary files left: {names:?}");

    let blocked = dir.path().join("blocked");
    std::fs::write(&blocked, "a file where the folder should be").expect("write");
    assert!(spool(&blocked, 2, "txt", b"summary").is_err());
    assert!(!blocked.join("triage-record-2.txt").exists());
}
