//! Live routes: each courier's remaining planned stops, re-timed from every accepted fix.
//! A fix is matched to the road the courier should be on (the leg to its next stop); on
//! it, the time left is the leg's time times the share of the leg still ahead; off it
//! (farther than [`OFF_ROUTE_M`]), the leg is routed again from the fix. The stops after
//! keep their planned order, each served no earlier than it may be.
//!
//! Fixes only mark their courier for refreshing; [`refresh_forever`] does the work apart
//! from the ingest path, and [`refresh_marked`] does it at once (for simulations).

use std::collections::{HashMap, HashSet};

use freshroute_roads::{Profile, RoadNetwork};
use freshroute_store::{FixRecord, OrderStatus};
use geo::{Closest, ClosestPoint, Distance, Euclidean, LineLocatePoint, LineString, Point};

use crate::notices::{self, EtaUpdate};
use crate::places::snap_near;
use crate::state::AppState;
use freshroute_dispatch::{Leg, Plan, PlannedStop};

/// A fix farther than this from the road its courier should be on is off its route.
pub const OFF_ROUTE_M: f64 = 60.0;

/// One leg as the live route keeps it.
#[derive(Debug, Clone)]
struct LiveLeg {
    leg: Leg,
    /// Its start is no longer where the courier is or will be (a stop before it was
    /// taken out): routed again at the next fix.
    stale: bool,
}

/// A courier's remaining stops with their current times.
#[derive(Debug, Clone)]
pub(crate) struct LiveRoute {
    profile: Profile,
    /// Remaining stops, in planned order.
    stops: Vec<PlannedStop>,
    /// `legs[k]` ends at `stops[k]`; `legs[0]` is the road the courier is on.
    legs: Vec<LiveLeg>,
    /// Expected service start of each remaining stop, epoch ms.
    etas: Vec<i64>,
    /// Times the courier was found off its route and routed again.
    reroutes: u32,
    /// When the courier said it reached its first stop, if it did.
    arrived_ms: Option<i64>,
}

/// A stop still ahead of a courier.
#[derive(Debug, Clone)]
pub(crate) struct NextStop {
    pub(crate) stop: PlannedStop,
    /// Its expected service start, epoch ms.
    pub(crate) eta_ms: i64,
    /// The road there.
    pub(crate) road: Leg,
}

/// Every courier's live route, and the couriers with fixes not yet taken in.
#[derive(Debug, Default)]
pub(crate) struct Live {
    routes: HashMap<String, LiveRoute>,
    marked: HashSet<String>,
}

impl Live {
    /// Takes the plan's routes as they are planned.
    pub(crate) fn adopt(&mut self, plan: &Plan, profiles: &HashMap<String, Profile>) {
        self.routes = plan
            .routes
            .iter()
            .filter_map(|r| {
                let profile = *profiles.get(&r.courier_id)?;
                Some((
                    r.courier_id.clone(),
                    LiveRoute {
                        profile,
                        etas: r.stops.iter().map(|s| s.start_ms).collect(),
                        stops: r.stops.clone(),
                        legs: r
                            .legs
                            .iter()
                            .map(|l| LiveLeg {
                                leg: l.clone(),
                                stale: false,
                            })
                            .collect(),
                        reroutes: 0,
                        arrived_ms: None,
                    },
                ))
            })
            .collect();
    }

    /// Notes that `courier` sent a fix.
    pub(crate) fn mark(&mut self, courier: &str) {
        if self.routes.contains_key(courier) {
            self.marked.insert(courier.to_string());
        }
    }

    /// Takes an order's stops out as its status says: its pickup once picked up, all of
    /// them once it is done or taken back.
    pub(crate) fn order_moved(&mut self, order_id: &str, status: OrderStatus) {
        let done_here = matches!(
            status,
            OrderStatus::PickedUp | OrderStatus::Delivered | OrderStatus::Failed
        );
        for route in self.routes.values_mut() {
            let mut k = 0;
            while k < route.stops.len() {
                let s = &route.stops[k];
                let goes = s.order_id == order_id
                    && (status != OrderStatus::PickedUp || s.kind == "pickup");
                if !goes {
                    k += 1;
                    continue;
                }
                // The courier is at the stop it finished; any other taken-out stop leaves
                // the next leg starting where nobody will be.
                let at_it = done_here && k == 0;
                if k == 0 {
                    route.arrived_ms = None;
                }
                route.stops.remove(k);
                route.legs.remove(k);
                route.etas.remove(k);
                if let Some(next) = route.legs.get_mut(k).filter(|_| !at_it) {
                    next.stale = true;
                }
            }
        }
    }

    /// Notes that `courier` reached its first stop, `order_id`'s `kind`, at `at_ms`; its
    /// times are taken from there until the stop is done. `false` when that is not its
    /// first stop.
    pub(crate) fn arrived(
        &mut self,
        courier: &str,
        order_id: &str,
        kind: &str,
        at_ms: i64,
    ) -> bool {
        let Some(route) = self.routes.get_mut(courier) else {
            return false;
        };
        let first = route.stops.first();
        if !first.is_some_and(|s| s.order_id == order_id && s.kind == kind) {
            return false;
        }
        route.arrived_ms = Some(at_ms);
        self.marked.insert(courier.to_string());
        true
    }

    /// The current ETA (service start) of an order's delivery.
    pub(crate) fn eta_ms(&self, order_id: &str) -> Option<i64> {
        self.routes.values().find_map(|r| {
            r.stops
                .iter()
                .zip(&r.etas)
                .find(|(s, _)| s.order_id == order_id && s.kind == "delivery")
                .map(|(_, &eta)| eta)
        })
    }

    /// The stop each courier is on its way to, with its ETA as the service start and the
    /// road there.
    pub(crate) fn heading(&self) -> HashMap<String, (PlannedStop, Leg)> {
        self.routes
            .iter()
            .filter_map(|(c, r)| {
                let stop = r.stops.first()?;
                let eta = *r.etas.first()?;
                let leg = r.legs.first()?.leg.clone();
                // Only the service start is tracked live: the arrival is shown as that.
                Some((
                    c.clone(),
                    (
                        PlannedStop {
                            arrival_ms: eta,
                            start_ms: eta,
                            departure_ms: eta + stop.service_s * 1000,
                            ..stop.clone()
                        },
                        leg,
                    ),
                ))
            })
            .collect()
    }

    /// Whether `courier`'s next stop is `order_id`'s delivery.
    pub(crate) fn heading_to(&self, courier: &str, order_id: &str) -> bool {
        self.routes
            .get(courier)
            .and_then(|r| r.stops.first())
            .is_some_and(|s| s.order_id == order_id && s.kind == "delivery")
    }

    /// A courier's remaining stops with their current ETAs and the road to each;
    /// `None` when it has no live route.
    pub(crate) fn stops_of(&self, courier: &str) -> Option<Vec<NextStop>> {
        self.routes.get(courier).map(|r| {
            r.stops
                .iter()
                .zip(&r.etas)
                .zip(&r.legs)
                .map(|((s, &eta_ms), l)| NextStop {
                    stop: s.clone(),
                    eta_ms,
                    road: l.leg.clone(),
                })
                .collect()
        })
    }

    /// Times `courier` was found off its route since the plan.
    pub(crate) fn reroutes_of(&self, courier: &str) -> u32 {
        self.routes.get(courier).map_or(0, |r| r.reroutes)
    }
}

/// Local metres around `origin`: precise enough over a city to match a fix to a road.
fn metres(origin: [f64; 2], p: [f64; 2]) -> geo::Coord {
    geo::Coord {
        x: (p[0] - origin[0]) * crate::places::east_m_per_degree(origin[1]),
        y: (p[1] - origin[1]) * crate::places::NORTH_M_PER_DEGREE,
    }
}

/// Where `fix` lies against a leg: its distance from the road, metres, and the share of
/// the leg already behind it.
fn locate(leg: &Leg, fix: [f64; 2]) -> Option<(f64, f64)> {
    if leg.geometry.len() < 2 {
        return None;
    }
    let line: LineString = leg.geometry.iter().map(|&p| metres(fix, p)).collect();
    let at = Point::new(0.0, 0.0);
    let distance = match line.closest_point(&at) {
        Closest::Intersection(p) | Closest::SinglePoint(p) => Euclidean.distance(p, at),
        Closest::Indeterminate => return None,
    };
    Some((distance, line.line_locate_point(&at)?))
}

/// The road from `fix` to `to` on `profile`, or `None` when either is off the roads.
fn route_from(roads: &RoadNetwork, profile: Profile, fix: [f64; 2], to: [f64; 2]) -> Option<Leg> {
    let graph = roads.profile(profile).ok()?;
    let snap = |p: [f64; 2]| snap_near(graph, p[1], p[0]);
    let route = graph.router().route(&snap(fix)?, &snap(to)?).ok()??;
    let mut geometry = vec![fix];
    geometry.extend(route.geometry.iter().map(|p| [p.lon(), p.lat()]));
    geometry.push(to);
    geometry.dedup();
    Some(Leg {
        geometry,
        duration_s: route.duration.0,
    })
}

/// Re-times a route from its courier's fix; returns its deliveries' new ETAs.
fn retime(roads: &RoadNetwork, route: &mut LiveRoute, fix: &FixRecord) -> Vec<(String, i64, i64)> {
    let Some(first) = route.stops.first() else {
        return Vec::new();
    };
    let here = [fix.lon, fix.lat];
    let target = [first.lon, first.lat];
    let current = &mut route.legs[0];
    let on_route = if route.arrived_ms.is_some() {
        // At the stop: nothing left to drive.
        Some((0.0, 1.0))
    } else if current.stale {
        None
    } else {
        locate(&current.leg, here).filter(|(d, _)| *d <= OFF_ROUTE_M)
    };
    let left_s = match on_route {
        Some((_, behind)) => (current.leg.duration_s as f64 * (1.0 - behind)).round() as i64,
        None => match route_from(roads, route.profile, here, target) {
            Some(leg) => {
                let s = leg.duration_s;
                *current = LiveLeg { leg, stale: false };
                route.reroutes += 1;
                s
            }
            // Off the roads altogether: the leg's own time, for want of better.
            None => current.leg.duration_s,
        },
    };
    let mut t = match route.arrived_ms {
        Some(at) => at,
        None => fix.fix_ms + left_s * 1000,
    };
    let mut etas = Vec::new();
    for (k, s) in route.stops.iter().enumerate() {
        if k > 0 {
            t += route.legs[k].leg.duration_s * 1000;
        }
        let start = t.max(s.not_before_ms);
        route.etas[k] = start;
        if s.kind == "delivery" {
            etas.push((s.order_id.clone(), s.promised_ms, start));
        }
        t = start + s.service_s * 1000;
    }
    etas
}

/// Re-times every marked courier from its latest fix and tells [`notices::watch`] the
/// deliveries' new ETAs.
pub async fn refresh_marked(state: &AppState) {
    let marked: Vec<String> = {
        let mut live = state.live.lock().expect("live routes lock");
        live.marked.drain().collect()
    };
    if marked.is_empty() {
        return;
    }
    let fixes: Vec<FixRecord> = {
        let latest = state.latest.read().await;
        marked
            .iter()
            .filter_map(|c| latest.get(c).cloned())
            .collect()
    };
    let mut updates = Vec::new();
    {
        let mut live = state.live.lock().expect("live routes lock");
        for fix in &fixes {
            if let Some(route) = live.routes.get_mut(&fix.courier_id) {
                let reroutes = route.reroutes;
                let etas = retime(&state.roads, route, fix);
                if route.reroutes > reroutes {
                    // Off the planned road: the plan may want to change more than the road.
                    state.plan_wake.notify_one();
                }
                for (order_id, promised_ms, eta) in etas {
                    updates.push(EtaUpdate {
                        order_id,
                        promised_ms,
                        eta_ms: Some(eta),
                    });
                }
            }
        }
    }
    if let Err(e) = notices::watch(state, &updates).await {
        tracing::warn!(
            code = e.code,
            "live ETAs could not be checked against promises"
        );
    }
}

/// Re-times couriers as their fixes come in, for ever.
pub async fn refresh_forever(state: AppState) {
    loop {
        state.live_wake.notified().await;
        refresh_marked(&state).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fix_on_the_leg_is_placed_along_it() {
        // 0.01° of longitude at 43.7°N is about 805 m: a straight leg east.
        let leg = Leg {
            geometry: vec![[7.41, 43.73], [7.42, 43.73]],
            duration_s: 100,
        };
        let (d, behind) = locate(&leg, [7.4125, 43.7301]).expect("located");
        assert!(d < 15.0, "{d}");
        assert!((behind - 0.25).abs() < 0.01, "{behind}");
        let (d, _) = locate(&leg, [7.415, 43.732]).expect("located");
        assert!(d > OFF_ROUTE_M, "about 220 m north is off the route: {d}");
    }
}
