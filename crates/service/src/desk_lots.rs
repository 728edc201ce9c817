//! A lot on the planner's desk: where its units are, what it was made into and whom it
//! reached, what it was made from, its exports, and the recall drill, a button that
//! recalls it once its number is typed to confirm.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use freshroute_store::{Direction, Ledger, Trace};
use serde::Deserialize;

use crate::ApiError;
use crate::desk::{Desk, html};
use crate::login::Person;
use crate::lots::{recall_lot, unknown_lot};
use crate::pages::{Said, esc, outcome, query_escape, said_banner};
use crate::state::AppState;

/// Which lot.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(crate) struct LotQuery {
    /// The lot (`SKU:LOT` for a supplier's).
    id: String,
}

/// A lot's page on the desk.
#[utoipa::path(get, path = "/desk/lot", tag = "pages", params(LotQuery),
    responses(
        (status = 200, description = "The lot: where it is, what it reached, what it came from, the recall drill", content_type = "text/html", body = String),
        (status = 404, description = "No such lot: the page saying so, with the form to look again", content_type = "text/html", body = String),
    ))]
pub(crate) async fn page(
    State(state): State<AppState>,
    Person { caller, .. }: Person<Desk>,
    query: Result<Query<LotQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let who = crate::login::who(&caller);
    let id = query.map(|Query(q)| q.id).unwrap_or_default();
    lot_page(&state, &who, id.trim(), None, StatusCode::OK).await
}

/// What the recall drill posts: the lot, and its number typed to confirm.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RecallForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    confirm: String,
}

/// Recalls the lot from the desk once its number (or id) is typed to confirm.
#[utoipa::path(post, path = "/desk/lot/recall", tag = "pages",
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`id`, and `confirm`: the lot's number or id typed again"),
    responses(
        (status = 200, description = "The lot again, saying what the recall did", content_type = "text/html", body = String),
        (status = 409, description = "Recalled already: the lot again, saying so", content_type = "text/html", body = String),
        (status = 422, description = "Not confirmed: the lot again, nothing changed", content_type = "text/html", body = String),
    ))]
pub(crate) async fn recall(
    State(state): State<AppState>,
    Person { caller, .. }: Person<Desk>,
    form: Result<Form<RecallForm>, FormRejection>,
) -> Response {
    let who = crate::login::who(&caller);
    let f = form.map(|Form(f)| f).unwrap_or_default();
    let id = f.id.trim().to_string();
    let done = recall_confirmed(&state, &id, f.confirm.trim(), &caller.by_key()).await;
    let (said, status) = outcome(done);
    lot_page(&state, &who, &id, Some(said), status).await
}

async fn recall_confirmed(
    state: &AppState,
    id: &str,
    confirm: &str,
    actor: &str,
) -> Result<String, ApiError> {
    let number = id.split_once(':').map_or(id, |(_, n)| n);
    if confirm != id && confirm != number {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_confirmed",
            format!("type the lot's number, {number}, to confirm the recall"),
        )
        .at("confirm"));
    }
    let now = state.clock.now_ms();
    let done = recall_lot(&state.store, state.time_zone, now, id, actor).await?;
    state.outbox_wake.notify_one();
    Ok(format!(
        "Lot {id} is recalled: {} lots, {} units taken off sale at {} places; {} customers' orders reached, {} of them told.",
        done.lots.len(),
        done.taken_off.iter().map(|t| t.units).sum::<i64>(),
        done.taken_off.len(),
        done.orders.len(),
        done.orders.iter().filter(|o| o.status.is_some()).count(),
    ))
}

async fn lot_page(
    state: &AppState,
    who: &str,
    id: &str,
    said: Option<Said>,
    status: StatusCode,
) -> Response {
    let found = async {
        let down = state.store.trace(id, Direction::Downstream).await?;
        let up = state.store.trace(id, Direction::Upstream).await?;
        Ok::<_, ApiError>(down.zip(up))
    }
    .await;
    let mut body = crate::desk_view::header(who);
    if let Some(s) = &said {
        body += &said_banner(s);
    }
    body += &look_up_form(id);
    match found {
        Ok(Some((down, up))) => {
            body += &lot_sections(state, &down, &up);
            html(status, &format!("Lot {id}"), &body)
        }
        Ok(None) => {
            let e = unknown_lot(id);
            let _ = write!(
                body,
                "<p class=\"error\" role=\"alert\">{}</p>",
                esc(&e.message)
            );
            html(StatusCode::NOT_FOUND, "No such lot", &body)
        }
        Err(e) => e.into_response(),
    }
}

/// The form that opens a lot's page.
pub(crate) fn look_up_form(id: &str) -> String {
    format!(
        "<section aria-labelledby=\"trace-h\"><h2 id=\"trace-h\">Trace a lot</h2>\
<form method=\"get\" action=\"/desk/lot\"><label for=\"lot-id\">Lot</label> \
<input id=\"lot-id\" name=\"id\" value=\"{}\" placeholder=\"CREAM-35:L-42\" required> \
<button type=\"submit\">Trace</button></form></section>\n",
        esc(id)
    )
}

fn lot_sections(state: &AppState, down: &Trace, up: &Trace) -> String {
    let zone = state.time_zone;
    let lot = &down.lots[0];
    let mut out = format!(
        "<section aria-labelledby=\"lot-h\"><h2 id=\"lot-h\">Lot {}</h2><p>{} · lot number {} · sold until {}{}{}</p>",
        esc(&lot.id),
        esc(&lot.sku),
        esc(&lot.lot_number),
        lot.expires_ms
            .map_or_else(|| esc(&lot.expiry_date), |ms| esc(&zone.format(ms))),
        lot.made_by
            .as_deref()
            .map(|b| format!(" · made by batch {}", esc(b)))
            .unwrap_or_default(),
        lot.recalled_ms
            .map(|ms| format!(" · <strong>recalled {}</strong>", esc(&zone.format(ms))))
            .unwrap_or_default(),
    );
    out += &on_hand(down);
    out += "</section>\n";
    let view = crate::trace_export::view(down, Direction::Downstream, zone);
    let _ = writeln!(
        out,
        "<section aria-labelledby=\"down-h\"><h2 id=\"down-h\">What it reached</h2>\
<p>Made into {}, at {}; sold to {}; through {}.</p>{}{}</section>",
        counted(view.lots.len() - 1, "lot", "lots"),
        counted(view.stores.len(), "store", "stores"),
        counted(view.orders.len(), "customer's order", "customers' orders"),
        counted(view.batches.len(), "production batch", "production batches"),
        lots_table("made-from", &down.lots[1..]),
        orders_list(&view.orders),
    );
    let _ = writeln!(
        out,
        "<section aria-labelledby=\"up-h\"><h2 id=\"up-h\">What it came from</h2>{}</section>",
        if up.lots.len() > 1 {
            lots_table("made-of", &up.lots[1..])
        } else {
            match lot.po_id.as_deref() {
                Some(po) => format!("<p>Received with purchase order {}.</p>", esc(po)),
                None => {
                    "<p>First met in a count: no receipt or batch names where it came from.</p>"
                        .to_string()
                }
            }
        }
    );
    let q = query_escape(&lot.id);
    let _ = writeln!(
        out,
        "<section aria-labelledby=\"export-h\"><h2 id=\"export-h\">Exports</h2><p>\
<a href=\"/v1/lots/{q}/trace?format=epcis\" download>GS1 EPCIS 2.0 (JSON-LD)</a> · \
<a href=\"/v1/lots/{q}/trace?format=csv\" download>FSMA 204 key data elements (CSV)</a></p></section>"
    );
    if lot.recalled_ms.is_none() {
        out += &recall_form(lot);
    }
    out
}

/// `n` and the noun that goes with it.
fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Units on hand of the lot and what was made from it, by store and zone.
fn on_hand(t: &Trace) -> String {
    let mut held: BTreeMap<(&str, &str, &str), i64> = BTreeMap::new();
    for m in &t.movements {
        *held
            .entry((m.shop_id.as_str(), m.zone.as_str(), m.lot_id.as_str()))
            .or_default() += m.units;
    }
    let rows: String = held
        .iter()
        .filter(|(_, u)| **u > 0)
        .map(|((s, z, l), u)| {
            format!(
                "<tr><td>{}</td><td>{z}</td><td>{}</td><td class=\"num\">{u}</td></tr>",
                esc(s),
                esc(l)
            )
        })
        .collect();
    if rows.is_empty() {
        return "<p>No unit of it, or of what was made from it, is on hand.</p>".to_string();
    }
    format!(
        "<table><caption>On hand</caption><thead><tr><th scope=\"col\">Store</th><th scope=\"col\">Zone</th>\
<th scope=\"col\">Lot</th><th scope=\"col\">Units</th></tr></thead><tbody>{rows}</tbody></table>"
    )
}

fn lots_table(id: &str, lots: &[freshroute_store::Lot]) -> String {
    if lots.is_empty() {
        return String::new();
    }
    let rows: String = lots
        .iter()
        .take(200)
        .map(|l| {
            format!(
                "<tr><th scope=\"row\"><a href=\"/desk/lot?id={}\">{}</a></th><td>{}</td><td>{}</td></tr>",
                query_escape(&l.id),
                esc(&l.id),
                esc(&l.sku),
                esc(&l.expiry_date)
            )
        })
        .collect();
    format!(
        "<table id=\"{id}\"><thead><tr><th scope=\"col\">Lot</th><th scope=\"col\">Article</th>\
<th scope=\"col\">Last day</th></tr></thead><tbody>{rows}</tbody></table>{}",
        if lots.len() > 200 {
            format!(
                "<p class=\"quiet\">The first 200 of {} lots; the exports list them all.</p>",
                lots.len()
            )
        } else {
            String::new()
        }
    )
}

fn orders_list(orders: &[String]) -> String {
    if orders.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = orders.iter().take(50).map(|o| esc(o)).collect();
    format!(
        "<p>Orders: {}{}</p>",
        shown.join(", "),
        if orders.len() > 50 { " …" } else { "" }
    )
}

fn recall_form(lot: &freshroute_store::Lot) -> String {
    format!(
        "<section aria-labelledby=\"recall-h\"><h2 id=\"recall-h\">Recall</h2>\
<p>Takes every unit of this lot and of what was made from it off sale, everywhere, at once, and tells the customers' orders it reached.</p>\
<form method=\"post\" action=\"/desk/lot/recall\"><input type=\"hidden\" name=\"id\" value=\"{}\">\
<label for=\"confirm\">Type the lot number, {}, to confirm</label> <input id=\"confirm\" name=\"confirm\" autocomplete=\"off\"> \
<button type=\"submit\" class=\"danger\">Recall this lot</button></form></section>\n",
        esc(&lot.id),
        esc(&lot.lot_number)
    )
}
