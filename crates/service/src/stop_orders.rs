//! A dispatcher's order of a courier's stops (the console's Earlier, Later and drag, or
//! `PUT /v1/couriers/{id}/stop-order`): judged as the planner would hold it, its orders
//! pinned to the courier, stored, and kept by every plan after, which fits other stops
//! between them. Cleared, the plan orders the stops again.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use freshroute_store::{OrderStatus, Role, StopOrder, StopOrders, Storage};
use serde::Deserialize;

use crate::auth::Caller;
use crate::orders::{self, StatusChange};
use crate::plan_mode::{self, HandRoute, HandStop};
use crate::state::AppState;
use crate::{ApiError, ErrorBody};

/// Who may order a courier's stops.
const ROLES: [Role; 2] = [Role::Admin, Role::Dispatcher];

/// A courier's stops in the order to serve them.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StopOrderBody {
    /// The stops, in order (goods on board need only their delivery). Stops of the
    /// courier's plan not listed keep their places; an order not yet assigned is
    /// assigned to the courier.
    stops: Vec<HandStop>,
}

/// Sets the order of a courier's stops: the plan keeps it until it is cleared.
#[utoipa::path(put, path = "/v1/couriers/{id}/stop-order", tag = "planning",
    params(("id" = String, Path, description = "The courier")),
    request_body = StopOrderBody,
    security(("api_key" = [])),
    responses(
        (status = 204, description = "Set: the next plan keeps it"),
        (status = 400, description = "No stops, a kind other than pickup or delivery, or a stop twice", body = ErrorBody),
        (status = 404, description = "No such courier or order", body = ErrorBody),
        (status = 409, description = "An order closed or with another courier, or a route the planner would refuse (`stop_order_refused`, with what it breaks)", body = ErrorBody),
    ))]
pub(crate) async fn put(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Json<StopOrderBody>, axum::extract::rejection::JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(body) = body?;
    set(&state, &caller, &id, body.stops).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Clears the order of a courier's stops: the plan orders them again.
#[utoipa::path(delete, path = "/v1/couriers/{id}/stop-order", tag = "planning",
    params(("id" = String, Path, description = "The courier")),
    security(("api_key" = [])),
    responses(
        (status = 204, description = "Cleared (or there was none)"),
        (status = 404, description = "No such courier", body = ErrorBody),
    ))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    clear(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Clears `courier`'s stop order, if it has one.
pub(crate) async fn clear(
    state: &AppState,
    caller: &Caller,
    courier: &str,
) -> Result<(), ApiError> {
    caller.require(&ROLES)?;
    known_courier(state, courier).await?;
    if state.store.clear_stop_order(courier).await? {
        state.plan_wake.notify_one();
    }
    Ok(())
}

/// Sets `courier`'s stop order to `stops`, by `caller`: refused with the reason, and
/// nothing changed, when a stop is malformed, an order is closed or another courier's,
/// or the planner would refuse the route it makes for any reason but lateness.
pub(crate) async fn set(
    state: &AppState,
    caller: &Caller,
    courier: &str,
    stops: Vec<HandStop>,
) -> Result<(), ApiError> {
    caller.require(&ROLES)?;
    known_courier(state, courier).await?;
    let to_assign = check_stops(state, courier, &stops).await?;
    let planned = planned_stops(state, courier).await;
    let route = HandRoute {
        courier_id: courier.to_string(),
        stops: merged(planned, &stops),
    };
    // A stop the order makes later than the planner's deadline is planned late, not
    // refused: serving a late order first is what a dispatcher may choose.
    let broken = plan_mode::judge(state, route).await?.broken(&["too_late"]);
    if !broken.is_empty() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "stop_order_refused",
            format!(
                "the planner would refuse this order of {courier}'s stops: {}",
                broken.join("; ")
            ),
        )
        .at("stops"));
    }
    for order in to_assign {
        let pin = StatusChange {
            status: "assigned".to_string(),
            courier_id: Some(courier.to_string()),
            reason: None,
        };
        orders::change(state, caller, &order, pin).await?;
    }
    let kept = StopOrder {
        courier_id: courier.to_string(),
        stops: stops.into_iter().map(|s| (s.order_id, s.kind)).collect(),
        set_ms: state.clock.now_ms(),
    };
    state.store.set_stop_order(&kept).await?;
    state.plan_wake.notify_one();
    Ok(())
}

async fn known_courier(state: &AppState, id: &str) -> Result<(), ApiError> {
    match state.store.courier(id).await? {
        Some(_) => Ok(()),
        None => Err(crate::couriers::unknown_courier(id)),
    }
}

/// Checks each stop on its own (as plan mode does: its kind, once, an open order) and
/// that no other courier has its order. Returns the orders to assign to `courier`
/// (those no courier has yet).
async fn check_stops(
    state: &AppState,
    courier: &str,
    stops: &[HandStop],
) -> Result<Vec<String>, ApiError> {
    if stops.is_empty() || stops.len() > 200 {
        return Err(ApiError::bad_request(
            "invalid_stops",
            "give 1 to 200 stops; to let the plan order them again, clear the stop order",
        )
        .at("stops"));
    }
    let orders = plan_mode::open_orders_of(state, stops).await?;
    let mut to_assign: Vec<String> = Vec::new();
    for (i, s) in stops.iter().enumerate() {
        let o = &orders[&s.order_id];
        match (o.status, o.courier_id.as_deref()) {
            (OrderStatus::Placed, _) if !to_assign.contains(&o.id) => to_assign.push(o.id.clone()),
            (OrderStatus::Placed, _) => {}
            (_, Some(c)) if c != courier => {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "another_couriers_order",
                    format!("order {} is with {c}; unassign it first", o.id),
                )
                .at(format!("stops[{i}].order_id")));
            }
            _ => {}
        }
    }
    Ok(to_assign)
}

/// `courier`'s stops in the plan in force, in order.
pub(crate) async fn planned_stops(state: &AppState, courier: &str) -> Vec<HandStop> {
    state
        .plan
        .read()
        .await
        .as_ref()
        .and_then(|p| p.routes.iter().find(|r| r.courier_id == courier))
        .map(|r| {
            r.stops
                .iter()
                .map(|s| HandStop {
                    order_id: s.order_id.clone(),
                    kind: s.kind.to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The route `listed` makes of `planned`: the places of the listed stops taken by them
/// in the order listed, the other stops where they were, listed stops the plan does not
/// have at the end.
fn merged(planned: Vec<HandStop>, listed: &[HandStop]) -> Vec<HandStop> {
    let mut next = listed.iter();
    let mut out: Vec<HandStop> = planned
        .into_iter()
        .map(|s| {
            if listed.contains(&s) {
                next.next().cloned().unwrap_or(s)
            } else {
                s
            }
        })
        .collect();
    out.extend(next.cloned());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stops(list: &[(&str, &str)]) -> Vec<HandStop> {
        list.iter()
            .map(|(o, k)| HandStop {
                order_id: o.to_string(),
                kind: k.to_string(),
            })
            .collect()
    }

    #[test]
    fn listed_stops_take_their_places_in_the_order_listed_and_others_stay() {
        let planned = stops(&[
            ("a", "pickup"),
            ("b", "pickup"),
            ("x", "delivery"),
            ("b", "delivery"),
            ("a", "delivery"),
        ]);
        let listed = stops(&[("a", "delivery"), ("b", "delivery"), ("n", "delivery")]);
        assert_eq!(
            merged(planned, &listed),
            stops(&[
                ("a", "pickup"),
                ("b", "pickup"),
                ("x", "delivery"),
                ("a", "delivery"),
                ("b", "delivery"),
                ("n", "delivery"),
            ])
        );
    }
}
