//! One store's article on its own over the horizon: sold oldest lot first at the
//! forecast's mean, what goes unsold and what is missing.

use crate::procurement::Lot;

/// What a store × article does on its own.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Projection {
    /// Demand left unmet per period.
    pub short: Vec<f64>,
    /// Demand beyond the mean the store may see and fail to sell, per period: what it
    /// would fail to sell at the upper forecast, less `short`.
    pub upside: Vec<f64>,
    /// Units below the stock wanted at the horizon's end.
    pub keep_short: f64,
    /// Per day t: units with t + 1 days left the store could take on top of the earlier
    /// days' and still sell at the mean before they expire, wasting nothing more of its
    /// own (its fresher units sell later instead, and it buys less): room to take units
    /// another store would throw away. Empty unless filled by [`absorb`], which only
    /// articles some store would throw away need.
    pub absorb: Vec<f64>,
    /// Units it does not need, by days left: (days left, units, wasted if kept).
    /// Wasted units reach their last day unsold; the others outlive the horizon above
    /// the stock wanted (the oldest of those are the free ones).
    pub free: Vec<(u32, f64, bool)>,
    /// Units on hand now.
    pub on_hand: f64,
    /// Lots left at the horizon's end (days left, units), while projecting.
    left: Vec<(u32, f64)>,
}

/// Projects `lots` against `demand` over `horizon` periods, keeping `keep` units at the
/// end; `upside`, when given, is what each period may sell beyond `demand`.
pub fn project(
    lots: &[Lot],
    demand: &[f64],
    upside: &[f64],
    horizon: usize,
    keep: f64,
) -> Projection {
    let high: Vec<f64> = demand
        .iter()
        .enumerate()
        .map(|(t, d)| d + upside.get(t).copied().unwrap_or(0.0))
        .collect();
    let at_high = fefo(lots, &high, horizon).short;
    let mut p = fefo(lots, demand, horizon);
    p.upside = at_high
        .iter()
        .zip(&p.short)
        .map(|(h, m)| (h - m).max(0.0))
        .collect();
    finish(p, keep)
}

/// Units wasted within the horizon.
fn wasted(lots: &[Lot], demand: &[f64], horizon: usize) -> f64 {
    fefo(lots, demand, horizon)
        .free
        .iter()
        .filter(|f| f.2)
        .map(|f| f.1)
        .sum()
}

/// [`Projection::absorb`]: for each life, the most whole units (found by bisection: waste
/// only grows with units added) that add no waste, less the horizon's shortfall (units
/// that fill it are sales of their own, however the store's stock shifts) and less what
/// shorter lives took.
pub(super) fn absorb(lots: &[Lot], demand: &[f64], horizon: usize, short: f64) -> Vec<f64> {
    let base = wasted(lots, demand, horizon);
    let mut with: Vec<Lot> = lots.to_vec();
    let mut taken = 0.0;
    (1..=horizon)
        .map(|days| {
            let mut fits = |units: f64| {
                with.push(Lot {
                    units,
                    days_left: days as u32,
                });
                let extra = wasted(&with, demand, horizon) - base;
                with.pop();
                extra <= 1e-9
            };
            let (mut lo, mut hi) = (0.0f64, demand.iter().take(days).sum::<f64>().ceil());
            while hi - lo > 0.5 {
                let mid = ((lo + hi) / 2.0).ceil();
                if fits(mid) { lo = mid } else { hi = mid - 1.0 }
            }
            let room = (lo - short - taken).max(0.0);
            taken += room;
            room
        })
        .collect()
}

/// A projection's sales, shortfalls and waste; `left` holds the survivors as lots.
fn fefo(lots: &[Lot], demand: &[f64], horizon: usize) -> Projection {
    let mut left: Vec<(u32, f64)> = lots
        .iter()
        .filter(|l| l.units > 0.0)
        .map(|l| (l.days_left, l.units))
        .collect();
    left.sort_by_key(|l| l.0);
    let on_hand = left.iter().map(|l| l.1).sum();
    let mut short = Vec::with_capacity(horizon);
    let mut free: Vec<(u32, f64, bool)> = Vec::new();
    for (t, &want) in demand.iter().take(horizon).enumerate() {
        let mut want = want;
        for lot in left.iter_mut().filter(|l| l.0 as usize > t) {
            let take = lot.1.min(want);
            lot.1 -= take;
            want -= take;
        }
        short.push(want.max(0.0));
        // Lots whose last day was today are thrown away tonight.
        for lot in left
            .iter_mut()
            .filter(|l| l.0 as usize == t + 1 && l.1 > 1e-9)
        {
            push(&mut free, lot.0, lot.1, true);
            lot.1 = 0.0;
        }
    }
    Projection {
        short,
        upside: Vec::new(),
        keep_short: 0.0,
        absorb: Vec::new(),
        free,
        on_hand,
        left: left.into_iter().filter(|l| l.1 > 1e-9).collect(),
    }
}

/// Frees the survivors beyond `keep`, oldest first, and says how far below it they end.
fn finish(mut p: Projection, keep: f64) -> Projection {
    let left = std::mem::take(&mut p.left);
    let survivors: f64 = left.iter().map(|l| l.1).sum();
    let mut extra = (survivors - keep).max(0.0);
    // The freshest stay for the store's own cover; the oldest survivors are free.
    for lot in &left {
        if extra <= 1e-9 {
            break;
        }
        let give = lot.1.min(extra);
        push(&mut p.free, lot.0, give, false);
        extra -= give;
    }
    p.keep_short = (keep - survivors).max(0.0);
    p
}

fn push(free: &mut Vec<(u32, f64, bool)>, days: u32, units: f64, wasted: bool) {
    match free.iter_mut().find(|f| f.0 == days && f.2 == wasted) {
        Some(f) => f.1 += units,
        None => free.push((days, units, wasted)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lot(units: f64, days_left: u32) -> Lot {
        Lot { units, days_left }
    }

    #[test]
    fn oldest_sells_first_and_what_reaches_its_day_unsold_is_free_and_wasted() {
        // 6 units ending today, 10 ending tomorrow; 4 sold a day; keep 3.
        let p = project(&[lot(10.0, 2), lot(6.0, 1)], &[4.0, 4.0], &[], 2, 3.0);
        assert_eq!(p.short, [0.0, 0.0]);
        assert_eq!(p.free, [(1, 2.0, true), (2, 6.0, true)]);
        assert_eq!(p.keep_short, 3.0, "nothing outlives the horizon");
        assert_eq!(p.on_hand, 16.0);
    }

    #[test]
    fn a_store_short_of_stock_reports_each_days_gap_and_its_cover() {
        let p = project(&[lot(5.0, 10)], &[4.0, 4.0, 4.0], &[2.0; 3], 3, 6.0);
        assert_eq!(p.short, [0.0, 3.0, 4.0]);
        // At 6 a day: short 1, 6, 6; beyond the mean's shortfalls 1, 3, 2.
        assert_eq!(p.upside, [1.0, 3.0, 2.0]);
        assert_eq!(p.keep_short, 6.0);
        assert!(p.free.is_empty());
    }

    #[test]
    fn a_store_takes_what_it_sells_before_it_expires_without_wasting_its_own() {
        // 6 a day; 4 units ending tomorrow and 20 long-lived: 8 more ending today would
        // push 2 of the 4 past their day, so 6 fit today; 8 ending tomorrow fit over
        // both days with its own 4, less the 6.
        let room = |lots: &[Lot], demand: &[f64]| {
            let short = project(lots, demand, &[], 2, 0.0).short.iter().sum();
            absorb(lots, demand, 2, short)
        };
        assert_eq!(room(&[lot(4.0, 2), lot(20.0, 30)], &[6.0, 6.0]), [6.0, 2.0]);
        // Units that fill a shortfall (2 here) are not sold in place of its own stock.
        assert_eq!(room(&[lot(4.0, 9)], &[3.0, 3.0]), [1.0, 3.0]);
        // A store already throwing stock away takes nothing more of that life.
        assert_eq!(room(&[lot(10.0, 1)], &[6.0, 6.0])[0], 0.0);
    }

    #[test]
    fn stock_beyond_the_cover_at_the_end_is_free_oldest_first() {
        let p = project(&[lot(10.0, 9), lot(10.0, 5)], &[2.0, 2.0], &[], 2, 6.0);
        // 16 survive: 6 of lot (5) and 10 of lot (9); keep the freshest 6.
        assert_eq!(p.free, [(5, 6.0, false), (9, 4.0, false)]);
        assert_eq!(p.keep_short, 0.0);
    }
}
