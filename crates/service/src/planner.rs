//! The service's side of dispatch: it reads the moment from storage, has the
//! dispatcher (`freshroute_dispatch`) plan it within the budget, keeps the plan as the
//! current one (in memory and stored), commits couriers' first stops, publishes ETAs,
//! and answers the plan and each courier's next stops over HTTP.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use freshroute_dispatch::{Plan, plan_regions};
use freshroute_roads::Profile;
use freshroute_store::{Order, OrderStatus, PlanStore, PlannedOrder, Role, Storage};
use serde_json::json;

use crate::auth::Caller;
use crate::notices::{self, EtaUpdate};
use crate::places::point;
use crate::plan_views::{AtTheStop, CourierStops, PlanCollection, StopAhead, plan_collection};
use crate::snapshot::{Moment, moment};
use crate::state::AppState;
use crate::time::format_ms;
use crate::{ApiError, ErrorBody};

/// Plans now and keeps the plan as the current one.
pub(crate) async fn replan(state: &AppState) -> Result<Arc<Plan>, ApiError> {
    let Moment {
        snapshot: snap,
        orders,
    } = moment(state).await?;
    let profiles: HashMap<String, Profile> = snap
        .couriers
        .iter()
        .filter_map(|c| Some((c.id.clone(), c.profile?)))
        .collect();
    let roads = state.roads.clone();
    let config = state.planner;
    let regions = state.regions.clone();
    let work = tokio::task::spawn_blocking(move || plan_regions(&snap, &*roads, &config, &regions));
    let new = match tokio::time::timeout(config.budget, work).await {
        Ok(Ok(new)) => new,
        Ok(Err(_)) => {
            return Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "planner_failed",
                "the planner stopped unexpectedly; the previous plan stays in force",
            ));
        }
        Err(_) => {
            // The late plan is dropped when it finishes; it would describe a past moment.
            metrics::counter!("freshroute_replan_overruns_total").increment(1);
            tracing::warn!(
                budget_ms = config.budget.as_millis() as u64,
                "a re-plan overran its budget; the previous plan stays in force"
            );
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "replan_overrun",
                format!(
                    "re-planning took longer than its budget of {} ms; the previous plan stays in force",
                    config.budget.as_millis()
                ),
            ));
        }
    };
    let new = Arc::new(new);
    *state.plan.write().await = Some(new.clone());
    if let Err(e) = state.store.replace_plan(&planned_orders(&new)).await {
        tracing::warn!(error = %e, "the plan could not be stored; it is in force all the same");
    }
    state
        .live
        .lock()
        .expect("live routes lock")
        .adopt(&new, &profiles);
    if config.commit_within_s > 0 {
        commit(state, &new, &orders, config.commit_within_s).await;
    }
    let etas: Vec<EtaUpdate> = orders
        .values()
        .map(|o| EtaUpdate {
            eta_ms: new.eta_ms(&o.id),
            order_id: o.id.clone(),
            promised_ms: o.promised_ms,
        })
        .collect();
    if let Err(e) = notices::watch(state, &etas).await {
        tracing::warn!(
            code = e.code,
            "the plan's ETAs could not be checked against promises"
        );
    }
    Ok(new)
}

/// The plan order by order, as it is stored.
fn planned_orders(plan: &Plan) -> Vec<PlannedOrder> {
    plan.routes
        .iter()
        .flat_map(|r| {
            r.stops
                .iter()
                .enumerate()
                .filter(|(_, s)| s.kind == "delivery")
                .map(|(k, s)| PlannedOrder {
                    order_id: s.order_id.clone(),
                    courier_id: r.courier_id.clone(),
                    position: k as i64,
                    eta_ms: Some(s.start_ms),
                    planned_ms: plan.created_ms,
                })
        })
        .collect()
}

/// Commits each courier's first stop when it is a pickup the plan starts within
/// `within_s`: its order (and those picked up with it at the same store) is assigned to
/// the courier, by the planner, and from then on pinned there. A change that races
/// another is left to the next plan.
async fn commit(state: &AppState, plan: &Plan, orders: &HashMap<String, Order>, within_s: i64) {
    for r in &plan.routes {
        let Some(first) = r.stops.first() else {
            continue;
        };
        if first.kind != "pickup" || first.start_ms - plan.created_ms > within_s * 1000 {
            continue;
        }
        let batch = r
            .stops
            .iter()
            .take_while(|s| s.kind == "pickup" && s.lat == first.lat && s.lon == first.lon);
        for s in batch {
            let Some(o) = orders.get(&s.order_id) else {
                continue;
            };
            if o.status != OrderStatus::Placed {
                continue;
            }
            let event = freshroute_store::OrderEvent {
                order_id: o.id.clone(),
                status: OrderStatus::Assigned,
                courier_id: Some(r.courier_id.clone()),
                reason: None,
                actor: "planner".to_string(),
                at_ms: state.clock.now_ms(),
            };
            let notice = notices::status_notice(o, &event, plan.eta_ms(&o.id));
            match state
                .store
                .update_order_status(OrderStatus::Placed, &event, Some(&notice))
                .await
            {
                Ok(_) => state.outbox_wake.notify_one(),
                Err(e) => tracing::warn!(error = %e, order = %o.id, "could not commit an order"),
            }
        }
    }
}

/// After a change wakes the planner loop, it waits this long for more changes to come
/// with it, so that a burst of orders makes one plan.
pub const REPLAN_SETTLE: Duration = Duration::from_secs(1);
/// Plans made on changes are at least this far apart.
pub const REPLAN_MIN_GAP: Duration = Duration::from_secs(5);

/// The planner loop: plans on every change that wakes it (an order placed, a status
/// changed, a courier off its route; a burst settled for [`REPLAN_SETTLE`], plans at
/// least [`REPLAN_MIN_GAP`] apart) and at least every `every`, for ever. A failed round
/// is logged and the previous plan stays.
pub async fn replan_forever(state: AppState, every: Duration) {
    let mut last = tokio::time::Instant::now();
    let mut first = true;
    loop {
        if !first {
            tokio::select! {
                _ = tokio::time::sleep_until(last + every) => {}
                _ = state.plan_wake.notified() => {
                    let settled = tokio::time::Instant::now() + REPLAN_SETTLE;
                    tokio::time::sleep_until(settled.max(last + REPLAN_MIN_GAP)).await;
                }
            }
        }
        first = false;
        last = tokio::time::Instant::now();
        match replan(&state).await {
            Ok(p) => tracing::info!(
                routes = p.routes.len(),
                unassigned = p.unassigned.len(),
                solve_ms = p.solve_ms as u64,
                "re-planned"
            ),
            Err(e) => tracing::warn!(code = e.code, "re-planning failed; the previous plan stays"),
        }
    }
}

/// Re-plans now.
#[utoipa::path(post, path = "/v1/plan", tag = "planning", security(("api_key" = [])),
    responses(
        (status = 200, description = "The new plan as a GeoJSON FeatureCollection", body = PlanCollection),
        (status = 403, description = "Not a dispatcher", body = ErrorBody),
    ))]
pub(crate) async fn trigger(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<PlanCollection>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher])?;
    Ok(Json(plan_collection(&*replan(&state).await?)))
}

/// A courier's next stops in the current plan: for its phone.
#[utoipa::path(get, path = "/v1/couriers/{id}/plan", tag = "planning", security(("api_key" = [])),
    params(("id" = String, Path, description = "The courier's id")),
    responses(
        (status = 200, description = "`courier_id`, `planned_at`, `reroutes` (times it was found off its route and routed again) and its remaining `stops` in order: order id, kind, position, planned start, `eta` (from its latest fix), and the `road` there as a LineString with its driving time, and what is `at` the stop; empty when the plan gives it nothing", body = CourierStops),
        (status = 403, description = "Another courier's key", body = ErrorBody),
        (status = 404, description = "No plan yet", body = ErrorBody),
    ))]
pub(crate) async fn courier_stops(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Json<CourierStops>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher, Role::Courier])?;
    caller.may_act_for(&id)?;
    Ok(Json(stops_ahead(&state, id).await?))
}

/// A courier's next stops in the current plan, re-timed from its latest fix, with what
/// is at each (its phone's answer and its page's).
pub(crate) async fn stops_ahead(state: &AppState, id: String) -> Result<CourierStops, ApiError> {
    let plan = state.plan.read().await.clone().ok_or_else(no_plan)?;
    let (live, reroutes) = {
        let live = state.live.lock().expect("live routes lock");
        (live.stops_of(&id), live.reroutes_of(&id))
    };
    let mut stops = Vec::new();
    for n in live.unwrap_or_default() {
        let s = &n.stop;
        stops.push(StopAhead {
            order_id: s.order_id.clone(),
            kind: s.kind,
            geometry: point(s.lat, s.lon),
            planned_start: format_ms(s.start_ms),
            eta: format_ms(n.eta_ms),
            road: json!({"type": "LineString", "coordinates": n.road.geometry}),
            drive_s: n.road.duration_s,
            at: what_is_there(state, &s.order_id, s.kind).await?,
        });
    }
    Ok(CourierStops {
        courier_id: id,
        planned_at: format_ms(plan.created_ms),
        reroutes,
        stops,
    })
}

/// What a courier needs at a stop: at a pickup, the store's name and address and what
/// to collect; at a delivery, the customer's name, address and notes and what to hand
/// over.
async fn what_is_there(
    state: &AppState,
    order_id: &str,
    kind: &str,
) -> Result<Option<AtTheStop>, ApiError> {
    let Some(o) = state.store.order(order_id).await? else {
        return Ok(None);
    };
    if kind == "pickup" {
        let shop = state.store.shop(&o.shop_id).await?;
        return Ok(Some(AtTheStop {
            store_id: Some(o.shop_id),
            name: shop.as_ref().map(|s| s.name.clone()),
            customer: None,
            address: shop.map(|s| s.address),
            notes: None,
            items: o.items,
            ready_at: Some(format_ms(o.ready_ms)),
            promised_by: None,
        }));
    }
    Ok(Some(AtTheStop {
        store_id: None,
        name: None,
        customer: Some(o.customer_name),
        address: Some(o.customer_address),
        notes: Some(o.notes),
        items: o.items,
        ready_at: None,
        promised_by: Some(format_ms(o.promised_ms)),
    }))
}

fn no_plan() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no_plan",
        "nothing is planned yet: POST /v1/plan plans now",
    )
}

/// The current plan.
#[utoipa::path(get, path = "/v1/plan", tag = "planning", security(("api_key" = [])),
    params(RegionFilter),
    responses(
        (status = 200, description = "The current plan as a GeoJSON FeatureCollection: a LineString per courier route (with its region) and a Point per stop with planned times; unassigned orders, idle couriers, broken pins and late orders with reasons; the regions planned", body = PlanCollection),
        (status = 404, description = "No plan yet, or no such region", body = ErrorBody),
    ))]
pub(crate) async fn current(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Query(q): axum::extract::Query<RegionFilter>,
) -> Result<Json<PlanCollection>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher])?;
    let plan = state.plan.read().await.clone().ok_or_else(no_plan)?;
    let Some(region) = q.region else {
        return Ok(Json(plan_collection(&plan)));
    };
    if !plan.regions.iter().any(|(name, _, _)| *name == region) {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_region",
            format!("no region {region:?} in the plan; its `regions` property lists them"),
        )
        .at("region"));
    }
    let mut one = (*plan).clone();
    one.routes.retain(|r| r.region == region);
    one.regions.retain(|(name, _, _)| *name == region);
    Ok(Json(plan_collection(&one)))
}

/// Which region of the plan to show.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegionFilter {
    /// Only this region's routes (its name, as the plan's `regions` list them).
    region: Option<String>,
}

/// A courier at one of its stops.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Arrival {
    /// The order of the stop.
    #[schema(example = "o-1001")]
    order_id: String,
    /// `pickup` or `delivery`.
    #[schema(example = "pickup")]
    kind: String,
}

/// The courier says it reached its next stop: its ETAs are re-timed from there.
#[utoipa::path(post, path = "/v1/couriers/{id}/arrived", tag = "planning", request_body = Arrival,
    security(("api_key" = [])),
    params(("id" = String, Path, description = "The courier's id")),
    responses(
        (status = 200, description = "The courier's remaining stops, re-timed (as `GET /v1/couriers/{id}/plan`)", body = CourierStops),
        (status = 403, description = "Another courier's key", body = ErrorBody),
        (status = 409, description = "That is not the courier's next stop in the plan", body = ErrorBody),
    ))]
pub(crate) async fn arrived(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<String>,
    body: Result<Json<Arrival>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<CourierStops>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher, Role::Courier])?;
    caller.may_act_for(&id)?;
    let Json(a) = body?;
    let now = state.clock.now_ms();
    let known =
        state
            .live
            .lock()
            .expect("live routes lock")
            .arrived(&id, &a.order_id, &a.kind, now);
    if !known {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_next_stop",
            format!(
                "the {} of {} is not {id}'s next stop in the plan; GET /v1/couriers/{id}/plan",
                a.kind, a.order_id
            ),
        ));
    }
    crate::live::refresh_marked(&state).await;
    courier_stops(State(state), caller, axum::extract::Path(id)).await
}
