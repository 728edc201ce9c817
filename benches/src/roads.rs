//! The road-engine benchmark: import, file size and load time, then query
//! speed against a plain Dijkstra on the same graph, in the same run, on one core.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use freshroute_model::{LatLon, Metres};
use freshroute_roads::reference::ReferenceGraph;
use freshroute_roads::{DEFAULT_SNAP_RADIUS, Profile, Progress, RoadNetwork, RoadsError, Snap};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::BenchTable;

/// What to measure and how much.
#[derive(Debug, Clone)]
pub struct RoadsBenchOptions {
    /// The OSM extract to import.
    pub extract: PathBuf,
    /// The profile whose queries are timed.
    pub profile: Profile,
    /// Random node pairs timed with the hierarchy.
    pub pairs: usize,
    /// Of those, how many are also timed (and checked) with plain Dijkstra.
    pub dijkstra_pairs: usize,
    /// Side of the square duration table.
    pub table_size: usize,
    /// Number of snaps timed.
    pub snaps: usize,
    /// Seed of the random positions.
    pub seed: u64,
    /// Whether the targets (set for the bundled city) are judged on this extract.
    pub judge: bool,
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort_unstable();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v.get(i).copied().unwrap_or_default()
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// A position near a random node, up to `jitter_m` metres off in each axis.
fn random_position(rng: &mut StdRng, g: &freshroute_roads::ProfileGraph, jitter_m: f64) -> LatLon {
    let n = rng.random_range(0..g.node_count()) as u32;
    let p = g.node_position(n);
    let dlat = rng.random_range(-jitter_m..=jitter_m) / 111_320.0;
    let dlon = rng.random_range(-jitter_m..=jitter_m) / (111_320.0 * p.lat().to_radians().cos());
    LatLon::new(
        (p.lat() + dlat).clamp(-90.0, 90.0),
        (p.lon() + dlon).clamp(-180.0, 180.0),
    )
    .unwrap_or(p)
}

/// Runs the benchmark and returns its table.
pub fn run(
    opts: &RoadsBenchOptions,
    progress: &mut dyn Progress,
) -> Result<BenchTable, RoadsError> {
    let mut t = BenchTable {
        title: format!(
            "freshroute bench roads — {} — profile {} — seed {} (release build, one thread)",
            opts.extract.display(),
            opts.profile,
            opts.seed
        ),
        judge: opts.judge,
        rows: Vec::new(),
    };

    let started = Instant::now();
    let (network, report) = RoadNetwork::import(&opts.extract, progress)?;
    let import = started.elapsed();
    t.info(
        "import + contraction, all 3 profiles",
        format!("{:.2} s", import.as_secs_f64()),
    );
    for (p, r) in &report.profiles {
        t.info(
            format!("{p} graph: nodes / edges / shortcuts"),
            format!("{} / {} / {}", r.nodes, r.edges, r.shortcuts),
        );
    }

    let dir = std::env::temp_dir().join(format!("freshroute-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|source| RoadsError::Io {
        path: dir.clone(),
        source,
    })?;
    let file = dir.join("bench.frgraph");
    let bytes = network.save(&file)?;
    drop(network);
    t.info("graph file size", format!("{:.1} MB", bytes as f64 / 1e6));
    progress.stage("loading the graph file");
    let mut loads = Vec::new();
    let mut network = None;
    for _ in 0..3 {
        let start = Instant::now();
        network = Some(RoadNetwork::load(&file)?);
        loads.push(start.elapsed());
    }
    let _ = std::fs::remove_dir_all(&dir);
    let Some(network) = network else {
        unreachable!("loaded three times above")
    };
    let load = median(loads);
    t.check(
        "graph file load (median of 3)",
        ms(load),
        "< 1000 ms",
        load < Duration::from_secs(1),
    );
    let g = network.profile(opts.profile)?;
    let start = Instant::now();
    g.prepare_snapping();
    t.info(
        format!("{} snap index build", opts.profile),
        ms(start.elapsed()),
    );

    let mut rng = StdRng::seed_from_u64(opts.seed);
    let n = g.node_count();
    let pairs: Vec<(u32, u32)> = (0..opts.pairs)
        .map(|_| (rng.random_range(0..n) as u32, rng.random_range(0..n) as u32))
        .collect();

    progress.stage("timing hierarchy queries");
    let mut router = g.router();
    let mut ch_times = Vec::with_capacity(pairs.len());
    let mut ch_weights = Vec::with_capacity(pairs.len());
    for &(s, d) in &pairs {
        let start = Instant::now();
        let w = router.node_to_node(s, d);
        ch_times.push(start.elapsed());
        ch_weights.push(w);
    }

    progress.stage("timing plain Dijkstra (petgraph)");
    let reference = ReferenceGraph::new(g);
    let mut dij_times = Vec::new();
    let mut mismatches = 0;
    for (k, &(s, d)) in pairs.iter().take(opts.dijkstra_pairs).enumerate() {
        let start = Instant::now();
        let w = reference.node_to_node(s, d);
        dij_times.push(start.elapsed());
        if w != ch_weights[k] {
            mismatches += 1;
        }
    }
    let compared = dij_times.len();
    let ch_on_same: Vec<Duration> = ch_times.iter().take(compared).copied().collect();
    let ch_median = median(ch_times.clone());
    let dij_median = median(dij_times);
    let speedup = dij_median.as_secs_f64() / median(ch_on_same).as_secs_f64().max(1e-9);
    t.check(
        format!("point-to-point query, median of {}", pairs.len()),
        us(ch_median),
        "≤ 100 µs",
        ch_median <= Duration::from_micros(100),
    );
    t.info(
        "point-to-point query, 95th percentile",
        us(percentile(ch_times, 0.95)),
    );
    t.info(
        format!("plain Dijkstra (petgraph), median of {compared}"),
        ms(dij_median),
    );
    t.check(
        format!("speed-up over Dijkstra on the same {compared} pairs"),
        format!("{speedup:.0}×"),
        "≥ 200×",
        speedup >= 200.0,
    );
    t.verify(
        "answers differing from Dijkstra",
        format!("{mismatches} of {compared}"),
        "0",
        mismatches == 0,
    );

    progress.stage("timing snaps, routes and a table");
    let positions: Vec<LatLon> = (0..opts.snaps.max(opts.table_size))
        .map(|_| random_position(&mut rng, g, 50.0))
        .collect();
    let start = Instant::now();
    let snapped: Vec<Option<Snap>> = positions
        .iter()
        .take(opts.snaps)
        .map(|&p| g.snap(p, DEFAULT_SNAP_RADIUS).ok())
        .collect();
    let snap_time = start.elapsed();
    let refused = snapped.iter().filter(|s| s.is_none()).count();
    t.check(
        format!(
            "{} snaps ({refused} beyond {})",
            opts.snaps, DEFAULT_SNAP_RADIUS
        ),
        ms(snap_time),
        "≤ 10 ms per 1,000",
        // Seconds per 1,000 snaps.
        snap_time.as_secs_f64() * 1000.0 / opts.snaps.max(1) as f64 <= 0.010,
    );

    let snaps: Vec<Snap> = positions
        .iter()
        .filter_map(|&p| g.snap(p, Metres(1_000)).ok())
        .collect();
    let mut route_times = Vec::new();
    for pair in snaps.chunks_exact(2).take(opts.pairs) {
        let start = Instant::now();
        let _ = router.route(&pair[0], &pair[1])?;
        route_times.push(start.elapsed());
    }
    t.info(
        format!(
            "route with geometry between snapped points, median of {}",
            route_times.len()
        ),
        us(median(route_times)),
    );

    let table_points: Vec<Snap> = snaps.iter().take(opts.table_size).copied().collect();
    let start = Instant::now();
    let table = g.table(&table_points, &table_points);
    let table_time = start.elapsed();
    let unreachable = table.weights.iter().filter(|w| !w.is_finite()).count();
    let k = table_points.len();
    t.check(
        format!("{k} × {k} duration table ({unreachable} unreachable cells)"),
        ms(table_time),
        "≤ 1000 ms for 1000 × 1000",
        table_time <= Duration::from_secs(1),
    );
    Ok(t)
}
