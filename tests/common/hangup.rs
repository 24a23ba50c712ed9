//! A pseudo-terminal the test owns outright, so it can be hung up: the program runs as the
//! session leader on its slave side (`setsid -c`), and closing the master is what closing a
//! terminal window or dropping an ssh connection does (the kernel sends SIGHUP and the tty reads
//! as hung up). portable-pty cannot do this: its reader keeps a copy of the master open.
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};

pub struct HangupPty {
    master: Option<Arc<File>>,
    stop: Arc<AtomicBool>,
    reader: Option<JoinHandle<()>>,
    parser: Arc<Mutex<vt100::Parser>>,
    pub child: Child,
}

impl HangupPty {
    pub fn spawn(program: &Path, args: &[&str], cols: u16, rows: u16) -> HangupPty {
        let master: OwnedFd =
            openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC).expect("openpt");
        grantpt(&master).expect("grantpt");
        unlockpt(&master).expect("unlockpt");
        rustix::termios::tcsetwinsize(
            &master,
            rustix::termios::Winsize {
                ws_row: rows,
                ws_col: cols,
                ws_xpixel: 0,
                ws_ypixel: 0,
            },
        )
        .expect("window size");
        let name = ptsname(&master, Vec::new()).expect("ptsname");
        let slave = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(name.to_str().expect("utf-8 name"))
            .expect("open slave");
        let child = Command::new("setsid")
            .arg("-c")
            .arg(program)
            .args(args)
            .env("TERM", "xterm-256color")
            .env_remove("TRIAGE_DATA_DIR")
            .stdin(Stdio::from(slave.try_clone().expect("dup")))
            .stdout(Stdio::from(slave.try_clone().expect("dup")))
            .stderr(Stdio::from(slave))
            .spawn()
            .expect("spawn setsid");
        let master = Arc::new(File::from(master));
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            rows.try_into().expect("rows"),
            cols.try_into().expect("cols"),
            0,
        )));
        let stop = Arc::new(AtomicBool::new(false));
        let (m, p, st) = (Arc::clone(&master), Arc::clone(&parser), Arc::clone(&stop));
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while !st.load(Ordering::Relaxed) {
                let mut fds = [PollFd::new(&*m, PollFlags::IN)];
                let ts = Timespec {
                    tv_sec: 0,
                    tv_nsec: 10_000_000,
                };
                match poll(&mut fds, Some(&ts)) {
                    Ok(0) => continue,
                    Ok(_) => {}
                    Err(_) => break,
                }
                match (&*m).read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if let Ok(mut parser) = p.lock() {
                            parser.process(buf.get(..n).unwrap_or_default());
                        }
                    }
                }
            }
        });
        HangupPty {
            master: Some(master),
            stop,
            reader: Some(reader),
            parser,
            child,
        }
    }

    pub fn screen(&self) -> String {
        self.parser.lock().expect("parser").screen().contents()
    }

    pub fn wait_until(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(
                start.elapsed() <= super::pty::TIMEOUT,
                "timed out waiting for {what}; the screen is:\n{s}"
            );
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    pub fn wait_for(&self, text: &str) -> String {
        self.wait_until(&format!("`{text}`"), |s| s.contains(text))
    }

    pub fn send(&mut self, keys: &str) {
        if let Some(m) = &self.master {
            (&**m).write_all(keys.as_bytes()).expect("write");
        }
    }

    /// Closes the terminal: the reader stops and the last copy of the master is closed.
    pub fn hang_up(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        self.master = None;
    }

    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill")
            .success();
        assert!(ok, "kill -{sig} failed");
    }

    /// How long the program took to end, if it ended within `limit`.
    pub fn exits_within(&mut self, limit: Duration) -> Option<Duration> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if self.child.try_wait().expect("try_wait").is_some() {
                return Some(start.elapsed());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        None
    }
}

impl Drop for HangupPty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.hang_up();
    }
}
