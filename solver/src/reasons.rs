//! Why a task was left out: tried against each able vehicle, alone on an empty route.

use rand::SeedableRng;
use rand::rngs::SmallRng;

use crate::UnassignedReason;
use crate::problem::{MAX_DIMS, Problem};
use crate::search::State;

/// The most telling reason a task is unassigned.
pub(crate) fn why_unassigned(pb: &Problem, t: u32) -> UnassignedReason {
    let task = &pb.tasks[t as usize];
    let first = &pb.nodes[task.nodes[0] as usize];
    let able: Vec<usize> = (0..pb.vehicles.len())
        .filter(|&v| first.skills & !pb.vehicles[v].skills == 0)
        .filter(|&v| first.vehicle.is_none_or(|only| only as usize == v))
        .collect();
    if able.is_empty() {
        return UnassignedReason::NoSkill;
    }
    let amount = |d: usize| {
        task.nodes
            .iter()
            .map(|&u| {
                let n = &pb.nodes[u as usize];
                n.delivery[d].max(n.pickup[d])
            })
            .max()
            .unwrap_or(0)
    };
    let fits_some = able
        .iter()
        .any(|&v| (0..MAX_DIMS).all(|d| amount(d) <= pb.vehicles[v].capacity[d]));
    if !fits_some {
        return UnassignedReason::Capacity;
    }
    // Alone on an empty route of some able vehicle?
    let mut rng = SmallRng::seed_from_u64(0);
    for &v in &able {
        // Alone, or after the goods this vehicle already carries are delivered (freeing room).
        let dropoffs: Vec<u32> = (0..pb.tasks.len() as u32)
            .filter(|&o| o != t)
            .filter(|&o| pb.nodes[pb.tasks[o as usize].nodes[0] as usize].vehicle == Some(v as u32))
            .collect();
        let with_dropoffs: Vec<u32> = dropoffs.iter().copied().chain([t]).collect();
        for order in [vec![t], with_dropoffs] {
            let mut alone = State::empty(pb);
            alone.routes.retain(|r| r.vehicle == v);
            alone.class_of = vec![0];
            alone.recreate(pb, &order, crate::search::no_blink(), &mut rng);
            if !alone.unassigned.contains(&t) {
                return UnassignedReason::NoRoom;
            }
        }
    }
    // Which constraint stops it, on the most favourable able vehicle.
    let mut reachable = false;
    let mut ride_ok = false;
    for &v in &able {
        let veh = &pb.vehicles[v];
        let m = &pb.matrices[veh.profile];
        let mut time = veh.shift.0;
        let mut here = veh.start;
        let mut on_time = true;
        for &u in &task.nodes {
            let n = &pb.nodes[u as usize];
            match n.start_at(time + m.duration(here, n.location)) {
                Some(s) => {
                    time = s + n.service;
                    here = n.location;
                }
                None => on_time = false,
            }
        }
        reachable |= on_time;
        if let (&[p, d], true) = (&task.nodes[..], on_time) {
            // The shortest ride waits at the pickup as long as the delivery's windows allow.
            let (pn, dn) = (&pb.nodes[p as usize], &pb.nodes[d as usize]);
            let drive = m.duration(pn.location, dn.location);
            let earliest = pn
                .start_at(veh.shift.0 + m.duration(veh.start, pn.location))
                .unwrap_or(i64::MAX);
            let last_delivery = dn.windows.last().map_or(i64::MIN / 4, |w| w.1);
            if let Some(x) = pn.latest_at(last_delivery - drive - pn.service)
                && x >= earliest
                && let Some(sd) = dn.start_at(x + pn.service + drive)
            {
                ride_ok |= sd - (x + pn.service) <= task.max_ride;
            }
        }
    }
    if !reachable {
        UnassignedReason::TimeWindow
    } else if task.nodes.len() == 2 && !ride_ok {
        UnassignedReason::RideLimit
    } else {
        UnassignedReason::ShiftTooShort
    }
}
