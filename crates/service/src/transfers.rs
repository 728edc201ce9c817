//! Transfers between stores over HTTP: proposals on request (and on their own when an
//! alert line is crossed), the list, a planner's approve, edit and reject by version,
//! delivery, and the van trips that drive the approved ones (which dispatchers read).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use freshroute_store::{Decided, Decision, Role, Transfer, TransferStatus, Transfers};
use serde::{Deserialize, Serialize};

use crate::ApiError;
use crate::auth::Caller;
use crate::error::ErrorBody;
use crate::state::AppState;
use crate::stock::{STOCK_KEEPERS, today};
use crate::transfer_proposals::propose_now;

/// Who may read transfers and their trips: stock keepers and dispatchers.
pub(crate) const READERS: [Role; 3] = [Role::Planner, Role::Admin, Role::Dispatcher];

/// A transfer as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TransferView {
    id: String,
    from_store: String,
    to_store: String,
    sku: String,
    /// `frozen`, `chilled` or `ambient`.
    zone: &'static str,
    units: i64,
    /// `proposed`, `approved` (on its way), `rejected`, `delivered`, `superseded`
    /// (a newer proposal replaced it), `stale` (the donor no longer held the units).
    status: &'static str,
    /// What it does: a sentence, units covered and saved, the donor's lots by days
    /// left, the trip's cost.
    #[schema(value_type = Object)]
    why: serde_json::Value,
    /// Lost sales and waste it avoids, cents.
    value_cents: i64,
    /// When proposed, ISO 8601 with its offset.
    proposed_at: String,
    decided_by: Option<String>,
    decided_at: Option<String>,
    delivered_at: Option<String>,
    /// A recalled lot it carries, flagged while on its way.
    recalled_lot: Option<String>,
    /// Give it back with a change: another change in between is refused.
    version: i64,
}

pub(crate) fn view(state: &AppState, t: &Transfer) -> TransferView {
    let at = |ms: Option<i64>| ms.map(|ms| state.time_zone.format(ms));
    TransferView {
        id: t.id.clone(),
        from_store: t.from_shop.clone(),
        to_store: t.to_shop.clone(),
        sku: t.sku.clone(),
        zone: t.zone.as_str(),
        units: t.units,
        status: t.status.as_str(),
        why: serde_json::from_str(&t.why).unwrap_or(serde_json::Value::Null),
        value_cents: t.value_cents,
        proposed_at: state.time_zone.format(t.proposed_ms),
        decided_by: t.decided_by.clone(),
        decided_at: at(t.decided_ms),
        delivered_at: at(t.delivered_ms),
        recalled_lot: t.recalled_lot.clone(),
        version: t.version,
    }
}

/// Transfers listed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TransferList {
    transfers: Vec<TransferView>,
}

/// What a proposal run did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ProposalRun {
    /// The proposals (those approved on their own included).
    transfers: Vec<TransferView>,
    /// Milliseconds from reading the stock to storing the proposals.
    took_ms: i64,
    /// Store × article needs the model weighed.
    needs: usize,
    /// Why nothing could be proposed: `no_round` (run a procurement round first: it
    /// holds the forecasts), `no_catalog`.
    notice: Option<&'static str>,
}

/// Proposes the region's transfers now: the open proposals are replaced.
#[utoipa::path(post, path = "/v1/transfers/propose", tag = "procurement",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The proposals, each explaining itself", body = ProposalRun),
        (status = 503, description = "The model gave no plan (`no_transfer_plan`)", body = ErrorBody),
    ))]
pub(crate) async fn propose(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ProposalRun>, ApiError> {
    caller.require(&STOCK_KEEPERS)?;
    let p = propose_now(&state).await?;
    Ok(Json(ProposalRun {
        transfers: p.transfers.iter().map(|t| view(&state, t)).collect(),
        took_ms: p.took_ms,
        needs: p.needs,
        notice: p.notice,
    }))
}

/// Which transfers.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct TransferQuery {
    /// Only those of this status.
    status: Option<String>,
}

/// Transfers, newest first.
#[utoipa::path(get, path = "/v1/transfers", tag = "procurement", params(TransferQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The transfers", body = TransferList),
        (status = 400, description = "An unknown status (`invalid_status`)", body = ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<TransferQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<TransferList>, ApiError> {
    caller.require(&READERS)?;
    let Query(q) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(TransferStatus::parse(s).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_status",
                format!(
                    "{s:?} is no transfer status: use proposed, approved, rejected, delivered, superseded or stale"
                ),
            )
            .at("status")
        })?),
    };
    let transfers = state.store.transfers(status).await?;
    Ok(Json(TransferList {
        transfers: transfers.iter().map(|t| view(&state, t)).collect(),
    }))
}

/// A decision on a proposal, at the version read.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Decide {
    /// The version read.
    version: i64,
}

/// An edit of a proposal's units, at the version read.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Edit {
    /// The version read.
    version: i64,
    /// Whole units, 1 to 1,000,000.
    units: f64,
}

/// Approves a proposal: its units leave the donor's lots (oldest first) now, all of
/// them or none.
#[utoipa::path(post, path = "/v1/transfers/{id}/approve", tag = "procurement",
    params(("id" = String, Path, description = "The transfer")), request_body = Decide,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Approved: on its way", body = TransferView),
        (status = 404, description = "No such transfer (`unknown_transfer`)", body = ErrorBody),
        (status = 409, description = "Not open (`transfer_not_open`), changed meanwhile (`changed_meanwhile`), or the donor no longer holds the units (`donor_short`: nothing moved, new proposals follow)", body = ErrorBody),
    ))]
pub(crate) async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Json<Decide>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<TransferView>, ApiError> {
    caller.require(&STOCK_KEEPERS)?;
    let Json(b) = body?;
    let decision = Decision::Approve {
        version: b.version,
        today: today(&state).to_string(),
    };
    decide(&state, &caller, &id, &decision).await
}

/// Changes a proposal's units.
#[utoipa::path(patch, path = "/v1/transfers/{id}", tag = "procurement",
    params(("id" = String, Path, description = "The transfer")), request_body = Edit,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The proposal with its new units", body = TransferView),
        (status = 404, description = "No such transfer (`unknown_transfer`)", body = ErrorBody),
        (status = 409, description = "Not open (`transfer_not_open`) or changed meanwhile (`changed_meanwhile`)", body = ErrorBody),
        (status = 422, description = "Units not whole or out of range (`invalid_units`)", body = ErrorBody),
    ))]
pub(crate) async fn edit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Json<Edit>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<TransferView>, ApiError> {
    caller.require(&STOCK_KEEPERS)?;
    let Json(b) = body?;
    if !(b.units.is_finite() && b.units.fract() == 0.0 && (1.0..=1.0e6).contains(&b.units)) {
        return Err(ApiError::unprocessable(
            "invalid_units",
            format!(
                "{} units: a transfer moves whole units, 1 to 1,000,000",
                b.units
            ),
        )
        .at("units"));
    }
    let decision = Decision::Edit {
        version: b.version,
        units: b.units as i64,
    };
    decide(&state, &caller, &id, &decision).await
}

/// Rejects a proposal.
#[utoipa::path(post, path = "/v1/transfers/{id}/reject", tag = "procurement",
    params(("id" = String, Path, description = "The transfer")), request_body = Decide,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Rejected", body = TransferView),
        (status = 404, description = "No such transfer (`unknown_transfer`)", body = ErrorBody),
        (status = 409, description = "Not open (`transfer_not_open`) or changed meanwhile (`changed_meanwhile`)", body = ErrorBody),
    ))]
pub(crate) async fn reject(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Json<Decide>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<TransferView>, ApiError> {
    caller.require(&STOCK_KEEPERS)?;
    let Json(b) = body?;
    let decision = Decision::Reject { version: b.version };
    decide(&state, &caller, &id, &decision).await
}

/// Records an approved transfer delivered: its lots enter the receiver's stock (a lot
/// recalled on the way is recorded recalled there at once).
#[utoipa::path(post, path = "/v1/transfers/{id}/delivered", tag = "procurement",
    params(("id" = String, Path, description = "The transfer")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Delivered", body = TransferView),
        (status = 404, description = "No such transfer (`unknown_transfer`)", body = ErrorBody),
        (status = 409, description = "Not on its way (`transfer_not_open`)", body = ErrorBody),
    ))]
pub(crate) async fn delivered(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<TransferView>, ApiError> {
    caller.require(&READERS)?;
    decide(&state, &caller, &id, &Decision::Deliver).await
}

async fn decide(
    state: &AppState,
    caller: &Caller,
    id: &str,
    decision: &Decision,
) -> Result<Json<TransferView>, ApiError> {
    let t = decide_as(state, &caller.by_key(), id, decision).await?;
    Ok(Json(view(state, &t)))
}

/// Applies a decision as `actor`: the transfer as it is after it, or why not (a donor
/// found short wakes the proposer). The API and the desk both decide through it.
pub(crate) async fn decide_as(
    state: &AppState,
    actor: &str,
    id: &str,
    decision: &Decision,
) -> Result<Transfer, ApiError> {
    let now = state.clock.now_ms();
    let conflict = |code, msg: String| ApiError::new(StatusCode::CONFLICT, code, msg);
    match state
        .store
        .decide_transfer(id, decision, actor, now)
        .await?
    {
        Decided::Done(t, moves) => {
            tracing::info!(
                transfer = id,
                status = t.status.as_str(),
                movements = moves.len(),
                "transfer decided"
            );
            Ok(t)
        }
        Decided::Missing => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_transfer",
            format!("no transfer {id:?}: list them with GET /v1/transfers"),
        )),
        Decided::Refused(t) => Err(conflict(
            "transfer_not_open",
            format!(
                "transfer {id} is {}: it cannot be changed so",
                t.status.as_str()
            ),
        )),
        Decided::Overtaken(t) => Err(conflict(
            "changed_meanwhile",
            format!(
                "transfer {id} is at version {}: read it again and retry",
                t.version
            ),
        )),
        Decided::DonorShort(t, short) => {
            state.transfer_wake.notify_one();
            Err(conflict(
                "donor_short",
                format!(
                    "{} no longer holds {} units of {} to send ({short} short): nothing moved; new proposals follow",
                    t.from_shop, t.units, t.sku
                ),
            ))
        }
    }
}
