//! One vehicle's route with the cached data that make insertion checks O(1).
//!
//! Positions: 0 is the vehicle's start, 1..=n its stops, n + 1 its end. For
//! every position the route keeps the earliest service start of the route's
//! earliest feasible schedule ([`schedule::earliest`]), the latest start that
//! keeps the rest of the route within its windows and shift, the load after it
//! with running maxima from both ends, and the ride room: how much more driving
//! and service the shipments on board at that point could take before even a
//! ride without any waiting breaks their limit.
//!
//! The latest starts and the ride room ignore what a change does to waiting, so
//! checks against them only ever refuse what is surely infeasible; a route with
//! ride limits confirms a candidate on the rebuilt schedule.

use super::schedule::{self, Broken};
use crate::problem::{Load, MAX_DIMS, NO_LIMIT, Problem};

#[derive(Debug, Clone)]
pub(crate) struct Route {
    pub(crate) vehicle: usize,
    pub(crate) nodes: Vec<u32>,
    pub(crate) start: Vec<i64>,
    pub(crate) latest: Vec<i64>,
    pub(crate) load: Vec<Load>,
    pub(crate) pre_max: Vec<Load>,
    pub(crate) suf_max: Vec<Load>,
    /// For each position k, the least spare ride, without waiting, of the
    /// ride-limited shipments on board between positions k - 1 and k.
    pub(crate) ride_room: Vec<i64>,
    /// Whether any shipment on this route has a ride limit.
    pub(crate) has_ride_limits: bool,
    /// Where the sequence breaks, if it is infeasible (only after a removal on a
    /// travel matrix that breaks the triangle inequality).
    pub(crate) broken: Option<Broken>,
    pub(crate) distance: i64,
    pub(crate) duration: i64,
    /// What its stops' soft ends cost: each second late times its cost.
    pub(crate) lateness: i64,
    pub(crate) cost: i64,
}

impl Route {
    pub(crate) fn new(pb: &Problem, vehicle: usize) -> Self {
        let mut r = Self {
            vehicle,
            nodes: Vec::new(),
            start: Vec::new(),
            latest: Vec::new(),
            load: Vec::new(),
            pre_max: Vec::new(),
            suf_max: Vec::new(),
            ride_room: Vec::new(),
            has_ride_limits: false,
            broken: None,
            distance: 0,
            duration: 0,
            lateness: 0,
            cost: 0,
        };
        r.update(pb);
        r
    }

    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Location at a position; `None` for the end of an open route.
    #[inline]
    pub(crate) fn location(&self, pb: &Problem, pos: usize) -> Option<u32> {
        let v = &pb.vehicles[self.vehicle];
        if pos == 0 {
            Some(v.start)
        } else if pos > self.nodes.len() {
            v.end
        } else {
            Some(pb.nodes[self.nodes[pos - 1] as usize].location)
        }
    }

    #[inline]
    pub(crate) fn service(&self, pb: &Problem, pos: usize) -> i64 {
        if pos == 0 || pos > self.nodes.len() {
            0
        } else {
            pb.nodes[self.nodes[pos - 1] as usize].service
        }
    }

    /// Recomputes every cached array after the node sequence changed.
    pub(crate) fn update(&mut self, pb: &Problem) {
        let v = &pb.vehicles[self.vehicle];
        let m = &pb.matrices[v.profile];
        let n = self.nodes.len();
        let tt = |a: Option<u32>, b: Option<u32>| match (a, b) {
            (Some(a), Some(b)) => m.duration(a, b),
            _ => 0,
        };
        let dd = |a: Option<u32>, b: Option<u32>| match (a, b) {
            (Some(a), Some(b)) => m.distance(a, b),
            _ => 0,
        };
        self.broken = schedule::earliest(pb, self.vehicle, &self.nodes, &mut self.start)
            .err()
            .or_else(|| out_of_order(pb, &self.nodes));
        let mut distance = 0;
        for p in 1..=n + 1 {
            distance += dd(self.location(pb, p - 1), self.location(pb, p));
        }
        self.latest.clear();
        self.latest.resize(n + 2, 0);
        self.latest[n + 1] = v.shift.1.min(v.shift.0.saturating_add(v.max_duration));
        for p in (1..=n).rev() {
            let bound = self.latest[p + 1]
                - self.service(pb, p)
                - tt(self.location(pb, p), self.location(pb, p + 1));
            let node = &pb.nodes[self.nodes[p - 1] as usize];
            self.latest[p] = node
                .latest_at(bound.min(v.latest_start(node)))
                .unwrap_or(i64::MIN / 4);
        }
        self.latest[0] = v.shift.0;

        let mut start_load = v.initial_load;
        for &u in &self.nodes {
            add(&mut start_load, &pb.nodes[u as usize].delivery);
        }
        self.load.clear();
        self.load.push(start_load);
        for p in 1..=n {
            let node = &pb.nodes[self.nodes[p - 1] as usize];
            let mut l = self.load[p - 1];
            for d in 0..MAX_DIMS {
                l[d] = l[d]
                    .saturating_add(node.pickup[d])
                    .saturating_sub(node.delivery[d]);
            }
            self.load.push(l);
        }
        self.load.push(self.load[n]);
        self.pre_max.clear();
        let mut running = [i64::MIN; MAX_DIMS];
        for l in &self.load {
            running = max(&running, l);
            self.pre_max.push(running);
        }
        self.suf_max.clear();
        self.suf_max.resize(n + 2, [i64::MIN; MAX_DIMS]);
        let mut running = [i64::MIN; MAX_DIMS];
        for p in (0..n + 2).rev() {
            running = max(&running, &self.load[p]);
            self.suf_max[p] = running;
        }

        // Time to reach each position from the start without waiting anywhere.
        let mut no_wait = Vec::with_capacity(n + 2);
        no_wait.push(0);
        for p in 1..=n + 1 {
            let step = self.service(pb, p - 1) + tt(self.location(pb, p - 1), self.location(pb, p));
            no_wait.push(no_wait[p - 1] + step);
        }
        self.ride_room.clear();
        self.ride_room.resize(n + 2, NO_LIMIT);
        self.has_ride_limits = false;
        for b in 1..=n {
            let Some(a) = schedule::pickup_of(pb, &self.nodes, b) else {
                continue;
            };
            self.has_ride_limits = true;
            let task = &pb.tasks[pb.nodes[self.nodes[b - 1] as usize].task as usize];
            let room = task.max_ride - (no_wait[b] - no_wait[a] - self.service(pb, a));
            for k in a + 1..=b {
                self.ride_room[k] = self.ride_room[k].min(room);
            }
        }

        self.distance = distance;
        self.duration = self.start[n + 1] - self.start[0];
        // Each task counted once, at its first node.
        let switching: i64 = self
            .nodes
            .iter()
            .map(|&u| {
                let task = &pb.tasks[pb.nodes[u as usize].task as usize];
                if task.nodes[0] == u {
                    task.switch_cost(self.vehicle)
                } else {
                    0
                }
            })
            .sum();
        self.lateness = if pb.has_soft_ends {
            lateness(pb, &self.nodes, &self.start[1..])
        } else {
            0
        };
        self.cost = if n == 0 {
            0
        } else {
            v.fixed_cost
                + v.cost_per_metre * distance
                + v.cost_per_second * self.duration
                + switching
                + self.lateness
        };
    }

    /// The task at the position where the sequence breaks, if it is infeasible.
    pub(crate) fn broken_task(&self, pb: &Problem) -> Option<u32> {
        let Broken(pos) = self.broken?;
        let k = pos.min(self.len()).max(1);
        self.nodes.get(k - 1).map(|&u| pb.nodes[u as usize].task)
    }

    /// What starting position `pos` at `new_start` instead does to the rest of the route:
    /// how much later the end is reached, and how much lateness the stops pushed later
    /// add (the push stops where waiting absorbs it).
    pub(crate) fn push(&self, pb: &Problem, pos: usize, new_start: i64) -> Push {
        let v = &pb.vehicles[self.vehicle];
        let m = &pb.matrices[v.profile];
        let n = self.nodes.len();
        let mut t = new_start;
        let mut p = pos;
        let mut late = 0;
        while p <= n {
            if t <= self.start[p] {
                return Push { end: 0, late };
            }
            let node = &pb.nodes[self.nodes[p - 1] as usize];
            late += node.lateness(t) - node.lateness(self.start[p]);
            let arrival = t
                + self.service(pb, p)
                + match (self.location(pb, p), self.location(pb, p + 1)) {
                    (Some(a), Some(b)) => m.duration(a, b),
                    _ => 0,
                };
            p += 1;
            t = if p <= n {
                pb.nodes[self.nodes[p - 1] as usize]
                    .start_at(arrival)
                    .unwrap_or(arrival)
            } else {
                arrival
            };
        }
        Push {
            end: (t - self.start[n + 1]).max(0),
            late,
        }
    }
}

/// The first stop served before one a dispatcher ordered ahead of it
/// ([`crate::ProblemBuilder::keep_order`]), if any.
fn out_of_order(pb: &Problem, nodes: &[u32]) -> Option<Broken> {
    let mut last = None;
    for (k, &u) in nodes.iter().enumerate() {
        if let Some(r) = pb.nodes[u as usize].rank {
            if last.is_some_and(|l| r < l) {
                return Some(Broken(k + 1));
            }
            last = Some(r);
        }
    }
    None
}

/// The old positions after which a stop of `rank` may be inserted in `route`, both
/// ends included: after every stop ranked before it, before every stop ranked after it.
pub(crate) fn rank_room(pb: &Problem, route: &Route, rank: Option<u32>) -> (usize, usize) {
    let mut room = (0, route.len());
    let Some(r) = rank else {
        return room;
    };
    for (k, &u) in route.nodes.iter().enumerate() {
        match pb.nodes[u as usize].rank {
            Some(q) if q < r => room.0 = k + 1,
            Some(q) if q > r => {
                room.1 = room.1.min(k);
                break;
            }
            _ => {}
        }
    }
    room
}

/// What a change pushes down a route: the end's delay, seconds, and the lateness it adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Push {
    pub(crate) end: i64,
    pub(crate) late: i64,
}

/// The lateness of `nodes` served at `starts` (one per node).
pub(crate) fn lateness(pb: &Problem, nodes: &[u32], starts: &[i64]) -> i64 {
    nodes
        .iter()
        .zip(starts)
        .map(|(&u, &t)| pb.nodes[u as usize].lateness(t))
        .sum()
}

#[inline]
pub(crate) fn add(a: &mut Load, b: &Load) {
    for d in 0..MAX_DIMS {
        a[d] = a[d].saturating_add(b[d]);
    }
}

#[inline]
fn max(a: &Load, b: &Load) -> Load {
    let mut m = *a;
    for d in 0..MAX_DIMS {
        m[d] = m[d].max(b[d]);
    }
    m
}

/// Whether `a + extra` fits `capacity` in every dimension.
#[inline]
pub(crate) fn fits(a: &Load, extra: &Load, capacity: &Load) -> bool {
    (0..MAX_DIMS).all(|d| a[d].saturating_add(extra[d]) <= capacity[d])
}
