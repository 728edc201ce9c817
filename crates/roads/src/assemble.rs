//! Turning road ways into one directed graph per profile, restricted to its
//! largest strongly connected component.

use geo::{Distance, Haversine, Point};
use petgraph::algo::kosaraju_scc;
use petgraph::graph::DiGraph;
use serde::{Deserialize, Serialize};

use crate::osm::RoadData;
use crate::profile::Profile;
use crate::weight::Weight;

/// A piece of road between two consecutive nodes of a way, with its weight each way.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// First node, in way order.
    pub a: u32,
    /// Second node, in way order.
    pub b: u32,
    /// Weight from `a` to `b`; infinite where that direction is closed.
    pub forward: Weight,
    /// Weight from `b` to `a`; infinite where that direction is closed.
    pub backward: Weight,
}

impl Segment {
    /// The directed edges of this segment as (tail, head, weight).
    pub fn edges(&self) -> impl Iterator<Item = (u32, u32, Weight)> {
        let f = self
            .forward
            .is_finite()
            .then_some((self.a, self.b, self.forward));
        let b = self
            .backward
            .is_finite()
            .then_some((self.b, self.a, self.backward));
        f.into_iter().chain(b)
    }
}

/// One profile's road graph before contraction.
pub(crate) struct BaseGraph {
    /// Latitude of each node in 1e-7 degrees.
    pub lat_e7: Vec<i32>,
    /// Longitude of each node in 1e-7 degrees.
    pub lon_e7: Vec<i32>,
    /// The road segments between nodes.
    pub segments: Vec<Segment>,
}

/// What assembling one profile kept and dropped.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProfileReport {
    /// Ways this profile may use.
    pub ways: u64,
    /// Nodes before keeping the largest strongly connected component.
    pub nodes_before: u64,
    /// Nodes kept.
    pub nodes: u64,
    /// Directed edges kept.
    pub edges: u64,
    /// Directed edges dropped with the nodes outside the largest component.
    pub edges_dropped: u64,
    /// Strongly connected components other than the largest, dropped.
    pub components_dropped: u64,
    /// Length of the kept road segments, each counted once, in metres.
    pub road_length_m: u64,
    /// Shortcuts the contraction added.
    pub shortcuts: u64,
}

fn segment_weight(metres: f64, speed_kmh: f64) -> Weight {
    let ms = (metres * 3600.0 / speed_kmh).ceil();
    let dm = (metres * 10.0).round();
    Weight::new(
        ms.min(f64::from(u32::MAX)) as u32,
        dm.min(f64::from(u32::MAX)) as u32,
    )
}

/// Builds `profile`'s graph from the road data; `None` when it has no road at all.
pub(crate) fn assemble(data: &RoadData, profile: Profile) -> Option<(BaseGraph, ProfileReport)> {
    const UNSEEN: u32 = u32::MAX;
    let mut local = vec![UNSEEN; data.node_ids.len()];
    let mut lat_e7 = Vec::new();
    let mut lon_e7 = Vec::new();
    let mut segments = Vec::new();
    let mut lengths = Vec::new();
    let mut report = ProfileReport::default();
    for way in &data.ways {
        let Some(use_) = way.uses[profile.index()] else {
            continue;
        };
        report.ways += 1;
        let index_of = |id: i64| data.node_ids.binary_search(&id).ok();
        for pair in way.refs.windows(2) {
            let (Some(i), Some(j)) = (index_of(pair[0]), index_of(pair[1])) else {
                continue;
            };
            let (Some(pa), Some(pb)) = (data.positions[i], data.positions[j]) else {
                // A clipped extract: the way leaves the file here; never bridge the gap.
                continue;
            };
            if i == j {
                continue;
            }
            let mut id_of = |k: usize, (lat, lon): (i32, i32)| {
                if local[k] == UNSEEN {
                    local[k] = lat_e7.len() as u32;
                    lat_e7.push(lat);
                    lon_e7.push(lon);
                }
                local[k]
            };
            let (a, b) = (id_of(i, pa), id_of(j, pb));
            let metres = Haversine.distance(point(pa), point(pb));
            let w = segment_weight(metres, use_.speed_kmh);
            segments.push(Segment {
                a,
                b,
                forward: if use_.forward { w } else { Weight::INFINITY },
                backward: if use_.backward { w } else { Weight::INFINITY },
            });
            lengths.push(metres);
        }
    }
    if segments.is_empty() {
        return None;
    }
    report.nodes_before = lat_e7.len() as u64;

    let mut g = DiGraph::<(), ()>::with_capacity(lat_e7.len(), segments.len() * 2);
    for _ in 0..lat_e7.len() {
        g.add_node(());
    }
    for s in &segments {
        for (t, h, _) in s.edges() {
            g.add_edge(t.into(), h.into(), ());
        }
    }
    // Kosaraju runs on petgraph's iterative DFS; its Tarjan recurses once per node and
    // overflows the stack on a city.
    let components = kosaraju_scc(&g);
    report.components_dropped = components.len().saturating_sub(1) as u64;
    let largest = components.iter().max_by_key(|c| c.len())?;
    let mut keep = vec![UNSEEN; lat_e7.len()];
    let mut kept_lat = Vec::with_capacity(largest.len());
    let mut kept_lon = Vec::with_capacity(largest.len());
    let mut members: Vec<usize> = largest.iter().map(|n| n.index()).collect();
    members.sort_unstable();
    for old in members {
        keep[old] = kept_lat.len() as u32;
        kept_lat.push(lat_e7[old]);
        kept_lon.push(lon_e7[old]);
    }
    let mut kept_segments = Vec::with_capacity(segments.len());
    let mut length = 0.0;
    for (s, metres) in segments.iter().zip(&lengths) {
        let (a, b) = (keep[s.a as usize], keep[s.b as usize]);
        let directed = s.edges().count() as u64;
        if a == UNSEEN || b == UNSEEN {
            report.edges_dropped += directed;
            continue;
        }
        report.edges += directed;
        length += metres;
        kept_segments.push(Segment { a, b, ..*s });
    }
    report.nodes = kept_lat.len() as u64;
    report.road_length_m = length.round() as u64;
    Some((
        BaseGraph {
            lat_e7: kept_lat,
            lon_e7: kept_lon,
            segments: kept_segments,
        },
        report,
    ))
}

/// A node position as a geo point (x = longitude).
pub(crate) fn point((lat, lon): (i32, i32)) -> Point {
    Point::new(f64::from(lon) * 1e-7, f64::from(lat) * 1e-7)
}
