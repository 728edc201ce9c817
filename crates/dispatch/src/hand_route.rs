//! A dispatcher's hand-made route judged as the planner would hold it: the snapshot is
//! framed into the planner's own routing problem (the route's orders given to its
//! courier, as an assignment would), and the stop sequence is judged by the solver's
//! checker against that problem. So a route called feasible here is one the planner
//! keeps when its orders are assigned, and every route the planner makes is called
//! feasible here, at the same times.

use freshroute_calendar::{Window, format_ms};
use freshroute_solver::{Breach, StopKind, TaskId, judge_route};

use crate::config::PlannerConfig;
use crate::frame::{Frame, Relaxed, frame, stop_times};
use crate::snapshot::{Snapshot, Status};
use crate::travel::{Tables, Travel};

/// A stop of a hand-made route: the order and which of its stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// At the store.
    Pickup,
    /// At the customer's door.
    Delivery,
}

impl Side {
    /// `pickup` or `delivery`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pickup => "pickup",
            Self::Delivery => "delivery",
        }
    }
}

/// A rule broken (or a warning), with a stable code and what it means here.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Violation {
    /// Stable code.
    #[schema(example = "ride_limit")]
    pub code: &'static str,
    /// In words.
    pub message: String,
}

fn violation(code: &'static str, message: impl Into<String>) -> Violation {
    Violation {
        code,
        message: message.into(),
    }
}

/// One judged stop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JudgedStop {
    /// Arrival, service start and departure, epoch ms (`None` for a stop the problem
    /// does not hold: the order cannot be planned at all).
    pub times: Option<(i64, i64, i64)>,
    /// The rules it breaks.
    pub violations: Vec<Violation>,
    /// What it does not break but a customer will notice: arriving after the promise.
    pub warnings: Vec<Violation>,
}

/// A judged hand-made route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandVerdict {
    /// Each stop, in the order given.
    pub stops: Vec<JudgedStop>,
    /// What the route as a whole breaks (the shift's end, the box when it leaves).
    pub violations: Vec<Violation>,
}

impl HandVerdict {
    /// Whether the route breaks no rule.
    pub fn feasible(&self) -> bool {
        self.violations.is_empty() && self.stops.iter().all(|s| s.violations.is_empty())
    }
}

/// The snapshot as it would be with `orders` assigned to `courier`: what the planner
/// sees once a dispatcher assigns a route's orders (goods on board stay where they are).
pub fn assigned_to(snap: &Snapshot, courier: &str, orders: &[&str]) -> Snapshot {
    let mut snap = snap.clone();
    for o in &mut snap.orders {
        if orders.contains(&o.id.as_str()) && matches!(o.status, Status::Placed | Status::Assigned)
        {
            o.status = Status::Assigned;
            o.courier_id = Some(courier.to_string());
        }
    }
    snap
}

/// Judges `stops` as `courier`'s route, on the planner's first framing of the snapshot
/// with the route's orders assigned to it.
pub fn judge(
    snap: &Snapshot,
    travel: &dyn Travel,
    config: &PlannerConfig,
    courier: &str,
    stops: &[(&str, Side)],
) -> HandVerdict {
    let ids: Vec<&str> = stops.iter().map(|(o, _)| *o).collect();
    let mut given = assigned_to(snap, courier, &ids);
    // The route given is the order now asked for, in place of any set before.
    given.kept_orders.remove(courier);
    // Off duty, it takes nothing new: each pickup says so, and the route is timed as if
    // it were put on duty now.
    let off_duty = given
        .couriers
        .iter()
        .find(|c| c.id == courier)
        .is_some_and(|c| !c.retired && c.shift.is_none());
    let picks = stops.iter().any(|(_, s)| *s == Side::Pickup);
    if off_duty && picks {
        for c in given.couriers.iter_mut().filter(|c| c.id == courier) {
            c.shift = Some(Window {
                start_ms: snap.now_ms,
                end_ms: snap.now_ms + 4 * 3_600_000,
            });
        }
    }
    let framed = frame(
        &given,
        travel,
        config,
        &Relaxed::default(),
        &mut Tables::default(),
    );
    let mut verdict = judge_framed(&framed, courier, stops);
    // The stop the courier is on its way to, where the problem starts: its times are
    // those the live route holds.
    if let (Some(first), Some((heading, _))) =
        (verdict.stops.first_mut(), given.heading.get(courier))
        && first.times.is_none()
        && first.violations.is_empty()
        && stops
            .first()
            .is_some_and(|(o, side)| *o == heading.order_id && side.as_str() == heading.kind)
    {
        first.times = Some((heading.arrival_ms, heading.start_ms, heading.departure_ms));
    }
    if off_duty {
        for (s, (_, side)) in verdict.stops.iter_mut().zip(stops) {
            if *side == Side::Pickup {
                s.violations.insert(0, violation("off_duty", "the courier is off duty: it delivers what it carries and takes nothing new; put it on duty first"));
            }
        }
    }
    verdict
}

/// Judges the route against a framed snapshot.
fn judge_framed(framed: &Frame<'_>, courier: &str, stops: &[(&str, Side)]) -> HandVerdict {
    let mut verdict = HandVerdict {
        stops: vec![
            JudgedStop {
                times: None,
                violations: Vec::new(),
                warnings: Vec::new(),
            };
            stops.len()
        ],
        violations: Vec::new(),
    };
    let vehicle = framed.vehicles.iter().position(|c| c.id == courier);
    let (Some(v), Some(problem)) = (vehicle, framed.problem.as_ref()) else {
        let why = left_out(framed, courier);
        verdict.violations.push(why);
        return verdict;
    };
    // The stops the problem holds, with their index in the hand route.
    let mut route: Vec<(TaskId, StopKind)> = Vec::new();
    let mut at: Vec<usize> = Vec::new();
    for (k, &(order, side)) in stops.iter().enumerate() {
        match task_stop(framed, v, k, order, side) {
            Ok(Some(stop)) => {
                route.push(stop);
                at.push(k);
            }
            Ok(None) => {}
            Err(why) => verdict.stops[k].violations.push(why),
        }
    }
    let Some(judged) = judge_route(problem, v, &route) else {
        return verdict;
    };
    let ms = |s: i64| framed.now + s * 1000;
    for (s, &k) in judged.stops.iter().zip(&at) {
        let order = framed.task_orders[s.task.0 as usize];
        let out = &mut verdict.stops[k];
        let t = stop_times(
            framed.now,
            framed.at_store_on_arrival_s,
            s.kind,
            [s.arrival, s.start, s.departure],
        );
        out.times = Some((t.arrival_ms, t.start_ms, t.departure_ms));
        out.violations.extend(
            s.breaches
                .iter()
                .map(|b| stop_violation(*b, order.promised_ms, framed.now)),
        );
        let delivers = matches!(s.kind, StopKind::Delivery | StopKind::Dropoff);
        if delivers && out.violations.is_empty() && ms(s.start) > order.promised_ms {
            out.warnings.push(violation(
                "late",
                format!(
                    "{} min after the promise, within the lateness the planner allows",
                    (ms(s.start) - order.promised_ms + 59_999) / 60_000
                ),
            ));
        }
    }
    verdict.violations.extend(
        judged
            .breaches
            .iter()
            .map(|b| route_violation(*b, framed.now)),
    );
    verdict
}

/// Why the planner leaves the courier out of the problem.
fn left_out(framed: &Frame<'_>, courier: &str) -> Violation {
    match framed.out.idle.iter().find(|(c, _)| c == courier) {
        Some((_, "position_stale")) => violation(
            "position_stale",
            "its phone has gone quiet: the planner plans no courier whose latest fix is stale",
        ),
        Some((_, "no_position")) => violation(
            "no_position",
            "it has sent no fix yet: nothing to time the route from",
        ),
        Some((_, why)) => violation(why, "the planner cannot plan this courier"),
        None => violation(
            "off_duty",
            "the courier is off duty or retired: the planner plans no route for it",
        ),
    }
}

/// The problem's stop for a hand stop; `None` for the stop the courier is already on
/// its way to (where the problem starts); the rule in the way otherwise.
fn task_stop(
    framed: &Frame<'_>,
    vehicle: usize,
    k: usize,
    order: &str,
    side: Side,
) -> Result<Option<(TaskId, StopKind)>, Violation> {
    if let Some(&(v, kind, _)) = framed.heading_orders.get(order)
        && v == vehicle
        && kind == side.as_str()
    {
        return if k == 0 {
            Ok(None)
        } else {
            Err(violation(
                "committed_first",
                "the courier is on its way to this stop: it comes first",
            ))
        };
    }
    let Some(task) = framed.task_orders.iter().position(|o| o.id == order) else {
        let why = framed
            .out
            .unassigned
            .iter()
            .find(|(o, _)| o == order)
            .map_or("order_closed", |(_, why)| *why);
        return Err(violation(why, "the planner cannot plan this order"));
    };
    let o = framed.task_orders[task];
    let on_board = o.status == Status::PickedUp || framed.heading_orders.contains_key(order);
    let kind = match (on_board, side) {
        (true, Side::Pickup) => {
            return Err(violation(
                "already_picked_up",
                "the order is already on board: give only its delivery",
            ));
        }
        (true, Side::Delivery) => StopKind::Dropoff,
        (false, Side::Pickup) => StopKind::Pickup,
        (false, Side::Delivery) => StopKind::Delivery,
    };
    Ok(Some((TaskId(task as u32), kind)))
}

/// A stop's breach in the dispatcher's words.
fn stop_violation(b: Breach, promised_ms: i64, now: i64) -> Violation {
    let min = |s: i64| (s + 59) / 60;
    match b {
        Breach::BoundElsewhere { .. } => {
            violation("on_board_elsewhere", "another courier carries this order")
        }
        Breach::MissingSkill => violation(
            "missing_skill",
            "the items need a skill the courier does not have",
        ),
        Breach::Capacity { load, capacity, .. } => violation(
            "capacity",
            format!("{load} box units on board; the box holds {capacity}"),
        ),
        Breach::Window { earliest, .. } if earliest >= UNREACHABLE_S => violation(
            "unreachable",
            "the courier's profile cannot reach this stop by road",
        ),
        Breach::Window { earliest, closes } => violation(
            "too_late",
            format!(
                "{} min after the promise{}",
                min((now + earliest * 1000 - promised_ms) / 1000),
                closes.map_or(String::new(), |c| format!(
                    "; the plan allows until {}, and lists the order as late",
                    format_ms(now + c * 1000)
                ))
            ),
        ),
        Breach::Ride { ride, limit } => violation(
            "ride_limit",
            format!(
                "{} min from the store; the plan allows its coldest item {} min",
                min(ride),
                limit / 60
            ),
        ),
        Breach::NotPickedUp => violation(
            "not_picked_up",
            "delivered before it is picked up on this route",
        ),
        Breach::OutOfOrder => violation(
            "out_of_order",
            "served before a stop a dispatcher ordered ahead of it",
        ),
        other => route_violation(other, now),
    }
}

/// Travel tables mark a place no road reaches with times past this, seconds.
const UNREACHABLE_S: i64 = 100_000_000;

/// A route's breach in the dispatcher's words.
fn route_violation(b: Breach, now: i64) -> Violation {
    match b {
        Breach::AfterShift { shift_end, .. } => violation(
            "after_shift",
            format!(
                "the route ends after the shift, at {}",
                format_ms(now + shift_end * 1000)
            ),
        ),
        Breach::Capacity { load, capacity, .. } => violation(
            "capacity",
            format!("{load} box units on board when it sets off; the box holds {capacity}"),
        ),
        Breach::TooLong { duration, max } => violation(
            "route_too_long",
            format!(
                "the route lasts {} min, more than {} min",
                duration / 60,
                max / 60
            ),
        ),
        Breach::NoSchedule => violation(
            "no_schedule",
            "no schedule keeps every ride limit of this order of stops",
        ),
        other => violation("invalid_stop", other.to_string()),
    }
}
