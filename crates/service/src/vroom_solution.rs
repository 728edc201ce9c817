//! VROOM's solution format, typed: what `POST /v1/solve/vroom` answers.

use serde::Serialize;
use serde_json::Value;

/// A solution in VROOM's format.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct VroomSolution {
    /// 0: solved.
    pub(crate) code: i32,
    pub(crate) summary: VroomSummary,
    /// Each stop left out (both ends of a shipment), with the solver's reason.
    pub(crate) unassigned: Vec<VroomUnassigned>,
    pub(crate) routes: Vec<VroomRoute>,
}

/// What a route, or the whole solution, costs and takes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct VroomTotals {
    pub(crate) cost: i64,
    pub(crate) setup: i64,
    /// Service time, seconds.
    pub(crate) service: i64,
    /// Driving time, seconds.
    pub(crate) duration: i64,
    pub(crate) waiting_time: i64,
    pub(crate) priority: i64,
    /// Metres.
    pub(crate) distance: i64,
}

/// The solution's totals.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct VroomSummary {
    #[serde(flatten)]
    pub(crate) totals: VroomTotals,
    /// Routes used.
    pub(crate) routes: usize,
    /// Stops left out.
    pub(crate) unassigned: usize,
    /// Always empty: every plan keeps every rule.
    #[schema(value_type = Vec<Object>)]
    pub(crate) violations: Vec<Value>,
    pub(crate) computing_times: ComputingTimes,
}

/// Milliseconds spent.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ComputingTimes {
    /// Reading the problem and building travel times.
    pub(crate) loading: u64,
    /// Searching.
    pub(crate) solving: u64,
}

/// A stop left out.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct VroomUnassigned {
    pub(crate) id: u64,
    /// `job`, `pickup` or `delivery`.
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    /// The solver's reason: `no_skill`, `capacity`, `time_window_unreachable`, …
    pub(crate) reason: &'static str,
    /// `[lon, lat]`, when the problem gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) location: Option<[f64; 2]>,
}

/// A vehicle's route.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct VroomRoute {
    pub(crate) vehicle: u64,
    #[serde(flatten)]
    pub(crate) totals: VroomTotals,
    pub(crate) steps: Vec<SolutionStep>,
    #[schema(value_type = Vec<Object>)]
    pub(crate) violations: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
}

/// A step of a route: `start`, `job`, `pickup`, `delivery` or `end`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SolutionStep {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    /// `[lon, lat]`, when the problem gave positions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) location: Option<[f64; 2]>,
    /// The index into the problem's matrices, when it gave those.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) location_index: Option<usize>,
    /// The task's id (not on `start` and `end`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) id: Option<u64>,
    /// The job's id, on a job step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) job: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    pub(crate) setup: i64,
    pub(crate) service: i64,
    pub(crate) waiting_time: i64,
    /// Seconds from the problem's time origin.
    pub(crate) arrival: i64,
    /// Driving time so far on the route, seconds.
    pub(crate) duration: i64,
    /// The load after the step, per capacity dimension.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) load: Option<Vec<i64>>,
    #[schema(value_type = Vec<Object>)]
    pub(crate) violations: Vec<Value>,
}
