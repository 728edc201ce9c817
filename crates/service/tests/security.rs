//! What a security review found, each reproduced as an attacker or a broken client
//! would send it: a phone sending `NaN` among other couriers' fixes, control characters
//! and oversized texts, VROOM fields the solver does not plan by and amounts that
//! overflow, solves piling up, a retried order, connections that never finish their
//! headers. Then a fuzz over every documented endpoint: non-finite numbers, control
//! characters and oversized texts in every path, query and body field, and never a 5xx.
//! Against a temporary SQLite file, and again against PostgreSQL when
//! `FRESHROUTE_TEST_POSTGRES_URL` is set.

mod common;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Reply, key, monaco, on_both};
use freshroute_service::rounds::ProcurementData;
use freshroute_service::rules::FixRules;
use freshroute_service::{AppState, RateLimit, SolveSlots, now_ms, router};
use freshroute_store::{AnyStore, Role, SqliteStore};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .expect("in range")
        .to_rfc3339()
}

fn procurement() -> Arc<ProcurementData> {
    static DATA: OnceLock<Arc<ProcurementData>> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/procurement");
        Arc::new(ProcurementData::load(&dir).expect("the bundled procurement data"))
    })
    .clone()
}

/// The service on a temporary SQLite file (kept while the directory lives).
async fn on_sqlite() -> (Service, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(dir.path().join("s.db").to_str().expect("utf-8"))
        .await
        .expect("open");
    (service(store.into()).await, dir)
}

/// The service on `store` with an admin, a dispatcher and a planner key.
struct Service {
    app: Router,
    state: AppState,
    admin: String,
    dispatcher: String,
    planner: String,
}

async fn service(store: AnyStore) -> Service {
    let admin = key(&store, Role::Admin, None).await;
    let dispatcher = key(&store, Role::Dispatcher, None).await;
    let planner = key(&store, Role::Planner, None).await;
    let mut state = AppState::load(store, monaco(), FixRules::default(), RateLimit::default())
        .await
        .expect("state");
    state.procurement = Some(procurement());
    Service {
        app: router(state.clone()),
        state,
        admin,
        dispatcher,
        planner,
    }
}

impl Service {
    async fn call(&self, method: &str, uri: &str, key: &str, body: Option<Value>) -> Reply {
        common::call(&self.app, method, uri, Some(key), body).await
    }

    /// A store in Monaco and courier `id` (device `device`) on shift now; returns the
    /// courier's tracking path.
    async fn store_and_courier(&self, id: &str, device: &str) -> String {
        let r = self
            .call(
                "POST",
                "/v1/stores",
                &self.dispatcher,
                Some(json!({
                    "id": "mc-casino", "name": "Casino", "address": "Place du Casino",
                    "location": {"type": "Point", "coordinates": [7.4275, 43.7396]},
                    "opening_hours": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "opens": "00:00", "closes": "24:00"}],
                    "storage": {"frozen_litres": 100, "chilled_litres": 100, "ambient_litres": 100}
                })),
            )
            .await;
        assert!(
            r.status == StatusCode::CREATED || r.status == StatusCode::CONFLICT,
            "{:?}",
            r.body
        );
        let hour = 3_600_000;
        let r = self
            .call(
                "POST",
                "/v1/couriers",
                &self.dispatcher,
                Some(json!({
                    "id": id, "name": "Inès", "profile": "scooter", "box_capacity": 10,
                    "skills": ["frozen"], "shift_start": iso(now_ms() - hour),
                    "shift_end": iso(now_ms() + 8 * hour), "device_id": device})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        r.body["tracking_url_path"]
            .as_str()
            .expect("tracking path")
            .to_string()
    }
}

fn order(id: &str) -> Value {
    let now = now_ms();
    json!({
        "id": id, "store_id": "mc-casino",
        "customer": {"name": "Léa", "address": "Quai Antoine 1er",
            "location": {"type": "Point", "coordinates": [7.4206, 43.7347]}},
        "items": [{"sku": "gelato-500", "quantity": 1, "class": "frozen"}],
        "ready_at": iso(now + 60_000), "promised_by": iso(now + 30 * 60_000)})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_sending_nan_fails_only_itself() {
    on_both(|store| async move {
        let s = service(store).await;
        let bad = s.store_and_courier("c-bad", "900").await;
        let mut good = Vec::new();
        for i in 0..4 {
            good.push((
                format!("c-{i}"),
                format!("91{i}"),
                s.store_and_courier(&format!("c-{i}"), &format!("91{i}")).await,
            ));
        }
        let t = now_ms() / 1000 - 100;
        let mut calls = tokio::task::JoinSet::new();
        for round in 0..20 {
            for value in ["NaN", "nan", "inf", "-infinity", "1e400"] {
                let uri = format!("{bad}?id=900&lat={value}&lon=7.42&timestamp={}", t + round);
                let app = s.app.clone();
                calls.spawn(async move {
                    let r = common::call(&app, "GET", &uri, None, None).await;
                    (false, r)
                });
            }
            for (_, device, path) in &good {
                let uri = format!(
                    "{path}?id={device}&lat=43.7396&lon=7.4275&timestamp={}",
                    t + round
                );
                let app = s.app.clone();
                calls.spawn(async move {
                    let r = common::call(&app, "GET", &uri, None, None).await;
                    (true, r)
                });
            }
        }
        let (mut ok, mut refused) = (0, 0);
        while let Some(done) = calls.join_next().await {
            let (good, r) = done.expect("task");
            if good {
                assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
                ok += 1;
            } else {
                assert_eq!(
                    (r.status, r.body["code"].as_str(), r.body["field"].as_str()),
                    (StatusCode::BAD_REQUEST, Some("invalid_parameter"), Some("lat")),
                    "{:?}",
                    r.body
                );
                refused += 1;
            }
        }
        assert_eq!((ok, refused), (80, 100));
        // Nothing of the broken reports was stored.
        let r = s
            .call("GET", "/v1/couriers/c-bad/fixes", &s.dispatcher, None)
            .await;
        assert_eq!(r.body["features"].as_array().map(Vec::len), Some(0), "{:?}", r.body);
        // A batch names the broken value by its path; nothing of it is stored.
        let r = s
            .call(
                "POST",
                "/v1/fixes",
                &s.dispatcher,
                Some(json!({"fixes": [
                    {"courier_id": "c-0", "time": now_ms(), "lat": 43.74, "lon": 7.42},
                    {"courier_id": "c-0", "time": now_ms(), "lat": 43.74, "lon": 7.42, "battery_pct": 1e30},
                ]})),
            )
            .await;
        assert_eq!(
            (r.status, r.body["code"].as_str(), r.body["field"].as_str()),
            (
                StatusCode::BAD_REQUEST,
                Some("invalid_measurement"),
                Some("fixes[1].battery_pct")
            ),
            "{:?}",
            r.body
        );
    })
    .await;
}

#[tokio::test]
async fn control_characters_and_oversized_texts_are_refused_alike_on_both_backends() {
    on_both(|store| async move {
        let s = service(store).await;
        let mut shop = json!({
            "id": "s-1", "name": "Ca\u{0}sino", "address": "Place du Casino",
            "location": {"type": "Point", "coordinates": [7.4275, 43.7396]},
            "opening_hours": [{"days": ["mon"], "opens": "08:00", "closes": "20:00"}],
            "storage": {"frozen_litres": 1, "chilled_litres": 1, "ambient_litres": 1},
        });
        let r = s
            .call("POST", "/v1/stores", &s.admin, Some(shop.clone()))
            .await;
        assert_eq!(
            (r.status, r.body["code"].as_str(), r.body["field"].as_str()),
            (
                StatusCode::BAD_REQUEST,
                Some("control_character"),
                Some("name")
            )
        );
        shop["name"] = json!("\u{202E}onisaC");
        let r = s
            .call("POST", "/v1/stores", &s.admin, Some(shop.clone()))
            .await;
        assert_eq!(r.body["code"], json!("control_character"), "{:?}", r.body);
        shop["name"] = json!("x".repeat(3_900_000));
        let r = s
            .call("POST", "/v1/stores", &s.admin, Some(shop.clone()))
            .await;
        assert_eq!(
            (r.status, r.body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("text_too_long"))
        );
        shop["name"] = json!("x".repeat(201));
        let r = s.call("POST", "/v1/stores", &s.admin, Some(shop)).await;
        assert_eq!(
            (r.body["code"].as_str(), r.body["field"].as_str()),
            (Some("invalid_text"), Some("name"))
        );
        for uri in [
            "/v1/orders/o%001",
            "/v1/couriers/c%00",
            "/v1/orders?status=placed%00",
            "/v1/purchase-orders/p%0A1",
            "/track/fr_ord_%00",
        ] {
            let r = s.call("GET", uri, &s.admin, None).await;
            assert_eq!(
                (r.status, r.body["code"].as_str()),
                (StatusCode::BAD_REQUEST, Some("control_character")),
                "{uri}: {:?}",
                r.body
            );
        }
    })
    .await;
}

#[tokio::test]
async fn vroom_refuses_what_it_does_not_plan_and_amounts_that_would_wrap() {
    let (s, _dir) = on_sqlite().await;
    let problem = |vehicle: Value, job: Value| {
        let mut v = json!({"id": 1, "start_index": 0});
        v.as_object_mut()
            .expect("object")
            .extend(vehicle.as_object().cloned().unwrap_or_default());
        let mut jobs = Vec::new();
        for id in 1..=3 {
            let mut j = json!({"id": id, "location_index": id});
            j.as_object_mut()
                .expect("object")
                .extend(job.as_object().cloned().unwrap_or_default());
            jobs.push(j);
        }
        json!({
            "vehicles": [v], "jobs": jobs,
            "matrix": [[0, 5, 5, 5], [5, 0, 5, 5], [5, 5, 0, 5], [5, 5, 5, 0]],
        })
    };
    let solve = "/v1/solve/vroom?time_limit=0.1";
    let r = s
        .call(
            "POST",
            solve,
            &s.dispatcher,
            Some(problem(json!({}), json!({}))),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    for (vehicle, job, field) in [
        (json!({"max_tasks": 1}), json!({}), "vehicles[0].max_tasks"),
        (
            json!({"max_distance": 10}),
            json!({}),
            "vehicles[0].max_distance",
        ),
        (
            json!({"speed_factor": 2.0}),
            json!({}),
            "vehicles[0].speed_factor",
        ),
        (json!({"steps": []}), json!({}), "vehicles[0].steps"),
        (
            json!({"costs": {"fixed": 1}}),
            json!({}),
            "vehicles[0].costs",
        ),
        (json!({}), json!({"setup": 60}), "jobs[0].setup"),
    ] {
        let r = s
            .call("POST", solve, &s.dispatcher, Some(problem(vehicle, job)))
            .await;
        assert_eq!(
            (r.status, r.body["code"].as_str(), r.body["field"].as_str()),
            (
                StatusCode::BAD_REQUEST,
                Some("unsupported_field"),
                Some(field)
            ),
            "{:?}",
            r.body
        );
    }
    let huge = i64::MAX - 1;
    let r = s
        .call(
            "POST",
            solve,
            &s.dispatcher,
            Some(problem(
                json!({"capacity": [huge]}),
                json!({"delivery": [huge]}),
            )),
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("value_out_of_range")),
        "{:?}",
        r.body
    );
    let r = s
        .call(
            "POST",
            "/v1/solve/vroom?time_limit=30",
            &s.dispatcher,
            Some(problem(json!({}), json!({}))),
        )
        .await;
    assert_eq!(r.body["code"], json!("invalid_time_limit"), "{:?}", r.body);

    // One slot and no queue: a second solve while the first runs hears so at once.
    let mut busy = s.state.clone();
    busy.solve_slots = SolveSlots::new(1, 0);
    let app = router(busy);
    let slow = "/v1/solve/vroom?time_limit=2";
    let body = problem(json!({}), json!({}));
    let (a, b) = tokio::join!(
        common::call(&app, "POST", slow, Some(&s.dispatcher), Some(body.clone())),
        async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            common::call(&app, "POST", slow, Some(&s.dispatcher), Some(body.clone())).await
        }
    );
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.body);
    assert_eq!(
        (b.status, b.body["code"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("solver_busy")),
        "{:?}",
        b.body
    );
}

#[tokio::test]
async fn a_retried_order_gets_its_first_answer_and_a_lost_link_can_be_replaced() {
    on_both(|store| async move {
        let s = service(store).await;
        s.store_and_courier("c-1", "920").await;
        let post = |key: Option<&str>, body: Value| {
            let mut req = Request::post("/v1/orders")
                .header("authorization", format!("Bearer {}", s.dispatcher))
                .header("content-type", "application/json");
            if let Some(k) = key {
                req = req.header("idempotency-key", k);
            }
            let req = req.body(Body::from(body.to_string())).expect("request");
            let app = s.app.clone();
            async move {
                let res = tower::ServiceExt::oneshot(app, req)
                    .await
                    .expect("infallible");
                let replayed = res.headers().get("idempotent-replayed").is_some();
                let status = res.status();
                let bytes = http_body_util::BodyExt::collect(res.into_body())
                    .await
                    .expect("body")
                    .to_bytes();
                (
                    status,
                    replayed,
                    serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null),
                )
            }
        };
        let body = order("o-1");
        let (first, replayed, a) = post(Some("k-1"), body.clone()).await;
        assert_eq!((first, replayed), (StatusCode::CREATED, false), "{a}");
        let (again, replayed, b) = post(Some("k-1"), body.clone()).await;
        assert_eq!((again, replayed), (StatusCode::CREATED, true), "{b}");
        assert_eq!(a["properties"]["tracking"], b["properties"]["tracking"]);
        // The same key for another order is a client's mistake, said so.
        let (other, _, c) = post(Some("k-1"), order("o-2")).await;
        assert_eq!(
            (other, c["code"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("idempotency_key_reused")
            )
        );
        // Without a key a retry is a conflict, as before.
        let (conflict, _, _) = post(None, body).await;
        assert_eq!(conflict, StatusCode::CONFLICT);
        // A dispatcher replaces the link; the old one stops working.
        let old = a["properties"]["tracking"]["path"].as_str().expect("path");
        let r = s
            .call("POST", "/v1/orders/o-1/tracking", &s.dispatcher, None)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        let new = r.body["tracking"]["path"]
            .as_str()
            .expect("path")
            .to_string();
        let r = common::call(&s.app, "GET", old, None, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{:?}", r.body);
        let r = common::call(&s.app, "GET", &new, None, None).await;
        assert_eq!(r.body["order_id"], json!("o-1"), "{:?}", r.body);
        let r = s
            .call("POST", "/v1/orders/nope/tracking", &s.dispatcher, None)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // The scheme of the Authorization header is case-insensitive.
        let req = Request::get("/v1/orders/o-1")
            .header("authorization", format!("bearer {}", s.dispatcher))
            .body(Body::empty())
            .expect("request");
        assert_eq!(common::send(&s.app, req).await.status, StatusCode::OK);
        // A count of a lot too large for any shelf is refused before it can break a round.
        let r = s
            .call(
                "PUT",
                "/v1/stock/mc-casino",
                &s.planner,
                Some(json!({"lots": [{"sku": "BEAN-HOUSE", "lot_number": "L1",
                    "expiry_date": "2099-01-01", "units": 1e30}]})),
            )
            .await;
        assert_eq!(
            (r.body["code"].as_str(), r.body["field"].as_str()),
            (Some("too_many_units"), Some("lots[0].units")),
            "{:?}",
            r.body
        );
    })
    .await;
}

#[tokio::test]
async fn connections_that_never_finish_their_headers_or_sit_idle_are_closed() {
    let (s, _dir) = on_sqlite().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let limits = freshroute_service::ConnectionLimits {
        header_read: Duration::from_millis(500),
        ..freshroute_service::ConnectionLimits::default()
    };
    tokio::spawn(freshroute_service::serve_until(
        listener,
        s.app.clone(),
        limits,
        std::future::pending(),
    ));
    /// Whether the server closed the connection within `wait`.
    async fn closed_within(stream: &mut tokio::net::TcpStream, wait: Duration) -> bool {
        let mut buf = vec![0u8; 4096];
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return true,
                Ok(Ok(_)) => continue,
                Err(_) => return false,
            }
        }
    }
    let mut half = tokio::net::TcpStream::connect(addr).await.expect("connect");
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let mut silent = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut idle = tokio::net::TcpStream::connect(addr).await.expect("connect");
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    assert!(
        closed_within(&mut half, Duration::from_secs(5)).await,
        "half-sent headers"
    );
    assert!(
        closed_within(&mut silent, Duration::from_secs(5)).await,
        "a silent connection"
    );
    assert!(
        closed_within(&mut idle, Duration::from_secs(5)).await,
        "an idle keep-alive"
    );
    // A client that sends its request in time is served.
    let mut ok = tokio::net::TcpStream::connect(addr).await.expect("connect");
    ok.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut answer = String::new();
    ok.read_to_string(&mut answer).await.expect("read");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // Guessing tracking links: 20 misses, then the address is told to wait.
    let http = reqwest::Client::new();
    let mut codes = Vec::new();
    for i in 0..25 {
        let r = http
            .get(format!("http://{addr}/track/fr_ord_guess{i}"))
            .send()
            .await
            .expect("answer");
        codes.push(r.status().as_u16());
    }
    assert_eq!(codes.iter().filter(|c| **c == 404).count(), 20, "{codes:?}");
    assert_eq!(codes[20..], [429; 5], "{codes:?}");
}

/// A valid body of each endpoint that takes one, by method and path template, to be
/// mutated field by field.
fn corpus() -> Vec<(&'static str, &'static str, Value)> {
    let now = now_ms();
    vec![
        (
            "post",
            "/v1/stores",
            json!({"id": "s-f", "name": "F", "address": "A",
            "location": {"type": "Point", "coordinates": [7.4275, 43.7396]},
            "opening_hours": [{"days": ["mon"], "opens": "08:00", "closes": "20:00"}],
            "storage": {"frozen_litres": 1, "chilled_litres": 1, "ambient_litres": 1}}),
        ),
        (
            "post",
            "/v1/couriers",
            json!({"id": "c-f", "name": "F", "profile": "bike", "box_capacity": 4,
            "skills": ["frozen"], "shift_start": iso(now), "shift_end": iso(now + 3_600_000),
            "device_id": "d-f"}),
        ),
        ("post", "/v1/orders", order("o-f")),
        (
            "post",
            "/v1/fixes",
            json!({"fixes": [{"courier_id": "c-1", "time": now, "lat": 43.74,
            "lon": 7.42, "speed_mps": 1.0, "bearing_deg": 10.0, "altitude_m": 5.0,
            "accuracy_m": 4.0, "battery_pct": 50.0}]}),
        ),
        (
            "post",
            "/osmand/{secret}",
            json!({"device_id": "930", "location": {"timestamp": iso(now),
            "coords": {"latitude": 43.74, "longitude": 7.42, "speed": 1.0, "heading": 3.0,
            "accuracy": 5.0, "altitude": 3.0}, "battery": {"level": 0.5}}}),
        ),
        (
            "post",
            "/v1/orders/{id}/status",
            json!({"status": "assigned", "courier_id": "c-1", "reason": "r"}),
        ),
        (
            "post",
            "/v1/webhooks",
            json!({"url": "https://pos.example.com/hook", "events": ["delayed"]}),
        ),
        (
            "post",
            "/v1/solve/vroom",
            json!({
            "vehicles": [{"id": 1, "start_index": 0, "capacity": [4], "time_window": [0, 100]}],
            "jobs": [{"id": 1, "location_index": 1, "delivery": [1], "service": 5,
                "time_windows": [[0, 50]], "priority": 3}],
            "shipments": [{"pickup": {"id": 2, "location_index": 0}, "delivery": {"id": 2, "location_index": 1}, "amount": [1]}],
            "matrix": [[0, 5], [5, 0]]}),
        ),
        (
            "post",
            "/v1/plan/check",
            json!({"courier_id": "c-1", "stops": [{"order_id": "o-f", "kind": "pickup"}]}),
        ),
        (
            "post",
            "/v1/couriers/{id}/arrived",
            json!({"order_id": "o-f", "kind": "pickup"}),
        ),
        (
            "patch",
            "/v1/purchase-orders/{id}",
            json!({"version": 1, "lines": [{"sku": "BEAN-HOUSE", "cases": 2}]}),
        ),
        (
            "post",
            "/v1/purchase-orders/{id}/reject",
            json!({"version": 1, "reason": "r"}),
        ),
        (
            "post",
            "/v1/purchase-orders/{id}/approve",
            json!({"version": 1}),
        ),
        (
            "post",
            "/v1/purchase-orders/{id}/receive",
            json!({"version": 1, "lots": [{"sku": "BEAN-HOUSE",
            "lot_number": "L1", "expiry_date": "2099-01-01", "units": 3.0}]}),
        ),
        (
            "put",
            "/v1/stock/{store_id}",
            json!({"lots": [{"sku": "BEAN-HOUSE", "lot_number": "L1",
            "expiry_date": "2099-01-01", "units": 3.0}]}),
        ),
        (
            "post",
            "/v1/procurement/rounds",
            json!({"date": "2026-12-01", "stores": ["porto-aliados"]}),
        ),
    ]
}

/// `v` with one leaf replaced, for every leaf and every bad value of its kind.
fn mutations(v: &Value) -> Vec<Value> {
    let texts = [
        json!("\u{0}"),
        json!("a\u{202E}b"),
        json!("x".repeat(20_000)),
    ];
    let numbers = [
        json!(1.0e308),
        json!(-1.0e308),
        json!(i64::MAX),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(0.5),
    ];
    let mut out = Vec::new();
    let mut leaf = |path: &[PathStep]| {
        let bad: &[Value] = match get(v, path) {
            Some(Value::String(_)) => &texts,
            Some(Value::Number(_)) => &numbers,
            _ => &[],
        };
        for b in bad {
            let mut m = v.clone();
            if let Some(slot) = get_mut(&mut m, path) {
                *slot = b.clone();
            }
            out.push(m);
        }
    };
    walk(v, &mut Vec::new(), &mut leaf);
    out
}

#[derive(Clone)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn walk(v: &Value, path: &mut Vec<PathStep>, leaf: &mut dyn FnMut(&[PathStep])) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                path.push(PathStep::Key(k.clone()));
                walk(x, path, leaf);
                path.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                path.push(PathStep::Index(i));
                walk(x, path, leaf);
                path.pop();
            }
        }
        _ => leaf(path),
    }
}

fn get<'a>(v: &'a Value, path: &[PathStep]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, s| match s {
        PathStep::Key(k) => v.get(k),
        PathStep::Index(i) => v.get(i),
    })
}

fn get_mut<'a>(v: &'a mut Value, path: &[PathStep]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, s| match s {
        PathStep::Key(k) => v.get_mut(k),
        PathStep::Index(i) => v.get_mut(i),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_documented_endpoint_answers_5xx_to_hostile_input() {
    on_both(|store| async move {
        let s = service(store).await;
        let tracking = s.store_and_courier("c-1", "930").await;
        let doc = serde_json::to_value(freshroute_service::openapi()).expect("document");
        let paths = doc["paths"].as_object().expect("paths").clone();
        let bad_segments = ["%00", "a%E2%80%AEb", &"x".repeat(5_000), "c-1"];
        let bad_queries = [
            "?limit=%00",
            "?status=placed%0A",
            "?time_limit=NaN",
            "?time_limit=inf",
            "?from=%00&to=1e400",
            "?id=930&lat=NaN&lon=inf",
            "?id=930&lat=43.7&lon=7.4&speed=1e400&batt=-inf",
        ];
        let corpus = corpus();
        // Every endpoint with a body also gets these, and every other endpoint's bodies
        // with each text a NUL.
        let mut everyone: Vec<Value> = vec![json!({}), json!([]), json!("\u{0}"), json!(null)];
        everyone.extend(corpus.iter().map(|(_, _, b)| all_texts(b, "\u{0}")));
        let mut sent = 0;
        let mut failures = Vec::new();
        for (template, item) in &paths {
            for method in ["get", "post", "put", "patch", "delete"] {
                if item.get(method).is_none() {
                    continue;
                }
                // A stream that never ends cannot be read whole; the console's is
                // opened by the browser tests.
                if template == "/console/live" {
                    continue;
                }
                let mut uris = Vec::new();
                for seg in bad_segments {
                    let path = if template.starts_with("/osmand/") && seg == "c-1" {
                        tracking.clone()
                    } else {
                        fill(template, seg)
                    };
                    for q in bad_queries.iter().chain(&[""]) {
                        uris.push(format!("{path}{q}"));
                    }
                }
                let key = if template.contains("purchase")
                    || template.contains("stock")
                    || template.contains("procurement")
                {
                    &s.planner
                } else {
                    &s.admin
                };
                let mut requests: Vec<(String, Option<Value>)> =
                    uris.iter().map(|u| (u.clone(), None)).collect();
                if method != "get" {
                    let uri = fill(template, "c-1");
                    let uri = if template.starts_with("/osmand/") {
                        tracking.clone()
                    } else {
                        uri
                    };
                    let uri = if template == "/v1/solve/vroom" {
                        format!("{uri}?time_limit=0.1")
                    } else {
                        uri
                    };
                    let own = corpus
                        .iter()
                        .filter(|(m, t, _)| *m == method && t == template)
                        .flat_map(|(_, _, b)| mutations(b));
                    requests.extend(
                        everyone
                            .iter()
                            .cloned()
                            .chain(own)
                            .map(|b| (uri.clone(), Some(b))),
                    );
                }
                for (uri, body) in requests {
                    let r = common::call(
                        &s.app,
                        &method.to_uppercase(),
                        &uri,
                        Some(key),
                        body.clone(),
                    )
                    .await;
                    sent += 1;
                    if r.status.is_server_error() {
                        failures.push(format!(
                            "{} {uri} {} -> {} {}",
                            method.to_uppercase(),
                            body.map(|b| {
                                let t = b.to_string();
                                t.chars().take(200).collect::<String>()
                            })
                            .unwrap_or_default(),
                            r.status,
                            r.body
                        ));
                    }
                }
            }
        }
        assert!(sent > 1_000, "only {sent} requests");
        eprintln!("{sent} hostile requests, none answered 5xx");
        assert!(
            failures.is_empty(),
            "{} of {sent} answered 5xx:\n{}",
            failures.len(),
            failures.join("\n")
        );
    })
    .await;
}

/// `v` with every text replaced by `text`.
fn all_texts(v: &Value, text: &str) -> Value {
    match v {
        Value::String(_) => json!(text),
        Value::Array(a) => Value::Array(a.iter().map(|x| all_texts(x, text)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), all_texts(x, text)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `template` with every `{param}` replaced by `value`.
fn fill(template: &str, value: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push_str(value);
                rest = &rest[start + end + 1..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn a_stopping_service_ends_answers_that_never_finish_within_its_drain_time() {
    // An answer that streams for ever, as a tracking page's live stream does.
    let app = axum::Router::new().route(
        "/forever",
        axum::routing::get(|| async {
            let ticks = futures_util::stream::unfold((), |()| async {
                tokio::time::sleep(Duration::from_millis(100)).await;
                Some((Ok::<_, std::convert::Infallible>("tick\n"), ()))
            });
            axum::body::Body::from_stream(ticks)
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let limits = freshroute_service::ConnectionLimits {
        drain: Duration::from_millis(500),
        ..freshroute_service::ConnectionLimits::default()
    };
    let server = tokio::spawn(freshroute_service::serve_until(
        listener,
        app,
        limits,
        async {
            let _ = stopped.await;
        },
    ));
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(b"GET /forever HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    let mut buf = vec![0u8; 4096];
    let n = stream.read(&mut buf).await.expect("read");
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "the stream began");
    let _ = stop.send(());
    let done = tokio::time::timeout(Duration::from_secs(5), server).await;
    assert!(
        matches!(done, Ok(Ok(Ok(())))),
        "the service stopped within its drain time, not held by the stream"
    );
}

/// A browser's request through the app: `cookie` as its session, `form` posted
/// url-encoded, `origin` the page it came from; the status, headers and body text.
async fn browse(
    app: &Router,
    method: &str,
    uri: &str,
    cookie: Option<&str>,
    origin: Option<&str>,
    form: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "fr.test");
    if let Some(c) = cookie {
        req = req.header("cookie", format!("freshroute_session={c}"));
    }
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    let req = match form {
        Some(f) => req
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(f.to_string())),
        None => req.body(Body::empty()),
    };
    let res = app
        .clone()
        .oneshot(req.expect("request"))
        .await
        .expect("infallible");
    let (parts, body) = res.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes();
    (
        parts.status,
        parts.headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

/// Signs in with `key`; the session cookie's value.
async fn signed_in(app: &Router, key: &str) -> String {
    let (status, headers, body) = browse(
        app,
        "POST",
        "/login",
        None,
        Some("http://fr.test"),
        Some(&format!("key={key}&next=%2Fconsole")),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(headers["location"], "/console");
    let cookie = headers["set-cookie"].to_str().expect("ascii");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    cookie
        .strip_prefix("freshroute_session=")
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_string()
}

#[tokio::test]
async fn a_browser_session_acts_with_its_keys_role_until_it_ends_and_only_from_our_pages() {
    on_both(|store| async move {
        let s = service(store.clone()).await;
        s.store_and_courier("c-1", "931").await;
        let r = s
            .call("POST", "/v1/orders", &s.dispatcher, Some(order("o-s1")))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        let here = Some("http://fr.test");

        // No session: the console asks to sign in and comes back.
        let (status, headers, _) = browse(&s.app, "GET", "/console", None, None, None).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(headers["location"], "/login?next=/console");
        // A form posted with no session comes back to its screen's page, not to the form.
        let (status, headers, _) = browse(
            &s.app,
            "POST",
            "/console/assign",
            None,
            here,
            Some("order_id=o-s1&courier_id=c-1"),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(headers["location"], "/login?next=/console");
        let (status, _, page) = browse(&s.app, "GET", "/login", None, None, None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("type=\"password\""), "{page}");
        let (status, _, page) = browse(
            &s.app,
            "POST",
            "/login",
            None,
            here,
            Some("key=fr_key_guess&next=%2Fconsole"),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(page.contains("This key is not known"), "{page}");

        // A dispatcher's session opens the console and reads the API.
        let session = signed_in(&s.app, &s.dispatcher).await;
        let (status, _, page) = browse(&s.app, "GET", "/console", Some(&session), None, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(
            page.contains("<h1>Dispatch</h1>") && page.contains("o-s1"),
            "{page}"
        );
        let (status, _, _) = browse(&s.app, "GET", "/v1/orders", Some(&session), None, None).await;
        assert_eq!(status, StatusCode::OK);

        // A change carried by the cookie alone, or from another site, is refused.
        let assign = "order_id=o-s1&courier_id=c-1";
        for origin in [None, Some("http://evil.example")] {
            let (status, _, page) = browse(
                &s.app,
                "POST",
                "/console/assign",
                Some(&session),
                origin,
                Some(assign),
            )
            .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{origin:?}: {page}");
        }
        let r = s.call("GET", "/v1/orders/o-s1", &s.dispatcher, None).await;
        assert_eq!(r.body["properties"]["status"], json!("placed"));

        // A rule that refuses: the reason shown, nothing changed.
        let (status, _, page) = browse(
            &s.app,
            "POST",
            "/console/assign",
            Some(&session),
            here,
            Some("order_id=o-s1&courier_id=c-nobody"),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{page}");
        assert!(
            page.contains("Order o-s1 was not changed") && page.contains("c-nobody"),
            "{page}"
        );
        // From the console itself: assigned, said so.
        let (status, headers, _) = browse(
            &s.app,
            "POST",
            "/console/assign",
            Some(&session),
            here,
            Some(assign),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(headers["location"], "/console?done=assigned&order=o-s1");
        let r = s.call("GET", "/v1/orders/o-s1", &s.dispatcher, None).await;
        assert_eq!(r.body["properties"]["status"], json!("assigned"));
        assert_eq!(r.body["properties"]["courier_id"], json!("c-1"));

        // A planner's key is not a dispatcher's: a page that says so.
        let planner = signed_in(&s.app, &s.planner).await;
        let (status, _, page) = browse(&s.app, "GET", "/console", Some(&planner), None, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(page.contains("This screen is not for your key"), "{page}");

        // Signed out, the cookie no longer works.
        let (status, headers, _) =
            browse(&s.app, "POST", "/logout", Some(&session), here, None).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(
            headers["set-cookie"]
                .to_str()
                .expect("ascii")
                .contains("Max-Age=0")
        );
        let (status, headers, _) =
            browse(&s.app, "GET", "/console", Some(&session), None, None).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(headers["location"], "/login?next=/console&why=ended");

        // A session past its end, and one whose key was revoked, end too.
        use freshroute_store::{Session, Sessions, Storage};
        let admin_hash = freshroute_service::auth::hash(&s.admin);
        store
            .insert_session(&Session {
                token_hash: freshroute_service::auth::hash("fr_ses_old"),
                key_hash: admin_hash.clone(),
                created_ms: now_ms() - 13 * 3_600_000,
                expires_ms: now_ms() - 3_600_000,
            })
            .await
            .expect("an old session");
        let admin = signed_in(&s.app, &s.admin).await;
        assert!(
            store
                .revoke_api_key(&admin_hash, now_ms())
                .await
                .expect("revoke")
        );
        for cookie in ["fr_ses_old", admin.as_str()] {
            let (status, headers, _) =
                browse(&s.app, "GET", "/v1/orders", Some(cookie), None, None).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{cookie}");
            assert!(headers.get("location").is_none());
        }
    })
    .await;
}
