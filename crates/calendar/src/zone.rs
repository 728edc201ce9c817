//! An IANA time zone: local dates and wall times to instants and back.

use std::fmt;
use std::str::FromStr;

use chrono::{LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

use crate::{CalendarError, HOUR_MS};

/// An IANA time zone, such as `Europe/Lisbon`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone(Tz);

impl Zone {
    /// Coordinated Universal Time.
    pub const UTC: Zone = Zone(Tz::UTC);

    /// Its IANA name.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The local date at an instant.
    pub fn date_of(&self, ms: i64) -> NaiveDate {
        self.0
            .timestamp_millis_opt(ms)
            .single()
            .map_or(NaiveDate::MIN, |t| t.date_naive())
    }

    /// Minutes since local midnight at an instant.
    pub fn minute_of_day(&self, ms: i64) -> u32 {
        use chrono::Timelike;
        self.0
            .timestamp_millis_opt(ms)
            .single()
            .map_or(0, |t| t.hour() * 60 + t.minute())
    }

    /// The instant of a wall time on a local date; `minute` may be 1440 (the next
    /// midnight). A skipped wall time is taken an hour later, a repeated one at its first
    /// occurrence.
    pub fn at(&self, date: NaiveDate, minute: u32) -> i64 {
        let (date, minute) = if minute >= 1440 {
            (date.succ_opt().unwrap_or(date), minute - 1440)
        } else {
            (date, minute)
        };
        let time = NaiveTime::from_hms_opt(minute / 60, minute % 60, 0).unwrap_or(NaiveTime::MIN);
        let local = NaiveDateTime::new(date, time);
        match self.0.from_local_datetime(&local) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.timestamp_millis(),
            LocalResult::None => {
                let later = local + chrono::Duration::milliseconds(HOUR_MS);
                self.0.from_local_datetime(&later).earliest().map_or_else(
                    || later.and_utc().timestamp_millis(),
                    |t| t.timestamp_millis(),
                )
            }
        }
    }

    /// The zone's offset from UTC at an instant, `+01:00`.
    pub fn offset(&self, ms: i64) -> String {
        match self.0.timestamp_millis_opt(ms).single() {
            Some(t) => t.format("%:z").to_string(),
            None => "+00:00".to_string(),
        }
    }

    /// An instant as ISO 8601 local time with its offset, to the second
    /// (`2026-07-01T09:30:00+01:00`).
    pub fn format(&self, ms: i64) -> String {
        match self.0.timestamp_millis_opt(ms).single() {
            Some(t) => t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false),
            None => ms.to_string(),
        }
    }
}

impl FromStr for Zone {
    type Err = CalendarError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<Tz>().map(Zone).map_err(|_| {
            CalendarError::new(
                "unknown_time_zone",
                "",
                format!("{s:?} is not an IANA time zone: use a name such as Europe/Lisbon or UTC"),
            )
        })
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lisbon() -> Zone {
        "Europe/Lisbon".parse().expect("a zone")
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    #[test]
    fn lisbon_is_utc_in_winter_and_an_hour_ahead_in_summer() {
        let z = lisbon();
        assert_eq!(
            z.format(z.at(date("2026-12-03"), 9 * 60)),
            "2026-12-03T09:00:00+00:00"
        );
        assert_eq!(
            z.format(z.at(date("2026-07-01"), 9 * 60)),
            "2026-07-01T09:00:00+01:00"
        );
        assert_eq!(z.minute_of_day(z.at(date("2026-07-01"), 9 * 60)), 540);
        assert_eq!(z.offset(z.at(date("2026-07-01"), 9 * 60)), "+01:00");
        assert_eq!(z.offset(z.at(date("2026-12-03"), 9 * 60)), "+00:00");
        assert_eq!(
            z.date_of(z.at(date("2026-07-01"), 1440)),
            date("2026-07-02")
        );
    }

    #[test]
    fn skipped_and_repeated_wall_times_have_one_instant() {
        let z = lisbon();
        // 2026-03-29 01:30 does not happen in Lisbon (01:00 → 02:00).
        let skipped = z.at(date("2026-03-29"), 90);
        assert_eq!(z.format(skipped), "2026-03-29T02:30:00+01:00");
        // 2026-10-25 01:30 happens twice; the first is in summer time.
        let twice = z.at(date("2026-10-25"), 90);
        assert_eq!(z.format(twice), "2026-10-25T01:30:00+01:00");
    }

    #[test]
    fn an_unknown_zone_is_refused_with_a_hint() {
        let e = "Europe/Porto".parse::<Zone>().expect_err("not a zone");
        assert_eq!(e.code, "unknown_time_zone");
        assert!(e.message.contains("Europe/Lisbon"));
    }
}
