//! The stock ledger at a chain's scale: a generated chain (50 stores × 90 days by
//! default) whose cream lots go to every store, each baked twice a day into cheesecakes
//! sold slice by slice to customers' orders, beside the stores' other articles received
//! weekly and sold at the till. On it, timed: a cream lot's trace downstream (over
//! 10,000 movements) and a cake's upstream, the EPCIS export of the cream's trace, and
//! the cream's recall, checked to leave no unit of what it reached on sale. On a
//! temporary SQLite file, and on PostgreSQL when a server is named.

use std::time::Instant;

use freshroute_calendar::Zone;
use freshroute_service::trace_export;
use freshroute_store::testing::TempPgDatabase;
use freshroute_store::{
    AnyStore, Direction, Ledger, Lot, MoveKind, Movement, PgStore, Shop, SqliteStore, Storage,
    StorageZone, StoreError,
};

use crate::BenchTable;

/// What to run.
#[derive(Debug, Clone)]
pub struct LedgerOptions {
    /// Stores of the generated chain.
    pub stores: usize,
    /// Days of history.
    pub days: usize,
    /// Times each trace is timed.
    pub runs: usize,
    /// `postgres://…`: run on a fresh database there too.
    pub postgres_url: Option<String>,
}

/// Why the benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum LedgerBenchError {
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The machine failed (runtime, temporary file).
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The recall answered an error.
    #[error("the recall failed: {0}")]
    Recall(String),
}

/// Days a cream lot is delivered for (each store bakes from it meanwhile).
const CREAM_EVERY_DAYS: usize = 10;
/// Days a store's strawberries last.
const STRAWBERRIES_EVERY_DAYS: usize = 5;
/// Batches a store bakes a day.
const BATCHES_A_DAY: usize = 2;
/// Slices of a cheesecake; all but the last two are sold, one order each.
const SLICES: i64 = 12;
/// Other articles a store keeps, received weekly and sold at the till daily.
const OTHER_ARTICLES: usize = 8;
/// The generated chain's first day, 2026-09-01 00:00 UTC.
const FIRST_DAY_MS: i64 = 1_788_220_800_000;
const DAY_MS: i64 = 86_400_000;

/// The chain's day `d` as `YYYY-MM-DD`.
fn date(d: usize) -> String {
    chrono::DateTime::from_timestamp_millis(FIRST_DAY_MS + d as i64 * DAY_MS)
        .map(|t| t.date_naive().to_string())
        .unwrap_or_default()
}

fn shop(k: usize) -> Shop {
    freshroute_store::testing::porto_store(&format!("s{k:02}"), FIRST_DAY_MS)
}

fn lot(id: String, sku: &str, last_day: usize, made_by: Option<String>) -> Lot {
    let lot_number = id.split(':').nth(1).unwrap_or(&id).to_string();
    Lot {
        id,
        sku: sku.to_string(),
        lot_number,
        expiry_date: date(last_day),
        po_id: None,
        made_by,
        recalled_ms: None,
        created_ms: FIRST_DAY_MS,
        expires_ms: None,
    }
}

/// One day's movements being written.
struct Day {
    at_ms: i64,
    moves: Vec<Movement>,
}

impl Day {
    fn push(
        &mut self,
        lot: &str,
        shop: &str,
        zone: StorageZone,
        kind: MoveKind,
        units: i64,
        reference: String,
    ) {
        self.moves.push(Movement {
            id: 0,
            lot_id: lot.to_string(),
            shop_id: shop.to_string(),
            zone,
            kind,
            units,
            reference: Some(reference),
            actor: "bench".to_string(),
            at_ms: self.at_ms,
        });
        self.at_ms += 1;
    }
}

/// The cream lot delivered on day `d`'s round.
fn cream_of(d: usize) -> String {
    format!("CREAM-35:CR-{}", d / CREAM_EVERY_DAYS)
}

/// A store's day: receipts due, the batches baked and their slices sold, the rest
/// thrown away at closing, and the till's sales of the other articles.
async fn a_store_day(store: &AnyStore, s: &str, d: usize, day: &mut Day) -> Result<(), StoreError> {
    let chilled = StorageZone::Chilled;
    if d.is_multiple_of(CREAM_EVERY_DAYS) {
        // What the batches use, and a little to spare: left in the fridge.
        let units = (CREAM_EVERY_DAYS * BATCHES_A_DAY * 2) as i64 + 4;
        day.push(
            &cream_of(d),
            s,
            chilled,
            MoveKind::Received,
            units,
            format!("po-cream-{d}"),
        );
    }
    let strawberry = format!("STRAWBERRY:ST-{s}-{}", d / STRAWBERRIES_EVERY_DAYS);
    if d.is_multiple_of(STRAWBERRIES_EVERY_DAYS) {
        store
            .add_lot(&lot(
                strawberry.clone(),
                "STRAWBERRY",
                d + STRAWBERRIES_EVERY_DAYS,
                None,
            ))
            .await?;
        let units = (STRAWBERRIES_EVERY_DAYS * BATCHES_A_DAY) as i64;
        day.push(
            &strawberry,
            s,
            chilled,
            MoveKind::Received,
            units,
            format!("po-st-{s}-{d}"),
        );
    }
    for n in 0..BATCHES_A_DAY {
        let batch = format!("b-{s}-{d}-{n}");
        let cake = format!("CHEESECAKE:B-{s}-{d}-{n}");
        store
            .add_lot(&lot(cake.clone(), "CHEESECAKE", d + 1, Some(batch.clone())))
            .await?;
        day.push(&cream_of(d), s, chilled, MoveKind::Used, -2, batch.clone());
        day.push(&strawberry, s, chilled, MoveKind::Used, -1, batch.clone());
        day.push(&cake, s, chilled, MoveKind::Made, SLICES, batch);
        for j in 0..SLICES - 2 {
            day.push(
                &cake,
                s,
                chilled,
                MoveKind::Sold,
                -1,
                format!("order:o-{s}-{d}-{n}-{j}"),
            );
        }
        day.push(
            &cake,
            s,
            chilled,
            MoveKind::Wasted,
            -2,
            format!("closing:{s}:{d}"),
        );
    }
    for a in 0..OTHER_ARTICLES {
        let week = d / 7;
        let other = format!("ART-{a}:L-{s}-{week}");
        if d.is_multiple_of(7) {
            store
                .add_lot(&lot(other.clone(), &format!("ART-{a}"), d + 14, None))
                .await?;
            let units = 7 * (5 + a as i64);
            day.push(
                &other,
                s,
                StorageZone::Ambient,
                MoveKind::Received,
                units,
                format!("po-art-{s}-{d}"),
            );
        }
        day.push(
            &other,
            s,
            StorageZone::Ambient,
            MoveKind::Sold,
            -(5 + a as i64),
            format!("till:{s}:{}", date(d)),
        );
    }
    Ok(())
}

/// Writes the chain's history, a day (all stores) per transaction. Returns the
/// movements written.
async fn generate(store: &AnyStore, opts: &LedgerOptions) -> Result<usize, StoreError> {
    for k in 0..opts.stores {
        store.insert_shop(&shop(k)).await?;
    }
    let mut written = 0;
    for d in 0..opts.days {
        if d.is_multiple_of(CREAM_EVERY_DAYS) {
            store
                .add_lot(&lot(
                    cream_of(d),
                    "CREAM-35",
                    d + CREAM_EVERY_DAYS + 4,
                    None,
                ))
                .await?;
        }
        let mut day = Day {
            at_ms: FIRST_DAY_MS + d as i64 * DAY_MS + 8 * 3_600_000,
            moves: Vec::new(),
        };
        for k in 0..opts.stores {
            a_store_day(store, &shop(k).id, d, &mut day).await?;
        }
        written += store.record(&day.moves).await?.len();
    }
    Ok(written)
}

/// The `p`-quantile of `ms`, sorted in place.
fn quantile(ms: &mut [f64], p: f64) -> f64 {
    ms.sort_by(f64::total_cmp);
    ms[((ms.len() - 1) as f64 * p).round() as usize]
}

/// Times `f` `runs` times; returns p50 and p95 in ms and what the last run gave.
async fn timed<T, F, Fut>(runs: usize, mut f: F) -> Result<(f64, f64, T), StoreError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, StoreError>>,
{
    let mut ms = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        last = Some(f().await?);
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let p50 = quantile(&mut ms, 0.5);
    let p95 = quantile(&mut ms, 0.95);
    Ok((p50, p95, last.expect("at least one run")))
}

/// Measures one backend into `table`, its rows named by `backend`.
async fn measure(
    store: AnyStore,
    backend: &str,
    opts: &LedgerOptions,
    table: &mut BenchTable,
) -> Result<(), LedgerBenchError> {
    let t = Instant::now();
    let written = generate(&store, opts).await?;
    table.info(
        format!(
            "{backend}: chain written ({} stores × {} days)",
            opts.stores, opts.days
        ),
        format!("{written} movements in {:.1} s", t.elapsed().as_secs_f64()),
    );
    // A cream lot from the middle of the history: every store baked from it.
    let cream = cream_of(opts.days / 2 / CREAM_EVERY_DAYS * CREAM_EVERY_DAYS);
    let (p50, p95, down) = timed(opts.runs, || async {
        store
            .trace(&cream, Direction::Downstream)
            .await
            .map(Option::unwrap_or_default)
    })
    .await?;
    let reached = down.movements.len();
    table.verify(
        format!("{backend}: movements downstream of {cream}"),
        format!("{reached} ({} lots)", down.lots.len()),
        "≥ 10000",
        reached >= 10_000,
    );
    table.check(
        format!("{backend}: trace downstream, p50 / p95"),
        format!("{p50:.1} / {p95:.1} ms"),
        "p95 ≤ 100 ms",
        p95 <= 100.0,
    );
    let cake = down.lots.last().map(|l| l.id.clone()).unwrap_or_default();
    let (p50, p95, up) = timed(opts.runs, || async {
        store
            .trace(&cake, Direction::Upstream)
            .await
            .map(Option::unwrap_or_default)
    })
    .await?;
    table.check(
        format!(
            "{backend}: trace upstream from one of its cakes ({} lots, {} movements), p50 / p95",
            up.lots.len(),
            up.movements.len()
        ),
        format!("{p50:.1} / {p95:.1} ms"),
        "p95 ≤ 100 ms",
        p95 <= 100.0,
    );
    let zone: Zone = "Europe/Lisbon"
        .parse()
        .map_err(|_| StoreError::Invalid("zone".into()))?;
    let no_gtin = |_: &str| None;
    let (p50, p95, bytes) = timed(opts.runs.min(10), || async {
        let t = store
            .trace(&cream, Direction::Downstream)
            .await?
            .unwrap_or_default();
        Ok(trace_export::epcis(&t, zone, &no_gtin, FIRST_DAY_MS)
            .to_string()
            .len())
    })
    .await?;
    table.check(
        format!(
            "{backend}: EPCIS export of the cream's trace ({:.1} MB), p50 / p95",
            bytes as f64 / 1e6
        ),
        format!("{p50:.0} / {p95:.0} ms"),
        "p95 ≤ 1000 ms",
        p95 <= 1000.0,
    );
    let t = Instant::now();
    let recalled = freshroute_service::lots::recall_lot(
        &store,
        zone,
        FIRST_DAY_MS + 100 * DAY_MS,
        &cream,
        "bench",
    )
    .await
    .map_err(|e| LedgerBenchError::Recall(e.message))?;
    let took = t.elapsed().as_secs_f64();
    table.check(
        format!(
            "{backend}: recall, command to every unit off sale ({} lots, {} places, {} orders named)",
            recalled.lots.len(),
            recalled.taken_off.len(),
            recalled.orders.len()
        ),
        format!("{took:.2} s"),
        "≤ 5 s",
        took <= 5.0,
    );
    let left: i64 = store
        .stock(None)
        .await?
        .iter()
        .filter(|l| recalled.lots.contains(&l.lot.id))
        .map(|l| l.units)
        .sum();
    table.verify(
        format!("{backend}: units of the recalled lots still on hand"),
        left.to_string(),
        "0",
        left == 0,
    );
    Ok(())
}

/// Runs on SQLite, then on PostgreSQL when a server is named.
pub fn run_ledger(opts: &LedgerOptions) -> Result<BenchTable, LedgerBenchError> {
    let mut table = BenchTable {
        title: format!(
            "stock ledger: {} stores × {} days, traces timed {} times",
            opts.stores, opts.days, opts.runs
        ),
        judge: opts.stores >= 50 && opts.days >= 90,
        rows: Vec::new(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("ledger.db");
        let sqlite = SqliteStore::open(&path.to_string_lossy()).await?;
        measure(sqlite.into(), "SQLite", opts, &mut table).await?;
        if let Some(url) = &opts.postgres_url {
            let db = TempPgDatabase::create(url).await?;
            let pg = PgStore::connect(db.url()).await?;
            measure(pg.into(), "PostgreSQL", opts, &mut table).await?;
            db.drop_now().await?;
        }
        Ok::<(), LedgerBenchError>(())
    })?;
    Ok(table)
}
