//! A running service for the tests that need real sockets: HTTP on a loopback port,
//! live ETAs re-timed from fixes and the webhook sender, on Monaco, with the Casino store,
//! courier `c1` and a gelato order to move through its life.

use std::time::Duration;

use freshroute_service::destinations::Destinations;
use freshroute_service::rules::FixRules;
use freshroute_service::webhooks::{WebhookPolicy, deliver_forever};
use freshroute_service::{AppState, NoticePolicy, RateLimit, now_ms, router};
use freshroute_store::{Role, SqliteStore};
use serde_json::{Value, json};

/// An instant as RFC 3339 in UTC.
pub(crate) fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .expect("in range")
        .to_rfc3339()
}

/// The service over HTTP.
pub(crate) struct Api {
    /// `http://127.0.0.1:PORT`.
    pub(crate) base: String,
    http: reqwest::Client,
}

impl Api {
    /// `method path` with `key` as the bearer token and `body` as JSON: the status and
    /// the JSON answer (null when not JSON).
    pub(crate) async fn call(
        &self,
        method: &str,
        path: &str,
        key: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(key);
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let res = req.send().await.expect("the service answers");
        let status = res.status().as_u16();
        let text = res.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

/// The Casino store and courier `c1` on a scooter in Fontvieille, 1.3 km away.
pub(crate) async fn store_and_courier(api: &Api, dispatcher: &str) {
    let (s, b) = api
        .call(
            "POST",
            "/v1/stores",
            dispatcher,
            Some(json!({
                "id": "mc-casino", "name": "Casino", "address": "Place du Casino, Monaco",
                "location": {"type": "Point", "coordinates": [7.4275, 43.7396]},
                "opening_hours": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "opens": "00:00", "closes": "24:00"}],
                "storage": {"frozen_litres": 300, "chilled_litres": 600, "ambient_litres": 2000}
            })),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let hour = 3_600_000;
    let (s, b) = api
        .call(
            "POST",
            "/v1/couriers",
            dispatcher,
            Some(json!({
                "id": "c1", "name": "Inès", "profile": "scooter", "box_capacity": 10,
                "skills": ["insulated", "frozen"], "shift_start": iso(now_ms() - hour),
                "shift_end": iso(now_ms() + 8 * hour), "device_id": "990"})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    fix(api, dispatcher, 43.7310, 7.4180, 6 * 60_000).await;
}

/// Courier `c1` was at `lat`, `lon` `ago_ms` ago.
pub(crate) async fn fix(api: &Api, dispatcher: &str, lat: f64, lon: f64, ago_ms: i64) {
    let fix =
        json!({"fixes": [{"courier_id": "c1", "time": now_ms() - ago_ms, "lat": lat, "lon": lon}]});
    let (_, b) = api.call("POST", "/v1/fixes", dispatcher, Some(fix)).await;
    assert_eq!(b["accepted"], json!(1), "{b}");
}

/// A gelato from the Casino store for Quai Antoine 1er.
pub(crate) fn gelato_order(id: &str, ready: i64, promised: i64) -> Value {
    json!({
        "id": id, "store_id": "mc-casino",
        "customer": {"name": "Léa", "address": "Quai Antoine 1er, Monaco",
            "location": {"type": "Point", "coordinates": [7.4206, 43.7347]}},
        "items": [{"sku": "gelato-500", "quantity": 1, "class": "frozen"}],
        "ready_at": iso(ready), "promised_by": iso(promised)})
}

/// A running service on Monaco (HTTP on a free port, the webhook sender, and live ETAs
/// re-timed from fixes) with an admin and a dispatcher key.
pub(crate) struct Running {
    pub(crate) api: Api,
    pub(crate) admin: String,
    pub(crate) dispatcher: String,
    /// The service's storage, for what no endpoint makes (an order of last week's).
    pub(crate) store: freshroute_store::AnyStore,
    pub(crate) _dir: tempfile::TempDir,
}

/// The bundled procurement data, read once per test binary: planners' rounds run on it.
pub(crate) fn procurement_data() -> std::sync::Arc<freshroute_service::rounds::ProcurementData> {
    static DATA: std::sync::OnceLock<std::sync::Arc<freshroute_service::rounds::ProcurementData>> =
        std::sync::OnceLock::new();
    DATA.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/procurement");
        std::sync::Arc::new(
            freshroute_service::rounds::ProcurementData::load(&dir)
                .expect("the bundled procurement data"),
        )
    })
    .clone()
}

/// Webhooks may reach the loopback receivers of `allow` (`127.0.0.1` in most tests).
pub(crate) async fn start(notices: NoticePolicy, allow: &[&str]) -> Running {
    start_with(notices, allow, |_| {}).await
}

/// [`start`], with the state changed by `change` before the service serves it.
pub(crate) async fn start_with(
    notices: NoticePolicy,
    allow: &[&str],
    change: impl FnOnce(&mut AppState),
) -> Running {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(dir.path().join("n.db").to_str().expect("utf-8"))
        .await
        .expect("open");
    let admin = super::key(&store, Role::Admin, None).await;
    let dispatcher = super::key(&store, Role::Dispatcher, None).await;
    let store: freshroute_store::AnyStore = store.into();
    let mut state = AppState::load(
        store.clone(),
        super::monaco(),
        FixRules::default(),
        RateLimit::default(),
    )
    .await
    .expect("state");
    state.notices = notices;
    state.procurement = Some(procurement_data());
    state.destinations = Destinations::allowing(allow).expect("allow list");
    // Consoles' live streams end every few seconds, as a dropped connection would: every
    // console test crosses reconnections.
    state.console_stream_for = std::time::Duration::from_secs(4);
    change(&mut state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let api = Api {
        base: format!("http://{}", listener.local_addr().expect("addr")),
        http: reqwest::Client::new(),
    };
    let app = router(state.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    tokio::spawn(freshroute_service::live::refresh_forever(state.clone()));
    tokio::spawn(deliver_forever(
        state,
        WebhookPolicy {
            first_retry: Duration::from_millis(200),
            max_backoff: Duration::from_millis(800),
            max_attempts: 100,
            poll: Duration::from_millis(100),
            timeout: Duration::from_secs(2),
        },
    ));
    Running {
        api,
        admin,
        dispatcher,
        store,
        _dir: dir,
    }
}

/// The order planned and committed to `c1`, which reaches the store (its fix there three
/// minutes ago) and takes it; planned again, its next stop is the order's door.
pub(crate) async fn picked_up_and_replanned(api: &Api, dispatcher: &str, order: &str) {
    let (s, b) = api.call("POST", "/v1/plan", dispatcher, None).await;
    assert_eq!(s, 200, "{b}");
    fix(api, dispatcher, 43.7396, 7.4275, 3 * 60_000).await;
    let (s, b) = api
        .call(
            "POST",
            &format!("/v1/orders/{order}/status"),
            dispatcher,
            Some(json!({"status": "picked_up"})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = api.call("POST", "/v1/plan", dispatcher, None).await;
    assert_eq!(s, 200, "{b}");
}

/// A gelato ready now and promised in 40 minutes, taken at the Casino store: the
/// customer's tracking path.
pub(crate) async fn gelato_taken(api: &Api, dispatcher: &str, id: &str) -> String {
    let now = now_ms();
    let (s, b) = api
        .call(
            "POST",
            "/v1/orders",
            dispatcher,
            Some(gelato_order(id, now, now + 40 * 60_000)),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    b["properties"]["tracking"]["path"]
        .as_str()
        .expect("a tracking path")
        .to_string()
}
