//! Windows of time and the set operations rosters need: merge, cut out.

/// A half-open window `[start_ms, end_ms)` in epoch milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Window {
    /// First instant in it.
    pub start_ms: i64,
    /// First instant after it.
    pub end_ms: i64,
}

impl Window {
    /// Whether `ms` lies in it.
    pub fn contains(&self, ms: i64) -> bool {
        self.start_ms <= ms && ms < self.end_ms
    }
}

/// Sorted, with overlapping or touching windows joined and empty ones dropped.
pub(crate) fn merged(mut windows: Vec<Window>) -> Vec<Window> {
    windows.retain(|w| w.start_ms < w.end_ms);
    windows.sort();
    let mut out: Vec<Window> = Vec::with_capacity(windows.len());
    for w in windows {
        match out.last_mut() {
            Some(last) if w.start_ms <= last.end_ms => last.end_ms = last.end_ms.max(w.end_ms),
            _ => out.push(w),
        }
    }
    out
}

/// `windows` with `cut` taken out of them.
pub(crate) fn without(windows: Vec<Window>, cut: Window) -> Vec<Window> {
    let mut out = Vec::with_capacity(windows.len() + 1);
    for w in windows {
        if w.end_ms <= cut.start_ms || cut.end_ms <= w.start_ms {
            out.push(w);
            continue;
        }
        if w.start_ms < cut.start_ms {
            out.push(Window {
                start_ms: w.start_ms,
                end_ms: cut.start_ms,
            });
        }
        if cut.end_ms < w.end_ms {
            out.push(Window {
                start_ms: cut.end_ms,
                end_ms: w.end_ms,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(start_ms: i64, end_ms: i64) -> Window {
        Window { start_ms, end_ms }
    }

    #[test]
    fn touching_windows_join_and_a_cut_splits() {
        assert_eq!(merged(vec![w(5, 9), w(0, 5), w(20, 20)]), vec![w(0, 9)]);
        assert_eq!(without(vec![w(0, 10)], w(3, 5)), vec![w(0, 3), w(5, 10)]);
        assert_eq!(without(vec![w(0, 10)], w(-5, 50)), vec![]);
        assert_eq!(without(vec![w(0, 10)], w(10, 50)), vec![w(0, 10)]);
    }
}
