//! The benchmark's own rules, in double precision, on routes of site indices.

use crate::translate::{euclid, ride_limit};
use crate::{BuildOptions, Instance, InstanceKind};

const EPS: f64 = 1e-6;

/// Checks routes (site indices, depot excluded) under the benchmark rules and
/// returns the total Euclidean distance, or every rule broken.
pub fn verify(
    inst: &Instance,
    opts: &BuildOptions,
    routes: &[Vec<usize>],
) -> Result<f64, Vec<String>> {
    let mut errors = Vec::new();
    let fleet = ((inst.vehicles as f64 * opts.fleet_factor).round() as usize).max(1);
    if routes.len() > fleet {
        errors.push(format!("{} routes for a fleet of {fleet}", routes.len()));
    }
    let mut visits = vec![0u32; inst.sites.len()];
    let mut total = 0.0;
    let depot = &inst.sites[0];
    for (r, route) in routes.iter().enumerate() {
        let mut time = depot.ready;
        let mut here = 0;
        let mut load: i64 = if inst.kind == InstanceKind::Vrptw {
            route.iter().map(|&i| inst.sites[i].demand).sum()
        } else {
            0
        };
        // Earliest schedule, then each pickup as late as its window and the next start allow.
        let mut starts = Vec::with_capacity(route.len());
        for &i in route {
            let Some(s) = inst.sites.get(i).filter(|_| i > 0) else {
                errors.push(format!("route {}: site index {i} is not a customer", r + 1));
                starts.push(time);
                continue;
            };
            visits[i] += 1;
            let d = euclid(inst, here, i);
            total += d;
            let arrival = time + d;
            if arrival > s.due + EPS {
                errors.push(format!(
                    "route {}: site {} reached at {arrival:.4} after {}",
                    r + 1,
                    s.id,
                    s.due
                ));
            }
            let start = arrival.max(s.ready);
            starts.push(start);
            time = start + s.service;
            here = i;
            load += if inst.kind == InstanceKind::Vrptw {
                -s.demand
            } else {
                s.demand
            };
            if load < 0 || load > inst.capacity {
                errors.push(format!(
                    "route {}: load {load} after site {} outside [0, {}]",
                    r + 1,
                    s.id,
                    inst.capacity
                ));
            }
        }
        let back = time + euclid(inst, here, 0);
        // Backwards, so that a run of pickups waits as one.
        for k in (0..route.len()).rev() {
            let i = route[k];
            let Some(s) = inst.sites.get(i).filter(|_| i > 0) else {
                continue;
            };
            if inst.kind == InstanceKind::Pdptw && s.delivery > 0 {
                let (next_start, next) = match route.get(k + 1) {
                    Some(&j) => (starts[k + 1], j),
                    None => (back, 0),
                };
                starts[k] =
                    starts[k].max(s.due.min(next_start - s.service - euclid(inst, i, next)));
            }
        }
        let mut started = vec![None; inst.sites.len()];
        for (k, &i) in route.iter().enumerate() {
            let Some(s) = inst.sites.get(i).filter(|_| i > 0) else {
                continue;
            };
            let start = starts[k];
            started[i] = Some(start);
            if inst.kind == InstanceKind::Pdptw && s.pickup > 0 {
                match started[s.pickup] {
                    None => errors.push(format!(
                        "route {}: site {} delivered before its pickup",
                        r + 1,
                        s.id
                    )),
                    Some(p_start) => {
                        if let Some(f) = opts.max_ride_factor {
                            let limit = ride_limit(inst, s.pickup, i, f);
                            if start - p_start > limit + EPS {
                                errors.push(format!(
                                    "route {}: ride of site {} is {:.4} > limit {limit:.4}",
                                    r + 1,
                                    s.id,
                                    start - p_start
                                ));
                            }
                        }
                    }
                }
            }
        }
        let d = euclid(inst, here, 0);
        total += d;
        if time + d > depot.due + EPS {
            errors.push(format!(
                "route {}: back at the depot at {:.4} after {}",
                r + 1,
                time + d,
                depot.due
            ));
        }
    }
    for (i, &v) in visits.iter().enumerate().skip(1) {
        if v != 1 {
            errors.push(format!("site {} visited {v} times", inst.sites[i].id));
        }
    }
    if errors.is_empty() {
        Ok(total)
    } else {
        Err(errors)
    }
}
