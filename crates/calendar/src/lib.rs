//! Local time for freshroute: a chain's and its stores' IANA time zones, weekly hours in
//! local time (a store's opening hours, a courier's roster) with dated exceptions (a day
//! off, an extra shift), and the windows they give around an instant, in epoch
//! milliseconds. Pure: no clock is read here, the caller says what "now" is.
//!
//! Local times that a clock change skips (02:30 on the spring-forward night in Lisbon)
//! are taken as the same wall time an hour later; local times that happen twice (the
//! autumn night) as their first occurrence.

mod error;
mod hours;
mod interval;
mod roster;
mod weekly;
mod zone;

pub use error::CalendarError;
pub use hours::{OpeningHours, StoreHours};
pub use interval::Window;
pub use roster::{Duty, Exception, ExceptionKind, NEXT_SHIFT_WITHIN_MS, Roster, RosterSpan};
pub use weekly::{DAYS, Weekly, minutes_of_day};
pub use zone::Zone;

/// One hour, milliseconds.
pub const HOUR_MS: i64 = 3_600_000;
/// One day, milliseconds.
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// An instant as RFC 3339 in UTC (`2026-11-25T10:00:00+00:00`); the bare number when it
/// is out of chrono's range.
pub fn format_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(|| ms.to_string(), |d| d.to_rfc3339())
}
