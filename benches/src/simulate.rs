//! A simulated day (or hour) of the sample chain against the service, in process: the
//! service's own router, storage and planner, on a clock the simulation moves.
//!
//! Orders are revealed at their placing time through `POST /v1/orders`; the plan is made
//! again every `replan_every_s` through `POST /v1/plan` (which also commits couriers'
//! first stops); each courier reads its next stops through `GET /v1/couriers/{id}/plan`,
//! drives the road it is given at the speed the road engine expects times a traffic
//! factor, posts a GPS fix with noise through `POST /v1/fixes` every step, waits at the
//! store until the kitchen really has the order ready and a minute more (unless the
//! plan sends it elsewhere first), and marks it picked up and delivered through
//! `POST /v1/orders/{id}/status`. What customers see is read through
//! `GET /track/{token}`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use freshroute_roads::RoadNetwork;
use freshroute_sample::SampleChain;
use freshroute_sample::orders::{self, SampleOrder};
use freshroute_service::rules::FixRules;
use freshroute_service::{AppState, Clock, RateLimit, auth, load_sample_chain, router};
use freshroute_store::{ApiKey, Role, SqliteStore, Storage};
use http_body_util::BodyExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::BenchTable;
use crate::bounds::{direct_drive_ms, earliest_door_ms};
use crate::clairvoyant::{Reference, StartingCourier, clairvoyant};

/// What to simulate.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Midnight (UTC) of the simulated day, epoch ms.
    pub day_ms: i64,
    /// First second simulated, after midnight.
    pub start_s: i64,
    /// Seconds during which orders are revealed; the run goes on until they are done.
    pub length_s: i64,
    /// Orders in the busiest hour of the day, over the chain.
    pub peak_per_hour: f64,
    /// Seed of the orders, the traffic and the GPS noise.
    pub seed: u64,
    /// Simulated seconds per step (one GPS fix per courier per step).
    pub step_s: i64,
    /// Seconds between plans.
    pub replan_every_s: i64,
    /// Standard deviation of GPS noise, metres.
    pub gps_noise_m: f64,
    /// Standard deviation of the log of the traffic factor on each leg.
    pub traffic_sigma: f64,
    /// Every kitchen has its food ready when it said; otherwise a kitchen takes from a
    /// fifth less to two fifths more than it said, as the sample's kitchens do.
    pub kitchens_on_time: bool,
    /// Time the solver may take per plan.
    pub solver_time: std::time::Duration,
    /// Iterations of search for the offline reference plan ([`crate::clairvoyant`]);
    /// `None` plans none.
    pub clairvoyant_iterations: Option<u64>,
    /// Orders reach the service this long before their customers place them, seconds
    /// (0: when placed): the live dispatcher with foresight, to measure what knowing
    /// demand in advance would buy.
    pub reveal_ahead_s: i64,
    /// Iterations of search per plan instead of [`Self::solver_time`]: a run repeats
    /// exactly.
    pub search_iterations: Option<u64>,
    /// Seed of each plan's search: another seed, other decisions on the same orders.
    pub search_seed: u64,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            // Wednesday 25 November 2026.
            day_ms: 1_795_564_800_000,
            start_s: orders::BUSIEST_HOUR_S,
            length_s: 3_600,
            peak_per_hour: 60.0,
            seed: 42,
            step_s: 10,
            replan_every_s: 30,
            gps_noise_m: 5.0,
            traffic_sigma: 0.12,
            kitchens_on_time: false,
            solver_time: freshroute_dispatch::PlannerConfig::default().time_limit,
            clairvoyant_iterations: None,
            reveal_ahead_s: 0,
            search_iterations: None,
            search_seed: 1,
        }
    }
}

impl SimOptions {
    /// The default world with no noise: no traffic, no GPS noise, every kitchen on time.
    pub fn exact() -> Self {
        Self {
            gps_noise_m: 0.0,
            traffic_sigma: 0.0,
            kitchens_on_time: true,
            ..Self::default()
        }
    }
}

/// What a simulation measured.
#[derive(Debug, Clone, Default)]
pub struct SimResult {
    /// Orders revealed.
    pub orders: usize,
    /// Orders the service refused (each with its code).
    pub refused: Vec<String>,
    /// Orders delivered.
    pub delivered: usize,
    /// Delivered by their promise.
    pub on_time: usize,
    /// Taken orders that could arrive by their promise: ready time, the minute at the
    /// store and the fastest direct drive from the store to the door (any profile) are
    /// no later than it.
    pub reachable: usize,
    /// Of those, delivered by their promise.
    pub reachable_on_time: usize,
    /// Click to door of each delivered order, minutes.
    pub c2d_min: Vec<f64>,
    /// Deliveries whose ride from the store passed the limit of their coldest item.
    pub cold_chain_violations: usize,
    /// Courier hours on shift within the simulated window.
    pub courier_hours: f64,
    /// Metres driven by all couriers.
    pub distance_m: f64,
    /// Of those, metres on legs left before their stop was reached: couriers turned
    /// to another stop by a new plan.
    pub turned_m: f64,
    /// At each pickup, the customer's ETA minus the real arrival, seconds.
    pub eta_error_s: Vec<i64>,
    /// Time of each re-plan request, milliseconds.
    pub replan_ms: Vec<f64>,
    /// Simulated seconds until the last order was done.
    pub span_s: i64,
    /// Each order that could be on time and was not: where its minutes went.
    pub late: Vec<LateOrder>,
    /// The same window planned offline with every order known, if asked for.
    pub reference: Option<Reference>,
}

/// Where a late order's minutes went (each can be negative: time gained).
#[derive(Debug, Clone, Copy, Default)]
pub struct LateOrder {
    /// After the promise, seconds.
    pub late_s: i64,
    /// The courier reached the store after the food was ready, seconds.
    pub courier_after_ready_s: i64,
    /// The ride from the store took longer than the direct drive, seconds.
    pub ride_beyond_direct_s: i64,
    /// Why the first plan that had it late said it was (`kitchen`, `distance`,
    /// `no_courier_free`), or `on_time_in_plan` when every plan had it on time.
    pub cause: &'static str,
}

/// The `p` quantile of `v` (nearest rank between the ends), NaN when empty.
pub(crate) fn percentile(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[((s.len() as f64 - 1.0) * p).round() as usize]
}

impl SimResult {
    fn share(n: usize, of: usize) -> f64 {
        if of == 0 { 0.0 } else { n as f64 / of as f64 }
    }

    /// The figures as one JSON object.
    pub fn to_json(&self) -> Value {
        let c2d_mean = self.c2d_min.iter().sum::<f64>() / self.c2d_min.len().max(1) as f64;
        let abs: Vec<f64> = self
            .eta_error_s
            .iter()
            .map(|e| e.unsigned_abs() as f64)
            .collect();
        let within = |s: u64| {
            Self::share(
                self.eta_error_s
                    .iter()
                    .filter(|e| e.unsigned_abs() <= s)
                    .count(),
                self.eta_error_s.len(),
            )
        };
        json!({
            "orders": self.orders,
            "refused": self.refused.len(),
            "delivered": self.delivered,
            "undelivered": self.orders - self.refused.len() - self.delivered,
            "on_time_share": Self::share(self.on_time, self.delivered),
            "reachable": self.reachable,
            "reachable_on_time_share": Self::share(self.reachable_on_time, self.reachable),
            "c2d_mean_min": c2d_mean,
            "c2d_p50_min": percentile(&self.c2d_min, 0.5),
            "c2d_p90_min": percentile(&self.c2d_min, 0.9),
            "cold_chain_violations": self.cold_chain_violations,
            "orders_per_courier_hour": self.delivered as f64 / self.courier_hours.max(1e-9),
            "courier_km": self.distance_m / 1000.0,
            "turned_km": self.turned_m / 1000.0,
            "eta_mae_min": abs.iter().sum::<f64>() / abs.len().max(1) as f64 / 60.0,
            "eta_within_2min_share": within(120),
            "eta_within_5min_share": within(300),
            "replan_p50_ms": percentile(&self.replan_ms, 0.5),
            "replan_p99_ms": percentile(&self.replan_ms, 0.99),
            "replans": self.replan_ms.len(),
            "span_min": self.span_s as f64 / 60.0,
            "late_reachable": self.late.len(),
            "late_mean_min": mean_min(self.late.iter().map(|l| l.late_s)),
            "late_courier_after_ready_mean_min": mean_min(self.late.iter().map(|l| l.courier_after_ready_s)),
            "late_ride_beyond_direct_mean_min": mean_min(self.late.iter().map(|l| l.ride_beyond_direct_s)),
            "late_causes": LATE_CAUSES.iter().map(|c| (c.to_string(), json!(self.late.iter().filter(|l| l.cause == *c).count()))).collect::<serde_json::Map<_, _>>(),
            "clairvoyant_reachable": self.reference.map(|x| x.reachable),
            "clairvoyant_on_time_share": self.reference.map(|x| Self::share(x.on_time, x.reachable)),
            "clairvoyant_km": self.reference.map(|x| x.distance_m as f64 / 1000.0),
        })
    }
}

/// Why late orders were late, as the plans said.
const LATE_CAUSES: [&str; 4] = ["kitchen", "distance", "no_courier_free", "on_time_in_plan"];

/// The mean of figures in seconds, in minutes (`NaN` for none).
fn mean_min(v: impl Iterator<Item = i64>) -> f64 {
    let (sum, n) = v.fold((0i64, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 {
        f64::NAN
    } else {
        sum as f64 / n as f64 / 60.0
    }
}

/// The figures beside their targets.
pub fn table(r: &SimResult, opts: &SimOptions) -> BenchTable {
    let j = r.to_json();
    let f = |k: &str| j[k].as_f64().unwrap_or(f64::NAN);
    let mut t = BenchTable {
        title: format!(
            "freshroute simulate — sample chain, {} orders revealed from {:02}:{:02} for {} min (peak {} an hour), seed {}",
            r.orders,
            opts.start_s / 3600,
            opts.start_s % 3600 / 60,
            opts.length_s / 60,
            opts.peak_per_hour,
            opts.seed
        ) + &match opts.reveal_ahead_s {
            0 => String::new(),
            s => format!(", each {} min before its customer places it", s / 60),
        } + if opts.traffic_sigma == 0.0 {
            ", no traffic"
        } else {
            ""
        } + if opts.kitchens_on_time {
            ", kitchens on time"
        } else {
            ""
        },
        judge: true,
        rows: Vec::new(),
    };
    t.info("orders revealed", r.orders.to_string());
    t.verify(
        "orders refused by the service",
        r.refused.len().to_string(),
        "0",
        r.refused.is_empty(),
    );
    t.info("orders delivered", r.delivered.to_string());
    t.info(
        "delivered by the promise, of those delivered",
        format!("{:.1} %", 100.0 * f("on_time_share")),
    );
    let share = f("reachable_on_time_share");
    let offline = r
        .reference
        .map(|x| x.on_time as f64 / x.reachable.max(1) as f64);
    if let Some(x) = r.reference {
        t.info(
            "the same, planned offline with every order known (clairvoyant reference); its km",
            format!(
                "{:.1} % of {}; {:.1}",
                100.0 * offline.unwrap_or(0.0),
                x.reachable,
                x.distance_m as f64 / 1000.0
            ),
        );
    }
    t.check(
        "by the promise, of the orders that could be (undelivered count as late)",
        format!("{:.1} % of {}", 100.0 * share, r.reachable),
        "≥ 95 %, or within 5 points of the offline plan",
        share >= 0.95 || offline.is_some_and(|o| share >= o - 0.05),
    );
    t.info(
        "late of those that could be: count; mean minutes late / courier at the store after the food was ready / ride beyond the direct drive",
        format!(
            "{}; {:.1} / {:.1} / {:.1}",
            r.late.len(),
            f("late_mean_min"),
            f("late_courier_after_ready_mean_min"),
            f("late_ride_beyond_direct_mean_min")
        ),
    );
    t.info(
        "late of those that could be, by the cause the first plan with them late gave",
        LATE_CAUSES
            .iter()
            .map(|c| format!("{c} {}", j["late_causes"][c]))
            .collect::<Vec<_>>()
            .join(", "),
    );
    t.info(
        "click to door mean / p50 / p90, min",
        format!(
            "{:.1} / {:.1} / {:.1}",
            f("c2d_mean_min"),
            f("c2d_p50_min"),
            f("c2d_p90_min")
        ),
    );
    t.verify(
        "cold-chain violations",
        r.cold_chain_violations.to_string(),
        "0",
        r.cold_chain_violations == 0,
    );
    t.info(
        "orders per courier-hour",
        format!("{:.2}", f("orders_per_courier_hour")),
    );
    t.info(
        "courier distance, km; of it on legs left for another stop",
        format!("{:.1}; {:.1}", f("courier_km"), f("turned_km")),
    );
    t.info(
        "ETA at pickup: mean absolute error, min",
        format!("{:.2}", f("eta_mae_min")),
    );
    t.info(
        "ETA at pickup within ±2 min",
        format!("{:.1} %", 100.0 * f("eta_within_2min_share")),
    );
    t.check(
        "ETA at pickup within ±5 min",
        format!("{:.1} %", 100.0 * f("eta_within_5min_share")),
        "≥ 95 %",
        f("eta_within_5min_share") >= 0.95,
    );
    t.info(
        "re-plan time p50, ms",
        format!("{:.0} ({} plans)", f("replan_p50_ms"), r.replan_ms.len()),
    );
    t.check(
        "re-plan time p99, ms",
        format!("{:.0}", f("replan_p99_ms")),
        "≤ 1000",
        f("replan_p99_ms") <= 1000.0,
    );
    t
}

/// Why a simulation could not run.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// Storage could not be opened.
    #[error("storage: {0}")]
    Store(#[from] freshroute_store::StoreError),
    /// The sample chain was refused.
    #[error("the sample chain was refused: {0}")]
    Chain(String),
    /// The service answered what the simulation cannot go on from.
    #[error("{what}: the service answered {status} {body}")]
    Service {
        /// The request.
        what: String,
        /// Its status.
        status: u16,
        /// Its body.
        body: String,
    },
    /// A temporary folder could not be made.
    #[error("temporary folder: {0}")]
    Io(#[from] std::io::Error),
}

/// The service in process, called as a client would.
struct Client {
    app: Router,
    key: String,
}

impl Client {
    async fn call(&self, method: &str, uri: &str, body: Option<Value>) -> (u16, Value) {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header("authorization", format!("Bearer {}", self.key));
        let req = match body {
            Some(b) => req
                .header("content-type", "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        };
        let Ok(req) = req else {
            return (0, Value::Null);
        };
        let Ok(res) = self.app.clone().oneshot(req).await;
        let status = res.status().as_u16();
        let bytes = res
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn must(&self, method: &str, uri: &str, body: Option<Value>) -> Result<Value, SimError> {
        let (status, v) = self.call(method, uri, body).await;
        if (200..300).contains(&status) {
            Ok(v)
        } else {
            Err(SimError::Service {
                what: format!("{method} {uri}"),
                status,
                body: v.to_string(),
            })
        }
    }
}

/// Metres between two `[lon, lat]` points, on a local plane (city distances).
fn metres(a: [f64; 2], b: [f64; 2]) -> f64 {
    let k = ((a[1] + b[1]) / 2.0).to_radians().cos();
    let dx = (b[0] - a[0]) * 111_320.0 * k;
    let dy = (b[1] - a[1]) * 110_540.0;
    (dx * dx + dy * dy).sqrt()
}

/// The point `d` metres along `path`.
fn along(path: &[[f64; 2]], mut d: f64) -> [f64; 2] {
    for w in path.windows(2) {
        let l = metres(w[0], w[1]);
        if d <= l && l > 0.0 {
            let f = d / l;
            return [
                w[0][0] + (w[1][0] - w[0][0]) * f,
                w[0][1] + (w[1][1] - w[0][1]) * f,
            ];
        }
        d -= l;
    }
    path.last().copied().unwrap_or([0.0, 0.0])
}

/// The length of `path` (`[lon, lat]` pairs), metres.
pub(crate) fn length_m(path: &[[f64; 2]]) -> f64 {
    path.windows(2).map(|w| metres(w[0], w[1])).sum()
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Where a courier is in its work.
#[derive(Debug, Clone, PartialEq)]
enum Doing {
    /// Nothing planned.
    Idle,
    /// Driving `path` towards a stop; `done_m` along it, at `speed` m/s.
    Driving {
        order: String,
        kind: String,
        path: Vec<[f64; 2]>,
        done_m: f64,
        speed: f64,
    },
    /// At a stop since `since_ms`.
    AtStop {
        order: String,
        kind: String,
        since_ms: i64,
    },
}

struct SimCourier {
    id: String,
    shift: (i64, i64),
    at: [f64; 2],
    doing: Doing,
    /// Orders in its box.
    carrying: usize,
    /// Metres driven towards the stop it is driving to, over all the roads it was given.
    toward_m: f64,
    /// Stops served so far.
    served: usize,
    /// When it finished serving a stop within the step just simulated, epoch ms: its next
    /// drive starts then, not at the next step.
    free_ms: Option<i64>,
}

struct SimOrder {
    /// Whether it could arrive by its promise at all (see `SimResult::reachable`).
    reachable: bool,
    placed_ms: i64,
    ready_ms: i64,
    promised_ms: i64,
    track: String,
    ride_limit_ms: Option<i64>,
    /// The fastest direct drive from the store to the door, ms.
    direct_ms: Option<i64>,
    /// When its courier reached the store.
    at_store_ms: Option<i64>,
    /// Why the first plan that had it late said it was.
    cause: Option<&'static str>,
    left_store_ms: Option<i64>,
    eta_at_pickup_ms: Option<i64>,
    /// Its courier's stops served when it was picked up.
    served_at_pickup: usize,
    arrived_ms: Option<i64>,
}

/// Time a courier spends at the store to take an order, ms.
const PICKUP_MS: i64 = 60_000;

fn ride_limit_ms(sample: &SampleOrder) -> Option<i64> {
    sample
        .items
        .iter()
        .filter_map(|i| match i.class.as_str() {
            "frozen" => Some(20),
            "hot" => Some(25),
            "chilled" => Some(45),
            _ => None,
        })
        .min()
        .map(|m| m * 60_000)
}

fn parse_ms(v: &Value) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(v.as_str()?)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// An instant as RFC 3339 in UTC, as the service reads times.
pub(crate) fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339())
        .unwrap_or_default()
}

/// Runs the simulation; `progress` hears about it every simulated ten minutes.
pub async fn simulate(
    roads: Arc<RoadNetwork>,
    chain: &SampleChain,
    opts: &SimOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<SimResult, SimError> {
    let dir = tempfile::tempdir()?;
    let store = SqliteStore::open(&dir.path().join("simulate.db").to_string_lossy()).await?;
    let key = auth::new_secret("fr_key_");
    store
        .insert_api_key(&ApiKey {
            key_hash: auth::hash(&key),
            role: Role::Dispatcher,
            courier_id: None,
            created_ms: opts.day_ms,
            revoked_ms: None,
            name: String::new(),
        })
        .await?;
    for g in roads.profiles() {
        g.prepare_snapping();
    }
    let start_ms = opts.day_ms + opts.start_s * 1000;
    let clock = Clock::manual(start_ms);
    let bound_roads = Arc::clone(&roads);
    let mut state = AppState::load(
        store.into(),
        roads,
        FixRules::default(),
        RateLimit::default(),
    )
    .await?;
    state.clock = clock.clone();
    state.planner.time_limit = opts.solver_time;
    state.planner.solver_iterations = opts.search_iterations;
    state.planner.solver_seed = opts.search_seed;
    // Commits are made by the plan requests the simulation sends.
    load_sample_chain(&state, chain, start_ms)
        .await
        .map_err(|e| SimError::Chain(format!("{}: {}", e.code, e.message)))?;
    let api = Client {
        app: router(state.clone()),
        key,
    };

    let mut rng = StdRng::seed_from_u64(opts.seed ^ 0x5151);
    let mut upcoming = window_orders(chain, opts);
    upcoming.reverse();
    // The orders the service took, where it took them: the offline reference plans those.
    let mut taken: Vec<SampleOrder> = Vec::new();
    let stores: HashMap<&str, [f64; 2]> = chain
        .stores
        .iter()
        .map(|s| (s.id.as_str(), s.location.coordinates))
        .collect();
    let mut couriers: Vec<SimCourier> = Vec::new();
    for (k, c) in chain.couriers.iter().enumerate() {
        let v = api
            .must("GET", &format!("/v1/couriers/{}", c.id), None)
            .await?;
        let shift = (
            parse_ms(&v["shift"]["starts"]).unwrap_or(i64::MAX),
            parse_ms(&v["shift"]["ends"]).unwrap_or(i64::MIN),
        );
        let home = chain.stores[k % chain.stores.len()].location.coordinates;
        couriers.push(SimCourier {
            id: c.id.clone(),
            shift,
            at: home,
            doing: Doing::Idle,
            carrying: 0,
            toward_m: 0.0,
            served: 0,
            free_ms: None,
        });
    }
    let window_ms = (
        start_ms,
        opts.day_ms + (opts.start_s + opts.length_s) * 1000,
    );
    let starting: Vec<StartingCourier> = couriers
        .iter()
        .map(|c| (c.id.clone(), c.shift, c.at))
        .collect();
    let mut result = SimResult {
        courier_hours: couriers
            .iter()
            .map(|c| {
                let a = c.shift.0.max(window_ms.0);
                let b = c.shift.1.min(window_ms.1);
                b.saturating_sub(a).max(0) as f64 / 3_600_000.0
            })
            .sum(),
        ..SimResult::default()
    };
    let mut live: HashMap<String, SimOrder> = HashMap::new();
    let mut now = start_ms;
    let step_ms = opts.step_s * 1000;
    let mut next_plan = now;
    let mut next_report = now + 600_000;
    let give_up = window_ms.1 + 3 * 3_600_000;
    loop {
        clock.set_ms(now);
        // New orders.
        while upcoming
            .last()
            .is_some_and(|o| opts.day_ms + (o.placed_s - opts.reveal_ahead_s) * 1000 <= now)
        {
            let Some(o) = upcoming.pop() else { break };
            result.orders += 1;
            let placed_ms = opts.day_ms + o.placed_s * 1000;
            let store_at = stores.get(o.store_id.as_str()).copied();
            let mut location = o.location.coordinates;
            // Taken, or the code it was refused with.
            let mut outcome = Err("too_far_from_road".to_string());
            for _ in 0..4 {
                let body = json!({
                    "id": o.id, "store_id": o.store_id,
                    "customer": {"name": "Customer", "address": format!("near {}", o.store_id),
                        "location": {"type": "Point", "coordinates": location}},
                    "items": o.items,
                    "ready_at": iso(placed_ms + o.prep_s * 1000),
                    "promised_by": iso(placed_ms + o.promise_s * 1000),
                });
                let (status, v) = api.call("POST", "/v1/orders", Some(body)).await;
                match (status, v["code"].as_str(), store_at) {
                    (201, _, _) => {
                        outcome = Ok(v);
                        break;
                    }
                    // In the river or a park: a little nearer the store.
                    (422, Some("too_far_from_road"), Some(s)) => {
                        location = [(location[0] + s[0]) / 2.0, (location[1] + s[1]) / 2.0];
                    }
                    (_, code, _) => {
                        outcome = Err(code.unwrap_or("no_code").to_string());
                        break;
                    }
                }
            }
            let v = match outcome {
                Ok(v) => v,
                Err(code) => {
                    result.refused.push(code);
                    continue;
                }
            };
            taken.push(SampleOrder {
                location: freshroute_sample::Point {
                    coordinates: location,
                    ..o.location.clone()
                },
                ..o.clone()
            });
            let ready_ms = placed_ms + o.actual_prep_s * 1000;
            let direct_ms = store_at.and_then(|from| direct_drive_ms(&bound_roads, from, location));
            let reachable = direct_ms
                .is_some_and(|d| earliest_door_ms(ready_ms, d) <= placed_ms + o.promise_s * 1000);
            result.reachable += usize::from(reachable);
            live.insert(
                o.id.clone(),
                SimOrder {
                    reachable,
                    placed_ms,
                    ready_ms,
                    promised_ms: placed_ms + o.promise_s * 1000,
                    track: v["properties"]["tracking"]["path"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    ride_limit_ms: ride_limit_ms(&o),
                    direct_ms,
                    at_store_ms: None,
                    cause: None,
                    left_store_ms: None,
                    eta_at_pickup_ms: None,
                    served_at_pickup: 0,
                    arrived_ms: None,
                },
            );
        }
        // The plan.
        if now >= next_plan {
            let started = Instant::now();
            let plan = api.must("POST", "/v1/plan", None).await?;
            for b in plan["properties"]["behind"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let cause = match b["cause"].as_str() {
                    Some("kitchen") => "kitchen",
                    Some("distance") => "distance",
                    _ => "no_courier_free",
                };
                if let Some(o) = b["order_id"].as_str().and_then(|id| live.get_mut(id)) {
                    o.cause.get_or_insert(cause);
                }
            }
            result
                .replan_ms
                .push(started.elapsed().as_secs_f64() * 1000.0);
            next_plan = now + opts.replan_every_s * 1000;
        }
        // Couriers move, work and report.
        let mut fixes = Vec::new();
        for c in &mut couriers {
            let on_shift = (c.shift.0..c.shift.1).contains(&now);
            if !on_shift && c.doing == Doing::Idle && c.carrying == 0 {
                continue;
            }
            let plan = api
                .must("GET", &format!("/v1/couriers/{}/plan", c.id), None)
                .await?;
            let next = &plan["stops"][0];
            // At a store for an order (waiting for its food, or being handed it) while the
            // plan now sends the courier elsewhere first (to bring what it carries within
            // its ride, or to another order): it goes, as its app says.
            let called_away = match &c.doing {
                Doing::AtStop { order, kind, .. } => {
                    kind == "pickup"
                        && next["order_id"].as_str().is_some()
                        && (next["order_id"].as_str() != Some(order.as_str())
                            || next["kind"].as_str() != Some("pickup"))
                }
                _ => false,
            };
            if called_away
                && let Doing::AtStop { order, .. } = &c.doing
                && let Some(o) = live.get_mut(order.as_str())
            {
                // When a courier reached the store counts from the next arrival there.
                o.at_store_ms = None;
            }
            let serving = matches!(c.doing, Doing::AtStop { .. }) && !called_away;
            // Take up the plan's first stop (or its new road there), unless serving one.
            if !serving
                && let (Some(order), Some(kind)) =
                    (next["order_id"].as_str(), next["kind"].as_str())
            {
                let road: Vec<[f64; 2]> = next["road"]["coordinates"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|p| Some([p[0].as_f64()?, p[1].as_f64()?]))
                            .collect()
                    })
                    .unwrap_or_default();
                let same_stop = match &c.doing {
                    Doing::Driving {
                        order: o,
                        kind: k,
                        path,
                        ..
                    } => o == order && k == kind && path.first() == road.first(),
                    Doing::AtStop {
                        order: o, kind: k, ..
                    } => o == order && k == kind,
                    Doing::Idle => false,
                };
                if !same_stop {
                    if let Doing::Driving {
                        order: o, kind: k, ..
                    } = &c.doing
                        && (o != order || k != kind)
                    {
                        result.turned_m += std::mem::take(&mut c.toward_m);
                    }
                    let drive_s = next["drive_s"].as_f64().unwrap_or(0.0).max(1.0);
                    let len = length_m(&road);
                    let traffic = (opts.traffic_sigma * normal(&mut rng)).exp();
                    c.doing = Doing::Driving {
                        order: order.to_string(),
                        kind: kind.to_string(),
                        speed: len / drive_s / traffic,
                        path: road,
                        done_m: 0.0,
                    };
                }
            } else if matches!(c.doing, Doing::Driving { .. }) {
                result.turned_m += std::mem::take(&mut c.toward_m);
                c.doing = Doing::Idle;
            }
            'work: {
                match &mut c.doing {
                    Doing::Driving {
                        order,
                        kind,
                        path,
                        done_m,
                        speed,
                    } => {
                        let total = length_m(path);
                        // The step, and the part of the last one left after a stop.
                        let span_ms =
                            step_ms + c.free_ms.take().map_or(0, |f| (now - f).clamp(0, step_ms));
                        let step = *speed * span_ms as f64 / 1000.0;
                        let before = *done_m;
                        *done_m = (*done_m + step).min(total);
                        result.distance_m += *done_m - before;
                        c.toward_m += *done_m - before;
                        c.at = along(path, *done_m);
                        if *done_m >= total {
                            // Arrived part-way through the step.
                            let late = if step > 0.0 {
                                ((1.0 - (total - before) / step) * span_ms as f64) as i64
                            } else {
                                0
                            };
                            let since_ms = now + step_ms - late.max(0);
                            if kind == "delivery"
                                && let Some(o) = live.get_mut(order.as_str())
                            {
                                o.arrived_ms.get_or_insert(since_ms);
                            }
                            c.toward_m = 0.0;
                            c.doing = Doing::AtStop {
                                order: order.clone(),
                                kind: kind.clone(),
                                since_ms,
                            };
                        }
                    }
                    Doing::AtStop {
                        order,
                        kind,
                        since_ms,
                    } => {
                        let Some(o) = live.get_mut(order.as_str()) else {
                            c.doing = Doing::Idle;
                            break 'work;
                        };
                        if kind == "pickup" {
                            // Served once the food is ready and a minute has passed.
                            o.at_store_ms.get_or_insert(*since_ms);
                            // Served within this step: done by its end.
                            let done = (*since_ms).max(o.ready_ms) + PICKUP_MS;
                            if now + step_ms < done {
                                break 'work;
                            }
                            let v = api
                                .must("GET", &format!("/v1/orders/{order}"), None)
                                .await?;
                            let status = v["properties"]["status"].as_str().unwrap_or("");
                            let mine =
                                v["properties"]["courier_id"].as_str() == Some(c.id.as_str());
                            if status == "assigned" && mine {
                                api.must(
                                    "POST",
                                    &format!("/v1/orders/{order}/status"),
                                    Some(json!({"status": "picked_up"})),
                                )
                                .await?;
                                o.left_store_ms = Some(done.max(now));
                                c.free_ms = Some(done.max(now));
                                c.carrying += 1;
                                let t = api.must("GET", &o.track, None).await?;
                                o.eta_at_pickup_ms = parse_ms(&t["eta"]);
                                c.served += 1;
                                o.served_at_pickup = c.served;
                                c.doing = Doing::Idle;
                            } else if status != "placed" {
                                // Given to another courier, or called off: the plan says what next.
                                c.doing = Doing::Idle;
                            }
                        } else {
                            let done = *since_ms + 120_000;
                            if now + step_ms < done {
                                break 'work;
                            }
                            api.must(
                                "POST",
                                &format!("/v1/orders/{order}/status"),
                                Some(json!({"status": "delivered"})),
                            )
                            .await?;
                            let arrived = o.arrived_ms.unwrap_or(*since_ms);
                            result.delivered += 1;
                            result.on_time += usize::from(arrived <= o.promised_ms);
                            result.reachable_on_time +=
                                usize::from(o.reachable && arrived <= o.promised_ms);
                            if o.reachable && arrived > o.promised_ms {
                                progress(&format!(
                                    "late: {order} by {}, {:.1} min past its promise ({}); at the store {:+.1} min from ready, ride {:+.1} min beyond the direct drive",
                                    c.id,
                                    (arrived - o.promised_ms) as f64 / 60_000.0,
                                    o.cause.unwrap_or("on time in every plan"),
                                    o.at_store_ms
                                        .map_or(f64::NAN, |t| (t - o.ready_ms) as f64 / 60_000.0),
                                    match (o.left_store_ms, o.direct_ms) {
                                        (Some(left), Some(d)) =>
                                            (arrived - left - d) as f64 / 60_000.0,
                                        _ => f64::NAN,
                                    }
                                ));
                                result.late.push(LateOrder {
                                    late_s: (arrived - o.promised_ms) / 1000,
                                    courier_after_ready_s: o
                                        .at_store_ms
                                        .map_or(0, |t| (t - o.ready_ms) / 1000),
                                    ride_beyond_direct_s: match (o.left_store_ms, o.direct_ms) {
                                        (Some(left), Some(d)) => (arrived - left - d) / 1000,
                                        _ => 0,
                                    },
                                    cause: o.cause.unwrap_or("on_time_in_plan"),
                                });
                            }
                            result
                                .c2d_min
                                .push((arrived - o.placed_ms) as f64 / 60_000.0);
                            if let (Some(left), Some(limit)) = (o.left_store_ms, o.ride_limit_ms)
                                && arrived - left > limit
                            {
                                result.cold_chain_violations += 1;
                                progress(&format!(
                                    "cold chain broken: {order} by {}, {:.1} min from the store, {} allowed",
                                    c.id,
                                    (arrived - left) as f64 / 60_000.0,
                                    limit / 60_000
                                ));
                            }
                            if let Some(eta) = o.eta_at_pickup_ms {
                                result.eta_error_s.push((eta - arrived) / 1000);
                                if (eta - arrived).abs() > 300_000 {
                                    progress(&format!(
                                        "ETA off: {order} by {}, arrived {:+.1} min from the ETA told at pickup, {:.1} min after it; {} stops served in between",
                                        c.id,
                                        (arrived - eta) as f64 / 60_000.0,
                                        (arrived - o.left_store_ms.unwrap_or(arrived)) as f64
                                            / 60_000.0,
                                        c.served.saturating_sub(o.served_at_pickup),
                                    ));
                                }
                            }
                            live.remove(order.as_str());
                            c.served += 1;
                            c.carrying = c.carrying.saturating_sub(1);
                            c.free_ms = Some(done.max(now));
                            c.doing = Doing::Idle;
                        }
                    }
                    Doing::Idle => {}
                }
            }
            // Free since a step before, with nowhere to go: its next drive starts on a step.
            if c.doing == Doing::Idle && c.free_ms.is_some_and(|f| f < now) {
                c.free_ms = None;
            }
            let n = opts.gps_noise_m;
            let k = c.at[1].to_radians().cos();
            let lat = c.at[1] + n * normal(&mut rng) / 110_540.0;
            let lon = c.at[0] + n * normal(&mut rng) / (111_320.0 * k);
            fixes.push(json!({"courier_id": c.id, "time": now, "lat": lat, "lon": lon, "accuracy_m": n.max(3.0)}));
        }
        if !fixes.is_empty() {
            api.must("POST", "/v1/fixes", Some(json!({"fixes": fixes})))
                .await?;
            freshroute_service::live::refresh_marked(&state).await;
        }
        now += step_ms;
        if now >= next_report {
            progress(&format!(
                "{:02}:{:02} — {} orders revealed, {} delivered, {} open",
                (now - opts.day_ms) / 3_600_000,
                (now - opts.day_ms) % 3_600_000 / 60_000,
                result.orders,
                result.delivered,
                live.len()
            ));
            next_report += 600_000;
        }
        if (upcoming.is_empty() && live.is_empty()) || now > give_up {
            break;
        }
    }
    result.span_s = (now - start_ms) / 1000;
    result.reference = opts.clairvoyant_iterations.map(|iterations| {
        progress("planning the window offline, every order known (the clairvoyant reference)");
        clairvoyant(
            &bound_roads,
            chain,
            &taken,
            &starting,
            (opts.day_ms, start_ms),
            iterations,
        )
    });
    // What is still open, and why the plan leaves it so.
    let plan = api.must("GET", "/v1/plan", None).await?;
    let mut open: Vec<&String> = live.keys().collect();
    open.sort();
    for id in open {
        let v = api.must("GET", &format!("/v1/orders/{id}"), None).await?;
        let why = plan["properties"]["unassigned"]
            .as_array()
            .and_then(|l| l.iter().find(|u| u["order_id"].as_str() == Some(id)))
            .map(|u| u["reason"].to_string())
            .unwrap_or_else(|| "planned".to_string());
        progress(&format!(
            "not delivered: {id}, {} with {}, {why}",
            v["properties"]["status"], v["properties"]["courier_id"]
        ));
    }
    Ok(result)
}

/// The orders placed in the window `opts` simulates, as its kitchens will make them.
fn window_orders(chain: &SampleChain, opts: &SimOptions) -> Vec<SampleOrder> {
    let window = opts.start_s..opts.start_s + opts.length_s;
    let mut day = orders::day(chain, opts.seed, opts.peak_per_hour);
    day.retain(|o| window.contains(&o.placed_s));
    if opts.kitchens_on_time {
        for o in &mut day {
            o.actual_prep_s = o.prep_s;
        }
    }
    day
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exact_world_has_its_kitchens_on_time_and_the_default_one_does_not() {
        let chain = freshroute_sample::generate(
            freshroute_sample::DEFAULT_SEED,
            freshroute_sample::DEFAULT_COURIERS,
        );
        let exact = window_orders(&chain, &SimOptions::exact());
        let noisy = window_orders(&chain, &SimOptions::default());
        assert!(!exact.is_empty());
        assert_eq!(exact.len(), noisy.len());
        assert!(exact.iter().all(|o| o.actual_prep_s == o.prep_s));
        assert!(noisy.iter().any(|o| o.actual_prep_s > o.prep_s));
        assert!(noisy.iter().any(|o| o.actual_prep_s < o.prep_s));
    }

    #[test]
    fn the_default_day_is_a_wednesday_midnight() {
        assert_eq!(
            iso(SimOptions::default().day_ms),
            "2026-11-25T00:00:00+00:00"
        );
        assert_eq!(parse_ms(&json!(iso(1_500))), Some(1_500));
    }

    #[test]
    fn a_path_is_walked_by_metres() {
        let path = [[0.0, 0.0], [0.001, 0.0], [0.001, 0.001]];
        let l = length_m(&path);
        assert!((l - 111.32 - 110.54).abs() < 0.5, "{l}");
        let mid = along(&path, 111.32);
        assert!((mid[0] - 0.001).abs() < 1e-9 && mid[1].abs() < 1e-9);
        assert_eq!(along(&path, 1e9), [0.001, 0.001]);
    }
}
