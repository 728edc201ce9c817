//! Purchase-order planning stories: what a planner would check a proposal for.

use freshroute_solver::procurement::{
    Article, FixedOrder, Lot, Rates, SolveStatus, StorePlan, StoreProblem, Supplier, plan_store,
};

const H: u32 = 14;

fn supplier(id: &str, lead_days: u32, every: usize) -> Supplier {
    Supplier {
        id: id.to_string(),
        lead_days,
        delivers: (0..H as usize).map(|t| t % every == 0).collect(),
        min_order_cents: 0,
        fee_cents: 0,
        truck_ml: 10_000_000,
    }
}

fn article(
    id: &str,
    per_day: f64,
    shelf_life_days: u32,
    case_pack: i64,
    offers: Vec<(usize, i64)>,
) -> Article {
    Article {
        id: id.to_string(),
        zone: 0,
        shelf_life_days,
        unit_ml: 1_000,
        case_pack,
        demand: vec![per_day; H as usize],
        safety: vec![0.0; H as usize],
        stock: Vec::new(),
        on_order: Vec::new(),
        offers,
        lost_sale_cents: 500,
    }
}

fn problem(articles: Vec<Article>, suppliers: Vec<Supplier>) -> StoreProblem {
    StoreProblem {
        horizon_days: H,
        articles,
        suppliers,
        zone_capacity_ml: vec![1_000_000_000],
        rates: Rates::default(),
        time_limit_s: 20.0,
        mip_gap: 0.0,
        integer_days: H,
        fixed: Vec::new(),
    }
}

fn solved(p: &StoreProblem) -> StorePlan {
    let plan = plan_store(p).expect("a plan");
    assert_eq!(plan.status, SolveStatus::Optimal);
    plan
}

#[test]
fn whole_cases_from_the_cheaper_supplier_on_its_delivery_days_after_its_lead_time() {
    // Milk: 10 a day, cases of 6; the dairy (lead 1, every day) at 80 cents, the
    // wholesaler (lead 1, every day) at 95.
    let p = problem(
        vec![article("MILK", 10.0, 30, 6, vec![(0, 80), (1, 95)])],
        vec![supplier("dairy", 1, 1), supplier("wholesale", 1, 1)],
    );
    let plan = solved(&p);
    assert!(!plan.lines.is_empty());
    for l in &plan.lines {
        assert_eq!(l.supplier, 0, "the cheaper supplier: {l:?}");
        assert_eq!(l.units, l.cases * 6);
        assert_eq!(l.delivery_day, l.order_day + 1, "lead time of a day");
        assert_eq!(l.cost_cents, l.units * 80);
    }
    let o = plan.outlook[0];
    // Day 0 cannot be served (nothing on hand, the first delivery is tomorrow); every
    // other day is: 13 days × 10 bought, rounded up to whole cases.
    assert!((o.lost_units - 10.0).abs() < 1e-6, "{o:?}");
    assert!(
        o.bought_units >= 130.0 && o.bought_units < 130.0 + 6.0 * 13.0,
        "{o:?}"
    );
    assert!(plan.today().all(|l| l.order_day == 0));
    assert!(
        plan.today().count() >= 1,
        "tomorrow's milk is ordered today"
    );
}

#[test]
fn short_lived_stock_is_sold_oldest_first_and_little_is_thrown_away() {
    // Pastries: 2-day shelf life, 5 a day, cases of 12 delivered every day. A lot of 5
    // with 1 day left is on hand: it is sold today, not wasted.
    let mut a = article("NATA", 5.0, 2, 12, vec![(0, 40)]);
    a.stock = vec![
        Lot {
            units: 5.0,
            days_left: 1,
        },
        Lot {
            units: 5.0,
            days_left: 2,
        },
    ];
    let plan = solved(&problem(vec![a], vec![supplier("bakery", 1, 1)]));
    let o = plan.outlook[0];
    // Each case of 12 covers at most 2 days (10 sold): 2 units of every case are waste,
    // unless a day goes short, which costs more (500 cents a unit) than wasting a 40-cent
    // pastry. The model buys a case every other day.
    assert!(o.lost_units < 1e-6, "{o:?}");
    assert!(o.waste_units <= 2.0 * 7.0 + 1e-6, "{o:?}");
    assert!(o.waste_units >= 2.0 * 6.0 - 1e-6, "{o:?}");
}

#[test]
fn a_minimum_order_and_a_delivery_fee_gather_orders_into_fewer_deliveries() {
    // Two ambient articles, long shelf life, from one supplier with a 20 € fee and a
    // 30 € minimum: fewer, larger deliveries than one per day.
    let mut s = supplier("roaster", 1, 1);
    s.fee_cents = 2_000;
    s.min_order_cents = 3_000;
    let p = problem(
        vec![
            article("BEANS", 2.0, 180, 6, vec![(0, 1_450)]),
            article("CUPS", 3.0, 3_650, 20, vec![(0, 340)]),
        ],
        vec![s],
    );
    let plan = solved(&p);
    let mut days: Vec<u32> = plan.lines.iter().map(|l| l.delivery_day).collect();
    days.dedup();
    assert!(days.len() <= 3, "deliveries on {days:?}");
    for d in &days {
        let value: i64 = plan
            .lines
            .iter()
            .filter(|l| l.delivery_day == *d)
            .map(|l| l.cost_cents)
            .sum();
        assert!(value >= 3_000, "day {d}: {value} cents, under the minimum");
    }
}

#[test]
fn a_full_freezer_is_reported_as_overflow_not_as_a_failure() {
    let mut a = article("ICE", 3.0, 180, 2, vec![(0, 1_400)]);
    a.unit_ml = 5_500;
    a.stock = vec![Lot {
        units: 10.0,
        days_left: 100,
    }];
    let mut p = problem(vec![a], vec![supplier("gelados", 2, 3)]);
    p.zone_capacity_ml = vec![20_000]; // room for 3 tubs, 10 on hand
    let plan = solved(&p);
    assert!(plan.overflow_litres[0] > 30.0, "{:?}", plan.overflow_litres);
}

#[test]
fn articles_without_a_supplier_or_a_delivery_are_reported_and_the_rest_planned() {
    let mut weekly = supplier("weekly", 20, 1); // lead time beyond the horizon
    weekly.delivers = vec![true; H as usize];
    let p = problem(
        vec![
            article("ORPHAN", 1.0, 30, 1, vec![]),
            article("FAR", 1.0, 30, 1, vec![(1, 100)]),
            article("MILK", 4.0, 10, 6, vec![(0, 80)]),
        ],
        vec![supplier("dairy", 1, 1), weekly],
    );
    let plan = solved(&p);
    let codes: Vec<&str> = plan.notices.iter().map(|n| n.code).collect();
    assert_eq!(codes, ["no_supplier", "no_delivery_in_horizon"]);
    assert!(plan.notices[0].message.contains("ORPHAN"));
    assert!((plan.outlook[0].lost_units - 14.0).abs() < 1e-6);
    assert!(plan.lines.iter().all(|l| l.article == 2));
    assert!(plan.outlook[2].bought_units > 0.0);
}

#[test]
fn bad_counts_and_short_forecasts_are_refused_with_a_code() {
    let mut a = article("MILK", 4.0, 10, 6, vec![(0, 80)]);
    a.stock = vec![Lot {
        units: -3.0,
        days_left: 4,
    }];
    let e = plan_store(&problem(vec![a], vec![supplier("dairy", 1, 1)])).expect_err("negative");
    assert_eq!(e.code(), "negative_stock");
    assert!(e.to_string().contains("MILK"), "{e}");
    let mut a = article("MILK", 4.0, 10, 6, vec![(0, 80)]);
    a.demand.truncate(9);
    let e = plan_store(&problem(vec![a], vec![supplier("dairy", 1, 1)])).expect_err("short");
    assert_eq!(e.code(), "forecast_missing_days");
    let mut p = problem(
        vec![article("MILK", 4.0, 10, 6, vec![(3, 80)])],
        vec![supplier("dairy", 1, 1)],
    );
    assert_eq!(plan_store(&p).expect_err("offer").code(), "bad_offer");
    p.articles[0].offers = vec![(0, 80)];
    p.time_limit_s = 0.0;
    assert_eq!(plan_store(&p).expect_err("time").code(), "bad_time_limit");
}

#[test]
fn an_order_set_by_hand_is_kept_and_costs_at_least_the_optimum() {
    // Milk from the dairy, lead 0, every day: today's optimal order is what today and
    // tomorrow need. A planner who orders 5 cases more today is held to it.
    let p = problem(
        vec![article("MILK", 10.0, 4, 6, vec![(0, 80)])],
        vec![supplier("dairy", 0, 1)],
    );
    let best = solved(&p);
    let today: i64 = best.today().map(|l| l.cases).sum();
    assert!(today > 0, "{:?}", best.lines);
    let mut edited = p.clone();
    edited.fixed.push(FixedOrder {
        article: 0,
        supplier: 0,
        cases: today + 5,
    });
    let plan = solved(&edited);
    let kept: i64 = plan.today().map(|l| l.cases).sum();
    assert_eq!(kept, today + 5);
    // Thirty more units of 4-day milk today cost more than the optimum (later orders
    // shrink to make up for part of it).
    assert!(
        plan.objective_cents > best.objective_cents + 1.0,
        "{} vs {}",
        plan.objective_cents,
        best.objective_cents
    );
    // Setting the optimum's own quantity costs nothing.
    let mut same = p.clone();
    same.fixed.push(FixedOrder {
        article: 0,
        supplier: 0,
        cases: today,
    });
    assert!((solved(&same).objective_cents - best.objective_cents).abs() < 1e-6);
    // A supplier that cannot deliver an order placed today cannot be set.
    let mut late = problem(
        vec![article("MILK", 10.0, 4, 6, vec![(0, 80)])],
        vec![supplier("dairy", 1, 2)],
    );
    late.fixed.push(FixedOrder {
        article: 0,
        supplier: 0,
        cases: 2,
    });
    let e = plan_store(&late).expect_err("no delivery of today's order");
    assert_eq!(e.code(), "bad_fixed_order");
}
