//! Every error a command can end with, each with a stable code and a hint.

use freshroute_formats::FormatError;
use freshroute_procurement::simulate::SimError;
use freshroute_roads::RoadsError;

/// An error of any engine, as the CLI reports it.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    #[error(transparent)]
    Roads(#[from] RoadsError),
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Store(#[from] freshroute_store::StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
    #[error("the service stopped: {0}")]
    Serve(std::io::Error),
    #[error("cannot read {path}: {source}")]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Forecast(#[from] freshroute_forecast::PanelError),
    #[error(transparent)]
    Simulation(#[from] freshroute_procurement::simulate::SimError),
    #[error(transparent)]
    ProcurementData(#[from] freshroute_service::rounds::DataError),
    #[error("{}", .0.message)]
    Round(freshroute_service::ApiError),
    #[error("{}", .0.message)]
    Lot(freshroute_service::ApiError),
    #[error("{path} is not a sample chain: {detail}")]
    SampleChain {
        path: std::path::PathBuf,
        detail: String,
    },
}

impl CliError {
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Self::Roads(e) => e.code(),
            Self::Format(e) => e.code(),
            Self::Write { .. } => "io_error",
            Self::Usage(_) => "invalid_argument",
            Self::Store(e) => e.code(),
            Self::Listen { .. } => "cannot_listen",
            Self::Serve(_) => "service_failed",
            Self::Read { .. } => "io_error",
            Self::SampleChain { .. } => "invalid_sample_chain",
            Self::Forecast(e) => e.code(),
            Self::Simulation(e) => e.code(),
            Self::ProcurementData(e) => e.code,
            Self::Round(e) | Self::Lot(e) => e.code,
        }
    }

    pub(crate) fn hint(&self) -> &'static str {
        match self {
            Self::Roads(e) => e.hint(),
            Self::Format(e) => e.hint(),
            Self::Write { .. } => "check that the folder exists and is writable",
            Self::Usage(_) => "see --help",
            Self::Store(_) => {
                "check --database-url: a writable file path or sqlite://PATH, or a reachable postgres://USER@HOST/DB"
            }
            Self::Listen { .. } => "pick a free address with --listen HOST:PORT",
            Self::Serve(_) => "see the log above",
            Self::Read { .. } => "check the path",
            Self::SampleChain { .. } => {
                "regenerate it with `freshroute sample-chain`, or start without it (--no-sample-chain)"
            }
            Self::Simulation(SimError::TooShort(_)) => "simulate fewer --days",
            Self::Simulation(SimError::Ledger(_)) => {
                "give --ledger-url an empty database that answers, or run --in-memory"
            }
            Self::Simulation(SimError::Disagrees(_)) => {
                "a fault in freshroute: report it with the command that printed it"
            }
            Self::ProcurementData(_) => {
                "regenerate the data with `freshroute sample-procurement`, or point --data at a folder with catalog.json, sales.csv.gz and promotions.csv"
            }
            Self::Round(_) => {
                "see the message: pick another --date or --store, or fix the data it names"
            }
            Self::Lot(_) => {
                "name the lot as GET /v1/stock lists it (SKU:LOT for a supplier's lot), in the database the service uses (--database-url)"
            }
            Self::Forecast(_) => {
                "give a longer history, or fewer periods with --evaluate, --select and --horizons"
            }
        }
    }
}
