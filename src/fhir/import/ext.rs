//! FHIR extension URLs that triage reads or writes, and small readers for extensions on a JSON
//! element (by URL; their `value[x]`).

use serde_json::{Map, Value};

pub const ITEM_CONTROL: &str = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl";
pub const MIN_VALUE: &str = "http://hl7.org/fhir/StructureDefinition/minValue";
pub const MAX_VALUE: &str = "http://hl7.org/fhir/StructureDefinition/maxValue";
pub const HIDDEN: &str = "http://hl7.org/fhir/StructureDefinition/questionnaire-hidden";
pub const UNIT: &str = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit";
pub const UNIT_OPTION: &str = "http://hl7.org/fhir/StructureDefinition/questionnaire-unitOption";
pub const OPTION_EXCLUSIVE: &str =
    "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive";
pub const ORDINAL: &str = "http://hl7.org/fhir/StructureDefinition/ordinalValue";
pub const MIN_LENGTH: &str = "http://hl7.org/fhir/StructureDefinition/minLength";
pub const REGEX: &str = "http://hl7.org/fhir/StructureDefinition/regex";
pub const ENTRY_FORMAT: &str = "http://hl7.org/fhir/StructureDefinition/entryFormat";
pub const ITEM_WEIGHT: &str = "http://hl7.org/fhir/StructureDefinition/itemWeight";
pub const MIN_OCCURS: &str = "http://hl7.org/fhir/StructureDefinition/questionnaire-minOccurs";
pub const MAX_OCCURS: &str = "http://hl7.org/fhir/StructureDefinition/questionnaire-maxOccurs";
pub const VARIABLE: &str = "http://hl7.org/fhir/StructureDefinition/variable";
pub const RENDERING_XHTML: &str = "http://hl7.org/fhir/StructureDefinition/rendering-xhtml";
pub const RENDERING_MARKDOWN: &str = "http://hl7.org/fhir/StructureDefinition/rendering-markdown";
pub const CALCULATED: &str =
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression";
pub const ENABLE_WHEN_EXPRESSION: &str =
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression";
pub const OPEN_LABEL: &str =
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-openLabel";
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

/// Extensions (by position and value) whose URL is or ends in `/name`.
pub fn all<'v>(obj: &'v Map<String, Value>, url: &str) -> Vec<&'v Value> {
    obj.get("extension")
        .and_then(Value::as_array)
        .map(|xs| {
            xs.iter()
                .filter(|x| x.get("url").and_then(Value::as_str) == Some(url))
                .collect()
        })
        .unwrap_or_default()
}

/// The first extension with this URL.
pub fn first<'v>(obj: &'v Map<String, Value>, url: &str) -> Option<&'v Value> {
    all(obj, url).into_iter().next()
}

/// The text of the first extension with this URL (`valueString`, `valueCode`, `valueMarkdown`).
pub fn text<'v>(obj: &'v Map<String, Value>, url: &str) -> Option<&'v str> {
    let x = first(obj, url)?;
    ["valueString", "valueCode", "valueMarkdown"]
        .iter()
        .find_map(|k| x.get(*k))
        .and_then(Value::as_str)
}

/// The sub-extension `name` of a complex extension, as text.
pub fn sub<'v>(x: &'v Value, name: &str) -> Option<&'v str> {
    x.get("extension")
        .and_then(Value::as_array)?
        .iter()
        .find(|x| x.get("url").and_then(Value::as_str) == Some(name))?
        .get("valueString")
        .and_then(Value::as_str)
}

/// The entries of the array `key` (`extension`, `modifierExtension`): position, URL, entry.
pub fn each<'v>(
    obj: &'v Map<String, Value>,
    key: &str,
) -> impl Iterator<Item = (usize, &'v str, &'v Value)> {
    obj.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, x)| (i, x.get("url").and_then(Value::as_str).unwrap_or(""), x))
}

/// The last part of an extension URL, for messages.
pub fn short(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}
