//! Raster map tiles drawn under the console's and the tracking page's maps in place of
//! the road graph's streets, with their attribution: from a server a deployment names
//! (`serve --map-tiles`, an OpenStreetMap-style `{z}/{x}/{y}` URL), or from a local
//! PMTiles archive this host serves (`serve --map-pmtiles`, `map_tiles_route`). Off by
//! default: unless a server is named, no page asks another host for anything.

use std::fmt::Write;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::map_frame::Frame;
use crate::pages::esc;
use crate::state::AppState;
use crate::{ApiError, ErrorBody};

/// The most tiles one map draws (a console's map at its zoom needs about a dozen).
const MOST_TILES: u32 = 64;
/// The size, in picture units, a tile is drawn at or above (tiles are 256 pixels).
const TILE_UNITS: f64 = 192.0;
/// The deepest zoom tile servers commonly serve.
const MAX_ZOOM: u32 = 19;

/// Where tiles come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapTiles {
    /// `https://host/path/{z}/{x}/{y}.png`.
    template: String,
    /// `https://host[:port]`: what the pages' policy lets images come from.
    origin: String,
    /// Said under every map (the tiles' licence asks for it).
    attribution: String,
}

impl MapTiles {
    /// Tiles from `template` (http or https, with `{z}`, `{x}` and `{y}`), credited with
    /// `attribution`; refused with what is wrong.
    pub fn new(template: &str, attribution: &str) -> Result<Self, String> {
        let rest = template
            .strip_prefix("https://")
            .or_else(|| template.strip_prefix("http://"))
            .ok_or("the tile URL must start with https:// or http://")?;
        let host = rest.split('/').next().unwrap_or_default();
        if host.is_empty() || host.contains(['{', '}', '"', '\'', ' ', ';', '@']) {
            return Err("the tile URL must name its host plainly".into());
        }
        for part in ["{z}", "{x}", "{y}"] {
            if !template.contains(part) {
                return Err(format!("the tile URL must contain {part}"));
            }
        }
        if template.contains(['"', '\'', ' ', '<', '>', ';']) {
            return Err("the tile URL must not contain quotes, spaces, < > or ;".into());
        }
        if attribution.trim().is_empty() {
            return Err("say whose tiles they are (their licence asks for it)".into());
        }
        let scheme_len = template.len() - rest.len();
        Ok(Self {
            template: template.to_string(),
            origin: format!("{}{host}", &template[..scheme_len]),
            attribution: attribution.trim().to_string(),
        })
    }

    /// Tiles from the PMTiles archive this host serves (`serve --map-pmtiles`), at
    /// `/map/tiles/{z}/{x}/{y}`, credited with `attribution`.
    pub fn local(attribution: &str) -> Result<Self, String> {
        if attribution.trim().is_empty() {
            return Err("say whose tiles they are (their licence asks for it)".into());
        }
        Ok(Self {
            template: "/map/tiles/{z}/{x}/{y}".to_string(),
            origin: "'self'".to_string(),
            attribution: attribution.trim().to_string(),
        })
    }

    /// Where tiles come from, as a page's policy names it: a scheme and host, or
    /// `'self'`.
    pub(crate) fn origin(&self) -> &str {
        &self.origin
    }

    /// The tiles' credit, escaped, as a map's caption says it.
    pub(crate) fn credit(&self) -> String {
        format!("Map tiles: {}", esc(&self.attribution))
    }

    /// The tiles covering `frame`, as SVG images placed where the frame puts their
    /// corners; none when more than [`MOST_TILES`] would be needed.
    pub(crate) fn images(&self, frame: &Frame) -> String {
        let (sw, ne) = frame.corners();
        let (w, _) = frame.size();
        let z = zoom(w / (ne[0] - sw[0]));
        let (x0, y0) = tile_of([sw[0], ne[1]], z);
        let (x1, y1) = tile_of([ne[0], sw[1]], z);
        if (x1 - x0 + 1) * (y1 - y0 + 1) > MOST_TILES {
            return String::new();
        }
        let mut out = String::new();
        for x in x0..=x1 {
            for y in y0..=y1 {
                let (left, top) = frame.svg(corner(x, y, z));
                let (right, bottom) = frame.svg(corner(x + 1, y + 1, z));
                let url = self
                    .template
                    .replace("{z}", &z.to_string())
                    .replace("{x}", &x.to_string())
                    .replace("{y}", &y.to_string());
                let _ = write!(
                    out,
                    "<image href=\"{}\" x=\"{left:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{:.1}\" preserveAspectRatio=\"none\"/>",
                    esc(&url),
                    right - left,
                    bottom - top
                );
            }
        }
        out
    }
}

/// A tile of the local archive.
#[utoipa::path(get, path = "/map/tiles/{z}/{x}/{y}", tag = "pages",
    params(
        ("z" = u8, Path, description = "Zoom"),
        ("x" = u32, Path, description = "Column, from the west"),
        ("y" = u32, Path, description = "Row, from the north"),
    ),
    responses(
        (status = 200, description = "The tile, as the archive holds it (PNG, JPEG or WebP)", content_type = "image/png", body = Vec<u8>),
        (status = 404, description = "No such tile, or no archive set", body = ErrorBody),
    ))]
pub(crate) async fn tile(
    State(state): State<AppState>,
    Path((z, x, y)): Path<(u8, u32, u32)>,
) -> Response {
    let Some(archive) = state.map_pmtiles.clone() else {
        return no_tile(
            "this service draws its maps without tiles (serve --map-pmtiles sets an archive)",
        );
    };
    let found = tokio::task::spawn_blocking(move || {
        archive
            .tile(z, x, y)
            .map(|t| t.map(|t| (archive.content_type(), t)))
    })
    .await;
    match found {
        Ok(Ok(Some((kind, bytes)))) => (
            [
                (header::CONTENT_TYPE, kind),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            bytes,
        )
            .into_response(),
        Ok(Ok(None)) => no_tile(&format!("the archive has no tile {z}/{x}/{y}")),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "the map tile archive could not be read");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "tiles_unreadable",
                "the map tile archive could not be read; see the service's log",
            )
            .into_response()
        }
        Err(_) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "tiles_unreadable",
            "reading the tile stopped unexpectedly",
        )
        .into_response(),
    }
}

fn no_tile(why: &str) -> Response {
    ApiError::new(StatusCode::NOT_FOUND, "no_tile", why).into_response()
}

/// The zoom at which a tile spans at least [`TILE_UNITS`] of a picture drawing
/// `units_per_degree` of longitude.
fn zoom(units_per_degree: f64) -> u32 {
    let z = (units_per_degree * 360.0 / TILE_UNITS).log2().floor();
    if z.is_finite() {
        (z.max(0.0) as u32).min(MAX_ZOOM)
    } else {
        0
    }
}

/// The Web Mercator tile holding `[lon, lat]` at zoom `z`.
fn tile_of([lon, lat]: [f64; 2], z: u32) -> (u32, u32) {
    let n = f64::from(1_u32 << z);
    let lat = lat.clamp(-85.0511, 85.0511).to_radians();
    let x = ((lon + 180.0) / 360.0 * n).floor();
    let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor();
    let last = n - 1.0;
    (x.clamp(0.0, last) as u32, y.clamp(0.0, last) as u32)
}

/// The north-west corner of tile `(x, y)` at zoom `z`, `[lon, lat]`.
fn corner(x: u32, y: u32, z: u32) -> [f64; 2] {
    let n = f64::from(1_u32 << z);
    let lon = f64::from(x) / n * 360.0 - 180.0;
    let lat = (std::f64::consts::PI * (1.0 - 2.0 * f64::from(y) / n))
        .sinh()
        .atan()
        .to_degrees();
    [lon, lat]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tile_url_names_its_host_and_its_z_x_y_and_is_credited() {
        let t = MapTiles::new(
            "https://tile.example.pt/osm/{z}/{x}/{y}.png",
            "© OpenStreetMap contributors",
        )
        .expect("valid");
        assert_eq!(t.origin(), "https://tile.example.pt");
        assert_eq!(t.credit(), "Map tiles: © OpenStreetMap contributors");
        let refused = |url: &str| MapTiles::new(url, "x").expect_err(url);
        assert!(refused("ftp://tile.example/{z}/{x}/{y}").contains("https://"));
        assert!(refused("https://tile.example/{z}/{x}.png").contains("{y}"));
        assert!(refused("https://{s}.tile.example/{z}/{x}/{y}").contains("host"));
        assert!(refused("https://tile.example/{z}/{x}/{y}\"onload=").contains("quotes"));
        assert!(MapTiles::new("https://tile.example/{z}/{x}/{y}", " ").is_err());
    }

    #[test]
    fn the_tiles_over_porto_hold_their_places_and_cover_the_map() {
        // A place lies between its tile's north-west corner and the next tile's.
        for z in [0, 10, 15, 19] {
            let at = [-8.6110, 41.1480];
            let (x, y) = tile_of(at, z);
            let (nw, se) = (corner(x, y, z), corner(x + 1, y + 1, z));
            assert!(nw[0] <= at[0] && at[0] < se[0], "z{z}: {nw:?} {se:?}");
            assert!(nw[1] >= at[1] && at[1] > se[1], "z{z}: {nw:?} {se:?}");
        }
        let t = MapTiles::new("https://t.example/{z}/{x}/{y}.png", "OSM").expect("valid");
        let f = Frame::fitting(
            [-8.611, 41.148],
            [[-8.63, 41.14], [-8.59, 41.16]],
            (600.0, 400.0),
            10.0,
            100.0,
        );
        let images = t.images(&f);
        let count = images.matches("<image ").count();
        assert!((2..=64).contains(&count), "{count}: {images}");
        assert!(images.contains("href=\"https://t.example/"), "{images}");
        // Each tile is drawn at least TILE_UNITS wide, at most twice that.
        let first_width: f64 = images
            .split("width=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .and_then(|v| v.parse().ok())
            .expect("a width");
        assert!(
            (TILE_UNITS..=2.0 * TILE_UNITS).contains(&first_width),
            "{first_width}"
        );
    }
}
