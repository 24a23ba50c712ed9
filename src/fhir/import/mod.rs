//! FHIR R4 Questionnaire (JSON) into triage's model, so a clinic can run a questionnaire it
//! already has. The import is a sequence of small steps, one file each: the Questionnaire's own
//! elements here; items ([`item`]); options and value sets ([`options`]); initial values
//! ([`initial`]); enableWhen ([`conditions`]); FHIRPath variables, calculations and
//! enableWhenExpression ([`expressions`]); display text ([`text`]).
//!
//! The rule for every feature: run it right, or refuse the file naming the feature and its JSON
//! path. A warning is given only where ignoring something cannot change what is asked,
//! computed or recorded.

mod conditions;
mod expressions;
pub mod ext;
mod initial;
mod item;
mod options;
mod text;

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::diag::Diagnostic;
use crate::expr::{Ref, Ty};
use crate::questionnaire::{
    Derived, DerivedIdx, FhirLogic, Item, ItemIdx, Loaded, MAX_REPEAT_DEPTH, Meta, Node, Outcomes,
    Questionnaire, SummaryLayout, compile_text, content_hash, item_ty, repeat_levels,
    topo_order_lenient,
};
use crate::text as clean;

pub use crate::questionnaire::{OPEN_CHOICE_TEXT, OTHER, OTHER_SUFFIX};
/// The linkId suffix of a section's intro screen in triage's own export.
pub const INTRO_SUFFIX: &str = "__intro";
/// The linkId suffix of an item's "why we ask" text in triage's own export.
pub const HELP_SUFFIX: &str = "__help";

/// The Questionnaire elements triage reads or may safely ignore (metadata).
const KNOWN_ROOT: &[&str] = &[
    "resourceType",
    "id",
    "meta",
    "url",
    "identifier",
    "version",
    "name",
    "title",
    "status",
    "experimental",
    "subjectType",
    "date",
    "publisher",
    "contact",
    "description",
    "useContext",
    "jurisdiction",
    "purpose",
    "copyright",
    "approvalDate",
    "lastReviewDate",
    "effectivePeriod",
    "code",
    "item",
    "contained",
    "extension",
    "text",
    "language",
    "implicitRules",
    "derivedFrom",
];

/// Loads and checks a FHIR R4 Questionnaire, without local value sets: a choice bound to a
/// value set the file does not contain is refused (see [`load_fhir_with`]).
pub fn load_fhir(src: &str) -> Loaded {
    load_fhir_with(src, None)
}

/// As [`load_fhir`], with the clinic's folder of local ValueSet (and CodeSystem) files, from
/// `[fhir] value_sets` in the clinic settings.
#[allow(
    clippy::indexing_slicing,
    reason = "item, derived and wording indices here were made by this loader as it pushed each entry (`ItemIdx::at(items.len())`), so they are in range"
)]
pub fn load_fhir_with(src: &str, local: Option<&std::path::Path>) -> Loaded {
    // Within its limits before serde_json builds anything (see `crate::limits`).
    if let Err(d) = crate::limits::json_prescan(src, &crate::limits::FHIR) {
        return refused(*d);
    }
    let root: Value = match serde_json::from_str(src) {
        Ok(v) => v,
        Err(e) => return refused(json_error(src, &e)),
    };
    let Some(obj) = root.as_object() else {
        return refused(
            Diagnostic::error("a FHIR Questionnaire must be a JSON object").json_path("$"),
        );
    };
    if obj.get("resourceType").and_then(Value::as_str) != Some("Questionnaire") {
        let found = obj
            .get("resourceType")
            .and_then(Value::as_str)
            .unwrap_or("nothing");
        return refused(
            Diagnostic::error(format!("this is a FHIR {found}, not a Questionnaire"))
                .json_path("resourceType"),
        );
    }
    // Each text the import will clean is named, with its JSON path.
    let mut diags = crate::questionnaire::sanitize::field_warnings(
        crate::questionnaire::sanitize::json_fields(&root),
    );
    let mut value_sets = options::value_sets(obj);
    match options::local_value_sets(local) {
        Ok(local) => {
            for (k, v) in local {
                value_sets.entry(k).or_insert(v);
            }
        }
        Err(e) => diags.push(Diagnostic::error(format!("local value sets: {e}")).json_path("$")),
    }
    let mut b = Importer {
        diags: &mut diags,
        items: Vec::new(),
        value_sets,
        pending: Vec::new(),
        valid_ifs: Vec::new(),
        link_ids: HashMap::new(),
        dateish_warned: false,
        exprs: Vec::new(),
        initial_exprs: Vec::new(),
        has_paths: false,
        other_initial: None,
    };
    b.note_unsupported(obj, "", KNOWN_ROOT);
    b.modifier_extensions(obj, "");
    b.root_extensions(obj);
    if let Some(items) = obj.get("item").and_then(Value::as_array) {
        for (i, it) in items.iter().enumerate() {
            b.item(it, &format!("item[{i}]"), None, 0);
        }
    }
    if b.items.is_empty() {
        b.error("item", "the Questionnaire has no items to ask");
    }
    let mut names: HashMap<String, (Ref, Ty)> =
        HashMap::from([("visit_date".to_owned(), (Ref::VisitDate, Ty::Date))]);
    for (i, it) in b.items.iter().enumerate() {
        names.insert(
            it.id.clone(),
            (Ref::Question(ItemIdx::at(i)), item_ty(ItemIdx::at(i), it)),
        );
    }
    let derived = b.triage_derived(obj, &mut names);
    b.triage_valid_ifs(&names);
    let logic_exprs = b.compile_exprs();
    for p in std::mem::take(&mut b.pending) {
        if let Some(c) = b.condition(&p, &names) {
            let it = &mut b.items[p.item.to_usize()];
            it.show_if = Some(match it.show_if.take() {
                Some(prev) => crate::expr::Expr::And(vec![prev, c].into_boxed_slice()),
                None => c,
            });
        }
    }
    b.initial_values(&root, &logic_exprs);
    let hash = content_hash(src.as_bytes());
    let meta = meta(obj, &hash);
    let (order, loops) = b.order(&derived);
    let fhir = (!logic_exprs.is_empty() || b.has_paths).then(|| {
        Arc::new(FhirLogic {
            source: root.clone(),
            exprs: logic_exprs,
        })
    });
    let levels = repeat_levels(&b.items);
    for (i, l) in levels.iter().enumerate() {
        if l.len() > MAX_REPEAT_DEPTH {
            let path = b.link_ids.get(&b.items[i].id).cloned().unwrap_or_default();
            b.error(&path, format!("repeats are nested more than {MAX_REPEAT_DEPTH} deep here (repeating groups, repeating questions or multi-select questions with items under them), which triage cannot ask"));
        }
    }
    let has_errors = b.diags.iter().any(Diagnostic::is_error);
    let items = std::mem::take(&mut b.items);
    let names: HashMap<String, Ref> = names.into_iter().map(|(k, (r, _))| (k, r)).collect();
    let q = Questionnaire {
        levels,
        meta,
        items,
        derived,
        flags: Vec::new(),
        outcome: Outcomes::default(),
        summary: SummaryLayout::every_answer(),
        content_hash: hash,
        names,
        order,
        loops,
        fhir,
    };
    Loaded {
        questionnaire: (!has_errors).then_some(q),
        diagnostics: diags,
    }
}

fn refused(d: Diagnostic) -> Loaded {
    Loaded {
        questionnaire: None,
        diagnostics: vec![d],
    }
}

/// A JSON syntax error at its line and column.
fn json_error(src: &str, e: &serde_json::Error) -> Diagnostic {
    crate::diag::json_syntax(src, e, "JSON")
}

/// The questionnaire's identity and texts. Without `url` and `id` the identity comes from the
/// content hash, so two such files never share drafts or a canonical.
fn meta(obj: &Map<String, Value>, hash: &str) -> Meta {
    let digest = hash.trim_start_matches("sha256:");
    let id = obj.get("id").and_then(Value::as_str).map_or_else(
        || format!("fhir-{}", digest.get(..16).unwrap_or(digest)),
        str::to_owned,
    );
    Meta {
        id,
        version: obj
            .get("version")
            .and_then(Value::as_str)
            .unwrap_or("0")
            .to_owned(),
        title: clean::clean_line(
            &text::element(obj, "title")
                .or_else(|| obj.get("name").and_then(Value::as_str).map(str::to_owned))
                .unwrap_or_else(|| "Questionnaire".to_owned()),
        ),
        language: obj
            .get("language")
            .and_then(Value::as_str)
            .unwrap_or("en")
            .to_owned(),
        welcome: obj
            .get("description")
            .and_then(Value::as_str)
            .map(|d| clean::clean(&text::markdown(d))),
        url: obj.get("url").and_then(Value::as_str).map(str::to_owned),
        ..Meta::default()
    }
}

/// A condition to compile once every linkId is known.
struct Pending {
    item: ItemIdx,
    path: String,
    enable_when: Vec<Value>,
    behavior: Option<String>,
    expression: Option<String>,
    triage: Option<String>,
}

/// A FHIRPath expression found while walking the file, compiled once every name is known.
struct PendingExpr {
    name: Option<String>,
    scope: Option<ItemIdx>,
    calculates: Option<ItemIdx>,
    path: String,
    /// The FHIRPath text; `None` for a variable that needs a FHIR server (x-fhir-query).
    source: Option<String>,
}

struct Importer<'a> {
    diags: &'a mut Vec<Diagnostic>,
    items: Vec<Item>,
    value_sets: HashMap<String, options::Expanded>,
    pending: Vec<Pending>,
    /// triage's own answer rules: item, JSON path, rule, message.
    valid_ifs: Vec<(ItemIdx, String, String, String)>,
    link_ids: HashMap<String, String>,
    dateish_warned: bool,
    exprs: Vec<PendingExpr>,
    /// `initialExpression`s: item, JSON path, FHIRPath text.
    initial_exprs: Vec<(ItemIdx, String, String)>,
    /// Some condition is an enableWhenExpression.
    has_paths: bool,
    /// The initial "something else" text of the open-choice being read.
    other_initial: Option<String>,
}

impl Importer<'_> {
    fn warn(&mut self, path: &str, msg: impl Into<String>) {
        self.diags
            .push(Diagnostic::warning(msg).json_path(path.to_owned()));
    }

    fn error(&mut self, path: &str, msg: impl Into<String>) {
        self.diags
            .push(Diagnostic::error(msg).json_path(path.to_owned()));
    }

    fn note_unsupported(&mut self, obj: &Map<String, Value>, path: &str, known: &[&str]) {
        for k in obj.keys() {
            if !known.contains(&k.as_str()) && !k.starts_with('_') && k != "modifierExtension" {
                let at = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                self.warn(&at, format!("`{k}` is not supported and is ignored"));
            }
        }
    }

    /// FHIR: a system that does not understand a modifier extension must not process the
    /// element. triage knows none, so any is refused.
    fn modifier_extensions(&mut self, obj: &Map<String, Value>, path: &str) {
        for (i, url, _) in ext::each(obj, "modifierExtension") {
            let at = if path.is_empty() {
                format!("modifierExtension[{i}]")
            } else {
                format!("{path}.modifierExtension[{i}]")
            };
            self.error(&at, format!("the modifier extension `{}` changes the meaning of this element and is not understood, so it cannot be run", ext::short(url)));
        }
    }

    /// A true/false element. Some tools write `"true"` as text; that is read as meant, with a
    /// warning, rather than silently as false (which would turn a multi-select single).
    fn flag(&mut self, obj: &Map<String, Value>, path: &str, key: &str) -> bool {
        match obj.get(key) {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(Value::String(t)) if t == "true" || t == "false" => {
                self.warn(
                    &format!("{path}.{key}"),
                    format!("`{key}` should be true or false, not the text \"{t}\"; read as {t}"),
                );
                t == "true"
            }
            Some(_) => {
                self.error(
                    &format!("{path}.{key}"),
                    format!("`{key}` must be true or false"),
                );
                false
            }
        }
    }

    /// The Questionnaire's own extensions: variables and named calculations are read; launch
    /// contexts and source queries need a patient record (reported where they are used).
    fn root_extensions(&mut self, obj: &Map<String, Value>) {
        for (i, url, x) in ext::each(obj, "extension") {
            let at = format!("extension[{i}]");
            match url {
                ext::TRIAGE_DERIVED => {}
                ext::VARIABLE | ext::CALCULATED => self.variable(x, &at, None, None),
                _ if url.ends_with("sdc-questionnaire-launchContext")
                    || url.ends_with("sdc-questionnaire-sourceQueries") => {}
                _ => self.warn(
                    &at,
                    format!(
                        "the extension `{}` is not supported and is ignored",
                        ext::short(url)
                    ),
                ),
            }
        }
    }

    /// triage's own derived values (a round trip of our own export).
    fn triage_derived(
        &mut self,
        obj: &Map<String, Value>,
        names: &mut HashMap<String, (Ref, Ty)>,
    ) -> Vec<Derived> {
        let mut derived = Vec::new();
        for (d, e) in ext::all(obj, ext::TRIAGE_DERIVED).into_iter().enumerate() {
            let (Some(id), Some(expr_text)) = (ext::sub(e, "id"), ext::sub(e, "expr")) else {
                self.error(
                    &format!("extension[{d}]"),
                    "a triage derived-value extension needs `id` and `expr`",
                );
                continue;
            };
            let trigger = ext::sub(e, "trigger") != Some("false");
            match compile_text(expr_text, names, &self.items, false) {
                Ok((expr, ty)) => {
                    names.insert(
                        id.to_owned(),
                        (Ref::Derived(DerivedIdx::at(derived.len())), ty),
                    );
                    derived.push(Derived {
                        id: id.to_owned(),
                        expr,
                        ty,
                        label: None,
                        trigger,
                    });
                }
                Err(e) => self.error(
                    &format!("extension[{d}]"),
                    format!("derived value `{id}`: {e}"),
                ),
            }
        }
        derived
    }

    #[allow(
        clippy::indexing_slicing,
        reason = "item, derived and wording indices here were made by this loader as it pushed each entry (`ItemIdx::at(items.len())`), so they are in range"
    )]
    fn triage_valid_ifs(&mut self, names: &HashMap<String, (Ref, Ty)>) {
        for (item, path, rule, message) in std::mem::take(&mut self.valid_ifs) {
            match compile_text(&rule, names, &self.items, true) {
                Ok((e, _)) => {
                    self.items[item.to_usize()].valid_if = Some((e, clean::clean_line(&message)));
                }
                Err(e) => self.error(
                    &format!("{path}.extension"),
                    format!("triage answer rule: {e}"),
                ),
            }
        }
    }

    /// Evaluation order; loops are allowed in FHIR and evaluated until they settle.
    #[allow(
        clippy::indexing_slicing,
        reason = "item, derived and wording indices here were made by this loader as it pushed each entry (`ItemIdx::at(items.len())`), so they are in range"
    )]
    fn order(&mut self, derived: &[Derived]) -> (Vec<Node>, bool) {
        let nodes: Vec<Node> = ItemIdx::all(self.items.len())
            .map(Node::Item)
            .chain(DerivedIdx::all(derived.len()).map(Node::Derived))
            .collect();
        let items_ref = &self.items;
        let deps = |n: Node| -> Vec<Node> {
            let mut refs = Vec::new();
            let mut out = Vec::new();
            match n {
                Node::Item(i) => {
                    let it = &items_ref[i.to_usize()];
                    if let Some(p) = it.parent {
                        out.push(Node::Item(p));
                    }
                    if let Some(e) = &it.show_if {
                        e.refs(&mut refs);
                    }
                }
                Node::Derived(d) => derived[d.to_usize()].expr.refs(&mut refs),
            }
            out.extend(refs.into_iter().filter_map(|r| match r {
                Ref::Question(q) => Some(Node::Item(q)),
                Ref::Derived(d) => Some(Node::Derived(d)),
                Ref::VisitDate => None,
            }));
            out
        };
        let (order, loops) = topo_order_lenient(&nodes, deps);
        if !loops.is_empty() {
            let mut ids: Vec<String> = loops
                .iter()
                .flat_map(|(a, z)| [a, z])
                .filter_map(|n| match n {
                    Node::Item(i) => Some(self.items[i.to_usize()].id.clone()),
                    Node::Derived(_) => None,
                })
                .collect();
            ids.sort();
            ids.dedup();
            self.warn("item", format!("enableWhen conditions refer to each other in a loop ({}); triage evaluates them until they settle", ids.join(", ")));
        }
        (order, !loops.is_empty())
    }
}
