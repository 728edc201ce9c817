//! Timestamps as clients send them, to epoch milliseconds; the service's clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, NaiveDateTime};

/// The time every handler, the planner and the notices go by: the system's, or one a
/// simulation sets (so that a day can be replayed faster than it passes).
#[derive(Debug, Clone, Default)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    /// The system's clock.
    pub fn system() -> Self {
        Self(None)
    }

    /// A clock that shows `start_ms` until [`Clock::set_ms`] moves it.
    pub fn manual(start_ms: i64) -> Self {
        Self(Some(Arc::new(AtomicI64::new(start_ms))))
    }

    /// Now, epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        match &self.0 {
            Some(t) => t.load(Ordering::Relaxed),
            None => chrono::Utc::now().timestamp_millis(),
        }
    }

    /// Sets a manual clock (never backwards); `false` on the system's clock, which
    /// nothing sets.
    pub fn set_ms(&self, ms: i64) -> bool {
        match &self.0 {
            Some(t) => {
                t.fetch_max(ms, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }
}

/// Epoch seconds below this are taken as seconds, at or above as milliseconds (the
/// OsmAnd convention: 2^31 seconds is the year 2038).
const SECONDS_BELOW: i64 = i32::MAX as i64;

/// Parses epoch seconds or milliseconds (integer or decimal), RFC 3339 / ISO 8601
/// (`2026-11-25T10:00:00Z`, offsets allowed) or `YYYY-MM-DD HH:MM:SS` taken as UTC.
pub(crate) fn parse_timestamp(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if let Ok(n) = t.parse::<i64>() {
        return Ok(if n.abs() < SECONDS_BELOW { n * 1000 } else { n });
    }
    if let Ok(x) = t.parse::<f64>()
        && x.is_finite()
        && x.abs() < 1e15
    {
        let ms = if x.abs() < SECONDS_BELOW as f64 {
            x * 1000.0
        } else {
            x
        };
        return Ok(ms.round() as i64);
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.timestamp_millis());
    }
    if let Ok(d) = NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S") {
        return Ok(d.and_utc().timestamp_millis());
    }
    Err(format!(
        "{t:?} is not a time: send epoch seconds or milliseconds, or ISO 8601 such as 2026-11-25T10:00:00Z"
    ))
}

pub(crate) use freshroute_calendar::format_ms;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_the_tracking_apps_send_is_read() {
        let ms = 1_764_064_800_000; // 2025-11-25T10:00:00Z
        for text in [
            "1764064800",
            "1764064800000",
            "1764064800.0",
            "2025-11-25T10:00:00Z",
            "2025-11-25T10:00:00.000Z",
            "2025-11-25T11:00:00+01:00",
            "2025-11-25 10:00:00",
        ] {
            assert_eq!(parse_timestamp(text), Ok(ms), "{text}");
        }
        assert!(parse_timestamp("yesterday").is_err());
        assert!(parse_timestamp("nan").is_err());
        assert_eq!(format_ms(ms), "2025-11-25T10:00:00+00:00");
    }
}
