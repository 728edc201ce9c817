//! A printed benchmark table: measure, figure, target, verdict.

use std::fmt;

/// One measured figure.
#[derive(Debug, Clone)]
pub struct Row {
    /// What was measured.
    pub measure: String,
    /// The figure, with its unit.
    pub figure: String,
    /// The target, where there is one.
    pub target: Option<String>,
    /// Whether the figure meets the target.
    pub pass: Option<bool>,
}

/// The rows of one benchmark run.
#[derive(Debug, Clone, Default)]
pub struct BenchTable {
    /// Title line.
    pub title: String,
    /// Whether targets are judged; they are set for one data set, and elsewhere
    /// the figures are shown beside them without a verdict.
    pub judge: bool,
    /// The figures.
    pub rows: Vec<Row>,
}

impl BenchTable {
    fn push(
        &mut self,
        measure: String,
        figure: String,
        target: Option<String>,
        pass: Option<bool>,
    ) {
        self.rows.push(Row {
            measure,
            figure,
            target,
            pass,
        });
    }

    /// Adds a figure with no target.
    pub fn info(&mut self, measure: impl Into<String>, figure: impl Into<String>) {
        self.push(measure.into(), figure.into(), None, None);
    }

    /// Adds a speed or size figure beside its target, judged only where targets apply.
    pub fn check(
        &mut self,
        measure: impl Into<String>,
        figure: impl Into<String>,
        target: impl Into<String>,
        pass: bool,
    ) {
        let pass = self.judge.then_some(pass);
        self.push(measure.into(), figure.into(), Some(target.into()), pass);
    }

    /// Adds a correctness check, judged on every data set.
    pub fn verify(
        &mut self,
        measure: impl Into<String>,
        figure: impl Into<String>,
        expected: impl Into<String>,
        pass: bool,
    ) {
        self.push(
            measure.into(),
            figure.into(),
            Some(expected.into()),
            Some(pass),
        );
    }

    /// Whether every checked figure meets its target.
    pub fn all_pass(&self) -> bool {
        self.rows.iter().all(|r| r.pass != Some(false))
    }

    /// The first row whose measure begins with `measure`.
    pub fn row(&self, measure: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.measure.starts_with(measure))
    }
}

impl fmt::Display for BenchTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w0 = self
            .rows
            .iter()
            .map(|r| r.measure.len())
            .max()
            .unwrap_or(0)
            .max(7);
        let w1 = self
            .rows
            .iter()
            .map(|r| r.figure.len())
            .max()
            .unwrap_or(0)
            .max(6);
        let w2 = self
            .rows
            .iter()
            .filter_map(|r| r.target.as_ref().map(String::len))
            .max()
            .unwrap_or(0)
            .max(6);
        writeln!(f, "{}", self.title)?;
        writeln!(
            f,
            "| {:w0$} | {:>w1$} | {:w2$} | verdict |",
            "measure", "figure", "target"
        )?;
        writeln!(
            f,
            "|{}|{}|{}|---------|",
            "-".repeat(w0 + 2),
            "-".repeat(w1 + 2),
            "-".repeat(w2 + 2)
        )?;
        for r in &self.rows {
            let verdict = match r.pass {
                Some(true) => "pass",
                Some(false) => "FAIL",
                None => "",
            };
            writeln!(
                f,
                "| {:w0$} | {:>w1$} | {:w2$} | {verdict:7} |",
                r.measure,
                r.figure,
                r.target.as_deref().unwrap_or("")
            )?;
        }
        Ok(())
    }
}
