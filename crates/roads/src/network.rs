//! The imported road network: one contracted graph per profile, and its queries.

use std::path::Path;
use std::sync::OnceLock;

use freshroute_model::{LatLon, Metres, Seconds};
use serde::{Deserialize, Serialize};

use crate::assemble::{ProfileReport, Segment, assemble};
use crate::ch::{self, Hierarchy, Search};
use crate::osm::read_roads;
use crate::snap::SnapIndex;
use crate::weight::Weight;
use crate::{Profile, Progress, RoadsError};

/// The default distance beyond which a point is too far from any road to snap.
pub const DEFAULT_SNAP_RADIUS: Metres = Metres(500);

/// One profile's graph as stored in a graph file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ProfileData {
    pub(crate) profile: Profile,
    #[serde(with = "deltas")]
    pub(crate) lat_e7: Vec<i32>,
    #[serde(with = "deltas")]
    pub(crate) lon_e7: Vec<i32>,
    pub(crate) segments: Vec<Segment>,
    pub(crate) hierarchy: Hierarchy,
    pub(crate) report: ProfileReport,
}

/// Stores a coordinate column as differences from the previous value: nodes are
/// numbered along their ways, so neighbours differ by little and varints stay short.
mod deltas {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(values: &[i32], s: S) -> Result<S::Ok, S::Error> {
        let mut previous = 0i32;
        let d: Vec<i32> = values
            .iter()
            .map(|&v| {
                let delta = v.wrapping_sub(previous);
                previous = v;
                delta
            })
            .collect();
        d.serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i32>, D::Error> {
        let mut previous = 0i32;
        let values = Vec::<i32>::deserialize(d)?
            .into_iter()
            .map(|delta| {
                previous = previous.wrapping_add(delta);
                previous
            })
            .collect();
        Ok(values)
    }
}

impl ProfileData {
    pub(crate) fn check(&self) -> Result<(), String> {
        let n = self.lat_e7.len();
        if self.lon_e7.len() != n {
            return Err(format!(
                "{}: coordinate arrays differ in length",
                self.profile
            ));
        }
        if self
            .lat_e7
            .iter()
            .any(|&l| !(-900_000_000..=900_000_000).contains(&l))
            || self
                .lon_e7
                .iter()
                .any(|&l| !(-1_800_000_000..=1_800_000_000).contains(&l))
        {
            return Err(format!("{}: a node lies outside the globe", self.profile));
        }
        if self
            .segments
            .iter()
            .any(|s| s.a as usize >= n || s.b as usize >= n)
        {
            return Err(format!(
                "{}: a segment refers to a missing node",
                self.profile
            ));
        }
        self.hierarchy
            .check(n)
            .map_err(|e| format!("{}: {e}", self.profile))
    }
}

/// A road network imported from an OSM extract: a routable graph per profile.
pub struct RoadNetwork {
    pub(crate) source: String,
    pub(crate) profiles: Vec<ProfileGraph>,
}

/// What an import read, kept and dropped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Ways in the extract.
    pub ways_read: u64,
    /// Ways some profile may use.
    pub road_ways: u64,
    /// Way references to nodes the extract does not hold (a clipped extract), skipped.
    pub missing_node_refs: u64,
    /// Per profile: what its graph kept and dropped.
    pub profiles: Vec<(Profile, ProfileReport)>,
}

impl RoadNetwork {
    /// Imports an OSM PBF extract and contracts a graph for every profile.
    pub fn import(
        path: &Path,
        progress: &mut dyn Progress,
    ) -> Result<(Self, ImportReport), RoadsError> {
        let data = read_roads(path, progress)?;
        let missing_node_refs = data
            .ways
            .iter()
            .flat_map(|w| &w.refs)
            .filter(|id| {
                data.node_ids
                    .binary_search(id)
                    .map_or(true, |i| data.positions[i].is_none())
            })
            .count() as u64;
        let mut profiles = Vec::new();
        let mut reports = Vec::new();
        for profile in Profile::ALL {
            progress.stage(&format!("building the {profile} graph"));
            let Some((base, mut report)) = assemble(&data, profile) else {
                return Err(RoadsError::NoRoads {
                    path: path.to_owned(),
                    profile: profile.name().to_owned(),
                    ways: data.ways_read,
                });
            };
            progress.note(&format!(
                "{profile}: {} ways, {} nodes and {} edges kept; {} nodes and {} edges in {} smaller components dropped",
                report.ways,
                report.nodes,
                report.edges,
                report.nodes_before - report.nodes,
                report.edges_dropped,
                report.components_dropped
            ));
            progress.stage(&format!("contracting the {profile} graph"));
            let edges = base.segments.iter().flat_map(Segment::edges);
            let hierarchy = ch::contract(base.lat_e7.len(), edges, progress);
            report.shortcuts = hierarchy.shortcuts() as u64;
            reports.push((profile, report.clone()));
            profiles.push(ProfileGraph::new(ProfileData {
                profile,
                lat_e7: base.lat_e7,
                lon_e7: base.lon_e7,
                segments: base.segments,
                hierarchy,
                report,
            }));
        }
        let source = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let report = ImportReport {
            ways_read: data.ways_read,
            road_ways: data.ways.len() as u64,
            missing_node_refs,
            profiles: reports,
        };
        Ok((Self { source, profiles }, report))
    }

    /// The graph of one profile.
    pub fn profile(&self, profile: Profile) -> Result<&ProfileGraph, RoadsError> {
        self.profiles
            .iter()
            .find(|g| g.data.profile == profile)
            .ok_or_else(|| RoadsError::ProfileMissing(profile.name().to_owned()))
    }

    /// Every profile's graph.
    pub fn profiles(&self) -> &[ProfileGraph] {
        &self.profiles
    }

    /// File name of the extract this network was imported from.
    pub fn source(&self) -> &str {
        &self.source
    }
}

/// One profile's routable graph.
pub struct ProfileGraph {
    pub(crate) data: ProfileData,
    snap_index: OnceLock<SnapIndex>,
}

/// A position placed on the road network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snap {
    /// The position asked for.
    pub input: LatLon,
    /// The nearest point on a road.
    pub point: LatLon,
    /// Index of the road segment it lies on.
    pub segment: u32,
    /// How far along the segment, from its first node (0) to its second (1).
    pub fraction: f64,
    /// Great-circle distance from the input to the snapped point.
    pub distance: Metres,
}

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

/// Durations and distances between every source and every target.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Number of sources (rows).
    pub rows: usize,
    /// Number of targets (columns).
    pub cols: usize,
    /// Row-major weights; [`Weight::INFINITY`] where a target cannot be reached.
    pub weights: Vec<Weight>,
}

impl Table {
    /// Row-major durations, `None` where unreachable.
    pub fn durations(&self) -> Vec<Option<Seconds>> {
        self.weights
            .iter()
            .map(|w| w.is_finite().then(|| w.seconds()))
            .collect()
    }

    /// Row-major distances, `None` where unreachable.
    pub fn distances(&self) -> Vec<Option<Metres>> {
        self.weights
            .iter()
            .map(|w| w.is_finite().then(|| w.metres()))
            .collect()
    }
}

impl ProfileGraph {
    pub(crate) fn new(data: ProfileData) -> Self {
        Self {
            data,
            snap_index: OnceLock::new(),
        }
    }

    /// The profile this graph serves.
    pub fn profile(&self) -> Profile {
        self.data.profile
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.data.lat_e7.len()
    }

    /// The road segments of this graph.
    pub fn segments(&self) -> &[Segment] {
        &self.data.segments
    }

    /// What the import kept and dropped for this profile.
    pub fn report(&self) -> &ProfileReport {
        &self.data.report
    }

    /// Position of a node.
    pub fn node_position(&self, node: u32) -> LatLon {
        let n = node as usize;
        let (lat, lon) = (
            f64::from(self.data.lat_e7[n]) * 1e-7,
            f64::from(self.data.lon_e7[n]) * 1e-7,
        );
        // Checked on import and on load: every stored position is on the globe.
        LatLon::new(lat, lon).unwrap_or_else(|_| unreachable!("node positions are validated"))
    }

    fn snap_index(&self) -> &SnapIndex {
        self.snap_index.get_or_init(|| {
            SnapIndex::build(&self.data.lat_e7, &self.data.lon_e7, &self.data.segments)
        })
    }

    /// Builds the snapping index now rather than on the first snap.
    pub fn prepare_snapping(&self) {
        self.snap_index();
    }

    /// Places `at` on the nearest road segment, refusing roads farther than `radius`.
    pub fn snap(&self, at: LatLon, radius: Metres) -> Result<Snap, RoadsError> {
        let too_far = |nearest_m: u64| RoadsError::TooFarFromRoad {
            profile: self.profile().name().to_owned(),
            lat: at.lat(),
            lon: at.lon(),
            radius_m: radius.0.clamp(0, i64::from(u32::MAX)) as u32,
            nearest_m,
        };
        let (segment, fraction, (lat, lon), metres) = self
            .snap_index()
            .nearest(at.lat(), at.lon())
            .ok_or_else(|| too_far(u64::MAX))?;
        if metres > radius.0 as f64 {
            return Err(too_far(metres.round() as u64));
        }
        Ok(Snap {
            input: at,
            point: LatLon::new(lat, lon.clamp(-180.0, 180.0)).map_err(RoadsError::Coord)?,
            segment,
            fraction,
            distance: Metres(metres.round() as i64),
        })
    }

    /// A router with its own search state; keep one per thread for repeated queries.
    pub fn router(&self) -> Router<'_> {
        Router {
            graph: self,
            fwd: Search::new(self.node_count()),
            bwd: Search::new(self.node_count()),
        }
    }

    /// Where a snapped point enters the graph when leaving it: the segment's ends
    /// it can drive to, with the weight of the part of the segment driven.
    pub(crate) fn departures(&self, s: &Snap) -> Vec<(u32, Weight)> {
        let seg = self.data.segments[s.segment as usize];
        let mut out = Vec::with_capacity(2);
        if seg.forward.is_finite() {
            out.push((seg.b, seg.forward.part(s.fraction, 1.0)));
        }
        if seg.backward.is_finite() {
            out.push((seg.a, seg.backward.part(0.0, s.fraction)));
        }
        out
    }

    /// Where a route to a snapped point leaves the graph: the segment's ends it
    /// can be reached from, with the weight of the rest of the way.
    pub(crate) fn arrivals(&self, s: &Snap) -> Vec<(u32, Weight)> {
        let seg = self.data.segments[s.segment as usize];
        let mut out = Vec::with_capacity(2);
        if seg.forward.is_finite() {
            out.push((seg.a, seg.forward.part(0.0, s.fraction)));
        }
        if seg.backward.is_finite() {
            out.push((seg.b, seg.backward.part(s.fraction, 1.0)));
        }
        out
    }

    /// The weight of driving along one segment from `from` to `to`, when both lie on it.
    pub(crate) fn along_segment(&self, from: &Snap, to: &Snap) -> Weight {
        if from.segment != to.segment {
            return Weight::INFINITY;
        }
        let seg = self.data.segments[from.segment as usize];
        if from.fraction <= to.fraction && seg.forward.is_finite() {
            seg.forward.part(from.fraction, to.fraction)
        } else if from.fraction >= to.fraction && seg.backward.is_finite() {
            seg.backward.part(to.fraction, from.fraction)
        } else {
            Weight::INFINITY
        }
    }

    /// Durations and distances from every source to every target.
    pub fn table(&self, sources: &[Snap], targets: &[Snap]) -> Table {
        let entries = |snaps: &[Snap], f: fn(&Self, &Snap) -> Vec<(u32, Weight)>| {
            snaps.iter().map(|s| f(self, s)).collect::<Vec<_>>()
        };
        let mut search = Search::new(self.node_count());
        let mut weights = ch::many_to_many(
            &self.data.hierarchy,
            &mut search,
            &entries(sources, Self::departures),
            &entries(targets, Self::arrivals),
        );
        let cols = targets.len();
        for (i, s) in sources.iter().enumerate() {
            for (j, t) in targets.iter().enumerate() {
                let direct = self.along_segment(s, t);
                let cell = &mut weights[i * cols + j];
                if direct < *cell {
                    *cell = direct;
                }
            }
        }
        Table {
            rows: sources.len(),
            cols,
            weights,
        }
    }
}

/// Answers point-to-point queries on one profile, reusing its search state.
pub struct Router<'g> {
    graph: &'g ProfileGraph,
    fwd: Search,
    bwd: Search,
}

impl Router<'_> {
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
