//! What the service's test files share.

use std::sync::{Arc, OnceLock};

use freshroute_roads::{RoadNetwork, Silent};

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
