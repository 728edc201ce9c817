//! Transfers between stores at a chain's scale: a generated region of 50 stores × 200
//! articles, one store × article in ten out of step with demand (short, or holding
//! stock that will expire unsold), the region's transfer model timed from a stock event
//! (every store's lots and forecasts projected, trips chosen, units set), and each
//! run's transfers driven in shared van trips by the routing solver, against one direct
//! trip per donor → receiver pair.

use std::time::Instant;

use freshroute_dispatch::transfer_trips::{TripLoad, TripOptions, Van, matrix_of, plan_trips};
use freshroute_procurement::transfers::{TripRates, problem as region};
use freshroute_solver::procurement::Lot;
use freshroute_solver::transfers::{
    Article, Position, Store, TransferPlan, TransferProblem, propose,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::BenchTable;
use crate::simulate::percentile;

/// Proposal time from the stock event, p95.
pub const TARGET_PROPOSAL_S: f64 = 1.0;
/// Trips at most this share of the direct trips (a third fewer).
pub const TARGET_TRIP_SHARE: f64 = 2.0 / 3.0;
/// Kilometres at most this share of the direct trips' (20 % fewer).
pub const TARGET_KM_SHARE: f64 = 0.80;

/// What to run.
#[derive(Debug, Clone, Copy)]
pub struct TransferOptions {
    /// Stores of the region.
    pub stores: usize,
    /// Articles per store.
    pub articles: usize,
    /// Runs (each a new stock state).
    pub runs: usize,
    /// Vans at the depot.
    pub vans: usize,
}

/// The region's places: stores spread over 12 × 8 km, a depot among them.
fn places(stores: usize, rng: &mut StdRng) -> Vec<(f64, f64)> {
    (0..stores)
        .map(|_| {
            (
                rng.random_range(0.0..12_000.0),
                rng.random_range(0.0..8_000.0),
            )
        })
        .collect()
}

/// Driving between places: straight × 1.3 at 25 km/h, (seconds, metres).
fn travel(at: &[(f64, f64)]) -> Vec<Vec<(i64, i64)>> {
    at.iter()
        .map(|a| {
            at.iter()
                .map(|b| {
                    let m = ((a.0 - b.0).hypot(a.1 - b.1) * 1.3).round() as i64;
                    (m * 36 / 250, m)
                })
                .collect()
        })
        .collect()
}

/// Articles of the three zones with shelf lives from 2 days to months.
fn articles(n: usize, rates: &TripRates) -> Vec<Article> {
    (0..n)
        .map(|k| {
            let zone = k % 3;
            let unit_cents = 100 + (k as i64 * 37) % 900;
            Article {
                id: format!("A{k:03}"),
                zone,
                unit_ml: [500, 1_000, 400][zone],
                unit_cents,
                lost_sale_cents: unit_cents * 3,
                max_ride_s: rates.max_ride_s[zone],
            }
        })
        .collect()
}

/// Each store × article sells 0 to 12 a day. Most hold three to four days of it in lots
/// that keep at least three; one in twenty is short (up to half a day's stock), one in
/// twenty holds four to six days of it ending within two days; the safety stock is a
/// third of a day.
fn positions(stores: usize, arts: &[Article], rng: &mut StdRng) -> Vec<Position> {
    let mut out = Vec::with_capacity(stores * arts.len());
    for s in 0..stores {
        for (k, _) in arts.iter().enumerate() {
            let (rate, lots) = drawn_stock(rng);
            out.push(Position {
                store: s,
                article: k,
                lots,
                demand: vec![rate, rate * rng.random_range(0.8..1.2)],
                // The 90th percentile of a Poisson count less its mean.
                upside: vec![1.28 * rate.sqrt(); 2],
                keep: (rate / 3.0).round(),
            });
        }
    }
    out
}

/// One store × article: its daily sales rate and its lots, drawn as [`positions`] says.
pub(crate) fn drawn_stock(rng: &mut StdRng) -> (f64, Vec<Lot>) {
    let rate: f64 = rng.random_range(0.0..12.0);
    let state: f64 = rng.random_range(0.0..1.0);
    let (days_of_stock, life) = if state < 0.05 {
        (rng.random_range(0.0..0.5), 3..=6)
    } else if state < 0.10 {
        (rng.random_range(4.0..6.0), 1..=2)
    } else {
        (rng.random_range(3.0..4.0), 3..=6)
    };
    let mut left = (rate * days_of_stock).round();
    let mut lots = Vec::new();
    while left >= 1.0 {
        let units = (left * rng.random_range(0.3..1.0)).ceil().min(left);
        lots.push(Lot {
            units,
            days_left: rng.random_range(life.clone()),
        });
        left -= units;
    }
    (rate, lots)
}

/// The region's problem as a stock event finds it.
fn problem(
    o: &TransferOptions,
    rates: &TripRates,
    table: &[Vec<(i64, i64)>],
    rng: &mut StdRng,
) -> TransferProblem {
    let arts = articles(o.articles, rates);
    let stores = (0..o.stores)
        .map(|s| Store {
            id: format!("S{s:02}"),
            room_ml: vec![150_000, 400_000, 1_000_000],
        })
        .collect();
    let positions = positions(o.stores, &arts, rng);
    region(stores, arts, positions, table, rates)
}

/// The transfers' loads: one per donor → receiver pair and zone.
fn loads(p: &TransferProblem, plan: &TransferPlan) -> Vec<TripLoad> {
    let mut out: Vec<TripLoad> = Vec::new();
    for t in &plan.transfers {
        let a = &p.articles[t.article];
        let ml = a.unit_ml * t.units;
        match out
            .iter_mut()
            .find(|l| l.from == t.from && l.to == t.to && l.ml[a.zone] > 0)
        {
            Some(l) => l.ml[a.zone] += ml,
            None => {
                let mut load = TripLoad {
                    from: t.from,
                    to: t.to,
                    ml: [0; 3],
                    max_ride_s: Some(a.max_ride_s),
                };
                load.ml[a.zone] = ml;
                out.push(load);
            }
        }
    }
    out
}

/// Runs the benchmark.
pub fn run(o: &TransferOptions) -> BenchTable {
    let rates = TripRates::default();
    let mut rng = StdRng::seed_from_u64(7);
    let at = places(o.stores, &mut rng);
    let table = travel(&at);
    let m = matrix_of(&table);
    let vans: Vec<Van> = (0..o.vans)
        .map(|_| Van {
            depot: 0,
            capacity_ml: [200_000, 500_000, 1_500_000],
            shift: (7 * 3600, 19 * 3600),
        })
        .collect();
    let mut secs = Vec::new();
    let (mut transfers, mut units, mut needs) = (0usize, 0i64, 0usize);
    let (mut trips, mut direct, mut km, mut direct_km) = (0usize, 0usize, 0.0f64, 0.0f64);
    let (mut violations, mut unassigned, mut timed_out) = (0usize, 0usize, 0usize);
    for run in 0..o.runs {
        let p = problem(o, &rates, &table, &mut rng);
        let started = Instant::now();
        let plan = match propose(&p) {
            Ok(plan) => plan,
            Err(e) => {
                eprintln!("  run {run}: {} ({})", e, e.code());
                continue;
            }
        };
        secs.push(started.elapsed().as_secs_f64());
        if plan.status == freshroute_solver::transfers::SolveStatus::TimeLimit {
            timed_out += 1;
        }
        transfers += plan.transfers.len();
        units += plan.transfers.iter().map(|t| t.units).sum::<i64>();
        needs += plan.needs;
        let l = loads(&p, &plan);
        let options = TripOptions {
            limits: freshroute_solver::Limits {
                time: Some(std::time::Duration::from_secs(2)),
                ..TripOptions::default().limits
            },
            ..TripOptions::default()
        };
        match plan_trips(&l, &vans, &m, &options) {
            Ok(t) => {
                trips += t.trips.len();
                direct += t.direct_trips;
                km += t.metres() as f64 / 1000.0;
                direct_km += t.direct_metres as f64 / 1000.0;
                violations += t.violations;
                unassigned += t.unassigned.len();
            }
            Err(e) => eprintln!("  run {run}: trips not planned: {e} ({})", e.code()),
        }
        eprintln!(
            "  run {} of {}: {:.2} s, {} transfers",
            run + 1,
            o.runs,
            secs.last().copied().unwrap_or(0.0),
            plan.transfers.len()
        );
    }
    let mut t = BenchTable {
        title: format!(
            "freshroute bench transfers — a region of {} stores × {} articles, {} stock states, {} vans",
            o.stores, o.articles, o.runs, o.vans
        ),
        judge: true,
        rows: Vec::new(),
    };
    let p95 = percentile(&secs, 0.95);
    t.check(
        "proposal from the stock event, p95 (median)",
        format!("{:.3} s ({:.3} s)", p95, percentile(&secs, 0.5)),
        format!("≤ {TARGET_PROPOSAL_S} s"),
        p95 <= TARGET_PROPOSAL_S && secs.len() == o.runs,
    );
    t.info(
        "needs considered / transfers / units, per run",
        format!(
            "{:.0} / {:.1} / {:.0}",
            needs as f64 / o.runs as f64,
            transfers as f64 / o.runs as f64,
            units as f64 / o.runs as f64
        ),
    );
    t.info("models stopped at the time limit", timed_out.to_string());
    let share = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
    t.check(
        "trips / direct trips",
        format!(
            "{trips} / {direct} ({:.0} % fewer)",
            100.0 * (1.0 - share(trips as f64, direct as f64))
        ),
        "≥ 33 % fewer".to_string(),
        share(trips as f64, direct as f64) <= TARGET_TRIP_SHARE,
    );
    t.check(
        "km / direct km",
        format!(
            "{km:.0} / {direct_km:.0} ({:.0} % fewer)",
            100.0 * (1.0 - share(km, direct_km))
        ),
        "≥ 20 % fewer".to_string(),
        share(km, direct_km) <= TARGET_KM_SHARE,
    );
    t.check(
        "cold-chain, capacity and shift breaches (independent checker)",
        violations.to_string(),
        "0".to_string(),
        violations == 0,
    );
    t.check(
        "loads no van could take (the comparison is of every load)",
        unassigned.to_string(),
        "0".to_string(),
        unassigned == 0,
    );
    t
}
