//! Edge weights that carry duration and distance together.
//!
//! A [`Weight`] packs a duration in milliseconds (high 32 bits) and a distance in
//! decimetres (low 32 bits) into one `u64`. Adding two weights adds both parts as
//! long as a path stays under 2^32 dm (429,496 km), so one shortest-path search on
//! the packed value minimises duration and, among equally fast paths, distance:
//! both figures of a route come out exact, and every correct algorithm finds the
//! same pair.

use freshroute_model::{Metres, Seconds};
use serde::{Deserialize, Serialize};

/// Duration (ms) and distance (dm) of a path, packed so that sums stay exact.
///
/// Stored as its two parts, which varint encodings keep short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(from = "(u32, u32)", into = "(u32, u32)")]
pub struct Weight(pub u64);

impl From<(u32, u32)> for Weight {
    fn from((ms, dm): (u32, u32)) -> Self {
        Self::new(ms, dm)
    }
}

impl From<Weight> for (u32, u32) {
    fn from(w: Weight) -> Self {
        (w.duration_ms() as u32, w.distance_dm() as u32)
    }
}

impl Weight {
    /// The weight of an empty path.
    pub const ZERO: Self = Self(0);
    /// No path.
    pub const INFINITY: Self = Self(u64::MAX);

    /// A weight from its parts.
    pub fn new(duration_ms: u32, distance_dm: u32) -> Self {
        Self((u64::from(duration_ms) << 32) | u64::from(distance_dm))
    }

    /// Duration in milliseconds.
    pub fn duration_ms(self) -> u64 {
        self.0 >> 32
    }

    /// Distance in decimetres.
    pub fn distance_dm(self) -> u64 {
        self.0 & 0xFFFF_FFFF
    }

    /// Duration rounded to whole seconds.
    pub fn seconds(self) -> Seconds {
        Seconds(self.duration_ms().div_ceil(1000) as i64)
    }

    /// Distance rounded to whole metres.
    pub fn metres(self) -> Metres {
        Metres(((self.distance_dm() + 5) / 10) as i64)
    }

    /// Whether this is a real path.
    pub fn is_finite(self) -> bool {
        self != Self::INFINITY
    }

    /// Sum of two weights; infinity stays infinity.
    pub fn plus(self, other: Self) -> Self {
        if self.is_finite() && other.is_finite() {
            Self(self.0.saturating_add(other.0))
        } else {
            Self::INFINITY
        }
    }

    /// The share of this edge weight between `from` and `to` (fractions in [0, 1] of its length).
    pub fn part(self, from: f64, to: f64) -> Self {
        let share = (to - from).clamp(0.0, 1.0);
        let ms = (self.duration_ms() as f64 * share).round() as u32;
        let dm = (self.distance_dm() as f64 * share).round() as u32;
        Self::new(ms, dm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_weights_add_both_parts_exactly() {
        let a = Weight::new(1_500, 120);
        let b = Weight::new(2_600, 7);
        let sum = a.plus(b);
        assert_eq!((sum.duration_ms(), sum.distance_dm()), (4_100, 127));
        assert_eq!(sum.seconds(), Seconds(5));
        assert_eq!(sum.metres(), Metres(13));
        assert_eq!(a.plus(Weight::INFINITY), Weight::INFINITY);
    }

    #[test]
    fn faster_beats_shorter_and_shorter_breaks_ties() {
        assert!(Weight::new(10, 900) < Weight::new(11, 1));
        assert!(Weight::new(10, 5) < Weight::new(10, 6));
    }

    #[test]
    fn weights_split_into_parts_and_back_exactly() {
        for w in [Weight::ZERO, Weight::new(123_456, 789), Weight::INFINITY] {
            let parts: (u32, u32) = w.into();
            assert_eq!(Weight::from(parts), w);
        }
    }

    #[test]
    fn a_part_of_an_edge_is_proportional() {
        let w = Weight::new(10_000, 1_000);
        assert_eq!(w.part(0.25, 0.75), Weight::new(5_000, 500));
        assert_eq!(w.part(0.9, 0.1), Weight::ZERO);
    }
}
