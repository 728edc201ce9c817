//! The sample chain on the bundled city, through the service as the README walks a
//! newcomer through it: the chain loads (every store snapped to Porto's roads), an order
//! is taken, a sample courier's phone posts a fix the way the Traccar Client does, and the
//! order reads back with its history and its customer's view.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use freshroute_roads::{RoadNetwork, Silent};
use freshroute_sample::{DEFAULT_COURIERS, DEFAULT_SEED, SampleChain, generate};
use freshroute_service::rules::FixRules;
use freshroute_service::{AppState, RateLimit, auth, load_sample_chain, now_ms, router};
use freshroute_store::{ApiKey, Role, SqliteStore, Storage};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../data")
        .join(name)
}

fn bundled_chain() -> SampleChain {
    let text = std::fs::read_to_string(data("sample-chain.json")).expect("data/sample-chain.json");
    serde_json::from_str(&text).expect("a sample chain")
}

#[test]
fn the_bundled_sample_chain_is_what_the_generator_writes() {
    let mut expected =
        serde_json::to_string_pretty(&generate(DEFAULT_SEED, DEFAULT_COURIERS)).expect("serialise");
    expected.push('\n');
    let bundled = std::fs::read_to_string(data("sample-chain.json")).expect("read");
    assert!(
        bundled == expected,
        "data/sample-chain.json differs from the generator's output: run `cargo run -- sample-chain`"
    );
}

async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(k) = key {
        req = req.header("authorization", format!("Bearer {k}"));
    }
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    };
    let res = app
        .clone()
        .oneshot(req.expect("request"))
        .await
        .expect("infallible");
    let status = res.status();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .expect("in range")
        .to_rfc3339()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_walkthrough_works_on_the_sample_chain() {
    let roads = tokio::task::spawn_blocking(|| {
        RoadNetwork::import(&data("porto_portugal.osm.pbf"), &mut Silent)
            .expect("import Porto")
            .0
    })
    .await
    .expect("import");
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(dir.path().join("walk.db").to_str().expect("utf-8"))
        .await
        .expect("open");
    let state = AppState::load(
        store.clone().into(),
        Arc::new(roads),
        FixRules::default(),
        RateLimit::default(),
    )
    .await
    .expect("state");
    let chain = bundled_chain();
    let loaded = load_sample_chain(&state, &chain, now_ms())
        .await
        .expect("the chain loads");
    assert_eq!(loaded.map(|l| (l.stores, l.couriers)), Some((12, 30)));
    let again = load_sample_chain(&state, &chain, now_ms())
        .await
        .expect("reload");
    assert_eq!(
        again.map(|l| (l.stores, l.couriers)),
        Some((0, 0)),
        "loading twice adds nothing"
    );

    let key = auth::new_secret("fr_key_");
    store
        .insert_api_key(&ApiKey {
            key_hash: auth::hash(&key),
            role: Role::Dispatcher,
            courier_id: None,
            created_ms: 0,
            revoked_ms: None,
        })
        .await
        .expect("key");
    let app = router(state);

    // Every store is on Porto's roads for every profile.
    let (status, stores) = call(&app, "GET", "/v1/stores", Some(&key), None).await;
    assert_eq!(status, StatusCode::OK);
    let stores = stores["features"].as_array().expect("features").clone();
    assert_eq!(stores.len(), 12);
    for s in &stores {
        for profile in ["car", "scooter", "bike"] {
            let d = s["properties"]["snapped"][profile]["distance_m"].as_i64();
            assert!(
                d.is_some_and(|d| d <= 60),
                "{} by {profile}: {d:?} m from a road",
                s["id"]
            );
        }
    }

    // An order for Ana Costa, from the Santa Catarina store.
    let ready = now_ms() + 10 * 60_000;
    let (status, order) = call(
        &app,
        "POST",
        "/v1/orders",
        Some(&key),
        Some(json!({
        "id": "o-1001", "store_id": "porto-santa-catarina",
        "customer": {"name": "Ana Costa", "address": "Rua do Almada 210, Porto",
            "location": {"type": "Point", "coordinates": [-8.6125, 41.1497]}},
        "items": [{"sku": "gelato-pistachio-500ml", "quantity": 2, "class": "frozen"},
                  {"sku": "pastel-de-nata", "quantity": 4, "class": "ambient"}],
        "ready_at": iso(ready), "promised_by": iso(ready + 25 * 60_000)})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    let track = order["properties"]["tracking"]["path"]
        .as_str()
        .expect("tracking")
        .to_string();

    // A sample courier with a frozen box gets a tracking URL for its phone.
    let courier = chain
        .couriers
        .iter()
        .find(|c| c.skills.iter().any(|s| s == "frozen"))
        .expect("a frozen box");
    let (status, view) = call(
        &app,
        "POST",
        &format!("/v1/couriers/{}/tracking-secret", courier.id),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    let url = view["tracking_url_path"]
        .as_str()
        .expect("path")
        .to_string();

    // Its phone reports, exactly as the Traccar Client does: a GET with query parameters.
    let t = now_ms() / 1000;
    let report = format!(
        "{url}?id={}&timestamp={t}&lat=41.14880&lon=-8.60640&speed=0.0&bearing=0.0&altitude=90.0&accuracy=6.0&batt=81.0",
        courier.device_id
    );
    let (status, verdict) = call(&app, "GET", &report, None, None).await;
    assert_eq!(
        (status, verdict["status"].as_str()),
        (StatusCode::OK, Some("accepted")),
        "{verdict}"
    );

    // The dispatcher assigns the order; the courier picks it up.
    let (status, body) = call(
        &app,
        "POST",
        "/v1/orders/o-1001/status",
        Some(&key),
        Some(json!({"status": "assigned", "courier_id": courier.id})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = call(
        &app,
        "POST",
        "/v1/orders/o-1001/status",
        Some(&key),
        Some(json!({"status": "picked_up"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The order reads back with its history.
    let (status, back) = call(&app, "GET", "/v1/orders/o-1001", Some(&key), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(back["properties"]["status"], json!("picked_up"));
    assert_eq!(
        back["properties"]["events"].as_array().map(Vec::len),
        Some(3)
    );
    // No plan was made here, so no live route says the courier's next stop is this
    // customer's door: the tracking page shows the status but not where the courier
    // is, which could be at another customer's door.
    let (status, seen) = call(&app, "GET", &track, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen["status"], json!("picked_up"), "{seen}");
    assert_eq!(seen["courier_position"], Value::Null, "{seen}");
}
