//! `freshroute bench …`.

use std::path::PathBuf;

use clap::Subcommand;
use freshroute_benches::roads::{RoadsBenchOptions, run as run_roads};
use freshroute_roads::{Profile, RoadsError};

use crate::output::{StderrProgress, print_text};
use crate::roads::bundled_extract;

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
}

pub(crate) fn run(command: BenchCommand) -> Result<(), RoadsError> {
    match command {
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
                let verdict = if table.all_pass() {
                    "every target met"
                } else {
                    "SOME TARGETS MISSED"
                };
                eprintln!("{verdict}");
            }
            Ok(())
        }
    }
}
