//! Alert lines per store and article: the stock that covers the forecast until the next
//! delivery can arrive, plus the safety stock, from the latest round's model of the
//! store, unless a planner set one by hand. A sale that takes a store's stock of an
//! article from at or above its line to below it is recorded as a crossing, an event.

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::extract::{Path, Query, State};
use freshroute_solver::procurement::StoreProblem;
use freshroute_store::{AlertLine, Crossing, Ledger, Purchasing, StockAlerts, Storage, StoreError};
use serde::{Deserialize, Serialize};

use crate::ApiError;
use crate::auth::Caller;
use crate::error::ErrorBody;
use crate::state::AppState;
use crate::stock::{STOCK_KEEPERS, window_ms, zone_of_article};

/// Each article's line from a store's model: the forecast until the first day after
/// today a delivery of it can arrive (the horizon's end when none can), plus the safety
/// stock wanted that day, rounded up to whole units.
pub(crate) fn derived(problem: &StoreProblem) -> BTreeMap<String, i64> {
    let horizon = problem.horizon_days as usize;
    problem
        .articles
        .iter()
        .map(|a| {
            let next = a
                .offers
                .iter()
                .filter_map(|(s, _)| {
                    problem
                        .suppliers
                        .get(*s)?
                        .arrival_days(horizon)
                        .find(|&t| t >= 1)
                })
                .min()
                .unwrap_or(horizon)
                .min(a.demand.len());
            let cover: f64 = a.demand[..next].iter().sum();
            let safety = a.safety.get(next.saturating_sub(1)).copied().unwrap_or(0.0);
            (a.id.clone(), (cover + safety).max(0.0).ceil() as i64)
        })
        .collect()
}

/// A store's lines by article, and where each comes from (`forecast` or `hand`).
pub(crate) type Lines = BTreeMap<String, (i64, &'static str)>;

/// A store's lines: the latest round's, those set by hand over them.
pub(crate) async fn lines_of(state: &AppState, shop_id: &str) -> Result<Lines, StoreError> {
    let mut lines = Lines::new();
    let model = match state.store.latest_round().await? {
        Some(round) => state.store.store_model(&round.id, shop_id).await?,
        None => None,
    };
    // A model that does not read (an older shape) gives no lines, not an error.
    if let Some(problem) = model.and_then(|m| serde_json::from_value::<StoreProblem>(m.model).ok())
    {
        for (sku, units) in derived(&problem) {
            lines.insert(sku, (units, "forecast"));
        }
    }
    for l in state.store.alert_lines(shop_id).await? {
        lines.insert(l.sku, (l.units, "hand"));
    }
    Ok(lines)
}

/// Lines of the stores a batch of sales touches, each read once.
#[derive(Default)]
pub(crate) struct LinesSeen(HashMap<String, Lines>);

impl LinesSeen {
    /// Records a crossing when `taken` units of `sku` just left `shop_id` across its line.
    pub(crate) async fn after_take(
        &mut self,
        state: &AppState,
        shop_id: &str,
        sku: &str,
        taken: i64,
    ) -> Result<(), StoreError> {
        if taken <= 0 {
            return Ok(());
        }
        if !self.0.contains_key(shop_id) {
            let lines = lines_of(state, shop_id).await?;
            self.0.insert(shop_id.to_string(), lines);
        }
        let Some(&(line, _)) = self.0.get(shop_id).and_then(|l| l.get(sku)) else {
            return Ok(());
        };
        let after: i64 = on_hand(state, shop_id)
            .await?
            .get(sku)
            .copied()
            .unwrap_or(0);
        if after < line && after + taken >= line {
            let at_ms = state.clock.now_ms();
            let c = Crossing {
                id: 0,
                shop_id: shop_id.to_string(),
                sku: sku.to_string(),
                line,
                on_hand: after,
                at_ms,
            };
            state.store.record_crossing(&c).await?;
            // A crossing calls for transfers: the proposer runs at once.
            state.transfer_wake.notify_one();
            tracing::warn!(
                store = shop_id,
                sku,
                line,
                on_hand = after,
                "stock fell below its alert line"
            );
        }
        Ok(())
    }
}

/// Units on hand at a store by article, every zone and lot together.
async fn on_hand(state: &AppState, shop_id: &str) -> Result<BTreeMap<String, i64>, StoreError> {
    let mut by_sku = BTreeMap::new();
    for l in state.store.stock(Some(shop_id)).await? {
        *by_sku.entry(l.lot.sku).or_default() += l.units;
    }
    Ok(by_sku)
}

/// An article's line at a store.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct LineView {
    sku: String,
    /// Units below which the store hears of it.
    units: i64,
    /// `forecast` (cover until the next delivery plus safety stock, from the latest
    /// round) or `hand` (set by a planner).
    source: &'static str,
    /// Units on hand now.
    on_hand: i64,
    /// Whether the stock is below the line now.
    below: bool,
}

/// A store's alert lines.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct LineList {
    lines: Vec<LineView>,
}

async fn line_list(state: &AppState, shop_id: &str) -> Result<LineList, ApiError> {
    let held = on_hand(state, shop_id).await?;
    let lines = lines_of(state, shop_id)
        .await?
        .into_iter()
        .map(|(sku, (units, source))| {
            let on_hand = held.get(&sku).copied().unwrap_or(0);
            LineView {
                below: on_hand < units,
                sku,
                units,
                source,
                on_hand,
            }
        })
        .collect();
    Ok(LineList { lines })
}

async fn known_store(state: &AppState, id: &str) -> Result<(), ApiError> {
    match state.store.shop(id).await? {
        Some(_) => Ok(()),
        None => Err(crate::shops::unknown_shop(id)),
    }
}

/// A store's alert lines, each beside its stock now.
#[utoipa::path(get, path = "/v1/stores/{id}/alert-lines", tag = "procurement",
    params(("id" = String, Path, description = "The store")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Each article's line, where it comes from, and the stock now", body = LineList),
        (status = 404, description = "No such store (`unknown_store`)", body = ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<LineList>, ApiError> {
    caller.require(&STOCK_KEEPERS)?;
    known_store(&state, &id).await?;
    Ok(Json(line_list(&state, &id).await?))
}

/// A line set by hand, or cleared.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LineSet {
    /// Whole units (0 to 1,000,000); `null` clears the hand-set line, and the
    /// forecast's applies again.
    units: Option<f64>,
}

/// Sets an article's alert line at a store by hand, or clears it.
#[utoipa::path(put, path = "/v1/stores/{id}/alert-lines/{sku}", tag = "procurement",
    params(("id" = String, Path, description = "The store"), ("sku" = String, Path, description = "The article")),
    request_body = LineSet, security(("api_key" = [])),
    responses(
        (status = 200, description = "The store's lines now", body = LineList),
        (status = 404, description = "No such store (`unknown_store`)", body = ErrorBody),
        (status = 422, description = "An article the catalog does not name (`unknown_article`), units not whole or out of range (`invalid_units`)", body = ErrorBody),
    ))]
pub(crate) async fn set(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, sku)): Path<(String, String)>,
    body: Result<Json<LineSet>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<LineList>, ApiError> {
    caller.require(&STOCK_KEEPERS)?;
    let Json(b) = body?;
    known_store(&state, &id).await?;
    if state
        .procurement
        .as_deref()
        .is_some_and(|d| zone_of_article(d, &sku).is_none())
    {
        return Err(ApiError::unprocessable(
            "unknown_article",
            format!("{sku:?} is not an article of the catalog"),
        )
        .at("sku"));
    }
    match b.units {
        None => {
            state.store.clear_alert_line(&id, &sku).await?;
        }
        Some(u) if u.is_finite() && u.fract() == 0.0 && (0.0..=1.0e6).contains(&u) => {
            let line = AlertLine {
                shop_id: id.clone(),
                sku: sku.clone(),
                units: u as i64,
                actor: caller.by_key(),
                set_ms: state.clock.now_ms(),
            };
            state.store.set_alert_line(&line).await?;
        }
        Some(u) => {
            return Err(ApiError::unprocessable(
                "invalid_units",
                format!("{u} units: a line is whole units, 0 to 1,000,000"),
            )
            .at("units"));
        }
    }
    Ok(Json(line_list(&state, &id).await?))
}

/// Which crossings.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct CrossingQuery {
    /// The last hours (1 to 720) [default: 24].
    within_hours: Option<i64>,
}

/// A stock falling below its alert line.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct CrossingView {
    id: i64,
    store_id: String,
    sku: String,
    /// The line crossed.
    line: i64,
    /// Units left.
    on_hand: i64,
    /// When, ISO 8601 with its offset.
    at: String,
}

/// Crossings of the last hours.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct CrossingList {
    crossings: Vec<CrossingView>,
}

/// The alert lines crossed lately, oldest first.
#[utoipa::path(get, path = "/v1/stock/alerts", tag = "procurement", params(CrossingQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Each crossing: store, article, line, units left, when", body = CrossingList),
        (status = 400, description = "Hours out of range (`invalid_hours`)", body = ErrorBody),
    ))]
pub(crate) async fn crossings(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<CrossingQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<CrossingList>, ApiError> {
    caller.require(&STOCK_KEEPERS)?;
    let Query(q) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let window = window_ms(q.within_hours)?;
    let since = state.clock.now_ms() - window;
    let crossings = state
        .store
        .crossings(since)
        .await?
        .into_iter()
        .map(|c| CrossingView {
            id: c.id,
            store_id: c.shop_id,
            sku: c.sku,
            line: c.line,
            on_hand: c.on_hand,
            at: state.time_zone.format(c.at_ms),
        })
        .collect();
    Ok(Json(CrossingList { crossings }))
}

#[cfg(test)]
mod tests {
    use freshroute_solver::procurement::{Article, Rates, StoreProblem, Supplier};

    use super::*;

    #[test]
    fn a_line_covers_the_forecast_until_the_next_delivery_and_the_safety_stock() {
        let supplier = |delivers: Vec<bool>| Supplier {
            id: "s".into(),
            lead_days: 1,
            delivers,
            min_order_cents: 0,
            fee_cents: 0,
            truck_ml: 1_000_000,
        };
        let article = |id: &str, offers: Vec<(usize, i64)>| Article {
            id: id.into(),
            zone: 0,
            shelf_life_days: 5,
            unit_ml: 100,
            case_pack: 6,
            demand: vec![4.0, 5.0, 6.0, 7.0],
            safety: vec![2.0, 2.5, 3.0, 3.5],
            stock: Vec::new(),
            on_order: Vec::new(),
            offers,
            lost_sale_cents: 500,
        };
        let problem = StoreProblem {
            horizon_days: 4,
            // The first delivers on day 2 only; the second never.
            suppliers: vec![
                supplier(vec![true, false, true, true]),
                supplier(vec![false; 4]),
            ],
            articles: vec![
                article("milk", vec![(0, 80)]),
                article("rare", vec![(1, 80)]),
            ],
            zone_capacity_ml: vec![1_000_000],
            rates: Rates::default(),
            time_limit_s: 1.0,
            mip_gap: 0.01,
            integer_days: 1,
            fixed: Vec::new(),
        };
        let lines = derived(&problem);
        // Milk: days 0 and 1 sold before day 2's delivery (9), safety of day 1 (2.5).
        assert_eq!(lines.get("milk"), Some(&12));
        // Nothing can come: the whole horizon (22) and its last safety (3.5).
        assert_eq!(lines.get("rare"), Some(&26));
    }
}
