//! Couriers: added by dispatchers, each with a secret tracking URL for its phone.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use freshroute_calendar::CalendarError;
use freshroute_roads::Profile;
use freshroute_store::{Courier, Duty, FixRecord, Role, Roster, Storage, Zone};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::{Caller, hash, new_secret};
use crate::fields::{text, time_field, valid_id};
use crate::geojson::{Feature, FeatureCollection};
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
    /// IANA time zone its roster is read in; the chain's when left out.
    #[serde(default)]
    #[schema(example = "Europe/Lisbon")]
    time_zone: Option<String>,
    /// Weekly shifts in local time with dated exceptions (a day off, an extra shift).
    #[serde(default)]
    roster: Option<Roster>,
    /// A one-off shift besides the roster: on duty from `shift_start` (ISO 8601 with
    /// its offset) …
    #[serde(default)]
    #[schema(example = "2026-11-25T08:00:00Z")]
    shift_start: Option<String>,
    /// … to `shift_end`.
    #[serde(default)]
    #[schema(example = "2026-11-25T16:00:00Z")]
    shift_end: Option<String>,
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
    /// IANA time zone of its roster.
    time_zone: String,
    roster: Roster,
    /// A dispatcher's on- or off-duty word over the roster, while it lasts.
    duty: Option<DutyView>,
    /// Its shift now: the one under way, or the next to begin within three hours; `null`
    /// when it is off duty.
    shift: Option<ShiftView>,
    device_id: String,
    /// When it was retired (kept for history; never planned).
    retired: Option<String>,
    /// The latest accepted fix, as a GeoJSON Feature.
    position: Option<Feature<FixProperties>>,
    /// Where its phone posts fixes; shown only when the courier is created.
    #[serde(skip_serializing_if = "Option::is_none")]
    tracking_url_path: Option<String>,
    /// The same as a full URL, the server address the Traccar Client app wants.
    #[serde(skip_serializing_if = "Option::is_none")]
    tracking_url: Option<String>,
}

/// What a fix says, as its Feature's properties.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct FixProperties {
    courier_id: String,
    /// When the phone took it, ISO 8601.
    time: String,
    /// When the service received it.
    received: String,
    speed_mps: Option<f64>,
    /// Degrees clockwise from north.
    bearing_deg: Option<f64>,
    altitude_m: Option<f64>,
    accuracy_m: Option<f64>,
    battery_pct: Option<f64>,
    /// `batch` or `osmand`.
    source: String,
    /// Why it was not used as the courier's position; `null` when it was.
    filtered: Option<String>,
}

/// A fix as a GeoJSON Feature.
pub(crate) fn fix_feature(f: &FixRecord) -> Feature<FixProperties> {
    let properties = FixProperties {
        courier_id: f.courier_id.clone(),
        time: format_ms(f.fix_ms),
        received: format_ms(f.server_ms),
        speed_mps: f.speed_mps,
        bearing_deg: f.bearing_deg,
        altitude_m: f.altitude_m,
        accuracy_m: f.accuracy_m,
        battery_pct: f.battery_pct,
        source: f.source.clone(),
        filtered: f.reason.clone(),
    };
    Feature::new(None, crate::places::point(f.lat, f.lon), properties)
}

/// On or off duty, from when until when.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct DutyView {
    on_duty: bool,
    from: String,
    until: String,
}

/// A shift's start and end.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ShiftView {
    starts: String,
    ends: String,
}

pub(crate) fn view(c: Courier, position: Option<&FixRecord>, now_ms: i64) -> CourierView {
    let zone: Zone = c.time_zone.parse().unwrap_or(Zone::UTC);
    let shift = c.shift_at(now_ms).map(|w| ShiftView {
        starts: zone.format(w.start_ms),
        ends: zone.format(w.end_ms),
    });
    let duty = c.duty.filter(|d| d.until_ms > now_ms).map(|d| DutyView {
        on_duty: d.on,
        from: zone.format(d.from_ms),
        until: zone.format(d.until_ms),
    });
    CourierView {
        id: c.id,
        name: c.name,
        profile: c.profile,
        box_capacity: c.box_capacity,
        skills: c.skills,
        time_zone: c.time_zone,
        roster: c.roster,
        duty,
        shift,
        device_id: c.device_id,
        retired: c.retired_ms.map(|t| zone.format(t)),
        position: position.map(fix_feature),
        tracking_url_path: None,
        tracking_url: None,
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
    let now = state.clock.now_ms();
    let (courier, secret) = courier_from(n, now, state.time_zone)?;
    state.store.insert_courier(&courier).await?;
    let answer = CourierView {
        tracking_url_path: Some(format!("/osmand/{secret}")),
        tracking_url: Some(format!("{}/osmand/{secret}", state.public_base_url)),
        ..view(courier, None, now)
    };
    Ok((StatusCode::CREATED, Json(answer)))
}

/// Validates a new courier (its time zone the chain's when it names none); returns it with
/// the secret of its tracking URL.
pub(crate) fn courier_from(
    n: NewCourier,
    now: i64,
    chain_zone: Zone,
) -> Result<(Courier, String), ApiError> {
    valid_id("id", &n.id)?;
    valid_id("device_id", &n.device_id)?;
    text("name", &n.name, 200)?;
    check_profile(&n.profile)?;
    check_capacity(n.box_capacity)?;
    let time_zone = zone_field("time_zone", n.time_zone.as_deref(), chain_zone)?;
    let roster = n.roster.unwrap_or_default();
    roster
        .check()
        .map_err(|e| ApiError::from(e.under("roster")))?;
    let duty = match (n.shift_start, n.shift_end) {
        (None, None) => None,
        (Some(start), Some(end)) => Some(on_duty_window(&start, &end)?),
        (Some(_), None) => return Err(missing("shift_end", "shift_start")),
        (None, Some(_)) => return Err(missing("shift_start", "shift_end")),
    };
    let secret = new_secret("fr_trk_");
    let courier = Courier {
        id: n.id,
        name: n.name,
        profile: n.profile,
        box_capacity: n.box_capacity,
        skills: n.skills,
        time_zone: time_zone.name().to_string(),
        roster,
        duty,
        device_id: n.device_id,
        secret_hash: hash(&secret),
        created_ms: now,
        retired_ms: None,
    };
    Ok((courier, secret))
}

fn missing(field: &str, with: &str) -> ApiError {
    ApiError::bad_request("missing_field", format!("{with} needs {field} too")).at(field)
}

/// A time zone field, or `default` when it is left out.
pub(crate) fn zone_field(
    field: &str,
    value: Option<&str>,
    default: Zone,
) -> Result<Zone, ApiError> {
    match value {
        None => Ok(default),
        Some(v) => v.parse().map_err(|e: CalendarError| e.under(field).into()),
    }
}

/// A one-off shift, `shift_start` to `shift_end`, as an on-duty window.
fn on_duty_window(start: &str, end: &str) -> Result<Duty, ApiError> {
    let (start, end) = (
        time_field("shift_start", start)?,
        time_field("shift_end", end)?,
    );
    if end <= start {
        return Err(ApiError::bad_request(
            "shift_ends_before_start",
            "shift_end must come after shift_start",
        )
        .at("shift_end"));
    }
    Ok(Duty {
        on: true,
        from_ms: start,
        until_ms: end,
    })
}

pub(crate) fn check_profile(profile: &str) -> Result<(), ApiError> {
    if profile.parse::<Profile>().is_err() {
        let names: Vec<&str> = Profile::ALL.iter().map(|p| p.name()).collect();
        return Err(ApiError::bad_request(
            "unknown_profile",
            format!("profile {profile:?} is not one of {}", names.join(", ")),
        )
        .at("profile"));
    }
    Ok(())
}

pub(crate) fn check_capacity(box_capacity: i64) -> Result<(), ApiError> {
    let (code, message) = match box_capacity {
        ..0 => ("negative_capacity", "box_capacity must be 0 or more"),
        1_000_001.. => (
            "capacity_too_large",
            "box_capacity is at most 1,000,000 box units",
        ),
        _ => return Ok(()),
    };
    Err(ApiError::bad_request(code, message).at("box_capacity"))
}

/// Every courier with its latest position: the dispatcher's live view.
#[utoipa::path(get, path = "/v1/couriers", tag = "couriers", security(("api_key" = [])),
    responses((status = 200, description = "A GeoJSON FeatureCollection of couriers by id: each a Feature at its latest position (`geometry` null before its first fix), its details, roster, shift now and latest fix in `properties`", body = FeatureCollection<Feature<CourierView>>)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<FeatureCollection<Feature<CourierView>>>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher])?;
    let couriers = state.store.couriers().await?;
    let now = state.clock.now_ms();
    let latest = state.latest.read().await;
    let features = couriers
        .into_iter()
        .map(|c| {
            let position = latest.get(&c.id);
            let geometry = position.map_or(Value::Null, |f| crate::places::point(f.lat, f.lon));
            let id = c.id.clone();
            Feature::new(Some(id), geometry, view(c, position, now))
        })
        .collect();
    Ok(Json(FeatureCollection::of(features)))
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
        tracking_url: Some(format!("{}/osmand/{secret}", state.public_base_url)),
        ..view(courier, latest.get(&id), state.clock.now_ms())
    }))
}

pub(crate) async fn known_courier(state: &AppState, id: &str) -> Result<Courier, ApiError> {
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
    Ok(Json(view(courier, latest.get(&id), state.clock.now_ms())))
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
        (status = 200, description = "A GeoJSON FeatureCollection of fixes", body = FeatureCollection<Feature<FixProperties>>),
        (status = 404, description = "No such courier", body = ErrorBody),
    ))]
pub(crate) async fn fixes(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(range): Query<Range>,
) -> Result<Json<FeatureCollection<Feature<FixProperties>>>, ApiError> {
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
    Ok(Json(FeatureCollection::of(
        list.iter().map(fix_feature).collect(),
    )))
}
