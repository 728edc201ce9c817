//! WGS84 coordinates, validated on construction.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A WGS84 position in degrees; latitude in [-90, 90], longitude in [-180, 180].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawLatLon")]
pub struct LatLon {
    lat: f64,
    lon: f64,
}

#[derive(Deserialize)]
struct RawLatLon {
    lat: f64,
    lon: f64,
}

impl TryFrom<RawLatLon> for LatLon {
    type Error = CoordError;
    fn try_from(raw: RawLatLon) -> Result<Self, CoordError> {
        LatLon::new(raw.lat, raw.lon)
    }
}

/// Why a coordinate was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CoordError {
    /// Latitude is NaN, infinite or outside [-90, 90].
    #[error("latitude {0} is not a number in [-90, 90]")]
    Latitude(f64),
    /// Longitude is NaN, infinite or outside [-180, 180].
    #[error("longitude {0} is not a number in [-180, 180]")]
    Longitude(f64),
    /// Text that is not `LAT,LON`.
    #[error("{0:?} is not of the form LAT,LON (decimal degrees, e.g. 41.1466,-8.6112)")]
    Syntax(String),
}

impl CoordError {
    /// Stable machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Latitude(_) => "invalid_latitude",
            Self::Longitude(_) => "invalid_longitude",
            Self::Syntax(_) => "invalid_coordinate_syntax",
        }
    }
}

impl LatLon {
    /// A position from degrees, refusing NaN and out-of-range values.
    pub fn new(lat: f64, lon: f64) -> Result<Self, CoordError> {
        if !(-90.0..=90.0).contains(&lat) {
            return Err(CoordError::Latitude(lat));
        }
        if !(-180.0..=180.0).contains(&lon) {
            return Err(CoordError::Longitude(lon));
        }
        Ok(Self { lat, lon })
    }

    /// Latitude in degrees.
    pub fn lat(self) -> f64 {
        self.lat
    }

    /// Longitude in degrees.
    pub fn lon(self) -> f64 {
        self.lon
    }
}

impl FromStr for LatLon {
    type Err = CoordError;

    /// Parses `LAT,LON` in decimal degrees, spaces around the parts allowed.
    fn from_str(s: &str) -> Result<Self, CoordError> {
        let syntax = || CoordError::Syntax(s.to_owned());
        let (lat, lon) = s.split_once(',').ok_or_else(syntax)?;
        let lat: f64 = lat.trim().parse().map_err(|_| syntax())?;
        let lon: f64 = lon.trim().parse().map_err(|_| syntax())?;
        Self::new(lat, lon)
    }
}

impl fmt::Display for LatLon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.6},{:.6}", self.lat, self.lon)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_out_of_range_or_nan_is_refused() {
        assert_eq!(LatLon::new(91.0, 0.0), Err(CoordError::Latitude(91.0)));
        assert_eq!(LatLon::new(0.0, -180.5), Err(CoordError::Longitude(-180.5)));
        assert!(matches!(
            LatLon::new(f64::NAN, 0.0),
            Err(CoordError::Latitude(_))
        ));
        assert!(matches!(
            LatLon::new(0.0, f64::INFINITY),
            Err(CoordError::Longitude(_))
        ));
    }

    #[test]
    fn text_positions_parse_or_say_why_not() {
        let p: LatLon = " 41.1466 , -8.6112 ".parse().expect("valid");
        assert_eq!((p.lat(), p.lon()), (41.1466, -8.6112));
        assert_eq!(
            "41.1".parse::<LatLon>().map_err(|e| e.code()),
            Err("invalid_coordinate_syntax")
        );
        assert_eq!(
            "NaN,1".parse::<LatLon>().map_err(|e| e.code()),
            Err("invalid_latitude")
        );
        assert_eq!(
            "abc,1".parse::<LatLon>().map_err(|e| e.code()),
            Err("invalid_coordinate_syntax")
        );
    }

    #[test]
    fn json_positions_are_validated_too() {
        let bad: Result<LatLon, _> = serde_json::from_str(r#"{"lat": 100, "lon": 0}"#);
        assert!(bad.is_err());
    }
}
