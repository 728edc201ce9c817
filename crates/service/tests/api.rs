//! The service over HTTP, as clients meet it: roles, the Traccar Client's two formats,
//! batches, stores, orders and their tracking, and bad input. Each test runs against a
//! temporary SQLite file, and again against PostgreSQL when `FRESHROUTE_TEST_POSTGRES_URL`
//! is set, on the road network of the bundled Monaco extract.

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Reply, key, monaco};
use freshroute_service::rules::FixRules;
use freshroute_service::{AppState, RateLimit, auth, now_ms, router};
use freshroute_store::testing::TempPgDatabase;
use freshroute_store::{OrderStatus, PgStore, PlanStore, Role, SqliteStore, Storage};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

struct Client {
    app: Router,
}

impl Client {
    /// `POST /v1/orders` with `key`.
    async fn order(&self, key: &str, body: Value) -> Reply {
        self.call("POST", "/v1/orders", Some(key), Some(body)).await
    }

    async fn send(&self, req: Request<Body>) -> Reply {
        common::send(&self.app, req).await
    }

    async fn call(&self, method: &str, uri: &str, key: Option<&str>, body: Option<Value>) -> Reply {
        common::call(&self.app, method, uri, key, body).await
    }
}

fn new_courier(id: &str, device: &str) -> Value {
    json!({
        "id": id, "name": "Ana", "profile": "bike", "box_capacity": 12, "skills": ["frozen"],
        // A shift long past: these couriers never take part in a plan.
        "shift_start": "2026-01-05T08:00:00Z", "shift_end": "2026-01-05T16:00:00Z",
        "device_id": device
    })
}

/// Every scenario, against one backend.
async fn scenarios<S: Storage + Into<freshroute_store::AnyStore>>(store: S) {
    let admin = key(&store, Role::Admin, None).await;
    let dispatcher = key(&store, Role::Dispatcher, None).await;
    let planner = key(&store, Role::Planner, None).await;
    let state = AppState::load(
        store.clone().into(),
        monaco(),
        FixRules::default(),
        RateLimit::default(),
    )
    .await
    .expect("state");
    tokio::spawn(freshroute_service::live::refresh_forever(state.clone()));
    let c = Client { app: router(state) };

    // Couriers: 401 without a key, 403 for a planner, 201 for a dispatcher.
    let add = |k: Option<String>, body: Value| {
        let c = &c;
        async move {
            c.call("POST", "/v1/couriers", k.as_deref(), Some(body))
                .await
        }
    };
    let r = add(None, new_courier("c1", "864")).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("missing_api_key"))
    );
    let r = add(Some("fr_key_wrong".into()), new_courier("c1", "864")).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_api_key"))
    );
    let r = add(Some(planner.clone()), new_courier("c1", "864")).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden_role"))
    );
    let r = add(Some(dispatcher.clone()), new_courier("c1", "864")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let tracking = r.body["tracking_url_path"]
        .as_str()
        .expect("tracking path")
        .to_string();
    let r = add(Some(admin.clone()), new_courier("c2", "865")).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let tracking2 = r.body["tracking_url_path"]
        .as_str()
        .expect("tracking path")
        .to_string();
    let r = add(Some(admin.clone()), new_courier("c1", "866")).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict"))
    );
    let mut bad = new_courier("c3", "867");
    bad["profile"] = json!("rocket");
    let r = add(Some(admin.clone()), bad).await;
    assert_eq!(
        (r.body["code"].as_str(), r.body["field"].as_str()),
        (Some("unknown_profile"), Some("profile"))
    );

    let courier1 = key(&store, Role::Courier, Some("c1")).await;

    // The Traccar Client's query string, exactly as the app sends it.
    let t = now_ms() / 1000 - 60;
    let uri = format!(
        "{tracking}?id=864&timestamp={t}&lat=41.1466&lon=-8.6112&speed=3.0&bearing=87.5&altitude=81.2&accuracy=4.8&batt=76.0"
    );
    let r = c.call("GET", &uri, None, None).await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (StatusCode::OK, Some("accepted")),
        "{:?}",
        r.body
    );
    // The same as a form POST, repeated: stored, but as a duplicate.
    let form = format!("id=864&timestamp={t}&lat=41.1466&lon=-8.6112");
    let req = Request::post(tracking.as_str())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .expect("request");
    let r = c.send(req).await;
    assert_eq!(
        (r.status, r.body["reason"].as_str()),
        (StatusCode::OK, Some("duplicate"))
    );
    // Traccar Client 9's JSON, 30 s later and 100 m on.
    let iso = iso_ms(now_ms() - 30_000);
    let body = json!({"location": {"timestamp": iso, "coords": {"latitude": 41.1475, "longitude": -8.6112,
        "accuracy": 5.0, "speed": -1, "heading": -1, "altitude": 80}, "is_moving": true, "odometer": 10,
        "battery": {"level": 0.75, "is_charging": false}, "activity": {"type": "on_bicycle"}}, "device_id": "864"});
    let r = c.call("POST", &tracking, None, Some(body)).await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (StatusCode::OK, Some("accepted")),
        "{:?}",
        r.body
    );

    // Knowing a device id is not enough: a wrong or missing secret, or another device.
    let r = c
        .call(
            "GET",
            "/osmand/fr_trk_guess?id=864&lat=41&lon=-8",
            None,
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_tracking_secret"))
    );
    let r = c
        .call(
            "GET",
            &format!("{tracking}?id=865&lat=41.1&lon=-8.6"),
            None,
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("device_mismatch"))
    );
    // A clock in the year 3000 and a position out of range: 400, and recorded.
    for year_3000 in ["32503680000000", "3000-01-01T00:00:00Z"] {
        let uri = format!("{tracking}?id=864&timestamp={year_3000}&lat=41.1&lon=-8.6");
        let r = c.call("GET", &uri, None, None).await;
        assert_eq!(
            (r.status, r.body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("timestamp_in_future"))
        );
    }
    // A latitude out of range can never be right: refused, and nothing is stored.
    let r = c
        .call(
            "GET",
            &format!("{tracking}?id=864&lat=141.1&lon=-8.6"),
            None,
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str(), r.body["field"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("invalid_coordinates"),
            Some("lat")
        )
    );
    // 0, 0 is what a phone without a position sends: kept with its reason, not used.
    let r = c
        .call("GET", &format!("{tracking}?id=864&lat=0&lon=0"), None, None)
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_coordinates"))
    );

    // The courier's position is the newest accepted fix, as GeoJSON.
    let r = c
        .call("GET", "/v1/couriers/c1", Some(&courier1), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.body["position"]["geometry"]["coordinates"],
        json!([-8.6112, 41.1475])
    );
    assert_eq!(r.body["position"]["properties"]["battery_pct"], json!(75.0));
    // A courier key sees only its own courier.
    let r = c
        .call("GET", "/v1/couriers/c2", Some(&courier1), None)
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_your_courier"))
    );
    let r = c.call("GET", "/v1/couriers/c1", Some(&planner), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Batches: a courier posts its own; out of order is fine; each fix gets a verdict.
    let base = now_ms() - 20 * 60_000;
    let batch = json!({"fixes": [
        {"courier_id": "c1", "time": base + 120_000, "lat": 41.1500, "lon": -8.6100, "accuracy_m": 5.0},
        {"courier_id": "c1", "time": base, "lat": 41.1490, "lon": -8.6100},
        {"courier_id": "c1", "time": iso_ms(base + 60_000), "lat": 41.1495, "lon": -8.6100, "accuracy_m": 900.0},
        {"courier_id": "c1", "time": base + 130_000, "lat": 41.2500, "lon": -8.6100},
    ]});
    let r = c
        .call("POST", "/v1/fixes", Some(&courier1), Some(batch))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let reasons: Vec<Value> = r.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|x| x["reason"].clone())
        .collect();
    assert_eq!(
        reasons,
        [
            Value::Null,
            Value::Null,
            json!("low_accuracy"),
            json!("impossible_speed")
        ]
    );
    // Another courier's fix in a courier's batch: 403, and nothing of the batch is stored.
    let before = store.fixes("c1", 0, i64::MAX).await.expect("fixes").len();
    let batch = json!({"fixes": [
        {"courier_id": "c1", "time": base + 200_000, "lat": 41.15, "lon": -8.61},
        {"courier_id": "c2", "time": base + 200_000, "lat": 41.15, "lon": -8.61}]});
    let r = c
        .call("POST", "/v1/fixes", Some(&courier1), Some(batch))
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str(), r.body["field"].as_str()),
        (
            StatusCode::FORBIDDEN,
            Some("not_your_courier"),
            Some("fixes[1].courier_id")
        )
    );
    assert_eq!(
        store.fixes("c1", 0, i64::MAX).await.expect("fixes").len(),
        before
    );
    // A dispatcher may post for anyone; unknown couriers are named.
    let batch =
        json!({"fixes": [{"courier_id": "ghost", "time": base, "lat": 41.15, "lon": -8.61}]});
    let r = c
        .call("POST", "/v1/fixes", Some(&dispatcher), Some(batch))
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_courier"))
    );
    // Malformed JSON, a wrong content type, an unknown field, an oversized body.
    let req = Request::post("/v1/fixes")
        .header("authorization", format!("Bearer {admin}"))
        .header("content-type", "application/json")
        .body(Body::from("{\"fixes\": ["))
        .expect("request");
    let r = c.send(req).await;
    assert_eq!(
        (r.body["code"].as_str(), r.body["field"].as_str()),
        (Some("malformed_json"), Some("body"))
    );
    let req = Request::post("/v1/fixes")
        .header("authorization", format!("Bearer {admin}"))
        .header("content-type", "text/plain")
        .body(Body::from("{}"))
        .expect("request");
    let r = c.send(req).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Some("unsupported_content_type")
        )
    );
    let r = c.call("POST", "/v1/fixes", Some(&admin), Some(json!({"fixes": [{"courier_id": "c1", "time": 1, "lat": 1, "lon": 1, "colour": "red"}]}))).await;
    assert_eq!(
        (r.status, r.body["code"].as_str(), r.body["field"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            Some("fixes[0].colour")
        )
    );
    let r = c
        .call(
            "POST",
            "/v1/fixes",
            Some(&admin),
            Some(json!({"fixes": [{"courier_id": "c1", "time": 1, "lon": 1}]})),
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str(), r.body["field"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            Some("fixes[0].lat")
        )
    );
    let huge = "x".repeat(freshroute_service::MAX_BODY_BYTES + 1);
    let req = Request::post("/v1/fixes")
        .header("authorization", format!("Bearer {admin}"))
        .header("content-type", "application/json")
        .body(Body::from(huge))
        .expect("request");
    let r = c.send(req).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("body_too_large"))
    );
    let r = c.call("GET", "/v2/nothing", None, None).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );

    // Everything received is kept, accepted or not, with its reason.
    let r = c
        .call("GET", "/v1/couriers/c1/fixes", Some(&dispatcher), None)
        .await;
    let filtered: Vec<Value> = r.body["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["properties"]["filtered"].clone())
        .filter(|f| !f.is_null())
        .collect();
    for reason in [
        "duplicate",
        "timestamp_in_future",
        "invalid_coordinates",
        "low_accuracy",
        "impossible_speed",
    ] {
        assert!(
            filtered.contains(&json!(reason)),
            "{reason} missing from {filtered:?}"
        );
    }

    // Prometheus metrics: requests by route pattern (never a secret), fixes by verdict.
    let req = Request::get("/metrics")
        .body(Body::empty())
        .expect("request");
    let res = c.app.clone().oneshot(req).await.expect("infallible");
    assert_eq!(res.status(), StatusCode::OK);
    let text = String::from_utf8(
        res.into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec(),
    )
    .expect("utf-8");
    assert!(
        text.contains(r#"freshroute_http_requests_total{route="/osmand/{secret}""#),
        "{text}"
    );
    assert!(
        text.contains(r#"freshroute_fixes_total{source="batch",verdict="impossible_speed"}"#),
        "{text}"
    );
    assert!(
        !text.contains("fr_trk_"),
        "a tracking secret leaked into the metrics"
    );

    // A flood from one device is refused with 429; another device is still served.
    let flood = RateLimit::default().burst as usize + 20;
    let t0 = now_ms() / 1000 - 10 * 60;
    let mut limited = 0;
    for k in 0..flood {
        let uri = format!(
            "{tracking}?id=864&timestamp={}&lat=41.1466&lon=-8.6112",
            t0 + k as i64
        );
        let r = c.call("GET", &uri, None, None).await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(r.body["code"], json!("rate_limited"));
            limited += 1;
        }
    }
    assert!(limited >= 15, "{limited} of {flood} refused");
    let uri = format!("{tracking2}?id=865&timestamp={t0}&lat=41.1466&lon=-8.6112");
    assert_eq!(c.call("GET", &uri, None, None).await.status, StatusCode::OK);

    // A new tracking secret: the old URL stops working at once, the new one works.
    let r = c
        .call(
            "POST",
            "/v1/couriers/c2/tracking-secret",
            Some(&courier1),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = c
        .call(
            "POST",
            "/v1/couriers/c2/tracking-secret",
            Some(&dispatcher),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let renewed = r.body["tracking_url_path"]
        .as_str()
        .expect("new path")
        .to_string();
    let uri = format!(
        "{tracking2}?id=865&timestamp={}&lat=41.1466&lon=-8.6112",
        t0 + 5
    );
    assert_eq!(
        c.call("GET", &uri, None, None).await.body["code"],
        json!("invalid_tracking_secret")
    );
    let uri = format!(
        "{renewed}?id=865&timestamp={}&lat=41.1466&lon=-8.6112",
        t0 + 5
    );
    assert_eq!(c.call("GET", &uri, None, None).await.status, StatusCode::OK);
    let r = c
        .call(
            "POST",
            "/v1/couriers/ghost/tracking-secret",
            Some(&dispatcher),
            None,
        )
        .await;
    assert_eq!(r.body["code"], json!("unknown_courier"));

    stores_and_orders(&c, &store, &admin, &dispatcher, &planner, &courier1).await;
    vroom_problems(&c, &dispatcher, &courier1).await;
    planning(&c, &dispatcher, &courier1).await;
    openapi_document(&c).await;

    // The dispatcher's live view: every courier, with its latest position.
    let r = c.call("GET", "/v1/couriers", Some(&dispatcher), None).await;
    assert_eq!(r.body["type"], json!("FeatureCollection"));
    let ids: Vec<&str> = r.body["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|x| x["id"].as_str())
        .collect();
    assert_eq!(ids, ["c-plan", "c-quiet", "c-warm", "c1", "c2"]);
    let c1 = &r.body["features"][3];
    assert_eq!(c1["geometry"]["type"], json!("Point"));
    assert!(
        c1["properties"]["position"]["properties"]["time"].is_string(),
        "{c1}"
    );
    assert_eq!(c1["properties"]["profile"], json!("bike"));
    assert_eq!(
        c.call("GET", "/v1/couriers", Some(&courier1), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // A revoked key is refused at once.
    assert!(
        store
            .revoke_api_key(&auth::hash(&planner), now_ms())
            .await
            .expect("revoke")
    );
    let r = c.call("GET", "/v1/stores", Some(&planner), None).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("revoked_api_key"))
    );
}

fn new_store(id: &str, lon: f64, lat: f64) -> Value {
    json!({
        "id": id, "name": "Casino", "address": "Place du Casino, Monaco",
        "location": {"type": "Point", "coordinates": [lon, lat]},
        "opening_hours": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "opens": "00:00", "closes": "24:00"}],
        "storage": {"frozen_litres": 300, "chilled_litres": 600, "ambient_litres": 2000}
    })
}

fn new_order(id: &str, store: &str, class: &str) -> Value {
    let ready = now_ms() + 10 * 60_000;
    let mut body = order_body(
        id,
        json!([
            {"sku": "gelato-500", "name": "Gelato 500 ml", "quantity": 2, "class": class},
            {"sku": "espresso", "quantity": 1, "class": "hot", "box_units": 1}
        ]),
        ready,
        ready + 25 * 60_000,
    );
    body["store_id"] = json!(store);
    body
}

/// An order of `mc-casino` to a customer on the Quai Antoine 1er.
fn order_body(id: &str, items: Value, ready_ms: i64, promised_ms: i64) -> Value {
    json!({
        "id": id, "store_id": "mc-casino",
        "customer": {"name": "Léa", "address": "Quai Antoine 1er, Monaco",
            "location": {"type": "Point", "coordinates": [7.4206, 43.7347]}},
        "items": items,
        "ready_at": iso_ms(ready_ms),
        "promised_by": iso_ms(promised_ms),
    })
}

async fn stores_and_orders<S: Storage>(
    c: &Client,
    store: &S,
    admin: &str,
    dispatcher: &str,
    planner: &str,
    courier1: &str,
) {
    let code = |r: &Reply| {
        (
            r.status,
            r.body["code"].as_str().map(str::to_string),
            r.body["field"].as_str().map(str::to_string),
        )
    };
    let err = |status, code: &str, field: Option<&str>| {
        (status, Some(code.to_string()), field.map(str::to_string))
    };

    // Stores: snapped to the roads on entry; far from any road, refused.
    let r = c
        .call(
            "POST",
            "/v1/stores",
            Some(dispatcher),
            Some(new_store("mc-casino", 7.4276, 43.7394)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["type"], json!("Feature"));
    let snapped = &r.body["properties"]["snapped"];
    for profile in ["car", "scooter", "bike"] {
        let d = snapped[profile]["distance_m"].as_i64().unwrap_or(i64::MAX);
        assert!(d <= 200, "{profile}: {snapped}");
    }
    let r = c
        .call(
            "POST",
            "/v1/stores",
            Some(planner),
            Some(new_store("mc-x", 7.4276, 43.7394)),
        )
        .await;
    assert_eq!(code(&r), err(StatusCode::FORBIDDEN, "forbidden_role", None));
    let r = c
        .call(
            "POST",
            "/v1/stores",
            Some(admin),
            Some(new_store("mc-sea", 7.46, 43.70)),
        )
        .await;
    assert_eq!(
        code(&r),
        err(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_far_from_road",
            Some("location")
        )
    );
    let r = c
        .call(
            "POST",
            "/v1/stores",
            Some(admin),
            Some(new_store("mc-flip", 43.7394, 7.4276)),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "latitude and longitude swapped: {:?}",
        r.body
    );
    let r = c
        .call(
            "POST",
            "/v1/stores",
            Some(admin),
            Some(new_store("mc-bad", 7.4276, 143.7)),
        )
        .await;
    assert_eq!(
        code(&r),
        err(
            StatusCode::BAD_REQUEST,
            "invalid_latitude",
            Some("location")
        )
    );
    let mut closed = new_store("mc-closed", 7.4276, 43.7394);
    closed["opening_hours"][0]["closes"] = json!("00:00");
    let r = c
        .call("POST", "/v1/stores", Some(admin), Some(closed))
        .await;
    assert_eq!(
        code(&r),
        err(
            StatusCode::BAD_REQUEST,
            "empty_hours",
            Some("opening_hours[0].closes")
        )
    );
    let r = c.call("GET", "/v1/stores", Some(courier1), None).await;
    assert_eq!(r.body["features"].as_array().map(Vec::len), Some(1));
    let r = c
        .call("GET", "/v1/stores/nowhere", Some(planner), None)
        .await;
    assert_eq!(code(&r), err(StatusCode::NOT_FOUND, "unknown_store", None));

    // Orders: taken by dispatchers, with a tracking token shown once.
    let r = c
        .order(dispatcher, new_order("o1", "mc-casino", "frozen"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["properties"]["status"], json!("placed"));
    assert_eq!(r.body["properties"]["box_units"], json!(3));
    let track = r.body["properties"]["tracking"]["path"]
        .as_str()
        .expect("tracking path")
        .to_string();
    assert!(
        track.starts_with("/track/fr_ord_") && track.len() > 70,
        "{track}"
    );
    let r = c
        .order(dispatcher, new_order("o1", "mc-casino", "frozen"))
        .await;
    assert_eq!(code(&r), err(StatusCode::CONFLICT, "conflict", None));
    let r = c
        .order(courier1, new_order("o2", "mc-casino", "frozen"))
        .await;
    assert_eq!(code(&r), err(StatusCode::FORBIDDEN, "forbidden_role", None));
    let r = c
        .order(dispatcher, new_order("o2", "nowhere", "frozen"))
        .await;
    assert_eq!(
        code(&r),
        err(StatusCode::NOT_FOUND, "unknown_store", Some("store_id"))
    );
    let mut bad = new_order("o2", "mc-casino", "frozen");
    bad["items"][0]["class"] = json!("lukewarm");
    let r = c.order(dispatcher, bad).await;
    assert_eq!(
        (r.status, r.body["code"].as_str(), r.body["field"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            Some("items[0].class")
        )
    );
    let mut bad = new_order("o2", "mc-casino", "frozen");
    bad["items"][1]["quantity"] = json!(0);
    let r = c.order(dispatcher, bad).await;
    assert_eq!(
        code(&r),
        err(
            StatusCode::BAD_REQUEST,
            "invalid_quantity",
            Some("items[1].quantity")
        )
    );
    let mut bad = new_order("o2", "mc-casino", "frozen");
    bad["promised_by"] = json!("3000-01-01T00:00:00Z");
    let r = c.order(dispatcher, bad).await;
    assert_eq!(
        code(&r),
        err(
            StatusCode::BAD_REQUEST,
            "time_out_of_range",
            Some("promised_by")
        )
    );
    let mut bad = new_order("o2", "mc-casino", "frozen");
    bad["customer"]["location"]["coordinates"] = json!([7.46, 43.70]);
    let r = c.order(dispatcher, bad).await;
    assert_eq!(
        code(&r),
        err(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_far_from_road",
            Some("customer.location")
        )
    );
    assert!(
        store.order("o2").await.expect("read").is_none(),
        "nothing refused is stored"
    );

    // The customer's view: status and promise, no courier before pickup.
    let r = c.call("GET", &track, None, None).await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (StatusCode::OK, Some("placed")),
        "{:?}",
        r.body
    );
    assert_eq!(r.body["courier_position"], Value::Null);
    let r = c.call("GET", "/track/fr_ord_guess", None, None).await;
    assert_eq!(
        code(&r),
        err(StatusCode::NOT_FOUND, "unknown_tracking_token", None)
    );
    // A token stops working a day after the promise: an order of last week's.
    let mut old = store.order("o1").await.expect("read").expect("o1");
    old.id = "o-last-week".to_string();
    old.tracking_hash = auth::hash("fr_ord_last_week");
    old.tracking_expires_ms = now_ms() - 6 * 24 * 3_600_000;
    store
        .insert_order(&old, "admin", None)
        .await
        .expect("insert");
    let r = c.call("GET", "/track/fr_ord_last_week", None, None).await;
    assert_eq!(code(&r), err(StatusCode::GONE, "tracking_expired", None));

    // Assignment needs a courier with the skills the items need.
    let r = c.call("POST", "/v1/couriers", Some(dispatcher), Some(json!({
        "id": "c-warm", "name": "Rui", "profile": "scooter", "box_capacity": 8, "skills": ["insulated"],
        "shift_start": iso_ms(now_ms() - 3_600_000), "shift_end": iso_ms(now_ms() + 8 * 3_600_000), "device_id": "870"}))).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let status = |k: &str, body: Value| {
        let k = k.to_string();
        async move {
            c.call("POST", "/v1/orders/o1/status", Some(&k), Some(body))
                .await
        }
    };
    let r = status(
        dispatcher,
        json!({"status": "assigned", "courier_id": "c-warm"}),
    )
    .await;
    assert_eq!(
        code(&r),
        err(
            StatusCode::UNPROCESSABLE_ENTITY,
            "courier_lacks_skill",
            Some("courier_id")
        )
    );
    let r = status(dispatcher, json!({"status": "assigned"})).await;
    assert_eq!(
        code(&r),
        err(
            StatusCode::BAD_REQUEST,
            "courier_required",
            Some("courier_id")
        )
    );
    // c1 has a frozen box but no insulated one: the espresso needs one too.
    let r = status(
        dispatcher,
        json!({"status": "assigned", "courier_id": "c1"}),
    )
    .await;
    assert_eq!(
        code(&r),
        err(
            StatusCode::UNPROCESSABLE_ENTITY,
            "courier_lacks_skill",
            Some("courier_id")
        )
    );
    let r = c
        .order(
            dispatcher,
            json!({
        "id": "o3", "store_id": "mc-casino",
        "customer": {"name": "Léa", "address": "Quai Antoine 1er, Monaco",
            "location": {"type": "Point", "coordinates": [7.4206, 43.7347]}},
        "items": [{"sku": "gelato-500", "quantity": 1, "class": "frozen"}],
        "ready_at": iso_ms(now_ms()), "promised_by": iso_ms(now_ms() + 30 * 60_000)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let track3 = r.body["properties"]["tracking"]["path"]
        .as_str()
        .expect("path")
        .to_string();
    let o3 = |k: &str, body: Value| {
        let k = k.to_string();
        async move {
            c.call("POST", "/v1/orders/o3/status", Some(&k), Some(body))
                .await
        }
    };
    // A courier may not pick up what is not assigned to it, nor assign itself.
    let r = o3(courier1, json!({"status": "picked_up"})).await;
    assert_eq!(code(&r), err(StatusCode::NOT_FOUND, "unknown_order", None));
    // c1's shift is long past: off duty, it is refused the order until it is put on
    // duty; sent off duty again after, it is never planned here.
    let r = o3(
        dispatcher,
        json!({"status": "assigned", "courier_id": "c1"}),
    )
    .await;
    assert_eq!(
        code(&r),
        err(StatusCode::CONFLICT, "courier_off_duty", Some("courier_id"))
    );
    let duty = |on: bool| {
        c.call(
            "POST",
            "/v1/couriers/c1/duty",
            Some(dispatcher),
            Some(json!({"on_duty": on})),
        )
    };
    assert_eq!(duty(true).await.status, StatusCode::OK);
    let r = o3(
        dispatcher,
        json!({"status": "assigned", "courier_id": "c1"}),
    )
    .await;
    assert_eq!(
        (r.status, r.body["properties"]["courier_id"].as_str()),
        (StatusCode::OK, Some("c1")),
        "{:?}",
        r.body
    );
    assert_eq!(duty(false).await.status, StatusCode::OK);
    let r = o3(courier1, json!({"status": "assigned", "courier_id": "c1"})).await;
    assert_eq!(code(&r), err(StatusCode::FORBIDDEN, "forbidden_role", None));
    let r = o3(courier1, json!({"status": "delivered"})).await;
    assert_eq!(
        code(&r),
        err(StatusCode::CONFLICT, "invalid_transition", Some("status"))
    );
    let r = o3(courier1, json!({"status": "picked_up"})).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    // Picked up, but with no live route (c1 is off shift, never planned) nothing says
    // this customer is next: the position, which could be at another customer's door,
    // is not shown.
    let r = c.call("GET", &track3, None, None).await;
    assert_eq!(r.body["status"], json!("picked_up"));
    assert_eq!(r.body["courier_position"], Value::Null, "{:?}", r.body);
    let r = o3(courier1, json!({"status": "failed"})).await;
    assert_eq!(
        code(&r),
        err(StatusCode::BAD_REQUEST, "reason_required", Some("reason"))
    );
    // Its latest fix is far from this door: "delivered" needs a reason.
    let r = o3(courier1, json!({"status": "delivered"})).await;
    assert_eq!(
        code(&r),
        err(StatusCode::CONFLICT, "far_from_door", Some("reason"))
    );
    let r = o3(
        courier1,
        json!({"status": "delivered", "reason": "met the customer at the corner"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let r = o3(dispatcher, json!({"status": "cancelled", "reason": "late"})).await;
    assert_eq!(
        code(&r),
        err(StatusCode::CONFLICT, "invalid_transition", Some("status"))
    );
    // The history says who did what.
    let r = c.call("GET", "/v1/orders/o3", Some(courier1), None).await;
    let events: Vec<(String, String)> = r.body["properties"]["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            (
                e["status"].as_str().unwrap_or("").to_string(),
                // A dispatcher's key as `dispatcher:KEYID`: the role is what is compared.
                e["by"]
                    .as_str()
                    .map_or("", |b| {
                        if b.starts_with("courier:") {
                            b
                        } else {
                            b.split(':').next().unwrap_or(b)
                        }
                    })
                    .to_string(),
            )
        })
        .collect();
    let expected = [
        ("placed", "dispatcher"),
        ("assigned", "dispatcher"),
        ("picked_up", "courier:c1"),
        ("delivered", "courier:c1"),
    ];
    assert_eq!(
        events,
        expected.map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let r = c.call("GET", "/v1/orders/o1", Some(courier1), None).await;
    assert_eq!(code(&r), err(StatusCode::NOT_FOUND, "unknown_order", None));
    // Listing, filtered by status.
    let r = c
        .call("GET", "/v1/orders?status=delivered", Some(dispatcher), None)
        .await;
    let ids: Vec<&str> = r.body["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert_eq!(ids, ["o3"]);
    let r = c
        .call("GET", "/v1/orders?status=lost", Some(dispatcher), None)
        .await;
    assert_eq!(
        code(&r),
        err(StatusCode::BAD_REQUEST, "invalid_status", Some("status"))
    );
    let r = c.call("GET", "/v1/orders", Some(courier1), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        store.order("o3").await.expect("read").map(|o| o.status),
        Some(OrderStatus::Delivered)
    );
}

/// The dispatch plan: a courier on Monaco's roads with a frozen box takes an ice-cream
/// order within its cold-chain limit, and the customer's tracking shows the plan's ETA.
async fn planning(c: &Client, dispatcher: &str, courier1: &str) {
    let r = c.call("GET", "/v1/plan", Some(dispatcher), None).await;
    assert_eq!(r.body["code"], json!("no_plan"));
    let hour = 3_600_000;
    // Five minutes old: room for the fixes that follow to be newer and still possible.
    on_shift(c, dispatcher, "c-plan", "990", (43.7380, 7.4250), 300_000).await;
    let ready = now_ms() + 5 * 60_000;
    let r = c
        .order(
            dispatcher,
            order_body(
                "o-plan",
                json!([{"sku": "gelato-500", "quantity": 2, "class": "frozen"}]),
                ready,
                ready + 25 * 60_000,
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let track = r.body["properties"]["tracking"]["path"]
        .as_str()
        .expect("path")
        .to_string();

    // A courier whose phone went quiet half an hour ago, with an order on board.
    let r = c
        .call(
            "POST",
            "/v1/couriers",
            Some(dispatcher),
            Some(json!({
            "id": "c-quiet", "name": "Rui", "profile": "bike", "box_capacity": 6,
            "skills": ["insulated"], "shift_start": iso_ms(now_ms() - hour),
            "shift_end": iso_ms(now_ms() + 8 * hour), "device_id": "991"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let fix = json!({"fixes": [{"courier_id": "c-quiet", "time": now_ms() - 30 * 60_000, "lat": 43.7390, "lon": 7.4270}]});
    let r = c
        .call("POST", "/v1/fixes", Some(dispatcher), Some(fix))
        .await;
    assert_eq!(r.body["accepted"], json!(1), "{:?}", r.body);
    let r = c
        .order(
            dispatcher,
            order_body(
                "o-quiet",
                json!([{"sku": "croissant", "quantity": 2, "class": "ambient"}]),
                now_ms(),
                now_ms() + 30 * 60_000,
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    for change in [
        json!({"status": "assigned", "courier_id": "c-quiet"}),
        json!({"status": "picked_up"}),
    ] {
        let r = c
            .call(
                "POST",
                "/v1/orders/o-quiet/status",
                Some(dispatcher),
                Some(change),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }

    let r = c.call("POST", "/v1/plan", Some(dispatcher), None).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let listed = |key: &str, id_key: &str, id: &str, reason: &str| {
        r.body["properties"][key].as_array().is_some_and(|l| {
            l.iter()
                .any(|x| x[id_key] == json!(id) && x["reason"] == json!(reason))
        })
    };
    assert!(
        listed("idle_couriers", "courier_id", "c-quiet", "position_stale"),
        "{}",
        r.body["properties"]
    );
    assert!(
        listed("unassigned", "order_id", "o-quiet", "courier_offline"),
        "{}",
        r.body["properties"]
    );
    let stops: Vec<&Value> = r.body["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter(|f| f["properties"]["order_id"] == json!("o-plan"))
        .collect();
    assert_eq!(stops.len(), 2, "{}", r.body);
    let time = |f: &Value, key: &str| {
        freshroute_service_time(f["properties"][key].as_str().expect("time"))
    };
    let (pickup, delivery) = (stops[0], stops[1]);
    assert_eq!(pickup["properties"]["kind"], json!("pickup"));
    assert_eq!(pickup["properties"]["courier_id"], json!("c-plan"));
    assert!(
        time(pickup, "start") >= ready - 1_000,
        "not before the food is ready"
    );
    let ride = time(delivery, "start") - time(pickup, "departure");
    assert!((0..=20 * 60_000).contains(&ride), "frozen ride {ride} ms");
    assert!(
        r.body["properties"]["idle_couriers"]
            .as_array()
            .expect("idle")
            .iter()
            .any(|x| x["courier_id"] == json!("c-warm") && x["reason"] == json!("no_position")),
        "{}",
        r.body["properties"]
    );
    // The courier's line follows the roads: more points than its stops.
    let line = r.body["features"]
        .as_array()
        .expect("features")
        .iter()
        .find(|f| {
            f["geometry"]["type"] == json!("LineString")
                && f["properties"]["courier_id"] == json!("c-plan")
        })
        .expect("c-plan's route");
    let points = line["geometry"]["coordinates"]
        .as_array()
        .map_or(0, Vec::len);
    let stops = line["properties"]["stops"].as_u64().unwrap_or(0) as usize;
    assert!(points > stops + 1, "{points} points for {stops} stops");
    let again = c.call("GET", "/v1/plan", Some(dispatcher), None).await;
    assert_eq!(again.body, r.body);
    let seen = c.call("GET", &track, None, None).await;
    assert_eq!(
        seen.body["eta"], delivery["properties"]["start"],
        "{}",
        seen.body
    );
    // The courier's phone reads its next stops; another courier's key may not.
    let mine = c
        .call("GET", "/v1/couriers/c-plan/plan", Some(dispatcher), None)
        .await;
    let kinds: Vec<(&str, &str)> = mine.body["stops"]
        .as_array()
        .expect("stops")
        .iter()
        .filter(|s| s["order_id"] == json!("o-plan"))
        .filter_map(|s| Some((s["kind"].as_str()?, s["eta"].as_str()?)))
        .collect();
    assert_eq!(kinds.len(), 2, "{}", mine.body);
    assert_eq!(
        kinds[1].1,
        delivery["properties"]["start"].as_str().unwrap_or(""),
        "before any new fix, the ETA is the plan's"
    );
    assert_eq!(mine.body["reroutes"], json!(0));
    // Each stop comes with the road to it.
    let road = mine.body["stops"][0]["road"]["coordinates"]
        .as_array()
        .expect("road")
        .clone();
    assert!(road.len() >= 2, "{}", mine.body);

    // A fix on the road to the first stop, further along: ETAs re-timed, no re-route.
    let along = &road[road.len() / 2];
    let t = now_ms() - 200_000;
    let fix =
        json!({"fixes": [{"courier_id": "c-plan", "time": t, "lon": along[0], "lat": along[1]}]});
    let r = c
        .call("POST", "/v1/fixes", Some(dispatcher), Some(fix))
        .await;
    assert_eq!(r.body["accepted"], json!(1), "{:?}", r.body);
    let mut seen = Value::Null;
    for _ in 0..100 {
        seen = c
            .call("GET", "/v1/couriers/c-plan/plan", Some(dispatcher), None)
            .await
            .body;
        if seen["stops"][0]["eta"] != mine.body["stops"][0]["eta"] {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_ne!(
        seen["stops"][0]["eta"], mine.body["stops"][0]["eta"],
        "re-timed from the fix"
    );
    assert_eq!(seen["reroutes"], json!(0), "on its road: {seen}");
    // A fix far from that road (across the harbour): routed again from there.
    let fix = json!({"fixes": [{"courier_id": "c-plan", "time": t + 140_000, "lat": 43.7335, "lon": 7.4215}]});
    let r = c
        .call("POST", "/v1/fixes", Some(dispatcher), Some(fix))
        .await;
    assert_eq!(r.body["accepted"], json!(1), "{:?}", r.body);
    for _ in 0..100 {
        seen = c
            .call("GET", "/v1/couriers/c-plan/plan", Some(dispatcher), None)
            .await
            .body;
        if seen["reroutes"] == json!(1) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(seen["reroutes"], json!(1), "off its road: {seen}");
    let first = seen["stops"][0]["road"]["coordinates"][0].clone();
    assert_eq!(
        first,
        json!([7.4215, 43.7335]),
        "the new road starts at the fix"
    );

    // The courier says it reached its next stop: timed from there, not from the road.
    let next = seen["stops"][0].clone();
    let r = c
        .call(
            "POST",
            "/v1/couriers/c-plan/arrived",
            Some(dispatcher),
            Some(json!({"order_id": next["order_id"], "kind": "delivery_elsewhere"})),
        )
        .await;
    assert_eq!(r.body["code"], json!("not_next_stop"), "{:?}", r.body);
    let before = now_ms();
    let r = c
        .call(
            "POST",
            "/v1/couriers/c-plan/arrived",
            Some(dispatcher),
            Some(json!({"order_id": next["order_id"], "kind": next["kind"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let eta = freshroute_service_time(r.body["stops"][0]["eta"].as_str().expect("eta"));
    let not_before = freshroute_service_time(next["planned_start"].as_str().expect("start"))
        .min(before + 3_600_000);
    assert!(
        eta >= before - 1_000 && eta <= not_before.max(before) + 1_000,
        "at the stop: {eta} against {before}..{not_before}"
    );

    // The plan committed c-plan's first stop: o-plan is assigned to it, by the planner.
    let r = c
        .call("GET", "/v1/orders/o-plan", Some(dispatcher), None)
        .await;
    assert_eq!(
        r.body["properties"]["status"],
        json!("assigned"),
        "{}",
        r.body
    );
    assert_eq!(r.body["properties"]["courier_id"], json!("c-plan"));
    let events = r.body["properties"]["events"].as_array().expect("events");
    assert_eq!(events.last().map(|e| &e["by"]), Some(&json!("planner")));

    // A dispatcher pins an order to a courier whose box it does not fit: the plan says so.
    let r = c
        .order(
            dispatcher,
            order_body(
                "o-big",
                json!([{"sku": "croissant", "quantity": 12, "class": "ambient"}]),
                now_ms(),
                now_ms() + 30 * 60_000,
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let r = c
        .call(
            "POST",
            "/v1/orders/o-big/status",
            Some(dispatcher),
            Some(json!({"status": "assigned", "courier_id": "c-plan"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let r = c.call("POST", "/v1/plan", Some(dispatcher), None).await;
    assert_eq!(
        r.body["properties"]["broken_pins"],
        json!([{"order_id": "o-big", "courier_id": "c-plan", "reason": "capacity"}]),
        "{}",
        r.body["properties"]
    );
    let still = r.body["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter(|f| f["properties"]["order_id"] == json!("o-plan"))
        .all(|f| f["properties"]["courier_id"] == json!("c-plan"));
    assert!(still, "the committed order stays with its courier");

    // An order whose promise passed an hour ago is still delivered, as soon as it can be.
    let r = c
        .order(
            dispatcher,
            order_body(
                "o-overdue",
                json!([{"sku": "croissant", "quantity": 1, "class": "ambient"}]),
                now_ms() - 2 * hour,
                now_ms() - hour,
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let r = c.call("POST", "/v1/plan", Some(dispatcher), None).await;
    assert!(
        r.body["properties"]["late"]
            .as_array()
            .is_some_and(|l| l.contains(&json!("o-overdue"))),
        "{}",
        r.body["properties"]
    );
    let planned = r.body["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter(|f| f["properties"]["order_id"] == json!("o-overdue"))
        .count();
    assert_eq!(planned, 2, "picked up and delivered: {}", r.body);

    // Plan mode: a route laid out by hand, judged as the planner holds it, with what it breaks.
    let check = |stops: Value| {
        let body = json!({"courier_id": "c-plan", "stops": stops});
        c.call("POST", "/v1/plan/check", Some(dispatcher), Some(body))
    };
    let r = check(json!([
        {"order_id": "o-overdue", "kind": "pickup"},
        {"order_id": "o-overdue", "kind": "delivery"},
        {"order_id": "o-big", "kind": "delivery"},
        {"order_id": "o-big", "kind": "pickup"}
    ]))
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["feasible"], json!(false));
    let codes = |k: usize| -> Vec<String> {
        r.body["stops"][k]["violations"]
            .as_array()
            .map(|v| {
                v.iter()
                    .filter_map(|x| x["code"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    // An hour past its promise: past what the planner allows (it lists the order as late).
    assert_eq!(codes(0), ["too_late"], "{}", r.body);
    assert_eq!(codes(1), ["too_late"], "{}", r.body);
    assert_eq!(codes(2), ["not_picked_up"], "{}", r.body);
    assert_eq!(codes(3), ["capacity"], "{}", r.body);
    let t = |k: usize, key: &str| {
        freshroute_service_time(r.body["stops"][k][key].as_str().expect("time"))
    };
    assert!(t(0, "arrival") <= t(0, "start") && t(0, "start") < t(1, "arrival"));
    assert!(
        r.body["stops"][1]["road"]["coordinates"]
            .as_array()
            .is_some_and(|c| c.len() >= 2)
    );
    let r = check(json!([{"order_id": "o-overdue", "kind": "drop"}])).await;
    assert_eq!(
        (r.status, r.body["code"].as_str(), r.body["field"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("invalid_kind"),
            Some("stops[0].kind")
        )
    );
    let r = check(json!([{"order_id": "o-nobody", "kind": "pickup"}])).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_order"))
    );
    let r = check(json!([])).await;
    assert_eq!(r.body["code"], json!("invalid_stops"));

    // The order of a courier's stops set by hand: judged as the planner holds it (a
    // delivery before its pickup is refused, nothing changed), its orders pinned to the
    // courier, kept by the next plan; cleared, the plan orders them again.
    let set = |stops: Value| {
        c.call(
            "PUT",
            "/v1/couriers/c-plan/stop-order",
            Some(dispatcher),
            Some(json!({"stops": stops})),
        )
    };
    let before = c
        .call("GET", "/v1/orders/o-overdue", Some(dispatcher), None)
        .await
        .body;
    let r = set(json!([
        {"order_id": "o-overdue", "kind": "delivery"},
        {"order_id": "o-overdue", "kind": "pickup"}
    ]))
    .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::CONFLICT, Some("stop_order_refused")),
        "{:?}",
        r.body
    );
    assert!(
        r.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("picked up")),
        "{}",
        r.body
    );
    let r = c
        .call("GET", "/v1/orders/o-overdue", Some(dispatcher), None)
        .await;
    assert_eq!(r.body, before, "nothing changed");
    let r = set(json!([{"order_id": "o-overdue", "kind": "lunch"}])).await;
    assert_eq!(
        (r.status, r.body["code"].as_str(), r.body["field"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("invalid_kind"),
            Some("stops[0].kind")
        )
    );
    let r = set(json!([
        {"order_id": "o-overdue", "kind": "pickup"},
        {"order_id": "o-overdue", "kind": "delivery"}
    ]))
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    let r = c
        .call("GET", "/v1/orders/o-overdue", Some(dispatcher), None)
        .await;
    assert_eq!(
        (
            &r.body["properties"]["status"],
            &r.body["properties"]["courier_id"]
        ),
        (&json!("assigned"), &json!("c-plan")),
        "listed, pinned"
    );
    let r = c.call("POST", "/v1/plan", Some(dispatcher), None).await;
    let with_c_plan = r.body["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter(|f| f["properties"]["order_id"] == json!("o-overdue"))
        .all(|f| f["properties"]["courier_id"] == json!("c-plan"));
    assert!(with_c_plan, "{}", r.body);
    let r = c
        .call(
            "DELETE",
            "/v1/couriers/c-plan/stop-order",
            Some(dispatcher),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = c
        .call(
            "DELETE",
            "/v1/couriers/nobody/stop-order",
            Some(dispatcher),
            None,
        )
        .await;
    assert_eq!(r.body["code"], json!("unknown_courier"));
    let other = c
        .call("GET", "/v1/couriers/c-plan/plan", Some(courier1), None)
        .await;
    assert_eq!(other.body["code"], json!("not_your_courier"));
}

fn freshroute_service_time(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .expect("RFC 3339")
        .timestamp_millis()
}

/// VROOM's format in and out: the documentation's custom-matrix example (VROOM
/// `docs/example_2.json`, BSD-2-Clause) answers exactly VROOM's own solution; a problem
/// on Monaco's roads; what the solver cannot honour is refused.
async fn vroom_problems(c: &Client, dispatcher: &str, courier1: &str) {
    let example = json!({
        "vehicles": [{"id": 0, "start_index": 0, "end_index": 3}],
        "jobs": [{"id": 1414, "location_index": 1}, {"id": 1515, "location_index": 2}],
        "matrix": [[0, 2104, 197, 1299], [2103, 0, 2255, 3152], [197, 2256, 0, 1102], [1299, 3153, 1102, 0]]
    });
    let r = c
        .call(
            "POST",
            "/v1/solve/vroom",
            Some(dispatcher),
            Some(example.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["code"], json!(0));
    assert_eq!(r.body["summary"]["cost"], json!(5461), "{}", r.body);
    assert_eq!(r.body["summary"]["unassigned"], json!(0));
    let steps: Vec<(String, Value, Value, Value)> = r.body["routes"][0]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            (
                s["type"].as_str().unwrap_or("").to_string(),
                s["id"].clone(),
                s["arrival"].clone(),
                s["duration"].clone(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("start".to_string(), Value::Null, json!(0), json!(0)),
            ("job".to_string(), json!(1414), json!(2104), json!(2104)),
            ("job".to_string(), json!(1515), json!(4359), json!(4359)),
            ("end".to_string(), Value::Null, json!(5461), json!(5461)),
        ]
    );
    assert_eq!(
        c.call(
            "POST",
            "/v1/solve/vroom",
            Some(courier1),
            Some(example.clone())
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );

    // On the roads: a van from the casino with two deliveries and a shipment, skills,
    // capacity and windows; a second job too big for it is left out with its reason.
    let problem = json!({
        "vehicles": [{"id": 7, "profile": "car", "start": [7.4276, 43.7394], "end": [7.4276, 43.7394],
            "capacity": [4], "skills": [1], "time_window": [28800, 43200]}],
        "jobs": [
            {"id": 1, "location": [7.4206, 43.7347], "service": 120, "delivery": [1], "skills": [1],
             "time_windows": [[28800, 36000]]},
            {"id": 2, "location": [7.4180, 43.7320], "service": 120, "delivery": [2]},
            {"id": 3, "location": [7.4180, 43.7320], "service": 120, "delivery": [9]}
        ],
        "shipments": [{"amount": [1], "pickup": {"id": 10, "location": [7.4230, 43.7370], "service": 60},
            "delivery": {"id": 11, "location": [7.4206, 43.7347], "service": 60}}]
    });
    let r = c
        .call(
            "POST",
            "/v1/solve/vroom?time_limit=0.2",
            Some(dispatcher),
            Some(problem),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let kinds: Vec<&str> = r.body["routes"][0]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["type"].as_str())
        .collect();
    assert_eq!(kinds.first(), Some(&"start"));
    assert_eq!(kinds.last(), Some(&"end"));
    assert_eq!(kinds.iter().filter(|k| **k == "job").count(), 2);
    assert!(
        kinds.iter().position(|k| *k == "pickup") < kinds.iter().position(|k| *k == "delivery"),
        "{kinds:?}"
    );
    assert_eq!(
        r.body["unassigned"],
        json!([{"id": 3, "type": "job", "location": [7.418, 43.732], "reason": "capacity"}])
    );
    assert_eq!(
        r.body["routes"][0]["steps"][0]["load"],
        json!([3]),
        "two deliveries loaded at the start"
    );

    // Refused, never ignored.
    let mut with_break = example.clone();
    with_break["vehicles"][0]["breaks"] =
        json!([{"id": 1, "service": 300, "time_windows": [[0, 100]]}]);
    let r = c
        .call(
            "POST",
            "/v1/solve/vroom",
            Some(dispatcher),
            Some(with_break),
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("breaks_unsupported"))
    );
    let mut no_index = example.clone();
    no_index["jobs"][1] = json!({"id": 1515});
    let r = c
        .call("POST", "/v1/solve/vroom", Some(dispatcher), Some(no_index))
        .await;
    assert_eq!(
        (r.body["code"].as_str(), r.body["field"].as_str()),
        (Some("location_index_required"), Some("jobs[1]"))
    );
    let mut short = example;
    short["matrix"] = json!([[0, 1], [1, 0]]);
    let r = c
        .call("POST", "/v1/solve/vroom", Some(dispatcher), Some(short))
        .await;
    assert_eq!(r.body["code"], json!("invalid_matrix"));
    let sea = json!({"vehicles": [{"id": 1, "start": [7.46, 43.70]}], "jobs": [{"id": 1, "location": [7.4206, 43.7347]}]});
    let r = c
        .call("POST", "/v1/solve/vroom", Some(dispatcher), Some(sea))
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("too_far_from_road"))
    );
}

/// The OpenAPI document lists every route the router serves.
async fn openapi_document(c: &Client) {
    let r = c.call("GET", "/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.")),
        "{:?}",
        r.body["openapi"]
    );
    let paths = r.body["paths"].as_object().expect("paths");
    for (path, method) in [
        ("/v1/stores", "post"),
        ("/v1/stores/{id}", "get"),
        ("/v1/couriers", "post"),
        ("/v1/orders", "post"),
        ("/v1/orders/{id}/status", "post"),
        ("/v1/fixes", "post"),
        ("/osmand/{secret}", "get"),
        ("/osmand/{secret}", "post"),
        ("/track/{token}", "get"),
        ("/healthz", "get"),
        ("/metrics", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing"
        );
    }
    let schemas = &r.body["components"]["schemas"];
    for schema in [
        "NewOrder",
        "Item",
        "ColdChain",
        "NewShop",
        "ErrorBody",
        "BatchFix",
    ] {
        assert!(schemas.get(schema).is_some(), "schema {schema} missing");
    }
    assert!(r.body["components"]["securitySchemes"]["api_key"].is_object());
}

fn iso_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .expect("a time in range")
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[tokio::test]
async fn the_api_behaves_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("api.db");
    let store = SqliteStore::open(path.to_str().expect("utf-8"))
        .await
        .expect("open");
    scenarios(store).await;
}

#[tokio::test]
async fn the_api_behaves_on_postgres() {
    let Ok(url) = std::env::var("FRESHROUTE_TEST_POSTGRES_URL") else {
        eprintln!("FRESHROUTE_TEST_POSTGRES_URL is not set: PostgreSQL run skipped");
        return;
    };
    let db = TempPgDatabase::create(&url).await.expect("database");
    let store = PgStore::connect(db.url()).await.expect("connect");
    scenarios(store).await;
    db.drop_now().await.expect("drop");
}

#[tokio::test]
async fn a_replan_that_overruns_its_budget_leaves_the_previous_plan_in_force() {
    // Something to plan: the solver then uses its whole time limit.
    let (c, dispatcher, state, _dir) = small_region("c-o", |_| {}).await;
    let r = c
        .order(&dispatcher, new_order("o-o", "mc-casino", "frozen"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let r = c.call("POST", "/v1/plan", Some(&dispatcher), None).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let before = r.body["properties"]["created"].clone();
    // The same service, with a budget no plan can meet.
    let mut hurried = state.clone();
    hurried.planner.budget = std::time::Duration::from_nanos(1);
    let h = Client {
        app: router(hurried),
    };
    let r = h.call("POST", "/v1/plan", Some(&dispatcher), None).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("replan_overrun")),
        "{:?}",
        r.body
    );
    let r = c.call("GET", "/v1/plan", Some(&dispatcher), None).await;
    assert_eq!(
        r.body["properties"]["created"], before,
        "the previous plan stays"
    );
}

#[tokio::test]
async fn a_new_order_is_planned_without_waiting_for_the_next_round() {
    let (c, dispatcher, state, _dir) = small_region("c-w", |_| {}).await;
    // Rounds an hour apart: only the change can bring the plan in time.
    tokio::spawn(freshroute_service::planner::replan_forever(
        state,
        std::time::Duration::from_secs(3_600),
    ));
    // The loop's first round, before the order exists.
    for _ in 0..100 {
        let r = c.call("GET", "/v1/plan", Some(&dispatcher), None).await;
        if r.status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let r = c
        .order(&dispatcher, new_order("o-w", "mc-casino", "chilled"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let planned = |body: &Value| {
        body["features"].as_array().is_some_and(|f| {
            f.iter()
                .any(|x| x["properties"]["order_id"] == json!("o-w"))
        })
    };
    let mut seen = false;
    for _ in 0..150 {
        let r = c.call("GET", "/v1/plan", Some(&dispatcher), None).await;
        if r.status == StatusCode::OK && planned(&r.body) {
            seen = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(seen, "the order is in a plan within 15 s of being placed");
}

#[tokio::test]
async fn a_restarted_service_plans_on_from_the_stored_plan() {
    // Nothing committed, and a switching cost of 10 minutes: an order stays with the
    // courier it was planned for unless another saves more than that.
    let calm = |s: &mut AppState| {
        s.planner.commit_within_s = 0;
        s.planner.switch_cost_s = 600;
    };
    let (c, dispatcher, state, dir) = small_region("c-a", calm).await;
    let now = now_ms();
    let items = json!([{"sku": "espresso", "quantity": 1, "class": "hot"}]);
    let r = c
        .order(
            &dispatcher,
            order_body("o-s", items, now, now + 30 * 60_000),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let courier_of = |body: &Value| -> Vec<String> {
        body["features"]
            .as_array()
            .expect("features")
            .iter()
            .filter(|f| f["properties"]["order_id"] == json!("o-s"))
            .filter_map(|f| f["properties"]["courier_id"].as_str().map(str::to_string))
            .collect()
    };
    let r = c.call("POST", "/v1/plan", Some(&dispatcher), None).await;
    assert_eq!(courier_of(&r.body), ["c-a", "c-a"], "{}", r.body);
    let stored = state.store.planned_orders().await.expect("stored plan");
    assert_eq!(
        stored
            .iter()
            .map(|p| (p.order_id.as_str(), p.courier_id.as_str(), p.position))
            .collect::<Vec<_>>(),
        [("o-s", "c-a", 1)]
    );
    // A second courier, at the store: two minutes nearer the food than c-a.
    on_shift(&c, &dispatcher, "c-b", "1991", (43.7396, 7.4275), 5_000).await;
    // The service restarts on the same database: the plan it made is read back.
    let restarted = || async {
        let mut state = state_on(&dir.path().join("r.db")).await;
        calm(&mut state);
        state
    };
    let again = restarted().await;
    let c2 = Client {
        app: router(again.clone()),
    };
    let r = c2.call("POST", "/v1/plan", Some(&dispatcher), None).await;
    assert_eq!(
        courier_of(&r.body),
        ["c-a", "c-a"],
        "kept where it was: {}",
        r.body
    );
    // Without the stored plan, the nearer courier would have taken it.
    again.store.replace_plan(&[]).await.expect("forget");
    let fresh = restarted().await;
    let c3 = Client { app: router(fresh) };
    let r = c3.call("POST", "/v1/plan", Some(&dispatcher), None).await;
    assert_eq!(courier_of(&r.body), ["c-b", "c-b"], "{}", r.body);
}

#[tokio::test]
async fn an_order_no_courier_can_keep_cold_is_left_out_and_the_rest_is_planned() {
    // A chain whose frozen goods may ride 30 s: no Monaco customer is that near.
    let (c, dispatcher, _state, _dir) = small_region("c-r", |s| s.planner.frozen_ride_s = 30).await;
    for (id, class) in [("o-ice", "frozen"), ("o-bread", "ambient")] {
        let mut body = new_order(id, "mc-casino", class);
        body["items"] = json!([{"sku": "x", "quantity": 1, "class": class}]);
        let r = c.order(&dispatcher, body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    }
    let r = c.call("POST", "/v1/plan", Some(&dispatcher), None).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        r.body["properties"]["unassigned"],
        json!([{"order_id": "o-ice", "reason": "ride_limit_unreachable"}]),
        "{}",
        r.body["properties"]
    );
    let bread = r.body["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter(|f| f["properties"]["order_id"] == json!("o-bread"))
        .count();
    assert_eq!(bread, 2, "the other order is planned: {}", r.body);
}

/// Courier `id` (scooter, both boxes) on shift from an hour ago, seen at `at` `ago_ms` ago.
async fn on_shift(
    c: &Client,
    dispatcher: &str,
    id: &str,
    device: &str,
    (lat, lon): (f64, f64),
    ago_ms: i64,
) {
    let hour = 3_600_000;
    let r = c
        .call(
            "POST",
            "/v1/couriers",
            Some(dispatcher),
            Some(json!({
            "id": id, "name": "Inès", "profile": "scooter", "box_capacity": 10,
            "skills": ["insulated", "frozen"], "shift_start": iso_ms(now_ms() - hour),
            "shift_end": iso_ms(now_ms() + 8 * hour), "device_id": device})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let fix =
        json!({"fixes": [{"courier_id": id, "time": now_ms() - ago_ms, "lat": lat, "lon": lon}]});
    let r = c
        .call("POST", "/v1/fixes", Some(dispatcher), Some(fix))
        .await;
    assert_eq!(r.body["accepted"], json!(1), "{:?}", r.body);
}

/// The service's state on Monaco over the SQLite file at `path` (created if new).
async fn state_on(path: &std::path::Path) -> AppState {
    let store = SqliteStore::open(path.to_str().expect("utf-8"))
        .await
        .expect("open");
    AppState::load(
        store.into(),
        monaco(),
        FixRules::default(),
        RateLimit::default(),
    )
    .await
    .expect("state")
}

/// A fresh service on Monaco with a dispatcher key, one store (`mc-casino`) and one
/// courier (`courier`, scooter with both boxes) that has just sent a fix.
async fn small_region(
    courier: &str,
    tweak: impl FnOnce(&mut AppState),
) -> (Client, String, AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut state = state_on(&dir.path().join("r.db")).await;
    let dispatcher = key(&state.store, Role::Dispatcher, None).await;
    tweak(&mut state);
    let c = Client {
        app: router(state.clone()),
    };
    let r = c
        .call(
            "POST",
            "/v1/stores",
            Some(&dispatcher),
            Some(new_store("mc-casino", 7.4275, 43.7396)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    on_shift(&c, &dispatcher, courier, "1990", (43.7380, 7.4250), 5_000).await;
    (c, dispatcher, state, dir)
}

/// The kinds of notices an order has had, oldest first, and its coupon.
async fn notices_of(c: &Client, key: &str, order: &str) -> (Vec<String>, Value) {
    let r = c
        .call("GET", &format!("/v1/orders/{order}"), Some(key), None)
        .await;
    let kinds = r.body["properties"]["notices"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["event"].as_str().map(str::to_string))
        .collect();
    (kinds, r.body["properties"]["coupon"].clone())
}

#[tokio::test]
async fn an_order_no_courier_has_taken_earns_no_coupon_from_a_forecast() {
    // Nothing is committed by the planner, and any lateness counts.
    let (c, dispatcher, _state, _dir) = small_region("c-q", |s| {
        s.planner.commit_within_s = 0;
        s.notices.delay_margin_s = 0;
    })
    .await;
    // Ready now, promised a minute later: no courier can bring it in time.
    let ready = now_ms();
    let items = json!([{"sku": "gelato-500", "quantity": 1, "class": "frozen"}]);
    let r = c
        .order(&dispatcher, order_body("o-q", items, ready, ready + 60_000))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let r = c.call("POST", "/v1/plan", Some(&dispatcher), None).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let (kinds, coupon) = notices_of(&c, &dispatcher, "o-q").await;
    assert!(
        kinds.is_empty(),
        "a forecast for an order no courier has: {kinds:?}"
    );
    assert_eq!(coupon, Value::Null);
    // Once a courier has it and it is still late, the customer hears so, with a coupon.
    let r = c
        .call(
            "POST",
            "/v1/orders/o-q/status",
            Some(&dispatcher),
            Some(json!({"status": "assigned", "courier_id": "c-q"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let r = c.call("POST", "/v1/plan", Some(&dispatcher), None).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let (kinds, coupon) = notices_of(&c, &dispatcher, "o-q").await;
    assert_eq!(kinds, ["assigned", "delayed"]);
    assert!(coupon["code"].is_string(), "{coupon}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_streets_around_a_place_come_from_the_road_graph_within_a_checked_box() {
    let common::running::Running {
        api,
        admin,
        dispatcher,
        store,
        _dir,
    } = common::running::start(freshroute_service::NoticePolicy::default(), &[]).await;
    // Around the Casino, 300 m by 300 m.
    let (s, b) = api
        .call(
            "GET",
            "/v1/streets?bbox=7.4255,43.7383,7.4292,43.7410",
            &dispatcher,
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["geometry"]["type"], json!("MultiLineString"));
    let lines = b["geometry"]["coordinates"].as_array().expect("lines");
    assert!(lines.len() > 20, "{}", lines.len());
    assert_eq!(b["properties"]["segments"], json!(lines.len()));
    assert_eq!(b["properties"]["truncated"], json!(false));
    // Out at sea: none. Too wide, inside out, unreadable: refused with the field.
    let (_, b) = api
        .call(
            "GET",
            "/v1/streets?bbox=7.50,43.70,7.501,43.701",
            &admin,
            None,
        )
        .await;
    assert_eq!(b["properties"]["segments"], json!(0));
    for bad in ["7.40,43.70,7.50,43.75", "7.43,43.74,7.42,43.73", "x,1,2,3"] {
        let (s, b) = api
            .call("GET", &format!("/v1/streets?bbox={bad}"), &dispatcher, None)
            .await;
        assert_eq!(
            (s, b["code"].as_str(), b["field"].as_str()),
            (400, Some("invalid_bbox"), Some("bbox")),
            "{bad}: {b}"
        );
    }
    // Couriers' keys are not for it; no key, no answer.
    common::running::store_and_courier(&api, &dispatcher).await;
    let courier = common::key(&store, Role::Courier, Some("c1")).await;
    let (s, _) = api
        .call(
            "GET",
            "/v1/streets?bbox=7.4255,43.7383,7.4292,43.7410",
            &courier,
            None,
        )
        .await;
    assert_eq!(s, 403);
    let (s, _) = api
        .call(
            "GET",
            "/v1/streets?bbox=7.4255,43.7383,7.4292,43.7410",
            "",
            None,
        )
        .await;
    assert_eq!(s, 401);
}
