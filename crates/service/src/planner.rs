//! The dispatch plan: open orders and couriers on shift, as they stand, turned into a
//! routing problem (pickup at the store not before the order is ready, delivery by the
//! promise plus an allowed lateness, each second after the promise costing more than a
//! second of a courier's time, the ride limit of the order's strictest cold-chain
//! class, box room and skills; orders on board stay with their courier), solved within a
//! time budget on the city's roads, and kept as the current plan with each order's ETA.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use freshroute_model::{Metres, Seconds};
use freshroute_roads::{Profile, RoadNetwork, Snap};
use freshroute_solver::{
    Limits, OnBoard, ProblemBuilder, Quiet, Shipment, SoftEnd, StopKind, TimeWindow, TravelMatrix,
    Vehicle, solve,
};
use freshroute_store::{
    Courier, FixRecord, Order, OrderStatus, PlanStore, PlannedOrder, Role, Shop, Storage,
};
use serde_json::json;

use crate::auth::Caller;
use crate::notices::{self, EtaUpdate};
use crate::orders::{ColdChain, Item, needed_skills, stored_items};
use crate::places::{point, snap_near};
use crate::plan_views::{AtTheStop, CourierStops, PlanCollection, StopAhead, plan_collection};
use crate::regions::plan_regions;
use crate::state::AppState;
use crate::time::format_ms;
use crate::{ApiError, ErrorBody};

/// Time at the store to take an order, seconds.
pub const PICKUP_SERVICE_S: i64 = 60;
/// Time at the door to hand it over, seconds.
pub const DELIVERY_SERVICE_S: i64 = 120;

/// How the planner plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannerConfig {
    /// Longest ride of frozen goods, seconds (pickup to delivery).
    pub frozen_ride_s: i64,
    /// Of hot food and drinks.
    pub hot_ride_s: i64,
    /// Of chilled goods.
    pub chilled_ride_s: i64,
    /// How late past its promise an order may still be planned, seconds.
    pub lateness_s: i64,
    /// What each second an order arrives after its promise costs, in seconds of a
    /// courier's time: above 1, the plan spends courier time to keep promises.
    pub late_cost_per_s: i64,
    /// A courier whose latest fix is older than this is taken as offline, seconds.
    pub stale_fix_s: i64,
    /// Time the solver may take per plan.
    pub time_limit: Duration,
    /// Longest a whole re-plan may take (snapshot, tables, solver, geometry): a plan
    /// later than this is dropped and the previous one stays in force.
    pub budget: Duration,
    /// What moving an order planned for one courier to another must gain, seconds of
    /// driving: below it, the plan keeps the order where it was (no flip-flopping).
    pub switch_cost_s: i64,
    /// Share of each ride limit the plan may use, percent: the rest absorbs traffic and
    /// waits the plan cannot see, so that the limit itself is kept.
    pub ride_plan_pct: i64,
    /// Once a customer is told an ETA for an order on board, the plan delivers it no
    /// later than that plus this, seconds (so the ETA stays honest).
    pub eta_hold_s: i64,
    /// A courier's first stop is committed (its order assigned to it, and so pinned)
    /// once the plan has it start within this, seconds; 0 commits nothing.
    pub commit_within_s: i64,
}

impl Default for PlannerConfig {
    fn default() -> Self {
        Self {
            frozen_ride_s: 20 * 60,
            hot_ride_s: 25 * 60,
            chilled_ride_s: 45 * 60,
            lateness_s: 15 * 60,
            late_cost_per_s: 10,
            stale_fix_s: 10 * 60,
            // With travel tables and road geometry, a region of 300 orders and 100 couriers
            // re-plans in about 0.7 s on two cores (`bench replan`): within the 1 s target.
            time_limit: Duration::from_millis(600),
            budget: Duration::from_secs(2),
            switch_cost_s: 120,
            ride_plan_pct: 75,
            eta_hold_s: 120,
            commit_within_s: 10 * 60,
        }
    }
}

impl PlannerConfig {
    /// The ride limit of an order's items: that of its strictest class.
    pub(crate) fn ride_limit(&self, items: &[Item]) -> Option<i64> {
        self.class_limits(items)
    }

    /// The ride the plan allows an order: its limit less the margin.
    fn planned_ride(&self, items: &[Item]) -> Option<i64> {
        self.class_limits(items)
            .map(|r| r * self.ride_plan_pct.clamp(1, 100) / 100)
    }

    fn class_limits(&self, items: &[Item]) -> Option<i64> {
        items
            .iter()
            .filter_map(|i| match i.class() {
                ColdChain::Frozen => Some(self.frozen_ride_s),
                ColdChain::Hot => Some(self.hot_ride_s),
                ColdChain::Chilled => Some(self.chilled_ride_s),
                ColdChain::Ambient => None,
            })
            .min()
    }
}

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
}

impl Plan {
    /// The planned delivery start of an order, if it is planned.
    pub fn eta_ms(&self, order_id: &str) -> Option<i64> {
        self.routes
            .iter()
            .flat_map(|r| &r.stops)
            .find(|s| s.order_id == order_id && s.kind == "delivery")
            .map(|s| s.start_ms)
    }
}

/// What a plan is built from, as storage holds it.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The plan's time origin, epoch ms.
    pub now_ms: i64,
    /// The chain's stores.
    pub shops: Vec<Shop>,
    /// Every courier (those off shift or without a position are left out).
    pub couriers: Vec<Courier>,
    /// Each courier's latest accepted fix.
    pub latest: HashMap<String, FixRecord>,
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

pub(crate) async fn snapshot(state: &AppState) -> Result<Snapshot, ApiError> {
    let mut orders = Vec::new();
    for status in [
        OrderStatus::Placed,
        OrderStatus::Assigned,
        OrderStatus::PickedUp,
    ] {
        orders.extend(state.store.orders(Some(status), None, 1_000).await?);
    }
    let in_memory: Option<HashMap<String, String>> = state.plan.read().await.as_ref().map(|p| {
        p.routes
            .iter()
            .flat_map(|r| {
                r.stops
                    .iter()
                    .map(|s| (s.order_id.clone(), r.courier_id.clone()))
            })
            .collect()
    });
    // After a restart, the plan the service made last, as stored.
    let previous = match in_memory {
        Some(p) => p,
        None => state
            .store
            .planned_orders()
            .await?
            .into_iter()
            .map(|p| (p.order_id, p.courier_id))
            .collect(),
    };
    let told = state.eta_watch.lock().await.told().clone();
    let heading = state.live.lock().expect("live routes lock").heading();
    Ok(Snapshot {
        heading,
        told,
        previous,
        now_ms: state.clock.now_ms(),
        shops: state.store.shops().await?,
        couriers: state.store.couriers().await?,
        latest: state.latest.read().await.clone(),
        orders,
    })
}

/// Whether the goods `courier` has on board with a ride limit can all still reach their
/// doors within their planned ride if it first serves `stop` (leaving when planned)
/// and then drives straight to each.
fn keeps_rides_after(
    snap: &Snapshot,
    roads: &RoadNetwork,
    config: &PlannerConfig,
    profile: Profile,
    courier: &str,
    stop: &PlannedStop,
) -> bool {
    let leaves_ms = stop.start_ms + stop.service_s * 1000;
    let from = Place {
        lat: stop.lat,
        lon: stop.lon,
    };
    snap.orders
        .iter()
        .filter(|o| o.status == OrderStatus::PickedUp && o.courier_id.as_deref() == Some(courier))
        .filter_map(|o| Some((o, config.planned_ride(&stored_items(o))?)))
        .all(|(o, ride_s)| {
            drive_ms(roads, profile, from, (o.lat, o.lon))
                .is_some_and(|d| leaves_ms + d <= o.updated_ms + ride_s * 1000)
        })
}

/// Goods on board that cannot keep their ride limit any more are planned to arrive
/// within this of the straight drive to their door, seconds.
const LOST_SLACK_S: i64 = 5 * 60;

/// The fastest drive from `from` to `to` on `profile`'s roads, milliseconds; `None` when
/// either end is off the roads or no road leads there.
fn drive_ms(roads: &RoadNetwork, profile: Profile, from: Place, to: (f64, f64)) -> Option<i64> {
    let graph = roads.profile(profile).ok()?;
    let a = snap_near(graph, from.lat, from.lon)?;
    let b = snap_near(graph, to.0, to.1)?;
    let d = graph
        .table(&[a], &[b])
        .durations()
        .first()
        .copied()
        .flatten()?;
    Some(d.0 * 1000)
}

/// A place of the problem.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place {
    pub(crate) lat: f64,
    pub(crate) lon: f64,
}

/// Seconds since the plan's origin (now), rounded down: for deadlines.
fn rel(ms: i64, now_ms: i64) -> Seconds {
    Seconds((ms - now_ms).div_euclid(1000))
}

/// Seconds since the plan's origin, rounded up: for "not before" times.
fn rel_up(ms: i64, now_ms: i64) -> Seconds {
    Seconds((ms - now_ms + 999).div_euclid(1000))
}

/// Travel times between every pair of places on a profile's roads; a place the
/// profile cannot reach gets times no window allows.
fn matrix(roads: &RoadNetwork, profile: Profile, places: &[Place]) -> TravelMatrix {
    const NEVER: i64 = 1_000_000_000;
    let n = places.len();
    let Ok(graph) = roads.profile(profile) else {
        return TravelMatrix::new(n, vec![Seconds(NEVER); n * n], vec![Metres(0); n * n]);
    };
    let snaps: Vec<Option<Snap>> = places
        .iter()
        .map(|p| snap_near(graph, p.lat, p.lon))
        .collect();
    let known: Vec<usize> = (0..n).filter(|&i| snaps[i].is_some()).collect();
    let list: Vec<Snap> = known.iter().filter_map(|&i| snaps[i]).collect();
    let table = graph.table(&list, &list);
    let (d, m) = (table.durations(), table.distances());
    let mut durations = vec![Seconds(NEVER); n * n];
    let mut distances = vec![Metres(0); n * n];
    for (a, &i) in known.iter().enumerate() {
        for (b, &j) in known.iter().enumerate() {
            if let (Some(t), Some(x)) = (d[a * known.len() + b], m[a * known.len() + b]) {
                durations[i * n + j] = t;
                distances[i * n + j] = x;
            }
        }
    }
    for i in 0..n {
        durations[i * n + i] = Seconds(0);
    }
    TravelMatrix::new(n, durations, distances)
}

/// The roads through `waypoints`, leg by leg, as `[lon, lat]` pairs with driving times;
/// a leg that cannot be routed is drawn straight and takes `fallback_s[k]`.
pub(crate) fn road_legs(
    roads: &RoadNetwork,
    profile: Profile,
    waypoints: &[Place],
    fallback_s: &[i64],
) -> Vec<Leg> {
    let straight = |p: &Place| [p.lon, p.lat];
    let graph = roads.profile(profile).ok();
    let snap = |p: &Place| snap_near(graph?, p.lat, p.lon);
    let mut router = graph.map(|g| g.router());
    waypoints
        .windows(2)
        .zip(fallback_s)
        .map(|(leg, &fallback)| {
            let path = match (snap(&leg[0]), snap(&leg[1]), router.as_mut()) {
                (Some(a), Some(b), Some(r)) => r.route(&a, &b).ok().flatten(),
                _ => None,
            };
            match path {
                Some(route) => {
                    let mut geometry = vec![straight(&leg[0])];
                    geometry.extend(route.geometry.iter().map(|p| [p.lon(), p.lat()]));
                    geometry.push(straight(&leg[1]));
                    geometry.dedup();
                    Leg {
                        geometry,
                        duration_s: route.duration.0,
                    }
                }
                None => Leg {
                    geometry: vec![straight(&leg[0]), straight(&leg[1])],
                    duration_s: fallback,
                },
            }
        })
        .collect()
}

/// Builds, solves and reads back one plan (`solve_ms` counts travel tables, solver
/// and route geometry).
pub fn plan(snap: &Snapshot, roads: &RoadNetwork, config: &PlannerConfig) -> Plan {
    let first = plan_with(snap, roads, config, &[], &[]);
    // A late order is still delivered. One that can no longer arrive by its promise plus
    // the allowed lateness (or by the ETA its customer was told) is planned again with an
    // hour more, its ride limit kept; the customer hears of the delay. One that cannot
    // even so is planned by the end of the day, and goods on board that cannot keep their
    // ride limit any more straight to their door.
    let timing = |p: &Plan| -> Vec<String> {
        p.unassigned
            .iter()
            .map(|(o, why)| (o, *why))
            .chain(p.broken_pins.iter().map(|(o, _, why)| (o, *why)))
            .filter(|(_, why)| {
                matches!(
                    *why,
                    "time_window_unreachable" | "ride_limit_unreachable" | "shift_too_short"
                )
            })
            .map(|(id, _)| id.clone())
            .collect()
    };
    let late = timing(&first);
    if late.is_empty() {
        return first;
    }
    // A fifth of the budget each time: the first plan already did most of the work.
    let again = PlannerConfig {
        time_limit: config.time_limit / 5,
        ..*config
    };
    let mut second = plan_with(snap, roads, &again, &late, &[]);
    second.solve_ms += first.solve_ms;
    let hopeless = timing(&second);
    if hopeless.is_empty() {
        second.late = late;
        return second;
    }
    let mut third = plan_with(snap, roads, &again, &late, &hopeless);
    third.solve_ms += second.solve_ms;
    third.late = late;
    third
}

/// One plan; the orders listed in `late` get an hour more and lose the hold of their
/// told ETA; those in `hopeless` are planned by the end of the day, goods on board to
/// arrive within [`LOST_SLACK_S`] of the straight drive to their door (twice their ride
/// limit where no road leads there).
fn plan_with(
    snap: &Snapshot,
    roads: &RoadNetwork,
    config: &PlannerConfig,
    late: &[String],
    hopeless: &[String],
) -> Plan {
    let framed = frame(snap, roads, config, late, hopeless);
    let Some(problem) = &framed.problem else {
        return framed.out;
    };
    let limits = Limits {
        time: Some(config.time_limit),
        iterations: None,
        seed: 1,
    };
    let solution = solve(problem, &limits, &mut Quiet);
    read_back(snap, roads, framed, &solution)
}

/// A snapshot framed as a routing problem, before it is solved: the planner solves it,
/// plan mode judges a dispatcher's route against it.
pub(crate) struct Frame<'a> {
    /// The plan's origin, epoch ms.
    pub(crate) now: i64,
    /// The places of the problem, by index.
    places: Vec<Place>,
    /// Vehicle index → courier.
    pub(crate) vehicles: Vec<&'a Courier>,
    /// Orders whose stop a courier is on its way to: the vehicle, the kind, when it leaves.
    pub(crate) heading_orders: HashMap<&'a str, (usize, &'a str, i64)>,
    /// Task index → order (each order is one task: a shipment, or goods on board).
    pub(crate) task_orders: Vec<&'a Order>,
    /// Pinned tasks (by index) and their couriers.
    pinned: Vec<(usize, String)>,
    /// The plan as far as it is known before solving: orders left out, couriers not used.
    pub(crate) out: Plan,
    /// The problem; `None` when there is nothing to solve (no courier, or refused).
    pub(crate) problem: Option<freshroute_solver::Problem>,
    /// When framing began: a plan's time counts from here.
    clock: Instant,
}

/// Frames a snapshot as a routing problem (see [`plan_with`] for `late` and `hopeless`).
pub(crate) fn frame<'a>(
    snap: &'a Snapshot,
    roads: &RoadNetwork,
    config: &PlannerConfig,
    late: &[String],
    hopeless: &[String],
) -> Frame<'a> {
    let now = snap.now_ms;
    let mut places: Vec<Place> = Vec::new();
    let mut add = |lat: f64, lon: f64| {
        places.push(Place { lat, lon });
        places.len() - 1
    };
    let mut idle = Vec::new();
    let mut vehicles: Vec<&Courier> = Vec::new();
    // Per vehicle: where it starts, its profile's index, when it leaves.
    let mut starts: Vec<(Place, usize, i64)> = Vec::new();
    // Orders whose stop a courier is on its way to: the vehicle, the kind, when it leaves.
    let mut heading_orders: HashMap<&str, (usize, &str, i64)> = HashMap::new();
    let clock = Instant::now();
    let mut builder = ProblemBuilder::new();
    let mut profiles: Vec<Profile> = Vec::new();
    for c in &snap.couriers {
        // A courier off duty (its shift over, or not yet near) still delivers what it
        // carries, and takes nothing new.
        let carrying: i64 = snap
            .orders
            .iter()
            .filter(|o| o.status == OrderStatus::PickedUp && o.courier_id.as_deref() == Some(&c.id))
            .map(|o| o.box_units)
            .sum();
        let shift = c.shift_at(now);
        let off_shift = shift.is_none();
        if off_shift && carrying == 0 {
            continue;
        }
        let Ok(profile) = c.profile.parse::<Profile>() else {
            idle.push((c.id.clone(), "unknown_profile"));
            continue;
        };
        let Some(fix) = snap.latest.get(&c.id) else {
            idle.push((c.id.clone(), "no_position"));
            continue;
        };
        if now - fix.fix_ms > config.stale_fix_s * 1000 {
            // Its phone has gone quiet: what it carries is reported, not planned blind.
            idle.push((c.id.clone(), "position_stale"));
            continue;
        }
        let k = profiles
            .iter()
            .position(|p| *p == profile)
            .unwrap_or_else(|| {
                profiles.push(profile);
                profiles.len() - 1
            });
        // On its way to a stop of an order it was given (or carries): it serves that stop
        // first, so the problem starts there, when the courier leaves it.
        // A pickup is not committed when, after it, goods on board could no longer reach
        // their doors within their planned ride: the plan may deliver them first.
        let committed = snap.heading.get(&c.id).filter(|(stop, _)| {
            snap.orders.iter().any(|o| {
                o.id == stop.order_id
                    && o.courier_id.as_deref() == Some(&c.id)
                    && match stop.kind {
                        "pickup" => {
                            o.status == OrderStatus::Assigned
                                && carrying + o.box_units <= c.box_capacity
                                && keeps_rides_after(snap, roads, config, profile, &c.id, stop)
                        }
                        _ => o.status == OrderStatus::PickedUp,
                    }
            })
        });
        let (start_at, leaves_ms) = match committed {
            Some((stop, _)) => (
                Place {
                    lat: stop.lat,
                    lon: stop.lon,
                },
                stop.start_ms + stop.service_s * 1000,
            ),
            None => (
                Place {
                    lat: fix.lat,
                    lon: fix.lon,
                },
                now,
            ),
        };
        let start = add(start_at.lat, start_at.lon);
        if let Some((stop, _)) = committed {
            heading_orders.insert(
                stop.order_id.as_str(),
                (vehicles.len(), stop.kind, leaves_ms),
            );
        }
        let picking = committed
            .filter(|(s, _)| s.kind == "pickup")
            .and_then(|(s, _)| snap.orders.iter().find(|o| o.id == s.order_id))
            .map_or(0, |o| o.box_units);
        starts.push((start_at, k, leaves_ms.max(now)));
        builder.add_vehicle(Vehicle {
            start,
            end: None,
            shift: TimeWindow {
                start: rel_up(
                    shift.map_or(now, |w| w.start_ms).max(leaves_ms).max(now),
                    now,
                ),
                end: match shift {
                    None => Seconds(config.lateness_s + 3_600),
                    Some(w) => rel(w.end_ms, now),
                },
            },
            capacity: vec![if off_shift {
                carrying + picking
            } else {
                c.box_capacity
            }],
            skills: c.skills.clone(),
            fixed_cost: 0,
            cost_per_second: 1,
            cost_per_metre: 0,
            max_duration: None,
            profile: k,
        });
        vehicles.push(c);
    }
    let shop_place: HashMap<&str, usize> = snap
        .shops
        .iter()
        .map(|s| (s.id.as_str(), add(s.lat, s.lon)))
        .collect();
    // Task index → order (each order is one task: a shipment, or goods on board).
    let mut task_orders: Vec<&Order> = Vec::new();
    let mut unassigned = Vec::new();
    // Pinned tasks (by index) and their couriers.
    let mut pinned: Vec<(usize, String)> = Vec::new();
    let mut shipments = Vec::new();
    for o in &snap.orders {
        let items = stored_items(o);
        let ride = config.planned_ride(&items);
        let skills: Vec<String> = needed_skills(&items)
            .into_iter()
            .map(str::to_string)
            .collect();
        let overdue = late.contains(&o.id);
        let lost = hopeless.contains(&o.id);
        let deadline = if lost {
            Seconds(24 * 3600)
        } else if overdue {
            rel(o.promised_ms + config.lateness_s * 1000 + 3_600_000, now)
        } else {
            rel(o.promised_ms + config.lateness_s * 1000, now)
        };
        let delivery = freshroute_solver::Stop {
            location: add(o.lat, o.lon),
            service: Seconds(DELIVERY_SERVICE_S),
            windows: vec![TimeWindow {
                start: Seconds(0),
                end: deadline.max(Seconds(0)),
            }],
            // The promise: every second after it costs, so the plan keeps promises first.
            soft_end: Some(SoftEnd {
                at: rel(o.promised_ms, now),
                cost_per_second: config.late_cost_per_s,
            }),
        };
        // The courier an order is bound to (on board, or assigned: pinned), if it can plan.
        let bound = match o.status {
            OrderStatus::PickedUp | OrderStatus::Assigned => {
                let found = o
                    .courier_id
                    .as_deref()
                    .and_then(|id| vehicles.iter().position(|c| c.id == id));
                if found.is_none() {
                    let why = match idle
                        .iter()
                        .find(|(id, _)| Some(id.as_str()) == o.courier_id.as_deref())
                    {
                        Some((_, "position_stale")) => "courier_offline",
                        Some(_) => "courier_unavailable",
                        None => "courier_off_shift",
                    };
                    unassigned.push((o.id.clone(), why));
                    continue;
                }
                found
            }
            _ => None,
        };
        let headed = heading_orders.get(o.id.as_str()).copied();
        if let Some((_, "delivery", _)) = headed {
            // Its courier is at or near the door: done before the problem starts.
            continue;
        }
        if o.status == OrderStatus::PickedUp || headed.is_some() {
            let Some(v) = bound else { continue };
            // Picked up now, or when its courier leaves the store it is on its way to.
            let picked_ms = headed.map_or(o.updated_ms, |(_, _, leaves)| leaves);
            builder.add_on_board(OnBoard {
                vehicle: v,
                delivery,
                amount: vec![o.box_units],
                // The planned ride, and no later than the ETA the customer was told (an order
                // late for its promise keeps the planned ride); goods that cannot keep it any
                // more go straight to their door from where the courier starts, within
                // `LOST_SLACK_S` of the drive.
                deadline: ride
                    .map(|r| {
                        if lost {
                            let (from, k, leaves_ms) = starts[v];
                            drive_ms(roads, profiles[k], from, (o.lat, o.lon))
                                .map_or((picked_ms + 2 * r * 1000).max(now + 1_800_000), |d| {
                                    leaves_ms + d + LOST_SLACK_S * 1000
                                })
                        } else {
                            picked_ms + r * 1000
                        }
                    })
                    .into_iter()
                    .chain(
                        snap.told
                            .get(&o.id)
                            .filter(|_| !overdue && !lost)
                            .map(|t| t + config.eta_hold_s * 1000),
                    )
                    .min()
                    .map(|at| rel(at, now).max(Seconds(0))),
                unassigned_penalty: 10_000_000,
            });
            task_orders.push(o);
            continue;
        }
        let Some(&store) = shop_place.get(o.shop_id.as_str()) else {
            unassigned.push((o.id.clone(), "unknown_store"));
            continue;
        };
        // Added once the travel times are known (its ride limit is checked against them).
        shipments.push((
            Shipment {
                pickup: freshroute_solver::Stop {
                    location: store,
                    service: Seconds(PICKUP_SERVICE_S),
                    windows: vec![TimeWindow {
                        start: rel_up(o.ready_ms, now).max(Seconds(0)),
                        end: deadline.max(Seconds(0)),
                    }],
                    soft_end: None,
                },
                delivery,
                amount: vec![o.box_units],
                skills,
                max_ride: ride.map(Seconds),
                unassigned_penalty: 1_000_000,
            },
            o,
            bound,
            config.ride_limit(&items),
        ));
    }
    let tables: Vec<TravelMatrix> = profiles
        .iter()
        .map(|p| matrix(roads, *p, &places))
        .collect();
    for (mut s, o, bound, full) in shipments {
        // The planned ride (the limit less its margin) may be shorter than the fastest
        // drive from the store to the door: then the whole limit; if even that is, no
        // courier can keep this order's cold chain, and it is left for a dispatcher.
        let direct = tables
            .iter()
            .map(|m| m.travel(s.pickup.location, s.delivery.location))
            .min()
            .unwrap_or(Seconds(0));
        if let Some(planned) = s.max_ride
            && planned < direct
        {
            match full.map(Seconds).filter(|f| *f >= direct) {
                Some(f) => s.max_ride = Some(f),
                None => {
                    unassigned.push((o.id.clone(), "ride_limit_unreachable"));
                    continue;
                }
            }
        }
        let task = builder.add_shipment(s);
        if let Some(v) = bound {
            builder.pin(task, v);
            pinned.push((task_orders.len(), vehicles[v].id.clone()));
        } else if let Some(v) = snap
            .previous
            .get(&o.id)
            .and_then(|id| vehicles.iter().position(|c| &c.id == id))
        {
            builder.prefer(task, v, config.switch_cost_s);
        }
        task_orders.push(o);
    }
    for m in tables {
        builder.add_matrix(m);
    }
    let mut out = Plan {
        created_ms: now,
        solve_ms: 0,
        routes: Vec::new(),
        unassigned,
        idle,
        broken_pins: Vec::new(),
        late: Vec::new(),
        regions: Vec::new(),
    };
    let problem = if vehicles.is_empty() {
        out.unassigned
            .extend(task_orders.iter().map(|o| (o.id.clone(), "no_courier")));
        None
    } else {
        builder
            .build()
            .inspect_err(|e| {
                tracing::error!(error = %e, "the plan's problem was refused");
                out.unassigned
                    .extend(task_orders.iter().map(|o| (o.id.clone(), e.code())));
            })
            .ok()
    };
    Frame {
        now,
        places,
        vehicles,
        heading_orders,
        task_orders,
        pinned,
        out,
        problem,
        clock,
    }
}

/// The plan a solution of a framed snapshot makes: each courier's route with its
/// committed first stop, times and roads; the orders left out, with why.
fn read_back(
    snap: &Snapshot,
    roads: &RoadNetwork,
    framed: Frame<'_>,
    solution: &freshroute_solver::Solution,
) -> Plan {
    let Frame {
        now,
        places,
        vehicles,
        heading_orders,
        task_orders,
        pinned,
        mut out,
        clock,
        ..
    } = framed;
    let at = |s: Seconds| now + s.0 * 1000;
    for (v, courier) in vehicles.iter().enumerate() {
        let solved_stops = solution
            .routes
            .iter()
            .find(|r| r.vehicle == v)
            .map_or(&[][..], |r| &r.stops[..]);
        let committed = snap.heading.get(&courier.id).filter(|(s, _)| {
            heading_orders
                .get(s.order_id.as_str())
                .is_some_and(|h| h.0 == v)
        });
        if solved_stops.is_empty() && committed.is_none() {
            continue;
        }
        let mut waypoints: Vec<Place> = Vec::new();
        let start = match committed {
            Some((s, _)) => Some(Place {
                lat: s.lat,
                lon: s.lon,
            }),
            None => snap.latest.get(&courier.id).map(|f| Place {
                lat: f.lat,
                lon: f.lon,
            }),
        };
        waypoints.extend(start.or_else(|| solved_stops.first().map(|s| places[s.location])));
        let mut stops: Vec<PlannedStop> = committed.map(|(s, _)| s.clone()).into_iter().collect();
        stops.extend(solved_stops.iter().map(|s| {
            let o = task_orders[s.task.0 as usize];
            let p = places[s.location];
            waypoints.push(p);
            let pickup = s.kind == StopKind::Pickup;
            PlannedStop {
                order_id: o.id.clone(),
                kind: if pickup { "pickup" } else { "delivery" },
                lat: p.lat,
                lon: p.lon,
                arrival_ms: at(s.arrival),
                start_ms: at(s.start),
                departure_ms: at(s.departure),
                not_before_ms: if pickup { o.ready_ms } else { now },
                service_s: if pickup {
                    PICKUP_SERVICE_S
                } else {
                    DELIVERY_SERVICE_S
                },
                promised_ms: o.promised_ms,
            }
        }));
        let profile = courier.profile.parse().unwrap_or(Profile::Car);
        // Where a leg cannot be routed, the plan's own time for it.
        let solved = &stops[usize::from(committed.is_some())..];
        let fallback_s: Vec<i64> = solved
            .iter()
            .scan(
                stops
                    .first()
                    .filter(|_| committed.is_some())
                    .map_or(now, |s| s.departure_ms),
                |left, s| {
                    let leg = (s.arrival_ms - *left).max(0) / 1000;
                    *left = s.departure_ms;
                    Some(leg)
                },
            )
            .collect();
        let mut legs: Vec<Leg> = committed.map(|(_, l)| l.clone()).into_iter().collect();
        legs.extend(road_legs(roads, profile, &waypoints, &fallback_s));
        let mut geometry: Vec<[f64; 2]> = legs.iter().flat_map(|l| l.geometry.clone()).collect();
        geometry.dedup();
        out.routes.push(PlannedRoute {
            region: String::new(),
            courier_id: courier.id.clone(),
            geometry,
            stops,
            legs,
        });
    }
    out.solve_ms = clock.elapsed().as_millis();
    for u in &solution.unassigned {
        let t = u.task.0 as usize;
        let id = task_orders[t].id.clone();
        match pinned.iter().find(|(k, _)| *k == t) {
            Some((_, courier)) => out.broken_pins.push((id, courier.clone(), u.reason.code())),
            None => out.unassigned.push((id, u.reason.code())),
        }
    }
    out
}

/// Plans now and keeps the plan as the current one.
pub(crate) async fn replan(state: &AppState) -> Result<Arc<Plan>, ApiError> {
    let snap = snapshot(state).await?;
    let profiles: HashMap<String, Profile> = snap
        .couriers
        .iter()
        .filter_map(|c| Some((c.id.clone(), c.profile.parse().ok()?)))
        .collect();
    let orders: HashMap<String, Order> = snap
        .orders
        .iter()
        .map(|o| (o.id.clone(), o.clone()))
        .collect();
    let roads = state.roads.clone();
    let config = state.planner;
    let regions = state.regions.clone();
    let work = tokio::task::spawn_blocking(move || plan_regions(&snap, &roads, &config, &regions));
    let new = match tokio::time::timeout(config.budget, work).await {
        Ok(Ok(new)) => new,
        Ok(Err(_)) => {
            return Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "planner_failed",
                "the planner stopped unexpectedly; the previous plan stays in force",
            ));
        }
        Err(_) => {
            // The late plan is dropped when it finishes; it would describe a past moment.
            metrics::counter!("freshroute_replan_overruns_total").increment(1);
            tracing::warn!(
                budget_ms = config.budget.as_millis() as u64,
                "a re-plan overran its budget; the previous plan stays in force"
            );
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "replan_overrun",
                format!(
                    "re-planning took longer than its budget of {} ms; the previous plan stays in force",
                    config.budget.as_millis()
                ),
            ));
        }
    };
    let new = Arc::new(new);
    *state.plan.write().await = Some(new.clone());
    if let Err(e) = state.store.replace_plan(&planned_orders(&new)).await {
        tracing::warn!(error = %e, "the plan could not be stored; it is in force all the same");
    }
    state
        .live
        .lock()
        .expect("live routes lock")
        .adopt(&new, &profiles);
    if config.commit_within_s > 0 {
        commit(state, &new, &orders, config.commit_within_s).await;
    }
    let etas: Vec<EtaUpdate> = orders
        .values()
        .map(|o| EtaUpdate {
            eta_ms: new.eta_ms(&o.id),
            order_id: o.id.clone(),
            promised_ms: o.promised_ms,
        })
        .collect();
    if let Err(e) = notices::watch(state, &etas).await {
        tracing::warn!(
            code = e.code,
            "the plan's ETAs could not be checked against promises"
        );
    }
    Ok(new)
}

/// The plan order by order, as it is stored.
fn planned_orders(plan: &Plan) -> Vec<PlannedOrder> {
    plan.routes
        .iter()
        .flat_map(|r| {
            r.stops
                .iter()
                .enumerate()
                .filter(|(_, s)| s.kind == "delivery")
                .map(|(k, s)| PlannedOrder {
                    order_id: s.order_id.clone(),
                    courier_id: r.courier_id.clone(),
                    position: k as i64,
                    eta_ms: Some(s.start_ms),
                    planned_ms: plan.created_ms,
                })
        })
        .collect()
}

/// Commits each courier's first stop when it is a pickup the plan starts within
/// `within_s`: its order (and those picked up with it at the same store) is assigned to
/// the courier, by the planner, and from then on pinned there. A change that races
/// another is left to the next plan.
async fn commit(state: &AppState, plan: &Plan, orders: &HashMap<String, Order>, within_s: i64) {
    for r in &plan.routes {
        let Some(first) = r.stops.first() else {
            continue;
        };
        if first.kind != "pickup" || first.start_ms - plan.created_ms > within_s * 1000 {
            continue;
        }
        let batch = r
            .stops
            .iter()
            .take_while(|s| s.kind == "pickup" && s.lat == first.lat && s.lon == first.lon);
        for s in batch {
            let Some(o) = orders.get(&s.order_id) else {
                continue;
            };
            if o.status != OrderStatus::Placed {
                continue;
            }
            let event = freshroute_store::OrderEvent {
                order_id: o.id.clone(),
                status: OrderStatus::Assigned,
                courier_id: Some(r.courier_id.clone()),
                reason: None,
                actor: "planner".to_string(),
                at_ms: state.clock.now_ms(),
            };
            let notice = notices::status_notice(o, &event, plan.eta_ms(&o.id));
            match state
                .store
                .update_order_status(OrderStatus::Placed, &event, Some(&notice))
                .await
            {
                Ok(_) => state.outbox_wake.notify_one(),
                Err(e) => tracing::warn!(error = %e, order = %o.id, "could not commit an order"),
            }
        }
    }
}

/// After a change wakes the planner loop, it waits this long for more changes to come
/// with it, so that a burst of orders makes one plan.
pub const REPLAN_SETTLE: Duration = Duration::from_secs(1);
/// Plans made on changes are at least this far apart.
pub const REPLAN_MIN_GAP: Duration = Duration::from_secs(5);

/// The planner loop: plans on every change that wakes it (an order placed, a status
/// changed, a courier off its route; a burst settled for [`REPLAN_SETTLE`], plans at
/// least [`REPLAN_MIN_GAP`] apart) and at least every `every`, for ever. A failed round
/// is logged and the previous plan stays.
pub async fn replan_forever(state: AppState, every: Duration) {
    let mut last = tokio::time::Instant::now();
    let mut first = true;
    loop {
        if !first {
            tokio::select! {
                _ = tokio::time::sleep_until(last + every) => {}
                _ = state.plan_wake.notified() => {
                    let settled = tokio::time::Instant::now() + REPLAN_SETTLE;
                    tokio::time::sleep_until(settled.max(last + REPLAN_MIN_GAP)).await;
                }
            }
        }
        first = false;
        last = tokio::time::Instant::now();
        match replan(&state).await {
            Ok(p) => tracing::info!(
                routes = p.routes.len(),
                unassigned = p.unassigned.len(),
                solve_ms = p.solve_ms as u64,
                "re-planned"
            ),
            Err(e) => tracing::warn!(code = e.code, "re-planning failed; the previous plan stays"),
        }
    }
}

/// Re-plans now.
#[utoipa::path(post, path = "/v1/plan", tag = "planning", security(("api_key" = [])),
    responses(
        (status = 200, description = "The new plan as a GeoJSON FeatureCollection", body = PlanCollection),
        (status = 403, description = "Not a dispatcher", body = ErrorBody),
    ))]
pub(crate) async fn trigger(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<PlanCollection>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher])?;
    Ok(Json(plan_collection(&*replan(&state).await?)))
}

/// A courier's next stops in the current plan: for its phone.
#[utoipa::path(get, path = "/v1/couriers/{id}/plan", tag = "planning", security(("api_key" = [])),
    params(("id" = String, Path, description = "The courier's id")),
    responses(
        (status = 200, description = "`courier_id`, `planned_at`, `reroutes` (times it was found off its route and routed again) and its remaining `stops` in order: order id, kind, position, planned start, `eta` (from its latest fix), and the `road` there as a LineString with its driving time, and what is `at` the stop; empty when the plan gives it nothing", body = CourierStops),
        (status = 403, description = "Another courier's key", body = ErrorBody),
        (status = 404, description = "No plan yet", body = ErrorBody),
    ))]
pub(crate) async fn courier_stops(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Json<CourierStops>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher, Role::Courier])?;
    caller.may_act_for(&id)?;
    let plan = state.plan.read().await.clone().ok_or_else(no_plan)?;
    let (live, reroutes) = {
        let live = state.live.lock().expect("live routes lock");
        (live.stops_of(&id), live.reroutes_of(&id))
    };
    let mut stops = Vec::new();
    for n in live.unwrap_or_default() {
        let s = &n.stop;
        stops.push(StopAhead {
            order_id: s.order_id.clone(),
            kind: s.kind,
            geometry: point(s.lat, s.lon),
            planned_start: format_ms(s.start_ms),
            eta: format_ms(n.eta_ms),
            road: json!({"type": "LineString", "coordinates": n.road.geometry}),
            drive_s: n.road.duration_s,
            at: what_is_there(&state, &s.order_id, s.kind).await?,
        });
    }
    Ok(Json(CourierStops {
        courier_id: id,
        planned_at: format_ms(plan.created_ms),
        reroutes,
        stops,
    }))
}

/// What a courier needs at a stop: at a pickup, the store's name and address and what
/// to collect; at a delivery, the customer's name, address and notes and what to hand
/// over.
async fn what_is_there(
    state: &AppState,
    order_id: &str,
    kind: &str,
) -> Result<Option<AtTheStop>, ApiError> {
    let Some(o) = state.store.order(order_id).await? else {
        return Ok(None);
    };
    if kind == "pickup" {
        let shop = state.store.shop(&o.shop_id).await?;
        return Ok(Some(AtTheStop {
            store_id: Some(o.shop_id),
            name: shop.as_ref().map(|s| s.name.clone()),
            customer: None,
            address: shop.map(|s| s.address),
            notes: None,
            items: o.items,
            ready_at: Some(format_ms(o.ready_ms)),
            promised_by: None,
        }));
    }
    Ok(Some(AtTheStop {
        store_id: None,
        name: None,
        customer: Some(o.customer_name),
        address: Some(o.customer_address),
        notes: Some(o.notes),
        items: o.items,
        ready_at: None,
        promised_by: Some(format_ms(o.promised_ms)),
    }))
}

fn no_plan() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no_plan",
        "nothing is planned yet: POST /v1/plan plans now",
    )
}

/// The current plan.
#[utoipa::path(get, path = "/v1/plan", tag = "planning", security(("api_key" = [])),
    params(RegionFilter),
    responses(
        (status = 200, description = "The current plan as a GeoJSON FeatureCollection: a LineString per courier route (with its region) and a Point per stop with planned times; unassigned orders, idle couriers, broken pins and late orders with reasons; the regions planned", body = PlanCollection),
        (status = 404, description = "No plan yet, or no such region", body = ErrorBody),
    ))]
pub(crate) async fn current(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Query(q): axum::extract::Query<RegionFilter>,
) -> Result<Json<PlanCollection>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher])?;
    let plan = state.plan.read().await.clone().ok_or_else(no_plan)?;
    let Some(region) = q.region else {
        return Ok(Json(plan_collection(&plan)));
    };
    if !plan.regions.iter().any(|(name, _, _)| *name == region) {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_region",
            format!("no region {region:?} in the plan; its `regions` property lists them"),
        )
        .at("region"));
    }
    let mut one = (*plan).clone();
    one.routes.retain(|r| r.region == region);
    one.regions.retain(|(name, _, _)| *name == region);
    Ok(Json(plan_collection(&one)))
}

/// Which region of the plan to show.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegionFilter {
    /// Only this region's routes (its name, as the plan's `regions` list them).
    region: Option<String>,
}

/// A courier at one of its stops.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Arrival {
    /// The order of the stop.
    #[schema(example = "o-1001")]
    order_id: String,
    /// `pickup` or `delivery`.
    #[schema(example = "pickup")]
    kind: String,
}

/// The courier says it reached its next stop: its ETAs are re-timed from there.
#[utoipa::path(post, path = "/v1/couriers/{id}/arrived", tag = "planning", request_body = Arrival,
    security(("api_key" = [])),
    params(("id" = String, Path, description = "The courier's id")),
    responses(
        (status = 200, description = "The courier's remaining stops, re-timed (as `GET /v1/couriers/{id}/plan`)", body = CourierStops),
        (status = 403, description = "Another courier's key", body = ErrorBody),
        (status = 409, description = "That is not the courier's next stop in the plan", body = ErrorBody),
    ))]
pub(crate) async fn arrived(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<String>,
    body: Result<Json<Arrival>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<CourierStops>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher, Role::Courier])?;
    caller.may_act_for(&id)?;
    let Json(a) = body?;
    let now = state.clock.now_ms();
    let known =
        state
            .live
            .lock()
            .expect("live routes lock")
            .arrived(&id, &a.order_id, &a.kind, now);
    if !known {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_next_stop",
            format!(
                "the {} of {} is not {id}'s next stop in the plan; GET /v1/couriers/{id}/plan",
                a.kind, a.order_id
            ),
        ));
    }
    crate::live::refresh_marked(&state).await;
    courier_stops(State(state), caller, axum::extract::Path(id)).await
}
