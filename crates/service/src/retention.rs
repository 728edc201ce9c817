//! Retention: fixes older than the configured age, answers kept for idempotent retries
//! older than a day, and browser sessions that ended are deleted hour by hour.

use std::time::Duration;

use freshroute_store::{Sessions, Storage};

use crate::idempotency::REPLY_KEPT_MS;
use crate::ingest::now_ms;

/// How often old fixes and answers are deleted.
pub const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Deletes fixes received more than `keep_fixes` ago (none when `None`), stored
/// answers older than a day and expired sessions, now and then every [`PRUNE_EVERY`]; runs until the task is
/// dropped. Failures are logged and retried at the next round.
pub async fn prune_forever<S: Storage + Sessions>(store: S, keep_fixes: Option<Duration>) {
    let mut tick = tokio::time::interval(PRUNE_EVERY);
    loop {
        tick.tick().await;
        if let Some(keep) = keep_fixes {
            let before = now_ms() - keep.as_millis() as i64;
            match store.delete_fixes_before(before).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "old fixes deleted"),
                Err(e) => {
                    tracing::warn!(error = %e, "deleting old fixes failed; retrying next round");
                }
            }
        }
        if let Err(e) = store.delete_replies_before(now_ms() - REPLY_KEPT_MS).await {
            tracing::warn!(error = %e, "deleting old idempotent answers failed; retrying next round");
        }
        if let Err(e) = store.delete_sessions_expired_before(now_ms()).await {
            tracing::warn!(error = %e, "deleting ended sessions failed; retrying next round");
        }
    }
}
