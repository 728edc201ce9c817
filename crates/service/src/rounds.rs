//! Procurement rounds: the chain's catalog, sales and planned promotions read from a
//! folder, and a round run against what storage holds (the stores' room, the stock lots,
//! the orders on their way), its proposals stored in one transaction. A store whose
//! model fails (infeasible, no plan in time, a bad value) keeps its earlier proposals,
//! and the report says why.

use std::path::Path;
use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use freshroute_forecast::Panel;
use freshroute_formats::{DailySale, daily_demand, merge_daily};
use freshroute_procurement::proposals::{
    Expected, LineQuantity, OnHand, PlannedPromotion, Progress, RoundInput, StoreResult, StoreRoom,
    extend_panel, plan_round,
};
use freshroute_procurement::round::RoundOptions;
use freshroute_sample::catalog::Catalog;
use freshroute_sample::history::{History, history};
use freshroute_sample::{SampleChain, Zones};
use freshroute_store::{
    AnyStore, Ledger, PoStatus, ProcurementRound, PurchaseOrder, Purchasing, SaleDay, Sales,
    Storage, StoreModel, Transfers,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::ApiError;
use crate::time::Clock;

/// What rounds plan from: the catalog, the daily sales and the planned promotions.
#[derive(Debug, Clone)]
pub struct ProcurementData {
    /// Articles, suppliers, offers.
    pub catalog: Catalog,
    /// Daily sales per store × article.
    pub sales: Panel,
    /// The first day of sales.
    pub first: NaiveDate,
    /// The last day of sales.
    pub last: NaiveDate,
    /// Promotions planned, past and future.
    pub promotions: Vec<PlannedPromotion>,
}

/// A data folder that cannot be planned from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {code}: {message}")]
pub struct DataError {
    /// The file.
    pub path: String,
    /// Stable code.
    pub code: &'static str,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl ProcurementData {
    /// Reads `catalog.json`, `sales.csv.gz` (or `sales.csv`) and `promotions.csv` from
    /// `dir`, as `freshroute sample-procurement` writes them.
    pub fn load(dir: &Path) -> Result<Self, DataError> {
        let path = dir.join("catalog.json");
        let err = |path: &Path, code, message: String| DataError {
            path: path.display().to_string(),
            code,
            message,
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| err(&path, "unreadable_file", e.to_string()))?;
        let catalog: Catalog =
            serde_json::from_str(&text).map_err(|e| err(&path, "bad_catalog", e.to_string()))?;
        catalog
            .validate()
            .map_err(|e| err(&path, e.code, e.message))?;
        let mut sales_path = dir.join("sales.csv.gz");
        if !sales_path.exists() {
            sales_path = dir.join("sales.csv");
        }
        let demand = freshroute_formats::read_demand(&sales_path)
            .map_err(|e| err(&sales_path, e.code(), e.to_string()))?;
        if demand.kind != freshroute_formats::DemandKind::Daily {
            return Err(err(
                &sales_path,
                "not_daily_sales",
                "a round plans from daily sales per store × article".to_string(),
            ));
        }
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let (Some(first), Some(last)) = (
            demand.labels.first().and_then(|l| date(l)),
            demand.labels.last().and_then(|l| date(l)),
        ) else {
            return Err(err(
                &sales_path,
                "missing_section",
                "no sales rows".to_string(),
            ));
        };
        let path = dir.join("promotions.csv");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| err(&path, "unreadable_file", e.to_string()))?;
        let mut promotions = Vec::new();
        for (n, line) in text.lines().enumerate().skip(1) {
            if line.trim().is_empty() {
                continue;
            }
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            let bad = |what: String| err(&path, "bad_value", format!("line {}: {what}", n + 1));
            let [sku, a, b] = cells[..] else {
                return Err(bad(format!(
                    "{} columns: expected sku,first_day,last_day",
                    cells.len()
                )));
            };
            let (Some(a), Some(b)) = (date(a), date(b)) else {
                return Err(bad("dates must be YYYY-MM-DD".to_string()));
            };
            if a > b || !catalog.skus.iter().any(|s| s.id == sku) {
                return Err(bad(format!(
                    "{sku} {a} to {b}: the article must be in the catalog and the first day not after the last"
                )));
            }
            promotions.push(PlannedPromotion {
                sku: sku.to_string(),
                first: a,
                last: b,
            });
        }
        Ok(Self {
            catalog,
            sales: demand.panel,
            first,
            last,
            promotions,
        })
    }
}

impl ProcurementData {
    /// The sample chain's catalog, promotions and `days` days of sales ending on `last`,
    /// drawn from `seed`: the same for the same date, so a round for the day after `last`
    /// always has its history.
    pub fn sample(chain: &SampleChain, seed: u64, last: NaiveDate, days: usize) -> Self {
        let first = last - Duration::days(days as i64 - 1);
        let h = history(chain, seed, first, days);
        let rows: Vec<DailySale> = sales_rows(&h).collect();
        let demand = daily_demand(Path::new("the sample history"), &rows).unwrap_or_else(|_| {
            unreachable!("the generator writes one row per store, article and day")
        });
        let promotions = PlannedPromotion::of_history(&h);
        Self {
            catalog: h.catalog,
            sales: demand.panel,
            first,
            last,
            promotions,
        }
    }

    /// This data with the sales stores posted put in (a posted day replaces the
    /// history's; days after its last extend it).
    pub fn with_posted(&self, posted: &[SaleDay]) -> Result<Self, ApiError> {
        if posted.is_empty() {
            return Ok(self.clone());
        }
        let rows = posted
            .iter()
            .map(|p| {
                Ok(DailySale {
                    date: NaiveDate::parse_from_str(&p.date, "%Y-%m-%d")
                        .map_err(|e| corrupt("sales date", e.to_string()))?,
                    store: p.shop_id.clone(),
                    sku: p.sku.clone(),
                    units: p.units,
                    unit_value_cents: p.unit_value_cents,
                    promo: p.promo,
                    holiday: p.holiday,
                    temp_c: p.temp_c,
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        let (sales, last) = merge_daily(&self.sales, self.first, &rows);
        Ok(Self {
            sales,
            last,
            ..self.clone()
        })
    }

    /// The day's mean temperature as the history has it a year (52 weeks) before, for a
    /// posted day that does not say; 15 °C when the history is too short.
    pub(crate) fn temp_a_year_before(&self, date: NaiveDate) -> f64 {
        let t = (date - Duration::days(364) - self.first).num_days();
        let k = self.sales.covariates.len();
        match (usize::try_from(t), self.sales.series.first()) {
            (Ok(t), Some(s)) if k == 3 && t < self.sales.periods => s.known[t * 3 + 2] + 15.0,
            _ => 15.0,
        }
    }

    /// Whether a planned promotion covers the article on the date.
    pub(crate) fn promoted(&self, sku: &str, date: NaiveDate) -> bool {
        self.promotions
            .iter()
            .any(|p| p.sku == sku && p.first <= date && date <= p.last)
    }
}

/// A sample history's rows in the daily sales format.
pub fn sales_rows(h: &History) -> impl Iterator<Item = DailySale> + '_ {
    (0..h.days.len()).flat_map(move |d| {
        (0..h.stores.len()).flat_map(move |s| {
            h.catalog
                .skus
                .iter()
                .enumerate()
                .map(move |(k, sku)| DailySale {
                    date: h.days[d].date,
                    store: h.stores[s].clone(),
                    sku: sku.id.clone(),
                    units: h.units(d, s, k),
                    unit_value_cents: sku.revenue_cents,
                    promo: h.on_promotion(d, k),
                    holiday: h.days[d].holiday.is_some(),
                    temp_c: h.days[d].temp_c,
                })
        })
    })
}

/// The made articles' daily sales of a history, in the same rows as the bought ones'
/// (no till value of their own, never on promotion).
pub fn made_rows(h: &History) -> impl Iterator<Item = DailySale> + '_ {
    (0..h.days.len()).flat_map(move |d| {
        (0..h.stores.len()).flat_map(move |s| {
            h.catalog
                .recipes
                .iter()
                .enumerate()
                .map(move |(r, recipe)| DailySale {
                    date: h.days[d].date,
                    store: h.stores[s].clone(),
                    sku: recipe.id.clone(),
                    units: h.made_units(d, s, r),
                    unit_value_cents: 0,
                    promo: false,
                    holiday: h.days[d].holiday.is_some(),
                    temp_c: h.days[d].temp_c,
                })
        })
    })
}

/// What a round is asked for.
#[derive(Debug, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundRequest {
    /// The day orders are placed, YYYY-MM-DD.
    #[schema(value_type = String, example = "2026-12-01")]
    pub date: NaiveDate,
    /// Only these stores [default: every store with sales].
    #[serde(default)]
    pub stores: Option<Vec<String>>,
    /// Seconds one store's model may take (0.1 to 600) [default: 10].
    #[serde(default)]
    pub time_limit_s: Option<f64>,
}

/// How a store fared in a round.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StoreReport {
    /// The store.
    pub store: String,
    /// `optimal`, `within_gap`, `time_limit`, or the failure's code (its earlier
    /// proposals stand).
    pub status: String,
    /// The model's cost, cents.
    pub objective_cents: Option<i64>,
    /// Proposals made.
    pub orders: usize,
    /// Their value, cents.
    pub value_cents: i64,
    /// What was left out, or why it failed.
    #[schema(value_type = Vec<Object>)]
    pub notices: Vec<Value>,
}

/// A round's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RoundReport {
    /// The round.
    pub round_id: String,
    /// The day its orders are placed.
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    /// Per store.
    pub stores: Vec<StoreReport>,
    /// Proposals made.
    pub proposals: usize,
    /// Stores whose model failed: their earlier proposals stand.
    pub kept_earlier: Vec<String>,
    /// Seconds the round took.
    pub seconds: f64,
}

/// A purchase order's line as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredLine {
    /// What it orders now.
    #[serde(flatten)]
    pub quantity: LineQuantity,
    /// What the round proposed.
    pub proposed_cases: i64,
    /// Units received so far (an order stays open until every line is received).
    #[serde(default)]
    pub received_units: f64,
}

/// The lines of a stored order.
pub(crate) fn stored_lines(o: &PurchaseOrder) -> Result<Vec<StoredLine>, ApiError> {
    serde_json::from_value(o.lines.clone()).map_err(|e| {
        ApiError::from(freshroute_store::StoreError::Corrupt {
            what: "purchase-order lines",
            detail: e.to_string(),
        })
    })
}

fn corrupt(what: &'static str, detail: String) -> ApiError {
    ApiError::from(freshroute_store::StoreError::Corrupt { what, detail })
}

/// A fresh id: `PREFIX-YYYYMMDD-` and 8 random hex digits.
pub(crate) fn new_id(prefix: &str, date: NaiveDate) -> String {
    let mut bytes = [0u8; 4];
    // As for keys: without the OS's randomness nothing safe can be made.
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    format!("{prefix}-{}-{}", date.format("%Y%m%d"), hex::encode(bytes))
}

/// Runs a round on `data` against `store` and stores its proposals; `progress` hears of
/// each store as it is forecast and solved.
pub async fn run_round(
    store: &AnyStore,
    clock: &Clock,
    data: Arc<ProcurementData>,
    request: &RoundRequest,
    actor: &str,
    progress: Arc<dyn Fn(Progress) + Send + Sync>,
) -> Result<RoundReport, ApiError> {
    let started_ms = clock.now_ms();
    let started = std::time::Instant::now();
    let posted = store.sales_from(&data.first.to_string()).await?;
    let data = Arc::new(data.with_posted(&posted)?);
    let time_limit_s = request.time_limit_s.unwrap_or(10.0);
    if !(0.1..=600.0).contains(&time_limit_s) {
        return Err(ApiError::bad_request(
            "bad_time_limit",
            "time_limit_s must be 0.1 to 600 seconds",
        )
        .at("time_limit_s"));
    }
    let with_sales = |id: &str| {
        let prefix = format!("{id}/");
        data.sales.series.iter().any(|s| s.key.starts_with(&prefix))
    };
    let shops = store.shops().await?;
    let stores: Vec<StoreRoom> = match &request.stores {
        Some(wanted) => {
            let mut out = Vec::new();
            for (i, id) in wanted.iter().enumerate() {
                if wanted[..i].contains(id) {
                    return Err(ApiError::bad_request(
                        "duplicate_store",
                        format!("store {id:?} is named twice; name each store once"),
                    )
                    .at(format!("stores[{i}]")));
                }
                let shop = shops.iter().find(|s| &s.id == id).ok_or_else(|| {
                    ApiError::new(
                        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                        "unknown_store",
                        format!("no store {id:?}: see GET /v1/stores"),
                    )
                    .at(format!("stores[{i}]"))
                })?;
                if !with_sales(id) {
                    return Err(ApiError::new(
                        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                        "no_sales_history",
                        format!("store {id:?} has no sales in the procurement data"),
                    )
                    .at(format!("stores[{i}]")));
                }
                out.push(room(shop));
            }
            out
        }
        None => shops
            .iter()
            .filter(|s| s.retired_ms.is_none() && with_sales(&s.id))
            .map(room)
            .collect(),
    };
    if stores.is_empty() {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "no_stores",
            "no store of the database has sales in the procurement data: load the sample chain (freshroute serve does) or add the stores the sales name",
        ));
    }
    // Transfers on their way are the receiver's stock already (they left the donor's).
    let mut lots = store.stock(None).await?;
    lots.extend(store.on_the_way().await?);
    let on_hand = lots
        .into_iter()
        .map(|l| {
            Ok(OnHand {
                expiry: NaiveDate::parse_from_str(&l.lot.expiry_date, "%Y-%m-%d")
                    .map_err(|e| corrupt("lot expiry", e.to_string()))?,
                store: l.shop_id,
                sku: l.lot.sku,
                lot: l.lot.lot_number,
                units: l.units as f64,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let mut expected = Vec::new();
    for status in [PoStatus::Approved, PoStatus::Sent, PoStatus::Confirmed] {
        for o in store.purchase_orders(Some(status), None, u32::MAX).await? {
            let date = NaiveDate::parse_from_str(&o.delivery_date, "%Y-%m-%d")
                .map_err(|e| corrupt("delivery date", e.to_string()))?;
            for l in stored_lines(&o)? {
                // What is still to come: a line received in part expects the rest.
                let units = (l.quantity.units as f64 - l.received_units).max(0.0);
                if units > 0.0 {
                    expected.push(Expected {
                        store: o.shop_id.clone(),
                        sku: l.quantity.sku,
                        date,
                        units,
                    });
                }
            }
        }
    }
    let options = RoundOptions {
        time_limit_s,
        ..RoundOptions::default()
    };
    let date = request.date;
    let blocking_data = data.clone();
    let results = tokio::task::spawn_blocking(move || {
        let until = date + Duration::days(i64::from(options.horizon_days) - 1);
        let sales = extend_panel(
            &blocking_data.sales,
            blocking_data.first,
            until,
            &blocking_data.promotions,
        );
        let input = RoundInput {
            catalog: &blocking_data.catalog,
            sales: &sales,
            first: blocking_data.first,
            date,
            stores: &stores,
            on_hand: &on_hand,
            expected: &expected,
            options,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        plan_round(&input, blocking_data.last, &*progress)
    })
    .await
    .map_err(|e| {
        ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "round_failed",
            format!("the planning round stopped: {e}"),
        )
    })?
    .map_err(|issue| {
        let code: &'static str = match issue.code.as_str() {
            "history_too_short" => "history_too_short",
            "forecast_missing_days" => "forecast_missing_days",
            _ => "sales_missing_days",
        };
        ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            code,
            issue.message,
        )
        .at("date")
    })?;
    store_round(store, clock, date, actor, started_ms, started, results).await
}

fn room(shop: &freshroute_store::Shop) -> StoreRoom {
    StoreRoom {
        id: shop.id.clone(),
        room: Zones {
            frozen_litres: shop.frozen_litres,
            chilled_litres: shop.chilled_litres,
            ambient_litres: shop.ambient_litres,
        },
    }
}

/// What a round stores: the models solved, the stores whose open proposals it
/// replaces, its proposals, and per store its report; a store whose model failed is
/// neither replaced nor given proposals.
#[derive(Debug, Default)]
struct Records {
    models: Vec<StoreModel>,
    replaced: Vec<String>,
    orders: Vec<PurchaseOrder>,
    reports: Vec<StoreReport>,
    kept: Vec<String>,
}

async fn store_round(
    store: &AnyStore,
    clock: &Clock,
    date: NaiveDate,
    actor: &str,
    started_ms: i64,
    started: std::time::Instant,
    results: Vec<StoreResult>,
) -> Result<RoundReport, ApiError> {
    let round_id = new_id("pr", date);
    let Records {
        models,
        replaced,
        orders,
        reports,
        kept,
    } = records(&round_id, clock.now_ms(), results)?;
    let report = RoundReport {
        round_id: round_id.clone(),
        date,
        proposals: orders.len(),
        stores: reports,
        kept_earlier: kept,
        seconds: started.elapsed().as_secs_f64(),
    };
    let round = ProcurementRound {
        id: round_id,
        plan_date: date.to_string(),
        actor: actor.to_string(),
        started_ms,
        finished_ms: clock.now_ms(),
        report: json!(report),
    };
    store
        .record_round(&round, &models, &replaced, &orders)
        .await?;
    Ok(report)
}

fn records(round_id: &str, now: i64, results: Vec<StoreResult>) -> Result<Records, ApiError> {
    let round_id = round_id.to_string();
    let mut models = Vec::new();
    let mut replaced = Vec::new();
    let mut orders = Vec::new();
    let mut reports = Vec::new();
    let mut kept = Vec::new();
    for r in results {
        match r.outcome {
            Ok(p) => {
                let model = serde_json::to_value(&p.problem)
                    .map_err(|e| corrupt("store model", e.to_string()))?;
                models.push(StoreModel {
                    round_id: round_id.clone(),
                    shop_id: r.store.clone(),
                    model,
                    objective_cents: p.objective_cents.round() as i64,
                });
                replaced.push(r.store.clone());
                let value: i64 = p.orders.iter().map(|o| o.value_cents).sum();
                for (k, o) in p.orders.iter().enumerate() {
                    let lines: Vec<StoredLine> = o
                        .lines
                        .iter()
                        .map(|l| StoredLine {
                            quantity: l.quantity.clone(),
                            proposed_cases: l.quantity.cases,
                            received_units: 0.0,
                        })
                        .collect();
                    let explanation = json!({
                        "terms": o.why,
                        "lines": o.lines.iter().map(|l| json!({"sku": l.quantity.sku, "why": l.why})).collect::<Vec<_>>(),
                        "model": {
                            "status": p.status,
                            "objective_cents": p.objective_cents.round() as i64,
                            "overflow_litres": p.overflow_litres,
                        },
                    });
                    orders.push(PurchaseOrder {
                        id: format!("{round_id}-{}-{k}", r.store),
                        round_id: round_id.clone(),
                        shop_id: r.store.clone(),
                        supplier_id: o.supplier.clone(),
                        order_date: o.order_date.to_string(),
                        delivery_date: o.delivery_date.to_string(),
                        status: PoStatus::Proposed,
                        value_cents: o.value_cents,
                        lines: json!(lines),
                        explanation,
                        approvals: Vec::new(),
                        reason: None,
                        version: 1,
                        created_ms: now,
                        updated_ms: now,
                    });
                }
                reports.push(StoreReport {
                    store: r.store,
                    status: p.status.clone(),
                    objective_cents: Some(p.objective_cents.round() as i64),
                    orders: p.orders.len(),
                    value_cents: value,
                    notices: p.notices.iter().map(|n| json!(n)).collect(),
                });
            }
            Err(issue) => {
                kept.push(r.store.clone());
                reports.push(StoreReport {
                    store: r.store,
                    status: issue.code.clone(),
                    objective_cents: None,
                    orders: 0,
                    value_cents: 0,
                    notices: vec![json!(issue)],
                });
            }
        }
    }
    Ok(Records {
        models,
        replaced,
        orders,
        reports,
        kept,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use freshroute_procurement::proposals::RoundIssue;

    #[test]
    fn a_store_whose_model_failed_keeps_its_earlier_proposals() {
        let failed = StoreResult {
            store: "porto-aliados".to_string(),
            outcome: Err(RoundIssue {
                code: "no_plan".to_string(),
                message: "the MIP solver gave no plan: time limit".to_string(),
            }),
        };
        let r = records("pr-20261201-00000000", 5, vec![failed]).expect("records");
        assert!(
            r.replaced.is_empty(),
            "its open proposals are not superseded"
        );
        assert!(r.orders.is_empty() && r.models.is_empty());
        assert_eq!(r.kept, ["porto-aliados"]);
        assert_eq!(r.reports[0].status, "no_plan");
        assert_eq!(r.reports[0].notices[0]["code"], "no_plan");
    }
}
