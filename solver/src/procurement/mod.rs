//! Purchase orders for one store over a rolling horizon of days: a mixed-integer model
//! of perishable lot sizing (inventory balanced by remaining-life buckets, oldest sold
//! first, stock that reaches its last day unsold is waste), whole cases from each
//! supplier on its delivery days after its lead time, a minimum order value and a fee
//! per delivery, the truck's volume, storage room per temperature zone as a soft limit
//! (overflow reported), a soft safety stock, and costs for buying, holding, waste and
//! lost sales. The cheapest supplier of an article is the model's choice.
//!
//! Day 0 is today; only orders placed today ([`StorePlan::today`]) are meant to be sent:
//! tomorrow plans again with what is known then.
//!
//! Units: money in cents, volume in millilitres, time in whole days; quantities of an
//! article in its units (fractions allowed for forecasts and stock; orders in whole cases).

mod mip;

pub use mip::plan_store;

/// An article the store keeps.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Article {
    /// The caller's id.
    pub id: String,
    /// Index into [`StoreProblem::zone_capacity_ml`].
    pub zone: usize,
    /// Days from delivery to expiry (a delivery on day t can be sold up to day
    /// t + shelf_life_days − 1).
    pub shelf_life_days: u32,
    /// Room one unit takes, millilitres.
    pub unit_ml: i64,
    /// Units per case.
    pub case_pack: i64,
    /// Expected sales per day, day 0 first (at least the horizon's length).
    pub demand: Vec<f64>,
    /// Stock wanted at the end of each day on top of nothing (a soft target).
    pub safety: Vec<f64>,
    /// Stock on hand now, by lot.
    pub stock: Vec<Lot>,
    /// Deliveries already ordered: (day, units).
    pub on_order: Vec<(u32, f64)>,
    /// Who sells it and at what price per unit, cents.
    pub offers: Vec<(usize, i64)>,
    /// What a unit of unmet demand costs, cents.
    pub lost_sale_cents: i64,
}

/// A lot on hand.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Lot {
    /// Units.
    pub units: f64,
    /// Days it can still be sold, today included (1: today is its last day).
    pub days_left: u32,
}

/// A supplier as the model sees it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Supplier {
    /// The caller's id.
    pub id: String,
    /// Days from order to delivery.
    pub lead_days: u32,
    /// Whether it delivers on each day of the horizon, day 0 first.
    pub delivers: Vec<bool>,
    /// Least value of one delivery, cents.
    pub min_order_cents: i64,
    /// What one delivery costs, cents.
    pub fee_cents: i64,
    /// Most room in one delivery, millilitres.
    pub truck_ml: i64,
}

impl Supplier {
    /// The days within `horizon` an order placed today or later can arrive: its
    /// delivery days at least its lead time away.
    pub fn arrival_days(&self, horizon: usize) -> impl Iterator<Item = usize> + '_ {
        (self.lead_days as usize..horizon).filter(|&t| self.delivers.get(t) == Some(&true))
    }
}

/// Cost rates that are not prices.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Rates {
    /// Holding a unit a day, in millionths of its price.
    pub holding_ppm_per_day: i64,
    /// Throwing a unit away, on top of its price, in percent of its price.
    pub disposal_pct: i64,
    /// A unit below the safety stock at the end of a day, in percent of its lost-sale cost.
    pub safety_pct: i64,
    /// A litre over a zone's room at the start of a day, cents.
    pub overflow_cents_per_litre: i64,
}

impl Default for Rates {
    fn default() -> Self {
        Self {
            // About 25 % a year: money tied up, energy, space.
            holding_ppm_per_day: 700,
            disposal_pct: 10,
            safety_pct: 10,
            overflow_cents_per_litre: 500,
        }
    }
}

/// One store's planning problem.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StoreProblem {
    /// Days planned.
    pub horizon_days: u32,
    /// Articles.
    pub articles: Vec<Article>,
    /// Suppliers.
    pub suppliers: Vec<Supplier>,
    /// Room per temperature zone, millilitres.
    pub zone_capacity_ml: Vec<i64>,
    /// Cost rates.
    pub rates: Rates,
    /// Seconds the MIP solver may take.
    pub time_limit_s: f64,
    /// Relative gap at which the MIP solver stops.
    pub mip_gap: f64,
    /// Orders placed on the first this many days are whole cases and whole deliveries;
    /// later ones, which tomorrow's round plans again, are relaxed to fractions (they
    /// still shape today's decision, at a fraction of the solving time). At least 1.
    pub integer_days: u32,
    /// Today's orders a planner has set by hand: the model plans everything else around
    /// them (what an edit costs is the difference of the two plans' costs).
    pub fixed: Vec<FixedOrder>,
}

/// Cases of an article ordered today from a supplier, set by a planner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FixedOrder {
    /// Index into the articles.
    pub article: usize,
    /// Index into the suppliers.
    pub supplier: usize,
    /// Whole cases (0: none from this supplier today).
    pub cases: i64,
}

/// An order line the model proposes.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderLine {
    /// Index into the articles.
    pub article: usize,
    /// Index into the suppliers.
    pub supplier: usize,
    /// Day the order must be placed.
    pub order_day: u32,
    /// Day it arrives.
    pub delivery_day: u32,
    /// Whole cases.
    pub cases: i64,
    /// Units (cases × case pack).
    pub units: i64,
    /// Price of the line, cents.
    pub cost_cents: i64,
}

/// How the MIP solver ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SolveStatus {
    /// Proven optimal.
    Optimal,
    /// Within the relative gap asked for.
    WithinGap,
    /// Stopped at the time limit with a feasible plan.
    TimeLimit,
}

impl SolveStatus {
    /// `optimal`, `within_gap`, `time_limit`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Optimal => "optimal",
            Self::WithinGap => "within_gap",
            Self::TimeLimit => "time_limit",
        }
    }
}

/// What the model expects for an article over the horizon.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ArticleOutlook {
    /// Units expected to expire unsold.
    pub waste_units: f64,
    /// Units of demand expected to go unmet.
    pub lost_units: f64,
    /// Units bought over the horizon (later days' fractions included).
    pub bought_units: f64,
    /// The supplier chosen first (the one of the earliest line), if any.
    pub supplier: Option<usize>,
}

/// Something left out of the plan, with a stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// `no_supplier`, `no_delivery_in_horizon`.
    pub code: &'static str,
    /// What and how to fix it.
    pub message: String,
}

/// A store's plan.
#[derive(Debug, Clone, PartialEq)]
pub struct StorePlan {
    /// How the solver ended.
    pub status: SolveStatus,
    /// The order lines placed on the whole-case days (see
    /// [`StoreProblem::integer_days`]).
    pub lines: Vec<OrderLine>,
    /// Per article.
    pub outlook: Vec<ArticleOutlook>,
    /// Litres over each zone's room at the worst start of a day.
    pub overflow_litres: Vec<f64>,
    /// The model's cost, cents.
    pub objective_cents: f64,
    /// Articles and suppliers left out, and why.
    pub notices: Vec<Notice>,
}

impl StorePlan {
    /// The lines to be ordered today.
    pub fn today(&self) -> impl Iterator<Item = &OrderLine> {
        self.lines.iter().filter(|l| l.order_day == 0)
    }
}

/// A problem the model cannot take, or a solve without a usable plan.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProcurementError {
    /// An input value out of range.
    #[error("{what}")]
    BadInput {
        /// Stable code.
        code: &'static str,
        /// What is wrong and how to fix it.
        what: String,
    },
    /// The solver proved there is no plan (which the model's slack should prevent).
    #[error("the purchase model is infeasible")]
    Infeasible,
    /// The solver found no plan in time, or failed.
    #[error("the MIP solver gave no plan: {0}")]
    NoPlan(String),
    /// The solver's values for whole cases are not whole.
    #[error("the solver returned {value} cases for {article} from {supplier}: not a whole number")]
    Fractional {
        /// The article.
        article: String,
        /// The supplier.
        supplier: String,
        /// The value.
        value: f64,
    },
}

impl ProcurementError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadInput { code, .. } => code,
            Self::Infeasible => "model_infeasible",
            Self::NoPlan(_) => "no_plan",
            Self::Fractional { .. } => "fractional_solution",
        }
    }
}

impl StoreProblem {
    /// Checks every value; what cannot be planned but leaves the rest plannable comes
    /// back as notices.
    pub fn validate(&self) -> Result<Vec<Notice>, ProcurementError> {
        let bad = |code, what: String| Err(ProcurementError::BadInput { code, what });
        let h = self.horizon_days as usize;
        if !(1..=60).contains(&h) {
            return bad(
                "bad_horizon",
                format!("horizon of {h} days: plan 1 to 60 days"),
            );
        }
        if self.integer_days == 0 {
            return bad(
                "bad_integer_days",
                "at least today's orders are whole cases: integer_days ≥ 1".to_string(),
            );
        }
        if !(self.time_limit_s > 0.0 && self.time_limit_s.is_finite()) {
            return bad(
                "bad_time_limit",
                "the time limit must be positive".to_string(),
            );
        }
        if self.zone_capacity_ml.iter().any(|c| *c < 0) {
            return bad("bad_capacity", "a zone's room is negative".to_string());
        }
        for s in &self.suppliers {
            if s.delivers.len() < h || s.min_order_cents < 0 || s.fee_cents < 0 || s.truck_ml <= 0 {
                return bad(
                    "bad_supplier",
                    format!(
                        "supplier {}: delivery days for every day of the horizon, minimum order and fee ≥ 0, truck room > 0",
                        s.id
                    ),
                );
            }
        }
        let mut notices = Vec::new();
        for a in &self.articles {
            if a.zone >= self.zone_capacity_ml.len() {
                return bad(
                    "bad_zone",
                    format!("{}: zone {} has no room given", a.id, a.zone),
                );
            }
            if a.shelf_life_days == 0 || a.unit_ml <= 0 || a.case_pack <= 0 || a.lost_sale_cents < 0
            {
                return bad(
                    "bad_article",
                    format!(
                        "{}: shelf life, unit volume and case pack must be positive",
                        a.id
                    ),
                );
            }
            if a.demand.len() < h || a.safety.len() < h {
                return bad(
                    "forecast_missing_days",
                    format!(
                        "{}: {} forecast days for a {h}-day horizon",
                        a.id,
                        a.demand.len().min(a.safety.len())
                    ),
                );
            }
            if a.demand
                .iter()
                .chain(&a.safety)
                .any(|v| !v.is_finite() || *v < 0.0)
            {
                return bad(
                    "bad_forecast",
                    format!("{}: a forecast is negative or not a number", a.id),
                );
            }
            if let Some(l) = a
                .stock
                .iter()
                .find(|l| !l.units.is_finite() || l.units < 0.0 || l.days_left == 0)
            {
                return bad(
                    "negative_stock",
                    format!(
                        "{}: a lot of {} units with {} days left; count stock again (units ≥ 0, at least 1 day left)",
                        a.id, l.units, l.days_left
                    ),
                );
            }
            if a.on_order
                .iter()
                .any(|(d, u)| !u.is_finite() || *u < 0.0 || *d as usize >= h)
            {
                return bad(
                    "bad_on_order",
                    format!(
                        "{}: an open delivery is negative or beyond the horizon",
                        a.id
                    ),
                );
            }
            if let Some((s, c)) = a
                .offers
                .iter()
                .find(|(s, c)| *s >= self.suppliers.len() || *c < 0)
            {
                return bad(
                    "bad_offer",
                    format!("{}: offer from supplier #{s} at {c} cents", a.id),
                );
            }
            if a.offers.is_empty() {
                notices.push(Notice {
                    code: "no_supplier",
                    message: format!(
                        "{} has no supplier: add an offer for it; it is not planned",
                        a.id
                    ),
                });
            } else if !a
                .offers
                .iter()
                .any(|(s, _)| self.suppliers[*s].arrival_days(h).next().is_some())
            {
                notices.push(Notice {
                    code: "no_delivery_in_horizon",
                    message: format!(
                        "{}: none of its suppliers can deliver within {h} days (lead time and delivery days); it is planned from stock only",
                        a.id
                    ),
                });
            }
        }
        for f in &self.fixed {
            let article = self.articles.get(f.article);
            let supplier = self.suppliers.get(f.supplier);
            let (Some(a), Some(s)) = (article, supplier) else {
                return bad(
                    "bad_fixed_order",
                    format!(
                        "a set order names article #{} and supplier #{}, which the problem does not have",
                        f.article, f.supplier
                    ),
                );
            };
            let sells = a.offers.iter().any(|(j, _)| *j == f.supplier);
            let arrives = s.delivers.get(s.lead_days as usize) == Some(&true);
            if f.cases < 0 || (f.cases > 0 && !(sells && arrives)) {
                return bad(
                    "bad_fixed_order",
                    format!(
                        "{} cases of {} from {}: cases must be ≥ 0, and the supplier must sell the article and deliver an order placed today",
                        f.cases, a.id, s.id
                    ),
                );
            }
        }
        Ok(notices)
    }

    /// The cases a planner set for `article` from `supplier` today, if any.
    pub(crate) fn fixed_cases(&self, article: usize, supplier: usize) -> Option<i64> {
        self.fixed
            .iter()
            .find(|f| f.article == article && f.supplier == supplier)
            .map(|f| f.cases)
    }
}

/// Plans every store, `threads` at a time (each model on one solver thread): stores
/// do not share stock, so their models are independent.
pub fn plan_stores(
    problems: &[StoreProblem],
    threads: usize,
) -> Vec<Result<StorePlan, ProcurementError>> {
    plan_stores_reporting(problems, threads, &|_, _| {})
}

/// [`plan_stores`], calling `done(store, plan)` as each store's model ends.
pub fn plan_stores_reporting(
    problems: &[StoreProblem],
    threads: usize,
    done: &(dyn Fn(usize, &Result<StorePlan, ProcurementError>) + Sync),
) -> Vec<Result<StorePlan, ProcurementError>> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut out: Vec<Option<Result<StorePlan, ProcurementError>>> = vec![None; problems.len()];
    let slots: Vec<std::sync::Mutex<&mut Option<Result<StorePlan, ProcurementError>>>> =
        out.iter_mut().map(std::sync::Mutex::new).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, problems.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(p) = problems.get(k) else { break };
                    let plan = plan_store(p);
                    done(k, &plan);
                    if let Ok(mut slot) = slots[k].lock() {
                        **slot = Some(plan);
                    }
                }
            });
        }
    });
    drop(slots);
    out.into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                Err(ProcurementError::NoPlan(
                    "the planning thread stopped".to_string(),
                ))
            })
        })
        .collect()
}
