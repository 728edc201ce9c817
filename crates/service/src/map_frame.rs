//! A map drawn to scale on the server: places in `[lon, lat]` turned into a picture's
//! units around an origin, in local metres (east, north), fitted to what it must show.
//! The browser's scripts move markers with the same figures (`data-frame`).

use crate::places::{NORTH_M_PER_DEGREE, east_m_per_degree};

/// Picture units below which a line's points are not told apart.
const DETAIL: f64 = 1.5;

/// Where a map is: local metres around its origin, scaled to the picture.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    origin: [f64; 2],
    /// Metres east per degree of longitude at the origin.
    east_m: f64,
    /// The middle of what is shown, local metres.
    centre: (f64, f64),
    /// Picture units per metre.
    scale: f64,
    /// The picture's width and height, in its units.
    size: (f64, f64),
}

impl Frame {
    /// The frame of a `size` picture showing `origin` and `points` with `pad` units
    /// around them, at least `min_span_m` metres across.
    pub(crate) fn fitting(
        origin: [f64; 2],
        points: impl IntoIterator<Item = [f64; 2]>,
        size: (f64, f64),
        pad: f64,
        min_span_m: f64,
    ) -> Frame {
        let mut f = Frame {
            origin,
            east_m: east_m_per_degree(origin[1]),
            centre: (0.0, 0.0),
            scale: 1.0,
            size,
        };
        let (mut x0, mut y0, mut x1, mut y1) = (0.0_f64, 0.0_f64, 0.0_f64, 0.0_f64);
        for p in points {
            let (x, y) = f.local(p);
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
        let span_x = (x1 - x0).max(min_span_m);
        let span_y = (y1 - y0).max(min_span_m);
        f.scale = ((size.0 - 2.0 * pad) / span_x).min((size.1 - 2.0 * pad) / span_y);
        f.centre = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        f
    }

    /// The picture's width and height, in its units.
    pub(crate) fn size(&self) -> (f64, f64) {
        self.size
    }

    /// A place in local metres east and north of the origin.
    pub(crate) fn local(&self, p: [f64; 2]) -> (f64, f64) {
        (
            (p[0] - self.origin[0]) * self.east_m,
            (p[1] - self.origin[1]) * NORTH_M_PER_DEGREE,
        )
    }

    /// A `[lon, lat]` in the picture's units.
    pub(crate) fn svg(&self, p: [f64; 2]) -> (f64, f64) {
        let (x, y) = self.local(p);
        (
            self.size.0 / 2.0 + (x - self.centre.0) * self.scale,
            self.size.1 / 2.0 - (y - self.centre.1) * self.scale,
        )
    }

    /// The picture's south-west and north-east corners, `[lon, lat]`.
    pub(crate) fn corners(&self) -> ([f64; 2], [f64; 2]) {
        let half = (
            self.size.0 / 2.0 / self.scale,
            self.size.1 / 2.0 / self.scale,
        );
        let at = |dx: f64, dy: f64| {
            [
                self.origin[0] + (self.centre.0 + dx) / self.east_m,
                self.origin[1] + (self.centre.1 + dy) / NORTH_M_PER_DEGREE,
            ]
        };
        (at(-half.0, -half.1), at(half.0, half.1))
    }

    /// The figures a script needs to place a `[lon, lat]` as [`Frame::svg`] does, as
    /// JSON (escape it for an attribute).
    pub(crate) fn data(&self) -> String {
        format!(
            "{{\"w\":{},\"h\":{},\"origin\":[{},{}],\"east\":{},\"north\":{NORTH_M_PER_DEGREE},\"cx\":{},\"cy\":{},\"scale\":{}}}",
            self.size.0,
            self.size.1,
            self.origin[0],
            self.origin[1],
            self.east_m,
            self.centre.0,
            self.centre.1,
            self.scale
        )
    }

    /// A path of street segments, `M x y L x y` each, to the picture's whole units (a
    /// background needs no finer; a city's streets stay a few hundred kilobytes).
    pub(crate) fn segments_path(&self, segments: &[[[f64; 2]; 2]]) -> String {
        use std::fmt::Write;
        let mut d = String::new();
        for [a, b] in segments {
            let ((ax, ay), (bx, by)) = (self.svg(*a), self.svg(*b));
            let _ = write!(d, "M{ax:.0} {ay:.0}L{bx:.0} {by:.0}");
        }
        d
    }

    /// Points for a `polyline`, leaving out those within [`DETAIL`] units of the last
    /// one kept (the ends always kept): what the picture cannot show is not sent.
    pub(crate) fn polyline(&self, line: &[[f64; 2]]) -> String {
        let mut kept: Vec<(f64, f64)> = Vec::with_capacity(line.len());
        for (k, &p) in line.iter().enumerate() {
            let (x, y) = self.svg(p);
            let last = k + 1 == line.len();
            match kept.last() {
                Some(&(lx, ly)) if !last && (x - lx).hypot(y - ly) < DETAIL => {}
                _ => kept.push((x, y)),
            }
        }
        kept.iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_frame_fits_is_inside_its_picture_and_its_corners_hold_it() {
        let origin = [-8.61, 41.15];
        let points = [[-8.62, 41.14], [-8.60, 41.16]];
        let f = Frame::fitting(origin, points, (600.0, 400.0), 10.0, 100.0);
        for p in points.into_iter().chain([origin]) {
            let (x, y) = f.svg(p);
            assert!((10.0 - 1e-6..=590.0 + 1e-6).contains(&x), "{x}");
            assert!((10.0 - 1e-6..=390.0 + 1e-6).contains(&y), "{y}");
        }
        let (sw, ne) = f.corners();
        assert!(sw[0] < -8.62 && sw[1] < 41.14 && ne[0] > -8.60 && ne[1] > 41.16);
        // North is up.
        assert!(f.svg([-8.61, 41.16]).1 < f.svg([-8.61, 41.14]).1);
    }

    #[test]
    fn a_line_keeps_its_ends_and_drops_what_the_picture_cannot_show() {
        let f = Frame::fitting([0.0, 0.0], [[0.01, 0.01]], (100.0, 100.0), 0.0, 100.0);
        // Ten points a metre apart, far below a unit here, then one 1 km on.
        let mut line: Vec<[f64; 2]> = (0..10).map(|k| [k as f64 * 1e-5, 0.0]).collect();
        line.push([0.01, 0.0]);
        let points = f.polyline(&line);
        assert_eq!(points.split(' ').count(), 2, "{points}");
        assert!(points.starts_with(&format!("{:.1},", f.svg(line[0]).0)));
    }
}
