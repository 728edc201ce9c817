//! `freshroute roads …`: import, route, table, snap and cell.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use freshroute_model::{LatLon, Metres};
use freshroute_roads::{DEFAULT_SNAP_RADIUS, Profile, RoadNetwork, RoadsError, read_points};
use serde_json::json;

use freshroute_roads::Progress;

use crate::output::{StderrProgress, print_json};

/// Largest table the CLI computes: 5,000² cells take 200 MB as weights.
const MAX_TABLE_POINTS: usize = 5_000;

/// The bundled demo city.
const BUNDLED_EXTRACT: &str = "porto_portugal.osm.pbf";

#[derive(Subcommand)]
pub(crate) enum RoadsCommand {
    /// Import an OSM PBF extract into a graph file for every profile (car, scooter, bike).
    Import {
        /// The extract, e.g. data/porto_portugal.osm.pbf.
        extract: PathBuf,
        /// Where to write the graph [default: the extract's name with .frgraph, in the current folder].
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The fastest route between two positions, as JSON.
    Route {
        #[command(flatten)]
        graph: GraphArgs,
        /// Start, as LAT,LON in decimal degrees.
        #[arg(long, allow_hyphen_values = true)]
        from: String,
        /// End, as LAT,LON in decimal degrees.
        #[arg(long, allow_hyphen_values = true)]
        to: String,
    },
    /// Duration and distance tables between all the points of a file, as JSON.
    Table {
        #[command(flatten)]
        graph: GraphArgs,
        /// A file with one LAT,LON per line.
        #[arg(long)]
        points: PathBuf,
    },
    /// The nearest road point to a position, as JSON.
    Snap {
        #[command(flatten)]
        graph: GraphArgs,
        /// The position, as LAT,LON.
        #[arg(long, allow_hyphen_values = true)]
        at: String,
    },
    /// The H3 cell of a position.
    Cell {
        /// The position, as LAT,LON.
        #[arg(long, allow_hyphen_values = true)]
        at: String,
        /// H3 resolution, 0 (continents) to 15 (about 1 m²).
        #[arg(long, default_value_t = 9)]
        resolution: u8,
    },
}

/// Which graph and profile a query uses.
#[derive(Args)]
pub(crate) struct GraphArgs {
    /// A graph file from `roads import` [default: the bundled city, imported on first use].
    #[arg(long)]
    graph: Option<PathBuf>,
    /// Travel profile: car, scooter or bike.
    #[arg(long, default_value = "scooter")]
    profile: String,
    /// Refuse positions farther than this from a road, in metres (1 to 100000).
    #[arg(long, default_value_t = DEFAULT_SNAP_RADIUS.0,
          value_parser = clap::value_parser!(i64).range(1..=100_000))]
    snap_radius: i64,
}

impl GraphArgs {
    fn open(&self) -> Result<(RoadNetwork, Profile), RoadsError> {
        let profile: Profile = self.profile.parse()?;
        let network = match &self.graph {
            Some(path) => RoadNetwork::load(path)?,
            None => bundled_network()?,
        };
        Ok((network, profile))
    }
}

/// The folder with the bundled data: `FRESHROUTE_DATA_DIR`, else the workspace's `data/`.
pub(crate) fn data_dir() -> PathBuf {
    let dir = std::env::var_os("FRESHROUTE_DATA_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data"),
        PathBuf::from,
    );
    // Cleaner paths in messages; a folder that does not exist is reported as given.
    std::fs::canonicalize(&dir).unwrap_or(dir)
}

/// The bundled extract's path.
pub(crate) fn bundled_extract() -> PathBuf {
    data_dir().join(BUNDLED_EXTRACT)
}

/// The bundled city's graph, imported into `data/cache/` on first use and
/// re-imported when the extract is newer or the cached file is unusable.
pub(crate) fn bundled_network() -> Result<RoadNetwork, RoadsError> {
    let extract = bundled_extract();
    let cache = data_dir().join("cache").join("porto_portugal.frgraph");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if cache.exists() && modified(&cache) >= modified(&extract) {
        match RoadNetwork::load(&cache) {
            Ok(network) => return Ok(network),
            Err(e) => eprintln!("re-importing the bundled city: {e}"),
        }
    }
    eprintln!(
        "importing the bundled city from {} (once; cached in {})",
        extract.display(),
        cache.display()
    );
    let mut progress = StderrProgress::new();
    let (network, _) = RoadNetwork::import(&extract, &mut progress)?;
    if let Some(dir) = cache.parent() {
        std::fs::create_dir_all(dir).map_err(|source| RoadsError::Io {
            path: dir.to_owned(),
            source,
        })?;
    }
    network.save(&cache)?;
    progress.finish();
    Ok(network)
}

fn line_string(points: impl Iterator<Item = LatLon>) -> serde_json::Value {
    let coordinates: Vec<[f64; 2]> = points.map(|p| [round6(p.lon()), round6(p.lat())]).collect();
    json!({"type": "LineString", "coordinates": coordinates})
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

pub(crate) fn run(command: RoadsCommand) -> Result<(), RoadsError> {
    match command {
        RoadsCommand::Import { extract, out } => import(&extract, out),
        RoadsCommand::Route { graph, from, to } => {
            let (from, to): (LatLon, LatLon) = (from.parse()?, to.parse()?);
            let (network, profile) = graph.open()?;
            let g = network.profile(profile)?;
            let radius = Metres(graph.snap_radius);
            let (a, b) = (g.snap(from, radius)?, g.snap(to, radius)?);
            let route = g.router().route(&a, &b)?.ok_or(RoadsError::NoRoute {
                profile: profile.name().to_owned(),
                from: from.to_string(),
                to: to.to_string(),
            })?;
            print_json(&json!({
                "profile": profile.name(),
                "duration_s": route.duration.0,
                "distance_m": route.distance.0,
                "geometry": line_string(route.geometry.into_iter()),
            }))
        }
        RoadsCommand::Table { graph, points } => {
            let points = read_points(&points)?;
            if points.len() > MAX_TABLE_POINTS {
                return Err(RoadsError::TooManyPoints {
                    count: points.len(),
                    limit: MAX_TABLE_POINTS,
                });
            }
            let (network, profile) = graph.open()?;
            let g = network.profile(profile)?;
            let radius = Metres(graph.snap_radius);
            let snaps = points
                .iter()
                .map(|&p| g.snap(p, radius))
                .collect::<Result<Vec<_>, _>>()?;
            let table = g.table(&snaps, &snaps);
            print_json(&json!({
                "profile": profile.name(),
                "size": snaps.len(),
                "durations": table.durations().iter().map(|d| d.map(|s| s.0)).collect::<Vec<_>>(),
                "distances": table.distances().iter().map(|d| d.map(|m| m.0)).collect::<Vec<_>>(),
            }))
        }
        RoadsCommand::Snap { graph, at } => {
            let at: LatLon = at.parse()?;
            let (network, profile) = graph.open()?;
            let s = network
                .profile(profile)?
                .snap(at, Metres(graph.snap_radius))?;
            print_json(&json!({
                "profile": profile.name(),
                "point": {"type": "Point", "coordinates": [round6(s.point.lon()), round6(s.point.lat())]},
                "distance_m": s.distance.0,
                "segment": s.segment,
                "fraction": (s.fraction * 1e4).round() / 1e4,
            }))
        }
        RoadsCommand::Cell { at, resolution } => {
            let at: LatLon = at.parse()?;
            let res = h3o::Resolution::try_from(resolution)
                .map_err(|_| RoadsError::InvalidResolution(resolution))?;
            let cell = freshroute_roads::h3_cell(at, res);
            print_json(&json!({"cell": cell.to_string(), "resolution": resolution}))
        }
    }
}

fn import(extract: &Path, out: Option<PathBuf>) -> Result<(), RoadsError> {
    let out = out.unwrap_or_else(|| {
        let name = extract
            .file_name()
            .map_or_else(|| "graph".into(), |n| n.to_string_lossy().into_owned());
        let stem = name
            .strip_suffix(".osm.pbf")
            .or_else(|| name.strip_suffix(".pbf"))
            .unwrap_or(&name);
        PathBuf::from(format!("{stem}.frgraph"))
    });
    let mut progress = StderrProgress::new();
    let (network, report) = RoadNetwork::import(extract, &mut progress)?;
    progress.stage(&format!("writing {}", out.display()));
    let bytes = network.save(&out)?;
    progress.finish();
    print_json(&json!({
        "graph": out.display().to_string(),
        "bytes": bytes,
        "ways_read": report.ways_read,
        "road_ways": report.road_ways,
        "missing_node_refs": report.missing_node_refs,
        "profiles": report.profiles.iter().map(|(p, r)| json!({
            "profile": p.name(),
            "ways": r.ways,
            "nodes": r.nodes,
            "edges": r.edges,
            "nodes_dropped": r.nodes_before - r.nodes,
            "edges_dropped": r.edges_dropped,
            "components_dropped": r.components_dropped,
            "road_length_m": r.road_length_m,
            "shortcuts": r.shortcuts,
        })).collect::<Vec<_>>(),
    }))
}
