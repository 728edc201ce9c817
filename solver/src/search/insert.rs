//! Cheapest feasible insertion of a task into a route.
//!
//! Every check is O(1) against the route's cached data, except that a shipment's
//! delivery walks the stops between its pickup and itself. The checks refuse only
//! what is surely infeasible; where ride limits make waiting matter, the places
//! that pass are confirmed cheapest first on the rebuilt schedule.

use std::cell::RefCell;

use rand::Rng;
use rand::rngs::SmallRng;

use super::route::{Push, Route, fits, lateness, rank_room};
use super::schedule;
use crate::problem::{Load, NO_LIMIT, Problem};

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

/// Whether `node` may ride on `route`'s vehicle (its skills, the vehicle it is bound to).
pub(crate) fn allowed(pb: &Problem, route: &Route, node: u32) -> bool {
    let n = &pb.nodes[node as usize];
    let v = &pb.vehicles[route.vehicle];
    n.skills & !v.skills == 0 && n.vehicle.is_none_or(|only| only as usize == route.vehicle)
}

/// The new start at position `pos` of the old route when it is reached at `arrival`, if its
/// window and the rest of the route allow it.
#[inline]
fn reach(pb: &Problem, route: &Route, pos: usize, arrival: i64) -> Option<i64> {
    if arrival > route.latest[pos] {
        return None;
    }
    if pos > route.len() {
        Some(arrival)
    } else {
        pb.nodes[route.nodes[pos - 1] as usize].start_at(arrival)
    }
}

#[inline]
fn travel(pb: &Problem, route: &Route, from: Option<u32>, to: Option<u32>) -> (i64, i64) {
    let m = pb.matrix(route.vehicle);
    match (from, to) {
        (Some(a), Some(b)) => (m.duration(a, b), m.distance(a, b)),
        _ => (0, 0),
    }
}

/// What an insertion costs: the vehicle's fixed cost if the route was empty, the extra
/// distance, the later end, and the lateness it adds (its own stops' and the push's).
fn cost_of(pb: &Problem, route: &Route, extra_distance: i64, push: Push) -> i64 {
    let v = &pb.vehicles[route.vehicle];
    let fixed = if route.is_empty() { v.fixed_cost } else { 0 };
    fixed + v.cost_per_metre * extra_distance + v.cost_per_second * push.end + push.late
}

/// What starting position `pos` at `new_start` pushes down the route, computed only
/// where the costs read it.
fn push(pb: &Problem, route: &Route, pos: usize, new_start: i64) -> Push {
    if pb.vehicles[route.vehicle].cost_per_second == 0 && !pb.has_soft_ends {
        Push::default()
    } else {
        route.push(pb, pos, new_start)
    }
}

/// `push` with `late` more lateness (the inserted stops' own, and the stops between).
fn plus_late(mut push: Push, late: i64) -> Push {
    push.late += late;
    push
}

/// A place that passed the O(1) checks, with its estimated cost and extra distance.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    delta: i64,
    extra_distance: i64,
    after: [usize; 2],
}

thread_local! {
    /// Places waiting to be confirmed, the rebuilt sequence and its schedule, reused between calls.
    static SCRATCH: RefCell<(Vec<Candidate>, Vec<u32>, Vec<i64>)> =
        const { RefCell::new((Vec::new(), Vec::new(), Vec::new())) };
}

/// Keeps `c` if it is the cheapest so far; with `confirm`, collects it for [`confirmed`] instead.
#[inline]
fn offer(best: &mut Option<Candidate>, pending: &mut Vec<Candidate>, confirm: bool, c: Candidate) {
    if confirm {
        pending.push(c);
    } else if best.is_none_or(|b| c.delta < b.delta) {
        *best = Some(c);
    }
}

/// The route's node sequence with `nodes` inserted at `after` (positions of the old route).
fn inserted(route: &Route, nodes: &[u32], after: [usize; 2], out: &mut Vec<u32>) {
    out.clear();
    out.extend_from_slice(&route.nodes);
    match *nodes {
        [u] => out.insert(after[0], u),
        [p, d] => {
            // After old position j means before index j of the old sequence; the pickup shifts it by one.
            out.insert(after[1], d);
            out.insert(after[0], p);
        }
        _ => {}
    }
}

/// The cheapest of `pending` whose rebuilt schedule is feasible, with its exact cost.
fn confirmed(
    pb: &Problem,
    route: &Route,
    nodes: &[u32],
    pending: &mut [Candidate],
    seq: &mut Vec<u32>,
    start: &mut Vec<i64>,
) -> Option<Insertion> {
    pending.sort_unstable_by_key(|c| (c.delta, c.after));
    let old_end = route.start[route.len() + 1];
    pending.iter().find_map(|c| {
        inserted(route, nodes, c.after, seq);
        schedule::earliest(pb, route.vehicle, seq, start).ok()?;
        let late = if pb.has_soft_ends {
            lateness(pb, seq, &start[1..]) - route.lateness
        } else {
            0
        };
        let push = Push {
            end: start[seq.len() + 1] - old_end,
            late,
        };
        Some(Insertion {
            after: c.after,
            delta: cost_of(pb, route, c.extra_distance, push),
        })
    })
}

/// Runs `scan` over the candidate places of `nodes`, then picks the best: straight
/// from the O(1) checks on routes without ride limits, confirmed on the rebuilt
/// schedule otherwise.
fn choose(
    pb: &Problem,
    route: &Route,
    nodes: &[u32],
    confirm: bool,
    scan: impl FnOnce(&mut dyn FnMut(Candidate)),
) -> Option<Insertion> {
    SCRATCH.with_borrow_mut(|(pending, seq, start)| {
        pending.clear();
        let mut best = None;
        scan(&mut |c| offer(&mut best, pending, confirm, c));
        if confirm {
            confirmed(pb, route, nodes, pending, seq, start)
        } else {
            best.map(|c| Insertion {
                after: c.after,
                delta: c.delta,
            })
        }
    })
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
    let (first, last) = rank_room(pb, route, node.rank);
    choose(pb, route, &[u], route.has_ride_limits, |offer| {
        for k in first..=last {
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
            let (t0, d0) = travel(pb, route, from, to);
            if t1 + node.service + t2 - t0 > route.ride_room[k + 1] {
                continue;
            }
            let Some(next) = reach(pb, route, k + 1, s + node.service + t2) else {
                continue;
            };
            let extra_distance = d1 + d2 - d0;
            let pushed = plus_late(push(pb, route, k + 1, next), node.lateness(s));
            offer(Candidate {
                delta: cost_of(pb, route, extra_distance, pushed),
                extra_distance,
                after: [k, k],
            });
        }
    })
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
    let vehicle = &pb.vehicles[route.vehicle];
    let cap = vehicle.capacity;
    let q: Load = pn.pickup;
    let n = route.len();
    let confirm = route.has_ride_limits || max_ride < NO_LIMIT;
    // No schedule leaves the pickup later than this: the bound for giving up on later places.
    let latest_departure = pn.windows.last().map_or(i64::MIN / 4, |w| w.1) + pn.service;
    // Where a dispatcher's order of the stops lets each go.
    let (first_p, last_p) = rank_room(pb, route, pn.rank);
    let (first_d, last_d) = rank_room(pb, route, dn.rank);
    choose(pb, route, &[p, d], confirm, |offer| {
        for i in first_p..=last_p {
            if !fits(&route.load[i], &q, &cap) {
                continue;
            }
            let from = route.location(pb, i);
            let (t1, d1) = travel(pb, route, from, Some(pn.location));
            let Some(sp) = vehicle.start_at(pn, route.start[i] + route.service(pb, i) + t1) else {
                continue;
            };
            let departure = sp + pn.service;
            let (t_i_next, d_i_next) = travel(pb, route, from, route.location(pb, i + 1));
            let (t_p_next, d_p_next) =
                travel(pb, route, Some(pn.location), route.location(pb, i + 1));
            // The pickup alone, before old position i + 1, lengthens the rides on board there.
            let pickup_fits_rides = t1 + pn.service + t_p_next - t_i_next <= route.ride_room[i + 1];
            // Walk j = i, i + 1, ...: the delivery goes after old position j.
            let mut prev_loc = Some(pn.location);
            let mut prev_leave = departure;
            // Driving and service from leaving the pickup to leaving `prev_loc`, without waiting.
            let mut no_wait = 0;
            // Lateness of the pickup, and what the stops between it and the delivery add.
            let mut late = pn.lateness(sp);
            for j in i..=n.min(last_d) {
                if j > i {
                    if !pickup_fits_rides {
                        break;
                    }
                    let (tj, _) = travel(pb, route, prev_loc, route.location(pb, j));
                    let arrival = prev_leave + tj;
                    if arrival > route.latest[j] || !fits(&route.load[j], &q, &cap) {
                        break;
                    }
                    let Some(sj) = pb.nodes[route.nodes[j - 1] as usize].start_at(arrival) else {
                        break;
                    };
                    no_wait += tj + route.service(pb, j);
                    if sj - latest_departure > max_ride || no_wait > max_ride {
                        break;
                    }
                    let node = &pb.nodes[route.nodes[j - 1] as usize];
                    late += node.lateness(sj) - node.lateness(route.start[j]);
                    prev_loc = route.location(pb, j);
                    prev_leave = sj + route.service(pb, j);
                }
                if j < first_d || blink.skip(rng) {
                    continue;
                }
                let (td, dd1) = travel(pb, route, prev_loc, Some(dn.location));
                let Some(sd) = dn.start_at(prev_leave + td) else {
                    break;
                };
                if sd - latest_departure > max_ride {
                    break;
                }
                if no_wait + td > max_ride {
                    continue;
                }
                let to = route.location(pb, j + 1);
                let (t_next, dd2) = travel(pb, route, Some(dn.location), to);
                // The delivery, before old position j + 1, lengthens the rides on board there.
                let detour = if j == i {
                    t1 + pn.service + td + dn.service + t_next - t_i_next
                } else {
                    td + dn.service + t_next - travel(pb, route, route.location(pb, j), to).0
                };
                if detour > route.ride_room[j + 1] {
                    continue;
                }
                let Some(next) = reach(pb, route, j + 1, sd + dn.service + t_next) else {
                    continue;
                };
                let extra_distance = if j == i {
                    d1 + dd1 + dd2 - d_i_next
                } else {
                    let (_, d_j_next) = travel(pb, route, route.location(pb, j), to);
                    d1 + d_p_next - d_i_next + dd1 + dd2 - d_j_next
                };
                let pushed = plus_late(push(pb, route, j + 1, next), late + dn.lateness(sd));
                offer(Candidate {
                    delta: cost_of(pb, route, extra_distance, pushed),
                    extra_distance,
                    after: [i, j],
                });
            }
        }
    })
}

/// Inserts at a place found by [`best_job`] or [`best_shipment`] if the route stays
/// feasible, checked exactly on the rebuilt route; leaves the route as it was if not.
pub(crate) fn try_apply(pb: &Problem, route: &mut Route, nodes: &[u32], at: Insertion) -> bool {
    let mut changed = route.clone();
    inserted(route, nodes, at.after, &mut changed.nodes);
    changed.update(pb);
    if changed.broken.is_none() {
        *route = changed;
        true
    } else {
        false
    }
}
