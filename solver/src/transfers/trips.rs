//! Which donor → receiver pairs carry a trip: a greedy over pairs by what each would
//! earn less its trip, re-valued lazily as donors' free units and receivers' needs are
//! used up (a pair's value only falls as others are chosen, so a stale value is an upper
//! bound, and the first pair whose fresh value still beats every stored one is the best).

use std::collections::{BinaryHeap, HashMap};

use super::TransferProblem;

/// A receiver's need of an article.
pub(super) struct Need {
    pub(super) store: usize,
    pub(super) article: usize,
    pub(super) gaps: Gaps,
}

/// What a receiver lacks of an article, or may take, over the horizon.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Gaps {
    /// Units short at the mean, per day.
    pub(super) short: Vec<f64>,
    /// Units beyond the mean it may fail to sell, per day.
    pub(super) upside: Vec<f64>,
    /// Units it sells in place of its own per day, worth nothing at the receiver (only
    /// the donor's waste they save).
    pub(super) absorb: Vec<f64>,
    /// Units below the stock wanted at the horizon's end.
    pub(super) keep: f64,
}

/// Units an offer's transfer covers of each gap.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Covered {
    pub(super) short: f64,
    pub(super) upside: f64,
    pub(super) absorb: f64,
    pub(super) keep: f64,
}

impl Covered {
    /// Units moved.
    pub(super) fn units(&self) -> f64 {
        self.short + self.upside + self.absorb + self.keep
    }
}

impl Gaps {
    /// Units in every gap.
    pub(super) fn total(&self) -> f64 {
        self.short
            .iter()
            .chain(&self.upside)
            .chain(&self.absorb)
            .sum::<f64>()
            + self.keep
    }

    /// Whether it lacks nothing: only room to sell others' expiring units.
    pub(super) fn absorbs_only(&self) -> bool {
        self.short.iter().chain(&self.upside).sum::<f64>() + self.keep < 1e-9
    }

    /// Fills the gaps with up to `units` of `offer`, in order: the days it can cover
    /// short, then their upside, then (units the donor would throw away) their room to
    /// sell them in place, then (units that outlive the `horizon`) the stock wanted at
    /// its end. What each gap took.
    pub(super) fn fill(&mut self, mut units: f64, offer: &Offer, horizon: u32) -> Covered {
        let days = offer.days as usize;
        let mut take = |gaps: &mut [f64]| {
            let mut took = 0.0;
            for gap in gaps.iter_mut().take(days) {
                let t = gap.min(units);
                *gap -= t;
                units -= t;
                took += t;
            }
            took
        };
        let mut c = Covered {
            short: take(&mut self.short),
            upside: take(&mut self.upside),
            ..Covered::default()
        };
        if offer.wasted {
            c.absorb = take(&mut self.absorb);
        }
        if offer.days > horizon {
            c.keep = self.keep.min(units);
            self.keep -= c.keep;
        }
        c
    }
}

/// A donor's free units of an article with `days` left.
pub(super) struct Offer {
    pub(super) store: usize,
    pub(super) article: usize,
    pub(super) days: u32,
    pub(super) units: f64,
    pub(super) wasted: bool,
}

/// An offer that may serve a need: the same article, within its ride limit, from one of
/// the need's cheapest donors.
#[derive(Debug, Clone, Copy)]
pub(super) struct Link {
    pub(super) need: usize,
    pub(super) offer: usize,
}

/// The links of every need, grouped by donor → receiver pair.
pub(super) fn links(
    p: &TransferProblem,
    needs: &[Need],
    offers: &[Offer],
) -> HashMap<(usize, usize), Vec<Link>> {
    let pair_of: HashMap<(usize, usize), &super::Pair> =
        p.pairs.iter().map(|q| ((q.from, q.to), q)).collect();
    let mut by_article: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, o) in offers.iter().enumerate() {
        by_article.entry(o.article).or_default().push(i);
    }
    let mut out: HashMap<(usize, usize), Vec<Link>> = HashMap::new();
    for (n, need) in needs.iter().enumerate() {
        let a = &p.articles[need.article];
        // A store that lacks nothing takes only units a donor would throw away.
        let usable = |i: usize| offers[i].wasted || !need.gaps.absorbs_only();
        let mut donors: Vec<(i64, usize)> = by_article
            .get(&need.article)
            .into_iter()
            .flatten()
            .filter(|&&i| usable(i))
            .filter_map(|&i| {
                let pair = pair_of.get(&(offers[i].store, need.store))?;
                (pair.ride_s <= a.max_ride_s).then_some((pair.trip_cents, offers[i].store))
            })
            .collect();
        donors.sort();
        donors.dedup_by_key(|d| d.1);
        donors.truncate(p.donors_per_need.max(1));
        for &(_, d) in &donors {
            for &o in &by_article[&need.article] {
                if offers[o].store == d && usable(o) {
                    out.entry((d, need.store))
                        .or_default()
                        .push(Link { need: n, offer: o });
                }
            }
        }
    }
    out
}

/// What is left while trips are chosen.
struct Left {
    offer: Vec<f64>,
    gaps: Vec<Gaps>,
    room_ml: HashMap<(usize, usize), f64>,
}

/// The pairs worth a trip.
pub(super) fn choose(
    p: &TransferProblem,
    needs: &[Need],
    offers: &[Offer],
    links: &HashMap<(usize, usize), Vec<Link>>,
) -> Vec<(usize, usize)> {
    let mut left = Left {
        offer: offers.iter().map(|o| o.units).collect(),
        gaps: needs.iter().map(|n| n.gaps.clone()).collect(),
        room_ml: HashMap::new(),
    };
    let trip: HashMap<(usize, usize), i64> = p
        .pairs
        .iter()
        .map(|q| ((q.from, q.to), q.trip_cents))
        .collect();
    let mut heap: BinaryHeap<(i64, (usize, usize))> = BinaryHeap::new();
    for (&pair, l) in links {
        let net = value(p, needs, offers, l, &mut left, false) - trip[&pair];
        if net > 0 {
            heap.push((net, pair));
        }
    }
    let mut chosen = Vec::new();
    while let Some((_, pair)) = heap.pop() {
        let net = value(p, needs, offers, &links[&pair], &mut left, false) - trip[&pair];
        if net <= 0 {
            continue;
        }
        if heap.peek().is_some_and(|&(top, _)| top > net) {
            heap.push((net, pair));
            continue;
        }
        value(p, needs, offers, &links[&pair], &mut left, true);
        chosen.push(pair);
    }
    chosen.sort();
    chosen
}

/// What a pair's links earn from what is left, cents, shortest-lived units first to the
/// earliest days they can cover; `commit` uses it up.
fn value(
    p: &TransferProblem,
    needs: &[Need],
    offers: &[Offer],
    links: &[Link],
    left: &mut Left,
    commit: bool,
) -> i64 {
    let rates = p.rates;
    let mut order: Vec<Link> = links.to_vec();
    order.sort_by_key(|l| (l.need, offers[l.offer].days));
    let mut total = 0.0;
    let mut room: HashMap<(usize, usize), f64> = HashMap::new();
    let mut gaps: HashMap<usize, Gaps> = HashMap::new();
    let mut used: Vec<(usize, f64)> = Vec::new();
    for l in order {
        let (need, offer) = (&needs[l.need], &offers[l.offer]);
        let a = &p.articles[need.article];
        let key = (need.store, a.zone);
        let room_left = left
            .room_ml
            .get(&key)
            .copied()
            .unwrap_or_else(|| p.stores[need.store].room_ml[a.zone] as f64)
            - room.get(&key).copied().unwrap_or(0.0);
        let fits = if a.unit_ml > 0 {
            room_left / a.unit_ml as f64
        } else {
            f64::MAX
        };
        let units = left.offer[l.offer].min(fits.max(0.0));
        let c = gaps
            .entry(l.need)
            .or_insert_with(|| left.gaps[l.need].clone())
            .fill(units, offer, p.horizon);
        let moved = c.units();
        // Units sold in place of the receiver's own earn only the waste they save.
        total += a.lost_sale_cents as f64
            * (c.short
                + c.upside * rates.upside_pct as f64 / 100.0
                + c.keep * rates.keep_pct as f64 / 100.0);
        if offer.wasted {
            total += moved * a.unit_cents as f64 * (100 + rates.disposal_pct) as f64 / 100.0;
        }
        total -= moved * rates.unit_handling_cents as f64;
        *room.entry(key).or_default() += moved * a.unit_ml as f64;
        used.push((l.offer, moved));
    }
    if commit {
        for (o, moved) in used {
            left.offer[o] -= moved;
        }
        for (n, g) in gaps {
            left.gaps[n] = g;
        }
        for (key, ml) in room {
            let start = p.stores[key.0].room_ml[key.1] as f64;
            *left.room_ml.entry(key).or_insert(start) -= ml;
        }
    }
    total.floor() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(days: u32, wasted: bool) -> Offer {
        Offer {
            store: 0,
            article: 0,
            days,
            units: 0.0,
            wasted,
        }
    }

    #[test]
    fn an_offer_fills_the_days_it_lasts_short_first_then_upside_then_room_then_keep() {
        let gaps = Gaps {
            short: vec![2.0, 3.0],
            upside: vec![1.0, 1.0],
            absorb: vec![4.0, 4.0],
            keep: 5.0,
        };
        // One day left: only day 0's gaps; kept units it cannot cover.
        let mut g = gaps.clone();
        let c = g.fill(10.0, &offer(1, true), 2);
        assert_eq!((c.short, c.upside, c.absorb, c.keep), (2.0, 1.0, 4.0, 0.0));
        assert_eq!(g.short, [0.0, 3.0]);
        // Units the donor would keep are not sold in place of the receiver's own.
        let mut g = gaps.clone();
        let c = g.fill(10.0, &offer(2, false), 2);
        assert_eq!((c.short, c.upside, c.absorb, c.keep), (5.0, 2.0, 0.0, 0.0));
        // Units that outlive the horizon fill the stock wanted at its end last.
        let mut g = gaps.clone();
        let c = g.fill(20.0, &offer(3, true), 2);
        assert_eq!((c.short, c.upside, c.absorb, c.keep), (5.0, 2.0, 8.0, 5.0));
        assert_eq!(c.units(), 20.0);
        assert_eq!(g.total(), 0.0);
        assert!(!gaps.absorbs_only());
    }
}
