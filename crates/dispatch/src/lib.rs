//! freshroute's dispatcher. Pure computation: no HTTP, no database, no clock; the
//! caller hands it the moment (a [`Snapshot`]: open orders, couriers with their latest
//! positions and shifts, the previous plan, the time) and how long travel takes (the
//! city's roads, or any [`travel::Travel`]), and gets the
//! [`Plan`]: each courier's stops with times and roads, each order's ETA, and what could
//! not be planned, with why.
//!
//! - [`snapshot`]: what a plan is made from.
//! - [`frame`]: the snapshot as the solver's routing problem.
//! - [`planner`]: frame, solve, read back; late orders planned again.
//! - [`regions`]: a chain split into regions planned apart, on every core.
//! - [`hand_route`]: a dispatcher's own route judged on the planner's problem.
//! - [`transfer_trips`]: approved transfers between stores driven in shared van trips.

mod among_stores;
pub mod config;
pub mod frame;
pub mod hand_route;
mod late;
pub mod plan;
pub mod planner;
mod read_back;
pub mod regions;
pub mod snapshot;
pub mod transfer_trips;
pub mod travel;

pub use config::PlannerConfig;
pub use plan::{Lateness, Leg, Plan, PlannedRoute, PlannedStop};
pub use planner::plan;
pub use regions::{Regions, plan_regions};
pub use snapshot::{
    ColdChain, Courier, Fix, Order, Previous, Snapshot, Status, Store, needed_skills,
};
