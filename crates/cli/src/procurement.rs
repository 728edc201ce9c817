//! The sample chain's procurement data: `freshroute sample-procurement` writes the
//! catalog (articles, suppliers, prices, recipes), the promotions, two years of daily
//! sales and the made articles' daily sales into `data/procurement/`.

use std::io::Write;
use std::path::{Path, PathBuf};

use freshroute_formats::write_daily_sales;
use freshroute_sample::history::{DEFAULT_DAYS, default_first_day, history};

use freshroute_service::rounds::{ProcurementData, RoundRequest, run_round};

use crate::error::CliError;
use crate::roads::data_dir;
use crate::service::bundled_sample_chain;

/// The folder of the bundled procurement data, under the data folder.
const FOLDER: &str = "procurement";

/// The made articles' daily sales, in the daily sales' format.
const MADE_SALES: &str = "made-sales.csv.gz";

/// The bundled daily sales.
pub(crate) fn bundled_sales() -> PathBuf {
    bundled_data().join("sales.csv.gz")
}

/// The bundled procurement data's folder.
pub(crate) fn bundled_data() -> PathBuf {
    data_dir().join(FOLDER)
}

/// The sample chain's procurement data with two years of sales ending yesterday in
/// `zone` (drawn from the chain's seed: the same for the same date), with a line on stderr.
pub(crate) fn sample_data(
    chain: &freshroute_sample::SampleChain,
    zone: freshroute_store::Zone,
) -> ProcurementData {
    let yesterday = zone.date_of(freshroute_service::now_ms()) - chrono::Duration::days(1);
    let data = ProcurementData::sample(chain, chain.seed, yesterday, DEFAULT_DAYS);
    eprintln!(
        "procurement data: the sample chain's catalog ({} articles, {} suppliers) and its sales history drawn for {} … {}; stores post later days to POST /v1/sales",
        data.catalog.skus.len(),
        data.catalog.suppliers.len(),
        data.first,
        data.last
    );
    data
}

/// The procurement data in `dir`, read and checked, with a line on stderr.
pub(crate) fn read_data(dir: &Path) -> Result<ProcurementData, CliError> {
    let data = ProcurementData::load(dir)?;
    eprintln!(
        "procurement data from {}: {} articles, {} suppliers, {} series of sales {} … {}",
        dir.display(),
        data.catalog.skus.len(),
        data.catalog.suppliers.len(),
        data.sales.series.len(),
        data.first,
        data.last
    );
    Ok(data)
}

#[derive(clap::Args)]
pub(crate) struct SampleProcurementArgs {
    /// Seed of the sales history.
    #[arg(long, default_value_t = freshroute_sample::DEFAULT_SEED)]
    seed: u64,
    /// Days of history, ending on 30 November 2026 by default (28 to 3650).
    #[arg(long, default_value_t = DEFAULT_DAYS as u16,
          value_parser = clap::value_parser!(u16).range(28..=3650))]
    days: u16,
    /// Folder to write into [default: procurement/ in the data folder].
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Writes `path` through a temporary file, so that a reader never sees half of it.
fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<(), CliError> {
    let err = |source| CliError::Write {
        path: path.to_owned(),
        source,
    };
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::File::create(&tmp).map_err(err)?;
    write(&mut file)
        .and_then(|()| file.sync_all())
        .map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

/// `freshroute sample-procurement`.
pub(crate) fn sample_procurement(args: &SampleProcurementArgs) -> Result<(), CliError> {
    let chain = bundled_sample_chain()?;
    let days = usize::from(args.days);
    let first = default_first_day() + chrono::Duration::days((DEFAULT_DAYS - days) as i64);
    eprintln!(
        "drawing {days} days of sales for {} stores …",
        chain.stores.len()
    );
    let h = history(&chain, args.seed, first, days);
    let dir = args.out.clone().unwrap_or_else(|| data_dir().join(FOLDER));
    std::fs::create_dir_all(&dir).map_err(|source| CliError::Write {
        path: dir.clone(),
        source,
    })?;
    let catalog = dir.join("catalog.json");
    write_atomic(&catalog, |f| {
        serde_json::to_writer_pretty(&mut *f, &h.catalog)?;
        writeln!(f)
    })?;
    write_atomic(&dir.join("promotions.csv"), |f| {
        writeln!(f, "sku,first_day,last_day")?;
        for p in &h.promotions {
            writeln!(
                f,
                "{},{},{}",
                h.catalog.skus[p.sku].id,
                h.days[p.first].date,
                h.days[p.last.min(h.days.len() - 1)].date
            )?;
        }
        Ok(())
    })?;
    use freshroute_service::rounds::{made_rows, sales_rows};
    write_sales_gz(&dir.join("sales.csv.gz"), sales_rows(&h))?;
    write_sales_gz(&dir.join(MADE_SALES), made_rows(&h))?;
    eprintln!(
        "wrote {}: catalog.json ({} articles, {} suppliers, {} recipes), promotions.csv ({}), sales.csv.gz ({} rows), {MADE_SALES} ({} rows), {} … {}",
        dir.display(),
        h.catalog.skus.len(),
        h.catalog.suppliers.len(),
        h.catalog.recipes.len(),
        h.promotions.len(),
        h.units.len(),
        h.made.len(),
        h.days
            .first()
            .map(|d| d.date.to_string())
            .unwrap_or_default(),
        h.days
            .last()
            .map(|d| d.date.to_string())
            .unwrap_or_default(),
    );
    Ok(())
}

/// Writes daily sales, gzipped, to `path`, all or nothing.
fn write_sales_gz(
    path: &Path,
    rows: impl IntoIterator<Item = freshroute_formats::DailySale>,
) -> Result<(), CliError> {
    write_atomic(path, |f| {
        let mut gz = flate2::write::GzEncoder::new(
            std::io::BufWriter::new(&mut *f),
            flate2::Compression::best(),
        );
        write_daily_sales(&mut gz, rows)?;
        gz.finish()?.flush()
    })
}

#[derive(clap::Args)]
pub(crate) struct SimulateProcurementArgs {
    /// Days simulated (7 to 365), ending 14 days before the history's last day.
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u16).range(7..=365))]
    days: u16,
    /// Seconds one store's model may take.
    #[arg(long, default_value_t = 10.0)]
    time_limit: f64,
    /// Stores planned at once [default: the machine's cores].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    threads: Option<u16>,
    /// Seed of the sales history [default: the bundled one's].
    #[arg(long, default_value_t = freshroute_sample::DEFAULT_SEED)]
    seed: u64,
    /// Transfer runs a day: 1 (each morning, before the orders) or 2 (and at midday,
    /// after the morning's sales).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=2))]
    transfer_runs: u8,
    /// The stock ledger's database, which must hold no stores: `sqlite://PATH`, a file
    /// path or `postgres://USER@HOST/DB` [default: a throwaway SQLite file].
    #[arg(long, conflicts_with = "in_memory")]
    ledger_url: Option<String>,
    /// Keep the stock on the shelves in memory only, not on a stock ledger (faster).
    #[arg(long)]
    in_memory: bool,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

/// `freshroute simulate procurement`.
pub(crate) fn simulate(args: &SimulateProcurementArgs) -> Result<(), CliError> {
    use freshroute_benches::stock_book::LedgerBook;
    use freshroute_procurement::round::RoundOptions;
    use freshroute_procurement::simulate::{SimError, SimOptions, StockBook, simulate};
    if !(args.time_limit > 0.0 && args.time_limit <= 600.0) {
        return Err(CliError::Usage(
            "--time-limit must be above 0 and at most 600 s".to_string(),
        ));
    }
    let chain = bundled_sample_chain()?;
    let h = history(&chain, args.seed, default_first_day(), DEFAULT_DAYS);
    let options = SimOptions {
        days: usize::from(args.days),
        round: RoundOptions {
            time_limit_s: args.time_limit,
            ..RoundOptions::default()
        },
        threads: args.threads.map_or_else(
            || std::thread::available_parallelism().map_or(1, |n| n.get()),
            usize::from,
        ),
        transfers: freshroute_procurement::transfers::TripRates::default(),
        midday: args.transfer_runs == 2,
    };
    eprintln!(
        "simulating {} days of purchasing at {} stores × {} articles, {} made in the stores (model, min/max, par, model with transfers, transfers knowing sales) …",
        options.days,
        h.stores.len(),
        h.catalog.skus.len(),
        h.catalog.recipes.len()
    );
    let started = std::time::Instant::now();
    let progress = |day: usize, days: usize| {
        eprintln!(
            "  day {day} of {days}, {:.0} s",
            started.elapsed().as_secs_f64()
        );
    };
    let mut ledger = match args.in_memory {
        true => None,
        false => Some(
            LedgerBook::open(
                args.ledger_url.as_deref(),
                &chain,
                &h.catalog,
                h.days[0].date,
            )
            .map_err(|e| CliError::Usage(format!("--ledger-url: {e}")))?,
        ),
    };
    let book = ledger.as_mut().map(|l| l as &mut dyn StockBook);
    let result = simulate(&h, &chain, &options, book, &progress).map_err(CliError::Simulation)?;
    let check = match &ledger {
        Some(l) => {
            eprintln!("checking every lot's balances against its movements …");
            Some(
                l.check()
                    .map_err(|e| CliError::Simulation(SimError::Ledger(e)))?,
            )
        }
        None => None,
    };
    let table = freshroute_benches::procurement::table(
        &result,
        check,
        h.stores.len(),
        h.catalog.skus.len(),
    );
    let json = args
        .json
        .then(|| freshroute_benches::procurement::to_json(&result, check, table.all_pass()));
    crate::bench::print_outcome(&table, json)
}

#[derive(clap::Subcommand)]
pub(crate) enum PlanCommand {
    /// A procurement round: forecasts, one purchase model per store solved in parallel,
    /// today's orders stored as proposals for planners to approve.
    Procurement(PlanProcurementArgs),
}

#[derive(clap::Args)]
pub(crate) struct PlanProcurementArgs {
    /// The day orders are placed, YYYY-MM-DD [default: the day after the last day of sales].
    #[arg(long)]
    date: Option<chrono::NaiveDate>,
    /// Only this store (repeat for more) [default: every store with sales].
    #[arg(long = "store")]
    stores: Vec<String>,
    /// Seconds one store's model may take (0.1 to 600).
    #[arg(long, default_value_t = 10.0)]
    time_limit: f64,
    /// The procurement data [default: procurement/ in the data folder].
    #[arg(long)]
    data: Option<PathBuf>,
    /// Print the round's report as JSON instead of the table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    database: crate::service::DatabaseArg,
}

/// `freshroute plan …`.
pub(crate) fn plan(command: PlanCommand) -> Result<(), CliError> {
    let PlanCommand::Procurement(args) = command;
    let data = std::sync::Arc::new(match &args.data {
        Some(dir) => read_data(dir)?,
        None => {
            let chain = crate::service::bundled_sample_chain()?;
            let zone =
                chain
                    .time_zone
                    .parse()
                    .map_err(|e: freshroute_calendar::CalendarError| {
                        CliError::Usage(format!("the sample chain's time zone: {}", e.message))
                    })?;
            sample_data(&chain, zone)
        }
    });
    let request = RoundRequest {
        date: args.date.unwrap_or(data.last + chrono::Duration::days(1)),
        stores: (!args.stores.is_empty()).then(|| args.stores.clone()),
        time_limit_s: Some(args.time_limit),
    };
    let report = crate::service::runtime()?.block_on(async {
        use freshroute_store::Storage;
        let store = freshroute_store::connect(&args.database.url()).await?;
        if store.shops().await?.is_empty() {
            // A new database: the sample chain, as `freshroute serve` loads it.
            let roads = std::sync::Arc::new(crate::roads::bundled_network()?);
            let mut state = freshroute_service::AppState::load(
                store.clone(),
                roads,
                freshroute_service::rules::FixRules::default(),
                freshroute_service::RateLimit::default(),
            )
            .await?;
            let path = data_dir().join(crate::service::SAMPLE_CHAIN_FILE);
            let chain = crate::service::read_sample_chain(&path)?;
            state.time_zone = chain.time_zone.parse().unwrap_or(state.time_zone);
            crate::service::load_sample(&state, &path, &chain).await?;
            crate::service::stock_sample(&state, &data).await?;
        }
        eprintln!(
            "planning {} for {} …",
            request.date,
            request
                .stores
                .as_ref()
                .map_or("every store with sales".to_string(), |s| s.join(", "))
        );
        let started = std::time::Instant::now();
        let progress = move |p: freshroute_procurement::proposals::Progress| {
            use freshroute_procurement::proposals::Progress;
            let at = started.elapsed().as_secs_f64();
            match p {
                Progress::Forecast { store, done, of } => {
                    eprintln!("  {at:6.1} s  forecast {store} ({done} of {of})")
                }
                Progress::Solved {
                    store,
                    status,
                    objective_cents,
                } => eprintln!(
                    "  {at:6.1} s  solved {store}: {status}{}",
                    objective_cents.map_or(String::new(), |c| format!(", cost {:.2} €", c / 100.0))
                ),
            }
        };
        let clock = freshroute_service::Clock::system();
        run_round(
            &store,
            &clock,
            data,
            &request,
            "cli",
            std::sync::Arc::new(progress),
        )
        .await
        .map_err(CliError::Round)
    })?;
    if args.json {
        return crate::output::print_json(&serde_json::json!(report)).map_err(CliError::from);
    }
    let mut text = format!(
        "round {} for {}: {} proposals in {:.1} s\n\n{:<24} {:<12} {:>7} {:>12} {:>14}  notices\n",
        report.round_id,
        report.date,
        report.proposals,
        report.seconds,
        "store",
        "model",
        "orders",
        "value €",
        "model cost €"
    );
    for s in &report.stores {
        text.push_str(&format!(
            "{:<24} {:<12} {:>7} {:>12.2} {:>14}  {}\n",
            s.store,
            s.status,
            s.orders,
            s.value_cents as f64 / 100.0,
            s.objective_cents
                .map_or("-".to_string(), |c| format!("{:.2}", c as f64 / 100.0)),
            s.notices.len()
        ));
    }
    if !report.kept_earlier.is_empty() {
        text.push_str(&format!(
            "\nno plan for {}: their earlier proposals stand (see the notices with --json)\n",
            report.kept_earlier.join(", ")
        ));
    }
    text.push_str("\nplanners review them at GET /v1/purchase-orders?status=proposed\n");
    crate::output::print_text(&text).map_err(CliError::from)
}
