//! The sample chain on the bundled city, through the service as the README walks a
//! newcomer through it: the chain loads (every store snapped to Porto's roads), an order
//! is taken, a sample courier's phone posts a fix the way the Traccar Client does, and the
//! order reads back with its history and its customer's view.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use freshroute_roads::{RoadNetwork, Silent};
use freshroute_sample::{DEFAULT_COURIERS, DEFAULT_SEED, SampleChain, TIME_ZONE, generate};
use freshroute_service::rules::FixRules;
use freshroute_service::{AppState, Clock, RateLimit, auth, load_sample_chain, now_ms, router};
use freshroute_store::Zone;
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

fn ms_of(v: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(v.as_str().expect("a time"))
        .expect("ISO 8601")
        .timestamp_millis()
}

/// The README walkthrough at eight moments on one database: 03:00, 08:00, 13:00 and
/// 22:00 Lisbon time on two consecutive days (from tomorrow, so the clock only moves
/// forward), each step answering as the README says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_walkthrough_works_at_any_hour_on_consecutive_days() {
    let roads = tokio::task::spawn_blocking(|| {
        RoadNetwork::import(&data("porto_portugal.osm.pbf"), &mut Silent)
            .expect("import Porto")
            .0
    })
    .await
    .expect("import");
    let lisbon: Zone = TIME_ZONE.parse().expect("zone");
    let tomorrow = lisbon.date_of(now_ms()).succ_opt().expect("a date");
    let moments: Vec<i64> = tomorrow
        .iter_days()
        .take(2)
        .flat_map(|d| [3, 8, 13, 22].map(|h| lisbon.at(d, h * 60)))
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(dir.path().join("walk.db").to_str().expect("utf-8"))
        .await
        .expect("open");
    let mut state = AppState::load(
        store.clone().into(),
        Arc::new(roads),
        FixRules::default(),
        RateLimit::default(),
    )
    .await
    .expect("state");
    let clock = Clock::manual(moments[0] - 3_600_000);
    state.clock = clock.clone();
    state.time_zone = lisbon;
    let chain = bundled_chain();
    let loaded = load_sample_chain(&state, &chain, clock.now_ms())
        .await
        .expect("the chain loads");
    assert_eq!(loaded.map(|l| (l.stores, l.couriers)), Some((12, 30)));
    let again = load_sample_chain(&state, &chain, clock.now_ms())
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
            name: String::new(),
        })
        .await
        .expect("key");
    let app = router(state);
    let c03 = chain
        .couriers
        .iter()
        .find(|c| c.id == "c-03")
        .expect("c-03");
    // Every store is on Porto's roads for every profile, in the chain's time zone.
    let (status, stores) = call(&app, "GET", "/v1/stores", Some(&key), None).await;
    assert_eq!(status, StatusCode::OK);
    let stores = stores["features"].as_array().expect("features").clone();
    assert_eq!(stores.len(), 12);
    for s in &stores {
        assert_eq!(s["properties"]["time_zone"], json!(TIME_ZONE));
        for profile in ["car", "scooter", "bike"] {
            let d = s["properties"]["snapped"][profile]["distance_m"].as_i64();
            assert!(
                d.is_some_and(|d| d <= 60),
                "{} by {profile}: {d:?} m from a road",
                s["id"]
            );
        }
    }
    for (k, &now) in moments.iter().enumerate() {
        clock.set_ms(now);
        let at = lisbon.format(now);
        let order_id = format!("o-{}", 1001 + k);
        // 1. An order with no times: ready after the store's preparation, at its
        //    opening when it is closed now, and promised 25 minutes later.
        let (status, order) = call(
            &app,
            "POST",
            "/v1/orders",
            Some(&key),
            Some(json!({
            "id": order_id, "store_id": "porto-santa-catarina",
            "customer": {"name": "Ana Costa", "address": "Rua do Almada 210, Porto",
                "location": {"type": "Point", "coordinates": [-8.6125, 41.1497]}},
            "items": [{"sku": "gelato-pistachio-500ml", "quantity": 2, "class": "frozen"},
                      {"sku": "pastel-de-nata", "quantity": 4, "class": "ambient"}]})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{at}: {order}");
        let ready = ms_of(&order["properties"]["ready_at"]);
        let promised = ms_of(&order["properties"]["promised_by"]);
        assert!(ready >= now + 10 * 60_000, "{at}: ready {ready}");
        assert_eq!(promised - ready, 25 * 60_000, "{at}");
        let track = order["properties"]["tracking"]["path"]
            .as_str()
            .expect("tracking")
            .to_string();
        // 2. c-03 put on duty for a day, then its phone reports.
        let (status, courier) = call(
            &app,
            "POST",
            "/v1/couriers/c-03/duty",
            Some(&key),
            Some(json!({"on_duty": true, "until": iso(now + 24 * 3_600_000)})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{at}: {courier}");
        assert!(courier["shift"]["starts"].is_string(), "{at}: {courier}");
        let (status, view) = call(
            &app,
            "POST",
            "/v1/couriers/c-03/tracking-secret",
            Some(&key),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{at}: {view}");
        let url = view["tracking_url_path"]
            .as_str()
            .expect("path")
            .to_string();
        let report = format!(
            "{url}?id={}&timestamp={}&lat=41.14880&lon=-8.60640&speed=0.0&bearing=0.0&altitude=90.0&accuracy=6.0&batt=81.0",
            c03.device_id,
            now / 1000
        );
        let (status, verdict) = call(&app, "GET", &report, None, None).await;
        assert_eq!(
            verdict["status"],
            json!("accepted"),
            "{at}: {status} {verdict}"
        );
        // 3. Assigned to c-03, picked up (before ready when the store was closed: recorded).
        for body in [
            json!({"status": "assigned", "courier_id": "c-03"}),
            json!({"status": "picked_up"}),
        ] {
            let (status, b) = call(
                &app,
                "POST",
                &format!("/v1/orders/{order_id}/status"),
                Some(&key),
                Some(body),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{at}: {b}");
        }
        // 4. Planned: c-03 delivers it; the order reads back; its customer sees an ETA.
        let (status, plan) = call(&app, "POST", "/v1/plan", Some(&key), None).await;
        assert_eq!(status, StatusCode::OK, "{at}: {plan}");
        assert!(
            ["unassigned", "broken_pins"]
                .iter()
                .all(|list| plan["properties"][list]
                    .as_array()
                    .is_some_and(|u| u.iter().all(|x| x["order_id"] != json!(order_id)))),
            "{at}: {}",
            plan["properties"]
        );
        // The courier's view of its next stops: who, where, what.
        let (status, stops) = call(&app, "GET", "/v1/couriers/c-03/plan", Some(&key), None).await;
        assert_eq!(status, StatusCode::OK, "{at}: {stops}");
        let door = stops["stops"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["order_id"] == json!(order_id)))
            .cloned()
            .unwrap_or(Value::Null);
        assert_eq!(door["at"]["customer"], json!("Ana Costa"), "{at}: {stops}");
        assert_eq!(door["at"]["address"], json!("Rua do Almada 210, Porto"));
        let (status, back) = call(
            &app,
            "GET",
            &format!("/v1/orders/{order_id}"),
            Some(&key),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(back["properties"]["status"], json!("picked_up"));
        assert_eq!(
            back["properties"]["events"].as_array().map(Vec::len),
            Some(3),
            "{at}"
        );
        let (status, seen) = call(&app, "GET", &track, None, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(seen["status"], json!("picked_up"), "{at}: {seen}");
        assert!(seen["eta"].is_string(), "{at}: {seen}");
        // 5. Not delivered from the store; at the door (a report dated 100 s on), it is.
        let delivered = json!({"status": "delivered"});
        let status_uri = format!("/v1/orders/{order_id}/status");
        let (status, b) = call(
            &app,
            "POST",
            &status_uri,
            Some(&key),
            Some(delivered.clone()),
        )
        .await;
        assert_eq!(
            (status, b["code"].as_str()),
            (StatusCode::CONFLICT, Some("far_from_door")),
            "{at}: {b}"
        );
        let door = format!(
            "{url}?id={}&timestamp={}&lat=41.14970&lon=-8.61250&speed=0.0&bearing=0.0&altitude=80.0&accuracy=5.0&batt=80.0",
            c03.device_id,
            now / 1000 + 100
        );
        let (_, verdict) = call(&app, "GET", &door, None, None).await;
        assert_eq!(verdict["status"], json!("accepted"), "{at}: {verdict}");
        let (status, b) = call(&app, "POST", &status_uri, Some(&key), Some(delivered)).await;
        assert_eq!(status, StatusCode::OK, "{at}: {b}");
    }
}
