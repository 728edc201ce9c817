//! The hierarchy answers exactly what a plain Dijkstra answers.

use std::path::Path;

use freshroute_roads::reference::ReferenceGraph;
use freshroute_roads::{Profile, RoadNetwork, Silent};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn data(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(name)
}

#[test]
fn hierarchy_and_dijkstra_agree_on_random_pairs_in_monaco() {
    let (network, _) = RoadNetwork::import(&data("monaco.osm.pbf"), &mut Silent).expect("import");
    for profile in Profile::ALL {
        let g = network.profile(profile).expect("profile");
        let reference = ReferenceGraph::new(g);
        let mut router = g.router();
        let mut rng = StdRng::seed_from_u64(7);
        let n = g.node_count();
        let mut wrong = Vec::new();
        for _ in 0..1000 {
            let (s, t) = (rng.random_range(0..n) as u32, rng.random_range(0..n) as u32);
            let (ch, dij) = (router.node_to_node(s, t), reference.node_to_node(s, t));
            assert!(dij.is_finite(), "the graph is strongly connected");
            if ch != dij {
                wrong.push((s, t, ch.duration_ms(), dij.duration_ms()));
            }
        }
        assert!(
            wrong.is_empty(),
            "{profile}: {} of 1000 differ, e.g. {:?}",
            wrong.len(),
            &wrong[..wrong.len().min(5)]
        );
    }
}

#[test]
fn routes_and_tables_between_snapped_positions_agree_with_dijkstra_on_split_segments() {
    use freshroute_model::{LatLon, Metres};
    let (network, _) = RoadNetwork::import(&data("monaco.osm.pbf"), &mut Silent).expect("import");
    let g = network.profile(Profile::Scooter).expect("scooter");
    let reference = ReferenceGraph::new(g);
    let mut rng = StdRng::seed_from_u64(19);
    // Positions near random nodes, up to about 60 m off, so most land mid-segment.
    let snaps: Vec<_> = (0..80)
        .filter_map(|_| {
            let p = g.node_position(rng.random_range(0..g.node_count()) as u32);
            let at = LatLon::new(
                p.lat() + rng.random_range(-0.0005..0.0005),
                p.lon() + rng.random_range(-0.0007..0.0007),
            )
            .expect("valid");
            g.snap(at, Metres(500)).ok()
        })
        .collect();
    assert!(snaps.len() >= 70);
    let table = g.table(&snaps, &snaps);
    let mut router = g.router();
    let mut checked = 0;
    for (i, a) in snaps.iter().enumerate().step_by(3) {
        for (j, b) in snaps.iter().enumerate().step_by(5) {
            let expected = reference.snapped_to_snapped(g, a, b);
            let route = router.route(a, b).expect("route").map(|r| r.weight);
            let cell = table.weights[i * snaps.len() + j];
            if a.segment == b.segment {
                // Split twice, the reference rounds each piece: allow a unit per piece.
                let close = |w: freshroute_roads::Weight| {
                    w.duration_ms().abs_diff(expected.duration_ms()) <= 2
                        && w.distance_dm().abs_diff(expected.distance_dm()) <= 2
                };
                assert!(
                    close(cell) && route.is_some_and(close),
                    "{i}->{j} on one segment"
                );
            } else {
                assert_eq!(cell, expected, "table {i}->{j}");
                assert_eq!(route, Some(expected), "route {i}->{j}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 300, "{checked}");
}
