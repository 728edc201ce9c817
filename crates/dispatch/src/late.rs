//! Why an order is planned past its promise: the kitchen (even ready food driven
//! straight to the door would be late), the distance (no courier, on its own and
//! going straight there, could bring it in time) or no courier free (one could, but
//! every such courier has other stops first).

use freshroute_model::Seconds;
use freshroute_solver::TravelMatrix;

use crate::config::PlannerConfig;
use crate::snapshot::{Courier, Order};
use crate::travel::Place;

/// Where a task's stops are, by place index.
#[derive(Debug, Clone, Copy)]
pub(crate) enum TaskPlaces {
    /// On board `vehicle`, for the door.
    OnBoard { vehicle: usize, door: usize },
    /// From the store to the door.
    Shipment { store: usize, door: usize },
}

/// Where and when a vehicle starts, with the index of its profile's table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Start {
    pub(crate) at: Place,
    pub(crate) place: usize,
    pub(crate) table: usize,
    pub(crate) leaves_ms: i64,
}

/// The earliest an order could reach its door, epoch ms.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Earliest {
    /// Given the kitchen alone: ready (or now), the minute at the store and the fastest
    /// drive to the door; `None` for goods on board.
    kitchen_ms: Option<i64>,
    /// With the best single courier that may carry it going straight there.
    alone_ms: i64,
}

impl Earliest {
    /// The earliest any plan could bring it, epoch ms.
    pub(crate) fn door_ms(&self) -> i64 {
        self.kitchen_ms
            .map_or(self.alone_ms, |k| k.max(self.alone_ms))
    }

    /// Why a delivery planned after `promised_ms` is late.
    pub(crate) fn cause(&self, promised_ms: i64) -> &'static str {
        if self.kitchen_ms.is_some_and(|k| k > promised_ms) {
            "kitchen"
        } else if self.alone_ms > promised_ms {
            "distance"
        } else {
            "no_courier_free"
        }
    }
}

fn ms(s: Seconds) -> i64 {
    s.0.saturating_mul(1000)
}

/// Each task's earliest door time, in task order, with `config`'s time at the store.
pub(crate) fn earliest_doors(
    now: i64,
    tables: &[TravelMatrix],
    tasks: &[(TaskPlaces, &Order)],
    starts: &[Start],
    couriers: &[&Courier],
    config: &PlannerConfig,
) -> Vec<Earliest> {
    tasks
        .iter()
        .map(|&(places, o)| match places {
            TaskPlaces::OnBoard { vehicle, door } => {
                let s = starts[vehicle];
                Earliest {
                    kitchen_ms: None,
                    alone_ms: s.leaves_ms + ms(tables[s.table].travel(s.place, door)),
                }
            }
            TaskPlaces::Shipment { store, door } => {
                let direct = tables.iter().map(|m| m.travel(store, door)).min();
                let picked =
                    |at_store_ms: i64| o.ready_ms.max(at_store_ms) + config.pickup_service_s * 1000;
                let needed = o.needed_skills();
                let may_carry = |c: &&Courier| {
                    c.shift.is_some()
                        && c.box_capacity >= o.box_units
                        && needed.iter().all(|n| c.skills.iter().any(|s| s == n))
                };
                let alone = starts
                    .iter()
                    .zip(couriers)
                    .filter(|(_, c)| may_carry(c))
                    .map(|(s, _)| {
                        let m = &tables[s.table];
                        picked(s.leaves_ms + ms(m.travel(s.place, store)))
                            + ms(m.travel(store, door))
                    })
                    .min();
                Earliest {
                    kitchen_ms: direct.map(|d| picked(now) + ms(d)),
                    alone_ms: alone.unwrap_or(i64::MAX),
                }
            }
        })
        .collect()
}
