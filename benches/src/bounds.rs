//! What no dispatcher can beat: the earliest an order can be at its door.

use freshroute_dispatch::PlannerConfig;
use freshroute_model::{LatLon, Metres};
use freshroute_roads::RoadNetwork;

/// The fastest direct drive between two points (longitude first) over every profile, ms:
/// no courier can take an order from its store to its door sooner.
pub(crate) fn direct_drive_ms(roads: &RoadNetwork, from: [f64; 2], to: [f64; 2]) -> Option<i64> {
    let (a, b) = (
        LatLon::new(from[1], from[0]).ok()?,
        LatLon::new(to[1], to[0]).ok()?,
    );
    roads
        .profiles()
        .iter()
        .filter_map(|g| {
            let (sa, sb) = (g.snap(a, Metres(500)).ok()?, g.snap(b, Metres(500)).ok()?);
            let route = g.router().route(&sa, &sb).ok()??;
            Some(route.duration.0 * 1000)
        })
        .min()
}

/// The earliest an order whose food is ready at `ready_ms` can be at its door: taken at
/// its store the moment it is ready (the dispatcher's usual time at the store) and driven
/// straight there (`direct_ms`, the fastest drive), ms.
pub(crate) fn earliest_door_ms(ready_ms: i64, direct_ms: i64) -> i64 {
    ready_ms + PlannerConfig::default().pickup_service_s * 1000 + direct_ms
}
