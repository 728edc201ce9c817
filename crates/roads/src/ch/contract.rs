//! Node ordering and contraction.
//!
//! Nodes are taken in the order of a priority that favours nodes whose removal
//! adds few shortcuts (edge quotient), represents few original edges (hop
//! quotient) and lies low in the hierarchy so far (depth), the scheme OSRM
//! uses. Priorities are updated lazily: a node popped from the queue is
//! re-evaluated and put back when it is no longer the cheapest.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::{ChEdge, Hierarchy, ORIGINAL, Rows};
use crate::Progress;
use crate::weight::Weight;

/// Settled-node limit of witness searches while estimating priorities.
const ESTIMATE_SETTLE_LIMIT: usize = 60;
/// Settled-node limit of witness searches during the contraction itself.
const CONTRACT_SETTLE_LIMIT: usize = 600;

#[derive(Clone, Copy)]
struct Arc {
    node: u32,
    weight: u64,
    mid: u32,
    hops: u32,
}

struct Shortcut {
    from: u32,
    to: u32,
    weight: u64,
    hops: u32,
}

/// Bounded Dijkstra among uncontracted nodes, looking for paths that make a shortcut unnecessary.
struct WitnessSearch {
    dist: Vec<u64>,
    touched: Vec<u32>,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
}

impl WitnessSearch {
    fn new(n: usize) -> Self {
        Self {
            dist: vec![u64::MAX; n],
            touched: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    fn reset(&mut self) {
        for &v in &self.touched {
            self.dist[v as usize] = u64::MAX;
        }
        self.touched.clear();
        self.heap.clear();
    }

    fn run(&mut self, out: &[Vec<Arc>], source: u32, avoid: u32, max_weight: u64, limit: usize) {
        self.reset();
        self.dist[source as usize] = 0;
        self.touched.push(source);
        self.heap.push(Reverse((0, source)));
        let mut settled = 0;
        while let Some(Reverse((d, v))) = self.heap.pop() {
            if d > self.dist[v as usize] {
                continue;
            }
            if d > max_weight || settled >= limit {
                break;
            }
            settled += 1;
            for arc in &out[v as usize] {
                if arc.node == avoid {
                    continue;
                }
                let nd = d + arc.weight;
                let slot = &mut self.dist[arc.node as usize];
                if nd < *slot {
                    if *slot == u64::MAX {
                        self.touched.push(arc.node);
                    }
                    *slot = nd;
                    self.heap.push(Reverse((nd, arc.node)));
                }
            }
        }
    }
}

struct Contractor {
    out: Vec<Vec<Arc>>,
    inc: Vec<Vec<Arc>>,
    depth: Vec<u32>,
    witness: WitnessSearch,
    shortcuts: Vec<Shortcut>,
}

impl Contractor {
    /// The shortcuts contracting `v` needs, left in `self.shortcuts`.
    fn find_shortcuts(&mut self, v: u32, limit: usize) {
        self.shortcuts.clear();
        let v_us = v as usize;
        for i in 0..self.inc[v_us].len() {
            let a = self.inc[v_us][i];
            let max_out = self.out[v_us]
                .iter()
                .filter(|b| b.node != a.node)
                .map(|b| b.weight)
                .max();
            let Some(max_out) = max_out else { continue };
            self.witness
                .run(&self.out, a.node, v, a.weight + max_out, limit);
            for b in &self.out[v_us] {
                if b.node == a.node {
                    continue;
                }
                let via = a.weight + b.weight;
                if self.witness.dist[b.node as usize] > via {
                    self.shortcuts.push(Shortcut {
                        from: a.node,
                        to: b.node,
                        weight: via,
                        hops: a.hops + b.hops,
                    });
                }
            }
        }
    }

    fn priority(&mut self, v: u32) -> u64 {
        self.find_shortcuts(v, ESTIMATE_SETTLE_LIMIT);
        let v_us = v as usize;
        let removed = (self.inc[v_us].len() + self.out[v_us].len()).max(1) as f64;
        let removed_hops: u32 = self.inc[v_us]
            .iter()
            .chain(&self.out[v_us])
            .map(|a| a.hops)
            .sum();
        let added = self.shortcuts.len() as f64;
        let added_hops: u32 = self.shortcuts.iter().map(|s| s.hops).sum();
        let p = 2.0 * added / removed
            + f64::from(added_hops) / f64::from(removed_hops.max(1))
            + f64::from(self.depth[v_us]);
        // Non-negative floats order like their bit patterns.
        p.to_bits()
    }

    fn add_shortcut(&mut self, s: &Shortcut, mid: u32) {
        let arc = |node| Arc {
            node,
            weight: s.weight,
            mid,
            hops: s.hops,
        };
        if let Some(existing) = self.out[s.from as usize]
            .iter_mut()
            .find(|a| a.node == s.to)
        {
            if existing.weight <= s.weight {
                return;
            }
            *existing = arc(s.to);
            if let Some(back) = self.inc[s.to as usize]
                .iter_mut()
                .find(|a| a.node == s.from)
            {
                *back = arc(s.from);
            }
            return;
        }
        self.out[s.from as usize].push(arc(s.to));
        self.inc[s.to as usize].push(arc(s.from));
    }

    /// Contracts `v`: its remaining edges become hierarchy edges, its neighbours get the shortcuts.
    fn contract(&mut self, v: u32, up: &mut [Vec<ChEdge>], down: &mut [Vec<ChEdge>]) {
        self.find_shortcuts(v, CONTRACT_SETTLE_LIMIT);
        let shortcuts = std::mem::take(&mut self.shortcuts);
        for s in &shortcuts {
            self.add_shortcut(s, v);
        }
        self.shortcuts = shortcuts;
        let v_us = v as usize;
        let out = std::mem::take(&mut self.out[v_us]);
        let inc = std::mem::take(&mut self.inc[v_us]);
        let depth = self.depth[v_us] + 1;
        for a in &out {
            self.inc[a.node as usize].retain(|b| b.node != v);
            let d = &mut self.depth[a.node as usize];
            *d = (*d).max(depth);
        }
        for a in &inc {
            self.out[a.node as usize].retain(|b| b.node != v);
            let d = &mut self.depth[a.node as usize];
            *d = (*d).max(depth);
        }
        let edge = |a: &Arc| ChEdge {
            node: a.node,
            weight: Weight(a.weight),
            mid: a.mid,
        };
        up[v_us] = out.iter().map(edge).collect();
        down[v_us] = inc.iter().map(edge).collect();
        self.out[v_us] = out;
        self.inc[v_us] = inc;
    }
}

/// Builds the hierarchy of a graph with `n` nodes and the given directed edges.
pub(crate) fn contract(
    n: usize,
    edges: impl Iterator<Item = (u32, u32, Weight)>,
    progress: &mut dyn Progress,
) -> Hierarchy {
    let mut out: Vec<Vec<Arc>> = vec![Vec::new(); n];
    let mut inc: Vec<Vec<Arc>> = vec![Vec::new(); n];
    for (tail, head, w) in edges {
        if tail == head || !w.is_finite() {
            continue;
        }
        let arc = |node| Arc {
            node,
            weight: w.0,
            mid: ORIGINAL,
            hops: 1,
        };
        match out[tail as usize].iter_mut().find(|a| a.node == head) {
            Some(existing) if existing.weight <= w.0 => {}
            Some(existing) => {
                *existing = arc(head);
                if let Some(back) = inc[head as usize].iter_mut().find(|a| a.node == tail) {
                    *back = arc(tail);
                }
            }
            None => {
                out[tail as usize].push(arc(head));
                inc[head as usize].push(arc(tail));
            }
        }
    }
    let mut c = Contractor {
        out,
        inc,
        depth: vec![0; n],
        witness: WitnessSearch::new(n),
        shortcuts: Vec::new(),
    };
    let mut current = vec![0u64; n];
    let mut queue = BinaryHeap::with_capacity(n);
    for v in 0..n as u32 {
        current[v as usize] = c.priority(v);
        queue.push(Reverse((current[v as usize], v)));
    }
    let mut contracted = vec![false; n];
    let mut up = vec![Vec::new(); n];
    let mut down = vec![Vec::new(); n];
    let mut done = 0u64;
    let step = (n as u64 / 10).max(1);
    while let Some(Reverse((p, v))) = queue.pop() {
        if contracted[v as usize] || p != current[v as usize] {
            continue;
        }
        let fresh = c.priority(v);
        if let Some(Reverse((next, _))) = queue.peek()
            && fresh > *next
        {
            current[v as usize] = fresh;
            queue.push(Reverse((fresh, v)));
            continue;
        }
        c.contract(v, &mut up, &mut down);
        contracted[v as usize] = true;
        done += 1;
        if done.is_multiple_of(step) {
            progress.fraction(done, n as u64);
        }
        let neighbours: Vec<u32> = c.out[v as usize]
            .iter()
            .chain(&c.inc[v as usize])
            .map(|a| a.node)
            .collect();
        let mut neighbours = neighbours;
        neighbours.sort_unstable();
        neighbours.dedup();
        c.out[v as usize] = Vec::new();
        c.inc[v as usize] = Vec::new();
        for x in neighbours {
            if !contracted[x as usize] {
                let p = c.priority(x);
                if p != current[x as usize] {
                    current[x as usize] = p;
                    queue.push(Reverse((p, x)));
                }
            }
        }
    }
    Hierarchy {
        up: Rows::from_lists(up),
        down: Rows::from_lists(down),
    }
}
