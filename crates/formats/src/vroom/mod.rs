//! The VROOM problem and solution formats, so that tooling that speaks VROOM can use
//! freshroute's solver: jobs, shipments and vehicles with capacities, skills, time
//! windows and service times; locations as `[lon, lat]` (travel times from the road
//! engine, per vehicle profile) or as indices into a matrix given in the problem
//! (`matrix`, or `matrices` per profile with `durations` and optional `distances`).
//! Answers VROOM's solution: `code`, `summary`, `unassigned`, `routes` with their steps.
//! What the solver cannot honour (breaks, vehicles without a start) is refused, never
//! ignored.

mod error;
mod solution;

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use freshroute_model::{LatLon, Metres, Seconds};
use freshroute_roads::{Profile, RoadNetwork};
use freshroute_solver::{
    Job, Limits, ProblemBuilder, Quiet, Shipment, Solution, Stop, StopKind, TimeWindow,
    TravelMatrix, Vehicle,
};
use serde::Deserialize;
use serde_json::Value;

use error::bad;
pub use error::{VroomError, VroomErrorKind};
pub use solution::{
    ComputingTimes, SolutionStep, VroomRoute, VroomSolution, VroomSummary, VroomTotals,
    VroomUnassigned,
};

/// A VROOM job: a task of its own, with amounts, skills and a priority.
#[derive(Debug, Clone, Deserialize)]
pub struct VroomJob {
    #[serde(flatten)]
    task: VroomStep,
    #[serde(default)]
    delivery: Vec<i64>,
    #[serde(default)]
    pickup: Vec<i64>,
    #[serde(default)]
    skills: Vec<u32>,
    #[serde(default)]
    priority: u32,
}

/// Where and when a task is served: a shipment's end, or the place and time of a job.
#[derive(Debug, Clone, Deserialize)]
pub struct VroomStep {
    id: u64,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    location: Option<[f64; 2]>,
    #[serde(default)]
    location_index: Option<usize>,
    #[serde(default)]
    service: u32,
    /// Not planned: refused when given.
    #[serde(default)]
    setup: Option<Value>,
    #[serde(default)]
    time_windows: Vec<[i64; 2]>,
}

/// A VROOM shipment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VroomShipment {
    pickup: VroomStep,
    delivery: VroomStep,
    #[serde(default)]
    amount: Vec<i64>,
    #[serde(default)]
    skills: Vec<u32>,
    #[serde(default)]
    priority: u32,
}

/// A VROOM vehicle. Fields of VROOM's format the solver does not plan by are read
/// only to be refused.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VroomVehicle {
    id: u64,
    #[serde(default)]
    profile: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    start: Option<[f64; 2]>,
    #[serde(default)]
    start_index: Option<usize>,
    #[serde(default)]
    end: Option<[f64; 2]>,
    #[serde(default)]
    end_index: Option<usize>,
    #[serde(default)]
    capacity: Vec<i64>,
    #[serde(default)]
    skills: Vec<u32>,
    #[serde(default)]
    time_window: Option<[i64; 2]>,
    #[serde(default)]
    breaks: Vec<Value>,
    #[serde(default)]
    max_travel_time: Option<i64>,
    #[serde(default)]
    max_tasks: Option<Value>,
    #[serde(default)]
    max_distance: Option<Value>,
    #[serde(default)]
    speed_factor: Option<Value>,
    #[serde(default)]
    steps: Option<Value>,
    #[serde(default)]
    costs: Option<Value>,
}

/// A profile's matrices.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VroomMatrices {
    durations: Vec<Vec<i64>>,
    #[serde(default)]
    distances: Option<Vec<Vec<i64>>>,
}

/// A VROOM problem.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VroomProblem {
    #[serde(default)]
    jobs: Vec<VroomJob>,
    #[serde(default)]
    shipments: Vec<VroomShipment>,
    vehicles: Vec<VroomVehicle>,
    /// The older single travel-time matrix.
    #[serde(default)]
    matrix: Option<Vec<Vec<i64>>>,
    /// Matrices per profile.
    #[serde(default)]
    matrices: Option<BTreeMap<String, VroomMatrices>>,
}

/// What a task is, as VROOM's output names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TaskKind {
    Job,
    Pickup,
    Delivery,
}

impl TaskKind {
    fn name(self) -> &'static str {
        match self {
            TaskKind::Job => "job",
            TaskKind::Pickup => "pickup",
            TaskKind::Delivery => "delivery",
        }
    }
}

/// Where a location of the problem is: a position, or an index into given matrices.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Place {
    At([f64; 2]),
    Index(usize),
}

/// Most tasks (jobs plus shipment ends) one request may carry.
const MAX_TASKS: usize = 2_000;
/// Most vehicles one request may carry.
const MAX_VEHICLES: usize = 500;
/// A skipped task costs more than any route; a higher priority costs more still.
const UNASSIGNED: i64 = 1_000_000_000;

/// Refuses a field of VROOM's format that the solver does not plan by.
fn unsupported(field: String, given: Option<&Value>, what: &str) -> Result<(), VroomError> {
    match given {
        Some(v) if !v.is_null() => Err(bad(
            field,
            "unsupported_field",
            format!("freshroute's solver does not plan {what} yet; send the problem without it"),
        )),
        _ => Ok(()),
    }
}

/// Refuses an amount, time or matrix value that is negative or over
/// [`MAX_AMOUNT`](freshroute_solver::MAX_AMOUNT), so that no sum can overflow.
fn bounded(field: &str, values: &[i64], what: &str) -> Result<(), VroomError> {
    let max = freshroute_solver::MAX_AMOUNT;
    match values.iter().find(|v| !(0..=max).contains(*v)) {
        Some(v) => Err(bad(
            field,
            "value_out_of_range",
            format!("{what} {v} is outside 0 to {max}"),
        )),
        None => Ok(()),
    }
}

/// Refuses a task's priority above 100.
fn priority(field: &str, priority: u32) -> Result<(), VroomError> {
    if priority > 100 {
        return Err(bad(
            format!("{field}.priority"),
            "invalid_priority",
            "priority is 0 to 100",
        ));
    }
    Ok(())
}

/// A vehicle's VROOM side.
struct VehicleInfo {
    id: u64,
    description: Option<String>,
    start: Option<Place>,
    start_index: usize,
    end: Option<Place>,
    end_index: Option<usize>,
    /// Index into the profiles (and their matrices).
    profile: usize,
}

/// Everything of a problem the solver needs, and how to answer in VROOM's terms.
struct Translated {
    builder: ProblemBuilder,
    /// Per solver task, in the order they were added.
    tasks: Vec<TaskInfo>,
    /// Per solver vehicle.
    vehicles: Vec<VehicleInfo>,
    /// Amount dimensions (0: no amounts given, and VROOM then reports no loads).
    dims: usize,
}

/// A profile's travel matrix for the solver, and its durations kept for the answer.
struct Built {
    matrix: TravelMatrix,
    durations: Vec<i64>,
}

fn place(
    field: &str,
    location: Option<[f64; 2]>,
    index: Option<usize>,
    matrix_given: bool,
) -> Result<Place, VroomError> {
    match (matrix_given, location, index) {
        (true, _, Some(i)) => Ok(Place::Index(i)),
        (true, _, None) => Err(bad(
            field,
            "location_index_required",
            "with a matrix in the problem, every location needs its location_index (start_index, end_index)",
        )),
        (false, Some(at), _) => Ok(Place::At(at)),
        (false, None, _) => Err(bad(
            field,
            "location_required",
            "without a matrix, every location needs its [lon, lat] coordinates",
        )),
    }
}

fn windows(field: &str, list: &[[i64; 2]]) -> Result<Vec<TimeWindow>, VroomError> {
    list.iter()
        .enumerate()
        .map(|(k, [a, b])| {
            bounded(&format!("{field}[{k}]"), &[*a, *b], "a time")?;
            if a > b {
                Err(bad(
                    format!("{field}[{k}]"),
                    "invalid_time_window",
                    "a time window is [start, end] with 0 <= start <= end",
                ))
            } else {
                Ok(TimeWindow {
                    start: Seconds(*a),
                    end: Seconds(*b),
                })
            }
        })
        .collect()
}

fn skill_names(skills: &[u32]) -> Vec<String> {
    skills.iter().map(u32::to_string).collect()
}

/// Reads a VROOM problem into solver terms; positions are resolved later.
fn translate(p: &VroomProblem) -> Result<(Translated, Vec<Place>), VroomError> {
    if p.vehicles.is_empty() || p.vehicles.len() > MAX_VEHICLES {
        return Err(bad(
            "vehicles",
            "invalid_vehicles",
            format!("give 1 to {MAX_VEHICLES} vehicles"),
        ));
    }
    let task_count = p.jobs.len() + 2 * p.shipments.len();
    if task_count > MAX_TASKS {
        return Err(bad(
            "jobs",
            "too_many_tasks",
            format!("{task_count} tasks; send at most {MAX_TASKS} jobs and shipment ends"),
        ));
    }
    let matrix_given = p.matrix.is_some() || p.matrices.is_some();
    let dims = p
        .vehicles
        .iter()
        .map(|v| v.capacity.len())
        .chain(p.jobs.iter().map(|j| j.delivery.len().max(j.pickup.len())))
        .chain(p.shipments.iter().map(|s| s.amount.len()))
        .max()
        .unwrap_or(0);
    let pad = |v: &[i64]| -> Vec<i64> {
        let mut out = v.to_vec();
        out.resize(dims, 0);
        out
    };
    let mut places: Vec<Place> = Vec::new();
    let mut index_of = |pl: Place| -> usize {
        places.iter().position(|q| *q == pl).unwrap_or_else(|| {
            places.push(pl);
            places.len() - 1
        })
    };
    let mut builder = ProblemBuilder::new();
    let mut tasks = Vec::new();
    let mut seen: HashMap<(u64, &'static str), ()> = HashMap::new();
    for (i, j) in p.jobs.iter().enumerate() {
        let field = format!("jobs[{i}]");
        if seen.insert((j.task.id, "job"), ()).is_some() {
            return Err(bad(
                &field,
                "duplicate_id",
                format!("two jobs have id {}", j.task.id),
            ));
        }
        if j.delivery.iter().chain(&j.pickup).any(|a| *a < 0) {
            return Err(bad(&field, "invalid_amount", "amounts are 0 or more"));
        }
        bounded(&format!("{field}.delivery"), &j.delivery, "an amount")?;
        bounded(&format!("{field}.pickup"), &j.pickup, "an amount")?;
        unsupported(
            format!("{field}.setup"),
            j.task.setup.as_ref(),
            "setup times",
        )?;
        priority(&field, j.priority)?;
        let pl = place(&field, j.task.location, j.task.location_index, matrix_given)?;
        builder.add_job(Job {
            stop: Stop {
                location: index_of(pl),
                service: Seconds(i64::from(j.task.service)),
                windows: windows(&format!("{field}.time_windows"), &j.task.time_windows)?,
                soft_end: None,
            },
            delivery: pad(&j.delivery),
            pickup: pad(&j.pickup),
            skills: skill_names(&j.skills),
            unassigned_penalty: UNASSIGNED * (1 + i64::from(j.priority.min(100))),
        });
        tasks.push(TaskInfo {
            stops: vec![(j.task.id, TaskKind::Job, pl, j.task.description.clone())],
            delivery: pad(&j.delivery),
        });
    }
    for (i, s) in p.shipments.iter().enumerate() {
        let field = format!("shipments[{i}]");
        for (step, kind) in [(&s.pickup, "pickup"), (&s.delivery, "delivery")] {
            if seen.insert((step.id, kind), ()).is_some() {
                return Err(bad(
                    format!("{field}.{kind}"),
                    "duplicate_id",
                    format!("two {kind}s have id {}", step.id),
                ));
            }
        }
        if s.amount.iter().any(|a| *a < 0) {
            return Err(bad(&field, "invalid_amount", "amounts are 0 or more"));
        }
        bounded(&format!("{field}.amount"), &s.amount, "an amount")?;
        for (step, kind) in [(&s.pickup, "pickup"), (&s.delivery, "delivery")] {
            unsupported(
                format!("{field}.{kind}.setup"),
                step.setup.as_ref(),
                "setup times",
            )?;
        }
        priority(&field, s.priority)?;
        let pp = place(
            &format!("{field}.pickup"),
            s.pickup.location,
            s.pickup.location_index,
            matrix_given,
        )?;
        let dp = place(
            &format!("{field}.delivery"),
            s.delivery.location,
            s.delivery.location_index,
            matrix_given,
        )?;
        builder.add_shipment(Shipment {
            pickup: Stop {
                location: index_of(pp),
                service: Seconds(i64::from(s.pickup.service)),
                windows: windows(
                    &format!("{field}.pickup.time_windows"),
                    &s.pickup.time_windows,
                )?,
                soft_end: None,
            },
            delivery: Stop {
                location: index_of(dp),
                service: Seconds(i64::from(s.delivery.service)),
                windows: windows(
                    &format!("{field}.delivery.time_windows"),
                    &s.delivery.time_windows,
                )?,
                soft_end: None,
            },
            amount: pad(&s.amount),
            skills: skill_names(&s.skills),
            max_ride: None,
            unassigned_penalty: UNASSIGNED * (1 + i64::from(s.priority.min(100))),
        });
        tasks.push(TaskInfo {
            stops: vec![
                (
                    s.pickup.id,
                    TaskKind::Pickup,
                    pp,
                    s.pickup.description.clone(),
                ),
                (
                    s.delivery.id,
                    TaskKind::Delivery,
                    dp,
                    s.delivery.description.clone(),
                ),
            ],
            delivery: Vec::new(),
        });
    }
    let (_, profile_of) = vehicle_profiles(p);
    let mut vehicles = Vec::new();
    for (i, v) in p.vehicles.iter().enumerate() {
        let field = format!("vehicles[{i}]");
        if !v.breaks.is_empty() {
            return Err(bad(
                format!("{field}.breaks"),
                "breaks_unsupported",
                "freshroute's solver does not plan breaks yet; send the vehicle without them",
            ));
        }
        for (name, given, what) in [
            ("max_tasks", &v.max_tasks, "a limit on tasks per vehicle"),
            ("max_distance", &v.max_distance, "a limit on distance"),
            ("speed_factor", &v.speed_factor, "speed factors"),
            (
                "steps",
                &v.steps,
                "routes given step by step (use /v1/plan/check)",
            ),
            ("costs", &v.costs, "vehicle costs"),
        ] {
            unsupported(format!("{field}.{name}"), given.as_ref(), what)?;
        }
        bounded(&format!("{field}.capacity"), &v.capacity, "a capacity")?;
        if let Some(t) = v.max_travel_time {
            bounded(&format!("{field}.max_travel_time"), &[t], "a travel time")?;
        }
        let start = match (v.start, v.start_index) {
            (None, None) => None,
            (at, index) => Some(place(&format!("{field}.start"), at, index, matrix_given)?),
        };
        let end = match (v.end, v.end_index) {
            (None, None) => None,
            (at, index) => Some(place(&format!("{field}.end"), at, index, matrix_given)?),
        };
        let Some(start_place) = start else {
            return Err(bad(
                format!("{field}.start"),
                "vehicle_start_required",
                "freshroute's solver needs each vehicle's start (a route may still end anywhere)",
            ));
        };
        if let Some([a, b]) = v.time_window {
            bounded(&format!("{field}.time_window"), &[a, b], "a time")?;
        }
        let shift = match v.time_window {
            Some([a, b]) if a <= b => TimeWindow {
                start: Seconds(a),
                end: Seconds(b),
            },
            Some(_) => {
                return Err(bad(
                    format!("{field}.time_window"),
                    "invalid_time_window",
                    "a time window is [start, end] with 0 <= start <= end",
                ));
            }
            None => TimeWindow {
                start: Seconds(0),
                end: Seconds(freshroute_solver::MAX_AMOUNT),
            },
        };
        let start_index = index_of(start_place);
        let end_index = end.map(&mut index_of);
        builder.add_vehicle(Vehicle {
            start: start_index,
            end: end_index,
            shift,
            capacity: if v.capacity.is_empty() {
                vec![freshroute_solver::MAX_AMOUNT; dims]
            } else {
                pad(&v.capacity)
            },
            skills: skill_names(&v.skills),
            fixed_cost: 0,
            cost_per_second: 1,
            cost_per_metre: 0,
            max_duration: v.max_travel_time.map(Seconds),
            profile: profile_of[i],
        });
        vehicles.push(VehicleInfo {
            id: v.id,
            description: v.description.clone(),
            start: Some(start_place),
            start_index,
            end,
            end_index,
            profile: profile_of[i],
        });
    }
    Ok((
        Translated {
            builder,
            tasks,
            vehicles,
            dims,
        },
        places,
    ))
}

/// The profiles the vehicles use, in order of first use, and each vehicle's index into them.
fn vehicle_profiles(p: &VroomProblem) -> (Vec<String>, Vec<usize>) {
    let mut names: Vec<String> = Vec::new();
    let mut of = Vec::with_capacity(p.vehicles.len());
    for v in &p.vehicles {
        let name = v.profile.clone().unwrap_or_else(|| "car".to_string());
        let k = names.iter().position(|n| *n == name).unwrap_or_else(|| {
            names.push(name);
            names.len() - 1
        });
        of.push(k);
    }
    (names, of)
}

/// A square matrix of whole numbers, checked.
fn square(field: &str, rows: &[Vec<i64>], size: usize) -> Result<Vec<i64>, VroomError> {
    if rows.len() < size || rows.iter().any(|r| r.len() != rows.len()) {
        return Err(bad(
            field,
            "invalid_matrix",
            format!(
                "a matrix is square and covers every location_index used (up to {})",
                size.saturating_sub(1)
            ),
        ));
    }
    if rows.iter().flatten().any(|x| *x < 0) {
        return Err(bad(field, "invalid_matrix", "matrix values are 0 or more"));
    }
    for row in rows {
        bounded(field, row, "a matrix value")?;
    }
    Ok(rows.iter().flatten().copied().collect())
}

/// Travel matrices per profile over `places`: from the problem's matrices, or from the
/// road engine.
fn matrices(
    p: &VroomProblem,
    places: &[Place],
    profiles: &[String],
    roads: &RoadNetwork,
    snap_within: Metres,
) -> Result<Vec<Built>, VroomError> {
    let n = places.len();
    if p.matrix.is_some() || p.matrices.is_some() {
        let indices: Vec<usize> = places
            .iter()
            .map(|pl| match pl {
                Place::Index(i) => *i,
                Place::At(_) => 0,
            })
            .collect();
        let needed = indices.iter().max().map_or(0, |m| m.saturating_add(1));
        return profiles
            .iter()
            .map(|name| {
                let (field, durations, distances) = match (&p.matrices, &p.matrix) {
                    (Some(m), _) => {
                        let given = m.get(name).ok_or_else(|| {
                            bad(
                                "matrices",
                                "missing_matrix",
                                format!("no matrices for profile {name:?}, which a vehicle uses"),
                            )
                        })?;
                        (
                            format!("matrices.{name}"),
                            &given.durations,
                            given.distances.as_ref(),
                        )
                    }
                    (None, Some(m)) => ("matrix".to_string(), m, None),
                    (None, None) => return Err(bad("matrix", "invalid_matrix", "no matrix given")),
                };
                let full = square(&format!("{field}.durations"), durations, needed)?;
                let full_distances = distances
                    .map(|d| square(&format!("{field}.distances"), d, needed))
                    .transpose()?;
                let size = durations.len();
                let pick = |m: &[i64], a: usize, b: usize| m[indices[a] * size + indices[b]];
                let mut d = Vec::with_capacity(n * n);
                let mut m = Vec::with_capacity(n * n);
                for a in 0..n {
                    for b in 0..n {
                        d.push(pick(&full, a, b));
                        m.push(Metres(full_distances.as_ref().map_or(0, |x| pick(x, a, b))));
                    }
                }
                Ok(Built {
                    matrix: TravelMatrix::new(n, d.iter().copied().map(Seconds).collect(), m),
                    durations: d,
                })
            })
            .collect();
    }
    profiles
        .iter()
        .map(|name| {
            let profile: Profile = name.parse().map_err(|_| {
                let names: Vec<&str> = Profile::ALL.iter().map(|p| p.name()).collect();
                bad(
                    "vehicles",
                    "unknown_profile",
                    format!("profile {name:?} is not one of {}", names.join(", ")),
                )
            })?;
            let graph = roads
                .profile(profile)
                .map_err(|e| VroomError::internal(e.code(), e.to_string()))?;
            let snaps = places
                .iter()
                .enumerate()
                .map(|(k, pl)| {
                    let Place::At([lon, lat]) = *pl else {
                        return Err(bad(
                            format!("locations[{k}]"),
                            "location_required",
                            "without a matrix, every location needs its [lon, lat] coordinates",
                        ));
                    };
                    let at = LatLon::new(lat, lon)
                        .map_err(|e| bad(format!("locations[{k}]"), e.code(), e.to_string()))?;
                    graph.snap(at, snap_within).map_err(|e| {
                        VroomError::unprocessable(e.code(), e.to_string())
                            .at(format!("[{lon}, {lat}]"))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let table = graph.table(&snaps, &snaps);
            let unreachable = table.durations().iter().any(Option::is_none);
            if unreachable {
                return Err(VroomError::unprocessable(
                    "unreachable_location",
                    format!("some locations cannot reach each other by {name}"),
                ));
            }
            let d: Vec<Seconds> = table.durations().into_iter().flatten().collect();
            let m = table.distances().into_iter().flatten().collect();
            Ok(Built {
                durations: d.iter().map(|x| x.0).collect(),
                matrix: TravelMatrix::new(n, d, m),
            })
        })
        .collect()
}

/// One solver task's VROOM side: per stop (one for a job; pickup then delivery for a
/// shipment) its id, kind, place and description; and for a job, what it unloads.
struct TaskInfo {
    stops: Vec<(u64, TaskKind, Place, Option<String>)>,
    delivery: Vec<i64>,
}

/// The solver's plan in VROOM's solution format. `durations[profile]` is the n×n travel
/// time matrix each vehicle's legs are read from.
fn answer(
    t: &Translated,
    durations: &[Vec<i64>],
    n: usize,
    sol: &Solution,
    loading_ms: u128,
    solving_ms: u128,
) -> VroomSolution {
    let mut routes = Vec::new();
    let (mut total_service, mut total_travel, mut total_waiting, mut total_cost) =
        (0i64, 0i64, 0i64, 0i64);
    let dims = |load: &[i64]| (t.dims > 0).then(|| load.to_vec());
    for r in &sol.routes {
        let v = &t.vehicles[r.vehicle];
        let leg = |a: usize, b: usize| durations[v.profile][a * n + b];
        let (mut service, mut waiting, mut travel) = (0i64, 0i64, 0i64);
        let mut at = v.start_index;
        let first_leg = r.stops.first().map_or(0, |s| leg(at, s.location));
        let start_arrival = r.stops.first().map_or(0, |s| s.arrival.0 - first_leg);
        let start_load: Vec<i64> = r
            .stops
            .iter()
            .map(|s| &t.tasks[s.task.0 as usize])
            .filter(|x| !x.delivery.is_empty())
            .fold(vec![0; t.dims], |mut acc, x| {
                for (a, d) in acc.iter_mut().zip(&x.delivery) {
                    *a += d;
                }
                acc
            });
        let mut steps = vec![step("start", v.start, start_arrival, 0, dims(&start_load))];
        for s in &r.stops {
            travel += leg(at, s.location);
            at = s.location;
            let (id, kind, pl, desc) =
                &t.tasks[s.task.0 as usize].stops[usize::from(s.kind == StopKind::Delivery)];
            let wait = s.start.0 - s.arrival.0;
            let serve = s.departure.0 - s.start.0;
            steps.push(SolutionStep {
                id: Some(*id),
                job: (*kind == TaskKind::Job).then_some(*id),
                description: desc.clone(),
                service: serve,
                waiting_time: wait,
                ..step(kind.name(), Some(*pl), s.arrival.0, travel, dims(&s.load))
            });
            service += serve;
            waiting += wait;
        }
        if let (Some(end), Some(end_index)) = (v.end, v.end_index) {
            let back = leg(at, end_index);
            travel += back;
            let last_departure = r.stops.last().map_or(start_arrival, |s| s.departure.0);
            let end_load = r.stops.last().map_or(&start_load, |s| &s.load);
            steps.push(step(
                "end",
                Some(end),
                last_departure + back,
                travel,
                dims(end_load),
            ));
        }
        total_service += service;
        total_travel += travel;
        total_waiting += waiting;
        total_cost += travel;
        routes.push(VroomRoute {
            vehicle: v.id,
            totals: VroomTotals {
                cost: travel,
                setup: 0,
                service,
                duration: travel,
                waiting_time: waiting,
                priority: 0,
                distance: r.distance.0,
            },
            steps,
            violations: Vec::new(),
            description: v.description.clone(),
        });
    }
    let unassigned: Vec<VroomUnassigned> = sol
        .unassigned
        .iter()
        .flat_map(|u| {
            t.tasks[u.task.0 as usize]
                .stops
                .iter()
                .map(move |(id, kind, pl, _)| VroomUnassigned {
                    id: *id,
                    kind: kind.name(),
                    reason: u.reason.code(),
                    location: match pl {
                        Place::At(at) => Some(*at),
                        Place::Index(_) => None,
                    },
                })
        })
        .collect();
    let ms = |m: u128| u64::try_from(m).unwrap_or(u64::MAX);
    VroomSolution {
        code: 0,
        summary: VroomSummary {
            totals: VroomTotals {
                cost: total_cost,
                setup: 0,
                service: total_service,
                duration: total_travel,
                waiting_time: total_waiting,
                priority: 0,
                distance: sol.distance().0,
            },
            routes: routes.len(),
            unassigned: unassigned.len(),
            violations: Vec::new(),
            computing_times: ComputingTimes {
                loading: ms(loading_ms),
                solving: ms(solving_ms),
            },
        },
        unassigned,
        routes,
    }
}

/// A step with no service: `start`, `end`, or the base of a task's step.
fn step(
    kind: &'static str,
    pl: Option<Place>,
    arrival: i64,
    travel: i64,
    load: Option<Vec<i64>>,
) -> SolutionStep {
    SolutionStep {
        kind,
        location: match pl {
            Some(Place::At(at)) => Some(at),
            _ => None,
        },
        location_index: match pl {
            Some(Place::Index(i)) => Some(i),
            _ => None,
        },
        id: None,
        job: None,
        description: None,
        setup: 0,
        service: 0,
        waiting_time: 0,
        arrival,
        duration: travel,
        load,
        violations: Vec::new(),
    }
}

/// Translates a VROOM problem, solves it and answers in VROOM's solution format. The
/// search takes `limit`, or less so as to end by `deadline`; `[lon, lat]` locations are
/// snapped to the roads within `snap_within`.
pub fn solve(
    p: &VroomProblem,
    roads: &RoadNetwork,
    snap_within: Metres,
    limit: Duration,
    deadline: Instant,
) -> Result<VroomSolution, VroomError> {
    let clock = Instant::now();
    let (mut t, places) = translate(p)?;
    let (profiles, _) = vehicle_profiles(p);
    let travel = matrices(p, &places, &profiles, roads, snap_within)?;
    let n = places.len();
    let durations: Vec<Vec<i64>> = travel.iter().map(|m| m.durations.clone()).collect();
    for m in travel {
        t.builder.add_matrix(m.matrix);
    }
    let problem = t
        .builder
        .build()
        .map_err(|e| VroomError::invalid(e.code(), e.to_string()))?;
    let loading_ms = clock.elapsed().as_millis();
    let clock = Instant::now();
    let limits = Limits {
        time: Some(limit.min(deadline.saturating_duration_since(Instant::now()))),
        iterations: None,
        seed: 1,
    };
    let solution = freshroute_solver::solve(&problem, &limits, &mut Quiet);
    Ok(answer(
        &t,
        &durations,
        n,
        &solution,
        loading_ms,
        clock.elapsed().as_millis(),
    ))
}
