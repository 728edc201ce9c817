//! What a courier's place is worth to the orders to come: a courier among many stores
//! is the one their next orders need, so sending it costs more than sending one from
//! where stores are few, when both bring an order alike.

use freshroute_solver::TravelMatrix;

use crate::late::Start;

/// A store counts as near a place when the drive there takes at most this, seconds.
pub(crate) const NEAR_S: i64 = 5 * 60;

/// Each courier's share of the stores near it, against the most near any one store
/// (1 where stores are densest, 0 where none is near), in the order of `starts`.
pub(crate) fn among_stores(
    tables: &[TravelMatrix],
    starts: &[Start],
    stores: &[usize],
) -> Vec<f64> {
    let near = |table: &TravelMatrix, from: usize| {
        stores
            .iter()
            .filter(|&&s| table.travel(from, s).0 <= NEAR_S)
            .count()
    };
    let densest = stores
        .iter()
        .map(|&s| tables.iter().map(|t| near(t, s)).max().unwrap_or(0))
        .max()
        .unwrap_or(0);
    starts
        .iter()
        .map(|s| match (densest, tables.get(s.table)) {
            (0, _) | (_, None) => 0.0,
            (d, Some(t)) => (near(t, s.place) as f64 / d as f64).min(1.0),
        })
        .collect()
}
