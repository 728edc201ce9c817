//! Plan mode: a route a dispatcher lays out by hand for one courier, judged as the
//! planner would hold it once its orders are assigned (`hand_route`): timed from where
//! the planner starts the courier, on its profile's roads, waiting at a store until the
//! order is ready, with every rule it would break and each delivery after its promise.
//! Nothing is stored or sent: the dispatcher decides, then assigns.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use freshroute_dispatch::hand_route::{self, Side, Violation};
use freshroute_dispatch::travel::{Place, road_legs};
use freshroute_roads::Profile;
use freshroute_store::{Order, Role, Storage};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::geojson::Sighting;
use crate::places::point;
use crate::snapshot::snapshot;
use crate::state::AppState;
use crate::time::format_ms;
use crate::{ApiError, ErrorBody};

/// One stop of a hand-made route.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct HandStop {
    /// The order.
    #[schema(example = "o-1001")]
    pub(crate) order_id: String,
    /// `pickup` or `delivery`.
    #[schema(example = "pickup")]
    pub(crate) kind: String,
}

/// A route a dispatcher fixes by hand.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct HandRoute {
    /// The courier who would drive it.
    #[schema(example = "c-03")]
    pub(crate) courier_id: String,
    /// Its stops in order (goods already on board need only their delivery).
    pub(crate) stops: Vec<HandStop>,
}

/// One stop of a judged route.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct JudgedStopView {
    /// The order.
    order_id: String,
    /// `pickup` or `delivery`.
    kind: String,
    /// Where the stop is, a GeoJSON Point.
    #[schema(value_type = Object)]
    geometry: Value,
    /// Planned arrival, ISO 8601; `null` when the planner cannot plan the order at all.
    arrival: Option<String>,
    /// Planned service start (after waiting for the food to be ready).
    start: Option<String>,
    /// Planned departure.
    departure: Option<String>,
    /// What the planner would refuse here: `too_late`, `ride_limit`, `capacity`,
    /// `missing_skill`, `not_picked_up`, `already_picked_up`, `on_board_elsewhere`,
    /// `committed_first`, `unreachable`, `off_duty`, `out_of_order` (before a stop a
    /// dispatcher ordered ahead of it), or why the order cannot be planned.
    violations: Vec<Violation>,
    /// What a customer will notice though the planner allows it: `late` (after the promise).
    warnings: Vec<Violation>,
    /// The road to this stop from the one before (or the courier), a GeoJSON LineString.
    #[schema(value_type = Object)]
    road: Value,
}

/// A hand-made route as the planner would hold it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct RouteVerdictView {
    /// The courier.
    courier_id: String,
    /// Its latest fix.
    from: Sighting,
    /// No violation anywhere: the planner keeps this route once its orders are assigned.
    feasible: bool,
    /// What the route as a whole breaks: `after_shift`, `capacity` when it sets off,
    /// `no_schedule`, or why the planner cannot plan the courier (`off_duty`,
    /// `position_stale`).
    violations: Vec<Violation>,
    /// Each stop in the order given.
    stops: Vec<JudgedStopView>,
}

impl RouteVerdictView {
    /// When the route reaches its last stop (ISO 8601), and whether after the promise.
    pub(crate) fn last_stop(&self) -> (Option<&str>, bool) {
        self.stops.last().map_or((None, false), |s| {
            (s.arrival.as_deref(), !s.warnings.is_empty())
        })
    }

    /// Every rule the route breaks but those whose codes are `tolerated`, in words, each once.
    pub(crate) fn broken(&self, tolerated: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let all = self
            .violations
            .iter()
            .chain(self.stops.iter().flat_map(|s| &s.violations))
            .filter(|v| !tolerated.contains(&v.code));
        for v in all {
            if !out.contains(&v.message) {
                out.push(v.message.clone());
            }
        }
        out
    }
}

/// Judges a hand-made route as the planner would hold it, and lists what it breaks.
#[utoipa::path(post, path = "/v1/plan/check", tag = "planning", request_body = HandRoute,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Each stop with its planned times, what it breaks and its warnings; `feasible` when nothing is broken", body = RouteVerdictView),
        (status = 400, description = "No stops, a kind other than pickup or delivery, or a stop twice", body = ErrorBody),
        (status = 404, description = "No such courier or order", body = ErrorBody),
        (status = 409, description = "An order that is not open, or a courier with no position", body = ErrorBody),
    ))]
pub(crate) async fn check(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<HandRoute>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<RouteVerdictView>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher])?;
    let Json(route) = body?;
    Ok(Json(judge(&state, route).await?))
}

/// A hand-made route as the planner would hold it (the API's check and the console's).
pub(crate) async fn judge(
    state: &AppState,
    route: HandRoute,
) -> Result<RouteVerdictView, ApiError> {
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
    let orders = open_orders_of(state, &route.stops).await?;
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
    let snap = snapshot(state).await?;
    let (roads, planner) = (state.roads.clone(), state.planner);
    let (courier_id, stops) = (courier.id.clone(), sides(&route));
    let (verdict, legs) = tokio::task::spawn_blocking(move || {
        let hand: Vec<(&str, Side)> = stops.iter().map(|(o, s)| (o.as_str(), *s)).collect();
        let verdict = hand_route::judge(&snap, &*roads, &planner, &courier_id, &hand);
        // A leg the roads cannot carry keeps the marker -1 as its time.
        let unroutable = vec![-1; places.len().saturating_sub(1)];
        (verdict, road_legs(&roads, profile, &places, &unroutable))
    })
    .await
    .map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "planner_failed",
            "judging the route stopped unexpectedly",
        )
    })?;
    let stops = route
        .stops
        .iter()
        .zip(&verdict.stops)
        .zip(&legs)
        .map(|((s, judged), leg)| {
            let (lat, lon) = table_place(&orders, &shops, s);
            let time = |pick: fn(&(i64, i64, i64)) -> i64| {
                judged.times.as_ref().map(|t| format_ms(pick(t)))
            };
            JudgedStopView {
                order_id: s.order_id.clone(),
                kind: s.kind.clone(),
                geometry: point(lat, lon),
                arrival: time(|t| t.0),
                start: time(|t| t.1),
                departure: time(|t| t.2),
                violations: judged.violations.clone(),
                warnings: judged.warnings.clone(),
                road: json!({"type": "LineString", "coordinates": leg.geometry}),
            }
        })
        .collect();
    Ok(RouteVerdictView {
        courier_id: courier.id,
        from: Sighting {
            geometry: point(fix.lat, fix.lon),
            time: format_ms(fix.fix_ms),
        },
        feasible: verdict.feasible(),
        violations: verdict.violations.clone(),
        stops,
    })
}

/// The open orders `stops` name, by id; refused at the stop's path when a kind is not
/// `pickup` or `delivery`, a stop comes twice, or an order is unknown or closed.
pub(crate) async fn open_orders_of(
    state: &AppState,
    stops: &[HandStop],
) -> Result<HashMap<String, Order>, ApiError> {
    let mut orders: HashMap<String, Order> = HashMap::new();
    let mut seen = Vec::new();
    for (i, s) in stops.iter().enumerate() {
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
    Ok(orders)
}

/// The hand route's stops as the judge reads them (kinds were checked on entry).
fn sides(route: &HandRoute) -> Vec<(String, Side)> {
    route
        .stops
        .iter()
        .map(|s| {
            let side = if s.kind == "pickup" {
                Side::Pickup
            } else {
                Side::Delivery
            };
            (s.order_id.clone(), side)
        })
        .collect()
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
