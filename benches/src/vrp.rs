//! The routing benchmark: solve every instance of a folder, check each plan twice
//! (the solver's checker on the integer problem, the benchmark's rules in double
//! precision) and compare its distance with a reference.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use freshroute_formats::{BuildOptions, FormatError, Instance, Translated, read_instance, verify};
use freshroute_solver::{Limits, Quiet, Solution, check, solve};

/// One solved instance.
#[derive(Debug, Clone)]
pub struct SolvedInstance {
    /// The instance read.
    pub instance: Instance,
    /// Site indices per route.
    pub routes: Vec<Vec<usize>>,
    /// Distance in double precision.
    pub distance: f64,
    /// Wall-clock seconds spent.
    pub seconds: f64,
    /// Problems found by either check; empty when the plan is valid.
    pub violations: Vec<String>,
    /// Tasks left unserved.
    pub unassigned: usize,
}

/// Reads, solves and checks one instance.
pub fn solve_instance(
    path: &Path,
    opts: &BuildOptions,
    limits: &Limits,
) -> Result<SolvedInstance, FormatError> {
    let instance = read_instance(path)?;
    let translated = Translated::new(&instance, opts)?;
    let started = Instant::now();
    let solution: Solution = solve(&translated.problem, limits, &mut Quiet);
    let seconds = started.elapsed().as_secs_f64();
    let report = check(&translated.problem, &solution);
    let routes = translated.routes_of(&solution);
    let mut violations = report.violations;
    let distance = match verify(&instance, opts, &routes) {
        Ok(d) => d,
        Err(e) => {
            violations.extend(e);
            f64::NAN
        }
    };
    if !solution.unassigned.is_empty() {
        violations.push(format!("{} tasks unassigned", solution.unassigned.len()));
    }
    Ok(SolvedInstance {
        instance,
        routes,
        distance,
        seconds,
        violations,
        unassigned: solution.unassigned.len(),
    })
}

/// One row of the benchmark table.
#[derive(Debug, Clone)]
pub struct VrpRow {
    /// Instance name.
    pub name: String,
    /// Routes used.
    pub vehicles: usize,
    /// Distance found.
    pub distance: f64,
    /// Reference distance, if known.
    pub reference: Option<f64>,
    /// Seconds spent.
    pub seconds: f64,
    /// Empty when both checks passed.
    pub violations: Vec<String>,
}

impl VrpRow {
    /// Gap to the reference in percent.
    pub fn gap(&self) -> Option<f64> {
        self.reference.map(|r| (self.distance - r) / r * 100.0)
    }
}

/// The rows of a folder run.
#[derive(Debug, Clone, Default)]
pub struct VrpTable {
    /// Title.
    pub title: String,
    /// One row per instance.
    pub rows: Vec<VrpRow>,
}

impl VrpTable {
    /// Mean gap over instances with a reference and a valid plan.
    pub fn mean_gap(&self) -> Option<f64> {
        let gaps: Vec<f64> = self
            .rows
            .iter()
            .filter(|r| r.violations.is_empty())
            .filter_map(VrpRow::gap)
            .collect();
        (!gaps.is_empty()).then(|| gaps.iter().sum::<f64>() / gaps.len() as f64)
    }

    /// Instances whose plan failed a check.
    pub fn invalid(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| !r.violations.is_empty())
            .count()
    }
}

impl fmt::Display for VrpTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.title)?;
        writeln!(
            f,
            "| instance | vehicles | distance | reference | gap % | seconds | checks |"
        )?;
        writeln!(f, "|---|---:|---:|---:|---:|---:|---|")?;
        for r in &self.rows {
            let reference = r
                .reference
                .map_or_else(|| "—".into(), |v| format!("{v:.2}"));
            let gap = r.gap().map_or_else(|| "—".into(), |g| format!("{g:+.2}"));
            let verdict = if r.violations.is_empty() {
                "ok".to_owned()
            } else {
                format!("INVALID: {}", r.violations[0])
            };
            writeln!(
                f,
                "| {} | {} | {:.2} | {reference} | {gap} | {:.1} | {verdict} |",
                r.name, r.vehicles, r.distance, r.seconds
            )?;
        }
        let mean = self
            .mean_gap()
            .map_or_else(|| "—".into(), |g| format!("{g:+.2} %"));
        writeln!(
            f,
            "mean gap {mean} over {} instances; {} invalid",
            self.rows.len(),
            self.invalid()
        )
    }
}

/// Solves every `.txt` instance of a folder in name order.
pub fn run_set(
    dir: &Path,
    refs: &HashMap<String, f64>,
    opts: &BuildOptions,
    time_limit: Duration,
    seed: u64,
    on_row: &mut dyn FnMut(&VrpRow),
) -> Result<VrpTable, FormatError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| FormatError::Io {
            path: dir.to_owned(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let limits = Limits {
        time: Some(time_limit),
        iterations: None,
        seed,
    };
    let mut table = VrpTable {
        title: format!(
            "freshroute bench vrp — {} — {:.1} s per instance, seed {seed}, one thread{}{}",
            dir.display(),
            time_limit.as_secs_f64(),
            opts.max_ride_factor
                .map_or_else(String::new, |f| format!(", max ride factor {f}")),
            if opts.fleet_factor == 1.0 {
                String::new()
            } else {
                format!(", fleet × {}", opts.fleet_factor)
            },
        ),
        rows: Vec::new(),
    };
    for file in files {
        let solved = solve_instance(&file, opts, &limits)?;
        let name = solved.instance.name.clone();
        let row = VrpRow {
            reference: refs.get(&name.to_ascii_lowercase()).copied(),
            name,
            vehicles: solved.routes.len(),
            distance: solved.distance,
            seconds: solved.seconds,
            violations: solved.violations,
        };
        on_row(&row);
        table.rows.push(row);
    }
    Ok(table)
}
