//! Retention: fixes older than the configured age, answers kept for idempotent retries
//! older than a day, browser sessions that ended and stop orders a dispatcher set more
//! than a day ago are deleted hour by hour.

use std::time::Duration;

use freshroute_store::{Sessions, StopOrders, Storage};

use crate::idempotency::REPLY_KEPT_MS;
use crate::ingest::now_ms;

/// How long a dispatcher's order of a courier's stops is kept, milliseconds: its orders
/// are long delivered by then.
const STOP_ORDER_KEPT_MS: i64 = 24 * 3_600_000;

/// How often old fixes and answers are deleted.
pub const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Deletes fixes received more than `keep_fixes` ago (none when `None`), stored
/// answers older than a day, expired sessions and day-old stop orders, now and then every
/// [`PRUNE_EVERY`]; runs until the task is dropped. Failures are logged and retried at the
/// next round.
pub async fn prune_forever<S: Storage + Sessions + StopOrders>(
    store: S,
    keep_fixes: Option<Duration>,
) {
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
        let stale = now_ms() - STOP_ORDER_KEPT_MS;
        if let Err(e) = store.delete_stop_orders_set_before(stale).await {
            tracing::warn!(error = %e, "deleting old stop orders failed; retrying next round");
        }
    }
}
