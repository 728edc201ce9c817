//! The metaheuristic: ruin and recreate with simulated annealing, after the
//! "slack induction by string removals" (SISR) scheme.

mod insert;
mod route;
mod ruin;
mod schedule;
mod state;

use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::problem::Problem;
pub(crate) use route::Route;
pub(crate) use state::State;

/// When the search stops and how it draws its random numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Wall-clock budget.
    pub time: Option<Duration>,
    /// Iteration budget; with it, the same seed gives the same plan.
    pub iterations: Option<u64>,
    /// Seed of the random choices.
    pub seed: u64,
}

/// What a search reports while it runs.
pub trait SearchProgress {
    /// A better plan was found.
    fn improved(&mut self, _iteration: u64, _cost: i64) {}
}

/// Progress nobody watches.
pub struct Quiet;
impl SearchProgress for Quiet {}

/// Insertion that never skips a position.
pub(crate) fn no_blink() -> insert::Blink {
    insert::Blink(0.0)
}

/// Blink rate of the recreate step.
const BLINK: f64 = 0.01;

/// Runs the search from scratch and returns the best state found.
pub(crate) fn search(pb: &Problem, limits: &Limits, progress: &mut dyn SearchProgress) -> State {
    let started = Instant::now();
    let mut rng = SmallRng::seed_from_u64(limits.seed);
    let near = ruin::neighbours(pb);

    let mut current = State::empty(pb);
    let mut order: Vec<u32> = (0..pb.tasks.len() as u32).collect();
    // Starting from the previous plan: its routes as they were, then what it gave each
    // vehicle and no longer fits in its place, put back first.
    current.resume(pb);
    order.retain(|t| current.unassigned.contains(t));
    if pb.tasks.iter().any(|t| t.prefer.is_some()) {
        current.restore_preferred(pb, &order, &mut rng);
        order.retain(|t| current.unassigned.contains(t));
    }
    ruin::order(pb, &mut order, &mut rng);
    current.recreate(pb, &order, insert::Blink(0.0), &mut rng);
    let mut current_cost = current.cost(pb);
    let mut best = current.clone();
    let mut best_cost = current_cost;
    progress.improved(0, best_cost);

    let (t0, tf) = temperatures(pb);
    let budget = limits.iterations.unwrap_or(u64::MAX);
    let time = limits.time;
    if pb.nodes.is_empty() {
        return best;
    }
    let mut iteration = 0u64;
    while iteration < budget {
        let fraction = match (limits.iterations, time) {
            (Some(n), _) => iteration as f64 / n as f64,
            (None, Some(t)) => started.elapsed().as_secs_f64() / t.as_secs_f64(),
            (None, None) => 1.0,
        };
        if time.is_some_and(|t| started.elapsed() >= t) || fraction >= 1.0 {
            break;
        }
        iteration += 1;
        let temperature = t0 * (tf / t0).powf(fraction);
        let mut candidate = current.clone();
        let mut removed = ruin::ruin(pb, &mut candidate, &near, &mut rng);
        let unplaced: Vec<u32> = candidate
            .unassigned
            .iter()
            .copied()
            .filter(|t| !removed.contains(t))
            .collect();
        removed.extend(unplaced);
        ruin::order(pb, &mut removed, &mut rng);
        candidate.recreate(pb, &removed, insert::Blink(BLINK), &mut rng);
        let cost = candidate.cost(pb);
        let threshold = current_cost as f64 - temperature * rng.random::<f64>().ln();
        if (cost as f64) < threshold {
            current = candidate;
            current_cost = cost;
            if cost < best_cost {
                best = current.clone();
                best_cost = cost;
                progress.improved(iteration, best_cost);
            }
        }
    }
    best
}

/// Start and end temperatures, in cost units, from the typical cost of the trip to a
/// nearest neighbour (in metres, seconds or both, as the vehicles are paid).
fn temperatures(pb: &Problem) -> (f64, f64) {
    let m = pb.matrix(0);
    let per_metre = pb
        .vehicles
        .iter()
        .map(|v| v.cost_per_metre)
        .max()
        .unwrap_or(0);
    let per_second = pb
        .vehicles
        .iter()
        .map(|v| v.cost_per_second)
        .max()
        .unwrap_or(0);
    // Vehicles that cost nothing to run still need a scale: their distance.
    let per_metre = if per_metre == 0 && per_second == 0 {
        1
    } else {
        per_metre
    };
    let trip = |a: u32, b: u32| per_metre * m.distance(a, b) + per_second * m.duration(a, b);
    let n = pb.nodes.len();
    if n < 2 {
        return (1.0, 0.1);
    }
    let mut total = 0.0;
    for u in &pb.nodes {
        let nearest = pb
            .nodes
            .iter()
            .filter(|v| v.location != u.location)
            .map(|v| trip(u.location, v.location))
            .min()
            .unwrap_or(0);
        total += nearest as f64;
    }
    let typical = (total / n as f64).max(1.0);
    // Measured on Solomon and Li & Lim at 3 s: 10x / 0.1x beat 1x / 0.01x and 30x / 0.3x.
    (typical * 10.0, typical * 0.1)
}
