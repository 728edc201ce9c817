//! The chain's stores: where orders are picked up, when they are open, how much cold room
//! they have. Called shops in code so that "store" keeps meaning storage; `/v1/stores` in
//! the API.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use freshroute_store::{Role, Shop, Storage};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::fields::{text, valid_id};
use crate::places::{Point, point, snap};
use crate::state::AppState;
use crate::{ApiError, ErrorBody};

/// Days of the week, as opening hours name them.
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

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
    /// `HH:MM`, after `opens` (`24:00` for midnight).
    #[schema(example = "20:00")]
    closes: String,
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
    opening_hours: Vec<Hours>,
    storage: Zones,
}

/// Minutes since midnight of `HH:MM` (`24:00` allowed).
fn minutes(field: &str, hhmm: &str) -> Result<u32, ApiError> {
    let parsed = hhmm.split_once(':').and_then(|(h, m)| {
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (hhmm.len() == 5 && m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
    });
    parsed.ok_or_else(|| {
        ApiError::bad_request(
            "invalid_time_of_day",
            format!("{hhmm:?} is not a time of day: use HH:MM, 00:00 to 24:00"),
        )
        .at(field)
    })
}

fn check_hours(hours: &[Hours]) -> Result<(), ApiError> {
    for (i, h) in hours.iter().enumerate() {
        if h.days.is_empty() {
            return Err(ApiError::bad_request(
                "invalid_opening_hours",
                "name at least one day, mon to sun",
            )
            .at(format!("opening_hours[{i}].days")));
        }
        if let Some(d) = h.days.iter().find(|d| !DAYS.contains(&d.as_str())) {
            return Err(ApiError::bad_request(
                "invalid_opening_hours",
                format!("{d:?} is not a day: use {}", DAYS.join(", ")),
            )
            .at(format!("opening_hours[{i}].days")));
        }
        let opens = minutes(&format!("opening_hours[{i}].opens"), &h.opens)?;
        let closes = minutes(&format!("opening_hours[{i}].closes"), &h.closes)?;
        if closes <= opens {
            return Err(ApiError::bad_request(
                "invalid_opening_hours",
                format!("closes ({}) must come after opens ({})", h.closes, h.opens),
            )
            .at(format!("opening_hours[{i}].closes")));
        }
    }
    Ok(())
}

/// A store as a GeoJSON Feature.
pub(crate) fn feature(s: &Shop) -> Value {
    json!({
        "type": "Feature",
        "id": s.id,
        "geometry": point(s.lat, s.lon),
        "properties": {
            "name": s.name,
            "address": s.address,
            "opening_hours": s.opening_hours,
            "storage": {
                "frozen_litres": s.frozen_litres,
                "chilled_litres": s.chilled_litres,
                "ambient_litres": s.ambient_litres,
            },
            "snapped": s.snapped,
        }
    })
}

/// Validates a new store and places it on the roads.
pub(crate) fn shop_from(state: &AppState, n: NewShop) -> Result<Shop, ApiError> {
    valid_id("id", &n.id)?;
    text("name", &n.name, 200)?;
    text("address", &n.address, 500)?;
    let at = n.location.lat_lon("location")?;
    check_hours(&n.opening_hours)?;
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
    })
}

/// Adds a store of the chain.
#[utoipa::path(post, path = "/v1/stores", tag = "stores", request_body = NewShop,
    security(("api_key" = [])),
    responses(
        (status = 201, description = "The store as a GeoJSON Feature, with its position snapped per profile", body = Value),
        (status = 400, description = "An invalid value", body = ErrorBody),
        (status = 409, description = "The id is taken", body = ErrorBody),
        (status = 422, description = "No road near the location", body = ErrorBody),
    ))]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<NewShop>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher])?;
    let Json(n) = body?;
    let shop = shop_from(&state, n)?;
    state.store.insert_shop(&shop).await?;
    Ok((StatusCode::CREATED, Json(feature(&shop))))
}

/// Every store, as a GeoJSON FeatureCollection.
#[utoipa::path(get, path = "/v1/stores", tag = "stores", security(("api_key" = [])),
    responses((status = 200, description = "A GeoJSON FeatureCollection of stores", body = Value)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    _caller: Caller,
) -> Result<Json<Value>, ApiError> {
    let shops = state.store.shops().await?;
    let features: Vec<Value> = shops.iter().map(feature).collect();
    Ok(Json(
        json!({"type": "FeatureCollection", "features": features}),
    ))
}

/// One store.
#[utoipa::path(get, path = "/v1/stores/{id}", tag = "stores", security(("api_key" = [])),
    params(("id" = String, Path, description = "The store's id")),
    responses(
        (status = 200, description = "The store as a GeoJSON Feature", body = Value),
        (status = 404, description = "No such store", body = ErrorBody),
    ))]
pub(crate) async fn get(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_day_are_checked() {
        assert_eq!(minutes("f", "07:30").ok(), Some(450));
        assert_eq!(minutes("f", "24:00").ok(), Some(1440));
        for bad in ["7:30", "24:01", "12:60", "noon", "12-30", ""] {
            let e = minutes("f", bad).expect_err(bad);
            assert_eq!(
                (e.code, e.field.as_deref()),
                ("invalid_time_of_day", Some("f"))
            );
        }
    }

    #[test]
    fn opening_hours_must_name_days_and_close_after_opening() {
        let hours = |days: &[&str], opens: &str, closes: &str| Hours {
            days: days.iter().map(|d| d.to_string()).collect(),
            opens: opens.into(),
            closes: closes.into(),
        };
        assert!(check_hours(&[hours(&["mon", "sun"], "08:00", "20:00")]).is_ok());
        for (bad, field) in [
            (hours(&[], "08:00", "20:00"), "opening_hours[0].days"),
            (
                hours(&["monday"], "08:00", "20:00"),
                "opening_hours[0].days",
            ),
            (hours(&["mon"], "20:00", "08:00"), "opening_hours[0].closes"),
        ] {
            let e = check_hours(&[bad]).expect_err("refused");
            assert_eq!(
                (e.code, e.field.as_deref()),
                ("invalid_opening_hours", Some(field))
            );
        }
    }
}
