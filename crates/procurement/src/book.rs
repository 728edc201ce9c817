//! The simulation's stock: each policy's shelves in memory and, when given, a stock
//! ledger that records the same movements through its own operations (receipts,
//! transfers, sales taken oldest expiry first, the night's waste). The ledger's answers
//! are the figures; each must match the shelves' own, or the run stops.

use crate::bake::Making;
use crate::shelf::Shelf;
use crate::simulate::SimError;
use crate::transfers::Moved;

/// A stock ledger holding every policy's stores. Units are whole; days are the
/// history's day indexes; a lot is named by its store, article and last day of sale.
/// Articles are the catalog's (`0..n`), then its recipes' (`n + recipe`).
pub trait StockBook {
    /// Units received at a store, sellable up to `last_day`.
    fn receive(
        &mut self,
        policy: usize,
        store: usize,
        article: usize,
        units: i64,
        last_day: usize,
        day: usize,
    ) -> Result<(), String>;

    /// Moves up to `units` of the lots ending `last_day` between two stores; the units
    /// moved.
    fn transfer(
        &mut self,
        policy: usize,
        moved: &Moved,
        units: i64,
        day: usize,
    ) -> Result<i64, String>;

    /// Makes `batches` production batches of `recipe` at a store, each taking its
    /// ingredients oldest expiry first and making a lot of its own; the batches made.
    fn produce(
        &mut self,
        policy: usize,
        store: usize,
        recipe: usize,
        batches: i64,
        day: usize,
    ) -> Result<i64, String>;

    /// Sells up to `units`, oldest expiry first; the units sold.
    fn sell(
        &mut self,
        policy: usize,
        store: usize,
        article: usize,
        units: i64,
        day: usize,
    ) -> Result<i64, String>;

    /// Throws away what may not be sold after `day`, everywhere: (policy, store,
    /// article, units) per lot and place.
    fn expire(&mut self, day: usize) -> Result<Vec<(usize, usize, usize, i64)>, String>;
}

/// Each policy's shelves and the ledger: `shelves[policy]` holds the bought articles,
/// `store * n + article`, then the made ones, [`Stock::made_at`].
pub(crate) struct Stock<'a> {
    pub(crate) shelves: Vec<Vec<Shelf>>,
    book: Option<&'a mut dyn StockBook>,
    stores: usize,
    /// Articles bought.
    n: usize,
    /// Articles made.
    m: usize,
}

/// Units as the ledger counts them: the simulation's are whole.
fn whole(units: f64) -> i64 {
    units.round() as i64
}

fn failed(e: String) -> SimError {
    SimError::Ledger(e)
}

impl<'a> Stock<'a> {
    /// `policies` copies of `stores` × (`n` bought + `m` made) empty shelves.
    pub(crate) fn new(
        policies: usize,
        (stores, n, m): (usize, usize, usize),
        book: Option<&'a mut dyn StockBook>,
    ) -> Self {
        Self {
            shelves: vec![vec![Shelf::default(); stores * (n + m)]; policies],
            book,
            stores,
            n,
            m,
        }
    }

    /// The shelf of made article `recipe` at `store`.
    pub(crate) fn made_at(&self, store: usize, recipe: usize) -> usize {
        self.stores * self.n + store * self.m + recipe
    }

    /// The store and article (the ledger's index) of shelf `i`.
    pub(crate) fn article_at(&self, i: usize) -> (usize, usize) {
        match i.checked_sub(self.stores * self.n) {
            None => (i / self.n, i % self.n),
            Some(j) => (j / self.m, self.n + j % self.m),
        }
    }

    fn shelf_of(&self, store: usize, article: usize) -> usize {
        match article.checked_sub(self.n) {
            None => store * self.n + article,
            Some(r) => self.made_at(store, r),
        }
    }

    /// Whether a ledger keeps the stock too.
    pub(crate) fn on_ledger(&self) -> bool {
        self.book.is_some()
    }

    fn check(&self, what: &str, at: (usize, usize), shelf: f64, book: i64) -> Result<(), SimError> {
        if whole(shelf) == book {
            return Ok(());
        }
        let (p, i) = at;
        let (store, article) = self.article_at(i);
        Err(SimError::Disagrees(format!(
            "{what}: policy {p}, store {store}, article {article}: the shelves say {shelf}, the ledger {book}"
        )))
    }

    /// Puts an opening lot on a shelf.
    pub(crate) fn open(
        &mut self,
        p: usize,
        i: usize,
        units: f64,
        last_day: usize,
        day: usize,
    ) -> Result<(), SimError> {
        self.shelves[p][i].put(units, last_day);
        let (store, article) = self.article_at(i);
        match self.book.as_deref_mut() {
            Some(b) if units > 0.0 => b
                .receive(p, store, article, whole(units), last_day, day)
                .map_err(failed),
            _ => Ok(()),
        }
    }

    /// Moves the deliveries due on `day` onto every shelf.
    pub(crate) fn receive(&mut self, day: usize) -> Result<(), SimError> {
        for p in 0..self.shelves.len() {
            for i in 0..self.shelves[p].len() {
                let (store, article) = self.article_at(i);
                for lot in self.shelves[p][i].receive(day) {
                    if let Some(b) = self.book.as_deref_mut() {
                        b.receive(p, store, article, whole(lot.units), lot.last_day, day)
                            .map_err(failed)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Makes up to `batches` batches of made article `recipe` at policy `p`'s `store`, as
    /// far as its ingredients go, taken oldest first; the batches made.
    pub(crate) fn produce(
        &mut self,
        p: usize,
        (store, recipe): (usize, usize),
        making: &Making,
        batches: i64,
        day: usize,
    ) -> Result<i64, SimError> {
        let n = self.n;
        let can = making
            .ingredients
            .iter()
            .map(|&(k, u)| (self.shelves[p][store * n + k].on_hand() / u as f64 + 1e-9) as i64)
            .min()
            .unwrap_or(batches);
        let made = batches.min(can);
        if made <= 0 {
            return Ok(0);
        }
        for &(k, u) in &making.ingredients {
            self.shelves[p][store * n + k].sell((made * u) as f64);
        }
        let at = self.made_at(store, recipe);
        self.shelves[p][at].put((made * making.batch_units) as f64, day + making.days - 1);
        if let Some(b) = self.book.as_deref_mut() {
            let booked = b.produce(p, store, recipe, made, day).map_err(failed)?;
            self.check("production batch", (p, at), made as f64, booked)?;
        }
        Ok(made)
    }

    /// Moves transfers' units between policy `p`'s shelves; returns the units moved.
    pub(crate) fn transfer(
        &mut self,
        p: usize,
        transfers: &[freshroute_solver::transfers::Transfer],
        day: usize,
    ) -> Result<f64, SimError> {
        let moved = crate::transfers::apply(transfers, &mut self.shelves[p], self.n, day);
        let mut units = 0.0;
        for m in &moved {
            if let Some(b) = self.book.as_deref_mut() {
                let booked = b.transfer(p, m, whole(m.units), day).map_err(failed)?;
                self.check(
                    "transfer",
                    (p, m.from * self.n + m.article),
                    m.units,
                    booked,
                )?;
            }
            units += m.units;
        }
        Ok(units)
    }

    /// Sells up to `units` at policy `p`'s shelf `i`; the units sold.
    pub(crate) fn sell(
        &mut self,
        p: usize,
        i: usize,
        units: f64,
        day: usize,
    ) -> Result<f64, SimError> {
        let sold = self.shelves[p][i].sell(units);
        let (store, article) = self.article_at(i);
        if let Some(b) = self.book.as_deref_mut()
            && units > 0.0
        {
            let booked = b
                .sell(p, store, article, whole(units), day)
                .map_err(failed)?;
            self.check("sale", (p, i), sold, booked)?;
        }
        Ok(sold)
    }

    /// Throws away what may not be sold after `day`: the units per policy and shelf.
    pub(crate) fn expire(&mut self, day: usize) -> Result<Vec<Vec<f64>>, SimError> {
        let wasted: Vec<Vec<f64>> = self
            .shelves
            .iter_mut()
            .map(|shelves| shelves.iter_mut().map(|s| s.expire(day)).collect())
            .collect();
        if let Some(b) = self.book.as_deref_mut() {
            let mut booked: Vec<Vec<i64>> = wasted.iter().map(|w| vec![0; w.len()]).collect();
            for (p, store, article, units) in b.expire(day).map_err(failed)? {
                let i = self.shelf_of(store, article);
                match booked.get_mut(p).and_then(|b| b.get_mut(i)) {
                    Some(b) => *b += units,
                    None => {
                        return Err(SimError::Ledger(format!(
                            "waste at policy {p}, store {store}, article {article}, which the simulation does not hold"
                        )));
                    }
                }
            }
            for (p, units) in wasted.iter().enumerate() {
                for (i, &u) in units.iter().enumerate() {
                    self.check("waste", (p, i), u, booked[p][i])?;
                }
            }
        }
        Ok(wasted)
    }
}
