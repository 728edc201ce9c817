//! Changing stores: any field but the id (PATCH, checked as a whole store again, so a
//! change passes exactly the checks a new store does), and retiring one (DELETE: kept for
//! history and audit, taking no new orders).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use freshroute_store::{OrderStatus, Role, Shop, Storage};
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::error::read_body;
use crate::geojson::Feature;
use crate::shops::{StoreProperties, feature, shop_from, unknown_shop};
use crate::state::AppState;
use crate::{ApiError, ErrorBody};

/// Changes a store: a body with any of `name`, `address`, `location`, `time_zone`,
/// `opening_hours`, `storage`, each replacing the store's.
#[utoipa::path(patch, path = "/v1/stores/{id}", tag = "stores", request_body = Value,
    security(("api_key" = [])),
    params(("id" = String, Path, description = "The store's id")),
    responses(
        (status = 200, description = "The store as it now is, a GeoJSON Feature", body = Feature<StoreProperties>),
        (status = 400, description = "An invalid value, or a field that cannot change (`id`)", body = ErrorBody),
        (status = 404, description = "No such store", body = ErrorBody),
        (status = 409, description = "The store is retired", body = ErrorBody),
        (status = 422, description = "No road near the new location", body = ErrorBody),
    ))]
pub(crate) async fn change(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Feature<StoreProperties>>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher])?;
    let Json(changes) = body?;
    let Value::Object(changes) = changes else {
        return Err(ApiError::bad_request(
            "invalid_body",
            "send an object of the fields to change",
        )
        .at("body"));
    };
    if changes.contains_key("id") {
        return Err(ApiError::bad_request(
            "immutable_field",
            "a store's id cannot change: retire it and add a new one",
        )
        .at("id"));
    }
    let old = active_shop(&state, &id).await?;
    let mut whole = as_body(&old);
    for (k, v) in changes {
        whole[k] = v;
    }
    let mut next = shop_from(&state, read_body(whole, "a store")?)?;
    next.created_ms = old.created_ms;
    if !state.store.update_shop(&next).await? {
        return Err(unknown_shop(&id));
    }
    state.plan_wake.notify_one();
    Ok(Json(feature(&next)))
}

/// Retires a store: kept for history and audit, taking no new orders. Refused while it
/// has open orders.
#[utoipa::path(delete, path = "/v1/stores/{id}", tag = "stores", security(("api_key" = [])),
    params(("id" = String, Path, description = "The store's id")),
    responses(
        (status = 200, description = "The retired store, a GeoJSON Feature with `retired`", body = Feature<StoreProperties>),
        (status = 404, description = "No such store", body = ErrorBody),
        (status = 409, description = "Open orders at the store, or retired already", body = ErrorBody),
    ))]
pub(crate) async fn retire(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Feature<StoreProperties>>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher])?;
    let mut shop = active_shop(&state, &id).await?;
    for status in [
        OrderStatus::Placed,
        OrderStatus::Assigned,
        OrderStatus::PickedUp,
    ] {
        if let Some(o) = state
            .store
            .orders(Some(status), Some(&id), 1)
            .await?
            .first()
        {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "store_has_orders",
                format!(
                    "store {id:?} still has order {:?} ({}): deliver or cancel it first",
                    o.id,
                    status.as_str()
                ),
            ));
        }
    }
    shop.retired_ms = Some(state.clock.now_ms());
    state.store.update_shop(&shop).await?;
    Ok(Json(feature(&shop)))
}

/// A store that is not retired.
async fn active_shop(state: &AppState, id: &str) -> Result<Shop, ApiError> {
    let shop = state
        .store
        .shop(id)
        .await?
        .ok_or_else(|| unknown_shop(id))?;
    if shop.retired_ms.is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "store_retired",
            format!("store {id:?} is retired: add a new store instead"),
        ));
    }
    Ok(shop)
}

/// A stored store as the body that would add it.
fn as_body(s: &Shop) -> Value {
    json!({
        "id": s.id, "name": s.name, "address": s.address,
        "location": {"type": "Point", "coordinates": [s.lon, s.lat]},
        "time_zone": s.time_zone, "opening_hours": s.opening_hours,
        "storage": {"frozen_litres": s.frozen_litres, "chilled_litres": s.chilled_litres,
            "ambient_litres": s.ambient_litres},
    })
}
