//! `freshroute serve` and `freshroute keys`.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand};
use freshroute_service::rules::FixRules;
use std::time::Duration;

use freshroute_roads::RoadNetwork;
use freshroute_sample::SampleChain;

use crate::settings::Settings;
use freshroute_dispatch::Regions;
use freshroute_service::{AppState, RateLimit, auth, load_sample_chain, retention, router};
use freshroute_store::{AnyStore, ApiKey, Role, Storage, connect};

use crate::error::CliError;
use crate::output::print_text;
use crate::roads::{bundled_network, data_dir};

/// Where the service keeps its data.
#[derive(Args)]
pub(crate) struct DatabaseArg {
    /// `sqlite://PATH` or a file path (created and migrated if needed), or
    /// `postgres://USER@HOST/DB`. Default: `freshroute.db` in the data folder.
    #[arg(long)]
    database_url: Option<String>,
}

impl DatabaseArg {
    pub(crate) fn url(&self) -> String {
        self.url_or(None)
    }

    /// The URL given, else `fallback` (a settings file's), else the default file.
    pub(crate) fn url_or(&self, fallback: Option<&str>) -> String {
        let given = self.database_url.clone().or(fallback.map(str::to_string));
        given.unwrap_or_else(|| {
            data_dir()
                .join("freshroute.db")
                .to_string_lossy()
                .into_owned()
        })
    }
}

#[derive(Args)]
pub(crate) struct ServeArgs {
    /// A settings file (JSON; see the README); a flag given here wins over it.
    #[arg(long)]
    settings: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080]; `0.0.0.0:8080` for phones and
    /// customers on the network.
    #[arg(long)]
    listen: Option<String>,
    /// Where customers and phones reach the service, the start of tracking links
    /// (`https://track.example.pt`) [default: http:// and the listen address].
    #[arg(long)]
    public_url: Option<String>,
    /// A graph file from `roads import` [default: the bundled city, imported on first use].
    #[arg(long)]
    graph: Option<PathBuf>,
    /// Raster tiles under the console's and the tracking page's maps
    /// (`https://tile.example.pt/{z}/{x}/{y}.png`), for a deployment that has a tile
    /// server [default: the road graph's own streets; no page asks another host].
    #[arg(long)]
    map_tiles: Option<String>,
    /// Raster tiles under the maps from a local PMTiles archive, served by this service
    /// itself at /map/tiles/{z}/{x}/{y} (no other host asked).
    #[arg(long, conflicts_with = "map_tiles")]
    map_pmtiles: Option<PathBuf>,
    /// Whose the tiles are, said under every map [default: © OpenStreetMap contributors].
    #[arg(long)]
    map_tiles_attribution: Option<String>,
    /// The sample chain loaded while the database has no store of its own
    /// [default: sample-chain.json in the data folder].
    #[arg(long, conflicts_with = "no_sample_chain")]
    sample_chain: Option<PathBuf>,
    /// Start without the sample chain.
    #[arg(long)]
    no_sample_chain: bool,
    /// The dispatch plan is made again on every change (an order placed, a status changed,
    /// a courier off its route) and at least this often, seconds; 0 plans only on request
    /// [default: 30].
    #[arg(long)]
    replan_every: Option<u64>,
    /// Days GPS fixes are kept (by the time they were received); 0 keeps them forever.
    #[arg(long, default_value_t = 30)]
    retention_days: u32,
    /// Plan the stores of each H3 cell of this resolution (0 to 15) apart [default: all
    /// stores together].
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=15), conflicts_with = "region")]
    region_resolution: Option<u8>,
    /// A region planned apart: `NAME=STORE,STORE,…` (repeat for more; a store not named
    /// is a region of its own).
    #[arg(long)]
    region: Vec<String>,
    /// The procurement data planning rounds read (catalog.json, sales.csv.gz,
    /// promotions.csv) [default: procurement/ in the data folder, when there].
    #[arg(long)]
    procurement_data: Option<PathBuf>,
    /// Purchase orders worth more than this, euros, need a second approver.
    #[arg(long, default_value_t = 1_000)]
    second_approval_above: u32,
    /// Transfer proposals worth less than this, euros, are approved on their own
    /// (0: every one waits for a planner).
    #[arg(long, default_value_t = 0)]
    transfer_auto_below: u32,
    /// Vans that drive transfers between the stores (1 to 50), each with 200 L frozen,
    /// 500 L chilled and 1,500 L ambient, from the store nearest the chain's middle.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=50))]
    transfer_vans: u16,
    /// Webhook receivers on a private network: addresses, networks or host names,
    /// comma-separated (`10.0.0.0/8,pos.chain.lan`). Webhooks to this machine, private,
    /// link-local or metadata addresses are refused unless named here.
    #[arg(long, value_delimiter = ',')]
    webhook_allow: Vec<String>,
    /// The chain's IANA time zone (`Europe/Lisbon`): stores and couriers that name none
    /// keep their hours and rosters in it [default: the sample chain's when it is
    /// loaded, else UTC].
    #[arg(long)]
    time_zone: Option<String>,
    /// Log lines on stderr as `plain` text or `json`, one per request.
    #[arg(long, default_value = "plain", value_parser = ["plain", "json"])]
    log_format: String,
    #[command(flatten)]
    database: DatabaseArg,
}

#[derive(Subcommand)]
pub(crate) enum KeysCommand {
    /// Make a new API key and print it (it is stored only as a hash: keep it).
    Create {
        /// admin, dispatcher, planner or courier.
        #[arg(long)]
        role: String,
        /// For a courier key: the courier it speaks for.
        #[arg(long)]
        courier: Option<String>,
        /// Who holds it (a person or a system), shown in audit trails: `--name "Ana Silva"`.
        #[arg(long, default_value = "")]
        name: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Name a key (who holds it), by the id `keys list` shows.
    Rename {
        /// The id from `keys list` (8 or more characters), or the whole key.
        id: String,
        /// The new name.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// List the keys: id (the start of the key's hash), role, courier, when made and revoked.
    List {
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Revoke a key at once, by the id `keys list` shows (or the key itself).
    Revoke {
        /// The id from `keys list` (8 or more characters), or the whole key.
        id: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::Serve)
}

pub(crate) fn serve(args: &ServeArgs) -> Result<(), CliError> {
    init_logs(&args.log_format);
    let settings = match &args.settings {
        Some(path) => Settings::read(path)?,
        None => Settings::default(),
    };
    let listen = args
        .listen
        .clone()
        .or(settings.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".to_string());
    // The address first: a busy port is said before anything is imported or created.
    let listener = bind(&listen)?;
    // Then the tile archive, if any: a bad file is said before the city is imported.
    let tiles = map_tiles(args, &settings)?;
    let roads = Arc::new(match &args.graph {
        Some(path) => RoadNetwork::load(path)?,
        None => bundled_network()?,
    });
    runtime()?.block_on(async {
        let store = connect(&args.database.url_or(settings.database_url.as_deref())).await?;
        run(store, roads, (listener, &listen), (&settings, tiles), args).await
    })
}

/// Where tracking links point: as given, else the listen address (with a warning when
/// that is every interface, which no customer can type).
fn public_base_url(args: &ServeArgs, settings: &Settings, listen: &str) -> String {
    if let Some(url) = args.public_url.clone().or(settings.public_base_url.clone()) {
        return url.trim_end_matches('/').to_string();
    }
    if listen.starts_with("0.0.0.0") || listen.starts_with("[::]") {
        eprintln!(
            "warning: tracking links will say http://{listen}; set --public-url (or public_base_url in the settings) to where customers reach this machine"
        );
    }
    format!("http://{listen}")
}

/// The order rules and planner settings a settings file changes.
/// Where the maps' tiles come from, as the flags or the settings say (a flag wins): a
/// server, a local archive (opened now, so a bad file stops `serve` at once), or none.
type Tiles = (
    Option<freshroute_service::MapTiles>,
    Option<Arc<freshroute_service::PmTiles>>,
);

fn map_tiles(args: &ServeArgs, settings: &Settings) -> Result<Tiles, CliError> {
    let from_file = settings.map_tiles.as_ref();
    let credit = args
        .map_tiles_attribution
        .as_deref()
        .or(from_file.and_then(|t| t.attribution.as_deref()))
        .unwrap_or(crate::settings::OSM);
    let server = |url: &str| {
        freshroute_service::MapTiles::new(url, credit)
            .map(|t| (Some(t), None))
            .map_err(|m| CliError::Usage(format!("--map-tiles: {m}")))
    };
    match (&args.map_pmtiles, &args.map_tiles, from_file) {
        (Some(path), _, _) => local_tiles(path, credit),
        (None, Some(url), _) => server(url),
        (None, None, Some(t)) => match (&t.url, &t.pmtiles) {
            (Some(url), _) => server(url),
            (None, Some(path)) => local_tiles(path, credit),
            (None, None) => Ok((None, None)),
        },
        (None, None, None) => Ok((None, None)),
    }
}

fn local_tiles(path: &std::path::Path, credit: &str) -> Result<Tiles, CliError> {
    let archive = freshroute_service::PmTiles::open(path)
        .map_err(|m| CliError::Usage(format!("--map-pmtiles: {m}")))?;
    let tiles = freshroute_service::MapTiles::local(credit)
        .map_err(|m| CliError::Usage(format!("--map-tiles-attribution: {m}")))?;
    Ok((Some(tiles), Some(Arc::new(archive))))
}

fn apply_settings(state: &mut AppState, settings: &Settings) {
    let rules = &mut state.order_rules;
    if let Some(m) = settings.delivery_radius_m {
        rules.delivery_radius_m = m;
    }
    if let Some(s) = settings.preparation_s {
        rules.preparation_ms = s * 1000;
    }
    if let Some(s) = settings.promise_s {
        rules.promise_ms = s * 1000;
    }
    let planner = &mut state.planner;
    if let Some(r) = &settings.ride_limits_s {
        planner.frozen_ride_s = r.frozen.unwrap_or(planner.frozen_ride_s);
        planner.hot_ride_s = r.hot.unwrap_or(planner.hot_ride_s);
        planner.chilled_ride_s = r.chilled.unwrap_or(planner.chilled_ride_s);
    }
    if let Some(s) = settings.plan_time_limit_s {
        planner.time_limit = Duration::from_secs_f64(s);
        planner.aim = planner.aim.max(planner.time_limit * 3 / 2);
        planner.budget = planner.budget.max(planner.time_limit * 2);
    }
}

/// Log lines to stderr, plain or JSON, coloured only on a terminal.
fn init_logs(format: &str) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,tower_http=info".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    if format == "json" {
        logs.json().init();
    } else {
        logs.init();
    }
}

fn bind(listen: &str) -> Result<std::net::TcpListener, CliError> {
    let listen_error = |source| CliError::Listen {
        addr: listen.to_string(),
        source,
    };
    let listener = std::net::TcpListener::bind(listen).map_err(listen_error)?;
    listener.set_nonblocking(true).map_err(listen_error)?;
    Ok(listener)
}

async fn run(
    store: AnyStore,
    roads: Arc<RoadNetwork>,
    (listener, listen): (std::net::TcpListener, &str),
    (settings, tiles): (&Settings, Tiles),
    args: &ServeArgs,
) -> Result<(), CliError> {
    let backend = store.backend();
    let keep_fixes = (args.retention_days > 0)
        .then(|| Duration::from_secs(u64::from(args.retention_days) * 24 * 3600));
    tokio::spawn(retention::prune_forever(store.clone(), keep_fixes));
    // Snapping indexes are built lazily; build them now, not on the first order or plan.
    for g in roads.profiles() {
        g.prepare_snapping();
    }
    let mut state = AppState::load(store, roads, FixRules::default(), RateLimit::default()).await?;
    state.regions = regions(args)?;
    state.destinations =
        freshroute_service::destinations::Destinations::allowing(&args.webhook_allow)
            .map_err(|m| CliError::Usage(format!("--webhook-allow: {m}")))?;
    let sample = chosen_sample_chain(args)?;
    let zone = match (
        args.time_zone.as_ref().or(settings.time_zone.as_ref()),
        &sample,
    ) {
        (Some(z), _) => z.as_str(),
        (None, Some((_, chain))) => chain.time_zone.as_str(),
        (None, None) => "UTC",
    };
    apply_settings(&mut state, settings);
    state.public_base_url = public_base_url(args, settings, listen);
    (state.map_tiles, state.map_pmtiles) = tiles;
    state.time_zone = zone
        .parse()
        .map_err(|e: freshroute_calendar::CalendarError| {
            CliError::Usage(format!("--time-zone: {}", e.message))
        })?;
    if let Some((path, chain)) = &sample {
        load_sample(&state, path, chain).await?;
    }
    state.procurement = match (&args.procurement_data, &sample) {
        (Some(dir), _) => Some(Arc::new(crate::procurement::read_data(dir)?)),
        (None, Some((_, chain))) => Some(Arc::new(crate::procurement::sample_data(
            chain,
            state.time_zone,
        ))),
        (None, None) => None,
    };
    if let (Some(data), Some(_)) = (&state.procurement, &sample) {
        stock_sample(&state, data).await?;
    }
    let caught = freshroute_service::stock_sales::catch_up(&state).await?;
    if caught > 0 {
        eprintln!(
            "checked {caught} orders delivered in the last two days against the stock ledger"
        );
    }
    state.purchasing = freshroute_service::PurchasingPolicy {
        second_approval_above_cents: i64::from(args.second_approval_above) * 100,
        transfer_auto_below_cents: i64::from(args.transfer_auto_below) * 100,
        transfer_vans: usize::from(args.transfer_vans),
    };
    let listener =
        tokio::net::TcpListener::from_std(listener).map_err(|source| CliError::Listen {
            addr: listen.to_string(),
            source,
        })?;
    let replan_every = args.replan_every.or(settings.replan_every_s).unwrap_or(30);
    if replan_every > 0 {
        tokio::spawn(freshroute_service::planner::replan_forever(
            state.clone(),
            Duration::from_secs(replan_every),
        ));
    }
    tokio::spawn(freshroute_service::live::refresh_forever(state.clone()));
    tokio::spawn(freshroute_service::stock_upkeep::expire_forever(
        state.clone(),
        Duration::from_secs(60),
    ));
    tokio::spawn(freshroute_service::transfer_proposals::propose_forever(
        state.clone(),
    ));
    tokio::spawn(freshroute_service::webhooks::deliver_forever(
        state.clone(),
        freshroute_service::webhooks::WebhookPolicy::default(),
    ));
    eprintln!(
        "freshroute serving on http://{listen} (storage: {backend}, time zone {})",
        state.time_zone
    );
    freshroute_service::serve(listener, router(state))
        .await
        .map_err(CliError::Serve)?;
    eprintln!("freshroute stopped");
    Ok(())
}

/// Gives the sample stores that hold no stock an opening stock, and says so.
pub(crate) async fn stock_sample(
    state: &AppState,
    data: &freshroute_service::rounds::ProcurementData,
) -> Result<(), CliError> {
    let today = state.time_zone.date_of(freshroute_service::now_ms());
    let stocked = freshroute_service::stock_sample_stores(state, data, today)
        .await
        .map_err(|e| CliError::Usage(format!("opening stock: {}", e.message)))?;
    if stocked > 0 {
        eprintln!("gave {stocked} stores of the sample chain an opening stock (two days of sales)");
    }
    Ok(())
}

/// Loads `chain` (read from `path`) into the state's database unless it holds a chain
/// of its own, and says what it did.
pub(crate) async fn load_sample(
    state: &AppState,
    path: &std::path::Path,
    chain: &SampleChain,
) -> Result<(), CliError> {
    let loaded = load_sample_chain(state, chain, freshroute_service::now_ms())
        .await
        .map_err(|e| CliError::SampleChain {
            path: path.to_path_buf(),
            detail: format!(
                "{} at {}: {}",
                e.code,
                e.field.as_deref().unwrap_or("the top"),
                e.message
            ),
        })?;
    match loaded {
        Some(l) if l.stores + l.couriers > 0 => eprintln!(
            "loaded the sample chain from {}: {} stores, {} couriers",
            path.display(),
            l.stores,
            l.couriers
        ),
        Some(_) => {}
        None => eprintln!("the database holds a chain of its own: sample chain not loaded"),
    }
    Ok(())
}

/// The regions `--region-resolution` or `--region` ask for.
fn regions(args: &ServeArgs) -> Result<Regions, CliError> {
    if let Some(r) = args.region_resolution {
        return Ok(Regions::H3(r));
    }
    if args.region.is_empty() {
        return Ok(Regions::Whole);
    }
    let mut by_store = std::collections::HashMap::new();
    for spec in &args.region {
        let bad = || {
            CliError::Usage(format!(
                "--region {spec:?}: write NAME=STORE,STORE,… with at least one store"
            ))
        };
        let (name, stores) = spec.split_once('=').ok_or_else(bad)?;
        let stores: Vec<&str> = stores
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if name.trim().is_empty() || stores.is_empty() {
            return Err(bad());
        }
        for s in stores {
            if by_store
                .insert(s.to_string(), name.trim().to_string())
                .is_some()
            {
                return Err(CliError::Usage(format!(
                    "store {s:?} is named in two regions"
                )));
            }
        }
    }
    Ok(Regions::Stores(by_store))
}

/// The sample chain `serve` should load, read and parsed; `None` when told not to, or
/// when the default file is absent.
fn chosen_sample_chain(args: &ServeArgs) -> Result<Option<(PathBuf, SampleChain)>, CliError> {
    if args.no_sample_chain {
        return Ok(None);
    }
    let path = match &args.sample_chain {
        Some(p) => p.clone(),
        None => {
            let p = data_dir().join(SAMPLE_CHAIN_FILE);
            if !p.exists() {
                return Ok(None);
            }
            p
        }
    };
    let chain = read_sample_chain(&path)?;
    Ok(Some((path, chain)))
}

/// The bundled sample chain's file name in the data folder.
pub(crate) const SAMPLE_CHAIN_FILE: &str = "sample-chain.json";

/// A sample chain read from `path`.
pub(crate) fn read_sample_chain(path: &std::path::Path) -> Result<SampleChain, CliError> {
    let text = std::fs::read_to_string(path).map_err(|source| CliError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| CliError::SampleChain {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })
}

/// The bundled sample chain.
pub(crate) fn bundled_sample_chain() -> Result<SampleChain, CliError> {
    read_sample_chain(&data_dir().join(SAMPLE_CHAIN_FILE))
}

#[derive(Args)]
pub(crate) struct SampleChainArgs {
    /// Seed of the generator.
    #[arg(long, default_value_t = freshroute_sample::DEFAULT_SEED)]
    seed: u64,
    /// How many couriers (1 to 1000).
    #[arg(long, default_value_t = freshroute_sample::DEFAULT_COURIERS as u16,
          value_parser = clap::value_parser!(u16).range(1..=1000))]
    couriers: u16,
    /// Where to write it [default: sample-chain.json in the data folder].
    #[arg(long)]
    out: Option<PathBuf>,
}

/// `freshroute sample-chain`: writes the seeded chain as JSON, atomically.
pub(crate) fn sample_chain(args: &SampleChainArgs) -> Result<(), CliError> {
    let chain = freshroute_sample::generate(args.seed, usize::from(args.couriers));
    let path = args
        .out
        .clone()
        .unwrap_or_else(|| data_dir().join(SAMPLE_CHAIN_FILE));
    let write = |source| CliError::Write {
        path: path.clone(),
        source,
    };
    let mut text = serde_json::to_string_pretty(&chain).map_err(|e| write(e.into()))?;
    text.push('\n');
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text).map_err(write)?;
    std::fs::rename(&tmp, &path).map_err(write)?;
    eprintln!(
        "wrote {}: {} stores, {} couriers (seed {})",
        path.display(),
        chain.stores.len(),
        chain.couriers.len(),
        args.seed
    );
    Ok(())
}

pub(crate) fn keys(command: KeysCommand) -> Result<(), CliError> {
    let (role, courier, name, database) = match command {
        KeysCommand::Create {
            role,
            courier,
            name,
            database,
        } => (role, courier, name, database),
        KeysCommand::List { database } => return list_keys(&database),
        KeysCommand::Revoke { id, database } => return revoke_key(&id, &database),
        KeysCommand::Rename { id, name, database } => return rename_key(&id, &name, &database),
    };
    check_key_name(&name)?;
    let role: Role = role.parse().map_err(CliError::Usage)?;
    if (role == Role::Courier) != courier.is_some() {
        return Err(CliError::Usage(
            "--courier ID is needed for a courier key, and only for one".to_string(),
        ));
    }
    let key = auth::new_secret("fr_key_");
    let record = ApiKey {
        key_hash: auth::hash(&key),
        role,
        courier_id: courier.clone(),
        created_ms: freshroute_service::now_ms(),
        revoked_ms: None,
        name,
    };
    runtime()?.block_on(async {
        match connect(&database.url()).await? {
            AnyStore::Sqlite(s) => insert_key(&s, &record, courier.as_deref()).await,
            AnyStore::Postgres(s) => insert_key(&s, &record, courier.as_deref()).await,
        }
    })?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{key}").map_err(|source| CliError::Write {
        path: "stdout".into(),
        source,
    })
}

fn list_keys(database: &DatabaseArg) -> Result<(), CliError> {
    let keys = runtime()?.block_on(async { connect(&database.url()).await?.api_keys().await })?;
    let mut rows = vec![[
        "id".to_string(),
        "role".to_string(),
        "courier".to_string(),
        "name".to_string(),
        "created".to_string(),
        "revoked".to_string(),
    ]];
    for k in &keys {
        rows.push([
            k.key_hash[..auth::KEY_ID_CHARS.min(k.key_hash.len())].to_string(),
            k.role.to_string(),
            k.courier_id.clone().unwrap_or_else(|| "-".to_string()),
            if k.name.is_empty() {
                "-".to_string()
            } else {
                k.name.clone()
            },
            utc(k.created_ms),
            k.revoked_ms.map_or_else(|| "-".to_string(), utc),
        ]);
    }
    Ok(print_text(&columns(&rows))?)
}

/// An instant as ISO 8601 in UTC, to the second.
fn utc(ms: i64) -> String {
    freshroute_calendar::Zone::UTC.format(ms)
}

/// Rows as text columns, each as wide as its widest cell, two spaces apart.
fn columns<const N: usize>(rows: &[[String; N]]) -> String {
    let widths: Vec<usize> = (0..N)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut text = String::new();
    for r in rows {
        let cells: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        text += cells.join("  ").trim_end();
        text.push('\n');
    }
    text
}

fn check_key_name(name: &str) -> Result<(), CliError> {
    if name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(CliError::Usage(
            "--name is up to 200 characters, without control characters".to_string(),
        ));
    }
    Ok(())
}

/// The one key `id` names: its whole text, or 8 or more characters of its hash.
async fn find_key(store: &AnyStore, id: &str) -> Result<ApiKey, CliError> {
    let by_key = auth::hash(id);
    let keys = store.api_keys().await?;
    let matching: Vec<&ApiKey> = keys
        .iter()
        .filter(|k| k.key_hash == by_key || (id.len() >= 8 && k.key_hash.starts_with(id)))
        .collect();
    match matching[..] {
        [k] => Ok(k.clone()),
        [] => Err(CliError::Usage(format!(
            "no key has id {id:?}: `freshroute keys list` shows them"
        ))),
        _ => Err(CliError::Usage(format!(
            "{} keys start with {id:?}: give more of the id",
            matching.len()
        ))),
    }
}

fn rename_key(id: &str, name: &str, database: &DatabaseArg) -> Result<(), CliError> {
    check_key_name(name)?;
    runtime()?.block_on(async {
        let store = connect(&database.url()).await?;
        let key = find_key(&store, id).await?;
        store.rename_api_key(&key.key_hash, name).await?;
        eprintln!(
            "the {} key {} is now {name:?}",
            key.role,
            &key.key_hash[..auth::KEY_ID_CHARS]
        );
        Ok(())
    })
}

fn revoke_key(id: &str, database: &DatabaseArg) -> Result<(), CliError> {
    runtime()?.block_on(async {
        let store = connect(&database.url()).await?;
        let key = find_key(&store, id).await?;
        if !store
            .revoke_api_key(&key.key_hash, freshroute_service::now_ms())
            .await?
        {
            return Err(CliError::Usage(format!("key {id:?} is already revoked")));
        }
        eprintln!(
            "revoked the {} key {}",
            key.role,
            &key.key_hash[..auth::KEY_ID_CHARS]
        );
        Ok(())
    })
}

async fn insert_key<S: Storage>(
    store: &S,
    record: &ApiKey,
    courier: Option<&str>,
) -> Result<(), CliError> {
    if let Some(id) = courier
        && store.courier(id).await?.is_none()
    {
        return Err(CliError::Usage(format!(
            "no courier has id {id:?}: add it first (POST /v1/couriers)"
        )));
    }
    store.insert_api_key(record).await?;
    Ok(())
}
