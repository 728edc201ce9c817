//! A seeded day of customers' orders for the sample chain: when each is placed (a lunch
//! and an evening peak, only while its store is open), where it goes (within a few
//! kilometres of the store), what it holds (coffee hot, cakes chilled, ice cream frozen,
//! pastries at room temperature, in proportions by kind of store), how long the store
//! takes to prepare it and what it is promised.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::{Point, SampleChain, Store};

/// One item of an order, as `POST /v1/orders` takes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// The chain's article.
    pub sku: String,
    /// How many.
    pub quantity: i64,
    /// `frozen`, `chilled`, `hot` or `ambient`.
    pub class: String,
}

/// A customer's order, timed from midnight of the day (UTC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleOrder {
    /// Unique within the day.
    pub id: String,
    /// The store that prepares it.
    pub store_id: String,
    /// When it is placed, seconds after midnight.
    pub placed_s: i64,
    /// How long the store says it takes to prepare, seconds.
    pub prep_s: i64,
    /// How long it really takes, seconds (the kitchen is not exact).
    pub actual_prep_s: i64,
    /// The promise, seconds after placing.
    pub promise_s: i64,
    /// Where it goes.
    pub location: Point,
    /// What it holds.
    pub items: Vec<Item>,
}

/// Orders per hour of the day over the whole chain at `peak_per_hour` in the busiest
/// hour: a lunch peak and a smaller evening one.
fn hourly_weight(hour: u32) -> f64 {
    const W: [f64; 24] = [
        0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.15, 0.3, 0.35, 0.45, 0.75, 1.0, 0.85, 0.5, 0.4, 0.45,
        0.55, 0.7, 0.8, 0.65, 0.4, 0.2, 0.0,
    ];
    W[hour as usize % 24]
}

/// The busiest hour of [`day`] (its first second, after midnight).
pub const BUSIEST_HOUR_S: i64 = 12 * 3600;

fn minutes(hhmm: &str) -> Option<i64> {
    let (h, m) = hhmm.split_once(':')?;
    Some(h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?)
}

/// Whether `store` is open at `s` seconds after midnight on a weekday.
fn open_at(store: &Store, s: i64) -> bool {
    store
        .opening_hours
        .iter()
        .filter(|h| h.days.iter().any(|d| d == "wed"))
        .any(|h| match (minutes(&h.opens), minutes(&h.closes)) {
            (Some(o), Some(c)) => o * 60 <= s && s < c * 60,
            _ => false,
        })
}

/// What a store of this id sells most: dessert stores (big freezers) sell ice cream.
fn items(store: &Store, rng: &mut StdRng) -> Vec<Item> {
    let dessert = store.storage.frozen_litres >= 600;
    let menu: &[(&str, &str, f64)] = if dessert {
        &[
            ("gelato-500ml", "frozen", 0.45),
            ("cheesecake-slice", "chilled", 0.2),
            ("espresso", "hot", 0.15),
            ("pastel-de-nata", "ambient", 0.2),
        ]
    } else {
        &[
            ("flat-white", "hot", 0.4),
            ("croissant", "ambient", 0.3),
            ("fruit-salad", "chilled", 0.2),
            ("gelato-500ml", "frozen", 0.1),
        ]
    };
    let lines = rng.random_range(1..=3);
    let mut out: Vec<Item> = Vec::new();
    for _ in 0..lines {
        let mut roll: f64 = rng.random();
        let pick = menu
            .iter()
            .find(|(_, _, p)| {
                roll -= p;
                roll < 0.0
            })
            .unwrap_or(&menu[0]);
        match out.iter_mut().find(|i| i.sku == pick.0) {
            Some(i) => i.quantity += 1,
            None => out.push(Item {
                sku: pick.0.to_string(),
                quantity: rng.random_range(1..=2),
                class: pick.1.to_string(),
            }),
        }
    }
    out
}

/// The orders of one day for `chain`, `peak_per_hour` in the busiest hour; the same seed
/// gives the same day.
pub fn day(chain: &SampleChain, seed: u64, peak_per_hour: f64) -> Vec<SampleOrder> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = Vec::new();
    // Minute by minute, each open store draws its orders (a Bernoulli trial per minute
    // is a Poisson process fine enough at these rates).
    for minute in 0..24 * 60 {
        let s = minute * 60;
        let open: Vec<&Store> = chain.stores.iter().filter(|st| open_at(st, s)).collect();
        if open.is_empty() {
            continue;
        }
        let per_store_minute =
            peak_per_hour * hourly_weight((minute / 60) as u32) / 60.0 / open.len() as f64;
        for store in open {
            if !rng.random_bool(per_store_minute.clamp(0.0, 1.0)) {
                continue;
            }
            // Within 0.3 to 3 km, in any direction (degrees at Porto's latitude).
            let distance_m: f64 = rng.random_range(300.0..3_000.0);
            let bearing: f64 = rng.random_range(0.0..std::f64::consts::TAU);
            let [lon, lat] = store.location.coordinates;
            let dlat = distance_m * bearing.cos() / 110_540.0;
            let dlon = distance_m * bearing.sin() / (111_320.0 * lat.to_radians().cos());
            let prep_s = 60 * rng.random_range(5..=12);
            let noise: f64 = rng.random_range(-0.2..0.4);
            out.push(SampleOrder {
                id: format!("o-{:05}", out.len() + 1),
                store_id: store.id.clone(),
                placed_s: s + rng.random_range(0..60),
                prep_s,
                actual_prep_s: ((prep_s as f64) * (1.0 + noise)).round() as i64,
                promise_s: 60 * [25, 30, 30, 35][rng.random_range(0..4)],
                location: Point {
                    kind: "Point".to_string(),
                    coordinates: [lon + dlon, lat + dlat],
                },
                items: items(store, &mut rng),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DEFAULT_COURIERS, DEFAULT_SEED, generate};

    #[test]
    fn a_day_peaks_at_lunch_and_repeats_with_its_seed() {
        let chain = generate(DEFAULT_SEED, DEFAULT_COURIERS);
        let a = day(&chain, 1, 90.0);
        assert_eq!(a, day(&chain, 1, 90.0));
        assert_ne!(a, day(&chain, 2, 90.0));
        let in_hour = |h: i64| a.iter().filter(|o| o.placed_s / 3600 == h).count();
        let busiest = (0..24).max_by_key(|&h| in_hour(h)).expect("hours");
        assert!((11..=13).contains(&busiest), "busiest hour {busiest}");
        assert!((60..=120).contains(&in_hour(12)), "{} at noon", in_hour(12));
        assert_eq!(in_hour(3), 0, "nobody is open at 3 am");
        for o in &a {
            assert!(!o.items.is_empty());
            assert!(o.actual_prep_s > 0 && o.prep_s > 0);
            assert!(o.promise_s > o.prep_s);
        }
    }
}
