//! `freshroute solve`: one benchmark instance, checked, written in SINTEF style.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use freshroute_benches::vrp::solve_instance;
use freshroute_formats::{BuildOptions, write_sintef};
use freshroute_solver::Limits;

use crate::error::CliError;
use crate::output::print_text;

/// Options shared by `solve` and `bench vrp`.
#[derive(Args, Debug, Clone)]
pub(crate) struct InstanceOptions {
    /// Multiply the instance's fleet by this.
    #[arg(long, default_value_t = 1.0)]
    pub(crate) fleet_factor: f64,
    /// Cold chain: limit every shipment's ride (pickup start to delivery start) to
    /// max(s_p + F * t(p, d), e_d - l_p).
    #[arg(long)]
    pub(crate) max_ride_factor: Option<f64>,
    /// Fewest vehicles first, then distance (default: distance only).
    #[arg(long)]
    pub(crate) hierarchical: bool,
    /// Seed of the search.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
}

impl InstanceOptions {
    pub(crate) fn build_options(&self) -> Result<BuildOptions, CliError> {
        if !(self.fleet_factor.is_finite() && self.fleet_factor > 0.0) {
            return Err(CliError::Usage(format!(
                "--fleet-factor {} must be positive",
                self.fleet_factor
            )));
        }
        if let Some(f) = self.max_ride_factor
            && !(f.is_finite() && f >= 1.0)
        {
            return Err(CliError::Usage(format!(
                "--max-ride-factor {f} must be at least 1"
            )));
        }
        Ok(BuildOptions {
            fleet_factor: self.fleet_factor,
            max_ride_factor: self.max_ride_factor,
            hierarchical: self.hierarchical,
        })
    }
}

#[derive(Args, Debug)]
pub(crate) struct SolveArgs {
    /// The instance file.
    instance: PathBuf,
    /// Wall-clock budget in seconds.
    #[arg(long)]
    time_limit: Option<f64>,
    /// Iteration budget: with a seed, the same plan every time.
    #[arg(long)]
    iterations: Option<u64>,
    #[command(flatten)]
    options: InstanceOptions,
    /// Where to write the routes (`Route 1 : 12 5 7`).
    #[arg(long)]
    out: PathBuf,
}

pub(crate) fn run(args: &SolveArgs) -> Result<(), CliError> {
    let opts = args.options.build_options()?;
    let time = match args.time_limit {
        Some(t) if t.is_finite() && t > 0.0 => Some(Duration::from_secs_f64(t)),
        Some(t) => {
            return Err(CliError::Usage(format!(
                "--time-limit {t} must be positive"
            )));
        }
        None if args.iterations.is_none() => Some(Duration::from_secs(10)),
        None => None,
    };
    let limits = Limits {
        time,
        iterations: args.iterations,
        seed: args.options.seed,
    };
    let solved = solve_instance(&args.instance, &opts, &limits)?;
    std::fs::write(&args.out, write_sintef(&solved.instance, &solved.routes)).map_err(
        |source| CliError::Write {
            path: args.out.clone(),
            source,
        },
    )?;
    let verdict = if solved.violations.is_empty() {
        "valid (solver checker and benchmark rules)".to_owned()
    } else {
        format!("INVALID: {}", solved.violations.join("; "))
    };
    print_text(&format!(
        "{}: vehicles {}, distance {:.2}, time {:.2} s, unassigned {}, plan {verdict}\n",
        solved.instance.name,
        solved.routes.len(),
        solved.distance,
        solved.seconds,
        solved.unassigned
    ))?;
    Ok(())
}
