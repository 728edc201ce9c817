//! The dispatcher's console: the page (`console_board.rs` reads what it shows,
//! `console_view.rs` draws it), its actions (assign and unassign through the same rules as
//! the API, a check in plan mode; `console_stops.rs` moves a courier's stops) and its live
//! stream (couriers' positions as they move, and the lists again when anything in them
//! changed).

use std::convert::Infallible;
use std::time::Duration;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use freshroute_store::{Role, Storage};
use serde::Deserialize;

use crate::ApiError;
use crate::auth::Caller;
use crate::console_board::{Only, board, map_frame};
use crate::console_view;
use crate::login::{self, Person, Screen};
use crate::orders::{self, StatusChange};
use crate::pages::{Page, document, query_escape, see_other};
use crate::plan_mode::{HandRoute, HandStop};

use crate::state::AppState;

/// The console: for admins and dispatchers.
pub(crate) struct Dispatch;

impl Screen for Dispatch {
    const ROLES: &'static [Role] = &[Role::Admin, Role::Dispatcher];
    const PAGE: &'static str = "/console";
}
/// How often the live stream looks at couriers' positions.
const POSITIONS_EVERY: Duration = Duration::from_millis(250);
/// How often, in position looks, it looks whether the lists changed.
const LISTS_EVERY: u32 = 4;

/// What the console shows, and what the last action said.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub(crate) struct Show {
    /// Only this store's orders.
    store: Option<String>,
    /// Only the orders of this region's stores (as the planner splits them).
    region: Option<String>,
    /// What was just done, as the console's own actions say it (`assigned`, `unassigned`).
    done: Option<String>,
    /// The order it was done to.
    order: Option<String>,
    /// The courier it was done to.
    courier: Option<String>,
}

/// Where a live stream starts: the lists as the page showed them.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub(crate) struct Follow {
    /// The lists' version the page was drawn at (its `data-version`): a change made
    /// between drawing and following is sent at once.
    since: Option<String>,
}

/// An order and, to assign it, a courier, as the console's forms post them.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct Move {
    /// The order.
    order_id: String,
    /// The courier to give it to (assigning only).
    courier_id: Option<String>,
}

/// The console page.
#[utoipa::path(get, path = "/console", tag = "pages", params(Show),
    responses(
        (status = 200, description = "The dispatcher's console", content_type = "text/html", body = String),
        (status = 303, description = "No session: on to sign in"),
        (status = 403, description = "A key without the dispatcher's role: a page saying so", content_type = "text/html", body = String),
    ))]
pub(crate) async fn page(
    State(state): State<AppState>,
    Person { caller, .. }: Person<Dispatch>,
    Query(show): Query<Show>,
) -> Response {
    let said = done_words(&show);
    render(
        &state,
        &caller,
        (show.store, show.region),
        said,
        StatusCode::OK,
    )
    .await
}

/// The console's lists alone, as the live script swaps them in.
#[utoipa::path(get, path = "/console/lists", tag = "pages", params(Show),
    responses((status = 200, description = "The console's counters, alerts, queue, orders and couriers, as HTML", content_type = "text/html", body = String)))]
pub(crate) async fn lists(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Query(show): Query<Show>,
) -> Response {
    let caller = match login::with_role(caller, Dispatch::ROLES) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    match board(&state, &caller, (show.store, show.region), None).await {
        Ok(b) => html(console_view::lists(&b)),
        Err(e) => e.into_response(),
    }
}

/// Gives an order to a courier from the console, under the API's rules; refused, the
/// console says why and nothing changes.
#[utoipa::path(post, path = "/console/assign", tag = "pages",
    request_body(content = Move, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Assigned: back to the console, saying so"),
        (status = 409, description = "Refused by a rule: the console with the reason", content_type = "text/html", body = String),
    ))]
pub(crate) async fn assign(
    State(state): State<AppState>,
    Person { caller, .. }: Person<Dispatch>,
    form: Result<Form<Move>, FormRejection>,
) -> Response {
    act(state, caller, form, "assigned").await
}

/// Takes an assigned order back from its courier, to be planned again.
#[utoipa::path(post, path = "/console/unassign", tag = "pages",
    request_body(content = Move, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Unassigned: back to the console, saying so"),
        (status = 409, description = "Refused by a rule: the console with the reason", content_type = "text/html", body = String),
    ))]
pub(crate) async fn unassign(
    State(state): State<AppState>,
    Person { caller, .. }: Person<Dispatch>,
    form: Result<Form<Move>, FormRejection>,
) -> Response {
    act(state, caller, form, "placed").await
}

async fn act(
    state: AppState,
    caller: Caller,
    form: Result<Form<Move>, FormRejection>,
    status: &str,
) -> Response {
    let Ok(Form(m)) = form else {
        let said = (
            false,
            "the form was incomplete; choose an order and a courier".into(),
        );
        return answer(&state, &caller, said, StatusCode::BAD_REQUEST).await;
    };
    let change = StatusChange {
        status: status.to_string(),
        courier_id: m.courier_id.filter(|_| status == "assigned"),
        reason: None,
    };
    match orders::change(&state, &caller, &m.order_id, change).await {
        Ok(()) => {
            let done = if status == "assigned" {
                "assigned"
            } else {
                "unassigned"
            };
            let to = format!("/console?done={done}&order={}", query_escape(&m.order_id));
            see_other(&to, "")
        }
        Err(e) => {
            let said = (
                false,
                format!("Order {} was not changed: {}", m.order_id, e.message),
            );
            answer(&state, &caller, said, e.status).await
        }
    }
}

/// What the planner would hold of giving the order to the courier after the stops the
/// plan gives it now (plan mode, `plan_mode::judge`): the ETA at the door and every rule
/// it would break. Nothing is changed.
#[utoipa::path(post, path = "/console/check", tag = "pages",
    request_body(content = Move, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The console, saying what the route would be", content_type = "text/html", body = String)))]
pub(crate) async fn check(
    State(state): State<AppState>,
    Person { caller, .. }: Person<Dispatch>,
    form: Result<Form<Move>, FormRejection>,
) -> Response {
    let said = match form {
        Ok(Form(m)) => match m.courier_id {
            Some(courier) => preview(&state, &m.order_id, &courier).await,
            None => (false, "choose a courier to check".to_string()),
        },
        Err(_) => (
            false,
            "the form was incomplete; choose an order and a courier".to_string(),
        ),
    };
    answer(&state, &caller, said, StatusCode::OK).await
}

/// The order's pickup and delivery after `courier`'s planned stops, judged; in words.
async fn preview(state: &AppState, order: &str, courier: &str) -> crate::pages::Said {
    let mut stops: Vec<HandStop> = crate::stop_orders::planned_stops(state, courier)
        .await
        .into_iter()
        .filter(|s| s.order_id != order)
        .collect();
    let before = stops.len();
    for kind in ["pickup", "delivery"] {
        stops.push(HandStop {
            order_id: order.to_string(),
            kind: kind.to_string(),
        });
    }
    let route = HandRoute {
        courier_id: courier.to_string(),
        stops,
    };
    match crate::plan_mode::judge(state, route).await {
        Ok(v) => {
            let (at, late) = v.last_stop();
            let door = Door {
                at: at.and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()),
                late,
            };
            verdict_words(
                (order, courier, before),
                &door,
                &v.broken(&[]),
                state.time_zone,
            )
        }
        Err(e) => (
            false,
            format!("Order {order} cannot go to {courier}: {}", e.message),
        ),
    }
}

/// When a checked route reaches the order's door, and whether after its promise.
struct Door {
    at: Option<chrono::DateTime<chrono::FixedOffset>>,
    late: bool,
}

/// A judged route in a sentence: where the order lands, and what breaks.
fn verdict_words(
    (order, courier, before): (&str, &str, usize),
    door: &Door,
    broken: &[String],
    zone: freshroute_calendar::Zone,
) -> crate::pages::Said {
    let at = door.at.map_or_else(
        || "no time the planner can give".to_string(),
        |t| {
            let m = zone.minute_of_day(t.timestamp_millis());
            format!("{:02}:{:02}", m / 60, m % 60)
        },
    );
    let head = format!(
        "If {courier} takes order {order} after the {before} stops planned for it, it reaches the door at {at}{}.",
        if door.late { ", after its promise" } else { "" }
    );
    if broken.is_empty() {
        (
            true,
            format!("{head} Nothing the planner forbids. Assign it to make it so."),
        )
    } else {
        (
            false,
            format!("{head} The planner would refuse it: {}.", broken.join("; ")),
        )
    }
}

/// The console's live stream: `positions` (each courier with a fix: id, `[lon, lat]`,
/// state) when any moved, `lists` when the orders or the plan changed. It ends after
/// [`AppState::console_stream_for`]; the page opens another from the version it has.
#[utoipa::path(get, path = "/console/live", tag = "pages", params(Follow),
    responses((status = 200, description = "Server-sent events: `positions` and `lists`", content_type = "text/event-stream", body = String)))]
pub(crate) async fn live(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Query(follow): Query<Follow>,
) -> Response {
    if let Err(e) = login::with_role(caller, Dispatch::ROLES) {
        return e.into_response();
    }
    let since = match follow.since {
        Some(v) => v,
        None => lists_version(&state).await,
    };
    let ends = tokio::time::Instant::now() + state.console_stream_for;
    let events = futures_util::stream::unfold(
        (state, String::new(), since, 0_u32),
        move |(state, mut shown, mut version, mut tick)| async move {
            loop {
                if !shown.is_empty() {
                    tokio::time::sleep(POSITIONS_EVERY).await;
                }
                // Its time is up: the browser opens another, and catches up from `version`.
                if tokio::time::Instant::now() >= ends {
                    return None;
                }
                tick = tick.wrapping_add(1);
                if tick % LISTS_EVERY == 0 {
                    let now = lists_version(&state).await;
                    if now != version {
                        version = now;
                        let ev = Event::default().event("lists").data(&version);
                        return Some((Ok::<_, Infallible>(ev), (state, shown, version, tick)));
                    }
                    version = now;
                }
                let positions = positions(&state).await;
                if positions != shown {
                    shown = positions;
                    let ev = Event::default().event("positions").data(&shown);
                    return Some((Ok(ev), (state, shown, version, tick)));
                }
            }
        },
    );
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// The whole console, saying what an action did or why it was refused.
pub(crate) async fn answer(
    state: &AppState,
    caller: &Caller,
    said: crate::pages::Said,
    status: StatusCode,
) -> Response {
    render(state, caller, (None, None), Some(said), status).await
}

async fn render(
    state: &AppState,
    caller: &Caller,
    only: Only,
    said: Option<crate::pages::Said>,
    status: StatusCode,
) -> Response {
    // Read before the board, so that a change made while it is drawn shows as one.
    let version = lists_version(state).await;
    let b = match board(state, caller, only, said).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let main_attrs = format!(" data-version=\"{}\"", crate::pages::esc(&version));
    let f = map_frame(&b);
    let body = console_view::body(&b, f.as_ref());
    let mut res = document(
        status,
        &Page {
            title: "Dispatch · freshroute",
            style: console_view::STYLE,
            script: Some("console.js"),
            main_attrs: &main_attrs,
            body: &body,
        },
    );
    res.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Cookie"));
    crate::pages::allow_tiles(&mut res, state.map_tiles.as_ref());
    res
}

/// Each courier with a fix, as the live script moves them: `[id, lon, lat, state]`.
async fn positions(state: &AppState) -> String {
    let latest = state.latest.read().await;
    let mut list: Vec<(&String, f64, f64)> =
        latest.iter().map(|(id, f)| (id, f.lon, f.lat)).collect();
    list.sort_by(|a, b| a.0.cmp(b.0));
    serde_json::to_string(&list).unwrap_or_default()
}

/// A figure that changes whenever the lists would: the plan in force, and how many orders
/// are open and when the latest of them changed (one query, however many are open).
async fn lists_version(state: &AppState) -> String {
    let plan = state.plan.read().await.as_ref().map_or(0, |p| p.created_ms);
    let (open, newest) = state.store.open_orders_mark().await.unwrap_or((-1, -1));
    format!("{plan}-{open}-{newest}")
}

fn done_words(show: &Show) -> Option<crate::pages::Said> {
    if let Some(courier) = show.courier.as_deref() {
        return match show.done.as_deref()? {
            "reordered" => Some((
                true,
                format!("{courier}'s stops re-ordered; the plan keeps them in this order."),
            )),
            "released" => Some((true, format!("The plan orders {courier}'s stops again."))),
            _ => None,
        };
    }
    let order = show.order.as_deref()?;
    match show.done.as_deref()? {
        "assigned" => Some((true, format!("Order {order} assigned."))),
        "unassigned" => Some((
            true,
            format!("Order {order} unassigned; the plan takes it again."),
        )),
        _ => None,
    }
}

fn html(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checked_route_says_when_it_reaches_the_door_and_what_the_planner_forbids() {
        let door = Door {
            at: chrono::DateTime::parse_from_rfc3339("2026-12-07T11:05:00+00:00").ok(),
            late: true,
        };
        let broken = ["the gelato rides 24 min of its 20".to_string()];
        let lisbon: freshroute_calendar::Zone = "Europe/Lisbon".parse().expect("zone");
        let (ok, text) = verdict_words(("o-1", "c1", 2), &door, &broken, lisbon);
        assert!(!ok);
        assert_eq!(
            text,
            "If c1 takes order o-1 after the 2 stops planned for it, it reaches the door at 11:05, after its promise. The planner would refuse it: the gelato rides 24 min of its 20."
        );
    }

    #[test]
    fn the_console_says_what_its_own_actions_did_and_nothing_else() {
        let show = |done: &str| Show {
            store: None,
            region: None,
            done: Some(done.to_string()),
            order: Some("o-<1>".to_string()),
            courier: None,
        };
        assert_eq!(
            done_words(&show("assigned")),
            Some((true, "Order o-<1> assigned.".to_string()))
        );
        assert_eq!(done_words(&show("deleted everything")), None);
    }
}
