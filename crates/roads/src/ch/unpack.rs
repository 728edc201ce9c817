//! Turning a hierarchy path, shortcuts included, back into road nodes.

use super::{ChEdge, Hierarchy, ORIGINAL, Search};

/// The road nodes of the path found by the last [`super::shortest`] run that met at `meet`,
/// from the source's entry node to the target's exit node.
///
/// Fails only on a hierarchy whose shortcuts do not add up (a damaged file).
pub(crate) fn unpack_path(
    h: &Hierarchy,
    fwd: &Search,
    bwd: &Search,
    meet: u32,
) -> Result<Vec<u32>, String> {
    let mut climb = Vec::new();
    let mut v = meet;
    loop {
        let (pred, edge) = fwd.parent(v);
        if pred == u32::MAX {
            break;
        }
        climb.push((pred, v, h.up.edges[edge as usize]));
        v = pred;
    }
    let mut nodes = vec![v];
    for &(tail, head, edge) in climb.iter().rev() {
        unpack_edge(h, tail, head, edge, &mut nodes)?;
    }
    let mut v = meet;
    loop {
        let (next, edge) = bwd.parent(v);
        if next == u32::MAX {
            break;
        }
        unpack_edge(h, v, next, h.down.edges[edge as usize], &mut nodes)?;
        v = next;
    }
    Ok(nodes)
}

/// Appends the nodes after `tail` on the road path that `edge` (`tail -> head`) stands for.
fn unpack_edge(
    h: &Hierarchy,
    tail: u32,
    head: u32,
    edge: ChEdge,
    nodes: &mut Vec<u32>,
) -> Result<(), String> {
    let mut stack = vec![(tail, head, edge)];
    while let Some((tail, head, edge)) = stack.pop() {
        if edge.mid == ORIGINAL {
            nodes.push(head);
            continue;
        }
        let mid = edge.mid;
        let halves = h
            .down
            .of(mid)
            .iter()
            .filter(|a| a.node == tail)
            .find_map(|a| {
                h.up.of(mid)
                    .iter()
                    .find(|b| b.node == head && a.weight.plus(b.weight) == edge.weight)
                    .map(|b| (*a, *b))
            });
        let Some((first, second)) = halves else {
            return Err(format!("shortcut {tail}->{head} via {mid} does not add up"));
        };
        stack.push((mid, head, second));
        stack.push((tail, mid, first));
    }
    Ok(())
}
