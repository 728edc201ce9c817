//! The imported road network: one contracted graph per profile.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::assemble::{ProfileReport, Segment, assemble};
use crate::ch::{self, Hierarchy};
use crate::graph::ProfileGraph;
use crate::osm::read_roads;
use crate::{Profile, Progress, RoadsError};

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
