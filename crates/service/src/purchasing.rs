//! Planners' endpoints: planning rounds, purchase orders and stock.
//!
//! A purchase order moves proposed → approved → sent → confirmed → received, or to
//! rejected (with a reason) before it is sent; a later round supersedes proposals
//! nobody acted on. Before approval a planner may edit quantities, and sees what the
//! edit costs by the store's model (solved again with the edited order held fixed).
//! Orders above a configured value need two approvers; nobody approves twice. Every
//! change is written with its audit event by compare-and-set, so racing changes cannot
//! both win. Receiving an order creates its stock lots.
//!
//! Every endpoint needs a `planner` (or `admin`) key. An approver is a key: give every
//! planner a key of their own.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use freshroute_solver::procurement::{FixedOrder, StoreProblem, plan_store};
use freshroute_store::{PoEvent, PoStatus, PurchaseOrder, Purchasing, Role, StockLot};

use crate::stock::{Articles, Intake, LotIn, lots_in, today};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::ApiError;
use crate::auth::Caller;
use crate::error::ErrorBody;
use crate::fields::text;
use crate::purchase_views::{
    Audience, MissingLine, PurchaseOrderList, PurchaseOrderView, RoundView, approvals_needed,
    event_view, lot_list, round_view, view,
};
use crate::rounds::{
    ProcurementData, RoundReport, RoundRequest, StoredLine, run_round, stored_lines,
};
use crate::state::AppState;
use freshroute_procurement::proposals::LineQuantity;

/// Who may plan, edit, approve and receive.
const PLANNERS: [Role; 2] = [Role::Planner, Role::Admin];

/// How purchase orders are approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurchasingPolicy {
    /// Orders worth more than this, cents, need a second approver.
    pub second_approval_above_cents: i64,
    /// Transfer proposals worth less than this, cents, are approved on their own
    /// (0: every one waits for a planner).
    pub transfer_auto_below_cents: i64,
    /// Vans that drive transfers between the stores (each with the room of
    /// `transfer_trips::VAN_ROOM_ML`), from the store nearest the chain's middle.
    pub transfer_vans: usize,
}

impl Default for PurchasingPolicy {
    fn default() -> Self {
        Self {
            second_approval_above_cents: 100_000,
            transfer_auto_below_cents: 0,
            transfer_vans: 2,
        }
    }
}

fn conflict(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, code, message)
}

fn data(state: &AppState) -> Result<Arc<ProcurementData>, ApiError> {
    state.procurement.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_procurement_data",
            "the service was started without procurement data (catalog, sales, promotions): start it with --procurement-data DIR",
        )
    })
}

/// Runs a planning round: forecasts, one purchase model per store solved in parallel,
/// today's orders stored as proposals. A store whose model fails keeps its earlier
/// proposals; the report says why.
#[utoipa::path(post, path = "/v1/procurement/rounds", tag = "procurement",
    request_body = RoundRequest, security(("api_key" = [])),
    responses(
        (status = 201, description = "The round's report: per store its model's status and cost, proposals and notices; `kept_earlier` lists the stores whose model failed", body = RoundReport),
        (status = 403, description = "Not a planner key", body = ErrorBody),
        (status = 409, description = "A round is running, or no store has sales (`round_running`, `no_stores`)", body = ErrorBody),
        (status = 422, description = "Sales that do not reach the date or are too short (`sales_missing_days`, `history_too_short`), an unknown store", body = ErrorBody),
        (status = 503, description = "No procurement data loaded", body = ErrorBody),
    ))]
pub(crate) async fn create_round(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<RoundRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<RoundReport>), ApiError> {
    caller.require(&PLANNERS)?;
    let Json(request) = body?;
    let data = data(&state)?;
    let _running = state.round_lock.try_lock().map_err(|_| {
        conflict(
            "round_running",
            "a planning round is running; wait for it to end",
        )
    })?;
    let report = run_round(
        &state.store,
        &state.clock,
        data,
        &request,
        &caller.by_key(),
        Arc::new(|_| {}),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(report)))
}

/// The latest round's report.
#[utoipa::path(get, path = "/v1/procurement/rounds/latest", tag = "procurement",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The round: id, date, who ran it, when, its report", body = RoundView),
        (status = 404, description = "No round yet", body = ErrorBody),
    ))]
pub(crate) async fn latest_round(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<RoundView>, ApiError> {
    caller.require(&PLANNERS)?;
    let audience = Audience::of(&state).await?;
    let round = state.store.latest_round().await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no_round",
            "no planning round has run yet: POST /v1/procurement/rounds",
        )
    })?;
    Ok(Json(round_view(&round, &audience)))
}

/// Filters of a purchase-order listing.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct Listing {
    /// Only orders in this status.
    status: Option<String>,
    /// Only orders of this store.
    store_id: Option<String>,
    /// At most this many, newest first (1 to 1,000; default 100).
    limit: Option<u32>,
}

/// Purchase orders, newest first.
#[utoipa::path(get, path = "/v1/purchase-orders", tag = "procurement", params(Listing),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Purchase orders, newest first", body = PurchaseOrderList),
        (status = 400, description = "An invalid filter", body = ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<Listing>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<PurchaseOrderList>, ApiError> {
    caller.require(&PLANNERS)?;
    let Query(q) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let status = q
        .status
        .as_deref()
        .map(crate::fields::status::<PoStatus>)
        .transpose()?;
    let limit = crate::fields::listing_limit(q.limit)?;
    let orders = state
        .store
        .purchase_orders(status, q.store_id.as_deref(), limit)
        .await?;
    let audience = Audience::of(&state).await?;
    Ok(Json(PurchaseOrderList {
        purchase_orders: orders.iter().map(|o| view(o, &audience)).collect(),
    }))
}

async fn find(state: &AppState, id: &str) -> Result<PurchaseOrder, ApiError> {
    state.store.purchase_order(id).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_purchase_order",
            format!("no purchase order {id:?}"),
        )
    })
}

/// One purchase order with its audit trail.
#[utoipa::path(get, path = "/v1/purchase-orders/{id}", tag = "procurement",
    params(("id" = String, Path, description = "The order's id")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The order, its lines and explanation, and `events`: who did what when", body = PurchaseOrderView),
        (status = 404, description = "No such order", body = ErrorBody),
    ))]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<PurchaseOrderView>, ApiError> {
    caller.require(&PLANNERS)?;
    let o = find(&state, &id).await?;
    let events = state.store.purchase_order_events(&id).await?;
    let audience = Audience::of(&state).await?;
    let mut answer = view(&o, &audience);
    answer.events = Some(events.iter().map(|e| event_view(e, &audience)).collect());
    Ok(Json(answer))
}

/// Writes `next` over `seen` with its event (and lots), or says another change came first.
async fn commit(
    state: &AppState,
    seen: &PurchaseOrder,
    mut next: PurchaseOrder,
    actor: &str,
    action: &str,
    detail: Value,
    lots: &[StockLot],
) -> Result<PurchaseOrder, ApiError> {
    let now = state.clock.now_ms();
    next.version = seen.version + 1;
    next.updated_ms = now;
    let event = PoEvent {
        po_id: seen.id.clone(),
        at_ms: now,
        actor: actor.to_string(),
        action: action.to_string(),
        detail,
    };
    if state
        .store
        .change_purchase_order(&next, seen.version, &event, lots)
        .await?
    {
        Ok(next)
    } else {
        Err(conflict(
            "changed_meanwhile",
            "the order changed while this request was made: read it again and retry",
        ))
    }
}

/// The version a request saw, if it names one: it must still be current.
fn check_version(o: &PurchaseOrder, seen: Option<i64>) -> Result<(), ApiError> {
    match seen {
        Some(v) if v != o.version => Err(conflict(
            "changed_meanwhile",
            format!(
                "the order is at version {}, not {v}: read it again and retry",
                o.version
            ),
        )),
        _ => Ok(()),
    }
}

/// Refuses a change to an order that is not `proposed`, with the code its state calls for.
fn must_be_open(o: &PurchaseOrder, what: &str) -> Result<(), ApiError> {
    match o.status {
        PoStatus::Proposed => Ok(()),
        s if s.is_with_supplier() => Err(conflict(
            "order_already_sent",
            format!(
                "order {} is {s}: it went to the supplier and cannot be {what}",
                o.id
            ),
        )),
        PoStatus::Approved => Err(conflict(
            "order_already_approved",
            format!("order {} is approved: it cannot be {what}", o.id),
        )),
        s => Err(conflict(
            "order_closed",
            format!("order {} is {s}: it cannot be {what}", o.id),
        )),
    }
}

/// A line to set.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LineEdit {
    /// The article.
    pub(crate) sku: String,
    /// Whole cases (0 takes the line out).
    pub(crate) cases: i64,
}

/// An edit of a proposal's quantities.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Edit {
    /// The version read; refused if the order changed since.
    #[serde(default)]
    pub(crate) version: Option<i64>,
    /// Lines to set; lines not named stay as they are.
    pub(crate) lines: Vec<LineEdit>,
}

/// Sets quantities of a proposed order. The answer shows what the edit costs by the
/// store's model: the plan with the order as edited, against the round's optimum. An
/// edit that changes the lines or the value clears the approvals given so far (the
/// audit event lists them): each approver approves the order as it then is.
#[utoipa::path(patch, path = "/v1/purchase-orders/{id}", tag = "procurement",
    params(("id" = String, Path, description = "The order's id")),
    request_body = Edit, security(("api_key" = [])),
    responses(
        (status = 200, description = "The order as edited, with `edit_cost_cents` (the model's cost with the order as edited minus its optimum)", body = PurchaseOrderView),
        (status = 404, description = "No such order", body = ErrorBody),
        (status = 409, description = "Already approved, sent or closed, or changed meanwhile", body = ErrorBody),
        (status = 422, description = "An article this supplier does not sell, negative cases, an edit that breaks a hard limit (the truck's room)", body = ErrorBody),
    ))]
pub(crate) async fn edit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Json<Edit>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<PurchaseOrderView>, ApiError> {
    caller.require(&PLANNERS)?;
    let Json(edit) = body?;
    Ok(Json(edit_order(&state, &caller, &id, edit).await?))
}

/// Sets quantities of a proposed order by `caller`, priced by the store's model (the
/// desk's form and the API both edit here).
pub(crate) async fn edit_order(
    state: &AppState,
    caller: &Caller,
    id: &str,
    edit: Edit,
) -> Result<PurchaseOrderView, ApiError> {
    caller.require(&PLANNERS)?;
    let o = find(state, id).await?;
    check_version(&o, edit.version)?;
    must_be_open(&o, "edited")?;
    if edit.lines.is_empty() {
        return Err(ApiError::bad_request("no_lines", "name at least one line to set").at("lines"));
    }
    let model = state
        .store
        .store_model(&o.round_id, &o.shop_id)
        .await?
        .ok_or_else(|| {
            ApiError::from(freshroute_store::StoreError::Corrupt {
                what: "store model",
                detail: format!("round {} has no model of {}", o.round_id, o.shop_id),
            })
        })?;
    let problem: StoreProblem = serde_json::from_value(model.model).map_err(|e| {
        ApiError::from(freshroute_store::StoreError::Corrupt {
            what: "store model",
            detail: e.to_string(),
        })
    })?;
    let Some(supplier) = problem.suppliers.iter().position(|s| s.id == o.supplier_id) else {
        return Err(ApiError::from(freshroute_store::StoreError::Corrupt {
            what: "store model",
            detail: format!("no supplier {} in the model", o.supplier_id),
        }));
    };
    let mut lines = stored_lines(&o)?;
    let mut changes = Vec::new();
    for (i, e) in edit.lines.iter().enumerate() {
        let field = format!("lines[{i}]");
        if e.cases < 0 || e.cases > 100_000 {
            return Err(
                ApiError::unprocessable("bad_cases", "cases must be 0 to 100000")
                    .at(format!("{field}.cases")),
            );
        }
        let Some(article) = problem.articles.iter().find(|a| a.id == e.sku) else {
            return Err(ApiError::unprocessable(
                "unknown_article",
                format!("no article {:?} in the catalog", e.sku),
            )
            .at(format!("{field}.sku")));
        };
        let Some(&(_, cost)) = article.offers.iter().find(|(j, _)| *j == supplier) else {
            return Err(ApiError::unprocessable(
                "not_sold_by_supplier",
                format!("{} does not sell {}", o.supplier_id, e.sku),
            )
            .at(format!("{field}.sku")));
        };
        let before = lines
            .iter()
            .find(|l| l.quantity.sku == e.sku)
            .map_or(0, |l| l.quantity.cases);
        changes.push(json!({"sku": e.sku, "from_cases": before, "to_cases": e.cases}));
        lines.retain(|l| l.quantity.sku != e.sku || e.cases > 0);
        match lines.iter_mut().find(|l| l.quantity.sku == e.sku) {
            Some(l) => l.quantity.set_cases(e.cases),
            None if e.cases > 0 => {
                let mut quantity = LineQuantity {
                    sku: e.sku.clone(),
                    cases: 0,
                    case_pack: article.case_pack,
                    units: 0,
                    unit_cost_cents: cost,
                    cost_cents: 0,
                };
                quantity.set_cases(e.cases);
                lines.push(StoredLine {
                    quantity,
                    proposed_cases: 0,
                    received_units: 0.0,
                });
            }
            None => {}
        }
    }
    // The model with this supplier's order of today held to the edit (articles not in
    // it at zero): what the store's plan costs around it.
    let mut fixed_problem = problem.clone();
    fixed_problem.fixed = problem
        .articles
        .iter()
        .enumerate()
        .filter(|(_, a)| a.offers.iter().any(|(j, _)| *j == supplier))
        .map(|(k, a)| FixedOrder {
            article: k,
            supplier,
            cases: lines
                .iter()
                .find(|l| l.quantity.sku == a.id)
                .map_or(0, |l| l.quantity.cases),
        })
        .collect();
    let solved = tokio::task::spawn_blocking(move || plan_store(&fixed_problem))
        .await
        .map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "model_failed",
                format!("pricing the edit stopped: {e}"),
            )
        })?;
    let (cost, status) = match solved {
        Ok(plan) => (
            plan.objective_cents.round() as i64 - model.objective_cents,
            plan.status.as_str(),
        ),
        Err(freshroute_solver::procurement::ProcurementError::Infeasible) => {
            return Err(ApiError::unprocessable(
                "edit_infeasible",
                "the order as edited breaks a hard limit of the supplier (the truck's room): order less",
            )
            .at("lines"));
        }
        Err(e) => {
            return Err(
                ApiError::unprocessable(e.code(), format!("pricing the edit failed: {e}"))
                    .at("lines"),
            );
        }
    };
    let mut next = o.clone();
    next.value_cents = lines.iter().map(|l| l.quantity.cost_cents).sum();
    next.lines = json!(lines);
    // An approval is of the order its approver saw: a change voids those given so far.
    let changed = next.lines != o.lines || next.value_cents != o.value_cents;
    let cleared = if changed {
        std::mem::take(&mut next.approvals)
    } else {
        Vec::new()
    };
    let detail = json!({
        "lines": changes,
        "value_cents": {"from": o.value_cents, "to": next.value_cents},
        "edit_cost_cents": cost,
        "model_status": status,
        "approvals_cleared": cleared,
    });
    let next = commit(state, &o, next, &caller.by_key(), "edited", detail, &[]).await?;
    let mut answer = view(&next, &Audience::of(state).await?);
    answer.edit_cost_cents = Some(cost);
    answer.edit_cost_model_status = Some(status.to_string());
    Ok(answer)
}

/// A step of the workflow that names the version it saw.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Step {
    /// The version read; refused if the order changed since.
    #[serde(default)]
    pub(crate) version: Option<i64>,
}

/// The optional body of a step: nothing, or `{"version": N}`.
fn step_of(body: &[u8]) -> Result<Step, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Step::default());
    }
    crate::error::read_json(body, "empty or {\"version\": N}")
}

/// Approves a proposed order. Above the configured value it needs a second, different
/// approver; until then it stays proposed with the first approval recorded.
#[utoipa::path(post, path = "/v1/purchase-orders/{id}/approve", tag = "procurement",
    params(("id" = String, Path, description = "The order's id")),
    request_body(content = Step, description = "Optional: the version read"),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The order: `approved`, or still `proposed` waiting for a second approver", body = PurchaseOrderView),
        (status = 403, description = "A key whose role may not approve", body = ErrorBody),
        (status = 409, description = "Already approved by this key, not proposed, or changed meanwhile", body = ErrorBody),
    ))]
pub(crate) async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<PurchaseOrderView>, ApiError> {
    caller.require(&PLANNERS)?;
    let step = step_of(&body)?;
    Ok(Json(approve_order(&state, &caller, &id, step).await?))
}

/// Approves a proposed order by `caller` (the desk's button and the API both approve
/// here).
pub(crate) async fn approve_order(
    state: &AppState,
    caller: &Caller,
    id: &str,
    step: Step,
) -> Result<PurchaseOrderView, ApiError> {
    caller.require(&PLANNERS)?;
    let o = find(state, id).await?;
    check_version(&o, step.version)?;
    let who = caller.by_key();
    if o.approvals.contains(&who) {
        return Err(conflict(
            "already_approved_by_you",
            format!(
                "this key already approved order {}: a second approval must come from another planner",
                o.id
            ),
        ));
    }
    must_be_open(&o, "approved")?;
    let mut next = o.clone();
    next.approvals.push(who);
    let needed = approvals_needed(&o, &state.purchasing);
    if next.approvals.len() >= needed {
        next.status = PoStatus::Approved;
    }
    let detail =
        json!({"approvals": next.approvals.len(), "needed": needed, "value_cents": o.value_cents});
    let next = commit(state, &o, next, &caller.by_key(), "approved", detail, &[]).await?;
    Ok(view(&next, &Audience::of(state).await?))
}

/// Why an order is rejected.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Rejection {
    /// The version read; refused if the order changed since.
    #[serde(default)]
    pub(crate) version: Option<i64>,
    /// Why (1 to 500 characters).
    pub(crate) reason: String,
}

/// Rejects an order not yet sent, with a reason.
#[utoipa::path(post, path = "/v1/purchase-orders/{id}/reject", tag = "procurement",
    params(("id" = String, Path, description = "The order's id")),
    request_body = Rejection, security(("api_key" = [])),
    responses(
        (status = 200, description = "The order, `rejected`", body = PurchaseOrderView),
        (status = 400, description = "No reason", body = ErrorBody),
        (status = 409, description = "Already sent or closed, or changed meanwhile", body = ErrorBody),
    ))]
pub(crate) async fn reject(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Json<Rejection>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<PurchaseOrderView>, ApiError> {
    caller.require(&PLANNERS)?;
    let Json(r) = body?;
    Ok(Json(reject_order(&state, &caller, &id, r).await?))
}

/// Rejects an order by `caller`, with a reason (the desk's form and the API both
/// reject here).
pub(crate) async fn reject_order(
    state: &AppState,
    caller: &Caller,
    id: &str,
    r: Rejection,
) -> Result<PurchaseOrderView, ApiError> {
    caller.require(&PLANNERS)?;
    text("reason", &r.reason, 500)?;
    let o = find(state, id).await?;
    check_version(&o, r.version)?;
    if o.status != PoStatus::Approved {
        must_be_open(&o, "rejected")?;
    }
    let mut next = o.clone();
    next.status = PoStatus::Rejected;
    next.reason = Some(r.reason.trim().to_string());
    let detail = json!({"from": o.status.as_str(), "reason": next.reason});
    let next = commit(state, &o, next, &caller.by_key(), "rejected", detail, &[]).await?;
    Ok(view(&next, &Audience::of(state).await?))
}

/// Moves an order one step along the supplier's side of the workflow.
async fn advance(
    state: &AppState,
    caller: &Caller,
    id: &str,
    step: Step,
    from: &[PoStatus],
    to: PoStatus,
) -> Result<Json<PurchaseOrderView>, ApiError> {
    caller.require(&PLANNERS)?;
    let o = find(state, id).await?;
    check_version(&o, step.version)?;
    if !from.contains(&o.status) {
        let allowed: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
        return Err(conflict(
            "invalid_transition",
            format!(
                "order {} is {}: it can become {to} only from {}",
                o.id,
                o.status,
                allowed.join(" or ")
            ),
        ));
    }
    let mut next = o.clone();
    next.status = to;
    let detail = json!({"from": o.status.as_str()});
    let next = commit(state, &o, next, &caller.by_key(), to.as_str(), detail, &[]).await?;
    Ok(Json(view(&next, &Audience::of(state).await?)))
}

/// Marks an approved order sent to its supplier.
#[utoipa::path(post, path = "/v1/purchase-orders/{id}/send", tag = "procurement",
    params(("id" = String, Path, description = "The order's id")),
    request_body(content = Step, description = "Optional: the version read"),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The order, `sent`", body = PurchaseOrderView),
        (status = 409, description = "Not approved, or changed meanwhile", body = ErrorBody),
    ))]
pub(crate) async fn send(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<PurchaseOrderView>, ApiError> {
    let step = step_of(&body)?;
    advance(
        &state,
        &caller,
        &id,
        step,
        &[PoStatus::Approved],
        PoStatus::Sent,
    )
    .await
}

/// Records the supplier's confirmation of a sent order.
#[utoipa::path(post, path = "/v1/purchase-orders/{id}/confirm", tag = "procurement",
    params(("id" = String, Path, description = "The order's id")),
    request_body(content = Step, description = "Optional: the version read"),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The order, `confirmed`", body = PurchaseOrderView),
        (status = 409, description = "Not sent, or changed meanwhile", body = ErrorBody),
    ))]
pub(crate) async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<PurchaseOrderView>, ApiError> {
    let step = step_of(&body)?;
    advance(
        &state,
        &caller,
        &id,
        step,
        &[PoStatus::Sent],
        PoStatus::Confirmed,
    )
    .await
}

/// What arrived.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Receipt {
    /// The version read; refused if the order changed since.
    #[serde(default)]
    version: Option<i64>,
    /// The lots delivered.
    lots: Vec<LotIn>,
}

/// Receives a sent or confirmed order, in whole or in part: its lots enter the store's
/// stock with their lot numbers and expiry dates. The order becomes `received` once every
/// line is in; a partial delivery leaves it open, with what is `missing`.
#[utoipa::path(post, path = "/v1/purchase-orders/{id}/receive", tag = "procurement",
    params(("id" = String, Path, description = "The order's id")),
    request_body = Receipt, security(("api_key" = [])),
    responses(
        (status = 200, description = "The order with the `lots` created and what is still `missing`: `received` when nothing is, else still open (`sent` or `confirmed`) for the next delivery", body = PurchaseOrderView),
        (status = 409, description = "Not sent or confirmed, a lot number already in stock, or changed meanwhile", body = ErrorBody),
        (status = 422, description = "An article not in the order, negative units, an expired lot", body = ErrorBody),
    ))]
pub(crate) async fn receive(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Json<Receipt>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<PurchaseOrderView>, ApiError> {
    caller.require(&PLANNERS)?;
    let Json(r) = body?;
    let o = find(&state, &id).await?;
    check_version(&o, r.version)?;
    if !matches!(o.status, PoStatus::Sent | PoStatus::Confirmed) {
        return Err(conflict(
            "invalid_transition",
            format!(
                "order {} is {}: only a sent or confirmed order is received",
                o.id, o.status
            ),
        ));
    }
    if r.lots.is_empty() {
        return Err(ApiError::bad_request("no_lots", "name the lots delivered").at("lots"));
    }
    let lines = stored_lines(&o)?;
    let now = state.clock.now_ms();
    let data = state.procurement.clone();
    let ordered: Vec<String> = lines.iter().map(|l| l.quantity.sku.clone()).collect();
    let lots = lots_in(
        &r.lots,
        &Intake {
            shop_id: &o.shop_id,
            articles: Articles {
                data: data.as_deref(),
                only: Some(&ordered),
            },
            today: today(&state),
            po_id: Some(&o.id),
            least_units: 1,
            at_ms: now,
        },
    )?;
    // Each line's units received so far; the order stays open until every line is in.
    let mut lines = lines;
    for l in &mut lines {
        l.received_units += lots
            .iter()
            .filter(|x| x.lot.sku == l.quantity.sku)
            .map(|x| x.units as f64)
            .sum::<f64>();
    }
    let missing: Vec<MissingLine> = lines
        .iter()
        .filter(|l| l.received_units < l.quantity.units as f64)
        .map(|l| MissingLine {
            sku: l.quantity.sku.clone(),
            ordered_units: l.quantity.units,
            received_units: l.received_units,
            missing_units: l.quantity.units as f64 - l.received_units,
        })
        .collect();
    let received: Vec<Value> = lines
        .iter()
        .map(|l| json!({"sku": l.quantity.sku, "ordered_units": l.quantity.units, "received_units": l.received_units}))
        .collect();
    let mut next = o.clone();
    next.lines = serde_json::to_value(&lines).unwrap_or(Value::Null);
    let action = if missing.is_empty() {
        next.status = PoStatus::Received;
        "received"
    } else {
        "received_in_part"
    };
    let detail = json!({"from": o.status.as_str(), "lots": lots.len(), "units": received, "missing": missing});
    let next = commit(&state, &o, next, &caller.by_key(), action, detail, &lots).await?;
    let mut answer = view(&next, &Audience::of(&state).await?);
    answer.lots = Some(lot_list(&lots, state.time_zone).lots);
    answer.missing = Some(missing);
    Ok(Json(answer))
}
