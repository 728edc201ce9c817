//! An independent check of any plan against its problem.
//!
//! It shares no code with the search: it finds each route's earliest schedule
//! from the stop sequence alone, by Bellman–Ford over the route's difference
//! constraints (drive and service between stops, windows, ride limits, waiting
//! allowed anywhere), judges each route stop by stop (`judge_route`: pairing and
//! order, skills, bindings, a dispatcher's order of the stops, capacity at every
//! stop, time windows, shifts and route durations, ride limits), then verifies coverage and recomputes the cost (with the
//! lateness past every soft end). For a solution it also verifies every time, load and ride
//! the plan states. A plan the solver returns that fails here is a solver bug.

use crate::Solution;
use crate::problem::{MAX_DIMS, NO_LIMIT, Problem, StopKind, TaskId};
use crate::verdict::{Breach, judge_route};

/// What the checker found.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckReport {
    /// Every broken rule, in words; empty for a valid plan.
    pub violations: Vec<String>,
    /// The cost recomputed from scratch.
    pub cost: i64,
    /// Total distance recomputed from scratch.
    pub distance: i64,
}

impl CheckReport {
    /// Whether the plan breaks no rule.
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Checks routes given as stop sequences per vehicle, and the tasks claimed unassigned.
pub fn check_routes(
    pb: &Problem,
    routes: &[(usize, Vec<(TaskId, StopKind)>)],
    unassigned: &[TaskId],
) -> CheckReport {
    let mut v = Vec::new();
    let mut seen = vec![0u8; pb.tasks.len()];
    let mut vehicle_used = vec![false; pb.vehicles.len()];
    let mut cost = 0i64;
    let mut total_distance = 0i64;
    for (vehicle, stops) in routes {
        let Some(veh) = pb.vehicles.get(*vehicle) else {
            v.push(format!("vehicle {vehicle} does not exist"));
            continue;
        };
        if std::mem::replace(&mut vehicle_used[*vehicle], true) {
            v.push(format!("vehicle {vehicle} has two routes"));
        }
        if stops.is_empty() {
            continue;
        }
        let Some(verdict) = judge_route(pb, *vehicle, stops) else {
            continue;
        };
        for s in &verdict.stops {
            let (task, kind) = (s.task.0, s.kind);
            v.extend(
                s.breaches
                    .iter()
                    .map(|b| format!("vehicle {vehicle}, task {task} ({kind:?}): {b}")),
            );
            let named = !s
                .breaches
                .iter()
                .any(|b| matches!(b, Breach::NoSuchTask | Breach::NoSuchStop));
            if named {
                seen[task as usize] += 1;
            }
        }
        v.extend(
            verdict
                .breaches
                .iter()
                .map(|b| format!("vehicle {vehicle}: {b}")),
        );
        total_distance += verdict.distance;
        let duration = verdict.end - veh.shift.0;
        cost += veh.fixed_cost
            + veh.cost_per_metre * verdict.distance
            + veh.cost_per_second * duration
            + verdict.lateness;
        // The switching cost of each task served by a vehicle other than its preferred one.
        for &(task, kind) in stops {
            if matches!(kind, StopKind::Job | StopKind::Pickup | StopKind::Dropoff)
                && let Some(t) = pb.tasks.get(task.0 as usize)
            {
                cost += t.switch_cost(*vehicle);
            }
        }
    }
    for t in unassigned {
        match seen.get_mut(t.0 as usize) {
            Some(c) => {
                *c += 100;
                cost += pb.tasks[t.0 as usize].penalty;
            }
            None => v.push(format!("unassigned task {} does not exist", t.0)),
        }
    }
    for (t, &c) in seen.iter().enumerate() {
        let stops = pb.tasks[t].nodes.len() as u8;
        if c != stops && c != 100 {
            v.push(format!(
                "task {t} is served {c} times (stops), or both served and unassigned"
            ));
        }
    }
    CheckReport {
        violations: v,
        cost,
        distance: total_distance,
    }
}

/// The earliest service starts of a stop sequence (and, last, the arrival at the
/// route's end), by Bellman–Ford on its difference constraints: each start at least
/// the previous departure plus the drive, inside a window of its stop, and each
/// pickup at least its delivery's start minus the ride limit and the pickup's service.
pub(crate) fn schedule(
    pb: &Problem,
    veh: &crate::problem::VehicleData,
    nodes: &[(TaskId, StopKind, u32)],
) -> Result<Vec<i64>, String> {
    let m = &pb.matrices[veh.profile];
    let n = nodes.len();
    // Constraint edges: time[to] >= time[from] + weight; index n is the route's end,
    // and `None` the vehicle's departure at its shift start.
    let mut edges: Vec<(Option<usize>, usize, i64)> = Vec::new();
    let mut here = veh.start;
    for (k, &(_, _, node)) in nodes.iter().enumerate() {
        let nd = &pb.nodes[node as usize];
        let from = k.checked_sub(1);
        let leave = from.map_or(0, |f| pb.nodes[nodes[f].2 as usize].service);
        edges.push((from, k, leave + m.duration(here, nd.location)));
        here = nd.location;
    }
    let last_service = nodes.last().map_or(0, |l| pb.nodes[l.2 as usize].service);
    edges.push((
        n.checked_sub(1),
        n,
        last_service + veh.end.map_or(0, |e| m.duration(here, e)),
    ));
    for (b, &(task, kind, _)) in nodes.iter().enumerate() {
        let limit = pb.tasks[task.0 as usize].max_ride;
        if kind != StopKind::Delivery || limit >= NO_LIMIT {
            continue;
        }
        if let Some(a) = nodes[..b]
            .iter()
            .position(|&(t, k, _)| t == task && k == StopKind::Pickup)
        {
            let service = pb.nodes[nodes[a].2 as usize].service;
            edges.push((Some(b), a, -(limit + service)));
        }
    }
    let snap = |k: usize, t: i64| -> Result<i64, String> {
        if k == n {
            return Ok(t);
        }
        let (task, kind, node) = nodes[k];
        let n = &pb.nodes[node as usize];
        n.windows
            .iter()
            .find(|w| t <= w.1)
            .map(|w| t.max(w.0))
            .filter(|&s| s <= veh.latest_start(n))
            .ok_or_else(|| {
                format!(
                    "task {} ({kind:?}) cannot start before its last window closes, or a pickup by the vehicle's last pickup (earliest {t})",
                    task.0
                )
            })
    };
    let mut time = vec![i64::MIN / 4; n + 1];
    for (k, t) in time.iter_mut().enumerate() {
        *t = snap(k, veh.shift.0)?;
    }
    let windows: usize = nodes
        .iter()
        .map(|&(_, _, u)| pb.nodes[u as usize].windows.len())
        .sum();
    for _ in 0..=(n + 1) * (windows + 1) {
        let mut changed = false;
        for &(from, to, weight) in &edges {
            let bound = from.map_or(veh.shift.0, |f| time[f]) + weight;
            if bound > time[to] {
                time[to] = snap(to, bound)?;
                changed = true;
            }
        }
        if !changed {
            return Ok(time);
        }
    }
    Err("its ride limits push each other later without end".to_string())
}

/// Checks a solution returned by the solver: its routes and unassigned tasks as
/// [`check_routes`] does, the cost it claims, and every time, load and ride it states.
pub fn check(pb: &Problem, s: &Solution) -> CheckReport {
    let routes: Vec<(usize, Vec<(TaskId, StopKind)>)> = s
        .routes
        .iter()
        .map(|r| {
            (
                r.vehicle,
                r.stops.iter().map(|st| (st.task, st.kind)).collect(),
            )
        })
        .collect();
    let unassigned: Vec<TaskId> = s.unassigned.iter().map(|u| u.task).collect();
    let mut report = check_routes(pb, &routes, &unassigned);
    for r in &s.routes {
        check_stated_times(pb, r, &mut report.violations);
    }
    if report.cost != s.cost {
        report.violations.push(format!(
            "the plan claims cost {}, recomputed {}",
            s.cost, report.cost
        ));
    }
    report
}

/// Verifies the times, loads and rides a planned route states, as given.
fn check_stated_times(pb: &Problem, r: &crate::PlannedRoute, v: &mut Vec<String>) {
    let Some(veh) = pb.vehicles.get(r.vehicle) else {
        return;
    };
    let m = &pb.matrices[veh.profile];
    let mut here = veh.start;
    let mut leave = veh.shift.0;
    let node_of = |st: &crate::PlannedStop| {
        let task = pb.tasks.get(st.task.0 as usize)?;
        let node = match st.kind {
            StopKind::Delivery => task.nodes.get(1),
            _ => task.nodes.first(),
        };
        node.map(|&u| (task, &pb.nodes[u as usize]))
    };
    let mut load = veh.initial_load;
    for st in &r.stops {
        let Some((_, n)) = node_of(st) else {
            return;
        };
        for d in 0..MAX_DIMS {
            load[d] = load[d].saturating_add(n.delivery[d]);
        }
    }
    for st in &r.stops {
        let Some((task, n)) = node_of(st) else {
            return;
        };
        for d in 0..MAX_DIMS {
            load[d] = load[d]
                .saturating_add(n.pickup[d])
                .saturating_sub(n.delivery[d]);
        }
        if st.load[..] != load[..st.load.len()] {
            v.push(format!(
                "task {} ({:?}): stated load {:?}, the stops give {:?}",
                st.task.0,
                st.kind,
                st.load,
                &load[..st.load.len()]
            ));
        }
        let (task_id, kind) = (st.task.0, st.kind);
        let arrival = leave + m.duration(here, n.location);
        if st.arrival.0 != arrival {
            v.push(format!(
                "task {task_id} ({kind:?}): stated arrival {} but the drive gives {arrival}",
                st.arrival.0
            ));
        }
        let start = st.start.0;
        if start < arrival || !n.windows.iter().any(|w| w.0 <= start && start <= w.1) {
            v.push(format!(
                "task {task_id} ({kind:?}): stated start {start} is before the arrival or outside every window"
            ));
        }
        if start > veh.latest_start(n) {
            v.push(format!(
                "task {task_id} ({kind:?}): picked up at {start}, after the vehicle's last pickup at {}",
                veh.last_pickup
            ));
        }
        if st.departure.0 != start + n.service {
            v.push(format!(
                "task {task_id} ({kind:?}): stated departure {} is not start + service",
                st.departure.0
            ));
        }
        if kind == StopKind::Delivery {
            let pickup = r
                .stops
                .iter()
                .find(|p| p.task == st.task && p.kind == StopKind::Pickup);
            let ride = pickup.map(|p| start - p.departure.0);
            if st.ride.map(|s| s.0) != ride {
                v.push(format!(
                    "task {task_id}: stated ride {:?}, the stated times give {ride:?}",
                    st.ride
                ));
            }
            if ride.is_some_and(|ride| ride > task.max_ride) {
                v.push(format!(
                    "task {task_id}: stated ride {ride:?} exceeds its limit {} s",
                    task.max_ride
                ));
            }
        }
        leave = st.departure.0;
        here = n.location;
    }
    let end = leave + veh.end.map_or(0, |e| m.duration(here, e));
    if end > veh.shift.1 {
        v.push(format!(
            "vehicle {}: stated times end at {end}, after its shift ends at {}",
            r.vehicle, veh.shift.1
        ));
    }
    if r.duration.0 != end - veh.shift.0 {
        v.push(format!(
            "vehicle {}: stated duration {} s, the stated times give {} s",
            r.vehicle,
            r.duration.0,
            end - veh.shift.0
        ));
    }
}
