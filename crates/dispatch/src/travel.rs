//! Travel as the dispatcher knows it ([`Travel`]): tables between places, the fastest
//! drive, a route's legs. On the city's roads ([`RoadNetwork`]): places snapped to a
//! profile's roads, travel tables between them, the fastest drive, and the roads of a
//! route leg by leg.

use freshroute_model::{LatLon, Metres, Seconds};
use freshroute_roads::{Profile, ProfileGraph, RoadNetwork, Snap};
use freshroute_solver::TravelMatrix;

use crate::plan::Leg;

/// Farthest a store or a customer may be from a road a courier can use.
pub const MAX_ROAD_DISTANCE: Metres = Metres(200);

/// The road point of `graph` nearest `lat`, `lon`, if one is within
/// [`MAX_ROAD_DISTANCE`] (and the position is valid).
pub fn snap_near(graph: &ProfileGraph, lat: f64, lon: f64) -> Option<Snap> {
    let at = LatLon::new(lat, lon).ok()?;
    graph.snap(at, MAX_ROAD_DISTANCE).ok()
}

/// A place on the map.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Place {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

/// Where the dispatcher learns how long travel takes: a city's roads, or a plane at a
/// constant speed (the meal-delivery benchmark's instances).
pub trait Travel: Sync {
    /// Travel times and distances between every pair of `places` on `profile`; a place
    /// the profile cannot reach gets times no window allows.
    fn table(&self, profile: Profile, places: &[Place]) -> TravelMatrix;
    /// The fastest drive from `from` to `to`, milliseconds; `None` where none leads there.
    fn drive_ms(&self, profile: Profile, from: Place, to: Place) -> Option<i64>;
    /// The way through `waypoints`, leg by leg, as `[lon, lat]` pairs with driving
    /// times; a leg that cannot be found is drawn straight and takes `fallback_s[k]`.
    fn legs(&self, profile: Profile, waypoints: &[Place], fallback_s: &[i64]) -> Vec<Leg>;
}

impl Travel for RoadNetwork {
    fn table(&self, profile: Profile, places: &[Place]) -> TravelMatrix {
        matrix(self, profile, places)
    }

    fn drive_ms(&self, profile: Profile, from: Place, to: Place) -> Option<i64> {
        let graph = self.profile(profile).ok()?;
        let a = snap_near(graph, from.lat, from.lon)?;
        let b = snap_near(graph, to.lat, to.lon)?;
        let d = graph
            .table(&[a], &[b])
            .durations()
            .first()
            .copied()
            .flatten()?;
        Some(d.0 * 1000)
    }

    fn legs(&self, profile: Profile, waypoints: &[Place], fallback_s: &[i64]) -> Vec<Leg> {
        road_legs(self, profile, waypoints, fallback_s)
    }
}

/// The travel tables of a plan's places, one per profile, kept between the passes of one
/// plan: they are the costliest part of framing, and the places do not change.
#[derive(Debug, Default)]
pub struct Tables {
    profiles: Vec<Profile>,
    places: Vec<Place>,
    matrices: Vec<TravelMatrix>,
}

impl Tables {
    /// The tables between `places` on each of `profiles`' roads, computed side by side
    /// unless the last call asked for the same.
    pub(crate) fn between(
        &mut self,
        travel: &dyn Travel,
        profiles: &[Profile],
        places: &[Place],
    ) -> Vec<TravelMatrix> {
        if self.profiles != profiles || self.places != places {
            self.matrices = std::thread::scope(|scope| {
                let others: Vec<_> = profiles[1.min(profiles.len())..]
                    .iter()
                    .map(|&p| scope.spawn(move || travel.table(p, places)))
                    .collect();
                let first = profiles.first().map(|&p| travel.table(p, places));
                first
                    .into_iter()
                    .chain(
                        others
                            .into_iter()
                            .map(|h| h.join().expect("a travel table")),
                    )
                    .collect()
            });
            self.profiles = profiles.to_vec();
            self.places = places.to_vec();
        }
        self.matrices.clone()
    }
}

/// Travel times between every pair of places on a profile's roads; a place the
/// profile cannot reach gets times no window allows.
fn matrix(roads: &RoadNetwork, profile: Profile, places: &[Place]) -> TravelMatrix {
    const NEVER: i64 = 1_000_000_000;
    let n = places.len();
    let Ok(graph) = roads.profile(profile) else {
        return TravelMatrix::new(n, vec![Seconds(NEVER); n * n], vec![Metres(0); n * n]);
    };
    let snaps: Vec<Option<Snap>> = places
        .iter()
        .map(|p| snap_near(graph, p.lat, p.lon))
        .collect();
    let known: Vec<usize> = (0..n).filter(|&i| snaps[i].is_some()).collect();
    let list: Vec<Snap> = known.iter().filter_map(|&i| snaps[i]).collect();
    let table = graph.table(&list, &list);
    let (d, m) = (table.durations(), table.distances());
    let mut durations = vec![Seconds(NEVER); n * n];
    let mut distances = vec![Metres(0); n * n];
    for (a, &i) in known.iter().enumerate() {
        for (b, &j) in known.iter().enumerate() {
            if let (Some(t), Some(x)) = (d[a * known.len() + b], m[a * known.len() + b]) {
                durations[i * n + j] = t;
                distances[i * n + j] = x;
            }
        }
    }
    for i in 0..n {
        durations[i * n + i] = Seconds(0);
    }
    TravelMatrix::new(n, durations, distances)
}

/// The roads through `waypoints`, leg by leg, as `[lon, lat]` pairs with driving times;
/// a leg that cannot be routed is drawn straight and takes `fallback_s[k]`.
pub fn road_legs(
    roads: &RoadNetwork,
    profile: Profile,
    waypoints: &[Place],
    fallback_s: &[i64],
) -> Vec<Leg> {
    let straight = |p: &Place| [p.lon, p.lat];
    let graph = roads.profile(profile).ok();
    let snap = |p: &Place| snap_near(graph?, p.lat, p.lon);
    let mut router = graph.map(|g| g.router());
    waypoints
        .windows(2)
        .zip(fallback_s)
        .map(|(leg, &fallback)| {
            let path = match (snap(&leg[0]), snap(&leg[1]), router.as_mut()) {
                (Some(a), Some(b), Some(r)) => r.route(&a, &b).ok().flatten(),
                _ => None,
            };
            match path {
                Some(route) => {
                    let mut geometry = vec![straight(&leg[0])];
                    geometry.extend(route.geometry.iter().map(|p| [p.lon(), p.lat()]));
                    geometry.push(straight(&leg[1]));
                    geometry.dedup();
                    Leg {
                        geometry,
                        duration_s: route.duration.0,
                    }
                }
                None => Leg {
                    geometry: vec![straight(&leg[0]), straight(&leg[1])],
                    duration_s: fallback,
                },
            }
        })
        .collect()
}
