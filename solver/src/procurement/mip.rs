//! The store's mixed-integer model, built with good_lp and solved by HiGHS.
//!
//! For article a, day t and remaining-life bucket b (1 = today is the last day; LONG =
//! cannot expire within the horizon):
//! - stock at the start of the day S[b,t] = R[b+1,t−1] + arrivals into b on day t
//!   (deliveries go into the bucket of their full shelf life; a lot whose life runs past
//!   the horizon goes into LONG);
//! - R[b,t] ≥ 0 is what is left at the end of the day, R[b,t] ≤ S[b,t]; sales from the
//!   bucket are S − R; what is left in bucket 1 is waste;
//! - Σ_b (S − R) + lost[t] = demand[t];
//! - a tiny cost per bucket makes the oldest stock sell first (FEFO);
//! - cases x[a,j,t] (integer) from supplier j arriving on day t, which must be one of its
//!   delivery days at least its lead time away; a delivery y[j,t] (binary) carries the
//!   fee, at least the minimum order value and at most the truck's volume, and bounds
//!   each article's cases (x ≤ the horizon's demand in cases · y);
//! - the start-of-day volume of a zone over its room is overflow, paid per litre;
//! - the end-of-day stock under the safety stock is a shortfall, paid per unit.
//!
//! Cases and deliveries of orders placed after the first `integer_days` are relaxed to
//! fractions: they are planned again tomorrow, and whole numbers there would multiply
//! the branch-and-bound tree for no decision taken today.

use good_lp::solvers::{SolutionStatus, WithInitialSolution, WithMipGap, WithTimeLimit};
use good_lp::{
    Expression, ProblemVariables, ResolutionError, Solution, SolverModel, Variable, highs, variable,
};

use super::{ArticleOutlook, OrderLine, ProcurementError, SolveStatus, StorePlan, StoreProblem};

/// Cost per unit sold per bucket of remaining life, cents: small against every price,
/// enough to make the oldest sell first.
const FEFO_CENTS: f64 = 1e-3;

/// Value rows are written in euros and volume rows in litres: cents and millilitres
/// would spread the matrix over eight orders of magnitude, which slows HiGHS down.
const EUROS: f64 = 100.0;
const LITRES: f64 = 1000.0;

/// One article's variables.
struct ArticleVars {
    /// R[t][bucket index]: bucket k holds b = k + 1 days of life; index `long` is LONG.
    left: Vec<Vec<Option<Variable>>>,
    lost: Vec<Variable>,
    /// (supplier, day, cases)
    cases: Vec<(usize, usize, Variable)>,
}

/// Builds the store's model; cases and deliveries of orders placed before day `integer_days` are whole.
fn build(p: &StoreProblem, integer_days: usize) -> Built {
    let h = p.horizon_days as usize;
    let long = h; // bucket index of LONG
    let mut vars = ProblemVariables::new();
    let mut objective = Expression::default();
    let mut constraints = Vec::new();
    // Deliveries: y[j][t] where some article may arrive.
    let mut delivery: Vec<Vec<Option<Variable>>> = vec![vec![None; h]; p.suppliers.len()];
    let mut value: Vec<Vec<Expression>> = vec![vec![Expression::default(); h]; p.suppliers.len()];
    let mut volume: Vec<Vec<Expression>> = vec![vec![Expression::default(); h]; p.suppliers.len()];
    let mut zone_volume: Vec<Vec<Expression>> =
        vec![vec![Expression::default(); h]; p.zone_capacity_ml.len()];
    let mut articles = Vec::with_capacity(p.articles.len());
    for (i, a) in p.articles.iter().enumerate() {
        let life = a.shelf_life_days as usize;
        let bucket_of_arrival = |t: usize| if t + life > h { long } else { life - 1 };
        // Constant inflows (stock on hand, open deliveries) and case variables per day
        // and bucket.
        let mut inflow: Vec<Vec<Expression>> = vec![vec![Expression::default(); h + 1]; h];
        let mut present = vec![vec![false; h + 1]; h];
        for lot in &a.stock {
            let d = lot.days_left as usize;
            let k = if d > h { long } else { d - 1 };
            inflow[0][k] += lot.units;
            present[0][k] = true;
        }
        for &(day, units) in &a.on_order {
            let t = day as usize;
            let k = bucket_of_arrival(t);
            inflow[t][k] += units;
            present[t][k] = true;
        }
        let mut cases = Vec::new();
        let price = a.offers.iter().map(|(_, c)| *c).min().unwrap_or(0) as f64;
        // No delivery needs more cases than the whole horizon sells, plus the safety
        // stock: the bound that ties cases to their delivery (x ≤ most · y) keeps the
        // relaxation tight, which is what makes the model quick to solve.
        let most = ((a.demand[..h].iter().sum::<f64>()
            + a.safety[..h].iter().copied().fold(0.0, f64::max))
            / a.case_pack as f64)
            .ceil()
            .max(1.0);
        for &(j, cost) in &a.offers {
            let s = &p.suppliers[j];
            for t in s.arrival_days(h) {
                let whole = t - (s.lead_days as usize) < integer_days;
                let set = (t == s.lead_days as usize)
                    .then(|| p.fixed_cases(i, j))
                    .flatten();
                let most = most.max(set.unwrap_or(0) as f64);
                let x = vars.add(if whole {
                    variable().integer().min(0).max(most)
                } else {
                    variable().min(0).max(most)
                });
                let y = *delivery[j][t].get_or_insert_with(|| {
                    vars.add(if whole {
                        variable().binary()
                    } else {
                        variable().min(0).max(1)
                    })
                });
                constraints.push(Expression::from(x).leq(Expression::from(y) * most));
                if let Some(n) = set {
                    constraints.push(Expression::from(x).eq(n as f64));
                }
                let units = a.case_pack as f64;
                let k = bucket_of_arrival(t);
                inflow[t][k].add_mul(units, x);
                present[t][k] = true;
                objective.add_mul(cost as f64 * units, x);
                value[j][t].add_mul(cost as f64 * units / EUROS, x);
                volume[j][t].add_mul((a.unit_ml * a.case_pack) as f64 / LITRES, x);
                cases.push((j, t, x));
            }
        }
        // Buckets carry over: R[b+1, t−1] flows into b on day t; LONG stays LONG.
        let mut left: Vec<Vec<Option<Variable>>> = vec![vec![None; h + 1]; h];
        let mut lost = Vec::with_capacity(h);
        let holding = price * p.rates.holding_ppm_per_day as f64 / 1e6;
        let disposal = price * (1.0 + p.rates.disposal_pct as f64 / 100.0);
        let shortfall_cost = a.lost_sale_cents as f64 * p.rates.safety_pct as f64 / 100.0;
        for t in 0..h {
            let mut sold = Expression::default();
            let mut end_stock = Expression::default();
            let mut start_volume = Expression::default();
            for k in 0..=h {
                let carried = if t == 0 {
                    None
                } else if k == long {
                    left[t - 1][long]
                } else if k + 1 < h {
                    left[t - 1][k + 1]
                } else {
                    None
                };
                if carried.is_none() && !present[t][k] {
                    continue;
                }
                let mut start = std::mem::take(&mut inflow[t][k]);
                if let Some(c) = carried {
                    start.add_mul(1.0, c);
                }
                let r = vars.add(variable().min(0));
                left[t][k] = Some(r);
                // R ≤ S
                constraints.push(Expression::from(r).leq(start.clone()));
                sold += start.clone() - r;
                start_volume.add_mul(a.unit_ml as f64 / LITRES, start.clone());
                let b = if k == long { h + 1 } else { k + 1 };
                objective.add_mul(FEFO_CENTS * b as f64, start - r);
                if k == 0 {
                    objective.add_mul(disposal, r);
                } else {
                    end_stock.add_mul(1.0, r);
                }
            }
            let u = vars.add(variable().min(0));
            sold.add_mul(1.0, u);
            constraints.push(sold.eq(a.demand[t]));
            objective.add_mul(a.lost_sale_cents as f64, u);
            lost.push(u);
            objective.add_mul(holding, end_stock.clone());
            if a.safety[t] > 0.0 {
                let short = vars.add(variable().min(0));
                constraints.push((Expression::from(short) + end_stock).geq(a.safety[t]));
                objective.add_mul(shortfall_cost, short);
            }
            zone_volume[a.zone][t] += start_volume;
        }
        articles.push(ArticleVars { left, lost, cases });
    }
    for (j, s) in p.suppliers.iter().enumerate() {
        for t in 0..h {
            let Some(y) = delivery[j][t] else { continue };
            objective.add_mul(s.fee_cents as f64, y);
            let v = std::mem::take(&mut value[j][t]);
            constraints.push(v.geq(Expression::from(y) * (s.min_order_cents as f64 / EUROS)));
            let vol = std::mem::take(&mut volume[j][t]);
            constraints.push(vol.leq(Expression::from(y) * (s.truck_ml as f64 / LITRES)));
        }
    }
    let mut overflow = vec![Vec::with_capacity(h); p.zone_capacity_ml.len()];
    for (z, cap) in p.zone_capacity_ml.iter().enumerate() {
        for t in 0..h {
            let ov = vars.add(variable().min(0));
            let v = std::mem::take(&mut zone_volume[z][t]);
            constraints.push(v.leq(Expression::from(ov) + *cap as f64 / LITRES));
            objective.add_mul(p.rates.overflow_cents_per_litre as f64, ov);
            overflow[z].push(ov);
        }
    }
    Built {
        vars,
        objective,
        constraints,
        articles,
        overflow,
        delivery,
    }
}

/// The model's parts, built the same way twice (relaxed, then whole), so that the
/// variables of both have the same indices.
struct Built {
    vars: ProblemVariables,
    objective: Expression,
    constraints: Vec<good_lp::Constraint>,
    articles: Vec<ArticleVars>,
    overflow: Vec<Vec<Variable>>,
    delivery: Vec<Vec<Option<Variable>>>,
}

/// Today's whole cases and deliveries from the relaxation: cases rounded, a delivery
/// wherever a case is ordered, topped up to the supplier's minimum with cases of the
/// articles the relaxation buys most of. HiGHS completes it into a first plan (the other
/// values by a linear program), so that branching starts from a good incumbent.
fn rounded_start(
    p: &StoreProblem,
    articles: &[ArticleVars],
    delivery: &[Vec<Option<Variable>>],
    relaxed: &impl Solution,
) -> Vec<(Variable, f64)> {
    let mut start = Vec::new();
    for (j, s) in p.suppliers.iter().enumerate() {
        let t = s.lead_days as usize;
        let Some(y) = delivery[j].get(t).copied().flatten() else {
            continue;
        };
        // (variable, relaxed cases, whole cases, price of a case, set by a planner)
        let mut cases: Vec<(Variable, f64, f64, f64, bool)> = Vec::new();
        for (i, (a, v)) in p.articles.iter().zip(articles).enumerate() {
            for &(jj, tt, x) in &v.cases {
                if jj == j && tt == t {
                    let set = p.fixed_cases(i, j);
                    let r = set.map_or_else(|| relaxed.value(x).max(0.0), |n| n as f64);
                    let cost = a
                        .offers
                        .iter()
                        .find(|(s, _)| *s == j)
                        .map_or(0, |(_, c)| *c);
                    let price = (cost * a.case_pack) as f64;
                    cases.push((x, r, r.round(), price, set.is_some()));
                }
            }
        }
        let mut value: f64 = cases.iter().map(|c| c.2 * c.3).sum();
        let open = value > 0.0;
        let can_grow = |c: &(Variable, f64, f64, f64, bool)| c.3 > 0.0 && !c.4;
        if open {
            cases.sort_by(|a, b| b.1.total_cmp(&a.1));
            let n = cases.len();
            let mut k = 0;
            while value < s.min_order_cents as f64 && cases.iter().any(can_grow) {
                let c = &mut cases[k % n];
                if can_grow(c) {
                    c.2 += 1.0;
                    value += c.3;
                }
                k += 1;
            }
        }
        start.push((y, f64::from(u8::from(open))));
        start.extend(cases.into_iter().map(|(x, _, n, _, _)| (x, n)));
    }
    start
}

/// Plans one store.
pub fn plan_store(p: &StoreProblem) -> Result<StorePlan, ProcurementError> {
    let notices = p.validate()?;
    let started = std::time::Instant::now();
    let relaxed = build(p, 0);
    let Built {
        vars: lp_vars,
        objective: lp_objective,
        constraints: lp_constraints,
        ..
    } = relaxed;
    let mut lp = lp_vars
        .minimise(lp_objective)
        .using(highs)
        .with_time_limit(p.time_limit_s);
    lp.set_verbose(false);
    let mut lp = lp.set_threads(1);
    for c in lp_constraints {
        lp.add_constraint(c);
    }
    let lp = lp.solve().map_err(|e| match e {
        ResolutionError::Infeasible => ProcurementError::Infeasible,
        other => ProcurementError::NoPlan(other.to_string()),
    })?;
    let start = rounded_start(p, &relaxed.articles, &relaxed.delivery, &lp);
    let Built {
        vars,
        objective,
        constraints,
        articles,
        overflow,
        ..
    } = build(p, p.integer_days as usize);
    let left = (p.time_limit_s - started.elapsed().as_secs_f64()).max(0.1);
    let mut model = vars
        .minimise(objective.clone())
        .using(highs)
        .with_initial_solution(start)
        .with_time_limit(left)
        .with_mip_gap(p.mip_gap.max(0.0) as f32)
        .map_err(|e| ProcurementError::BadInput {
            code: "bad_mip_gap",
            what: format!("MIP gap: {e}"),
        })?;
    model.set_verbose(false);
    let mut model = model.set_threads(1);
    // Measured on a store of 200 articles (`freshroute bench procurement --stores 1
    // --threads 1`): HiGHS's sub-MIP heuristics (RINS, RENS, root reduced cost) and
    // feasibility jump took 5.3 s of 5.4; without them branching closes the same gap
    // (0.3 %) in 2.2 s.
    for heuristic in [
        "mip_heuristic_run_rins",
        "mip_heuristic_run_rens",
        "mip_heuristic_run_root_reduced_cost",
        "mip_heuristic_run_feasibility_jump",
    ] {
        model = model.set_option(heuristic, false);
    }
    for c in constraints {
        model.add_constraint(c);
    }
    let solution = model.solve().map_err(|e| match e {
        ResolutionError::Infeasible => ProcurementError::Infeasible,
        other => ProcurementError::NoPlan(other.to_string()),
    })?;
    let status = match solution.status() {
        SolutionStatus::Optimal => SolveStatus::Optimal,
        SolutionStatus::GapLimit => SolveStatus::WithinGap,
        SolutionStatus::TimeLimit => SolveStatus::TimeLimit,
    };
    let mut lines = Vec::new();
    let mut outlook = Vec::with_capacity(p.articles.len());
    for (i, (a, v)) in p.articles.iter().zip(&articles).enumerate() {
        let mut o = ArticleOutlook::default();
        for &(j, t, x) in &v.cases {
            let raw = solution.value(x);
            let order_day = (t - p.suppliers[j].lead_days as usize) as u32;
            if order_day >= p.integer_days {
                o.bought_units += raw.max(0.0) * a.case_pack as f64;
                continue;
            }
            let cases = raw.round();
            if (raw - cases).abs() > 1e-6 || cases < 0.0 {
                return Err(ProcurementError::Fractional {
                    article: a.id.clone(),
                    supplier: p.suppliers[j].id.clone(),
                    value: raw,
                });
            }
            if cases >= 1.0 {
                let cases = cases as i64;
                let cost = a
                    .offers
                    .iter()
                    .find(|(s, _)| *s == j)
                    .map_or(0, |(_, c)| *c);
                let units = cases * a.case_pack;
                lines.push(OrderLine {
                    article: i,
                    supplier: j,
                    order_day,
                    delivery_day: t as u32,
                    cases,
                    units,
                    cost_cents: units * cost,
                });
                o.bought_units += units as f64;
            }
        }
        o.supplier = lines
            .iter()
            .filter(|l| l.article == i)
            .min_by_key(|l| l.delivery_day)
            .map(|l| l.supplier);
        o.waste_units = v
            .left
            .iter()
            .filter_map(|day| day[0])
            .map(|r| solution.value(r))
            .sum();
        o.lost_units = v.lost.iter().map(|u| solution.value(*u)).sum();
        outlook.push(o);
    }
    lines.sort_by_key(|l| (l.order_day, l.supplier, l.article, l.delivery_day));
    let overflow_litres = overflow
        .iter()
        .map(|days| days.iter().map(|v| solution.value(*v)).fold(0.0, f64::max))
        .collect();
    Ok(StorePlan {
        status,
        lines,
        outlook,
        overflow_litres,
        objective_cents: objective.eval_with(&solution),
        notices,
    })
}
