//! The made articles' daily bake in the simulation, the same rule in every policy (what
//! a store makes is not what the policies compare): each morning a store makes, of each
//! recipe, what the same weekday sold over the last four weeks, less what is still good
//! on its counter, in whole batches rounded up, as far as its ingredients go. What the
//! rule uses of the ingredients is part of their demand, so the forecasts and the
//! reorder rules see it.

use freshroute_sample::catalog::Catalog;
use freshroute_sample::history::History;

/// A recipe as the simulation makes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Making {
    /// What one batch uses: (article index in the catalog, whole units).
    pub ingredients: Vec<(usize, i64)>,
    /// Units one batch makes.
    pub batch_units: i64,
    /// Days a unit may be sold, the day it is made included (three hours: 1).
    pub days: usize,
}

impl Making {
    /// Every recipe of `catalog`, in its order; a recipe whose ingredient the catalog
    /// lacks is left out of the ingredients (a checked catalog has none).
    pub fn all(catalog: &Catalog) -> Vec<Making> {
        catalog
            .recipes
            .iter()
            .map(|r| Making {
                ingredients: r
                    .ingredients
                    .iter()
                    .filter_map(|l| {
                        let k = catalog.skus.iter().position(|s| s.id == l.sku)?;
                        Some((k, l.units))
                    })
                    .collect(),
                batch_units: r.batch_units.max(1),
                days: (r.shelf_life_hours.max(1) as usize).div_ceil(24),
            })
            .collect()
    }

    /// What a unit costs in ingredients, cents, from each article's unit cost.
    pub fn unit_cents(&self, cost_of: &dyn Fn(usize) -> f64) -> f64 {
        let batch: f64 = self
            .ingredients
            .iter()
            .map(|&(k, u)| u as f64 * cost_of(k))
            .sum();
        batch / self.batch_units as f64
    }

    /// Batches to make when the day is expected to sell `expected` and `on_counter` units
    /// are still good.
    pub fn batches(&self, expected: f64, on_counter: f64) -> i64 {
        ((expected - on_counter).max(0.0) / self.batch_units as f64 - 1e-9).ceil() as i64
    }

    /// Batches the rule makes on an average day: on an empty counter for what keeps one
    /// day; at the rate of sales for what keeps longer (the counter carries the rest).
    fn expected_batches(&self, expected: f64) -> f64 {
        if self.days <= 1 {
            self.batches(expected, 0.0) as f64
        } else {
            expected / self.batch_units as f64
        }
    }
}

/// What a store expects to sell of made article `recipe` on `day`: the mean of the same
/// weekday over the last four weeks (as many as the history has).
pub fn expected_sales(h: &History, day: usize, store: usize, recipe: usize) -> f64 {
    let weeks: Vec<usize> = (1..=4).filter(|w| day >= 7 * w).collect();
    if weeks.is_empty() {
        return 0.0;
    }
    let sold: f64 = weeks
        .iter()
        .map(|w| h.made_units(day - 7 * w, store, recipe))
        .sum();
    sold / weeks.len() as f64
}

/// Units of each article the rule uses in production, indexed as the history's sales,
/// `[(day * stores + store) * articles + article]`.
pub fn ingredient_use(h: &History, makings: &[Making]) -> Vec<f64> {
    let (stores, n) = (h.stores.len(), h.catalog.skus.len());
    let mut used = vec![0.0; h.days.len() * stores * n];
    for day in 0..h.days.len() {
        for s in 0..stores {
            for (r, m) in makings.iter().enumerate() {
                let batches = m.expected_batches(expected_sales(h, day, s, r));
                for &(k, units) in &m.ingredients {
                    used[(day * stores + s) * n + k] += batches * units as f64;
                }
            }
        }
    }
    used
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cake(days: usize) -> Making {
        Making {
            ingredients: vec![(0, 1), (1, 2)],
            batch_units: 8,
            days,
        }
    }

    #[test]
    fn a_day_is_baked_in_whole_batches_less_what_the_counter_holds() {
        let m = cake(1);
        assert_eq!(m.batches(0.0, 0.0), 0);
        assert_eq!(m.batches(8.0, 0.0), 1, "exactly one batch");
        assert_eq!(m.batches(8.5, 0.0), 2, "rounded up");
        assert_eq!(m.batches(17.0, 9.0), 1, "less the counter");
        assert_eq!(m.batches(3.0, 5.0), 0);
        assert_eq!(m.expected_batches(9.0), 2.0);
        assert_eq!(cake(3).expected_batches(9.0), 9.0 / 8.0);
        assert_eq!(m.unit_cents(&|k| [400.0, 300.0][k]), 1000.0 / 8.0);
    }

    #[test]
    fn the_sample_recipes_keep_a_day_and_three_days() {
        let catalog = freshroute_sample::catalog::catalog();
        let all = Making::all(&catalog);
        assert_eq!(all.len(), catalog.recipes.len());
        assert_eq!(all.iter().map(|m| m.days).collect::<Vec<_>>(), [1, 3]);
        for (m, r) in all.iter().zip(&catalog.recipes) {
            assert_eq!(m.ingredients.len(), r.ingredients.len(), "{}", r.id);
        }
    }
}
