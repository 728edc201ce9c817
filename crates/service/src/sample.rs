//! Loads the sample chain into a database through the same checks as the API: every
//! store is validated and snapped to the roads, every courier validated.

use freshroute_sample::SampleChain;
use freshroute_store::{Storage, StoreError};
use serde_json::json;

use crate::ApiError;
use crate::couriers::courier_from;
use crate::shops::shop_from;
use crate::state::AppState;

/// What a load added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleLoad {
    /// Stores added.
    pub stores: usize,
    /// Couriers added.
    pub couriers: usize,
}

/// Adds what of `chain` the database lacks, unless it holds a store of its own (one the
/// sample does not have): then it is a real chain's, and `None` says nothing was loaded.
/// Stores and couriers keep the chain's time zone. A load cut short (a crash) is
/// completed by the next one.
pub async fn load_sample_chain(
    state: &AppState,
    chain: &SampleChain,
    now_ms: i64,
) -> Result<Option<SampleLoad>, ApiError> {
    let present = state.store.shops().await?;
    if present
        .iter()
        .any(|s| !chain.stores.iter().any(|x| x.id == s.id))
    {
        return Ok(None);
    }
    let mut load = SampleLoad {
        stores: 0,
        couriers: 0,
    };
    // Couriers first: stores are what marks the sample as present.
    for (i, c) in chain.couriers.iter().enumerate() {
        let body = json!({
            "id": c.id, "name": c.name, "profile": c.profile, "box_capacity": c.box_capacity,
            "skills": c.skills, "roster": c.roster, "time_zone": chain.time_zone,
            "device_id": c.device_id,
        });
        let new =
            serde_json::from_value(body).map_err(|e| invalid(format!("couriers[{i}]"), &e))?;
        let (courier, _secret) =
            courier_from(new, now_ms, state.time_zone).map_err(|e| within(e, "couriers", i))?;
        match state.store.insert_courier(&courier).await {
            Ok(()) => load.couriers += 1,
            Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    for (i, s) in chain.stores.iter().enumerate() {
        if present.iter().any(|p| p.id == s.id) {
            continue;
        }
        let mut value = serde_json::to_value(s).map_err(|e| invalid(format!("stores[{i}]"), &e))?;
        value["time_zone"] = json!(chain.time_zone);
        let new = serde_json::from_value(value).map_err(|e| invalid(format!("stores[{i}]"), &e))?;
        let shop = shop_from(state, new).map_err(|e| within(e, "stores", i))?;
        state.store.insert_shop(&shop).await?;
        load.stores += 1;
    }
    Ok(Some(load))
}

fn invalid(field: String, e: &serde_json::Error) -> ApiError {
    ApiError::bad_request("invalid_sample_chain", e.to_string()).at(field)
}

/// Places a refusal's field inside the list it came from.
fn within(e: ApiError, list: &str, i: usize) -> ApiError {
    let field = match &e.field {
        Some(f) => format!("{list}[{i}].{f}"),
        None => format!("{list}[{i}]"),
    };
    e.at(field)
}
