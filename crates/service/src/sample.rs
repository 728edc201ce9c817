//! Loads the sample chain into a database through the same checks as the API: every
//! store is validated and snapped to the roads, every courier validated.

use chrono::{Duration, NaiveDate};
use freshroute_sample::SampleChain;
use freshroute_store::{Ledger, Lot, StockLot, Storage, StoreError};
use serde_json::json;

use crate::ApiError;
use crate::couriers::courier_from;
use crate::rounds::ProcurementData;
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
            courier_from(new, now_ms, state.time_zone).map_err(|e| e.within("couriers", i))?;
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
        let shop = shop_from(state, new).map_err(|e| e.within("stores", i))?;
        state.store.insert_shop(&shop).await?;
        load.stores += 1;
    }
    Ok(Some(load))
}

/// Days of sales a sample store's opening stock covers (less for what keeps less).
const OPENING_COVER_DAYS: i64 = 2;

/// Gives every store of `data`'s sales that is in the database and holds no stock an
/// opening stock, as a count would record it: each article's mean sales of the last four
/// weeks for two days (its shelf life, if shorter), half its shelf life left. Returns
/// the stores stocked.
pub async fn stock_sample_stores(
    state: &AppState,
    data: &ProcurementData,
    today: NaiveDate,
) -> Result<usize, ApiError> {
    let held: Vec<String> = state
        .store
        .stock(None)
        .await?
        .into_iter()
        .map(|l| l.shop_id)
        .collect();
    let mut stocked = 0;
    for shop in state.store.shops().await? {
        if held.contains(&shop.id) {
            continue;
        }
        let lots = opening_lots(data, &shop.id, today, state.clock.now_ms());
        if lots.is_empty() {
            continue;
        }
        let now = state.clock.now_ms();
        state.store.count(&shop.id, &lots, "sample", now).await?;
        stocked += 1;
    }
    Ok(stocked)
}

fn opening_lots(
    data: &ProcurementData,
    shop: &str,
    today: NaiveDate,
    now_ms: i64,
) -> Vec<StockLot> {
    data.catalog
        .skus
        .iter()
        .filter_map(|sku| {
            let key = format!("{shop}/{}", sku.id);
            let series = data.sales.series.iter().find(|s| s.key == key)?;
            let recent: Vec<f64> = series
                .units
                .iter()
                .rev()
                .take(28)
                .flatten()
                .copied()
                .collect();
            let mean = recent.iter().sum::<f64>() / recent.len().max(1) as f64;
            let cover = OPENING_COVER_DAYS.min(sku.shelf_life_days.max(1));
            let units = (mean * cover as f64).ceil();
            let lot_number = format!("opening-{shop}");
            (units > 0.0).then(|| StockLot {
                lot: Lot {
                    id: Lot::supplier_lot_id(&sku.id, &lot_number),
                    sku: sku.id.clone(),
                    lot_number,
                    expiry_date: (today + Duration::days((sku.shelf_life_days / 2).max(1)))
                        .to_string(),
                    po_id: None,
                    made_by: None,
                    recalled_ms: None,
                    created_ms: now_ms,
                    expires_ms: None,
                },
                shop_id: shop.to_string(),
                zone: crate::stock::storage_zone(sku.zone),
                units: units as i64,
            })
        })
        .collect()
}

fn invalid(field: String, e: &serde_json::Error) -> ApiError {
    ApiError::bad_request("invalid_sample_chain", e.to_string()).at(field)
}
