//! A store's stock of one article: lots with their last day of sale, sold oldest first
//! (FEFO), thrown away after their last day; and deliveries on their way.

/// A lot on the shelf.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StockLot {
    /// Units left.
    pub units: f64,
    /// Last day it may be sold (day index).
    pub last_day: usize,
}

/// A delivery on its way.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Incoming {
    /// Day it arrives.
    pub day: usize,
    /// Units.
    pub units: f64,
    /// Days it keeps from arrival.
    pub shelf_life_days: u32,
}

/// One article at one store.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Shelf {
    /// Lots, oldest first.
    pub lots: Vec<StockLot>,
    /// Deliveries not yet arrived.
    pub incoming: Vec<Incoming>,
}

impl Shelf {
    /// Units on the shelf.
    pub fn on_hand(&self) -> f64 {
        self.lots.iter().map(|l| l.units).sum()
    }

    /// Units on their way.
    pub fn on_order(&self) -> f64 {
        self.incoming.iter().map(|i| i.units).sum()
    }

    /// Puts `units` on the shelf, sellable up to `last_day`, keeping lots oldest first.
    pub fn put(&mut self, units: f64, last_day: usize) {
        if units <= 0.0 {
            return;
        }
        let at = self.lots.partition_point(|l| l.last_day <= last_day);
        self.lots.insert(at, StockLot { units, last_day });
    }

    /// Moves the deliveries of `day` onto the shelf; returns the lots received.
    pub fn receive(&mut self, day: usize) -> Vec<StockLot> {
        let (now, later): (Vec<Incoming>, Vec<Incoming>) =
            self.incoming.iter().partition(|i| i.day <= day);
        self.incoming = later;
        let mut received = Vec::with_capacity(now.len());
        for i in now {
            let last_day = day + i.shelf_life_days as usize - 1;
            self.put(i.units, last_day);
            received.push(StockLot {
                units: i.units,
                last_day,
            });
        }
        received
    }

    /// Sells up to `demand`, oldest lot first; returns the units sold.
    pub fn sell(&mut self, demand: f64) -> f64 {
        let mut left = demand.max(0.0);
        for lot in &mut self.lots {
            let take = lot.units.min(left);
            lot.units -= take;
            left -= take;
            if left <= 0.0 {
                break;
            }
        }
        self.lots.retain(|l| l.units > 1e-9);
        demand.max(0.0) - left
    }

    /// Takes up to `units` from the lots sellable up to `last_day`; returns the units taken.
    pub fn take(&mut self, units: f64, last_day: usize) -> f64 {
        let mut left = units.max(0.0);
        for lot in self.lots.iter_mut().filter(|l| l.last_day == last_day) {
            let take = lot.units.min(left);
            lot.units -= take;
            left -= take;
        }
        self.lots.retain(|l| l.units > 1e-9);
        units.max(0.0) - left
    }

    /// Throws away what cannot be sold after `day`; returns the units wasted.
    pub fn expire(&mut self, day: usize) -> f64 {
        let wasted = self
            .lots
            .iter()
            .filter(|l| l.last_day <= day)
            .map(|l| l.units)
            .sum();
        self.lots.retain(|l| l.last_day > day);
        wasted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_lot_sells_first_and_expired_stock_is_wasted() {
        let mut s = Shelf::default();
        s.put(5.0, 10);
        s.put(4.0, 3);
        s.incoming.push(Incoming {
            day: 2,
            units: 6.0,
            shelf_life_days: 2,
        });
        assert_eq!(s.receive(1), []);
        assert_eq!(
            s.receive(2),
            [StockLot {
                units: 6.0,
                last_day: 3
            }]
        );
        assert_eq!(
            s.lots.iter().map(|l| l.last_day).collect::<Vec<_>>(),
            [3, 3, 10]
        );
        assert_eq!(s.sell(7.0), 7.0);
        assert_eq!(s.on_hand(), 8.0);
        assert_eq!(
            s.expire(3),
            3.0,
            "what is left of the two lots ending on day 3"
        );
        assert_eq!(s.sell(9.0), 5.0, "demand beyond stock is lost");
        assert_eq!(s.on_hand(), 0.0);
    }
}
