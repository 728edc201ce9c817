//! VROOM's solution format, typed: what [`super::solve`] answers.

use serde::Serialize;
use serde_json::Value;

/// A solution in VROOM's format.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VroomSolution {
    /// 0: solved.
    pub code: i32,
    /// The totals of every route.
    pub summary: VroomSummary,
    /// Each stop left out (both ends of a shipment), with the solver's reason.
    pub unassigned: Vec<VroomUnassigned>,
    /// One per vehicle used.
    pub routes: Vec<VroomRoute>,
}

/// What a route, or the whole solution, costs and takes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VroomTotals {
    /// The solver's cost.
    pub cost: i64,
    /// Setup time, seconds (always 0: setups are refused).
    pub setup: i64,
    /// Service time, seconds.
    pub service: i64,
    /// Driving time, seconds.
    pub duration: i64,
    /// Waiting time, seconds.
    pub waiting_time: i64,
    /// The priorities of the tasks served.
    pub priority: i64,
    /// Metres.
    pub distance: i64,
}

/// The solution's totals.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VroomSummary {
    /// Cost, times and distance of all routes.
    #[serde(flatten)]
    pub totals: VroomTotals,
    /// Routes used.
    pub routes: usize,
    /// Stops left out.
    pub unassigned: usize,
    /// Always empty: every plan keeps every rule.
    #[schema(value_type = Vec<Object>)]
    pub violations: Vec<Value>,
    /// Time spent.
    pub computing_times: ComputingTimes,
}

/// Milliseconds spent.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ComputingTimes {
    /// Reading the problem and building travel times.
    pub loading: u64,
    /// Searching.
    pub solving: u64,
}

/// A stop left out.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VroomUnassigned {
    /// The task's id.
    pub id: u64,
    /// `job`, `pickup` or `delivery`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The solver's reason: `no_skill`, `capacity`, `time_window_unreachable`, …
    pub reason: &'static str,
    /// `[lon, lat]`, when the problem gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<[f64; 2]>,
}

/// A vehicle's route.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VroomRoute {
    /// The vehicle's id.
    pub vehicle: u64,
    /// Its cost, times and distance.
    #[serde(flatten)]
    pub totals: VroomTotals,
    /// From `start` to `end`.
    pub steps: Vec<SolutionStep>,
    /// Always empty: every plan keeps every rule.
    #[schema(value_type = Vec<Object>)]
    pub violations: Vec<Value>,
    /// The vehicle's description, when the problem gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A step of a route: `start`, `job`, `pickup`, `delivery` or `end`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SolutionStep {
    /// `start`, `job`, `pickup`, `delivery` or `end`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// `[lon, lat]`, when the problem gave positions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<[f64; 2]>,
    /// The index into the problem's matrices, when it gave those.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_index: Option<usize>,
    /// The task's id (not on `start` and `end`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// The job's id, on a job step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<u64>,
    /// The task's description, when the problem gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Setup time, seconds (always 0).
    pub setup: i64,
    /// Service time, seconds.
    pub service: i64,
    /// Waiting before service, seconds.
    pub waiting_time: i64,
    /// Seconds from the problem's time origin.
    pub arrival: i64,
    /// Driving time so far on the route, seconds.
    pub duration: i64,
    /// The load after the step, per capacity dimension.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load: Option<Vec<i64>>,
    /// Always empty: every plan keeps every rule.
    #[schema(value_type = Vec<Object>)]
    pub violations: Vec<Value>,
}
