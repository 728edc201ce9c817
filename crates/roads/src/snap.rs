//! Snapping positions to the nearest road segment.
//!
//! Segments are indexed in an R*-tree in a local equirectangular projection
//! (metres east and north of the graph's centre), accurate to well under 1 %
//! across a city; the reported distance is the great-circle one.

use geo::{Distance, Haversine, Point};
use rstar::{AABB, PointDistance, RTree, RTreeObject};

use crate::assemble::Segment;

const METRES_PER_DEGREE: f64 = 111_319.490_793;

/// A local projection from degrees to metres.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Projection {
    lat0: f64,
    lon0: f64,
    cos_lat0: f64,
}

impl Projection {
    /// The projection centred on the bounding box of these positions (1e-7 degrees).
    pub(crate) fn centred_on(lat_e7: &[i32], lon_e7: &[i32]) -> Self {
        let mid = |v: &[i32]| {
            let (lo, hi) = v
                .iter()
                .fold((i32::MAX, i32::MIN), |(lo, hi), &x| (lo.min(x), hi.max(x)));
            if lo > hi {
                0.0
            } else {
                (f64::from(lo) + f64::from(hi)) * 0.5e-7
            }
        };
        let lat0 = mid(lat_e7);
        Self {
            lat0,
            lon0: mid(lon_e7),
            cos_lat0: lat0.to_radians().cos(),
        }
    }

    pub(crate) fn to_xy(self, lat: f64, lon: f64) -> [f64; 2] {
        [
            (lon - self.lon0) * self.cos_lat0 * METRES_PER_DEGREE,
            (lat - self.lat0) * METRES_PER_DEGREE,
        ]
    }

    pub(crate) fn to_lat_lon(self, [x, y]: [f64; 2]) -> (f64, f64) {
        (
            y / METRES_PER_DEGREE + self.lat0,
            x / (self.cos_lat0 * METRES_PER_DEGREE) + self.lon0,
        )
    }
}

/// One segment as the index sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IndexedSegment {
    a: [f64; 2],
    b: [f64; 2],
    /// Index into the profile's segments.
    pub(crate) id: u32,
}

impl IndexedSegment {
    /// The closest point of the segment to `p`, as the fraction of the way from `a` to `b`.
    pub(crate) fn fraction_nearest(&self, p: [f64; 2]) -> f64 {
        let d = [self.b[0] - self.a[0], self.b[1] - self.a[1]];
        let len2 = d[0] * d[0] + d[1] * d[1];
        if len2 == 0.0 {
            return 0.0;
        }
        (((p[0] - self.a[0]) * d[0] + (p[1] - self.a[1]) * d[1]) / len2).clamp(0.0, 1.0)
    }

    pub(crate) fn at(&self, t: f64) -> [f64; 2] {
        [
            self.a[0] + t * (self.b[0] - self.a[0]),
            self.a[1] + t * (self.b[1] - self.a[1]),
        ]
    }
}

impl RTreeObject for IndexedSegment {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners(self.a, self.b)
    }
}

impl PointDistance for IndexedSegment {
    fn distance_2(&self, p: &[f64; 2]) -> f64 {
        let q = self.at(self.fraction_nearest(*p));
        (q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2)
    }
}

/// The nearest-segment index of one profile.
pub(crate) struct SnapIndex {
    pub(crate) projection: Projection,
    pub(crate) tree: RTree<IndexedSegment>,
}

impl SnapIndex {
    pub(crate) fn build(lat_e7: &[i32], lon_e7: &[i32], segments: &[Segment]) -> Self {
        let projection = Projection::centred_on(lat_e7, lon_e7);
        let xy = |n: u32| {
            let n = n as usize;
            projection.to_xy(f64::from(lat_e7[n]) * 1e-7, f64::from(lon_e7[n]) * 1e-7)
        };
        let items = segments
            .iter()
            .enumerate()
            .map(|(id, s)| IndexedSegment {
                a: xy(s.a),
                b: xy(s.b),
                id: id as u32,
            })
            .collect();
        Self {
            projection,
            tree: RTree::bulk_load(items),
        }
    }

    /// The ids of the segments whose boxes meet the box from (south, west) to (north, east).
    pub(crate) fn within(&self, (south, west): (f64, f64), (north, east): (f64, f64)) -> Vec<u32> {
        let corners = AABB::from_corners(
            self.projection.to_xy(south, west),
            self.projection.to_xy(north, east),
        );
        self.tree
            .locate_in_envelope_intersecting(&corners)
            .map(|seg| seg.id)
            .collect()
    }

    /// The nearest segment to (lat, lon): its id, the fraction along it, the
    /// snapped position and the great-circle distance to it in metres.
    pub(crate) fn nearest(&self, lat: f64, lon: f64) -> Option<(u32, f64, (f64, f64), f64)> {
        let p = self.projection.to_xy(lat, lon);
        let seg = self.tree.nearest_neighbor(&p)?;
        let t = seg.fraction_nearest(p);
        let (slat, slon) = self.projection.to_lat_lon(seg.at(t));
        let metres = Haversine.distance(Point::new(lon, lat), Point::new(slon, slat));
        Some((seg.id, t, (slat, slon), metres))
    }
}
