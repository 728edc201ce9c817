//! The dispatcher: a snapshot framed, solved within its time budget and read back as
//! the plan. Orders that can no longer keep their deadline are planned again as late,
//! so that every order still has a courier and an honest ETA.

use freshroute_roads::RoadNetwork;
use freshroute_solver::{Limits, Quiet, solve};

use crate::config::PlannerConfig;
use crate::frame::{Relaxed, frame};
use crate::plan::Plan;
use crate::read_back::read_back;
use crate::snapshot::{Snapshot, Status};

/// Builds, solves and reads back one plan (`solve_ms` counts travel tables, solver
/// and route geometry).
///
/// A late order is still delivered. One that can no longer arrive by its promise plus
/// the allowed lateness (or by the ETA its customer was told) is planned again with an
/// hour more, its ride limit kept; the customer hears of the delay. One that cannot even
/// so is planned by the end of the day, and goods on board that cannot keep their ride
/// limit any more straight to their door. Goods on board are never left out: any the
/// plan still cannot place (two doors in opposite directions, each wanting to be first)
/// are planned last with no deadline but the day's end, so that they have a place in
/// their courier's route and lateness alone orders it.
pub fn plan(snap: &Snapshot, roads: &RoadNetwork, config: &PlannerConfig) -> Plan {
    let mut relaxed = Relaxed::default();
    let mut plan = plan_with(snap, roads, config, &relaxed);
    // An eighth of the budget each time: the first plan already did most of the work.
    let again = PlannerConfig {
        time_limit: config.time_limit / 8,
        ..*config
    };
    for step in 0..3 {
        let stuck = stuck(snap, &plan, step < 2);
        if stuck.is_empty() {
            break;
        }
        match step {
            0 => relaxed.late = stuck,
            1 => relaxed.hopeless = stuck,
            _ => relaxed.adrift = stuck,
        }
        let spent = plan.solve_ms;
        plan = plan_with(snap, roads, &again, &relaxed);
        plan.solve_ms += spent;
    }
    plan.late = relaxed.late;
    plan
}

/// The orders a plan leaves out for want of time (when `timing`), and the goods on
/// board it leaves out for want of time or room.
fn stuck(snap: &Snapshot, plan: &Plan, timing: bool) -> Vec<String> {
    let on_board = |id: &str| {
        snap.orders
            .iter()
            .any(|o| o.id == id && o.status == Status::PickedUp)
            || snap
                .heading
                .values()
                .any(|(s, _)| s.order_id == id && s.kind == "pickup")
    };
    plan.unassigned
        .iter()
        .map(|(o, why)| (o, *why))
        .chain(plan.broken_pins.iter().map(|(o, _, why)| (o, *why)))
        .filter(|(id, why)| {
            let for_time = matches!(
                *why,
                "time_window_unreachable" | "ride_limit_unreachable" | "shift_too_short"
            );
            // Crowded out by other goods on board: a looser deadline makes room. (Goods
            // whose courier is offline or unknown stay reported: no deadline helps them.)
            let crowded = *why == "no_room_left";
            (timing && for_time) || ((for_time || crowded) && on_board(id))
        })
        .map(|(id, _)| id.clone())
        .collect()
}

/// One plan with the deadlines of `relaxed` loosened.
fn plan_with(
    snap: &Snapshot,
    roads: &RoadNetwork,
    config: &PlannerConfig,
    relaxed: &Relaxed,
) -> Plan {
    let framed = frame(snap, roads, config, relaxed);
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
