//! The peer benchmark's form: one generated questionnaire written twice, as triage TOML and as
//! SurveyJS JSON (`visibleIf`), with the scripted answers both engines are given. It only
//! writes text; it never evaluates a condition (each engine does that itself).
//!
//! Shape of a form of `n` questions `q0..q{n-1}`, in sections (SurveyJS pages) of 10:
//! - kinds by `i % 5`: 0 single choice (`a`..`d`), 4 number (whole, 0 to 100), else yes/no
//!   (options `yes`/`no`; a SurveyJS `radiogroup` so both store the same values);
//! - the first section is screening questions, always shown; after it every third question
//!   (`i % 3 == 2`) has a condition, in four rotating shapes with `and`, `or`, `=`, `!=`, `>`:
//!   the nearest earlier yes/no, single-choice or number question, and one of the screening
//!   yes/no questions (`q1 q3 q6 q7`);
//! - a condition only names questions that are always shown. The engines differ on purpose
//!   about answers of hidden questions (triage: they count nowhere; SurveyJS by default: they
//!   stay in the data and count), so a chain of conditions would compare two rules, not two
//!   speeds.
//!
//! The script answers every question (a deterministic pseudo-random mix, `q1` is "yes"); the
//! timed change flips `q1` between "yes" and "no", which shows or hides about one question in 25.
use serde_json::{Value, json};
use std::fmt::Write as _;

/// The screening yes/no questions of the first section that conditions refer to.
const SCREENING: [usize; 4] = [1, 3, 6, 7];
/// Questions per section (triage) and per page (SurveyJS).
const SECTION: usize = 10;

/// What one question asks for.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    YesNo,
    Single,
    Number,
}

fn kind(i: usize) -> Kind {
    match i % 5 {
        0 => Kind::Single,
        4 => Kind::Number,
        _ => Kind::YesNo,
    }
}

fn has_condition(i: usize) -> bool {
    i >= SECTION && i % 3 == 2
}

/// A condition, rendered in each engine's syntax.
enum Cond {
    Eq(usize, &'static str),
    Ne(usize, &'static str),
    Gt(usize, u32),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
}

impl Cond {
    fn and(a: Cond, b: Cond) -> Cond {
        Cond::And(Box::new(a), Box::new(b))
    }
    fn or(a: Cond, b: Cond) -> Cond {
        Cond::Or(Box::new(a), Box::new(b))
    }

    /// triage's condition language: `q1 = "yes" and (q0 = "a" or q0 = "c")`.
    fn triage(&self) -> String {
        match self {
            Cond::Eq(q, v) => format!("q{q} = \"{v}\""),
            Cond::Ne(q, v) => format!("q{q} != \"{v}\""),
            Cond::Gt(q, n) => format!("q{q} > {n}"),
            Cond::And(a, b) => format!("({} and {})", a.triage(), b.triage()),
            Cond::Or(a, b) => format!("({} or {})", a.triage(), b.triage()),
        }
    }

    /// SurveyJS expressions: `{q1} = 'yes' and ({q0} = 'a' or {q0} = 'c')`.
    fn survey(&self) -> String {
        match self {
            Cond::Eq(q, v) => format!("{{q{q}}} = '{v}'"),
            Cond::Ne(q, v) => format!("{{q{q}}} != '{v}'"),
            Cond::Gt(q, n) => format!("{{q{q}}} > {n}"),
            Cond::And(a, b) => format!("({} and {})", a.survey(), b.survey()),
            Cond::Or(a, b) => format!("({} or {})", a.survey(), b.survey()),
        }
    }
}

/// The nearest question before `i` of `want` kind that is always shown.
fn nearest(i: usize, want: Kind) -> usize {
    (0..i)
        .rev()
        .find(|&j| kind(j) == want && !has_condition(j))
        .unwrap_or(SCREENING[0])
}

/// The condition of question `i`, if it has one.
fn condition(i: usize) -> Option<Cond> {
    if !has_condition(i) {
        return None;
    }
    let c = i / 3;
    let screen = SCREENING[(c / 4) % SCREENING.len()];
    let yn = nearest(i, Kind::YesNo);
    let single = nearest(i, Kind::Single);
    let num = nearest(i, Kind::Number);
    Some(match c % 4 {
        0 => Cond::Eq(yn, "yes"),
        1 => Cond::and(Cond::Eq(yn, "yes"), Cond::Eq(screen, "yes")),
        2 => Cond::or(Cond::Gt(num, 50), Cond::Eq(single, "b")),
        _ => Cond::and(
            Cond::or(Cond::Eq(single, "a"), Cond::Eq(single, "c")),
            Cond::Ne(screen, "no"),
        ),
    })
}

/// A deterministic pseudo-random sequence (splitmix64), so every run answers alike.
struct Mix(u64);

impl Mix {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % below
    }
}

/// One generated form in both formats, with its scripted answers and the timed change.
pub struct Form {
    pub toml: String,
    pub survey: Value,
    /// Question id and answer (as in an answers file), in questionnaire order.
    pub answers: Vec<(String, Value)>,
    /// The question whose answer is flipped, its scripted answer and the other one.
    pub flip: (String, Value, Value),
}

impl Form {
    /// The script as the node side reads it: `{"answers": {..}, "flip": {id, from, to}}`.
    pub fn script_json(&self) -> Value {
        let answers: serde_json::Map<String, Value> = self.answers.iter().cloned().collect();
        let (id, from, to) = &self.flip;
        json!({ "answers": answers, "flip": { "id": id, "from": from, "to": to } })
    }
}

const SINGLE: [&str; 4] = ["a", "b", "c", "d"];

/// Writes the form of `n` questions (n >= 10) in both formats.
pub fn generate(n: usize) -> Form {
    let mut toml = String::from(
        "[questionnaire]\nid = \"peer-bench\"\nversion = \"1.0.0\"\ntitle = \"Peer benchmark\"\n",
    );
    let mut pages: Vec<Value> = Vec::new();
    let mut mix = Mix(0x7472_6961_6765);
    let mut answers = Vec::with_capacity(n);
    for i in 0..n {
        if i % SECTION == 0 {
            let s = i / SECTION;
            let _ = write!(toml, "\n[[section]]\nid = \"s{s}\"\ntitle = \"Part {s}\"\n");
            pages.push(
                json!({ "name": format!("s{s}"), "title": format!("Part {s}"), "elements": [] }),
            );
        }
        let cond = condition(i);
        let _ = write!(toml, "\n[[section.question]]\nid = \"q{i}\"\n");
        let mut el = match kind(i) {
            Kind::YesNo => {
                let _ = write!(toml, "type = \"yes_no\"\ntext = \"Question {i}?\"\n");
                let v = if i == 1 || mix.next(2) == 0 {
                    "yes"
                } else {
                    "no"
                };
                answers.push((format!("q{i}"), json!(v)));
                json!({ "type": "radiogroup", "name": format!("q{i}"), "title": format!("Question {i}?"),
                        "choices": [{ "value": "yes", "text": "Yes" }, { "value": "no", "text": "No" }] })
            }
            Kind::Single => {
                let _ = writeln!(
                    toml,
                    "type = \"single\"\ntext = \"Choose one ({i})\"\noptions = [\n  {{ value = \"a\", label = \"Option A\" }},\n  {{ value = \"b\", label = \"Option B\" }},\n  {{ value = \"c\", label = \"Option C\" }},\n  {{ value = \"d\", label = \"Option D\" }},\n]"
                );
                answers.push((
                    format!("q{i}"),
                    json!(SINGLE[usize::try_from(mix.next(4)).expect("0..4")]),
                ));
                json!({ "type": "radiogroup", "name": format!("q{i}"), "title": format!("Choose one ({i})"),
                        "choices": SINGLE.iter().map(|v| json!({ "value": v, "text": format!("Option {}", v.to_uppercase()) })).collect::<Vec<_>>() })
            }
            Kind::Number => {
                let _ = write!(
                    toml,
                    "type = \"number\"\ntext = \"How many ({i})?\"\nmin = 0\nmax = 100\ninteger = true\n"
                );
                answers.push((format!("q{i}"), json!(mix.next(101))));
                json!({ "type": "text", "inputType": "number", "name": format!("q{i}"), "title": format!("How many ({i})?"),
                        "min": 0, "max": 100 })
            }
        };
        el["isRequired"] = json!(true);
        if let Some(c) = cond {
            let _ = writeln!(toml, "show_if = '{}'", c.triage());
            el["visibleIf"] = json!(c.survey());
        }
        if let Some(Value::Array(elements)) = pages.last_mut().map(|p| &mut p["elements"]) {
            elements.push(el);
        }
    }
    Form {
        toml,
        survey: json!({ "title": "Peer benchmark", "pages": pages }),
        answers,
        flip: ("q1".into(), json!("yes"), json!("no")),
    }
}
