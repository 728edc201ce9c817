//! `freshroute simulate`: a day of the sample chain replayed against the service.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use freshroute_benches::simulate::{SimOptions, simulate, table};

use crate::error::CliError;
use crate::output::{print_json, print_text};
use crate::roads::bundled_network;
use crate::service::{bundled_sample_chain, read_sample_chain, runtime};

/// What else `simulate` can replay.
#[derive(clap::Subcommand)]
pub(crate) enum SimulateWhat {
    /// The chain's purchasing day by day on held-back demand: the model's purchase
    /// orders beside the min/max rule and par levels, same demand, same run.
    Procurement(crate::procurement::SimulateProcurementArgs),
}

#[derive(Args)]
pub(crate) struct SimulateArgs {
    /// Start of the simulated window, `HH:MM` UTC [default: 12:00, the busiest hour].
    #[arg(long, default_value = "12:00")]
    from: String,
    /// Minutes during which orders come in; the run goes on until they are delivered.
    #[arg(long, default_value_t = 60)]
    minutes: u32,
    /// Orders in the busiest hour, over the whole chain.
    #[arg(long, default_value_t = 60.0)]
    peak_per_hour: f64,
    /// Seed of the orders, the traffic and the GPS noise.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Seconds between plans.
    #[arg(long, default_value_t = 30)]
    replan_every: u32,
    /// Iterations of search for the offline reference: the same window planned with
    /// every order known in advance (0 plans none).
    #[arg(long, default_value_t = CLAIRVOYANT_ITERATIONS)]
    clairvoyant: u64,
    /// Minutes before its customer places it that each order reaches the service: the
    /// live dispatcher with foresight, to measure what knowing demand ahead would buy.
    #[arg(long, default_value_t = 0)]
    reveal_ahead: u32,
    /// Iterations of search per plan instead of a time (0: for a time, as the service
    /// searches): a run then repeats exactly, to compare changes beside the run-to-run
    /// noise of a timed search; re-plan times then mean little.
    #[arg(long, default_value_t = 0)]
    search_iterations: u64,
    /// Seed of each plan's search: with `--search-iterations`, runs that differ only by
    /// this tell a change's effect from the chance of one run.
    #[arg(long, default_value_t = 1)]
    search_seed: u64,
    /// A world with no noise: every leg driven in the time the road engine expects, no
    /// GPS noise, every kitchen ready when it said; to measure what noise costs the live
    /// dispatcher beside the offline reference, which sees none.
    #[arg(long)]
    exact: bool,
    /// The chain [default: the bundled sample chain].
    #[arg(long)]
    sample_chain: Option<PathBuf>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

/// The offline reference's search: 200,000 iterations, about 20 s for the 123 orders of
/// 120 an hour on two cores.
const CLAIRVOYANT_ITERATIONS: u64 = 200_000;

fn hhmm(text: &str) -> Option<i64> {
    let (h, m) = text.split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    ((0..24).contains(&h) && (0..60).contains(&m)).then_some(h * 3600 + m * 60)
}

pub(crate) fn run(args: &SimulateArgs) -> Result<(), CliError> {
    let start_s = hhmm(&args.from)
        .ok_or_else(|| CliError::Usage("--from must be HH:MM, 00:00 to 23:59".to_string()))?;
    let valid = (1..=24 * 60).contains(&args.minutes)
        && args.peak_per_hour > 0.0
        && args.peak_per_hour <= 5_000.0
        && (5..=3_600).contains(&args.replan_every)
        && args.clairvoyant <= 100_000_000
        && args.reveal_ahead <= 24 * 60
        && args.search_iterations <= 100_000_000;
    if !valid {
        return Err(CliError::Usage(
            "--minutes 1 to 1440, --peak-per-hour above 0 up to 5000, --replan-every 5 to 3600 s, --clairvoyant 0 to 100000000 iterations, --reveal-ahead 0 to 1440 min, --search-iterations 0 to 100000000"
                .to_string(),
        ));
    }
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; re-plan times mean little (use cargo run --release)");
    }
    let chain = match &args.sample_chain {
        Some(p) => read_sample_chain(p)?,
        None => bundled_sample_chain()?,
    };
    let roads = Arc::new(bundled_network()?);
    let opts = SimOptions {
        start_s,
        length_s: i64::from(args.minutes) * 60,
        peak_per_hour: args.peak_per_hour,
        seed: args.seed,
        replan_every_s: i64::from(args.replan_every),
        clairvoyant_iterations: (args.clairvoyant > 0).then_some(args.clairvoyant),
        reveal_ahead_s: i64::from(args.reveal_ahead) * 60,
        search_iterations: (args.search_iterations > 0).then_some(args.search_iterations),
        search_seed: args.search_seed,
        ..if args.exact {
            SimOptions::exact()
        } else {
            SimOptions::default()
        }
    };
    let result = runtime()?
        .block_on(simulate(roads, &chain, &opts, &mut |line| {
            eprintln!("{line}");
        }))
        .map_err(|e| CliError::Usage(format!("the simulation stopped: {e}")))?;
    let t = table(&result, &opts);
    if args.json {
        print_json(&result.to_json())?;
    } else {
        print_text(&t.to_string())?;
    }
    eprintln!(
        "{}",
        if t.all_pass() {
            "every target met"
        } else {
            "SOME TARGETS MISSED"
        }
    );
    Ok(())
}
