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

/// Contained ValueSets by `#id` (and their `url`), each worked out (see
/// [`crate::fhir::valuesets::expand`]), or why it cannot be.
pub(super) fn value_sets(obj: &Map<String, Value>) -> HashMap<String, Expanded> {
    let contained: Vec<&Value> = obj
        .get("contained")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    read_value_sets(&contained, &[])
}

/// A value set's options, or why they cannot be listed without a terminology server.
pub(super) type Expanded = Result<Vec<Opt>, String>;

/// The clinic's local value sets (`[fhir] value_sets`), by canonical URL. A folder that
/// cannot be read is an error naming the file.
pub(super) fn local_value_sets(
    dir: Option<&std::path::Path>,
) -> Result<HashMap<String, Expanded>, String> {
    let Some(dir) = dir else {
        return Ok(HashMap::new());
    };
    let folder = crate::fhir::valuesets::read_folder(dir).map_err(|e| e.join("; "))?;
    let resources: Vec<&Value> = folder.resources.iter().map(|(_, v)| v).collect();
    let mut out = read_value_sets(&[], &resources);
    out.retain(|k, _| !k.starts_with('#'));
    // A value set named by its address on the server it was read from (a Bundle entry's
    // `fullUrl`), as a Questionnaire may name it instead of by its canonical URL.
    let systems = crate::fhir::valuesets::code_systems(resources.iter().copied());
    for (at, i) in &folder.addresses {
        if let Some(r) = resources.get(*i).filter(|r| is_value_set(r)) {
            out.entry(at.clone())
                .or_insert_with(|| options_of(r, &systems));
        }
    }
    Ok(out)
}

fn is_value_set(r: &Value) -> bool {
    r.get("resourceType").and_then(Value::as_str) == Some("ValueSet")
}

/// A ValueSet's options, each code once (a set with both compose and expansion lists them
/// twice), or why they cannot be listed.
fn options_of<'v>(r: &'v Value, systems: &HashMap<String, Vec<&'v Value>>) -> Expanded {
    crate::fhir::valuesets::expand(r, systems).map(|codes| {
        let mut opts: Vec<Opt> = Vec::new();
        for c in codes {
            let o = concept(c.concept, c.system);
            if !opts
                .iter()
                .any(|p| p.value == o.value && p.system == o.system)
            {
                opts.push(o);
            }
        }
        opts
    })
}

/// ValueSets (from `contained`, then from the local folder, whose CodeSystems can complete a
/// `compose`) by `#id` and URL.
fn read_value_sets(contained: &[&Value], local: &[&Value]) -> HashMap<String, Expanded> {
    let systems =
        crate::fhir::valuesets::code_systems(contained.iter().chain(local.iter()).copied());
    let mut out = HashMap::new();
    for r in contained.iter().chain(local.iter()) {
        if !is_value_set(r) {
            continue;
        }
        let expanded = options_of(r, &systems);
        if let Some(id) = r.get("id").and_then(Value::as_str) {
            out.insert(format!("#{id}"), expanded.clone());
        }
        if let Some(url) = r.get("url").and_then(Value::as_str) {
            out.insert(url.to_owned(), expanded);
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
                Some(Ok(opts)) => opts.clone(),
                Some(Err(why)) => {
                    self.error(
                        &format!("{path}.answerValueSet"),
                        format!("the value set `{vs}` cannot be listed here: {why}"),
                    );
                    Vec::new()
                }
                None if vs.starts_with('#') => {
                    self.error(
                        &format!("{path}.answerValueSet"),
                        format!("the value set `{vs}` is not contained in the file"),
                    );
                    Vec::new()
                }
                None => {
                    self.error(&format!("{path}.answerValueSet"), format!("the answers of this choice come from the value set `{vs}` on a terminology server, which triage cannot reach (no network at a kiosk): the file is refused rather than asking for a code as free text"));
                    if let Some(d) = self.diags.last_mut() {
                        *d = d.clone().help("keep its expansion in the folder named by `[fhir] value_sets` in the clinic settings (config.toml)");
                    }
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
                    if let Some(d) = c.get("display").and_then(Value::as_str) {
                        Opt {
                            system,
                            ordinal: ordinal.or(ordinal_of(c)),
                            exclusive,
                            initial,
                            ..Opt::plain(d, d, "valueCoding")
                        }
                    } else {
                        self.error(&at, "this answerOption coding has neither code nor display");
                        continue;
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
