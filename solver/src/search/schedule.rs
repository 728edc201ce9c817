//! The earliest schedule of a stop sequence under time windows and ride limits.
//!
//! Service at a stop starts no earlier than the arrival and inside one of its
//! windows; the vehicle may wait anywhere; a shipment's delivery must start
//! within `max_ride` of leaving its pickup. Each rule is a monotone lower bound
//! on the service starts (a ride limit raises its pickup's start to the
//! delivery's start minus the limit and the pickup's service), so the earliest
//! schedule meeting them all is their least fixpoint: a forward pass, then every
//! pickup whose ride is too long raised, repeated from the lowest raised stop
//! until nothing moves. Every feasible schedule stays above each iterate, so the
//! fixpoint is found whenever one exists, and the sequence is infeasible when a
//! start passes its last window or the shift, or the rounds run out (ride limits
//! that push each other up without end).

use std::cell::RefCell;

use crate::problem::{NO_LIMIT, Problem, StopKind};

/// Where a sequence breaks: the position (1-based; `len + 1` is the route's end)
/// of the stop that cannot be served, or of the delivery whose ride cannot be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Broken(pub(crate) usize);

thread_local! {
    /// Each stop's lower bound from ride limits, reused between calls.
    static RAISE: RefCell<Vec<i64>> = const { RefCell::new(Vec::new()) };
}

/// The earliest feasible service starts of `nodes` on `vehicle`: `start[0]` is the
/// shift start, `start[k]` the k-th stop's service start, `start[len + 1]` the
/// arrival at the end.
pub(crate) fn earliest(
    pb: &Problem,
    vehicle: usize,
    nodes: &[u32],
    start: &mut Vec<i64>,
) -> Result<(), Broken> {
    RAISE.with_borrow_mut(|raise| fixpoint(pb, vehicle, nodes, start, raise))
}

fn fixpoint(
    pb: &Problem,
    vehicle: usize,
    nodes: &[u32],
    start: &mut Vec<i64>,
    raise: &mut Vec<i64>,
) -> Result<(), Broken> {
    let v = &pb.vehicles[vehicle];
    let m = &pb.matrices[v.profile];
    let n = nodes.len();
    let location = |pos: usize| -> Option<u32> {
        if pos == 0 {
            Some(v.start)
        } else if pos > n {
            v.end
        } else {
            Some(pb.nodes[nodes[pos - 1] as usize].location)
        }
    };
    let service = |pos: usize| -> i64 {
        if pos == 0 || pos > n {
            0
        } else {
            pb.nodes[nodes[pos - 1] as usize].service
        }
    };
    let end_limit = v.shift.1.min(v.shift.0.saturating_add(v.max_duration));
    raise.clear();
    raise.resize(n + 2, i64::MIN);
    start.clear();
    start.resize(n + 2, 0);
    start[0] = v.shift.0;
    let mut from = 1;
    let mut culprit = n + 1;
    // Without a cycle of ride limits, each round adds at least one ride limit to the
    // longest chain of constraints, and a route holds at most n / 2 of them.
    for _ in 0..n + 2 {
        for p in from..=n + 1 {
            let travel = match (location(p - 1), location(p)) {
                (Some(a), Some(b)) => m.duration(a, b),
                _ => 0,
            };
            let bound = (start[p - 1] + service(p - 1) + travel).max(raise[p]);
            start[p] = if p <= n {
                v.start_at(&pb.nodes[nodes[p - 1] as usize], bound)
                    .ok_or(Broken(p))?
            } else if bound <= end_limit {
                bound
            } else {
                return Err(Broken(p));
            };
        }
        let mut lowest = None;
        for b in 1..=n {
            let Some(a) = pickup_of(pb, nodes, b) else {
                continue;
            };
            let max_ride = pb.tasks[pb.nodes[nodes[b - 1] as usize].task as usize].max_ride;
            let need = start[b] - service(a) - max_ride;
            if start[a] < need {
                raise[a] = raise[a].max(need);
                culprit = b;
                lowest = Some(lowest.map_or(a, |l: usize| l.min(a)));
            }
        }
        match lowest {
            None => return Ok(()),
            Some(a) => from = a,
        }
    }
    Err(Broken(culprit))
}

/// For a ride-limited delivery at position `b`, its pickup's position.
#[inline]
pub(crate) fn pickup_of(pb: &Problem, nodes: &[u32], b: usize) -> Option<usize> {
    let node = &pb.nodes[nodes[b - 1] as usize];
    if node.kind != StopKind::Delivery {
        return None;
    }
    let task = &pb.tasks[node.task as usize];
    if task.max_ride >= NO_LIMIT {
        return None;
    }
    (1..b).rev().find(|&a| nodes[a - 1] == task.nodes[0])
}
