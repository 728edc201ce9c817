//! Flood control per device: a token bucket per courier for single reports, so one
//! phone gone wild gets 429 while everyone else is served.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// How many reports a device may send: `per_second` on average, `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Sustained reports per second.
    pub per_second: f64,
    /// Reports allowed at once after a quiet spell.
    pub burst: f64,
}

impl Default for RateLimit {
    /// The Traccar Client reports at most once a second; ten times that is a flood.
    fn default() -> Self {
        Self {
            per_second: 10.0,
            burst: 60.0,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Buckets per device.
#[derive(Debug, Clone)]
pub(crate) struct Limiter {
    limit: RateLimit,
    buckets: Arc<Mutex<HashMap<String, Bucket>>>,
}

impl Limiter {
    pub(crate) fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            buckets: Arc::default(),
        }
    }

    /// Takes one report from `device`'s bucket; `false` if it is empty.
    pub(crate) fn allow(&self, device: &str) -> bool {
        let now = Instant::now();
        // A poisoned lock only means another request panicked mid-update; the counts stay usable.
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let b = buckets.entry(device.to_string()).or_insert(Bucket {
            tokens: self.limit.burst,
            at: now,
        });
        let refill = now.duration_since(b.at).as_secs_f64() * self.limit.per_second;
        b.tokens = (b.tokens + refill).min(self.limit.burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_a_flood_does_not_and_others_are_untouched() {
        let l = Limiter::new(RateLimit {
            per_second: 1.0,
            burst: 3.0,
        });
        let passed = (0..10).filter(|_| l.allow("a")).count();
        assert_eq!(passed, 3);
        assert!(l.allow("b"));
    }
}
