//! Many-to-many tables with buckets.
//!
//! One backward search per target leaves, at every node it settles, a bucket
//! entry (target, distance). One forward search per source then reads the
//! buckets of the nodes it settles. Each search is a few hundred nodes, so a
//! 1000 x 1000 table costs 2000 small searches and a scan of the buckets.

use super::{Hierarchy, Search};
use crate::weight::Weight;

/// Shortest weights from every source to every target, row-major.
///
/// Each origin and destination is a list of weighted entry nodes (a point on a
/// road enters the graph at either end of its segment).
pub(crate) fn many_to_many(
    h: &Hierarchy,
    search: &mut Search,
    sources: &[Vec<(u32, Weight)>],
    targets: &[Vec<(u32, Weight)>],
) -> Vec<Weight> {
    let n = h.nodes();
    let mut entries: Vec<(u32, u32, u64)> = Vec::new();
    for (j, t) in targets.iter().enumerate() {
        search.start(t);
        while let Some((v, d, stalled)) = search.settle_next(&h.down, &h.up) {
            if !stalled {
                entries.push((v, j as u32, d));
            }
        }
    }
    // Buckets in compressed rows by node.
    let mut first = vec![0u32; n + 1];
    for &(v, _, _) in &entries {
        first[v as usize + 1] += 1;
    }
    for i in 0..n {
        first[i + 1] += first[i];
    }
    let mut fill = first.clone();
    let mut buckets = vec![(0u32, 0u64); entries.len()];
    for &(v, j, d) in &entries {
        let slot = &mut fill[v as usize];
        buckets[*slot as usize] = (j, d);
        *slot += 1;
    }
    drop(entries);

    let cols = targets.len();
    let mut out = vec![u64::MAX; sources.len() * cols];
    for (i, s) in sources.iter().enumerate() {
        let row = &mut out[i * cols..(i + 1) * cols];
        search.start(s);
        while let Some((v, d, stalled)) = search.settle_next(&h.up, &h.down) {
            if stalled {
                continue;
            }
            let bucket = &buckets[first[v as usize] as usize..first[v as usize + 1] as usize];
            for &(j, db) in bucket {
                let total = d.saturating_add(db);
                let cell = &mut row[j as usize];
                if total < *cell {
                    *cell = total;
                }
            }
        }
    }
    out.into_iter().map(Weight).collect()
}
