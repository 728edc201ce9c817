//! Integer unit newtypes.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub};

use serde::{Deserialize, Serialize};

macro_rules! unit {
    ($(#[$doc:meta])* $name:ident, $suffix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            /// Zero of this unit.
            pub const ZERO: Self = Self(0);
        }

        impl Add for $name {
            type Output = Self;
            fn add(self, rhs: Self) -> Self {
                Self(self.0 + rhs.0)
            }
        }

        impl AddAssign for $name {
            fn add_assign(&mut self, rhs: Self) {
                self.0 += rhs.0;
            }
        }

        impl Sub for $name {
            type Output = Self;
            fn sub(self, rhs: Self) -> Self {
                Self(self.0 - rhs.0)
            }
        }

        impl Sum for $name {
            fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
                Self(iter.map(|v| v.0).sum())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}{}", self.0, $suffix)
            }
        }
    };
}

unit!(
    /// A duration in whole seconds.
    Seconds,
    " s"
);
unit!(
    /// A distance in whole metres.
    Metres,
    " m"
);
unit!(
    /// An amount of money in cents of the chain's currency.
    Cents,
    " ct"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_add_and_sum_within_their_own_kind() {
        let legs = [Seconds(90), Seconds(30), Seconds(5)];
        assert_eq!(legs.into_iter().sum::<Seconds>(), Seconds(125));
        assert_eq!(Metres(700) - Metres(200), Metres(500));
        assert_eq!(Cents(250).to_string(), "250 ct");
    }

    #[test]
    fn units_serialise_as_plain_integers() {
        assert_eq!(
            serde_json::to_string(&Metres(42)).ok().as_deref(),
            Some("42")
        );
    }
}
