//! What the CLI prints: JSON on stdout, progress and errors on stderr.

use std::io::Write;
use std::time::Instant;

use freshroute_roads::{Progress, RoadsError};

use crate::error::CliError;

/// Writes one JSON value and a newline to stdout.
pub(crate) fn print_json(value: &serde_json::Value) -> Result<(), RoadsError> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(out))
        .map_err(|source| RoadsError::Io {
            path: "<stdout>".into(),
            source,
        })
}

/// Writes text to stdout.
pub(crate) fn print_text(text: &str) -> Result<(), RoadsError> {
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(|source| RoadsError::Io {
            path: "<stdout>".into(),
            source,
        })
}

/// `error[code]: message` and a hint, on stderr.
pub(crate) fn report_error(e: &CliError) {
    eprintln!("error[{}]: {e}", e.code());
    eprintln!("  hint: {}", e.hint());
}

/// Progress lines on stderr, each stage with its elapsed time.
pub(crate) struct StderrProgress {
    started: Instant,
    stage_started: Instant,
    stage: String,
}

impl StderrProgress {
    pub(crate) fn new() -> Self {
        Self {
            started: Instant::now(),
            stage_started: Instant::now(),
            stage: String::new(),
        }
    }

    fn close_stage(&mut self) {
        if !self.stage.is_empty() {
            eprintln!(
                "  done: {} in {:.1} s",
                self.stage,
                self.stage_started.elapsed().as_secs_f64()
            );
        }
    }

    /// Ends the last stage and prints the total time.
    pub(crate) fn finish(mut self) {
        self.close_stage();
        self.stage.clear();
        eprintln!("total {:.1} s", self.started.elapsed().as_secs_f64());
    }
}

impl Progress for StderrProgress {
    fn stage(&mut self, name: &str) {
        self.close_stage();
        self.stage = name.to_owned();
        self.stage_started = Instant::now();
        eprintln!("{name} …");
    }

    fn note(&mut self, message: &str) {
        eprintln!("  {message}");
    }

    fn fraction(&mut self, done: u64, total: u64) {
        if let Some(percent) = (done * 100).checked_div(total) {
            eprintln!("  {percent:>3} % ({done} of {total})");
        }
    }
}
