//! The streets of the city's road graph within a box, as GeoJSON: the background of a map
//! drawn with no tile and no other host (the tracking page's, a console's).

use axum::Json;
use axum::extract::{Query, State};
use freshroute_model::LatLon;
use freshroute_store::Role;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::Caller;
use crate::geojson::Feature;
use crate::places::{NORTH_M_PER_DEGREE, east_m_per_degree};
use crate::state::AppState;
use crate::{ApiError, ErrorBody};

/// The widest box answered, metres east-west or north-south.
const MAX_SPAN_M: f64 = 5_000.0;
/// The most segments answered.
const MAX_SEGMENTS: usize = 20_000;

/// At most `limit` street segments within the box from `south_west` to `north_east`
/// (`[lon, lat]`), as their two ends, from the car graph (the most complete); none when
/// the box is off the globe or the city has no car graph.
pub(crate) fn within(
    state: &AppState,
    south_west: [f64; 2],
    north_east: [f64; 2],
    limit: usize,
) -> Vec<[[f64; 2]; 2]> {
    let corner = |p: [f64; 2]| LatLon::new(p[1], p[0]).ok();
    let (Some(sw), Some(ne), Ok(graph)) = (
        corner(south_west),
        corner(north_east),
        state.roads.profile(freshroute_roads::Profile::Car),
    ) else {
        return Vec::new();
    };
    graph
        .segments_within(sw, ne, limit)
        .into_iter()
        .map(|[a, b]| [[a.lon(), a.lat()], [b.lon(), b.lat()]])
        .collect()
}

/// The box asked for.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct Around {
    /// `west,south,east,north` in degrees, longitude first, at most 5 km across.
    bbox: String,
}

/// What the answer holds.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct StreetsProperties {
    /// Segments drawn.
    segments: usize,
    /// Whether more segments cross the box than were answered (20,000 at most).
    truncated: bool,
}

/// The streets within a box, for a map drawn from freshroute's own road graph.
#[utoipa::path(get, path = "/v1/streets", tag = "operations", params(Around),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "A GeoJSON Feature: a MultiLineString of the street segments crossing the box", body = Feature<StreetsProperties>),
        (status = 400, description = "A box that does not read, is inside out or is over 5 km across", body = ErrorBody),
    ))]
pub(crate) async fn streets(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<Around>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Feature<StreetsProperties>>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher, Role::Planner])?;
    let Query(q) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let (south_west, north_east) = bbox(&q.bbox)?;
    let mut lines = within(&state, south_west, north_east, MAX_SEGMENTS + 1);
    let truncated = lines.len() > MAX_SEGMENTS;
    lines.truncate(MAX_SEGMENTS);
    Ok(Json(Feature::new(
        None,
        json!({"type": "MultiLineString", "coordinates": lines}),
        StreetsProperties {
            segments: lines.len(),
            truncated,
        },
    )))
}

/// `west,south,east,north` read and checked: its south-west and north-east corners.
fn bbox(text: &str) -> Result<([f64; 2], [f64; 2]), ApiError> {
    let bad = |why: &str| {
        ApiError::bad_request(
            "invalid_bbox",
            format!("bbox {why}: give west,south,east,north in degrees, longitude first, at most 5 km across (bbox=-8.62,41.14,-8.60,41.16)"),
        )
        .at("bbox")
    };
    let v: Vec<f64> = text
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad("does not read as four numbers"))?;
    let [west, south, east, north] = v[..] else {
        return Err(bad("needs four numbers"));
    };
    let on_globe = (-180.0..=180.0).contains(&west)
        && (-180.0..=180.0).contains(&east)
        && (-90.0..=90.0).contains(&south)
        && (-90.0..=90.0).contains(&north);
    if !on_globe {
        return Err(bad("is off the globe"));
    }
    if west >= east || south >= north {
        return Err(bad(
            "is inside out (west must be less than east, south than north)",
        ));
    }
    let wide_m = (east - west) * east_m_per_degree((south + north) / 2.0);
    let tall_m = (north - south) * NORTH_M_PER_DEGREE;
    if wide_m.max(tall_m) > MAX_SPAN_M {
        return Err(bad("is over 5 km across"));
    }
    Ok(([west, south], [east, north]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_box_reads_west_south_east_north_and_bad_ones_say_why() {
        assert_eq!(
            bbox("-8.62, 41.14,-8.60,41.16").expect("a box"),
            ([-8.62, 41.14], [-8.60, 41.16])
        );
        for (text, why) in [
            ("-8.62,41.14,-8.60", "needs four numbers"),
            ("west,41.14,-8.60,41.16", "does not read"),
            ("-8.60,41.14,-8.62,41.16", "inside out"),
            ("-8.62,91,-8.60,92", "off the globe"),
            ("-8.70,41.14,-8.60,41.16", "over 5 km"),
        ] {
            let e = bbox(text).expect_err(text);
            assert_eq!((e.code, e.field.as_deref()), ("invalid_bbox", Some("bbox")));
            assert!(e.message.contains(why), "{text}: {}", e.message);
        }
    }
}
