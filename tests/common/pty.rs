//! Runs the real binary in a pseudo-terminal and reads its screen through a terminal emulator
//! (vt100). Tests wait for screen conditions with a deadline; they never sleep a fixed time.
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};

pub struct Pty {
    parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    /// Bytes the program has written to the terminal so far.
    pub bytes: Arc<AtomicUsize>,
    /// Every byte the program has written to the terminal.
    raw: Arc<Mutex<Vec<u8>>>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

pub const TIMEOUT: Duration = Duration::from_secs(15);

impl Pty {
    /// Starts `program args` in a terminal of `cols` x `rows`.
    pub fn spawn(program: &Path, args: &[&str], cols: u16, rows: u16) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut cmd = CommandBuilder::new(program);
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("TRIAGE_DATA_DIR");
        cmd.cwd(std::env::current_dir().expect("cwd"));
        let child = pair.slave.spawn_command(cmd).expect("spawn");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let writer = pair.master.take_writer().expect("writer");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            rows.try_into().expect("rows"),
            cols.try_into().expect("cols"),
            0,
        )));
        let bytes = Arc::new(AtomicUsize::new(0));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (p, b, r) = (Arc::clone(&parser), Arc::clone(&bytes), Arc::clone(&raw));
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                b.fetch_add(n, Ordering::SeqCst);
                if let Ok(mut r) = r.lock() {
                    r.extend_from_slice(buf.get(..n).unwrap_or_default());
                }
                if let Ok(mut parser) = p.lock() {
                    parser.process(buf.get(..n).unwrap_or_default());
                }
            }
        });
        Pty {
            parser,
            writer,
            child,
            bytes,
            raw,
            _master: pair.master,
        }
    }

    /// Everything the program has written to the terminal, as text.
    pub fn raw_output(&self) -> String {
        String::from_utf8_lossy(&self.raw.lock().expect("raw")).into_owned()
    }

    /// The visible screen as text.
    pub fn screen(&self) -> String {
        self.parser.lock().expect("parser").screen().contents()
    }

    /// The screen with its colours and attributes, as escape sequences (for change detection).
    pub fn formatted(&self) -> String {
        self.parser
            .lock()
            .expect("parser")
            .screen()
            .contents_formatted()
    }

    /// Whether the program has the alternate screen, mouse reporting or bracketed paste on.
    pub fn modes(&self) -> (bool, bool, bool) {
        let p = self.parser.lock().expect("parser");
        let s = p.screen();
        (
            s.alternate_screen(),
            s.mouse_protocol_mode() != vt100::MouseProtocolMode::None,
            s.bracketed_paste(),
        )
    }

    /// Waits until `pred` holds for the screen; panics with the screen on timeout.
    pub fn wait_until(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(
                start.elapsed() <= TIMEOUT,
                "timed out waiting for {what}; the screen is:\n{s}"
            );
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    pub fn wait_for(&self, text: &str) -> String {
        self.wait_until(&format!("`{text}`"), |s| s.contains(text))
    }

    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("write");
        self.writer.flush().expect("flush");
    }

    /// Row and column (0-based) of the first place `text` appears, waiting for it to be drawn.
    pub fn find(&self, text: &str) -> (u16, u16) {
        let locate = |s: &str| {
            (0u16..).zip(s.lines()).find_map(|(r, line)| {
                line.find(text).map(|byte| {
                    let col = line[..byte].chars().count();
                    (r, u16::try_from(col).expect("a terminal column fits u16"))
                })
            })
        };
        let s = self.wait_until(&format!("`{text}` to click"), |s| locate(s).is_some());
        locate(&s).unwrap_or((0, 0))
    }

    /// A left click (SGR mouse report: press then release) at a 0-based cell.
    pub fn click(&mut self, row: u16, col: u16) {
        let (r, c) = (row + 1, col + 1);
        self.send(&format!("\x1b[<0;{c};{r}M\x1b[<0;{c};{r}m"));
    }

    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("pid")
    }

    pub fn signal(&self, sig: &str) {
        let ok = std::process::Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.pid().to_string())
            .status()
            .expect("kill")
            .success();
        assert!(ok, "kill -{sig} failed");
    }

    /// Waits for the program to end and returns its exit code.
    pub fn wait_exit(&mut self) -> u32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.exit_code();
            }
            assert!(
                start.elapsed() <= TIMEOUT,
                "the program did not exit; the screen is:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

pub const ENTER: &str = "\r";
pub const ESC: &str = "\x1b";
pub const UP: &str = "\x1b[A";
pub const LEFT: &str = "\x1b[D";
pub const DOWN: &str = "\x1b[B";
pub const HOME: &str = "\x1b[H";
pub const END: &str = "\x1b[F";
pub const CTRL_C: &str = "\x03";
pub const CTRL_U: &str = "\x15";
