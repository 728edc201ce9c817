//! A solution during the search: one route per vehicle and the tasks left out.

use rand::rngs::SmallRng;

use super::insert::{Blink, Insertion, allowed, best_job, best_shipment, try_apply};
use super::route::{Route, fits};
use crate::problem::{MAX_DIMS, Problem};

#[derive(Debug, Clone)]
pub(crate) struct State {
    pub(crate) routes: Vec<Route>,
    pub(crate) unassigned: Vec<u32>,
    /// Vehicles grouped by what makes them interchangeable when empty.
    pub(crate) class_of: Vec<usize>,
}

impl State {
    pub(crate) fn empty(pb: &Problem) -> Self {
        let mut classes: Vec<usize> = Vec::new();
        let mut class_of = Vec::with_capacity(pb.vehicles.len());
        for (i, v) in pb.vehicles.iter().enumerate() {
            let same = classes.iter().position(|&c| {
                let w = &pb.vehicles[c];
                (
                    w.start,
                    w.end,
                    w.shift,
                    w.capacity,
                    w.skills,
                    w.profile,
                    w.initial_load,
                ) == (
                    v.start,
                    v.end,
                    v.shift,
                    v.capacity,
                    v.skills,
                    v.profile,
                    v.initial_load,
                ) && (
                    w.fixed_cost,
                    w.cost_per_metre,
                    w.cost_per_second,
                    w.max_duration,
                ) == (
                    v.fixed_cost,
                    v.cost_per_metre,
                    v.cost_per_second,
                    v.max_duration,
                )
            });
            match same {
                Some(c) => class_of.push(c),
                None => {
                    classes.push(i);
                    class_of.push(classes.len() - 1);
                }
            }
        }
        Self {
            routes: (0..pb.vehicles.len()).map(|v| Route::new(pb, v)).collect(),
            unassigned: (0..pb.tasks.len() as u32).collect(),
            class_of,
        }
    }

    /// Total cost: routes plus the penalties of unassigned tasks.
    pub(crate) fn cost(&self, pb: &Problem) -> i64 {
        let routes: i64 = self.routes.iter().map(|r| r.cost).sum();
        let penalties: i64 = self
            .unassigned
            .iter()
            .map(|&t| pb.tasks[t as usize].penalty)
            .sum();
        routes + penalties
    }

    /// Removes tasks from their routes and marks them unassigned.
    pub(crate) fn remove_tasks(&mut self, pb: &Problem, tasks: &[u32]) {
        let mut touched = Vec::new();
        for (ri, r) in self.routes.iter_mut().enumerate() {
            let before = r.nodes.len();
            r.nodes
                .retain(|&u| !tasks.contains(&pb.nodes[u as usize].task));
            if r.nodes.len() != before {
                touched.push(ri);
            }
        }
        self.unassigned.extend_from_slice(tasks);
        // Leaving stops out keeps a schedule feasible when travel times obey the
        // triangle inequality; on a matrix that does not, take out what breaks.
        for ri in touched {
            self.routes[ri].update(pb);
            while let Some(t) = self.routes[ri].broken_task(pb) {
                self.routes[ri]
                    .nodes
                    .retain(|&u| pb.nodes[u as usize].task != t);
                self.routes[ri].update(pb);
                if !self.unassigned.contains(&t) {
                    self.unassigned.push(t);
                }
            }
        }
    }

    /// Inserts each task in order at its cheapest feasible place; leaves out those that fit nowhere.
    pub(crate) fn recreate(
        &mut self,
        pb: &Problem,
        order: &[u32],
        blink: Blink,
        rng: &mut SmallRng,
    ) {
        self.recreate_within(pb, order, blink, rng, false);
    }

    /// The warm start from the previous plan's routes ([`Problem::warm`]): each rebuilt
    /// in its order with the stops that still fit it (the vehicle's skills, its box, the
    /// windows and ride limits on today's times); the rest stay unassigned.
    pub(crate) fn resume(&mut self, pb: &Problem) {
        let mut placed = vec![false; pb.tasks.len()];
        for (vehicle, stops) in &pb.warm {
            let route = &mut self.routes[*vehicle];
            if !route.is_empty() {
                continue;
            }
            let sequence = warm_nodes(pb, route, stops, &placed);
            // Task by task in the order the route reached them: the earlier stops, those
            // the courier is about to serve, win over later ones.
            let mut kept: Vec<u32> = Vec::new();
            for &u in &sequence {
                let t = pb.nodes[u as usize].task;
                if kept.contains(&t) {
                    continue;
                }
                kept.push(t);
                route.nodes = only(pb, &sequence, &kept);
                route.update(pb);
                if route.broken.is_some() || !fits_box(pb, route) {
                    kept.pop();
                }
            }
            route.nodes = only(pb, &sequence, &kept);
            route.update(pb);
            for &t in &kept {
                placed[t as usize] = true;
            }
        }
        self.unassigned.retain(|&t| !placed[t as usize]);
    }

    /// The warm start: each task that prefers a vehicle (it had it in the previous plan)
    /// goes back to that vehicle if it fits there; the rest are left for [`Self::recreate`].
    pub(crate) fn restore_preferred(&mut self, pb: &Problem, order: &[u32], rng: &mut SmallRng) {
        self.recreate_within(pb, order, Blink(0.0), rng, true);
    }

    fn recreate_within(
        &mut self,
        pb: &Problem,
        order: &[u32],
        blink: Blink,
        rng: &mut SmallRng,
        preferred_only: bool,
    ) {
        let n_classes = self.class_of.iter().max().map_or(0, |m| m + 1);
        let mut options: Vec<(i64, usize, Insertion)> = Vec::new();
        for &t in order {
            let task = &pb.tasks[t as usize];
            // A task bound to one vehicle (goods on board, a pin) tries that vehicle only;
            // so does a task going back to its preferred vehicle.
            let only = pb.nodes[task.nodes[0] as usize]
                .vehicle
                .or(if preferred_only {
                    task.prefer.map(|(v, _)| v)
                } else {
                    None
                });
            if preferred_only && only.is_none() {
                continue;
            }
            options.clear();
            let mut empty_seen = vec![false; n_classes];
            for (ri, r) in self.routes.iter().enumerate() {
                if let Some(v) = only {
                    if r.vehicle != v as usize {
                        continue;
                    }
                } else if r.is_empty() {
                    // One empty route per class is enough: the others would cost the same.
                    let c = self.class_of[ri];
                    if empty_seen[c] {
                        continue;
                    }
                    empty_seen[c] = true;
                }
                let found = match task.nodes[..] {
                    [u] => best_job(pb, r, u, blink, rng),
                    [p, d] => best_shipment(pb, r, p, d, task.max_ride, blink, rng),
                    _ => None,
                };
                if let Some(ins) = found {
                    options.push((ins.delta + task.switch_cost(r.vehicle), ri, ins));
                }
            }
            options.sort_by_key(|&(delta, ri, _)| (delta, ri));
            let placed = options
                .iter()
                .any(|&(_, ri, ins)| try_apply(pb, &mut self.routes[ri], &task.nodes, ins));
            if placed && let Some(k) = self.unassigned.iter().position(|&u| u == t) {
                self.unassigned.swap_remove(k);
            }
        }
        // Keep the unassigned list in a stable order so that runs repeat exactly.
        self.unassigned.sort_unstable();
    }
}

/// The nodes of a previous route's stops, in order: a task's stops only when all of
/// them are there (a shipment's pickup and delivery), it may ride this vehicle and no
/// other route took it.
fn warm_nodes(pb: &Problem, route: &Route, stops: &[u32], placed: &[bool]) -> Vec<u32> {
    let count = |t: u32| stops.iter().filter(|&&s| s == t).count();
    let whole = |t: u32| {
        let task = &pb.tasks[t as usize];
        !placed[t as usize]
            && count(t) == task.nodes.len()
            && task.nodes.iter().all(|&u| allowed(pb, route, u))
    };
    let mut seen: Vec<u32> = Vec::new();
    let mut nodes = Vec::with_capacity(stops.len());
    for &t in stops {
        if !whole(t) {
            continue;
        }
        let k = seen.iter().filter(|&&s| s == t).count();
        seen.push(t);
        nodes.push(pb.tasks[t as usize].nodes[k]);
    }
    nodes
}

/// The nodes of `sequence` whose task is one of `tasks`, in order.
fn only(pb: &Problem, sequence: &[u32], tasks: &[u32]) -> Vec<u32> {
    sequence
        .iter()
        .copied()
        .filter(|&u| tasks.contains(&pb.nodes[u as usize].task))
        .collect()
}

/// Whether the route's load stays within its vehicle's capacity all the way.
fn fits_box(pb: &Problem, route: &Route) -> bool {
    let capacity = &pb.vehicles[route.vehicle].capacity;
    route
        .pre_max
        .last()
        .is_none_or(|peak| fits(peak, &[0; MAX_DIMS], capacity))
}
