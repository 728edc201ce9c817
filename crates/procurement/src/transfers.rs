//! Transfers between stores as a round sees them: the region's transfer model built
//! from the catalog, each store's room, forecasts and shelves, and the proposed
//! transfers moved from shelf to shelf.

use freshroute_sample::Zones;
use freshroute_sample::catalog::{Catalog, Sku};
use freshroute_solver::procurement::Lot;
use freshroute_solver::transfers::{
    Article, Pair, Position, Rates, Store, Transfer, TransferProblem,
};

use crate::round::{Outlook, lost_sale_cents, room_ml, zone_index};
use crate::shelf::Shelf;

/// What moving goods between two stores costs and how long it may take.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TripRates {
    /// A stop on a van's trip (parking, carrying in), cents.
    pub stop_cents: i64,
    /// A kilometre driven, cents.
    pub cents_per_km: i64,
    /// Longest ride per zone, seconds, in [`zone_index`] order (the cold chain's limits).
    pub max_ride_s: [i64; 3],
    /// Days planned ahead.
    pub horizon_days: u32,
    /// Donors considered per store and article that needs units.
    pub donors_per_need: usize,
    /// Seconds the model may take.
    pub time_limit_s: f64,
}

impl Default for TripRates {
    fn default() -> Self {
        Self {
            // A van and its driver at about 24 € an hour: 5 minutes a stop, 0.9 € a km
            // (the van's costs and the driver's time at city speeds).
            stop_cents: 200,
            cents_per_km: 90,
            max_ride_s: [45 * 60, 60 * 60, 4 * 3600],
            horizon_days: 2,
            donors_per_need: 4,
            time_limit_s: 1.0,
        }
    }
}

/// The model's view of a catalog article.
pub fn transfer_article(sku: &Sku, unit_cents: i64, rates: &TripRates) -> Article {
    let zone = zone_index(sku.zone);
    Article {
        id: sku.id.clone(),
        zone,
        unit_ml: sku.unit_ml,
        unit_cents,
        lost_sale_cents: lost_sale_cents(sku.revenue_cents, unit_cents),
        max_ride_s: rates.max_ride_s[zone],
    }
}

/// Every ordered pair of stores, from a table of driving (seconds, metres) between them.
pub fn pairs(travel: &[Vec<(i64, i64)>], rates: &TripRates) -> Vec<Pair> {
    let mut out = Vec::new();
    for (from, row) in travel.iter().enumerate() {
        for (to, &(ride_s, metres)) in row.iter().enumerate() {
            if from != to {
                out.push(Pair {
                    from,
                    to,
                    trip_cents: 2 * rates.stop_cents + metres * rates.cents_per_km / 1000,
                    ride_s,
                });
            }
        }
    }
    out
}

/// The region's transfer model on day `today` when `share_left` of its sales are still
/// to come: `outlook[s][k]` is store s's forecast of article k for the whole of today
/// and the days after, `shelves[s * n + k]` its shelf.
#[allow(clippy::too_many_arguments)]
pub fn region_problem(
    catalog: &Catalog,
    stores: &[(String, Zones)],
    today: usize,
    share_left: f64,
    outlook: &[Vec<Outlook>],
    shelves: &[Shelf],
    unit_cents: &[i64],
    travel: &[Vec<(i64, i64)>],
    rates: &TripRates,
) -> TransferProblem {
    let n = catalog.skus.len();
    let h = rates.horizon_days as usize;
    let articles: Vec<Article> = catalog
        .skus
        .iter()
        .zip(unit_cents)
        .map(|(sku, &c)| transfer_article(sku, c, rates))
        .collect();
    let mut positions = Vec::new();
    let mut region = Vec::with_capacity(stores.len());
    for (s, (id, storage)) in stores.iter().enumerate() {
        let mut room = room_ml(storage);
        for (k, a) in articles.iter().enumerate() {
            let shelf = &shelves[s * n + k];
            room[a.zone] -= (shelf.on_hand() * a.unit_ml as f64).ceil() as i64;
            let f = &outlook[s][k];
            let demand: Vec<f64> = f.mean.iter().take(h).copied().collect();
            // Keep the safety stock the store model wants at the horizon's end: what
            // the next day may sell beyond its mean.
            let keep =
                f.hi.get(h)
                    .zip(f.mean.get(h))
                    .map_or(0.0, |(hi, m)| (hi - m).max(0.0));
            positions.push(
                Position {
                    store: s,
                    article: k,
                    lots: shelf
                        .lots
                        .iter()
                        .filter(|l| l.last_day >= today && l.units >= 1.0)
                        .map(|l| Lot {
                            units: l.units.floor(),
                            days_left: (l.last_day - today + 1) as u32,
                        })
                        .collect(),
                    upside: f
                        .hi
                        .iter()
                        .zip(&f.mean)
                        .take(h)
                        .map(|(hi, m)| (hi - m).max(0.0))
                        .collect(),
                    demand,
                    keep,
                }
                .rest_of_today(share_left),
            );
        }
        region.push(Store {
            id: id.clone(),
            room_ml: room.into_iter().map(|r| r.max(0)).collect(),
        });
    }
    problem(region, articles, positions, travel, rates)
}

/// The region's problem from its stores, articles and positions, with every pair of
/// stores joined at its trip cost (`travel`: seconds and metres between them).
pub fn problem(
    stores: Vec<Store>,
    articles: Vec<Article>,
    positions: Vec<Position>,
    travel: &[Vec<(i64, i64)>],
    rates: &TripRates,
) -> TransferProblem {
    TransferProblem {
        horizon: rates.horizon_days,
        stores,
        articles,
        positions,
        pairs: pairs(travel, rates),
        donors_per_need: rates.donors_per_need,
        rates: Rates::default(),
        time_limit_s: rates.time_limit_s,
    }
}

/// Units of one lot moved from a store to another.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moved {
    /// Donor store.
    pub from: usize,
    /// Receiving store.
    pub to: usize,
    /// The article.
    pub article: usize,
    /// Units moved.
    pub units: f64,
    /// The lot's last day of sale.
    pub last_day: usize,
}

/// Moves each transfer's units from the donor's shelf to the receiver's, lot by lot
/// with their last days; returns what moved.
pub fn apply(transfers: &[Transfer], shelves: &mut [Shelf], n: usize, today: usize) -> Vec<Moved> {
    let mut moved = Vec::new();
    for t in transfers {
        for &(days_left, units) in &t.lots {
            let last_day = today + days_left as usize - 1;
            let from = &mut shelves[t.from * n + t.article];
            let taken = from.take(units as f64, last_day);
            shelves[t.to * n + t.article].put(taken, last_day);
            if taken > 0.0 {
                moved.push(Moved {
                    from: t.from,
                    to: t.to,
                    article: t.article,
                    units: taken,
                    last_day,
                });
            }
        }
    }
    moved
}
