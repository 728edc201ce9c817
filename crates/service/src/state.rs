//! What every handler shares: the store, each courier's latest position, the rules.

use std::collections::HashMap;
use std::sync::Arc;

use freshroute_store::{FixRecord, Storage};
use tokio::sync::RwLock;

use crate::rules::FixRules;

/// Shared state of the service.
#[derive(Debug, Clone)]
pub struct AppState<S> {
    /// Where everything is stored.
    pub store: S,
    /// Each courier's latest accepted fix (by fix time), loaded at start and kept current.
    pub latest: Arc<RwLock<HashMap<String, FixRecord>>>,
    /// How fixes are judged.
    pub rules: FixRules,
}

impl<S: Storage> AppState<S> {
    /// State over `store`, with the latest positions read back from it.
    pub async fn load(store: S, rules: FixRules) -> Result<Self, freshroute_store::StoreError> {
        let latest = store
            .latest_fixes()
            .await?
            .into_iter()
            .map(|f| (f.courier_id.clone(), f))
            .collect();
        Ok(Self {
            store,
            latest: Arc::new(RwLock::new(latest)),
            rules,
        })
    }
}
