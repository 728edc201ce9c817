//! What the dispatcher answers: each courier's route with its stops, times and roads,
//! and what it could not plan, with why.

/// One planned stop.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedStop {
    /// The order served.
    pub order_id: String,
    /// `pickup` or `delivery`.
    pub kind: &'static str,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Planned arrival, epoch ms.
    pub arrival_ms: i64,
    /// Planned service start, epoch ms.
    pub start_ms: i64,
    /// Planned departure, epoch ms.
    pub departure_ms: i64,
    /// Not served before this, epoch ms (the order's ready time, for a pickup).
    pub not_before_ms: i64,
    /// Time spent at the stop, seconds.
    pub service_s: i64,
    /// The order's promise, epoch ms.
    pub promised_ms: i64,
}

/// The road from one stop (or the courier's position) to the next.
#[derive(Debug, Clone, PartialEq)]
pub struct Leg {
    /// `[lon, lat]` pairs along the roads (straight when the leg cannot be routed).
    pub geometry: Vec<[f64; 2]>,
    /// Driving time, seconds.
    pub duration_s: i64,
}

/// One courier's planned route.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRoute {
    /// The courier.
    pub courier_id: String,
    /// The region it was planned in.
    pub region: String,
    /// From its latest position through each stop, in order, along the roads of its
    /// profile (a straight line where a leg cannot be routed).
    pub geometry: Vec<[f64; 2]>,
    /// Its stops in order.
    pub stops: Vec<PlannedStop>,
    /// The road to each stop: `legs[k]` ends at `stops[k]`.
    pub legs: Vec<Leg>,
}

/// The current plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// When it was made, epoch ms.
    pub created_ms: i64,
    /// Time spent planning, milliseconds: travel tables, solver and route geometry.
    pub solve_ms: u128,
    /// Each used courier's route.
    pub routes: Vec<PlannedRoute>,
    /// Orders left out, with the solver's reason.
    pub unassigned: Vec<(String, &'static str)>,
    /// Couriers on shift the plan could not use, with why.
    pub idle: Vec<(String, &'static str)>,
    /// Assigned orders their courier cannot serve: order, courier and the rule in the way.
    pub broken_pins: Vec<(String, String, &'static str)>,
    /// Each region planned: its name, open orders and couriers.
    pub regions: Vec<(String, usize, usize)>,
    /// Orders that can no longer arrive by their promise plus the allowed lateness (or, on
    /// board, within their ride limit): planned without that deadline, to arrive as soon
    /// as they can.
    pub late: Vec<String>,
    /// Each order planned to reach its door after its promise, and why.
    pub behind: Vec<Lateness>,
    /// The [`crate::Snapshot::basis`] it was made from.
    pub basis: u64,
}

/// An order planned past its promise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lateness {
    /// The order.
    pub order_id: String,
    /// `kitchen` (ready food driven straight to the door would be late), `distance` (no
    /// courier that may carry it, on its own and going straight there, could bring it
    /// in time) or `no_courier_free` (one could, but every such courier has other stops
    /// first).
    pub cause: &'static str,
    /// Its planned delivery, epoch ms.
    pub eta_ms: i64,
    /// The earliest any plan could bring it, epoch ms.
    pub earliest_ms: i64,
}

impl Plan {
    /// The courier each planned order has, by order id.
    pub fn courier_of_each_order(&self) -> std::collections::HashMap<String, String> {
        self.routes
            .iter()
            .flat_map(|r| {
                r.stops
                    .iter()
                    .map(|s| (s.order_id.clone(), r.courier_id.clone()))
            })
            .collect()
    }

    /// The planned delivery start of an order, if it is planned.
    pub fn eta_ms(&self, order_id: &str) -> Option<i64> {
        self.routes
            .iter()
            .flat_map(|r| &r.stops)
            .find(|s| s.order_id == order_id && s.kind == "delivery")
            .map(|s| s.start_ms)
    }
}
