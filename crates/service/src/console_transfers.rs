//! Transfer trips on the dispatcher's console (`/console/transfers`): each van's trip
//! stop by stop (when, which store, what is picked up or handed over), its kilometres
//! and minutes beside one direct trip per pair, what no van could take and why, and a
//! button at each delivery that records it delivered through the same function as the
//! API (`transfers.rs`).

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use freshroute_store::{Decision, Shop, Storage, Transfer, TransferStatus, Transfers};
use serde::Deserialize;

use crate::ApiError;
use crate::console::Dispatch;
use crate::desk::html;
use crate::login::Person;
use crate::pages::{Said, esc, outcome, said_banner, signed_in_as};
use crate::state::AppState;
use crate::transfer_trips::{TripView, TripsView, plan};
use crate::transfers::decide_as;

/// The transfer trips page.
#[utoipa::path(get, path = "/console/transfers", tag = "pages",
    responses(
        (status = 200, description = "The vans' trips for the transfers on their way", content_type = "text/html", body = String),
        (status = 303, description = "No session: on to sign in"),
    ))]
pub(crate) async fn page(
    State(state): State<AppState>,
    Person { caller, .. }: Person<Dispatch>,
) -> Response {
    let who = crate::login::who(&caller);
    trips_page(&state, &who, None, StatusCode::OK).await
}

/// What a delivery's button posts.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DeliveredForm {
    #[serde(default)]
    id: String,
}

/// Records a transfer delivered, and shows the trips again.
#[utoipa::path(post, path = "/console/transfers/delivered", tag = "pages",
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`id`: the transfer"),
    responses(
        (status = 200, description = "The page again, saying what was done", content_type = "text/html", body = String),
        (status = 409, description = "Not on its way (delivered already, never approved): the page saying so", content_type = "text/html", body = String),
    ))]
pub(crate) async fn delivered(
    State(state): State<AppState>,
    Person { caller, .. }: Person<Dispatch>,
    form: Result<Form<DeliveredForm>, FormRejection>,
) -> Response {
    let who = crate::login::who(&caller);
    let id = form.map(|Form(f)| f.id).unwrap_or_default();
    let done = decide_as(&state, &caller.by_key(), id.trim(), &Decision::Deliver)
        .await
        .map(|t| {
            format!(
                "{} {} from {} recorded delivered at {}.",
                t.units, t.sku, t.from_shop, t.to_shop
            )
        });
    let (said, status) = outcome(done);
    trips_page(&state, &who, Some(said), status).await
}

async fn trips_page(
    state: &AppState,
    who: &str,
    said: Option<Said>,
    status: StatusCode,
) -> Response {
    let read = async {
        let on_the_way = state
            .store
            .transfers(Some(TransferStatus::Approved))
            .await?;
        let shops = state.store.shops().await?;
        let view = plan(state, &on_the_way, &shops).await?;
        Ok::<_, ApiError>((on_the_way, shops, view))
    };
    let (on_the_way, shops, view) = match read.await {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let mut body = format!(
        "<header class=\"bar\"><h1>Dispatch</h1><nav><a href=\"/console\">Orders and couriers</a> \
         <a href=\"/console/transfers\" aria-current=\"page\">Transfer trips</a></nav>{}</header>\n",
        signed_in_as(who)
    );
    if let Some(s) = &said {
        body += &said_banner(s);
    }
    body += &trips_body(&on_the_way, &shops, &view);
    html(status, "Transfer trips", &body)
}

/// The page's sections: the comparison, each van's trip, what was left out.
fn trips_body(on_the_way: &[Transfer], shops: &[Shop], view: &TripsView) -> String {
    let names: HashMap<&str, &str> = shops
        .iter()
        .map(|s| (s.id.as_str(), s.name.as_str()))
        .collect();
    let name = |id: &str| names.get(id).copied().unwrap_or(id).to_string();
    let by_id: HashMap<&str, &Transfer> = on_the_way.iter().map(|t| (t.id.as_str(), t)).collect();
    let mut out =
        String::from("<section aria-labelledby=\"trips-h\"><h2 id=\"trips-h\">Transfer trips</h2>");
    if on_the_way.is_empty() {
        out += "<p>No transfer is on its way: approved transfers appear here with their van trips.</p></section>";
        return out;
    }
    let km: i64 = view.trips.iter().map(|t| t.metres).sum();
    let _ = write!(
        out,
        "<p class=\"summary\">{} transfer{} on {} trip{} from {}: {:.1} km, against {:.1} km for {} direct trip{}. \
         Cold-chain, room and shift breaches found by the checker: {}.</p>",
        on_the_way.len(),
        plural(on_the_way.len()),
        view.trips.len(),
        plural(view.trips.len()),
        esc(&view.depot.as_deref().map(&name).unwrap_or_default()),
        km as f64 / 1000.0,
        view.direct_metres as f64 / 1000.0,
        view.direct_trips,
        plural(view.direct_trips),
        view.violations
    );
    for trip in &view.trips {
        out += &trip_table(trip, &by_id, &name);
    }
    out += "</section>";
    if !view.left_out.is_empty() {
        out += "<section aria-labelledby=\"left-h\"><h2 id=\"left-h\">No van could take</h2><ul>";
        for (id, why) in &view.left_out {
            let what = by_id
                .get(id.as_str())
                .map_or(id.clone(), |t| carried(t, &name));
            let _ = write!(out, "<li>{}: {}</li>", esc(&what), esc(why));
        }
        out += "</ul></section>";
    }
    out
}

fn trip_table(
    trip: &TripView,
    by_id: &HashMap<&str, &Transfer>,
    name: &dyn Fn(&str) -> String,
) -> String {
    let mut out = format!(
        "<table><caption>Van {}: {} stops, {:.1} km, {} min</caption><thead><tr>\
         <th scope=\"col\">When</th><th scope=\"col\">Store</th><th scope=\"col\">Stop</th>\
         <th scope=\"col\">Carries</th><th scope=\"col\">Done</th></tr></thead><tbody>",
        trip.van + 1,
        trip.stops.len(),
        trip.metres as f64 / 1000.0,
        trip.minutes
    );
    for stop in &trip.stops {
        let goods: Vec<String> = stop
            .transfers
            .iter()
            .filter_map(|id| by_id.get(id.as_str()))
            .map(|t| carried(t, name))
            .collect();
        let done = if stop.action == "delivery" {
            stop.transfers
                .iter()
                .map(|id| {
                    format!(
                        "<form method=\"post\" action=\"/console/transfers/delivered\">\
                         <input type=\"hidden\" name=\"id\" value=\"{}\">\
                         <button type=\"submit\">Delivered {}</button></form>",
                        esc(id),
                        esc(&by_id.get(id.as_str()).map_or(id.clone(), |t| t.sku.clone()))
                    )
                })
                .collect()
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(stop.at.get(11..16).unwrap_or(&stop.at)),
            esc(&name(&stop.store_id)),
            if stop.action == "pickup" {
                "pick up"
            } else {
                "hand over"
            },
            esc(&goods.join("; ")),
            done
        );
    }
    out += "</tbody></table>";
    out
}

/// What a transfer carries, said for a driver: units, article, from and to.
fn carried(t: &Transfer, name: &dyn Fn(&str) -> String) -> String {
    let recalled = t.recalled_lot.as_deref().map_or(String::new(), |lot| {
        format!(" (lot {lot} recalled: set aside)")
    });
    format!(
        "{} {} ({}) {} → {}{recalled}",
        t.units,
        t.sku,
        t.zone.as_str(),
        name(&t.from_shop),
        name(&t.to_shop)
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
