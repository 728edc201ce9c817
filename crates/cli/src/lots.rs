//! `freshroute trace LOT` and `freshroute recall LOT`: a lot's trace and its recall from
//! the shell, on the database the service uses, as the planners' endpoints answer them.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use freshroute_calendar::Zone;
use freshroute_service::trace_export;
use freshroute_store::{Direction, Ledger, connect};

use crate::error::CliError;
use crate::service::{DatabaseArg, runtime};

/// What `trace` is asked.
#[derive(Args)]
pub(crate) struct TraceArgs {
    /// The lot (`SKU:LOT` for a supplier's lot, as `GET /v1/stock` lists it).
    lot: String,
    /// `downstream` (what was made from it, where it went, who bought it) or `upstream`
    /// (what it was made from and where that came from).
    #[arg(long, default_value = "downstream")]
    direction: String,
    /// `json`, `epcis` (GS1 EPCIS 2.0 JSON-LD) or `csv` (FSMA 204 key data elements).
    #[arg(long, default_value = "json")]
    format: String,
    /// The time zone times are written in (the chain's).
    #[arg(long, default_value = "UTC")]
    time_zone: String,
    /// Procurement data whose catalog names articles' GTINs (EPCIS classes as GS1
    /// Digital Links); without it, lots are named by URN.
    #[arg(long)]
    procurement_data: Option<PathBuf>,
    #[command(flatten)]
    database: DatabaseArg,
}

/// What `recall` is asked.
#[derive(Args)]
pub(crate) struct RecallArgs {
    /// The lot (`SKU:LOT` for a supplier's lot).
    lot: String,
    /// Who recalls it, for the audit trail (`--by "Ana Silva"`).
    #[arg(long)]
    by: String,
    /// The time zone times are written in (the chain's).
    #[arg(long, default_value = "UTC")]
    time_zone: String,
    #[command(flatten)]
    database: DatabaseArg,
}

fn zone_of(name: &str) -> Result<Zone, CliError> {
    name.parse()
        .map_err(|e: freshroute_calendar::CalendarError| {
            CliError::Usage(format!("--time-zone: {}", e.message))
        })
}

fn print(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").map_err(|source| CliError::Write {
        path: "stdout".into(),
        source,
    })
}

/// Prints a lot's trace.
pub(crate) fn trace(args: &TraceArgs) -> Result<(), CliError> {
    let direction = match args.direction.as_str() {
        "downstream" => Direction::Downstream,
        "upstream" => Direction::Upstream,
        other => {
            return Err(CliError::Usage(format!(
                "--direction {other:?}: give downstream or upstream"
            )));
        }
    };
    if !["json", "epcis", "csv"].contains(&args.format.as_str()) {
        return Err(CliError::Usage(format!(
            "--format {:?}: give json, epcis or csv",
            args.format
        )));
    }
    let zone = zone_of(&args.time_zone)?;
    let data = match &args.procurement_data {
        Some(dir) => Some(crate::procurement::read_data(dir)?),
        None => None,
    };
    let found = runtime()?.block_on(async {
        connect(&args.database.url())
            .await?
            .trace(&args.lot, direction)
            .await
    })?;
    let Some(found) = found else {
        return Err(unknown(&args.lot));
    };
    let gtin_of = |sku: &str| trace_export::gtin_in(data.as_ref(), sku);
    let (_, text) = trace_export::export(
        &found,
        direction,
        &args.format,
        zone,
        &gtin_of,
        freshroute_service::now_ms(),
    );
    print(&text)
}

fn unknown(lot: &str) -> CliError {
    CliError::Lot(freshroute_service::lots::unknown_lot(lot))
}

/// Recalls a lot and prints what it did and whom it reached.
pub(crate) fn recall(args: &RecallArgs) -> Result<(), CliError> {
    if args.by.trim().is_empty() {
        return Err(CliError::Usage("--by: say who recalls the lot".to_string()));
    }
    let zone = zone_of(&args.time_zone)?;
    let done = runtime()?.block_on(async {
        let store = connect(&args.database.url()).await?;
        let now = freshroute_service::now_ms();
        let actor = format!("shell:{}", args.by.trim());
        freshroute_service::lots::recall_lot(&store, zone, now, &args.lot, &actor)
            .await
            .map_err(CliError::Lot)
    })?;
    eprintln!(
        "recalled {} lots: {} units off sale at {} places; {} customers' orders reached",
        done.lots.len(),
        done.taken_off.iter().map(|t| t.units).sum::<i64>(),
        done.taken_off.len(),
        done.orders.len()
    );
    let json = serde_json::to_string_pretty(&done).map_err(|e| CliError::Usage(e.to_string()))?;
    print(&json)
}
