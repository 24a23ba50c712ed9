//! Typed answers as the engine stores them: option indexes rather than strings, numbers, dates
//! that remember whether only a month was given, and cleaned text.

use jiff::civil::Date;

/// A date the patient gave, full or month-only ("a rough date is fine").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialDate {
    /// For a month-only date this is the first day of the month.
    pub date: Date,
    pub month_only: bool,
    /// The patient's own words when they gave the date as a phrase ("6 weeks ago", "last
    /// March"): kept beside the month they were read as, so the doctor sees both.
    pub said: Option<String>,
}

impl PartialDate {
    pub fn full(date: Date) -> Self {
        PartialDate {
            date,
            month_only: false,
            said: None,
        }
    }

    pub fn month(year: i16, month: i8) -> Option<Self> {
        Date::new(year, month, 1).ok().map(|date| PartialDate {
            date,
            month_only: true,
            said: None,
        })
    }

    /// The single date used where no visit date is known (literal dates in FHIR conditions
    /// and bounds): a month-only date resolves to the **last** day of its month.
    pub fn resolved(&self) -> Date {
        if self.month_only {
            self.date.last_of_month()
        } else {
            self.date
        }
    }

    /// The single date used in conditions and arithmetic for a visit on `visit`. A month-only
    /// date resolves to the last day of its month, so intervals since it come out shortest (the
    /// safe direction for re-treatment rules, clinical spec §2 rule 6), but never later than
    /// the visit itself: "June 2025" on 2 June 2025 is 0 days ago, not -28 (spec 9.2). This is
    /// the one place that choice is made.
    pub fn resolved_for(&self, visit: Date) -> Date {
        let last = self.resolved();
        if self.month_only && self.date <= visit && last > visit {
            visit
        } else {
            last
        }
    }

    /// `YYYY-MM-DD`, or `YYYY-MM` for a month-only date.
    pub fn to_iso(&self) -> String {
        if self.month_only {
            format!("{:04}-{:02}", self.date.year(), self.date.month())
        } else {
            format!(
                "{:04}-{:02}-{:02}",
                self.date.year(),
                self.date.month(),
                self.date.day()
            )
        }
    }

    /// Parses `YYYY-MM-DD` or `YYYY-MM` (the answers-file format).
    pub fn parse_iso(s: &str) -> Option<Self> {
        // Exactly `len` ASCII digits: four fit an i16 (at most 9999), two an i8 (at most 99).
        fn num<T: std::str::FromStr>(p: &str, len: usize) -> Option<T> {
            (p.len() == len && p.bytes().all(|b| b.is_ascii_digit())).then(|| p.parse().ok())?
        }
        let parts: Vec<&str> = s.trim().split('-').collect();
        match parts.as_slice() {
            [y, m, d] => {
                let date = Date::new(num(y, 4)?, num(m, 2)?, num(d, 2)?).ok()?;
                Some(PartialDate::full(date))
            }
            [y, m] => PartialDate::month(num(y, 4)?, num(m, 2)?),
            _ => None,
        }
    }
}

/// One stored answer. Choice answers hold indexes into the question's options.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Choice(u32),
    /// Indexes in option order, no duplicates.
    Multi(Vec<u32>),
    Number(f64),
    /// A number in one of the question's units (a FHIR quantity offering several
    /// `unitOption`s): `unit` indexes them; `base` is the value in the first unit when it
    /// converts (what conditions compare), `None` when it does not.
    Quantity {
        value: f64,
        unit: u32,
        base: Option<f64>,
    },
    Date(PartialDate),
    Text(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A month-only date resolves to the last day of that month, leap years included.
    #[test]
    fn month_only_resolves_to_last_day() {
        let d = PartialDate::parse_iso("2024-02").unwrap();
        assert_eq!(d.resolved(), Date::constant(2024, 2, 29));
        assert_eq!(d.to_iso(), "2024-02");
        let f = PartialDate::parse_iso("2025-04-30").unwrap();
        assert_eq!(f.resolved(), Date::constant(2025, 4, 30));
    }

    /// In the visit's own month a month-only date is the visit date, never in the future;
    /// earlier months keep their last day; full dates are themselves.
    #[test]
    fn month_only_never_after_the_visit() {
        let visit = Date::constant(2025, 6, 2);
        let june = PartialDate::parse_iso("2025-06").unwrap();
        assert_eq!(june.resolved_for(visit), visit);
        let may = PartialDate::parse_iso("2025-05").unwrap();
        assert_eq!(may.resolved_for(visit), Date::constant(2025, 5, 31));
        let next = PartialDate::parse_iso("2025-07").unwrap();
        assert_eq!(next.resolved_for(visit), Date::constant(2025, 7, 31));
        let full = PartialDate::parse_iso("2025-06-20").unwrap();
        assert_eq!(full.resolved_for(visit), Date::constant(2025, 6, 20));
    }

    /// Malformed and impossible dates are refused, not guessed.
    #[test]
    fn parse_refuses_bad_dates() {
        for s in [
            "2025-13-01",
            "2025-02-30",
            "25-01-01",
            "2025/01/01",
            "2025-1-1",
            "",
            "2025",
        ] {
            assert!(PartialDate::parse_iso(s).is_none(), "{s}");
        }
    }
}
