//! One vehicle's route with the cached data that make insertion checks O(1).
//!
//! Positions: 0 is the vehicle's start, 1..=n its stops, n + 1 its end. For
//! every position the route keeps the earliest service start (the schedule
//! freshroute plans: serve as soon as the window allows), the latest start that
//! keeps the rest of the route feasible, the load after it with running maxima
//! from both ends, and the ride slack: how much later it may start before a
//! shipment on board breaks its ride limit.
//!
//! A pickup is served as late as its window and the next stop allow (`lateness`
//! past its earliest start): the courier waits at the store, not with the goods
//! on board. This never moves any other stop.

use crate::problem::{Load, MAX_DIMS, NO_LIMIT, Problem, StopKind};

#[derive(Debug, Clone)]
pub(crate) struct Route {
    pub(crate) vehicle: usize,
    pub(crate) nodes: Vec<u32>,
    pub(crate) start: Vec<i64>,
    pub(crate) latest: Vec<i64>,
    pub(crate) load: Vec<Load>,
    pub(crate) pre_max: Vec<Load>,
    pub(crate) suf_max: Vec<Load>,
    pub(crate) ride_slack: Vec<i64>,
    /// How much later than `start` a pickup is served; 0 for other positions.
    pub(crate) lateness: Vec<i64>,
    pub(crate) distance: i64,
    pub(crate) duration: i64,
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
            ride_slack: Vec::new(),
            lateness: Vec::new(),
            distance: 0,
            duration: 0,
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
        self.start.clear();
        self.start.push(v.shift.0);
        let mut distance = 0;
        for p in 1..=n + 1 {
            let (from, to) = (self.location(pb, p - 1), self.location(pb, p));
            distance += dd(from, to);
            let arrival = self.start[p - 1] + self.service(pb, p - 1) + tt(from, to);
            let s = if p <= n {
                let node = &pb.nodes[self.nodes[p - 1] as usize];
                node.start_at(arrival).unwrap_or(arrival)
            } else {
                arrival
            };
            self.start.push(s);
        }
        self.latest.clear();
        self.latest.resize(n + 2, 0);
        self.latest[n + 1] = v.shift.1.min(v.shift.0.saturating_add(v.max_duration));
        for p in (1..=n).rev() {
            let bound = self.latest[p + 1]
                - self.service(pb, p)
                - tt(self.location(pb, p), self.location(pb, p + 1));
            let node = &pb.nodes[self.nodes[p - 1] as usize];
            self.latest[p] = node.latest_at(bound).unwrap_or(i64::MIN / 4);
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
                l[d] += node.pickup[d] - node.delivery[d];
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

        self.lateness.clear();
        self.lateness.resize(n + 2, 0);
        // Backwards, so that a run of pickups waits as one: each as late as the next one's late start.
        for p in (1..=n).rev() {
            let node = &pb.nodes[self.nodes[p - 1] as usize];
            if node.kind != StopKind::Pickup {
                continue;
            }
            let window_end = node
                .windows
                .iter()
                .find(|w| w.0 <= self.start[p] && self.start[p] <= w.1)
                .map_or(self.start[p], |w| w.1);
            let latest = self.start[p + 1] + self.lateness[p + 1]
                - node.service
                - tt(self.location(pb, p), self.location(pb, p + 1));
            self.lateness[p] = (window_end.min(latest) - self.start[p]).max(0);
        }

        self.ride_slack.clear();
        self.ride_slack.resize(n + 2, NO_LIMIT);
        for b in 1..=n {
            let delivery = &pb.nodes[self.nodes[b - 1] as usize];
            if delivery.kind != StopKind::Delivery {
                continue;
            }
            let task = &pb.tasks[delivery.task as usize];
            if task.max_ride >= NO_LIMIT {
                continue;
            }
            let Some(a) = (1..b).rev().find(|&a| self.nodes[a - 1] == task.nodes[0]) else {
                continue;
            };
            let ride = self.start[b] - (self.start[a] + self.lateness[a] + self.service(pb, a));
            let slack = task.max_ride - ride;
            for k in a + 1..=b {
                self.ride_slack[k] = self.ride_slack[k].min(slack);
            }
        }

        self.distance = distance;
        self.duration = self.start[n + 1] - self.start[0];
        self.cost = if n == 0 {
            0
        } else {
            v.fixed_cost + v.cost_per_metre * distance + v.cost_per_second * self.duration
        };
    }

    /// Shipments whose ride exceeds its limit (after a removal moved a pickup earlier).
    pub(crate) fn ride_violations(&self, pb: &Problem) -> Vec<u32> {
        (1..=self.len())
            .filter(|&k| self.ride_slack[k] < 0)
            .map(|k| pb.nodes[self.nodes[k - 1] as usize].task)
            .filter(|&t| pb.tasks[t as usize].nodes.len() == 2)
            .collect()
    }

    /// How much later the end is reached when position `pos` starts at `new_start` instead.
    pub(crate) fn end_delay(&self, pb: &Problem, pos: usize, new_start: i64) -> i64 {
        let v = &pb.vehicles[self.vehicle];
        let m = &pb.matrices[v.profile];
        let n = self.nodes.len();
        let mut t = new_start;
        let mut p = pos;
        while p <= n {
            if t <= self.start[p] {
                return 0;
            }
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
        (t - self.start[n + 1]).max(0)
    }
}

#[inline]
pub(crate) fn add(a: &mut Load, b: &Load) {
    for d in 0..MAX_DIMS {
        a[d] += b[d];
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
    (0..MAX_DIMS).all(|d| a[d] + extra[d] <= capacity[d])
}
