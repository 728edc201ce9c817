//! `freshroute forecast …`: demand forecasts and their backtest.

use std::path::PathBuf;

use clap::Subcommand;
use freshroute_forecast::model::ModelOptions;
use freshroute_forecast::{BacktestOptions, backtest};
use freshroute_formats::{DemandKind, read_demand};

use crate::error::CliError;
use crate::procurement::bundled_sales;

#[derive(Subcommand)]
pub(crate) enum ForecastCommand {
    /// Rolling-origin backtest: WAPE, bias and MASE per horizon against the naive
    /// baselines (same weekday last week; mean of the last four same weekdays).
    Backtest {
        /// A daily sales file (`date,store,sku,units,…`, plain or .gz) or Dominick's
        /// weekly orange juice CSV [default: the sample chain's data/procurement/sales.csv.gz].
        #[arg(long)]
        data: Option<PathBuf>,
        /// Print one JSON object instead of the table.
        #[arg(long)]
        json: bool,
        /// Periods ahead, 1 to this (1 to 14).
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=14))]
        horizons: u16,
        /// Target periods scored, at the end of the history [default: 28 days, or the
        /// last 20 weeks].
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1000))]
        evaluate: Option<u16>,
        /// Target periods before them on which each series' method is chosen [default:
        /// 28 days, or 20 weeks].
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1000))]
        select: Option<u16>,
        /// Worker threads [default: the machine's cores].
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
        threads: Option<u16>,
    },
}

pub(crate) fn run(command: ForecastCommand) -> Result<(), CliError> {
    match command {
        ForecastCommand::Backtest {
            data,
            json,
            horizons,
            evaluate,
            select,
            threads,
        } => {
            let path = data.unwrap_or_else(bundled_sales);
            eprintln!("reading {} …", path.display());
            let demand = read_demand(&path)?;
            if demand.missing > 0 {
                eprintln!(
                    "note[missing_periods]: {} series × periods have no row; they are left out of fitting and scoring",
                    demand.missing
                );
            }
            let (default_span, model) = match demand.kind {
                DemandKind::Daily => (28, ModelOptions::daily()),
                DemandKind::Weekly => (20, ModelOptions::weekly()),
            };
            let options = BacktestOptions {
                horizons: usize::from(horizons),
                evaluate: evaluate.map_or(default_span, usize::from),
                select: select.map_or(default_span, usize::from),
                model,
                threads: threads.map_or_else(
                    || std::thread::available_parallelism().map_or(1, |n| n.get()),
                    usize::from,
                ),
            };
            eprintln!(
                "{} series, {} periods; backtesting {} periods, 1–{} ahead …",
                demand.panel.series.len(),
                demand.panel.periods,
                options.evaluate,
                options.horizons
            );
            let step = (demand.panel.series.len() / 10).max(1);
            let progress = |done: usize, total: usize| {
                if done.is_multiple_of(step) || done == total {
                    eprintln!("  {done} of {total} series");
                }
            };
            let started = std::time::Instant::now();
            let result =
                backtest(&demand.panel, &options, &progress).map_err(CliError::Forecast)?;
            eprintln!("done in {:.1} s", started.elapsed().as_secs_f64());
            let labels = (
                demand.labels[result.targets.0].as_str(),
                demand.labels[result.targets.1].as_str(),
            );
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let table = freshroute_benches::forecast::table(&name, demand.kind, &result, labels);
            let json = json.then(|| {
                freshroute_benches::forecast::to_json(&name, &result, labels, table.all_pass())
            });
            crate::bench::print_outcome(&table, json)
        }
    }
}
