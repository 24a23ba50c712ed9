//! A choice's options: `answerOption` (coding, string, integer, date, time) or a contained
//! ValueSet (its `expansion` when it has one, else `compose.include.concept`; each code once),
//! with scores (`ordinalValue`, `itemWeight`) and `optionExclusive`. Two options with the same
//! code are an error: the stored record would show a different answer than the one chosen.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{Importer, ext};

/// One option as FHIR gave it.
#[derive(Debug, Clone)]
pub(super) struct Opt {
    pub value: String,
    pub label: String,
    pub system: Option<String>,
    pub ordinal: Option<f64>,
    pub exclusive: bool,
    pub kind: &'static str,
    pub initial: bool,
}

impl Opt {
    pub fn plain(value: &str, label: &str, kind: &'static str) -> Opt {
        Opt {
            value: value.to_owned(),
            label: label.to_owned(),
            system: None,
            ordinal: None,
            exclusive: false,
            kind,
            initial: false,
        }
    }
}

/// An option from a coding (or value set concept): its code, display and score.
fn concept(c: &Value, system: Option<String>) -> Opt {
    let code = c.get("code").and_then(Value::as_str).unwrap_or_default();
    let label = c.get("display").and_then(Value::as_str).unwrap_or(code);
    Opt {
        system,
        ordinal: ordinal_of(c),
        ..Opt::plain(code, label, "valueCoding")
    }
}

fn ordinal_of(obj: &Value) -> Option<f64> {
    let map = obj.as_object()?;
    [ext::ORDINAL, ext::ITEM_WEIGHT].iter().find_map(|u| {
        ext::first(map, u)
            .and_then(|x| x.get("valueDecimal").or(x.get("valueInteger")))
            .and_then(Value::as_f64)
    })
}

/// Contained ValueSets by `#id`. A value set with an `expansion` is read from it (the
/// expansion is the list the server worked out from `compose`; reading both would list every
/// option twice); codes already listed are not added again.
pub(super) fn value_sets(obj: &Map<String, Value>) -> HashMap<String, Vec<Opt>> {
    let contained = obj.get("contained").and_then(Value::as_array);
    read_value_sets(contained.into_iter().flatten())
}

/// ValueSet files the clinic keeps (their expansions), by canonical URL: a folder of ValueSet
/// JSON files, read when a Questionnaire binds a choice to a value set it does not
/// contain. A file that cannot be read is an error naming it.
pub(super) fn local_value_sets(
    dir: Option<&std::path::Path>,
) -> Result<HashMap<String, Vec<Opt>>, String> {
    let Some(dir) = dir else {
        return Ok(HashMap::new());
    };
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut resources = Vec::new();
    for e in entries.flatten() {
        let path = e.path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let size = std::fs::metadata(&path).map_or(0, |m| m.len());
        if size > crate::limits::MAX_QUESTIONNAIRE_BYTES as u64 {
            return Err(format!(
                "{}: the file is {}; a value set file may be at most {}",
                path.display(),
                crate::limits::size(usize::try_from(size).unwrap_or(usize::MAX)),
                crate::limits::size(crate::limits::MAX_QUESTIONNAIRE_BYTES)
            ));
        }
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        crate::limits::json_prescan(&text, &crate::limits::FHIR)
            .map_err(|d| format!("{}: {}", path.display(), d.message))?;
        let v: Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        resources.push(v);
    }
    let mut out = read_value_sets(resources.iter());
    out.retain(|k, _| !k.starts_with('#'));
    Ok(out)
}

fn read_value_sets<'v>(resources: impl Iterator<Item = &'v Value>) -> HashMap<String, Vec<Opt>> {
    let mut out = HashMap::new();
    for r in resources {
        if r.get("resourceType").and_then(Value::as_str) != Some("ValueSet") {
            continue;
        }
        let id = r.get("id").and_then(Value::as_str).unwrap_or("");
        let mut opts: Vec<Opt> = Vec::new();
        let mut add = |o: Opt| {
            if !opts
                .iter()
                .any(|p| p.value == o.value && p.system == o.system)
            {
                opts.push(o);
            }
        };
        if let Some(contains) = r.pointer("/expansion/contains").and_then(Value::as_array) {
            for c in contains {
                let system = c.get("system").and_then(Value::as_str).map(str::to_owned);
                add(concept(c, system));
            }
        } else {
            for inc in r
                .pointer("/compose/include")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let system = inc.get("system").and_then(Value::as_str).map(str::to_owned);
                for c in inc
                    .get("concept")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    add(concept(c, system.clone()));
                }
            }
        }
        out.insert(format!("#{id}"), opts);
        if let Some(url) = r.get("url").and_then(Value::as_str)
            && let Some(o) = out.get(&format!("#{id}")).cloned()
        {
            out.insert(url.to_owned(), o);
        }
    }
    out
}

impl Importer<'_> {
    /// The options of a choice item; errors name each option that cannot be read and each
    /// duplicate code.
    /// A choice's options, at most [`crate::limits::MAX_OPTIONS`] of them.
    pub(super) fn options(&mut self, obj: &Map<String, Value>, path: &str) -> Vec<Opt> {
        let opts = self.all_options(obj, path);
        if opts.len() > crate::limits::MAX_OPTIONS {
            self.error(
                path,
                format!(
                    "this choice has {} options; triage takes at most {}",
                    opts.len(),
                    crate::limits::MAX_OPTIONS
                ),
            );
            return Vec::new();
        }
        opts
    }

    fn all_options(&mut self, obj: &Map<String, Value>, path: &str) -> Vec<Opt> {
        if let Some(vs) = obj.get("answerValueSet").and_then(Value::as_str) {
            return match self.value_sets.get(vs) {
                Some(opts) => opts.clone(),
                None if vs.starts_with('#') => {
                    self.error(
                        &format!("{path}.answerValueSet"),
                        format!("the value set `{vs}` is not contained in the file"),
                    );
                    Vec::new()
                }
                None => {
                    self.error(&format!("{path}.answerValueSet"), format!("the answers of this choice come from the value set `{vs}` on a terminology server, which triage cannot reach (no network at a kiosk): the file is refused rather than asking for a code as free text"));
                    Vec::new()
                }
            };
        }
        let mut out: Vec<Opt> = Vec::new();
        for (i, o) in obj
            .get("answerOption")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let at = format!("{path}.answerOption[{i}]");
            let exclusive = o
                .as_object()
                .and_then(|m| ext::first(m, ext::OPTION_EXCLUSIVE))
                .and_then(|x| x.get("valueBoolean"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let initial = o
                .get("initialSelected")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let ordinal = ordinal_of(o);
            let opt = if let Some(c) = o.get("valueCoding") {
                let system = c.get("system").and_then(Value::as_str).map(str::to_owned);
                if c.get("code").and_then(Value::as_str).is_none() {
                    // A coding with only a display: its display is what is stored and shown.
                    match c.get("display").and_then(Value::as_str) {
                        Some(d) => Opt {
                            system,
                            ordinal: ordinal.or(ordinal_of(c)),
                            exclusive,
                            initial,
                            ..Opt::plain(d, d, "valueCoding")
                        },
                        None => {
                            self.error(
                                &at,
                                "this answerOption coding has neither code nor display",
                            );
                            continue;
                        }
                    }
                } else {
                    Opt {
                        ordinal: ordinal.or(ordinal_of(c)),
                        exclusive,
                        initial,
                        ..concept(c, system)
                    }
                }
            } else if let Some(s) = o.get("valueString").and_then(Value::as_str) {
                Opt {
                    ordinal,
                    exclusive,
                    initial,
                    ..Opt::plain(s, s, "valueString")
                }
            } else if let Some(n) = o.get("valueInteger").and_then(Value::as_i64) {
                let n = n.to_string();
                Opt {
                    ordinal,
                    exclusive,
                    initial,
                    ..Opt::plain(&n, &n, "valueInteger")
                }
            } else if let Some((k, d)) = ["valueDate", "valueTime"]
                .iter()
                .find_map(|k| o.get(*k).and_then(Value::as_str).map(|d| (*k, d)))
            {
                let kind = if k == "valueDate" {
                    "valueDate"
                } else {
                    "valueTime"
                };
                Opt {
                    ordinal,
                    exclusive,
                    initial,
                    ..Opt::plain(d, d, kind)
                }
            } else {
                self.error(&at, "this kind of answerOption is not supported");
                continue;
            };
            if let Some(first) = out
                .iter()
                .position(|p| p.value == opt.value && p.system == opt.system)
            {
                self.error(&at, format!("the option code '{}' is given twice (first as answerOption[{first}]): the record could show a different answer than the one chosen", opt.value));
                continue;
            }
            out.push(opt);
        }
        out
    }
}
