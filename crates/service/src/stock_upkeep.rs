//! Stock kept honest as time passes: every lot past its last day (or, for goods that
//! keep hours, its instant) is moved to waste at every place that holds it, so it is
//! never sold, transferred or planned with; the planners see what will expire before it
//! does (`GET /v1/stock/expiring`).

use std::time::Duration;

use freshroute_store::{Ledger, StoreError};

use crate::state::AppState;

/// Moves what expired to waste now. Returns the units moved.
pub async fn expire_now(state: &AppState) -> Result<i64, StoreError> {
    let now = state.clock.now_ms();
    let today = state.time_zone.date_of(now).to_string();
    let wasted = state.store.expire(&today, now, "expiry").await?;
    let units: i64 = wasted.iter().map(|m| -m.units).sum();
    if units > 0 {
        tracing::warn!(units, places = wasted.len(), "expired stock moved to waste");
    }
    Ok(units)
}

/// Runs [`expire_now`] every `every`, forever; a failure is logged and tried again.
pub async fn expire_forever(state: AppState, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = expire_now(&state).await {
            tracing::error!(error = %e, "expired stock could not be moved to waste");
        }
    }
}
