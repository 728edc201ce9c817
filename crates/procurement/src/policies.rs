//! The reorder policies planners use today, for comparison in the same simulation:
//!
//! - **min/max** (the reordering rules Odoo and ERPNext ship): when the stock on hand
//!   and on order falls to the minimum, order up to the maximum; minimum = the mean
//!   daily demand of the last 28 days over lead time and review period plus 1.65
//!   standard deviations over them, maximum = minimum + the mean demand of one review
//!   period. Blind to shelf life, as those rules are.
//! - **par** ("same weekday, last four weeks", as restaurant tools set par levels): on
//!   each order day, order what the days until the next delivery are expected to sell
//!   (each day the mean of its weekday over the last four weeks, plus 10 %), less what is
//!   expected to be left when the delivery arrives.
//!
//! Both buy each article from its cheapest supplier and order only on days whose
//! delivery (after the lead time) falls on one of its delivery days; both round up to
//! whole cases.

use crate::shelf::Shelf;

/// Which policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Reorder point and order-up-to level.
    MinMax,
    /// Same weekday, last four weeks.
    Par,
}

/// An article's supply as a policy sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Supply {
    /// Days from order to delivery.
    pub lead_days: usize,
    /// Units per case.
    pub case_pack: f64,
}

/// Cases to order today, if any. `past[k]` is the demand `k + 1` days ago (at least 28
/// days); `delivers(d)` says whether the supplier delivers `d` days from today.
pub fn cases_to_order(
    policy: Policy,
    shelf: &Shelf,
    past: &[f64],
    supply: Supply,
    delivers: &dyn Fn(usize) -> bool,
) -> i64 {
    let lead = supply.lead_days;
    if !delivers(lead) {
        return 0;
    }
    // Days until the delivery after this one.
    let next = (lead + 1..lead + 15)
        .find(|&d| delivers(d))
        .unwrap_or(lead + 7);
    let cycle = (next - lead) as f64;
    let position = shelf.on_hand() + shelf.on_order();
    let want = match policy {
        Policy::MinMax => {
            let recent = &past[..28.min(past.len())];
            let n = recent.len().max(1) as f64;
            let mean = recent.iter().sum::<f64>() / n;
            let sd = (recent.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
            let cover = lead as f64 + cycle;
            let min = mean * cover + 1.65 * sd * cover.sqrt();
            let max = min + mean * cycle;
            if position > min {
                return 0;
            }
            max - position
        }
        Policy::Par => {
            // Expected demand `d` days from today: the mean of the last four same weekdays.
            let expected = |d: usize| {
                let same: Vec<f64> = (1..=4usize)
                    .filter_map(|w| (7 * w).checked_sub(d + 1).and_then(|k| past.get(k)))
                    .copied()
                    .collect();
                if same.is_empty() {
                    0.0
                } else {
                    same.iter().sum::<f64>() / same.len() as f64
                }
            };
            let until: f64 = (0..lead).map(expected).sum();
            let need: f64 = (lead..next).map(expected).sum::<f64>() * 1.1;
            need - (position - until).max(0.0)
        }
    };
    if want <= 0.0 {
        0
    } else {
        (want / supply.case_pack).ceil() as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_max_orders_up_to_the_maximum_once_at_the_minimum() {
        let past = vec![10.0; 28];
        let supply = Supply {
            lead_days: 1,
            case_pack: 6.0,
        };
        let every_day = |_: usize| true;
        let mut shelf = Shelf::default();
        shelf.put(30.0, 100);
        // min = 10 × 2 = 20: 30 on hand is above it.
        assert_eq!(
            cases_to_order(Policy::MinMax, &shelf, &past, supply, &every_day),
            0
        );
        let mut low = Shelf::default();
        low.put(15.0, 100);
        // max = 30: 15 more, 3 cases of 6.
        assert_eq!(
            cases_to_order(Policy::MinMax, &low, &past, supply, &every_day),
            3
        );
        // No delivery the day after: no order today.
        assert_eq!(
            cases_to_order(Policy::MinMax, &low, &past, supply, &|d| d != 1),
            0
        );
    }

    #[test]
    fn par_orders_the_same_weekdays_usage_until_the_next_delivery() {
        // 4 a day on every weekday of the last four weeks.
        let past = vec![4.0; 28];
        let supply = Supply {
            lead_days: 1,
            case_pack: 1.0,
        };
        // Deliveries every other day: one order covers 2 days, 8 units, +10 %.
        let shelf = Shelf::default();
        let n = cases_to_order(Policy::Par, &shelf, &past, supply, &|d| d % 2 == 1);
        assert_eq!(n, 9);
    }
}
