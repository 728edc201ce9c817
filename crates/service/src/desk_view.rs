//! The planners' desk as pages (`desk.rs` serves them): the round, its purchase orders
//! and charts with their tables; one order with its lines, reasons, forecasts, actions
//! and audit trail.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use chrono::{Datelike, NaiveDate};
use freshroute_calendar::Zone;
use freshroute_store::{PoEvent, PoStatus, ProcurementRound, PurchaseOrder, StockLot};
use serde_json::Value;

use crate::charts::{self, Day};
use crate::pages::{esc, money, said_banner, signed_in_as};
use crate::purchase_views::approvals_needed;
use crate::purchasing::PurchasingPolicy;
use crate::rounds::StoredLine;

/// What the desk shows.
pub(crate) struct DeskData {
    pub(crate) who: String,
    pub(crate) round: Option<ProcurementRound>,
    /// Newest first.
    pub(crate) orders: Vec<PurchaseOrder>,
    pub(crate) lots: Vec<StockLot>,
    /// Store names by id.
    pub(crate) stores: HashMap<String, String>,
    pub(crate) policy: PurchasingPolicy,
    pub(crate) zone: Zone,
    pub(crate) today: NaiveDate,
}

/// What an order's page shows.
pub(crate) struct OrderData {
    pub(crate) who: String,
    pub(crate) order: PurchaseOrder,
    pub(crate) lines: Vec<StoredLine>,
    pub(crate) events: Vec<PoEvent>,
    /// Who holds each key, by key as audit trails record it.
    pub(crate) names: HashMap<String, String>,
    pub(crate) stores: HashMap<String, String>,
    /// Units sold at the order's store, by article and day (`YYYY-MM-DD`).
    pub(crate) sales: HashMap<(String, String), f64>,
    pub(crate) policy: PurchasingPolicy,
    pub(crate) zone: Zone,
    pub(crate) said: Option<crate::pages::Said>,
}

/// The desk's bar: its title, its pages, who is signed in.
pub(crate) fn header(who: &str) -> String {
    format!(
        "<header class=\"bar\"><h1>Planner's desk</h1><nav><a href=\"/desk\">Purchase orders</a> \
         <a href=\"/desk/transfers\">Transfers</a></nav>{}</header>\n",
        signed_in_as(who)
    )
}

/// The desk's body.
pub(crate) fn desk(d: &DeskData) -> String {
    let mut out = header(&d.who);
    out += &round(d);
    out += &orders_table(d);
    out += &stock_by_expiry(d);
    out += &crate::desk_lots::look_up_form("");
    out += &expected_waste(d);
    out
}

fn store_name<'a>(stores: &'a HashMap<String, String>, id: &'a str) -> &'a str {
    stores.get(id).map_or(id, String::as_str)
}

fn round(d: &DeskData) -> String {
    let Some(r) = &d.round else {
        return "<section><h2>Latest round</h2><p class=\"quiet\">No planning round has run yet.</p></section>\n".to_string();
    };
    let rows: Vec<(String, f64)> = r.report["stores"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            let id = s["store"].as_str().unwrap_or("?");
            (
                store_name(&d.stores, id).to_string(),
                s["value_cents"].as_i64().unwrap_or(0) as f64 / 100.0,
            )
        })
        .collect();
    format!(
        "<section aria-labelledby=\"round-h\"><h2 id=\"round-h\">Latest round: orders placed {}</h2>\
<p>{} proposals, planned in {:.1} s, finished {}.</p>{}</section>\n",
        esc(&r.plan_date),
        r.report["proposals"].as_u64().unwrap_or(0),
        r.report["seconds"].as_f64().unwrap_or(0.0),
        esc(&d.zone.format(r.finished_ms)),
        charts::bars(
            "value-by-store",
            "Proposed value by store",
            ("Store", "Value"),
            &rows
        )
    )
}

fn orders_table(d: &DeskData) -> String {
    let mut sorted: Vec<&PurchaseOrder> = d.orders.iter().collect();
    sorted.sort_by_key(|o| (o.status != PoStatus::Proposed, o.delivery_date.clone()));
    let mut rows = String::new();
    for o in sorted {
        let _ = write!(
            rows,
            "<tr><th scope=\"row\"><a href=\"/desk/purchase-orders/{id}\">{id}</a></th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{} of {}</td></tr>",
            esc(store_name(&d.stores, &o.shop_id)),
            esc(&o.supplier_id),
            esc(&o.delivery_date),
            o.status.as_str(),
            money(o.value_cents),
            o.approvals.len(),
            approvals_needed(o, &d.policy),
            id = esc(&o.id),
        );
    }
    if rows.is_empty() {
        return "<section><h2>Purchase orders</h2><p class=\"quiet\">None yet.</p></section>\n"
            .to_string();
    }
    format!(
        "<section aria-labelledby=\"po-h\"><h2 id=\"po-h\">Purchase orders ({} waiting for approval)</h2>\
<table><thead><tr><th scope=\"col\">Order</th><th scope=\"col\">Store</th><th scope=\"col\">Supplier</th>\
<th scope=\"col\">Arrives</th><th scope=\"col\">Status</th><th scope=\"col\">Value</th><th scope=\"col\">Approvals</th></tr></thead>\
<tbody>{rows}</tbody></table></section>\n",
        d.orders
            .iter()
            .filter(|o| o.status == PoStatus::Proposed)
            .count()
    )
}

/// Units in stock by the day they expire, from today on (the next 14 such days).
fn stock_by_expiry(d: &DeskData) -> String {
    let today = d.today.format("%Y-%m-%d").to_string();
    let mut by_day: BTreeMap<&str, f64> = BTreeMap::new();
    for l in d.lots.iter().filter(|l| l.lot.expiry_date >= today) {
        *by_day.entry(l.lot.expiry_date.as_str()).or_default() += l.units as f64;
    }
    let rows: Vec<(String, f64)> = by_day
        .into_iter()
        .take(14)
        .map(|(day, units)| (day.to_string(), units))
        .collect();
    format!(
        "<section aria-labelledby=\"stock-h\"><h2 id=\"stock-h\">Stock by expiry</h2>{}</section>\n",
        charts::bars(
            "stock-by-expiry",
            "Units in stock by the day they expire",
            ("Expires", "Units"),
            &rows
        )
    )
}

/// Units the plans expect to throw away, by store and by the week their deliveries
/// arrive (each week by its Monday), over the orders on the desk but those rejected.
fn expected_waste(d: &DeskData) -> String {
    let mut by_store_week: BTreeMap<(String, NaiveDate), f64> = BTreeMap::new();
    for o in d.orders.iter().filter(|o| o.status != PoStatus::Rejected) {
        let Ok(day) = NaiveDate::parse_from_str(&o.delivery_date, "%Y-%m-%d") else {
            continue;
        };
        let monday = day - chrono::Duration::days(i64::from(day.weekday().num_days_from_monday()));
        let waste: f64 = o.explanation["lines"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| l["why"]["expected_waste_units"].as_f64())
            .sum();
        *by_store_week
            .entry((store_name(&d.stores, &o.shop_id).to_string(), monday))
            .or_default() += waste;
    }
    if by_store_week.is_empty() {
        return String::new();
    }
    let mut groups: Vec<(String, Vec<(String, f64)>)> = Vec::new();
    for ((store, monday), units) in by_store_week {
        let week = monday.format("%d %b").to_string();
        match groups.last_mut() {
            Some((name, rows)) if *name == store => rows.push((week, units)),
            _ => groups.push((store, vec![(week, units)])),
        }
    }
    format!(
        "<section aria-labelledby=\"waste-h\"><h2 id=\"waste-h\">Expected waste</h2>\
<p class=\"quiet\">What the plans expect to throw away; what is actually thrown away is not recorded yet.</p>{}</section>\n",
        charts::grouped_bars(
            "waste-by-store-and-week",
            "Units the plans expect to throw away, by store and the week (from its Monday) their deliveries arrive",
            ("Store", "Week of", "Units"),
            &groups
        )
    )
}

/// An order's body.
pub(crate) fn order(d: &OrderData) -> String {
    let o = &d.order;
    let mut out = header(&d.who);
    let _ = write!(out, "<h2>Purchase order {}</h2>", esc(&o.id));
    if let Some(said) = &d.said {
        out += &said_banner(said);
    }
    out += &summary(d);
    if o.status == PoStatus::Proposed {
        out += &actions(d);
    }
    out += &lines_table(d);
    out += &reasons(d);
    out += &trail(d);
    out
}

fn summary(d: &OrderData) -> String {
    let o = &d.order;
    let approvers: Vec<String> = o.approvals.iter().map(|a| who_is(&d.names, a)).collect();
    let mut out = format!(
        "<dl class=\"summary\"><dt>Store</dt><dd>{}</dd><dt>Supplier</dt><dd>{}</dd>\
<dt>Placed</dt><dd>{}</dd><dt>Arrives</dt><dd>{}</dd><dt>Status</dt><dd>{}</dd>\
<dt>Value</dt><dd>{}</dd><dt>Approvals</dt><dd>{} of {}{}</dd>",
        esc(store_name(&d.stores, &o.shop_id)),
        esc(&o.supplier_id),
        esc(&o.order_date),
        esc(&o.delivery_date),
        o.status.as_str(),
        money(o.value_cents),
        o.approvals.len(),
        approvals_needed(o, &d.policy),
        if approvers.is_empty() {
            String::new()
        } else {
            format!(": {}", esc(&approvers.join(", ")))
        }
    );
    if let Some(r) = &o.reason {
        let _ = write!(out, "<dt>Rejected because</dt><dd>{}</dd>", esc(r));
    }
    out + "</dl>\n"
}

fn who_is(names: &HashMap<String, String>, key: &str) -> String {
    match names.get(key) {
        Some(n) => format!("{n} ({key})"),
        None => key.to_string(),
    }
}

fn actions(d: &OrderData) -> String {
    let o = &d.order;
    let id = esc(&o.id);
    let version = o.version;
    let mut cases = String::new();
    for l in &d.lines {
        let sku = esc(&l.quantity.sku);
        let _ = write!(
            cases,
            "<tr><th scope=\"row\"><label for=\"cases-{sku}\">{sku}</label></th><td><input id=\"cases-{sku}\" name=\"cases.{sku}\" type=\"number\" min=\"0\" max=\"100000\" step=\"1\" value=\"{}\" inputmode=\"numeric\"></td><td>{} proposed</td></tr>",
            l.quantity.cases, l.proposed_cases
        );
    }
    format!(
        "<section aria-labelledby=\"act-h\" class=\"actions\"><h3 id=\"act-h\">Decide</h3>\
<form method=\"post\" action=\"/desk/purchase-orders/{id}/approve\"><input type=\"hidden\" name=\"version\" value=\"{version}\">\
<button type=\"submit\">Approve</button></form>\
<form method=\"post\" action=\"/desk/purchase-orders/{id}/edit\"><input type=\"hidden\" name=\"version\" value=\"{version}\">\
<table class=\"edit\"><caption>Cases to order</caption><tbody>{cases}</tbody></table>\
<button type=\"submit\">Save and price the edit</button></form>\
<form method=\"post\" action=\"/desk/purchase-orders/{id}/reject\"><input type=\"hidden\" name=\"version\" value=\"{version}\">\
<label for=\"reason\">Why reject it</label><textarea id=\"reason\" name=\"reason\" rows=\"2\" maxlength=\"500\" required></textarea>\
<button type=\"submit\">Reject</button></form></section>\n"
    )
}

fn lines_table(d: &OrderData) -> String {
    let mut rows = String::new();
    for l in &d.lines {
        let q = &l.quantity;
        let _ = write!(
            rows,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&q.sku),
            q.cases,
            q.units,
            money(q.unit_cost_cents),
            money(q.cost_cents),
            l.proposed_cases,
            l.received_units
        );
    }
    format!(
        "<section aria-labelledby=\"lines-h\"><h3 id=\"lines-h\">Lines</h3><table><thead><tr><th scope=\"col\">Article</th>\
<th scope=\"col\">Cases</th><th scope=\"col\">Units</th><th scope=\"col\">Unit cost</th><th scope=\"col\">Cost</th>\
<th scope=\"col\">Proposed cases</th><th scope=\"col\">Received units</th></tr></thead><tbody>{rows}</tbody></table></section>\n"
    )
}

/// Each line's reasons in words and its forecast against what sold.
fn reasons(d: &OrderData) -> String {
    let mut out =
        String::from("<section aria-labelledby=\"why-h\"><h3 id=\"why-h\">Why each line</h3>");
    for l in d.order.explanation["lines"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let sku = l["sku"].as_str().unwrap_or("?");
        let why = &l["why"];
        let _ = write!(
            out,
            "<h4>{}</h4><p>{}; {}. Forecast by the {} method; expected waste {:.1} units, missed sales {:.1}.</p>",
            esc(sku),
            esc(why["quantity"].as_str().unwrap_or("")),
            esc(why["supplier"].as_str().unwrap_or("")),
            esc(why["method"].as_str().unwrap_or("?")),
            why["expected_waste_units"].as_f64().unwrap_or(0.0),
            why["expected_lost_units"].as_f64().unwrap_or(0.0),
        );
        out += &charts::forecast(
            &format!("forecast-{}", id_safe(sku)),
            &format!("{sku}: sold and expected per day"),
            &days(d, sku, why),
        );
    }
    out + "</section>\n"
}

/// The days sold before the round, then the forecast's days.
fn days(d: &OrderData, sku: &str, why: &Value) -> Vec<Day> {
    let forecast: Vec<(String, f64, f64)> = why["forecast"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| {
            Some((
                f["date"].as_str()?.to_string(),
                f["mean"].as_f64()?,
                f["p90"].as_f64()?,
            ))
        })
        .collect();
    let first = forecast.first().map(|f| f.0.clone()).unwrap_or_default();
    let mut sold: Vec<(&String, f64)> = d
        .sales
        .iter()
        .filter(|((s, day), _)| s == sku && (first.is_empty() || *day < first))
        .map(|((_, day), units)| (day, *units))
        .collect();
    sold.sort_by(|a, b| a.0.cmp(b.0));
    let mut out: Vec<Day> = sold
        .into_iter()
        .map(|(date, units)| Day {
            date: date.clone(),
            actual: Some(units),
            mean: None,
            p90: None,
        })
        .collect();
    out.extend(forecast.into_iter().map(|(date, mean, p90)| Day {
        actual: d.sales.get(&(sku.to_string(), date.clone())).copied(),
        date,
        mean: Some(mean),
        p90: Some(p90),
    }));
    out
}

fn id_safe(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

fn trail(d: &OrderData) -> String {
    let mut rows = String::new();
    for e in &d.events {
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}</td><th scope=\"row\">{}</th><td><code>{}</code></td></tr>",
            esc(&d.zone.format(e.at_ms)),
            esc(&who_is(&d.names, &e.actor)),
            esc(&e.action),
            esc(&e.detail.to_string())
        );
    }
    format!(
        "<section aria-labelledby=\"trail-h\"><h3 id=\"trail-h\">Audit trail</h3><table><thead><tr><th scope=\"col\">When</th>\
<th scope=\"col\">Who</th><th scope=\"col\">What</th><th scope=\"col\">Detail</th></tr></thead><tbody>{rows}</tbody></table></section>\n"
    )
}

/// The desk's styles.
pub(crate) const STYLE: &str = "body{margin:0;font:15px/1.45 system-ui,sans-serif;color:#1a1a1a;background:#fff}\
main{max-width:72rem;margin:0 auto;padding:0 1rem 2rem}\
.bar{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;border-bottom:1px solid #c9d1cc}\
.bar h1{font-size:1.3rem;margin:.5rem 0}.who{margin-left:auto}\
h2{font-size:1.15rem;margin:1.2rem 0 .4rem}h3{font-size:1.05rem;margin:1rem 0 .3rem}h4{margin:.8rem 0 .2rem}\
table{border-collapse:collapse}th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #e1e5e3;vertical-align:top}\
td.num{text-align:right;font-variant-numeric:tabular-nums}code{font-size:.85rem;word-break:break-all}\
.summary{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}.summary dt{font-weight:600}.summary dd{margin:0}\
.actions form{margin:.6rem 0}.actions textarea{display:block;width:100%;max-width:32rem;font:inherit}\
.edit input{width:6rem;font:inherit}.quiet{color:#4d4d4d}\
.done,.error{padding:.5rem .75rem;margin:.5rem 0}.done{background:#edf7ef;border-left:4px solid #2f6b3f}\
.error{background:#fdecea;border-left:4px solid #b42318}button{font:inherit}a{color:#1d4f91}label{font-weight:600}";

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn order(id: &str, shop: &str, delivery: &str, waste: f64, status: PoStatus) -> PurchaseOrder {
        PurchaseOrder {
            id: id.to_string(),
            round_id: "r1".to_string(),
            shop_id: shop.to_string(),
            supplier_id: "dairy".to_string(),
            order_date: "2026-11-30".to_string(),
            delivery_date: delivery.to_string(),
            status,
            value_cents: 1_000,
            lines: json!([]),
            explanation: json!({"lines": [
                {"why": {"expected_waste_units": waste}},
                {"why": {"expected_waste_units": 1.0}}
            ]}),
            approvals: Vec::new(),
            reason: None,
            version: 1,
            created_ms: 0,
            updated_ms: 0,
        }
    }

    #[test]
    fn expected_waste_is_summed_by_store_and_the_week_deliveries_arrive() {
        let d = DeskData {
            who: "planner".to_string(),
            round: None,
            orders: vec![
                // Wednesday and Sunday of one week, Monday of the next; one rejected.
                order("a", "s1", "2026-12-02", 2.0, PoStatus::Proposed),
                order("b", "s1", "2026-12-06", 0.5, PoStatus::Approved),
                order("c", "s1", "2026-12-07", 4.0, PoStatus::Proposed),
                order("d", "s1", "2026-12-08", 9.0, PoStatus::Rejected),
            ],
            lots: Vec::new(),
            stores: HashMap::from([("s1".to_string(), "Aliados".to_string())]),
            policy: PurchasingPolicy::default(),
            zone: Zone::UTC,
            today: NaiveDate::from_ymd_opt(2026, 12, 7).expect("date"),
        };
        let html = expected_waste(&d);
        // 2 + 1 + 0.5 + 1 in the first week; 4 + 1 in the second; the rejected left out.
        let row = |week: &str, units: &str| {
            format!("<th scope=\"row\">Aliados</th><td>{week}</td><td class=\"num\">{units}</td>")
        };
        assert!(html.contains(&row("30 Nov", "4.5")), "{html}");
        assert!(html.contains(&row("07 Dec", "5")), "{html}");
        assert_eq!(html.matches("<tr><th scope=\"row\"").count(), 2, "{html}");
    }
}
