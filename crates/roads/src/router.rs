//! Point-to-point routes between snapped positions.

use freshroute_model::{LatLon, Metres, Seconds};

use crate::RoadsError;
use crate::ch::{self, Search};
use crate::graph::{ProfileGraph, Snap};
use crate::weight::Weight;

/// A route between two snapped positions.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// Travel time, rounded up to whole seconds.
    pub duration: Seconds,
    /// Travel distance, rounded to whole metres.
    pub distance: Metres,
    /// The exact packed weight (milliseconds and decimetres).
    pub weight: Weight,
    /// The path from the start point to the end point.
    pub geometry: Vec<LatLon>,
}

/// Answers point-to-point queries on one profile, reusing its search state.
pub struct Router<'g> {
    graph: &'g ProfileGraph,
    fwd: Search,
    bwd: Search,
}

impl<'g> Router<'g> {
    pub(crate) fn new(graph: &'g ProfileGraph) -> Self {
        Self {
            graph,
            fwd: Search::new(graph.node_count()),
            bwd: Search::new(graph.node_count()),
        }
    }

    /// The shortest weight between two graph nodes; infinite when unreachable.
    pub fn node_to_node(&mut self, from: u32, to: u32) -> Weight {
        let h = &self.graph.data.hierarchy;
        ch::shortest(
            h,
            &mut self.fwd,
            &mut self.bwd,
            &[(from, Weight::ZERO)],
            &[(to, Weight::ZERO)],
        )
        .map_or(Weight::INFINITY, |(w, _)| w)
    }

    /// The fastest route between two snapped positions, `None` when unreachable.
    pub fn route(&mut self, from: &Snap, to: &Snap) -> Result<Option<Route>, RoadsError> {
        let g = self.graph;
        let direct = g.along_segment(from, to);
        let found = ch::shortest(
            &g.data.hierarchy,
            &mut self.fwd,
            &mut self.bwd,
            &g.departures(from),
            &g.arrivals(to),
        );
        let mut geometry = vec![from.point];
        let weight = match found {
            Some((w, meet)) if w < direct => {
                let nodes = ch::unpack_path(&g.data.hierarchy, &self.fwd, &self.bwd, meet)
                    .map_err(|reason| RoadsError::GraphFileInvalid {
                        path: g.profile().name().into(),
                        reason,
                    })?;
                geometry.extend(nodes.into_iter().map(|n| g.node_position(n)));
                w
            }
            _ if direct.is_finite() => direct,
            _ => return Ok(None),
        };
        geometry.push(to.point);
        geometry.dedup();
        Ok(Some(Route {
            duration: weight.seconds(),
            distance: weight.metres(),
            weight,
            geometry,
        }))
    }
}
