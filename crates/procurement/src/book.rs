//! The simulation's stock: each policy's shelves in memory and, when given, a stock
//! ledger that records the same movements through its own operations (receipts,
//! transfers, sales taken oldest expiry first, the night's waste). The ledger's answers
//! are the figures; each must match the shelves' own, or the run stops.

use crate::shelf::Shelf;
use crate::simulate::SimError;
use crate::transfers::Moved;

/// A stock ledger holding every policy's stores. Units are whole; days are the
/// history's day indexes; a lot is named by its store, article and last day of sale.
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

    /// Sells up to `units`, oldest expiry first; the units sold.
    fn sell(
        &mut self,
        policy: usize,
        store: usize,
        article: usize,
        units: i64,
        day: usize,
    ) -> Result<i64, String>;

    /// Throws away what may not be sold after `day`, everywhere: the units, per policy,
    /// per store × article (`store * articles + article`).
    fn expire(&mut self, day: usize) -> Result<Vec<Vec<i64>>, String>;
}

/// Each policy's shelves, `shelves[policy][store * n + article]`, and the ledger.
pub(crate) struct Stock<'a> {
    pub(crate) shelves: Vec<Vec<Shelf>>,
    book: Option<&'a mut dyn StockBook>,
    n: usize,
}

/// Units as the ledger counts them: the simulation's are whole.
fn whole(units: f64) -> i64 {
    units.round() as i64
}

fn failed(e: String) -> SimError {
    SimError::Ledger(e)
}

impl<'a> Stock<'a> {
    /// `policies` copies of `stores` × `n` empty shelves.
    pub(crate) fn new(
        policies: usize,
        stores: usize,
        n: usize,
        book: Option<&'a mut dyn StockBook>,
    ) -> Self {
        Self {
            shelves: vec![vec![Shelf::default(); stores * n]; policies],
            book,
            n,
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
        Err(SimError::Disagrees(format!(
            "{what}: policy {p}, store {}, article {}: the shelves say {shelf}, the ledger {book}",
            i / self.n,
            i % self.n
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
        match self.book.as_deref_mut() {
            Some(b) if units > 0.0 => b
                .receive(p, i / self.n, i % self.n, whole(units), last_day, day)
                .map_err(failed),
            _ => Ok(()),
        }
    }

    /// Moves the deliveries due on `day` onto every shelf.
    pub(crate) fn receive(&mut self, day: usize) -> Result<(), SimError> {
        for (p, shelves) in self.shelves.iter_mut().enumerate() {
            for (i, shelf) in shelves.iter_mut().enumerate() {
                for lot in shelf.receive(day) {
                    if let Some(b) = self.book.as_deref_mut() {
                        b.receive(
                            p,
                            i / self.n,
                            i % self.n,
                            whole(lot.units),
                            lot.last_day,
                            day,
                        )
                        .map_err(failed)?;
                    }
                }
            }
        }
        Ok(())
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
        if let Some(b) = self.book.as_deref_mut()
            && units > 0.0
        {
            let booked = b
                .sell(p, i / self.n, i % self.n, whole(units), day)
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
            let booked = b.expire(day).map_err(failed)?;
            for (p, units) in wasted.iter().enumerate() {
                for (i, &u) in units.iter().enumerate() {
                    let b = booked.get(p).and_then(|b| b.get(i)).copied().unwrap_or(0);
                    self.check("waste", (p, i), u, b)?;
                }
            }
        }
        Ok(wasted)
    }
}
