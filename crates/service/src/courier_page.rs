//! The courier's page (`/courier`): its next stops in order, each with where, when (the
//! ETA from its latest fix, in its own time zone), what to collect or hand over and the
//! customer's notes, and a button to say the order is picked up or delivered, through
//! the same rules as the API (`orders::change`). A dispatcher or admin opens a courier's
//! page with `?id=`.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use freshroute_calendar::Zone;
use freshroute_store::{Role, Storage};
use serde::Deserialize;

use crate::ApiError;
use crate::auth::Caller;
use crate::login::{Person, Screen};
use crate::orders::{self, StatusChange};
use crate::pages::{Page, clock, document, esc, said_banner, signed_in_as};
use crate::plan_views::{CourierStops, StopAhead};
use crate::planner::stops_ahead;
use crate::state::AppState;

/// The courier's page: for couriers, and the dispatchers and admins who look over
/// their shoulders.
pub(crate) struct CourierPage;

impl Screen for CourierPage {
    const ROLES: &'static [Role] = &[Role::Courier, Role::Dispatcher, Role::Admin];
    const PAGE: &'static str = "/courier";
}

/// Whose page.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub(crate) struct Whose {
    /// The courier (a dispatcher's or admin's view; a courier's key sees its own).
    id: Option<String>,
}

/// A courier's next stops.
#[utoipa::path(get, path = "/courier", tag = "pages", params(Whose),
    responses(
        (status = 200, description = "The courier's next stops", content_type = "text/html", body = String),
        (status = 303, description = "No session: on to sign in"),
    ))]
pub(crate) async fn page(
    State(state): State<AppState>,
    Person { caller, .. }: Person<CourierPage>,
    Query(whose): Query<Whose>,
) -> Response {
    render(&state, &caller, whose.id, None, StatusCode::OK).await
}

/// Says an order is picked up (`picked_up`) or delivered (`delivered`), from the page.
#[utoipa::path(post, path = "/courier/orders/{id}/{status}", tag = "pages",
    params(
        ("id" = String, Path, description = "The order's id"),
        ("status" = String, Path, description = "`picked_up` or `delivered`"),
    ),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`courier`: whose page it was sent from"),
    responses(
        (status = 200, description = "The page again, saying what was done", content_type = "text/html", body = String),
        (status = 409, description = "Refused by a rule (far from the door, not this courier's order): the page with the reason", content_type = "text/html", body = String),
    ))]
pub(crate) async fn step(
    State(state): State<AppState>,
    Person { caller, .. }: Person<CourierPage>,
    Path((id, status)): Path<(String, String)>,
    form: Result<Form<Whose>, FormRejection>,
) -> Response {
    let whose = form.map(|Form(w)| w.id).unwrap_or_default();
    let said = match status.as_str() {
        "picked_up" | "delivered" => {
            let change = StatusChange {
                status: status.clone(),
                courier_id: None,
                reason: None,
            };
            orders::change(&state, &caller, &id, change)
                .await
                .map(|()| {
                    let done = if status == "delivered" {
                        "delivered"
                    } else {
                        "picked up"
                    };
                    format!("Order {id} is {done}.")
                })
        }
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_step",
            "a courier says an order is picked_up or delivered",
        )),
    };
    let (said, status) = crate::pages::outcome(said);
    render(&state, &caller, whose, Some(said), status).await
}

async fn render(
    state: &AppState,
    caller: &Caller,
    asked: Option<String>,
    said: Option<crate::pages::Said>,
    status: StatusCode,
) -> Response {
    let id = match (&caller.courier_id, asked) {
        (Some(own), _) => own.clone(),
        (None, Some(id)) => id,
        (None, None) => {
            return crate::pages::problem(
                StatusCode::BAD_REQUEST,
                "Whose stops?",
                "A dispatcher opens a courier's page as /courier?id=COURIER.",
                "",
            );
        }
    };
    let courier = match state.store.courier(&id).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            return crate::pages::problem(
                StatusCode::NOT_FOUND,
                "No such courier",
                &format!("No courier has the id {id:?}."),
                "",
            );
        }
        Err(e) => return ApiError::from(e).into_response(),
    };
    let zone: Zone = courier.time_zone.parse().unwrap_or(state.time_zone);
    let stops = match stops_ahead(state, id.clone()).await {
        Ok(s) => Some(s),
        Err(e) if e.code == "no_plan" => None,
        Err(e) => return e.into_response(),
    };
    let name = if courier.name.is_empty() {
        &id
    } else {
        &courier.name
    };
    let body = body(
        name,
        &crate::login::who(caller),
        zone,
        stops.as_ref(),
        said.as_ref(),
    );
    let title = format!("{} · freshroute", esc(name));
    document(
        status,
        &Page {
            title: &title,
            style: STYLE,
            script: None,
            main_attrs: "",
            body: &body,
        },
    )
}

fn body(
    name: &str,
    who: &str,
    zone: Zone,
    stops: Option<&CourierStops>,
    said: Option<&crate::pages::Said>,
) -> String {
    let mut out = format!(
        "<header class=\"bar\"><h1>{}'s stops</h1>{}</header>\n",
        esc(name),
        signed_in_as(who)
    );
    if let Some(said) = said {
        out += &said_banner(said);
    }
    let list = stops.map(|s| s.stops.as_slice()).unwrap_or_default();
    if list.is_empty() {
        out += "<p>Nothing planned for you now. This page shows your next stops as soon as the plan gives you some; <a href=\"\">check again</a>.</p>\n";
        return out;
    }
    out += "<ol class=\"stops\">";
    for (k, s) in list.iter().enumerate() {
        out += &stop(s, zone, k == 0, stops.map_or("", |c| c.courier_id.as_str()));
    }
    out + "</ol>\n<p><a href=\"\">Check again</a> for changes.</p>\n"
}

fn stop(s: &StopAhead, zone: Zone, first: bool, courier_id: &str) -> String {
    let at = s.at.as_ref();
    let (verb, whom) = if s.kind == "pickup" {
        (
            "Pick up at",
            at.and_then(|a| a.name.clone()).unwrap_or_default(),
        )
    } else {
        (
            "Deliver to",
            at.and_then(|a| a.customer.clone()).unwrap_or_default(),
        )
    };
    let eta = chrono::DateTime::parse_from_rfc3339(&s.eta)
        .map(|t| clock(zone, t.timestamp_millis(), "eta"))
        .unwrap_or_else(|_| esc(&s.eta));
    let items: Vec<String> = at
        .and_then(|a| a.items.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .map(|i| {
            format!(
                "{} × {}",
                i["quantity"].as_i64().unwrap_or(1),
                i["sku"].as_str().unwrap_or("?")
            )
        })
        .collect();
    let notes = at
        .and_then(|a| a.notes.clone())
        .filter(|n| !n.is_empty())
        .map_or_else(String::new, |n| {
            format!("<p class=\"notes\">Notes: {}</p>", esc(&n))
        });
    let button = if first {
        let (step, label) = if s.kind == "pickup" {
            ("picked_up", "Picked up")
        } else {
            ("delivered", "Delivered")
        };
        format!(
            "<form method=\"post\" action=\"/courier/orders/{}/{step}\"><input type=\"hidden\" name=\"id\" value=\"{}\"><button type=\"submit\">{label}: order {}</button></form>",
            esc(&s.order_id),
            esc(courier_id),
            esc(&s.order_id)
        )
    } else {
        String::new()
    };
    format!(
        "<li class=\"{}\"><h2>{verb} {}</h2><p>{} · at {eta} · order {}</p><p>{}</p>{notes}{button}</li>",
        s.kind,
        esc(&whom),
        esc(at.and_then(|a| a.address.as_deref()).unwrap_or("")),
        esc(&s.order_id),
        esc(&items.join(", ")),
    )
}

const STYLE: &str = "body{margin:0;font:17px/1.5 system-ui,sans-serif;color:#1a1a1a;background:#fff}\
main{max-width:34rem;margin:0 auto;padding:0 1rem 2rem}\
.bar{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;border-bottom:1px solid #c9d1cc}\
.bar h1{font-size:1.3rem;margin:.5rem 0}.who{margin-left:auto;font-size:.9rem}\
.stops{padding-left:1.4rem}.stops li{margin:.8rem 0;padding:.4rem .6rem;border-left:4px solid #c9d1cc}\
.stops li.pickup{border-color:#1d4f91}.stops li.delivery{border-color:#2f6b3f}\
.stops h2{font-size:1.1rem;margin:.2rem 0}.stops p{margin:.2rem 0}.notes{font-weight:600}\
button{font:inherit;padding:.6rem 1.2rem;margin:.4rem 0}\
.done,.error{padding:.5rem .75rem;margin:.5rem 0}.done{background:#edf7ef;border-left:4px solid #2f6b3f}\
.error{background:#fdecea;border-left:4px solid #b42318}a{color:#1d4f91}";
