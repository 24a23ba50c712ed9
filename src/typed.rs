//! What people type into number and date fields, turned into answers: "12", "2,5", "15/03/1991",
//! "15 March 1991", "1991-03-15", "March 2025" or "03/2025" where a month is enough. Dates are read
//! day first (UK). Errors are calm sentences that show the expected form.

use jiff::civil::Date;

use crate::answer::PartialDate;
use crate::expr::num::{count_to_i64, f64_to_i64};
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

/// Reads a number as people type it. A comma or a point before the last digits is the decimal
/// mark (`72,5` and `72.5` are 72.5); separators between groups of exactly three digits are
/// thousands (`1,500`, `1 500`, `1.500,5`, `1,500.5`). A lone point or comma followed by exactly
/// three digits (`1.500`, `1,500`) reads as thousands when it is a comma, as in the UK, and is
/// refused as ambiguous when it is a point (1.5 or 1500?), with a message saying how to type it.
/// Numbers too large to keep exactly are refused by the engine, not rounded.
#[allow(
    clippy::indexing_slicing,
    reason = "in the arm with a last separator `seps` is non-empty and `groups` has one more entry, so `tail` is the last group alone; `head[0]` is read only when `head.len() == 1`; `windows(2)` are pairs"
)]
pub fn parse_number(input: &str) -> Result<f64, String> {
    let t = input.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, t.strip_prefix('+').unwrap_or(t).trim_start()),
    };
    if t.is_empty() || !t.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == ',') {
        return Err(strings::TYPE_NUMBER.to_owned());
    }
    // Split into digit runs and the separators between them.
    let mut groups: Vec<String> = vec![String::new()];
    let mut seps: Vec<char> = Vec::new();
    for c in t.chars() {
        match c {
            '0'..='9' => groups.last_mut().map_or((), |g| g.push(c)),
            '.' | ',' | ' ' | '\u{a0}' | '\u{202f}' | '\'' | '\u{2019}' => {
                seps.push(if matches!(c, '\u{a0}' | '\u{202f}') {
                    ' '
                } else {
                    c
                });
                groups.push(String::new());
            }
            _ => return Err(strings::TYPE_NUMBER.to_owned()),
        }
    }
    if groups.iter().skip(1).any(String::is_empty) {
        return Err(strings::TYPE_NUMBER.to_owned());
    }
    // The decimal mark: the last separator, if it is a point or comma used once and not part
    // of the thousands grouping.
    let thousands_shape = |gs: &[String]| {
        gs.first().is_some_and(|g| (1..=3).contains(&g.len()))
            && gs.iter().skip(1).all(|g| g.len() == 3)
    };
    let (int_groups, frac): (&[String], Option<&String>) = match seps.last() {
        None => (&groups[..], None),
        Some(&last) => {
            let decimal_candidate =
                matches!(last, '.' | ',') && seps.iter().filter(|&&c| c == last).count() == 1;
            let (head, tail) = groups.split_at(groups.len() - 1);
            let head_seps = &seps[..seps.len() - 1];
            let head_ok = head_seps.iter().all(|&c| c != last)
                && head_seps.windows(2).all(|w| w[0] == w[1])
                && (head.len() == 1 || thousands_shape(head));
            if decimal_candidate && head_ok && tail[0].len() != 3 {
                (head, tail.first())
            } else if decimal_candidate && head_ok && head.len() > 1 {
                // 1,500.500: thousands before, so the last is the decimal mark.
                (head, tail.first())
            } else if decimal_candidate && head.len() == 1 && head[0] == "0" {
                // 0.125: a thousands group never starts with a lone zero.
                (head, tail.first())
            } else if decimal_candidate && head.len() == 1 && last == '.' {
                return Err(strings::number_ambiguous(&head[0], &tail[0]));
            } else if seps.iter().all(|&c| c == seps[0]) && thousands_shape(&groups) {
                (&groups[..], None)
            } else if decimal_candidate && head.len() == 1 {
                // 1234,567: not a thousands grouping, not clearly a decimal.
                return Err(strings::number_ambiguous(&head[0], &tail[0]));
            } else {
                return Err(strings::TYPE_NUMBER.to_owned());
            }
        }
    };
    // More than 15 significant digits cannot all be kept in a double: refused, not rounded.
    let digits = int_groups.concat() + frac.map_or("", String::as_str);
    if digits.trim_start_matches('0').len() > 15 {
        return Err(strings::NUMBER_TOO_LARGE.to_owned());
    }
    let mut text: String = int_groups.concat();
    if let Some(f) = frac {
        text.push('.');
        text.push_str(f);
    }
    if text.starts_with('.') {
        text.insert(0, '0');
    }
    let n: f64 = text
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| strings::TYPE_NUMBER.to_owned())?;
    Ok(if neg { -n } else { n })
}

fn month_name(word: &str) -> Option<i8> {
    let w = word.trim_end_matches('.').to_lowercase();
    if w.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| m.starts_with(&w))
        .and_then(|i| i8::try_from(i + 1).ok())
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

/// Reads a date as `parse_date` does and, where a month is enough, also a phrase relative to
/// the visit: "6 weeks ago", "about 3 months ago", "a year ago", "last March", "this month",
/// "last month". A phrase becomes the month it points to (month precision) and keeps the
/// patient's words (`said`), so the doctor sees both.
pub fn parse_date_at(input: &str, allow_month: bool, visit: Date) -> Result<PartialDate, String> {
    let plain = parse_date(input, allow_month);
    if plain.is_ok() || !allow_month {
        return plain;
    }
    match relative_month(input, visit) {
        Some(mut d) => {
            d.said = Some(crate::text::clean_line(input.trim()));
            Ok(d)
        }
        None => plain,
    }
}

const SMALL_NUMBERS: [&str; 13] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve",
];

/// The month a phrase like "6 weeks ago" or "last March" points to, from `visit`.
fn relative_month(input: &str, visit: Date) -> Option<PartialDate> {
    let lower = input.trim().to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == ',' || c == '.')
        .filter(|w| !w.is_empty())
        .filter(|w| {
            !matches!(
                *w,
                "about"
                    | "around"
                    | "roughly"
                    | "approximately"
                    | "approx"
                    | "maybe"
                    | "nearly"
                    | "almost"
                    | "over"
                    | "just"
            )
        })
        .collect();
    let month_of = |d: Date| PartialDate::month(d.year(), d.month());
    match words.as_slice() {
        ["this", "month"] => month_of(visit),
        ["last", "month"] => month_of(visit.checked_sub(jiff::Span::new().months(1)).ok()?),
        ["last", name] => {
            let m = month_name(name)?;
            // The most recent such month before the visit's own month.
            let year = if m < visit.month() {
                visit.year()
            } else {
                visit.year() - 1
            };
            PartialDate::month(year, m)
        }
        [n, unit, "ago"] => {
            let n: i64 = match *n {
                "a" | "an" => 1,
                w => SMALL_NUMBERS
                    .iter()
                    .position(|x| *x == w)
                    .map(count_to_i64)
                    .or_else(|| w.parse().ok())?,
            };
            if !(0..=120).contains(&n) {
                return None;
            }
            let span = match unit.trim_end_matches('s') {
                "day" => jiff::Span::new().days(n),
                "week" => jiff::Span::new().weeks(n),
                "month" => jiff::Span::new().months(n),
                "year" => jiff::Span::new().years(n),
                _ => return None,
            };
            month_of(visit.checked_sub(span).ok()?)
        }
        _ => None,
    }
}

/// How a stored date is shown back in its field: the patient's own words when they gave a
/// phrase, else the same form people type.
pub fn show_date(d: &PartialDate) -> String {
    if let Some(said) = &d.said {
        return said.clone();
    }
    show_plain_date(d)
}

/// A stored date for reading back (review screen): the phrase and the month it was read as.
pub fn describe_date(d: &PartialDate) -> String {
    match &d.said {
        Some(said) => format!("{said} ({})", show_plain_date(d)),
        None => show_plain_date(d),
    }
}

#[allow(
    clippy::indexing_slicing,
    reason = "a jiff month is 1..=12, so `MONTHS` (12 names) has it"
)]
fn show_plain_date(d: &PartialDate) -> String {
    if d.month_only {
        let name = MONTHS[usize::try_from(d.date.month() - 1).unwrap_or(0)];
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
    fmt_num(n)
}

/// A number as people write it: no trailing `.0` on whole numbers (below 10^15, where `f64`
/// still holds every integer), otherwise Rust's shortest round-trip form. The one number
/// formatter: screens, the doctor's page and validation messages all use it.
pub fn fmt_num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", f64_to_i64(n))
    } else {
        format!("{n}")
    }
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

    /// Thousands separators: a comma, space, no-break space or apostrophe between groups of
    /// three; a decimal mark after them; "1.500" and "1234,567" refused as ambiguous with a
    /// message that shows both readings; malformed groupings refused.
    #[test]
    fn thousands_and_decimal_marks() {
        for (typed, want) in [
            ("1,500", 1500.0),
            ("1,500,000", 1_500_000.0),
            ("1 500", 1500.0),
            ("1\u{a0}500", 1500.0),
            ("1\u{202f}500", 1500.0),
            ("1'500", 1500.0),
            ("72,5", 72.5),
            ("72.5", 72.5),
            ("1,50", 1.5),
            ("0.125", 0.125),
            ("0,125", 0.125),
            (".5", 0.5),
            ("1,500.5", 1500.5),
            ("1.500,5", 1500.5),
            ("1 500,25", 1500.25),
            ("-1,500", -1500.0),
        ] {
            assert_eq!(parse_number(typed), Ok(want), "{typed}");
        }
        for typed in ["1.500", "12.500", "1234,567"] {
            let e = parse_number(typed).expect_err(typed);
            assert!(e.starts_with("Did you mean"), "{typed}: {e}");
        }
        assert_eq!(
            parse_number("1.500").expect_err("ambiguous"),
            "Did you mean 1500 or 1.5? Please type it without a separator, like 1500, or with the decimal point, like 1.5."
        );
        for typed in [
            "1,5,0",
            "1,50,0",
            "15,00,000",
            "1.500.5,5",
            "1,,500",
            "1 5",
            "1e5",
            "12a",
        ] {
            assert!(parse_number(typed).is_err(), "{typed}");
        }
    }

    /// Phrases relative to the visit become the month they point to and keep the words, only
    /// where a month is enough; nonsense is still refused.
    #[test]
    fn relative_phrases() {
        let visit = Date::constant(2025, 6, 2);
        for (typed, month) in [
            ("6 weeks ago", "2025-04"),
            ("about 3 months ago", "2025-03"),
            ("a month ago", "2025-05"),
            ("two weeks ago", "2025-05"),
            ("a year ago", "2024-06"),
            ("last March", "2025-03"),
            ("last June", "2024-06"),
            ("last month", "2025-05"),
            ("this month", "2025-06"),
            ("3 days ago", "2025-05"),
        ] {
            let d = parse_date_at(typed, true, visit).expect(typed);
            assert_eq!(d.to_iso(), month, "{typed}");
            assert!(d.month_only, "{typed}");
            assert_eq!(d.said.as_deref(), Some(typed));
            assert_eq!(show_date(&d), typed);
        }
        assert!(
            parse_date_at("6 weeks ago", false, visit).is_err(),
            "a day is needed"
        );
        for bad in [
            "weeks ago",
            "6 fortnights ago",
            "last Smarch",
            "999 years ago",
            "soon",
        ] {
            assert!(parse_date_at(bad, true, visit).is_err(), "{bad}");
        }
        let plain = parse_date_at("15/03/1991", true, visit).expect("plain");
        assert_eq!(plain.said, None);
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
