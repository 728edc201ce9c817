//! `freshroute bench screens`: the dispatcher's console and a customer's tracking page in
//! headless Chromium (two browsers) against `serve`'s router on a loopback port, loaded
//! with the sample chain grown to `couriers` couriers on duty and `orders` open orders,
//! planned. Measured: how long the console takes to show its lists; while every courier
//! sends a fix a second over HTTP, how long each fix takes to move its marker on the
//! console and the tracking courier's on its page (the browser's clock against the
//! sender's, one machine); the pages' weight compressed; requests to other hosts.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use freshroute_browser::{Browser, ENTER};
use freshroute_roads::RoadNetwork;
use freshroute_service::rules::FixRules;
use freshroute_service::{AppState, Clock, RateLimit, auth, load_sample_chain, router};
use freshroute_store::{ApiKey, Role, SqliteStore, Storage, StoreError};
use serde_json::{Value, json};

use crate::simulate::{iso, percentile};
use crate::table::BenchTable;

/// What the benchmark loads and for how long it sends fixes.
#[derive(Debug, Clone)]
pub struct ScreensOptions {
    /// Couriers on duty, each sending a fix a second.
    pub couriers: usize,
    /// Open orders.
    pub orders: usize,
    /// Seconds of fixes.
    pub seconds: u64,
    /// Times the console is opened and timed.
    pub loads: usize,
}

impl Default for ScreensOptions {
    fn default() -> Self {
        Self {
            couriers: 100,
            orders: 500,
            seconds: 30,
            loads: 5,
        }
    }
}

/// Why the benchmark could not measure.
#[derive(Debug, thiserror::Error)]
pub enum ScreensError {
    /// Setting the scene failed.
    #[error("{0}")]
    Setup(String),
    /// A file or socket failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The sample day at noon in Porto (UTC in winter): every store open.
const NOON_MS: i64 = 1_795_564_800_000 + 12 * 3_600_000;
/// A fix moves its courier this far east or west, degrees of longitude (about 8 m).
const STEP_DEG: f64 = 0.0001;
/// A fix whose marker has not moved this long after it is counted as missed, ms.
const GIVE_UP_MS: i64 = 5_000;

/// Runs the benchmark; its table.
pub fn run_screens(
    roads: Arc<RoadNetwork>,
    opts: &ScreensOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<BenchTable, ScreensError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(measure(roads, opts, progress))
}

/// The service as a browser and a phone reach it.
struct Http {
    base: String,
    key: String,
    client: reqwest::Client,
}

impl Http {
    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, ScreensError> {
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|e| ScreensError::Setup(e.to_string()))?;
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.key);
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let res = req
            .send()
            .await
            .map_err(|e| ScreensError::Setup(e.to_string()))?;
        let status = res.status();
        let text = res
            .text()
            .await
            .map_err(|e| ScreensError::Setup(e.to_string()))?;
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status.is_success() {
            Ok(v)
        } else {
            Err(ScreensError::Setup(format!(
                "{path} answered {status}: {text}"
            )))
        }
    }

    /// The gzip size of what `path` answers, bytes.
    async fn gzipped(&self, path: &str, accept: &str) -> Result<usize, ScreensError> {
        let body = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .header("accept", accept)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| ScreensError::Setup(e.to_string()))?
            .bytes()
            .await
            .map_err(|e| ScreensError::Setup(e.to_string()))?;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&body)?;
        Ok(gz.finish()?.len())
    }
}

/// Each courier's home: the store it waits at, `[lon, lat]`.
type Homes = Vec<(String, [f64; 2])>;

async fn measure(
    roads: Arc<RoadNetwork>,
    opts: &ScreensOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<BenchTable, ScreensError> {
    let dir = tempfile::tempdir()?;
    let (http, state, homes, tracking) = scene(roads, opts, &dir, progress).await?;
    let mut table = BenchTable {
        title: format!(
            "screens: {} open orders, {} couriers on duty each sending a fix a second for {} s",
            opts.orders, opts.couriers, opts.seconds
        ),
        judge: true,
        rows: Vec::new(),
    };
    weigh(&http, &tracking, &mut table).await?;

    progress("opening the console in Chromium and the tracking page in another");
    let console = Browser::start().await;
    console.resize(1280, 900).await;
    console
        .open(&format!("{}/login?next=/console", http.base))
        .await;
    console
        .run("document.getElementById('key').focus(); return true;")
        .await;
    console.keys(&format!("{}{ENTER}", http.key)).await;
    wait_for(&console, "return document.querySelector('h1') && document.querySelector('h1').textContent === 'Dispatch';").await?;
    let loads = console_loads(&console, &http.base, opts.loads).await?;
    let (lo, hi) = (min(&loads), max(&loads));
    table.check(
        format!("console shows its lists ({} loads), min / max", loads.len()),
        format!("{lo:.0} / {hi:.0} ms"),
        "≤ 1500 ms",
        hi <= 1500.0,
    );
    let console_frame = watch(&console, CONSOLE_WATCH).await?;
    let tracker = Browser::start().await;
    tracker.open(&format!("{}{}", http.base, tracking.1)).await;
    let tracking_frame = watch(&tracker, TRACKING_WATCH).await?;

    progress(&format!(
        "sending a fix a second for each of {} couriers for {} s",
        homes.len(),
        opts.seconds
    ));
    let sent = send_fixes(&http, &state.clock, &homes, opts.seconds).await;
    tokio::time::sleep(Duration::from_millis(GIVE_UP_MS as u64)).await;
    let rate = sent.len() as f64 / opts.seconds as f64;
    table.info("fixes sent", format!("{} ({rate:.0} a second)", sent.len()));

    let seen = moves(&console).await;
    let (late, missed) = lags(&sent, &seen, &console_frame, None);
    let p95 = percentile(&late, 0.95);
    table.check(
        "console: fix to marker moved, p50 / p95",
        format!(
            "{:.0} / {p95:.0} ms ({missed} of {} fixes not shown within 5 s)",
            percentile(&late, 0.5),
            sent.len()
        ),
        "p95 ≤ 1000 ms",
        p95 <= 1000.0 && missed * 100 <= sent.len(),
    );
    let seen = moves(&tracker).await;
    let (late, missed) = lags(&sent, &seen, &tracking_frame, Some(&tracking.0));
    let own = sent.iter().filter(|f| f.courier == tracking.0).count();
    let p95 = percentile(&late, 0.95);
    table.check(
        "tracking page: fix to marker moved, p50 / p95",
        format!(
            "{:.0} / {p95:.0} ms ({missed} of {own} fixes not shown within 5 s)",
            percentile(&late, 0.5)
        ),
        "p95 ≤ 2000 ms",
        p95 <= 2000.0 && !late.is_empty() && missed * 100 <= own,
    );
    let elsewhere =
        console.requests_elsewhere().await.len() + tracker.requests_elsewhere().await.len();
    table.check(
        "requests to other hosts",
        elsewhere.to_string(),
        "0",
        elsewhere == 0,
    );
    Ok(table)
}

/// The service with the sample chain grown to `opts.couriers` couriers, all on duty at
/// their stores, `opts.orders` open orders, a plan, and one order on its way whose
/// courier's next stop is its door: `(courier, tracking path)`.
async fn scene(
    roads: Arc<RoadNetwork>,
    opts: &ScreensOptions,
    dir: &tempfile::TempDir,
    progress: &mut dyn FnMut(&str),
) -> Result<(Http, AppState, Homes, (String, String)), ScreensError> {
    let store = SqliteStore::open(&dir.path().join("screens.db").to_string_lossy()).await?;
    let key = auth::new_secret("fr_key_");
    store
        .insert_api_key(&ApiKey {
            key_hash: auth::hash(&key),
            role: Role::Admin,
            courier_id: None,
            created_ms: NOON_MS,
            revoked_ms: None,
            name: "Bench dispatcher".to_string(),
        })
        .await?;
    for g in roads.profiles() {
        g.prepare_snapping();
    }
    let mut state = AppState::load(
        store.into(),
        roads,
        FixRules::default(),
        RateLimit::default(),
    )
    .await
    .map_err(ScreensError::Store)?;
    state.clock = running_clock();
    let chain = freshroute_sample::generate(freshroute_sample::DEFAULT_SEED, opts.couriers);
    load_sample_chain(&state, &chain, state.clock.now_ms())
        .await
        .map_err(|e| ScreensError::Setup(format!("{}: {}", e.code, e.message)))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(freshroute_service::serve(listener, router(state.clone())));
    tokio::spawn(freshroute_service::live::refresh_forever(state.clone()));
    let http = Http {
        base,
        key,
        client: reqwest::Client::new(),
    };
    progress(&format!(
        "{} couriers on duty at their stores",
        chain.couriers.len()
    ));
    let mut homes = Vec::new();
    for (k, c) in chain.couriers.iter().enumerate() {
        let home = chain.stores[k % chain.stores.len()].location.coordinates;
        http.call(
            "POST",
            &format!("/v1/couriers/{}/duty", c.id),
            Some(json!({"on_duty": true})),
        )
        .await?;
        fix(&http, &state.clock, &c.id, home).await?;
        homes.push((c.id.clone(), home));
    }
    progress(&format!("taking {} orders", opts.orders));
    take_orders(&http, &state.clock, &chain, opts.orders).await?;
    let started = Instant::now();
    http.call("POST", "/v1/plan", None).await?;
    progress(&format!("planned in {} ms", started.elapsed().as_millis()));
    let on_the_way = on_its_way(&http, &homes).await?;
    Ok((http, state, homes, on_the_way))
}

/// The service's clock: noon on the sample day, running at the system's pace.
fn running_clock() -> Clock {
    let clock = Clock::manual(NOON_MS);
    let ticking = clock.clone();
    let from = Instant::now();
    tokio::spawn(async move {
        loop {
            ticking.set_ms(NOON_MS + from.elapsed().as_millis() as i64);
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
    clock
}

async fn fix(
    http: &Http,
    clock: &Clock,
    courier: &str,
    at: [f64; 2],
) -> Result<Value, ScreensError> {
    let body = json!({"fixes": [{"courier_id": courier, "time": clock.now_ms(), "lat": at[1], "lon": at[0]}]});
    http.call("POST", "/v1/fixes", Some(body)).await
}

/// Takes `n` of the sample day's orders now.
async fn take_orders(
    http: &Http,
    clock: &Clock,
    chain: &freshroute_sample::SampleChain,
    n: usize,
) -> Result<(), ScreensError> {
    let now = clock.now_ms();
    let mut taken = 0;
    for o in freshroute_sample::orders::day(chain, freshroute_sample::DEFAULT_SEED, 400.0) {
        if taken == n {
            break;
        }
        let body = json!({
            "id": o.id, "store_id": o.store_id,
            "customer": {"name": "Customer", "address": format!("near {}", o.store_id),
                "location": {"type": "Point", "coordinates": o.location.coordinates}},
            "items": o.items,
            "ready_at": iso(now + o.prep_s * 1000),
            "promised_by": iso(now + o.promise_s * 1000),
        });
        // An order the chain's rules refuse (a door in the river) is left out.
        if http.call("POST", "/v1/orders", Some(body)).await.is_ok() {
            taken += 1;
        }
    }
    if taken < n {
        return Err(ScreensError::Setup(format!(
            "only {taken} orders were taken"
        )));
    }
    Ok(())
}

/// An order given to a courier and picked up (a pickup is not checked against where the
/// courier is), planned again, until one's courier heads to its door next: `(courier,
/// tracking path)`.
async fn on_its_way(http: &Http, homes: &Homes) -> Result<(String, String), ScreensError> {
    let placed = http
        .call("GET", "/v1/orders?status=placed&limit=10", None)
        .await?;
    let orders = placed["features"].as_array().cloned().unwrap_or_default();
    for (o, (courier, _)) in orders.iter().zip(homes) {
        let Some(id) = o["id"].as_str() else {
            continue;
        };
        let status = format!("/v1/orders/{id}/status");
        let given = json!({"status": "assigned", "courier_id": courier});
        if http.call("POST", &status, Some(given)).await.is_err() {
            continue;
        }
        http.call("POST", &status, Some(json!({"status": "picked_up"})))
            .await?;
        http.call("POST", "/v1/plan", None).await?;
        let link = http
            .call("POST", &format!("/v1/orders/{id}/tracking"), None)
            .await?;
        let Some(path) = link["tracking"]["path"].as_str() else {
            continue;
        };
        // The live routes follow the new plan within a moment.
        for _ in 0..20 {
            let seen = http.call("GET", path, None).await?;
            if !seen["courier_position"].is_null() {
                return Ok((courier.clone(), path.to_string()));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    Err(ScreensError::Setup(
        "no picked-up order had its courier heading to its door".to_string(),
    ))
}

/// The compressed weight of the tracking page and the console, each with its script.
async fn weigh(
    http: &Http,
    tracking: &(String, String),
    table: &mut BenchTable,
) -> Result<(), ScreensError> {
    let pages = [
        ("tracking page", tracking.1.as_str(), "track.js", 100.0),
        ("console", "/console", "console.js", 600.0),
    ];
    for (what, path, script, limit) in pages {
        let page = http.gzipped(path, "text/html").await?;
        let script = http.gzipped(&format!("/assets/{script}"), "*/*").await?;
        let kb = (page + script) as f64 / 1024.0;
        table.check(
            format!("{what} with its map and script, gzip"),
            format!("{kb:.1} KB"),
            format!("≤ {limit:.0} KB"),
            kb <= limit,
        );
    }
    Ok(())
}

/// Opens the console `n` times: each time, from the start of navigation to the end of
/// its load, ms (its lists are drawn by the server, so shown by then).
async fn console_loads(browser: &Browser, base: &str, n: usize) -> Result<Vec<f64>, ScreensError> {
    let mut out = Vec::new();
    for _ in 0..n {
        browser.open(&format!("{base}/console")).await;
        let v = wait_for(browser, "const n = performance.getEntriesByType('navigation')[0]; return n && n.loadEventEnd > 0 && n.loadEventEnd;").await?;
        out.push(v.as_f64().unwrap_or(f64::NAN));
    }
    Ok(out)
}

/// Records every move of the console's courier markers: `[courier, transform, when]`.
const CONSOLE_WATCH: &str = "window.__moves = [];
  const seen = new MutationObserver(ms => { const t = Date.now();
    for (const m of ms) { window.__moves.push([m.target.getAttribute('data-courier'), m.target.style.transform, t]); } });
  document.querySelectorAll('circle.courier').forEach(c => seen.observe(c, {attributes: true, attributeFilter: ['style']}));
  return document.querySelector('.map svg').getAttribute('data-frame');";

/// Records every move of the tracking page's courier: `[null, 'cx cy', when]`.
const TRACKING_WATCH: &str = "window.__moves = [];
  const c = document.querySelector('svg .courier');
  const seen = new MutationObserver(() => { window.__moves.push([null, c.getAttribute('cx') + ' ' + c.getAttribute('cy'), Date.now()]); });
  seen.observe(c, {attributes: true, attributeFilter: ['cx', 'cy']});
  return document.querySelector('svg[data-frame]').getAttribute('data-frame');";

/// Starts recording moves on the page; its map's frame.
async fn watch(browser: &Browser, script: &str) -> Result<Value, ScreensError> {
    let frame = browser.run(script).await;
    frame
        .as_str()
        .and_then(|f| serde_json::from_str(f).ok())
        .ok_or_else(|| ScreensError::Setup(format!("no map on the page: {frame}")))
}

/// A move seen in the browser: the courier (none on the tracking page), where, when.
struct Move {
    courier: Option<String>,
    at: (f64, f64),
    ms: i64,
}

async fn moves(browser: &Browser) -> Vec<Move> {
    let v = browser.run("return window.__moves;").await;
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| {
            let text = m[1].as_str()?;
            let nums: Vec<f64> = text
                .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
                .filter_map(|t| t.parse().ok())
                .collect();
            Some(Move {
                courier: m[0].as_str().map(str::to_string),
                at: (*nums.first()?, *nums.get(1)?),
                ms: m[2].as_i64()?,
            })
        })
        .collect()
}

/// A fix sent: whose, where, when (system clock, ms).
struct Sent {
    courier: String,
    at: [f64; 2],
    ms: i64,
}

/// Every courier sends a fix a second for `seconds` s, spread over each second,
/// moving about 8 m a second east then back west, never twice in a row at one place (a
/// marker that does not move cannot be timed).
async fn send_fixes(http: &Http, clock: &Clock, homes: &Homes, seconds: u64) -> Vec<Sent> {
    let n = homes.len().max(1) as u64;
    let mut tasks = Vec::new();
    for (k, (courier, home)) in homes.iter().cloned().enumerate() {
        let http = Http {
            base: http.base.clone(),
            key: http.key.clone(),
            client: http.client.clone(),
        };
        let clock = clock.clone();
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(1000 * k as u64 / n)).await;
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            let mut sent = Vec::new();
            for s in 0..seconds {
                tick.tick().await;
                let east = (s % 20) as f64;
                let step = if east < 10.0 { east + 1.0 } else { 19.0 - east };
                let at = [home[0] + STEP_DEG * step, home[1]];
                let ms = freshroute_service::now_ms();
                // A fix the service filters out (too fast, say) moves nothing: not counted.
                let answer = fix(&http, &clock, &courier, at).await;
                if answer.is_ok_and(|v| v["accepted"] == 1) {
                    sent.push(Sent {
                        courier: courier.clone(),
                        at,
                        ms,
                    });
                }
            }
            sent
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        if let Ok(sent) = t.await {
            all.extend(sent);
        }
    }
    all
}

/// For each fix (of `only` courier, or every one), how long until its marker stood where
/// this fix or a later one of the same courier (sent by then) puts it, ms: a page that
/// skips to a newer fix has shown this one's news; and how many fixes it never did
/// within 5 s. (Where a courier turns back, a later fix may stand where an earlier one
/// did; a marker still on that earlier place would then count as shown.)
fn lags(sent: &[Sent], moves: &[Move], frame: &Value, only: Option<&str>) -> (Vec<f64>, usize) {
    let f = |k: &str| frame[k].as_f64().unwrap_or(0.0);
    let (w, h, east, north, cx, cy, scale) = (
        f("w"),
        f("h"),
        f("east"),
        f("north"),
        f("cx"),
        f("cy"),
        f("scale"),
    );
    let origin = [
        frame["origin"][0].as_f64().unwrap_or(0.0),
        frame["origin"][1].as_f64().unwrap_or(0.0),
    ];
    let place = |at: [f64; 2]| {
        (
            w / 2.0 + ((at[0] - origin[0]) * east - cx) * scale,
            h / 2.0 - ((at[1] - origin[1]) * north - cy) * scale,
        )
    };
    let mut lags = Vec::new();
    let mut missed = 0;
    let mine = |s: &Sent| only.is_none_or(|c| c == s.courier);
    for s in sent.iter().filter(|s| mine(s)) {
        let news: Vec<(i64, (f64, f64))> = sent
            .iter()
            .filter(|l| l.courier == s.courier && l.ms >= s.ms && l.ms <= s.ms + GIVE_UP_MS)
            .map(|l| (l.ms, place(l.at)))
            .collect();
        let shown = moves.iter().find(|m| {
            m.ms >= s.ms
                && m.ms <= s.ms + GIVE_UP_MS
                && (only.is_some() || m.courier.as_deref() == Some(s.courier.as_str()))
                && news.iter().any(|&(sent_ms, (x, y))| {
                    sent_ms <= m.ms && (m.at.0 - x).abs() <= 0.11 && (m.at.1 - y).abs() <= 0.11
                })
        });
        match shown {
            Some(m) => lags.push((m.ms - s.ms) as f64),
            None => missed += 1,
        }
    }
    (lags, missed)
}

async fn wait_for(browser: &Browser, script: &str) -> Result<Value, ScreensError> {
    let from = Instant::now();
    loop {
        let v = browser.run(script).await;
        if !(v.is_null() || v == json!(false)) {
            return Ok(v);
        }
        if from.elapsed() > Duration::from_secs(20) {
            return Err(ScreensError::Setup(format!(
                "waited 20 s in the browser for: {script}"
            )));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn min(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::INFINITY, f64::min)
}

fn max(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}
