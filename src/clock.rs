//! The local time zone and today's date, for the edges that need the clock (the binary and the
//! TUI runtime). When `TZ` is not set, the zone is read straight from `/etc/localtime`, which
//! avoids a scan of the whole zoneinfo tree at every start; with `TZ` set, the full lookup is used.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};

/// The local time zone.
pub fn local_zone() -> TimeZone {
    if std::env::var_os("TZ").is_none()
        && let Ok(bytes) = std::fs::read("/etc/localtime")
        && let Ok(tz) = TimeZone::tzif("Local", &bytes)
    {
        return tz;
    }
    TimeZone::system()
}

/// Now, in the local time zone.
pub fn now_local() -> ZonedDateTime {
    Timestamp::now().to_zoned_datetime(local_zone())
}

/// A time as RFC 3339 with the local offset (`2025-06-02T10:14:00+01:00`), as FHIR wants.
pub fn rfc3339(t: Timestamp) -> String {
    t.to_zoned_datetime(local_zone())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// Today's date where the clinic is.
pub fn today() -> Date {
    now_local().date()
}
