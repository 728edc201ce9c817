//! What the service's test files share.

use std::sync::{Arc, OnceLock};

use freshroute_roads::{RoadNetwork, Silent};
use freshroute_service::auth;
use freshroute_store::{ApiKey, Role, Storage};

/// Monaco's roads, imported once per test binary from the bundled extract.
pub(crate) fn monaco() -> Arc<RoadNetwork> {
    static NETWORK: OnceLock<Arc<RoadNetwork>> = OnceLock::new();
    NETWORK
        .get_or_init(|| {
            let pbf =
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/monaco.osm.pbf");
            Arc::new(
                RoadNetwork::import(&pbf, &mut Silent)
                    .expect("import Monaco")
                    .0,
            )
        })
        .clone()
}

/// A new API key of `role` (for a courier key, its courier), stored as the service
/// stores keys; returns the key. Not every test binary asks for keys.
#[allow(dead_code)]
pub(crate) async fn key<S: Storage>(store: &S, role: Role, courier: Option<&str>) -> String {
    let key = auth::new_secret("fr_key_");
    store
        .insert_api_key(&ApiKey {
            key_hash: auth::hash(&key),
            role,
            courier_id: courier.map(str::to_string),
            created_ms: 0,
            revoked_ms: None,
        })
        .await
        .expect("key");
    key
}
