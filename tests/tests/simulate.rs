//! `freshroute simulate`'s engine on the bundled city, small: a quarter of an hour of
//! the sample chain's lunch, every order through the service from placing to the door.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use freshroute_benches::simulate::{SimOptions, simulate};
use freshroute_roads::{RoadNetwork, Silent};
use freshroute_sample::SampleChain;

/// The bundled city and sample chain.
fn porto() -> (Arc<RoadNetwork>, SampleChain) {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data");
    let roads = Arc::new(
        RoadNetwork::import(&data.join("porto_portugal.osm.pbf"), &mut Silent)
            .expect("Porto")
            .0,
    );
    let text = std::fs::read_to_string(data.join("sample-chain.json")).expect("chain");
    (roads, serde_json::from_str(&text).expect("a sample chain"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quarter_hour_of_lunch_is_delivered_whole_and_cold() {
    let (roads, chain) = porto();
    let opts = SimOptions {
        length_s: 15 * 60,
        peak_per_hour: 40.0,
        replan_every_s: 60,
        solver_time: Duration::from_millis(150),
        clairvoyant_iterations: Some(2_000),
        ..SimOptions::default()
    };
    let mut lines = Vec::new();
    let r = simulate(roads, &chain, &opts, &mut |l| lines.push(l.to_string()))
        .await
        .expect("the simulation runs");
    assert!(r.orders >= 3, "{} orders", r.orders);
    assert!(r.refused.is_empty(), "{:?}", r.refused);
    assert_eq!(
        r.delivered, r.orders,
        "every order reaches its door: {lines:?}"
    );
    assert_eq!(r.cold_chain_violations, 0);
    assert_eq!(
        r.eta_error_s.len(),
        r.delivered,
        "an ETA was shown at every pickup"
    );
    assert!(r.distance_m > 0.0 && r.courier_hours > 0.0);
    let offline = r.reference.expect("the offline reference was planned");
    assert_eq!(
        offline.reachable, r.reachable,
        "the same orders could be on time"
    );
    assert!(offline.on_time <= offline.reachable);
    let j = r.to_json();
    for key in [
        "orders",
        "delivered",
        "on_time_share",
        "c2d_p50_min",
        "c2d_p90_min",
        "cold_chain_violations",
        "eta_within_5min_share",
        "replan_p99_ms",
    ] {
        assert!(j.get(key).is_some_and(|v| !v.is_null()), "{key} in {j}");
    }
    // Every click-to-door is a real duration: from placing to the door, within the run.
    assert!(
        r.c2d_min
            .iter()
            .all(|&m| m > 0.0 && m * 60.0 <= r.span_s as f64 + 60.0),
        "{:?}",
        r.c2d_min
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_searched_by_iterations_repeats_exactly_and_another_search_seed_decides_otherwise() {
    let (roads, chain) = porto();
    let opts = SimOptions {
        length_s: 6 * 60,
        peak_per_hour: 240.0,
        replan_every_s: 60,
        // Searched for a time this short, two runs part ways.
        solver_time: Duration::from_millis(20),
        search_iterations: Some(200),
        ..SimOptions::default()
    };
    let mut runs = Vec::new();
    // Twice as set, then with another search seed.
    for opts in [
        opts.clone(),
        opts.clone(),
        SimOptions {
            search_seed: 2,
            ..opts
        },
    ] {
        let r = simulate(Arc::clone(&roads), &chain, &opts, &mut |_| {})
            .await
            .expect("the simulation runs");
        assert!(r.delivered >= 3, "{} delivered", r.delivered);
        runs.push((
            r.delivered,
            r.reachable_on_time,
            r.c2d_min,
            r.eta_error_s,
            r.distance_m,
        ));
    }
    assert_eq!(
        runs[0], runs[1],
        "the same deliveries, door times, ETAs and distance"
    );
    assert_ne!(runs[0], runs[2], "another search seed, other decisions");
}
