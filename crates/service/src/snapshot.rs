//! The moment the dispatcher plans, read from storage and the service's live state:
//! open orders, couriers with their shifts and latest fixes, the previous plan, what
//! customers were told and where couriers are heading.

use std::collections::HashMap;

use freshroute_dispatch::hand_route::Side;
use freshroute_dispatch::{Courier, Fix, Order, Previous, Snapshot, Status, Store};
use freshroute_store::{FixRecord, OrderStatus, PlanStore, Shop, StopOrders, Storage};

use crate::ApiError;
use crate::orders::stored_items;
use crate::state::AppState;

/// The snapshot, with the open orders as stored (for what the service tells of them).
pub(crate) struct Moment {
    /// What the dispatcher plans.
    pub(crate) snapshot: Snapshot,
    /// The open orders as stored, by id.
    pub(crate) orders: HashMap<String, freshroute_store::Order>,
}

/// The dispatcher's snapshot of now.
pub(crate) async fn snapshot(state: &AppState) -> Result<Snapshot, ApiError> {
    Ok(moment(state).await?.snapshot)
}

/// Now, as storage and the live routes hold it.
pub(crate) async fn moment(state: &AppState) -> Result<Moment, ApiError> {
    let orders = open_orders(state).await?;
    let now_ms = state.clock.now_ms();
    let latest = state.latest.read().await.clone();
    let couriers = state
        .store
        .couriers()
        .await?
        .iter()
        .map(|c| courier(c, latest.get(&c.id), now_ms))
        .collect();
    let kept_orders = kept_orders(state).await?;
    let snapshot = Snapshot {
        now_ms,
        stores: state.store.shops().await?.iter().map(store).collect(),
        couriers,
        orders: orders.iter().filter_map(order).collect(),
        previous: previous(state).await?,
        told: state.eta_watch.lock().await.told().clone(),
        kept_orders,
        heading: state.live.lock().expect("live routes lock").heading(),
    };
    Ok(Moment {
        snapshot,
        orders: orders.into_iter().map(|o| (o.id.clone(), o)).collect(),
    })
}

/// The orders dispatchers set for couriers' stops, as the planner reads them.
async fn kept_orders(state: &AppState) -> Result<HashMap<String, Vec<(String, Side)>>, ApiError> {
    Ok(state
        .store
        .stop_orders()
        .await?
        .into_iter()
        .map(|k| {
            let stops = k
                .stops
                .into_iter()
                .map(|(order, kind)| {
                    let side = if kind == "pickup" {
                        Side::Pickup
                    } else {
                        Side::Delivery
                    };
                    (order, side)
                })
                .collect();
            (k.courier_id, stops)
        })
        .collect())
}

/// Every order not yet delivered, failed or cancelled (at most 1,000 of each status).
pub(crate) async fn open_orders(
    state: &AppState,
) -> Result<Vec<freshroute_store::Order>, ApiError> {
    let mut orders = Vec::new();
    for status in [
        OrderStatus::Placed,
        OrderStatus::Assigned,
        OrderStatus::PickedUp,
    ] {
        orders.extend(state.store.orders(Some(status), None, 1_000).await?);
    }
    Ok(orders)
}

/// The plan in force; after a restart, the plan the service made last, as stored (each
/// courier's deliveries in order).
async fn previous(state: &AppState) -> Result<Previous, ApiError> {
    if let Some(plan) = state.plan.read().await.as_ref() {
        return Ok(Previous::of_plan(plan));
    }
    let mut previous = Previous::default();
    // Stored by courier, then place in its route.
    for p in state.store.planned_orders().await? {
        previous.add(&p.courier_id, &p.order_id, false);
    }
    Ok(previous)
}

/// A store as the dispatcher sees it.
pub(crate) fn store(s: &Shop) -> Store {
    Store {
        id: s.id.clone(),
        lat: s.lat,
        lon: s.lon,
    }
}

/// A courier at `now_ms` with its latest fix.
pub(crate) fn courier(
    c: &freshroute_store::Courier,
    fix: Option<&FixRecord>,
    now_ms: i64,
) -> Courier {
    Courier {
        id: c.id.clone(),
        profile: c.profile.parse().ok(),
        box_capacity: c.box_capacity,
        skills: c.skills.clone(),
        shift: c.shift_at(now_ms),
        retired: c.retired_ms.is_some_and(|t| t <= now_ms),
        position: fix.map(|f| Fix {
            lat: f.lat,
            lon: f.lon,
            at_ms: f.fix_ms,
        }),
    }
}

/// An open order as the dispatcher sees it; `None` for one that is closed.
pub(crate) fn order(o: &freshroute_store::Order) -> Option<Order> {
    let status = match o.status {
        OrderStatus::Placed => Status::Placed,
        OrderStatus::Assigned => Status::Assigned,
        OrderStatus::PickedUp => Status::PickedUp,
        _ => return None,
    };
    Some(Order {
        id: o.id.clone(),
        store_id: o.shop_id.clone(),
        lat: o.lat,
        lon: o.lon,
        box_units: o.box_units,
        ready_ms: o.ready_ms,
        promised_ms: o.promised_ms,
        classes: stored_items(o).iter().map(|i| i.class()).collect(),
        status,
        courier_id: o.courier_id.clone(),
        since_ms: o.updated_ms,
    })
}
