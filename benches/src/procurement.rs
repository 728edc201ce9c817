//! The procurement simulation's table and JSON: the model's purchase orders beside the
//! min/max rule and par levels, the same demand in the same run, with the targets.

use freshroute_procurement::simulate::{PolicyFigures, SimResult};
use serde_json::{Value, json};

use crate::BenchTable;
use crate::stock_book::LedgerCheck;

/// Waste value at least this much below the min/max rule's.
pub const TARGET_WASTE_CUT: f64 = 0.30;
/// Fill rate of the model's orders.
pub const TARGET_FILL_RATE: f64 = 0.98;
/// Waste value with transfers at least this much below the model's without them.
pub const TARGET_TRANSFER_WASTE_CUT: f64 = 0.30;

fn euros(cents: f64) -> String {
    format!("{:.0} €", cents / 100.0)
}

fn each(p: &[PolicyFigures], f: impl Fn(&PolicyFigures) -> String) -> String {
    p.iter().map(f).collect::<Vec<_>>().join(" / ")
}

/// The table of a simulation over `stores` stores × `articles` articles, with what its
/// stock ledger held at the end when it ran on one.
pub fn table(
    r: &SimResult,
    ledger: Option<LedgerCheck>,
    stores: usize,
    articles: usize,
) -> BenchTable {
    let p = &r.policies;
    let mut t = BenchTable {
        title: format!(
            "freshroute simulate procurement — {stores} stores × {articles} articles bought and {} made, {} … {}, held-back demand; figures: model / min-max / par / model + transfers / transfers knowing sales",
            r.articles.len().saturating_sub(articles),
            r.first_day,
            r.last_day
        ),
        judge: true,
        rows: Vec::new(),
    };
    let (model, minmax) = (&p[0], &p[1]);
    let cut = if minmax.waste_cents > 0.0 {
        1.0 - model.waste_cents / minmax.waste_cents
    } else {
        0.0
    };
    t.check(
        "waste, value",
        each(p, |x| euros(x.waste_cents)),
        format!("model ≥ {:.0} % below min/max", 100.0 * TARGET_WASTE_CUT),
        cut >= TARGET_WASTE_CUT,
    );
    t.info(
        "waste value cut against min/max",
        format!("{:.1} %", 100.0 * cut),
    );
    let (with, bound) = (&p[3], &p[4]);
    let cut_of = |x: &PolicyFigures| {
        if model.waste_cents > 0.0 {
            1.0 - x.waste_cents / model.waste_cents
        } else {
            0.0
        }
    };
    t.check(
        "waste value cut by transfers (at equal or better fill)",
        format!(
            "{:.1} % (fill {:+.2} points)",
            100.0 * cut_of(with),
            100.0 * (with.fill_rate() - model.fill_rate())
        ),
        format!(
            "≥ {:.0} % below the model without them",
            100.0 * TARGET_TRANSFER_WASTE_CUT
        ),
        cut_of(with) >= TARGET_TRANSFER_WASTE_CUT && with.fill_rate() >= model.fill_rate(),
    );
    let bought_cut = |x: &PolicyFigures| {
        let before = model.waste_cents - model.made.waste_cents;
        if before > 0.0 {
            1.0 - (x.waste_cents - x.made.waste_cents) / before
        } else {
            0.0
        }
    };
    t.info(
        "of which bought articles (the made ones are baked by one rule in every policy)",
        format!(
            "{:.1} % less with transfers, {:.1} % knowing the sales",
            100.0 * bought_cut(with),
            100.0 * bought_cut(bound)
        ),
    );
    t.info(
        "bound: waste cut by transfers knowing the sales (fill)",
        format!(
            "{:.1} % (fill {:+.2} points); transfers reach {:.0} % of it",
            100.0 * cut_of(bound),
            100.0 * (bound.fill_rate() - model.fill_rate()),
            if cut_of(bound) > 0.0 {
                100.0 * cut_of(with) / cut_of(bound)
            } else {
                0.0
            }
        ),
    );
    for (name, x) in [("transfers", with), ("knowing sales", bound)] {
        t.info(
            format!("{name}: transfers / units / trips / km / trip cost"),
            format!(
                "{} / {:.0} / {} / {:.0} / {}",
                x.transfers,
                x.transferred_units,
                x.transfer_trips,
                x.transfer_km,
                euros(x.transfer_cents)
            ),
        );
    }
    t.info(
        "slowest transfer model, s",
        format!(
            "{:.3}",
            with.slowest_transfer_s.max(bound.slowest_transfer_s)
        ),
    );
    t.info("waste, units", each(p, |x| format!("{:.0}", x.waste_units)));
    t.info(
        "made articles (one bake rule in every policy): waste value, units sold / asked for",
        each(p, |x| {
            format!(
                "{} {:.0}/{:.0}",
                euros(x.made.waste_cents),
                x.made.sold_units,
                x.made.demand_units
            )
        }),
    );
    t.info(
        "production batches (short of ingredients)",
        each(p, |x| format!("{} ({})", x.batches, x.batches_short)),
    );
    t.info(
        "where the model's waste is: article, model → with transfers (knowing sales)",
        most_wasted(r, 5),
    );
    t.check(
        "fill rate (units sold / asked for)",
        each(p, |x| format!("{:.2} %", 100.0 * x.fill_rate())),
        format!("model ≥ {:.0} %", 100.0 * TARGET_FILL_RATE),
        model.fill_rate() >= TARGET_FILL_RATE,
    );
    t.info(
        "stock-outs (store × article × days short, of days with demand)",
        each(p, |x| format!("{} of {}", x.stockout_days, x.demand_days)),
    );
    t.info(
        "inventory turnover, days of stock",
        each(p, |x| format!("{:.1}", x.turnover_days())),
    );
    t.info(
        "purchase cost (goods + delivery fees)",
        each(p, |x| euros(x.purchase_cents + x.fee_cents)),
    );
    t.info(
        "deliveries (of which under the supplier's minimum)",
        each(p, |x| format!("{} ({})", x.deliveries, x.under_minimum)),
    );
    t.info(
        "store models: optimal / within gap / time limit / no plan",
        format!(
            "{} / {} / {} / {}",
            r.solves[0], r.solves[1], r.solves[2], r.failed_solves
        ),
    );
    t.info(
        "planning rounds: total / slowest, s",
        format!("{:.1} / {:.2}", r.round_seconds, r.slowest_round_s),
    );
    match ledger {
        Some(l) => t.check(
            "stock ledger: lots / movements / balances unlike their movements",
            format!("{} / {} / {}", l.lots, l.movements, l.unbalanced),
            "0 unlike; every sale and waste as the shelves had it".to_string(),
            l.unbalanced == 0,
        ),
        None => t.info("stock ledger", "not used (--in-memory)".to_string()),
    }
    t
}

/// The `top` articles the model wastes most of, with their waste under transfers.
fn most_wasted(r: &SimResult, top: usize) -> String {
    let p = &r.policies;
    let mut order: Vec<usize> = (0..r.articles.len()).collect();
    order.sort_by(|&a, &b| {
        p[0].waste_cents_by_article[b].total_cmp(&p[0].waste_cents_by_article[a])
    });
    order
        .iter()
        .take(top)
        .map(|&k| {
            format!(
                "{} {} → {} ({})",
                r.articles[k],
                euros(p[0].waste_cents_by_article[k]),
                euros(p[3].waste_cents_by_article[k]),
                euros(p[4].waste_cents_by_article[k])
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn policy(x: &PolicyFigures) -> Value {
    json!({
        "waste_units": x.waste_units,
        "waste_cents": x.waste_cents,
        "fill_rate": x.fill_rate(),
        "stockout_days": x.stockout_days,
        "demand_days": x.demand_days,
        "turnover_days": x.turnover_days(),
        "purchase_cents": x.purchase_cents,
        "fee_cents": x.fee_cents,
        "deliveries": x.deliveries,
        "under_minimum": x.under_minimum,
        "transfers": x.transfers,
        "transferred_units": x.transferred_units,
        "transfer_trips": x.transfer_trips,
        "transfer_km": x.transfer_km,
        "transfer_cents": x.transfer_cents,
        "batches": x.batches,
        "batches_short": x.batches_short,
        "made": {
            "demand_units": x.made.demand_units,
            "sold_units": x.made.sold_units,
            "waste_units": x.made.waste_units,
            "waste_cents": x.made.waste_cents,
        },
    })
}

/// The JSON object of a simulation, with its stock ledger's check when it ran on one.
pub fn to_json(r: &SimResult, ledger: Option<LedgerCheck>, all_pass: bool) -> Value {
    json!({
        "first_day": r.first_day.to_string(),
        "last_day": r.last_day.to_string(),
        "model": policy(&r.policies[0]),
        "min_max": policy(&r.policies[1]),
        "par": policy(&r.policies[2]),
        "model_with_transfers": policy(&r.policies[3]),
        "transfers_knowing_sales": policy(&r.policies[4]),
        "solves": { "optimal": r.solves[0], "within_gap": r.solves[1], "time_limit": r.solves[2], "no_plan": r.failed_solves },
        "round_seconds": r.round_seconds,
        "slowest_round_s": r.slowest_round_s,
        "ledger": ledger.map(|l| json!({
            "lots": l.lots, "movements": l.movements, "unbalanced": l.unbalanced,
        })),
        "targets_met": all_pass,
    })
}

/// A planning round at scale: `stores` stores (the sample chain's, repeated), each with
/// `articles` articles (the catalog's, repeated as variants with their own demand), for
/// `horizon` days, from the bundled history's last four weeks.
pub mod round {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use freshroute_forecast::{Panel, Profiles, Series, choose_method};
    use freshroute_procurement::round::{
        Outlook, RoundOptions, method_choice, outlook, store_problem,
    };
    use freshroute_procurement::shelf::Shelf;
    use freshroute_sample::SampleChain;
    use freshroute_sample::catalog::{Catalog, Offer, Sku};
    use freshroute_sample::history::History;
    use freshroute_solver::procurement::{
        ProcurementError, SolveStatus, StorePlan, StoreProblem, plan_stores,
    };
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use crate::BenchTable;

    /// Seconds for the whole round.
    pub const TARGET_ROUND_S: f64 = 60.0;

    /// The catalog with `articles` articles: the originals, then variants (`ID~2`, …).
    fn widened(c: &Catalog, articles: usize) -> (Catalog, Vec<usize>) {
        let mut skus: Vec<Sku> = Vec::with_capacity(articles);
        let mut offers: Vec<Offer> = Vec::new();
        let mut template = Vec::with_capacity(articles);
        for k in 0..articles {
            let t = k % c.skus.len();
            let mut sku = c.skus[t].clone();
            if k >= c.skus.len() {
                sku.id = format!("{}~{}", sku.id, k / c.skus.len() + 1);
            }
            offers.extend(
                c.offers
                    .iter()
                    .filter(|o| o.sku == c.skus[t].id)
                    .map(|o| Offer {
                        sku: sku.id.clone(),
                        ..o.clone()
                    }),
            );
            skus.push(sku);
            template.push(t);
        }
        (
            Catalog {
                skus,
                suppliers: c.suppliers.clone(),
                offers,
                recipes: Vec::new(),
            },
            template,
        )
    }

    /// The round's store models, built as a planning round builds them.
    pub fn problems(
        h: &History,
        chain: &SampleChain,
        stores: usize,
        articles: usize,
        o: &RoundOptions,
        seed: u64,
    ) -> Vec<StoreProblem> {
        let (catalog, template) = widened(&h.catalog, articles);
        let widen = articles as f64 / h.catalog.skus.len() as f64;
        let mut rng = StdRng::seed_from_u64(seed);
        let today = h.days.len() - 1;
        let horizon = o.horizon_days as usize;
        (0..stores)
            .map(|s| {
                let base = s % h.stores.len();
                let mut storage = chain.stores[base].storage;
                storage.frozen_litres = (storage.frozen_litres as f64 * widen) as i64;
                storage.chilled_litres = (storage.chilled_litres as f64 * widen) as i64;
                storage.ambient_litres = (storage.ambient_litres as f64 * widen) as i64;
                let mut shelves = Vec::with_capacity(articles);
                let outlook: Vec<Outlook> = template
                    .iter()
                    .map(|&t| {
                        // Each weekday's mean over the last four weeks, scaled for the variant.
                        // Variants share their original's demand.
                        let factor = rng.random_range(0.5..1.5) / widen.max(1.0);
                        let mean: Vec<f64> = (0..horizon)
                            .map(|d| {
                                (1..=4)
                                    .map(|w| h.units(today + 1 + d - 7 * (w + d / 7), base, t))
                                    .sum::<f64>()
                                    / 4.0
                                    * factor
                            })
                            .collect();
                        let hi = mean.iter().map(|m| m + 1.28 * m.sqrt()).collect();
                        let mut shelf = Shelf::default();
                        let life = catalog.skus[t].shelf_life_days as usize;
                        shelf.put(
                            mean[0] * rng.random_range(0.0..3.0),
                            today + rng.random_range(0..life),
                        );
                        shelves.push(shelf);
                        Outlook { mean, hi }
                    })
                    .collect();
                store_problem(
                    &catalog,
                    &storage,
                    h.days[today].date + chrono::Duration::days(1),
                    today,
                    &outlook,
                    &shelves,
                    o,
                )
            })
            .collect()
    }

    /// The sales a round at this scale forecasts from: per store and article, the
    /// template article's sales at the template store (the chain's, in turn) times a
    /// factor of its own, with the template's promotions, holidays and temperatures.
    pub fn scaled_sales(h: &History, stores: usize, articles: usize, seed: u64) -> Panel {
        let base = freshroute_procurement::simulate::panel(h);
        let (catalog, template) = widened(&h.catalog, articles);
        let widen = (articles as f64 / h.catalog.skus.len() as f64).max(1.0);
        let n = h.catalog.skus.len();
        let mut rng = StdRng::seed_from_u64(seed);
        let mut series = Vec::with_capacity(stores * articles);
        for s in 0..stores {
            let store = format!("{}~{}", h.stores[s % h.stores.len()], s);
            for (sku, &t) in catalog.skus.iter().zip(&template) {
                let from = &base.series[(s % h.stores.len()) * n + t];
                let factor = rng.random_range(0.5..1.5) / widen;
                series.push(Series {
                    key: format!("{store}/{}", sku.id),
                    group: store.clone(),
                    article: sku.id.clone(),
                    units: from
                        .units
                        .iter()
                        .map(|u| u.map(|u| (u * factor * 1000.0).round() / 1000.0))
                        .collect(),
                    ..from.clone()
                });
            }
        }
        Panel { series, ..base }
    }

    /// Forecasts every series of `sales` as a round does (each series' method chosen by
    /// its backtest, then `horizon` days from `horizon` days before the panel's end),
    /// the stores in parallel on `threads` threads; the wall time in seconds.
    pub fn forecast_round(sales: &Panel, horizon: usize, threads: usize) -> (f64, Vec<Outlook>) {
        let started = std::time::Instant::now();
        let origin = sales.periods - 1 - horizon;
        let choice = method_choice();
        let profiles = Profiles::default();
        let next = AtomicUsize::new(0);
        let mut out: Vec<(usize, Outlook)> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads.max(1))
                .map(|_| {
                    scope.spawn(|| {
                        let mut mine = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(series) = sales.series.get(i) else {
                                break mine;
                            };
                            let method =
                                choose_method(sales, series, origin, &choice, &profiles).method;
                            mine.push((
                                i,
                                outlook(sales, series, origin, horizon, method, &profiles),
                            ));
                        }
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap_or_default())
                .collect()
        });
        out.sort_by_key(|(i, _)| *i);
        (
            started.elapsed().as_secs_f64(),
            out.into_iter().map(|(_, o)| o).collect(),
        )
    }

    /// What the round gave.
    pub struct RoundResult {
        /// Stores, articles, days.
        pub size: (usize, usize, u32),
        /// Wall time of the forecasts ([`forecast_round`]), seconds.
        pub forecast_seconds: f64,
        /// Wall time of the store models, seconds.
        pub seconds: f64,
        /// Threads.
        pub threads: usize,
        /// Each store's plan or error.
        pub plans: Vec<Result<StorePlan, ProcurementError>>,
    }

    /// Plans the round on `threads` threads, timed; `forecast_seconds`: what its
    /// forecasts took.
    pub fn run(
        problems: &[StoreProblem],
        threads: usize,
        size: (usize, usize, u32),
        forecast_seconds: f64,
    ) -> RoundResult {
        let started = std::time::Instant::now();
        let plans = plan_stores(problems, threads);
        RoundResult {
            size,
            forecast_seconds,
            seconds: started.elapsed().as_secs_f64(),
            threads,
            plans,
        }
    }

    /// The round's table.
    pub fn table(r: &RoundResult) -> BenchTable {
        let (stores, articles, days) = r.size;
        let mut t = BenchTable {
            title: format!(
                "freshroute bench procurement — a planning round of {stores} stores × {articles} articles × {days} days, {} threads, HiGHS",
                r.threads
            ),
            judge: (stores, articles, days) == (50, 200, 14),
            rows: Vec::new(),
        };
        t.check(
            "round, wall time: the store models, in parallel",
            format!("{:.1} s", r.seconds),
            format!("≤ {TARGET_ROUND_S:.0} s (50 × 200 × 14)"),
            r.seconds <= TARGET_ROUND_S,
        );
        t.info(
            format!(
                "forecasts of the round's {} series (methods chosen by backtest), wall time",
                stores * articles
            ),
            format!("{:.1} s", r.forecast_seconds),
        );
        t.info(
            "forecasts and store models together",
            format!("{:.1} s", r.forecast_seconds + r.seconds),
        );
        let mut status = [0usize; 3];
        let mut errors: Vec<&'static str> = Vec::new();
        let (mut lines, mut cases) = (0usize, 0i64);
        for p in &r.plans {
            match p {
                Ok(p) => {
                    status[match p.status {
                        SolveStatus::Optimal => 0,
                        SolveStatus::WithinGap => 1,
                        SolveStatus::TimeLimit => 2,
                    }] += 1;
                    lines += p.today().count();
                    cases += p.today().map(|l| l.cases).sum::<i64>();
                }
                Err(e) => errors.push(e.code()),
            }
        }
        t.info(
            "store models: optimal / within gap / time limit",
            format!("{} / {} / {}", status[0], status[1], status[2]),
        );
        t.verify(
            "store models without a plan",
            format!("{} {:?}", errors.len(), errors),
            "0",
            errors.is_empty(),
        );
        t.info(
            "order lines proposed today (whole cases)",
            format!("{lines} ({cases} cases)"),
        );
        let cost: f64 = r.plans.iter().flatten().map(|p| p.objective_cents).sum();
        t.info(
            "the stores' model cost, summed",
            format!("{:.0} €", cost / 100.0),
        );
        t
    }
}
