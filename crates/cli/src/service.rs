//! `freshroute serve` and `freshroute keys`.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand};
use freshroute_service::rules::FixRules;
use std::time::Duration;

use freshroute_roads::RoadNetwork;
use freshroute_service::{AppState, RateLimit, auth, retention, router};
use freshroute_store::{AnyStore, ApiKey, Role, Storage, connect};

use crate::error::CliError;
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
    fn url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            data_dir()
                .join("freshroute.db")
                .to_string_lossy()
                .into_owned()
        })
    }
}

#[derive(Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// A graph file from `roads import` [default: the bundled city, imported on first use].
    #[arg(long)]
    graph: Option<PathBuf>,
    /// Days GPS fixes are kept (by the time they were received); 0 keeps them forever.
    #[arg(long, default_value_t = 30)]
    retention_days: u32,
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
        #[command(flatten)]
        database: DatabaseArg,
    },
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::Serve)
}

pub(crate) fn serve(args: &ServeArgs) -> Result<(), CliError> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=info".into()),
        )
        .init();
    let roads = Arc::new(match &args.graph {
        Some(path) => RoadNetwork::load(path)?,
        None => bundled_network()?,
    });
    runtime()?.block_on(async {
        let store = connect(&args.database.url()).await?;
        run(store, roads, args).await
    })
}

async fn run(store: AnyStore, roads: Arc<RoadNetwork>, args: &ServeArgs) -> Result<(), CliError> {
    let listen = args.listen.as_str();
    let backend = store.backend();
    if args.retention_days > 0 {
        let keep = Duration::from_secs(u64::from(args.retention_days) * 24 * 3600);
        tokio::spawn(retention::prune_forever(store.clone(), keep));
    }
    let state = AppState::load(store, roads, FixRules::default(), RateLimit::default()).await?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| CliError::Listen {
            addr: listen.to_string(),
            source,
        })?;
    eprintln!("freshroute serving on http://{listen} (storage: {backend})");
    freshroute_service::serve(listener, router(state))
        .await
        .map_err(CliError::Serve)
}

pub(crate) fn keys(command: KeysCommand) -> Result<(), CliError> {
    let KeysCommand::Create {
        role,
        courier,
        database,
    } = command;
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
