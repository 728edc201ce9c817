//! Purchase orders, their audit trail, stock lots and rounds as the planners' desk
//! sees them: times in the chain's zone, every key that acted with who holds it.

use std::collections::HashMap;

use freshroute_procurement::proposals::{LineQuantity, LineWhy, OrderWhy};
use freshroute_store::{PoEvent, ProcurementRound, PurchaseOrder, StockLot, Zone};
use serde::Serialize;
use serde_json::Value;

use crate::ApiError;
use crate::purchasing::PurchasingPolicy;
use crate::rounds::RoundReport;
use crate::state::AppState;

/// What views of purchase orders show besides the orders: the approval policy, the
/// chain's time zone for times, and the names of the keys that acted.
pub(crate) struct Audience {
    policy: PurchasingPolicy,
    pub(crate) zone: Zone,
    /// By key (`planner:d802ea5b36b0`), who holds it.
    names: HashMap<String, String>,
}

impl Audience {
    pub(crate) async fn of(state: &AppState) -> Result<Self, ApiError> {
        let names = crate::auth::key_names(state).await?;
        Ok(Self {
            policy: state.purchasing,
            zone: state.time_zone,
            names,
        })
    }

    /// A key as audit trails show it, with who holds it.
    fn who(&self, key: &str) -> Who {
        Who {
            key: key.to_string(),
            name: self.names.get(key).cloned(),
        }
    }
}

/// A key that acted, and who holds it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Who {
    /// `planner:KEYID`.
    #[schema(example = "planner:d802ea5b36b0")]
    key: String,
    /// The key's name; `null` when it has none.
    name: Option<String>,
}

/// A purchase order's line as stored: what it orders now, what the round proposed and
/// what has been received.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct LineView {
    #[serde(flatten)]
    quantity: LineQuantity,
    /// Cases the round proposed.
    proposed_cases: i64,
    /// Units received so far.
    received_units: f64,
}

/// Why a line is there.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct LineExplanation {
    sku: String,
    why: LineWhy,
}

/// How the store's model ended when it proposed the order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ModelOutcome {
    /// `optimal`, `within_gap`, `time_limit`.
    status: String,
    /// The model's cost, cents.
    objective_cents: i64,
    /// Room the plan needs beyond the store's, litres.
    overflow_litres: f64,
}

/// Why the round proposed the order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Explanation {
    /// The terms it meets.
    terms: OrderWhy,
    /// Each line's reasons.
    lines: Vec<LineExplanation>,
    model: ModelOutcome,
}

/// A change in an order's audit trail.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct PoEventView {
    /// When, ISO 8601 in the chain's zone.
    at: String,
    /// The key that made it.
    actor: String,
    by: Who,
    /// `proposed`, `edited`, `approved`, `rejected`, `sent`, `confirmed`, `received`,
    /// `received_in_part`, `superseded`.
    action: String,
    /// What changed (the lines edited, the approvals cleared, the lots received, …).
    #[schema(value_type = Object)]
    detail: Value,
}

/// A stock lot.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct LotView {
    /// The lot's id in the ledger (`SKU:LOT` for a supplier's lot): what a trace or a
    /// recall names.
    #[schema(example = "GELATO-PISTACHIO:L-42")]
    lot_id: String,
    store_id: String,
    /// Where in the store: `frozen`, `chilled` or `ambient`.
    zone: &'static str,
    sku: String,
    lot_number: String,
    /// Last day it may be sold, `YYYY-MM-DD`.
    expiry_date: String,
    /// Whole units on hand here.
    units: i64,
    /// The purchase order it first came with; `null` for a lot first met in a count.
    purchase_order_id: Option<String>,
    /// When the ledger first met the lot.
    at: String,
}

/// A line not yet fully received.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct MissingLine {
    pub(crate) sku: String,
    pub(crate) ordered_units: i64,
    pub(crate) received_units: f64,
    pub(crate) missing_units: f64,
}

/// A purchase order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct PurchaseOrderView {
    id: String,
    round_id: String,
    store_id: String,
    supplier_id: String,
    /// The day it is placed, `YYYY-MM-DD`.
    order_date: String,
    /// The day it arrives.
    delivery_date: String,
    /// `proposed`, `approved`, `sent`, `confirmed`, `received`, `rejected`, `superseded`.
    status: &'static str,
    value_cents: i64,
    /// Approvers it needs (two above the configured value).
    approvals_needed: usize,
    /// The keys that approved it.
    approvals: Vec<String>,
    /// The same, with who holds each.
    approved_by: Vec<Who>,
    #[schema(value_type = Vec<LineView>)]
    lines: Value,
    #[schema(value_type = Explanation)]
    explanation: Value,
    /// Why it was rejected.
    reason: Option<String>,
    /// Name it in a change: a change to an order that moved on since is refused.
    version: i64,
    created: String,
    updated: String,
    /// Its audit trail, oldest first: with one order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) events: Option<Vec<PoEventView>>,
    /// After an edit: the model's cost with the order as edited minus its optimum, cents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) edit_cost_cents: Option<i64>,
    /// After an edit: how the model pricing it ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) edit_cost_model_status: Option<String>,
    /// After a receipt: the lots it created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) lots: Option<Vec<LotView>>,
    /// After a receipt: what is still to come (empty when it is all in).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) missing: Option<Vec<MissingLine>>,
}

/// Purchase orders, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct PurchaseOrderList {
    pub(crate) purchase_orders: Vec<PurchaseOrderView>,
}

/// Stock lots.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct LotList {
    pub(crate) lots: Vec<LotView>,
}

/// A planning round.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct RoundView {
    id: String,
    /// The day its orders are placed.
    date: String,
    /// The key that ran it.
    actor: String,
    by: Who,
    started: String,
    finished: String,
    #[schema(value_type = RoundReport)]
    report: Value,
}

/// A purchase order as the desk shows it.
pub(crate) fn view(o: &PurchaseOrder, audience: &Audience) -> PurchaseOrderView {
    PurchaseOrderView {
        id: o.id.clone(),
        round_id: o.round_id.clone(),
        store_id: o.shop_id.clone(),
        supplier_id: o.supplier_id.clone(),
        order_date: o.order_date.clone(),
        delivery_date: o.delivery_date.clone(),
        status: o.status.as_str(),
        value_cents: o.value_cents,
        approvals_needed: approvals_needed(o, &audience.policy),
        approvals: o.approvals.clone(),
        approved_by: o.approvals.iter().map(|a| audience.who(a)).collect(),
        lines: o.lines.clone(),
        explanation: o.explanation.clone(),
        reason: o.reason.clone(),
        version: o.version,
        created: audience.zone.format(o.created_ms),
        updated: audience.zone.format(o.updated_ms),
        events: None,
        edit_cost_cents: None,
        edit_cost_model_status: None,
        lots: None,
        missing: None,
    }
}

/// An audit event as the desk shows it.
pub(crate) fn event_view(e: &PoEvent, audience: &Audience) -> PoEventView {
    PoEventView {
        at: audience.zone.format(e.at_ms),
        actor: e.actor.clone(),
        by: audience.who(&e.actor),
        action: e.action.clone(),
        detail: e.detail.clone(),
    }
}

/// A round as the desk shows it.
pub(crate) fn round_view(r: &ProcurementRound, audience: &Audience) -> RoundView {
    RoundView {
        id: r.id.clone(),
        date: r.plan_date.clone(),
        actor: r.actor.clone(),
        by: audience.who(&r.actor),
        started: audience.zone.format(r.started_ms),
        finished: audience.zone.format(r.finished_ms),
        report: r.report.clone(),
    }
}

/// Approvers an order needs under the policy.
pub(crate) fn approvals_needed(o: &PurchaseOrder, policy: &PurchasingPolicy) -> usize {
    if o.value_cents > policy.second_approval_above_cents {
        2
    } else {
        1
    }
}

/// A stock lot as the desk shows it.
pub(crate) fn lot_view(l: &StockLot, zone: Zone) -> LotView {
    LotView {
        lot_id: l.lot.id.clone(),
        store_id: l.shop_id.clone(),
        zone: l.zone.as_str(),
        sku: l.lot.sku.clone(),
        lot_number: l.lot.lot_number.clone(),
        expiry_date: l.lot.expiry_date.clone(),
        units: l.units,
        purchase_order_id: l.lot.po_id.clone(),
        at: zone.format(l.lot.created_ms),
    }
}

/// Stock lots as the desk shows them.
pub(crate) fn lot_list(lots: &[StockLot], zone: Zone) -> LotList {
    LotList {
        lots: lots.iter().map(|l| lot_view(l, zone)).collect(),
    }
}
