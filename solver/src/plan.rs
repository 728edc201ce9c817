//! The solver's answer: routes with their schedule, and what was left out and why.

use freshroute_model::{Metres, Seconds};

use crate::problem::{MAX_DIMS, Problem, StopKind, TaskId};
use crate::search::{Route, State};

/// One served stop with its times.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedStop {
    /// The task served.
    pub task: TaskId,
    /// Which of the task's stops.
    pub kind: StopKind,
    /// Location index.
    pub location: usize,
    /// Arrival time.
    pub arrival: Seconds,
    /// Service start (after any wait for the window).
    pub start: Seconds,
    /// Departure time.
    pub departure: Seconds,
    /// Load on board after the stop, per dimension.
    pub load: Vec<i64>,
    /// For a shipment's delivery: time from leaving the pickup to starting here.
    pub ride: Option<Seconds>,
}

/// One vehicle's route.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRoute {
    /// The vehicle.
    pub vehicle: usize,
    /// Its stops in order.
    pub stops: Vec<PlannedStop>,
    /// Distance driven.
    pub distance: Metres,
    /// From leaving the start to reaching the end.
    pub duration: Seconds,
    /// Route cost.
    pub cost: i64,
}

/// Why a task is left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnassignedReason {
    /// No vehicle has every skill it needs.
    NoSkill,
    /// Its amount exceeds every able vehicle's capacity.
    Capacity,
    /// No able vehicle can reach it within its time windows.
    TimeWindow,
    /// No able vehicle can carry it within its ride limit.
    RideLimit,
    /// It could be served, but no able vehicle could get back within its shift or route duration.
    ShiftTooShort,
    /// It fits an empty route, but every able vehicle was full once the others were planned.
    NoRoom,
}

impl UnassignedReason {
    /// Stable machine-readable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::NoSkill => "no_vehicle_with_skill",
            Self::Capacity => "capacity",
            Self::TimeWindow => "time_window_unreachable",
            Self::RideLimit => "ride_limit_unreachable",
            Self::ShiftTooShort => "shift_too_short",
            Self::NoRoom => "no_room_left",
        }
    }
}

/// A task left out of the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unassigned {
    /// The task.
    pub task: TaskId,
    /// Why.
    pub reason: UnassignedReason,
}

/// A complete plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// Used vehicles' routes.
    pub routes: Vec<PlannedRoute>,
    /// Tasks left out.
    pub unassigned: Vec<Unassigned>,
    /// Route costs plus the penalties of unassigned tasks.
    pub cost: i64,
}

impl Solution {
    /// Total distance over all routes.
    pub fn distance(&self) -> Metres {
        self.routes.iter().map(|r| r.distance).sum()
    }

    pub(crate) fn from_state(pb: &Problem, state: &State) -> Self {
        let routes = state
            .routes
            .iter()
            .filter(|r| !r.is_empty())
            .map(|r| planned_route(pb, r))
            .collect();
        let unassigned = state
            .unassigned
            .iter()
            .map(|&t| Unassigned {
                task: TaskId(t),
                reason: crate::reasons::why_unassigned(pb, t),
            })
            .collect();
        Self {
            routes,
            unassigned,
            cost: state.cost(pb),
        }
    }
}

fn planned_route(pb: &Problem, r: &Route) -> PlannedRoute {
    let m = pb.matrix(r.vehicle);
    let starts = planned_starts(pb, r);
    let mut stops: Vec<PlannedStop> = Vec::with_capacity(r.len());
    for (k, &u) in r.nodes.iter().enumerate() {
        let pos = k + 1;
        let node = &pb.nodes[u as usize];
        let prev_leave = starts[pos - 1] + r.service(pb, pos - 1);
        let travel = r
            .location(pb, pos - 1)
            .map_or(0, |a| m.duration(a, node.location));
        let start = starts[pos];
        let ride = (node.kind == StopKind::Delivery)
            .then(|| {
                stops
                    .iter()
                    .find(|s| s.task.0 == node.task && s.kind == StopKind::Pickup)
                    .map(|p| Seconds(start - p.departure.0))
            })
            .flatten();
        stops.push(PlannedStop {
            task: TaskId(node.task),
            kind: node.kind,
            location: node.location as usize,
            arrival: Seconds(prev_leave + travel),
            start: Seconds(start),
            departure: Seconds(start + node.service),
            load: r.load[pos][..dims(pb)].to_vec(),
            ride,
        });
    }
    PlannedRoute {
        vehicle: r.vehicle,
        stops,
        distance: Metres(r.distance),
        duration: Seconds(r.duration),
        cost: r.cost,
    }
}

/// Each position's planned service start: the route's earliest feasible schedule,
/// with pickups served as late as the next stop allows ([`wait_at_stores`]).
fn planned_starts(pb: &Problem, r: &Route) -> Vec<i64> {
    let mut starts = r.start.clone();
    wait_at_stores(pb, r.vehicle, &r.nodes, &mut starts[1..]);
    starts
}

/// Moves the pickups of a feasible earliest schedule as late as their window and the
/// next stop allow, so that the courier waits at the store rather than with the goods
/// on board (never past a soft end it keeps). No other stop moves, so every rule still
/// holds, rides only get shorter and no lateness is added.
/// `starts` holds each stop's service start, then the arrival at the route's end.
pub(crate) fn wait_at_stores(pb: &Problem, vehicle: usize, nodes: &[u32], starts: &mut [i64]) {
    let m = pb.matrix(vehicle);
    let end = pb.vehicles[vehicle].end;
    // Backwards, so that a run of pickups waits as one.
    for k in (0..nodes.len()).rev() {
        let node = &pb.nodes[nodes[k] as usize];
        if node.kind != StopKind::Pickup {
            continue;
        }
        let window_end = node
            .windows
            .iter()
            .find(|w| w.0 <= starts[k] && starts[k] <= w.1)
            .map_or(starts[k], |w| w.1);
        let next = nodes
            .get(k + 1)
            .map(|&u| pb.nodes[u as usize].location)
            .or(end);
        let travel = next.map_or(0, |next| m.duration(node.location, next));
        let latest = starts[k + 1] - node.service - travel;
        // Never past a soft end it keeps: waiting must not cost lateness.
        let soft = if node.has_soft_end() {
            node.soft_end.max(starts[k])
        } else {
            i64::MAX
        };
        // Nor past the vehicle's last pickup.
        let last = pb.vehicles[vehicle].latest_start(node);
        starts[k] = starts[k].max(window_end.min(latest).min(soft).min(last));
    }
}

/// Dimensions in use: the highest one any vehicle has capacity in.
fn dims(pb: &Problem) -> usize {
    (0..MAX_DIMS)
        .rev()
        .find(|&d| pb.vehicles.iter().any(|v| v.capacity[d] != 0))
        .map_or(1, |d| d + 1)
}
