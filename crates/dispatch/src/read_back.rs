//! A solved problem read back as the plan: each courier's route with its committed
//! first stop and times, the orders left out, with why; and, once the plan is final,
//! the roads of its routes ([`draw_roads`]).

use freshroute_model::Seconds;
use freshroute_roads::Profile;
use freshroute_solver::StopKind;

use crate::frame::{Frame, stop_times};
use crate::plan::{Lateness, Leg, Plan, PlannedRoute, PlannedStop};
use crate::snapshot::Snapshot;
use crate::travel::{Place, Travel};

/// The plan a solution of a framed snapshot makes: each courier's route with its
/// committed first stop (and that stop's leg) and times; the orders left out, with why.
pub(crate) fn read_back(
    snap: &Snapshot,
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
        at_store_on_arrival_s,
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
        let mut stops: Vec<PlannedStop> = committed.map(|(s, _)| s.clone()).into_iter().collect();
        stops.extend(solved_stops.iter().map(|s| {
            let o = task_orders[s.task.0 as usize];
            let p = places[s.location];
            let pickup = s.kind == StopKind::Pickup;
            let t = stop_times(
                now,
                at_store_on_arrival_s,
                s.kind,
                [s.arrival.0, s.start.0, s.departure.0],
            );
            PlannedStop {
                order_id: o.id.clone(),
                kind: if pickup { "pickup" } else { "delivery" },
                lat: p.lat,
                lon: p.lon,
                arrival_ms: t.arrival_ms,
                start_ms: t.start_ms,
                departure_ms: t.departure_ms,
                not_before_ms: if pickup { o.ready_ms } else { now },
                service_s: t.service_s,
                promised_ms: o.promised_ms,
            }
        }));
        // The committed stop's leg; the others' roads are drawn once the plan is final.
        let legs: Vec<Leg> = committed.map(|(_, l)| l.clone()).into_iter().collect();
        out.routes.push(PlannedRoute {
            region: String::new(),
            courier_id: courier.id.clone(),
            geometry: Vec::new(),
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

/// Draws each route's roads, leg by leg from where its courier starts (its committed
/// stop, whose leg the route already holds, or its latest fix), routes side by side on
/// every core; a leg that cannot be routed is drawn straight and takes the plan's time.
pub(crate) fn draw_roads(plan: &mut Plan, snap: &Snapshot, travel: &dyn Travel) {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = plan.routes.len().div_ceil(workers).max(1);
    let now = plan.created_ms;
    std::thread::scope(|scope| {
        for routes in plan.routes.chunks_mut(chunk) {
            scope.spawn(move || {
                for r in routes {
                    draw_route(r, snap, travel, now);
                }
            });
        }
    });
}

fn draw_route(route: &mut PlannedRoute, snap: &Snapshot, travel: &dyn Travel, now: i64) {
    let courier = snap.couriers.iter().find(|c| c.id == route.courier_id);
    let committed = !route.legs.is_empty();
    let place = |s: &PlannedStop| Place {
        lat: s.lat,
        lon: s.lon,
    };
    let start = match committed {
        true => route.stops.first().map(place),
        false => courier.and_then(|c| c.position).map(|f| Place {
            lat: f.lat,
            lon: f.lon,
        }),
    };
    let solved = &route.stops[usize::from(committed)..];
    let waypoints: Vec<Place> = start
        .or_else(|| solved.first().map(place))
        .into_iter()
        .chain(solved.iter().map(place))
        .collect();
    // Where a leg cannot be routed, the plan's own time for it.
    let left = route
        .stops
        .first()
        .filter(|_| committed)
        .map_or(now, |s| s.departure_ms);
    let fallback_s: Vec<i64> = solved
        .iter()
        .scan(left, |left, s| {
            let leg = (s.arrival_ms - *left).max(0) / 1000;
            *left = s.departure_ms;
            Some(leg)
        })
        .collect();
    let profile = courier.and_then(|c| c.profile).unwrap_or(Profile::Car);
    route
        .legs
        .extend(travel.legs(profile, &waypoints, &fallback_s));
    route.geometry = route.legs.iter().flat_map(|l| l.geometry.clone()).collect();
    route.geometry.dedup();
}
