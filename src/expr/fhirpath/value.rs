//! FHIRPath values: primitives, quantities, partial dates and times, and nodes of a JSON
//! resource (navigated by member name, with FHIR's `value[x]` choice elements typed by their
//! suffix). Equality and ordering follow FHIRPath §6.1: comparing values of different
//! precision, or of kinds that do not compare, gives the empty collection.

use std::cmp::Ordering;

use serde_json::Value as Json;

use crate::expr::num::int_to_f64;

/// One item of a FHIRPath collection.
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    Bool(bool),
    Int(i64),
    Dec(f64),
    Str(String),
    Date(PDate),
    DateTime(PDate, Option<PTime>),
    Time(PTime),
    /// A value with a unit (UCUM code, or a calendar word such as `year`).
    Quantity(f64, String),
    /// A JSON object of a resource. `link` is the linkId of the item it belongs to (for
    /// `weight()`), `ty` the FHIR type a `value[x]` suffix gave it (`Coding`).
    Node {
        v: &'a Json,
        link: Option<&'a str>,
        ty: Option<&'static str>,
    },
}

/// A date with its precision: year, year-month or full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PDate {
    pub y: i16,
    pub m: Option<i8>,
    pub d: Option<i8>,
}

/// A time of day with its precision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PTime {
    pub h: u8,
    pub m: Option<u8>,
    pub s: Option<f64>,
}

impl PDate {
    pub fn parse(s: &str) -> Option<PDate> {
        let mut parts = s.splitn(3, '-');
        let num = |p: Option<&str>, len: usize| {
            p.filter(|p| p.len() == len && p.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|p| p.parse::<i16>().ok())
        };
        let y = num(parts.next(), 4)?;
        let m = match parts.next() {
            None => None,
            Some(p) => Some(i8::try_from(num(Some(p), 2).filter(|m| (1..=12).contains(m))?).ok()?),
        };
        let d = match parts.next() {
            None => None,
            Some(p) => Some(i8::try_from(num(Some(p), 2)?).ok()?),
        };
        if let (Some(m), Some(d)) = (m, d) {
            jiff::civil::Date::new(y, m, d).ok()?;
        }
        Some(PDate { y, m, d })
    }

    pub fn full(d: jiff::civil::Date) -> PDate {
        PDate {
            y: d.year(),
            m: Some(d.month()),
            d: Some(d.day()),
        }
    }

    pub fn to_civil(self) -> Option<jiff::civil::Date> {
        jiff::civil::Date::new(self.y, self.m?, self.d?).ok()
    }

    fn parts(self) -> [Option<i16>; 3] {
        [Some(self.y), self.m.map(i16::from), self.d.map(i16::from)]
    }
}

impl std::fmt::Display for PDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}", self.y)?;
        if let Some(m) = self.m {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.d {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

impl PTime {
    pub fn parse(s: &str) -> Option<PTime> {
        let mut parts = s.splitn(3, ':');
        let two = |p: &str, max: u8| {
            (p.len() == 2)
                .then(|| p.parse::<u8>().ok())
                .flatten()
                .filter(|n| *n <= max)
        };
        let h = two(parts.next()?, 23)?;
        let m = match parts.next() {
            Some(p) => Some(two(p, 59)?),
            None => None,
        };
        let s = match parts.next() {
            Some(p) => Some(p.parse::<f64>().ok().filter(|s| (0.0..60.0).contains(s))?),
            None => None,
        };
        Some(PTime { h, m, s })
    }

    fn cmp_parts(&self, o: &PTime) -> Option<Ordering> {
        match self.h.cmp(&o.h) {
            Ordering::Equal => {}
            other => return Some(other),
        }
        match (self.m, o.m) {
            (Some(a), Some(b)) if a != b => return Some(a.cmp(&b)),
            (Some(_), Some(_)) => {}
            (None, None) => return Some(Ordering::Equal),
            _ => return None,
        }
        match (self.s, o.s) {
            (Some(a), Some(b)) => a.partial_cmp(&b),
            (None, None) => Some(Ordering::Equal),
            _ => None,
        }
    }
}

impl std::fmt::Display for PTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}", self.h)?;
        if let Some(m) = self.m {
            write!(f, ":{m:02}")?;
        }
        if let Some(s) = self.s {
            if s.fract() == 0.0 {
                write!(f, ":{s:02.0}")?;
            } else {
                write!(f, ":{s:06.3}")?;
            }
        }
        Ok(())
    }
}

/// Parses a FHIR dateTime (`2025-06-02T10:00:00+02:00`); the offset is kept out of the value.
pub fn parse_datetime(s: &str) -> Option<(PDate, Option<PTime>)> {
    match s.split_once('T') {
        None => Some((PDate::parse(s)?, None)),
        Some((d, t)) => {
            let t = t.trim_end_matches('Z');
            let t = t.split(['+', '-']).next().unwrap_or(t);
            Some((
                PDate::parse(d)?,
                if t.is_empty() {
                    None
                } else {
                    Some(PTime::parse(t)?)
                },
            ))
        }
    }
}

/// The FHIR type a `value[x]` key's suffix names (`valueCoding` → `Coding`).
fn suffix_type(key: &str, base: &str) -> Option<&'static str> {
    const TYPES: [&str; 18] = [
        "Boolean",
        "Integer",
        "Decimal",
        "String",
        "Date",
        "DateTime",
        "Time",
        "Coding",
        "Quantity",
        "Reference",
        "Attachment",
        "Uri",
        "Url",
        "Code",
        "CodeableConcept",
        "Expression",
        "Canonical",
        "Period",
    ];
    let suffix = key.strip_prefix(base)?;
    TYPES.iter().find(|t| **t == suffix).copied()
}

/// Converts a JSON value reached through `key` into FHIRPath values.
pub fn from_json<'a>(
    v: &'a Json,
    key: &str,
    base: &str,
    link: Option<&'a str>,
    out: &mut Vec<Val<'a>>,
) {
    let ty = suffix_type(key, base);
    match v {
        Json::Array(xs) => xs.iter().for_each(|x| from_json(x, key, base, link, out)),
        Json::Null => {}
        Json::Bool(b) => out.push(Val::Bool(*b)),
        Json::Number(n) => out.push(match (ty, n.as_i64()) {
            (Some("Decimal"), _) | (_, None) => Val::Dec(n.as_f64().unwrap_or(f64::NAN)),
            (_, Some(i)) => Val::Int(i),
        }),
        Json::String(s) => out.push(match ty {
            Some("Date") => PDate::parse(s).map_or_else(|| Val::Str(s.clone()), Val::Date),
            Some("DateTime") => {
                parse_datetime(s).map_or_else(|| Val::Str(s.clone()), |(d, t)| Val::DateTime(d, t))
            }
            Some("Time") => PTime::parse(s).map_or_else(|| Val::Str(s.clone()), Val::Time),
            Some("Decimal") => s.parse().map_or_else(|_| Val::Str(s.clone()), Val::Dec),
            Some("Integer") => s.parse().map_or_else(|_| Val::Str(s.clone()), Val::Int),
            _ => Val::Str(s.clone()),
        }),
        Json::Object(o) => {
            if ty == Some("Quantity")
                && let Some(n) = o.get("value").and_then(Json::as_f64)
            {
                let unit = o
                    .get("code")
                    .or(o.get("unit"))
                    .and_then(Json::as_str)
                    .unwrap_or("1");
                out.push(Val::Quantity(n, unit.to_owned()));
                return;
            }
            let link = o.get("linkId").and_then(Json::as_str).or(link);
            out.push(Val::Node { v, link, ty });
        }
    }
}

/// The members named `name` of a value: an exact key, or FHIR's choice element `name[x]`.
pub fn member<'a>(v: &Val<'a>, name: &str, out: &mut Vec<Val<'a>>) {
    match v {
        Val::Node { v, link, .. } => {
            let Some(o) = v.as_object() else { return };
            if let Some(x) = o.get(name) {
                from_json(x, name, name, *link, out);
                return;
            }
            for (k, x) in o {
                if k.len() > name.len()
                    && k.starts_with(name)
                    && k[name.len()..].starts_with(|c: char| c.is_ascii_uppercase())
                {
                    from_json(x, k, name, *link, out);
                }
            }
        }
        Val::Quantity(n, u) => match name {
            "value" => out.push(Val::Dec(*n)),
            "unit" | "code" => out.push(Val::Str(u.clone())),
            "system" => out.push(Val::Str("http://unitsofmeasure.org".into())),
            _ => {}
        },
        _ => {}
    }
}

impl Val<'_> {
    pub fn as_num(&self) -> Option<f64> {
        match self {
            Val::Int(i) => Some(int_to_f64(*i)),
            Val::Dec(d) => Some(*d),
            _ => None,
        }
    }

    /// The text form of FHIRPath's `toString()`.
    pub fn to_text(&self) -> Option<String> {
        Some(match self {
            Val::Bool(b) => b.to_string(),
            Val::Int(i) => i.to_string(),
            Val::Dec(d) => fmt_dec(*d),
            Val::Str(s) => s.clone(),
            Val::Date(d) | Val::DateTime(d, None) => d.to_string(),
            Val::DateTime(d, Some(t)) => format!("{d}T{t}"),
            Val::Time(t) => t.to_string(),
            Val::Quantity(n, u) => format!("{} '{u}'", fmt_dec(*n)),
            Val::Node { .. } => return None,
        })
    }
}

/// A decimal as FHIRPath writes it: no exponent, no trailing `.0` noise.
pub fn fmt_dec(d: f64) -> String {
    if d.fract() == 0.0 && d.abs() < 1e15 {
        format!("{d:.0}")
    } else {
        // Shortest text that reads back the same, cut to 8 places for sums like 0.1 + 0.2.
        let s = format!("{d:.8}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_owned()
    }
}

/// FHIRPath `=` on two single values: `None` when they do not compare (different precision).
#[allow(
    clippy::float_cmp,
    reason = "FHIRPath `=` on decimals and same-unit quantities is exact; converted units compare within 1e-9"
)]
pub fn equals(a: &Val<'_>, b: &Val<'_>) -> Option<bool> {
    Some(match (a, b) {
        (Val::Str(x), Val::Str(y)) => x == y,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Date(_) | Val::DateTime(..), Val::Str(s))
        | (Val::Str(s), Val::Date(_) | Val::DateTime(..)) => {
            let other = if matches!(a, Val::Str(_)) { b } else { a };
            let (d, t) = parse_datetime(s)?;
            return equals(other, &Val::DateTime(d, t));
        }
        (Val::Date(_) | Val::DateTime(..), Val::Date(_) | Val::DateTime(..)) => {
            return compare(a, b).map(|o| o == Ordering::Equal);
        }
        (Val::Time(x), Val::Time(y)) => return x.cmp_parts(y).map(|o| o == Ordering::Equal),
        (Val::Quantity(x, u), Val::Quantity(y, v)) => {
            if u == v {
                x == y
            } else {
                let (x, y) = super::units::common(*x, u, *y, v)?;
                (x - y).abs() < 1e-9
            }
        }
        (Val::Node { v: x, .. }, Val::Node { v: y, .. }) => x == y,
        _ => match (a.as_num(), b.as_num()) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
    })
}

/// FHIRPath `~`: like `=`, but text ignores case and surrounding space, and different
/// precision is simply "not equivalent".
pub fn equivalent(a: &Val<'_>, b: &Val<'_>) -> bool {
    match (a, b) {
        (Val::Str(x), Val::Str(y)) => {
            let norm = |s: &str| {
                s.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase()
            };
            norm(x) == norm(y)
        }
        (Val::Dec(_), _) | (_, Val::Dec(_)) => match (a.as_num(), b.as_num()) {
            (Some(x), Some(y)) => (x - y).abs() < 1e-8 * x.abs().max(y.abs()).max(1.0),
            _ => false,
        },
        _ => equals(a, b).unwrap_or(false),
    }
}

/// FHIRPath ordering (`<`, `>`, ...): numbers, texts, dates, times and quantities of the same
/// unit. `None` when the values do not compare.
pub fn compare(a: &Val<'_>, b: &Val<'_>) -> Option<Ordering> {
    match (a, b) {
        (Val::Str(x), Val::Str(y)) => Some(x.cmp(y)),
        (Val::Date(x), Val::Date(y)) => cmp_dates(*x, *y),
        (Val::Date(x), Val::DateTime(y, _)) | (Val::DateTime(x, _), Val::Date(y)) => {
            cmp_dates(*x, *y)
        }
        (Val::DateTime(x, s), Val::DateTime(y, t)) => match cmp_dates(*x, *y)? {
            Ordering::Equal => match (s, t) {
                (Some(s), Some(t)) => s.cmp_parts(t),
                (None, None) => Some(Ordering::Equal),
                _ => None,
            },
            o => Some(o),
        },
        (Val::Date(_) | Val::DateTime(..), Val::Str(s)) => {
            let (d, t) = parse_datetime(s)?;
            compare(a, &Val::DateTime(d, t))
        }
        (Val::Str(s), Val::Date(_) | Val::DateTime(..)) => {
            let (d, t) = parse_datetime(s)?;
            compare(&Val::DateTime(d, t), b)
        }
        (Val::Time(x), Val::Time(y)) => x.cmp_parts(y),
        (Val::Quantity(x, u), Val::Quantity(y, v)) => {
            let (x, y) = if u == v {
                (*x, *y)
            } else {
                super::units::common(*x, u, *y, v)?
            };
            x.partial_cmp(&y)
        }
        _ => a.as_num()?.partial_cmp(&b.as_num()?),
    }
}

fn cmp_dates(x: PDate, y: PDate) -> Option<Ordering> {
    for (p, q) in x.parts().into_iter().zip(y.parts()) {
        match (p, q) {
            (Some(p), Some(q)) if p != q => return Some(p.cmp(&q)),
            (Some(_), Some(_)) => {}
            (None, None) => return Some(Ordering::Equal),
            _ => return None,
        }
    }
    Some(Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `value[x]` members are typed by their suffix: a date is a date, a quantity a quantity.
    #[test]
    fn choice_members_are_typed() {
        let j: Json = serde_json::json!({"valueDate": "2025-06", "valueQuantity": {"value": 70, "code": "kg"}});
        let node = Val::Node {
            v: &j,
            link: None,
            ty: None,
        };
        let mut out = Vec::new();
        member(&node, "value", &mut out);
        assert!(out.contains(&Val::Date(PDate {
            y: 2025,
            m: Some(6),
            d: None
        })));
        assert!(out.contains(&Val::Quantity(70.0, "kg".into())));
    }

    /// Dates of different precision do not compare; equal prefixes of the same precision do.
    #[test]
    fn date_precision() {
        let d = |s| Val::Date(PDate::parse(s).unwrap());
        assert_eq!(compare(&d("2025-06"), &d("2025-06-02")), None);
        assert_eq!(
            compare(&d("2024-06"), &d("2025-06-02")),
            Some(Ordering::Less)
        );
        assert_eq!(equals(&d("2025-06-02"), &d("2025-06-02")), Some(true));
        assert_eq!(fmt_dec(0.1 + 0.2), "0.3");
        assert_eq!(fmt_dec(12.0), "12");
    }
}
