//! Couriers: added by dispatchers, each with a secret tracking URL for its phone.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use freshroute_roads::Profile;
use freshroute_store::{Courier, FixRecord, Role, Storage};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::auth::{Caller, hash, new_secret};
use crate::fields::{text, time_field, valid_id};
use crate::state::AppState;
use crate::time::format_ms;
use crate::{ApiError, ErrorBody};

/// A courier to add.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewCourier {
    #[schema(example = "c-ana")]
    id: String,
    #[schema(example = "Ana")]
    name: String,
    /// Travel profile of the road engine: `car`, `scooter` or `bike`.
    #[schema(example = "scooter")]
    profile: String,
    /// Room in the courier's box, in the chain's box units.
    #[schema(example = 12)]
    box_capacity: i64,
    /// Such as `frozen` (a frozen box) and `insulated`.
    #[serde(default)]
    #[schema(example = json!(["insulated", "frozen"]))]
    skills: Vec<String>,
    /// ISO 8601, or epoch seconds or milliseconds.
    #[schema(example = "2026-11-25T08:00:00Z")]
    shift_start: String,
    #[schema(example = "2026-11-25T16:00:00Z")]
    shift_end: String,
    /// What the courier's tracking app sends as its device id.
    #[schema(example = "428817")]
    device_id: String,
}

/// A courier as the API shows it (never its secret).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct CourierView {
    id: String,
    name: String,
    profile: String,
    box_capacity: i64,
    skills: Vec<String>,
    shift_start: String,
    shift_end: String,
    device_id: String,
    /// The latest accepted fix, as a GeoJSON Feature.
    position: Option<Value>,
    /// Where its phone posts fixes; shown only when the courier is created.
    #[serde(skip_serializing_if = "Option::is_none")]
    tracking_url_path: Option<String>,
}

/// A fix as a GeoJSON Feature.
pub(crate) fn fix_feature(f: &FixRecord) -> Value {
    json!({
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [f.lon, f.lat]},
        "properties": {
            "courier_id": f.courier_id,
            "time": format_ms(f.fix_ms),
            "received": format_ms(f.server_ms),
            "speed_mps": f.speed_mps,
            "bearing_deg": f.bearing_deg,
            "altitude_m": f.altitude_m,
            "accuracy_m": f.accuracy_m,
            "battery_pct": f.battery_pct,
            "source": f.source,
            "filtered": f.reason,
        }
    })
}

fn view(c: Courier, position: Option<&FixRecord>) -> CourierView {
    CourierView {
        id: c.id,
        name: c.name,
        profile: c.profile,
        box_capacity: c.box_capacity,
        skills: c.skills,
        shift_start: format_ms(c.shift_start_ms),
        shift_end: format_ms(c.shift_end_ms),
        device_id: c.device_id,
        position: position.map(fix_feature),
        tracking_url_path: None,
    }
}

/// Adds a courier; the answer carries its tracking URL path (with its secret), once.
#[utoipa::path(post, path = "/v1/couriers", tag = "couriers", request_body = NewCourier,
    security(("api_key" = [])),
    responses(
        (status = 201, description = "The courier, with `tracking_url_path` shown this once", body = CourierView),
        (status = 400, description = "An invalid value", body = ErrorBody),
        (status = 409, description = "The id or device id is taken", body = ErrorBody),
    ))]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<NewCourier>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<CourierView>), ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher])?;
    let Json(n) = body?;
    let (courier, secret) = courier_from(n, state.clock.now_ms())?;
    state.store.insert_courier(&courier).await?;
    let answer = CourierView {
        tracking_url_path: Some(format!("/osmand/{secret}")),
        ..view(courier, None)
    };
    Ok((StatusCode::CREATED, Json(answer)))
}

/// Validates a new courier; returns it with the secret of its tracking URL.
pub(crate) fn courier_from(n: NewCourier, now: i64) -> Result<(Courier, String), ApiError> {
    valid_id("id", &n.id)?;
    valid_id("device_id", &n.device_id)?;
    text("name", &n.name, 200)?;
    if n.profile.parse::<Profile>().is_err() {
        let names: Vec<&str> = Profile::ALL.iter().map(|p| p.name()).collect();
        return Err(ApiError::bad_request(
            "unknown_profile",
            format!("profile {:?} is not one of {}", n.profile, names.join(", ")),
        )
        .at("profile"));
    }
    if n.box_capacity < 0 {
        return Err(
            ApiError::bad_request("negative_capacity", "box_capacity must be 0 or more")
                .at("box_capacity"),
        );
    }
    let (start, end) = (
        time_field("shift_start", &n.shift_start)?,
        time_field("shift_end", &n.shift_end)?,
    );
    if end <= start {
        return Err(ApiError::bad_request(
            "shift_ends_before_start",
            "shift_end must come after shift_start",
        )
        .at("shift_end"));
    }
    let secret = new_secret("fr_trk_");
    let courier = Courier {
        id: n.id,
        name: n.name,
        profile: n.profile,
        box_capacity: n.box_capacity,
        skills: n.skills,
        shift_start_ms: start,
        shift_end_ms: end,
        device_id: n.device_id,
        secret_hash: hash(&secret),
        created_ms: now,
    };
    Ok((courier, secret))
}

/// Every courier with its latest position: the dispatcher's live view.
#[utoipa::path(get, path = "/v1/couriers", tag = "couriers", security(("api_key" = [])),
    responses((status = 200, description = "`{\"couriers\": [...]}`, by id", body = Value)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher])?;
    let couriers = state.store.couriers().await?;
    let latest = state.latest.read().await;
    let views: Vec<CourierView> = couriers
        .into_iter()
        .map(|c| {
            let position = latest.get(&c.id);
            view(c, position)
        })
        .collect();
    Ok(Json(json!({ "couriers": views })))
}

/// Gives a courier a new tracking secret (a lost phone, a newcomer's setup): the old
/// tracking URL stops working at once.
#[utoipa::path(post, path = "/v1/couriers/{id}/tracking-secret", tag = "couriers",
    security(("api_key" = [])),
    params(("id" = String, Path, description = "The courier's id")),
    responses(
        (status = 200, description = "The courier with its new `tracking_url_path`, shown this once", body = CourierView),
        (status = 404, description = "No such courier", body = ErrorBody),
    ))]
pub(crate) async fn new_tracking_secret(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<CourierView>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher])?;
    let courier = known_courier(&state, &id).await?;
    let secret = new_secret("fr_trk_");
    if !state.store.set_courier_secret(&id, &hash(&secret)).await? {
        return Err(unknown_courier(&id));
    }
    state.forget_secret_of(&id).await;
    let latest = state.latest.read().await;
    Ok(Json(CourierView {
        tracking_url_path: Some(format!("/osmand/{secret}")),
        ..view(courier, latest.get(&id))
    }))
}

async fn known_courier(state: &AppState, id: &str) -> Result<Courier, ApiError> {
    state
        .store
        .courier(id)
        .await?
        .ok_or_else(|| unknown_courier(id))
}

/// 404 for a courier id no courier has.
pub(crate) fn unknown_courier(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_courier",
        format!("no courier has id {id:?}"),
    )
}

/// A courier with its latest position.
#[utoipa::path(get, path = "/v1/couriers/{id}", tag = "couriers", security(("api_key" = [])),
    params(("id" = String, Path, description = "The courier's id")),
    responses(
        (status = 200, description = "The courier", body = CourierView),
        (status = 404, description = "No such courier", body = ErrorBody),
    ))]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<CourierView>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher, Role::Courier])?;
    caller.may_act_for(&id)?;
    let courier = known_courier(&state, &id).await?;
    let latest = state.latest.read().await;
    Ok(Json(view(courier, latest.get(&id))))
}

/// Time range of a fix listing.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(crate) struct Range {
    /// Earliest fix time (ISO 8601, or epoch seconds or milliseconds).
    from: Option<String>,
    /// Latest fix time.
    to: Option<String>,
}

/// Every fix received from a courier, accepted or filtered (with the reason), by fix time.
#[utoipa::path(get, path = "/v1/couriers/{id}/fixes", tag = "couriers", security(("api_key" = [])),
    params(("id" = String, Path, description = "The courier's id"), Range),
    responses(
        (status = 200, description = "A GeoJSON FeatureCollection of fixes", body = Value),
        (status = 404, description = "No such courier", body = ErrorBody),
    ))]
pub(crate) async fn fixes(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(range): Query<Range>,
) -> Result<Json<Value>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher, Role::Courier])?;
    caller.may_act_for(&id)?;
    known_courier(&state, &id).await?;
    let from = range
        .from
        .as_deref()
        .map(|t| time_field("from", t))
        .transpose()?;
    let to = range
        .to
        .as_deref()
        .map(|t| time_field("to", t))
        .transpose()?;
    let list = state
        .store
        .fixes(&id, from.unwrap_or(i64::MIN), to.unwrap_or(i64::MAX))
        .await?;
    let features: Vec<Value> = list.iter().map(fix_feature).collect();
    Ok(Json(
        json!({"type": "FeatureCollection", "features": features}),
    ))
}
