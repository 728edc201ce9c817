//! The dispatcher's console: the page (`console_view.rs` draws it), its actions (assign
//! and unassign, through the same rules as the API) and its live stream (couriers'
//! positions as they move, and the lists again when anything in them changed).

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{OriginalUri, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use freshroute_dispatch::Plan;
use freshroute_store::{Courier, Order, OrderStatus, Role, Shop, Storage};
use serde::Deserialize;
use serde_json::Value;

use crate::ApiError;
use crate::auth::Caller;
use crate::console_view::{
    self, Alert, Board, CourierRow, CourierState, OrderRow, StopMark, StoreMark,
};
use crate::login;
use crate::map_frame::Frame;
use crate::orders::{self, StatusChange, eta_ms};
use crate::pages::{Page, document, query_escape, see_other};
use crate::plan_mode::{HandRoute, HandStop};
use crate::snapshot;
use crate::state::AppState;

/// Who may open the console.
const ROLES: [Role; 2] = [Role::Admin, Role::Dispatcher];
/// The most street segments under the console's map.
const STREETS: usize = 12_000;
/// How often the live stream looks at couriers' positions.
const POSITIONS_EVERY: Duration = Duration::from_millis(250);
/// How often, in position looks, it looks whether the lists changed.
const LISTS_EVERY: u32 = 4;
/// Goods on board reaching their door with less than this left of their ride limit are
/// an alert, milliseconds.
const COLD_MARGIN_MS: i64 = 5 * 60_000;
/// Food ready this long and not picked up is an alert, milliseconds.
const READY_WAITING_MS: i64 = 5 * 60_000;

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
    caller: Result<Caller, ApiError>,
    uri: OriginalUri,
    Query(show): Query<Show>,
) -> Response {
    let caller = match login::with_role(caller, &ROLES) {
        Ok(c) => c,
        Err(e) => return login::refusal(e, &here(&uri)),
    };
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
    let caller = match login::with_role(caller, &ROLES) {
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
    caller: Result<Caller, ApiError>,
    uri: OriginalUri,
    form: Result<Form<Move>, FormRejection>,
) -> Response {
    act(state, caller, uri, form, "assigned").await
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
    caller: Result<Caller, ApiError>,
    uri: OriginalUri,
    form: Result<Form<Move>, FormRejection>,
) -> Response {
    act(state, caller, uri, form, "placed").await
}

async fn act(
    state: AppState,
    caller: Result<Caller, ApiError>,
    uri: OriginalUri,
    form: Result<Form<Move>, FormRejection>,
    status: &str,
) -> Response {
    let caller = match login::with_role(caller, &ROLES) {
        Ok(c) => c,
        Err(e) => return login::refusal(e, &here(&uri)),
    };
    let Ok(Form(m)) = form else {
        let said = (
            false,
            "the form was incomplete; choose an order and a courier".into(),
        );
        return render(
            &state,
            &caller,
            (None, None),
            Some(said),
            StatusCode::BAD_REQUEST,
        )
        .await;
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
            render(&state, &caller, (None, None), Some(said), e.status).await
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
    caller: Result<Caller, ApiError>,
    uri: OriginalUri,
    form: Result<Form<Move>, FormRejection>,
) -> Response {
    let caller = match login::with_role(caller, &ROLES) {
        Ok(c) => c,
        Err(e) => return login::refusal(e, &here(&uri)),
    };
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
    render(&state, &caller, (None, None), Some(said), StatusCode::OK).await
}

/// The order's pickup and delivery after `courier`'s planned stops, judged; in words.
async fn preview(state: &AppState, order: &str, courier: &str) -> (bool, String) {
    let mut stops: Vec<HandStop> = state
        .plan
        .read()
        .await
        .as_ref()
        .and_then(|p| p.routes.iter().find(|r| r.courier_id == courier).cloned())
        .map(|r| r.stops)
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s.order_id != order)
        .map(|s| HandStop {
            order_id: s.order_id,
            kind: s.kind.to_string(),
        })
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
        Ok(v) => verdict_words(
            (order, courier, before),
            &serde_json::to_value(&v).unwrap_or_default(),
            state.time_zone,
        ),
        Err(e) => (
            false,
            format!("Order {order} cannot go to {courier}: {}", e.message),
        ),
    }
}

/// A judged route in a sentence: where the order lands, and what breaks.
fn verdict_words(
    (order, courier, before): (&str, &str, usize),
    v: &Value,
    zone: freshroute_calendar::Zone,
) -> (bool, String) {
    let door = v["stops"].as_array().and_then(|s| s.last());
    let at = door
        .and_then(|d| d["arrival"].as_str())
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map_or_else(
            || "no time the planner can give".to_string(),
            |t| {
                let m = zone.minute_of_day(t.timestamp_millis());
                format!("{:02}:{:02}", m / 60, m % 60)
            },
        );
    let mut broken: Vec<String> = v["violations"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(
            v["stops"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|s| s["violations"].as_array().into_iter().flatten()),
        )
        .filter_map(|x| x["message"].as_str().map(str::to_string))
        .collect();
    broken.dedup();
    let late = door
        .and_then(|d| d["warnings"].as_array())
        .is_some_and(|w| !w.is_empty());
    let head = format!(
        "If {courier} takes order {order} after the {before} stops planned for it, it reaches the door at {at}{}.",
        if late { ", after its promise" } else { "" }
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
/// state) when any moved, `lists` when the orders or the plan changed.
#[utoipa::path(get, path = "/console/live", tag = "pages", params(Follow),
    responses((status = 200, description = "Server-sent events: `positions` and `lists`", content_type = "text/event-stream", body = String)))]
pub(crate) async fn live(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Query(follow): Query<Follow>,
) -> Response {
    if let Err(e) = login::with_role(caller, &ROLES) {
        return e.into_response();
    }
    let since = match follow.since {
        Some(v) => v,
        None => lists_version(&state).await,
    };
    let events = futures_util::stream::unfold(
        (state, String::new(), since, 0_u32),
        |(state, mut shown, mut version, mut tick)| async move {
            loop {
                if !shown.is_empty() {
                    tokio::time::sleep(POSITIONS_EVERY).await;
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

fn here(uri: &OriginalUri) -> String {
    uri.0
        .path_and_query()
        .map_or_else(|| "/console".to_string(), |p| p.as_str().to_string())
}

async fn render(
    state: &AppState,
    caller: &Caller,
    only: Only,
    said: Option<(bool, String)>,
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
    res
}

fn map_frame(b: &Board) -> Option<Frame> {
    let stores: Vec<[f64; 2]> = b.stores.iter().map(|s| s.at).collect();
    let others: Vec<[f64; 2]> = b
        .couriers
        .iter()
        .filter_map(|c| c.at)
        .chain(b.orders.iter().map(|o| o.door))
        .collect();
    console_view::frame(&stores, &others)
}

/// The store and the region the lists are narrowed to, if any.
type Only = (Option<String>, Option<String>);

/// What the console shows now.
async fn board(
    state: &AppState,
    caller: &Caller,
    (only_store, only_region): Only,
    said: Option<(bool, String)>,
) -> Result<Board, ApiError> {
    let now_ms = state.clock.now_ms();
    let shops = state.store.shops().await?;
    let region_of: HashMap<&str, String> = shops
        .iter()
        .map(|s| (s.id.as_str(), state.regions.of(&snapshot::store(s))))
        .collect();
    let only_store = only_store.filter(|s| shops.iter().any(|x| &x.id == s));
    let only_region = only_region.filter(|r| region_of.values().any(|x| x == r));
    let mut open = snapshot::open_orders(state).await?;
    open.retain(|o| {
        only_store.as_ref().is_none_or(|s| &o.shop_id == s)
            && only_region
                .as_ref()
                .is_none_or(|r| region_of.get(o.shop_id.as_str()) == Some(r))
    });
    let mut regions: Vec<String> = region_of.values().cloned().collect();
    regions.sort();
    regions.dedup();
    let plan = state.plan.read().await.clone();
    let latest = state.latest.read().await.clone();
    let couriers: Vec<CourierRow> = state
        .store
        .couriers()
        .await?
        .iter()
        .filter(|c| c.shift_at(now_ms).is_some())
        .map(|c| {
            let fix = latest.get(&c.id).map(|f| ([f.lon, f.lat], f.fix_ms));
            courier_row(state, c, fix, plan.as_deref(), now_ms)
        })
        .collect();
    let mut rows = Vec::with_capacity(open.len());
    for o in &open {
        rows.push(order_row(state, o, &shops, plan.as_deref()).await);
    }
    let mut alerts = alerts(&rows, &couriers, &open, now_ms, &shops);
    alerts.extend(cold_chain(state, &rows, &open).await?);
    let mut b = Board {
        now_ms,
        zone: state.time_zone,
        who: who(caller),
        stores: shops
            .iter()
            .filter(|s| s.retired_ms.is_none())
            .map(|s| StoreMark {
                id: s.id.clone(),
                name: s.name.clone(),
                at: [s.lon, s.lat],
            })
            .collect(),
        only_store,
        regions,
        only_region,
        couriers,
        orders: rows,
        alerts,
        streets: Vec::new(),
        said,
    };
    if let Some(f) = map_frame(&b) {
        let (sw, ne) = f.corners();
        b.streets = crate::streets::within(state, sw, ne, STREETS);
    }
    Ok(b)
}

/// Who is signed in, as the pages show it.
pub(crate) fn who(caller: &Caller) -> String {
    if caller.name.is_empty() {
        format!("{} key {}", caller.role, caller.key_id)
    } else {
        format!("{} ({})", caller.name, caller.role)
    }
}

fn courier_row(
    state: &AppState,
    c: &Courier,
    fix: Option<([f64; 2], i64)>,
    plan: Option<&Plan>,
    now_ms: i64,
) -> CourierRow {
    let route = plan.and_then(|p| p.routes.iter().find(|r| r.courier_id == c.id));
    let late: Vec<&str> = plan.map_or_else(Vec::new, |p| {
        p.behind.iter().map(|l| l.order_id.as_str()).collect()
    });
    let stops: Vec<StopMark> = route.map_or_else(Vec::new, |r| {
        r.stops
            .iter()
            .map(|s| StopMark {
                order_id: s.order_id.clone(),
                kind: s.kind,
                start_ms: s.start_ms,
                late: s.kind == "delivery" && late.contains(&s.order_id.as_str()),
            })
            .collect()
    });
    let silent = fix.is_none_or(|(_, at)| now_ms - at > state.planner.stale_fix_s * 1000);
    let state = if silent {
        CourierState::Silent
    } else if stops.iter().any(|s| s.late) {
        CourierState::LateRisk
    } else if stops.is_empty() {
        CourierState::Idle
    } else {
        CourierState::OnTheWay
    };
    CourierRow {
        id: c.id.clone(),
        name: if c.name.is_empty() {
            c.id.clone()
        } else {
            c.name.clone()
        },
        state,
        at: fix.map(|(at, _)| at),
        road: route.map_or_else(Vec::new, |r| r.geometry.clone()),
        stops,
    }
}

async fn order_row(state: &AppState, o: &Order, shops: &[Shop], plan: Option<&Plan>) -> OrderRow {
    let store = shops
        .iter()
        .find(|s| s.id == o.shop_id)
        .map_or_else(|| o.shop_id.clone(), |s| s.name.clone());
    let late_cause = plan
        .and_then(|p| p.behind.iter().find(|l| l.order_id == o.id))
        .map(|l| l.cause);
    let unplanned = plan
        .and_then(|p| p.unassigned.iter().find(|(id, _)| id == &o.id))
        .map(|(_, why)| *why);
    let planned_for = (o.status == OrderStatus::Placed)
        .then(|| {
            plan?
                .routes
                .iter()
                .find(|r| r.stops.iter().any(|s| s.order_id == o.id))
                .map(|r| r.courier_id.clone())
        })
        .flatten();
    OrderRow {
        id: o.id.clone(),
        store,
        status: o.status.as_str(),
        courier: o.courier_id.clone(),
        ready_ms: o.ready_ms,
        promised_ms: o.promised_ms,
        eta_ms: eta_ms(state, &o.id).await,
        late_cause,
        unplanned,
        planned_for,
        door: [o.lon, o.lat],
    }
}

/// Late risk, food ready and waiting, couriers silent while they have stops (the cold
/// chain's alerts come from [`cold_chain`]).
fn alerts(
    rows: &[OrderRow],
    couriers: &[CourierRow],
    open: &[Order],
    now_ms: i64,
    shops: &[Shop],
) -> Vec<Alert> {
    let mut out = Vec::new();
    for o in rows {
        if let (Some(cause), Some(eta)) = (o.late_cause, o.eta_ms) {
            out.push(Alert {
                kind: "late_risk",
                text: format!(
                    "Order {} will reach its door {} min after its promise ({}).",
                    o.id,
                    (eta - o.promised_ms + 59_999) / 60_000,
                    cause.replace('_', " ")
                ),
            });
        }
    }
    for o in open {
        let waiting = now_ms - o.ready_ms;
        if o.status != OrderStatus::PickedUp && waiting > READY_WAITING_MS {
            let store = shops
                .iter()
                .find(|s| s.id == o.shop_id)
                .map_or(o.shop_id.as_str(), |s| s.name.as_str());
            out.push(Alert {
                kind: "ready_waiting",
                text: format!(
                    "Order {} has been ready at {store} for {} min and is not picked up.",
                    o.id,
                    waiting / 60_000
                ),
            });
        }
    }
    let carrying: HashMap<&str, usize> =
        open.iter()
            .filter_map(|o| o.courier_id.as_deref())
            .fold(HashMap::new(), |mut m, c| {
                *m.entry(c).or_default() += 1;
                m
            });
    for c in couriers {
        if c.state == CourierState::Silent && carrying.contains_key(c.id.as_str()) {
            out.push(Alert {
                kind: "courier_silent",
                text: format!("{} has orders and has sent no recent position.", c.name),
            });
        }
    }
    out
}

/// Goods on board whose ride, from their pickup to the door by the ETA, leaves less than
/// [`COLD_MARGIN_MS`] of their ride limit (the strictest class's).
async fn cold_chain(
    state: &AppState,
    rows: &[OrderRow],
    open: &[Order],
) -> Result<Vec<Alert>, ApiError> {
    let mut out = Vec::new();
    for o in open.iter().filter(|o| o.status == OrderStatus::PickedUp) {
        let Some(limit_s) = snapshot::order(o).and_then(|d| state.planner.ride_limit(&d.classes))
        else {
            continue;
        };
        let Some(eta) = rows.iter().find(|r| r.id == o.id).and_then(|r| r.eta_ms) else {
            continue;
        };
        let events = state.store.order_events(&o.id).await?;
        let Some(picked) = events
            .iter()
            .rev()
            .find(|e| e.status == OrderStatus::PickedUp)
            .map(|e| e.at_ms)
        else {
            continue;
        };
        let left_ms = limit_s * 1000 - (eta - picked);
        if left_ms < COLD_MARGIN_MS {
            out.push(Alert {
                kind: "cold_chain",
                text: cold_words(&o.id, limit_s, left_ms),
            });
        }
    }
    Ok(out)
}

fn cold_words(order: &str, limit_s: i64, left_ms: i64) -> String {
    if left_ms < 0 {
        format!(
            "Order {order} will reach its door {} min past its {} min ride limit.",
            (-left_ms + 59_999) / 60_000,
            limit_s / 60
        )
    } else {
        format!(
            "Order {order} will reach its door with {} min of its {} min ride limit left.",
            left_ms / 60_000,
            limit_s / 60
        )
    }
}

/// Each courier with a fix, as the live script moves them: `[id, lon, lat, state]`.
async fn positions(state: &AppState) -> String {
    let latest = state.latest.read().await;
    let mut list: Vec<(&String, f64, f64)> =
        latest.iter().map(|(id, f)| (id, f.lon, f.lat)).collect();
    list.sort_by(|a, b| a.0.cmp(b.0));
    serde_json::to_string(&list).unwrap_or_default()
}

/// A figure that changes whenever the lists would: the plan in force and every open
/// order's last change.
async fn lists_version(state: &AppState) -> String {
    let plan = state.plan.read().await.as_ref().map_or(0, |p| p.created_ms);
    let orders = snapshot::open_orders(state).await.unwrap_or_default();
    let newest = orders.iter().map(|o| o.updated_ms).max().unwrap_or(0);
    format!("{plan}-{}-{newest}", orders.len())
}

fn done_words(show: &Show) -> Option<(bool, String)> {
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
    fn a_ride_near_or_past_its_limit_is_said_in_minutes() {
        assert_eq!(
            cold_words("o-1", 1200, 4 * 60_000 + 30_000),
            "Order o-1 will reach its door with 4 min of its 20 min ride limit left."
        );
        assert_eq!(
            cold_words("o-1", 1200, -61_000),
            "Order o-1 will reach its door 2 min past its 20 min ride limit."
        );
    }

    #[test]
    fn a_checked_route_says_when_it_reaches_the_door_and_what_the_planner_forbids() {
        let v = serde_json::json!({
            "violations": [],
            "stops": [
                {"violations": [], "warnings": []},
                {"arrival": "2026-12-07T11:05:00+00:00", "violations": [{"code": "ride_limit", "message": "the gelato rides 24 min of its 20"}], "warnings": [{"code": "late"}]}
            ]
        });
        let lisbon: freshroute_calendar::Zone = "Europe/Lisbon".parse().expect("zone");
        let (ok, text) = verdict_words(("o-1", "c1", 2), &v, lisbon);
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
        };
        assert_eq!(
            done_words(&show("assigned")),
            Some((true, "Order o-<1> assigned.".to_string()))
        );
        assert_eq!(done_words(&show("deleted everything")), None);
    }
}
