//! The dispatch plan as the API shows it: to dispatchers a GeoJSON FeatureCollection of
//! routes and stops with what the plan left out, to a courier its next stops.

use serde::Serialize;
use serde_json::{Value, json};

use crate::geojson::Feature;
use crate::orders::Item;
use crate::places::point;
use crate::time::format_ms;
use freshroute_dispatch::Plan;

/// A courier's route.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct RouteProperties {
    courier_id: String,
    /// The region it was planned in.
    region: String,
    /// How many stops it has.
    stops: usize,
}

/// One planned stop.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct StopProperties {
    courier_id: String,
    /// Its place in the courier's route, from 1.
    sequence: usize,
    order_id: String,
    /// `pickup` or `delivery`.
    kind: &'static str,
    /// Planned arrival, ISO 8601.
    arrival: String,
    /// Planned service start (after waiting for the food, at a pickup).
    start: String,
    departure: String,
}

/// A feature of the plan: a route (a LineString) or a stop (a Point).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub(crate) enum PlanFeature {
    /// A route.
    Route(RouteProperties),
    /// A stop.
    Stop(StopProperties),
}

/// An order the plan left out, or a courier it did not use, and why.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct LeftOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    order_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    courier_id: Option<String>,
    /// A stable code: `time_window_unreachable`, `no_courier`, `position_stale`, …
    reason: &'static str,
}

/// An order planned past its promise.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Behind {
    order_id: String,
    /// `kitchen` (ready food driven straight to the door would be late), `distance` (no
    /// courier that may carry it, on its own and going straight there, could bring it in
    /// time) or `no_courier_free` (one could, but every such courier has other stops
    /// first).
    #[schema(example = "no_courier_free")]
    cause: &'static str,
    /// Its planned delivery, ISO 8601.
    eta: String,
    /// The earliest any plan could bring it, ISO 8601.
    earliest: String,
}

/// A region planned.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct RegionView {
    region: String,
    /// Its open orders.
    orders: usize,
    /// Its couriers.
    couriers: usize,
}

/// What the plan is, beyond its routes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct PlanSummary {
    /// When it was made, ISO 8601.
    created: String,
    /// Time spent planning, milliseconds.
    solve_ms: u64,
    /// Orders left out.
    unassigned: Vec<LeftOut>,
    /// Couriers on shift the plan could not use.
    idle_couriers: Vec<LeftOut>,
    /// Orders that can no longer arrive by their promise plus the allowed lateness:
    /// planned to arrive as soon as they can.
    late: Vec<String>,
    /// Orders planned to reach the door after their promise, each with why.
    behind: Vec<Behind>,
    regions: Vec<RegionView>,
    /// Assigned orders their courier cannot serve: order, courier and the rule in the way.
    broken_pins: Vec<LeftOut>,
}

/// The plan as a GeoJSON FeatureCollection.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct PlanCollection {
    /// `FeatureCollection`.
    #[serde(rename = "type")]
    kind: &'static str,
    /// A LineString per courier route, then a Point per stop.
    features: Vec<Feature<PlanFeature>>,
    properties: PlanSummary,
}

/// The plan as a GeoJSON FeatureCollection: a LineString per courier route, a Point
/// per stop with its planned times.
pub(crate) fn plan_collection(plan: &Plan) -> PlanCollection {
    let mut features = Vec::new();
    for r in &plan.routes {
        let route = RouteProperties {
            courier_id: r.courier_id.clone(),
            region: r.region.clone(),
            stops: r.stops.len(),
        };
        let line = json!({"type": "LineString", "coordinates": r.geometry});
        features.push(Feature::new(None, line, PlanFeature::Route(route)));
        for (k, s) in r.stops.iter().enumerate() {
            let stop = StopProperties {
                courier_id: r.courier_id.clone(),
                sequence: k + 1,
                order_id: s.order_id.clone(),
                kind: s.kind,
                arrival: format_ms(s.arrival_ms),
                start: format_ms(s.start_ms),
                departure: format_ms(s.departure_ms),
            };
            features.push(Feature::new(
                None,
                point(s.lat, s.lon),
                PlanFeature::Stop(stop),
            ));
        }
    }
    let order = |(id, why): &(String, &'static str)| LeftOut {
        order_id: Some(id.clone()),
        courier_id: None,
        reason: why,
    };
    let properties = PlanSummary {
        created: format_ms(plan.created_ms),
        solve_ms: u64::try_from(plan.solve_ms).unwrap_or(u64::MAX),
        unassigned: plan.unassigned.iter().map(order).collect(),
        idle_couriers: plan
            .idle
            .iter()
            .map(|(id, why)| LeftOut {
                order_id: None,
                courier_id: Some(id.clone()),
                reason: why,
            })
            .collect(),
        late: plan.late.clone(),
        behind: plan
            .behind
            .iter()
            .map(|b| Behind {
                order_id: b.order_id.clone(),
                cause: b.cause,
                eta: format_ms(b.eta_ms),
                earliest: format_ms(b.earliest_ms),
            })
            .collect(),
        regions: plan
            .regions
            .iter()
            .map(|(region, orders, couriers)| RegionView {
                region: region.clone(),
                orders: *orders,
                couriers: *couriers,
            })
            .collect(),
        broken_pins: plan
            .broken_pins
            .iter()
            .map(|(o, c, why)| LeftOut {
                order_id: Some(o.clone()),
                courier_id: Some(c.clone()),
                reason: why,
            })
            .collect(),
    };
    PlanCollection {
        kind: "FeatureCollection",
        features,
        properties,
    }
}

/// What a courier needs at a stop: at a pickup, the store and what to collect; at a
/// delivery, the customer and what to hand over.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct AtTheStop {
    /// At a pickup: the store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) store_id: Option<String>,
    /// At a pickup, the store's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    /// At a delivery: the customer's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) customer: Option<String>,
    /// The store's or the customer's address.
    pub(crate) address: Option<String>,
    /// At a delivery: the customer's notes (door code, floor).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) notes: Option<String>,
    #[schema(value_type = Vec<Item>)]
    pub(crate) items: Value,
    /// At a pickup: when the food is ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) ready_at: Option<String>,
    /// At a delivery: when it was promised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) promised_by: Option<String>,
}

/// One of a courier's next stops.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct StopAhead {
    pub(crate) order_id: String,
    /// `pickup` or `delivery`.
    pub(crate) kind: &'static str,
    /// A GeoJSON Point.
    #[schema(value_type = Object)]
    pub(crate) geometry: Value,
    /// The plan's start there, ISO 8601.
    pub(crate) planned_start: String,
    /// From the courier's latest fix.
    pub(crate) eta: String,
    /// The road there, a GeoJSON LineString.
    #[schema(value_type = Object)]
    pub(crate) road: Value,
    /// Driving time of that road, seconds.
    pub(crate) drive_s: i64,
    /// What is there; `null` for an order no longer stored.
    pub(crate) at: Option<AtTheStop>,
}

/// A courier's next stops.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct CourierStops {
    pub(crate) courier_id: String,
    /// When the plan was made, ISO 8601.
    pub(crate) planned_at: String,
    /// Times it was found off its route and routed again.
    pub(crate) reroutes: u32,
    /// In order; empty when the plan gives it nothing.
    pub(crate) stops: Vec<StopAhead>,
}
