//! A plain Dijkstra (petgraph) over the uncontracted graph: the reference the
//! hierarchy is tested and benchmarked against.

use petgraph::algo::dijkstra;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::{ProfileGraph, Weight};

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
