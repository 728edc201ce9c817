//! What every handler shares: the store, each courier's latest position, the rules.

use std::collections::HashMap;
use std::sync::Arc;

use freshroute_store::{Courier, FixRecord, Storage};
use tokio::sync::RwLock;

use crate::limiter::{Limiter, RateLimit};
use crate::rules::FixRules;
use crate::writer::Writer;

/// Shared state of the service.
#[derive(Debug, Clone)]
pub struct AppState<S> {
    /// Where everything is stored.
    pub store: S,
    /// Each courier's latest accepted fix (by fix time), loaded at start and kept current.
    pub latest: Arc<RwLock<HashMap<String, FixRecord>>>,
    /// How fixes are judged.
    pub rules: FixRules,
    /// Where fixes are written, committed in groups.
    pub(crate) writer: Writer,
    /// Flood control for single reports, per courier.
    pub(crate) limiter: Limiter,
    /// Couriers by the hash of their tracking secret, as they were first looked up
    /// (a courier's secret and device never change).
    by_secret: Arc<RwLock<HashMap<String, Courier>>>,
}

impl<S: Storage> AppState<S> {
    /// State over `store`, with the latest positions read back from it; starts the
    /// fix writer on the current runtime.
    pub async fn load(
        store: S,
        rules: FixRules,
        rate: RateLimit,
    ) -> Result<Self, freshroute_store::StoreError> {
        let latest = store
            .latest_fixes()
            .await?
            .into_iter()
            .map(|f| (f.courier_id.clone(), f))
            .collect();
        Ok(Self {
            writer: Writer::spawn(store.clone()),
            store,
            latest: Arc::new(RwLock::new(latest)),
            rules,
            limiter: Limiter::new(rate),
            by_secret: Arc::default(),
        })
    }

    /// The courier whose tracking secret hashes to `secret_hash`.
    pub(crate) async fn courier_by_secret(
        &self,
        secret_hash: &str,
    ) -> Result<Option<Courier>, freshroute_store::StoreError> {
        if let Some(c) = self.by_secret.read().await.get(secret_hash) {
            return Ok(Some(c.clone()));
        }
        let found = self.store.courier_by_secret(secret_hash).await?;
        if let Some(c) = &found {
            self.by_secret
                .write()
                .await
                .insert(secret_hash.to_string(), c.clone());
        }
        Ok(found)
    }
}
