//! The routing problem: what the builder takes in, and the compact form the search reads.
//!
//! Units: durations and times in [`Seconds`], distances in [`Metres`], costs in
//! abstract integer cost units (the caller picks, e.g. millicents). A benchmark
//! that needs finer units scales its values before building (see `freshroute-formats`).

use freshroute_model::{Metres, Seconds};

/// Largest number of capacity dimensions (e.g. volume, frozen slots, weight).
pub const MAX_DIMS: usize = 4;
/// Largest amount or capacity in one dimension (2^40, about 1.1 × 10^12): a million
/// such amounts still sum within an `i64`, so loads never overflow.
pub const MAX_AMOUNT: i64 = 1 << 40;

/// An amount in every capacity dimension.
pub type Load = [i64; MAX_DIMS];

/// No ride limit.
pub(crate) const NO_LIMIT: i64 = i64::MAX / 4;

/// A time window: service may start at any time in `[start, end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow {
    /// Earliest service start.
    pub start: Seconds,
    /// Latest service start.
    pub end: Seconds,
}

/// Where and when a stop is served.
#[derive(Debug, Clone, PartialEq)]
pub struct Stop {
    /// Index of the location in the travel matrices.
    pub location: usize,
    /// Time spent serving.
    pub service: Seconds,
    /// When service may start; empty means at any time.
    pub windows: Vec<TimeWindow>,
    /// When service should have started: later costs per second late (a promise).
    pub soft_end: Option<SoftEnd>,
}

/// A soft end to a stop's time: service may start later (within its windows), at a cost
/// per second late. The search minimises it with everything else; the checker recomputes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SoftEnd {
    /// Service should start by this.
    pub at: Seconds,
    /// What each second later costs, in the same unit as the vehicles' costs.
    pub cost_per_second: i64,
    /// What starting after `once_at` costs, once, in the same unit (a chain's apology to
    /// its customer for being late at all): with it, the plan keeps more promises rather
    /// than spreading lateness thinly.
    pub cost_once: i64,
    /// From when `cost_once` is due: the promise itself, where `at` aims a margin ahead
    /// of it (taken as `at` when earlier).
    pub once_at: Seconds,
}

/// Highest cost per second late a soft end may carry.
pub const MAX_LATE_COST: i64 = 1_000_000;

/// Highest cost once late a soft end may carry: a day of lateness at the highest rate.
pub const MAX_LATE_ONCE: i64 = MAX_LATE_COST * 86_400;

/// A single stop to serve: drop goods loaded at the start, pick up goods brought to the end, or both.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// The stop.
    pub stop: Stop,
    /// Amount loaded at the vehicle's start and dropped here.
    pub delivery: Vec<i64>,
    /// Amount picked up here and carried to the vehicle's end.
    pub pickup: Vec<i64>,
    /// Skills the vehicle must have (e.g. `frozen`).
    pub skills: Vec<String>,
    /// Cost of leaving it unassigned.
    pub unassigned_penalty: i64,
}

/// Goods moved from a pickup to a delivery by one vehicle, pickup first.
#[derive(Debug, Clone, PartialEq)]
pub struct Shipment {
    /// Where the goods are picked up.
    pub pickup: Stop,
    /// Where they are delivered.
    pub delivery: Stop,
    /// The amount carried.
    pub amount: Vec<i64>,
    /// Skills the vehicle must have.
    pub skills: Vec<String>,
    /// Longest allowed time from leaving the pickup to starting the delivery (the cold-chain limit).
    pub max_ride: Option<Seconds>,
    /// Cost of leaving it unassigned.
    pub unassigned_penalty: i64,
}

/// Goods already on board a vehicle, which it alone must deliver (a courier in motion).
#[derive(Debug, Clone, PartialEq)]
pub struct OnBoard {
    /// The vehicle carrying them.
    pub vehicle: usize,
    /// Where they are delivered.
    pub delivery: Stop,
    /// The amount on board.
    pub amount: Vec<i64>,
    /// Latest delivery start that keeps the ride limit (pickup departure + limit); `None` for no limit.
    pub deadline: Option<Seconds>,
    /// Cost of leaving them undelivered in this plan.
    pub unassigned_penalty: i64,
}

/// A courier or van.
#[derive(Debug, Clone, PartialEq)]
pub struct Vehicle {
    /// Start location.
    pub start: usize,
    /// End location; `None` for an open route that ends at its last stop.
    pub end: Option<usize>,
    /// The vehicle leaves its start at `shift.start` and must be at its end by `shift.end`.
    pub shift: TimeWindow,
    /// Capacity per dimension.
    pub capacity: Vec<i64>,
    /// Skills it has.
    pub skills: Vec<String>,
    /// Cost of using it at all.
    pub fixed_cost: i64,
    /// Cost per second of route duration.
    pub cost_per_second: i64,
    /// Cost per metre driven.
    pub cost_per_metre: i64,
    /// Longest route duration.
    pub max_duration: Option<Seconds>,
    /// Index of its travel matrix (its profile).
    pub profile: usize,
}

/// Durations and distances between every pair of locations, for one profile.
#[derive(Debug, Clone, PartialEq)]
pub struct TravelMatrix {
    size: usize,
    durations: Vec<i64>,
    distances: Vec<i64>,
}

/// Why a problem was refused; nothing is solved on invalid data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProblemError {
    /// A matrix whose data does not match its size.
    #[error("matrix {profile}: {what} has {got} entries, a {size}x{size} matrix needs {}", size * size)]
    MatrixSize {
        /// Which matrix.
        profile: usize,
        /// Durations or distances.
        what: &'static str,
        /// Entries given.
        got: usize,
        /// Locations.
        size: usize,
    },
    /// A negative travel time or distance.
    #[error("matrix {profile}: negative {what} {value} from location {from} to {to}")]
    NegativeTravel {
        /// Which matrix.
        profile: usize,
        /// Duration or distance.
        what: &'static str,
        /// From location.
        from: usize,
        /// To location.
        to: usize,
        /// The value.
        value: i64,
    },
    /// A location index outside the matrices.
    #[error("{record}: location {location} is outside the {size} locations of the matrices")]
    UnknownLocation {
        /// The record.
        record: String,
        /// The location.
        location: usize,
        /// Matrix size.
        size: usize,
    },
    /// A window that closes before it opens, or windows that overlap.
    #[error("{record}: time windows must be ordered, disjoint and open before they close")]
    BadTimeWindow {
        /// The record.
        record: String,
    },
    /// A negative amount, one over [`MAX_AMOUNT`], or more dimensions than supported.
    #[error("{record}: {reason}")]
    BadAmount {
        /// The record.
        record: String,
        /// What is wrong.
        reason: String,
    },
    /// A vehicle profile with no matrix.
    #[error("vehicle {vehicle}: profile {profile} has no matrix")]
    UnknownProfile {
        /// The vehicle.
        vehicle: usize,
        /// The profile.
        profile: usize,
    },
    /// A ride limit shorter than the direct ride.
    #[error("shipment {shipment}: ride limit {limit} s is below the direct ride of {direct} s")]
    RideBelowDirect {
        /// The shipment.
        shipment: usize,
        /// The limit.
        limit: i64,
        /// The fastest direct ride over all profiles.
        direct: i64,
    },
    /// Negative service time or cost.
    #[error("{record}: {reason}")]
    Negative {
        /// The record.
        record: String,
        /// What is negative.
        reason: String,
    },
    /// A cost of lateness outside its range: per second `0..=MAX_LATE_COST`, once
    /// `0..=MAX_LATE_ONCE`.
    #[error("{record}: the cost {what} late must be 0 to {max}, not {cost}")]
    BadLateCost {
        /// The record.
        record: String,
        /// Which cost: "per second" or "once".
        what: &'static str,
        /// Its highest value.
        max: i64,
        /// The cost given.
        cost: i64,
    },
    /// More distinct skills than supported.
    #[error("{0} distinct skills; at most 64 are supported")]
    TooManySkills(usize),
    /// No vehicle at all.
    #[error("the problem has no vehicle")]
    NoVehicle,
    /// A pin or preference naming a task or vehicle that does not exist, or pinning
    /// goods on board one vehicle to another.
    #[error("{record}: {reason}")]
    BadBinding {
        /// The task.
        record: String,
        /// What is wrong.
        reason: String,
    },
}

impl ProblemError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MatrixSize { .. } => "matrix_size",
            Self::NegativeTravel { .. } => "negative_travel",
            Self::UnknownLocation { .. } => "unknown_location",
            Self::BadTimeWindow { .. } => "bad_time_window",
            Self::BadAmount { .. } => "bad_amount",
            Self::UnknownProfile { .. } => "unknown_profile",
            Self::RideBelowDirect { .. } => "ride_below_direct",
            Self::Negative { .. } => "negative_value",
            Self::BadLateCost { .. } => "bad_late_cost",
            Self::TooManySkills(_) => "too_many_skills",
            Self::NoVehicle => "no_vehicle",
            Self::BadBinding { .. } => "bad_binding",
        }
    }
}

impl TravelMatrix {
    /// A matrix of `size` locations from row-major durations and distances.
    pub fn new(size: usize, durations: Vec<Seconds>, distances: Vec<Metres>) -> Self {
        Self {
            size,
            durations: durations.into_iter().map(|s| s.0).collect(),
            distances: distances.into_iter().map(|m| m.0).collect(),
        }
    }

    /// Number of locations.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The travel time from one location to another (both below [`Self::size`]).
    pub fn travel(&self, from: usize, to: usize) -> Seconds {
        Seconds(self.durations[from * self.size + to])
    }

    /// The distance from one location to another (both below [`Self::size`]).
    pub fn metres(&self, from: usize, to: usize) -> Metres {
        Metres(self.distances[from * self.size + to])
    }

    /// Adds `extra` to every drive into location `to` from another location: time spent
    /// once on arriving at a place (parking, walking in), however many stops are served
    /// there in a row. Those stops then take no service time of their own for it.
    pub fn add_on_arrival(&mut self, to: usize, extra: Seconds) {
        if to >= self.size {
            return;
        }
        for from in (0..self.size).filter(|&f| f != to) {
            let d = &mut self.durations[from * self.size + to];
            *d = d.saturating_add(extra.0.max(0));
        }
    }

    #[inline]
    pub(crate) fn duration(&self, from: u32, to: u32) -> i64 {
        self.durations[from as usize * self.size + to as usize]
    }

    #[inline]
    pub(crate) fn distance(&self, from: u32, to: u32) -> i64 {
        self.distances[from as usize * self.size + to as usize]
    }

    fn check(&self, profile: usize) -> Result<(), ProblemError> {
        for (what, v) in [
            ("durations", &self.durations),
            ("distances", &self.distances),
        ] {
            if v.len() != self.size * self.size {
                return Err(ProblemError::MatrixSize {
                    profile,
                    what,
                    got: v.len(),
                    size: self.size,
                });
            }
            if let Some(i) = v.iter().position(|&x| x < 0) {
                return Err(ProblemError::NegativeTravel {
                    profile,
                    what: &what[..what.len() - 1],
                    from: i / self.size,
                    to: i % self.size,
                    value: v[i],
                });
            }
        }
        Ok(())
    }
}

/// What a stop is to its task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopKind {
    /// The one stop of a job.
    Job,
    /// A shipment's pickup.
    Pickup,
    /// A shipment's delivery.
    Delivery,
    /// The delivery of goods already on board.
    Dropoff,
}

/// A stop as the search reads it.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) location: u32,
    pub(crate) service: i64,
    /// Ordered, disjoint windows; empty only for goods on board whose deadline has passed.
    pub(crate) windows: Vec<(i64, i64)>,
    /// Loaded at the start, dropped here.
    pub(crate) delivery: Load,
    /// Picked up here (negative: dropped here, for a shipment's delivery).
    pub(crate) pickup: Load,
    pub(crate) task: u32,
    pub(crate) kind: StopKind,
    pub(crate) skills: u64,
    /// The only vehicle that may serve it.
    pub(crate) vehicle: Option<u32>,
    /// Its place in the order a dispatcher set for that vehicle's stops ([`ProblemBuilder::keep_order`]):
    /// the vehicle serves its ranked stops by rising rank, others anywhere between.
    pub(crate) rank: Option<u32>,
    /// Service should start by this ([`NO_LIMIT`] when it has no soft end).
    pub(crate) soft_end: i64,
    /// What each second after `soft_end` costs (0 without a soft end).
    pub(crate) late_cost: i64,
    /// What starting after `once_at` costs, once (0 without a soft end).
    pub(crate) late_once: i64,
    /// From when `late_once` is due (at or after `soft_end`).
    pub(crate) once_at: i64,
}

impl Node {
    /// What starting service at `start` costs in lateness.
    #[inline]
    pub(crate) fn lateness(&self, start: i64) -> i64 {
        if !self.has_soft_end() || start <= self.soft_end {
            0
        } else if start <= self.once_at {
            self.late_cost.saturating_mul(start - self.soft_end)
        } else {
            self.late_cost
                .saturating_mul(start - self.soft_end)
                .saturating_add(self.late_once)
        }
    }

    /// Whether starting late costs anything.
    #[inline]
    pub(crate) fn has_soft_end(&self) -> bool {
        self.late_cost > 0 || self.late_once > 0
    }

    /// The earliest service start at or after `arrival`, if a window allows one.
    #[inline]
    pub(crate) fn start_at(&self, arrival: i64) -> Option<i64> {
        self.windows
            .iter()
            .find(|w| arrival <= w.1)
            .map(|w| arrival.max(w.0))
    }

    /// The latest service start at or before `bound`, if a window allows one.
    #[inline]
    pub(crate) fn latest_at(&self, bound: i64) -> Option<i64> {
        self.windows
            .iter()
            .rev()
            .find(|w| w.0 <= bound)
            .map(|w| bound.min(w.1))
    }
}

/// A task: what is assigned or left unassigned as a whole.
#[derive(Debug, Clone)]
pub(crate) struct Task {
    /// Its nodes: one for a job, pickup then delivery for a shipment.
    pub(crate) nodes: Vec<u32>,
    pub(crate) max_ride: i64,
    pub(crate) penalty: i64,
    /// The vehicle it had before and the cost of serving it with another.
    pub(crate) prefer: Option<(u32, i64)>,
}

impl Task {
    /// What serving it with `vehicle` adds to the cost: the switching cost, if it
    /// prefers another.
    pub(crate) fn switch_cost(&self, vehicle: usize) -> i64 {
        match self.prefer {
            Some((v, cost)) if v as usize != vehicle => cost,
            _ => 0,
        }
    }
}

/// A vehicle as the search reads it.
#[derive(Debug, Clone)]
pub(crate) struct VehicleData {
    pub(crate) start: u32,
    pub(crate) end: Option<u32>,
    pub(crate) shift: (i64, i64),
    pub(crate) capacity: Load,
    pub(crate) skills: u64,
    pub(crate) fixed_cost: i64,
    pub(crate) cost_per_second: i64,
    pub(crate) cost_per_metre: i64,
    pub(crate) max_duration: i64,
    pub(crate) profile: usize,
    /// Goods on board at the start.
    pub(crate) initial_load: Load,
    /// No pickup starts after this ([`NO_LIMIT`] when any may).
    pub(crate) last_pickup: i64,
}

impl VehicleData {
    /// The latest `node` may start on this vehicle: its pickups by its last pickup.
    #[inline]
    pub(crate) fn latest_start(&self, node: &Node) -> i64 {
        if node.kind == StopKind::Pickup {
            self.last_pickup
        } else {
            NO_LIMIT
        }
    }

    /// When `node` starts on this vehicle if reached at `arrival`: in one of its windows,
    /// and a pickup by the vehicle's last pickup.
    #[inline]
    pub(crate) fn start_at(&self, node: &Node, arrival: i64) -> Option<i64> {
        node.start_at(arrival)
            .filter(|&start| start <= self.latest_start(node))
    }
}

/// A validated problem, ready to solve.
#[derive(Debug, Clone)]
pub struct Problem {
    pub(crate) nodes: Vec<Node>,
    pub(crate) tasks: Vec<Task>,
    pub(crate) vehicles: Vec<VehicleData>,
    pub(crate) matrices: Vec<TravelMatrix>,
    /// Whether any stop has a soft end (else lateness is never computed).
    pub(crate) has_soft_ends: bool,
    /// Routes of the previous plan to start from: vehicle, tasks of its stops in order.
    pub(crate) warm: Vec<(usize, Vec<u32>)>,
}

/// Handle of a task added to a [`ProblemBuilder`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub u32);

/// Collects jobs, shipments, vehicles and matrices, then validates them into a [`Problem`].
#[derive(Debug, Clone, Default)]
pub struct ProblemBuilder {
    jobs: Vec<(u32, Job)>,
    shipments: Vec<(u32, Shipment)>,
    on_board: Vec<(u32, OnBoard)>,
    vehicles: Vec<Vehicle>,
    matrices: Vec<TravelMatrix>,
    next: u32,
    pins: Vec<(TaskId, usize)>,
    preferences: Vec<(TaskId, usize, i64)>,
    warm: Vec<(usize, Vec<TaskId>)>,
    last_pickups: Vec<(usize, Seconds)>,
    kept_orders: Vec<(usize, Vec<(TaskId, StopKind)>)>,
}

impl ProblemBuilder {
    /// An empty problem.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the travel matrix of the next profile (profiles are numbered from 0).
    pub fn add_matrix(&mut self, m: TravelMatrix) -> &mut Self {
        self.matrices.push(m);
        self
    }

    /// Adds a vehicle; vehicles are numbered from 0 in the order added.
    pub fn add_vehicle(&mut self, v: Vehicle) -> &mut Self {
        self.vehicles.push(v);
        self
    }

    /// Adds a job.
    pub fn add_job(&mut self, job: Job) -> TaskId {
        let id = self.next;
        self.next += 1;
        self.jobs.push((id, job));
        TaskId(id)
    }

    /// Adds a shipment.
    pub fn add_shipment(&mut self, s: Shipment) -> TaskId {
        let id = self.next;
        self.next += 1;
        self.shipments.push((id, s));
        TaskId(id)
    }

    /// Adds goods already on board a vehicle.
    pub fn add_on_board(&mut self, o: OnBoard) -> TaskId {
        let id = self.next;
        self.next += 1;
        self.on_board.push((id, o));
        TaskId(id)
    }

    /// Binds a task to one vehicle: no other may serve it (a dispatcher's pin, an order the
    /// courier was already given). If that vehicle cannot, the task stays unassigned with
    /// the reason.
    pub fn pin(&mut self, task: TaskId, vehicle: usize) -> &mut Self {
        self.pins.push((task, vehicle));
        self
    }

    /// Makes serving a task with any vehicle but `vehicle` cost `switch_cost` more: the
    /// plan keeps it where it was unless moving it gains more than that.
    pub fn prefer(&mut self, task: TaskId, vehicle: usize, switch_cost: i64) -> &mut Self {
        self.preferences.push((task, vehicle, switch_cost));
        self
    }

    /// The route `vehicle` had in the previous plan, as the tasks of its stops in order
    /// (a shipment twice: its pickup, then its delivery). The search starts from it:
    /// every stop that still fits stays where it was, so that a plan made again with
    /// nothing changed is the plan it was; what no longer fits is inserted afresh.
    pub fn warm_route(&mut self, vehicle: usize, stops: Vec<TaskId>) -> &mut Self {
        self.warm.push((vehicle, stops));
        self
    }

    /// The order a dispatcher set for `vehicle`'s stops: each listed stop's task is pinned
    /// to it ([`Self::pin`]), and it serves the listed stops in the order listed; stops
    /// not listed may go anywhere between them. One order per vehicle.
    pub fn keep_order(&mut self, vehicle: usize, stops: Vec<(TaskId, StopKind)>) -> &mut Self {
        self.kept_orders.push((vehicle, stops));
        self
    }

    /// What using `vehicle` at all costs: its [`Vehicle::fixed_cost`], set once its
    /// place in the travel tables says what it is worth.
    pub fn fixed_cost(&mut self, vehicle: usize, cost: i64) -> &mut Self {
        if let Some(v) = self.vehicles.get_mut(vehicle) {
            v.fixed_cost = cost;
        }
        self
    }

    /// No pickup on `vehicle` starts after `at`, though its deliveries may run on to the
    /// end of its shift (a courier takes nothing new once its shift is over, and delivers
    /// what it has).
    pub fn last_pickup(&mut self, vehicle: usize, at: Seconds) -> &mut Self {
        self.last_pickups.push((vehicle, at));
        self
    }

    /// Validates everything and builds the problem.
    pub fn build(&self) -> Result<Problem, ProblemError> {
        if self.vehicles.is_empty() {
            return Err(ProblemError::NoVehicle);
        }
        for (p, m) in self.matrices.iter().enumerate() {
            m.check(p)?;
        }
        let size = self
            .matrices
            .iter()
            .map(TravelMatrix::size)
            .min()
            .unwrap_or(0);
        let mut skill_names: Vec<String> = Vec::new();
        let mut skill_bits = |names: &[String]| -> Result<u64, ProblemError> {
            let mut bits = 0u64;
            for n in names {
                let i = match skill_names.iter().position(|s| s == n) {
                    Some(i) => i,
                    None => {
                        skill_names.push(n.clone());
                        skill_names.len() - 1
                    }
                };
                if i >= 64 {
                    return Err(ProblemError::TooManySkills(skill_names.len()));
                }
                bits |= 1 << i;
            }
            Ok(bits)
        };
        let mut vehicles = Vec::with_capacity(self.vehicles.len());
        for (i, v) in self.vehicles.iter().enumerate() {
            let record = format!("vehicle {i}");
            if v.profile >= self.matrices.len() {
                return Err(ProblemError::UnknownProfile {
                    vehicle: i,
                    profile: v.profile,
                });
            }
            let msize = self.matrices[v.profile].size();
            for loc in std::iter::once(v.start).chain(v.end) {
                check_location(&record, loc, msize)?;
            }
            if v.shift.end < v.shift.start {
                return Err(ProblemError::BadTimeWindow { record });
            }
            if v.fixed_cost < 0 || v.cost_per_second < 0 || v.cost_per_metre < 0 {
                return Err(ProblemError::Negative {
                    record,
                    reason: "costs must not be negative".into(),
                });
            }
            vehicles.push(VehicleData {
                start: v.start as u32,
                end: v.end.map(|e| e as u32),
                shift: (v.shift.start.0, v.shift.end.0),
                capacity: load(&record, &v.capacity)?,
                skills: skill_bits(&v.skills)?,
                fixed_cost: v.fixed_cost,
                cost_per_second: v.cost_per_second,
                cost_per_metre: v.cost_per_metre,
                max_duration: v.max_duration.map_or(NO_LIMIT, |d| d.0),
                profile: v.profile,
                initial_load: [0; MAX_DIMS],
                last_pickup: NO_LIMIT,
            });
        }
        let mut entries: Vec<(u32, TaskInput<'_>)> = self
            .jobs
            .iter()
            .map(|(i, j)| (*i, TaskInput::Job(j)))
            .chain(
                self.shipments
                    .iter()
                    .map(|(i, s)| (*i, TaskInput::Shipment(s))),
            )
            .chain(
                self.on_board
                    .iter()
                    .map(|(i, o)| (*i, TaskInput::OnBoard(o))),
            )
            .collect();
        entries.sort_by_key(|(i, _)| *i);
        let mut nodes = Vec::new();
        let mut tasks = Vec::with_capacity(entries.len());
        for (id, input) in entries {
            let record = format!("task {id}");
            match input {
                TaskInput::Job(j) => {
                    check_penalty(&record, j.unassigned_penalty)?;
                    let skills = skill_bits(&j.skills)?;
                    let n = node(&record, &j.stop, size, id, StopKind::Job, skills)?;
                    nodes.push(Node {
                        delivery: load(&record, &j.delivery)?,
                        pickup: load(&record, &j.pickup)?,
                        ..n
                    });
                    tasks.push(Task {
                        nodes: vec![nodes.len() as u32 - 1],
                        max_ride: NO_LIMIT,
                        penalty: j.unassigned_penalty,
                        prefer: None,
                    });
                }
                TaskInput::Shipment(s) => {
                    check_penalty(&record, s.unassigned_penalty)?;
                    let skills = skill_bits(&s.skills)?;
                    let amount = load(&record, &s.amount)?;
                    let p = node(&record, &s.pickup, size, id, StopKind::Pickup, skills)?;
                    let d = node(&record, &s.delivery, size, id, StopKind::Delivery, skills)?;
                    let max_ride = s.max_ride.map_or(NO_LIMIT, |r| r.0);
                    if s.max_ride.is_some() {
                        let direct = self
                            .matrices
                            .iter()
                            .map(|m| m.duration(p.location, d.location))
                            .min()
                            .unwrap_or(0);
                        if max_ride < direct {
                            return Err(ProblemError::RideBelowDirect {
                                shipment: id as usize,
                                limit: max_ride,
                                direct,
                            });
                        }
                    }
                    nodes.push(Node {
                        pickup: amount,
                        ..p
                    });
                    nodes.push(Node {
                        pickup: amount.map(|a| -a),
                        ..d
                    });
                    let k = nodes.len() as u32;
                    tasks.push(Task {
                        nodes: vec![k - 2, k - 1],
                        max_ride,
                        penalty: s.unassigned_penalty,
                        prefer: None,
                    });
                }
                TaskInput::OnBoard(o) => {
                    check_penalty(&record, o.unassigned_penalty)?;
                    let Some(v) = vehicles.get_mut(o.vehicle) else {
                        return Err(ProblemError::BadAmount {
                            record,
                            reason: format!("on board vehicle {}, which does not exist", o.vehicle),
                        });
                    };
                    let amount = load(&record, &o.amount)?;
                    for d in 0..MAX_DIMS {
                        v.initial_load[d] = v.initial_load[d].saturating_add(amount[d]);
                        if v.initial_load[d] > v.capacity[d] {
                            return Err(ProblemError::BadAmount {
                                record,
                                reason: format!(
                                    "vehicle {} would carry more than its capacity",
                                    o.vehicle
                                ),
                            });
                        }
                    }
                    let mut n = node(&record, &o.delivery, size, id, StopKind::Dropoff, 0)?;
                    if let Some(deadline) = o.deadline {
                        // The ride limit becomes a deadline on the delivery's start.
                        n.windows.retain(|w| w.0 <= deadline.0);
                        if let Some(last) = n.windows.last_mut() {
                            last.1 = last.1.min(deadline.0);
                        }
                        // No window left means already too late: it stays unassigned.
                    }
                    nodes.push(Node {
                        pickup: amount.map(|a| -a),
                        vehicle: Some(o.vehicle as u32),
                        ..n
                    });
                    tasks.push(Task {
                        nodes: vec![nodes.len() as u32 - 1],
                        max_ride: NO_LIMIT,
                        penalty: o.unassigned_penalty,
                        prefer: None,
                    });
                }
            }
        }
        let (n_tasks, n_vehicles) = (tasks.len(), vehicles.len());
        let binding = |task: TaskId, vehicle: usize| {
            let record = format!("task {}", task.0);
            if task.0 as usize >= n_tasks {
                return Err(ProblemError::BadBinding {
                    record,
                    reason: "no such task".into(),
                });
            }
            if vehicle >= n_vehicles {
                return Err(ProblemError::BadBinding {
                    record,
                    reason: format!("vehicle {vehicle} does not exist"),
                });
            }
            Ok(())
        };
        for &(task, vehicle) in &self.pins {
            binding(task, vehicle)?;
            for &u in &tasks[task.0 as usize].nodes {
                let n: &mut Node = &mut nodes[u as usize];
                if n.vehicle.is_some_and(|v| v as usize != vehicle) {
                    return Err(ProblemError::BadBinding {
                        record: format!("task {}", task.0),
                        reason: format!("on board another vehicle, cannot be pinned to {vehicle}"),
                    });
                }
                n.vehicle = Some(vehicle as u32);
            }
        }
        for (vehicle, stops) in &self.kept_orders {
            let record = format!("stop order of vehicle {vehicle}");
            let bad = |reason: String| ProblemError::BadBinding {
                record: record.clone(),
                reason,
            };
            if self
                .kept_orders
                .iter()
                .filter(|(v, _)| v == vehicle)
                .count()
                > 1
            {
                return Err(bad("given twice".into()));
            }
            for (rank, &(task, kind)) in stops.iter().enumerate() {
                binding(task, *vehicle)?;
                let Some(&u) = tasks[task.0 as usize]
                    .nodes
                    .iter()
                    .find(|&&u| nodes[u as usize].kind == kind)
                else {
                    return Err(bad(format!("task {} has no {kind:?} stop", task.0)));
                };
                let n: &mut Node = &mut nodes[u as usize];
                if n.rank.is_some() {
                    return Err(bad(format!("task {}'s {kind:?} is listed twice", task.0)));
                }
                if n.vehicle.is_some_and(|v| v as usize != *vehicle) {
                    return Err(bad(format!("task {} is bound to another vehicle", task.0)));
                }
                n.rank = Some(rank as u32);
            }
            for &(task, _) in stops {
                for &u in &tasks[task.0 as usize].nodes {
                    nodes[u as usize].vehicle = Some(*vehicle as u32);
                }
            }
            let pickup_after_delivery = stops.iter().any(|&(task, _)| {
                let ranks: Vec<Option<u32>> = tasks[task.0 as usize]
                    .nodes
                    .iter()
                    .map(|&u| nodes[u as usize].rank)
                    .collect();
                matches!(ranks[..], [Some(p), Some(d)] if p > d)
            });
            if pickup_after_delivery {
                return Err(bad("a delivery is listed before its pickup".into()));
            }
        }
        for &(task, vehicle, cost) in &self.preferences {
            binding(task, vehicle)?;
            if cost < 0 {
                return Err(ProblemError::Negative {
                    record: format!("task {}", task.0),
                    reason: "switching cost must not be negative".into(),
                });
            }
            tasks[task.0 as usize].prefer = Some((vehicle as u32, cost));
        }
        let mut warm = Vec::with_capacity(self.warm.len());
        for (vehicle, stops) in &self.warm {
            for &task in stops {
                binding(task, *vehicle)?;
            }
            warm.push((*vehicle, stops.iter().map(|t| t.0).collect()));
        }
        for &(vehicle, at) in &self.last_pickups {
            let Some(v) = vehicles.get_mut(vehicle) else {
                return Err(ProblemError::BadBinding {
                    record: format!("last pickup of vehicle {vehicle}"),
                    reason: format!("vehicle {vehicle} does not exist"),
                });
            };
            v.last_pickup = v.last_pickup.min(at.0);
        }
        let has_soft_ends = nodes.iter().any(Node::has_soft_end);
        Ok(Problem {
            nodes,
            tasks,
            vehicles,
            matrices: self.matrices.clone(),
            has_soft_ends,
            warm,
        })
    }
}

enum TaskInput<'a> {
    Job(&'a Job),
    Shipment(&'a Shipment),
    OnBoard(&'a OnBoard),
}

fn check_penalty(record: &str, penalty: i64) -> Result<(), ProblemError> {
    if penalty < 0 {
        return Err(ProblemError::Negative {
            record: record.to_owned(),
            reason: "unassigned penalty must not be negative".into(),
        });
    }
    Ok(())
}

fn check_location(record: &str, location: usize, size: usize) -> Result<(), ProblemError> {
    if location >= size {
        return Err(ProblemError::UnknownLocation {
            record: record.to_owned(),
            location,
            size,
        });
    }
    Ok(())
}

fn load(record: &str, amount: &[i64]) -> Result<Load, ProblemError> {
    if amount.len() > MAX_DIMS {
        return Err(ProblemError::BadAmount {
            record: record.to_owned(),
            reason: format!("{} capacity dimensions; at most {MAX_DIMS}", amount.len()),
        });
    }
    if let Some(v) = amount.iter().find(|&&v| v < 0) {
        return Err(ProblemError::BadAmount {
            record: record.to_owned(),
            reason: format!("negative amount {v}"),
        });
    }
    if let Some(v) = amount.iter().find(|&&v| v > MAX_AMOUNT) {
        return Err(ProblemError::BadAmount {
            record: record.to_owned(),
            reason: format!("amount {v} is over {MAX_AMOUNT}"),
        });
    }
    let mut l = [0; MAX_DIMS];
    l[..amount.len()].copy_from_slice(amount);
    Ok(l)
}

fn node(
    record: &str,
    stop: &Stop,
    size: usize,
    task: u32,
    kind: StopKind,
    skills: u64,
) -> Result<Node, ProblemError> {
    check_location(record, stop.location, size)?;
    if stop.service.0 < 0 {
        return Err(ProblemError::Negative {
            record: record.to_owned(),
            reason: "service time must not be negative".into(),
        });
    }
    let mut windows: Vec<(i64, i64)> = stop.windows.iter().map(|w| (w.start.0, w.end.0)).collect();
    if windows.is_empty() {
        windows.push((i64::MIN / 4, NO_LIMIT));
    }
    let ordered = windows.iter().all(|w| w.0 <= w.1) && windows.windows(2).all(|p| p[0].1 < p[1].0);
    if !ordered {
        return Err(ProblemError::BadTimeWindow {
            record: record.to_owned(),
        });
    }
    let (soft_end, late_cost, late_once, once_at) = match stop.soft_end {
        None => (NO_LIMIT, 0, 0, NO_LIMIT),
        Some(s) => {
            for (what, max, cost) in [
                ("per second", MAX_LATE_COST, s.cost_per_second),
                ("once", MAX_LATE_ONCE, s.cost_once),
            ] {
                if !(0..=max).contains(&cost) {
                    return Err(ProblemError::BadLateCost {
                        record: record.to_owned(),
                        what,
                        max,
                        cost,
                    });
                }
            }
            (
                s.at.0,
                s.cost_per_second,
                s.cost_once,
                s.once_at.0.max(s.at.0),
            )
        }
    };
    Ok(Node {
        location: stop.location as u32,
        service: stop.service.0,
        windows,
        delivery: [0; MAX_DIMS],
        pickup: [0; MAX_DIMS],
        task,
        kind,
        skills,
        vehicle: None,
        rank: None,
        soft_end,
        late_cost,
        late_once,
        once_at,
    })
}

impl Problem {
    /// Number of tasks (jobs and shipments).
    pub fn task_count(&self) -> usize {
        self.tasks.len()
    }

    /// Number of vehicles.
    pub fn vehicle_count(&self) -> usize {
        self.vehicles.len()
    }

    #[inline]
    pub(crate) fn matrix(&self, vehicle: usize) -> &TravelMatrix {
        &self.matrices[self.vehicles[vehicle].profile]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_on_arrival_counts_only_when_coming_from_elsewhere() {
        let mut m = TravelMatrix::new(
            3,
            vec![Seconds(0), Seconds(10), Seconds(i64::MAX - 5)]
                .into_iter()
                .chain([Seconds(10), Seconds(0), Seconds(20)])
                .chain([Seconds(30), Seconds(20), Seconds(0)])
                .collect(),
            vec![Metres(0); 9],
        );
        m.add_on_arrival(2, Seconds(60));
        m.add_on_arrival(7, Seconds(60));
        let row = |from: usize| (0..3).map(|to| m.travel(from, to).0).collect::<Vec<_>>();
        assert_eq!(row(0), [0, 10, i64::MAX], "an unreachable place stays so");
        assert_eq!(row(1), [10, 0, 80]);
        assert_eq!(row(2), [30, 20, 0], "staying costs nothing");
    }
}
