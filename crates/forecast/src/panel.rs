//! The data a forecast is made from.
//!
//! A [`Panel`] holds series on one period axis (`0..periods`): units sold (missing
//! periods are `None`), and for every period the covariates known in advance of it
//! (a holiday, a planned promotion, the temperature forecast, the shelf price), the
//! same names for every series. Each period has a season (its weekday for daily data;
//! a single season for weekly data).

/// One series: an article at a store.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Its name, e.g. `porto-aliados/NATA`.
    pub key: String,
    /// The group it adds up into (the store), for store-level scores.
    pub group: String,
    /// What it counts (the article), the same in every group that sells it: the shared
    /// method pools an article's covariate effects across its groups.
    pub article: String,
    /// Units sold per period; `None` where unknown.
    pub units: Vec<Option<f64>>,
    /// Covariates per period, `covariates.len()` of them a period, flattened.
    pub known: Vec<f64>,
    /// What one unit brings in per period (for revenue scores), any currency unit.
    pub unit_value: Vec<f64>,
}

/// Series on one period axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// Periods on the axis.
    pub periods: usize,
    /// Seasons in a cycle (7 for days of the week, 1 for weeks).
    pub cycle: usize,
    /// The season of each period, `< cycle`.
    pub season: Vec<usize>,
    /// Names of the covariates, in the order of [`Series::known`].
    pub covariates: Vec<String>,
    /// The series.
    pub series: Vec<Series>,
}

/// A panel that cannot be forecast from.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PanelError {
    /// A series or a period list of the wrong length.
    #[error("{what}: {got} values, expected {expected}")]
    Length {
        /// Which list.
        what: String,
        /// Values found.
        got: usize,
        /// Values expected.
        expected: usize,
    },
    /// A value that is negative, not finite or out of range.
    #[error("{what}")]
    BadValue {
        /// What is wrong.
        what: String,
    },
    /// Too little history for the evaluation asked for.
    #[error("{what}")]
    TooShort {
        /// What is wrong.
        what: String,
    },
}

impl PanelError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Length { .. } => "panel_length",
            Self::BadValue { .. } => "panel_bad_value",
            Self::TooShort { .. } => "history_too_short",
        }
    }
}

impl Series {
    /// Covariate `k` at period `t`.
    pub fn covariate(&self, t: usize, k: usize, count: usize) -> f64 {
        self.known[t * count + k]
    }
}

impl Panel {
    /// Checks every length and value.
    pub fn validate(&self) -> Result<(), PanelError> {
        let len = |what: String, got: usize, expected: usize| {
            if got == expected {
                Ok(())
            } else {
                Err(PanelError::Length {
                    what,
                    got,
                    expected,
                })
            }
        };
        if self.cycle == 0 {
            return Err(PanelError::BadValue {
                what: "a cycle has at least one season".to_string(),
            });
        }
        len("seasons".to_string(), self.season.len(), self.periods)?;
        if let Some(s) = self.season.iter().find(|&&s| s >= self.cycle) {
            return Err(PanelError::BadValue {
                what: format!("season {s} is not below the cycle {}", self.cycle),
            });
        }
        let k = self.covariates.len();
        for s in &self.series {
            len(format!("{} units", s.key), s.units.len(), self.periods)?;
            len(
                format!("{} covariates", s.key),
                s.known.len(),
                self.periods * k,
            )?;
            len(
                format!("{} unit values", s.key),
                s.unit_value.len(),
                self.periods,
            )?;
            if let Some(v) = s
                .units
                .iter()
                .flatten()
                .find(|v| !v.is_finite() || **v < 0.0)
            {
                return Err(PanelError::BadValue {
                    what: format!("{}: units {v} are negative or not a number", s.key),
                });
            }
            if s.known.iter().chain(&s.unit_value).any(|v| !v.is_finite()) {
                return Err(PanelError::BadValue {
                    what: format!("{}: a covariate or unit value is not a number", s.key),
                });
            }
        }
        Ok(())
    }
}

/// The covariates of daily store × article sales, in this order.
pub const DAILY_COVARIATES: [&str; 3] = ["holiday", "promo", "temp_above_15c"];

/// A day's covariates, as [`DAILY_COVARIATES`] names them: a public holiday, a
/// promotion of the article (both known in advance), and the temperature above 15 °C.
pub fn daily_covariates(holiday: bool, promo: bool, temp_c: f64) -> [f64; 3] {
    [
        f64::from(u8::from(holiday)),
        f64::from(u8::from(promo)),
        temp_c - 15.0,
    ]
}
