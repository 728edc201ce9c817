//! The rows freshroute stores. Times are epoch milliseconds, coordinates WGS84 degrees.

use std::fmt;
use std::str::FromStr;

pub use freshroute_calendar::{Duty, Roster, Window, Zone};

/// What an API key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Everything, including keys.
    Admin,
    /// Couriers, orders and plans.
    Dispatcher,
    /// Procurement.
    Planner,
    /// One courier: its own fixes and order statuses.
    Courier,
}

impl Role {
    /// Every role, in order.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Dispatcher, Role::Planner, Role::Courier];

    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Dispatcher => "dispatcher",
            Role::Planner => "planner",
            Role::Courier => "courier",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role {s:?}: use admin, dispatcher, planner or courier"))
    }
}

/// An API key as stored: its hash, never the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// SHA-256 of the key, hex.
    pub key_hash: String,
    /// What it may do.
    pub role: Role,
    /// For a courier key, the courier it speaks for.
    pub courier_id: Option<String>,
    /// When it was made.
    pub created_ms: i64,
    /// When it was revoked; a revoked key is refused.
    pub revoked_ms: Option<i64>,
    /// Who holds it (a person or a system), shown in audit trails; may be empty.
    pub name: String,
}

/// A courier.
#[derive(Debug, Clone, PartialEq)]
pub struct Courier {
    /// Chosen by the chain.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Travel profile of the road engine (`car`, `scooter`, `bike`).
    pub profile: String,
    /// Box capacity, in the chain's box units.
    pub box_capacity: i64,
    /// Skills such as `frozen`.
    pub skills: Vec<String>,
    /// The IANA time zone its roster is read in.
    pub time_zone: String,
    /// Its weekly shifts in local time, with dated exceptions (checked before storing).
    pub roster: Roster,
    /// A dispatcher's word over the roster: on or off duty for a while.
    pub duty: Option<Duty>,
    /// The identifier its tracking app sends.
    pub device_id: String,
    /// SHA-256 of the secret in its tracking URL, hex.
    pub secret_hash: String,
    /// When it was added.
    pub created_ms: i64,
    /// When it was retired: kept for history, never planned, its keys refused.
    pub retired_ms: Option<i64>,
}

impl Courier {
    /// Its shift at `now_ms` (the one under way or the next within three hours) from its
    /// roster and duty in its time zone; `None` when it is off or retired.
    pub fn shift_at(&self, now_ms: i64) -> Option<Window> {
        if self.retired_ms.is_some_and(|t| t <= now_ms) {
            return None;
        }
        let zone: Zone = self.time_zone.parse().unwrap_or(Zone::UTC);
        self.roster.shift_at(zone, now_ms, self.duty)
    }
}

/// A GPS fix as received, with the reason it was filtered out, if it was.
#[derive(Debug, Clone, PartialEq)]
pub struct FixRecord {
    /// The courier.
    pub courier_id: String,
    /// When the device took it.
    pub fix_ms: i64,
    /// When the server received it.
    pub server_ms: i64,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Speed, metres per second.
    pub speed_mps: Option<f64>,
    /// Heading, degrees clockwise from north.
    pub bearing_deg: Option<f64>,
    /// Altitude, metres.
    pub altitude_m: Option<f64>,
    /// Horizontal accuracy, metres.
    pub accuracy_m: Option<f64>,
    /// Battery level, percent.
    pub battery_pct: Option<f64>,
    /// `batch` or `osmand`.
    pub source: String,
    /// Why it is not used; `None` if accepted.
    pub reason: Option<String>,
}

/// One of the chain's stores (a shop, in code, so that "store" keeps meaning storage).
#[derive(Debug, Clone, PartialEq)]
pub struct Shop {
    /// Chosen by the chain.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Street address.
    pub address: String,
    /// Latitude, as entered.
    pub lat: f64,
    /// Longitude, as entered.
    pub lon: f64,
    /// The nearest road point per travel profile, as the service wrote it.
    pub snapped: serde_json::Value,
    /// Opening hours, as the service wrote them.
    pub opening_hours: serde_json::Value,
    /// Freezer space, litres.
    pub frozen_litres: i64,
    /// Refrigerated space, litres.
    pub chilled_litres: i64,
    /// Shelf space at room temperature, litres.
    pub ambient_litres: i64,
    /// When it was added.
    pub created_ms: i64,
    /// The IANA time zone its opening hours are read in.
    pub time_zone: String,
    /// When it was retired: kept for history, taking no new orders.
    pub retired_ms: Option<i64>,
}

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    /// Taken, waiting for a courier.
    Placed,
    /// A courier is on the way to the store for it.
    Assigned,
    /// On board a courier.
    PickedUp,
    /// Handed to the customer.
    Delivered,
    /// Could not be delivered (the reason is in its events).
    Failed,
    /// Called off before pickup.
    Cancelled,
}

impl OrderStatus {
    /// Every status, in life order.
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Placed,
        OrderStatus::Assigned,
        OrderStatus::PickedUp,
        OrderStatus::Delivered,
        OrderStatus::Failed,
        OrderStatus::Cancelled,
    ];

    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Placed => "placed",
            OrderStatus::Assigned => "assigned",
            OrderStatus::PickedUp => "picked_up",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Failed => "failed",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    /// Whether the order's life is over.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            OrderStatus::Delivered | OrderStatus::Failed | OrderStatus::Cancelled
        )
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrderStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrderStatus::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = OrderStatus::ALL.iter().map(|s| s.as_str()).collect();
                format!(
                    "unknown order status {s:?}: use one of {}",
                    names.join(", ")
                )
            })
    }
}

/// The first answer to a request sent with an `Idempotency-Key`, replayed to its retries.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredReply {
    /// Who sent it: the id of the API key.
    pub scope: String,
    /// The `Idempotency-Key` header.
    pub key: String,
    /// SHA-256 of the request, hex: a retry must send the same request.
    pub request_hash: String,
    /// The answer's HTTP status.
    pub status: i64,
    /// The answer's body.
    pub body: serde_json::Value,
    /// When it was first answered.
    pub created_ms: i64,
}

/// A customer's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    /// Chosen by the chain (its point-of-sale id, say).
    pub id: String,
    /// The store that prepares it.
    pub shop_id: String,
    /// Whom to hand it to.
    pub customer_name: String,
    /// Where, in words.
    pub customer_address: String,
    /// Delivery latitude, as entered.
    pub lat: f64,
    /// Delivery longitude, as entered.
    pub lon: f64,
    /// The nearest road point per travel profile, as the service wrote it.
    pub snapped: serde_json::Value,
    /// The items, as the service wrote them.
    pub items: serde_json::Value,
    /// Room it takes in a courier's box, in the chain's box units.
    pub box_units: i64,
    /// When the store will have it ready.
    pub ready_ms: i64,
    /// When the customer was promised it.
    pub promised_ms: i64,
    /// Where it is in its life.
    pub status: OrderStatus,
    /// The courier it is assigned to, if any.
    pub courier_id: Option<String>,
    /// SHA-256 of the customer's tracking token, hex.
    pub tracking_hash: String,
    /// When the tracking token stops working.
    pub tracking_expires_ms: i64,
    /// When it was taken.
    pub created_ms: i64,
    /// When it last changed.
    pub updated_ms: i64,
    /// What the customer tells the courier; may be empty.
    pub notes: String,
}

/// One change of an order's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEvent {
    /// The order.
    pub order_id: String,
    /// The status it took.
    pub status: OrderStatus,
    /// Its courier after the change.
    pub courier_id: Option<String>,
    /// Why, for a failure or a cancellation.
    pub reason: Option<String>,
    /// Who: the role of the key (`dispatcher`), or `courier:ID`.
    pub actor: String,
    /// When.
    pub at_ms: i64,
}
