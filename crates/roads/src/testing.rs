//! For tests: the bundled Monaco extract, imported once per test binary.

use std::sync::{Arc, OnceLock};

use crate::{RoadNetwork, Silent};

/// Monaco's roads from `data/monaco.osm.pbf`, imported on first use and shared.
pub fn monaco() -> Arc<RoadNetwork> {
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
