//! Bounded work on hostile files (issue 12, item 4): every input format has limits (file size,
//! tokens, string length, list size, nesting, condition and FHIRPath depth, placeholders,
//! "did you mean" on huge words), each reported as an author's error with its place
//! (`file:line:col`, and the JSON path in JSON files), through the real binary. Files are
//! generated here: several are megabytes. Big files run under a 1 GiB address-space limit
//! (`ulimit -v`), so a loader that wanted gigabytes fails the test instead of the machine.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test stops at the first thing that is wrong, saying what"
)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

const HEAD: &str = r#"[questionnaire]
id = "limits"
version = "1"
title = "Limits"

[[section]]
id = "s"
title = "Section"

[[section.question]]
id = "q1"
type = "yes_no"
text = "Yes or no?"
"#;

/// HEAD plus a second question shown if `cond`.
fn with_condition(cond: &str) -> String {
    format!(
        "{HEAD}\n[[section.question]]\nid = \"q2\"\ntype = \"yes_no\"\ntext = \"Second?\"\nshow_if = '{cond}'\n"
    )
}

/// HEAD plus a flag whose text is `text`.
fn with_flag_text(text: &str) -> String {
    format!(
        "{HEAD}\n[[flag]]\nid = \"F1\"\nseverity = \"note\"\nwhen = 'q1 = \"yes\"'\ntext = \"{text}\"\n"
    )
}

struct Run {
    code: Option<i32>,
    out: String,
}

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("triage")
}

/// Runs `triage ARGS` under a 1 GiB address-space limit, with the data directory in `dir`.
fn run(dir: &Path, args: &[&str]) -> Run {
    let mut script = String::from("ulimit -v 1048576 && exec \"$0\"");
    for i in 0..args.len() {
        let _ = write!(script, " \"${}\"", i + 1);
    }
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(bin())
        .args(args)
        .env("NO_COLOR", "1")
        .env("TRIAGE_DATA_DIR", dir.join("data"))
        .output()
        .expect("runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !text.contains("panicked") && !text.contains("overflow"),
        "{}",
        &text[..text.len().min(3000)]
    );
    Run {
        code: out.status.code(),
        out: text,
    }
}

/// `triage check` of `content` written to `name`: exit 1 with `message` at `place`.
fn check_finds(name: &str, content: &str, message: &str, place: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, content).expect("write");
    let r = run(dir.path(), &["check", path.to_str().expect("utf-8")]);
    let shown = &r.out[..r.out.len().min(3000)];
    assert_eq!(r.code, Some(1), "{shown}");
    assert!(r.out.contains(message), "expected `{message}` in:\n{shown}");
    assert!(
        r.out.contains(&format!("{name}{place}")),
        "expected `{name}{place}` in:\n{shown}"
    );
}

/// A questionnaire over 8 MiB is refused at 1:1 without being parsed.
#[test]
fn toml_file_size() {
    let filler = format!("# {}\n", "x".repeat(1000)).repeat(9 * 1024);
    check_finds(
        "big.toml",
        &format!("{HEAD}{filler}"),
        "a questionnaire may be at most 8.0 MiB",
        ":1:1",
    );
}

/// 3 MB of garbage inside a TOML array: refused where the token limit is passed, within the
/// memory limit (it used 1.3 GB before).
#[test]
fn toml_garbage_in_an_array() {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut garbage = String::with_capacity(3_000_000);
    while garbage.len() < 3_000_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        garbage.push(b"@,{}[]=1a\"\n "[(x % 12) as usize] as char);
    }
    let content = format!("{HEAD}options = [@\n{}]\n", "@\n".repeat(1_500_000));
    check_finds(
        "garbage.toml",
        &content,
        "too many values and separators: a questionnaire may have at most 1000000",
        ":",
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("random.toml");
    std::fs::write(&path, format!("{HEAD}options = [{garbage}]\n")).expect("write");
    let r = run(dir.path(), &["check", path.to_str().expect("utf-8")]);
    assert_eq!(r.code, Some(1), "{}", &r.out[..r.out.len().min(2000)]);
}

/// One text over 64 KiB, one list over 20,000 entries, 2,001 options, 70 levels of nesting.
#[test]
fn toml_strings_lists_options_nesting() {
    check_finds(
        "long.toml",
        &with_flag_text(&"x".repeat(70 * 1024)),
        "this text is 70.0 KiB; a text in a questionnaire may be at most 64.0 KiB",
        ":19:8",
    );
    let flags = (0..20_001).fold(String::new(), |mut s, i| {
        let _ = write!(s, "{{ id = \"F{i}\" }},");
        s
    });
    check_finds(
        "list.toml",
        &format!("{HEAD}xs = [{flags}]\n"),
        "this list has 20001 entries; a questionnaire may have at most 20000 in one list",
        ":14:",
    );
    let options = (0..2_001).fold(String::new(), |mut s, i| {
        let _ = writeln!(s, "{{ value = \"o{i}\", label = \"O {i}\" }},");
        s
    });
    check_finds(
        "options.toml",
        &HEAD.replace("yes_no", "single").replace(
            "text = \"Yes or no?\"\n",
            &format!("text = \"Which?\"\noptions = [\n{options}]\n"),
        ),
        "more than 2000 options",
        ":2015:1",
    );
    check_finds(
        "deep.toml",
        &format!("{HEAD}xs = {}1{}\n", "[".repeat(70), "]".repeat(70)),
        "nested too deeply",
        ":14:",
    );
}

/// Conditions: 5,000 nested parentheses, 20,000 `not`, 40 levels, 1,001 tokens: each an error
/// with its place, never a stack overflow.
#[test]
fn condition_depth_and_size() {
    let deep = format!("{}q1 = \"yes\"{}", "(".repeat(5_000), ")".repeat(5_000));
    check_finds(
        "parens.toml",
        &with_condition(&deep),
        "a condition may be at most 4.0 KiB",
        ":19:12",
    );
    check_finds(
        "nots.toml",
        &with_condition(&format!("{}q1 = \"yes\"", "not ".repeat(20_000))),
        "at most 64.0 KiB",
        ":19:11",
    );
    check_finds(
        "nested.toml",
        &with_condition(&format!("{}q1 = \"yes\"{}", "(".repeat(40), ")".repeat(40))),
        "the condition nests too deeply: at most 32 levels",
        ":19:45",
    );
    check_finds(
        "not40.toml",
        &with_condition(&format!("{}q1 = \"yes\"", "not ".repeat(40))),
        "the condition nests too deeply",
        ":19:",
    );
    check_finds(
        "wide.toml",
        &with_condition(&vec!["q1 = \"yes\""; 260].join(" or ")),
        "the condition has more than 1000 names, values and operators",
        ":19:",
    );
}

/// Placeholders: 101 in one text is an error; 100,000 fail fast on the text's length; 20,000
/// unknown ones and a huge unknown name do not make "did you mean" run for minutes.
#[test]
fn placeholders_and_suggestions() {
    check_finds(
        "ph101.toml",
        &with_flag_text(&"{q1}".repeat(101)),
        "more than 100 placeholders in one text",
        ":19:409",
    );
    check_finds(
        "ph100k.toml",
        &with_flag_text(&"{q1}".repeat(100_000)),
        "at most 64.0 KiB",
        ":19:8",
    );
    check_finds(
        "huge_name.toml",
        &with_condition(&format!("{} = \"yes\"", "q".repeat(4_000))),
        "unknown name `qqqq",
        ":19:12",
    );
    // 500 flags naming nothing: at most 100 findings are shown, then a count of the rest.
    let flags = (0..500).fold(String::new(), |mut s, i| {
        let _ = write!(
            s,
            "\n[[flag]]\nid = \"F{i}\"\nseverity = \"note\"\nwhen = 'q1 = \"yes\"'\ntext = \"{{nothing_{i}}}\"\n"
        );
        s
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("many.toml");
    std::fs::write(&path, format!("{HEAD}{flags}")).expect("write");
    let r = run(dir.path(), &["check", path.to_str().expect("utf-8")]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.out
            .contains("400 more findings are not shown: fix these first and check again"),
        "{}",
        &r.out[r.out.len().saturating_sub(2000)..]
    );
    assert_eq!(r.out.matches("names nothing").count(), 100);
}

/// More than 2,000 derived values (their chains are followed depth first).
#[test]
fn derived_values() {
    let derived = (0..2_001).fold(String::new(), |mut s, i| {
        let e = if i == 0 {
            "answered(q1)".to_owned()
        } else {
            format!("d{}", i - 1)
        };
        let _ = write!(s, "\n[[derived]]\nid = \"d{i}\"\nexpr = \"{e}\"\n");
        s
    });
    check_finds(
        "derived.toml",
        &format!("{HEAD}{derived}"),
        "more than 2000 derived values",
        ":",
    );
}

fn fhir(items: &serde_json::Value) -> String {
    serde_json::json!({
        "resourceType": "Questionnaire", "id": "limits", "status": "active", "item": items
    })
    .to_string()
}

/// FHIR: file size, list size, nesting, a huge string, and FHIRPath depth; each with its JSON
/// path (and line:col where the scan found it).
#[test]
fn fhir_limits() {
    let q =
        |i: usize| serde_json::json!({"linkId": format!("q{i}"), "type": "boolean", "text": "?"});
    let pad = format!(",\"description\": \"{}\"", "x".repeat(512 * 1024));
    let big = fhir(&serde_json::json!([q(0)])).replacen(
        '{',
        &format!("{{\"title\": \"t\"{}", pad.repeat(17)),
        1,
    );
    check_finds(
        "big.json",
        &big,
        "a FHIR file may be at most 8.0 MiB",
        ":1:1",
    );
    let many: Vec<_> = (0..20_001).map(q).collect();
    check_finds(
        "many.json",
        &fhir(&serde_json::Value::Array(many)),
        "a FHIR file may have at most 20000 in one list (at item[20000])",
        ":1:",
    );
    let mut nested = q(0);
    for i in 1..70 {
        nested = serde_json::json!({"linkId": format!("g{i}"), "type": "group", "item": [nested]});
    }
    check_finds(
        "nested.json",
        &fhir(&serde_json::json!([nested])),
        "nested too deeply: a FHIR file may nest objects and lists 64 levels",
        ":1:",
    );
    let mut long = q(0);
    long["text"] = serde_json::Value::String("y".repeat(1_100_000));
    check_finds(
        "long.json",
        &fhir(&serde_json::json!([long])),
        "a text in a FHIR file may be at most 1.0 MiB (at item[0].text)",
        ":1:",
    );
    for (name, expr, message) in [
        (
            "fp_parens.json",
            format!("{}true{}", "(".repeat(5_000), ")".repeat(5_000)),
            "the expression has more than 1000 names, values and operators",
        ),
        (
            "fp_nested.json",
            format!("{}true{}", "(".repeat(40), ")".repeat(40)),
            "the expression nests too deeply",
        ),
        (
            "fp_chain.json",
            vec!["1"; 300].join(" + ") + " > 0",
            "chains too many operators or members",
        ),
        (
            "fp_long.json",
            format!("'{}'", "z".repeat(20_000)),
            "triage reads FHIRPath expressions up to 16.0 KiB",
        ),
    ] {
        let mut shown = q(1);
        shown["extension"] = serde_json::json!([{
            "url": "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression",
            "valueExpression": {"language": "text/fhirpath", "expression": expr}
        }]);
        check_finds(
            name,
            &fhir(&serde_json::json!([q(0), shown])),
            message,
            " at item[1].extension",
        );
    }
}

/// Answers files: size, count, a multi-megabyte unknown id (fast, shortened in the message),
/// a long text; places without the file's lines.
#[test]
fn answers_limits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = |name: &str, content: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, content).expect("write");
        run(
            dir.path(),
            &["summary", "--answers", path.to_str().expect("utf-8")],
        )
    };
    let r = summary(
        "big.json",
        format!(
            "{{\"questionnaire\": \"botulinum-toxin\", \"answers\": {{\"a_full_name\": \"{}\"}}}}",
            "n".repeat(1_100_000)
        ),
    );
    assert_eq!(r.code, Some(1), "{}", r.out);
    assert!(
        r.out
            .contains("big.json:1:1: error: the file is 1.0 MiB; an answers file may be at most"),
        "{}",
        r.out
    );
    let r = summary(
        "long.json",
        format!(
            "{{\"questionnaire\": \"botulinum-toxin\",\n \"answers\": {{\"a_full_name\": \"{}\"}}}}",
            "n".repeat(70 * 1024)
        ),
    );
    assert_eq!(r.code, Some(1));
    assert!(
        r.out
            .contains("long.json:2:29: error: this text is 70.0 KiB")
            && r.out.contains("(at answers.a_full_name)"),
        "{}",
        r.out
    );
    let many: Vec<String> = (0..5_001).map(|i| format!("\"x{i}\": 1")).collect();
    let r = summary(
        "many.json",
        format!("{{\"answers\": {{{}}}}}", many.join(",")),
    );
    assert_eq!(r.code, Some(1));
    assert!(
        r.out
            .contains("5001 answers; an answers file may have at most 5000")
    );
    // A huge unknown id is a text over the limit; a long one (under it) gets no "did you
    // mean" search and is not echoed whole.
    let r = summary(
        "huge_id.json",
        format!(
            "{{\"questionnaire\": \"botulinum-toxin\", \"answers\": {{\"{}\": \"yes\"}}}}",
            "a".repeat(900_000)
        ),
    );
    assert_eq!(r.code, Some(1));
    assert!(
        r.out
            .contains("huge_id.json:1:50: error: this text is 878.9 KiB"),
        "{}",
        &r.out[..r.out.len().min(2000)]
    );
    let r = summary(
        "long_id.json",
        format!(
            "{{\"questionnaire\": \"botulinum-toxin\", \"answers\": {{\"{}\": \"yes\"}}}}",
            "a".repeat(60_000)
        ),
    );
    assert_eq!(r.code, Some(1));
    assert!(
        r.out
            .contains("long_id.json:1:50: error: unknown question id `aaaa")
            && r.out.contains("(60000 characters)"),
        "{}",
        &r.out[..r.out.len().min(2000)]
    );
    assert!(r.out.len() < 2_000, "the id is not echoed whole");
}

/// Config files: size, a long text, a long command; scenario files: size.
#[test]
fn config_and_scenario_limits() {
    check_finds(
        "config.toml",
        &format!(
            "clinic_name = \"Riverside\"\n{}",
            "# padding\n".repeat(7_000)
        ),
        "a clinic config file may be at most 64.0 KiB",
        ":1:1",
    );
    check_finds(
        "config.toml",
        &format!("clinic_name = \"{}\"\n", "R".repeat(5_000)),
        "a text in a clinic config file may be at most 4.0 KiB",
        ":1:15",
    );
    check_finds(
        "config.toml",
        &format!(
            "[output]\nprint_command = [\"lp\", {}]\n",
            vec!["\"-o\""; 300].join(", ")
        ),
        "this list has 301 entries; a clinic config file may have at most 256",
        ":2:",
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let scenarios = dir.path().join("big.scenarios.toml");
    std::fs::write(
        &scenarios,
        format!("# {}\n", "s".repeat(1000)).repeat(4 * 1024 + 200),
    )
    .expect("write");
    let r = run(
        dir.path(),
        &[
            "test",
            "questionnaires/botulinum-toxin.toml",
            scenarios.to_str().expect("utf-8"),
        ],
    );
    assert_ne!(r.code, Some(0));
    assert!(
        r.out.contains("a scenario file may be at most 4.0 MiB"),
        "{}",
        r.out
    );
}

/// Anything over 16 MiB is refused before it is read (exit 2), whatever it claims to be.
#[test]
fn input_over_16_mib_is_not_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("huge.toml");
    let f = std::fs::File::create(&path).expect("create");
    f.set_len(17 * 1024 * 1024).expect("sparse file");
    let mut c = Command::cargo_bin("triage").expect("binary");
    let out = c
        .args(["check", path.to_str().expect("utf-8")])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("larger than 16.0 MiB"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
