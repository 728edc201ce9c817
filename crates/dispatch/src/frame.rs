//! A snapshot framed as a routing problem: pickup at the store not before the order is
//! ready, delivery by the promise plus an allowed lateness (each second after a margin
//! ahead of the promise costing three of a courier's time, each kilometre driven fifty),
//! the ride limit of the
//! order's strictest cold-chain class at a margin, box room and skills; orders on board
//! stay with their courier, assigned ones are pinned to it, and a courier's committed
//! stop is where its route starts.

use std::collections::HashMap;
use std::time::Instant;

use freshroute_model::Seconds;
use freshroute_roads::Profile;
use freshroute_solver::{
    OnBoard, ProblemBuilder, Shipment, SoftEnd, StopKind, TaskId, TimeWindow, TravelMatrix, Vehicle,
};

use crate::among_stores::among_stores;
use crate::config::PlannerConfig;
use crate::hand_route::Side;
use crate::late::{Earliest, Start, TaskPlaces, earliest_doors};
use crate::plan::{Plan, PlannedStop};
use crate::snapshot::{Courier, Order, Previous, Snapshot, Status};
use crate::travel::{Place, Tables, Travel};

/// What the passes before this one found: orders framed with looser deadlines than their
/// own, after a plan could not keep them, and that plan's routes.
#[derive(Debug, Clone, Default)]
pub struct Relaxed {
    /// An hour more past the promise and its allowed lateness (the ride limit kept);
    /// goods on board by the ETA told or, later than that, within the ETA's hold of the
    /// straight drive to their door.
    pub late: Vec<String>,
    /// By the end of the day; goods on board within their whole ride limit (each second
    /// past the planned ride costing a hundred of a courier's, and past the ETA told a
    /// quarter of that for those with no ride limit), or once past it straight to
    /// their door, within five minutes of the drive there (twice their ride limit where
    /// no road leads there).
    pub hopeless: Vec<String>,
    /// Goods on board with no deadline but the day's end.
    pub adrift: Vec<String>,
    /// The routes of the pass before, for the search to start from instead of the plan
    /// in force's (which still says what moving an order costs).
    pub routes: Option<Previous>,
}

/// What a second of a courier's time costs in the problem's units: fine enough that a
/// metre driven can cost a whole unit ([`PlannerConfig::km_cost_s`] of 50 s is a unit a
/// metre).
const COST_PER_S: i64 = 20;

/// A snapshot framed as a routing problem, before it is solved: the planner solves it,
/// plan mode judges a dispatcher's route against it.
pub struct Frame<'a> {
    /// The plan's origin, epoch ms.
    pub now: i64,
    /// The places of the problem, by index.
    pub(crate) places: Vec<Place>,
    /// Vehicle index → courier.
    pub vehicles: Vec<&'a Courier>,
    /// Orders whose stop a courier is on its way to: the vehicle, the kind, when it leaves.
    pub heading_orders: HashMap<&'a str, (usize, &'a str, i64)>,
    /// Task index → order (each order is one task: a shipment, or goods on board).
    pub task_orders: Vec<&'a Order>,
    /// Pinned tasks (by index) and their couriers.
    pub(crate) pinned: Vec<(usize, String)>,
    /// Task index → the earliest its order could reach the door.
    pub(crate) earliest: Vec<Earliest>,
    /// The plan as far as it is known before solving: orders left out, couriers not used.
    pub out: Plan,
    /// The problem; `None` when there is nothing to solve (no courier, or refused).
    pub problem: Option<freshroute_solver::Problem>,
    /// When framing began: a plan's time counts from here.
    pub(crate) clock: Instant,
    /// The time at a store where the problem spends it on arriving there (once per
    /// visit), seconds; 0 where each pickup takes its own.
    pub(crate) at_store_on_arrival_s: i64,
}

/// A solved stop's arrival, start and departure (seconds from `now`, the plan's origin)
/// as a courier lives them, epoch ms, with its service, seconds: at a store, the time there
/// (`at_store_on_arrival_s`) is the service before leaving with the order, which the problem
/// spends on arriving (see `at_stores`).
pub(crate) fn stop_times(
    now: i64,
    at_store_on_arrival_s: i64,
    kind: StopKind,
    [arrival, start, departure]: [i64; 3],
) -> StopTimes {
    let ms = |t: i64| now + t * 1000;
    let before_s = match kind {
        StopKind::Pickup => at_store_on_arrival_s,
        _ => 0,
    };
    StopTimes {
        arrival_ms: ms(arrival - before_s),
        start_ms: ms(start - before_s),
        departure_ms: ms(departure),
        service_s: departure - start + before_s,
    }
}

/// A stop's times as a courier lives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StopTimes {
    pub(crate) arrival_ms: i64,
    pub(crate) start_ms: i64,
    pub(crate) departure_ms: i64,
    pub(crate) service_s: i64,
}

/// Frames a snapshot as a routing problem with the deadlines of `relaxed` loosened, its
/// travel tables from `tables` when they hold the same places.
pub fn frame<'a>(
    snap: &'a Snapshot,
    travel: &dyn Travel,
    config: &PlannerConfig,
    relaxed: &Relaxed,
    tables: &mut Tables,
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
    let mut starts: Vec<Start> = Vec::new();
    // Orders whose stop a courier is on its way to: the vehicle, the kind, when it leaves.
    let mut heading_orders: HashMap<&str, (usize, &str, i64)> = HashMap::new();
    let clock = Instant::now();
    let mut builder = ProblemBuilder::new();
    let mut profiles: Vec<Profile> = Vec::new();
    // The time at a store spent once per visit (see `at_stores`), or per order.
    let once_s = if config.pickup_once_per_visit {
        config.pickup_service_s
    } else {
        0
    };
    for c in &snap.couriers {
        // A courier off duty (its shift over, or not yet near) still delivers what it
        // carries, and takes nothing new.
        let carrying: i64 = snap
            .orders
            .iter()
            .filter(|o| o.carried_by(&c.id))
            .map(|o| o.box_units)
            .sum();
        let shift = c.shift;
        let off_shift = shift.is_none();
        if off_shift && carrying == 0 {
            continue;
        }
        let Some(profile) = c.profile else {
            idle.push((c.id.clone(), "unknown_profile"));
            continue;
        };
        let Some(fix) = c.position else {
            idle.push((c.id.clone(), "no_position"));
            continue;
        };
        if now - fix.at_ms > config.stale_fix_s * 1000 {
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
        // their doors within their planned ride or by the ETA told (a kitchen running late
        // keeps the courier waiting): the plan may deliver them first.
        let committed = snap.heading.get(&c.id).filter(|(stop, _)| {
            snap.orders.iter().any(|o| {
                o.id == stop.order_id
                    && o.courier_id.as_deref() == Some(&c.id)
                    && match stop.kind {
                        "pickup" => {
                            o.status == Status::Assigned
                                && carrying + o.box_units <= c.box_capacity
                                && keeps_board_after(snap, travel, config, profile, &c.id, stop)
                        }
                        _ => o.status == Status::PickedUp,
                    }
            })
        });
        let (start_at, leaves_ms) = match committed {
            Some((stop, _)) => (
                Place {
                    lat: stop.lat,
                    lon: stop.lon,
                },
                leaves_committed(snap, stop),
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
        starts.push(Start {
            at: start_at,
            place: start,
            table: k,
            leaves_ms: leaves_ms.max(now),
        });
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
                    Some(w) => rel(w.end_ms + config.overtime_s * 1000, now),
                },
            },
            capacity: vec![if off_shift {
                carrying + picking
            } else {
                c.box_capacity
            }],
            skills: c.skills.clone(),
            fixed_cost: 0,
            cost_per_second: if config.courier_time_costs {
                COST_PER_S
            } else {
                0
            },
            cost_per_metre: config.km_cost_s * COST_PER_S / 1000,
            max_duration: None,
            profile: k,
        });
        if let Some(w) = shift {
            // Per visit, a pickup stop is when the courier leaves the store.
            builder.last_pickup(vehicles.len(), rel(w.end_ms, now) + Seconds(once_s));
        }
        vehicles.push(c);
    }
    let store_place: HashMap<&str, usize> = snap
        .stores
        .iter()
        .map(|s| (s.id.as_str(), add(s.lat, s.lon)))
        .collect();
    // Task index → order (each order is one task: a shipment, or goods on board).
    let mut task_orders: Vec<&Order> = Vec::new();
    let mut task_places: Vec<TaskPlaces> = Vec::new();
    let mut unassigned = Vec::new();
    // Pinned tasks (by index) and their couriers.
    let mut pinned: Vec<(usize, String)> = Vec::new();
    let mut shipments = Vec::new();
    for o in &snap.orders {
        let ride = config.planned_ride(&o.classes);
        let skills: Vec<String> = o.needed_skills().into_iter().map(str::to_string).collect();
        let overdue = relaxed.late.contains(&o.id);
        let lost = relaxed.hopeless.contains(&o.id);
        let adrift = relaxed.adrift.contains(&o.id);
        let deadline = if lost || adrift {
            Seconds(24 * 3600)
        } else if overdue {
            rel(o.promised_ms + config.lateness_s * 1000 + 3_600_000, now)
        } else {
            rel(o.promised_ms + config.lateness_s * 1000, now)
        };
        let delivery = freshroute_solver::Stop {
            location: add(o.lat, o.lon),
            service: Seconds(config.delivery_service_s),
            windows: vec![TimeWindow {
                start: Seconds(0),
                end: deadline.max(Seconds(0)),
            }],
            // The promise, less the margin: every second after it costs, so the plan keeps
            // promises first, with room for what it cannot see.
            soft_end: Some(SoftEnd {
                at: rel(o.promised_ms - config.promise_margin_s * 1000, now),
                cost_per_second: config.late_cost_per_s * COST_PER_S,
                cost_once: config.late_once_s * COST_PER_S,
                // Late at all once past the promise itself, not the margin ahead of it.
                once_at: rel(o.promised_ms, now),
            }),
        };
        // The courier an order is bound to (on board, or assigned: pinned), if it can plan.
        let bound = match o.status {
            Status::PickedUp | Status::Assigned => {
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
        if o.status == Status::PickedUp || headed.is_some() {
            let Some(v) = bound else { continue };
            // Picked up now, or when its courier leaves the store it is on its way to.
            let picked_ms = headed.map_or(o.since_ms, |(_, _, leaves)| leaves);
            let mut delivery = delivery;
            if lost && let Some(soft) = delivery.soft_end.as_mut() {
                let told = held_eta_ms(snap, config, &o.id);
                match (ride, told) {
                    // The cold chain first: each second past its planned ride costs many of
                    // a late promise (the promise itself still costs its apology), so that
                    // the margin left of the limit orders the doors by their rides, and
                    // takes no other stop in.
                    (Some(r), _) => {
                        soft.at = rel(picked_ms + r * 1000, now);
                        soft.cost_per_second = PAST_RIDE_COST_S * COST_PER_S;
                    }
                    // Goods with no ride limit beside them keep the ETA their customer was
                    // told, after the cold chain: a minute of another's margin is not worth
                    // half an hour of this customer's wait.
                    (None, Some(told)) => {
                        soft.at = rel(told, now);
                        soft.cost_per_second = PAST_TOLD_COST_S * COST_PER_S;
                    }
                    (None, None) => {}
                }
            }
            task_places.push(TaskPlaces::OnBoard {
                vehicle: v,
                door: delivery.location,
            });
            builder.add_on_board(OnBoard {
                vehicle: v,
                delivery,
                amount: vec![o.box_units],
                // The planned ride, and no later than the ETA the customer was told; goods
                // that cannot keep their planned ride any more have their whole ride limit
                // (the margin is for such trouble), or once past it go straight to their door
                // from where the courier starts, within `LOST_SLACK_S` of the drive; an
                // order that cannot keep its ETA any more is held to that drive (within the
                // ETA's hold of it), not let go; goods adrift have no deadline.
                deadline: {
                    let straight_ms = |slack_s: i64| {
                        let Start {
                            at: from,
                            table: k,
                            leaves_ms,
                            ..
                        } = starts[v];
                        travel
                            .drive_ms(profiles[k], from, o.door())
                            .map(|d| leaves_ms + d + slack_s * 1000)
                    };
                    let ride_ms = ride.filter(|_| !adrift).map(|r| {
                        if lost {
                            let whole = config.ride_limit(&o.classes).unwrap_or(r);
                            straight_ms(LOST_SLACK_S)
                                .unwrap_or((picked_ms + 2 * r * 1000).max(now + 1_800_000))
                                .max(picked_ms + whole * 1000)
                        } else {
                            picked_ms + r * 1000
                        }
                    });
                    let told_ms = held_eta_ms(snap, config, &o.id)
                        .filter(|_| !lost && !adrift)
                        .and_then(|held| {
                            if overdue {
                                straight_ms(config.eta_hold_s).map(|s| s.max(held))
                            } else {
                                Some(held)
                            }
                        });
                    ride_ms
                        .into_iter()
                        .chain(told_ms)
                        .min()
                        .map(|at| rel(at, now).max(Seconds(0)))
                },
                unassigned_penalty: 10_000_000 * COST_PER_S,
            });
            task_orders.push(o);
            continue;
        }
        let Some(&store) = store_place.get(o.store_id.as_str()) else {
            unassigned.push((o.id.clone(), "unknown_store"));
            continue;
        };
        // Added once the travel times are known (its ride limit is checked against them).
        shipments.push((
            Shipment {
                // Where the time at the store comes with arriving there (see `at_stores`),
                // the stop is the moment the courier leaves with the order, no sooner
                // than the whole time at the store after the food is ready.
                pickup: freshroute_solver::Stop {
                    location: store,
                    service: Seconds(config.pickup_service_s - once_s),
                    windows: vec![TimeWindow {
                        start: (rel_up(o.ready_ms, now) + Seconds(once_s)).max(Seconds(0)),
                        end: deadline.max(Seconds(0)) + Seconds(once_s),
                    }],
                    soft_end: None,
                },
                delivery,
                amount: vec![o.box_units],
                skills,
                max_ride: ride.map(Seconds),
                unassigned_penalty: 1_000_000 * COST_PER_S,
            },
            o,
            bound,
            config.ride_limit(&o.classes),
        ));
    }
    let tables = tables.between(travel, &profiles, &places);
    if config.among_stores_cost_s > 0 {
        let stores: Vec<usize> = store_place.values().copied().collect();
        for (v, share) in among_stores(&tables, &starts, &stores)
            .into_iter()
            .enumerate()
        {
            let cost = share * (config.among_stores_cost_s * COST_PER_S) as f64;
            builder.fixed_cost(v, cost.round() as i64);
        }
    }
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
        task_places.push(TaskPlaces::Shipment {
            store: s.pickup.location,
            door: s.delivery.location,
        });
        let task = builder.add_shipment(s);
        if let Some(v) = bound {
            builder.pin(task, v);
            pinned.push((task_orders.len(), vehicles[v].id.clone()));
        } else if let Some(v) = snap
            .previous
            .courier_of(&o.id)
            .and_then(|id| vehicles.iter().position(|c| c.id == id))
        {
            builder.prefer(task, v, config.switch_cost_s * COST_PER_S);
        }
        task_orders.push(o);
    }
    let warm = relaxed.routes.as_ref().unwrap_or(&snap.previous);
    warm_routes(&mut builder, warm, &vehicles, &task_orders, &task_places);
    kept_orders(&mut builder, snap, &vehicles, &task_orders, &task_places);
    let tasks: Vec<(TaskPlaces, &Order)> = task_places
        .into_iter()
        .zip(task_orders.iter().copied())
        .collect();
    let earliest = earliest_doors(now, &tables, &tasks, &starts, &vehicles, config);
    for m in at_stores(tables, store_place.values(), once_s) {
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
        behind: Vec::new(),
        regions: Vec::new(),
        basis: 0,
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
        earliest,
        out,
        problem,
        clock,
        at_store_on_arrival_s: once_s,
    }
}

/// The travel tables with `once_s`, the time at a store, spent on arriving there from
/// elsewhere: a courier taking several orders at one store spends it once, not once per
/// order, and each pickup stop is the moment it leaves with its order.
fn at_stores<'s>(
    mut tables: Vec<TravelMatrix>,
    stores: impl Iterator<Item = &'s usize>,
    once_s: i64,
) -> Vec<TravelMatrix> {
    if once_s > 0 {
        for &store in stores {
            for m in &mut tables {
                m.add_on_arrival(store, Seconds(once_s));
            }
        }
    }
    tables
}

/// Each courier's route in `previous`, for the search to start from: its stops of
/// orders still in the problem (goods picked up since, by their delivery alone).
fn warm_routes(
    builder: &mut ProblemBuilder,
    previous: &Previous,
    vehicles: &[&Courier],
    task_orders: &[&Order],
    task_places: &[TaskPlaces],
) {
    let task_of: HashMap<&str, (TaskId, bool)> = task_orders
        .iter()
        .zip(task_places)
        .enumerate()
        .map(|(k, (o, places))| {
            let shipment = matches!(places, TaskPlaces::Shipment { .. });
            (o.id.as_str(), (TaskId(k as u32), shipment))
        })
        .collect();
    for (v, c) in vehicles.iter().enumerate() {
        let stops: Vec<TaskId> = previous
            .route_of(&c.id)
            .iter()
            .filter_map(|(order, pickup)| {
                let &(task, shipment) = task_of.get(order.as_str())?;
                (shipment || !pickup).then_some(task)
            })
            .collect();
        if !stops.is_empty() {
            builder.warm_route(v, stops);
        }
    }
}

/// The orders dispatchers set for couriers' stops, as the problem's stops: those of
/// orders still bound to the courier (assigned to it, or on board), in the order set.
fn kept_orders(
    builder: &mut ProblemBuilder,
    snap: &Snapshot,
    vehicles: &[&Courier],
    task_orders: &[&Order],
    task_places: &[TaskPlaces],
) {
    let task_of: HashMap<&str, (TaskId, &TaskPlaces, &Order)> = task_orders
        .iter()
        .zip(task_places)
        .enumerate()
        .map(|(k, (o, places))| (o.id.as_str(), (TaskId(k as u32), places, *o)))
        .collect();
    for (v, c) in vehicles.iter().enumerate() {
        let Some(kept) = snap.kept_orders.get(&c.id) else {
            continue;
        };
        let stops: Vec<(TaskId, StopKind)> = kept
            .iter()
            .filter_map(|(order, side)| {
                let &(task, places, o) = task_of.get(order.as_str())?;
                let bound = matches!(o.status, Status::Assigned | Status::PickedUp)
                    && o.courier_id.as_deref() == Some(c.id.as_str());
                let kind = match (places, side) {
                    (TaskPlaces::Shipment { .. }, Side::Pickup) => StopKind::Pickup,
                    (TaskPlaces::Shipment { .. }, Side::Delivery) => StopKind::Delivery,
                    (TaskPlaces::OnBoard { .. }, Side::Delivery) => StopKind::Dropoff,
                    (TaskPlaces::OnBoard { .. }, Side::Pickup) => return None,
                };
                bound.then_some((task, kind))
            })
            .collect();
        if !stops.is_empty() {
            builder.keep_order(v, stops);
        }
    }
}

/// The latest an order may arrive and keep the ETA its customer was told: that ETA plus
/// its hold, epoch ms; `None` when no ETA was told.
fn held_eta_ms(snap: &Snapshot, config: &PlannerConfig, order_id: &str) -> Option<i64> {
    snap.told
        .get(order_id)
        .map(|t| t + config.eta_hold_s * 1000)
}

/// Whether the goods `courier` has on board, and those it takes at `stop`, can all still
/// reach their doors within their planned rides, and those on board by the ETA their
/// customers were told (within its hold), if it first serves `stop` (leaving when planned,
/// or now when the food is late) and then drives from door to door in some order; true
/// when it has no goods on board with a ride limit or a told ETA.
fn keeps_board_after(
    snap: &Snapshot,
    travel: &dyn Travel,
    config: &PlannerConfig,
    profile: Profile,
    courier: &str,
    stop: &PlannedStop,
) -> bool {
    let leaves_ms = leaves_committed(snap, stop);
    let from = Place {
        lat: stop.lat,
        lon: stop.lon,
    };
    // Each good's door, the latest it may arrive there (epoch ms), and whether it is on
    // board already.
    let goods: Vec<(Place, i64, bool)> = snap
        .orders
        .iter()
        .filter_map(|o| {
            let on_board = o.carried_by(courier);
            let picked_ms = if on_board {
                o.since_ms
            } else if stop.kind == "pickup" && o.id == stop.order_id {
                leaves_ms
            } else {
                return None;
            };
            let ride_by = config
                .planned_ride(&o.classes)
                .map(|r| picked_ms + r * 1000);
            let told_by = held_eta_ms(snap, config, &o.id).filter(|_| on_board);
            let by_ms = ride_by.into_iter().chain(told_by).min()?;
            Some((o.door(), by_ms, on_board))
        })
        .collect();
    // With no such goods on board, the stop's own ride is the plan's to keep.
    if !goods.iter().any(|g| g.2) {
        return true;
    }
    if goods.len() > MAX_GOODS_ORDERED {
        return false;
    }
    let places: Vec<Place> = std::iter::once(from)
        .chain(goods.iter().map(|g| g.0))
        .collect();
    let drive: Vec<Vec<Option<i64>>> = places
        .iter()
        .enumerate()
        .map(|(a, &from)| {
            (goods.iter().enumerate())
                .map(|(b, g)| (a != b + 1).then(|| travel.drive_ms(profile, from, g.0))?)
                .collect()
        })
        .collect();
    let deadlines: Vec<i64> = goods.iter().map(|g| g.1).collect();
    DoorRound {
        drive: &drive,
        deadlines: &deadlines,
        service_ms: config.delivery_service_s * 1000,
    }
    .fits(0, leaves_ms, 0)
}

/// Goods on board beyond this many are not ordered door by door: a pickup with so many
/// on board is not committed.
const MAX_GOODS_ORDERED: usize = 7;

/// Doors to reach each by its deadline, from a start: `drive[a][b]` from place `a`
/// (0 the start, `k + 1` the door of good `k`) to the door of good `b`, ms.
struct DoorRound<'a> {
    drive: &'a [Vec<Option<i64>>],
    deadlines: &'a [i64],
    service_ms: i64,
}

impl DoorRound<'_> {
    /// Whether the goods not yet in `done` (a bit per good), leaving place `at` at `t`
    /// ms, can each reach their door by their deadline in some order.
    fn fits(&self, at: usize, t: i64, done: u32) -> bool {
        let n = self.deadlines.len();
        done == (1 << n) - 1
            || (0..n).filter(|g| done & (1 << g) == 0).any(|g| {
                self.drive[at][g]
                    .map(|d| t + d)
                    .filter(|&arrive| arrive <= self.deadlines[g])
                    .is_some_and(|arrive| self.fits(g + 1, arrive + self.service_ms, done | 1 << g))
            })
    }
}

/// When a courier leaves its committed stop: its service done, begun as planned or now,
/// whichever is later. A stop planned to begin in the past has not been served yet (the
/// food may be late): it still takes its whole service from now.
fn leaves_committed(snap: &Snapshot, stop: &PlannedStop) -> i64 {
    stop.start_ms.max(snap.now_ms) + stop.service_s * 1000
}

/// What a second past its planned ride costs goods on board that could not keep it, in
/// seconds of a courier's time: far more than a second past a promise, so that the margin
/// left of the limit orders the doors and takes no other stop in.
const PAST_RIDE_COST_S: i64 = 100;

/// What a second past the ETA its customer was told (and its hold) costs goods on board
/// with no ride limit while a shipmate's cold chain is in trouble, in seconds of a
/// courier's time: a quarter of a second past a planned ride.
const PAST_TOLD_COST_S: i64 = PAST_RIDE_COST_S / 4;

/// Goods on board that cannot keep their ride limit any more are planned to arrive
/// within this of the straight drive to their door, seconds.
const LOST_SLACK_S: i64 = 5 * 60;

/// Seconds since the plan's origin (now), rounded down: for deadlines.
fn rel(ms: i64, now_ms: i64) -> Seconds {
    Seconds((ms - now_ms).div_euclid(1000))
}

/// Seconds since the plan's origin, rounded up: for "not before" times.
fn rel_up(ms: i64, now_ms: i64) -> Seconds {
    Seconds((ms - now_ms + 999).div_euclid(1000))
}
