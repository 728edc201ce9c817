//! One profile's routable graph: snapping, the phantom nodes of snapped
//! positions, and tables.

use std::sync::OnceLock;

use freshroute_model::{LatLon, Metres, Seconds};

use crate::assemble::{ProfileReport, Segment};
use crate::ch::{self, Search};
use crate::network::ProfileData;
use crate::router::Router;
use crate::snap::SnapIndex;
use crate::weight::Weight;
use crate::{Profile, RoadsError};

/// The default distance beyond which a point is too far from any road to snap.
pub const DEFAULT_SNAP_RADIUS: Metres = Metres(500);

/// One profile's routable graph.
pub struct ProfileGraph {
    pub(crate) data: ProfileData,
    snap_index: OnceLock<SnapIndex>,
}

/// A position placed on the road network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snap {
    /// The position asked for.
    pub input: LatLon,
    /// The nearest point on a road.
    pub point: LatLon,
    /// Index of the road segment it lies on.
    pub segment: u32,
    /// How far along the segment, from its first node (0) to its second (1).
    pub fraction: f64,
    /// Great-circle distance from the input to the snapped point.
    pub distance: Metres,
}

/// Durations and distances between every source and every target.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Number of sources (rows).
    pub rows: usize,
    /// Number of targets (columns).
    pub cols: usize,
    /// Row-major weights; [`Weight::INFINITY`] where a target cannot be reached.
    pub weights: Vec<Weight>,
}

impl Table {
    /// Row-major durations, `None` where unreachable.
    pub fn durations(&self) -> Vec<Option<Seconds>> {
        self.weights
            .iter()
            .map(|w| w.is_finite().then(|| w.seconds()))
            .collect()
    }

    /// Row-major distances, `None` where unreachable.
    pub fn distances(&self) -> Vec<Option<Metres>> {
        self.weights
            .iter()
            .map(|w| w.is_finite().then(|| w.metres()))
            .collect()
    }
}

impl ProfileGraph {
    pub(crate) fn new(data: ProfileData) -> Self {
        Self {
            data,
            snap_index: OnceLock::new(),
        }
    }

    /// The profile this graph serves.
    pub fn profile(&self) -> Profile {
        self.data.profile
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.data.lat_e7.len()
    }

    /// The road segments of this graph.
    pub fn segments(&self) -> &[Segment] {
        &self.data.segments
    }

    /// What the import kept and dropped for this profile.
    pub fn report(&self) -> &ProfileReport {
        &self.data.report
    }

    /// Position of a node.
    pub fn node_position(&self, node: u32) -> LatLon {
        let n = node as usize;
        let (lat, lon) = (
            f64::from(self.data.lat_e7[n]) * 1e-7,
            f64::from(self.data.lon_e7[n]) * 1e-7,
        );
        // Checked on import and on load: every stored position is on the globe.
        LatLon::new(lat, lon).unwrap_or_else(|_| unreachable!("node positions are validated"))
    }

    fn snap_index(&self) -> &SnapIndex {
        self.snap_index.get_or_init(|| {
            SnapIndex::build(&self.data.lat_e7, &self.data.lon_e7, &self.data.segments)
        })
    }

    /// At most `limit` of the segments that meet the box from `south_west` to
    /// `north_east`, as their two ends: the streets of a map. Where more meet it, the
    /// fastest roads are kept, then the longest segments, so that a map too big to draw
    /// every street still draws a city's main streets everywhere in it.
    pub fn segments_within(
        &self,
        south_west: LatLon,
        north_east: LatLon,
        limit: usize,
    ) -> Vec<[LatLon; 2]> {
        let mut ids = self.snap_index().within(
            (south_west.lat(), south_west.lon()),
            (north_east.lat(), north_east.lon()),
        );
        if ids.len() > limit {
            if limit > 0 {
                ids.select_nth_unstable_by_key(limit - 1, |&id| {
                    std::cmp::Reverse(self.importance(id))
                });
            }
            ids.truncate(limit);
        }
        ids.into_iter()
            .map(|id| {
                let s = &self.data.segments[id as usize];
                [self.node_position(s.a), self.node_position(s.b)]
            })
            .collect()
    }

    /// How much a segment matters on a map: its speed (decimetres a second, the faster
    /// way it may be driven), then its length (decimetres).
    fn importance(&self, id: u32) -> (u64, u64) {
        let s = &self.data.segments[id as usize];
        [s.forward, s.backward]
            .into_iter()
            .filter(|w| w.is_finite())
            .map(|w| {
                (
                    w.distance_dm() * 1000 / w.duration_ms().max(1),
                    w.distance_dm(),
                )
            })
            .max()
            .unwrap_or((0, 0))
    }

    /// Builds the snapping index now rather than on the first snap.
    pub fn prepare_snapping(&self) {
        self.snap_index();
    }

    /// Places `at` on the nearest road segment, refusing roads farther than `radius`.
    pub fn snap(&self, at: LatLon, radius: Metres) -> Result<Snap, RoadsError> {
        let too_far = |nearest_m: u64| RoadsError::TooFarFromRoad {
            profile: self.profile().name().to_owned(),
            lat: at.lat(),
            lon: at.lon(),
            radius_m: radius.0.clamp(0, i64::from(u32::MAX)) as u32,
            nearest_m,
        };
        let (segment, fraction, (lat, lon), metres) = self
            .snap_index()
            .nearest(at.lat(), at.lon())
            .ok_or_else(|| too_far(u64::MAX))?;
        if metres > radius.0 as f64 {
            return Err(too_far(metres.round() as u64));
        }
        Ok(Snap {
            input: at,
            point: LatLon::new(lat, lon.clamp(-180.0, 180.0)).map_err(RoadsError::Coord)?,
            segment,
            fraction,
            distance: Metres(metres.round() as i64),
        })
    }

    /// A router with its own search state; keep one per thread for repeated queries.
    pub fn router(&self) -> Router<'_> {
        Router::new(self)
    }

    /// Where a snapped point enters the graph when leaving it: the segment's ends
    /// it can drive to, with the weight of the part of the segment driven.
    pub(crate) fn departures(&self, s: &Snap) -> Vec<(u32, Weight)> {
        let seg = self.data.segments[s.segment as usize];
        let mut out = Vec::with_capacity(2);
        if seg.forward.is_finite() {
            out.push((seg.b, seg.forward.part(s.fraction, 1.0)));
        }
        if seg.backward.is_finite() {
            out.push((seg.a, seg.backward.part(0.0, s.fraction)));
        }
        out
    }

    /// Where a route to a snapped point leaves the graph: the segment's ends it
    /// can be reached from, with the weight of the rest of the way.
    pub(crate) fn arrivals(&self, s: &Snap) -> Vec<(u32, Weight)> {
        let seg = self.data.segments[s.segment as usize];
        let mut out = Vec::with_capacity(2);
        if seg.forward.is_finite() {
            out.push((seg.a, seg.forward.part(0.0, s.fraction)));
        }
        if seg.backward.is_finite() {
            out.push((seg.b, seg.backward.part(s.fraction, 1.0)));
        }
        out
    }

    /// The weight of driving along one segment from `from` to `to`, when both lie on it.
    pub(crate) fn along_segment(&self, from: &Snap, to: &Snap) -> Weight {
        if from.segment != to.segment {
            return Weight::INFINITY;
        }
        let seg = self.data.segments[from.segment as usize];
        if from.fraction <= to.fraction && seg.forward.is_finite() {
            seg.forward.part(from.fraction, to.fraction)
        } else if from.fraction >= to.fraction && seg.backward.is_finite() {
            seg.backward.part(to.fraction, from.fraction)
        } else {
            Weight::INFINITY
        }
    }

    /// Durations and distances from every source to every target.
    pub fn table(&self, sources: &[Snap], targets: &[Snap]) -> Table {
        let entries = |snaps: &[Snap], f: fn(&Self, &Snap) -> Vec<(u32, Weight)>| {
            snaps.iter().map(|s| f(self, s)).collect::<Vec<_>>()
        };
        let mut search = Search::new(self.node_count());
        let mut weights = ch::many_to_many(
            &self.data.hierarchy,
            &mut search,
            &entries(sources, Self::departures),
            &entries(targets, Self::arrivals),
        );
        let cols = targets.len();
        for (i, s) in sources.iter().enumerate() {
            for (j, t) in targets.iter().enumerate() {
                let direct = self.along_segment(s, t);
                let cell = &mut weights[i * cols + j];
                if direct < *cell {
                    *cell = direct;
                }
            }
        }
        Table {
            rows: sources.len(),
            cols,
            weights,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::Profile;

    #[test]
    fn a_map_cut_short_keeps_its_fastest_streets() {
        let network = crate::testing::monaco();
        let graph = network.profile(Profile::Car).expect("car");
        let (sw, ne) = (
            freshroute_model::LatLon::new(43.7300, 7.4150).expect("on the globe"),
            freshroute_model::LatLon::new(43.7450, 7.4350).expect("on the globe"),
        );
        let all = graph
            .snap_index()
            .within((sw.lat(), sw.lon()), (ne.lat(), ne.lon()));
        assert!(all.len() > 200, "{}", all.len());
        let kept = graph.segments_within(sw, ne, 50);
        assert_eq!(kept.len(), 50);
        // The 50 kept are the 50 most important: none left out matters more than the
        // least of them.
        let mut ranked: Vec<(u64, u64)> = all.iter().map(|&id| graph.importance(id)).collect();
        ranked.sort_unstable_by(|a, b| b.cmp(a));
        let least_kept = ranked[49];
        let ends = |id: u32| {
            let s = &graph.data.segments[id as usize];
            [graph.node_position(s.a), graph.node_position(s.b)]
        };
        for &id in &all {
            if graph.importance(id) > least_kept {
                assert!(
                    kept.contains(&ends(id)),
                    "segment {id} is faster and was left out"
                );
            }
        }
        assert!(ranked[0].0 > ranked[ranked.len() - 1].0, "speeds differ");
    }
}
