//! The dispatcher: a snapshot framed, solved within its time budget and read back as
//! the plan. Orders that can no longer keep their deadline are planned again as late,
//! so that every order still has a courier and an honest ETA.

use std::time::Instant;

use freshroute_solver::{Limits, Quiet, solve};

use crate::config::PlannerConfig;
use crate::frame::{Relaxed, frame};
use crate::plan::Plan;
use crate::read_back::{draw_roads, read_back};
use crate::snapshot::{Previous, Snapshot, Status};
use crate::travel::{Tables, Travel};

/// Builds, solves and reads back one plan (`solve_ms` counts travel tables, solver
/// and route geometry). The solver's time scales with the orders to plan, within what
/// framing leaves of [`PlannerConfig::aim`] ([`PlannerConfig::solver_time`]).
///
/// A late order is still delivered. One that can no longer arrive by its promise plus
/// the allowed lateness (or by the ETA its customer was told) is planned again with an
/// hour more, its ride limit kept (goods on board held to the ETA told, or past it to
/// the straight drive to their door); the customer hears of the delay. One that cannot
/// arrive even so is planned by the end of the day; goods on board that cannot keep their planned
/// ride are planned within their whole limit (with all their courier carries), and those
/// past it straight to their door. Goods on board are never left out: any the plan still
/// cannot place (two doors in opposite directions, each wanting to be first) are planned
/// last with no deadline but the day's end, so that they have a place in their courier's
/// route and lateness alone orders it.
pub fn plan(snap: &Snapshot, travel: &dyn Travel, config: &PlannerConfig) -> Plan {
    let mut relaxed = Relaxed::default();
    let mut tables = Tables::default();
    let started = Instant::now();
    let basis = snap.basis(config.stale_fix_s);
    // With no news since the plan in force, it stands: re-timed, and an order moves to
    // another courier only to make room for one left out.
    let config = &if snap.previous.basis == Some(basis) {
        PlannerConfig {
            switch_cost_s: NO_NEWS_SWITCH_COST_S,
            ..*config
        }
    } else {
        *config
    };
    let mut plan = plan_with(snap, travel, config, &relaxed, &mut tables, (started, 1));
    for step in 0..3 {
        let stuck = stuck(snap, &plan, step < 2);
        if stuck.is_empty() {
            break;
        }
        match step {
            0 => relaxed.late = stuck,
            1 => relaxed.hopeless = with_shipmates(snap, stuck),
            _ => relaxed.adrift = stuck,
        }
        // From the routes just found: only what they left out is new.
        relaxed.routes = Some(Previous::of_plan(&plan));
        // An eighth of the first plan's search each time: it already did most of the work.
        plan = plan_with(snap, travel, config, &relaxed, &mut tables, (started, 8));
    }
    plan.late = relaxed.late;
    draw_roads(&mut plan, snap, travel);
    plan.basis = basis;
    plan.solve_ms = started.elapsed().as_millis();
    plan
}

/// What moving an order to another courier costs when nothing has changed since the
/// plan in force, seconds of a courier's time: more than any re-ordering could gain, less
/// than leaving an order out.
const NO_NEWS_SWITCH_COST_S: i64 = 100_000;

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

/// `stuck` with everything else the courier of each stuck order on board carries: when
/// goods on board cannot all keep their planned rides, all of them are given their whole
/// ride limits together, so that the plan orders the doors by every limit rather than
/// keeping some goods' margins at the cost of others' limits (ice cream behind warm
/// meals).
fn with_shipmates(snap: &Snapshot, mut stuck: Vec<String>) -> Vec<String> {
    let couriers: Vec<&str> = snap
        .orders
        .iter()
        .filter(|o| o.status == Status::PickedUp && stuck.contains(&o.id))
        .filter_map(|o| o.courier_id.as_deref())
        .collect();
    for o in &snap.orders {
        let aboard = couriers.iter().any(|c| o.carried_by(c));
        if aboard && !stuck.contains(&o.id) {
            stuck.push(o.id.clone());
        }
    }
    stuck
}

/// One plan with the deadlines of `relaxed` loosened, its search given `1 / share` of
/// what the problem's size calls for, within three quarters of what is left of the aim
/// since `started` (the rest draws the roads), or of the iterations set.
fn plan_with(
    snap: &Snapshot,
    travel: &dyn Travel,
    config: &PlannerConfig,
    relaxed: &Relaxed,
    tables: &mut Tables,
    (started, share): (Instant, u32),
) -> Plan {
    let framed = frame(snap, travel, config, relaxed, tables);
    let Some(problem) = &framed.problem else {
        return framed.out;
    };
    let limits = match config.solver_iterations {
        Some(n) => Limits {
            time: None,
            iterations: Some((n / u64::from(share)).max(1)),
            seed: config.solver_seed,
        },
        None => {
            let left = config.aim.saturating_sub(started.elapsed()) * 3 / 4;
            Limits {
                time: Some(config.solver_time(problem.task_count()).min(left) / share),
                iterations: None,
                seed: config.solver_seed,
            }
        }
    };
    let solution = solve(problem, &limits, &mut Quiet);
    read_back(snap, framed, &solution)
}
