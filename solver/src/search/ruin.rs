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

/// Each node's other nodes, nearest first (by the first vehicle's matrix).
pub(crate) fn neighbours(pb: &Problem) -> Vec<Vec<u32>> {
    let m = pb.matrix(0);
    let n = pb.nodes.len() as u32;
    (0..n)
        .map(|u| {
            let lu = pb.nodes[u as usize].location;
            let mut others: Vec<u32> = (0..n).collect();
            others.sort_by_key(|&v| {
                let lv = pb.nodes[v as usize].location;
                (m.distance(lu, lv) + m.distance(lv, lu), v)
            });
            others.truncate(64);
            others
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
