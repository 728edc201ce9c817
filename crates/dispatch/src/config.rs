//! How the dispatcher plans: ride limits, lateness, budgets, and what keeps plans stable.

use std::time::Duration;

use crate::snapshot::ColdChain;

/// How the planner plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannerConfig {
    /// Time at the store to take an order, seconds.
    pub pickup_service_s: i64,
    /// Time at the door to hand it over, seconds.
    pub delivery_service_s: i64,
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
    /// What an order arriving after its promise costs once, in seconds of a courier's
    /// time (the apology a chain sends on every delay): when not every promise can be
    /// kept, the plan keeps as many as it can rather than spreading lateness thinly.
    pub late_once_s: i64,
    /// The plan aims this far ahead of each promise, seconds: lateness counts from
    /// here, so that traffic and a kitchen running late do not turn an order planned
    /// just in time into a late one, and an order is not left to a busy courier's last
    /// free minutes while another courier could take it now.
    pub promise_margin_s: i64,
    /// What a kilometre driven costs, in seconds of a courier's time: among couriers
    /// that arrive alike, the plan sends the one that drives less.
    pub km_cost_s: i64,
    /// Whether a courier's time on its route costs the plan, a second of it one of the
    /// units the other costs are counted in. Where couriers are paid for their hours
    /// whatever they do (the meal-delivery instances' guaranteed pay per hour), their time
    /// costs nothing the plan can save: without it (and with no cost per kilometre) the
    /// plan weighs customers' minutes alone, and sends the courier that brings each order
    /// to its door soonest.
    pub courier_time_costs: bool,
    /// What sending a courier costs when as many stores are near it as near the
    /// densest store (less where fewer are, nothing where none is), in seconds of a
    /// courier's time: the courier among many stores is the one their next orders need,
    /// so among couriers that bring an order alike the plan sends one from where stores
    /// are fewer. 0 weighs no courier's place.
    pub among_stores_cost_s: i64,
    /// A courier takes no order after its shift ends, and may still deliver what it took
    /// up to this long after, seconds.
    pub overtime_s: i64,
    /// A courier whose latest fix is older than this is taken as offline, seconds.
    pub stale_fix_s: i64,
    /// The solver's time per order in the plan: its time scales with the snapshot
    /// ([`Self::solver_time`]).
    pub solver_per_order: Duration,
    /// The most the solver may take per plan, however many orders.
    pub time_limit: Duration,
    /// When set, each plan's search runs this many iterations (a later pass its share of
    /// them) instead of for a time, so that a snapshot always gives the same plan: for
    /// references planned offline. The service searches for a time.
    pub solver_iterations: Option<u64>,
    /// Seed of the search's random choices: with [`Self::solver_iterations`], another
    /// seed gives another plan of the same snapshot, to tell a change's effect from
    /// chance.
    pub solver_seed: u64,
    /// A re-plan aims to be done within this: the solver takes at most three quarters of
    /// what framing (travel tables above all) leaves of it, the rest draws the roads.
    pub aim: Duration,
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
    /// The time at a store is spent once per visit, however many orders the courier
    /// takes there (the meal-delivery benchmark's rule), rather than once per order.
    pub pickup_once_per_visit: bool,
    /// A courier's first stop is committed (its order assigned to it, and so pinned)
    /// once the plan has it start within this, seconds; 0 commits nothing.
    pub commit_within_s: i64,
}

impl Default for PlannerConfig {
    fn default() -> Self {
        Self {
            pickup_service_s: 60,
            delivery_service_s: 120,
            frozen_ride_s: 20 * 60,
            hot_ride_s: 25 * 60,
            chilled_ride_s: 45 * 60,
            // Measured with `freshroute simulate` (seed 42), an hour and 3 s against 15 min
            // and 10 s: 60 orders an hour 96.4 % on time and 229 km (four runs) against
            // 96.4 % and 256 km; 120 an hour 56.9 to 62.6 % on time and 471 to 508 km (six
            // runs) against 39.8 to 47.2 % and 518 to 540 km (the offline reference 78.0 %
            // against 61.0 %). A hard end near the promise made the plan fit every order
            // within it first, the oldest before fresh ones whose promise could still be
            // kept, by sending far couriers.
            lateness_s: 60 * 60,
            late_cost_per_s: 3,
            // Measured with `freshroute simulate` (seed 42), once against none: 60 orders an
            // hour 96.4 % on time and 256 km against 98.2 % and 259 km; 120 an hour 40.7 and
            // 42.3 % against 41.5 %, the offline reference 61.8 and 61.0 % against 55.3 %.
            late_once_s: 3000,
            // Measured with `freshroute simulate` (seed 42, 60 orders an hour): no margin
            // and no distance cost, 87.5 % on time and 246 km; 3 min and none, 96.4 % and
            // 261 km; 5 min and 50 s a km, 98.2 % and 246 km.
            promise_margin_s: 5 * 60,
            // At 120 orders an hour (`simulate --search-iterations 5000`, seed 42,
            // `--search-seed` 1, 2 and 3): 41, 40 and 43 late of 123 and 489, 478 and 496 km;
            // with no distance cost 52, 49 and 42 late and 509 to 522 km; with 100 s a km 43,
            // 48 and 43 late and 449 to 467 km.
            km_cost_s: 50,
            courier_time_costs: true,
            among_stores_cost_s: 0,
            overtime_s: 0,
            stale_fix_s: 10 * 60,
            // 300 orders get 0.6 s; with travel tables and road geometry, a region of 1,000
            // orders and 300 couriers re-plans within 1 s on two cores (`bench replan`).
            solver_per_order: Duration::from_millis(2),
            time_limit: Duration::from_millis(600),
            solver_iterations: None,
            solver_seed: 1,
            aim: Duration::from_millis(900),
            budget: Duration::from_secs(2),
            switch_cost_s: 120,
            ride_plan_pct: 75,
            // The ETA's own tolerance (within 5 minutes, `freshroute simulate`'s target).
            // Measured with `simulate --search-iterations 5000` (seed 42, `--search-seed` 1, 2
            // and 3), 5 min against 2: 120 orders an hour 41, 40 and 43 late of 123 against 49,
            // 50 and 50, 489, 478 and 496 km against 528, 518 and 497; seed 7, 39 and 34 late
            // of 110 against 35 and 42, 437 and 452 km against 489 and 466; 60 an hour 1 late
            // of 56 and 239 km against 1 and 245; ETAs within 5 minutes 98 to 100 % in all. A
            // 2-minute hold kept a courier from taking in a pickup on its way once it had food
            // on board: at a peak, couriers ran single orders.
            eta_hold_s: 5 * 60,
            // Measured the same way at 120 orders an hour, 5 min against 10: 38, 49 and 47
            // late against 41, 40 and 43; 3 min did no better.
            commit_within_s: 10 * 60,
            pickup_once_per_visit: false,
        }
    }
}

impl PlannerConfig {
    /// The ride limit of goods of these classes: that of the strictest, seconds.
    pub fn ride_limit(&self, classes: &[ColdChain]) -> Option<i64> {
        classes
            .iter()
            .filter_map(|c| match c {
                ColdChain::Frozen => Some(self.frozen_ride_s),
                ColdChain::Hot => Some(self.hot_ride_s),
                ColdChain::Chilled => Some(self.chilled_ride_s),
                ColdChain::Ambient => None,
            })
            .min()
    }

    /// The solver's time for a problem of `orders` orders: [`Self::solver_per_order`]
    /// each, at least that of 100 orders, at most [`Self::time_limit`].
    pub fn solver_time(&self, orders: usize) -> Duration {
        let floor = (self.solver_per_order * 100).min(self.time_limit);
        (self.solver_per_order * orders.min(100_000) as u32).clamp(floor, self.time_limit)
    }

    /// The ride the plan allows them: their limit less the margin, seconds.
    pub(crate) fn planned_ride(&self, classes: &[ColdChain]) -> Option<i64> {
        self.ride_limit(classes)
            .map(|r| r * self.ride_plan_pct.clamp(1, 100) / 100)
    }
}
