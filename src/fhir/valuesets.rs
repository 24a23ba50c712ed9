//! The clinic's local value sets (`[fhir] value_sets` in the clinic settings): a folder of FHIR
//! JSON files, or an unpacked FHIR package (its `package/` folder), holding ValueSet and
//! CodeSystem resources (or Bundles of them). A kiosk has no terminology server, so a choice
//! bound to a value set the Questionnaire does not contain is asked only when its expansion is
//! kept here. Reading is checked: a file that is not JSON is an error naming the file, line and
//! column; files that are not FHIR resources (a package's `package.json`) are skipped. A
//! Bundle entry's `fullUrl`, when it is an `http(s)` address, is where the resource lives on the
//! server it came from: a Questionnaire that names a value set by that address (rather than by
//! its canonical `url`) finds it there too.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The FHIR resources in a value-set folder (ValueSet, CodeSystem; Bundles opened), with the
/// file each came from.
#[derive(Debug, Clone, Default)]
pub struct Folder {
    pub resources: Vec<(PathBuf, Value)>,
    /// Server addresses of resources read from Bundles: an entry's `http(s)` `fullUrl` and the
    /// index of its resource in `resources`.
    pub addresses: Vec<(String, usize)>,
}

/// Reads every `*.json` file of `dir` (and of `dir/package`, the layout of a FHIR package).
/// Errors: the folder cannot be read, or a file is not readable JSON (`file:line:col: why`).
pub fn read_folder(dir: &Path) -> Result<Folder, Vec<String>> {
    let mut out = Folder::default();
    let mut errors = Vec::new();
    let mut dirs = vec![dir.to_owned()];
    let package = dir.join("package");
    if package.is_dir() {
        dirs.push(package);
    }
    for d in dirs {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) => {
                errors.push(format!("{}: {e}", d.display()));
                continue;
            }
        };
        let mut paths: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        for path in paths {
            // The same limits as a FHIR questionnaire: size before reading, then tokens and
            // nesting before parsing.
            let size = std::fs::metadata(&path).map_or(0, |m| m.len());
            if size > crate::limits::MAX_QUESTIONNAIRE_BYTES as u64 {
                errors.push(format!(
                    "{}: the file is {}; a value set file may be at most {}",
                    path.display(),
                    crate::limits::size(usize::try_from(size).unwrap_or(usize::MAX)),
                    crate::limits::size(crate::limits::MAX_QUESTIONNAIRE_BYTES)
                ));
                continue;
            }
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) => {
                    errors.push(format!("{}: {e}", path.display()));
                    continue;
                }
            };
            if let Err(d) = crate::limits::json_prescan(&text, &crate::limits::FHIR) {
                errors.push(format!("{}: {}", path.display(), d.message));
                continue;
            }
            let v: Value = match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(e) => {
                    errors.push(format!(
                        "{}:{}:{}: {e}",
                        path.display(),
                        e.line(),
                        e.column()
                    ));
                    continue;
                }
            };
            match v.get("resourceType").and_then(Value::as_str) {
                Some("ValueSet" | "CodeSystem") => out.resources.push((path, v)),
                Some("Bundle") => {
                    for e in v
                        .get("entry")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let Some(r) = e.get("resource") else { continue };
                        if matches!(
                            r.get("resourceType").and_then(Value::as_str),
                            Some("ValueSet" | "CodeSystem")
                        ) {
                            if let Some(at) = e
                                .get("fullUrl")
                                .and_then(Value::as_str)
                                .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
                            {
                                out.addresses.push((at.to_owned(), out.resources.len()));
                            }
                            out.resources.push((path.clone(), r.clone()));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Each ValueSet of a folder by canonical URL (and by server address, for one read from a
/// Bundle entry with an `http(s)` `fullUrl`), and whether triage can list its codes without a
/// terminology server (`Err` says why not), for `triage check` on the clinic settings.
pub fn summary(folder: &Folder) -> Vec<(String, Result<usize, String>)> {
    let resources: Vec<&Value> = folder.resources.iter().map(|(_, v)| v).collect();
    let systems = code_systems(resources.iter().copied());
    let is_value_set =
        |r: &Value| r.get("resourceType").and_then(Value::as_str) == Some("ValueSet");
    let by_url = resources
        .iter()
        .filter(|r| is_value_set(r))
        .filter_map(|r| {
            let url = r.get("url").and_then(Value::as_str)?;
            Some((url.to_owned(), expand(r, &systems).map(|c| c.len())))
        });
    let by_address = folder.addresses.iter().filter_map(|(at, i)| {
        let r = resources.get(*i).filter(|r| is_value_set(r))?;
        Some((at.clone(), expand(r, &systems).map(|c| c.len())))
    });
    by_url.chain(by_address).collect()
}

/// One code of an expansion: system, code, display, and the concept's JSON (for scores).
#[derive(Debug, Clone)]
pub struct Code<'v> {
    pub system: Option<String>,
    pub concept: &'v Value,
}

/// Every concept of every CodeSystem given, flattened, by the code system's URL.
pub fn code_systems<'v>(
    resources: impl Iterator<Item = &'v Value>,
) -> std::collections::HashMap<String, Vec<&'v Value>> {
    fn flat<'v>(concepts: &'v Value, out: &mut Vec<&'v Value>) {
        for c in concepts.as_array().into_iter().flatten() {
            out.push(c);
            if let Some(sub) = c.get("concept") {
                flat(sub, out);
            }
        }
    }
    let mut out = std::collections::HashMap::new();
    for r in resources {
        if r.get("resourceType").and_then(Value::as_str) != Some("CodeSystem") {
            continue;
        }
        let Some(url) = r.get("url").and_then(Value::as_str) else {
            continue;
        };
        let mut list = Vec::new();
        if let Some(c) = r.get("concept") {
            flat(c, &mut list);
        }
        out.insert(url.to_owned(), list);
    }
    out
}

/// The codes of a ValueSet: its `expansion` when it has one (the list a server worked out;
/// nested entries flattened, abstract headings left out), else its `compose` worked out here:
/// listed concepts, or every concept of an included CodeSystem that is in `systems`. A filter,
/// an included value set, an exclusion that is not a list of concepts, or a code system that
/// is not at hand cannot be worked out without a terminology server: `Err` says which.
pub fn expand<'v, S: std::hash::BuildHasher>(
    vs: &'v Value,
    systems: &std::collections::HashMap<String, Vec<&'v Value>, S>,
) -> Result<Vec<Code<'v>>, String> {
    fn contains<'v>(list: &'v Value, out: &mut Vec<Code<'v>>) {
        for c in list.as_array().into_iter().flatten() {
            if c.get("abstract").and_then(Value::as_bool) != Some(true) && c.get("code").is_some() {
                out.push(Code {
                    system: c.get("system").and_then(Value::as_str).map(str::to_owned),
                    concept: c,
                });
            }
            if let Some(sub) = c.get("contains") {
                contains(sub, out);
            }
        }
    }
    let mut out = Vec::new();
    if let Some(list) = vs.pointer("/expansion/contains") {
        contains(list, &mut out);
        return Ok(out);
    }
    let Some(compose) = vs.get("compose") else {
        return Err("it has neither an expansion nor a compose".into());
    };
    for inc in compose
        .get("include")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let system = inc.get("system").and_then(Value::as_str);
        if inc.get("filter").is_some() {
            return Err(format!(
                "it selects codes of {} with a filter, which needs a terminology server",
                system.unwrap_or("a code system")
            ));
        }
        if inc.get("valueSet").is_some() {
            return Err("it includes other value sets, which needs a terminology server".into());
        }
        match (inc.get("concept").and_then(Value::as_array), system) {
            (Some(list), _) => out.extend(list.iter().map(|c| Code {
                system: system.map(str::to_owned),
                concept: c,
            })),
            (None, Some(s)) => match systems.get(s) {
                Some(all) => out.extend(all.iter().map(|c| Code {
                    system: Some(s.to_owned()),
                    concept: c,
                })),
                None => {
                    return Err(format!(
                        "it includes all of the code system {s}, which is not among the local files"
                    ));
                }
            },
            (None, None) => return Err("an include names no code system".into()),
        }
    }
    for exc in compose
        .get("exclude")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(list) = exc.get("concept").and_then(Value::as_array) else {
            return Err("it excludes codes by a rule, which needs a terminology server".into());
        };
        let system = exc.get("system").and_then(Value::as_str);
        out.retain(|c| {
            !list.iter().any(|x| {
                x.get("code") == c.concept.get("code")
                    && (system.is_none() || c.system.as_deref() == system)
            })
        });
    }
    Ok(out)
}
