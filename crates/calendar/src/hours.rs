//! A store's opening hours: weekly, in the store's local time.

use crate::interval::{Window, merged};
use crate::weekly::Weekly;
use crate::zone::Zone;
use crate::{CalendarError, DAY_MS};

/// One line of opening hours as a body sends it: days, `opens`, `closes` (`HH:MM`, local;
/// a closing before the opening is past midnight).
pub trait StoreHours {
    /// `mon` … `sun`.
    fn days(&self) -> &[String];
    /// `HH:MM`.
    fn opens(&self) -> &str;
    /// `HH:MM`.
    fn closes(&self) -> &str;
}

/// Opening hours, checked, in a time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningHours {
    zone: Zone,
    weekly: Weekly,
}

impl OpeningHours {
    /// Checks the lines of a store's hours; paths are `[i].days`, `[i].opens`, `[i].closes`.
    pub fn check<H: StoreHours>(zone: Zone, lines: &[H]) -> Result<Self, CalendarError> {
        let weekly = Weekly::check(
            lines.iter().map(|h| (h.days(), h.opens(), h.closes())),
            ("opens", "closes"),
        )?;
        Ok(Self { zone, weekly })
    }

    /// The time zone the hours are read in.
    pub fn zone(&self) -> Zone {
        self.zone
    }

    /// The opening that contains `ms`, else the next one within a week; `None` when the
    /// store never opens.
    pub fn opening_at_or_after(&self, ms: i64) -> Option<Window> {
        let first = self.zone.date_of(ms - DAY_MS);
        let windows: Vec<Window> = first
            .iter_days()
            .take(9)
            .flat_map(|d| self.weekly.windows_on(self.zone, d))
            .collect();
        merged(windows).into_iter().find(|w| w.end_ms > ms)
    }

    /// Whether the store is open at `ms`.
    pub fn is_open_at(&self, ms: i64) -> bool {
        self.opening_at_or_after(ms).is_some_and(|w| w.contains(ms))
    }

    /// The share of its local day's opening time still ahead at `ms` (what is left of
    /// the day's sales, sold evenly over the hours open): 1 before the day's first
    /// opening, 0 after its last closing or on a day it stays closed.
    pub fn share_of_day_left(&self, ms: i64) -> f64 {
        let windows = merged(self.weekly.windows_on(self.zone, self.zone.date_of(ms)));
        let total: i64 = windows.iter().map(|w| w.end_ms - w.start_ms).sum();
        let left: i64 = windows
            .iter()
            .map(|w| (w.end_ms - w.start_ms.max(ms)).max(0))
            .sum();
        if total > 0 {
            left as f64 / total as f64
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Line(Vec<String>, &'static str, &'static str);

    impl StoreHours for Line {
        fn days(&self) -> &[String] {
            &self.0
        }
        fn opens(&self) -> &str {
            self.1
        }
        fn closes(&self) -> &str {
            self.2
        }
    }

    fn weekdays() -> Vec<String> {
        ["mon", "tue", "wed", "thu", "fri"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn a_weekday_store_is_closed_at_night_and_over_the_weekend() {
        let z: Zone = "Europe/Lisbon".parse().expect("zone");
        let hours = OpeningHours::check(z, &[Line(weekdays(), "08:00", "20:00")]).expect("valid");
        let thu = "2026-12-03".parse().expect("date");
        let fri = "2026-12-04".parse().expect("date");
        let mon = "2026-12-07".parse().expect("date");
        assert!(hours.is_open_at(z.at(thu, 9 * 60)));
        assert!(!hours.is_open_at(z.at(thu, 20 * 60)));
        assert!(!hours.is_open_at(z.at(thu, 3 * 60)));
        let next = hours
            .opening_at_or_after(z.at(fri, 21 * 60))
            .expect("opens again");
        assert_eq!(
            next.start_ms,
            z.at(mon, 8 * 60),
            "Friday night → Monday 08:00"
        );
    }

    #[test]
    fn hours_past_midnight_keep_the_store_open_after_twelve() {
        let z = Zone::UTC;
        let every = crate::DAYS.map(String::from).to_vec();
        let hours = OpeningHours::check(z, &[Line(every, "18:00", "02:00")]).expect("valid");
        let thu = "2026-12-03".parse().expect("date");
        assert!(
            hours.is_open_at(z.at(thu, 60)),
            "01:00 is still Wednesday's night"
        );
        assert!(!hours.is_open_at(z.at(thu, 3 * 60)));
    }

    #[test]
    fn the_share_of_a_day_left_counts_only_the_hours_open() {
        let z: Zone = "Europe/Lisbon".parse().expect("zone");
        let hours = OpeningHours::check(
            z,
            &[
                Line(weekdays(), "08:00", "12:00"),
                Line(weekdays(), "14:00", "18:00"),
            ],
        )
        .expect("valid");
        let thu = "2026-12-03".parse().expect("date");
        let sat = "2026-12-05".parse().expect("date");
        let share = |date, minute| hours.share_of_day_left(z.at(date, minute));
        assert_eq!(share(thu, 6 * 60), 1.0);
        assert_eq!(share(thu, 10 * 60), 0.75);
        assert_eq!(share(thu, 13 * 60), 0.5, "closed over lunch");
        assert_eq!(share(thu, 17 * 60), 0.125);
        assert_eq!(share(thu, 19 * 60), 0.0);
        assert_eq!(share(sat, 10 * 60), 0.0, "closed on Saturdays");
    }

    #[test]
    fn a_store_with_no_hours_never_opens() {
        let hours = OpeningHours::check::<Line>(Zone::UTC, &[]).expect("valid");
        assert_eq!(hours.opening_at_or_after(0), None);
    }
}
