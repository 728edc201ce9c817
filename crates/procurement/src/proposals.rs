//! A planning round on a given day: the sales history extended with what is known of
//! the days ahead, each store's forecasts and model, the stores solved in parallel, and
//! today's orders grouped per supplier into proposals that explain themselves: the
//! forecast, the stock by expiry, the safety stock, and why this supplier and this
//! quantity.
//!
//! A store whose model fails comes back with the failure's code and no proposals: the
//! caller keeps that store's earlier proposals.

use chrono::{Datelike, Duration, NaiveDate};
use freshroute_forecast::{Panel, Profiles, Series, choose_method, daily_covariates};
use freshroute_sample::Zones;
use freshroute_sample::catalog::Catalog;
use freshroute_solver::procurement::{
    ArticleOutlook, OrderLine, ProcurementError, StorePlan, StoreProblem, plan_stores_reporting,
};
use serde::{Deserialize, Serialize};

use crate::round::{Outlook, RoundOptions, method_choice, outlook, store_problem};
use crate::shelf::{Incoming, Shelf};

/// Days of sales a round needs before its date: four weeks to choose each series'
/// method on, and the regression's warm-up.
pub const MIN_HISTORY_DAYS: usize = 63;

/// A promotion planned for an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedPromotion {
    /// The article.
    pub sku: String,
    /// First day.
    pub first: NaiveDate,
    /// Last day.
    pub last: NaiveDate,
}

impl PlannedPromotion {
    /// The promotions of a sample history, as planned (a promotion may run past the
    /// history's last day: it is planned ahead).
    pub fn of_history(h: &freshroute_sample::history::History) -> Vec<Self> {
        let first = h.days.first().map_or(NaiveDate::MIN, |d| d.date);
        h.promotions
            .iter()
            .map(|p| Self {
                sku: h.catalog.skus[p.sku].id.clone(),
                first: h.days[p.first].date,
                last: first + Duration::days(p.last as i64),
            })
            .collect()
    }
}

/// A store and its room per zone.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreRoom {
    /// The store's id, as the sales name it.
    pub id: String,
    /// Its room.
    pub room: Zones,
}

/// A lot on hand.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OnHand {
    /// The store.
    pub store: String,
    /// The article.
    pub sku: String,
    /// Lot number.
    pub lot: String,
    /// Last day it may be sold.
    #[schema(value_type = String, format = Date)]
    pub expiry: NaiveDate,
    /// Units.
    pub units: f64,
}

/// A delivery ordered and not yet received.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Expected {
    /// The store.
    pub store: String,
    /// The article.
    pub sku: String,
    /// The day it arrives.
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    /// Units.
    pub units: f64,
}

/// What a round plans from.
#[derive(Debug, Clone)]
pub struct RoundInput<'a> {
    /// Articles, suppliers, offers.
    pub catalog: &'a Catalog,
    /// Daily sales per store × article (series `STORE/SKU`), covering the horizon
    /// ([`extend_panel`]).
    pub sales: &'a Panel,
    /// The date of the panel's first period.
    pub first: NaiveDate,
    /// The day orders are placed.
    pub date: NaiveDate,
    /// The stores planned.
    pub stores: &'a [StoreRoom],
    /// Stock on hand.
    pub on_hand: &'a [OnHand],
    /// Deliveries on their way.
    pub expected: &'a [Expected],
    /// The models' options.
    pub options: RoundOptions,
    /// Stores solved at once.
    pub threads: usize,
}

impl RoundInput<'_> {
    /// A store's lots of an article not yet past their expiry on the round's date.
    fn lots_of<'s>(&'s self, store: &'s str, sku: &'s str) -> impl Iterator<Item = &'s OnHand> {
        self.on_hand
            .iter()
            .filter(move |l| l.store == store && l.sku == sku && l.expiry >= self.date)
    }

    /// A store's deliveries of an article due on the round's date or later.
    fn deliveries_of<'s>(
        &'s self,
        store: &'s str,
        sku: &'s str,
    ) -> impl Iterator<Item = &'s Expected> {
        self.expected
            .iter()
            .filter(move |e| e.store == store && e.sku == sku && e.date >= self.date)
    }
}

/// Something a round cannot do, or a store it could not plan, with a stable code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct RoundIssue {
    /// Stable code.
    pub code: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl RoundIssue {
    fn new(code: &str, message: String) -> Self {
        Self {
            code: code.to_string(),
            message,
        }
    }
}

impl From<ProcurementError> for RoundIssue {
    fn from(e: ProcurementError) -> Self {
        Self::new(e.code(), e.to_string())
    }
}

/// How far a round has come.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// A store's articles forecast.
    Forecast {
        /// The store.
        store: String,
        /// Stores forecast so far.
        done: usize,
        /// Stores in all.
        of: usize,
    },
    /// A store's model ended.
    Solved {
        /// The store.
        store: String,
        /// `optimal`, `within_gap`, `time_limit`, or the failure's code.
        status: String,
        /// Its cost, cents, when solved.
        objective_cents: Option<f64>,
    },
}

/// One day's forecast of an article.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DayForecast {
    /// The day.
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    /// Expected units.
    pub mean: f64,
    /// 90th percentile.
    pub p90: f64,
}

/// A supplier's offer of an article, as a planner compares them.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OfferView {
    /// The supplier.
    pub supplier: String,
    /// Price per unit, cents.
    pub unit_cost_cents: i64,
    /// The first day an order placed today arrives, if within the horizon.
    #[schema(value_type = Option<String>, format = Date)]
    pub first_arrival: Option<NaiveDate>,
}

/// Why a line is there, and this big.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LineWhy {
    /// The forecasting method chosen for the series by backtest.
    pub method: String,
    /// The forecast from today to the last day the delivery covers.
    pub forecast: Vec<DayForecast>,
    /// The last day before the next delivery this supplier can make.
    #[schema(value_type = String, format = Date)]
    pub covers_until: NaiveDate,
    /// Expected sales from today to the day before the delivery.
    pub demand_before_delivery: f64,
    /// Expected sales from the delivery to `covers_until`.
    pub demand_covered: f64,
    /// Stock wanted on top at the end of `covers_until` (from the forecast's interval).
    pub safety_units: f64,
    /// Stock on hand, by expiry.
    pub stock: Vec<OnHand>,
    /// Deliveries already on their way.
    pub on_order: Vec<Expected>,
    /// What of stock and deliveries is expected to be left, unexpired, when this
    /// delivery arrives (never below zero).
    pub usable_at_delivery: f64,
    /// Every supplier's offer.
    pub offers: Vec<OfferView>,
    /// Why this supplier, in words.
    pub supplier: String,
    /// Why this quantity, in words.
    pub quantity: String,
    /// Units the plan expects to throw away over the horizon.
    pub expected_waste_units: f64,
    /// Units of demand the plan expects to miss over the horizon.
    pub expected_lost_units: f64,
}

/// What a line orders and what it costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LineQuantity {
    /// The article.
    pub sku: String,
    /// Whole cases.
    pub cases: i64,
    /// Units per case.
    pub case_pack: i64,
    /// Units.
    pub units: i64,
    /// Price per unit, cents.
    pub unit_cost_cents: i64,
    /// Price of the line, cents.
    pub cost_cents: i64,
}

impl LineQuantity {
    /// Sets the cases, and the units and price that follow from them.
    pub fn set_cases(&mut self, cases: i64) {
        self.cases = cases;
        self.units = cases * self.case_pack;
        self.cost_cents = self.units * self.unit_cost_cents;
    }
}

/// A line of a proposal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProposalLine {
    /// What it orders.
    #[serde(flatten)]
    pub quantity: LineQuantity,
    /// Why.
    pub why: LineWhy,
}

/// The terms a proposal meets.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OrderWhy {
    /// How the store's model ended.
    pub model_status: String,
    /// The supplier's minimum order, cents.
    pub min_order_cents: i64,
    /// Its fee per delivery, cents.
    pub delivery_fee_cents: i64,
    /// Room the order takes, litres.
    pub volume_litres: f64,
    /// The truck's room, litres.
    pub truck_litres: i64,
}

/// A purchase order the round proposes: one store, one supplier, one delivery.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proposal {
    /// The store.
    pub store: String,
    /// The supplier.
    pub supplier: String,
    /// The day it is placed (the round's date).
    pub order_date: NaiveDate,
    /// The day it arrives.
    pub delivery_date: NaiveDate,
    /// Its lines' value, cents.
    pub value_cents: i64,
    /// Its lines.
    pub lines: Vec<ProposalLine>,
    /// The terms it meets.
    pub why: OrderWhy,
}

/// A store the round planned.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreProposals {
    /// The model as solved (kept to price edits against).
    pub problem: StoreProblem,
    /// How it ended.
    pub status: String,
    /// Its cost, cents.
    pub objective_cents: f64,
    /// Articles and suppliers left out, and why.
    pub notices: Vec<RoundIssue>,
    /// Litres over each zone's room (frozen, chilled, ambient) at the worst start of a day.
    pub overflow_litres: Vec<f64>,
    /// Today's orders.
    pub orders: Vec<Proposal>,
}

/// A store's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreResult {
    /// The store.
    pub store: String,
    /// Its proposals, or why it has none (keep its earlier ones).
    pub outcome: Result<StoreProposals, RoundIssue>,
}

/// A store ready to solve: its model, its articles' forecasts with their methods, and
/// what was left out.
struct Prepared {
    problem: StoreProblem,
    outlook: Vec<(Outlook, String)>,
    notices: Vec<RoundIssue>,
}

/// The day `t` periods after `first`.
fn day(first: NaiveDate, t: usize) -> NaiveDate {
    first + Duration::days(t as i64)
}

/// The panel with periods added up to `until` (inclusive): no sales, and the covariates
/// known in advance: public holidays, planned promotions, and for temperature the
/// climate of the same days of the year in the history (no weather forecast is read).
pub fn extend_panel(
    panel: &Panel,
    first: NaiveDate,
    until: NaiveDate,
    promotions: &[PlannedPromotion],
) -> Panel {
    let old = panel.periods;
    let new = ((until - first).num_days() + 1).max(old as i64) as usize;
    let mut out = panel.clone();
    out.periods = new;
    let k = panel.covariates.len();
    for t in old..new {
        out.season
            .push(day(first, t).weekday().num_days_from_monday() as usize);
    }
    for s in &mut out.series {
        let sku = s.key.rsplit('/').next().unwrap_or_default().to_string();
        let value = s.unit_value.last().copied().unwrap_or(0.0);
        for t in old..new {
            let date = day(first, t);
            let doy = date.ordinal0() as i64;
            // Temperature above 15 °C is the third covariate (see `daily_covariates`).
            let near: Vec<f64> = (0..old)
                .filter(|&u| {
                    let d = (day(first, u).ordinal0() as i64 - doy).rem_euclid(365);
                    d.min(365 - d) <= 3
                })
                .map(|u| s.known[u * k + 2] + 15.0)
                .collect();
            let temp = if near.is_empty() {
                15.0
            } else {
                near.iter().sum::<f64>() / near.len() as f64
            };
            let promo = promotions
                .iter()
                .any(|p| p.sku == sku && p.first <= date && date <= p.last);
            let holiday = freshroute_sample::history::holiday(date).is_some();
            s.units.push(None);
            s.known.extend(daily_covariates(holiday, promo, temp));
            s.unit_value.push(value);
        }
    }
    out
}

/// Checks that the sales of `stores` reach the day before `date` without a gap and go
/// back far enough; returns `date`'s period.
pub fn check_sales(
    panel: &Panel,
    first: NaiveDate,
    last_sales_day: NaiveDate,
    date: NaiveDate,
    stores: &[StoreRoom],
) -> Result<usize, RoundIssue> {
    let today = (date - first).num_days();
    if today < MIN_HISTORY_DAYS as i64 {
        return Err(RoundIssue::new(
            "history_too_short",
            format!(
                "sales start on {first}: a round on {date} needs {MIN_HISTORY_DAYS} days of sales before it"
            ),
        ));
    }
    if date > last_sales_day + Duration::days(1) {
        return Err(RoundIssue::new(
            "sales_missing_days",
            format!(
                "sales end on {last_sales_day}: a round on {date} needs every day up to {}; add the days between",
                date - Duration::days(1)
            ),
        ));
    }
    let today = today as usize;
    let planned = |s: &&Series| stores.iter().any(|r| r.id == s.group);
    for s in panel.series.iter().filter(planned) {
        if let Some(t) = (0..today).find(|&t| s.units.get(t).copied().flatten().is_none()) {
            return Err(RoundIssue::new(
                "sales_missing_days",
                format!(
                    "{} has no sales row for {}: a forecast needs every day (write 0 for a day without sales)",
                    s.key,
                    day(first, t)
                ),
            ));
        }
    }
    Ok(today)
}

/// Forecasts of one store's articles from the sales before `today`, with the method
/// each series' backtest chooses; an article without a series is forecast at zero and
/// reported.
fn store_outlook(
    input: &RoundInput,
    store: &str,
    today: usize,
    profiles: &Profiles,
    notices: &mut Vec<RoundIssue>,
) -> Vec<(Outlook, String)> {
    let h = input.options.horizon_days as usize;
    let choice = method_choice();
    input
        .catalog
        .skus
        .iter()
        .map(|sku| {
            let key = format!("{store}/{}", sku.id);
            let Some(series) = input.sales.series.iter().find(|s| s.key == key) else {
                notices.push(RoundIssue::new(
                    "no_sales_history",
                    format!("{key} has no sales: it is planned for no demand"),
                ));
                let zero = vec![0.0; h];
                return (
                    Outlook {
                        mean: zero.clone(),
                        hi: zero,
                    },
                    "none".to_string(),
                );
            };
            let method = choose_method(input.sales, series, today - 1, &choice, profiles).method;
            (
                outlook(input.sales, series, today - 1, h, method, profiles),
                method.as_str().to_string(),
            )
        })
        .collect()
}

/// Runs a round. `Err` only when nothing can be planned (the sales do not reach the
/// date); a store that fails has its issue in its [`StoreResult`].
pub fn plan_round(
    input: &RoundInput,
    last_sales_day: NaiveDate,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Vec<StoreResult>, RoundIssue> {
    let today = check_sales(
        input.sales,
        input.first,
        last_sales_day,
        input.date,
        input.stores,
    )?;
    let h = input.options.horizon_days as usize;
    if input.sales.periods < today + h {
        return Err(RoundIssue::new(
            "forecast_missing_days",
            format!(
                "the sales panel ends before the {h}-day horizon: extend it to {}",
                input.date + Duration::days(h as i64 - 1)
            ),
        ));
    }
    let n = input.catalog.skus.len();
    // Stores are forecast in parallel, sharing the store profiles fitted so far.
    let profiles = Profiles::default();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let forecast_store = |i: usize| {
        let store = &input.stores[i];
        let mut notices = Vec::new();
        let outlook = store_outlook(input, &store.id, today, &profiles, &mut notices);
        let shelves = shelves(input, &store.id, today);
        let forecasts: Vec<Outlook> = outlook.iter().map(|(o, _)| o.clone()).collect();
        let problem = store_problem(
            input.catalog,
            &store.room,
            input.date,
            today,
            &forecasts,
            &shelves,
            &input.options,
        );
        progress(Progress::Forecast {
            store: store.id.clone(),
            done: done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1,
            of: input.stores.len(),
        });
        Prepared {
            problem,
            outlook,
            notices,
        }
    };
    let mut built: Vec<(usize, Prepared)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..input.threads.clamp(1, input.stores.len().max(1)))
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= input.stores.len() {
                            break mine;
                        }
                        mine.push((i, forecast_store(i)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    built.sort_by_key(|(i, _)| *i);
    let (problems, context): (Vec<StoreProblem>, Vec<_>) = built
        .into_iter()
        .map(|(_, b)| (b.problem, (b.outlook, b.notices)))
        .unzip();
    debug_assert!(context.iter().all(|(o, _)| o.len() == n));
    let plans = plan_stores_reporting(&problems, input.threads, &|k, plan| {
        progress(Progress::Solved {
            store: input.stores[k].id.clone(),
            status: match plan {
                Ok(p) => p.status.as_str().to_string(),
                Err(e) => e.code().to_string(),
            },
            objective_cents: plan.as_ref().ok().map(|p| p.objective_cents),
        });
    });
    Ok(input
        .stores
        .iter()
        .zip(problems)
        .zip(plans)
        .zip(context)
        .map(
            |(((store, problem), plan), (outlook, mut notices))| StoreResult {
                store: store.id.clone(),
                outcome: plan.map_err(RoundIssue::from).map(|plan| {
                    notices.extend(
                        plan.notices
                            .iter()
                            .map(|x| RoundIssue::new(x.code, x.message.clone())),
                    );
                    let orders = proposals(input, &store.id, &problem, &plan, &outlook);
                    StoreProposals {
                        status: plan.status.as_str().to_string(),
                        objective_cents: plan.objective_cents,
                        notices,
                        overflow_litres: plan.overflow_litres.clone(),
                        orders,
                        problem,
                    }
                }),
            },
        )
        .collect())
}

/// A store's shelves on day `today`: lots not yet past their expiry, deliveries due.
fn shelves(input: &RoundInput, store: &str, today: usize) -> Vec<Shelf> {
    input
        .catalog
        .skus
        .iter()
        .map(|sku| {
            let mut shelf = Shelf::default();
            for lot in input.lots_of(store, &sku.id) {
                shelf.put(
                    lot.units,
                    today + (lot.expiry - input.date).num_days() as usize,
                );
            }
            for e in input.deliveries_of(store, &sku.id) {
                let t = today + (e.date - input.date).num_days() as usize;
                if t == today {
                    // Due today and not yet received: on the shelf by opening.
                    shelf.put(e.units, t + sku.shelf_life_days as usize - 1);
                } else {
                    shelf.incoming.push(Incoming {
                        day: t,
                        units: e.units,
                        shelf_life_days: sku.shelf_life_days as u32,
                    });
                }
            }
            shelf
        })
        .collect()
}

/// Today's lines grouped by supplier into proposals, each line explained.
fn proposals(
    input: &RoundInput,
    store: &str,
    problem: &StoreProblem,
    plan: &StorePlan,
    outlook: &[(Outlook, String)],
) -> Vec<Proposal> {
    let mut out: Vec<Proposal> = Vec::new();
    for line in plan.today() {
        let supplier = &input.catalog.suppliers[line.supplier];
        let why = line_why(
            input,
            store,
            problem,
            line,
            &outlook[line.article],
            &plan.outlook[line.article],
        );
        let sku = &input.catalog.skus[line.article];
        let l = ProposalLine {
            quantity: LineQuantity {
                sku: sku.id.clone(),
                cases: line.cases,
                case_pack: sku.case_pack,
                units: line.units,
                unit_cost_cents: line.cost_cents / line.units.max(1),
                cost_cents: line.cost_cents,
            },
            why,
        };
        let delivery_date = input.date + Duration::days(i64::from(line.delivery_day));
        let volume = (line.units * sku.unit_ml) as f64 / 1000.0;
        match out
            .iter_mut()
            .find(|p| p.supplier == supplier.id && p.delivery_date == delivery_date)
        {
            Some(p) => {
                p.value_cents += l.quantity.cost_cents;
                p.why.volume_litres += volume;
                p.lines.push(l);
            }
            None => out.push(Proposal {
                store: store.to_string(),
                supplier: supplier.id.clone(),
                order_date: input.date,
                delivery_date,
                value_cents: l.quantity.cost_cents,
                lines: vec![l],
                why: OrderWhy {
                    model_status: plan.status.as_str().to_string(),
                    min_order_cents: supplier.min_order_cents,
                    delivery_fee_cents: supplier.delivery_fee_cents,
                    volume_litres: volume,
                    truck_litres: supplier.truck_litres,
                },
            }),
        }
    }
    out
}

fn line_why(
    input: &RoundInput,
    store: &str,
    problem: &StoreProblem,
    line: &OrderLine,
    (outlook, method): &(Outlook, String),
    expect: &ArticleOutlook,
) -> LineWhy {
    let h = problem.horizon_days as usize;
    let sku = &input.catalog.skus[line.article];
    let s = &problem.suppliers[line.supplier];
    let d = line.delivery_day as usize;
    // The next delivery an order placed tomorrow or later can bring.
    let next = s
        .arrival_days(h)
        .find(|&t| t > d && t > s.lead_days as usize);
    let end = next.unwrap_or(h); // exclusive
    let forecast: Vec<DayForecast> = (0..end)
        .map(|t| DayForecast {
            date: input.date + Duration::days(t as i64),
            mean: outlook.mean[t],
            p90: outlook.hi[t],
        })
        .collect();
    let before: f64 = outlook.mean[..d].iter().sum();
    let covered: f64 = outlook.mean[d..end].iter().sum();
    let safety = problem.articles[line.article].safety[end - 1];
    let delivery_date = input.date + Duration::days(d as i64);
    let stock: Vec<OnHand> = input.lots_of(store, &sku.id).cloned().collect();
    let on_order: Vec<Expected> = input.deliveries_of(store, &sku.id).cloned().collect();
    let lasting: f64 = stock
        .iter()
        .filter(|l| l.expiry >= delivery_date)
        .map(|l| l.units)
        .sum::<f64>()
        + on_order
            .iter()
            .filter(|e| e.date <= delivery_date)
            .map(|e| e.units)
            .sum::<f64>();
    let usable = (lasting - before).max(0.0);
    let offers: Vec<OfferView> = problem.articles[line.article]
        .offers
        .iter()
        .map(|&(j, cost)| {
            let sj = &problem.suppliers[j];
            OfferView {
                supplier: sj.id.clone(),
                unit_cost_cents: cost,
                first_arrival: sj
                    .arrival_days(h)
                    .next()
                    .map(|t| input.date + Duration::days(t as i64)),
            }
        })
        .collect();
    let chosen_cost = offers
        .iter()
        .find(|o| o.supplier == s.id)
        .map_or(0, |o| o.unit_cost_cents);
    let cheaper: Vec<&OfferView> = offers
        .iter()
        .filter(|o| o.unit_cost_cents < chosen_cost)
        .collect();
    let cheaper_list = cheaper
        .iter()
        .map(|o| format!("{} ({} cents)", o.supplier, o.unit_cost_cents))
        .collect::<Vec<_>>()
        .join(", ");
    let supplier = if offers.len() == 1 {
        format!("{} is the only supplier of {}", s.id, sku.id)
    } else if cheaper.is_empty() {
        format!(
            "{} is the cheapest of {} offers at {} cents a unit",
            s.id,
            offers.len(),
            chosen_cost
        )
    } else if cheaper
        .iter()
        .all(|o| o.first_arrival.is_none_or(|a| a > delivery_date))
    {
        format!(
            "{} costs {} cents a unit, more than {}, which cannot deliver before {}",
            s.id,
            chosen_cost,
            cheaper_list,
            cheaper
                .iter()
                .filter_map(|o| o.first_arrival)
                .min()
                .map_or("the horizon's end".to_string(), |a| a.to_string())
        )
    } else {
        format!(
            "{} costs {} cents a unit, more than {}, but with the delivery fees and minimum orders of the store's other articles it makes the cheaper plan",
            s.id, chosen_cost, cheaper_list
        )
    };
    let covers_until = input.date + Duration::days(end as i64 - 1);
    let short = (covered + safety - usable).max(0.0);
    let quantity = format!(
        "{} cases of {} = {} units for {} to {}: expected sales {:.1} plus safety {:.1}, less {:.1} still usable on arrival, leaves {:.1} to buy; the model rounds to whole cases and weighs waste ({:.1} units expected over {h} days), lost sales, the minimum order and the delivery fee",
        line.cases,
        sku.case_pack,
        line.units,
        delivery_date,
        covers_until,
        covered,
        safety,
        usable,
        short,
        expect.waste_units,
    );
    LineWhy {
        method: method.clone(),
        forecast,
        covers_until,
        demand_before_delivery: before,
        demand_covered: covered,
        safety_units: safety,
        stock,
        on_order,
        usable_at_delivery: usable,
        offers,
        supplier,
        quantity,
        expected_waste_units: expect.waste_units,
        expected_lost_units: expect.lost_units,
    }
}
