//! GPS ingest under load: a real server on a local port, and a load generator in the
//! same process speaking HTTP/1.1 with keep-alive. Batches of fixes through the JSON
//! endpoint, then single OsmAnd reports as the Traccar Client sends them. Every fix
//! acknowledged is then counted back from storage.

use std::sync::Arc;
use std::time::{Duration, Instant};

use freshroute_roads::RoadNetwork;
use freshroute_service::rules::FixRules;
use freshroute_service::{AppState, RateLimit, auth, now_ms, router};
use freshroute_store::testing::TempPgDatabase;
use freshroute_store::{
    AnyStore, ApiKey, Courier, PgStore, Role, SqliteStore, Storage, StoreError,
};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::BenchTable;

/// What to run.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// `postgres://…` to run against a fresh database on that server; else a temporary SQLite file.
    pub postgres_url: Option<String>,
    /// Seconds of each phase.
    pub seconds: f64,
    /// Fixes per batch.
    pub batch_size: usize,
    /// Concurrent batch senders.
    pub batch_clients: usize,
    /// Concurrent OsmAnd senders, one courier each.
    pub osmand_clients: usize,
}

/// Why the benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The machine failed (runtime, socket, temporary file).
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// Devices each OsmAnd sender reports for, in turn.
const DEVICES_PER_SENDER: usize = 50;

#[derive(Debug, Default)]
struct Phase {
    acknowledged: u64,
    requests: u64,
    failures: u64,
    seconds: f64,
    latencies_us: Vec<u64>,
}

impl Phase {
    fn percentile_ms(&mut self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        self.latencies_us.sort_unstable();
        let k = ((self.latencies_us.len() - 1) as f64 * p).round() as usize;
        self.latencies_us[k] as f64 / 1000.0
    }
}

/// Runs both phases and returns the table.
/// `roads` is the city the service snaps positions to (ingest itself does not snap).
pub fn run_ingest(
    opts: &IngestOptions,
    roads: Arc<RoadNetwork>,
) -> Result<BenchTable, IngestError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        match &opts.postgres_url {
            Some(url) => {
                let db = TempPgDatabase::create(url).await?;
                let store = PgStore::connect(db.url()).await?;
                let table = measure(store.into(), opts, roads).await;
                db.drop_now().await?;
                table
            }
            None => {
                let dir = tempfile::tempdir()?;
                let path = dir.path().join("ingest.db");
                let store = SqliteStore::open(&path.to_string_lossy()).await?;
                measure(store.into(), opts, roads).await
            }
        }
    })
}

async fn measure(
    store: AnyStore,
    opts: &IngestOptions,
    roads: Arc<RoadNetwork>,
) -> Result<BenchTable, IngestError> {
    let backend = store.backend();
    let admin = auth::new_secret("fr_key_");
    store
        .insert_api_key(&ApiKey {
            key_hash: auth::hash(&admin),
            role: Role::Admin,
            courier_id: None,
            created_ms: now_ms(),
            revoked_ms: None,
            name: String::new(),
        })
        .await?;
    // Each OsmAnd sender speaks for many devices in turn, each about once a second or
    // less, as phones do, so the per-device flood limit is never what is measured.
    let couriers = opts
        .batch_clients
        .max(opts.osmand_clients * DEVICES_PER_SENDER);
    let mut secrets = Vec::with_capacity(couriers);
    for i in 0..couriers {
        let secret = auth::new_secret("fr_trk_");
        store
            .insert_courier(&Courier {
                id: format!("c{i}"),
                name: format!("Courier {i}"),
                profile: "car".to_string(),
                box_capacity: 10,
                skills: Vec::new(),
                time_zone: "UTC".to_string(),
                roster: Default::default(),
                duty: Some(freshroute_store::Duty {
                    on: true,
                    from_ms: 0,
                    until_ms: 1,
                }),
                device_id: format!("dev{i}"),
                secret_hash: auth::hash(&secret),
                created_ms: 0,
                retired_ms: None,
            })
            .await?;
        secrets.push(secret);
    }
    let state = AppState::load(
        store.clone(),
        roads,
        FixRules::default(),
        RateLimit::default(),
    )
    .await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let server = tokio::spawn(async move { axum::serve(listener, router(state)).await });
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let duration = Duration::from_secs_f64(opts.seconds);
    // Fix times far enough back that a whole run fits before now, one second apart per courier.
    let start_ms = now_ms() - 3 * 24 * 3600 * 1000;

    let size = opts.batch_size;
    let make_batch: Arc<MakeRequest> = Arc::new(move |i, round| {
        let fixes: Vec<String> = (0..size)
            .map(|k| {
                let n = (round * size + k) as i64;
                format!(
                    r#"{{"courier_id":"c{i}","time":{},"lat":{:.6},"lon":-8.61}}"#,
                    start_ms + n * 1000,
                    41.0 + n as f64 * 1e-5
                )
            })
            .collect();
        let body = format!(r#"{{"fixes":[{}]}}"#, fixes.join(","));
        let req = hyper::Request::post(format!("http://127.0.0.1:{port}/v1/fixes"))
            .header("authorization", format!("Bearer {admin}"))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)));
        (req, size as u64)
    });
    let mut batch = run_phase(opts.batch_clients, duration, make_batch, &client).await;

    // Single reports go to their own couriers' later hours, so they never repeat a batch fix.
    let osmand_from_s = (start_ms + 24 * 3600 * 1000) / 1000;
    let secrets = Arc::new(secrets);
    let make_report: Arc<MakeRequest> = Arc::new(move |i, round| {
        let device = i * DEVICES_PER_SENDER + round % DEVICES_PER_SENDER;
        let nth = (round / DEVICES_PER_SENDER) as i64;
        let t = osmand_from_s + nth;
        let lat = 41.0 + nth as f64 * 1e-5;
        let req = hyper::Request::get(format!(
            "http://127.0.0.1:{port}/osmand/{}?id=dev{device}&timestamp={t}&lat={lat:.6}&lon=-8.61&speed=10&accuracy=5&batt=80",
            secrets[device]
        ))
        .body(Full::new(Bytes::new()));
        (req, 1)
    });
    let mut osmand = run_phase(opts.osmand_clients, duration, make_report, &client).await;
    server.abort();

    // Every acknowledged fix must be in storage.
    let mut stored = 0u64;
    for i in 0..couriers {
        stored += store
            .fixes(&format!("c{i}"), i64::MIN, i64::MAX)
            .await?
            .len() as u64;
    }
    let acknowledged = batch.acknowledged + osmand.acknowledged;

    let mut t = BenchTable {
        title: format!(
            "freshroute bench ingest — {backend}, {} s per phase, {} batch senders × {} fixes, {} OsmAnd senders",
            opts.seconds, opts.batch_clients, opts.batch_size, opts.osmand_clients
        ),
        judge: true,
        rows: Vec::new(),
    };
    let batch_rate = batch.acknowledged as f64 / batch.seconds;
    t.check(
        "fixes per second through the batch endpoint",
        format!("{batch_rate:.0}"),
        "≥ 50000",
        batch_rate >= 50_000.0,
    );
    t.info(
        "batch latency p50 / p99",
        format!(
            "{:.1} / {:.1} ms",
            batch.percentile_ms(0.5),
            batch.percentile_ms(0.99)
        ),
    );
    let osmand_rate = osmand.acknowledged as f64 / osmand.seconds;
    t.check(
        "single OsmAnd reports per second",
        format!("{osmand_rate:.0}"),
        "≥ 5000",
        osmand_rate >= 5_000.0,
    );
    let p99 = osmand.percentile_ms(0.99);
    t.info(
        "OsmAnd latency p50",
        format!("{:.2} ms", osmand.percentile_ms(0.5)),
    );
    t.check(
        "OsmAnd latency p99",
        format!("{p99:.2} ms"),
        "≤ 20 ms",
        p99 <= 20.0,
    );
    t.verify(
        "requests failed",
        format!("{}", batch.failures + osmand.failures),
        "0",
        batch.failures + osmand.failures == 0,
    );
    t.verify(
        "acknowledged fixes found in storage",
        format!("{stored} of {acknowledged}"),
        "all",
        stored >= acknowledged,
    );
    t.info(
        "requests sent (batch / OsmAnd)",
        format!("{} / {}", batch.requests, osmand.requests),
    );
    Ok(t)
}

/// Builds request `round` of sender `client`, and the number of fixes it carries.
type MakeRequest = dyn Fn(usize, usize) -> (Result<hyper::Request<Full<Bytes>>, hyper::http::Error>, u64)
    + Send
    + Sync;

/// Runs `clients` senders, each a task, for `duration`.
async fn run_phase(
    clients: usize,
    duration: Duration,
    request: Arc<MakeRequest>,
    http: &HttpClient,
) -> Phase {
    let started = Instant::now();
    let mut senders = tokio::task::JoinSet::new();
    for i in 0..clients {
        let (request, http) = (request.clone(), http.clone());
        senders.spawn(async move {
            let mut phase = Phase::default();
            let mut round = 0;
            while started.elapsed() < duration {
                let (req, fixes) = request(i, round);
                round += 1;
                phase.requests += 1;
                let Ok(req) = req else {
                    phase.failures += 1;
                    continue;
                };
                let sent = Instant::now();
                let ok = match http.request(req).await {
                    Ok(res) => {
                        let status = res.status();
                        let _ = res.into_body().collect().await;
                        status.is_success()
                    }
                    Err(_) => false,
                };
                phase.latencies_us.push(sent.elapsed().as_micros() as u64);
                if ok {
                    phase.acknowledged += fixes;
                } else {
                    phase.failures += 1;
                }
            }
            phase
        });
    }
    let mut total = Phase::default();
    while let Some(done) = senders.join_next().await {
        match done {
            Ok(p) => {
                total.acknowledged += p.acknowledged;
                total.requests += p.requests;
                total.failures += p.failures;
                total.latencies_us.extend(p.latencies_us);
            }
            Err(_) => total.failures += 1,
        }
    }
    total.seconds = started.elapsed().as_secs_f64();
    total
}
