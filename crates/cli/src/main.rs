//! `freshroute`: the one entry point for every freshroute command.

mod bench;
mod error;
mod forecast;
mod lots;
mod output;
mod procurement;
mod roads;
mod service;
mod settings;
mod simulate;
mod solve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// freshroute plans the supply chain and last-mile delivery of a multi-store food & beverage chain.
#[derive(Parser)]
#[command(name = "freshroute", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Road networks: import OpenStreetMap extracts, snap, route, tables.
    Roads {
        #[command(subcommand)]
        command: roads::RoadsCommand,
    },
    /// Solve a routing benchmark instance (Solomon / Gehring & Homberger VRPTW, Li & Lim PDPTW).
    Solve(solve::SolveArgs),
    /// Benchmarks that print a table of measured figures against their targets.
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
    /// Run the HTTP service (stores, couriers, orders, GPS fixes); loads the sample chain
    /// into a new database.
    Serve(Box<service::ServeArgs>),
    /// Write the seeded sample chain (stores at real Porto addresses, a courier fleet).
    SampleChain(service::SampleChainArgs),
    /// Write the sample chain's procurement data: catalog (articles, suppliers, prices),
    /// promotions and two years of daily sales per store × article, into data/procurement/.
    SampleProcurement(procurement::SampleProcurementArgs),
    /// Demand forecasts: the rolling-origin backtest against naive baselines.
    Forecast {
        #[command(subcommand)]
        command: forecast::ForecastCommand,
    },
    /// Replay the sample chain's busiest hour (or any window) against the service in
    /// process: orders, plans, couriers driving with GPS noise; prints the day's figures.
    Simulate {
        #[command(subcommand)]
        what: Option<simulate::SimulateWhat>,
        #[command(flatten)]
        args: simulate::SimulateArgs,
    },
    /// Planning rounds: purchase orders proposed from forecasts, stored for planners.
    Plan {
        #[command(subcommand)]
        command: procurement::PlanCommand,
    },
    /// A lot's trace, downstream (what was made from it, where it went, who bought it)
    /// or upstream, as JSON, GS1 EPCIS 2.0 or the FSMA 204 CSV.
    Trace(lots::TraceArgs),
    /// Recall a lot: it and everything made from it off sale everywhere at once; prints
    /// the customers' orders it reached.
    Recall(lots::RecallArgs),
    /// API keys for the service.
    Keys {
        #[command(subcommand)]
        command: service::KeysCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Roads { command } => roads::run(command).map_err(error::CliError::from),
        Command::Solve(args) => solve::run(&args),
        Command::Bench { command } => bench::run(command),
        Command::Serve(args) => service::serve(&args),
        Command::Keys { command } => service::keys(command),
        Command::Trace(args) => lots::trace(&args),
        Command::Recall(args) => lots::recall(&args),
        Command::SampleChain(args) => service::sample_chain(&args),
        Command::Simulate { what: None, args } => simulate::run(&args),
        Command::Simulate {
            what: Some(simulate::SimulateWhat::Procurement(args)),
            ..
        } => procurement::simulate(&args),
        Command::SampleProcurement(args) => procurement::sample_procurement(&args),
        Command::Forecast { command } => forecast::run(command),
        Command::Plan { command } => procurement::plan(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            output::report_error(&e);
            ExitCode::FAILURE
        }
    }
}
