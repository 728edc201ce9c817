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
    for (r, route) in routes.iter().enumerate() {
        let mut here = 0;
        let mut load: i64 = if inst.kind == InstanceKind::Vrptw {
            route
                .iter()
                .filter_map(|&i| inst.sites.get(i))
                .map(|s| s.demand)
                .sum()
        } else {
            0
        };
        for &i in route {
            let Some(s) = inst.sites.get(i).filter(|_| i > 0) else {
                errors.push(format!("route {}: site index {i} is not a customer", r + 1));
                continue;
            };
            visits[i] += 1;
            total += euclid(inst, here, i);
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
        total += euclid(inst, here, 0);
        if route.iter().any(|&i| i == 0 || i >= inst.sites.len()) {
            continue;
        }
        if let Err(e) = schedule(inst, opts, route) {
            errors.push(format!("route {}: {e}", r + 1));
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

/// Finds the earliest schedule of a route (customer site indices) with waiting
/// allowed anywhere: serve each site as soon as it is reached and open, and when
/// a delivery starts more than its ride limit after its pickup started, start
/// that pickup later and serve the route again, until every rule holds or a
/// site or the depot is reached too late.
fn schedule(inst: &Instance, opts: &BuildOptions, route: &[usize]) -> Result<(), String> {
    let depot = &inst.sites[0];
    let pickup_at: Vec<Option<(usize, f64)>> = route
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let s = &inst.sites[i];
            let f = opts.max_ride_factor?;
            if inst.kind != InstanceKind::Pdptw || s.pickup == 0 {
                return None;
            }
            let a = route[..k].iter().position(|&j| j == s.pickup)?;
            Some((a, ride_limit(inst, s.pickup, i, f)))
        })
        .collect();
    if inst.kind == InstanceKind::Pdptw {
        for (k, &i) in route.iter().enumerate() {
            let s = &inst.sites[i];
            if s.pickup > 0 && !route[..k].contains(&s.pickup) {
                return Err(format!("site {} delivered before its pickup", s.id));
            }
        }
    }
    let mut not_before = vec![f64::NEG_INFINITY; route.len()];
    let mut starts = vec![0.0; route.len()];
    for _ in 0..route.len() + 2 {
        let mut time = depot.ready;
        let mut here = 0;
        for (k, &i) in route.iter().enumerate() {
            let s = &inst.sites[i];
            let arrival = time + euclid(inst, here, i);
            let start = arrival.max(s.ready).max(not_before[k]);
            if start > s.due + EPS {
                return Err(format!(
                    "site {} cannot start before {start:.4}, after its due time {}",
                    s.id, s.due
                ));
            }
            starts[k] = start;
            time = start + s.service;
            here = i;
        }
        let back = time + euclid(inst, here, 0);
        if back > depot.due + EPS {
            return Err(format!(
                "back at the depot at {back:.4} at the earliest, after {}",
                depot.due
            ));
        }
        let mut moved = false;
        for (k, p) in pickup_at.iter().enumerate() {
            if let &Some((a, limit)) = p
                && starts[k] - starts[a] > limit + EPS
            {
                not_before[a] = not_before[a].max(starts[k] - limit);
                moved = true;
            }
        }
        if !moved {
            return Ok(());
        }
    }
    Err("the ride limits cannot all be kept".to_string())
}
