//! `freshroute bench …`.

use std::path::PathBuf;

use std::time::Duration;

use clap::Subcommand;
use freshroute_benches::roads::{RoadsBenchOptions, run as run_roads};
use freshroute_benches::vrp::run_set;
use freshroute_formats::read_reference_csv;
use freshroute_roads::Profile;

use crate::error::CliError;
use crate::output::{StderrProgress, print_text};
use crate::roads::{bundled_extract, bundled_network};
use crate::solve::InstanceOptions;

#[derive(Subcommand)]
pub(crate) enum BenchCommand {
    /// Road engine: import, file, load, query, table and snap speed against their targets.
    Roads {
        /// The extract [default: the bundled city].
        #[arg(long)]
        extract: Option<PathBuf>,
        /// Profile whose queries are timed.
        #[arg(long, default_value = "car")]
        profile: String,
        /// Random node pairs timed with the hierarchy.
        #[arg(long, default_value_t = 2000)]
        pairs: usize,
        /// Pairs also timed with plain Dijkstra (slow).
        #[arg(long, default_value_t = 200)]
        dijkstra_pairs: usize,
        /// Side of the square table.
        #[arg(long, default_value_t = 1000)]
        table_size: usize,
        /// Snaps timed.
        #[arg(long, default_value_t = 1000)]
        snaps: usize,
        /// Seed of the random pairs and positions.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Routing solver: every instance of a folder, checked, against reference distances.
    Vrp {
        /// Folder of instance files (.txt).
        #[arg(long)]
        set: PathBuf,
        /// CSV of reference distances (`instance` and `ref_distance` or `distance` columns).
        #[arg(long)]
        bks: Option<PathBuf>,
        /// Seconds per instance.
        #[arg(long, default_value_t = 10.0)]
        time_limit: f64,
        #[command(flatten)]
        options: InstanceOptions,
    },
    /// GPS ingest: fixes per second through the batch endpoint, OsmAnd reports per second
    /// with latency, and every acknowledged fix counted back from storage.
    Ingest {
        /// Run against a fresh database on this PostgreSQL server instead of a temporary SQLite file.
        #[arg(long)]
        postgres: Option<String>,
        /// Seconds of each phase.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// Fixes per batch.
        #[arg(long, default_value_t = 1000)]
        batch_size: usize,
        /// Concurrent batch senders.
        #[arg(long, default_value_t = 4)]
        batch_clients: usize,
        /// Concurrent OsmAnd senders (one courier each).
        #[arg(long, default_value_t = 64)]
        osmand_clients: usize,
    },
}

pub(crate) fn run(command: BenchCommand) -> Result<(), CliError> {
    match command {
        BenchCommand::Ingest {
            postgres,
            seconds,
            batch_size,
            batch_clients,
            osmand_clients,
        } => {
            if cfg!(debug_assertions) {
                eprintln!("warning: a debug build; rates mean little (use cargo run --release)");
            }
            let positive = seconds.is_finite() && seconds > 0.0;
            if !positive
                || batch_size == 0
                || batch_size > 10_000
                || batch_clients == 0
                || osmand_clients == 0
            {
                return Err(CliError::Usage(
                    "--seconds must be positive, --batch-size within 1..=10000, and the client counts at least 1"
                        .to_string(),
                ));
            }
            eprintln!("measuring: {seconds} s of batches, then {seconds} s of OsmAnd reports");
            let opts = freshroute_benches::ingest::IngestOptions {
                postgres_url: postgres,
                seconds,
                batch_size,
                batch_clients,
                osmand_clients,
            };
            let table = freshroute_benches::ingest::run_ingest(
                &opts,
                std::sync::Arc::new(bundled_network()?),
            )
            .map_err(|e| CliError::Usage(format!("the ingest benchmark failed: {e}")))?;
            print_text(&table.to_string())?;
            print_verdict(&table);
            Ok(())
        }
        BenchCommand::Roads {
            extract,
            profile,
            pairs,
            dijkstra_pairs,
            table_size,
            snaps,
            seed,
        } => {
            if cfg!(debug_assertions) {
                eprintln!("warning: a debug build; timings mean little (use cargo run --release)");
            }
            // The targets are set for the bundled city; elsewhere figures are shown without verdicts.
            let judge = extract.is_none();
            if !judge {
                eprintln!(
                    "note: targets are set for the bundled city; no verdicts on other extracts"
                );
            }
            let opts = RoadsBenchOptions {
                judge,
                extract: extract.unwrap_or_else(bundled_extract),
                profile: profile.parse::<Profile>()?,
                pairs,
                dijkstra_pairs,
                table_size,
                snaps,
                seed,
            };
            let mut progress = StderrProgress::new();
            let table = run_roads(&opts, &mut progress)?;
            progress.finish();
            print_text(&table.to_string())?;
            if judge {
                print_verdict(&table);
            }
            Ok(())
        }
        BenchCommand::Vrp {
            set,
            bks,
            time_limit,
            options,
        } => {
            if cfg!(debug_assertions) {
                eprintln!("warning: a debug build; results mean little (use cargo run --release)");
            }
            if !(time_limit.is_finite() && time_limit > 0.0) {
                return Err(CliError::Usage(format!(
                    "--time-limit {time_limit} must be positive"
                )));
            }
            let opts = options.build_options()?;
            let refs = match bks {
                Some(path) => read_reference_csv(&path)?,
                None => Default::default(),
            };
            let mut on_row = |r: &freshroute_benches::vrp::VrpRow| {
                let gap = r
                    .gap()
                    .map_or_else(String::new, |g| format!(" gap {g:+.2} %"));
                let ok = if r.violations.is_empty() {
                    "ok"
                } else {
                    "INVALID"
                };
                eprintln!(
                    "  {}: {} vehicles, {:.2}{gap}, {ok}",
                    r.name, r.vehicles, r.distance
                );
            };
            let table = run_set(
                &set,
                &refs,
                &opts,
                Duration::from_secs_f64(time_limit),
                options.seed,
                &mut on_row,
            )?;
            print_text(&table.to_string())?;
            Ok(())
        }
    }
}

/// Says on stderr whether every judged figure of `table` meets its target.
fn print_verdict(table: &freshroute_benches::BenchTable) {
    let verdict = if table.all_pass() {
        "every target met"
    } else {
        "SOME TARGETS MISSED"
    };
    eprintln!("{verdict}");
}
