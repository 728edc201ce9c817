//! Hours that repeat every week in local time: days of the week and a span of the day,
//! which may run past midnight (`18:00`–`02:00`).

use chrono::{Datelike, NaiveDate};

use crate::CalendarError;
use crate::interval::Window;
use crate::zone::Zone;

/// Days of the week as hours and rosters name them, Monday first.
pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Minutes since midnight of `HH:MM`, `00:00` to `24:00`.
pub fn minutes_of_day(hhmm: &str) -> Result<u32, CalendarError> {
    let parsed = hhmm.split_once(':').and_then(|(h, m)| {
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (hhmm.len() == 5 && m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
    });
    parsed.ok_or_else(|| {
        CalendarError::new(
            "invalid_time_of_day",
            "",
            format!("{hhmm:?} is not a time of day: use HH:MM, 00:00 to 24:00"),
        )
    })
}

/// One checked weekly span: the days it starts on (bit 0 Monday) and its wall times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    days: u8,
    starts: u32,
    ends: u32,
}

/// Weekly hours, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Weekly(Vec<Span>);

impl Weekly {
    /// Checks `(days, starts, ends)` spans; paths name `days`, and the two time fields as
    /// `names` says (`opens`/`closes` for a store, `starts`/`ends` for a roster).
    pub fn check<'a>(
        spans: impl IntoIterator<Item = (&'a [String], &'a str, &'a str)>,
        names: (&str, &str),
    ) -> Result<Self, CalendarError> {
        let mut out = Vec::new();
        for (i, (days, starts, ends)) in spans.into_iter().enumerate() {
            let at = |field: &str| format!("[{i}].{field}");
            let days = day_bits(days).map_err(|e| e.under(&at("days")))?;
            let s = minutes_of_day(starts).map_err(|e| e.under(&at(names.0)))?;
            let e = minutes_of_day(ends).map_err(|e| e.under(&at(names.1)))?;
            if s == e || s == 1440 {
                return Err(CalendarError::new(
                    "empty_hours",
                    at(names.1),
                    format!(
                        "{} ({ends}) must differ from {} ({starts}); an end before the start runs past midnight",
                        names.1, names.0
                    ),
                ));
            }
            out.push(Span {
                days,
                starts: s,
                ends: e,
            });
        }
        if out.len() > 28 {
            return Err(CalendarError::new(
                "too_many_hours",
                "",
                format!("{} spans of hours: at most 28", out.len()),
            ));
        }
        Ok(Self(out))
    }

    /// Whether it has no hours at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The windows that start on local `date` in `zone`.
    pub fn windows_on(&self, zone: Zone, date: NaiveDate) -> Vec<Window> {
        let bit = 1u8 << date.weekday().num_days_from_monday();
        self.0
            .iter()
            .filter(|s| s.days & bit != 0)
            .map(|s| {
                let end_minute = if s.ends > s.starts {
                    s.ends
                } else {
                    s.ends + 1440
                };
                Window {
                    start_ms: zone.at(date, s.starts),
                    end_ms: zone.at(date, end_minute),
                }
            })
            .collect()
    }
}

fn day_bits(days: &[String]) -> Result<u8, CalendarError> {
    if days.is_empty() {
        return Err(CalendarError::new(
            "invalid_day",
            "",
            "name at least one day, mon to sun".to_string(),
        ));
    }
    let mut bits = 0u8;
    for (k, d) in days.iter().enumerate() {
        let Some(i) = DAYS.iter().position(|x| x == d) else {
            return Err(CalendarError::new(
                "invalid_day",
                format!("[{k}]"),
                format!("{d:?} is not a day: use {}", DAYS.join(", ")),
            ));
        };
        bits |= 1 << i;
    }
    Ok(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(list: &[&str]) -> Vec<String> {
        list.iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn a_span_past_midnight_ends_the_next_day() {
        let d = days(&["fri"]);
        let w =
            Weekly::check([(d.as_slice(), "18:00", "02:00")], ("starts", "ends")).expect("valid");
        let z = Zone::UTC;
        let fri: NaiveDate = "2026-12-04".parse().expect("date");
        let got = w.windows_on(z, fri);
        assert_eq!(got.len(), 1);
        assert_eq!(z.format(got[0].end_ms), "2026-12-05T02:00:00+00:00");
        assert!(w.windows_on(z, fri.succ_opt().expect("sat")).is_empty());
    }

    #[test]
    fn times_of_day_are_checked() {
        assert_eq!(minutes_of_day("07:30").ok(), Some(450));
        assert_eq!(minutes_of_day("24:00").ok(), Some(1440));
        for bad in ["7:30", "24:01", "12:60", "noon", "12-30", ""] {
            let e = minutes_of_day(bad).expect_err(bad);
            assert_eq!(e.code, "invalid_time_of_day");
        }
    }

    #[test]
    fn refusals_name_their_field() {
        let d = days(&["mon", "funday"]);
        let e = Weekly::check([(d.as_slice(), "07:00", "12:00")], ("opens", "closes"))
            .expect_err("a bad day");
        assert_eq!((e.code, e.path.as_str()), ("invalid_day", "[0].days[1]"));
        let d = days(&["mon"]);
        let e = Weekly::check([(d.as_slice(), "7:00", "12:00")], ("opens", "closes"))
            .expect_err("a bad time");
        assert_eq!(
            (e.code, e.path.as_str()),
            ("invalid_time_of_day", "[0].opens")
        );
        let e = Weekly::check([(d.as_slice(), "12:00", "12:00")], ("opens", "closes"))
            .expect_err("empty");
        assert_eq!((e.code, e.path.as_str()), ("empty_hours", "[0].closes"));
    }
}
