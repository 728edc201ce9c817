//! A plain Dijkstra (petgraph) over the uncontracted graph: the reference the
//! hierarchy is tested and benchmarked against.

use petgraph::algo::dijkstra;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::{ProfileGraph, Snap, Weight};

/// The profile's road graph as a petgraph graph with packed weights.
pub struct ReferenceGraph {
    graph: DiGraph<(), u64>,
}

impl ReferenceGraph {
    /// Builds the reference graph of one profile.
    pub fn new(g: &ProfileGraph) -> Self {
        let mut graph = DiGraph::with_capacity(g.node_count(), g.segments().len() * 2);
        for _ in 0..g.node_count() {
            graph.add_node(());
        }
        for s in g.segments() {
            for (t, h, w) in s.edges() {
                graph.add_edge(NodeIndex::new(t as usize), NodeIndex::new(h as usize), w.0);
            }
        }
        Self { graph }
    }

    /// Shortest weight between two nodes by plain Dijkstra, stopping at the target.
    pub fn node_to_node(&self, from: u32, to: u32) -> Weight {
        let target = NodeIndex::new(to as usize);
        let dist = dijkstra(
            &self.graph,
            NodeIndex::new(from as usize),
            Some(target),
            |e| *e.weight(),
        );
        dist.get(&target).map_or(Weight::INFINITY, |&w| Weight(w))
    }
}

impl ReferenceGraph {
    /// Shortest weight between two snapped positions, by plain Dijkstra on a copy of
    /// the graph in which each snapped segment is split at the snapped points.
    ///
    /// Independent of the hierarchy's phantom-node handling, which it checks.
    pub fn snapped_to_snapped(&self, g: &ProfileGraph, from: &Snap, to: &Snap) -> Weight {
        let mut graph = self.graph.clone();
        let source = graph.add_node(());
        let target = graph.add_node(());
        let mut cuts: Vec<(u32, Vec<(f64, NodeIndex)>)> = Vec::new();
        for (snap, node) in [(from, source), (to, target)] {
            match cuts.iter_mut().find(|(s, _)| *s == snap.segment) {
                Some((_, points)) => points.push((snap.fraction, node)),
                None => cuts.push((snap.segment, vec![(snap.fraction, node)])),
            }
        }
        for (segment, mut points) in cuts {
            let s = g.segments()[segment as usize];
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut chain = vec![(0.0, NodeIndex::new(s.a as usize))];
            chain.extend(points);
            chain.push((1.0, NodeIndex::new(s.b as usize)));
            for pair in chain.windows(2) {
                let ((t0, n0), (t1, n1)) = (pair[0], pair[1]);
                if s.forward.is_finite() {
                    graph.add_edge(n0, n1, s.forward.part(t0, t1).0);
                }
                if s.backward.is_finite() {
                    graph.add_edge(n1, n0, s.backward.part(t0, t1).0);
                }
            }
        }
        let dist = dijkstra(&graph, source, Some(target), |e| *e.weight());
        dist.get(&target).map_or(Weight::INFINITY, |&w| Weight(w))
    }
}
