//! FHIR R4 Questionnaire (JSON) into triage's model, so a clinic can run a questionnaire it
//! already has. Supported: item types group, display, boolean, decimal, integer, date, dateTime
//! (asked as a date), time, string, text, choice and open-choice (answerOption with valueCoding,
//! valueString, valueInteger, valueDate, valueTime, or a contained ValueSet; `repeats` gives
//! multi-choice), quantity (as a number); required, repeats, readOnly, maxLength, prefix,
//! initial / initialSelected; enableWhen with every operator and enableBehavior; nested groups
//! and items; display children as help (itemControl help/flyover); SDC minValue/maxValue,
//! questionnaire-hidden, questionnaire-unit, optionExclusive, ordinalValue; the ordinal total
//! calculatedExpression; enableWhenExpression in a small FHIRPath subset; and triage's own
//! extensions (conditions and derived values that enableWhen cannot express).
//!
//! Everything else is reported with its JSON path: a warning where ignoring it is safe, an error
//! where it would change what is asked.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::answer::{Answer, PartialDate};
use crate::diag::Diagnostic;
use crate::expr::{CmpOp, Expr, Ref, Ty, Val};
use crate::questionnaire::*;
use crate::{strings, text};

/// Extension URLs.
pub mod ext {
    pub const ITEM_CONTROL: &str =
        "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl";
    pub const MIN_VALUE: &str = "http://hl7.org/fhir/StructureDefinition/minValue";
    pub const MAX_VALUE: &str = "http://hl7.org/fhir/StructureDefinition/maxValue";
    pub const HIDDEN: &str = "http://hl7.org/fhir/StructureDefinition/questionnaire-hidden";
    pub const UNIT: &str = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit";
    pub const OPTION_EXCLUSIVE: &str =
        "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive";
    pub const ORDINAL: &str = "http://hl7.org/fhir/StructureDefinition/ordinalValue";
    pub const REGEX: &str = "http://hl7.org/fhir/StructureDefinition/regex";
    pub const ENTRY_FORMAT: &str = "http://hl7.org/fhir/StructureDefinition/entryFormat";
    pub const ITEM_WEIGHT: &str = "http://hl7.org/fhir/StructureDefinition/itemWeight";
    pub const CALCULATED: &str =
        "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression";
    pub const ENABLE_WHEN_EXPRESSION: &str =
        "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression";
    /// triage's own: a condition in triage's language where enableWhen cannot express it.
    pub const TRIAGE_SHOW_IF: &str = "urn:triage:fhir:show-if";
    /// triage's own: a derived value (`id`, `expr`) used by such conditions.
    pub const TRIAGE_DERIVED: &str = "urn:triage:fhir:derived";
    /// triage's own: the doctor's short label for an item.
    pub const TRIAGE_SHORT: &str = "urn:triage:fhir:short";
    /// triage's own: a date limit counted from the visit date (`today-110y`).
    pub const TRIAGE_MIN_DATE: &str = "urn:triage:fhir:min-date";
    pub const TRIAGE_MAX_DATE: &str = "urn:triage:fhir:max-date";
    /// triage's own: a rule the answer must satisfy (`expr`) and what to say when not (`message`).
    pub const TRIAGE_VALID_IF: &str = "urn:triage:fhir:valid-if";
}

/// Loads and checks a FHIR R4 Questionnaire.
pub fn load_fhir(src: &str) -> Loaded {
    let mut diags = Vec::new();
    let root: Value = match serde_json::from_str(src) {
        Ok(v) => v,
        Err(e) => {
            let offset = src
                .split_inclusive('\n')
                .take(e.line().saturating_sub(1))
                .map(str::len)
                .sum::<usize>()
                + e.column().saturating_sub(1);
            let offset = offset.min(src.len());
            return Loaded {
                questionnaire: None,
                diagnostics: vec![
                    Diagnostic::error(format!("JSON: {e}"))
                        .at(offset..(offset + 1).min(src.len()).max(offset), "here"),
                ],
            };
        }
    };
    let Some(obj) = root.as_object() else {
        return Loaded {
            questionnaire: None,
            diagnostics: vec![
                Diagnostic::error("a FHIR Questionnaire must be a JSON object").json_path("$"),
            ],
        };
    };
    if obj.get("resourceType").and_then(Value::as_str) != Some("Questionnaire") {
        let found = obj
            .get("resourceType")
            .and_then(Value::as_str)
            .unwrap_or("nothing");
        return Loaded {
            questionnaire: None,
            diagnostics: vec![
                Diagnostic::error(format!("this is a FHIR {found}, not a Questionnaire"))
                    .json_path("resourceType"),
            ],
        };
    }
    let mut b = Importer {
        diags: &mut diags,
        items: Vec::new(),
        value_sets: value_sets(obj),
        pending: Vec::new(),
        valid_ifs: Vec::new(),
        link_ids: HashMap::new(),
        dateish_warned: false,
    };
    b.note_unsupported(
        obj,
        "",
        &[
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
        ],
    );
    for (i, x) in obj
        .get("extension")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let url = x.get("url").and_then(Value::as_str).unwrap_or("");
        if url != ext::TRIAGE_DERIVED {
            let short = url.rsplit('/').next().unwrap_or(url);
            b.warn(
                &format!("extension[{i}]"),
                format!("the extension `{short}` is not supported and is ignored"),
            );
        }
    }
    if let Some(items) = obj.get("item").and_then(Value::as_array) {
        for (i, it) in items.iter().enumerate() {
            b.item(it, &format!("item[{i}]"), None, 0);
        }
    }
    if b.items.is_empty() {
        b.diags
            .push(Diagnostic::error("the Questionnaire has no items to ask").json_path("item"));
    }
    let mut names: HashMap<String, (Ref, Ty)> =
        HashMap::from([("visit_date".to_owned(), (Ref::VisitDate, Ty::Date))]);
    for (i, it) in b.items.iter().enumerate() {
        names.insert(
            it.id.clone(),
            (Ref::Question(i as ItemIdx), item_ty(i as ItemIdx, it)),
        );
    }
    // triage's own derived values (a round trip of our own export).
    let mut derived = Vec::new();
    for (d, e) in extensions(obj, ext::TRIAGE_DERIVED).into_iter().enumerate() {
        let sub = |name: &str| {
            e.get("extension")
                .and_then(Value::as_array)
                .and_then(|xs| {
                    xs.iter()
                        .find(|x| x.get("url").and_then(Value::as_str) == Some(name))
                })
                .and_then(|x| x.get("valueString"))
                .and_then(Value::as_str)
        };
        let (Some(id), Some(expr_text)) = (sub("id"), sub("expr")) else {
            b.diags.push(
                Diagnostic::error("a triage derived-value extension needs `id` and `expr`")
                    .json_path(format!("extension[{d}]")),
            );
            continue;
        };
        let trigger = sub("trigger") != Some("false");
        match compile_text(expr_text, &names, &b.items, false) {
            Ok((expr, ty)) => {
                names.insert(id.to_owned(), (Ref::Derived(derived.len() as u32), ty));
                derived.push(Derived {
                    id: id.to_owned(),
                    expr,
                    ty,
                    label: None,
                    trigger,
                });
            }
            Err(e) => b.diags.push(
                Diagnostic::error(format!("derived value `{id}`: {e}"))
                    .json_path(format!("extension[{d}]")),
            ),
        }
    }
    // Conditions, now that every linkId is known.
    for (item, path, rule, message) in std::mem::take(&mut b.valid_ifs) {
        match compile_text(&rule, &names, &b.items, true) {
            Ok((e, _)) => b.items[item as usize].valid_if = Some((e, text::clean_line(&message))),
            Err(e) => b.diags.push(
                Diagnostic::error(format!("triage answer rule: {e}"))
                    .json_path(format!("{path}.extension")),
            ),
        }
    }
    let pending = std::mem::take(&mut b.pending);
    for p in pending {
        let cond = b.condition(&p, &names);
        if let Some(c) = cond {
            let it = &mut b.items[p.item as usize];
            it.show_if = Some(match it.show_if.take() {
                Some(prev) => Expr::And(vec![prev, c].into_boxed_slice()),
                None => c,
            });
        }
    }
    let meta = Meta {
        id: obj
            .get("id")
            .or(obj.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("fhir-questionnaire")
            .to_owned(),
        version: obj
            .get("version")
            .and_then(Value::as_str)
            .unwrap_or("0")
            .to_owned(),
        title: text::clean_line(
            obj.get("title")
                .or(obj.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("Questionnaire"),
        ),
        language: obj
            .get("language")
            .and_then(Value::as_str)
            .unwrap_or("en")
            .to_owned(),
        welcome: obj
            .get("description")
            .and_then(Value::as_str)
            .map(text::clean),
        url: obj.get("url").and_then(Value::as_str).map(str::to_owned),
        ..Meta::default()
    };
    // Evaluation order; loops are allowed in FHIR and evaluated until they settle.
    let nodes: Vec<Node> = (0..b.items.len() as u32)
        .map(Node::Item)
        .chain((0..derived.len() as u32).map(Node::Derived))
        .collect();
    let items_ref = &b.items;
    let derived_ref = &derived;
    let deps = |n: Node| -> Vec<Node> {
        let mut refs = Vec::new();
        let mut out = Vec::new();
        match n {
            Node::Item(i) => {
                let it = &items_ref[i as usize];
                if let Some(p) = it.parent {
                    out.push(Node::Item(p));
                }
                if let Some(e) = &it.show_if {
                    e.refs(&mut refs);
                }
            }
            Node::Derived(d) => derived_ref[d as usize].expr.refs(&mut refs),
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
            .filter_map(|n| {
                if let Node::Item(i) = n {
                    Some(b.items[*i as usize].id.clone())
                } else {
                    None
                }
            })
            .collect();
        ids.sort();
        ids.dedup();
        b.diags.push(Diagnostic::warning(format!("enableWhen conditions refer to each other in a loop ({}); triage evaluates them until they settle", ids.join(", "))).json_path("item"));
    }
    let has_errors = b.diags.iter().any(Diagnostic::is_error);
    let items = std::mem::take(&mut b.items);
    let names: HashMap<String, Ref> = names.into_iter().map(|(k, (r, _))| (k, r)).collect();
    let q = Questionnaire {
        meta,
        items,
        derived,
        flags: Vec::new(),
        outcome: Outcomes::default(),
        summary: SummaryLayout::every_answer(),
        content_hash: content_hash(src.as_bytes()),
        names,
        order,
        loops: !loops.is_empty(),
    };
    Loaded {
        questionnaire: (!has_errors).then_some(q),
        diagnostics: diags,
    }
}

/// One option as FHIR gave it.
struct Opt {
    value: String,
    label: String,
    system: Option<String>,
    ordinal: Option<f64>,
    exclusive: bool,
    kind: &'static str,
    initial: bool,
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

struct Importer<'a> {
    diags: &'a mut Vec<Diagnostic>,
    items: Vec<Item>,
    value_sets: HashMap<String, Vec<Opt>>,
    pending: Vec<Pending>,
    /// triage's own answer rules: item, JSON path, rule, message.
    valid_ifs: Vec<(ItemIdx, String, String, String)>,
    link_ids: HashMap<String, String>,
    dateish_warned: bool,
}

fn extensions<'v>(obj: &'v Map<String, Value>, url: &str) -> Vec<&'v Value> {
    obj.get("extension")
        .and_then(Value::as_array)
        .map(|xs| {
            xs.iter()
                .filter(|x| x.get("url").and_then(Value::as_str) == Some(url))
                .collect()
        })
        .unwrap_or_default()
}

/// An option from a value set concept (or expansion entry): its code, display and score.
fn concept(c: &Value, system: Option<String>) -> Opt {
    let code = c
        .get("code")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let label = c
        .get("display")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| code.clone());
    Opt {
        value: code,
        label,
        system,
        ordinal: ordinal_of(c),
        exclusive: false,
        kind: "valueCoding",
        initial: false,
    }
}

fn ordinal_of(obj: &Value) -> Option<f64> {
    let map = obj.as_object()?;
    [ext::ORDINAL, ext::ITEM_WEIGHT].iter().find_map(|u| {
        extensions(map, u)
            .first()
            .and_then(|x| x.get("valueDecimal").or(x.get("valueInteger")))
            .and_then(Value::as_f64)
    })
}

/// Contained ValueSets by `#id`: their concepts (compose.include.concept or expansion.contains).
fn value_sets(obj: &Map<String, Value>) -> HashMap<String, Vec<Opt>> {
    let mut out = HashMap::new();
    for r in obj
        .get("contained")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if r.get("resourceType").and_then(Value::as_str) != Some("ValueSet") {
            continue;
        }
        let Some(id) = r.get("id").and_then(Value::as_str) else {
            continue;
        };
        let mut opts = Vec::new();
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
                opts.push(concept(c, system.clone()));
            }
        }
        for c in r
            .pointer("/expansion/contains")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let system = c.get("system").and_then(Value::as_str).map(str::to_owned);
            opts.push(concept(c, system));
        }
        out.insert(format!("#{id}"), opts);
    }
    out
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
            if !known.contains(&k.as_str()) && !k.starts_with('_') {
                let at = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                self.warn(&at, format!("`{k}` is not supported and is ignored"));
            }
        }
    }

    /// Extensions of an item: the supported ones are read by the caller; the rest are reported.
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

    fn check_extensions(&mut self, obj: &Map<String, Value>, path: &str) {
        let known = [
            ext::ITEM_CONTROL,
            ext::MIN_VALUE,
            ext::MAX_VALUE,
            ext::HIDDEN,
            ext::UNIT,
            ext::CALCULATED,
            ext::ENABLE_WHEN_EXPRESSION,
            ext::TRIAGE_SHOW_IF,
            ext::TRIAGE_SHORT,
            ext::REGEX,
            ext::ENTRY_FORMAT,
            ext::TRIAGE_MIN_DATE,
            ext::TRIAGE_MAX_DATE,
            ext::TRIAGE_VALID_IF,
        ];
        for (i, x) in obj
            .get("extension")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let url = x.get("url").and_then(Value::as_str).unwrap_or("");
            if !known.contains(&url) {
                let short = url.rsplit('/').next().unwrap_or(url);
                let changes_asking = [
                    "answerExpression",
                    "initialExpression",
                    "candidateExpression",
                    "sdc-questionnaire-answerExpression",
                    "sdc-questionnaire-initialExpression",
                ]
                .iter()
                .any(|k| short.contains(k));
                if changes_asking {
                    self.error(&format!("{path}.extension[{i}]"), format!("the extension `{short}` is not supported and would change what is asked"));
                } else {
                    self.warn(
                        &format!("{path}.extension[{i}]"),
                        format!("the extension `{short}` is not supported and is ignored"),
                    );
                }
            }
        }
    }

    fn item(&mut self, v: &Value, path: &str, parent: Option<ItemIdx>, depth: u8) {
        let Some(obj) = v.as_object() else {
            self.error(path, "an item must be a JSON object");
            return;
        };
        let link = obj
            .get("linkId")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        if link.is_empty() {
            self.error(path, "the item has no linkId");
            return;
        }
        if let Some(first) = self.link_ids.get(&link) {
            let first = first.clone();
            self.error(
                path,
                format!("duplicate linkId '{link}' (first at {first})"),
            );
            return;
        }
        self.link_ids.insert(link.clone(), path.to_owned());
        self.note_unsupported(
            obj,
            path,
            &[
                "linkId",
                "text",
                "type",
                "item",
                "required",
                "repeats",
                "readOnly",
                "maxLength",
                "answerOption",
                "answerValueSet",
                "initial",
                "enableWhen",
                "enableBehavior",
                "extension",
                "prefix",
                "code",
                "definition",
                "disabledDisplay",
            ],
        );
        self.check_extensions(obj, path);
        let ty = obj.get("type").and_then(Value::as_str).unwrap_or("");
        let prefix = obj
            .get("prefix")
            .and_then(Value::as_str)
            .map(|p| format!("{p} "))
            .unwrap_or_default();
        let text = text::clean(&format!(
            "{prefix}{}",
            obj.get("text").and_then(Value::as_str).unwrap_or(&link)
        ));
        let required = self.flag(obj, path, "required");
        let repeats = self.flag(obj, path, "repeats");
        let control = extensions(obj, ext::ITEM_CONTROL)
            .first()
            .and_then(|x| x.pointer("/valueCodeableConcept/coding/0/code"))
            .and_then(Value::as_str)
            .map(str::to_owned);

        // A display child marked as help belongs to its parent.
        if ty == "display"
            && matches!(control.as_deref(), Some("help" | "flyover"))
            && let Some(p) = parent
        {
            let it = &mut self.items[p as usize];
            it.help = Some(match it.help.take() {
                Some(h) => format!("{h}\n{text}"),
                None => text,
            });
            return;
        }
        // triage's own export writes a section's intro screen as its first child,
        // `<section>__intro`; other tools show it as the text at the top of the group.
        if ty == "display"
            && control.is_none()
            && let Some(p) = parent
            && link == format!("{}{INTRO_SUFFIX}", self.items[p as usize].id)
            && let ItemKind::Group {
                intro: intro @ None,
            } = &mut self.items[p as usize].kind
        {
            *intro = Some(text);
            return;
        }
        if let Some(c) = control
            .as_deref()
            .filter(|c| !matches!(*c, "help" | "flyover"))
        {
            self.warn(
                &format!("{path}.extension"),
                format!("the display hint `{c}` is ignored (triage shows every choice as a list)"),
            );
        }
        let idx = self.items.len() as ItemIdx;
        let bound = |b: &mut Self, url: &str, what: &str| -> Option<Value> {
            let x = extensions(obj, url).first().copied()?;
            let v = ["valueInteger", "valueDecimal", "valueDate"]
                .iter()
                .find_map(|k| x.get(*k))
                .cloned();
            if v.is_none() {
                b.warn(
                    path,
                    format!("`{what}` of this kind is not supported and is ignored"),
                );
            }
            v
        };
        let unit = extensions(obj, ext::UNIT)
            .first()
            .and_then(|x| {
                x.pointer("/valueCoding/display")
                    .or(x.pointer("/valueCoding/code"))
            })
            .and_then(Value::as_str)
            .map(str::to_owned);
        let mut opts: Vec<Opt> = Vec::new();
        let mut option_kinds: Vec<String> = Vec::new();
        let kind: Option<ItemKind> = match ty {
            "group" => Some(ItemKind::Group { intro: None }),
            "display" => Some(ItemKind::Info),
            "boolean" => {
                opts = vec![
                    Opt {
                        value: "true".into(),
                        label: strings::YES.into(),
                        system: None,
                        ordinal: None,
                        exclusive: false,
                        kind: "valueBoolean",
                        initial: false,
                    },
                    Opt {
                        value: "false".into(),
                        label: strings::NO.into(),
                        system: None,
                        ordinal: None,
                        exclusive: false,
                        kind: "valueBoolean",
                        initial: false,
                    },
                ];
                Some(ItemKind::Question(QuestionKind::Choice {
                    style: ChoiceStyle::YesNo,
                    options: Vec::new(),
                }))
            }
            "decimal" | "integer" | "quantity" if obj.get("answerOption").is_none() => {
                let calc = extensions(obj, ext::CALCULATED)
                    .first()
                    .and_then(|x| x.pointer("/valueExpression/expression"))
                    .and_then(Value::as_str)
                    .map(|s| s.split_whitespace().collect::<String>());
                match calc {
                    Some(e)
                        if e == "%resource.answers().value.ordinal().sum()"
                            || e == "answers().value.ordinal().sum()" =>
                    {
                        Some(ItemKind::Calculated {
                            value: Expr::OrdinalSum,
                            unit,
                        })
                    }
                    Some(_) => {
                        self.warn(&format!("{path}.extension"), "this calculated value is not supported: the item is not asked and is left out of the response");
                        Some(ItemKind::Calculated {
                            value: Expr::Lit(Val::Bool(false)),
                            unit,
                        })
                    }
                    None => {
                        if ty == "quantity" {
                            self.warn(
                                path,
                                "a quantity is asked as a plain number (its unit is not asked)",
                            );
                        }
                        let num = |v: Option<Value>| v.and_then(|v| v.as_f64());
                        let (min, max) = (
                            num(bound(self, ext::MIN_VALUE, "minValue")),
                            num(bound(self, ext::MAX_VALUE, "maxValue")),
                        );
                        Some(ItemKind::Question(QuestionKind::Number {
                            min,
                            max,
                            unit,
                            integer: ty == "integer",
                        }))
                    }
                }
            }
            "date" | "dateTime" if obj.get("answerOption").is_none() => {
                if ty == "dateTime" {
                    self.warn(
                        path,
                        "a dateTime is asked as a date (without the time of day)",
                    );
                }
                let date = |v: Option<Value>| {
                    v.and_then(|v| v.as_str().and_then(PartialDate::parse_iso))
                        .map(|d| DateBound::Fixed(d.resolved()))
                };
                let relative = |url: &str| {
                    extensions(obj, url)
                        .first()
                        .and_then(|x| x.get("valueString"))
                        .and_then(Value::as_str)
                        .and_then(crate::questionnaire::parse_date_bound)
                };
                let (min, max) = (
                    date(bound(self, ext::MIN_VALUE, "minValue"))
                        .or_else(|| relative(ext::TRIAGE_MIN_DATE)),
                    date(bound(self, ext::MAX_VALUE, "maxValue"))
                        .or_else(|| relative(ext::TRIAGE_MAX_DATE)),
                );
                Some(ItemKind::Question(QuestionKind::Date {
                    min,
                    max,
                    allow_month: true,
                }))
            }
            "time" if obj.get("answerOption").is_none() => {
                Some(ItemKind::Question(QuestionKind::Text {
                    max_length: 8,
                    pattern: regex_lite::Regex::new(
                        r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
                    )
                    .ok()
                    .map(|regex| TextPattern {
                        regex,
                        message: strings::TYPE_TIME.into(),
                    }),
                }))
            }
            "string" | "text" | "url" if obj.get("answerOption").is_none() => {
                if repeats {
                    self.warn(path, "this item repeats: one answer is asked");
                }
                let max = obj
                    .get("maxLength")
                    .and_then(Value::as_u64)
                    .map(|m| m as usize)
                    .unwrap_or(if ty == "text" { 2000 } else { 500 });
                let hint = extensions(obj, ext::ENTRY_FORMAT)
                    .first()
                    .and_then(|x| x.get("valueString"))
                    .and_then(Value::as_str)
                    .map(text::clean_line);
                let pattern = extensions(obj, ext::REGEX)
                    .first()
                    .and_then(|x| x.get("valueString"))
                    .and_then(Value::as_str)
                    .and_then(|r| match regex_lite::Regex::new(r) {
                        Ok(regex) => Some(TextPattern {
                            regex,
                            message: hint
                                .clone()
                                .unwrap_or_else(|| strings::TEXT_PATTERN.to_owned()),
                        }),
                        Err(e) => {
                            self.warn(
                                &format!("{path}.extension"),
                                format!("this regular expression is not understood ({e}); answers are not checked against it"),
                            );
                            None
                        }
                    });
                Some(ItemKind::Question(QuestionKind::Text {
                    max_length: max.clamp(1, 10_000),
                    pattern,
                }))
            }
            "choice" | "open-choice"
                if obj
                    .get("answerValueSet")
                    .and_then(Value::as_str)
                    .is_some_and(|vs| !vs.starts_with('#')) =>
            {
                self.warn(&format!("{path}.answerValueSet"), "the answers of this choice come from a terminology server, which triage cannot reach: it is asked as typed text (the code)");
                Some(ItemKind::Question(QuestionKind::Text {
                    max_length: 200,
                    pattern: None,
                }))
            }
            "choice" | "open-choice" | "string" | "integer" | "time" | "date" => {
                opts = self.options(obj, path);
                if opts.is_empty() {
                    self.error(
                        path,
                        "this choice has no options (answerOption or a contained answerValueSet)",
                    );
                }
                if ty == "open-choice" {
                    opts.push(Opt {
                        value: OTHER.into(),
                        label: strings::OPEN_CHOICE_OTHER.into(),
                        system: None,
                        ordinal: None,
                        exclusive: false,
                        kind: "valueString",
                        initial: false,
                    });
                }
                let style = if repeats {
                    ChoiceStyle::Multi
                } else {
                    ChoiceStyle::Single
                };
                Some(ItemKind::Question(QuestionKind::Choice {
                    style,
                    options: Vec::new(),
                }))
            }
            "" => {
                self.error(path, "the item has no type");
                None
            }
            other => {
                self.error(
                    path,
                    format!("items of type `{other}` cannot be asked in triage"),
                );
                None
            }
        };
        let Some(mut kind) = kind else { return };
        if let ItemKind::Question(QuestionKind::Choice { options, .. }) = &mut kind {
            option_kinds = opts.iter().map(|o| o.kind.to_owned()).collect();
            *options = opts
                .iter()
                .map(|o| ChoiceOption {
                    value: o.value.clone(),
                    label: text::clean_line(&o.label),
                    short: None,
                    exclusive: o.exclusive,
                    ordinal: o.ordinal,
                    system: o.system.clone(),
                })
                .collect();
        }
        let read_only = self.flag(obj, path, "readOnly") && matches!(kind, ItemKind::Question(_));
        let hidden = extensions(obj, ext::HIDDEN)
            .first()
            .and_then(|x| x.get("valueBoolean"))
            .and_then(Value::as_bool)
            == Some(true);
        let is_question = matches!(kind, ItemKind::Question(_));
        let short = extensions(obj, ext::TRIAGE_SHORT)
            .first()
            .and_then(|x| x.get("valueString"))
            .and_then(Value::as_str)
            .map(text::clean_line);
        self.items.push(Item {
            id: link.clone(),
            kind,
            text,
            help: None,
            short,
            parent,
            end: idx + 1,
            depth,
            show_if: hidden.then_some(Expr::Lit(Val::Bool(false))),
            required: required && is_question && !read_only,
            valid_if: None,
            read_only,
            initial: None,
            fhir: Some(FhirItem {
                kind: ty.to_owned(),
                option_kinds,
            }),
        });
        // Initial answers.
        let initial = self.initial(obj, path, idx, &opts);
        self.items[idx as usize].initial = initial;
        let enable_when: Vec<Value> = obj
            .get("enableWhen")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let expression = extensions(obj, ext::ENABLE_WHEN_EXPRESSION)
            .first()
            .and_then(|x| x.pointer("/valueExpression/expression"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        if let Some(x) = extensions(obj, ext::TRIAGE_VALID_IF).first() {
            let sub = |name: &str| {
                x.get("extension")
                    .and_then(Value::as_array)
                    .and_then(|xs| {
                        xs.iter()
                            .find(|x| x.get("url").and_then(Value::as_str) == Some(name))
                    })
                    .and_then(|x| x.get("valueString"))
                    .and_then(Value::as_str)
            };
            match (sub("expr"), sub("message")) {
                (Some(rule), Some(message)) => {
                    self.valid_ifs
                        .push((idx, path.to_owned(), rule.to_owned(), message.to_owned()))
                }
                _ => self.error(
                    &format!("{path}.extension"),
                    "a triage answer rule needs `expr` and `message`",
                ),
            }
        }
        let triage = extensions(obj, ext::TRIAGE_SHOW_IF)
            .first()
            .and_then(|x| x.get("valueString"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        if !enable_when.is_empty() || expression.is_some() || triage.is_some() {
            self.pending.push(Pending {
                item: idx,
                path: path.to_owned(),
                enable_when,
                behavior: obj
                    .get("enableBehavior")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                expression,
                triage,
            });
        }
        if ty == "open-choice" {
            // The free-text "something else": a child shown when that option is chosen.
            let other_idx = self.items.len() as ItemIdx;
            let opt = opts.len() as u32 - 1;
            let cond = Expr::chose(idx, opt, repeats);
            self.items.push(Item {
                id: format!("{link}{OTHER_SUFFIX}"),
                kind: ItemKind::Question(QuestionKind::Text {
                    max_length: 200,
                    pattern: None,
                }),
                text: strings::OPEN_CHOICE_TYPE.into(),
                help: None,
                short: None,
                parent: Some(idx),
                end: other_idx + 1,
                depth: depth + 1,
                show_if: Some(cond),
                required: true,
                valid_if: None,
                read_only: false,
                initial: None,
                fhir: Some(FhirItem {
                    kind: OPEN_CHOICE_TEXT.into(),
                    option_kinds: Vec::new(),
                }),
            });
        }
        if let Some(children) = obj.get("item").and_then(Value::as_array) {
            if ty == "display" {
                self.warn(
                    &format!("{path}.item"),
                    "items inside a display item are not supported and are ignored",
                );
            } else {
                for (i, c) in children.iter().enumerate() {
                    self.item(
                        c,
                        &format!("{path}.item[{i}]"),
                        Some(idx),
                        depth.saturating_add(1),
                    );
                }
            }
        }
        self.items[idx as usize].end = self.items.len() as ItemIdx;
    }

    fn options(&mut self, obj: &Map<String, Value>, path: &str) -> Vec<Opt> {
        if let Some(vs) = obj.get("answerValueSet").and_then(Value::as_str) {
            return match self.value_sets.get(vs) {
                Some(opts) => opts
                    .iter()
                    .map(|o| Opt {
                        value: o.value.clone(),
                        label: o.label.clone(),
                        system: o.system.clone(),
                        ordinal: o.ordinal,
                        exclusive: false,
                        kind: "valueCoding",
                        initial: false,
                    })
                    .collect(),
                None => {
                    self.error(&format!("{path}.answerValueSet"), format!("the value set `{vs}` is not contained in the file; triage cannot ask a terminology server"));
                    Vec::new()
                }
            };
        }
        let mut out = Vec::new();
        for (i, o) in obj
            .get("answerOption")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let exclusive = o
                .as_object()
                .map(|m| extensions(m, ext::OPTION_EXCLUSIVE))
                .and_then(|x| {
                    x.first()
                        .and_then(|x| x.get("valueBoolean"))
                        .and_then(Value::as_bool)
                })
                .unwrap_or(false);
            let initial = o
                .get("initialSelected")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let ordinal = ordinal_of(o);
            let opt = if let Some(c) = o.get("valueCoding") {
                let system = c.get("system").and_then(Value::as_str).map(str::to_owned);
                Opt {
                    ordinal,
                    exclusive,
                    initial,
                    ..concept(c, system)
                }
            } else if let Some(s) = o.get("valueString").and_then(Value::as_str) {
                Opt {
                    value: s.to_owned(),
                    label: s.to_owned(),
                    system: None,
                    ordinal,
                    exclusive,
                    kind: "valueString",
                    initial,
                }
            } else if let Some(n) = o.get("valueInteger").and_then(Value::as_i64) {
                Opt {
                    value: n.to_string(),
                    label: n.to_string(),
                    system: None,
                    ordinal,
                    exclusive,
                    kind: "valueInteger",
                    initial,
                }
            } else if let Some(d) = o.get("valueDate").and_then(Value::as_str) {
                Opt {
                    value: d.to_owned(),
                    label: d.to_owned(),
                    system: None,
                    ordinal,
                    exclusive,
                    kind: "valueDate",
                    initial,
                }
            } else if let Some(t) = o.get("valueTime").and_then(Value::as_str) {
                Opt {
                    value: t.to_owned(),
                    label: t.to_owned(),
                    system: None,
                    ordinal,
                    exclusive,
                    kind: "valueTime",
                    initial,
                }
            } else {
                self.error(
                    &format!("{path}.answerOption[{i}]"),
                    "this kind of answerOption is not supported",
                );
                continue;
            };
            out.push(opt);
        }
        out
    }

    fn initial(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        idx: ItemIdx,
        opts: &[Opt],
    ) -> Option<Answer> {
        let it = &self.items[idx as usize];
        let selected: Vec<u32> = opts
            .iter()
            .enumerate()
            .filter(|(_, o)| o.initial)
            .map(|(i, _)| i as u32)
            .collect();
        let given = obj
            .get("initial")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .and_then(Value::as_object);
        let answer = match (it.question(), given) {
            (Some(QuestionKind::Choice { style, .. }), _) if !selected.is_empty() => {
                Some(if *style == ChoiceStyle::Multi {
                    Answer::Multi(selected)
                } else {
                    Answer::Choice(selected[0])
                })
            }
            (_, None) => None,
            (Some(QuestionKind::Choice { style, options }), Some(g)) => {
                let want = g
                    .get("valueBoolean")
                    .and_then(Value::as_bool)
                    .map(|b| b.to_string())
                    .or_else(|| {
                        g.get("valueCoding")
                            .and_then(|c| c.get("code"))
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                    })
                    .or_else(|| {
                        g.get("valueString")
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                    })
                    .or_else(|| {
                        g.get("valueInteger")
                            .and_then(Value::as_i64)
                            .map(|n| n.to_string())
                    });
                want.and_then(|w| options.iter().position(|o| o.value == w))
                    .map(|i| {
                        if *style == ChoiceStyle::Multi {
                            Answer::Multi(vec![i as u32])
                        } else {
                            Answer::Choice(i as u32)
                        }
                    })
            }
            (Some(QuestionKind::Number { .. }), Some(g)) => g
                .get("valueInteger")
                .or(g.get("valueDecimal"))
                .and_then(Value::as_f64)
                .map(Answer::Number),
            (Some(QuestionKind::Date { .. }), Some(g)) => g
                .get("valueDate")
                .or(g.get("valueDateTime"))
                .and_then(Value::as_str)
                .and_then(|s| PartialDate::parse_iso(s.get(..10).unwrap_or(s)))
                .map(Answer::Date),
            (Some(QuestionKind::Text { .. }), Some(g)) => g
                .get("valueString")
                .or(g.get("valueTime"))
                .and_then(Value::as_str)
                .map(|s| Answer::Text(text::clean(s))),
            (None, Some(_)) => None,
        };
        if given.is_some() && answer.is_none() {
            self.warn(
                &format!("{path}.initial"),
                "this initial value does not fit the item and is ignored",
            );
        }
        answer
    }

    /// Compiles an item's enableWhen (and enableWhenExpression, and triage's own condition).
    fn condition(&mut self, p: &Pending, names: &HashMap<String, (Ref, Ty)>) -> Option<Expr> {
        let mut parts = Vec::new();
        for (i, ew) in p.enable_when.iter().enumerate() {
            let at = format!("{}.enableWhen[{i}]", p.path);
            if let Some(e) = self.enable_when(ew, &at, names) {
                parts.push(e);
            }
        }
        let mut combined = match (parts.len(), p.behavior.as_deref()) {
            (0, _) => None,
            (1, _) => parts.pop(),
            (_, Some("any")) => Some(Expr::Or(parts.into_boxed_slice())),
            (_, Some("all")) => Some(Expr::And(parts.into_boxed_slice())),
            (_, other) => {
                self.error(&format!("{}.enableBehavior", p.path), format!("with several enableWhen conditions, enableBehavior must be `all` or `any` (found {})", other.map_or("nothing".to_owned(), |o| format!("`{o}`"))));
                None
            }
        };
        if let Some(x) = &p.expression {
            let resolve = |id: &str| match names.get(id) {
                Some((Ref::Question(i), _)) => Some(*i),
                _ => None,
            };
            match crate::expr::fhirpath::parse(x, &resolve) {
                Ok(node) => {
                    let e = Expr::Path(Box::new(node));
                    combined = Some(match combined {
                        Some(c) => Expr::And(vec![c, e].into_boxed_slice()),
                        None => e,
                    });
                }
                Err(e) => self.error(&format!("{}.extension", p.path), format!("enableWhenExpression is not understood ({e}); without it the wrong questions would be asked")),
            }
        }
        if let Some(t) = &p.triage {
            match compile_text(t, names, &self.items, true) {
                Ok((e, _)) => {
                    combined = Some(match combined {
                        Some(c) => Expr::And(vec![c, e].into_boxed_slice()),
                        None => e,
                    });
                }
                Err(e) => self.error(
                    &format!("{}.extension", p.path),
                    format!("triage condition: {e}"),
                ),
            }
        }
        combined
    }

    fn enable_when(
        &mut self,
        ew: &Value,
        at: &str,
        names: &HashMap<String, (Ref, Ty)>,
    ) -> Option<Expr> {
        let q_link = ew.get("question").and_then(Value::as_str).unwrap_or("");
        let Some(&(Ref::Question(q), _)) = names.get(q_link) else {
            self.error(
                at,
                format!("enableWhen refers to '{q_link}', which is not an item here"),
            );
            return None;
        };
        let op = ew.get("operator").and_then(Value::as_str).unwrap_or("");
        let Some((key, answer)) = ew
            .as_object()
            .and_then(|m| m.iter().find(|(k, _)| k.starts_with("answer")))
        else {
            self.error(at, "enableWhen has no answer to compare with");
            return None;
        };
        if op == "exists" {
            let exists = Expr::Answered(Ref::Question(q));
            return match answer.as_bool() {
                Some(true) => Some(exists),
                Some(false) => Some(Expr::Not(Box::new(exists))),
                None => {
                    self.error(at, "`exists` takes answerBoolean");
                    None
                }
            };
        }
        let cmp = match op {
            "=" => CmpOp::Eq,
            "!=" => CmpOp::Ne,
            "<" => CmpOp::Lt,
            "<=" => CmpOp::Le,
            ">" => CmpOp::Gt,
            ">=" => CmpOp::Ge,
            other => {
                self.error(at, format!("unknown enableWhen operator `{other}`"));
                return None;
            }
        };
        let it = self.items[q as usize].clone();
        let mismatch = |b: &mut Self| {
            let id = b.items[q as usize].id.clone();
            b.error(
                at,
                format!("`{key}` cannot be compared with the answers of '{id}'"),
            );
            None
        };
        match it.question() {
            Some(QuestionKind::Choice { style, options }) => {
                // A number against a choice whose values are numbers: the options that satisfy it.
                if let (Some(n), "answerInteger" | "answerDecimal") =
                    (answer.as_f64(), key.as_str())
                {
                    let numeric: Option<Vec<f64>> = options
                        .iter()
                        .map(|o| o.value.parse::<f64>().ok())
                        .collect();
                    let Some(values) = numeric else {
                        return mismatch(self);
                    };
                    let hit = |v: f64| match cmp {
                        CmpOp::Eq | CmpOp::Ne => v == n,
                        CmpOp::Lt => v < n,
                        CmpOp::Le => v <= n,
                        CmpOp::Gt => v > n,
                        CmpOp::Ge => v >= n,
                    };
                    let matching: Vec<u32> = values
                        .iter()
                        .enumerate()
                        .filter(|(_, v)| hit(**v))
                        .map(|(i, _)| i as u32)
                        .collect();
                    let is = if *style == ChoiceStyle::Multi {
                        Expr::Has {
                            question: q,
                            options: matching.into_boxed_slice(),
                            all: false,
                        }
                    } else {
                        Expr::OneOf {
                            subject: Box::new(Expr::Get(Ref::Question(q))),
                            options: matching.into_boxed_slice(),
                            negated: false,
                        }
                    };
                    return Some(if cmp == CmpOp::Ne {
                        Expr::Not(Box::new(is))
                    } else {
                        is
                    });
                }
                let want: Option<(Option<&str>, String)> = match key.as_str() {
                    "answerCoding" => answer
                        .get("code")
                        .and_then(Value::as_str)
                        .map(|c| (answer.get("system").and_then(Value::as_str), c.to_owned())),
                    "answerBoolean" => answer.as_bool().map(|b| (None, b.to_string())),
                    "answerString" | "answerDate" | "answerTime" => {
                        answer.as_str().map(|s| (None, s.to_owned()))
                    }
                    "answerInteger" | "answerDecimal" => {
                        answer.as_str().map(|s| (None, s.to_owned()))
                    }
                    _ => None,
                };
                if matches!(key.as_str(), "answerInteger" | "answerDecimal") && answer.is_string() {
                    self.warn(
                        at,
                        format!(
                            "`{key}` holds a text; it is compared with the option values as text"
                        ),
                    );
                }
                let Some((system, code)) = want else {
                    return mismatch(self);
                };
                // A coding without a system matches on the code alone.
                let found = options.iter().position(|o| {
                    o.value == code
                        && (system.is_none() || o.system.is_none() || o.system.as_deref() == system)
                });
                let Some(opt) = found else {
                    let id = it.id.clone();
                    self.error(at, format!("'{code}' is not an answer of '{id}'"));
                    return None;
                };
                let opt = opt as u32;
                let is = Expr::chose(q, opt, *style == ChoiceStyle::Multi);
                match cmp {
                    CmpOp::Eq => Some(is),
                    CmpOp::Ne => Some(Expr::Not(Box::new(is))),
                    _ => {
                        self.error(at, format!("`{op}` cannot order the answers of a choice"));
                        None
                    }
                }
            }
            Some(QuestionKind::Number { .. }) => match answer
                .as_f64()
                .filter(|_| matches!(key.as_str(), "answerInteger" | "answerDecimal"))
            {
                Some(n) => Some(Expr::Cmp(
                    cmp,
                    Box::new(Expr::Get(Ref::Question(q))),
                    Box::new(Expr::Lit(Val::Num(n))),
                )),
                None => mismatch(self),
            },
            Some(QuestionKind::Date { .. }) => {
                let d = answer
                    .as_str()
                    .filter(|_| matches!(key.as_str(), "answerDate" | "answerDateTime"))
                    .and_then(|s| PartialDate::parse_iso(s.get(..10).unwrap_or(s)));
                if key == "answerDateTime" && !self.dateish_warned {
                    self.dateish_warned = true;
                    self.warn(at, "answerDateTime is compared by its date only");
                }
                match d {
                    Some(d) => Some(Expr::Cmp(
                        cmp,
                        Box::new(Expr::Get(Ref::Question(q))),
                        Box::new(Expr::Lit(Val::Date(d.resolved()))),
                    )),
                    None => mismatch(self),
                }
            }
            Some(QuestionKind::Text { .. }) => {
                let time = key == "answerTime";
                let text = match key.as_str() {
                    "answerString" | "answerTime" => answer.as_str(),
                    // A choice asked as typed text: its codes.
                    "answerCoding" => answer.get("code").and_then(Value::as_str),
                    _ => None,
                };
                match text {
                    Some(s) => Some(Expr::TextCmp {
                        op: cmp,
                        question: q,
                        value: s.into(),
                        time,
                    }),
                    None => mismatch(self),
                }
            }
            None => {
                let id = it.id.clone();
                self.error(at, format!("'{id}' has no answer to compare with"));
                None
            }
        }
    }
}

/// The option added to an open-choice for "something else", and the text child that asks it.
pub const OTHER: &str = "__other";
pub const OTHER_SUFFIX: &str = "__other";
/// The linkId suffix of a section's intro screen in triage's own export.
pub const INTRO_SUFFIX: &str = "__intro";
/// The linkId suffix of an item's "why we ask" text in triage's own export.
pub const HELP_SUFFIX: &str = "__help";
pub const OPEN_CHOICE_TEXT: &str = "open-choice-other";
