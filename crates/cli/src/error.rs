//! Every error a command can end with, each with a stable code and a hint.

use freshroute_formats::FormatError;
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
}

impl CliError {
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Self::Roads(e) => e.code(),
            Self::Format(e) => e.code(),
            Self::Write { .. } => "io_error",
            Self::Usage(_) => "invalid_argument",
        }
    }

    pub(crate) fn hint(&self) -> &'static str {
        match self {
            Self::Roads(e) => e.hint(),
            Self::Format(e) => e.hint(),
            Self::Write { .. } => "check that the folder exists and is writable",
            Self::Usage(_) => "see --help",
        }
    }
}
