//! The injection corpus (RELIABILITY.md "Nothing typed takes over"; issue "hostile input"): more
//! than 200 payloads (CSI, 8-bit CSI, OSC 0/2/8/52, DCS, every C0 and C1 control, DEL, bidi
//! marks and overrides, zero-width and other invisible characters, TAG characters, TAB, CR, NUL)
//! placed in every text field of every input format: the TOML questionnaire, a FHIR
//! questionnaire, an answers file, the clinic settings, and text typed or pasted on a screen.
//! Every output path is scanned: `check`'s report, the page, the JSON and FHIR summaries, `convert`
//! to stdout and to a file, stored records (list, list --json, show in every format, export
//! files), unfinished-form listings, the database's text and the audit log, the screens drawn, and
//! the bytes the real program writes to its terminal. No output may hold a control, bidi or
//! invisible character (or a tab), and every JSON output must parse.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common::pty::*;
use common::screen::draw;
use triage::engine::Session;
use triage::questionnaire::{DEFAULT_SOURCE, load_toml};
use triage::store::Store;
use triage::tui::{Mode, Model, Msg};

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("triage")
}

/// The payloads: every base attack, alone between letters and at the start of a value.
fn payloads() -> Vec<String> {
    let mut base: Vec<String> = [
        "\u{1b}[2J",
        "\u{1b}[31m",
        "\u{1b}[?1049h",
        "\u{1b}[6n",
        "\u{1b}[1;1H",
        "\u{1b}[?25l",
        "\u{1b}[K",
        "\u{1b}[200~",
        "\u{1b}[201~",
        "\u{1b}[?1000h",
        "\u{1b}[3;1;1t",
        "\u{9b}2J",
        "\u{9b}31m",
        "\u{1b}]0;PWNED\u{7}",
        "\u{1b}]2;PWNED\u{1b}\\",
        "\u{1b}]8;;http://evil.example/\u{7}link\u{1b}]8;;\u{7}",
        "\u{1b}]52;c;SGVsbG8=\u{7}",
        "\u{9d}0;PWNED\u{9c}",
        "\u{1b}P+q544e\u{1b}\\",
        "\u{90}1$r\u{9c}",
        "Alex\u{e0001}\u{e0050}\u{e0057}\u{e004e}\u{e007f}",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for c in (0u32..0x20).chain([0x7f]).chain(0x80..0xa0) {
        base.push(char::from_u32(c).map(String::from).unwrap_or_default());
    }
    for c in [
        0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f,
        0x061c, 0x200b, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xfeff, 0x180e, 0x00ad, 0x034f,
        0x206a, 0x206b, 0x206c, 0x206d, 0x206e, 0x206f, 0xfff9, 0xfffa, 0xfffb, 0x2028, 0x2029,
    ] {
        base.push(char::from_u32(c).map(String::from).unwrap_or_default());
    }
    let mut out = Vec::new();
    for b in &base {
        out.push(format!("a{b}b"));
        out.push(format!("{b}z"));
    }
    out
}

/// A character no output may hold.
fn bad(c: char) -> bool {
    triage::text::is_unsafe(c) || c == '\t'
}

fn assert_clean(place: &str, text: &str) {
    if let Some((i, c)) = text.char_indices().find(|(_, c)| bad(*c)) {
        let from = text[..i].char_indices().rev().nth(30).map_or(0, |(j, _)| j);
        panic!(
            "{place}: U+{:04X} reached the output near {:?}",
            c as u32,
            &text[from..(i + c.len_utf8()).min(text.len())]
        );
    }
}

fn assert_json(place: &str, text: &str) {
    assert_clean(place, text);
    if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
        panic!("{place}: not valid JSON ({e}):\n{text}");
    }
}

/// Runs the program; returns its exit code, standard output and standard error.
fn run(data: &Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(bin())
        .arg("--data-dir")
        .arg(data)
        .args(["--visit-date", "2025-06-02"])
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A TOML string literal holding `s` (every character escaped as `\uXXXX`/`\UXXXXXXXX`, so the
/// file is valid TOML whatever the payload).
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == ' ' {
            out.push(c);
        } else if (c as u32) <= 0xffff {
            let _ = write!(out, "\\u{:04X}", c as u32);
        } else {
            let _ = write!(out, "\\U{:08X}", c as u32);
        }
    }
    out.push('"');
    out
}

fn toml_questionnaire(p: &str) -> String {
    let s = toml_str(p);
    format!(
        r#"[questionnaire]
id = "inj"
version = {s}
title = {s}
welcome = {s}
finish = {s}
name_question = "name"

[[section]]
id = "s"
title = {s}
intro = {s}

[[section.question]]
id = "name"
type = "text"
text = {s}
help = {s}
short = {s}

[[section.question]]
id = "pick"
type = "single"
text = {s}
options = [
  {{ value = "a", label = {s}, short = {s} }},
  {{ value = "b", label = "Plain" }},
]

[[section.question]]
id = "ml"
type = "number"
text = "How much?"
required = false
unit = {s}

[[flag]]
id = "F1"
severity = "caution"
when = 'pick = "a"'
text = {s}
basis = {s}

[[flag]]
id = "F2"
severity = "note"
when = 'answered(name)'
text = "Name: {{name}}"

[outcome]
caution = {{ banner = {s}, text = {s} }}
footer = {s}
disclaimer = {s}

[summary]
header = [ {{ label = {s}, value = "{{name}}" }} ]
signoff = [ {s} ]
"#
    )
}

fn fhir_questionnaire(p: &str) -> String {
    let s = serde_json::to_string(p).expect("json string");
    format!(
        r#"{{"resourceType":"Questionnaire","id":{s},"url":{s},"version":{s},"status":"active",
  "title":{s},"description":{s},
  "item":[
    {{"linkId":"name","type":"string","text":{s},"required":true}},
    {{"linkId":{s},"type":"string","text":"Other"}},
    {{"linkId":"pick","type":"choice","text":{s},"answerOption":[
       {{"valueCoding":{{"system":{s},"code":{s},"display":{s}}}}},
       {{"valueCoding":{{"system":"http://x","code":"b","display":"Plain"}}}}]}}
  ]}}"#
    )
}

fn answers_file(p: &str, pick: &str) -> String {
    let s = serde_json::to_string(p).expect("json string");
    format!(
        r#"{{ "visit_date": "2025-06-02", "completed_at": {s},
  "answers": {{ "name": {s}, "pick": {pick} }} }}"#
    )
}

/// Every payload through every file input and every output path of the command line.
#[test]
fn no_payload_reaches_any_output() {
    let payloads = payloads();
    assert!(payloads.len() >= 200, "{} payloads", payloads.len());
    let dir = tempfile::tempdir().expect("tempdir");
    let mut placements = 0usize;
    let mut outputs = 0usize;
    // Payloads go in batches: each batch's payloads fill every field of one file at once (each
    // field gets its own payload, rotating), so every payload meets every field over the run.
    let batch = 12;
    for (n, chunk) in payloads.chunks(batch).enumerate() {
        let p: String = chunk.concat();
        let data = dir.path().join(format!("data{n}"));
        let q = dir.path().join(format!("q{n}.toml"));
        let fq = dir.path().join(format!("q{n}.json"));
        let a = dir.path().join(format!("a{n}.json"));
        let fa = dir.path().join(format!("fa{n}.json"));
        let cfg = dir.path().join(format!("config{n}.toml"));
        std::fs::write(&q, toml_questionnaire(&p)).expect("write");
        std::fs::write(&fq, fhir_questionnaire(&p)).expect("write");
        std::fs::write(&a, answers_file(&p, "\"a\"")).expect("write");
        std::fs::write(&fa, answers_file(&p, "\"b\"")).expect("write");
        std::fs::write(
            &cfg,
            format!(
                "clinic_name = {}\nquestionnaire = {}\n",
                toml_str(&p),
                toml_str(&p)
            ),
        )
        .expect("write");
        // TOML 20 fields, FHIR 10, answers 3, settings 2.
        placements += chunk.len() * 35;
        let qs = q.to_str().expect("utf-8");
        let fqs = fq.to_str().expect("utf-8");
        let as_ = a.to_str().expect("utf-8");
        let fas = fa.to_str().expect("utf-8");
        let mut scan = |place: String, code: i32, out: &str, err: &str, json: bool| {
            outputs += 1;
            assert!(code != 101, "{place}: panicked:\n{err}");
            if json && code == 0 {
                assert_json(&format!("{place} (stdout)"), out);
            } else {
                assert_clean(&format!("{place} (stdout)"), out);
            }
            assert_clean(&format!("{place} (stderr)"), err);
        };
        for f in [qs, fqs, as_, cfg.to_str().expect("utf-8")] {
            let (c, o, e) = run(&data, &["check", f]);
            scan(format!("batch {n}: check {f}"), c, &o, &e, false);
        }
        for (qf, af) in [(qs, as_), (fqs, fas)] {
            for format in ["text", "json", "fhir"] {
                let (c, o, e) = run(
                    &data,
                    &[
                        "summary",
                        "--questionnaire",
                        qf,
                        "--answers",
                        af,
                        "--format",
                        format,
                    ],
                );
                scan(
                    format!("batch {n}: summary {format} of {qf}"),
                    c,
                    &o,
                    &e,
                    format != "text",
                );
                assert_eq!(c, 0, "batch {n}: summary {format} of {qf}:\n{e}");
            }
        }
        let (c, o, e) = run(&data, &["convert", qs, "--to", "fhir"]);
        scan(format!("batch {n}: convert"), c, &o, &e, true);
        let out_file = dir.path().join(format!("converted{n}.json"));
        let (c, o, e) = run(
            &data,
            &[
                "convert",
                qs,
                "--to",
                "fhir",
                "--out",
                out_file.to_str().expect("utf-8"),
            ],
        );
        scan(format!("batch {n}: convert --out"), c, &o, &e, false);
        assert_json(
            &format!("batch {n}: converted file"),
            &std::fs::read_to_string(&out_file).expect("converted"),
        );
        // Stored records and everything that reads them.
        let (c, o, e) = run(&data, &["submit", "--questionnaire", qs, "--answers", as_]);
        scan(format!("batch {n}: submit"), c, &o, &e, false);
        assert_eq!(c, 0, "{e}");
        for (args, json) in [
            (vec!["records", "list"], false),
            (vec!["records", "list", "--json"], true),
            (vec!["records", "show", "1"], false),
            (vec!["records", "show", "1", "--format", "json"], true),
            (
                vec![
                    "records",
                    "show",
                    "1",
                    "--format",
                    "fhir",
                    "--questionnaire",
                    qs,
                ],
                true,
            ),
            (vec!["records", "drafts", "--questionnaire", qs], false),
        ] {
            let (c, o, e) = run(&data, &args);
            scan(format!("batch {n}: {}", args.join(" ")), c, &o, &e, json);
        }
        let export = dir.path().join(format!("export{n}"));
        let (c, o, e) = run(
            &data,
            &[
                "records",
                "export",
                "--out",
                export.to_str().expect("utf-8"),
                "--fhir",
                "--questionnaire",
                qs,
            ],
        );
        scan(format!("batch {n}: export"), c, &o, &e, false);
        for entry in std::fs::read_dir(&export).expect("export dir") {
            let path = entry.expect("entry").path();
            assert_json(
                &format!("batch {n}: {}", path.display()),
                &std::fs::read_to_string(&path).expect("export file"),
            );
        }
        // The clinic settings with the payload: every command that reads them.
        let (c, o, e) = run(
            &data,
            &["--config", cfg.to_str().expect("utf-8"), "records", "list"],
        );
        scan(
            format!("batch {n}: records list with the settings"),
            c,
            &o,
            &e,
            false,
        );
        // The database's text, the audit log included.
        let conn = rusqlite::Connection::open(data.join("triage.db")).expect("db");
        for table in ["drafts", "draft_answers", "records", "audit"] {
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM {table}"))
                .expect("select");
            let cols = stmt.column_count();
            let mut rows = stmt.query([]).expect("rows");
            while let Some(row) = rows.next().expect("row") {
                for i in 0..cols {
                    if let Ok(Some(t)) = row.get::<_, Option<String>>(i) {
                        assert_clean(&format!("batch {n}: database table {table}"), &t);
                    }
                }
            }
        }
    }
    eprintln!(
        "{} payloads, {placements} placements, {outputs} outputs scanned: nothing got through",
        payloads.len()
    );
}

/// Every payload typed and pasted into a text field: every frame drawn is clean.
#[test]
fn typed_and_pasted_payloads_never_reach_a_screen() {
    let q = load_toml(DEFAULT_SOURCE).questionnaire.expect("valid");
    let t0: jiff::Timestamp = "2025-06-02T09:00:00Z".parse().expect("ts");
    let name = q.item_index("a_full_name").expect("name");
    let mut drawn = 0;
    for p in payloads() {
        for paste in [true, false] {
            let mut m = Model::new(Session::new(&q, common::visit()), Mode::Run, t0);
            m.go_to(triage::engine::Step::base(name));
            if paste {
                triage::tui::update(&mut m, Msg::Paste(p.clone()));
            } else {
                for c in p.chars() {
                    triage::tui::update(
                        &mut m,
                        Msg::Key(crossterm::event::KeyEvent::new(
                            crossterm::event::KeyCode::Char(c),
                            crossterm::event::KeyModifiers::NONE,
                        )),
                    );
                }
            }
            for (w, h) in [(80, 24), (40, 12)] {
                let (text, _) = draw(&m, w, h);
                assert_clean(
                    &format!(
                        "{p:?} {} at {w}x{h}",
                        if paste { "pasted" } else { "typed" }
                    ),
                    &text,
                );
                drawn += 1;
            }
        }
    }
    assert!(drawn > 800, "{drawn} frames");
}

/// In the real program, in a terminal: payloads pasted into the name field never reach the
/// terminal's byte stream (no title set, no clipboard write, no hyperlink, no C1 or bidi
/// character), and the answer stored in the draft is clean.
#[test]
fn pasted_payloads_never_reach_the_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut p = Pty::spawn(
        &bin(),
        &[
            "--data-dir",
            data.to_str().expect("utf-8"),
            "--visit-date",
            "2025-06-02",
            "run",
        ],
        80,
        24,
    );
    p.wait_for("Start");
    p.send(ENTER);
    p.wait_for("Who is filling in this form?");
    p.send(&format!("1{ENTER}"));
    p.wait_for("Are you happy to answer questions");
    p.send(&format!("1{ENTER}"));
    p.wait_for("What is your full name?");
    // A paste that holds the paste-end marker itself ends the paste there (that is what the
    // marker means to every terminal); those payloads are typed keys, tested above.
    // Each pasted between markers, seen to arrive whole (the closing marker shows), then
    // cleared.
    for (i, text) in payloads()
        .into_iter()
        .filter(|p| !p.contains("\u{1b}[201~"))
        .enumerate()
    {
        let end = format!("END{i}Q");
        p.send(&format!("\u{1b}[200~BEGIN{text}{end}\u{1b}[201~"));
        p.wait_until(&format!("payload {i} ({text:?}) to arrive whole"), |s| {
            s.contains(&end)
        });
        p.send(CTRL_U);
        p.wait_until("the field cleared", |s| !s.contains(&end));
    }
    p.send(&format!(
        "\u{1b}[200~Ann{}\u{1b}[201~{ENTER}",
        payloads()[0]
    ));
    p.wait_for("What is your date of birth?");
    p.send(CTRL_C);
    p.wait_exit();
    let raw = p.raw_output();
    // The letters of a payload may show as text; its escape never starts: no OSC (title,
    // hyperlink, clipboard) and no DCS is ever written (the program's drawing uses neither).
    for marker in ["\u{1b}]", "\u{1b}P", "\u{9d}", "\u{90}", "\u{9b}"] {
        assert!(!raw.contains(marker), "{marker:?} reached the terminal");
    }
    // The program's own output uses ESC for its drawing; nothing else unsafe may appear.
    if let Some(c) = raw
        .chars()
        .find(|c| *c != '\u{1b}' && bad(*c) && *c != '\r')
    {
        panic!("U+{:04X} reached the terminal", c as u32);
    }
    let store = triage::store::SqliteStore::open(&data).expect("store");
    let d = store
        .drafts(triage::store::DraftStatus::Open, None)
        .expect("drafts")[0]
        .id;
    for (_, v) in store.draft_answers(d).expect("answers") {
        assert_clean("the stored answer", &v.to_string());
    }
}
