//! One direction of a hierarchy search, and the bidirectional point-to-point query.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::{Hierarchy, Rows};
use crate::weight::Weight;

const NONE: u32 = u32::MAX;

/// Reusable state of one Dijkstra over one direction of the hierarchy.
///
/// Arrays are reset by bumping a stamp rather than cleared, so a query costs
/// what it settles, not the size of the city.
#[derive(Debug, Clone)]
pub(crate) struct Search {
    dist: Vec<u64>,
    /// Predecessor node and the index of the edge that reached this node.
    parent: Vec<(u32, u32)>,
    stamp: Vec<u32>,
    now: u32,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
}

impl Search {
    /// Search state for a graph of `n` nodes.
    pub(crate) fn new(n: usize) -> Self {
        Self {
            dist: vec![u64::MAX; n],
            parent: vec![(NONE, NONE); n],
            stamp: vec![0; n],
            now: 1,
            heap: BinaryHeap::new(),
        }
    }

    pub(crate) fn start(&mut self, origins: &[(u32, Weight)]) {
        self.now = self.now.wrapping_add(1);
        if self.now == 0 {
            self.stamp.fill(0);
            self.now = 1;
        }
        self.heap.clear();
        for &(v, w) in origins {
            if w.0 < self.dist(v) {
                self.set(v, w.0, (NONE, NONE));
                self.heap.push(Reverse((w.0, v)));
            }
        }
    }

    pub(crate) fn dist(&self, v: u32) -> u64 {
        if self.stamp[v as usize] == self.now {
            self.dist[v as usize]
        } else {
            u64::MAX
        }
    }

    pub(crate) fn parent(&self, v: u32) -> (u32, u32) {
        if self.stamp[v as usize] == self.now {
            self.parent[v as usize]
        } else {
            (NONE, NONE)
        }
    }

    fn set(&mut self, v: u32, d: u64, parent: (u32, u32)) {
        let i = v as usize;
        self.stamp[i] = self.now;
        self.dist[i] = d;
        self.parent[i] = parent;
    }

    pub(crate) fn min_key(&self) -> u64 {
        self.heap.peek().map_or(u64::MAX, |Reverse((d, _))| *d)
    }

    /// Settles the next node: relaxes `rows` unless `stall` shows the node is reached
    /// more cheaply from above. Returns the node, its distance and whether it was stalled.
    pub(crate) fn settle_next(&mut self, rows: &Rows, stall: &Rows) -> Option<(u32, u64, bool)> {
        loop {
            let Reverse((d, v)) = self.heap.pop()?;
            if d > self.dist(v) {
                continue;
            }
            let stalled = stall
                .of(v)
                .iter()
                .any(|e| self.dist(e.node).saturating_add(e.weight.0) < d);
            if !stalled {
                let first = rows.first[v as usize];
                for (k, e) in rows.of(v).iter().enumerate() {
                    let nd = d + e.weight.0;
                    if nd < self.dist(e.node) {
                        self.set(e.node, nd, (v, first + k as u32));
                        self.heap.push(Reverse((nd, e.node)));
                    }
                }
            }
            return Some((v, d, stalled));
        }
    }
}

/// The shortest weight between weighted origin and destination nodes, and the
/// node where the searches met; `None` when no path exists.
pub(crate) fn shortest(
    h: &Hierarchy,
    fwd: &mut Search,
    bwd: &mut Search,
    sources: &[(u32, Weight)],
    targets: &[(u32, Weight)],
) -> Option<(Weight, u32)> {
    fwd.start(sources);
    bwd.start(targets);
    let mut best = u64::MAX;
    let mut meet = NONE;
    loop {
        let (f, b) = (fwd.min_key(), bwd.min_key());
        if f.min(b) >= best {
            break;
        }
        let (search, other, rows, stall) = if f <= b {
            (&mut *fwd, &*bwd, &h.up, &h.down)
        } else {
            (&mut *bwd, &*fwd, &h.down, &h.up)
        };
        // A side whose heap held only stale entries is now empty; the other goes on.
        let Some((v, d, _)) = search.settle_next(rows, stall) else {
            continue;
        };
        let total = d.saturating_add(other.dist(v));
        if total < best {
            best = total;
            meet = v;
        }
    }
    (meet != NONE).then_some((Weight(best), meet))
}
