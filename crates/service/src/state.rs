//! What every handler shares: the store, the road network, each courier's latest
//! position, the rules.

use std::collections::HashMap;
use std::sync::Arc;

use freshroute_roads::RoadNetwork;
use freshroute_store::{AnyStore, Courier, FixRecord, Storage};
use tokio::sync::{Mutex, Notify, RwLock};

use crate::limiter::{Limiter, RateLimit};
use crate::rules::FixRules;
use crate::writer::Writer;

/// Shared state of the service.
#[derive(Clone)]
pub struct AppState {
    /// Where everything is stored.
    pub store: AnyStore,
    /// The city's roads: positions entering the service are snapped to them.
    pub roads: Arc<RoadNetwork>,
    /// Each courier's latest accepted fix (by fix time), loaded at start and kept current.
    pub latest: Arc<RwLock<HashMap<String, FixRecord>>>,
    /// The time the service goes by.
    pub clock: crate::time::Clock,
    /// Where customers and phones reach the service: the start of tracking links.
    pub public_base_url: String,
    /// The chain's time zone: stores and couriers that name none keep theirs in it.
    pub time_zone: freshroute_store::Zone,
    /// How fixes are judged.
    pub rules: FixRules,
    /// The chain's rules for taking and assigning orders.
    pub order_rules: crate::chain_rules::OrderRules,
    /// How the planner plans.
    pub planner: freshroute_dispatch::PlannerConfig,
    /// How stores are grouped into regions planned apart.
    pub regions: freshroute_dispatch::Regions,
    /// When customers are told of delays and changed ETAs.
    pub notices: crate::notices::NoticePolicy,
    /// What procurement rounds plan from; `None`: rounds are refused.
    pub procurement: Option<Arc<crate::rounds::ProcurementData>>,
    /// How purchase orders are approved.
    pub purchasing: crate::purchasing::PurchasingPolicy,
    /// Where webhooks may send: public addresses and the allow list.
    pub destinations: crate::destinations::Destinations,
    /// How long a console's live stream lasts before the browser opens another (and its
    /// session is checked again): a signed-out or revoked session stops following within it.
    pub console_stream_for: std::time::Duration,
    /// Raster tiles drawn under the pages' maps; `None` (the default): the road graph's
    /// streets, and no request to any other host.
    pub map_tiles: Option<crate::MapTiles>,
    /// The local archive `/map/tiles/{z}/{x}/{y}` serves, when tiles come from one.
    pub map_pmtiles: Option<Arc<crate::PmTiles>>,
    /// Held while a procurement round runs: one at a time.
    pub(crate) round_lock: Arc<Mutex<()>>,
    /// What each open order's customer was last told.
    pub(crate) eta_watch: Arc<Mutex<crate::notices::EtaWatch>>,
    /// Woken when a notice is stored, so the webhook sender sends it at once.
    pub(crate) outbox_wake: Arc<Notify>,
    /// Each courier's remaining stops, re-timed from its fixes.
    pub(crate) live: Arc<std::sync::Mutex<crate::live::Live>>,
    /// Woken when a fix comes in for a courier with a live route.
    pub(crate) live_wake: Arc<Notify>,
    /// Woken when something the plan depends on changes (an order placed, a status
    /// changed, a courier off its route), so the planner loop plans again soon.
    pub(crate) plan_wake: Arc<Notify>,
    /// Woken when transfers should be proposed again (an alert line crossed, an
    /// approval the donor could no longer fill).
    pub(crate) transfer_wake: Arc<Notify>,
    /// The current dispatch plan, once one is made.
    pub(crate) plan: Arc<RwLock<Option<Arc<freshroute_dispatch::Plan>>>>,
    /// Where fixes are written, committed in groups.
    pub(crate) writer: Writer,
    /// Bounds the VROOM solves running and waiting at once.
    pub solve_slots: crate::SolveSlots,
    /// Failed guesses of secrets, per client address.
    pub(crate) guesses: Limiter,
    /// Flood control for single reports, per courier.
    pub(crate) limiter: Limiter,
    /// Couriers by the hash of their tracking secret, as they were first looked up; an
    /// entry goes when the courier's secret is replaced (a courier's device never changes).
    by_secret: Arc<RwLock<HashMap<String, Courier>>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.store)
            .field("roads", &self.roads.source())
            .field("rules", &self.rules)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State over `store` and `roads`, with the latest positions read back from the
    /// store; starts the fix writer on the current runtime.
    pub async fn load(
        store: AnyStore,
        roads: Arc<RoadNetwork>,
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
            roads,
            planner: freshroute_dispatch::PlannerConfig::default(),
            regions: freshroute_dispatch::Regions::default(),
            plan: Arc::default(),
            transfer_wake: Arc::default(),
            notices: crate::notices::NoticePolicy::default(),
            procurement: None,
            purchasing: crate::purchasing::PurchasingPolicy::default(),
            destinations: crate::destinations::Destinations::default(),
            console_stream_for: std::time::Duration::from_secs(300),
            map_tiles: None,
            map_pmtiles: None,
            round_lock: Arc::default(),
            clock: crate::time::Clock::system(),
            time_zone: freshroute_store::Zone::UTC,
            public_base_url: "http://127.0.0.1:8080".to_string(),
            eta_watch: Arc::default(),
            outbox_wake: Arc::default(),
            live: Arc::default(),
            live_wake: Arc::default(),
            plan_wake: Arc::default(),
            latest: Arc::new(RwLock::new(latest)),
            rules,
            order_rules: crate::chain_rules::OrderRules::default(),
            limiter: Limiter::new(rate),
            guesses: Limiter::new(crate::guessing::GUESSES),
            solve_slots: crate::vroom::SolveSlots::default(),
            by_secret: Arc::default(),
        })
    }

    /// Forgets the cached secret of courier `id` (after it changed).
    pub(crate) async fn forget_secret_of(&self, id: &str) {
        self.by_secret.write().await.retain(|_, c| c.id != id);
    }

    /// The courier whose tracking secret hashes to `secret_hash`, unless it is retired.
    pub(crate) async fn courier_by_secret(
        &self,
        secret_hash: &str,
    ) -> Result<Option<Courier>, freshroute_store::StoreError> {
        if let Some(c) = self.by_secret.read().await.get(secret_hash) {
            return Ok(Some(c.clone()));
        }
        let found = self
            .store
            .courier_by_secret(secret_hash)
            .await?
            .filter(|c| c.retired_ms.is_none());
        if let Some(c) = &found {
            self.by_secret
                .write()
                .await
                .insert(secret_hash.to_string(), c.clone());
        }
        Ok(found)
    }
}
