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
