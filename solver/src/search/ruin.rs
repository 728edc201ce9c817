//! Adjacent string removal (Christiaens & Vanden Berghe, "Slack induction by string
//! removals", 2020): strings of consecutive stops around a seed and its nearest
//! neighbours are taken out of a few routes, leaving slack where they were.

use rand::Rng;
use rand::rngs::SmallRng;

use super::state::State;
use crate::problem::Problem;

/// Average number of stops removed per ruin.
const AVERAGE_REMOVED: f64 = 10.0;
/// Longest string removed from one route.
const MAX_STRING: f64 = 10.0;

/// How many of its nearest nodes each node keeps.
const NEIGHBOURS: usize = 64;

/// Each node's [`NEIGHBOURS`] nearest nodes (itself included), nearest first, by the
/// distance there and back on the first vehicle's matrix (ties by node).
pub(crate) fn neighbours(pb: &Problem) -> Vec<Vec<u32>> {
    let m = pb.matrix(0);
    let n = pb.nodes.len() as u32;
    let mut keyed: Vec<(i64, u32)> = Vec::with_capacity(n as usize);
    (0..n)
        .map(|u| {
            let lu = pb.nodes[u as usize].location;
            keyed.clear();
            keyed.extend((0..n).map(|v| {
                let lv = pb.nodes[v as usize].location;
                (m.distance(lu, lv) + m.distance(lv, lu), v)
            }));
            // Only the nearest are wanted: select them, then sort those alone.
            if keyed.len() > NEIGHBOURS {
                keyed.select_nth_unstable(NEIGHBOURS - 1);
                keyed.truncate(NEIGHBOURS);
            }
            keyed.sort_unstable();
            keyed.iter().map(|&(_, v)| v).collect()
        })
        .collect()
}

/// Takes strings out of routes near a random seed; returns the tasks removed.
pub(crate) fn ruin(
    pb: &Problem,
    state: &mut State,
    near: &[Vec<u32>],
    rng: &mut SmallRng,
) -> Vec<u32> {
    let mut where_is = vec![(usize::MAX, 0usize); pb.nodes.len()];
    let mut routed = 0usize;
    let mut used = 0usize;
    for (ri, r) in state.routes.iter().enumerate() {
        for (k, &u) in r.nodes.iter().enumerate() {
            where_is[u as usize] = (ri, k);
        }
        routed += r.len();
        used += usize::from(!r.is_empty());
    }
    if routed == 0 {
        return Vec::new();
    }
    let avg_card = routed as f64 / used as f64;
    let ls_max = MAX_STRING.min(avg_card);
    let ks_max = 4.0 * AVERAGE_REMOVED / (1.0 + ls_max) - 1.0;
    let ks = rng.random_range(1.0..ks_max.max(1.0) + 1.0).floor() as usize;

    let seed = loop {
        let u = rng.random_range(0..pb.nodes.len());
        if where_is[u].0 != usize::MAX {
            break u;
        }
    };
    let mut ruined: Vec<usize> = Vec::new();
    let mut removed: Vec<u32> = Vec::new();
    for &c in std::iter::once(&(seed as u32)).chain(&near[seed]) {
        if ruined.len() >= ks {
            break;
        }
        let (ri, idx) = where_is[c as usize];
        if ri == usize::MAX || ruined.contains(&ri) {
            continue;
        }
        let r = &state.routes[ri];
        let card = r.len();
        let l_max = ls_max.min(card as f64);
        let l = (rng.random_range(1.0..l_max + 1.0).floor() as usize).clamp(1, card);
        let split = card > l && rng.random_bool(0.5);
        let span = if split {
            l + rng.random_range(1..=card - l)
        } else {
            l
        };
        let lo = idx.saturating_sub(span - 1);
        let hi = idx.min(card - span);
        let first = rng.random_range(lo..=hi);
        // In a split string, `span - l` consecutive stops in the middle stay.
        let keep_from = if split {
            first + rng.random_range(0..=l)
        } else {
            usize::MAX
        };
        let keep_to = keep_from.saturating_add(span - l);
        for k in first..first + span {
            if (keep_from..keep_to).contains(&k) {
                continue;
            }
            let task = pb.nodes[r.nodes[k] as usize].task;
            if !removed.contains(&task) {
                removed.push(task);
            }
        }
        ruined.push(ri);
    }
    state.remove_tasks(pb, &removed);
    removed
}

/// The order in which removed tasks are reinserted: random, largest first, farthest or closest first.
pub(crate) fn order(pb: &Problem, tasks: &mut [u32], rng: &mut SmallRng) {
    let depot = pb.vehicles[0].start;
    let m = pb.matrix(0);
    let far = |t: &u32| {
        let u = pb.tasks[*t as usize].nodes[0];
        m.distance(depot, pb.nodes[u as usize].location)
    };
    let size = |t: &u32| {
        let u = pb.tasks[*t as usize].nodes[0];
        let n = &pb.nodes[u as usize];
        n.delivery
            .iter()
            .chain(&n.pickup)
            .map(|v| v.abs())
            .sum::<i64>()
    };
    match rng.random_range(0..11) {
        0..=3 => {
            for i in (1..tasks.len()).rev() {
                tasks.swap(i, rng.random_range(0..=i));
            }
        }
        4..=7 => tasks.sort_by_key(|t| std::cmp::Reverse((size(t), *t))),
        8..=9 => tasks.sort_by_key(|t| std::cmp::Reverse((far(t), *t))),
        _ => tasks.sort_by_key(|t| (far(t), *t)),
    }
}

#[cfg(test)]
mod tests {
    use freshroute_model::{Metres, Seconds};
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::problem::{Job, ProblemBuilder, Stop, TimeWindow, TravelMatrix, Vehicle};

    #[test]
    fn neighbours_are_the_nearest_in_order_as_a_full_sort_gives_them() {
        let mut rng = SmallRng::seed_from_u64(3);
        let n = 150;
        // Coarse distances, so that many tie and the node decides.
        let distances: Vec<Metres> = (0..n * n)
            .map(|_| Metres(rng.random_range(0..40) * 100))
            .collect();
        let mut builder = ProblemBuilder::new();
        builder.add_matrix(TravelMatrix::new(n, vec![Seconds(1); n * n], distances));
        builder.add_vehicle(Vehicle {
            start: 0,
            end: None,
            shift: TimeWindow {
                start: Seconds(0),
                end: Seconds(3600),
            },
            capacity: vec![100],
            skills: Vec::new(),
            fixed_cost: 0,
            cost_per_second: 0,
            cost_per_metre: 1,
            max_duration: None,
            profile: 0,
        });
        for location in 1..n {
            builder.add_job(Job {
                stop: Stop {
                    location,
                    service: Seconds(0),
                    windows: Vec::new(),
                    soft_end: None,
                },
                delivery: vec![1],
                pickup: vec![0],
                skills: Vec::new(),
                unassigned_penalty: 1_000,
            });
        }
        let pb = builder.build().expect("a valid problem");
        let m = pb.matrix(0);
        let near = neighbours(&pb);
        let count = pb.nodes.len() as u32;
        for (u, got) in near.iter().enumerate() {
            let lu = pb.nodes[u].location;
            let mut all: Vec<u32> = (0..count).collect();
            all.sort_by_key(|&v| {
                let lv = pb.nodes[v as usize].location;
                (m.distance(lu, lv) + m.distance(lv, lu), v)
            });
            all.truncate(NEIGHBOURS);
            assert_eq!(got, &all, "node {u}");
        }
    }
}
