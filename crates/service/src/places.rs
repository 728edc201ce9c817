//! Positions entering the service: a GeoJSON Point, validated, then placed on the road
//! network of every travel profile that has a road near it.

use axum::http::StatusCode;
use freshroute_model::LatLon;
use freshroute_roads::RoadNetwork;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::ApiError;

pub(crate) use freshroute_dispatch::travel::{MAX_ROAD_DISTANCE, snap_near};

/// A GeoJSON Point as sent: `{"type": "Point", "coordinates": [lon, lat]}`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Point {
    /// Always `Point`.
    #[serde(rename = "type")]
    #[schema(example = "Point")]
    kind: String,
    /// Longitude then latitude, WGS84 degrees (GeoJSON's order).
    #[schema(example = json!([-8.6109, 41.1456]))]
    coordinates: Vec<f64>,
}

impl Point {
    /// The position, refusing anything but a Point with two valid coordinates.
    pub(crate) fn lat_lon(&self, field: &str) -> Result<LatLon, ApiError> {
        let refuse = |code, message: String| Err(ApiError::bad_request(code, message).at(field));
        if self.kind != "Point" {
            return refuse(
                "invalid_geometry",
                format!("a location is a GeoJSON Point, not a {:?}", self.kind),
            );
        }
        let [lon, lat] = self.coordinates[..] else {
            return refuse(
                "invalid_geometry",
                "a Point's coordinates are [longitude, latitude]".to_string(),
            );
        };
        LatLon::new(lat, lon).or_else(|e| refuse(e.code(), e.to_string()))
    }
}

/// Metres north per degree of latitude.
pub(crate) const NORTH_M_PER_DEGREE: f64 = 110_540.0;

/// Metres east per degree of longitude at latitude `lat`: with
/// [`NORTH_M_PER_DEGREE`], a local plane precise enough across a city.
pub(crate) fn east_m_per_degree(lat: f64) -> f64 {
    111_320.0 * lat.to_radians().cos()
}

/// A position as a GeoJSON Point.
pub(crate) fn point(lat: f64, lon: f64) -> Value {
    json!({"type": "Point", "coordinates": [lon, lat]})
}

/// The nearest road point of every profile that has one within [`MAX_ROAD_DISTANCE`],
/// as `{"car": {"coordinates": [lon, lat], "distance_m": 12}, …}`; refuses (422
/// `too_far_from_road`) a position no profile can reach.
pub(crate) fn snap(roads: &RoadNetwork, at: LatLon, field: &str) -> Result<Value, ApiError> {
    let mut snapped = Map::new();
    let mut nearest: Option<i64> = None;
    for graph in roads.profiles() {
        match graph.snap(at, MAX_ROAD_DISTANCE) {
            Ok(s) => {
                snapped.insert(
                    graph.profile().name().to_string(),
                    json!({
                        "coordinates": [round6(s.point.lon()), round6(s.point.lat())],
                        "distance_m": s.distance.0,
                    }),
                );
            }
            Err(freshroute_roads::RoadsError::TooFarFromRoad { nearest_m, .. }) => {
                let m = i64::try_from(nearest_m).unwrap_or(i64::MAX);
                nearest = Some(nearest.map_or(m, |n| n.min(m)));
            }
            Err(e) => {
                return Err(ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    e.code(),
                    e.to_string(),
                ));
            }
        }
    }
    if snapped.is_empty() {
        let how_far = match nearest {
            Some(m) if m < i64::MAX => format!("the nearest is {m} m away"),
            _ => format!("{} has none at all", roads.source()),
        };
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_far_from_road",
            format!(
                "no road a courier can use lies within {} m of {at} ({how_far}); check the \
                 position (GeoJSON order is [longitude, latitude]) and that it is in the \
                 served city",
                MAX_ROAD_DISTANCE.0
            ),
        )
        .at(field));
    }
    Ok(Value::Object(snapped))
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}
