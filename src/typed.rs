//! What people type into number and date fields, turned into answers: "12", "2,5", "15/03/1991",
//! "15 March 1991", "1991-03-15", "March 2025" or "03/2025" where a month is enough. Dates are read
//! day first (UK). Errors are calm sentences that show the expected form.

use jiff::civil::Date;

use crate::answer::PartialDate;
use crate::strings;

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Reads a number; a comma works as the decimal point.
pub fn parse_number(input: &str) -> Result<f64, String> {
    let s = input.trim().replace(',', ".");
    let s = s.strip_prefix('+').unwrap_or(&s);
    if s.is_empty()
        || s.matches('.').count() > 1
        || !s
            .trim_start_matches('-')
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.')
    {
        return Err(strings::TYPE_NUMBER.to_owned());
    }
    s.parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| strings::TYPE_NUMBER.to_owned())
}

fn month_name(word: &str) -> Option<i8> {
    let w = word.trim_end_matches('.').to_lowercase();
    if w.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| m.starts_with(&w))
        .map(|i| i as i8 + 1)
}

fn year(tok: &str) -> Result<i16, String> {
    if tok.len() == 4 && tok.chars().all(|c| c.is_ascii_digit()) {
        tok.parse()
            .map_err(|_| strings::DATE_YEAR_IN_FULL.to_owned())
    } else {
        Err(strings::DATE_YEAR_IN_FULL.to_owned())
    }
}

fn small(tok: &str) -> Option<i8> {
    (tok.len() <= 2 && !tok.is_empty() && tok.chars().all(|c| c.is_ascii_digit()))
        .then(|| tok.parse().ok())
        .flatten()
}

/// Reads a date, full or (when `allow_month`) month and year only.
pub fn parse_date(input: &str, allow_month: bool) -> Result<PartialDate, String> {
    let how = if allow_month {
        strings::TYPE_DATE_OR_MONTH
    } else {
        strings::TYPE_DATE
    };
    let cleaned: String = input
        .trim()
        .chars()
        .map(|c| {
            if matches!(c, '/' | '-' | '.' | ',') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let toks: Vec<&str> = cleaned.split_whitespace().collect();
    let full = |y: i16, m: i8, d: i8| {
        Date::new(y, m, d)
            .map(PartialDate::full)
            .map_err(|_| strings::DATE_NOT_REAL.to_owned())
    };
    let month_only = |y: i16, m: i8| {
        if !allow_month {
            return Err(strings::DATE_NEED_DAY.to_owned());
        }
        PartialDate::month(y, m).ok_or_else(|| how.to_owned())
    };
    match toks.as_slice() {
        // 1991-03-15 (ISO, year first)
        [y, m, d] if y.len() == 4 => full(year(y)?, small(m).ok_or(how)?, small(d).ok_or(how)?),
        // 15 03 1991 or 15 March 1991
        [d, m, y] => {
            let day = small(d).ok_or(how)?;
            let month = small(m).or_else(|| month_name(m)).ok_or(how)?;
            full(year(y)?, month, day)
        }
        // March 15 1991 is not accepted (ambiguous order); 2025-03, 03/2025, March 2025
        [y, m] if y.len() == 4 && small(m).is_some() => month_only(year(y)?, small(m).ok_or(how)?),
        [m, y] => {
            let month = small(m).or_else(|| month_name(m)).ok_or(how)?;
            month_only(year(y)?, month)
        }
        _ => Err(how.to_owned()),
    }
    .map_err(|e| {
        if e == strings::DATE_NOT_REAL
            || e == strings::DATE_YEAR_IN_FULL
            || e == strings::DATE_NEED_DAY
        {
            e
        } else {
            how.to_owned()
        }
    })
}

/// How a stored date is shown back in its field (the same form people type).
pub fn show_date(d: &PartialDate) -> String {
    if d.month_only {
        let name = MONTHS[(d.date.month() - 1) as usize];
        let mut c = name.chars();
        let cap: String = c
            .next()
            .map(|f| f.to_uppercase().chain(c).collect())
            .unwrap_or_default();
        format!("{cap} {}", d.date.year())
    } else {
        format!(
            "{:02}/{:02}/{:04}",
            d.date.day(),
            d.date.month(),
            d.date.year()
        )
    }
}

/// How a stored number is shown back in its field.
pub fn show_number(n: f64) -> String {
    crate::summary::fmt_num(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str, month: bool) -> String {
        match parse_date(s, month) {
            Ok(p) => p.to_iso(),
            Err(e) => format!("ERR {e}"),
        }
    }

    /// The forms people type all give the same date.
    #[test]
    fn dates_people_type() {
        for s in [
            "15/03/1991",
            "15-03-1991",
            "15.03.1991",
            "15 3 1991",
            "1991-03-15",
            "15 March 1991",
            "15 mar 1991",
            "15 Mar. 1991",
            " 15/3/1991 ",
        ] {
            assert_eq!(d(s, false), "1991-03-15", "{s}");
        }
    }

    /// Month and year are accepted where a rough date is fine, and refused where the day matters.
    #[test]
    fn month_only_dates() {
        for s in ["March 2025", "mar 2025", "03/2025", "3/2025", "2025-03"] {
            assert_eq!(d(s, true), "2025-03", "{s}");
        }
        assert_eq!(
            d("March 2025", false),
            format!("ERR {}", strings::DATE_NEED_DAY)
        );
    }

    /// Impossible dates, two-digit years and nonsense are refused with a helpful sentence.
    #[test]
    fn bad_dates() {
        assert_eq!(
            d("31/02/1991", false),
            format!("ERR {}", strings::DATE_NOT_REAL)
        );
        assert_eq!(
            d("15/03/91", false),
            format!("ERR {}", strings::DATE_YEAR_IN_FULL)
        );
        assert_eq!(d("yesterday", false), format!("ERR {}", strings::TYPE_DATE));
        assert_eq!(d("", true), format!("ERR {}", strings::TYPE_DATE_OR_MONTH));
        assert_eq!(
            d("15/13/1991", false),
            format!("ERR {}", strings::DATE_NOT_REAL)
        );
    }

    /// Numbers with a comma or a plus work; words do not.
    #[test]
    fn numbers() {
        assert_eq!(parse_number("12"), Ok(12.0));
        assert_eq!(parse_number(" 2,5 "), Ok(2.5));
        assert_eq!(parse_number("+3"), Ok(3.0));
        assert_eq!(parse_number("-1"), Ok(-1.0));
        assert!(parse_number("ten").is_err());
        assert!(parse_number("1.2.3").is_err());
        assert!(parse_number("").is_err());
    }

    /// Stored dates come back in the typed form.
    #[test]
    fn shows_dates_back() {
        assert_eq!(
            show_date(&parse_date("1991-03-15", false).unwrap()),
            "15/03/1991"
        );
        assert_eq!(
            show_date(&parse_date("2025-03", true).unwrap()),
            "March 2025"
        );
    }
}
