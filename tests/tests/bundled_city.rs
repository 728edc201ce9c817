//! The bundled demo city (Porto) and the other real extracts, through the library as a service would use it.

use std::path::{Path, PathBuf};

use freshroute_model::{LatLon, Metres};
use freshroute_roads::reference::ReferenceGraph;
use freshroute_roads::{Profile, RoadNetwork, Silent};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../data")
        .join(name)
}

fn at(lat: f64, lon: f64) -> LatLon {
    LatLon::new(lat, lon).expect("valid")
}

#[test]
fn porto_imports_whole_and_answers_a_courier_ride_across_the_centre() {
    let (network, report) =
        RoadNetwork::import(&data("porto_portugal.osm.pbf"), &mut Silent).expect("import");
    assert_eq!(
        report.missing_node_refs, 0,
        "the Porto extract is not clipped"
    );
    let car = network.profile(Profile::Car).expect("car").report();
    // The data README counts 266,363 nodes in the largest car component with a slightly narrower rule.
    assert!((260_000..275_000).contains(&car.nodes), "{car:?}");
    assert!(car.nodes * 100 / car.nodes_before >= 97, "{car:?}");

    // Praça da Liberdade to Casa da Música: 2.1 km as the crow flies.
    let g = network.profile(Profile::Scooter).expect("scooter");
    let from = g.snap(at(41.1466, -8.6112), Metres(100)).expect("snap");
    let to = g.snap(at(41.1589, -8.6307), Metres(100)).expect("snap");
    let route = g
        .router()
        .route(&from, &to)
        .expect("route")
        .expect("reachable");
    assert!(
        (2_100..4_000).contains(&route.distance.0),
        "{} m",
        route.distance.0
    );
    assert!(
        (240..900).contains(&route.duration.0),
        "{} s",
        route.duration.0
    );
    assert!(route.geometry.len() > 10);

    // A sample of exact agreement with plain Dijkstra on the big graph.
    let reference = ReferenceGraph::new(g);
    let mut router = g.router();
    let mut rng = StdRng::seed_from_u64(3);
    for _ in 0..100 {
        let (s, t) = (
            rng.random_range(0..g.node_count()) as u32,
            rng.random_range(0..g.node_count()) as u32,
        );
        assert_eq!(
            router.node_to_node(s, t),
            reference.node_to_node(s, t),
            "{s} -> {t}"
        );
    }
}

#[test]
fn a_clipped_real_extract_imports_and_routes() {
    let (network, report) =
        RoadNetwork::import(&data("Helsinki.osm.pbf"), &mut Silent).expect("import");
    assert!(
        report.missing_node_refs > 100,
        "Helsinki is clipped at its bbox: {report:?}"
    );
    let g = network.profile(Profile::Bike).expect("bike");
    let a = g.snap(at(60.1699, 24.9384), Metres(200)).expect("snap");
    let b = g.snap(at(60.1655, 24.9450), Metres(200)).expect("snap");
    let route = g.router().route(&a, &b).expect("route").expect("reachable");
    assert!(
        (500..2_500).contains(&route.distance.0),
        "{} m",
        route.distance.0
    );
}

#[test]
fn a_saved_graph_loads_and_answers_exactly_as_the_imported_one() {
    let (network, _) = RoadNetwork::import(&data("monaco.osm.pbf"), &mut Silent).expect("import");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("monaco.frgraph");
    network.save(&file).expect("save");
    let loaded = RoadNetwork::load(&file).expect("load");
    let points = [
        at(43.7384, 7.4246),
        at(43.7311, 7.4197),
        at(43.7496, 7.4378),
        at(43.7270, 7.4150),
    ];
    for profile in Profile::ALL {
        let (a, b) = (
            network.profile(profile).expect("a"),
            loaded.profile(profile).expect("b"),
        );
        let snaps = |g: &freshroute_roads::ProfileGraph| {
            points
                .iter()
                .map(|&p| g.snap(p, Metres(300)).expect("snap"))
                .collect::<Vec<_>>()
        };
        let (sa, sb) = (snaps(a), snaps(b));
        assert_eq!(sa, sb);
        assert_eq!(a.table(&sa, &sa), b.table(&sb, &sb));
    }
}
