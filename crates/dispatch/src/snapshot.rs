//! What a plan is made from: the moment as the dispatcher sees it. The caller reads it
//! from wherever it keeps orders and couriers; nothing here knows storage.

use std::collections::HashMap;

use freshroute_calendar::Window;
use freshroute_roads::Profile;
use serde::{Deserialize, Serialize};

use crate::plan::{Leg, PlannedStop};

/// How an item must travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// The courier each order had in the previous plan.
    pub previous: HashMap<String, String>,
    /// The ETA each order's customer was last told, epoch ms.
    pub told: HashMap<String, i64>,
    /// The stop each courier is on its way to, with its current ETA and the road there:
    /// committed, it stays the courier's first stop.
    pub heading: HashMap<String, (PlannedStop, Leg)>,
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
