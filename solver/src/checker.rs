//! An independent check of any plan against its problem.
//!
//! It shares no code with the search: it rebuilds each route's schedule from the
//! stop sequence (serve as early as the windows allow, except that a pickup waits
//! at the store until as late as the next stop allows), then verifies coverage,
//! pairing and order, skills, capacity at every stop, time windows, shifts and
//! route durations, and ride limits, and recomputes the cost. A plan the solver
//! returns that fails here is a solver bug.

use crate::Solution;
use crate::problem::{MAX_DIMS, NO_LIMIT, Problem, StopKind, TaskId};

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
        let m = &pb.matrices[veh.profile];
        let mut load = veh.initial_load;
        let mut nodes = Vec::with_capacity(stops.len());
        for &(task, kind) in stops {
            let Some(t) = pb.tasks.get(task.0 as usize) else {
                v.push(format!("task {} does not exist", task.0));
                continue;
            };
            let node = match (t.nodes.len(), kind) {
                (1, StopKind::Job) if pb.nodes[t.nodes[0] as usize].kind == StopKind::Job => {
                    t.nodes[0]
                }
                (2, StopKind::Pickup) => t.nodes[0],
                (2, StopKind::Delivery) => t.nodes[1],
                (1, StopKind::Dropoff)
                    if pb.nodes[t.nodes[0] as usize].kind == StopKind::Dropoff =>
                {
                    t.nodes[0]
                }
                _ => {
                    v.push(format!("task {} has no {kind:?} stop", task.0));
                    continue;
                }
            };
            let n = &pb.nodes[node as usize];
            if n.vehicle.is_some_and(|only| only as usize != *vehicle) {
                v.push(format!(
                    "task {} is on board vehicle {:?}, not {vehicle}",
                    task.0, n.vehicle
                ));
            }
            if n.skills & !veh.skills != 0 {
                v.push(format!(
                    "vehicle {vehicle} lacks a skill task {} needs",
                    task.0
                ));
            }
            for d in 0..MAX_DIMS {
                load[d] += n.delivery[d];
            }
            nodes.push((task, kind, node));
        }
        for d in 0..MAX_DIMS {
            if load[d] > veh.capacity[d] {
                v.push(format!(
                    "vehicle {vehicle} leaves with load {} > capacity {} (dimension {d})",
                    load[d], veh.capacity[d]
                ));
            }
        }
        // Earliest schedule: serve as soon as the windows allow.
        let mut time = veh.shift.0;
        let mut here = veh.start;
        let mut distance = 0;
        let mut starts = Vec::with_capacity(nodes.len());
        for &(task, kind, node) in &nodes {
            let n = &pb.nodes[node as usize];
            distance += m.distance(here, n.location);
            let arrival = time + m.duration(here, n.location);
            let start = match n.windows.iter().find(|w| arrival <= w.1) {
                Some(w) => arrival.max(w.0),
                None => {
                    v.push(format!(
                        "task {} ({kind:?}) reached at {arrival}, after its last window",
                        task.0
                    ));
                    arrival
                }
            };
            starts.push(start);
            time = start + n.service;
            here = n.location;
        }
        let end_arrival = time + veh.end.map_or(0, |e| m.duration(here, e));
        // Pickups wait at the store: as late as their window and the next start allow.
        let mut served = starts.clone();
        for k in (0..nodes.len()).rev() {
            let (_, kind, node) = nodes[k];
            if kind != StopKind::Pickup {
                continue;
            }
            let n = &pb.nodes[node as usize];
            let (next_start, next_loc) = match nodes.get(k + 1) {
                Some(&(_, _, next)) => (served[k + 1], Some(pb.nodes[next as usize].location)),
                None => (end_arrival, veh.end),
            };
            let travel = next_loc.map_or(0, |l| m.duration(n.location, l));
            let window_end = n
                .windows
                .iter()
                .find(|w| w.0 <= starts[k] && starts[k] <= w.1)
                .map_or(starts[k], |w| w.1);
            served[k] = starts[k].max(window_end.min(next_start - n.service - travel));
        }
        let mut left_pickup: Vec<(u32, i64)> = Vec::new();
        for (k, &(task, kind, node)) in nodes.iter().enumerate() {
            let n = &pb.nodes[node as usize];
            for d in 0..MAX_DIMS {
                load[d] += n.pickup[d] - n.delivery[d];
                if load[d] > veh.capacity[d] || load[d] < 0 {
                    v.push(format!(
                        "vehicle {vehicle}: load {} after task {} is outside [0, {}]",
                        load[d], task.0, veh.capacity[d]
                    ));
                }
            }
            let count = &mut seen[task.0 as usize];
            *count += 1;
            match kind {
                StopKind::Job | StopKind::Dropoff => {}
                StopKind::Pickup => left_pickup.push((task.0, served[k] + n.service)),
                StopKind::Delivery => match left_pickup.iter().find(|(t, _)| *t == task.0) {
                    Some(&(_, left)) => {
                        let limit = pb.tasks[task.0 as usize].max_ride;
                        if limit < NO_LIMIT && served[k] - left > limit {
                            v.push(format!(
                                "task {}: ride {} s exceeds its limit {limit} s",
                                task.0,
                                served[k] - left
                            ));
                        }
                    }
                    None => v.push(format!(
                        "task {}: delivered before it is picked up, or on another route",
                        task.0
                    )),
                },
            }
        }
        if let Some(e) = veh.end {
            distance += m.distance(here, e);
        }
        let end = end_arrival;
        if end > veh.shift.1 {
            v.push(format!(
                "vehicle {vehicle} ends at {end}, after its shift ends at {}",
                veh.shift.1
            ));
        }
        let duration = end - veh.shift.0;
        if veh.max_duration < NO_LIMIT && duration > veh.max_duration {
            v.push(format!(
                "vehicle {vehicle}: route lasts {duration} s, more than {} s",
                veh.max_duration
            ));
        }
        total_distance += distance;
        cost += veh.fixed_cost + veh.cost_per_metre * distance + veh.cost_per_second * duration;
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

/// Checks a solution returned by the solver, including the cost it claims.
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
    if report.cost != s.cost {
        report.violations.push(format!(
            "the plan claims cost {}, recomputed {}",
            s.cost, report.cost
        ));
    }
    report
}
