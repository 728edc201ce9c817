//! The chain's stores: where orders are picked up, when they are open, how much cold room
//! they have. Called shops in code so that "store" keeps meaning storage; `/v1/stores` in
//! the API.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use freshroute_store::{Role, Shop, Storage};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use freshroute_calendar::{OpeningHours, StoreHours};
use freshroute_store::Zone;

use crate::auth::Caller;
use crate::couriers::zone_field;
use crate::fields::{text, valid_id};
use crate::geojson::{Feature, FeatureCollection};
use crate::places::{Point, point, snap};
use crate::state::AppState;
use crate::{ApiError, ErrorBody};

/// Opening hours on some days, local time of the store.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Hours {
    /// `mon` … `sun`.
    #[schema(example = json!(["mon", "tue", "wed", "thu", "fri"]))]
    days: Vec<String>,
    /// `HH:MM`.
    #[schema(example = "07:30")]
    opens: String,
    /// `HH:MM` (`24:00` for midnight; before `opens` when the store closes after
    /// midnight).
    #[schema(example = "20:00")]
    closes: String,
}

impl StoreHours for Hours {
    fn days(&self) -> &[String] {
        &self.days
    }
    fn opens(&self) -> &str {
        &self.opens
    }
    fn closes(&self) -> &str {
        &self.closes
    }
}

/// A store's opening hours as stored, checked, in its time zone; `None` for a store
/// whose hours do not read (never stored so: bodies are checked).
pub(crate) fn opening_hours(shop: &Shop) -> Option<OpeningHours> {
    let zone: Zone = shop.time_zone.parse().ok()?;
    let lines: Vec<Hours> = serde_json::from_value(shop.opening_hours.clone()).ok()?;
    OpeningHours::check(zone, &lines).ok()
}

/// Storage room per temperature zone, litres.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Zones {
    /// Freezer, litres.
    frozen_litres: i64,
    /// Refrigerated, litres.
    chilled_litres: i64,
    /// Room temperature, litres.
    ambient_litres: i64,
}

/// A store to add.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewShop {
    /// Chosen by the chain: letters, digits, `-`, `_`, `.`.
    #[schema(example = "porto-aliados")]
    id: String,
    #[schema(example = "Aliados")]
    name: String,
    #[schema(example = "Avenida dos Aliados 120, Porto")]
    address: String,
    /// Where couriers pick up; snapped to the roads of every profile.
    location: Point,
    /// IANA time zone of its opening hours; the chain's when left out.
    #[serde(default)]
    #[schema(example = "Europe/Lisbon")]
    time_zone: Option<String>,
    /// Local time of the store.
    opening_hours: Vec<Hours>,
    storage: Zones,
}

/// What a store is, as its Feature's properties.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct StoreProperties {
    name: String,
    address: String,
    /// IANA time zone of its hours.
    #[schema(example = "Europe/Lisbon")]
    time_zone: String,
    /// Local time of the store.
    #[schema(value_type = Vec<Hours>)]
    opening_hours: Value,
    /// When it was retired (kept for history, taking no new orders).
    retired: Option<String>,
    storage: Zones,
    /// Per profile (`car`, `bike`, …), the nearest road point: `{"coordinates": [lon,
    /// lat], "distance_m": 12}`.
    #[schema(value_type = Object)]
    snapped: Value,
}

/// A store as a GeoJSON Feature.
pub(crate) fn feature(s: &Shop) -> Feature<StoreProperties> {
    let properties = StoreProperties {
        name: s.name.clone(),
        address: s.address.clone(),
        time_zone: s.time_zone.clone(),
        opening_hours: s.opening_hours.clone(),
        retired: s.retired_ms.map(crate::time::format_ms),
        storage: Zones {
            frozen_litres: s.frozen_litres,
            chilled_litres: s.chilled_litres,
            ambient_litres: s.ambient_litres,
        },
        snapped: s.snapped.clone(),
    };
    Feature::new(Some(s.id.clone()), point(s.lat, s.lon), properties)
}

/// Validates a new store and places it on the roads.
pub(crate) fn shop_from(state: &AppState, n: NewShop) -> Result<Shop, ApiError> {
    valid_id("id", &n.id)?;
    text("name", &n.name, 200)?;
    text("address", &n.address, 500)?;
    let at = n.location.lat_lon("location")?;
    let zone = zone_field("time_zone", n.time_zone.as_deref(), state.time_zone)?;
    OpeningHours::check(zone, &n.opening_hours)
        .map_err(|e| ApiError::from(e.under("opening_hours")))?;
    let z = n.storage;
    for (name, litres) in [
        ("frozen_litres", z.frozen_litres),
        ("chilled_litres", z.chilled_litres),
        ("ambient_litres", z.ambient_litres),
    ] {
        if litres < 0 {
            return Err(ApiError::bad_request(
                "negative_capacity",
                "storage room is 0 litres or more",
            )
            .at(format!("storage.{name}")));
        }
    }
    let snapped = snap(&state.roads, at, "location")?;
    Ok(Shop {
        id: n.id,
        name: n.name,
        address: n.address,
        lat: at.lat(),
        lon: at.lon(),
        snapped,
        opening_hours: serde_json::to_value(&n.opening_hours).unwrap_or(Value::Null),
        frozen_litres: z.frozen_litres,
        chilled_litres: z.chilled_litres,
        ambient_litres: z.ambient_litres,
        created_ms: state.clock.now_ms(),
        time_zone: zone.name().to_string(),
        retired_ms: None,
    })
}

/// Adds a store of the chain.
#[utoipa::path(post, path = "/v1/stores", tag = "stores", request_body = NewShop,
    security(("api_key" = [])),
    responses(
        (status = 201, description = "The store as a GeoJSON Feature, with its position snapped per profile", body = Feature<StoreProperties>),
        (status = 400, description = "An invalid value", body = ErrorBody),
        (status = 409, description = "The id is taken", body = ErrorBody),
        (status = 422, description = "No road near the location", body = ErrorBody),
    ))]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<NewShop>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Feature<StoreProperties>>), ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher])?;
    let Json(n) = body?;
    let shop = shop_from(&state, n)?;
    state.store.insert_shop(&shop).await?;
    Ok((StatusCode::CREATED, Json(feature(&shop))))
}

/// Every store, as a GeoJSON FeatureCollection.
#[utoipa::path(get, path = "/v1/stores", tag = "stores", security(("api_key" = [])),
    responses((status = 200, description = "A GeoJSON FeatureCollection of stores", body = FeatureCollection<Feature<StoreProperties>>)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    _caller: Caller,
) -> Result<Json<FeatureCollection<Feature<StoreProperties>>>, ApiError> {
    let shops = state.store.shops().await?;
    Ok(Json(FeatureCollection::of(
        shops.iter().map(feature).collect(),
    )))
}

/// One store.
#[utoipa::path(get, path = "/v1/stores/{id}", tag = "stores", security(("api_key" = [])),
    params(("id" = String, Path, description = "The store's id")),
    responses(
        (status = 200, description = "The store as a GeoJSON Feature", body = Feature<StoreProperties>),
        (status = 404, description = "No such store", body = ErrorBody),
    ))]
pub(crate) async fn get(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Feature<StoreProperties>>, ApiError> {
    let shop = state
        .store
        .shop(&id)
        .await?
        .ok_or_else(|| unknown_shop(&id))?;
    Ok(Json(feature(&shop)))
}

/// 404 for a store id no store has.
pub(crate) fn unknown_shop(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_store",
        format!("no store has id {id:?}; GET /v1/stores lists them"),
    )
}
