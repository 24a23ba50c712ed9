//! One FHIR item into one triage item (and its children): its type, text, flags and the
//! extensions that shape how it is asked, including how it repeats (`repeats`, `minOccurs`,
//! `maxOccurs`: "add another" for groups and free-entry questions, several answers for a
//! choice). Features that would change what is asked or recorded and that triage cannot do are
//! refused here by name: answer lists computed by expressions or other systems.

use serde_json::{Map, Value};

use super::options::Opt;
use super::{Importer, Pending, ext, text};
use crate::answer::PartialDate;
use crate::questionnaire::{
    ChoiceOption, ChoiceStyle, DateBound, FhirItem, FhirUnit, Item, ItemIdx, ItemKind,
    OPEN_CHOICE_TEXT, OTHER, OTHER_SUFFIX, Occurs, OptionIdx, QuestionKind, TextPattern,
};
use crate::{strings, text as clean};

/// Item elements triage reads (others are reported).
const KNOWN: &[&str] = &[
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
    "id",
];

/// Extensions that only pre-fill from, or write to, other records (not what is asked or
/// recorded in the response): ignored with a warning.
const IGNORED: &[&str] = &[
    "sdc-questionnaire-observationLinkPeriod",
    "sdc-questionnaire-observationExtract",
    "sdc-questionnaire-templateExtract",
    "sdc-questionnaire-templateExtractValue",
    "sdc-questionnaire-templateExtractContext",
    "sdc-questionnaire-itemPopulationContext",
    "sdc-questionnaire-candidateExpression",
];

/// Extensions whose answers come from somewhere triage cannot follow: refused.
const REFUSED: &[(&str, &str)] = &[
    (
        "sdc-questionnaire-answerExpression",
        "its answer list is computed by an expression (answerExpression)",
    ),
    (
        "questionnaire-externallydefined",
        "its answer list comes from an outside system (externallydefined)",
    ),
    (
        "dataControl",
        "LHC-Forms' dataControl sets its answers from other answers in a way FHIR does not define",
    ),
    (
        "questionnaire-answerRepeats",
        "its answers repeat in a way triage cannot ask (answerRepeats)",
    ),
];

impl Importer<'_> {
    fn item_extensions(&mut self, obj: &Map<String, Value>, path: &str, idx: ItemIdx) {
        let handled = [
            ext::ITEM_CONTROL,
            ext::MIN_VALUE,
            ext::MAX_VALUE,
            ext::HIDDEN,
            ext::UNIT,
            ext::UNIT_OPTION,
            ext::CALCULATED,
            ext::ENABLE_WHEN_EXPRESSION,
            ext::TRIAGE_SHOW_IF,
            ext::TRIAGE_SHORT,
            ext::REGEX,
            ext::MIN_LENGTH,
            ext::ENTRY_FORMAT,
            ext::TRIAGE_MIN_DATE,
            ext::TRIAGE_MAX_DATE,
            ext::TRIAGE_VALID_IF,
            ext::MIN_OCCURS,
            ext::MAX_OCCURS,
            ext::OPEN_LABEL,
            ext::VARIABLE,
        ];
        for (i, url, x) in ext::each(obj, "extension") {
            let short = ext::short(url);
            let at = format!("{path}.extension[{i}]");
            if url == ext::VARIABLE {
                self.variable(x, &at, Some(idx), None);
            } else if url.ends_with("initialExpression") {
                if let Some(e) = x
                    .pointer("/valueExpression/expression")
                    .and_then(Value::as_str)
                {
                    self.initial_exprs.push((idx, at, e.to_owned()));
                }
            } else if let Some((_, why)) = REFUSED.iter().find(|(k, _)| short == *k) {
                self.error(&at, format!("this item cannot be asked: {why}"));
            } else if IGNORED.contains(&short) {
                self.warn(&at, format!("`{short}` (pre-filling from or writing to other records) is not supported and is ignored"));
            } else if !handled.contains(&url) {
                self.warn(
                    &at,
                    format!("the extension `{short}` is not supported and is ignored"),
                );
            }
        }
    }

    /// Reads one item and, recursively, its children.
    #[allow(
        clippy::indexing_slicing,
        reason = "item, derived and wording indices here were made by this loader as it pushed each entry (`ItemIdx::at(items.len())`), so they are in range"
    )]
    pub(super) fn item(&mut self, v: &Value, path: &str, parent: Option<ItemIdx>, depth: u8) {
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
        if let Some(first) = self.link_ids.get(&link).cloned() {
            self.error(
                path,
                format!("duplicate linkId '{link}' (first at {first})"),
            );
            return;
        }
        self.link_ids.insert(link.clone(), path.to_owned());
        self.note_unsupported(obj, path, KNOWN);
        self.modifier_extensions(obj, path);
        let ty = obj.get("type").and_then(Value::as_str).unwrap_or("");
        let prefix = text::element(obj, "prefix")
            .map(|p| format!("{p} "))
            .unwrap_or_default();
        let body = text::element(obj, "text").unwrap_or_default();
        let text = clean::clean(format!("{prefix}{body}").trim());
        let text = if text.is_empty() && ty != "display" {
            link.clone()
        } else {
            text
        };
        let control = ext::first(obj, ext::ITEM_CONTROL)
            .and_then(|x| x.pointer("/valueCodeableConcept/coding/0/code"))
            .and_then(Value::as_str)
            .map(str::to_owned);

        // A display child marked as help belongs to its parent.
        if ty == "display"
            && matches!(control.as_deref(), Some("help" | "flyover"))
            && let Some(p) = parent
        {
            let it = &mut self.items[p.to_usize()];
            it.help = Some(match it.help.take() {
                Some(h) => format!("{h}\n{text}"),
                None => text,
            });
            return;
        }
        // triage's own export writes a section's intro screen as its first child.
        if ty == "display"
            && control.is_none()
            && let Some(p) = parent
            && link == format!("{}{}", self.items[p.to_usize()].id, super::INTRO_SUFFIX)
            && let ItemKind::Group {
                intro: intro @ None,
            } = &mut self.items[p.to_usize()].kind
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
        let idx = ItemIdx::at(self.items.len());
        let calculated = ext::first(obj, ext::CALCULATED).is_some();
        let repeats = self.flag(obj, path, "repeats");
        let mut required = self.flag(obj, path, "required");
        let occurs_of = |url: &str| {
            ext::first(obj, url)
                .and_then(|x| x.get("valueInteger"))
                .and_then(Value::as_i64)
        };
        let (min_occurs, max_occurs) = (occurs_of(ext::MIN_OCCURS), occurs_of(ext::MAX_OCCURS));
        if min_occurs.is_some_and(|m| m >= 1) && !repeats {
            required = true;
        }
        let occurs = repeats.then(|| Occurs {
            min: u16::try_from(min_occurs.unwrap_or(i64::from(required)).max(0))
                .unwrap_or(u16::MAX),
            max: max_occurs.map(|m| u16::try_from(m.max(1)).unwrap_or(u16::MAX)),
        });
        if ty == "display" && repeats {
            self.warn(
                &format!("{path}.repeats"),
                "`repeats` on a display item means nothing and is ignored",
            );
        }
        let Some((kind, opts)) = self.kind(obj, path, ty, repeats) else {
            return;
        };
        let read_only = (self.flag(obj, path, "readOnly") || calculated)
            && matches!(kind, ItemKind::Question(_));
        let parent_hidden = parent.is_some_and(|p| self.items[p.to_usize()].hidden);
        let hidden = parent_hidden
            || ext::first(obj, ext::HIDDEN)
                .and_then(|x| x.get("valueBoolean"))
                .and_then(Value::as_bool)
                == Some(true);
        let is_question = matches!(kind, ItemKind::Question(_));
        let option_kinds = opts.iter().map(|o| o.kind.to_owned()).collect();
        let (unit, units) = Self::units(obj);
        let short = ext::text(obj, ext::TRIAGE_SHORT).map(clean::clean_line);
        self.items.push(Item {
            id: link.clone(),
            kind,
            text,
            help: None,
            short,
            review_label: None,
            in_full: false,
            parent,
            end: idx.next(),
            depth,
            show_if: None,
            required: required && (is_question || ty == "group") && !read_only && !hidden,
            valid_if: None,
            read_only,
            hidden,
            initial: Vec::new(),
            occurs: occurs.filter(|_| ty != "display"),
            fhir: Some(FhirItem {
                kind: ty.to_owned(),
                option_kinds,
                unit,
                units,
            }),
        });
        self.item_extensions(obj, path, idx);
        if let Some(x) = ext::first(obj, ext::CALCULATED) {
            self.variable(x, &format!("{path}.extension"), Some(idx), Some(idx));
        }
        let initial = self.initial(obj, path, idx, &opts);
        self.items[idx.to_usize()].initial = initial;
        self.item_condition(obj, path, idx);
        if ty == "open-choice" && !opts.is_empty() {
            self.other_text(&link, idx, opts.len(), repeats, depth);
            if let Some(t) = self.other_initial.take()
                && let Some(last) = self.items.last_mut()
            {
                last.initial = vec![crate::answer::Answer::Text(t)];
            }
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
        self.items[idx.to_usize()].end = ItemIdx::at(self.items.len());
    }

    /// enableWhen, enableWhenExpression, triage's own condition and answer rule: kept until
    /// every linkId is known.
    fn item_condition(&mut self, obj: &Map<String, Value>, path: &str, idx: ItemIdx) {
        let enable_when: Vec<Value> = obj
            .get("enableWhen")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let expression = ext::first(obj, ext::ENABLE_WHEN_EXPRESSION)
            .and_then(|x| x.pointer("/valueExpression/expression"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        if let Some(x) = ext::first(obj, ext::TRIAGE_VALID_IF) {
            match (ext::sub(x, "expr"), ext::sub(x, "message")) {
                (Some(rule), Some(message)) => {
                    self.valid_ifs.push((
                        idx,
                        path.to_owned(),
                        rule.to_owned(),
                        message.to_owned(),
                    ));
                }
                _ => self.error(
                    &format!("{path}.extension"),
                    "a triage answer rule needs `expr` and `message`",
                ),
            }
        }
        let triage = ext::text(obj, ext::TRIAGE_SHOW_IF).map(str::to_owned);
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
    }

    /// The free-text "something else" of an open-choice: a child shown when that option is
    /// chosen.
    #[allow(
        clippy::indexing_slicing,
        reason = "item, derived and wording indices here were made by this loader as it pushed each entry (`ItemIdx::at(items.len())`), so they are in range"
    )]
    fn other_text(&mut self, link: &str, idx: ItemIdx, n_opts: usize, repeats: bool, depth: u8) {
        let other_idx = ItemIdx::at(self.items.len());
        let opt = OptionIdx::at(n_opts.saturating_sub(1));
        self.items.push(Item {
            id: format!("{link}{OTHER_SUFFIX}"),
            kind: ItemKind::Question(QuestionKind::Text {
                max_length: 200,
                min_length: 0,
                pattern: None,
            }),
            text: strings::OPEN_CHOICE_TYPE.into(),
            help: None,
            short: None,
            review_label: None,
            in_full: false,
            parent: Some(idx),
            end: other_idx.next(),
            depth: depth.saturating_add(1),
            show_if: Some(crate::expr::Expr::chose(idx, opt, repeats)),
            required: true,
            valid_if: None,
            read_only: false,
            hidden: self.items[idx.to_usize()].hidden,
            initial: Vec::new(),
            occurs: None,
            fhir: Some(FhirItem {
                kind: OPEN_CHOICE_TEXT.into(),
                ..FhirItem::default()
            }),
        });
    }

    /// The units of a number or quantity: `questionnaire-unit` (one unit), or the
    /// `unitOption`s (with several, the patient chooses one; the first is the default).
    fn units(obj: &Map<String, Value>) -> (Option<FhirUnit>, Vec<FhirUnit>) {
        let options: Vec<FhirUnit> = ext::all(obj, ext::UNIT_OPTION)
            .iter()
            .filter_map(|x| coding_unit(x.get("valueCoding")?))
            .collect();
        let single = ext::first(obj, ext::UNIT).and_then(|x| coding_unit(x.get("valueCoding")?));
        let unit = single.or_else(|| options.first().cloned());
        let choices = if options.len() >= 2 {
            options
        } else {
            Vec::new()
        };
        (unit, choices)
    }

    /// The triage kind of a FHIR item type, with its options for choices.
    fn kind(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        ty: &str,
        repeats: bool,
    ) -> Option<(ItemKind, Vec<Opt>)> {
        let has_options = obj.get("answerOption").is_some() || obj.get("answerValueSet").is_some();
        let bound = |b: &mut Self, url: &str, what: &str| -> Option<Value> {
            let x = ext::first(obj, url)?;
            let v = ["valueInteger", "valueDecimal", "valueDate", "valueQuantity"]
                .iter()
                .find_map(|k| x.get(*k))
                .cloned();
            let v = v.map(|v| v.get("value").cloned().unwrap_or(v));
            if v.is_none() {
                b.warn(
                    path,
                    format!("`{what}` of this kind is not supported and is ignored"),
                );
            }
            v
        };
        let q = |k| Some((ItemKind::Question(k), Vec::new()));
        match ty {
            "group" => Some((ItemKind::Group { intro: None }, Vec::new())),
            "display" => Some((ItemKind::Info, Vec::new())),
            "boolean" => Some((
                ItemKind::Question(QuestionKind::Choice {
                    style: ChoiceStyle::YesNo,
                    options: Vec::new(),
                }),
                vec![
                    Opt::plain("true", strings::YES, "valueBoolean"),
                    Opt::plain("false", strings::NO, "valueBoolean"),
                ],
            ))
            .map(|(k, o)| (Self::with_options(k, &o), o)),
            "decimal" | "integer" | "quantity" if !has_options => {
                let num = |v: Option<Value>| v.and_then(|v| v.as_f64());
                let (min, max) = (
                    num(bound(self, ext::MIN_VALUE, "minValue")),
                    num(bound(self, ext::MAX_VALUE, "maxValue")),
                );
                let unit = Self::unit_display(obj);
                // FHIR's valueInteger is 32-bit: an integer answer beyond it could not be
                // written back unchanged, so it is refused at input.
                let (min, max) = if ty == "integer" {
                    (
                        Some(min.unwrap_or(f64::MIN).max(f64::from(i32::MIN))),
                        Some(max.unwrap_or(f64::MAX).min(f64::from(i32::MAX))),
                    )
                } else {
                    (min, max)
                };
                q(QuestionKind::Number {
                    min,
                    max,
                    unit,
                    unit_one: None,
                    integer: ty == "integer",
                })
            }
            "date" | "dateTime" if !has_options => {
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
                    ext::text(obj, url).and_then(crate::questionnaire::parse_date_bound)
                };
                let min = date(bound(self, ext::MIN_VALUE, "minValue"))
                    .or_else(|| relative(ext::TRIAGE_MIN_DATE));
                let max = date(bound(self, ext::MAX_VALUE, "maxValue"))
                    .or_else(|| relative(ext::TRIAGE_MAX_DATE));
                q(QuestionKind::Date {
                    min,
                    max,
                    allow_month: true,
                })
            }
            "time" if !has_options => q(QuestionKind::Text {
                max_length: 8,
                min_length: 0,
                pattern: regex_lite::Regex::new(r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$")
                    .ok()
                    .map(|regex| TextPattern {
                        regex,
                        message: strings::TYPE_TIME.into(),
                    }),
            }),
            "string" | "text" | "url" | "open-choice" if !has_options => {
                let max = obj
                    .get("maxLength")
                    .and_then(Value::as_u64)
                    .map_or(if ty == "text" { 2000 } else { 500 }, |m| {
                        usize::try_from(m).unwrap_or(usize::MAX)
                    });
                let pattern = self.pattern(obj, path);
                let max_length = max.clamp(1, 10_000);
                let min_length = ext::first(obj, ext::MIN_LENGTH)
                    .and_then(|x| x.get("valueInteger"))
                    .and_then(Value::as_u64)
                    .map_or(0, |m| {
                        usize::try_from(m).unwrap_or(usize::MAX).min(max_length)
                    });
                q(QuestionKind::Text {
                    max_length,
                    min_length,
                    pattern,
                })
            }
            "choice" | "open-choice" | "string" | "integer" | "time" | "date" | "decimal"
            | "coding" => {
                let before = self.diags.len();
                let mut opts = self.options(obj, path);
                if opts.is_empty() {
                    if self.diags.len() == before {
                        self.error(path, "this choice has no options (answerOption or a contained answerValueSet)");
                    }
                    return None;
                }
                if ty == "open-choice" {
                    let label = ext::text(obj, ext::OPEN_LABEL)
                        .map_or_else(|| strings::OPEN_CHOICE_OTHER.to_owned(), clean::clean_line);
                    opts.push(Opt::plain(OTHER, &label, "valueString"));
                }
                let style = if repeats {
                    ChoiceStyle::Multi
                } else {
                    ChoiceStyle::Single
                };
                let k = ItemKind::Question(QuestionKind::Choice {
                    style,
                    options: Vec::new(),
                });
                Some((Self::with_options(k, &opts), opts))
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
        }
    }

    fn unit_display(obj: &Map<String, Value>) -> Option<String> {
        let x = ext::first(obj, ext::UNIT).or_else(|| ext::first(obj, ext::UNIT_OPTION))?;
        let c = x.get("valueCoding")?;
        unit_name(
            c.get("display").and_then(Value::as_str),
            c.get("code").and_then(Value::as_str),
        )
        .map(|u| clean::clean_line(&u))
    }

    fn with_options(mut kind: ItemKind, opts: &[Opt]) -> ItemKind {
        if let ItemKind::Question(QuestionKind::Choice { options, .. }) = &mut kind {
            *options = opts
                .iter()
                .map(|o| ChoiceOption {
                    value: o.value.clone(),
                    label: clean::clean_line(&o.label),
                    short: None,
                    exclusive: o.exclusive,
                    staff_only: false,
                    ordinal: o.ordinal,
                    system: o.system.clone(),
                })
                .collect();
        }
        kind
    }

    fn pattern(&mut self, obj: &Map<String, Value>, path: &str) -> Option<TextPattern> {
        let hint = ext::text(obj, ext::ENTRY_FORMAT).map(clean::clean_line);
        let r = ext::text(obj, ext::REGEX)?;
        match regex_lite::Regex::new(r) {
            Ok(regex) => Some(TextPattern {
                regex,
                message: hint.unwrap_or_else(|| strings::TEXT_PATTERN.to_owned()),
            }),
            Err(e) => {
                self.warn(&format!("{path}.extension"), format!("this regular expression is not understood ({e}); answers are not checked against it"));
                None
            }
        }
    }
}

/// The name people read for a unit: its display, unless that is only the UCUM code again
/// ("a" shown as "a"), then the code's plain name ("years"); else the code's name.
fn unit_name(display: Option<&str>, code: Option<&str>) -> Option<String> {
    match (display, code) {
        (Some(d), Some(c)) if d == c => Some(crate::expr::fhirpath::units::display(c)),
        (Some(d), _) => Some(d.to_owned()),
        (None, c) => c.map(crate::expr::fhirpath::units::display),
    }
}

/// A unit from a coding (`code`, `system`, and the name people read: its display, else the
/// UCUM code's name).
pub(super) fn coding_unit(c: &Value) -> Option<FhirUnit> {
    let code = c.get("code").and_then(Value::as_str).map(str::to_owned);
    let display = unit_name(
        c.get("display").or(c.get("unit")).and_then(Value::as_str),
        code.as_deref(),
    )?;
    Some(FhirUnit {
        code,
        system: c.get("system").and_then(Value::as_str).map(str::to_owned),
        display: clean::clean_line(&display),
    })
}
