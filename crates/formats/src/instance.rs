//! Reading Solomon / Gehring & Homberger and Li & Lim instance files.

use std::path::{Path, PathBuf};

/// Which benchmark family a file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceKind {
    /// Vehicle routing with time windows (Solomon, Gehring & Homberger).
    Vrptw,
    /// Pickup and delivery with time windows (Li & Lim).
    Pdptw,
}

/// One line of an instance: the depot (index 0) or a customer.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// Id as written in the file.
    pub id: u32,
    /// X coordinate.
    pub x: f64,
    /// Y coordinate.
    pub y: f64,
    /// Demand (Li & Lim: positive at pickups, negative at deliveries).
    pub demand: i64,
    /// Window opens.
    pub ready: f64,
    /// Window closes.
    pub due: f64,
    /// Service time.
    pub service: f64,
    /// Li & Lim: for a delivery, its pickup's index; else 0.
    pub pickup: usize,
    /// Li & Lim: for a pickup, its delivery's index; else 0.
    pub delivery: usize,
}

/// A benchmark instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// Name (file stem).
    pub name: String,
    /// Family.
    pub kind: InstanceKind,
    /// Fleet size.
    pub vehicles: usize,
    /// Vehicle capacity.
    pub capacity: i64,
    /// Depot first, then customers, in file order.
    pub sites: Vec<Site>,
}

/// Why an instance file was refused.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A section the format requires is missing.
    #[error("{path}: no {section} section")]
    MissingSection {
        /// The file.
        path: PathBuf,
        /// The section.
        section: &'static str,
    },
    /// A line with the wrong number of columns.
    #[error("{path}:{line}: {got} columns, expected {expected}")]
    Columns {
        /// The file.
        path: PathBuf,
        /// One-based line.
        line: usize,
        /// Columns found.
        got: usize,
        /// Columns expected.
        expected: usize,
    },
    /// A value that is not a finite number, or out of range.
    #[error("{path}:{line}: {what}")]
    BadValue {
        /// The file.
        path: PathBuf,
        /// One-based line.
        line: usize,
        /// What is wrong.
        what: String,
    },
    /// A pickup and delivery that do not point at each other.
    #[error("{path}: site {site}: {what}")]
    Unpaired {
        /// The file.
        path: PathBuf,
        /// Site id.
        site: u32,
        /// What is wrong.
        what: String,
    },
    /// The problem built from the file was refused by the solver.
    #[error("{0}")]
    Problem(#[from] freshroute_solver::ProblemError),
}

impl FormatError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Io { .. } => "io_error",
            Self::MissingSection { .. } => "missing_section",
            Self::Columns { .. } => "column_count",
            Self::BadValue { .. } => "bad_value",
            Self::Unpaired { .. } => "unpaired_pickup",
            Self::Problem(e) => e.code(),
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            Self::Io { .. } => "check that the path exists and is readable",
            Self::Problem(_) => "fix the instance so that the problem is valid",
            _ => "check the file against the format description in the benchmark README",
        }
    }
}

fn numbers(path: &Path, line_no: usize, line: &str) -> Result<Vec<f64>, FormatError> {
    line.split_whitespace()
        .map(|w| {
            w.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| FormatError::BadValue {
                    path: path.to_owned(),
                    line: line_no,
                    what: format!("{w:?} is not a finite number"),
                })
        })
        .collect()
}

/// A line of exactly `expected` numbers.
fn numbers_exact(
    path: &Path,
    line: usize,
    text: &str,
    expected: usize,
) -> Result<Vec<f64>, FormatError> {
    let v = numbers(path, line, text)?;
    if v.len() != expected {
        return Err(FormatError::Columns {
            path: path.to_owned(),
            line,
            got: v.len(),
            expected,
        });
    }
    Ok(v)
}

fn site(path: &Path, line: usize, v: &[f64], pdptw: bool) -> Result<Site, FormatError> {
    let bad = |what: String| FormatError::BadValue {
        path: path.to_owned(),
        line,
        what,
    };
    let int = |x: f64, name: &str| -> Result<i64, FormatError> {
        if x.fract() == 0.0 && x.abs() < 1e15 {
            Ok(x as i64)
        } else {
            Err(bad(format!("{name} {x} is not a whole number")))
        }
    };
    let s = Site {
        id: int(v[0], "id")?
            .try_into()
            .map_err(|_| bad(format!("id {} is negative", v[0])))?,
        x: v[1],
        y: v[2],
        demand: int(v[3], "demand")?,
        ready: v[4],
        due: v[5],
        service: v[6],
        pickup: if pdptw {
            int(v[7], "pickup index")?.max(0) as usize
        } else {
            0
        },
        delivery: if pdptw {
            int(v[8], "delivery index")?.max(0) as usize
        } else {
            0
        },
    };
    if s.due < s.ready {
        return Err(bad(format!(
            "time window closes at {} before it opens at {}",
            s.due, s.ready
        )));
    }
    if s.service < 0.0 {
        return Err(bad(format!("negative service time {}", s.service)));
    }
    if !pdptw && s.demand < 0 {
        return Err(bad(format!(
            "negative demand {} on a VRPTW customer",
            s.demand
        )));
    }
    Ok(s)
}

/// Reads a Solomon / Gehring & Homberger (with a `VEHICLE` section) or Li & Lim file.
pub fn read_instance(path: &Path) -> Result<Instance, FormatError> {
    let text = std::fs::read_to_string(path).map_err(|source| FormatError::Io {
        path: path.to_owned(),
        source,
    })?;
    let name = path
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    let is_solomon = lines.iter().any(|(_, l)| l.eq_ignore_ascii_case("VEHICLE"));
    let (kind, vehicles, capacity, body, columns) = if is_solomon {
        let at = |section: &'static str| {
            lines
                .iter()
                .position(|(_, l)| l.eq_ignore_ascii_case(section))
                .ok_or(FormatError::MissingSection {
                    path: path.to_owned(),
                    section,
                })
        };
        let v = at("VEHICLE")?;
        let c = at("CUSTOMER")?;
        // VEHICLE, a header line, then `NUMBER CAPACITY`.
        let (line, fleet) = lines
            .get(v + 2)
            .copied()
            .ok_or(FormatError::MissingSection {
                path: path.to_owned(),
                section: "VEHICLE numbers",
            })?;
        let fleet = numbers_exact(path, line, fleet, 2)?;
        // CUSTOMER, a header line, then the sites.
        (
            InstanceKind::Vrptw,
            fleet[0],
            fleet[1],
            &lines[(c + 2).min(lines.len())..],
            7,
        )
    } else {
        let (line, first) = lines.first().copied().ok_or(FormatError::MissingSection {
            path: path.to_owned(),
            section: "fleet (first line: vehicles capacity speed)",
        })?;
        let fleet = numbers_exact(path, line, first, 3)?;
        (InstanceKind::Pdptw, fleet[0], fleet[1], &lines[1..], 9)
    };
    let mut sites = Vec::with_capacity(body.len());
    for &(line, text) in body {
        let v = numbers_exact(path, line, text, columns)?;
        sites.push(site(path, line, &v, kind == InstanceKind::Pdptw)?);
    }
    if sites.len() < 2 {
        return Err(FormatError::MissingSection {
            path: path.to_owned(),
            section: "customer",
        });
    }
    if vehicles < 1.0 || capacity < 0.0 || vehicles.fract() != 0.0 || capacity.fract() != 0.0 {
        return Err(FormatError::BadValue {
            path: path.to_owned(),
            line: 1,
            what: format!("fleet of {vehicles} vehicles with capacity {capacity}"),
        });
    }
    if kind == InstanceKind::Pdptw {
        check_pairs(path, &sites)?;
    }
    Ok(Instance {
        name,
        kind,
        vehicles: vehicles as usize,
        capacity: capacity as i64,
        sites,
    })
}

fn check_pairs(path: &Path, sites: &[Site]) -> Result<(), FormatError> {
    let unpaired = |site: u32, what: String| FormatError::Unpaired {
        path: path.to_owned(),
        site,
        what,
    };
    for (i, s) in sites.iter().enumerate().skip(1) {
        match (s.pickup, s.delivery) {
            (0, d) if d > 0 => {
                let Some(other) = sites.get(d) else {
                    return Err(unpaired(s.id, format!("its delivery {d} does not exist")));
                };
                if other.pickup != i {
                    return Err(unpaired(
                        s.id,
                        format!("its delivery {d} names pickup {}", other.pickup),
                    ));
                }
                if other.demand != -s.demand || s.demand < 0 {
                    return Err(unpaired(
                        s.id,
                        format!(
                            "picks up {} but its delivery drops {}",
                            s.demand, -other.demand
                        ),
                    ));
                }
            }
            (p, 0) if p > 0 => {
                if sites.get(p).is_none_or(|o| o.delivery != i) {
                    return Err(unpaired(
                        s.id,
                        format!("its pickup {p} does not name it as delivery"),
                    ));
                }
            }
            _ => return Err(unpaired(s.id, "is neither a pickup nor a delivery".into())),
        }
    }
    Ok(())
}
