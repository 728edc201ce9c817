//! What a plan is made from: the moment as the dispatcher sees it. The caller reads it
//! from wherever it keeps orders and couriers; nothing here knows storage.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use freshroute_calendar::Window;
use freshroute_roads::Profile;
use serde::{Deserialize, Serialize};

use crate::hand_route::Side;
use crate::plan::{Leg, Plan, PlannedStop};
use crate::travel::Place;

/// How an item must travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ColdChain {
    /// Ice cream and frozen desserts: a frozen box.
    Frozen,
    /// Cakes, cream, milk: an insulated box.
    Chilled,
    /// Hot drinks and food: an insulated box.
    Hot,
    /// Anything else.
    Ambient,
}

impl ColdChain {
    /// The courier skill this class needs, if any.
    pub fn skill(self) -> Option<&'static str> {
        match self {
            ColdChain::Frozen => Some("frozen"),
            ColdChain::Chilled | ColdChain::Hot => Some("insulated"),
            ColdChain::Ambient => None,
        }
    }
}

/// The skills a courier needs for goods of these classes, each once.
pub fn needed_skills(classes: impl IntoIterator<Item = ColdChain>) -> Vec<&'static str> {
    let mut skills: Vec<&'static str> = classes.into_iter().filter_map(ColdChain::skill).collect();
    skills.sort_unstable();
    skills.dedup();
    skills
}

/// A store orders are picked up at.
#[derive(Debug, Clone, PartialEq)]
pub struct Store {
    /// Its id.
    pub id: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

/// Where a courier was last seen: its latest accepted fix.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fix {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// When the device took it, epoch ms.
    pub at_ms: i64,
}

/// A courier as it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Courier {
    /// Its id.
    pub id: String,
    /// How it travels; `None` when the profile on record is not one the roads know (the
    /// courier is then left out of the plan, and says why).
    pub profile: Option<Profile>,
    /// Room in its box, in the chain's box units.
    pub box_capacity: i64,
    /// What it may carry (`frozen`, `insulated`, …).
    pub skills: Vec<String>,
    /// Its shift at the snapshot's time (the one under way, or the next if it starts
    /// soon); `None` when it is off duty: it then delivers what it carries and takes
    /// nothing new.
    pub shift: Option<Window>,
    /// Retired: never put on duty again.
    pub retired: bool,
    /// Its latest accepted fix, if it has sent one.
    pub position: Option<Fix>,
}

/// Where an open order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Taken, no courier yet.
    Placed,
    /// Given to a courier (by a dispatcher or a committed plan): pinned to it.
    Assigned,
    /// On board its courier.
    PickedUp,
}

/// An open order.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    /// Its id.
    pub id: String,
    /// The store it is picked up at.
    pub store_id: String,
    /// The customer's latitude.
    pub lat: f64,
    /// The customer's longitude.
    pub lon: f64,
    /// Room it takes in a box.
    pub box_units: i64,
    /// When the kitchen has it ready, epoch ms.
    pub ready_ms: i64,
    /// When the customer was promised it, epoch ms.
    pub promised_ms: i64,
    /// The cold-chain class of each of its items.
    pub classes: Vec<ColdChain>,
    /// Where it stands.
    pub status: Status,
    /// Its courier, once assigned or picked up.
    pub courier_id: Option<String>,
    /// When it took its status, epoch ms: for goods on board, when they were picked up.
    pub since_ms: i64,
}

impl Order {
    /// The skills a courier needs to carry it.
    pub fn needed_skills(&self) -> Vec<&'static str> {
        needed_skills(self.classes.iter().copied())
    }

    /// Where it goes.
    pub(crate) fn door(&self) -> Place {
        Place {
            lat: self.lat,
            lon: self.lon,
        }
    }

    /// On board `courier`.
    pub(crate) fn carried_by(&self, courier: &str) -> bool {
        self.status == Status::PickedUp && self.courier_id.as_deref() == Some(courier)
    }
}

/// What a plan is built from.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The plan's time origin, epoch ms.
    pub now_ms: i64,
    /// The chain's stores.
    pub stores: Vec<Store>,
    /// Every courier (those off shift and carrying nothing are left out).
    pub couriers: Vec<Courier>,
    /// Open orders: placed, assigned or picked up.
    pub orders: Vec<Order>,
    /// The plan in force: where each order was, in which courier's route.
    pub previous: Previous,
    /// The ETA each order's customer was last told, epoch ms.
    pub told: HashMap<String, i64>,
    /// The stop each courier is on its way to, with its current ETA and the road there:
    /// committed, it stays the courier's first stop.
    pub heading: HashMap<String, (PlannedStop, Leg)>,
    /// The order a dispatcher set for a courier's stops: courier → its stops (the order,
    /// which of its stops) in the order it serves them. The plan keeps that order for the
    /// stops of orders still bound to the courier, and fits other stops between them.
    pub kept_orders: HashMap<String, Vec<(String, Side)>>,
}

impl Snapshot {
    /// What a plan decides from, as one number: the stores, the orders (status, courier,
    /// places, times, goods), the couriers (profile, box, skills, shift, whether their
    /// fix is fresh) and the stops they are committed to; not the time, nor where the
    /// couriers are. When it has not changed since the plan in force, there is no news:
    /// the plan stands, re-timed from where the couriers are.
    pub fn basis(&self, stale_fix_s: i64) -> u64 {
        let mut h = DefaultHasher::new();
        let mut stores: Vec<&Store> = self.stores.iter().collect();
        stores.sort_by(|a, b| a.id.cmp(&b.id));
        for s in stores {
            (&s.id, s.lat.to_bits(), s.lon.to_bits()).hash(&mut h);
        }
        let mut orders: Vec<&Order> = self.orders.iter().collect();
        orders.sort_by(|a, b| a.id.cmp(&b.id));
        for o in orders {
            (&o.id, &o.store_id, o.lat.to_bits(), o.lon.to_bits()).hash(&mut h);
            (o.box_units, o.ready_ms, o.promised_ms, &o.classes).hash(&mut h);
            (o.status, &o.courier_id, o.since_ms).hash(&mut h);
        }
        let mut couriers: Vec<&Courier> = self.couriers.iter().collect();
        couriers.sort_by(|a, b| a.id.cmp(&b.id));
        for c in couriers {
            let fresh = c
                .position
                .is_some_and(|f| self.now_ms - f.at_ms <= stale_fix_s * 1000);
            (
                &c.id,
                c.profile.map(|p| p.name()),
                c.box_capacity,
                &c.skills,
            )
                .hash(&mut h);
            (c.shift.map(|w| (w.start_ms, w.end_ms)), c.retired, fresh).hash(&mut h);
        }
        let mut heading: Vec<(&String, &str, &str)> = self
            .heading
            .iter()
            .map(|(c, (s, _))| (c, s.order_id.as_str(), s.kind))
            .collect();
        heading.sort();
        heading.hash(&mut h);
        let mut kept: Vec<(&String, &Vec<(String, Side)>)> = self.kept_orders.iter().collect();
        kept.sort();
        kept.hash(&mut h);
        h.finish()
    }
}

/// The plan in force when the next one is made: each courier's stops in order. The next
/// plan starts from it, so that with nothing changed it stays the plan it was, and an
/// order moves to another courier only when that gains more than the switching cost.
#[derive(Debug, Clone, Default)]
pub struct Previous {
    /// Courier → its stops in order: the order, and whether it is its pickup.
    routes: HashMap<String, Vec<(String, bool)>>,
    /// Order → its courier.
    courier: HashMap<String, String>,
    /// The [`Snapshot::basis`] it was made from, when known.
    pub basis: Option<u64>,
}

impl Previous {
    /// The plan's routes as they were.
    pub fn of_plan(plan: &Plan) -> Self {
        let mut previous = Self {
            basis: Some(plan.basis),
            ..Self::default()
        };
        for r in &plan.routes {
            for s in &r.stops {
                previous.add(&r.courier_id, &s.order_id, s.kind == "pickup");
            }
        }
        previous
    }

    /// Adds a stop at the end of `courier`'s route (in the order they are served).
    pub fn add(&mut self, courier: &str, order: &str, pickup: bool) {
        self.routes
            .entry(courier.to_string())
            .or_default()
            .push((order.to_string(), pickup));
        self.courier.insert(order.to_string(), courier.to_string());
    }

    /// The courier `order` had.
    pub fn courier_of(&self, order: &str) -> Option<&str> {
        self.courier.get(order).map(String::as_str)
    }

    /// `courier`'s stops in order: the order, and whether it is its pickup.
    pub fn route_of(&self, courier: &str) -> &[(String, bool)] {
        self.routes.get(courier).map_or(&[], Vec::as_slice)
    }

    /// Whether there was no plan.
    pub fn is_empty(&self) -> bool {
        self.courier.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frozen_items_need_a_frozen_box() {
        use ColdChain::*;
        assert_eq!(
            needed_skills([Hot, Frozen, Chilled]),
            ["frozen", "insulated"]
        );
        assert!(needed_skills([Ambient]).is_empty());
    }
}
