//! Errors of the road engine, each with a stable code and a hint.

use std::path::PathBuf;

use freshroute_model::CoordError;

/// Everything the road engine can refuse or fail at.
#[derive(Debug, thiserror::Error)]
pub enum RoadsError {
    /// The OSM file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The file is not a readable OSM PBF extract (truncated, corrupt or another format).
    #[error("{path} is not a readable OSM PBF extract: {reason}")]
    PbfInvalid {
        /// The file.
        path: PathBuf,
        /// What the decoder said.
        reason: String,
    },
    /// The extract holds no road usable by any profile.
    #[error("{path} has no roads usable by profile {profile} (checked {ways} ways)")]
    NoRoads {
        /// The file.
        path: PathBuf,
        /// The profile that found none.
        profile: String,
        /// Ways read from the file.
        ways: u64,
    },
    /// A profile name that the engine does not know.
    #[error("unknown profile {0:?}")]
    UnknownProfile(String),
    /// The graph file holds no graph for the requested profile.
    #[error("the graph has no {0} profile")]
    ProfileMissing(String),
    /// A coordinate that is out of range, NaN or malformed.
    #[error(transparent)]
    Coord(#[from] CoordError),
    /// The nearest road is farther than the snap radius.
    #[error(
        "no {profile} road within {radius_m} m of {lat:.6},{lon:.6} (nearest is {nearest_m} m away)"
    )]
    TooFarFromRoad {
        /// The profile searched.
        profile: String,
        /// Latitude asked for.
        lat: f64,
        /// Longitude asked for.
        lon: f64,
        /// The radius in force.
        radius_m: u32,
        /// Distance to the nearest road segment, if any.
        nearest_m: u64,
    },
    /// A graph file that is not ours, from another format version, or damaged.
    #[error("{path} is not a usable freshroute graph: {reason}")]
    GraphFileInvalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A line of a points file that is not `LAT,LON`.
    #[error("{path}:{line}: {source}")]
    PointsLine {
        /// The file.
        path: PathBuf,
        /// One-based line number.
        line: usize,
        /// What is wrong with the line.
        source: CoordError,
    },
    /// No road path joins the two positions.
    #[error("no {profile} route from {from} to {to}")]
    NoRoute {
        /// The profile searched.
        profile: String,
        /// Start position.
        from: String,
        /// End position.
        to: String,
    },
    /// An H3 resolution outside 0–15.
    #[error("H3 resolution {0} is not in 0..=15")]
    InvalidResolution(u8),
    /// More points than one table may hold.
    #[error("{count} points; a table takes at most {limit}")]
    TooManyPoints {
        /// Points given.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// A points file with no points.
    #[error("{0} holds no points")]
    PointsEmpty(PathBuf),
}

impl RoadsError {
    /// Stable machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Io { .. } => "io_error",
            Self::PbfInvalid { .. } => "pbf_invalid",
            Self::NoRoads { .. } => "no_roads",
            Self::UnknownProfile(_) => "unknown_profile",
            Self::ProfileMissing(_) => "profile_missing",
            Self::Coord(e) => e.code(),
            Self::TooFarFromRoad { .. } => "too_far_from_road",
            Self::GraphFileInvalid { .. } => "graph_file_invalid",
            Self::PointsLine { .. } => "points_line_invalid",
            Self::PointsEmpty(_) => "points_empty",
            Self::NoRoute { .. } => "no_route",
            Self::InvalidResolution(_) => "invalid_resolution",
            Self::TooManyPoints { .. } => "too_many_points",
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            Self::Io { .. } => "check that the path exists and is readable",
            Self::PbfInvalid { .. } => {
                "pass an OpenStreetMap extract in PBF format (.osm.pbf), downloaded completely"
            }
            Self::NoRoads { .. } => {
                "use an extract that contains highway ways (a road network, not only buildings or POIs)"
            }
            Self::UnknownProfile(_) => "use one of: car, scooter, bike",
            Self::ProfileMissing(_) => "re-import the extract with the current version",
            Self::Coord(_) => {
                "give decimal degrees, latitude first: LAT,LON such as 41.1466,-8.6112"
            }
            Self::TooFarFromRoad { .. } => {
                "move the point onto land near a road, or raise the snap radius"
            }
            Self::GraphFileInvalid { .. } => {
                "re-create it with `freshroute roads import <extract.osm.pbf> --out FILE`"
            }
            Self::PointsLine { .. } => {
                "write one LAT,LON per line in decimal degrees; blank lines and lines starting with # are skipped"
            }
            Self::PointsEmpty(_) => "write at least one LAT,LON line",
            Self::NoRoute { .. } => {
                "try another profile: the roads between these points are closed to this one"
            }
            Self::TooManyPoints { .. } => "split the points into several tables",
            Self::InvalidResolution(_) => {
                "use a resolution from 0 (coarsest) to 15 (finest); 9 is about 0.1 km²"
            }
        }
    }
}
