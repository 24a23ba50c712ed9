//! The UCUM units that intake forms use: conversion between units of one kind (mass, length,
//! temperature, time) for `toQuantity()` and quantity comparison, and plain-language names for
//! showing a unit to a patient ("kg", "°C", "mmHg"). Factors are UCUM's definitions
//! (`[lb_av]` = 0.45359237 kg, `[in_i]` = 2.54 cm, ...). Unknown units are not guessed.

/// (UCUM code, kind, factor to the kind's base unit, plain name).
const UNITS: &[(&str, &str, f64, &str)] = &[
    ("kg", "mass", 1.0, "kg"),
    ("g", "mass", 0.001, "g"),
    ("mg", "mass", 1e-6, "mg"),
    ("[lb_av]", "mass", 0.453_592_37, "lb"),
    ("[oz_av]", "mass", 0.028_349_523_125, "oz"),
    ("m", "length", 1.0, "m"),
    ("cm", "length", 0.01, "cm"),
    ("mm", "length", 0.001, "mm"),
    ("[in_i]", "length", 0.0254, "in"),
    ("[ft_i]", "length", 0.3048, "ft"),
    ("s", "time", 1.0, "s"),
    ("min", "time", 60.0, "min"),
    ("h", "time", 3600.0, "h"),
    ("d", "time", 86_400.0, "days"),
    ("wk", "time", 604_800.0, "weeks"),
    ("mo", "time", 2_629_746.0, "months"),
    ("a", "time", 31_556_952.0, "years"),
    ("L", "volume", 1.0, "L"),
    ("mL", "volume", 0.001, "mL"),
];

/// Units that are shown by a plain name but never converted.
const NAMES: &[(&str, &str)] = &[
    ("Cel", "°C"),
    ("[degF]", "°F"),
    ("mm[Hg]", "mmHg"),
    ("/min", "per minute"),
    ("{beats}/min", "beats per minute"),
    ("{breaths}/min", "breaths per minute"),
    ("kg/m2", "kg/m²"),
    ("%", "%"),
    ("{score}", "points"),
    ("mg/dL", "mg/dL"),
    ("mmol/L", "mmol/L"),
    ("10*3/uL", "×10³/µL"),
    ("10*6/uL", "×10⁶/µL"),
    ("g/dL", "g/dL"),
    ("fL", "fL"),
    ("pg", "pg"),
    ("[in_i]", "in"),
    ("[lb_av]", "lb"),
    ("[ft_i]", "ft"),
];

fn find(code: &str) -> Option<(&'static str, f64)> {
    let calendar = super::parse::calendar_unit(code);
    let code = match calendar {
        Some("year") => "a",
        Some("month") => "mo",
        Some("week") => "wk",
        Some("day") => "d",
        Some("hour") => "h",
        Some("minute") => "min",
        Some("second") => "s",
        _ => code,
    };
    UNITS.iter().find(|u| u.0 == code).map(|u| (u.1, u.2))
}

/// `value` in unit `from` expressed in unit `to`; `None` when they are not of one kind or a
/// unit is unknown. Temperatures convert between `Cel` and `[degF]`.
pub fn convert(value: f64, from: &str, to: &str) -> Option<f64> {
    if from == to {
        return Some(value);
    }
    match (from, to) {
        ("Cel", "[degF]") => return Some(value * 9.0 / 5.0 + 32.0),
        ("[degF]", "Cel") => return Some((value - 32.0) * 5.0 / 9.0),
        _ => {}
    }
    let (k1, f1) = find(from)?;
    let (k2, f2) = find(to)?;
    (k1 == k2).then_some(value * f1 / f2)
}

/// Two quantities in one unit (the second's), for comparison.
pub fn common(x: f64, u: &str, y: f64, v: &str) -> Option<(f64, f64)> {
    Some((convert(x, u, v)?, y))
}

/// The plain name of a UCUM code for people ("Cel" → "°C"); the code itself when unknown.
pub fn display(code: &str) -> String {
    NAMES
        .iter()
        .find(|n| n.0 == code)
        .map(|n| n.1)
        .or_else(|| UNITS.iter().find(|u| u.0 == code).map(|u| u.3))
        .map_or_else(
            || code.trim_matches(|c| c == '{' || c == '}').to_owned(),
            str::to_owned,
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pounds to kilograms and inches to metres use UCUM's exact factors; kinds never mix.
    #[test]
    fn conversions() {
        let kg = convert(150.0, "[lb_av]", "kg").unwrap();
        assert!((kg - 68.038_855_5).abs() < 1e-6, "{kg}");
        assert!((convert(70.0, "[in_i]", "m").unwrap() - 1.778).abs() < 1e-9);
        assert!((convert(98.6, "[degF]", "Cel").unwrap() - 37.0).abs() < 1e-9);
        assert_eq!(convert(1.0, "kg", "m"), None);
        assert_eq!(display("Cel"), "°C");
        assert_eq!(display("{score}"), "points");
        assert_eq!(display("{drinks}"), "drinks");
    }
}
