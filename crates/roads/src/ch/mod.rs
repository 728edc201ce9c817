//! Contraction hierarchies: preprocessing, point-to-point search and bucket tables.
//!
//! Nodes are contracted one by one in order of importance; each contraction adds
//! shortcuts that keep shortest paths among the remaining nodes. A query then
//! only climbs: forward from the source along edges to more important nodes,
//! backward from the target likewise, and the two searches meet at the path's
//! most important node. A few hundred nodes are settled instead of the city.

mod contract;
mod search;
mod table;
mod unpack;

use serde::{Deserialize, Serialize};

use crate::weight::Weight;

pub(crate) use contract::contract;
pub(crate) use search::Search;
pub(crate) use search::shortest;
pub(crate) use table::many_to_many;
pub(crate) use unpack::unpack_path;

/// No middle node: the edge is a road segment, not a shortcut.
pub(crate) const ORIGINAL: u32 = u32::MAX;

/// An edge of the hierarchy, stored at its less important end.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct ChEdge {
    /// The more important end.
    pub(crate) node: u32,
    /// Weight of the edge.
    pub(crate) weight: Weight,
    /// The contracted node this shortcut bypasses, or [`ORIGINAL`].
    #[serde(with = "mid_plus_one")]
    pub(crate) mid: u32,
}

/// Stores `mid + 1`, so that the most common value, [`ORIGINAL`], is one varint byte, not five.
mod mid_plus_one {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(mid: &u32, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(mid.wrapping_add(1))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        u32::deserialize(d).map(|v| v.wrapping_sub(1))
    }
}

/// Adjacency in compressed rows: the edges of node `v` are `edges[first[v]..first[v + 1]]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Rows {
    first: Vec<u32>,
    edges: Vec<ChEdge>,
}

impl Rows {
    fn from_lists(lists: Vec<Vec<ChEdge>>) -> Self {
        let mut first = Vec::with_capacity(lists.len() + 1);
        let mut edges = Vec::with_capacity(lists.iter().map(Vec::len).sum());
        first.push(0);
        for list in lists {
            edges.extend(list);
            first.push(edges.len() as u32);
        }
        Self { first, edges }
    }

    /// The edges stored at `v`.
    pub(crate) fn of(&self, v: u32) -> &[ChEdge] {
        let v = v as usize;
        &self.edges[self.first[v] as usize..self.first[v + 1] as usize]
    }

    fn check(&self, nodes: usize) -> Result<(), String> {
        if self.first.len() != nodes + 1 || self.first.first() != Some(&0) {
            return Err("edge index does not match the node count".into());
        }
        if self.first.windows(2).any(|w| w[0] > w[1])
            || self.first.last().map(|&l| l as usize) != Some(self.edges.len())
        {
            return Err("edge index is not monotonic".into());
        }
        let n = nodes as u32;
        if self
            .edges
            .iter()
            .any(|e| e.node >= n || (e.mid != ORIGINAL && e.mid >= n) || !e.weight.is_finite())
        {
            return Err("an edge refers to a node that does not exist".into());
        }
        Ok(())
    }
}

/// A contracted graph: upward edges for forward searches, downward edges
/// (stored reversed at their lower end) for backward searches.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Hierarchy {
    /// `up.of(v)`: edges `v -> x` with `x` more important than `v`.
    pub(crate) up: Rows,
    /// `down.of(v)`: edges `u -> v` with `u` more important than `v`, stored as `u`.
    pub(crate) down: Rows,
}

impl Hierarchy {
    /// Number of nodes.
    pub(crate) fn nodes(&self) -> usize {
        self.up.first.len().saturating_sub(1)
    }

    /// Checks that every index is in range, so that queries on a loaded file cannot go astray.
    pub(crate) fn check(&self, nodes: usize) -> Result<(), String> {
        self.up.check(nodes)?;
        self.down.check(nodes)
    }

    /// Shortcuts added by the contraction.
    pub(crate) fn shortcuts(&self) -> usize {
        self.up
            .edges
            .iter()
            .chain(&self.down.edges)
            .filter(|e| e.mid != ORIGINAL)
            .count()
    }
}
