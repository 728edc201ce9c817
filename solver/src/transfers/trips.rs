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
    pub(super) short: Vec<f64>,
    pub(super) upside: Vec<f64>,
    pub(super) keep_short: f64,
    /// Units it sells in place of its own per day, worth nothing at the receiver (only
    /// the donor's waste they save).
    pub(super) absorb: Vec<f64>,
}

impl Need {
    /// Whether it lacks nothing: only room to sell others' expiring units.
    pub(super) fn absorbs_only(&self) -> bool {
        self.short.iter().chain(&self.upside).sum::<f64>() + self.keep_short < 1e-9
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
        let usable = |i: usize| offers[i].wasted || !need.absorbs_only();
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

/// A need's gaps while a pair is valued: short, upside, absorb per day, and keep.
type Gaps = (Vec<f64>, Vec<f64>, Vec<f64>, f64);

/// What is left while trips are chosen.
struct Left {
    offer: Vec<f64>,
    short: Vec<Vec<f64>>,
    upside: Vec<Vec<f64>>,
    absorb: Vec<Vec<f64>>,
    keep: Vec<f64>,
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
        short: needs.iter().map(|n| n.short.clone()).collect(),
        upside: needs.iter().map(|n| n.upside.clone()).collect(),
        absorb: needs.iter().map(|n| n.absorb.clone()).collect(),
        keep: needs.iter().map(|n| n.keep_short).collect(),
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
    let mut short: HashMap<usize, Gaps> = HashMap::new();
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
        let mut units = left.offer[l.offer].min(fits.max(0.0));
        let (s, up, ab, k) = short.entry(l.need).or_insert_with(|| {
            (
                left.short[l.need].clone(),
                left.upside[l.need].clone(),
                left.absorb[l.need].clone(),
                left.keep[l.need],
            )
        });
        let mut moved = 0.0;
        let lost = a.lost_sale_cents as f64;
        let days = offer.days as usize;
        let mut gaps: Vec<(&mut Vec<f64>, f64)> =
            vec![(s, 1.0), (up, rates.upside_pct as f64 / 100.0)];
        // Units sold in place of the receiver's own earn only the waste they save.
        if offer.wasted {
            gaps.push((ab, 0.0));
        }
        for (gaps, worth) in gaps {
            for gap in gaps.iter_mut().take(days) {
                let take = gap.min(units);
                *gap -= take;
                units -= take;
                moved += take;
                total += take * lost * worth;
            }
        }
        if offer.days > p.horizon {
            let take = k.min(units);
            *k -= take;
            moved += take;
            total += take * lost * rates.keep_pct as f64 / 100.0;
        }
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
        for (n, (s, up, ab, k)) in short {
            left.short[n] = s;
            left.upside[n] = up;
            left.absorb[n] = ab;
            left.keep[n] = k;
        }
        for (key, ml) in room {
            let start = p.stores[key.0].room_ml[key.1] as f64;
            *left.room_ml.entry(key).or_insert(start) -= ml;
        }
    }
    total.floor() as i64
}
