//! The reference for a live dispatcher when couriers are too few to keep every promise:
//! the same window planned offline. Every order is known from the start, with the time
//! its food is really ready, and one plan gets a long search, counted in iterations so
//! that a window always gives the same reference. Yildiz & Savelsbergh use this
//! reference for the meal-delivery problem. Its couriers keep the plan's own times, with
//! no traffic and no GPS noise, so it is a reference, not a bound.

use std::collections::HashMap;

use freshroute_calendar::Window;
use freshroute_dispatch::{
    ColdChain, Courier, Fix, Order, PlannerConfig, Snapshot, Status, Store, plan,
};
use freshroute_roads::RoadNetwork;
use freshroute_sample::SampleChain;
use freshroute_sample::orders::SampleOrder;

use crate::bounds::{direct_drive_ms, earliest_door_ms};
use crate::simulate::length_m;

/// A courier as the window starts: id, shift (epoch ms), where it is (longitude first).
pub(crate) type StartingCourier = (String, (i64, i64), [f64; 2]);

/// What the offline plan reaches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reference {
    /// Orders that could arrive by their promise at all (ready, a minute at the store,
    /// the fastest direct drive).
    pub reachable: usize,
    /// Of those, planned by their promise.
    pub on_time: usize,
    /// The planned routes' length, metres.
    pub distance_m: i64,
}

/// Plans the window's `orders` (placed from `day_ms`) at `start_ms`, all known in
/// advance, for the `couriers` as they start, with `iterations` of search.
pub(crate) fn clairvoyant(
    roads: &RoadNetwork,
    chain: &SampleChain,
    orders: &[SampleOrder],
    couriers: &[StartingCourier],
    (day_ms, start_ms): (i64, i64),
    iterations: u64,
) -> Reference {
    let stores: HashMap<&str, [f64; 2]> = chain
        .stores
        .iter()
        .map(|s| (s.id.as_str(), s.location.coordinates))
        .collect();
    let snap = Snapshot {
        now_ms: start_ms,
        stores: stores_of(chain),
        couriers: couriers
            .iter()
            .filter_map(|c| starting(chain, c, start_ms))
            .collect(),
        orders: orders.iter().map(|o| order(o, day_ms)).collect(),
        ..Snapshot::default()
    };
    let config = PlannerConfig {
        solver_iterations: Some(iterations),
        ..PlannerConfig::default()
    };
    let planned = plan(&snap, roads, &config);
    let mut reference = Reference {
        distance_m: planned
            .routes
            .iter()
            .map(|r| length_m(&r.geometry).round() as i64)
            .sum(),
        ..Reference::default()
    };
    for (o, ours) in orders.iter().zip(&snap.orders) {
        let Some(store) = stores.get(o.store_id.as_str()) else {
            continue;
        };
        let reachable = direct_drive_ms(roads, *store, o.location.coordinates)
            .is_some_and(|d| earliest_door_ms(ours.ready_ms, d) <= ours.promised_ms);
        if reachable {
            reference.reachable += 1;
            reference.on_time += usize::from(
                planned
                    .eta_ms(&ours.id)
                    .is_some_and(|eta| eta <= ours.promised_ms),
            );
        }
    }
    reference
}

/// The chain's stores as the dispatcher sees them.
pub(crate) fn stores_of(chain: &SampleChain) -> Vec<Store> {
    chain
        .stores
        .iter()
        .map(|s| Store {
            id: s.id.clone(),
            lat: s.location.coordinates[1],
            lon: s.location.coordinates[0],
        })
        .collect()
}

/// A chain's courier as the window starts; `None` when the chain does not know it.
fn starting(chain: &SampleChain, (id, shift, at): &StartingCourier, now: i64) -> Option<Courier> {
    let like = chain.couriers.iter().find(|c| &c.id == id)?;
    Some(Courier {
        id: id.clone(),
        profile: like.profile.parse().ok(),
        box_capacity: like.box_capacity,
        skills: like.skills.clone(),
        shift: (shift.0 < shift.1).then_some(Window {
            start_ms: shift.0,
            end_ms: shift.1,
        }),
        retired: false,
        position: Some(Fix {
            lat: at[1],
            lon: at[0],
            at_ms: now,
        }),
    })
}

/// A sample order as the dispatcher would see it had it been placed already, ready when
/// its food really is.
fn order(o: &SampleOrder, day_ms: i64) -> Order {
    let placed_ms = day_ms + o.placed_s * 1000;
    Order {
        id: o.id.clone(),
        store_id: o.store_id.clone(),
        lat: o.location.coordinates[1],
        lon: o.location.coordinates[0],
        box_units: o.items.iter().map(|i| i.quantity).sum::<i64>().max(1),
        ready_ms: placed_ms + o.actual_prep_s * 1000,
        promised_ms: placed_ms + o.promise_s * 1000,
        classes: o
            .items
            .iter()
            .filter_map(|i| serde_json::from_value::<ColdChain>(i.class.clone().into()).ok())
            .collect(),
        status: Status::Placed,
        courier_id: None,
        since_ms: placed_ms,
    }
}
