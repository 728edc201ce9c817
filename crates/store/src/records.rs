//! The rows freshroute stores. Times are epoch milliseconds, coordinates WGS84 degrees.

use std::fmt;
use std::str::FromStr;

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
    /// Shift start.
    pub shift_start_ms: i64,
    /// Shift end.
    pub shift_end_ms: i64,
    /// The identifier its tracking app sends.
    pub device_id: String,
    /// SHA-256 of the secret in its tracking URL, hex.
    pub secret_hash: String,
    /// When it was added.
    pub created_ms: i64,
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
