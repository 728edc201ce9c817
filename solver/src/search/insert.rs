//! Cheapest feasible insertion of a task into a route.
//!
//! Every check is O(1) against the route's cached data, except that a shipment's
//! delivery walks the stops between its pickup and itself.

use rand::Rng;
use rand::rngs::SmallRng;

use super::route::{Route, fits};
use crate::problem::{Load, Problem};

/// Where to insert: after positions `after[0]` (and `after[1]` for a delivery), and at what cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Insertion {
    pub(crate) after: [usize; 2],
    pub(crate) delta: i64,
}

/// Chance to skip a position while searching ("blinks"), which diversifies the recreate step.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Blink(pub(crate) f64);

impl Blink {
    #[inline]
    fn skip(self, rng: &mut SmallRng) -> bool {
        self.0 > 0.0 && rng.random::<f64>() < self.0
    }
}

fn allowed(pb: &Problem, route: &Route, node: u32) -> bool {
    let n = &pb.nodes[node as usize];
    let v = &pb.vehicles[route.vehicle];
    n.skills & !v.skills == 0 && n.vehicle.is_none_or(|only| only as usize == route.vehicle)
}

/// The new start at position `pos` of the old route when it is reached at `arrival`, if feasible.
#[inline]
fn reach(pb: &Problem, route: &Route, pos: usize, arrival: i64) -> Option<i64> {
    if arrival > route.latest[pos] {
        return None;
    }
    let s = if pos > route.len() {
        arrival
    } else {
        pb.nodes[route.nodes[pos - 1] as usize].start_at(arrival)?
    };
    // Optimistic for rides: a pickup just before may also lose its lateness, which
    // only the exact check in `try_apply` sees.
    (s - route.start[pos] <= route.ride_slack[pos]).then_some(s)
}

#[inline]
fn travel(pb: &Problem, route: &Route, from: Option<u32>, to: Option<u32>) -> (i64, i64) {
    let m = pb.matrix(route.vehicle);
    match (from, to) {
        (Some(a), Some(b)) => (m.duration(a, b), m.distance(a, b)),
        _ => (0, 0),
    }
}

fn cost_of(pb: &Problem, route: &Route, extra_distance: i64, end_delay: i64) -> i64 {
    let v = &pb.vehicles[route.vehicle];
    let fixed = if route.is_empty() { v.fixed_cost } else { 0 };
    fixed + v.cost_per_metre * extra_distance + v.cost_per_second * end_delay
}

fn end_delay(pb: &Problem, route: &Route, pos: usize, new_start: i64) -> i64 {
    if pb.vehicles[route.vehicle].cost_per_second == 0 {
        0
    } else {
        route.end_delay(pb, pos, new_start)
    }
}

/// The cheapest feasible place for job node `u` in `route`.
pub(crate) fn best_job(
    pb: &Problem,
    route: &Route,
    u: u32,
    blink: Blink,
    rng: &mut SmallRng,
) -> Option<Insertion> {
    if !allowed(pb, route, u) {
        return None;
    }
    let node = &pb.nodes[u as usize];
    let cap = pb.vehicles[route.vehicle].capacity;
    let mut best: Option<Insertion> = None;
    for k in 0..=route.len() {
        if blink.skip(rng) {
            continue;
        }
        if !fits(&route.pre_max[k], &node.delivery, &cap)
            || !fits(&route.load[k], &node.pickup, &cap)
            || !fits(&route.suf_max[k + 1], &node.pickup, &cap)
        {
            continue;
        }
        let (from, to) = (route.location(pb, k), route.location(pb, k + 1));
        let (t1, d1) = travel(pb, route, from, Some(node.location));
        let Some(s) = node.start_at(route.start[k] + route.service(pb, k) + t1) else {
            continue;
        };
        let (t2, d2) = travel(pb, route, Some(node.location), to);
        let Some(next) = reach(pb, route, k + 1, s + node.service + t2) else {
            continue;
        };
        let (_, d0) = travel(pb, route, from, to);
        let delta = cost_of(pb, route, d1 + d2 - d0, end_delay(pb, route, k + 1, next));
        if best.is_none_or(|b| delta < b.delta) {
            best = Some(Insertion {
                after: [k, k],
                delta,
            });
        }
    }
    best
}

/// The cheapest feasible places for a shipment's pickup `p` and delivery `d` in `route`.
pub(crate) fn best_shipment(
    pb: &Problem,
    route: &Route,
    p: u32,
    d: u32,
    max_ride: i64,
    blink: Blink,
    rng: &mut SmallRng,
) -> Option<Insertion> {
    if !allowed(pb, route, p) {
        return None;
    }
    let (pn, dn) = (&pb.nodes[p as usize], &pb.nodes[d as usize]);
    let cap = pb.vehicles[route.vehicle].capacity;
    let q: Load = pn.pickup;
    let n = route.len();
    let mut best: Option<Insertion> = None;
    for i in 0..=n {
        if !fits(&route.load[i], &q, &cap) {
            continue;
        }
        let from = route.location(pb, i);
        let (t1, d1) = travel(pb, route, from, Some(pn.location));
        let Some(sp) = pn.start_at(route.start[i] + route.service(pb, i) + t1) else {
            continue;
        };
        let departure = sp + pn.service;
        let (_, d_i_next) = travel(pb, route, from, route.location(pb, i + 1));
        let (_, d_p_next) = travel(pb, route, Some(pn.location), route.location(pb, i + 1));
        // Walk j = i, i + 1, ...: the delivery goes after old position j.
        let mut prev_loc = Some(pn.location);
        let mut prev_leave = departure;
        let mut first_next = 0;
        let p_window_end = pn
            .windows
            .iter()
            .find(|w| w.0 <= sp && sp <= w.1)
            .map_or(sp, |w| w.1);
        // No schedule leaves the pickup later than this: the bound for giving up on later places.
        let latest_departure = p_window_end + pn.service;
        for j in i..=n {
            if j > i {
                let (tj, _) = travel(pb, route, prev_loc, route.location(pb, j));
                let arrival = prev_leave + tj;
                if arrival > route.latest[j] || !fits(&route.load[j], &q, &cap) {
                    break;
                }
                let Some(sj) = pb.nodes[route.nodes[j - 1] as usize].start_at(arrival) else {
                    break;
                };
                if j == i + 1 && sj - route.start[j] > route.ride_slack[j] {
                    break;
                }
                if j == i + 1 {
                    first_next = sj;
                }
                if sj - latest_departure > max_ride {
                    break;
                }
                prev_loc = route.location(pb, j);
                prev_leave = sj + route.service(pb, j);
            }
            if blink.skip(rng) {
                continue;
            }
            let (td, dd1) = travel(pb, route, prev_loc, Some(dn.location));
            let Some(sd) = dn.start_at(prev_leave + td) else {
                break;
            };
            if sd - latest_departure > max_ride {
                break;
            }
            // The pickup is served as late as its window and its successor allow.
            let latest_leave = if j == i {
                sd - travel(pb, route, Some(pn.location), Some(dn.location)).0
            } else {
                first_next - travel(pb, route, Some(pn.location), route.location(pb, i + 1)).0
            };
            let leave = departure.max(latest_leave.min(p_window_end + pn.service));
            if sd - leave > max_ride {
                continue;
            }
            let to = route.location(pb, j + 1);
            let (t_next, dd2) = travel(pb, route, Some(dn.location), to);
            let Some(next) = reach(pb, route, j + 1, sd + dn.service + t_next) else {
                continue;
            };
            let extra = if j == i {
                let (_, d_pd) = travel(pb, route, Some(pn.location), Some(dn.location));
                d1 + d_pd + dd2 - d_i_next
            } else {
                let (_, d_j_next) = travel(pb, route, route.location(pb, j), to);
                d1 + d_p_next - d_i_next + dd1 + dd2 - d_j_next
            };
            let delta = cost_of(pb, route, extra, end_delay(pb, route, j + 1, next));
            if best.is_none_or(|b| delta < b.delta) {
                best = Some(Insertion {
                    after: [i, j],
                    delta,
                });
            }
        }
    }
    best
}

/// Inserts at a place found by [`best_job`] or [`best_shipment`] if the route stays
/// feasible, checked exactly on the rebuilt route; leaves the route as it was if not.
pub(crate) fn try_apply(pb: &Problem, route: &mut Route, nodes: &[u32], at: Insertion) -> bool {
    let mut changed = route.clone();
    match *nodes {
        [u] => changed.nodes.insert(at.after[0], u),
        [p, d] => {
            // After old position j means before index j of the old sequence; the pickup shifts it by one.
            changed.nodes.insert(at.after[1], d);
            changed.nodes.insert(at.after[0], p);
        }
        _ => return false,
    }
    changed.update(pb);
    if changed.ride_violations(pb).is_empty() {
        *route = changed;
        true
    } else {
        false
    }
}
