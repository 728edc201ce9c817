//! How a GPS fix is judged: refused outright, kept but filtered with a reason, or accepted.

use freshroute_model::LatLon;
use freshroute_roads::Profile;
use geo::{Distance, Haversine, Point};

/// Thresholds for judging fixes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixRules {
    /// How far ahead of the server's clock a fix time may be (device clock drift), ms.
    pub max_future_ms: i64,
    /// How old a fix may be on arrival to count, ms.
    pub max_age_ms: i64,
    /// Worst horizontal accuracy that still counts, metres.
    pub max_accuracy_m: f64,
    /// Jumps shorter than this never count as impossible speed (GPS jitter), metres.
    pub jitter_m: f64,
}

impl Default for FixRules {
    fn default() -> Self {
        Self {
            max_future_ms: 2 * 60 * 1000,
            max_age_ms: 7 * 24 * 3600 * 1000,
            max_accuracy_m: 100.0,
            jitter_m: 150.0,
        }
    }
}

/// Why a fix is kept but not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filtered {
    /// Latitude or longitude out of range, not a number, or exactly 0, 0.
    InvalidCoordinates,
    /// Fix time ahead of the server's clock by more than the allowed drift.
    TimestampInFuture,
    /// Fix time older than the allowed age.
    TooOld,
    /// Reported accuracy worse than the threshold.
    LowAccuracy,
    /// Reaching it from the courier's previous fix needs a speed its profile cannot do.
    ImpossibleSpeed,
}

impl Filtered {
    /// Every reason.
    pub const ALL: [Filtered; 5] = [
        Filtered::InvalidCoordinates,
        Filtered::TimestampInFuture,
        Filtered::TooOld,
        Filtered::LowAccuracy,
        Filtered::ImpossibleSpeed,
    ];

    /// Stable code, stored with the fix.
    pub fn code(self) -> &'static str {
        match self {
            Self::InvalidCoordinates => "invalid_coordinates",
            Self::TimestampInFuture => "timestamp_in_future",
            Self::TooOld => "too_old",
            Self::LowAccuracy => "low_accuracy",
            Self::ImpossibleSpeed => "impossible_speed",
        }
    }

    /// Whether this reason also makes a single-fix request fail with 400: the device
    /// sends something that can never be right (a broken position or clock).
    pub fn is_refusal(self) -> bool {
        matches!(self, Self::InvalidCoordinates | Self::TimestampInFuture)
    }
}

/// The fastest a courier on `profile` plausibly moves, metres per second (GPS
/// plausibility, well above the road engine's planning speeds).
pub fn max_speed_mps(profile: Profile) -> f64 {
    match profile {
        Profile::Bike => 15.0,
        Profile::Scooter => 30.0,
        Profile::Car => 50.0,
    }
}

/// The position part of a fix, as the rules need it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    /// Fix time, epoch ms.
    pub fix_ms: i64,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Horizontal accuracy, metres.
    pub accuracy_m: Option<f64>,
}

impl FixRules {
    /// Judges a fix received at `now_ms` against the courier's accepted fix just before it.
    pub fn judge(
        &self,
        fix: &Position,
        now_ms: i64,
        profile: Profile,
        previous: Option<&Position>,
    ) -> Option<Filtered> {
        // 0, 0 is what a phone sends when it has no position at all.
        if LatLon::new(fix.lat, fix.lon).is_err() || (fix.lat == 0.0 && fix.lon == 0.0) {
            return Some(Filtered::InvalidCoordinates);
        }
        if fix.fix_ms > now_ms + self.max_future_ms {
            return Some(Filtered::TimestampInFuture);
        }
        if fix.fix_ms < now_ms - self.max_age_ms {
            return Some(Filtered::TooOld);
        }
        if fix
            .accuracy_m
            .is_some_and(|a| a.is_nan() || a > self.max_accuracy_m)
        {
            return Some(Filtered::LowAccuracy);
        }
        if let Some(prev) = previous {
            let metres =
                Haversine.distance(Point::new(prev.lon, prev.lat), Point::new(fix.lon, fix.lat));
            let seconds = (fix.fix_ms - prev.fix_ms).abs() as f64 / 1000.0;
            if metres > self.jitter_m && metres > max_speed_mps(profile) * seconds {
                return Some(Filtered::ImpossibleSpeed);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    fn at(fix_ms: i64, lat: f64, lon: f64) -> Position {
        Position {
            fix_ms,
            lat,
            lon,
            accuracy_m: Some(5.0),
        }
    }

    #[test]
    fn each_rule_filters_with_its_reason() {
        let r = FixRules::default();
        let ok = at(NOW - 1000, 41.15, -8.61);
        assert_eq!(r.judge(&ok, NOW, Profile::Scooter, None), None);
        let cases = [
            (at(NOW, 0.0, 0.0), Filtered::InvalidCoordinates),
            (at(NOW, 91.0, 0.5), Filtered::InvalidCoordinates),
            (at(NOW, f64::NAN, 0.5), Filtered::InvalidCoordinates),
            (
                at(32_503_680_000_000, 41.15, -8.61),
                Filtered::TimestampInFuture,
            ),
            (
                at(NOW - 8 * 24 * 3600 * 1000, 41.15, -8.61),
                Filtered::TooOld,
            ),
            (
                Position {
                    accuracy_m: Some(500.0),
                    ..ok
                },
                Filtered::LowAccuracy,
            ),
            (
                Position {
                    accuracy_m: Some(f64::NAN),
                    ..ok
                },
                Filtered::LowAccuracy,
            ),
        ];
        for (fix, reason) in cases {
            assert_eq!(
                r.judge(&fix, NOW, Profile::Scooter, None),
                Some(reason),
                "{fix:?}"
            );
        }
    }

    #[test]
    fn a_jump_too_fast_for_the_profile_is_filtered_but_jitter_is_not() {
        let r = FixRules::default();
        let before = at(NOW - 60_000, 41.15, -8.61);
        // About 1.1 km in a minute: 18.5 m/s, too fast by bike, fine by scooter.
        let next = at(NOW, 41.16, -8.61);
        assert_eq!(
            r.judge(&next, NOW, Profile::Bike, Some(&before)),
            Some(Filtered::ImpossibleSpeed)
        );
        assert_eq!(r.judge(&next, NOW, Profile::Scooter, Some(&before)), None);
        // 100 m in a second is jitter, not speed.
        let jitter = at(NOW - 59_000, 41.1509, -8.61);
        assert_eq!(r.judge(&jitter, NOW, Profile::Bike, Some(&before)), None);
    }
}
