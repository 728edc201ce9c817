//! The Grubhub meal-delivery instances (MDRP) through freshroute's dispatcher: a day
//! replayed minute by minute, orders revealed when placed, couriers on their shifts,
//! under the instances' own rules (Euclidean travel at the stated speed in whole minutes,
//! half the service before a pickup or drop-off, no pickup after a shift ends, no
//! diversion once a trip starts). Every minute the dispatcher `serve` runs
//! ([`freshroute_dispatch::plan`]) plans the moment; a free courier whose plan must leave
//! for its first store before the next decision leaves now with the orders the plan picks
//! up there, and delivers them in the plan's order. Reports the MDRP papers' figures per
//! instance and the set's, beside the bound no dispatcher can beat.

mod plane;

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use freshroute_calendar::Window;
use freshroute_dispatch::{
    ColdChain, Courier, Fix, Order, Plan, PlannedRoute, PlannerConfig, Previous, Snapshot, Status,
    Store, plan,
};
use freshroute_formats::{MdrpInstance, MdrpOrder, MdrpParams, Xy};
use freshroute_roads::Profile;

use crate::BenchTable;
use plane::{Plane, place};

/// Room in a courier's box, in orders: the instances set no limit.
const BOX_CAPACITY: i64 = 20;

/// Seconds between two decisions.
pub const EPOCH_S: i64 = 60;

/// What became of one order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Fate {
    pickup_s: Option<i64>,
    dropoff_s: Option<i64>,
}

/// The day's figures on one instance.
#[derive(Debug, Clone, PartialEq)]
pub struct MdrpResult {
    /// Instance name.
    pub instance: String,
    /// Orders in the instance.
    pub orders: usize,
    /// Orders delivered.
    pub delivered: usize,
    /// Click-to-door (placement to drop-off) of delivered orders, minutes: mean.
    pub c2d_mean_min: f64,
    /// A lower bound on the mean click-to-door: each order picked up the moment it is
    /// ready and driven straight to its customer, as if couriers were never short.
    pub c2d_bound_min: f64,
    /// Share of all orders that no dispatcher could bring within the maximum (90 min):
    /// the time from placement to ready, plus the service and the ride straight to the
    /// customer, already exceeds it.
    pub beyond_max_share: f64,
    /// Share of the orders that could be at their door within the maximum that were.
    pub reachable_within_max_share: f64,
    /// Median.
    pub c2d_p50_min: f64,
    /// 90th percentile.
    pub c2d_p90_min: f64,
    /// Share of all orders over the target (40 min) or undelivered.
    pub over_target_share: f64,
    /// Share of all orders over the maximum (90 min) or undelivered.
    pub over_max_share: f64,
    /// Pickup minus ready time, minutes, mean over delivered orders.
    pub ready_to_pickup_min: f64,
    /// Longest ride (pickup to drop-off), minutes.
    pub ride_max_min: f64,
    /// Orders per trip, mean.
    pub orders_per_trip: f64,
    /// Share of on-duty time couriers spend on trips.
    pub utilisation: f64,
    /// Orders delivered per on-duty courier-hour.
    pub orders_per_courier_hour: f64,
    /// Decision time per epoch, milliseconds, 99th percentile.
    pub decide_p99_ms: f64,
}

impl MdrpResult {
    /// Share of orders not delivered.
    pub fn undelivered_share(&self) -> f64 {
        1.0 - self.delivered as f64 / self.orders.max(1) as f64
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let k = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[k - 1]
}

/// The dispatcher's settings for an instance: its times at stops, each order promised
/// at the earliest it could be at its door (so that every minute past it costs, and the
/// plan brings food to doors as soon as it can), planned within the instance's maximum.
pub fn config(params: &MdrpParams) -> PlannerConfig {
    PlannerConfig {
        pickup_service_s: params.pickup_service_s,
        delivery_service_s: params.dropoff_service_s,
        promise_margin_s: 0,
        // Every minute to the door counts alike: the mean click-to-door is the measure.
        late_once_s: 0,
        late_cost_per_s: 10,
        // Couriers are paid for their hours whatever they do (the instances' guaranteed pay
        // per hour): their time and kilometres cost nothing the plan can save, and it weighs
        // customers' minutes alone. Measured on the ten base instances, mean of the
        // instances' means: 31.19 min against 31.79 with each second of a courier's time
        // costing a tenth of a second to the door, and each kilometre five of them (the
        // scarce instances most: 6o100t100s1p100 31.64 against 33.06). The kilometres did
        // most of the harm: a kilometre alone costing five seconds, with courier time free,
        // gave 31.35 min on 1o100t100s1p100 and 32.76 on 6o100t100s1p100 against 30.96 and
        // 31.64 (ready-to-pickup 3.14 and 4.24 min, against 2.73 to 2.78 and 3.44 to 3.52
        // in other runs without it): the courier nearest an order is often the one the
        // next orders needed.
        courier_time_costs: false,
        km_cost_s: 0,
        // Sending the courier among the most restaurants costs 600 s, a minute of a
        // customer's time. Measured on the ten base instances, mean of the instances'
        // means: 30.92 min against 31.19 without (1o100t100s1p100 30.69 against 30.96,
        // 6o100t100s1p100 31.06 against 31.64, 5o100t100s1p100 34.34 against 34.83).
        among_stores_cost_s: 600,
        lateness_s: params.max_c2d_s,
        // No pickup after a shift ends; the deliveries may take the longest an order may.
        overtime_s: params.max_c2d_s,
        // A decision may take a second. Measured on 1o100t100s1p100: 2 ms an order (at
        // least 0.2 s a decision), 32.06 and 32.39 min click-to-door in two runs; 5 ms
        // (at least 0.5 s), 31.58, and 31.58 again with courier time free. With 9 ms (0.85 s
        // a decision, p99 867 ms), 30.86 on 1o100t100s1p100 and 31.78 on 6o100t100s1p100
        // against 30.96 and 31.64: no better, the search is not what these lack.
        solver_per_order: Duration::from_millis(5),
        // The instances' rule: the time at a restaurant once per trip. Planned per order,
        // the ten base instances' mean click-to-door was 32.70 min (bundles 1.03 orders
        // a trip on 4o100t100s1p100); per visit, 32.34.
        pickup_once_per_visit: true,
        ..PlannerConfig::default()
    }
}

/// Replays the instance's day through the dispatcher with `config`, calling `progress`
/// with the time of day and the orders delivered so far each hour.
pub fn simulate(
    inst: &MdrpInstance,
    config: &PlannerConfig,
    progress: &mut dyn FnMut(i64, usize),
) -> MdrpResult {
    let mut day = Day::new(inst);
    let plane = Plane {
        params: inst.params,
    };
    let mut decide_ms = Vec::new();
    let mut previous = Previous::default();
    let start = inst
        .orders
        .iter()
        .map(|x| x.placed_s)
        .chain(inst.couriers.iter().map(|c| c.on_s))
        .min()
        .unwrap_or(0);
    let last_shift = inst.couriers.iter().map(|c| c.off_s).max().unwrap_or(0);
    let mut now = start - start.rem_euclid(EPOCH_S);
    while now <= last_shift {
        let snap = day.snapshot(now, std::mem::take(&mut previous));
        if !snap.orders.is_empty() && !snap.couriers.is_empty() {
            let plan = plan(&snap, &plane, config);
            decide_ms.push(plan.solve_ms as f64);
            day.send(now, &plan);
            previous = Previous::of_plan(&plan);
        } else {
            // Nothing to plan: the plan in force stays.
            previous = snap.previous;
        }
        if now.rem_euclid(3600) == 0 {
            progress(now, day.delivered_by(now));
        }
        now += EPOCH_S;
    }
    day.result(decide_ms)
}

/// Replays `instances` with their [`config`], `jobs` side by side (largest first, so that
/// the last to finish is a small one), telling `progress` when each starts and how each
/// stands every simulated hour. The results come in the order of `instances`.
pub fn simulate_all(
    instances: &[MdrpInstance],
    jobs: usize,
    progress: &(dyn Fn(String) + Sync),
) -> Vec<MdrpResult> {
    let mut order: Vec<usize> = (0..instances.len()).collect();
    order.sort_by_key(|&k| std::cmp::Reverse(instances[k].orders.len()));
    let next = AtomicUsize::new(0);
    let done = Mutex::new(Vec::<(usize, MdrpResult)>::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, instances.len().max(1)) {
            scope.spawn(|| {
                while let Some(&k) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let inst = &instances[k];
                    let (name, n) = (&inst.name, inst.orders.len());
                    progress(format!(
                        "{name}: {n} orders, {} couriers",
                        inst.couriers.len()
                    ));
                    let r = simulate(inst, &config(&inst.params), &mut |now_s, delivered| {
                        let hour = now_s.div_euclid(3600);
                        progress(format!(
                            "  {name} at {hour:02}:00: {delivered} of {n} delivered"
                        ));
                    });
                    done.lock().unwrap_or_else(|e| e.into_inner()).push((k, r));
                }
            });
        }
    });
    let mut done = done.into_inner().unwrap_or_else(|e| e.into_inner());
    done.sort_by_key(|(k, _)| *k);
    done.into_iter().map(|(_, r)| r).collect()
}

/// Looking ahead this far, a courier whose shift starts soon is planned for.
const SHIFT_AHEAD_S: i64 = 15 * 60;

/// What became of one courier.
#[derive(Debug, Clone, Copy)]
struct Whereabouts {
    /// Where it is, or will be when its trip ends.
    at: Xy,
    /// When it is free.
    free_s: i64,
    /// Time on trips.
    busy_s: i64,
}

/// The replayed day: orders, couriers, and what became of each.
struct Day<'a> {
    inst: &'a MdrpInstance,
    fate: Vec<Fate>,
    couriers: Vec<Whereabouts>,
    order_ids: HashMap<&'a str, usize>,
    courier_ids: HashMap<&'a str, usize>,
    trips: usize,
}

impl<'a> Day<'a> {
    fn new(inst: &'a MdrpInstance) -> Self {
        Self {
            inst,
            fate: vec![Fate::default(); inst.orders.len()],
            couriers: inst
                .couriers
                .iter()
                .map(|c| Whereabouts {
                    at: c.at,
                    free_s: c.on_s,
                    busy_s: 0,
                })
                .collect(),
            order_ids: (inst.orders.iter().enumerate())
                .map(|(i, o)| (o.id.as_str(), i))
                .collect(),
            courier_ids: (inst.couriers.iter().enumerate())
                .map(|(k, c)| (c.id.as_str(), k))
                .collect(),
            trips: 0,
        }
    }

    /// The moment as the dispatcher sees it: the orders placed and not yet taken on a
    /// trip, and the couriers on shift (or about to be), each where and when its trip
    /// ends.
    fn snapshot(&self, now: i64, previous: Previous) -> Snapshot {
        let (inst, params) = (self.inst, self.inst.params);
        let half_pickup = params.pickup_service_s / 2;
        let stores = (inst.restaurants.iter().enumerate())
            .map(|(r, &at)| {
                let p = place(at);
                Store {
                    id: r.to_string(),
                    lat: p.lat,
                    lon: p.lon,
                }
            })
            .collect();
        let orders = (inst.orders.iter().zip(&self.fate))
            .filter(|(o, f)| o.placed_s <= now && f.pickup_s.is_none())
            .map(|(o, _)| {
                let door = place(o.at);
                let ride = params.travel_s(inst.restaurants[o.restaurant], o.at);
                Order {
                    id: o.id.clone(),
                    store_id: o.restaurant.to_string(),
                    lat: door.lat,
                    lon: door.lon,
                    box_units: 1,
                    // The pickup is half-way through the time at the store: the stop may
                    // begin that much before the food is ready.
                    ready_ms: (o.ready_s - half_pickup) * 1000,
                    promised_ms: (o.ready_s + half_pickup + ride) * 1000,
                    classes: vec![ColdChain::Ambient],
                    status: Status::Placed,
                    courier_id: None,
                    since_ms: o.placed_s * 1000,
                }
            })
            .collect();
        let couriers = (inst.couriers.iter().zip(&self.couriers))
            .filter(|(c, s)| c.on_s <= now + SHIFT_AHEAD_S && now < c.off_s && s.free_s < c.off_s)
            .map(|(c, s)| {
                let at = place(s.at);
                Courier {
                    id: c.id.clone(),
                    profile: Some(Profile::Car),
                    box_capacity: BOX_CAPACITY,
                    skills: Vec::new(),
                    shift: Some(Window {
                        start_ms: c.on_s.max(s.free_s) * 1000,
                        end_ms: c.off_s * 1000,
                    }),
                    retired: false,
                    position: Some(Fix {
                        lat: at.lat,
                        lon: at.lon,
                        at_ms: now * 1000,
                    }),
                }
            })
            .collect();
        Snapshot {
            now_ms: now * 1000,
            stores,
            couriers,
            orders,
            previous,
            ..Snapshot::default()
        }
    }

    /// Each free courier whose plan must leave for its first store before the next
    /// decision leaves now, with the orders the plan picks up there, and delivers them
    /// in the plan's order without diverting.
    fn send(&mut self, now: i64, plan: &Plan) {
        for route in &plan.routes {
            let Some(&k) = self.courier_ids.get(route.courier_id.as_str()) else {
                continue;
            };
            let c = &self.inst.couriers[k];
            if c.on_s > now || self.couriers[k].free_s > now {
                continue;
            }
            let Some(trip) = self.trip_of(route) else {
                continue;
            };
            let store = self.inst.restaurants[self.inst.orders[trip[0]].restaurant];
            let to_store = self.inst.params.travel_s(self.couriers[k].at, store);
            let first_start_s = route.stops[0].start_ms / 1000;
            if first_start_s - to_store >= now + EPOCH_S {
                // It may leave later: the next decision may send it elsewhere.
                continue;
            }
            self.drive(k, now, &trip);
        }
    }

    /// The orders of a route's first trip: those it picks up at its first store before
    /// any other stop, in the order it delivers them.
    fn trip_of(&self, route: &PlannedRoute) -> Option<Vec<usize>> {
        let first = route.stops.first().filter(|s| s.kind == "pickup")?;
        let store = self.inst.orders[*self.order_ids.get(first.order_id.as_str())?].restaurant;
        let taken: Vec<usize> = route
            .stops
            .iter()
            .map_while(|s| {
                let i = *self.order_ids.get(s.order_id.as_str())?;
                (s.kind == "pickup" && self.inst.orders[i].restaurant == store).then_some(i)
            })
            .collect();
        let delivered: Vec<usize> = route
            .stops
            .iter()
            .filter(|s| s.kind == "delivery")
            .filter_map(|s| self.order_ids.get(s.order_id.as_str()).copied())
            .filter(|i| taken.contains(i))
            .collect();
        (!delivered.is_empty() && delivered.len() == taken.len()).then_some(delivered)
    }

    /// Courier `k` leaves at `now` for the store of `orders`, takes them all once the last
    /// is ready, and delivers them in turn; refused when the pickup would fall after its
    /// shift.
    fn drive(&mut self, k: usize, now: i64, orders: &[usize]) {
        let (inst, params) = (self.inst, self.inst.params);
        let store = inst.restaurants[inst.orders[orders[0]].restaurant];
        let arrive = now + params.travel_s(self.couriers[k].at, store);
        let ready = orders
            .iter()
            .map(|&i| inst.orders[i].ready_s)
            .max()
            .unwrap_or(0);
        let pickup = ready.max(arrive + params.pickup_service_s / 2);
        if pickup > inst.couriers[k].off_s {
            return;
        }
        let (mut at, mut leave) = (store, pickup + params.pickup_service_s / 2);
        for &i in orders {
            let door = inst.orders[i].at;
            let there = leave + params.travel_s(at, door);
            self.fate[i] = Fate {
                pickup_s: Some(pickup),
                dropoff_s: Some(there + params.dropoff_service_s / 2),
            };
            (at, leave) = (door, there + params.dropoff_service_s);
        }
        let c = &mut self.couriers[k];
        c.busy_s += leave - now;
        (c.at, c.free_s) = (at, leave);
        self.trips += 1;
    }

    /// Orders delivered by `now`.
    fn delivered_by(&self, now: i64) -> usize {
        self.fate
            .iter()
            .filter(|f| f.dropoff_s.is_some_and(|d| d <= now))
            .count()
    }

    /// The day's figures.
    fn result(&self, mut decide_ms: Vec<f64>) -> MdrpResult {
        let (inst, params) = (self.inst, self.inst.params);
        let o = inst.orders.len();
        let minutes = |s: i64| s as f64 / 60.0;
        let bounds_s: Vec<i64> = inst.orders.iter().map(|x| bound_s(inst, x)).collect();
        let bound_s: i64 = bounds_s.iter().sum();
        let beyond_max = bounds_s.iter().filter(|&&b| b > params.max_c2d_s).count();
        let mut c2d: Vec<f64> = Vec::new();
        let (mut ready_to_pickup, mut ride_max) = (0.0, 0.0f64);
        let (mut over_target, mut over_max, mut reachable_over_max) = (0usize, 0usize, 0usize);
        for ((x, f), b) in inst.orders.iter().zip(&self.fate).zip(&bounds_s) {
            let late = match (f.pickup_s, f.dropoff_s) {
                (Some(p), Some(d)) => {
                    c2d.push(minutes(d - x.placed_s));
                    ready_to_pickup += minutes(p - x.ready_s);
                    ride_max = ride_max.max(minutes(d - p));
                    over_target += usize::from(d - x.placed_s > params.target_c2d_s);
                    d - x.placed_s > params.max_c2d_s
                }
                _ => {
                    over_target += 1;
                    true
                }
            };
            over_max += usize::from(late);
            reachable_over_max += usize::from(late && *b <= params.max_c2d_s);
        }
        c2d.sort_by(f64::total_cmp);
        decide_ms.sort_by(f64::total_cmp);
        let delivered = c2d.len();
        let shift_s: i64 = inst.couriers.iter().map(|c| c.off_s - c.on_s).sum();
        let n = delivered.max(1) as f64;
        let share = |k: usize, of: usize| k as f64 / of.max(1) as f64;
        MdrpResult {
            instance: inst.name.clone(),
            orders: o,
            delivered,
            c2d_mean_min: c2d.iter().sum::<f64>() / n,
            c2d_bound_min: minutes(bound_s) / o.max(1) as f64,
            beyond_max_share: share(beyond_max, o),
            reachable_within_max_share: 1.0 - share(reachable_over_max, o - beyond_max),
            c2d_p50_min: percentile(&c2d, 0.5),
            c2d_p90_min: percentile(&c2d, 0.9),
            over_target_share: share(over_target, o),
            over_max_share: share(over_max, o),
            ready_to_pickup_min: ready_to_pickup / n,
            ride_max_min: ride_max,
            orders_per_trip: delivered as f64 / self.trips.max(1) as f64,
            utilisation: self.couriers.iter().map(|c| c.busy_s).sum::<i64>() as f64
                / shift_s.max(1) as f64,
            orders_per_courier_hour: delivered as f64 / (shift_s.max(1) as f64 / 3600.0),
            decide_p99_ms: percentile(&decide_ms, 0.99),
        }
    }
}

/// The earliest `x` could be at its door after it was placed, seconds: picked up the
/// moment it is ready and driven straight there, as if couriers were never short.
fn bound_s(inst: &MdrpInstance, x: &MdrpOrder) -> i64 {
    let params = inst.params;
    x.ready_s - x.placed_s
        + params.pickup_service_s / 2
        + params.travel_s(inst.restaurants[x.restaurant], x.at)
        + params.dropoff_service_s / 2
}

/// Target: the mean of the instances' mean click-to-door, minutes (the bench-only
/// bundle-and-assign dispatcher reached 31.36, against the bounds' 29.26).
pub const TARGET_C2D_MEAN_MIN: f64 = 31.0;
/// Target: of the orders that could be at their door within the maximum, this share is.
pub const TARGET_REACHABLE_WITHIN_MAX: f64 = 0.995;
/// Target: decision time per epoch, 99th percentile, milliseconds.
pub const TARGET_DECIDE_P99_MS: f64 = 1000.0;
/// Mean click-to-door Reyes et al. (2018) report for an instance, minutes: each is a
/// target.
pub const PAPER_C2D_MEAN_MIN: [(&str, f64); 1] = [("5o100t100s1p100", 37.1)];
/// Mean click-to-door Yildiz & Savelsbergh (2019) reach for an instance offline, every
/// order known from the start (so beyond any dispatcher that learns of orders as they are
/// placed), minutes: shown beside the instance's figure, as how close a live dispatcher
/// comes to planning with hindsight.
pub const OFFLINE_C2D_MEAN_MIN: [(&str, f64); 2] =
    [("0o100t100s1p100", 30.07), ("0o100t100s2p100", 28.58)];

/// The figures of several instances as one table: the set's targets, then each
/// instance's figures with the paper's where it reports one.
pub fn table(results: &[MdrpResult]) -> BenchTable {
    let mut t = BenchTable {
        title: format!(
            "freshroute bench mdrp — {} instance(s) through the dispatcher `serve` runs, decisions every {} s (Reyes et al. 2018, all 240: c2d mean 32.74, p90 49.3, ready-to-pickup 1.93 min, 0.25 % undelivered)",
            results.len(),
            EPOCH_S
        ),
        judge: true,
        rows: Vec::new(),
    };
    let orders: usize = results.iter().map(|x| x.orders).sum();
    let delivered: usize = results.iter().map(|x| x.delivered).sum();
    let weighted = |f: fn(&MdrpResult) -> f64, by: fn(&MdrpResult) -> usize| {
        let n: usize = results.iter().map(by).sum();
        results.iter().map(|x| f(x) * by(x) as f64).sum::<f64>() / n.max(1) as f64
    };
    let c2d = weighted(|x| x.c2d_mean_min, |x| x.delivered);
    let reachable =
        |x: &MdrpResult| x.orders - (x.beyond_max_share * x.orders as f64).round() as usize;
    let within = weighted(|x| x.reachable_within_max_share, reachable);
    let p99 = results.iter().map(|x| x.decide_p99_ms).fold(0.0, f64::max);
    t.info("orders delivered", format!("{delivered} of {orders}"));
    let of_means = |f: fn(&MdrpResult) -> f64| {
        results.iter().map(f).sum::<f64>() / results.len().max(1) as f64
    };
    let c2d_of_means = of_means(|x| x.c2d_mean_min);
    t.check(
        "click-to-door, mean of the instances' means, min",
        format!(
            "{c2d_of_means:.2} (bound {:.2}; over every order {c2d:.2}, bound {:.2})",
            of_means(|x| x.c2d_bound_min),
            weighted(|x| x.c2d_bound_min, |x| x.orders)
        ),
        format!("≤ {TARGET_C2D_MEAN_MIN}"),
        c2d_of_means <= TARGET_C2D_MEAN_MIN,
    );
    t.check(
        "within 90 min, of the orders for which 90 min is reachable",
        format!("{:.2} %", 100.0 * within),
        format!("≥ {} %", 100.0 * TARGET_REACHABLE_WITHIN_MAX),
        within >= TARGET_REACHABLE_WITHIN_MAX,
    );
    t.check(
        "decision time per epoch, p99 (worst instance), ms",
        format!("{p99:.0}"),
        format!("≤ {TARGET_DECIDE_P99_MS}"),
        p99 <= TARGET_DECIDE_P99_MS,
    );
    for x in results {
        instance_rows(&mut t, x);
    }
    t
}

/// One instance's figures.
fn instance_rows(t: &mut BenchTable, x: &MdrpResult) {
    let name = &x.instance;
    t.info(
        format!("{name}: orders delivered"),
        format!("{} of {}", x.delivered, x.orders),
    );
    let offline = match OFFLINE_C2D_MEAN_MIN.iter().find(|(n, _)| n == name) {
        Some((_, m)) => format!("; offline, every order known: {m}"),
        None => String::new(),
    };
    let c2d = format!(
        "{:.2} / {:.1} / {:.1} (bound {:.2}{offline})",
        x.c2d_mean_min, x.c2d_p50_min, x.c2d_p90_min, x.c2d_bound_min
    );
    let label = format!("{name}: click-to-door mean / p50 / p90, min");
    match PAPER_C2D_MEAN_MIN.iter().find(|(n, _)| n == name) {
        Some((_, paper)) => t.check(
            label,
            c2d,
            format!("mean ≤ {paper} (the paper)"),
            x.c2d_mean_min <= *paper,
        ),
        None => t.info(label, c2d),
    }
    t.info(
        format!("{name}: within 90 min of those that could be / beyond it by itself"),
        format!(
            "{:.2} % / {:.2} %",
            100.0 * x.reachable_within_max_share,
            100.0 * x.beyond_max_share
        ),
    );
    t.info(
        format!("{name}: over 40 min / undelivered"),
        format!(
            "{:.2} % / {:.2} %",
            100.0 * x.over_target_share,
            100.0 * x.undelivered_share()
        ),
    );
    t.info(
        format!("{name}: ready-to-pickup mean, min / longest ride, min"),
        format!("{:.2} / {:.0}", x.ready_to_pickup_min, x.ride_max_min),
    );
    t.info(
        format!("{name}: orders per trip / utilisation / orders per courier-hour"),
        format!(
            "{:.2} / {:.2} / {:.2}",
            x.orders_per_trip, x.utilisation, x.orders_per_courier_hour
        ),
    );
    t.info(
        format!("{name}: decision p99, ms"),
        format!("{:.0}", x.decide_p99_ms),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use freshroute_formats::{MdrpCourier, MdrpOrder, MdrpParams};

    /// One restaurant 640 m (2 min) from the courier, the customer 960 m (3 min) further.
    fn tiny(off_min: i64) -> MdrpInstance {
        MdrpInstance {
            name: "tiny".to_string(),
            restaurants: vec![Xy { x: 640, y: 0 }],
            orders: vec![MdrpOrder {
                id: "o1".to_string(),
                at: Xy { x: 1600, y: 0 },
                placed_s: 600,
                restaurant: 0,
                ready_s: 1200,
            }],
            couriers: vec![MdrpCourier {
                id: "c1".to_string(),
                at: Xy { x: 0, y: 0 },
                on_s: 0,
                off_s: off_min * 60,
            }],
            params: grubhub_params(),
        }
    }

    /// The rules of most Grubhub instances: 320 m a minute, 4 minutes at each stop, a
    /// 40-minute target and a 90-minute maximum.
    pub(super) fn grubhub_params() -> MdrpParams {
        MdrpParams {
            metres_per_minute: 320,
            pickup_service_s: 240,
            dropoff_service_s: 240,
            target_c2d_s: 2400,
            max_c2d_s: 5400,
        }
    }

    #[test]
    fn one_order_follows_the_instance_rules_to_the_minute() {
        let r = simulate(&tiny(90), &config(&tiny(90).params), &mut |_, _| {});
        assert_eq!((r.orders, r.delivered), (1, 1));
        // Placed at 10 min, ready at 20. Sent when it would arrive at most 5 min early
        // (at 13 min, to arrive at 15), it picks up at 20 (ready), leaves at 22, arrives
        // at 25 and drops off at 27: 17 minutes after the order was placed.
        assert!((r.c2d_mean_min - 17.0).abs() < 1e-9, "{r:?}");
        assert!(r.ready_to_pickup_min.abs() < 1e-9);
        // Ready 10 minutes after placed, 2 at the store, 3 on the road, 2 at the door.
        assert!((r.c2d_bound_min - 17.0).abs() < 1e-9, "{r:?}");
    }

    #[test]
    fn instances_replayed_side_by_side_come_back_in_their_order() {
        let (mut long, short) = (tiny(90), tiny(15));
        long.name = "long".to_string();
        let lines = Mutex::new(Vec::new());
        let r = simulate_all(&[short, long], 2, &|l| lines.lock().expect("lines").push(l));
        let names: Vec<&str> = r.iter().map(|x| x.instance.as_str()).collect();
        assert_eq!(names, ["tiny", "long"]);
        assert_eq!((r[0].delivered, r[1].delivered), (0, 1));
        assert!(
            lines
                .lock()
                .expect("lines")
                .iter()
                .any(|l| l.starts_with("long: 1 orders"))
        );
    }

    #[test]
    fn the_offline_figure_stands_beside_the_instance_it_was_reached_on() {
        let mut base = simulate(&tiny(90), &config(&tiny(90).params), &mut |_, _| {});
        let other = base.clone();
        base.instance = "0o100t100s1p100".to_string();
        let t = table(&[base, other]);
        let c2d = |name: &str| {
            let row = t.row(&format!("{name}: click-to-door mean"));
            row.expect("the instance's row").figure.clone()
        };
        assert!(c2d("0o100t100s1p100").ends_with("offline, every order known: 30.07)"));
        assert!(!c2d("tiny").contains("offline"));
    }

    #[test]
    fn the_set_is_judged_by_the_mean_of_its_instances_means() {
        let mut small = simulate(&tiny(90), &config(&tiny(90).params), &mut |_, _| {});
        let mut big = small.clone();
        // One small instance far above the target, one big instance below it: over every
        // order the set meets the target, instance by instance it does not.
        (small.orders, small.delivered, small.c2d_mean_min) = (10, 10, 40.0);
        (big.orders, big.delivered, big.c2d_mean_min) = (1000, 1000, 30.0);
        let t = table(&[small, big]);
        let set = t
            .row("click-to-door, mean of the instances' means")
            .expect("the set's row");
        assert!(set.figure.starts_with("35.00 "), "{}", set.figure);
        assert_eq!(set.pass, Some(false));
    }

    #[test]
    fn no_pickup_after_the_shift() {
        let r = simulate(&tiny(15), &config(&tiny(15).params), &mut |_, _| {});
        assert_eq!(r.delivered, 0);
        assert!((r.undelivered_share() - 1.0).abs() < 1e-9);
        assert!((r.over_max_share - 1.0).abs() < 1e-9);
    }
}
