//! The procurement simulation's stock on the stock ledger (`freshroute-store`, embedded
//! SQLite by default): each policy's stores are shops of their own (`model/<store>`,
//! `min-max/<store>`, …); receipts add lots, transfers move a lot's units between
//! shops, production batches use their ingredients' lots and make lots of their own,
//! sales take units oldest expiry first and the night's expiry throws away what is past
//! its day or its hours, each through the ledger's own operations, as the service uses
//! them.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use freshroute_procurement::simulate::StockBook;
use freshroute_procurement::transfers::Moved;
use freshroute_sample::SampleChain;
use freshroute_sample::catalog::Catalog;
use freshroute_store::{
    AnyStore, Batch, Ingredient, Ledger, Lot, MoveKind, Movement, Shop, Storage, StorageZone,
    StoreError, Take,
};

use crate::transfers_service::storage_zone;

/// Each policy's name in its shops' ids, in the simulation's order.
const POLICY_SLUGS: [&str; 5] = [
    "model",
    "min-max",
    "par",
    "model-transfers",
    "knowing-sales",
];

const ACTOR: &str = "simulate procurement";

/// The ledger the simulation keeps its stock in.
pub struct LedgerBook {
    /// Closed before the runtime it runs on (fields drop in order).
    store: AnyStore,
    runtime: tokio::runtime::Runtime,
    /// `shops[policy][store]`.
    shops: Vec<Vec<String>>,
    /// (policy, store) of a shop id.
    shop_at: HashMap<String, (usize, usize)>,
    /// Each article's id and zone: the catalog's, then its recipes'.
    skus: Vec<(String, StorageZone)>,
    /// The recipes.
    recipes: Vec<freshroute_sample::catalog::Recipe>,
    /// The article of each lot.
    article_of: HashMap<String, usize>,
    /// Day 0's date.
    day_zero: NaiveDate,
    /// The database's folder when it is a throwaway one.
    _dir: Option<tempfile::TempDir>,
}

/// What the ledger holds after a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerCheck {
    /// Lots.
    pub lots: usize,
    /// Movements.
    pub movements: usize,
    /// Lot × place balances that are not the sum of their movements (or below zero).
    pub unbalanced: usize,
}

fn text(e: StoreError) -> String {
    e.to_string()
}

impl LedgerBook {
    /// Opens the database `url` names (a throwaway SQLite file when none), which must not
    /// hold the simulation's shops yet, and adds them: every store of `chain` once per
    /// policy. `day_zero` is the date of the history's first day.
    pub fn open(
        url: Option<&str>,
        chain: &SampleChain,
        catalog: &Catalog,
        day_zero: NaiveDate,
    ) -> Result<Self, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let (dir, url) = match url {
            Some(u) => (None, u.to_string()),
            None => {
                let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
                let path = dir.path().join("ledger.db").to_string_lossy().into_owned();
                (Some(dir), path)
            }
        };
        let store = runtime
            .block_on(freshroute_store::connect(&url))
            .map_err(text)?;
        // The night's expiry throws away what is past its day in the whole database.
        if !runtime.block_on(store.shops()).map_err(text)?.is_empty() {
            return Err(format!(
                "{url} already holds stores: give an empty database, for the simulation throws away what expires in all of it"
            ));
        }
        let mut shops = Vec::with_capacity(POLICY_SLUGS.len());
        let mut shop_at = HashMap::new();
        for (p, slug) in POLICY_SLUGS.iter().enumerate() {
            let mut ids = Vec::with_capacity(chain.stores.len());
            for (s, store_of) in chain.stores.iter().enumerate() {
                let shop = shop(slug, store_of, &chain.time_zone);
                runtime.block_on(store.insert_shop(&shop)).map_err(text)?;
                shop_at.insert(shop.id.clone(), (p, s));
                ids.push(shop.id);
            }
            shops.push(ids);
        }
        Ok(Self {
            store,
            runtime,
            shops,
            shop_at,
            skus: catalog
                .skus
                .iter()
                .map(|k| (k.id.clone(), storage_zone(k.zone)))
                .chain(
                    catalog
                        .recipes
                        .iter()
                        .map(|r| (r.id.clone(), storage_zone(r.zone))),
                )
                .collect(),
            recipes: catalog.recipes.clone(),
            article_of: HashMap::new(),
            day_zero,
            _dir: dir,
        })
    }

    fn date(&self, day: usize) -> NaiveDate {
        self.day_zero + Duration::days(day as i64)
    }

    /// Noon UTC of `day`, the time the day's movements are recorded at.
    fn noon_ms(&self, day: usize) -> i64 {
        self.date(day)
            .and_hms_opt(12, 0, 0)
            .map_or(0, |t| t.and_utc().timestamp_millis())
    }

    fn movement(
        &self,
        lot_id: &str,
        shop: &str,
        article: usize,
        kind: MoveKind,
        units: i64,
        day: usize,
    ) -> Movement {
        Movement {
            id: 0,
            lot_id: lot_id.to_string(),
            shop_id: shop.to_string(),
            zone: self.skus[article].1,
            kind,
            units,
            reference: Some(format!("simulation:{}", self.date(day))),
            actor: ACTOR.to_string(),
            at_ms: self.noon_ms(day),
        }
    }

    /// Checks every lot's balance at every place against its movements.
    pub fn check(&self) -> Result<LedgerCheck, String> {
        self.runtime.block_on(async {
            let balances = self.store.balances(None).await.map_err(text)?;
            let held: HashMap<(String, String), i64> = balances
                .into_iter()
                .map(|b| ((b.lot_id, b.shop_id), b.units))
                .collect();
            let (mut movements, mut unbalanced) = (0, 0);
            for lot in self.article_of.keys() {
                let mut sum: HashMap<String, i64> = HashMap::new();
                for m in self.store.lot_movements(lot).await.map_err(text)? {
                    movements += 1;
                    *sum.entry(m.shop_id).or_default() += m.units;
                }
                unbalanced += sum
                    .iter()
                    .filter(|(shop, units)| {
                        let on_hand = held.get(&(lot.clone(), (*shop).clone())).copied();
                        **units < 0 || on_hand.unwrap_or(0) != **units
                    })
                    .count();
            }
            Ok(LedgerCheck {
                lots: self.article_of.len(),
                movements,
                unbalanced,
            })
        })
    }
}

/// A store of the chain as policy `slug`'s shop.
fn shop(slug: &str, s: &freshroute_sample::Store, time_zone: &str) -> Shop {
    Shop {
        id: format!("{slug}/{}", s.id),
        name: format!("{} ({slug})", s.name),
        address: s.address.clone(),
        lat: s.location.coordinates[1],
        lon: s.location.coordinates[0],
        snapped: serde_json::json!({}),
        opening_hours: serde_json::json!([]),
        frozen_litres: s.storage.frozen_litres,
        chilled_litres: s.storage.chilled_litres,
        ambient_litres: s.storage.ambient_litres,
        created_ms: 0,
        time_zone: time_zone.to_string(),
        retired_ms: None,
    }
}

impl StockBook for LedgerBook {
    fn receive(
        &mut self,
        policy: usize,
        store: usize,
        article: usize,
        units: i64,
        last_day: usize,
        day: usize,
    ) -> Result<(), String> {
        if units <= 0 {
            return Ok(());
        }
        let id = format!("SIM-{}", self.article_of.len() + 1);
        let lot = Lot {
            id: id.clone(),
            sku: self.skus[article].0.clone(),
            lot_number: id.clone(),
            expiry_date: self.date(last_day).to_string(),
            po_id: None,
            made_by: None,
            recalled_ms: None,
            created_ms: self.noon_ms(day),
            expires_ms: None,
        };
        let m = self.movement(
            &id,
            &self.shops[policy][store],
            article,
            MoveKind::Received,
            units,
            day,
        );
        self.runtime.block_on(async {
            self.store.add_lot(&lot).await.map_err(text)?;
            self.store.record(&[m]).await.map_err(text)
        })?;
        self.article_of.insert(id, article);
        Ok(())
    }

    fn transfer(
        &mut self,
        policy: usize,
        moved: &Moved,
        units: i64,
        day: usize,
    ) -> Result<i64, String> {
        let (from, to) = (
            &self.shops[policy][moved.from],
            &self.shops[policy][moved.to],
        );
        let (sku, zone) = &self.skus[moved.article];
        let expiry = self.date(moved.last_day).to_string();
        let lots = self
            .runtime
            .block_on(self.store.stock(Some(from)))
            .map_err(text)?;
        let mut left = units;
        let mut moves = Vec::new();
        for l in lots
            .iter()
            .filter(|l| l.lot.sku == *sku && l.zone == *zone && l.lot.expiry_date == expiry)
        {
            let u = l.units.min(left);
            if u <= 0 {
                break;
            }
            left -= u;
            moves.push(self.movement(
                &l.lot.id,
                from,
                moved.article,
                MoveKind::TransferredOut,
                -u,
                day,
            ));
            moves.push(self.movement(
                &l.lot.id,
                to,
                moved.article,
                MoveKind::TransferredIn,
                u,
                day,
            ));
        }
        if !moves.is_empty() {
            self.runtime
                .block_on(self.store.record(&moves))
                .map_err(text)?;
        }
        Ok(units - left)
    }

    fn produce(
        &mut self,
        policy: usize,
        store: usize,
        recipe: usize,
        batches: i64,
        day: usize,
    ) -> Result<i64, String> {
        let bought = self.skus.len() - self.recipes.len();
        let r = &self.recipes[recipe];
        let made_at = self.noon_ms(day);
        let ingredients: Vec<Ingredient> = r
            .ingredients
            .iter()
            .map(|l| Ingredient {
                sku: l.sku.clone(),
                zone: self
                    .skus
                    .iter()
                    .find(|(id, _)| *id == l.sku)
                    .map_or(StorageZone::Ambient, |(_, z)| *z),
                units: l.units,
            })
            .collect();
        for made in 0..batches {
            let id = format!("SIM-{}", self.article_of.len() + 1);
            let batch_id = format!("BATCH-{id}");
            let batch = Batch {
                id: batch_id.clone(),
                shop_id: self.shops[policy][store].clone(),
                made: Lot {
                    id: id.clone(),
                    sku: r.id.clone(),
                    lot_number: batch_id.clone(),
                    expiry_date: self
                        .date(day + (r.shelf_life_hours.max(1) as usize).div_ceil(24) - 1)
                        .to_string(),
                    po_id: None,
                    made_by: Some(batch_id),
                    recalled_ms: None,
                    created_ms: made_at,
                    expires_ms: Some(made_at + r.shelf_life_hours * 3_600_000),
                },
                zone: storage_zone(r.zone),
                units: r.batch_units,
                ingredients: ingredients.clone(),
                today: self.date(day).to_string(),
                actor: ACTOR.to_string(),
                at_ms: made_at,
            };
            match self.runtime.block_on(self.store.produce(&batch)) {
                Ok(_) => self.article_of.insert(id, bought + recipe),
                Err(StoreError::Short { .. }) => return Ok(made),
                Err(e) => return Err(text(e)),
            };
        }
        Ok(batches)
    }

    fn sell(
        &mut self,
        policy: usize,
        store: usize,
        article: usize,
        units: i64,
        day: usize,
    ) -> Result<i64, String> {
        if units <= 0 {
            return Ok(0);
        }
        let shop = &self.shops[policy][store];
        let (sku, zone) = &self.skus[article];
        let take = Take {
            shop_id: shop.clone(),
            zone: *zone,
            sku: sku.clone(),
            units,
            kind: MoveKind::Sold,
            today: self.date(day).to_string(),
            reference: Some(format!("till:{shop}:{}", self.date(day))),
            actor: ACTOR.to_string(),
            at_ms: self.noon_ms(day),
        };
        let taken = self
            .runtime
            .block_on(self.store.take_oldest_first(&take))
            .map_err(text)?;
        Ok(units - taken.shortfall)
    }

    fn expire(&mut self, day: usize) -> Result<Vec<(usize, usize, usize, i64)>, String> {
        let mut wasted = Vec::new();
        let next = self.date(day + 1);
        let at_ms = next
            .and_hms_opt(0, 0, 0)
            .map_or(0, |t| t.and_utc().timestamp_millis());
        let moves = self
            .runtime
            .block_on(self.store.expire(&next.to_string(), at_ms, ACTOR))
            .map_err(text)?;
        for m in moves {
            let (Some(&(p, s)), Some(&k)) =
                (self.shop_at.get(&m.shop_id), self.article_of.get(&m.lot_id))
            else {
                return Err(format!(
                    "waste of lot {} at {}, which the simulation did not bring",
                    m.lot_id, m.shop_id
                ));
            };
            wasted.push((p, s, k, -m.units));
        }
        Ok(wasted)
    }
}

#[cfg(test)]
mod tests {
    use freshroute_procurement::shelf::Shelf;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    use super::*;

    /// Receipts, transfers between stores, sales and nights drawn at random for two
    /// policies × three stores × three articles over 20 days: the ledger answers each as
    /// the shelves do, and every balance is the sum of its lot's movements.
    #[test]
    fn the_ledger_answers_as_the_shelves_do() {
        let chain = freshroute_sample::generate(42, 0);
        let catalog = freshroute_sample::catalog::catalog();
        let day_zero = NaiveDate::from_ymd_opt(2026, 9, 1).expect("date");
        let mut book = LedgerBook::open(None, &chain, &catalog, day_zero).expect("ledger");
        let (n, stores) = (catalog.skus.len(), 3);
        let mut shelves = vec![vec![Shelf::default(); stores * n]; 2];
        let mut rng = SmallRng::seed_from_u64(7);
        let mut received = 0;
        for day in 0..20 {
            for (p, mine) in shelves.iter_mut().enumerate() {
                for s in 0..stores {
                    for k in 0..3 {
                        if rng.random_bool(0.6) {
                            let units = rng.random_range(1..12);
                            let last_day = day + rng.random_range(0..4);
                            mine[s * n + k].put(units as f64, last_day);
                            book.receive(p, s, k, units, last_day, day)
                                .expect("receipt");
                            received += 1;
                        }
                    }
                }
                for _ in 0..4 {
                    let (from, to, k) = (
                        rng.random_range(0..stores),
                        rng.random_range(0..stores),
                        rng.random_range(0..3),
                    );
                    let Some(lot) = mine[from * n + k].lots.first().copied() else {
                        continue;
                    };
                    if from == to {
                        continue;
                    }
                    let want = rng.random_range(1..8);
                    let taken = mine[from * n + k].take(want as f64, lot.last_day);
                    mine[to * n + k].put(taken, lot.last_day);
                    let moved = Moved {
                        from,
                        to,
                        article: k,
                        units: taken,
                        last_day: lot.last_day,
                    };
                    let booked = book
                        .transfer(p, &moved, taken as i64, day)
                        .expect("transfer");
                    assert_eq!(booked, taken as i64, "day {day}: a transfer");
                }
                for i in (0..stores).flat_map(|s| (0..3).map(move |k| s * n + k)) {
                    let demand = rng.random_range(0..10);
                    let sold = mine[i].sell(demand as f64);
                    let booked = book.sell(p, i / n, i % n, demand, day).expect("sale");
                    assert_eq!(booked, sold as i64, "day {day}: a sale at shelf {i}");
                }
            }
            let mut wasted = vec![vec![0; stores * n]; 2];
            for (p, s, k, units) in book.expire(day).expect("night") {
                wasted[p][s * n + k] += units;
            }
            for (p, shelves) in shelves.iter_mut().enumerate() {
                for (i, shelf) in shelves.iter_mut().enumerate() {
                    assert_eq!(
                        wasted[p][i],
                        shelf.expire(day) as i64,
                        "day {day}: waste at {p}/{i}"
                    );
                }
            }
        }
        let check = book.check().expect("check");
        assert_eq!(check.lots, received);
        assert!(check.movements > received, "{check:?}");
        assert_eq!(check.unbalanced, 0, "{check:?}");
    }

    #[test]
    fn a_batch_uses_its_ingredients_and_what_it_makes_keeps_its_hours() {
        let chain = freshroute_sample::generate(42, 0);
        let catalog = freshroute_sample::catalog::catalog();
        let day_zero = NaiveDate::from_ymd_opt(2026, 9, 1).expect("date");
        let mut book = LedgerBook::open(None, &chain, &catalog, day_zero).expect("ledger");
        let n = catalog.skus.len();
        let sku = |id: &str| catalog.skus.iter().position(|s| s.id == id).expect(id);
        let cake = catalog
            .recipes
            .iter()
            .position(|r| r.id == "STRAWBERRY-CAKE")
            .expect("cake");
        // Enough for one batch and a half: cream 1, strawberries 2, butter 1 a batch.
        for (id, units) in [("CREAM-35", 2), ("STRAWBERRY", 3), ("BUTTER", 5)] {
            book.receive(1, 2, sku(id), units, 5, 0).expect("receipt");
        }
        assert_eq!(
            book.produce(1, 2, cake, 2, 0).expect("bake"),
            1,
            "one batch"
        );
        assert_eq!(book.sell(1, 2, n + cake, 5, 0).expect("sale"), 5);
        assert_eq!(book.sell(1, 2, n + cake, 5, 0).expect("sale"), 3, "8 made");
        assert_eq!(
            book.produce(1, 2, cake, 1, 1).expect("bake"),
            0,
            "1 strawberry"
        );
        assert_eq!(book.produce(1, 2, cake, 0, 1).expect("bake"), 0);
        // A second batch, sold in part: its three hours end on its day.
        book.receive(1, 2, sku("STRAWBERRY"), 1, 5, 1)
            .expect("receipt");
        assert_eq!(book.produce(1, 2, cake, 1, 1).expect("bake"), 1);
        assert_eq!(book.sell(1, 2, n + cake, 2, 1).expect("sale"), 2);
        let wasted = book.expire(1).expect("night");
        assert_eq!(wasted, [(1, 2, n + cake, 6)]);
        let made: Vec<&String> = book
            .article_of
            .iter()
            .filter(|(_, a)| **a == n + cake)
            .map(|(lot, _)| lot)
            .collect();
        assert_eq!(made.len(), 2);
        for lot in made {
            let moves = book
                .runtime
                .block_on(book.store.lot_movements(lot))
                .expect("movements");
            let batch = moves[0].reference.clone().expect("made by a batch");
            let used = book
                .runtime
                .block_on(book.store.lots_used_by(&batch))
                .expect("used");
            let mut skus: Vec<&str> = used.iter().map(|l| l.sku.as_str()).collect();
            skus.sort_unstable();
            skus.dedup();
            assert_eq!(skus, ["BUTTER", "CREAM-35", "STRAWBERRY"], "{used:?}");
        }
        let check = book.check().expect("check");
        assert_eq!(check.unbalanced, 0, "{check:?}");
    }

    /// A week of the simulation on the ledger, dessert stores baking: every sale, batch
    /// and night's waste agrees with the shelves (or `simulate` fails), and every
    /// balance is the sum of its movements.
    #[test]
    fn a_week_of_the_simulation_bakes_and_balances_on_the_ledger() {
        use freshroute_procurement::round::RoundOptions;
        use freshroute_procurement::simulate::{SimOptions, simulate};
        let chain = freshroute_sample::generate(42, 0);
        let h = freshroute_sample::history::history(
            &chain,
            42,
            freshroute_sample::history::default_first_day(),
            90,
        );
        let mut book = LedgerBook::open(None, &chain, &h.catalog, h.days[0].date).expect("ledger");
        let options = SimOptions {
            days: 7,
            round: RoundOptions {
                time_limit_s: 2.0,
                ..RoundOptions::default()
            },
            threads: 2,
            transfers: freshroute_procurement::transfers::TripRates::default(),
            midday: true,
        };
        let r = simulate(&h, &chain, &options, Some(&mut book), &|_, _| {}).expect("runs");
        assert!(r.on_ledger);
        assert_eq!(
            r.articles.len(),
            h.catalog.skus.len() + h.catalog.recipes.len()
        );
        for p in &r.policies {
            assert!(
                p.batches > 0 && p.made.sold_units > 0.0,
                "{}: {p:?}",
                p.name
            );
            assert!(p.made.sold_units <= p.made.demand_units, "{}", p.name);
            let made_waste: f64 = p.waste_cents_by_article[h.catalog.skus.len()..]
                .iter()
                .sum();
            assert!((made_waste - p.made.waste_cents).abs() < 1e-6, "{}", p.name);
        }
        let check = book.check().expect("check");
        assert_eq!(check.unbalanced, 0, "{check:?}");
        let made = book
            .article_of
            .values()
            .filter(|&&a| a >= h.catalog.skus.len())
            .count();
        let batches: usize = r.policies.iter().map(|p| p.batches).sum();
        assert_eq!(made, batches, "a lot per batch");
    }

    #[test]
    fn a_database_that_holds_stores_is_refused() {
        let chain = freshroute_sample::generate(42, 0);
        let catalog = freshroute_sample::catalog::catalog();
        let dir = tempfile::tempdir().expect("tempdir");
        let url = dir.path().join("held.db").to_string_lossy().into_owned();
        let day_zero = NaiveDate::from_ymd_opt(2026, 9, 1).expect("date");
        drop(LedgerBook::open(Some(&url), &chain, &catalog, day_zero).expect("first"));
        let e = LedgerBook::open(Some(&url), &chain, &catalog, day_zero).err();
        assert!(e.is_some_and(|e| e.contains("already holds stores")));
    }
}
