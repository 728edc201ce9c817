//! Transfer proposals through the service, from the stock event to the stored proposals:
//! a region of shops on the bundled city's roads selling the sample catalog's articles
//! (repeated to the size asked), their lots in an embedded ledger, a round's store
//! models stored; then, run after run, a sale at one shop followed by
//! `POST /v1/transfers/propose`, timed from request to answer (the ledger's stock and
//! the transfers on their way read, the store models read, the drive table on the
//! roads, the model, the proposals stored).

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use freshroute_roads::RoadNetwork;
use freshroute_sample::catalog::{Catalog, Zone};
use freshroute_service::rounds::ProcurementData;
use freshroute_service::rules::FixRules;
use freshroute_service::{AppState, Clock, RateLimit, auth, router};
use freshroute_solver::procurement::{Article, Rates, StoreProblem};
use freshroute_store::{
    ApiKey, Ledger, Lot, MoveKind, ProcurementRound, Purchasing, Role, Shop, SqliteStore, StockLot,
    Storage, StorageZone, StoreModel, Take,
};
use http_body_util::BodyExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tower::ServiceExt;

use crate::transfers::TransferOptions;

/// 2026-12-01 09:00 UTC: the morning the region is planned.
const MORNING_MS: i64 = 1_796_115_600_000;
const TODAY: &str = "2026-12-01";

/// What the runs measured.
#[derive(Debug, Clone, Default)]
pub struct ServiceFigures {
    /// Seconds per proposal, request to answer.
    pub secs: Vec<f64>,
    /// Transfers proposed per run.
    pub transfers: Vec<usize>,
}

/// Runs `o.runs` stock events through a service on `roads` with the procurement data
/// of `data_dir`.
pub async fn run(
    o: &TransferOptions,
    roads: Arc<RoadNetwork>,
    data_dir: &Path,
) -> Result<ServiceFigures, String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let dir = tempfile::tempdir().map_err(|e| err(&e))?;
    let path = dir.path().join("transfers.db");
    let store: freshroute_store::AnyStore = SqliteStore::open(&path.to_string_lossy())
        .await
        .map_err(|e| err(&e))?
        .into();
    let mut data = ProcurementData::load(data_dir).map_err(|e| err(&e))?;
    data.catalog = catalog_of(&data.catalog, o.articles);
    let mut rng = StdRng::seed_from_u64(11);
    let shops = shops(&roads, o.stores, &mut rng);
    for s in &shops {
        store.insert_shop(s).await.map_err(|e| err(&e))?;
    }
    let mut models = Vec::with_capacity(shops.len());
    for s in &shops {
        let (lots, model) = stock_and_model(&data.catalog, s, &mut rng);
        store
            .count(&s.id, &lots, "bench", MORNING_MS)
            .await
            .map_err(|e| err(&e))?;
        models.push(StoreModel {
            round_id: "R-bench".to_string(),
            shop_id: s.id.clone(),
            model: serde_json::to_value(&model).map_err(|e| err(&e))?,
            objective_cents: 0,
        });
    }
    let round = ProcurementRound {
        id: "R-bench".to_string(),
        plan_date: TODAY.to_string(),
        actor: "bench".to_string(),
        started_ms: MORNING_MS,
        finished_ms: MORNING_MS,
        report: serde_json::json!({}),
    };
    store
        .record_round(&round, &models, &[], &[])
        .await
        .map_err(|e| err(&e))?;
    let key = auth::new_secret("fr_key_");
    store
        .insert_api_key(&ApiKey {
            key_hash: auth::hash(&key),
            role: Role::Planner,
            courier_id: None,
            created_ms: 0,
            revoked_ms: None,
            name: String::new(),
        })
        .await
        .map_err(|e| err(&e))?;
    let mut state = AppState::load(
        store.clone(),
        roads,
        FixRules::default(),
        RateLimit::default(),
    )
    .await
    .map_err(|e| err(&e))?;
    state.clock = Clock::manual(MORNING_MS);
    state.procurement = Some(Arc::new(data));
    let skus: Vec<(String, StorageZone)> = state
        .procurement
        .as_ref()
        .map(|d| {
            d.catalog
                .skus
                .iter()
                .map(|s| (s.id.clone(), storage_zone(s.zone)))
                .collect()
        })
        .unwrap_or_default();
    let app = router(state);
    let mut figures = ServiceFigures::default();
    for run in 0..o.runs {
        // The stock event: a sale at one shop.
        let (sku, zone) = &skus[rng.random_range(0..skus.len())];
        let take = Take {
            shop_id: shops[rng.random_range(0..shops.len())].id.clone(),
            zone: *zone,
            sku: sku.clone(),
            units: 3,
            kind: MoveKind::Sold,
            today: TODAY.to_string(),
            reference: None,
            actor: "bench".to_string(),
            at_ms: MORNING_MS,
        };
        store.take_oldest_first(&take).await.map_err(|e| err(&e))?;
        let request = axum::http::Request::post("/v1/transfers/propose")
            .header("authorization", format!("Bearer {key}"))
            .body(Body::empty())
            .map_err(|e| err(&e))?;
        let started = Instant::now();
        let answer = app.clone().oneshot(request).await.map_err(|e| err(&e))?;
        let status = answer.status();
        let bytes = answer
            .into_body()
            .collect()
            .await
            .map_err(|e| err(&e))?
            .to_bytes();
        figures.secs.push(started.elapsed().as_secs_f64());
        let body: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| err(&e))?;
        if !status.is_success() {
            return Err(format!("run {run}: {status}: {body}"));
        }
        let n = body["transfers"].as_array().map_or(0, Vec::len);
        figures.transfers.push(n);
        eprintln!(
            "  service run {} of {}: {:.3} s, {n} transfers",
            run + 1,
            o.runs,
            figures.secs.last().copied().unwrap_or(0.0)
        );
    }
    Ok(figures)
}

/// The catalog's articles repeated (`ID`, `ID-1`, `ID-2` …) to `n`, each with its offers.
fn catalog_of(c: &Catalog, n: usize) -> Catalog {
    let mut out = c.clone();
    out.skus.clear();
    out.offers.clear();
    out.recipes.clear();
    for i in 0..n {
        let base = &c.skus[i % c.skus.len()];
        let round = i / c.skus.len();
        let id = if round == 0 {
            base.id.clone()
        } else {
            format!("{}-{round}", base.id)
        };
        for offer in c.offers.iter().filter(|o| o.sku == base.id) {
            let mut offer = offer.clone();
            offer.sku = id.clone();
            out.offers.push(offer);
        }
        let mut sku = base.clone();
        sku.id = id;
        out.skus.push(sku);
    }
    out
}

/// Shops on the roads within 4 km of the middle of Porto.
fn shops(roads: &RoadNetwork, n: usize, rng: &mut StdRng) -> Vec<Shop> {
    (0..n)
        .map(|i| {
            let (lat, lon) = crate::replan::near(roads, rng, (41.1496, -8.6110), 4_000.0);
            Shop {
                id: format!("shop-{i:02}"),
                name: format!("Shop {i}"),
                address: String::new(),
                lat,
                lon,
                snapped: serde_json::json!({}),
                opening_hours: serde_json::json!([]),
                frozen_litres: 400,
                chilled_litres: 900,
                ambient_litres: 3_000,
                created_ms: 0,
                time_zone: "Europe/Lisbon".to_string(),
                retired_ms: None,
            }
        })
        .collect()
}

pub(crate) fn storage_zone(z: Zone) -> StorageZone {
    match z {
        Zone::Frozen => StorageZone::Frozen,
        Zone::Chilled => StorageZone::Chilled,
        Zone::Ambient => StorageZone::Ambient,
    }
}

/// A shop's lots and its store model, each article's stock drawn as `bench transfers`
/// draws it.
fn stock_and_model(c: &Catalog, shop: &Shop, rng: &mut StdRng) -> (Vec<StockLot>, StoreProblem) {
    let mut lots = Vec::new();
    let mut articles = Vec::with_capacity(c.skus.len());
    let day = |days_left: i64| {
        (chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default()
            + chrono::Duration::days(days_left - 1))
        .to_string()
    };
    for (k, sku) in c.skus.iter().enumerate() {
        let (rate, drawn) = crate::transfers::drawn_stock(rng);
        for (j, l) in drawn.iter().enumerate() {
            let number = format!("{}-{k}-{j}", shop.id);
            lots.push(StockLot {
                lot: Lot {
                    id: Lot::supplier_lot_id(&sku.id, &number),
                    sku: sku.id.clone(),
                    lot_number: number,
                    expiry_date: day(i64::from(l.days_left)),
                    po_id: None,
                    made_by: None,
                    recalled_ms: None,
                    created_ms: MORNING_MS,
                    expires_ms: None,
                },
                shop_id: shop.id.clone(),
                zone: storage_zone(sku.zone),
                units: l.units as i64,
            });
        }
        articles.push(Article {
            id: sku.id.clone(),
            zone: freshroute_procurement::round::zone_index(sku.zone),
            shelf_life_days: sku.shelf_life_days as u32,
            unit_ml: sku.unit_ml,
            case_pack: sku.case_pack,
            demand: (0..14).map(|_| rate * rng.random_range(0.8..1.2)).collect(),
            // The 90th percentile of a Poisson count less its mean.
            safety: vec![1.28 * rate.sqrt(); 14],
            stock: Vec::new(),
            on_order: Vec::new(),
            offers: Vec::new(),
            lost_sale_cents: 0,
        });
    }
    let model = StoreProblem {
        horizon_days: 14,
        articles,
        suppliers: Vec::new(),
        zone_capacity_ml: vec![400_000, 900_000, 3_000_000],
        rates: Rates::default(),
        time_limit_s: 10.0,
        mip_gap: 0.005,
        integer_days: 1,
        fixed: Vec::new(),
    };
    (lots, model)
}

/// The service's rows of the `bench transfers` table.
pub fn rows(t: &mut crate::BenchTable, through: &Result<ServiceFigures, String>, runs: usize) {
    let target = crate::transfers::TARGET_PROPOSAL_S;
    match through {
        Ok(f) => {
            let p95 = crate::simulate::percentile(&f.secs, 0.95);
            t.check(
                "proposal through the service, a sale to the proposals stored, p95 (median)",
                format!(
                    "{:.3} s ({:.3} s)",
                    p95,
                    crate::simulate::percentile(&f.secs, 0.5)
                ),
                format!("≤ {target} s"),
                p95 <= target && f.secs.len() == runs,
            );
            t.info(
                "transfers proposed through the service, per run",
                format!(
                    "{:.1}",
                    f.transfers.iter().sum::<usize>() as f64 / runs.max(1) as f64
                ),
            );
        }
        Err(e) => t.check(
            "proposal through the service, a sale to the proposals stored, p95 (median)",
            format!("not measured: {e}"),
            format!("≤ {target} s"),
            false,
        ),
    }
}
