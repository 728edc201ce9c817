//! What the console shows, read from storage, the plan and the live positions: the
//! stores, couriers on shift with their state, route and stops, open orders with what the
//! plan says of them, and the alerts (late risk, food waiting, a courier silent, goods on
//! board near their ride limit). `console_view.rs` draws it.

use std::collections::HashMap;

use freshroute_dispatch::Plan;
use freshroute_store::{Courier, Order, OrderStatus, Shop, StopOrders, Storage};

use crate::ApiError;
use crate::auth::Caller;
use crate::console_view::{
    self, Alert, Board, CourierRow, CourierState, OrderRow, StopMark, StoreMark,
};
use crate::map_frame::Frame;
use crate::orders::eta_ms;
use crate::snapshot;
use crate::state::AppState;

/// The most street segments under the console's map.
const STREETS: usize = 12_000;
/// Goods on board reaching their door with less than this left of their ride limit are
/// an alert, milliseconds.
const COLD_MARGIN_MS: i64 = 5 * 60_000;
/// Couriers an order's menu offers besides the plan's choice: the nearest to its store.
const MENU_NEAREST: usize = 8;
/// Food ready this long and not picked up is an alert, milliseconds.
const READY_WAITING_MS: i64 = 5 * 60_000;

/// The frame of the board's map: its stores, couriers and doors.
pub(crate) fn map_frame(b: &Board) -> Option<Frame> {
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
pub(crate) type Only = (Option<String>, Option<String>);

/// What the console shows now.
pub(crate) async fn board(
    state: &AppState,
    caller: &Caller,
    (only_store, only_region): Only,
    said: Option<crate::pages::Said>,
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
    let kept: Vec<String> = state
        .store
        .stop_orders()
        .await?
        .into_iter()
        .map(|k| k.courier_id)
        .collect();
    let couriers: Vec<CourierRow> = state
        .store
        .couriers()
        .await?
        .iter()
        .filter(|c| c.shift_at(now_ms).is_some())
        .map(|c| {
            let fix = latest.get(&c.id).map(|f| ([f.lon, f.lat], f.fix_ms));
            let row = courier_row(state, c, fix, plan.as_deref(), now_ms);
            CourierRow {
                kept: kept.contains(&c.id),
                ..row
            }
        })
        .collect();
    let mut rows = Vec::with_capacity(open.len());
    for o in &open {
        rows.push(order_row(state, o, (&shops, &couriers), plan.as_deref()).await);
    }
    let mut alerts = alerts(&rows, &couriers, &open, now_ms, &shops);
    alerts.extend(cold_chain(state, &rows, &open).await?);
    let mut b = Board {
        now_ms,
        zone: state.time_zone,
        who: crate::login::who(caller),
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
        tiles: state.map_tiles.clone(),
        said,
    };
    if let Some(f) = map_frame(&b).filter(|_| b.tiles.is_none()) {
        let (sw, ne) = f.corners();
        b.streets = crate::streets::within(state, sw, ne, STREETS);
    }
    Ok(b)
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
        kept: false,
    }
}

async fn order_row(
    state: &AppState,
    o: &Order,
    (shops, couriers): (&[Shop], &[CourierRow]),
    plan: Option<&Plan>,
) -> OrderRow {
    let shop = shops.iter().find(|s| s.id == o.shop_id);
    let store = shop.map_or_else(|| o.shop_id.clone(), |s| s.name.clone());
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
        choices: match (o.status, shop) {
            (OrderStatus::Placed, Some(s)) => {
                choices(planned_for.as_deref(), [s.lon, s.lat], couriers)
            }
            _ => Vec::new(),
        },
        planned_for,
        door: [o.lon, o.lat],
    }
}

/// The couriers an order's menu offers: the plan's choice, then the [`MENU_NEAREST`]
/// nearest to its store (a courier far away is still given by dragging the order onto it).
fn choices(planned: Option<&str>, store: [f64; 2], couriers: &[CourierRow]) -> Vec<String> {
    let east = crate::places::east_m_per_degree(store[1]);
    let metres = |p: [f64; 2]| {
        ((p[0] - store[0]) * east).hypot((p[1] - store[1]) * crate::places::NORTH_M_PER_DEGREE)
    };
    let mut near: Vec<(f64, &str)> = couriers
        .iter()
        .filter(|c| Some(c.id.as_str()) != planned)
        .filter_map(|c| Some((metres(c.at?), c.id.as_str())))
        .collect();
    near.sort_by(|a, b| a.0.total_cmp(&b.0));
    planned
        .into_iter()
        .chain(near.into_iter().take(MENU_NEAREST).map(|(_, id)| id))
        .map(str::to_string)
        .collect()
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
}
