//! The chain run day by day on held-back demand, five ways at once: purchase orders
//! from the forecasts and the model, the min/max reorder rule, par levels, the model
//! with transfers between stores, and the model with transfers that know the day's and
//! the next day's sales (the bound of what transfers can save).
//!
//! Each morning deliveries due arrive; with transfers, the region's model moves units
//! between stores (they arrive before the day's sales, and the orders see them); each
//! policy decides today's orders (the model from forecasts fitted only on the days
//! before); the day's demand (the history's sales, which the forecasts never saw) is
//! sold oldest lot first, what cannot be sold is lost; at night, lots past their last
//! day are thrown away. Every
//! policy starts from the same stock (three days of recent demand, fresh) and meets the
//! same demand, in whole units (what the till sells in servings leaves the shelf a unit
//! at a time).
//!
//! Dessert stores make articles of their own (the catalog's recipes) each morning by one
//! rule in every policy ([`crate::bake`]): the batches take their ingredients from the
//! policy's stock, whose demand includes what the rule uses, and their units are sold
//! and thrown away as the rest.
//!
//! Given a stock ledger ([`StockBook`]), every policy's stock is kept there too, through
//! the ledger's own operations (production batches included); its answers are the
//! figures, and each must match the shelves' own (see [`crate::book`]).

use chrono::{Datelike, Duration};
use freshroute_forecast::{Method, Panel, Profiles, Series, choose_method, daily_covariates};
use freshroute_sample::SampleChain;
use freshroute_sample::history::History;
use freshroute_solver::procurement::{SolveStatus, plan_stores};

use crate::bake::{Making, expected_sales, ingredient_use};
use crate::book::Stock;
pub use crate::book::StockBook;
use crate::policies::{Policy, Supply, cases_to_order};
use crate::round::{Outlook, RoundOptions, method_choice, outlook, store_problem};
use crate::shelf::Incoming;
use crate::transfers::{TripRates, region_problem};

/// The policies, in the order of [`SimResult::policies`].
pub const POLICIES: [&str; 5] = [
    "model",
    "min/max",
    "par",
    "model + transfers",
    "transfers, knowing sales",
];

/// Policies planned by the store model: the model alone and both with transfers.
const MODEL_POLICIES: [usize; 3] = [0, 3, 4];

/// How the simulation runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimOptions {
    /// Days simulated: the last days of the history but the horizon (whose forecasts
    /// need covariates beyond it).
    pub days: usize,
    /// The planning round's options.
    pub round: RoundOptions,
    /// Stores planned at once.
    pub threads: usize,
    /// Transfers' costs and limits.
    pub transfers: TripRates,
    /// Whether transfers run at midday too, after the morning's sales.
    pub midday: bool,
}

/// One policy's figures over the simulated days.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolicyFigures {
    /// The policy's name.
    pub name: &'static str,
    /// Units asked for.
    pub demand_units: f64,
    /// Units sold.
    pub sold_units: f64,
    /// Store × article × days with demand left unmet.
    pub stockout_days: usize,
    /// Store × article × days with demand.
    pub demand_days: usize,
    /// Units thrown away.
    pub waste_units: f64,
    /// What they had cost, cents.
    pub waste_cents: f64,
    /// Goods bought, cents.
    pub purchase_cents: f64,
    /// Delivery fees, cents.
    pub fee_cents: f64,
    /// Deliveries (store × supplier × day).
    pub deliveries: usize,
    /// Σ over days of the stock's value at night, cents.
    pub stock_cents_days: f64,
    /// What was sold had cost, cents.
    pub cogs_cents: f64,
    /// Deliveries under the supplier's minimum order value.
    pub under_minimum: usize,
    /// Transfers (donor × receiver × article × day).
    pub transfers: usize,
    /// Units transferred.
    pub transferred_units: f64,
    /// Donor → receiver trips, one per pair and day.
    pub transfer_trips: usize,
    /// Kilometres of those trips driven directly.
    pub transfer_km: f64,
    /// What the trips cost (stops and kilometres), cents.
    pub transfer_cents: f64,
    /// Slowest transfer model, seconds.
    pub slowest_transfer_s: f64,
    /// Waste value per article, cents: the catalog's articles, then its recipes'.
    pub waste_cents_by_article: Vec<f64>,
    /// Production batches made.
    pub batches: usize,
    /// Batches the bake rule wanted that the ingredients on hand did not allow.
    pub batches_short: usize,
    /// Units of made articles asked for, sold and thrown away.
    pub made: MadeFigures,
}

/// The made articles' own figures.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MadeFigures {
    /// Units asked for.
    pub demand_units: f64,
    /// Units sold.
    pub sold_units: f64,
    /// Units thrown away.
    pub waste_units: f64,
    /// What the units thrown away had cost in ingredients, cents.
    pub waste_cents: f64,
}

impl PolicyFigures {
    /// Units sold over units asked for.
    pub fn fill_rate(&self) -> f64 {
        if self.demand_units > 0.0 {
            self.sold_units / self.demand_units
        } else {
            1.0
        }
    }

    /// Days the average stock lasts at the average daily cost of what is sold.
    pub fn turnover_days(&self) -> f64 {
        if self.cogs_cents > 0.0 {
            self.stock_cents_days / self.cogs_cents
        } else {
            0.0
        }
    }
}

/// The simulation's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct SimResult {
    /// Each policy's figures, in the order of [`POLICIES`].
    pub policies: Vec<PolicyFigures>,
    /// The articles' ids: the catalog's, then its recipes'.
    pub articles: Vec<String>,
    /// First and last simulated day.
    pub first_day: chrono::NaiveDate,
    /// Last simulated day.
    pub last_day: chrono::NaiveDate,
    /// Store models solved, and how they ended: optimal, within the gap, at the time limit.
    pub solves: [usize; 3],
    /// Store models with no usable plan (the previous orders stood; nothing was ordered).
    pub failed_solves: usize,
    /// Seconds the rounds took (all stores, in parallel), summed over days.
    pub round_seconds: f64,
    /// Slowest round, seconds.
    pub slowest_round_s: f64,
    /// Whether a stock ledger kept the stock (and gave the figures).
    pub on_ledger: bool,
}

/// A simulation that cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    /// Too few days of history.
    #[error("{0}")]
    TooShort(String),
    /// The stock ledger refused or failed a movement.
    #[error("the stock ledger failed: {0}")]
    Ledger(String),
    /// The stock ledger and the shelves disagree.
    #[error("the stock ledger and the simulation's shelves disagree on a {0}")]
    Disagrees(String),
}

impl SimError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooShort(_) => "history_too_short",
            Self::Ledger(_) => "ledger_failed",
            Self::Disagrees(_) => "ledger_disagrees",
        }
    }
}

/// Each day's demand from `first` on, in whole units: what the till sells in servings
/// leaves the shelf a unit at a time (the first serving opens it), so a day takes the
/// units its running total crosses; made articles sell whole. Indexed by day and then as
/// the shelves ([`Stock`]): `[(day - first) * shelves + shelf]`.
fn whole_demand(h: &History, first: usize, days: usize) -> Vec<f64> {
    let (stores, n, m) = (
        h.stores.len(),
        h.catalog.skus.len(),
        h.catalog.recipes.len(),
    );
    let mut total = vec![0.0f64; stores * n];
    let mut out = Vec::with_capacity(days * stores * (n + m));
    for d in first..first + days {
        for s in 0..stores {
            for k in 0..n {
                let before = total[s * n + k];
                total[s * n + k] += h.units(d, s, k);
                // Counted in thousandths, as the history records them, so sums do not drift.
                let opened = |t: f64| ((t * 1000.0).round() as i64 + 999).div_euclid(1000) as f64;
                out.push(opened(total[s * n + k]) - opened(before));
            }
        }
        for s in 0..stores {
            out.extend((0..m).map(|r| h.made_units(d, s, r)));
        }
    }
    out
}

/// The history as a forecasting panel: one series per store × article.
pub fn panel(h: &History) -> Panel {
    panel_of(h, &|d, s, k| h.units(d, s, k))
}

/// The history's articles as a forecasting panel of `demand(day, store, article)`.
fn panel_of(h: &History, demand: &dyn Fn(usize, usize, usize) -> f64) -> Panel {
    let n = h.catalog.skus.len();
    let periods = h.days.len();
    let mut series = Vec::with_capacity(h.stores.len() * n);
    for (s, store) in h.stores.iter().enumerate() {
        for (k, sku) in h.catalog.skus.iter().enumerate() {
            let mut known = Vec::with_capacity(periods * 3);
            for (d, day) in h.days.iter().enumerate() {
                known.extend(daily_covariates(
                    day.holiday.is_some(),
                    h.on_promotion(d, k),
                    day.temp_c,
                ));
            }
            series.push(Series {
                key: format!("{store}/{}", sku.id),
                group: store.clone(),
                article: sku.id.clone(),
                units: (0..periods).map(|d| Some(demand(d, s, k))).collect(),
                known,
                unit_value: vec![sku.revenue_cents as f64; periods],
            });
        }
    }
    Panel {
        periods,
        cycle: 7,
        season: h
            .days
            .iter()
            .map(|d| d.date.weekday().num_days_from_monday() as usize)
            .collect(),
        covariates: freshroute_forecast::DAILY_COVARIATES
            .iter()
            .map(|c| c.to_string())
            .collect(),
        series,
    }
}

/// Driving between the stores, (seconds, metres): the great-circle distance × 1.3 for
/// the streets' detours, at 25 km/h.
fn straight_travel(chain: &SampleChain) -> Vec<Vec<(i64, i64)>> {
    use geo::{Distance, Haversine, Point};
    let at = |s: &freshroute_sample::Store| {
        Point::new(s.location.coordinates[0], s.location.coordinates[1])
    };
    chain
        .stores
        .iter()
        .map(|a| {
            chain
                .stores
                .iter()
                .map(|b| {
                    let metres = (Haversine.distance(at(a), at(b)) * 1.3).round() as i64;
                    (metres * 36 / 250, metres)
                })
                .collect()
        })
        .collect()
}

/// The forecasts with their first `days` replaced by the sales that happened,
/// `sales(day, store, article)`.
fn knowing_sales(
    sales: &dyn Fn(usize, usize, usize) -> f64,
    outlooks: &[Vec<Outlook>],
    day: usize,
    days: usize,
) -> Vec<Vec<Outlook>> {
    outlooks
        .iter()
        .enumerate()
        .map(|(s, store)| {
            store
                .iter()
                .enumerate()
                .map(|(k, f)| {
                    let mut f = f.clone();
                    for t in 0..days.min(f.mean.len()) {
                        let actual = sales(day + t, s, k);
                        f.hi[t] = actual;
                        f.mean[t] = actual;
                    }
                    f
                })
                .collect()
        })
        .collect()
}

/// Per article: its cheapest supplier's index and price.
fn cheapest(h: &History) -> Vec<Option<(usize, i64)>> {
    h.catalog
        .skus
        .iter()
        .map(|sku| {
            h.catalog
                .offers_of(&sku.id)
                .into_iter()
                .min_by_key(|(_, c)| *c)
        })
        .collect()
}

/// Share of a day's sales made before the midday transfer run.
const MORNING_SHARE: f64 = 0.5;

/// The morning's part of each day's whole demand (indexed as [`whole_demand`]): each
/// unit sold before the midday run with probability [`MORNING_SHARE`], drawn from a
/// fixed seed so that every policy meets the same morning.
fn morning_part(whole: &[f64]) -> Vec<f64> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::SmallRng::seed_from_u64(20);
    whole
        .iter()
        .map(|&d| {
            (0..d as u64)
                .filter(|_| rng.random_bool(MORNING_SHARE))
                .count() as f64
        })
        .collect()
}

/// The region the transfer policies plan over.
struct Region<'a> {
    catalog: &'a freshroute_sample::catalog::Catalog,
    stores: Vec<(String, freshroute_sample::Zones)>,
    unit_cents: Vec<i64>,
    /// Driving between the stores, (seconds, metres).
    travel: Vec<Vec<(i64, i64)>>,
    rates: TripRates,
}

/// One transfer run of the day.
struct TransferRun<'a> {
    day: usize,
    /// Share of the day's sales still to come.
    share_left: f64,
    /// Forecasts for the whole of today and the days after.
    outlooks: &'a [Vec<Outlook>],
    /// Sales still to come, (day, store, article): the rest of today, whole days after.
    to_come: &'a dyn Fn(usize, usize, usize) -> f64,
}

/// Moves units between stores for the transfer policies: the model from the forecasts,
/// and the bound from the sales still to come.
fn transfer(
    region: &Region,
    run: &TransferRun,
    stock: &mut Stock,
    figures: &mut [PolicyFigures],
) -> Result<(), SimError> {
    let known = knowing_sales(
        run.to_come,
        run.outlooks,
        run.day,
        region.rates.horizon_days as usize,
    );
    for (p, seen, share_left) in [(3, run.outlooks, run.share_left), (4, &known[..], 1.0)] {
        let problem = region_problem(
            region.catalog,
            &region.stores,
            run.day,
            share_left,
            seen,
            &stock.shelves[p],
            &region.unit_cents,
            &region.travel,
            &region.rates,
        );
        let started = std::time::Instant::now();
        let Ok(plan) = freshroute_solver::transfers::propose(&problem) else {
            continue;
        };
        let f = &mut figures[p];
        f.slowest_transfer_s = f.slowest_transfer_s.max(started.elapsed().as_secs_f64());
        f.transferred_units += stock.transfer(p, &plan.transfers, run.day)?;
        f.transfers += plan.transfers.len();
        f.transfer_trips += plan.trips.len();
        for &(a, b) in &plan.trips {
            f.transfer_km += region.travel[a][b].1 as f64 / 1000.0;
            f.transfer_cents += problem
                .pairs
                .iter()
                .find(|q| q.from == a && q.to == b)
                .map_or(0.0, |q| q.trip_cents as f64);
        }
    }
    Ok(())
}

/// Runs the simulation, keeping the stock on `book` too when given; `progress(day,
/// days)` after each day.
pub fn simulate(
    h: &History,
    chain: &SampleChain,
    o: &SimOptions,
    book: Option<&mut dyn StockBook>,
    progress: &dyn Fn(usize, usize),
) -> Result<SimResult, SimError> {
    let horizon = o.round.horizon_days as usize;
    let periods = h.days.len();
    let warmup = 28 + 28 + 7;
    if periods < o.days + horizon + warmup {
        return Err(SimError::TooShort(format!(
            "{periods} days of history; {} simulated days need at least {}",
            o.days,
            o.days + horizon + warmup
        )));
    }
    let first = periods - horizon - o.days;
    let (n, m) = (h.catalog.skus.len(), h.catalog.recipes.len());
    let stores = h.stores.len();
    let shelves = stores * (n + m);
    let makings = Making::all(&h.catalog);
    let used = ingredient_use(h, &makings);
    // What the stores use of a bought article: the till's sales and the bake's.
    let consumed = |d: usize, s: usize, k: usize| h.units(d, s, k) + used[(d * stores + s) * n + k];
    let panel = panel_of(h, &consumed);
    let choice = method_choice();
    let profiles = Profiles::default();
    let methods: Vec<Method> = panel
        .series
        .iter()
        .map(|s| choose_method(&panel, s, first - 1, &choice, &profiles).method)
        .collect();
    let cheapest = cheapest(h);
    let bought_cost = |k: usize| cheapest[k].map_or(0.0, |(_, c)| c as f64);
    let made_cost: Vec<f64> = makings.iter().map(|x| x.unit_cents(&bought_cost)).collect();
    // What a unit of an article (bought, then made) costs, cents.
    let cost_of = |a: usize| {
        a.checked_sub(n)
            .map_or_else(|| bought_cost(a), |r| made_cost[r])
    };
    let whole = whole_demand(h, first, o.days + horizon);
    let demand_at = |d: usize, i: usize| whole[(d - first) * shelves + i];
    let demand_of = |d: usize, s: usize, k: usize| demand_at(d, s * n + k);
    let morning = morning_part(&whole);
    let region = Region {
        catalog: &h.catalog,
        stores: chain
            .stores
            .iter()
            .map(|s| (s.id.clone(), s.storage))
            .collect(),
        unit_cents: cheapest.iter().map(|c| c.map_or(0, |(_, c)| c)).collect(),
        travel: straight_travel(chain),
        rates: o.transfers,
    };
    let mut stock = Stock::new(POLICIES.len(), (stores, n, m), book);
    for s in 0..stores {
        for (k, sku) in h.catalog.skus.iter().enumerate() {
            let recent: f64 = (first - 7..first).map(|d| consumed(d, s, k)).sum::<f64>() / 7.0;
            let last_day = first + sku.shelf_life_days as usize - 1;
            for p in 0..POLICIES.len() {
                stock.open(p, s * n + k, (3.0 * recent).round(), last_day, first)?;
            }
        }
    }
    let mut figures: Vec<PolicyFigures> = POLICIES
        .iter()
        .map(|name| PolicyFigures {
            name,
            waste_cents_by_article: vec![0.0; n + m],
            ..PolicyFigures::default()
        })
        .collect();
    let mut solves = [0usize; 3];
    let (mut failed, mut round_seconds, mut slowest) = (0usize, 0.0f64, 0.0f64);
    let supplier_delivers = |j: usize, day: usize| {
        h.catalog.suppliers[j].delivers_on(h.days[0].date + Duration::days(day as i64))
    };
    for day in first..first + o.days {
        stock.receive(day)?;
        // Forecasts from yesterday, for every store and article.
        let outlooks: Vec<Vec<Outlook>> = (0..stores)
            .map(|s| {
                (0..n)
                    .map(|k| {
                        let series = &panel.series[s * n + k];
                        outlook(
                            &panel,
                            series,
                            day - 1,
                            horizon,
                            methods[s * n + k],
                            &profiles,
                        )
                    })
                    .collect()
            })
            .collect();
        // Transfers first, from the forecast and knowing the sales: the day's orders see
        // what arrived and what left.
        let whole_day =
            |d: usize, s: usize, k: usize| demand_of(d, s, k) + used[(d * stores + s) * n + k];
        let run = TransferRun {
            day,
            share_left: 1.0,
            outlooks: &outlooks,
            to_come: &whole_day,
        };
        transfer(&region, &run, &mut stock, &mut figures)?;
        // The model policies: one model per store and policy, in parallel.
        let problems: Vec<_> = MODEL_POLICIES
            .iter()
            .flat_map(|&p| (0..stores).map(move |s| (p, s)))
            .map(|(p, s)| {
                store_problem(
                    &h.catalog,
                    &chain.stores[s].storage,
                    h.days[day].date,
                    day,
                    &outlooks[s],
                    &stock.shelves[p][s * n..(s + 1) * n],
                    &o.round,
                )
            })
            .collect();
        let started = std::time::Instant::now();
        let plans = plan_stores(&problems, o.threads);
        let took = started.elapsed().as_secs_f64();
        round_seconds += took;
        slowest = slowest.max(took);
        for (i, plan) in plans.into_iter().enumerate() {
            let (p, s) = (MODEL_POLICIES[i / stores], i % stores);
            let Ok(plan) = plan else {
                failed += 1;
                continue;
            };
            if p == 0 {
                solves[match plan.status {
                    SolveStatus::Optimal => 0,
                    SolveStatus::WithinGap => 1,
                    SolveStatus::TimeLimit => 2,
                }] += 1;
            }
            let mut delivered: Vec<(usize, usize)> = Vec::new();
            for l in plan.today() {
                let sku = &h.catalog.skus[l.article];
                stock.shelves[p][s * n + l.article].incoming.push(Incoming {
                    day: day + l.delivery_day as usize,
                    units: l.units as f64,
                    shelf_life_days: sku.shelf_life_days as u32,
                });
                figures[p].purchase_cents += l.cost_cents as f64;
                if !delivered.contains(&(l.supplier, l.delivery_day as usize)) {
                    delivered.push((l.supplier, l.delivery_day as usize));
                }
            }
            for (j, _) in &delivered {
                figures[p].fee_cents += h.catalog.suppliers[*j].delivery_fee_cents as f64;
                figures[p].deliveries += 1;
            }
        }
        // The reorder rules.
        for (p, policy) in [(1, Policy::MinMax), (2, Policy::Par)] {
            for s in 0..stores {
                let mut orders: Vec<(usize, f64)> = Vec::new(); // (supplier, value)
                for (k, sku) in h.catalog.skus.iter().enumerate() {
                    let Some((j, cost)) = cheapest[k] else {
                        continue;
                    };
                    let supplier = &h.catalog.suppliers[j];
                    let past: Vec<f64> = (1..=28).map(|b| consumed(day - b, s, k)).collect();
                    let supply = Supply {
                        lead_days: supplier.lead_days as usize,
                        case_pack: sku.case_pack as f64,
                    };
                    let cases =
                        cases_to_order(policy, &stock.shelves[p][s * n + k], &past, supply, &|d| {
                            supplier_delivers(j, day + d)
                        });
                    if cases > 0 {
                        let units = (cases * sku.case_pack) as f64;
                        stock.shelves[p][s * n + k].incoming.push(Incoming {
                            day: day + supply.lead_days,
                            units,
                            shelf_life_days: sku.shelf_life_days as u32,
                        });
                        figures[p].purchase_cents += units * cost as f64;
                        match orders.iter_mut().find(|(x, _)| *x == j) {
                            Some(o) => o.1 += units * cost as f64,
                            None => orders.push((j, units * cost as f64)),
                        }
                    }
                }
                for (j, value) in orders {
                    let supplier = &h.catalog.suppliers[j];
                    figures[p].fee_cents += supplier.delivery_fee_cents as f64;
                    figures[p].deliveries += 1;
                    if value < supplier.min_order_cents as f64 {
                        figures[p].under_minimum += 1;
                    }
                }
            }
        }
        // The day's bake, by one rule in every policy.
        for (p, f) in figures.iter_mut().enumerate() {
            for s in 0..stores {
                for (r, making) in makings.iter().enumerate() {
                    let counter = stock.shelves[p][stock.made_at(s, r)].on_hand();
                    let want = making.batches(expected_sales(h, day, s, r), counter);
                    let made = stock.produce(p, (s, r), making, want, day)?;
                    f.batches += made as usize;
                    f.batches_short += (want - made) as usize;
                }
            }
        }
        // The morning's sales, a midday transfer run, the afternoon's sales and the
        // night's waste, the same demand for every policy.
        let at = |i: usize| (day - first) * shelves + i;
        let mut sold = vec![vec![0.0f64; shelves]; POLICIES.len()];
        for (p, sold) in sold.iter_mut().enumerate() {
            for (i, sold) in sold.iter_mut().enumerate() {
                *sold += stock.sell(p, i, morning[at(i)], day)?;
            }
        }
        // The bake used today's ingredients in the morning.
        let afternoon = |d: usize, s: usize, k: usize| {
            let whole = demand_of(d, s, k);
            if d == day {
                whole - morning[at(s * n + k)]
            } else {
                whole + used[(d * stores + s) * n + k]
            }
        };
        let run = TransferRun {
            day,
            share_left: 1.0 - MORNING_SHARE,
            outlooks: &outlooks,
            to_come: &afternoon,
        };
        if o.midday {
            transfer(&region, &run, &mut stock, &mut figures)?;
        }
        for (p, f) in figures.iter_mut().enumerate() {
            for i in 0..shelves {
                let demand = demand_at(day, i);
                let sold = sold[p][i] + stock.sell(p, i, demand - morning[at(i)], day)?;
                let article = stock.article_at(i).1;
                f.demand_units += demand;
                f.sold_units += sold;
                f.cogs_cents += sold * cost_of(article);
                if demand > 0.0 {
                    f.demand_days += 1;
                    if sold + 1e-9 < demand {
                        f.stockout_days += 1;
                    }
                }
                if article >= n {
                    f.made.demand_units += demand;
                    f.made.sold_units += sold;
                }
            }
        }
        let wasted = stock.expire(day)?;
        for (p, f) in figures.iter_mut().enumerate() {
            for (i, &units) in wasted[p].iter().enumerate() {
                let article = stock.article_at(i).1;
                let cost = cost_of(article);
                f.waste_units += units;
                f.waste_cents += units * cost;
                f.waste_cents_by_article[article] += units * cost;
                f.stock_cents_days += stock.shelves[p][i].on_hand() * cost;
                if article >= n {
                    f.made.waste_units += units;
                    f.made.waste_cents += units * cost;
                }
            }
        }
        progress(day - first + 1, o.days);
    }
    Ok(SimResult {
        policies: figures,
        articles: h
            .catalog
            .skus
            .iter()
            .map(|k| k.id.clone())
            .chain(h.catalog.recipes.iter().map(|r| r.id.clone()))
            .collect(),
        first_day: h.days[first].date,
        last_day: h.days[first + o.days - 1].date,
        solves,
        failed_solves: failed,
        round_seconds,
        slowest_round_s: slowest,
        on_ledger: stock.on_ledger(),
    })
}
