//! The keyboard and mouse as bytes. triage reads standard input itself and decodes it here into
//! crossterm's event types, so that no byte sequence can hold input hostage: crossterm 0.29's
//! parser keeps an unfinished sequence (`ESC [ ?`, `ESC [ 200 ~` with no end marker) in a buffer
//! it cannot be told to drop, and then swallows every key, Enter and Ctrl-C included, until a
//! byte it happens to accept (`u`, `c`, `ESC [ 201 ~`) arrives.
//!
//! The rules (ECMA-48's grammar for CSI: parameter bytes 0x30-0x3F, intermediates 0x20-0x2F, a
//! final byte 0x40-0x7E):
//! - A control byte (Enter, Ctrl-C, a new ESC, ...) inside an unfinished sequence ends that
//!   sequence: the sequence is dropped and the byte counts as typed.
//! - An unfinished sequence with no further byte for [`SEQUENCE_TIMEOUT`] is dropped.
//! - A sequence longer than [`MAX_SEQUENCE`] bytes is dropped when it ends.
//! - A bracketed paste that never sends its end marker (`ESC [ 201 ~`) is given up after
//!   [`PASTE_IDLE`] without a byte or [`PASTE_MAX_TIME`] in all; its bytes then count as typed,
//!   since a real paste always ends with the marker. A paste keeps at most [`PASTE_MAX_BYTES`].
//! - Complete sequences triage has no use for (focus, cursor reports, device attributes) are
//!   dropped whole.
//!
//! Pure: bytes and instants in, events out; the reading is in `runtime` and `terminal`.

use std::time::{Duration, Instant};

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

/// How long an unfinished escape sequence may wait for its next byte. A terminal sends a whole
/// sequence in one write; 100 ms (vim's `ttimeoutlen`) also covers a slow remote link.
pub const SEQUENCE_TIMEOUT: Duration = Duration::from_millis(100);
/// The longest escape sequence kept; real key and mouse reports are under 32 bytes.
pub const MAX_SEQUENCE: usize = 64;
/// A paste with no byte for this long, and no end marker, is given up.
pub const PASTE_IDLE: Duration = Duration::from_millis(300);
/// A paste still open this long after its start marker is given up, even while bytes come.
pub const PASTE_MAX_TIME: Duration = Duration::from_secs(2);
/// The most of one paste that is kept (a text answer is far shorter; the rest is dropped).
pub const PASTE_MAX_BYTES: usize = 64 * 1024;

const ESC: u8 = 0x1b;
const PASTE_START: &[u8] = b"\x1b[200~";
const PASTE_END: &[u8] = b"\x1b[201~";

/// A pasted text being collected.
#[derive(Debug)]
struct Paste {
    bytes: Vec<u8>,
    /// The last bytes seen (as long as the end marker), to find the marker past the limit.
    tail: Vec<u8>,
    started: Instant,
    last: Instant,
}

/// The decoder's memory between reads: the sequence in progress, a pending Alt (an ESC before
/// a key), an open paste.
#[derive(Debug, Default)]
pub struct Decoder {
    /// The bytes of the unfinished sequence or UTF-8 character (empty: none).
    pending: Vec<u8>,
    /// The pending sequence grew past [`MAX_SEQUENCE`]: it is dropped when it ends.
    overlong: bool,
    /// When the pending sequence's last byte came.
    last: Option<Instant>,
    /// An ESC came before a key: the key has Alt.
    alt: bool,
    paste: Option<Paste>,
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// Decodes the bytes read now. A lone ESC at the very end of what was read is the Esc key
    /// (a terminal sends a whole sequence in one write), as crossterm does.
    pub fn feed(&mut self, bytes: &[u8], now: Instant) -> Vec<Event> {
        let mut out = self.flush(now);
        for &b in bytes {
            self.push(b, now, &mut out);
        }
        if self.pending == [ESC] {
            self.pending.clear();
            out.push(key(KeyCode::Esc, KeyModifiers::NONE));
        }
        out
    }

    /// Gives up what has waited too long (see the module's rules) and returns what that yields.
    pub fn flush(&mut self, now: Instant) -> Vec<Event> {
        let mut out = Vec::new();
        if let Some(p) = &self.paste
            && (now.duration_since(p.last) >= PASTE_IDLE
                || now.duration_since(p.started) >= PASTE_MAX_TIME)
        {
            // Not a real paste (a real one ends with its marker): what came counts as typed.
            let bytes = self.paste.take().map(|p| p.bytes).unwrap_or_default();
            for b in bytes {
                self.push(b, now, &mut out);
            }
            if self.pending == [ESC] {
                self.pending.clear();
                out.push(key(KeyCode::Esc, KeyModifiers::NONE));
            }
        }
        if !self.pending.is_empty()
            && self
                .last
                .is_none_or(|t| now.duration_since(t) >= SEQUENCE_TIMEOUT)
        {
            self.drop_pending();
        }
        out
    }

    /// When [`Decoder::flush`] next has something to give up; the reader should not wait longer.
    pub fn deadline(&self) -> Option<Instant> {
        let seq = (!self.pending.is_empty())
            .then_some(self.last)
            .flatten()
            .map(|t| t + SEQUENCE_TIMEOUT);
        let paste = self
            .paste
            .as_ref()
            .map(|p| (p.last + PASTE_IDLE).min(p.started + PASTE_MAX_TIME));
        match (seq, paste) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn drop_pending(&mut self) {
        self.pending.clear();
        self.overlong = false;
        self.alt = false;
    }

    fn push(&mut self, b: u8, now: Instant, out: &mut Vec<Event>) {
        if let Some(p) = &mut self.paste {
            p.last = now;
            if p.tail.len() == PASTE_END.len() {
                p.tail.remove(0);
            }
            p.tail.push(b);
            // Past the limit only the end marker is looked for; the rest is dropped.
            if p.bytes.len() < PASTE_MAX_BYTES + PASTE_END.len() {
                p.bytes.push(b);
            }
            if p.tail == PASTE_END {
                let mut bytes = self.paste.take().map(|p| p.bytes).unwrap_or_default();
                if bytes.ends_with(PASTE_END) {
                    bytes.truncate(bytes.len() - PASTE_END.len());
                }
                bytes.truncate(PASTE_MAX_BYTES);
                out.push(Event::Paste(String::from_utf8_lossy(&bytes).into_owned()));
            }
            return;
        }
        self.last = Some(now);
        match self.pending.first().copied() {
            None => self.start(b, out),
            Some(ESC) => self.escape(b, now, out),
            Some(_) => self.utf8(b, out),
        }
    }

    /// A byte outside any sequence.
    fn start(&mut self, b: u8, out: &mut Vec<Event>) {
        match b {
            ESC => self.pending.push(ESC),
            0xc2..=0xf4 => self.pending.push(b),
            0x80..=0xff => self.alt = false,
            _ => {
                if let Some(k) = single(b) {
                    self.emit_key(k, out);
                }
            }
        }
    }

    /// The next byte of a UTF-8 character.
    fn utf8(&mut self, b: u8, out: &mut Vec<Event>) {
        if !(0x80..=0xbf).contains(&b) {
            // Broken character: drop it and read the byte afresh.
            self.drop_pending();
            self.start(b, out);
            return;
        }
        self.pending.push(b);
        let need = match self.pending.first() {
            Some(0xc2..=0xdf) => 2,
            Some(0xe0..=0xef) => 3,
            _ => 4,
        };
        if self.pending.len() < need {
            return;
        }
        let bytes = std::mem::take(&mut self.pending);
        match std::str::from_utf8(&bytes)
            .ok()
            .and_then(|s| s.chars().next())
        {
            Some(c) => self.emit_key(char_key(c), out),
            None => self.alt = false,
        }
    }

    /// The next byte after an ESC.
    fn escape(&mut self, b: u8, now: Instant, out: &mut Vec<Event>) {
        let len = self.pending.len();
        if len == 1 {
            match b {
                b'[' | b'O' => self.pending.push(b),
                ESC => {
                    // The first ESC was the Esc key; this one may start a sequence.
                    self.alt = false;
                    out.push(key(KeyCode::Esc, KeyModifiers::NONE));
                }
                _ => {
                    // ESC before a key: that key with Alt.
                    self.pending.clear();
                    self.alt = true;
                    self.start(b, out);
                }
            }
            return;
        }
        if self.pending.get(1) == Some(&b'O') {
            // SS3: one final byte.
            self.pending.clear();
            if (0x40..=0x7e).contains(&b) {
                if let Some(k) = ss3(b) {
                    self.emit_key(k, out);
                }
                self.alt = false;
            } else {
                self.alt = false;
                self.start(b, out);
            }
            return;
        }
        // CSI.
        if len == 2 && b == b'M' || self.pending.starts_with(b"\x1b[M") {
            // X10 mouse: three raw bytes follow `ESC [ M`, whatever their value.
            self.pending.push(b);
            if self.pending.len() == 6 {
                let seq = std::mem::take(&mut self.pending);
                if let Some(e) = x10_mouse(&seq) {
                    out.push(e);
                }
                self.alt = false;
            }
            return;
        }
        if len == 2 && b == b'[' {
            // The Linux console's F1-F5: `ESC [ [ A`..`E`.
            self.pending.push(b);
            return;
        }
        if self.pending.starts_with(b"\x1b[[") {
            self.pending.clear();
            if (b'A'..=b'E').contains(&b) {
                self.emit_key(
                    KeyEvent::new(KeyCode::F(1 + b - b'A'), KeyModifiers::NONE),
                    out,
                );
            } else {
                self.alt = false;
                self.start(b, out);
            }
            return;
        }
        match b {
            0x20..=0x3f => {
                if self.pending.len() < MAX_SEQUENCE {
                    self.pending.push(b);
                } else {
                    self.overlong = true;
                }
            }
            0x40..=0x7e => {
                let overlong = self.overlong;
                self.pending.push(b);
                let seq = std::mem::take(&mut self.pending);
                self.overlong = false;
                if overlong {
                    self.alt = false;
                } else if seq == PASTE_START {
                    self.alt = false;
                    self.paste = Some(Paste {
                        bytes: Vec::new(),
                        tail: Vec::new(),
                        started: now,
                        last: now,
                    });
                } else if let Some(e) = csi(&seq) {
                    match e {
                        Event::Key(k) => self.emit_key(k, out),
                        other => {
                            self.alt = false;
                            out.push(other);
                        }
                    }
                } else {
                    self.alt = false;
                }
            }
            _ => {
                // A control byte (or anything else) cannot be inside a CSI: the sequence is
                // malformed. Drop it, and the byte counts as typed (Enter, Ctrl-C, a new ESC).
                self.drop_pending();
                self.start(b, out);
            }
        }
    }

    fn emit_key(&mut self, mut k: KeyEvent, out: &mut Vec<Event>) {
        if std::mem::take(&mut self.alt) {
            k.modifiers |= KeyModifiers::ALT;
        }
        out.push(Event::Key(k));
    }
}

fn key(code: KeyCode, modifiers: KeyModifiers) -> Event {
    Event::Key(KeyEvent::new(code, modifiers))
}

/// A typed character; capitals carry Shift, as crossterm reports them.
fn char_key(c: char) -> KeyEvent {
    let m = if c.is_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    KeyEvent::new(KeyCode::Char(c), m)
}

/// One ASCII byte outside a sequence (crossterm's raw-mode meanings).
fn single(b: u8) -> Option<KeyEvent> {
    let ctrl = KeyModifiers::CONTROL;
    Some(match b {
        b'\r' => KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
        b'\t' => KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE),
        0x7f => KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE),
        0x00 => KeyEvent::new(KeyCode::Char(' '), ctrl),
        0x01..=0x1a => KeyEvent::new(KeyCode::Char((b - 0x01 + b'a') as char), ctrl),
        0x1c..=0x1f => KeyEvent::new(KeyCode::Char((b - 0x1c + b'4') as char), ctrl),
        0x20..=0x7e => char_key(b as char),
        _ => return None,
    })
}

/// `ESC O x`: arrows, Home, End, F1-F4.
fn ss3(b: u8) -> Option<KeyEvent> {
    let code = match b {
        b'A' => KeyCode::Up,
        b'B' => KeyCode::Down,
        b'C' => KeyCode::Right,
        b'D' => KeyCode::Left,
        b'H' => KeyCode::Home,
        b'F' => KeyCode::End,
        b'P'..=b'S' => KeyCode::F(1 + b - b'P'),
        _ => return None,
    };
    Some(KeyEvent::new(code, KeyModifiers::NONE))
}

/// xterm's modifier parameter (1 + a bit mask).
fn modifiers(param: Option<u16>) -> KeyModifiers {
    let mask = param.unwrap_or(1).saturating_sub(1);
    let mut m = KeyModifiers::NONE;
    for (bit, flag) in [
        (1, KeyModifiers::SHIFT),
        (2, KeyModifiers::ALT),
        (4, KeyModifiers::CONTROL),
        (8, KeyModifiers::SUPER),
        (16, KeyModifiers::HYPER),
        (32, KeyModifiers::META),
    ] {
        if mask & bit != 0 {
            m |= flag;
        }
    }
    m
}

/// Function key n (1-24 in the sequences read here).
fn f_key(n: u16) -> Option<KeyCode> {
    u8::try_from(n).ok().map(KeyCode::F)
}

/// A complete CSI sequence (`ESC [ ... final`) as an event, if triage has a use for it.
fn csi(seq: &[u8]) -> Option<Event> {
    let (&last, body) = seq.get(2..)?.split_last()?;
    let text = std::str::from_utf8(body).ok()?;
    if let Some(sgr) = text.strip_prefix('<') {
        return sgr_mouse(sgr, last);
    }
    if text.starts_with(['?', '>', '=']) {
        // Private replies (keyboard flags, device attributes): not keys.
        return None;
    }
    // Numbers separated by `;`; a `:` sub-parameter (key release kinds) keeps its first part.
    let params: Vec<Option<u16>> = if text.is_empty() {
        Vec::new()
    } else {
        text.split(';')
            .map(|p| p.split(':').next().and_then(|n| n.parse().ok()))
            .collect()
    };
    let first = params.first().copied().flatten();
    let mods = modifiers(params.get(1).copied().flatten());
    let code = match last {
        b'A' => KeyCode::Up,
        b'B' => KeyCode::Down,
        b'C' => KeyCode::Right,
        b'D' => KeyCode::Left,
        b'H' => KeyCode::Home,
        b'F' => KeyCode::End,
        b'P' => KeyCode::F(1),
        b'Q' => KeyCode::F(2),
        b'S' => KeyCode::F(4),
        // `ESC [ row ; col R` is a cursor report; only `ESC [ 1 ; m R` is F3.
        b'R' if first == Some(1) && params.len() == 2 => KeyCode::F(3),
        b'Z' => return Some(key(KeyCode::BackTab, KeyModifiers::SHIFT)),
        b'~' => match first? {
            1 | 7 => KeyCode::Home,
            2 => KeyCode::Insert,
            3 => KeyCode::Delete,
            4 | 8 => KeyCode::End,
            5 => KeyCode::PageUp,
            6 => KeyCode::PageDown,
            v @ 11..=15 => f_key(v - 10)?,
            v @ 17..=21 => f_key(v - 11)?,
            v @ 23..=26 => f_key(v - 12)?,
            v @ 28..=29 => f_key(v - 15)?,
            v @ 31..=34 => f_key(v - 17)?,
            _ => return None,
        },
        b'u' => match first? {
            13 => KeyCode::Enter,
            9 => KeyCode::Tab,
            27 => KeyCode::Esc,
            127 => KeyCode::Backspace,
            n => KeyCode::Char(char::from_u32(n.into()).filter(|c| !c.is_control())?),
        },
        b'M' => {
            // urxvt mouse: `ESC [ b ; x ; y M`, b offset by 32.
            let [Some(b), Some(x), Some(y)] = *params.as_slice() else {
                return None;
            };
            return mouse(u8::try_from(b.checked_sub(32)?).ok()?, x, y, false);
        }
        _ => return None,
    };
    // Legacy keys carry modifiers only as `1 ; m` (or `n ; m` for `~` keys).
    if params.len() > 2 {
        return None;
    }
    Some(key(code, mods))
}

/// `ESC [ < b ; x ; y M` (press, motion, wheel) or `... m` (release).
fn sgr_mouse(body: &str, last: u8) -> Option<Event> {
    if last != b'M' && last != b'm' {
        return None;
    }
    let mut parts = body.split(';').map(|p| p.parse::<u16>().ok());
    let (b, x, y) = (parts.next()??, parts.next()??, parts.next()??);
    if parts.next().is_some() {
        return None;
    }
    mouse(u8::try_from(b).ok()?, x, y, last == b'm')
}

/// `ESC [ M b x y`, each byte offset by 32.
fn x10_mouse(seq: &[u8]) -> Option<Event> {
    let b = seq.get(3)?.checked_sub(32)?;
    let x = u16::from(seq.get(4)?.checked_sub(32)?);
    let y = u16::from(seq.get(5)?.checked_sub(32)?);
    mouse(b, x, y, false)
}

/// A mouse report's button byte and 1-based cell as an event (0-based cell).
fn mouse(cb: u8, x: u16, y: u16, release: bool) -> Option<Event> {
    let button = (cb & 0b11) | ((cb & 0b1100_0000) >> 4);
    let dragging = cb & 0b10_0000 != 0;
    let pressed = |b| {
        if release {
            MouseEventKind::Up(b)
        } else {
            MouseEventKind::Down(b)
        }
    };
    let kind = match (button, dragging) {
        (0, false) => pressed(MouseButton::Left),
        (1, false) => pressed(MouseButton::Middle),
        (2, false) => pressed(MouseButton::Right),
        (0, true) => MouseEventKind::Drag(MouseButton::Left),
        (1, true) => MouseEventKind::Drag(MouseButton::Middle),
        (2, true) => MouseEventKind::Drag(MouseButton::Right),
        (3, false) => MouseEventKind::Up(MouseButton::Left),
        (3..=5, true) => MouseEventKind::Moved,
        (4, false) => MouseEventKind::ScrollUp,
        (5, false) => MouseEventKind::ScrollDown,
        (6, false) => MouseEventKind::ScrollLeft,
        (7, false) => MouseEventKind::ScrollRight,
        _ => return None,
    };
    let mut modifiers = KeyModifiers::NONE;
    for (bit, flag) in [
        (0b100, KeyModifiers::SHIFT),
        (0b1000, KeyModifiers::ALT),
        (0b1_0000, KeyModifiers::CONTROL),
    ] {
        if cb & bit != 0 {
            modifiers |= flag;
        }
    }
    Some(Event::Mouse(MouseEvent {
        kind,
        column: x.saturating_sub(1),
        row: y.saturating_sub(1),
        modifiers,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> Instant {
        Instant::now()
    }

    fn k(code: KeyCode) -> Event {
        key(code, KeyModifiers::NONE)
    }

    fn ctrl(c: char) -> Event {
        key(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    fn ch(c: char) -> Event {
        Event::Key(char_key(c))
    }

    fn all(bytes: &[u8]) -> Vec<Event> {
        Decoder::new().feed(bytes, t0())
    }

    /// Plain keys, controls, UTF-8 and the usual sequences decode as crossterm would.
    #[test]
    fn ordinary_input() {
        assert_eq!(
            all("aZ\r\t\x7f\x03é€😀".as_bytes()),
            [
                ch('a'),
                ch('Z'),
                k(KeyCode::Enter),
                k(KeyCode::Tab),
                k(KeyCode::Backspace),
                ctrl('c'),
                ch('é'),
                ch('€'),
                ch('😀')
            ]
        );
        assert_eq!(
            all(b"\x1b[A\x1b[B\x1b[C\x1b[D\x1b[H\x1b[F\x1b[5~\x1b[6~\x1b[3~\x1b[Z"),
            [
                k(KeyCode::Up),
                k(KeyCode::Down),
                k(KeyCode::Right),
                k(KeyCode::Left),
                k(KeyCode::Home),
                k(KeyCode::End),
                k(KeyCode::PageUp),
                k(KeyCode::PageDown),
                k(KeyCode::Delete),
                key(KeyCode::BackTab, KeyModifiers::SHIFT),
            ]
        );
        assert_eq!(
            all(b"\x1bOP\x1bOS\x1b[15~\x1b[24~\x1b[[A"),
            [
                k(KeyCode::F(1)),
                k(KeyCode::F(4)),
                k(KeyCode::F(5)),
                k(KeyCode::F(12)),
                k(KeyCode::F(1))
            ]
        );
        assert_eq!(
            all(b"\x1b[1;5A\x1bx"),
            [
                key(KeyCode::Up, KeyModifiers::CONTROL),
                key(KeyCode::Char('x'), KeyModifiers::ALT)
            ]
        );
        assert_eq!(all(b"\x1b"), [k(KeyCode::Esc)]);
        assert_eq!(all(b"\x1b\x1b"), [k(KeyCode::Esc), k(KeyCode::Esc)]);
    }

    /// Mouse reports (SGR, X10, urxvt) and bracketed paste.
    #[test]
    fn mouse_and_paste() {
        let down = |column, row| {
            Event::Mouse(MouseEvent {
                kind: MouseEventKind::Down(MouseButton::Left),
                column,
                row,
                modifiers: KeyModifiers::NONE,
            })
        };
        let evs = all(b"\x1b[<0;5;3M\x1b[<0;5;3m\x1b[<65;1;1M");
        assert_eq!(evs[0], down(4, 2));
        assert!(matches!(
            evs[1],
            Event::Mouse(MouseEvent {
                kind: MouseEventKind::Up(MouseButton::Left),
                ..
            })
        ));
        assert!(matches!(
            evs[2],
            Event::Mouse(MouseEvent {
                kind: MouseEventKind::ScrollDown,
                ..
            })
        ));
        assert_eq!(all(b"\x1b[M %#"), [down(4, 2)]);
        assert_eq!(all(b"\x1b[32;5;3M"), [down(4, 2)]);
        assert_eq!(
            all(b"\x1b[200~two\rlines\x1b[201~\r"),
            [Event::Paste("two\rlines".into()), k(KeyCode::Enter)]
        );
    }

    /// `ESC [ ?` typed by a macro does not swallow what follows: Enter and Ctrl-C get through
    /// at once (a control byte ends a malformed sequence).
    #[test]
    fn unfinished_private_sequence_lets_enter_and_ctrl_c_through() {
        let mut d = Decoder::new();
        let now = t0();
        assert_eq!(d.feed(b"\x1b[?", now), []);
        assert_eq!(d.feed(b"\r", now), [k(KeyCode::Enter)]);
        assert_eq!(d.feed(b"\x1b[?1;2", now), []);
        assert_eq!(d.feed(b"\x03", now), [ctrl('c')]);
        assert_eq!(d.feed(b"\x1b[?\x1b[A", now), [k(KeyCode::Up)]);
        // A complete reply nobody asked for is dropped whole; the next key is a key.
        assert_eq!(d.feed(b"\x1b[?1u\x1b[?62;c1", now), [ch('1')]);
    }

    /// An unfinished sequence is dropped after the timeout, and typing resumes.
    #[test]
    fn unfinished_sequence_times_out() {
        let mut d = Decoder::new();
        let now = t0();
        assert_eq!(d.feed(b"\x1b[12", now), []);
        assert_eq!(d.deadline(), Some(now + SEQUENCE_TIMEOUT));
        assert_eq!(d.flush(now + SEQUENCE_TIMEOUT / 2), []);
        assert_eq!(d.flush(now + SEQUENCE_TIMEOUT), []);
        assert_eq!(d.deadline(), None);
        assert_eq!(d.feed(b"5", now + SEQUENCE_TIMEOUT), [ch('5')]);
    }

    /// A paste start marker with no end (typed by a macro) is given up after a short idle time:
    /// what came after it counts as typed, Enter included, and input goes on normally.
    #[test]
    fn paste_without_end_is_given_up() {
        let mut d = Decoder::new();
        let now = t0();
        assert_eq!(d.feed(b"\x1b[200~ab\r", now), []);
        assert!(d.deadline().is_some_and(|t| t <= now + PASTE_IDLE));
        assert_eq!(
            d.flush(now + PASTE_IDLE),
            [ch('a'), ch('b'), k(KeyCode::Enter)]
        );
        assert_eq!(
            d.feed(b"\x03", now + PASTE_IDLE),
            [ctrl('c')],
            "input resumes"
        );
        // Keys kept coming: the paste still ends after PASTE_MAX_TIME in all.
        let mut d = Decoder::new();
        d.feed(PASTE_START, now);
        let mut at = now;
        let mut out = Vec::new();
        while at <= now + PASTE_MAX_TIME {
            at += PASTE_IDLE / 2;
            out.extend(d.feed(b"x", at));
        }
        assert!(
            !out.is_empty() && out.iter().all(|e| *e == ch('x')),
            "{out:?}"
        );
    }

    /// Overlong sequences and huge pastes are bounded.
    #[test]
    fn sizes_are_bounded() {
        let mut long = b"\x1b[".to_vec();
        long.extend(std::iter::repeat_n(b'1', 10_000));
        long.extend(b"A!");
        assert_eq!(all(&long), [ch('!')]);
        let mut d = Decoder::new();
        let mut paste = PASTE_START.to_vec();
        paste.extend(std::iter::repeat_n(b'p', PASTE_MAX_BYTES * 3));
        paste.extend(PASTE_END);
        let out = d.feed(&paste, t0());
        match out.as_slice() {
            [Event::Paste(s)] => assert_eq!(s.len(), PASTE_MAX_BYTES),
            other => panic!("{} events", other.len()),
        }
    }

    /// Any bytes at all decode without a panic, and a decoder is never left waiting once its
    /// deadline has passed.
    #[test]
    fn arbitrary_bytes_never_stick() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut d = Decoder::new();
        let now = t0();
        for _ in 0..2_000 {
            let mut bytes = Vec::new();
            for _ in 0..(seed % 17) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                bytes.push(match seed % 4 {
                    0 => 0x1b,
                    1 => b"[O?<;0123~u200"[(seed >> 8) as usize % 14],
                    _ => u8::try_from((seed >> 16) & 0xff).unwrap_or(0),
                });
            }
            d.feed(&bytes, now);
        }
        // Each flush gives up one level (a paste's bytes may hold another start marker).
        let mut at = now;
        for _ in 0..1_000 {
            let Some(t) = d.deadline() else { break };
            at = at.max(t);
            d.flush(at);
        }
        assert_eq!(d.deadline(), None);
        assert_eq!(d.feed(b"\r", at), [k(KeyCode::Enter)]);
    }
}
