//! What is wrong with a time zone, hours or a roster, and where.

/// A refusal: a stable code, the JSON path of the offending value (relative to what was
/// checked; the caller places it in its body) and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} at {path}: {message}")]
pub struct CalendarError {
    /// Stable code, such as `unknown_time_zone` or `invalid_time_of_day`.
    pub code: &'static str,
    /// JSON path of the value, such as `weekly[0].days[2]`; empty for the value itself.
    pub path: String,
    /// What is wrong and what to send instead.
    pub message: String,
}

impl CalendarError {
    pub(crate) fn new(code: &'static str, path: impl Into<String>, message: String) -> Self {
        Self {
            code,
            path: path.into(),
            message,
        }
    }

    /// The same refusal with `prefix` put before its path (`roster` + `weekly[0]` →
    /// `roster.weekly[0]`).
    pub fn under(mut self, prefix: &str) -> Self {
        self.path = match (prefix.is_empty(), self.path.is_empty()) {
            (true, _) => self.path,
            (false, true) => prefix.to_string(),
            (false, false) if self.path.starts_with('[') => format!("{prefix}{}", self.path),
            (false, false) => format!("{prefix}.{}", self.path),
        };
        self
    }
}
