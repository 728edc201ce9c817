//! A courier's roster: weekly shifts in local time, dated exceptions (a day off, an extra
//! shift), and a dispatcher's "on duty now" or "off duty now" over both.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::interval::{Window, merged, without};
use crate::weekly::{Weekly, minutes_of_day};
use crate::zone::Zone;
use crate::{CalendarError, HOUR_MS};

/// How far ahead a shift that has not begun still counts as the courier's next one: the
/// planner may give it orders that can wait for it.
pub const NEXT_SHIFT_WITHIN_MS: i64 = 3 * HOUR_MS;

/// Shifts on some days of every week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RosterSpan {
    /// `mon` … `sun`: the days the shift starts on.
    #[schema(example = json!(["mon", "tue", "wed", "thu", "fri"]))]
    pub days: Vec<String>,
    /// `HH:MM`, local time.
    #[schema(example = "10:00")]
    pub starts: String,
    /// `HH:MM`, local time; before `starts` when the shift runs past midnight.
    #[schema(example = "18:00")]
    pub ends: String,
}

/// What a dated exception does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKind {
    /// No weekly shift starts that day.
    Off,
    /// A shift that day besides the weekly ones (`starts`, `ends` required).
    Extra,
}

/// A change to the roster on one local date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    /// `YYYY-MM-DD`, local.
    #[schema(value_type = String, example = "2026-12-24")]
    pub date: NaiveDate,
    /// `off` or `extra`.
    pub kind: ExceptionKind,
    /// `HH:MM`, for an extra shift.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts: Option<String>,
    /// `HH:MM`, for an extra shift.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends: Option<String>,
}

/// A courier's roster, as bodies send it and storage keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Roster {
    /// Weekly shifts.
    #[serde(default)]
    pub weekly: Vec<RosterSpan>,
    /// Dated exceptions, at most 400.
    #[serde(default)]
    pub exceptions: Vec<Exception>,
}

/// A dispatcher's word over the roster: on duty (or off) from one instant to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duty {
    /// On duty, or off.
    pub on: bool,
    /// From, epoch ms.
    pub from_ms: i64,
    /// Until, epoch ms.
    pub until_ms: i64,
}

/// A roster, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Checked {
    weekly: Weekly,
    off: Vec<NaiveDate>,
    extra: Vec<(NaiveDate, u32, u32)>,
}

impl Roster {
    /// Refuses unknown days, bad times, extra shifts without times, and more than 400
    /// exceptions; paths are relative to the roster (`weekly[0].starts`).
    pub fn check(&self) -> Result<(), CalendarError> {
        self.checked().map(|_| ())
    }

    fn checked(&self) -> Result<Checked, CalendarError> {
        let weekly = Weekly::check(
            self.weekly
                .iter()
                .map(|s| (s.days.as_slice(), s.starts.as_str(), s.ends.as_str())),
            ("starts", "ends"),
        )
        .map_err(|e| e.under("weekly"))?;
        if self.exceptions.len() > 400 {
            return Err(CalendarError::new(
                "too_many_exceptions",
                "exceptions",
                format!(
                    "{} exceptions: at most 400; drop past ones",
                    self.exceptions.len()
                ),
            ));
        }
        let (mut off, mut extra) = (Vec::new(), Vec::new());
        for (i, x) in self.exceptions.iter().enumerate() {
            match x.kind {
                ExceptionKind::Off => off.push(x.date),
                ExceptionKind::Extra => extra.push(extra_shift(i, x)?),
            }
        }
        Ok(Checked { weekly, off, extra })
    }

    /// The courier's shift at `now_ms`: the one under way, else the next to begin within
    /// three hours; `None` when it is off. A dispatcher's `duty` overrides the roster
    /// while it lasts. An invalid roster (never stored: bodies are checked) gives none.
    pub fn shift_at(&self, zone: Zone, now_ms: i64, duty: Option<Duty>) -> Option<Window> {
        let checked = self.checked().ok()?;
        let today = zone.date_of(now_ms);
        let first = today.pred_opt().unwrap_or(today);
        let mut windows: Vec<Window> = first
            .iter_days()
            .take(3)
            .flat_map(|d| checked.windows_on(zone, d))
            .collect();
        if let Some(d) = duty {
            let w = Window {
                start_ms: d.from_ms,
                end_ms: d.until_ms,
            };
            if d.on {
                windows.push(w);
            } else {
                windows = without(windows, w);
            }
        }
        merged(windows)
            .into_iter()
            .find(|w| w.end_ms > now_ms && w.start_ms <= now_ms + NEXT_SHIFT_WITHIN_MS)
    }

    /// Every shift that starts on a local day from `from` for `days` days, in order.
    pub fn shifts(&self, zone: Zone, from: NaiveDate, days: usize) -> Vec<Window> {
        let Ok(checked) = self.checked() else {
            return Vec::new();
        };
        merged(
            from.iter_days()
                .take(days.min(60))
                .flat_map(|d| checked.windows_on(zone, d))
                .collect(),
        )
    }
}

impl Checked {
    fn windows_on(&self, zone: Zone, date: NaiveDate) -> Vec<Window> {
        let mut out = if self.off.contains(&date) {
            Vec::new()
        } else {
            self.weekly.windows_on(zone, date)
        };
        for &(d, s, e) in &self.extra {
            if d == date {
                let end = if e > s { e } else { e + 1440 };
                out.push(Window {
                    start_ms: zone.at(d, s),
                    end_ms: zone.at(d, end),
                });
            }
        }
        out
    }
}

fn extra_shift(i: usize, x: &Exception) -> Result<(NaiveDate, u32, u32), CalendarError> {
    let at = |f: &str| format!("exceptions[{i}].{f}");
    let time = |f: &str, v: &Option<String>| -> Result<u32, CalendarError> {
        let v = v.as_deref().ok_or_else(|| {
            CalendarError::new(
                "missing_field",
                at(f),
                format!("an extra shift needs `{f}` (HH:MM, local)"),
            )
        })?;
        minutes_of_day(v).map_err(|e| e.under(&at(f)))
    };
    let (s, e) = (time("starts", &x.starts)?, time("ends", &x.ends)?);
    if s == e || s == 1440 {
        return Err(CalendarError::new(
            "empty_hours",
            at("ends"),
            "ends must differ from starts; an end before the start runs past midnight".to_string(),
        ));
    }
    Ok((x.date, s, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lisbon() -> Zone {
        "Europe/Lisbon".parse().expect("zone")
    }

    fn roster(json: serde_json::Value) -> Roster {
        let r: Roster = serde_json::from_value(json).expect("a roster");
        r.check().expect("valid");
        r
    }

    fn weekdays_10_to_18() -> Roster {
        roster(serde_json::json!({
            "weekly": [{"days": ["mon", "tue", "wed", "thu", "fri"], "starts": "10:00", "ends": "18:00"}],
            "exceptions": [
                {"date": "2026-12-04", "kind": "off"},
                {"date": "2026-12-05", "kind": "extra", "starts": "20:00", "ends": "01:00"}
            ]
        }))
    }

    #[test]
    fn the_weekly_shift_repeats_every_week_in_local_time() {
        let z = lisbon();
        let r = weekdays_10_to_18();
        for day in ["2026-12-03", "2026-07-01", "2027-03-31"] {
            let d: NaiveDate = day.parse().expect("date");
            let shift = r.shift_at(z, z.at(d, 12 * 60), None).expect("on shift");
            assert_eq!(
                (shift.start_ms, shift.end_ms),
                (z.at(d, 600), z.at(d, 1080)),
                "{day}"
            );
        }
    }

    #[test]
    fn before_a_shift_it_is_the_next_one_only_when_close() {
        let z = lisbon();
        let r = weekdays_10_to_18();
        let thu: NaiveDate = "2026-12-03".parse().expect("date");
        assert_eq!(
            r.shift_at(z, z.at(thu, 8 * 60), None).map(|w| w.start_ms),
            Some(z.at(thu, 600))
        );
        assert_eq!(
            r.shift_at(z, z.at(thu, 3 * 60), None),
            None,
            "03:00 is seven hours early"
        );
        assert_eq!(
            r.shift_at(z, z.at(thu, 19 * 60), None),
            None,
            "after the shift"
        );
    }

    #[test]
    fn a_day_off_and_an_extra_shift_past_midnight() {
        let z = lisbon();
        let r = weekdays_10_to_18();
        let fri: NaiveDate = "2026-12-04".parse().expect("date");
        let sat: NaiveDate = "2026-12-05".parse().expect("date");
        let sun: NaiveDate = "2026-12-06".parse().expect("date");
        assert_eq!(
            r.shift_at(z, z.at(fri, 12 * 60), None),
            None,
            "Friday is off"
        );
        let extra = r
            .shift_at(z, z.at(sun, 30), None)
            .expect("Saturday's extra, after midnight");
        assert_eq!(
            (extra.start_ms, extra.end_ms),
            (z.at(sat, 1200), z.at(sun, 60))
        );
        assert_eq!(r.shifts(z, fri, 3).len(), 1);
    }

    #[test]
    fn a_dispatcher_puts_a_courier_on_or_off_duty_over_the_roster() {
        let z = lisbon();
        let r = weekdays_10_to_18();
        let thu: NaiveDate = "2026-12-03".parse().expect("date");
        let night = z.at(thu, 3 * 60);
        let on = Duty {
            on: true,
            from_ms: night,
            until_ms: night + 8 * HOUR_MS,
        };
        let w = r.shift_at(z, night, Some(on)).expect("on duty now");
        assert_eq!(w.start_ms, night);
        assert_eq!(
            w.end_ms,
            z.at(thu, 1080),
            "joins the rostered shift it runs into"
        );
        let noon = z.at(thu, 12 * 60);
        let off = Duty {
            on: false,
            from_ms: noon,
            until_ms: z.at(thu, 1080),
        };
        assert_eq!(r.shift_at(z, noon, Some(off)), None, "sent home");
        let morning = r
            .shift_at(z, z.at(thu, 11 * 60), Some(off))
            .expect("before");
        assert_eq!(
            morning.end_ms, noon,
            "the shift ends when the courier is sent home"
        );
    }

    #[test]
    fn refusals_name_their_field() {
        let bad: Roster = serde_json::from_value(serde_json::json!({
            "weekly": [{"days": ["mon"], "starts": "10:00", "ends": "18:00"}],
            "exceptions": [{"date": "2026-12-05", "kind": "extra", "starts": "25:00", "ends": "01:00"}]
        }))
        .expect("parses");
        let e = bad.check().expect_err("25:00");
        assert_eq!(
            (e.code, e.path.as_str()),
            ("invalid_time_of_day", "exceptions[0].starts")
        );
        let bad: Roster = serde_json::from_value(serde_json::json!({
            "weekly": [{"days": ["someday"], "starts": "10:00", "ends": "18:00"}]
        }))
        .expect("parses");
        let e = bad.check().expect_err("someday");
        assert_eq!(
            (e.code, e.path.as_str()),
            ("invalid_day", "weekly[0].days[0]")
        );
        let bad: Roster = serde_json::from_value(serde_json::json!({
            "exceptions": [{"date": "2026-12-05", "kind": "extra"}]
        }))
        .expect("parses");
        let e = bad.check().expect_err("no times");
        assert_eq!(
            (e.code, e.path.as_str()),
            ("missing_field", "exceptions[0].starts")
        );
    }
}
