//! An instance as a solver problem.

use freshroute_model::{Metres, Seconds};
use freshroute_solver::{
    Job, Problem, ProblemBuilder, Shipment, Stop, TimeWindow, TravelMatrix, Vehicle,
};

use crate::{FormatError, Instance, InstanceKind};

/// Integer units per instance unit. Travel times are rounded up, so a plan that
/// is feasible in integers is feasible in double precision too.
pub const SCALE: f64 = 10_000.0;

/// Penalty for an unserved task: far above any route's cost.
const UNASSIGNED_PENALTY: i64 = 1_000_000_000_000;
/// Cost of a vehicle under the hierarchical objective: above any total distance.
const VEHICLE_COST: i64 = 10_000_000_000;

/// How to turn an instance into a problem.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BuildOptions {
    /// Multiply the fleet by this (at least 1 vehicle).
    pub fleet_factor: f64,
    /// Cold chain: limit each shipment's ride, from pickup start to delivery start,
    /// to `max(s_p + F * t(p, d), e_d - l_p)`.
    pub max_ride_factor: Option<f64>,
    /// Fewest vehicles first, then distance; otherwise distance only.
    pub hierarchical: bool,
}

impl Default for BuildOptions {
    fn default() -> Self {
        Self {
            fleet_factor: 1.0,
            max_ride_factor: None,
            hierarchical: false,
        }
    }
}

/// A problem built from an instance, with the way back to the file's ids.
#[derive(Debug, Clone)]
pub struct Translated {
    /// The problem.
    pub problem: Problem,
    /// Per task, the site indices of its stops (pickup, delivery for a shipment).
    pub task_sites: Vec<Vec<usize>>,
}

/// Euclidean distance between two sites.
pub(crate) fn euclid(inst: &Instance, a: usize, b: usize) -> f64 {
    let (p, q) = (&inst.sites[a], &inst.sites[b]);
    ((p.x - q.x).powi(2) + (p.y - q.y).powi(2)).sqrt()
}

/// The ride limit of the shipment picked up at `p` and delivered at `d`, in instance units.
pub(crate) fn ride_limit(inst: &Instance, p: usize, d: usize, factor: f64) -> f64 {
    let (sp, sd) = (&inst.sites[p], &inst.sites[d]);
    (sp.service + factor * euclid(inst, p, d)).max(sd.ready - sp.due)
}

fn scaled(v: f64) -> i64 {
    (v * SCALE).round() as i64
}

impl Translated {
    /// Builds the problem for `inst` under `opts`.
    pub fn new(inst: &Instance, opts: &BuildOptions) -> Result<Self, FormatError> {
        let n = inst.sites.len();
        let mut durations = Vec::with_capacity(n * n);
        let mut distances = Vec::with_capacity(n * n);
        for a in 0..n {
            for b in 0..n {
                let d = euclid(inst, a, b);
                durations.push(Seconds((d * SCALE).ceil() as i64));
                distances.push(Metres(scaled(d)));
            }
        }
        let mut b = ProblemBuilder::new();
        b.add_matrix(TravelMatrix::new(n, durations, distances));
        let depot = &inst.sites[0];
        let fleet = ((inst.vehicles as f64 * opts.fleet_factor).round() as usize).max(1);
        for _ in 0..fleet {
            b.add_vehicle(Vehicle {
                start: 0,
                end: Some(0),
                shift: TimeWindow {
                    start: Seconds(scaled(depot.ready)),
                    end: Seconds(scaled(depot.due)),
                },
                capacity: vec![inst.capacity],
                skills: Vec::new(),
                fixed_cost: if opts.hierarchical { VEHICLE_COST } else { 0 },
                cost_per_second: 0,
                cost_per_metre: 1,
                max_duration: None,
                profile: 0,
            });
        }
        let stop = |i: usize| {
            let s = &inst.sites[i];
            Stop {
                location: i,
                service: Seconds(scaled(s.service)),
                windows: vec![TimeWindow {
                    start: Seconds(scaled(s.ready)),
                    end: Seconds(scaled(s.due)),
                }],
                soft_end: None,
            }
        };
        let mut task_sites = Vec::new();
        for (i, s) in inst.sites.iter().enumerate().skip(1) {
            match inst.kind {
                InstanceKind::Vrptw => {
                    b.add_job(Job {
                        stop: stop(i),
                        delivery: vec![s.demand],
                        pickup: vec![0],
                        skills: Vec::new(),
                        unassigned_penalty: UNASSIGNED_PENALTY,
                    });
                    task_sites.push(vec![i]);
                }
                InstanceKind::Pdptw if s.delivery > 0 => {
                    let d = s.delivery;
                    // Limits in the problem run from leaving the pickup: take its service off,
                    // and round down so that the integer plan keeps the real limit.
                    let max_ride = opts.max_ride_factor.map(|f| {
                        Seconds(((ride_limit(inst, i, d, f) - s.service) * SCALE).floor() as i64)
                    });
                    b.add_shipment(Shipment {
                        pickup: stop(i),
                        delivery: stop(d),
                        amount: vec![s.demand],
                        skills: Vec::new(),
                        max_ride,
                        unassigned_penalty: UNASSIGNED_PENALTY,
                    });
                    task_sites.push(vec![i, d]);
                }
                InstanceKind::Pdptw => {}
            }
        }
        Ok(Self {
            problem: b.build()?,
            task_sites,
        })
    }
}

impl Translated {
    /// The routes of a solution as site indices, depot excluded.
    pub fn routes_of(&self, solution: &freshroute_solver::Solution) -> Vec<Vec<usize>> {
        solution
            .routes
            .iter()
            .map(|r| r.stops.iter().map(|s| s.location).collect())
            .collect()
    }
}
