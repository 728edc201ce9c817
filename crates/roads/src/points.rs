//! Reading a points file: one `LAT,LON` per line.

use std::path::Path;

use freshroute_model::LatLon;

use crate::RoadsError;

/// Reads `LAT,LON` lines, skipping blank lines and `#` comments.
pub fn read_points(path: &Path) -> Result<Vec<LatLon>, RoadsError> {
    let text = std::fs::read_to_string(path).map_err(|source| RoadsError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut points = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let p = line.parse().map_err(|source| RoadsError::PointsLine {
            path: path.to_owned(),
            line: i + 1,
            source,
        })?;
        points.push(p);
    }
    if points.is_empty() {
        return Err(RoadsError::PointsEmpty(path.to_owned()));
    }
    Ok(points)
}
