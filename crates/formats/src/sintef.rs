//! Solution text in the SINTEF style, and reference tables.

use std::collections::HashMap;
use std::path::Path;

use crate::{FormatError, Instance};

/// `Route 1 : 12 5 7` lines, with the site ids of the file.
pub fn write_sintef(inst: &Instance, routes: &[Vec<usize>]) -> String {
    let mut out = String::new();
    for (k, r) in routes.iter().enumerate() {
        let ids: Vec<String> = r.iter().map(|&i| inst.sites[i].id.to_string()).collect();
        out.push_str(&format!("Route {} : {}\n", k + 1, ids.join(" ")));
    }
    out
}

/// Reference distances by instance name from a CSV with a header: the column
/// `ref_distance` where there is one, else `distance`.
pub fn read_reference_csv(path: &Path) -> Result<HashMap<String, f64>, FormatError> {
    let text = std::fs::read_to_string(path).map_err(|source| FormatError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut lines = text.lines().enumerate();
    let Some((_, header)) = lines.next() else {
        return Err(FormatError::MissingSection {
            path: path.to_owned(),
            section: "header",
        });
    };
    let cols: Vec<&str> = header.split(',').map(str::trim).collect();
    let name_col = cols.iter().position(|c| *c == "instance");
    let dist_col = cols
        .iter()
        .position(|c| *c == "ref_distance")
        .or_else(|| cols.iter().position(|c| *c == "distance"));
    let (Some(name_col), Some(dist_col)) = (name_col, dist_col) else {
        return Err(FormatError::MissingSection {
            path: path.to_owned(),
            section: "instance and distance columns",
        });
    };
    let mut refs = HashMap::new();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        let bad = |what: String| FormatError::BadValue {
            path: path.to_owned(),
            line: i + 1,
            what,
        };
        let name = f
            .get(name_col)
            .ok_or_else(|| bad("no instance column".into()))?;
        let dist: f64 = f
            .get(dist_col)
            .and_then(|d| d.parse().ok())
            .ok_or_else(|| bad("no readable distance".into()))?;
        refs.insert(name.to_ascii_lowercase(), dist);
    }
    Ok(refs)
}
