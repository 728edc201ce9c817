//! The region's transfer plan: trips chosen by a greedy over donor → receiver pairs
//! ([`super::trips`]), then the units on those trips by a linear model (good_lp, HiGHS).
//!
//! For a receiver's need (store r, article a) and a donor bucket (store d, article a,
//! lot of b days left, free units F) joined by a chosen trip:
//! - x[d→r, a, b] ≥ 0 units moved, Σ_r x ≤ F (only free units leave the donor);
//! - c[r, a, t] ≤ short[t] demand covered on day t, u[r, a, t] ≤ upside[t] demand above
//!   the mean covered, c_keep ≤ keep_short, s[r, a, t] ≤ absorb[t] units the receiver
//!   sells in place of its own (no value there; only units the donor would throw away
//!   fill them, Σ s ≤ Σ x of those, and earn the waste saved);
//! - a unit of b days left covers only days before b: for every τ ≤ horizon,
//!   Σ_{b ≤ τ} x ≤ Σ_{t < τ} (c_t + u_t + s_t), and Σ x = Σ c + Σ u + Σ s + c_keep (nothing moves
//!   without a purpose);
//! - the receiver's room per zone bounds the units brought in.
//!
//! Maximised: lost sales covered + demand above the mean covered and cover restored (each
//! a fraction of a lost sale) + waste
//! saved at the donor − handling. Whole units are the model's rounded down (every bound
//! still holds); a trip whose whole units no longer pay for it is dropped. Values in
//! euros, for HiGHS's sake.

use std::collections::{BTreeMap, HashMap, HashSet};

use good_lp::solvers::{SolutionStatus, WithTimeLimit};
use good_lp::{
    Expression, ProblemVariables, ResolutionError, Solution, SolverModel, Variable, highs, variable,
};

use super::project::{Projection, absorb, project};
use super::trips::{Gaps, Link, Need, Offer, choose, links};
use super::{SolveStatus, Transfer, TransferError, TransferPlan, TransferProblem, Why};

const EUROS: f64 = 100.0;

/// The model: (offer, need, variable) per unit flow.
struct Built {
    vars: ProblemVariables,
    objective: Expression,
    constraints: Vec<good_lp::Constraint>,
    moves: Vec<(usize, usize, Variable)>,
}

/// Proposes the region's transfers.
pub fn propose(p: &TransferProblem) -> Result<TransferPlan, TransferError> {
    p.validate()?;
    let h = p.horizon as usize;
    let mut projections: HashMap<(usize, usize), Projection> = p
        .positions
        .iter()
        .map(|q| {
            let pr = project(&q.lots, &q.demand, &q.upside, h, q.keep);
            ((q.store, q.article), pr)
        })
        .collect();
    // Room to sell others' units in place of one's own matters only for articles some
    // store would throw away.
    let wasting: HashSet<usize> = projections
        .iter()
        .filter(|(_, pr)| pr.free.iter().any(|f| f.2 && f.1 >= 1.0))
        .map(|(&(_, article), _)| article)
        .collect();
    for q in p.positions.iter().filter(|q| wasting.contains(&q.article)) {
        if let Some(pr) = projections.get_mut(&(q.store, q.article)) {
            pr.absorb = absorb(&q.lots, &q.demand, h, pr.short.iter().sum());
        }
    }
    let (needs, offers) = needs_and_offers(&projections);
    let mut plan = TransferPlan {
        status: SolveStatus::Optimal,
        transfers: Vec::new(),
        trips: Vec::new(),
        gain_cents: 0,
        needs: needs.len(),
        offers: offers.len(),
    };
    let all = links(p, &needs, &offers);
    let trips: HashSet<(usize, usize)> = choose(p, &needs, &offers, &all).into_iter().collect();
    // In a set order, so that the same problem gives the same model and plan.
    let mut chosen: Vec<Link> = all
        .iter()
        .filter(|(pair, _)| trips.contains(pair))
        .flat_map(|(_, l)| l.iter().copied())
        .collect();
    chosen.sort_by_key(|l| (l.need, l.offer));
    if chosen.is_empty() {
        return Ok(plan);
    }
    let Built {
        vars,
        objective,
        constraints,
        moves,
    } = build(p, &needs, &offers, &chosen);
    let mut model = vars
        .maximise(objective)
        .using(highs)
        .with_time_limit(p.time_limit_s);
    model.set_verbose(false);
    let mut model = model.set_threads(1);
    for c in constraints {
        model.add_constraint(c);
    }
    let solution = model.solve().map_err(|e| match e {
        ResolutionError::Infeasible => TransferError::NoPlan("infeasible".to_string()),
        other => TransferError::NoPlan(other.to_string()),
    })?;
    plan.status = match solution.status() {
        SolutionStatus::Optimal => SolveStatus::Optimal,
        SolutionStatus::GapLimit => SolveStatus::WithinGap,
        SolutionStatus::TimeLimit => SolveStatus::TimeLimit,
    };
    let moved: Vec<(usize, usize, i64)> = moves
        .iter()
        .map(|&(o, n, x)| (o, n, (solution.value(x) + 1e-6).floor() as i64))
        .filter(|m| m.2 > 0)
        .collect();
    explain(p, &projections, &needs, &offers, &moved, &mut plan);
    Ok(plan)
}

fn needs_and_offers(projections: &HashMap<(usize, usize), Projection>) -> (Vec<Need>, Vec<Offer>) {
    let mut needs = Vec::new();
    let mut offers = Vec::new();
    let mut keys: Vec<&(usize, usize)> = projections.keys().collect();
    keys.sort();
    for &(store, article) in keys {
        let pr = &projections[&(store, article)];
        let gaps = Gaps {
            short: pr.short.clone(),
            upside: pr.upside.clone(),
            absorb: pr.absorb.clone(),
            keep: pr.keep_short,
        };
        if gaps.total() >= 1.0 {
            needs.push(Need {
                store,
                article,
                gaps,
            });
        }
        for &(days, units, wasted) in &pr.free {
            if units >= 1.0 {
                offers.push(Offer {
                    store,
                    article,
                    days,
                    units: units.floor(),
                    wasted,
                });
            }
        }
    }
    (needs, offers)
}

fn build(p: &TransferProblem, needs: &[Need], offers: &[Offer], chosen: &[Link]) -> Built {
    let h = p.horizon as usize;
    let rates = p.rates;
    let mut vars = ProblemVariables::new();
    let mut objective = Expression::default();
    let mut constraints = Vec::new();
    let mut moves = Vec::new();
    // Ordered maps: the constraints come out in the same order every run.
    let mut donor_out: BTreeMap<usize, Expression> = BTreeMap::new();
    let mut room: BTreeMap<(usize, usize), Expression> = BTreeMap::new();
    let mut by_need: HashMap<usize, Vec<usize>> = HashMap::new();
    for l in chosen {
        by_need.entry(l.need).or_default().push(l.offer);
    }
    let mut keys: Vec<usize> = by_need.keys().copied().collect();
    keys.sort();
    for n in keys {
        let need = &needs[n];
        let a = &p.articles[need.article];
        let lost = a.lost_sale_cents as f64 / EUROS;
        let total_need = need.gaps.total();
        let cover: Vec<Option<Variable>> = need
            .gaps
            .short
            .iter()
            .map(|&s| (s > 1e-9).then(|| vars.add(variable().min(0).max(s))))
            .collect();
        let upside: Vec<Option<Variable>> = (0..h)
            .map(|t| {
                let u = need.gaps.upside.get(t).copied().unwrap_or(0.0);
                (u > 1e-9).then(|| vars.add(variable().min(0).max(u)))
            })
            .collect();
        for u in upside.iter().flatten() {
            objective.add_mul(lost * rates.upside_pct as f64 / 100.0, *u);
        }
        let keep = (need.gaps.keep > 1e-9).then(|| vars.add(variable().min(0).max(need.gaps.keep)));
        // Sold in place of the receiver's own: no value there, only the waste saved.
        let absorb: Vec<Option<Variable>> = (0..h)
            .map(|t| {
                let a = need.gaps.absorb.get(t).copied().unwrap_or(0.0);
                (a > 1e-9).then(|| vars.add(variable().min(0).max(a)))
            })
            .collect();
        for c in cover.iter().flatten() {
            objective.add_mul(lost, *c);
        }
        if let Some(k) = keep {
            objective.add_mul(lost * rates.keep_pct as f64 / 100.0, k);
        }
        let mut incoming: Vec<(u32, Variable)> = Vec::new();
        let mut wasted_in = Expression::default();
        for &o in &by_need[&n] {
            let offer = &offers[o];
            let x = vars.add(variable().min(0).max(offer.units.min(total_need.ceil())));
            let waste = if offer.wasted {
                a.unit_cents as f64 * (100 + rates.disposal_pct) as f64 / 100.0
            } else {
                0.0
            };
            objective.add_mul((waste - rates.unit_handling_cents as f64) / EUROS, x);
            *donor_out.entry(o).or_default() += x;
            room.entry((need.store, a.zone))
                .or_default()
                .add_mul(a.unit_ml as f64 / 1000.0, x);
            incoming.push((offer.days, x));
            if offer.wasted {
                wasted_in += x;
            }
            moves.push((o, n, x));
        }
        // Units that die by day τ cover only days before τ; all of them cover something.
        for tau in 1..=h {
            let dying: Expression = incoming
                .iter()
                .filter(|(b, _)| *b as usize <= tau)
                .map(|(_, x)| Expression::from(*x))
                .sum();
            let covered: Expression = cover[..tau]
                .iter()
                .chain(&upside[..tau])
                .chain(&absorb[..tau])
                .flatten()
                .map(|c| Expression::from(*c))
                .sum();
            constraints.push(dying.leq(covered));
        }
        let absorbed: Expression = absorb.iter().flatten().map(|a| Expression::from(*a)).sum();
        constraints.push(absorbed.leq(wasted_in));
        let all: Expression = incoming.iter().map(|(_, x)| Expression::from(*x)).sum();
        let covered: Expression = cover
            .iter()
            .chain(&upside)
            .chain(&absorb)
            .flatten()
            .chain(keep.iter())
            .map(|c| Expression::from(*c))
            .sum();
        constraints.push(all.eq(covered));
    }
    for (o, out) in donor_out {
        constraints.push(out.leq(offers[o].units));
    }
    for ((store, zone), e) in room {
        let litres = p.stores[store].room_ml[zone].max(0) as f64 / 1000.0;
        constraints.push(e.leq(litres));
    }
    Built {
        vars,
        objective,
        constraints,
        moves,
    }
}

/// Turns whole units moved into transfers that say why, and the plan's gain.
fn explain(
    p: &TransferProblem,
    projections: &HashMap<(usize, usize), Projection>,
    needs: &[Need],
    offers: &[Offer],
    moved: &[(usize, usize, i64)],
    plan: &mut TransferPlan,
) {
    let rates = p.rates;
    let mut sent: HashMap<(usize, usize), i64> = HashMap::new();
    for &(o, _, u) in moved {
        *sent
            .entry((offers[o].store, offers[o].article))
            .or_default() += u;
    }
    // Per need: units in by bucket, oldest first, matched to the earliest days they can cover.
    let mut by_need: HashMap<usize, Vec<(usize, i64)>> = HashMap::new();
    for &(o, n, u) in moved {
        by_need.entry(n).or_default().push((o, u));
    }
    let mut keys: Vec<usize> = by_need.keys().copied().collect();
    keys.sort();
    let mut transfers: HashMap<(usize, usize, usize), Transfer> = HashMap::new();
    for n in keys {
        let need = &needs[n];
        let mut gaps = need.gaps.clone();
        let mut ins = by_need[&n].clone();
        ins.sort_by_key(|&(o, _)| offers[o].days);
        for (o, units) in ins {
            let offer = &offers[o];
            let c = gaps.fill(units as f64, offer, p.horizon);
            let mut why = Why {
                covers_short_units: c.short,
                covers_upside_units: c.upside,
                sells_in_place_units: c.absorb,
                covers_keep_units: c.keep,
                ..Why::default()
            };
            if offer.wasted {
                why.saves_waste_units = units as f64;
            }
            let t = transfers
                .entry((offer.store, need.store, need.article))
                .or_insert_with(|| Transfer {
                    from: offer.store,
                    to: need.store,
                    article: need.article,
                    units: 0,
                    lots: Vec::new(),
                    why: Why::default(),
                });
            t.units += units;
            t.lots.push((offer.days, units));
            t.why.covers_short_units += why.covers_short_units;
            t.why.covers_upside_units += why.covers_upside_units;
            t.why.covers_keep_units += why.covers_keep_units;
            t.why.sells_in_place_units += why.sells_in_place_units;
            t.why.saves_waste_units += why.saves_waste_units;
            let on_hand = projections[&(offer.store, need.article)].on_hand;
            t.why.donor_keeps_units = on_hand - sent[&(offer.store, need.article)] as f64;
        }
    }
    let mut list: Vec<Transfer> = transfers.into_values().collect();
    for t in &mut list {
        let a = &p.articles[t.article];
        let value = t.why.covers_short_units * a.lost_sale_cents as f64
            + t.why.covers_upside_units * a.lost_sale_cents as f64 * rates.upside_pct as f64
                / 100.0
            + t.why.covers_keep_units * a.lost_sale_cents as f64 * rates.keep_pct as f64 / 100.0
            + t.why.saves_waste_units * a.unit_cents as f64 * (100 + rates.disposal_pct) as f64
                / 100.0;
        t.why.value_cents = value.round() as i64;
    }
    // A pair whose whole units no longer pay for its trip is dropped.
    let pair_cents: HashMap<(usize, usize), i64> = p
        .pairs
        .iter()
        .map(|q| ((q.from, q.to), q.trip_cents))
        .collect();
    let mut by_pair: HashMap<(usize, usize), i64> = HashMap::new();
    for t in &list {
        *by_pair.entry((t.from, t.to)).or_default() +=
            t.why.value_cents - t.units * rates.unit_handling_cents;
    }
    list.retain(|t| by_pair[&(t.from, t.to)] > pair_cents[&(t.from, t.to)]);
    list.sort_by_key(|t| (t.from, t.to, t.article));
    for t in &mut list {
        t.lots.sort();
    }
    let mut trips: Vec<(usize, usize)> = list.iter().map(|t| (t.from, t.to)).collect();
    trips.dedup();
    plan.gain_cents = list
        .iter()
        .map(|t| t.why.value_cents - t.units * rates.unit_handling_cents)
        .sum::<i64>()
        - trips.iter().map(|k| pair_cents[k]).sum::<i64>();
    plan.trips = trips;
    plan.transfers = list;
}

#[cfg(test)]
mod tests {
    use super::super::{Article, Pair, Position, Rates, Store};
    use super::*;
    use crate::procurement::Lot;

    fn store(id: &str) -> Store {
        Store {
            id: id.to_string(),
            room_ml: vec![100_000, 100_000],
        }
    }

    fn article(id: &str, zone: usize) -> Article {
        Article {
            id: id.to_string(),
            zone,
            unit_ml: 500,
            unit_cents: 300,
            lost_sale_cents: 600,
            max_ride_s: 3_600,
        }
    }

    fn position(
        store: usize,
        article: usize,
        lots: &[(f64, u32)],
        demand: f64,
        keep: f64,
    ) -> Position {
        Position {
            store,
            article,
            lots: lots
                .iter()
                .map(|&(units, days_left)| Lot { units, days_left })
                .collect(),
            demand: vec![demand; 2],
            upside: Vec::new(),
            keep,
        }
    }

    fn problem(positions: Vec<Position>, trip_cents: i64) -> TransferProblem {
        TransferProblem {
            horizon: 2,
            stores: vec![store("a"), store("b"), store("c")],
            articles: vec![article("cake", 0), article("ice", 1)],
            positions,
            pairs: [(0, 1), (1, 0), (0, 2), (2, 0), (1, 2), (2, 1)]
                .iter()
                .map(|&(from, to)| Pair {
                    from,
                    to,
                    trip_cents,
                    ride_s: 600,
                })
                .collect(),
            donors_per_need: 4,
            rates: Rates::default(),
            time_limit_s: 5.0,
        }
    }

    #[test]
    fn units_that_would_expire_unsold_go_where_demand_would_go_unmet() {
        // a: 10 units ending tomorrow, sells 2 a day (6 wasted); b: none, sells 5 a day.
        let p = problem(
            vec![
                position(0, 0, &[(10.0, 2)], 2.0, 0.0),
                position(1, 0, &[], 5.0, 0.0),
            ],
            500,
        );
        let plan = propose(&p).expect("plan");
        assert_eq!(plan.transfers.len(), 1, "{plan:?}");
        let t = &plan.transfers[0];
        assert_eq!((t.from, t.to, t.article, t.units), (0, 1, 0, 6));
        assert_eq!(t.lots, [(2, 6)]);
        assert_eq!(t.why.saves_waste_units, 6.0);
        assert_eq!(t.why.covers_short_units, 6.0);
        assert_eq!(t.why.donor_keeps_units, 4.0);
        assert_eq!(plan.trips, [(0, 1)]);
        // 6 lost sales and 6 wasted units saved, less handling and the trip.
        assert_eq!(plan.gain_cents, 6 * 600 + 6 * 330 - 6 * 10 - 500);
    }

    #[test]
    fn a_donor_keeps_its_own_cover() {
        // a: 20 long-life units, sells 4 a day, keeps 8: 4 are free.
        let p = problem(
            vec![
                position(0, 0, &[(20.0, 30)], 4.0, 8.0),
                position(1, 0, &[], 5.0, 0.0),
            ],
            100,
        );
        let plan = propose(&p).expect("plan");
        assert_eq!(plan.transfers.len(), 1);
        assert_eq!(plan.transfers[0].units, 4);
        assert_eq!(plan.transfers[0].why.saves_waste_units, 0.0);
        assert_eq!(plan.transfers[0].why.donor_keeps_units, 16.0);
    }

    #[test]
    fn a_trip_that_costs_more_than_it_saves_is_not_proposed() {
        let p = problem(
            vec![
                position(0, 0, &[(3.0, 1)], 2.0, 0.0),
                position(1, 0, &[], 5.0, 0.0),
            ],
            5_000,
        );
        let plan = propose(&p).expect("plan");
        assert!(plan.transfers.is_empty(), "{plan:?}");
        // b is short both days, a tomorrow (its 3 units end today, one of them unsold).
        assert_eq!(plan.needs, 2);
        assert_eq!(plan.offers, 1);
    }

    #[test]
    fn a_ride_beyond_the_cold_chain_limit_or_no_room_stops_a_transfer() {
        let mut p = problem(
            vec![
                position(0, 1, &[(10.0, 1)], 0.0, 0.0),
                position(1, 1, &[], 5.0, 0.0),
            ],
            100,
        );
        p.articles[1].max_ride_s = 300;
        assert!(propose(&p).expect("plan").transfers.is_empty());
        p.articles[1].max_ride_s = 3_600;
        p.stores[1].room_ml[1] = 1_000; // two units of 500 ml
        let plan = propose(&p).expect("plan");
        assert_eq!(plan.transfers[0].units, 2);
    }

    #[test]
    fn units_with_a_day_left_cover_only_today() {
        // b is short 0 today and 5 tomorrow: a's units ending today cannot help.
        let p = problem(
            vec![
                position(0, 0, &[(10.0, 1)], 0.0, 0.0),
                Position {
                    demand: vec![2.0, 7.0],
                    ..position(1, 0, &[(4.0, 5)], 0.0, 0.0)
                },
            ],
            100,
        );
        let plan = propose(&p).expect("plan");
        assert!(plan.transfers.is_empty(), "{plan:?}");
    }

    #[test]
    fn several_articles_for_one_store_share_a_trip_from_the_nearest_donor() {
        let mut p = problem(
            vec![
                position(0, 0, &[(10.0, 2)], 1.0, 0.0),
                position(0, 1, &[(10.0, 2)], 1.0, 0.0),
                position(2, 0, &[(10.0, 2)], 1.0, 0.0),
                position(2, 1, &[(10.0, 2)], 1.0, 0.0),
                position(1, 0, &[], 3.0, 0.0),
                position(1, 1, &[], 3.0, 0.0),
            ],
            300,
        );
        for pair in &mut p.pairs {
            if pair.from == 2 {
                pair.trip_cents = 200;
            }
        }
        let plan = propose(&p).expect("plan");
        assert_eq!(plan.trips, [(2, 1)], "{plan:?}");
        assert_eq!(plan.transfers.len(), 2);
        assert!(plan.transfers.iter().all(|t| t.units == 6));
    }

    #[test]
    fn units_that_would_be_thrown_away_go_where_demand_may_run_high() {
        // b holds what it should sell today on average, but may sell 3 more a day.
        let mut p = problem(
            vec![
                position(0, 0, &[(10.0, 1)], 2.0, 0.0),
                position(1, 0, &[(4.0, 4)], 4.0, 0.0),
            ],
            300,
        );
        p.positions[1].upside = vec![3.0, 3.0];
        let plan = propose(&p).expect("plan");
        assert_eq!(plan.transfers.len(), 1, "{plan:?}");
        let t = &plan.transfers[0];
        // a's 8 units end today: they can only meet today's extra demand.
        assert_eq!((t.units, t.why.covers_upside_units), (3, 3.0));
        assert_eq!(t.why.saves_waste_units, 3.0);
        p.positions[1].upside.clear();
        assert!(propose(&p).expect("plan").transfers.is_empty());
    }

    #[test]
    fn units_that_would_be_thrown_away_go_where_they_sell_in_place_of_fresher_stock() {
        // a throws 6 away tomorrow night; b holds 30 long-lived units and sells 5 a day:
        // it needs nothing, but sells a's units first and its own later (buying less).
        let p = problem(
            vec![
                position(0, 0, &[(10.0, 2)], 2.0, 0.0),
                position(1, 0, &[(30.0, 20)], 5.0, 0.0),
            ],
            300,
        );
        let plan = propose(&p).expect("plan");
        assert_eq!(plan.transfers.len(), 1, "{plan:?}");
        let t = &plan.transfers[0];
        assert_eq!((t.units, t.why.sells_in_place_units), (6, 6.0));
        assert_eq!(t.why.saves_waste_units, 6.0);
        assert_eq!(t.why.covers_short_units + t.why.covers_upside_units, 0.0);
        // Units it would keep, not throw away, do not move for that.
        let p = problem(
            vec![
                position(0, 0, &[(10.0, 30)], 2.0, 0.0),
                position(1, 0, &[(30.0, 20)], 5.0, 0.0),
            ],
            300,
        );
        assert!(propose(&p).expect("plan").transfers.is_empty());
        // Nor to a store that would then throw its own away.
        let p = problem(
            vec![
                position(0, 0, &[(10.0, 2)], 2.0, 0.0),
                position(1, 0, &[(10.0, 2)], 5.0, 0.0),
            ],
            300,
        );
        assert!(propose(&p).expect("plan").transfers.is_empty());
    }

    #[test]
    fn a_store_that_lacks_nothing_looks_only_to_donors_that_would_throw_units_away() {
        // b needs nothing but can sell 6 of c's expiring units in place of its own; a is
        // nearer, with units it would keep, not throw away. With one donor per need, a
        // would take the place and nothing would move.
        let mut p = problem(
            vec![
                position(0, 0, &[(10.0, 30)], 2.0, 0.0),
                position(1, 0, &[(30.0, 20)], 5.0, 0.0),
                position(2, 0, &[(10.0, 2)], 2.0, 0.0),
            ],
            300,
        );
        p.donors_per_need = 1;
        for q in &mut p.pairs {
            if (q.from, q.to) == (0, 1) {
                q.trip_cents = 100;
            }
        }
        let plan = propose(&p).expect("plan");
        assert_eq!(plan.transfers.len(), 1, "{plan:?}");
        let t = &plan.transfers[0];
        assert_eq!((t.from, t.to, t.units), (2, 1, 6));
        assert_eq!(t.why.sells_in_place_units, 6.0);
    }

    #[test]
    fn bad_input_is_refused_with_a_code() {
        let mut p = problem(vec![position(0, 0, &[(1.0, 0)], 1.0, 0.0)], 100);
        assert_eq!(propose(&p).expect_err("refused").code(), "bad_position");
        p.positions.clear();
        p.pairs[0].to = 0;
        assert_eq!(propose(&p).expect_err("refused").code(), "bad_pair");
        p.horizon = 0;
        assert_eq!(propose(&p).expect_err("refused").code(), "bad_horizon");
    }
}
