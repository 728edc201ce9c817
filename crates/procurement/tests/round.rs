//! A planning round on the sample chain: proposals per supplier that a planner can check
//! line by line, and sales that cannot be forecast from refused with a code.

use chrono::{Duration, NaiveDate};
use freshroute_procurement::proposals::{
    OnHand, PlannedPromotion, RoundInput, StoreRoom, extend_panel, plan_round,
};
use freshroute_procurement::round::RoundOptions;
use freshroute_procurement::simulate::panel;
use freshroute_sample::history::history;

const DAYS: usize = 100;

struct Setup {
    h: freshroute_sample::history::History,
    chain: freshroute_sample::SampleChain,
}

fn setup() -> Setup {
    let chain = freshroute_sample::generate(freshroute_sample::DEFAULT_SEED, 2);
    let first = NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
    let h = history(&chain, 7, first, DAYS);
    Setup { h, chain }
}

#[test]
fn a_round_proposes_whole_cases_per_supplier_and_explains_every_line() {
    let Setup { h, chain } = setup();
    let first = h.days[0].date;
    let last = h.days[DAYS - 1].date;
    let date = last + Duration::days(1);
    let options = RoundOptions::default();
    let promotions = PlannedPromotion::of_history(&h);
    let sales = extend_panel(
        &panel(&h),
        first,
        date + Duration::days(i64::from(options.horizon_days) - 1),
        &promotions,
    );
    let store = &chain.stores[0];
    let on_hand = [
        OnHand {
            store: store.id.clone(),
            sku: "MILK".to_string(),
            lot: "L-1".to_string(),
            expiry: date + Duration::days(3),
            units: 20.0,
        },
        OnHand {
            store: store.id.clone(),
            sku: "MILK".to_string(),
            lot: "OLD".to_string(),
            expiry: date - Duration::days(1),
            units: 9.0,
        },
    ];
    let input = RoundInput {
        catalog: &h.catalog,
        sales: &sales,
        first,
        date,
        stores: &[StoreRoom {
            id: store.id.clone(),
            room: store.storage,
        }],
        on_hand: &on_hand,
        expected: &[],
        options,
        threads: 1,
    };
    let steps = std::sync::Mutex::new(Vec::new());
    let result =
        plan_round(&input, last, &|p| steps.lock().expect("lock").push(p)).expect("a round");
    assert_eq!(
        steps.lock().expect("lock").len(),
        2,
        "forecast, then solved"
    );
    assert_eq!(result.len(), 1);
    let planned = result[0].outcome.as_ref().expect("the store is planned");
    assert!(
        !planned.orders.is_empty(),
        "an empty store orders something"
    );
    let mut seen = Vec::new();
    for o in &planned.orders {
        assert_eq!(o.order_date, date);
        let supplier = h
            .catalog
            .suppliers
            .iter()
            .find(|s| s.id == o.supplier)
            .expect("a catalog supplier");
        assert_eq!(o.delivery_date, date + Duration::days(supplier.lead_days));
        assert!(supplier.delivers_on(o.delivery_date));
        assert!(!seen.contains(&&o.supplier), "one proposal per supplier");
        seen.push(&o.supplier);
        assert_eq!(
            o.value_cents,
            o.lines.iter().map(|l| l.quantity.cost_cents).sum::<i64>()
        );
        assert!(o.value_cents >= supplier.min_order_cents, "{o:?}");
        for line in &o.lines {
            let l = &line.quantity;
            assert!(l.cases > 0);
            assert_eq!(l.units, l.cases * l.case_pack);
            assert_eq!(l.cost_cents, l.units * l.unit_cost_cents);
            let w = &line.why;
            assert_eq!(w.forecast.first().map(|f| f.date), Some(date));
            assert!(w.covers_until >= o.delivery_date);
            assert!(
                w.forecast
                    .iter()
                    .all(|f| f.mean >= 0.0 && f.p90 >= f.mean - 1e-9)
            );
            assert!(w.offers.iter().any(|x| x.supplier == o.supplier));
            assert!(w.supplier.contains(&o.supplier), "{}", w.supplier);
            assert!(
                w.quantity.contains(&format!("{} cases", l.cases)),
                "{}",
                w.quantity
            );
            assert!(
                w.stock.iter().all(|lot| lot.lot != "OLD"),
                "expired lots are not stock"
            );
            if l.sku == "MILK" {
                assert_eq!(w.stock.len(), 1);
            }
        }
    }
}

#[test]
fn sales_with_a_gap_or_too_short_are_refused_with_a_code() {
    let Setup { h, chain } = setup();
    let first = h.days[0].date;
    let last = h.days[DAYS - 1].date;
    let store = &chain.stores[0];
    let rooms = [StoreRoom {
        id: store.id.clone(),
        room: store.storage,
    }];
    let base = panel(&h);
    let code = |sales: &freshroute_forecast::Panel, date: NaiveDate| {
        let input = RoundInput {
            catalog: &h.catalog,
            sales,
            first,
            date,
            stores: &rooms,
            on_hand: &[],
            expected: &[],
            options: RoundOptions::default(),
            threads: 1,
        };
        plan_round(&input, last, &|_| {})
            .map(|_| ())
            .map_err(|e| e.code)
    };
    let mut gap = base.clone();
    gap.series[3].units[DAYS - 10] = None;
    assert_eq!(code(&gap, last), Err("sales_missing_days".to_string()));
    assert_eq!(
        code(&base, last + Duration::days(5)),
        Err("sales_missing_days".to_string())
    );
    assert_eq!(
        code(&base, first + Duration::days(20)),
        Err("history_too_short".to_string())
    );
    // A panel that stops before the horizon's end cannot be planned either.
    assert_eq!(
        code(&base, last + Duration::days(1)),
        Err("forecast_missing_days".to_string())
    );
}
