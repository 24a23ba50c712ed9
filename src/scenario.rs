//! Scenario files: base answers plus scenarios that override them, each with the exact set of
//! flags expected, the outcome, and optionally which questions must or must not be asked. A
//! failing scenario says what differs (missing flags, unexpected flags, wrong outcome).

use std::fmt::Write as _;

use jiff::civil::Date;
use serde::Deserialize;
use serde_spanned::Spanned;

use crate::answer::PartialDate;
use crate::answers::{FileAnswer, RawValue, fill_session};
use crate::diag::Diagnostic;
use crate::engine::{Problem, Session};
use crate::questionnaire::Questionnaire;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    questionnaire: Option<Spanned<String>>,
    visit_date: Spanned<toml::Value>,
    #[serde(default)]
    base: toml::Table,
    #[serde(default)]
    scenario: Vec<Spanned<RawScenario>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    id: Spanned<String>,
    name: Option<String>,
    #[serde(default)]
    answers: toml::Table,
    #[serde(default)]
    unset: Vec<Spanned<String>>,
    flags: Spanned<Vec<Spanned<String>>>,
    outcome: Option<Spanned<String>>,
    #[serde(default)]
    asked: Vec<Spanned<String>>,
    #[serde(default)]
    not_asked: Vec<Spanned<String>>,
    #[serde(default)]
    partial: bool,
    end_after: Option<Spanned<String>>,
    visit_date: Option<Spanned<toml::Value>>,
    /// Expected derived values: numbers, true/false, or dates as "YYYY-MM-DD".
    #[serde(default)]
    derived: toml::Table,
    /// Expected doctor's text of fired flags (filled, without the triggering answers).
    #[serde(default)]
    texts: toml::Table,
}

/// The result of one scenario.
#[derive(Debug, Clone)]
pub struct ScenarioResult {
    pub id: String,
    pub name: String,
    /// Empty when the scenario passed.
    pub failures: Vec<String>,
}

impl ScenarioResult {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

fn date_of(v: &Spanned<toml::Value>) -> Result<Date, Vec<Diagnostic>> {
    let s = match v.get_ref() {
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::String(s) => s.clone(),
        _ => String::new(),
    };
    PartialDate::parse_iso(&s)
        .filter(|d| !d.month_only)
        .map(|d| d.date)
        .ok_or_else(|| {
            vec![
                Diagnostic::error("visit_date must be a date like 2025-06-02")
                    .at(v.span(), "not a date"),
            ]
        })
}

fn answers_of(table: &toml::Table, span: std::ops::Range<usize>) -> Vec<FileAnswer> {
    table
        .iter()
        .map(|(k, v)| FileAnswer {
            id: k.clone(),
            value: RawValue::from_toml(v),
            span: Some(span.clone()),
        })
        .collect()
}

/// One scenario's session, built from the base answers and its overrides, with the refusals
/// of answers it contained.
pub struct Built<'q> {
    pub id: String,
    pub name: String,
    pub session: Session<'q>,
    pub refused: Vec<String>,
}

/// Builds the session of every scenario without checking expectations (for tests that look at
/// what each scenario produces, such as its summary page).
pub fn build<'q>(q: &'q Questionnaire, src: &str) -> Result<Vec<Built<'q>>, Vec<Diagnostic>> {
    let (raw, visit) = parse(q, src)?;
    raw.scenario
        .iter()
        .map(|sc| build_one(q, &raw, sc, visit))
        .collect()
}

fn build_one<'q>(
    q: &'q Questionnaire,
    raw: &RawFile,
    sc: &Spanned<RawScenario>,
    visit: Date,
) -> Result<Built<'q>, Vec<Diagnostic>> {
    let span = sc.span();
    let sc = sc.get_ref();
    let mut merged = raw.base.clone();
    for u in &sc.unset {
        merged.remove(u.get_ref());
    }
    for (k, v) in &sc.answers {
        merged.insert(k.clone(), v.clone());
    }
    let visit = match &sc.visit_date {
        Some(v) => date_of(v)?,
        None => visit,
    };
    let mut session = Session::new(q, visit);
    let refused = fill_session(&mut session, &answers_of(&merged, span))
        .into_iter()
        .filter(super::diag::Diagnostic::is_error)
        .map(|d| d.message)
        .collect();
    if let Some(e) = &sc.end_after
        && let Some(i) = q.item_index(e.get_ref())
    {
        session.end_after(i);
    }
    Ok(Built {
        id: sc.id.get_ref().clone(),
        name: sc.name.clone().unwrap_or_default(),
        session,
        refused,
    })
}

fn parse(q: &Questionnaire, src: &str) -> Result<(RawFile, Date), Vec<Diagnostic>> {
    let raw: RawFile = crate::questionnaire::parse_limited(src, &crate::limits::SCENARIOS, |e| {
        let d = Diagnostic::error(format!("scenario file: {}", e.message().trim()));
        match e.span() {
            Some(s) => d.at(s, "here"),
            None => d,
        }
    })?;
    let mut diags = Vec::new();
    if let Some(id) = &raw.questionnaire
        && *id.get_ref() != q.meta.id
    {
        diags.push(
            Diagnostic::error(format!(
                "these scenarios are for `{}`, but the questionnaire is `{}`",
                id.get_ref(),
                q.meta.id
            ))
            .at(id.span(), "different questionnaire"),
        );
    }
    let visit = date_of(&raw.visit_date)?;
    // Expectations must name things that exist, or a typo would make a scenario pass vacuously.
    for sc in &raw.scenario {
        let sc = sc.get_ref();
        for f in sc.flags.get_ref() {
            if q.flag(f.get_ref()).is_none() {
                diags.push(
                    Diagnostic::error(format!(
                        "scenario {} expects flag `{}`, which the questionnaire does not have",
                        sc.id.get_ref(),
                        f.get_ref()
                    ))
                    .at(f.span(), "unknown flag"),
                );
            }
        }
        for id in sc
            .asked
            .iter()
            .chain(&sc.not_asked)
            .chain(&sc.unset)
            .chain(&sc.end_after)
        {
            if q.item_index(id.get_ref()).is_none() {
                diags.push(
                    Diagnostic::error(format!(
                        "scenario {} names `{}`, which is not in the questionnaire",
                        sc.id.get_ref(),
                        id.get_ref()
                    ))
                    .at(id.span(), "unknown id"),
                );
            }
        }
        for id in sc.derived.keys() {
            if q.derived_index(id).is_none() {
                diags.push(
                    Diagnostic::error(format!(
                        "scenario {} expects derived value `{id}`, which the questionnaire does not have",
                        sc.id.get_ref()
                    ))
                    .at(sc.flags.span(), "in this scenario"),
                );
            }
        }
        for (id, v) in &sc.texts {
            if q.flag(id).is_none() || !v.is_str() {
                diags.push(
                    Diagnostic::error(format!(
                        "scenario {} expects the text of `{id}`: it must be a flag of the questionnaire, and the text a string",
                        sc.id.get_ref()
                    ))
                    .at(sc.flags.span(), "in this scenario"),
                );
            }
        }
        if let Some(o) = &sc.outcome
            && !crate::engine::Outcome::NAMES.contains(&o.get_ref().as_str())
        {
            diags.push(
                Diagnostic::error(format!("unknown outcome `{}`", o.get_ref())).at(
                    o.span(),
                    format!(
                        "expected one of {}",
                        crate::engine::Outcome::NAMES.join(", ")
                    ),
                ),
            );
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    Ok((raw, visit))
}

/// Runs every scenario of a scenario file against `q`. File-level problems (syntax, unknown
/// ids in expectations, a questionnaire id that does not match) come back as diagnostics.
pub fn run(q: &Questionnaire, src: &str) -> Result<Vec<ScenarioResult>, Vec<Diagnostic>> {
    let (raw, visit) = parse(q, src)?;
    let mut results = Vec::new();
    for sc_spanned in &raw.scenario {
        let sc = sc_spanned.get_ref();
        let built = build_one(q, &raw, sc_spanned, visit)?;
        let session = &built.session;
        let mut failures: Vec<String> = built
            .refused
            .iter()
            .map(|m| format!("answer refused: {m}"))
            .collect();
        if !sc.partial {
            let missing: Vec<String> = session
                .problems()
                .map(|p| match p {
                    Problem::Missing(a) => format!("{} (missing)", q.item(a.item).id),
                    Problem::Invalid(a, m) => format!("{} ({m})", q.item(a.item).id),
                    Problem::TooFew(a, n) => format!("{} (fewer than {n})", q.item(a.item).id),
                })
                .collect();
            if !missing.is_empty() {
                failures.push(format!("incomplete answers: {}", missing.join(", ")));
            }
        }
        let fired: Vec<&str> = session
            .fired()
            .iter()
            .filter_map(|&f| q.flags.get(f.to_usize()))
            .map(|flag| flag.id.as_str())
            .collect();
        let expected: Vec<&str> = sc
            .flags
            .get_ref()
            .iter()
            .map(|f| f.get_ref().as_str())
            .collect();
        let missing: Vec<&str> = expected
            .iter()
            .copied()
            .filter(|e| !fired.contains(e))
            .collect();
        let unexpected: Vec<&str> = fired
            .iter()
            .copied()
            .filter(|f| !expected.contains(f))
            .collect();
        if !missing.is_empty() {
            failures.push(format!("missing flags:    {}", missing.join(", ")));
        }
        if !unexpected.is_empty() {
            let detail: Vec<String> = unexpected
                .iter()
                .map(|id| {
                    let f = q
                        .flag(id)
                        .map(|f| crate::summary::fill(session, &f.text).0)
                        .unwrap_or_default();
                    format!("{id} ({f})")
                })
                .collect();
            failures.push(format!("unexpected flags: {}", detail.join("; ")));
        }
        if let Some(o) = &sc.outcome {
            let got = session.outcome().as_str();
            if got != o.get_ref() {
                failures.push(format!(
                    "outcome:          expected {}, got {got}",
                    o.get_ref()
                ));
            }
        }
        for (id, want) in &sc.derived {
            if let Some(d) = q.derived_index(id) {
                let got = session.derived_value(d);
                if !same_value(got, want) {
                    let got = got.map_or("not known".to_owned(), show_value);
                    failures.push(format!("derived `{id}`: expected {want}, got {got}"));
                }
            }
        }
        for (id, want) in &sc.texts {
            let Some(want) = want.as_str() else { continue };
            let fired = session
                .fired()
                .iter()
                .filter_map(|&f| q.flags.get(f.to_usize()))
                .find(|flag| flag.id == *id);
            match fired {
                None => failures.push(format!("text of `{id}`: the flag did not fire")),
                Some(flag) => {
                    let got = crate::summary::fill(session, &flag.text).0;
                    if got != want {
                        failures.push(format!(
                            "text of `{id}`:\n                expected {want}\n                got      {got}"
                        ));
                    }
                }
            }
        }
        for id in &sc.asked {
            if let Some(i) = q.item_index(id.get_ref())
                && !session.is_visible(i)
            {
                failures.push(format!(
                    "expected `{}` to be asked, but it was not",
                    id.get_ref()
                ));
            }
        }
        for id in &sc.not_asked {
            if let Some(i) = q.item_index(id.get_ref())
                && session.is_visible(i)
            {
                failures.push(format!(
                    "expected `{}` not to be asked, but it was",
                    id.get_ref()
                ));
            }
        }
        results.push(ScenarioResult {
            id: built.id,
            name: built.name,
            failures,
        });
    }
    Ok(results)
}

/// Whether a derived value is the one a scenario expects.
// Exactly as the scenario writes it: a scenario states the value, not a range.
#[allow(clippy::float_cmp, clippy::cast_precision_loss)]
fn same_value(got: Option<crate::expr::Val>, want: &toml::Value) -> bool {
    use crate::expr::Val;
    match (got, want) {
        (Some(Val::Num(n)), toml::Value::Integer(i)) => n == *i as f64,
        (Some(Val::Num(n)), toml::Value::Float(f)) => n == *f,
        (Some(Val::Bool(b)), toml::Value::Boolean(w)) => b == *w,
        (Some(Val::Date(d)), w) => {
            let w = match w {
                toml::Value::Datetime(x) => x.to_string(),
                toml::Value::String(x) => x.clone(),
                _ => return false,
            };
            crate::summary::iso(d) == w
        }
        _ => false,
    }
}

fn show_value(v: crate::expr::Val) -> String {
    use crate::expr::Val;
    match v {
        Val::Num(n) => crate::summary::fmt_num(n),
        Val::Bool(b) => b.to_string(),
        Val::Date(d) => crate::summary::iso(d),
        Val::Choice(i) => format!("option {i}"),
    }
}

/// A readable report of scenario results.
pub fn report(results: &[ScenarioResult]) -> String {
    let mut out = String::new();
    for r in results {
        let mark = if r.passed() { "ok  " } else { "FAIL" };
        let _ = writeln!(out, "  {mark}  {:<6} {}", r.id, r.name);
        for f in &r.failures {
            let _ = writeln!(out, "              {f}");
        }
    }
    let failed = results.iter().filter(|r| !r.passed()).count();
    let _ = writeln!(out, "{} passed, {failed} failed", results.len() - failed);
    crate::text::escape(&out)
}
