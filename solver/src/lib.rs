//! freshroute's optimisation core: courier routing and purchase-order planning.
//!
//! Pure computation: problems built from unit-typed quantities go in, plans come
//! out; no file, network or database access.
//!
//! Routing: build a [`Problem`] with a [`ProblemBuilder`] (jobs, shipments with
//! cold-chain ride limits, vehicles, travel matrices; pins, switching costs, warm
//! routes and each vehicle's last pickup), [`solve`] it within
//! [`Limits`], and verify any plan with the independent [`check`].
//!
//! Purchase orders: a [`procurement::StoreProblem`] per store (articles with forecasts,
//! stock by lot, offers; suppliers with lead times and delivery days) planned by
//! [`procurement::plan_store`], a mixed-integer model solved by HiGHS.
//!
//! Transfers between stores: a [`transfers::TransferProblem`] per region (each store's
//! lots and forecast per article, the pairs a trip may join) answered by
//! [`transfers::propose`]: trips chosen greedily, then the units on them by a linear
//! model solved by HiGHS.

// Loads are parallel fixed-size arrays indexed by capacity dimension; an index loop says that best.
#![allow(clippy::needless_range_loop)]

mod checker;
mod plan;
mod problem;
pub mod procurement;
mod reasons;
mod search;
pub mod transfers;
mod verdict;

pub use checker::{CheckReport, check, check_routes};
pub use plan::{PlannedRoute, PlannedStop, Solution, Unassigned, UnassignedReason};
pub use problem::{
    Job, Load, MAX_AMOUNT, MAX_DIMS, MAX_LATE_COST, MAX_LATE_ONCE, OnBoard, Problem,
    ProblemBuilder, ProblemError, Shipment, SoftEnd, Stop, StopKind, TaskId, TimeWindow,
    TravelMatrix, Vehicle,
};
pub use search::{Limits, Quiet, SearchProgress};
pub use verdict::{Breach, RouteVerdict, StopVerdict, judge_route};

/// Solves a problem within the limits and returns the best plan found.
pub fn solve(problem: &Problem, limits: &Limits, progress: &mut dyn SearchProgress) -> Solution {
    let best = search::search(problem, limits, progress);
    Solution::from_state(problem, &best)
}
