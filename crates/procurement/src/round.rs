//! A planning round: each store's purchase-order model built from the catalog, the
//! store's room per zone, the forecasts of its articles and what it has on the shelf
//! and on order; the stores planned in parallel.

use chrono::NaiveDate;
use freshroute_forecast::{
    BacktestOptions, Method, ModelOptions, Panel, Profiles, Series, forecast_with,
};
use freshroute_sample::Zones;
use freshroute_sample::catalog::{Catalog, Zone};
use freshroute_solver::procurement::{Article, Lot, Rates, StoreProblem, Supplier};

use crate::shelf::Shelf;

/// What a round plans with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoundOptions {
    /// Days planned ahead.
    pub horizon_days: u32,
    /// Seconds one store's model may take.
    pub time_limit_s: f64,
    /// Relative MIP gap at which a store's model stops.
    pub mip_gap: f64,
    /// Cost rates.
    pub rates: Rates,
    /// Days whose orders are whole cases in the model (today's always are).
    pub integer_days: u32,
}

impl Default for RoundOptions {
    fn default() -> Self {
        Self {
            horizon_days: 14,
            time_limit_s: 10.0,
            mip_gap: 0.005,
            rates: Rates::default(),
            integer_days: 1,
        }
    }
}

/// An article's forecast from today on: the expected units and the 90th percentile
/// per day.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outlook {
    /// Expected units per day, today first.
    pub mean: Vec<f64>,
    /// 90th percentile per day.
    pub hi: Vec<f64>,
}

/// How a round chooses each series' forecasting method: by its errors 1 to 3 days ahead
/// on the last four weeks.
pub fn method_choice() -> BacktestOptions {
    BacktestOptions {
        horizons: 3,
        evaluate: 1,
        select: 28,
        model: ModelOptions::daily(),
        threads: 1,
    }
}

/// The forecast of `series` for the `horizon` days after `origin`, by `method`
/// (`profiles`: the store profiles fitted so far on this panel).
pub fn outlook(
    panel: &Panel,
    series: &Series,
    origin: usize,
    horizon: usize,
    method: Method,
    profiles: &Profiles,
) -> Outlook {
    let f = forecast_with(
        panel,
        series,
        origin,
        horizon,
        method,
        &ModelOptions::daily(),
        profiles,
    );
    Outlook {
        mean: f.iter().map(|x| x.mean).collect(),
        hi: f.iter().map(|x| x.hi).collect(),
    }
}

/// The index of a zone in a store's room list: frozen, chilled, ambient.
pub fn zone_index(zone: Zone) -> usize {
    match zone {
        Zone::Frozen => 0,
        Zone::Chilled => 1,
        Zone::Ambient => 2,
    }
}

/// A store's room per zone, millilitres, in [`zone_index`] order.
pub fn room_ml(storage: &Zones) -> Vec<i64> {
    [
        storage.frozen_litres,
        storage.chilled_litres,
        storage.ambient_litres,
    ]
    .iter()
    .map(|l| l * 1000)
    .collect()
}

/// What a unit short costs: what it brings in at the till, and at least three times its
/// price (a missing cup loses the coffee in it).
pub fn lost_sale_cents(revenue_cents: i64, unit_cost_cents: i64) -> i64 {
    revenue_cents.max(3 * unit_cost_cents)
}

/// The model of one store on `date` (day `today` of the shelves' day count).
pub fn store_problem(
    catalog: &Catalog,
    storage: &Zones,
    date: NaiveDate,
    today: usize,
    outlook: &[Outlook],
    shelves: &[Shelf],
    o: &RoundOptions,
) -> StoreProblem {
    let h = o.horizon_days as usize;
    let suppliers = catalog
        .suppliers
        .iter()
        .map(|s| Supplier {
            id: s.id.clone(),
            lead_days: s.lead_days as u32,
            delivers: (0..h)
                .map(|t| s.delivers_on(date + chrono::Duration::days(t as i64)))
                .collect(),
            min_order_cents: s.min_order_cents,
            fee_cents: s.delivery_fee_cents,
            truck_ml: s.truck_litres * 1000,
        })
        .collect();
    let articles = catalog
        .skus
        .iter()
        .enumerate()
        .map(|(k, sku)| {
            let offers = catalog.offers_of(&sku.id);
            let cheapest = offers.iter().map(|(_, c)| *c).min().unwrap_or(0);
            let f = &outlook[k];
            // The end of day t should hold what the next day may sell beyond its mean
            // (a forecast cut short stays short here, and the model refuses it).
            let known = f.mean.len().min(f.hi.len()).min(h);
            let safety = (0..known)
                .map(|t| {
                    let n = (t + 1).min(known - 1);
                    (f.hi[n] - f.mean[n]).max(0.0)
                })
                .collect();
            let shelf = &shelves[k];
            Article {
                id: sku.id.clone(),
                zone: zone_index(sku.zone),
                shelf_life_days: sku.shelf_life_days as u32,
                unit_ml: sku.unit_ml,
                case_pack: sku.case_pack,
                demand: f.mean[..known].to_vec(),
                safety,
                stock: shelf
                    .lots
                    .iter()
                    .filter(|l| l.last_day >= today)
                    .map(|l| Lot {
                        units: l.units,
                        days_left: (l.last_day - today + 1) as u32,
                    })
                    .collect(),
                on_order: shelf
                    .incoming
                    .iter()
                    .filter(|i| i.day > today && i.day < today + h)
                    .map(|i| ((i.day - today) as u32, i.units))
                    .collect(),
                offers,
                lost_sale_cents: lost_sale_cents(sku.revenue_cents, cheapest),
            }
        })
        .collect();
    StoreProblem {
        horizon_days: o.horizon_days,
        articles,
        suppliers,
        zone_capacity_ml: room_ml(storage),
        rates: o.rates,
        time_limit_s: o.time_limit_s,
        mip_gap: o.mip_gap,
        integer_days: o.integer_days,
        fixed: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shelf::Incoming;
    use freshroute_sample::catalog::catalog;

    #[test]
    fn a_store_model_carries_the_calendar_the_stock_and_the_forecast() {
        let c = catalog();
        let storage = Zones {
            frozen_litres: 500,
            chilled_litres: 800,
            ambient_litres: 2_000,
        };
        let h = 14;
        let outlook: Vec<Outlook> = c
            .skus
            .iter()
            .map(|_| Outlook {
                mean: vec![2.0; h],
                hi: vec![3.0; h],
            })
            .collect();
        let mut shelves = vec![Shelf::default(); c.skus.len()];
        shelves[0].put(4.0, 12); // day 10 is today: 3 days left
        shelves[0].put(1.0, 9); // already past: not offered to the model
        shelves[0].incoming.push(Incoming {
            day: 12,
            units: 6.0,
            shelf_life_days: 180,
        });
        // 2026-12-01 is a Tuesday.
        let date = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        let p = store_problem(
            &c,
            &storage,
            date,
            10,
            &outlook,
            &shelves,
            &RoundOptions::default(),
        );
        assert_eq!(p.zone_capacity_ml, [500_000, 800_000, 2_000_000]);
        let ice = p
            .suppliers
            .iter()
            .find(|s| s.id == "gelados-douro")
            .expect("supplier");
        // Tuesdays and Fridays: days 0, 3, 7, 10.
        let days: Vec<usize> = (0..h).filter(|&t| ice.delivers[t]).collect();
        assert_eq!(days, [0, 3, 7, 10]);
        let a = &p.articles[0];
        assert_eq!(a.stock.len(), 1);
        assert_eq!(a.stock[0].days_left, 3);
        assert_eq!(a.on_order, [(2, 6.0)]);
        assert!(a.safety.iter().all(|s| (*s - 1.0).abs() < 1e-12));
        assert_eq!(a.offers.len(), 2, "{} has two suppliers", a.id);
        assert_eq!(lost_sale_cents(0, 340), 1_020);
        // A forecast cut short is refused by the model with a code, not a panic.
        let mut short = outlook.clone();
        short[3].mean.truncate(5);
        let p = store_problem(
            &c,
            &storage,
            date,
            10,
            &short,
            &shelves,
            &RoundOptions::default(),
        );
        let e = freshroute_solver::procurement::plan_store(&p).expect_err("short forecast");
        assert_eq!(e.code(), "forecast_missing_days");
    }
}
