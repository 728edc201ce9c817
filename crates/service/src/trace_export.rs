//! A lot's trace as people and other systems read it: the answer's JSON (lots, every
//! movement, and the stores, batches, purchase orders and customers' orders it reaches),
//! a GS1 EPCIS 2.0 JSON-LD document (an event per movement, a transformation event per
//! production batch), and a CSV of the FSMA 204 key data elements, one row per movement
//! in time order.

use std::collections::{BTreeMap, BTreeSet};

use freshroute_calendar::Zone;
use freshroute_store::{Direction, Lot, MoveKind, Movement, Trace};
use serde::Serialize;
use serde_json::{Value, json};

/// A lot in a trace.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TracedLot {
    /// Its id in the ledger.
    pub lot_id: String,
    /// The article.
    pub sku: String,
    /// The supplier's lot number, or the batch's.
    pub lot_number: String,
    /// Last day it may be sold, `YYYY-MM-DD`.
    pub expiry_date: String,
    /// The purchase order it first came with.
    pub purchase_order_id: Option<String>,
    /// The production batch that made it.
    pub made_by_batch: Option<String>,
    /// When it was recalled, if it was.
    pub recalled_at: Option<String>,
    /// Production batches away from the lot traced (0: the lot itself).
    pub steps: i64,
}

/// A movement of a lot at a place.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MovementView {
    /// Its number in the ledger.
    pub id: i64,
    /// The lot.
    pub lot_id: String,
    /// The store.
    pub store_id: String,
    /// `frozen`, `chilled` or `ambient`.
    pub zone: &'static str,
    /// `received`, `sold`, `used`, `made`, `transferred_out`, `transferred_in`,
    /// `wasted`, `counted` or `recalled`.
    pub kind: &'static str,
    /// Whole units, in (+) or out (−) of the place.
    pub units: i64,
    /// What it belongs to: `order:ID`, `till:STORE:DAY`, a purchase order, a batch.
    pub reference: Option<String>,
    /// Who recorded it.
    pub actor: String,
    /// When, ISO 8601 with its offset.
    pub at: String,
}

/// What a trace reaches.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TraceView {
    /// The lot traced.
    pub lot_id: String,
    /// `downstream` (to what was made from it and where it went) or `upstream` (to
    /// what it was made from and where that came from).
    pub direction: &'static str,
    /// The lots reached, the one traced first, then by production steps away.
    pub lots: Vec<TracedLot>,
    /// Every movement of those lots, lot by lot, each in the order recorded.
    pub movements: Vec<MovementView>,
    /// The stores the lots were at.
    pub stores: Vec<String>,
    /// The production batches that used or made them.
    pub batches: Vec<String>,
    /// The purchase orders they came with.
    pub purchase_orders: Vec<String>,
    /// The customers' orders they were sold to.
    pub orders: Vec<String>,
}

/// The trace in `format` (`json`, `epcis` or `csv`; anything else is JSON) with its
/// media type: what the endpoint answers and the shell's `freshroute trace` prints.
pub fn export(
    trace: &Trace,
    direction: Direction,
    format: &str,
    zone: Zone,
    gtin_of: &dyn Fn(&str) -> Option<String>,
    now_ms: i64,
) -> (&'static str, String) {
    match format {
        "epcis" => (
            "application/ld+json",
            epcis(trace, zone, gtin_of, now_ms).to_string(),
        ),
        "csv" => ("text/csv; charset=utf-8", fsma_csv(trace, zone)),
        _ => (
            "application/json",
            serde_json::to_string(&view(trace, direction, zone)).unwrap_or_default(),
        ),
    }
}

/// The GTIN the catalog of `data` gives an article, if any.
pub fn gtin_in(data: Option<&crate::rounds::ProcurementData>, sku: &str) -> Option<String> {
    data?
        .catalog
        .skus
        .iter()
        .find(|s| s.id == sku)?
        .gtin
        .clone()
}

/// `downstream` or `upstream`.
pub fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::Downstream => "downstream",
        Direction::Upstream => "upstream",
    }
}

fn movement_view(m: &Movement, zone: Zone) -> MovementView {
    MovementView {
        id: m.id,
        lot_id: m.lot_id.clone(),
        store_id: m.shop_id.clone(),
        zone: m.zone.as_str(),
        kind: m.kind.as_str(),
        units: m.units,
        reference: m.reference.clone(),
        actor: m.actor.clone(),
        at: zone.format(m.at_ms),
    }
}

/// The trace as answered, times in `zone`.
pub fn view(trace: &Trace, direction: Direction, zone: Zone) -> TraceView {
    let lots = trace
        .lots
        .iter()
        .zip(&trace.steps)
        .map(|(l, steps)| TracedLot {
            lot_id: l.id.clone(),
            sku: l.sku.clone(),
            lot_number: l.lot_number.clone(),
            expiry_date: l.expiry_date.clone(),
            purchase_order_id: l.po_id.clone(),
            made_by_batch: l.made_by.clone(),
            recalled_at: l.recalled_ms.map(|ms| zone.format(ms)),
            steps: *steps,
        })
        .collect();
    let set = |f: &dyn Fn(&Movement) -> Option<String>| -> Vec<String> {
        trace
            .movements
            .iter()
            .filter_map(f)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    TraceView {
        lot_id: trace.lots.first().map(|l| l.id.clone()).unwrap_or_default(),
        direction: direction_name(direction),
        lots,
        movements: trace
            .movements
            .iter()
            .map(|m| movement_view(m, zone))
            .collect(),
        stores: set(&|m| Some(m.shop_id.clone())),
        batches: set(&|m| {
            matches!(m.kind, MoveKind::Used | MoveKind::Made)
                .then(|| m.reference.clone())
                .flatten()
        }),
        purchase_orders: set(&|m| {
            (m.kind == MoveKind::Received)
                .then(|| m.reference.clone())
                .flatten()
        }),
        orders: set(&|m| m.order().map(str::to_string)),
    }
}

/// Percent-encodes what a URI's path may not hold as is.
fn uri_part(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A lot as an EPCIS class: its GS1 Digital Link when its article has a GTIN, else a
/// freshroute URN.
fn epc_class(lot: Option<&Lot>, lot_id: &str, gtin_of: &dyn Fn(&str) -> Option<String>) -> String {
    match lot.and_then(|l| gtin_of(&l.sku).map(|g| (g, l))) {
        Some((gtin, l)) => format!(
            "https://id.gs1.org/01/{gtin}/10/{}",
            uri_part(&l.lot_number)
        ),
        None => format!("urn:freshroute:lot:{}", uri_part(lot_id)),
    }
}

/// The CBV business step, disposition and action of a movement's kind.
fn vocabulary(kind: MoveKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        MoveKind::Received | MoveKind::TransferredIn => ("receiving", "in_progress", "OBSERVE"),
        MoveKind::Sold => ("retail_selling", "retail_sold", "OBSERVE"),
        MoveKind::TransferredOut => ("shipping", "in_transit", "OBSERVE"),
        MoveKind::Wasted => ("destroying", "destroyed", "DELETE"),
        MoveKind::Counted => ("cycle_counting", "sellable_accessible", "OBSERVE"),
        MoveKind::Recalled => ("holding", "recalled", "OBSERVE"),
        MoveKind::Used | MoveKind::Made => ("commissioning", "active", "OBSERVE"),
    }
}

/// The business transaction a movement's reference names.
fn transaction(m: &Movement) -> Option<Value> {
    let r = m.reference.as_deref()?;
    Some(match (m.kind, m.order()) {
        (_, Some(order)) => {
            json!({"bizTransaction": format!("urn:freshroute:order:{}", uri_part(order))})
        }
        (MoveKind::Received, None) => {
            json!({"type": "po", "bizTransaction": format!("urn:freshroute:po:{}", uri_part(r))})
        }
        _ => json!({"bizTransaction": format!("urn:freshroute:ref:{}", uri_part(r))}),
    })
}

fn place(m: &Movement) -> (Value, Value) {
    (
        json!({"id": format!("urn:freshroute:store:{}:{}", uri_part(&m.shop_id), m.zone.as_str())}),
        json!({"id": format!("urn:freshroute:store:{}", uri_part(&m.shop_id))}),
    )
}

/// The trace as an EPCIS 2.0 JSON-LD document: an `ObjectEvent` per movement but
/// production's, a `TransformationEvent` per batch (its lots used in, its lots made
/// out). Times in `zone`; `gtin_of` names an article's GTIN.
pub fn epcis(
    trace: &Trace,
    zone: Zone,
    gtin_of: &dyn Fn(&str) -> Option<String>,
    created_ms: i64,
) -> Value {
    let lot = |id: &str| trace.lots.iter().find(|l| l.id == id);
    let class = |id: &str| epc_class(lot(id), id, gtin_of);
    let time = |ms: i64| (zone.format(ms), zone.offset(ms));
    let mut events = Vec::new();
    let mut batches: BTreeMap<&str, Vec<&Movement>> = BTreeMap::new();
    for m in &trace.movements {
        if let (MoveKind::Used | MoveKind::Made, Some(batch)) = (m.kind, m.reference.as_deref()) {
            batches.entry(batch).or_default().push(m);
            continue;
        }
        let (step, disposition, action) = vocabulary(m.kind);
        let (at, offset) = time(m.at_ms);
        let (read_point, location) = place(m);
        let mut e = json!({
            "type": "ObjectEvent",
            "eventID": format!("urn:freshroute:movement:{}", m.id),
            "eventTime": at,
            "eventTimeZoneOffset": offset,
            "action": action,
            "bizStep": step,
            "disposition": disposition,
            "epcList": [],
            "quantityList": [{"epcClass": class(&m.lot_id), "quantity": m.units.abs()}],
            "readPoint": read_point,
            "bizLocation": location,
        });
        if let Some(t) = transaction(m) {
            e["bizTransactionList"] = json!([t]);
        }
        events.push(e);
    }
    for (batch, moves) in batches {
        let at_ms = moves.iter().map(|m| m.at_ms).max().unwrap_or(0);
        let (at, offset) = time(at_ms);
        let list = |kind: MoveKind| -> Vec<Value> {
            moves
                .iter()
                .filter(|m| m.kind == kind)
                .map(|m| json!({"epcClass": class(&m.lot_id), "quantity": m.units.abs()}))
                .collect()
        };
        let (read_point, location) = place(moves[0]);
        events.push(json!({
            "type": "TransformationEvent",
            "eventID": format!("urn:freshroute:batch:{}", uri_part(batch)),
            "eventTime": at,
            "eventTimeZoneOffset": offset,
            "transformationID": format!("urn:freshroute:batch:{}", uri_part(batch)),
            "inputQuantityList": list(MoveKind::Used),
            "outputQuantityList": list(MoveKind::Made),
            "bizStep": "commissioning",
            "disposition": "active",
            "readPoint": read_point,
            "bizLocation": location,
        }));
    }
    json!({
        "@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": zone.format(created_ms),
        "epcisBody": {"eventList": events},
    })
}

/// The FSMA 204 critical tracking event a movement's kind is.
fn tracking_event(kind: MoveKind) -> &'static str {
    match kind {
        MoveKind::Received | MoveKind::TransferredIn => "receiving",
        MoveKind::TransferredOut => "shipping",
        MoveKind::Used | MoveKind::Made => "transformation",
        MoveKind::Sold => "sale",
        MoveKind::Wasted => "destruction",
        MoveKind::Counted => "count",
        MoveKind::Recalled => "recall",
    }
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The trace's key data elements as CSV, one row per movement, in time order (each
/// time ISO 8601 with its offset, so the rows sort as text too).
pub fn fsma_csv(trace: &Trace, zone: Zone) -> String {
    let mut rows: Vec<&Movement> = trace.movements.iter().collect();
    rows.sort_by_key(|m| (m.at_ms, m.id));
    let mut out = String::from(
        "event_time,tracking_event,traceability_lot_code,product,quantity,unit_of_measure,\
         location,zone,reference_document,expiry_date,lot_source\n",
    );
    for m in rows {
        let lot = trace.lots.iter().find(|l| l.id == m.lot_id);
        let source = lot
            .map(|l| match (&l.made_by, &l.po_id) {
                (Some(batch), _) => format!("batch {batch}"),
                (None, Some(po)) => format!("purchase order {po}"),
                (None, None) => "count".to_string(),
            })
            .unwrap_or_default();
        let cells = [
            zone.format(m.at_ms),
            tracking_event(m.kind).to_string(),
            m.lot_id.clone(),
            lot.map(|l| l.sku.clone()).unwrap_or_default(),
            m.units.abs().to_string(),
            "each".to_string(),
            m.shop_id.clone(),
            m.zone.as_str().to_string(),
            m.reference.clone().unwrap_or_default(),
            lot.map(|l| l.expiry_date.clone()).unwrap_or_default(),
            source,
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}
