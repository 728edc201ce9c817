//! Lots over HTTP, for planners: a lot's trace both ways (JSON, GS1 EPCIS 2.0 JSON-LD or
//! the FSMA 204 CSV) and its recall, which takes every unit of it and of what was made
//! from it off sale everywhere at once and lists the customers' orders it reached.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use freshroute_calendar::Zone;
use freshroute_store::{AnyStore, Direction, Ledger, Storage, Trace};
use serde::{Deserialize, Serialize};

use crate::ApiError;
use crate::auth::Caller;
use crate::error::ErrorBody;
use crate::state::AppState;
use crate::stock::STOCK_KEEPERS;
use crate::trace_export::{self, TraceView};

/// How a trace is asked for.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct TraceQuery {
    /// `downstream` (what was made from it, where it went, who bought it) or `upstream`
    /// (what it was made from, where that came from) [default: downstream].
    #[serde(default)]
    direction: Option<String>,
    /// `json`, `epcis` (GS1 EPCIS 2.0 JSON-LD) or `csv` (FSMA 204 key data elements)
    /// [default: json].
    #[serde(default)]
    format: Option<String>,
}

/// No lot has this id.
pub fn unknown_lot(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_lot",
        format!("no lot {id:?}: a supplier's lot is named SKU:LOT (see GET /v1/stock)"),
    )
}

fn direction_of(name: Option<&str>) -> Result<Direction, ApiError> {
    match name.unwrap_or("downstream") {
        "downstream" => Ok(Direction::Downstream),
        "upstream" => Ok(Direction::Upstream),
        other => Err(ApiError::bad_request(
            "invalid_direction",
            format!("direction {other:?} is not one: give downstream or upstream"),
        )
        .at("direction")),
    }
}

/// A trace's answer in the format asked.
fn answer(state: &AppState, trace: &Trace, direction: Direction, format: &str) -> Response {
    let data = state.procurement.clone();
    let gtin_of = |sku: &str| trace_export::gtin_in(data.as_deref(), sku);
    let (kind, text) = trace_export::export(
        trace,
        direction,
        format,
        state.time_zone,
        &gtin_of,
        state.clock.now_ms(),
    );
    ([(header::CONTENT_TYPE, kind)], text).into_response()
}

/// A lot's trace: every lot it leads to or comes from through production batches, and
/// every movement of them (stores, transfers, batches, customers' orders, receipts).
#[utoipa::path(get, path = "/v1/lots/{id}/trace", tag = "procurement",
    params(("id" = String, Path, description = "The lot (`SKU:LOT` for a supplier's)"), TraceQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The trace: JSON, `application/ld+json` (EPCIS 2.0) or `text/csv` (FSMA 204)", body = TraceView),
        (status = 400, description = "A direction or format that is not one", body = ErrorBody),
        (status = 404, description = "No such lot (`unknown_lot`)", body = ErrorBody),
    ))]
pub(crate) async fn trace(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    query: Result<Query<TraceQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require(&STOCK_KEEPERS)?;
    let Query(q) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let direction = direction_of(q.direction.as_deref())?;
    let format = q.format.as_deref().unwrap_or("json");
    if !["json", "epcis", "csv"].contains(&format) {
        return Err(ApiError::bad_request(
            "invalid_format",
            format!("format {format:?} is not one: give json, epcis or csv"),
        )
        .at("format"));
    }
    let trace = state
        .store
        .trace(&id, direction)
        .await?
        .ok_or_else(|| unknown_lot(&id))?;
    Ok(answer(&state, &trace, direction, format))
}

/// Units a recall took off sale at a place.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TakenOff {
    /// The lot.
    pub lot_id: String,
    /// The store.
    pub store_id: String,
    /// `frozen`, `chilled` or `ambient`.
    pub zone: &'static str,
    /// Whole units.
    pub units: i64,
}

/// A customer's order a recalled lot reached.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReachedOrder {
    /// The order.
    pub order_id: String,
    /// The store it was sold from.
    pub store_id: String,
    /// Who ordered it, while the order is still stored.
    pub customer_name: Option<String>,
    /// The order's status now, while it is still stored.
    pub status: Option<String>,
}

/// What a recall did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecallView {
    /// The lot recalled.
    pub lot_id: String,
    /// When.
    pub recalled_at: String,
    /// Who.
    pub actor: String,
    /// The lots marked recalled: the one named, then everything made from it.
    pub lots: Vec<String>,
    /// The units taken off sale, per lot and place.
    pub taken_off: Vec<TakenOff>,
    /// The customers' orders any of them was sold to.
    pub orders: Vec<ReachedOrder>,
    /// Transfers on their way that carry any of them, flagged: their units are
    /// recorded recalled where they are delivered.
    pub transfers_on_the_way: Vec<String>,
}

/// Recalls a lot: it and every lot made from it are marked recalled, every unit of
/// them, wherever it is, is taken off sale, and every stored customer's order they
/// reached gets a `recalled` notice for the webhooks, in one transaction; none is sold,
/// counted or received again. Answers the customers' orders they reached.
#[utoipa::path(post, path = "/v1/lots/{id}/recall", tag = "procurement",
    params(("id" = String, Path, description = "The lot (`SKU:LOT` for a supplier's)")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "What was recalled and whom it reached", body = RecallView),
        (status = 404, description = "No such lot (`unknown_lot`)", body = ErrorBody),
        (status = 409, description = "Recalled already (`already_recalled`)", body = ErrorBody),
    ))]
pub(crate) async fn recall(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<RecallView>, ApiError> {
    caller.require(&STOCK_KEEPERS)?;
    let now = state.clock.now_ms();
    let done = recall_lot(&state.store, state.time_zone, now, &id, &caller.by_key()).await?;
    // Each stored order reached has a `recalled` notice waiting for the webhooks.
    state.outbox_wake.notify_one();
    Ok(Json(done))
}

/// Recalls `id` as `actor` at `now` and says what it reached, times in `zone`: what the
/// endpoint and the shell's `freshroute recall` both do.
pub async fn recall_lot(
    store: &AnyStore,
    zone: Zone,
    now: i64,
    id: &str,
    actor: &str,
) -> Result<RecallView, ApiError> {
    let done = match store.recall(id, actor, now).await {
        Ok(Some(done)) => done,
        Ok(None) => return Err(unknown_lot(id)),
        Err(freshroute_store::StoreError::Conflict(_)) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "already_recalled",
                format!("lot {id} was recalled already: its units are off sale"),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let mut orders = Vec::with_capacity(done.orders.len());
    for (order_id, store_id) in &done.orders {
        let stored = if done.told.contains(order_id) {
            store.order(order_id).await?
        } else {
            None
        };
        orders.push(ReachedOrder {
            customer_name: stored.as_ref().map(|o| o.customer_name.clone()),
            status: stored.map(|o| o.status.to_string()),
            order_id: order_id.clone(),
            store_id: store_id.clone(),
        });
    }
    tracing::warn!(
        lot = id,
        lots = done.lots.len(),
        orders = orders.len(),
        actor,
        "lot recalled"
    );
    Ok(RecallView {
        lot_id: id.to_string(),
        recalled_at: zone.format(now),
        actor: actor.to_string(),
        lots: done.lots,
        taken_off: done
            .movements
            .iter()
            .map(|m| TakenOff {
                lot_id: m.lot_id.clone(),
                store_id: m.shop_id.clone(),
                zone: m.zone.as_str(),
                units: -m.units,
            })
            .collect(),
        orders,
        transfers_on_the_way: done.transfers,
    })
}
