//! Stories on tiny hand-made extracts whose right answers are known (see fixtures/*.osm).

use std::path::{Path, PathBuf};

use freshroute_model::{LatLon, Metres};
use freshroute_roads::{Profile, RoadNetwork, Route, Silent};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn import(name: &str) -> RoadNetwork {
    RoadNetwork::import(&fixture(name), &mut Silent)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .0
}

fn at(lat: f64, lon: f64) -> LatLon {
    LatLon::new(lat, lon).expect("valid position")
}

fn route(network: &RoadNetwork, profile: Profile, from: LatLon, to: LatLon) -> Route {
    let g = network.profile(profile).expect("profile");
    let (a, b) = (
        g.snap(from, Metres(50)).expect("snap from"),
        g.snap(to, Metres(50)).expect("snap to"),
    );
    g.router().route(&a, &b).expect("route").expect("reachable")
}

fn assert_near(route: &Route, metres: i64) {
    assert!(
        (route.distance.0 - metres).abs() <= 1,
        "expected about {metres} m, got {} m",
        route.distance.0
    );
}

#[test]
fn a_one_way_street_is_taken_forward_and_detoured_backward() {
    let net = import("oneway.osm.pbf");
    let (n1, n2) = (at(41.150, -8.610), at(41.150, -8.609));
    assert_near(&route(&net, Profile::Car, n1, n2), 84);
    assert_near(&route(&net, Profile::Car, n2, n1), 362);
}

#[test]
fn oneway_minus_one_runs_against_the_drawing_direction() {
    let net = import("oneway.osm.pbf");
    let (n3, n4) = (at(41.149, -8.610), at(41.149, -8.609));
    assert_near(&route(&net, Profile::Car, n3, n4), 84);
    assert_near(&route(&net, Profile::Car, n4, n3), 585);
}

#[test]
fn a_roundabout_is_one_way_without_a_oneway_tag() {
    let net = import("roundabout.osm.pbf");
    let (west, east) = (at(41.150, -8.613), at(41.150, -8.607));
    assert_near(&route(&net, Profile::Scooter, west, east), 861);
    assert_near(&route(&net, Profile::Scooter, east, west), 526);
}

#[test]
fn access_tags_and_motorways_send_each_profile_its_own_way() {
    let net = import("access.osm.pbf");
    let (a, b) = (at(41.150, -8.610), at(41.150, -8.608));
    // Bikes may use the street closed to motor vehicles.
    assert_near(&route(&net, Profile::Bike, a, b), 167);
    // Cars take the motorway in the south: as long as the northern detour, but faster.
    let car = route(&net, Profile::Car, a, b);
    assert_near(&car, 390);
    assert!(
        car.geometry.iter().any(|p| p.lat() < 41.1495),
        "car goes south: {:?}",
        car.geometry
    );
    // Scooters may not use the motorway and go north.
    let scooter = route(&net, Profile::Scooter, a, b);
    assert_near(&scooter, 390);
    assert!(
        scooter.geometry.iter().all(|p| p.lat() > 41.1495),
        "scooter goes north"
    );
    assert!(car.duration < scooter.duration);
}

#[test]
fn a_private_road_is_in_no_graph() {
    let net = import("access.osm.pbf");
    let behind_the_gate = at(41.152, -8.612);
    for g in net.profiles() {
        let err = g
            .snap(behind_the_gate, Metres(30))
            .expect_err("private road is not routable");
        assert_eq!(err.code(), "too_far_from_road");
    }
}

#[test]
fn a_clipped_way_is_split_at_the_missing_node_never_bridged() {
    let (net, report) =
        RoadNetwork::import(&fixture("clipped.osm.pbf"), &mut Silent).expect("import");
    assert_eq!(report.missing_node_refs, 1);
    let (n2, n3) = (at(41.150, -8.609), at(41.149, -8.609));
    assert_near(&route(&net, Profile::Car, n2, n3), 279);
}

#[test]
fn an_extract_without_roads_is_refused_with_a_clear_code() {
    let err = RoadNetwork::import(&fixture("no_roads.osm.pbf"), &mut Silent)
        .err()
        .expect("no roads");
    assert_eq!(err.code(), "no_roads");
    assert!(err.to_string().contains("no_roads.osm.pbf"), "{err}");
}

#[test]
fn a_point_beyond_the_snap_radius_is_refused_and_says_how_far_the_road_is() {
    let net = import("oneway.osm.pbf");
    let g = net.profile(Profile::Car).expect("car");
    let err = g
        .snap(at(41.160, -8.609), Metres(500))
        .expect_err("1 km north of node 7");
    assert_eq!(err.code(), "too_far_from_road");
    assert!(err.to_string().contains("nearest is 1001 m"), "{err}");
    let s = g
        .snap(at(41.1504, -8.6095), Metres(500))
        .expect("near a road");
    assert!(s.distance.0 <= 45, "{s:?}");
}

#[test]
fn routes_between_points_on_one_street_follow_it_in_the_allowed_direction() {
    let net = import("oneway.osm.pbf");
    // Two points on the one-way street 1 -> 2, a quarter and three quarters along.
    let (p, q) = (at(41.150, -8.60975), at(41.150, -8.60925));
    assert_near(&route(&net, Profile::Car, p, q), 42);
    // Backward the car must leave by 2 and come round the block to 1.
    let back = route(&net, Profile::Car, q, p);
    assert_near(&back, 21 + 362 + 21);
}

#[test]
fn a_table_agrees_with_point_to_point_routes() {
    let net = import("oneway.osm.pbf");
    let g = net.profile(Profile::Car).expect("car");
    let points: Vec<_> = [
        (41.150, -8.610),
        (41.150, -8.609),
        (41.149, -8.610),
        (41.1502, -8.6085),
    ]
    .into_iter()
    .map(|(lat, lon)| g.snap(at(lat, lon), Metres(100)).expect("snap"))
    .collect();
    let table = g.table(&points, &points);
    let mut router = g.router();
    for (i, a) in points.iter().enumerate() {
        for (j, b) in points.iter().enumerate() {
            let r = router.route(a, b).expect("route").expect("reachable");
            assert_eq!(
                table.weights[i * points.len() + j],
                r.weight,
                "cell {i},{j}"
            );
        }
    }
}

#[test]
fn the_streets_of_a_small_map_are_those_that_cross_its_box_and_no_more_than_asked() {
    let network = freshroute_roads::testing::monaco();
    let graph = network.profile(Profile::Car).expect("car");
    // Around the Casino, 300 m by 300 m.
    let (sw, ne) = (at(43.7383, 7.4255), at(43.7410, 7.4292));
    let streets = graph.segments_within(sw, ne, 10_000);
    assert!(streets.len() > 20, "{}", streets.len());
    let near = |p: &LatLon| {
        (sw.lat() - 0.01..ne.lat() + 0.01).contains(&p.lat())
            && (sw.lon() - 0.01..ne.lon() + 0.01).contains(&p.lon())
    };
    assert!(streets.iter().all(|[a, b]| near(a) && near(b)));
    let crossing = |[a, b]: &[LatLon; 2]| {
        a.lat().min(b.lat()) <= ne.lat()
            && a.lat().max(b.lat()) >= sw.lat()
            && a.lon().min(b.lon()) <= ne.lon()
            && a.lon().max(b.lon()) >= sw.lon()
    };
    assert!(streets.iter().all(crossing));
    assert_eq!(graph.segments_within(sw, ne, 5).len(), 5);
    // Out at sea: none.
    assert!(
        graph
            .segments_within(at(43.70, 7.50), at(43.701, 7.501), 100)
            .is_empty()
    );
}
