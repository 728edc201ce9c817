//! The dispatcher: a snapshot framed, solved within its time budget and read back as
//! the plan. Orders that can no longer keep their deadline are planned again as late,
//! so that every order still has a courier and an honest ETA.

use freshroute_roads::RoadNetwork;
use freshroute_solver::{Limits, Quiet, solve};

use crate::config::PlannerConfig;
use crate::frame::frame;
use crate::plan::Plan;
use crate::read_back::read_back;
use crate::snapshot::Snapshot;

/// Builds, solves and reads back one plan (`solve_ms` counts travel tables, solver
/// and route geometry).
pub fn plan(snap: &Snapshot, roads: &RoadNetwork, config: &PlannerConfig) -> Plan {
    let first = plan_with(snap, roads, config, &[], &[]);
    // A late order is still delivered. One that can no longer arrive by its promise plus
    // the allowed lateness (or by the ETA its customer was told) is planned again with an
    // hour more, its ride limit kept; the customer hears of the delay. One that cannot
    // even so is planned by the end of the day, and goods on board that cannot keep their
    // ride limit any more straight to their door.
    let timing = |p: &Plan| -> Vec<String> {
        p.unassigned
            .iter()
            .map(|(o, why)| (o, *why))
            .chain(p.broken_pins.iter().map(|(o, _, why)| (o, *why)))
            .filter(|(_, why)| {
                matches!(
                    *why,
                    "time_window_unreachable" | "ride_limit_unreachable" | "shift_too_short"
                )
            })
            .map(|(id, _)| id.clone())
            .collect()
    };
    let late = timing(&first);
    if late.is_empty() {
        return first;
    }
    // A fifth of the budget each time: the first plan already did most of the work.
    let again = PlannerConfig {
        time_limit: config.time_limit / 5,
        ..*config
    };
    let mut second = plan_with(snap, roads, &again, &late, &[]);
    second.solve_ms += first.solve_ms;
    let hopeless = timing(&second);
    if hopeless.is_empty() {
        second.late = late;
        return second;
    }
    let mut third = plan_with(snap, roads, &again, &late, &hopeless);
    third.solve_ms += second.solve_ms;
    third.late = late;
    third
}

/// One plan; the orders listed in `late` get an hour more and lose the hold of their
/// told ETA; those in `hopeless` are planned by the end of the day, goods on board to
/// arrive within five minutes of the straight drive to their door (twice their ride
/// limit where no road leads there).
fn plan_with(
    snap: &Snapshot,
    roads: &RoadNetwork,
    config: &PlannerConfig,
    late: &[String],
    hopeless: &[String],
) -> Plan {
    let framed = frame(snap, roads, config, late, hopeless);
    let Some(problem) = &framed.problem else {
        return framed.out;
    };
    let limits = Limits {
        time: Some(config.time_limit),
        iterations: None,
        seed: 1,
    };
    let solution = solve(problem, &limits, &mut Quiet);
    read_back(snap, roads, framed, &solution)
}
