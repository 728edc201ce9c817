//! Plan mode: a route a dispatcher lays out by hand for one courier, timed from the
//! courier's latest fix on its profile's roads (waiting at a store until the order is
//! ready), with every rule it would break. Nothing is stored or sent: the dispatcher
//! decides, then assigns.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use freshroute_roads::Profile;
use freshroute_store::{Order, OrderStatus, Role, Storage, Window};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::orders::{needed_skills, stored_items};
use crate::places::point;
use crate::planner::{DELIVERY_SERVICE_S, PICKUP_SERVICE_S, Place, road_legs};
use crate::state::AppState;
use crate::time::format_ms;
use crate::{ApiError, ErrorBody};

/// One stop of a hand-made route.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct HandStop {
    /// The order.
    #[schema(example = "o-1001")]
    order_id: String,
    /// `pickup` or `delivery`.
    #[schema(example = "pickup")]
    kind: String,
}

/// A route a dispatcher fixes by hand.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct HandRoute {
    /// The courier who would drive it.
    #[schema(example = "c-03")]
    courier_id: String,
    /// Its stops in order (goods already on board need only their delivery).
    stops: Vec<HandStop>,
}

/// A rule a stop breaks.
fn violation(code: &str, message: String) -> Value {
    json!({"code": code, "message": message})
}

/// Times a hand-made route and lists what it breaks.
#[utoipa::path(post, path = "/v1/plan/check", tag = "planning", request_body = HandRoute,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Each stop with its `arrival`, `start` and `departure` from the courier's latest fix, and the `violations` of each (`late`, `ride_limit`, `capacity`, `missing_skill`, `not_picked_up`, `unreachable`, `off_duty`, `after_shift`); `feasible` when there are none", body = Value),
        (status = 400, description = "No stops, a kind other than pickup or delivery, or a stop twice", body = ErrorBody),
        (status = 404, description = "No such courier or order", body = ErrorBody),
        (status = 409, description = "An order that is not open, or a courier with no position", body = ErrorBody),
    ))]
pub(crate) async fn check(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<HandRoute>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher])?;
    let Json(route) = body?;
    if route.stops.is_empty() || route.stops.len() > 200 {
        return Err(ApiError::bad_request("invalid_stops", "give 1 to 200 stops").at("stops"));
    }
    let courier = state
        .store
        .courier(&route.courier_id)
        .await?
        .ok_or_else(|| crate::couriers::unknown_courier(&route.courier_id).at("courier_id"))?;
    let profile: Profile = courier.profile.parse().unwrap_or(Profile::Car);
    let fix = state
        .latest
        .read()
        .await
        .get(&courier.id)
        .cloned()
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                "no_position",
                format!(
                    "{} has sent no fix yet: nothing to time the route from",
                    courier.id
                ),
            )
            .at("courier_id")
        })?;
    let mut orders: HashMap<String, Order> = HashMap::new();
    let mut seen = Vec::new();
    for (i, s) in route.stops.iter().enumerate() {
        let field = format!("stops[{i}]");
        if !matches!(s.kind.as_str(), "pickup" | "delivery") {
            return Err(
                ApiError::bad_request("invalid_kind", "kind must be pickup or delivery")
                    .at(format!("{field}.kind")),
            );
        }
        if seen.contains(&(&s.order_id, &s.kind)) {
            return Err(ApiError::bad_request(
                "duplicate_stop",
                format!("{} of {} comes twice", s.kind, s.order_id),
            )
            .at(field));
        }
        seen.push((&s.order_id, &s.kind));
        if orders.contains_key(&s.order_id) {
            continue;
        }
        let o = state.store.order(&s.order_id).await?.ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_order",
                format!("no order {:?}", s.order_id),
            )
            .at(format!("{field}.order_id"))
        })?;
        if o.status.is_final() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "order_closed",
                format!("order {} is {}", o.id, o.status),
            )
            .at(format!("{field}.order_id")));
        }
        orders.insert(o.id.clone(), o);
    }
    let shops: HashMap<String, (f64, f64)> = state
        .store
        .shops()
        .await?
        .into_iter()
        .map(|s| (s.id, (s.lat, s.lon)))
        .collect();
    // Places: the courier, then each stop.
    let mut places = vec![Place {
        lat: fix.lat,
        lon: fix.lon,
    }];
    for s in &route.stops {
        let (lat, lon) = table_place(&orders, &shops, s);
        places.push(Place { lat, lon });
    }
    let roads = state.roads.clone();
    let (planner, now) = (state.planner, state.clock.now_ms());
    // A leg the roads cannot carry keeps the marker -1 as its time.
    let unroutable = vec![-1; places.len().saturating_sub(1)];
    let legs =
        tokio::task::spawn_blocking(move || road_legs(&roads, profile, &places, &unroutable))
            .await
            .map_err(|_| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "planner_failed",
                    "timing the route stopped unexpectedly",
                )
            })?;
    // Goods in the box before the route starts: picked up and carried by this courier.
    let mut load: i64 = orders
        .values()
        .filter(|o| {
            o.status == OrderStatus::PickedUp && o.courier_id.as_deref() == Some(&courier.id)
        })
        .map(|o| o.box_units)
        .sum();
    let mut left_store: HashMap<&str, i64> = HashMap::new();
    // The courier's shift, by the same roster and duty the planner and assignments read:
    // it starts driving when the shift begins; off duty, it only delivers what it carries.
    let shift = courier.shift_at(now);
    let mut t = now
        .max(fix.fix_ms)
        .max(shift.map_or(i64::MIN, |w| w.start_ms));
    let mut out = Vec::new();
    let mut feasible = true;
    for (k, s) in route.stops.iter().enumerate() {
        let o = &orders[&s.order_id];
        let mut broken = Vec::new();
        let drive = legs[k].duration_s;
        if drive < 0 {
            broken.push(violation(
                "unreachable",
                format!("a {} cannot reach this stop by road", courier.profile),
            ));
        }
        let arrival = t + drive.max(0) * 1000;
        let (start, service) = if s.kind == "pickup" {
            (arrival.max(o.ready_ms), PICKUP_SERVICE_S)
        } else {
            (arrival, DELIVERY_SERVICE_S)
        };
        let departure = start + service * 1000;
        if let Some(why) = off_shift(shift, s.kind.as_str(), departure) {
            broken.push(why);
        }
        let items = stored_items(o);
        if s.kind == "pickup" {
            if let Some(skill) = needed_skills(&items)
                .into_iter()
                .find(|n| !courier.skills.iter().any(|c| c == n))
            {
                broken.push(violation(
                    "missing_skill",
                    format!(
                        "the items need {skill:?}; {} has {:?}",
                        courier.id, courier.skills
                    ),
                ));
            }
            load += o.box_units;
            left_store.insert(&o.id, departure);
            if load > courier.box_capacity {
                broken.push(violation(
                    "capacity",
                    format!(
                        "{} box units on board; the box holds {}",
                        load, courier.box_capacity
                    ),
                ));
            }
        } else {
            let on_board =
                o.status == OrderStatus::PickedUp && o.courier_id.as_deref() == Some(&courier.id);
            let left = left_store
                .get(o.id.as_str())
                .copied()
                .or(on_board.then_some(o.updated_ms));
            match left {
                None => broken.push(violation(
                    "not_picked_up",
                    "delivered before it is picked up on this route".to_string(),
                )),
                Some(left) => {
                    load -= o.box_units;
                    if let Some(limit) = planner.ride_limit(&items)
                        && start - left > limit * 1000
                    {
                        broken.push(violation(
                            "ride_limit",
                            format!(
                                "{} min from the store; its coldest item allows {} min",
                                (start - left) / 60_000,
                                limit / 60
                            ),
                        ));
                    }
                }
            }
            if start > o.promised_ms {
                broken.push(violation(
                    "late",
                    format!(
                        "{} min after the promise",
                        (start - o.promised_ms + 59_999) / 60_000
                    ),
                ));
            }
        }
        feasible &= broken.is_empty();
        let (lat, lon) = table_place(&orders, &shops, s);
        out.push(json!({
            "order_id": s.order_id, "kind": s.kind, "geometry": point(lat, lon),
            "arrival": format_ms(arrival), "start": format_ms(start),
            "departure": format_ms(departure), "violations": broken,
            "road": {"type": "LineString", "coordinates": legs[k].geometry},
        }));
        t = departure;
    }
    Ok(Json(json!({
        "courier_id": courier.id,
        "from": {"geometry": point(fix.lat, fix.lon), "time": format_ms(fix.fix_ms)},
        "feasible": feasible,
        "stops": out,
    })))
}

/// What a stop breaks of the courier's shift: a pickup while off duty (an off-duty
/// courier delivers what it carries and takes nothing new), any stop past the shift's
/// end.
fn off_shift(shift: Option<Window>, kind: &str, departure: i64) -> Option<Value> {
    match shift {
        None if kind == "pickup" => Some(violation(
            "off_duty",
            "the courier is off duty: it delivers what it carries and takes nothing new; put it on duty first".to_string(),
        )),
        Some(w) if departure > w.end_ms => Some(violation(
            "after_shift",
            format!("the shift ends at {}", format_ms(w.end_ms)),
        )),
        _ => None,
    }
}

/// Where a stop is: the order's store for a pickup, its customer for a delivery.
fn table_place(
    orders: &HashMap<String, Order>,
    shops: &HashMap<String, (f64, f64)>,
    s: &HandStop,
) -> (f64, f64) {
    let o = &orders[&s.order_id];
    if s.kind == "pickup" {
        shops.get(&o.shop_id).copied().unwrap_or((o.lat, o.lon))
    } else {
        (o.lat, o.lon)
    }
}
