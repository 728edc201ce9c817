//! Flood control: token buckets by key. Per courier for single reports, so one phone
//! gone wild gets 429 while everyone else is served; per client address for failed
//! guesses of secrets (`guessing.rs`).

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

    /// Takes one token from `key`'s bucket; `false` if it is empty.
    pub(crate) fn allow(&self, key: &str) -> bool {
        self.with_bucket(key, |b| {
            if b.tokens >= 1.0 {
                b.tokens -= 1.0;
                true
            } else {
                false
            }
        })
    }

    /// Whether `key`'s bucket holds a token, taking none.
    pub(crate) fn has_room(&self, key: &str) -> bool {
        self.with_bucket(key, |b| b.tokens >= 1.0)
    }

    /// Runs `f` on `key`'s bucket, refilled to now. Buckets that refilled completely are
    /// dropped now and then, so that many keys (clients' addresses) cannot grow the map
    /// without end.
    fn with_bucket<T>(&self, key: &str, f: impl FnOnce(&mut Bucket) -> T) -> T {
        let now = Instant::now();
        // A poisoned lock only means another request panicked mid-update; the counts stay usable.
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > MAX_BUCKETS {
            let limit = self.limit;
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.at).as_secs_f64() * limit.per_second < limit.burst
            });
        }
        let b = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: self.limit.burst,
            at: now,
        });
        let refill = now.duration_since(b.at).as_secs_f64() * self.limit.per_second;
        b.tokens = (b.tokens + refill).min(self.limit.burst);
        b.at = now;
        f(b)
    }
}

/// Buckets kept before the full ones are dropped.
const MAX_BUCKETS: usize = 10_000;

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
