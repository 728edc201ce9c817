//! One route judged stop by stop: when each stop is served and which rule it breaks.
//!
//! The independent checker judges every route of a plan this way, and a dispatcher's
//! hand-made route is judged by the same code against the same problem, so what a
//! person is told about a route is what the checker and the planner hold of it.
//!
//! The times come from the earliest schedule that keeps every window and ride limit
//! (the checker's Bellman–Ford), with each pickup as late as the next stop allows, as
//! the planner states its own routes. When no such schedule exists, they come from driving
//! the sequence as early as the windows' opening allows, so that each stop that
//! cannot be kept is named with how far it misses.

use std::fmt;

use crate::problem::{MAX_DIMS, NO_LIMIT, Problem, StopKind, TaskId};

/// A rule a stop, or a route as a whole, breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breach {
    /// No task has this id.
    NoSuchTask,
    /// The task has no stop of this kind.
    NoSuchStop,
    /// The task is bound to another vehicle (goods on board it, or pinned to it).
    BoundElsewhere {
        /// That vehicle.
        vehicle: u32,
    },
    /// The vehicle lacks a skill the task needs.
    MissingSkill,
    /// More on board than the vehicle holds (or less than nothing).
    Capacity {
        /// The load, in the dimension's unit.
        load: i64,
        /// What the vehicle holds.
        capacity: i64,
        /// The capacity dimension.
        dimension: usize,
    },
    /// Service cannot start before the stop's last window closes.
    Window {
        /// The earliest the stop could start, seconds.
        earliest: i64,
        /// When its last window closes, seconds (`None`: it has no window left).
        closes: Option<i64>,
    },
    /// Delivered longer after leaving its pickup than the task's ride limit.
    Ride {
        /// The ride, seconds.
        ride: i64,
        /// The limit, seconds.
        limit: i64,
    },
    /// A delivery with no pickup before it on this route.
    NotPickedUp,
    /// The route ends after the vehicle's shift.
    AfterShift {
        /// When it ends, seconds.
        end: i64,
        /// When the shift ends, seconds.
        shift_end: i64,
    },
    /// The route lasts longer than the vehicle may drive.
    TooLong {
        /// Its duration, seconds.
        duration: i64,
        /// The most allowed, seconds.
        max: i64,
    },
    /// Served before a stop the dispatcher ordered ahead of it.
    OutOfOrder,
    /// Every stop can be kept on its own, but the ride limits push each other later
    /// without end.
    NoSchedule,
}

impl fmt::Display for Breach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::NoSuchTask => write!(f, "no such task"),
            Self::NoSuchStop => write!(f, "the task has no stop of this kind"),
            Self::BoundElsewhere { vehicle } => write!(f, "bound to vehicle {vehicle}"),
            Self::MissingSkill => write!(f, "the vehicle lacks a skill the task needs"),
            Self::Capacity {
                load,
                capacity,
                dimension,
            } => write!(
                f,
                "load {load} is outside [0, {capacity}] (dimension {dimension})"
            ),
            Self::Window {
                earliest,
                closes: Some(c),
            } => write!(
                f,
                "cannot start before its last window closes at {c} (earliest {earliest})"
            ),
            Self::Window { earliest, .. } => {
                write!(f, "has no window left (earliest {earliest})")
            }
            Self::Ride { ride, limit } => write!(f, "ride {ride} s exceeds its limit {limit} s"),
            Self::NotPickedUp => write!(f, "delivered before it is picked up, or on another route"),
            Self::AfterShift { end, shift_end } => {
                write!(f, "ends at {end}, after its shift ends at {shift_end}")
            }
            Self::TooLong { duration, max } => {
                write!(f, "route lasts {duration} s, more than {max} s")
            }
            Self::OutOfOrder => write!(f, "served before a stop ordered ahead of it"),
            Self::NoSchedule => write!(f, "its ride limits push each other later without end"),
        }
    }
}

/// One stop of a judged route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopVerdict {
    /// The task served.
    pub task: TaskId,
    /// Which of its stops.
    pub kind: StopKind,
    /// Arrival, seconds.
    pub arrival: i64,
    /// Service start, seconds.
    pub start: i64,
    /// Departure, seconds.
    pub departure: i64,
    /// Seconds after its soft end (0 when it keeps it, or has none).
    pub late: i64,
    /// What this stop breaks.
    pub breaches: Vec<Breach>,
}

/// A judged route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteVerdict {
    /// Each stop in the order given.
    pub stops: Vec<StopVerdict>,
    /// What the route as a whole breaks: its load when it leaves, its shift, its
    /// duration, a schedule no ride limit allows.
    pub breaches: Vec<Breach>,
    /// Arrival at the route's end (or departure from its last stop), seconds.
    pub end: i64,
    /// Its driving distance, metres.
    pub distance: i64,
    /// What its stops' lateness past their soft ends costs.
    pub lateness: i64,
}

impl RouteVerdict {
    /// Whether the route breaks no rule.
    pub fn is_feasible(&self) -> bool {
        self.breaches.is_empty() && self.stops.iter().all(|s| s.breaches.is_empty())
    }
}

/// Judges `stops` as the route of `vehicle`; `None` when there is no such vehicle.
pub fn judge_route(
    pb: &Problem,
    vehicle: usize,
    stops: &[(TaskId, StopKind)],
) -> Option<RouteVerdict> {
    let veh = pb.vehicles.get(vehicle)?;
    let m = &pb.matrices[veh.profile];
    let mut out: Vec<StopVerdict> = stops
        .iter()
        .map(|&(task, kind)| StopVerdict {
            task,
            kind,
            arrival: 0,
            start: 0,
            departure: 0,
            late: 0,
            breaches: Vec::new(),
        })
        .collect();
    // The stops that name a real node, with their index in `out`.
    let mut nodes: Vec<(TaskId, StopKind, u32)> = Vec::new();
    let mut at: Vec<usize> = Vec::new();
    let mut breaches = Vec::new();
    let mut load = veh.initial_load;
    for (k, s) in out.iter_mut().enumerate() {
        let Some(node) = node_of(pb, s.task, s.kind, &mut s.breaches) else {
            continue;
        };
        let n = &pb.nodes[node as usize];
        if let Some(only) = n.vehicle.filter(|&only| only as usize != vehicle) {
            s.breaches.push(Breach::BoundElsewhere { vehicle: only });
        }
        if n.skills & !veh.skills != 0 {
            s.breaches.push(Breach::MissingSkill);
        }
        for d in 0..MAX_DIMS {
            load[d] = load[d].saturating_add(n.delivery[d]);
        }
        nodes.push((s.task, s.kind, node));
        at.push(k);
    }
    for d in 0..MAX_DIMS {
        if load[d] > veh.capacity[d] {
            breaches.push(Breach::Capacity {
                load: load[d],
                capacity: veh.capacity[d],
                dimension: d,
            });
        }
    }
    // The order a dispatcher set: each ranked stop after every one ranked before it.
    let mut highest = None;
    for (i, &(_, _, node)) in nodes.iter().enumerate() {
        if let Some(r) = pb.nodes[node as usize].rank {
            if highest.is_some_and(|h| r < h) {
                out[at[i]].breaches.push(Breach::OutOfOrder);
            }
            highest = highest.max(Some(r));
        }
    }
    // The times the planner states: the earliest schedule, pickups as late as it allows.
    let scheduled = crate::checker::schedule(pb, veh, &nodes)
        .ok()
        .map(|mut times| {
            let ids: Vec<u32> = nodes.iter().map(|n| n.2).collect();
            crate::plan::wait_at_stores(pb, vehicle, &ids, &mut times);
            times
        });
    let (mut leave, mut here, mut distance) = (veh.shift.0, veh.start, 0);
    let mut timing_broken = false;
    let mut lateness = 0;
    for (i, &(_, _, node)) in nodes.iter().enumerate() {
        let n = &pb.nodes[node as usize];
        let s = &mut out[at[i]];
        let arrival = leave + m.duration(here, n.location);
        s.arrival = arrival;
        s.start = match &scheduled {
            Some(times) => times[i],
            None => veh.start_at(n, arrival).unwrap_or_else(|| {
                timing_broken = true;
                s.breaches.push(Breach::Window {
                    earliest: arrival,
                    closes: n.windows.last().map(|w| w.1.min(veh.latest_start(n))),
                });
                arrival
            }),
        };
        s.departure = s.start + n.service;
        if n.has_soft_end() {
            s.late = (s.start - n.soft_end).max(0);
            lateness += n.lateness(s.start);
        }
        distance += m.distance(here, n.location);
        (leave, here) = (s.departure, n.location);
    }
    // Loads after each stop, and each delivery's ride from its pickup (a delivery with
    // no pickup before it is named as such and unloads nothing).
    for (i, &(task, kind, node)) in nodes.iter().enumerate() {
        let n = &pb.nodes[node as usize];
        let unpicked = kind == StopKind::Delivery
            && !nodes[..i]
                .iter()
                .any(|&(t, k, _)| t == task && k == StopKind::Pickup);
        for d in 0..MAX_DIMS {
            if unpicked {
                break;
            }
            load[d] = load[d]
                .saturating_add(n.pickup[d])
                .saturating_sub(n.delivery[d]);
            if load[d] > veh.capacity[d] || load[d] < 0 {
                out[at[i]].breaches.push(Breach::Capacity {
                    load: load[d],
                    capacity: veh.capacity[d],
                    dimension: d,
                });
            }
        }
        if kind != StopKind::Delivery {
            continue;
        }
        let pickup = (0..i).find(|&j| nodes[j].0 == task && nodes[j].1 == StopKind::Pickup);
        let breach = match pickup {
            None => Some(Breach::NotPickedUp),
            Some(j) => {
                let (limit, left) = (pb.tasks[task.0 as usize].max_ride, out[at[j]].departure);
                let ride = out[at[i]].start - left;
                (limit < NO_LIMIT && ride > limit).then(|| {
                    timing_broken = true;
                    Breach::Ride { ride, limit }
                })
            }
        };
        out[at[i]].breaches.extend(breach);
    }
    if let Some(e) = veh.end {
        distance += m.distance(here, e);
    }
    let end = leave + veh.end.map_or(0, |e| m.duration(here, e));
    if end > veh.shift.1 {
        breaches.push(Breach::AfterShift {
            end,
            shift_end: veh.shift.1,
        });
    }
    let duration = end - veh.shift.0;
    if veh.max_duration < NO_LIMIT && duration > veh.max_duration {
        breaches.push(Breach::TooLong {
            duration,
            max: veh.max_duration,
        });
    }
    if scheduled.is_none() && !timing_broken {
        breaches.push(Breach::NoSchedule);
    }
    Some(RouteVerdict {
        stops: out,
        breaches,
        end,
        distance,
        lateness,
    })
}

/// The node a stop names, or the breach that it names none.
fn node_of(pb: &Problem, task: TaskId, kind: StopKind, breaches: &mut Vec<Breach>) -> Option<u32> {
    let Some(t) = pb.tasks.get(task.0 as usize) else {
        breaches.push(Breach::NoSuchTask);
        return None;
    };
    let node = match (t.nodes.len(), kind) {
        (1, StopKind::Job) if pb.nodes[t.nodes[0] as usize].kind == StopKind::Job => t.nodes[0],
        (2, StopKind::Pickup) => t.nodes[0],
        (2, StopKind::Delivery) => t.nodes[1],
        (1, StopKind::Dropoff) if pb.nodes[t.nodes[0] as usize].kind == StopKind::Dropoff => {
            t.nodes[0]
        }
        _ => {
            breaches.push(Breach::NoSuchStop);
            return None;
        }
    };
    Some(node)
}
