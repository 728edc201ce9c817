//! A solved problem read back as the plan: each courier's route with its committed
//! first stop, times and roads; the orders left out, with why.

use freshroute_model::Seconds;
use freshroute_roads::{Profile, RoadNetwork};
use freshroute_solver::StopKind;

use crate::config::{DELIVERY_SERVICE_S, PICKUP_SERVICE_S};
use crate::frame::Frame;
use crate::plan::{Lateness, Leg, Plan, PlannedRoute, PlannedStop};
use crate::snapshot::Snapshot;
use crate::travel::{Place, road_legs};

/// The plan a solution of a framed snapshot makes: each courier's route with its
/// committed first stop, times and roads; the orders left out, with why.
pub(crate) fn read_back(
    snap: &Snapshot,
    roads: &RoadNetwork,
    framed: Frame<'_>,
    solution: &freshroute_solver::Solution,
) -> Plan {
    let Frame {
        now,
        places,
        vehicles,
        heading_orders,
        task_orders,
        pinned,
        earliest,
        mut out,
        clock,
        ..
    } = framed;
    let at = |s: Seconds| now + s.0 * 1000;
    for (v, courier) in vehicles.iter().enumerate() {
        let solved_stops = solution
            .routes
            .iter()
            .find(|r| r.vehicle == v)
            .map_or(&[][..], |r| &r.stops[..]);
        let committed = snap.heading.get(&courier.id).filter(|(s, _)| {
            heading_orders
                .get(s.order_id.as_str())
                .is_some_and(|h| h.0 == v)
        });
        if solved_stops.is_empty() && committed.is_none() {
            continue;
        }
        let mut waypoints: Vec<Place> = Vec::new();
        let start = match committed {
            Some((s, _)) => Some(Place {
                lat: s.lat,
                lon: s.lon,
            }),
            None => courier.position.map(|f| Place {
                lat: f.lat,
                lon: f.lon,
            }),
        };
        waypoints.extend(start.or_else(|| solved_stops.first().map(|s| places[s.location])));
        let mut stops: Vec<PlannedStop> = committed.map(|(s, _)| s.clone()).into_iter().collect();
        stops.extend(solved_stops.iter().map(|s| {
            let o = task_orders[s.task.0 as usize];
            let p = places[s.location];
            waypoints.push(p);
            let pickup = s.kind == StopKind::Pickup;
            PlannedStop {
                order_id: o.id.clone(),
                kind: if pickup { "pickup" } else { "delivery" },
                lat: p.lat,
                lon: p.lon,
                arrival_ms: at(s.arrival),
                start_ms: at(s.start),
                departure_ms: at(s.departure),
                not_before_ms: if pickup { o.ready_ms } else { now },
                service_s: if pickup {
                    PICKUP_SERVICE_S
                } else {
                    DELIVERY_SERVICE_S
                },
                promised_ms: o.promised_ms,
            }
        }));
        let profile = courier.profile.unwrap_or(Profile::Car);
        // Where a leg cannot be routed, the plan's own time for it.
        let solved = &stops[usize::from(committed.is_some())..];
        let fallback_s: Vec<i64> = solved
            .iter()
            .scan(
                stops
                    .first()
                    .filter(|_| committed.is_some())
                    .map_or(now, |s| s.departure_ms),
                |left, s| {
                    let leg = (s.arrival_ms - *left).max(0) / 1000;
                    *left = s.departure_ms;
                    Some(leg)
                },
            )
            .collect();
        let mut legs: Vec<Leg> = committed.map(|(_, l)| l.clone()).into_iter().collect();
        legs.extend(road_legs(roads, profile, &waypoints, &fallback_s));
        let mut geometry: Vec<[f64; 2]> = legs.iter().flat_map(|l| l.geometry.clone()).collect();
        geometry.dedup();
        out.routes.push(PlannedRoute {
            region: String::new(),
            courier_id: courier.id.clone(),
            geometry,
            stops,
            legs,
        });
    }
    out.behind = solution
        .routes
        .iter()
        .flat_map(|r| &r.stops)
        .filter(|s| matches!(s.kind, StopKind::Delivery | StopKind::Dropoff))
        .filter_map(|s| {
            let t = s.task.0 as usize;
            let (o, e) = (task_orders[t], earliest[t]);
            let eta_ms = at(s.start);
            (eta_ms > o.promised_ms).then(|| Lateness {
                order_id: o.id.clone(),
                cause: e.cause(o.promised_ms),
                eta_ms,
                earliest_ms: e.door_ms(),
            })
        })
        .collect();
    out.solve_ms = clock.elapsed().as_millis();
    for u in &solution.unassigned {
        let t = u.task.0 as usize;
        let id = task_orders[t].id.clone();
        match pinned.iter().find(|(k, _)| *k == t) {
            Some((_, courier)) => out.broken_pins.push((id, courier.clone(), u.reason.code())),
            None => out.unassigned.push((id, u.reason.code())),
        }
    }
    out
}
