//! Changing couriers: their details and roster (PATCH), putting them on or off duty now,
//! and retiring them (kept for history and audit, never planned again).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use freshroute_store::{Courier, Duty, OrderStatus, Role, Roster, Storage, Zone};
use serde::Deserialize;

use crate::auth::Caller;
use crate::couriers::{
    CourierView, check_capacity, check_profile, known_courier, unknown_courier, view, zone_field,
};
use crate::fields::{text, time_field, valid_id};
use crate::state::AppState;
use crate::{ApiError, ErrorBody};

/// How long "on duty now" lasts when the dispatcher names no end, ms.
const DEFAULT_DUTY_MS: i64 = 8 * 3_600_000;

/// What to change of a courier; fields left out stay as they are.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CourierChanges {
    name: Option<String>,
    /// `car`, `scooter` or `bike`.
    profile: Option<String>,
    box_capacity: Option<i64>,
    skills: Option<Vec<String>>,
    device_id: Option<String>,
    /// IANA time zone of its roster.
    time_zone: Option<String>,
    /// The whole roster, replacing the one it had.
    roster: Option<Roster>,
}

/// Changes a courier's details or roster.
#[utoipa::path(patch, path = "/v1/couriers/{id}", tag = "couriers", request_body = CourierChanges,
    security(("api_key" = [])),
    params(("id" = String, Path, description = "The courier's id")),
    responses(
        (status = 200, description = "The courier as it now is", body = CourierView),
        (status = 400, description = "An invalid value", body = ErrorBody),
        (status = 404, description = "No such courier", body = ErrorBody),
        (status = 409, description = "The device id is another courier's, or the courier is retired", body = ErrorBody),
    ))]
pub(crate) async fn change(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Json<CourierChanges>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<CourierView>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher])?;
    let Json(changes) = body?;
    let mut c = active_courier(&state, &id).await?;
    apply(&mut c, changes)?;
    store(&state, &c).await
}

fn apply(c: &mut Courier, n: CourierChanges) -> Result<(), ApiError> {
    if let Some(name) = n.name {
        text("name", &name, 200)?;
        c.name = name;
    }
    if let Some(profile) = n.profile {
        check_profile(&profile)?;
        c.profile = profile;
    }
    if let Some(capacity) = n.box_capacity {
        check_capacity(capacity)?;
        c.box_capacity = capacity;
    }
    if let Some(skills) = n.skills {
        c.skills = skills;
    }
    if let Some(device) = n.device_id {
        valid_id("device_id", &device)?;
        c.device_id = device;
    }
    if let Some(zone) = n.time_zone {
        c.time_zone = zone_field("time_zone", Some(&zone), Zone::UTC)?
            .name()
            .to_string();
    }
    if let Some(roster) = n.roster {
        roster
            .check()
            .map_err(|e| ApiError::from(e.under("roster")))?;
        c.roster = roster;
    }
    Ok(())
}

/// On or off duty now, over the roster.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DutyChange {
    /// `true`: on duty from now; `false`: off duty from now (sent home, ill).
    on_duty: bool,
    /// Until when (ISO 8601 with its offset). On duty: 8 hours when left out; off duty:
    /// the end of the shift under way or next, else 8 hours.
    #[schema(example = "2026-12-03T18:00:00+00:00")]
    until: Option<String>,
}

/// Puts a courier on duty now (an extra hand at a rush) or off duty now (sent home),
/// whatever its roster says, until a given time; the plan is made again at once.
#[utoipa::path(post, path = "/v1/couriers/{id}/duty", tag = "couriers", request_body = DutyChange,
    security(("api_key" = [])),
    params(("id" = String, Path, description = "The courier's id")),
    responses(
        (status = 200, description = "The courier with its duty and shift now", body = CourierView),
        (status = 400, description = "An invalid value", body = ErrorBody),
        (status = 404, description = "No such courier", body = ErrorBody),
        (status = 409, description = "The courier is retired", body = ErrorBody),
    ))]
pub(crate) async fn duty(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Json<DutyChange>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<CourierView>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher])?;
    let Json(change) = body?;
    let now = state.clock.now_ms();
    let mut c = active_courier(&state, &id).await?;
    let until = match change.until.as_deref() {
        Some(t) => time_field("until", t)?,
        None if change.on_duty => now + DEFAULT_DUTY_MS,
        None => c.shift_at(now).map_or(now + DEFAULT_DUTY_MS, |w| w.end_ms),
    };
    if until <= now {
        return Err(
            ApiError::bad_request("until_not_after_now", "until must be later than now")
                .at("until"),
        );
    }
    if until > now + 7 * 24 * 3_600_000 {
        return Err(ApiError::bad_request(
            "until_too_far",
            "until must be within a week; change the roster for longer",
        )
        .at("until"));
    }
    c.duty = Some(Duty {
        on: change.on_duty,
        from_ms: now,
        until_ms: until,
    });
    let answer = store(&state, &c).await?;
    state.plan_wake.notify_one();
    Ok(answer)
}

/// Retires a courier: kept for history and audit, never planned again, its phone's
/// fixes and its keys refused. One who still has orders is refused until they are handed over.
#[utoipa::path(delete, path = "/v1/couriers/{id}", tag = "couriers",
    security(("api_key" = [])),
    params(("id" = String, Path, description = "The courier's id")),
    responses(
        (status = 200, description = "The retired courier", body = CourierView),
        (status = 404, description = "No such courier", body = ErrorBody),
        (status = 409, description = "The courier still has orders, or is retired already", body = ErrorBody),
    ))]
pub(crate) async fn retire(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<CourierView>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher])?;
    let mut c = active_courier(&state, &id).await?;
    for status in [OrderStatus::Assigned, OrderStatus::PickedUp] {
        let held = state.store.orders(Some(status), None, 1_000).await?;
        if let Some(o) = held.iter().find(|o| o.courier_id.as_deref() == Some(&id)) {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "courier_has_orders",
                format!(
                    "courier {id:?} still has order {:?} ({}): give it to another courier first",
                    o.id,
                    status.as_str()
                ),
            ));
        }
    }
    let now = state.clock.now_ms();
    c.retired_ms = Some(now);
    let answer = store(&state, &c).await?;
    for key in state.store.api_keys().await? {
        if key.courier_id.as_deref() == Some(id.as_str()) && key.revoked_ms.is_none() {
            state.store.revoke_api_key(&key.key_hash, now).await?;
        }
    }
    state.plan_wake.notify_one();
    Ok(answer)
}

/// A courier that is not retired.
async fn active_courier(state: &AppState, id: &str) -> Result<Courier, ApiError> {
    let c = known_courier(state, id).await?;
    if c.retired_ms.is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "courier_retired",
            format!("courier {id:?} is retired: add a new courier instead"),
        ));
    }
    Ok(c)
}

async fn store(state: &AppState, c: &Courier) -> Result<Json<CourierView>, ApiError> {
    if !state.store.update_courier(c).await? {
        return Err(unknown_courier(&c.id));
    }
    state.forget_secret_of(&c.id).await;
    let latest = state.latest.read().await;
    Ok(Json(view(
        c.clone(),
        latest.get(&c.id),
        state.clock.now_ms(),
    )))
}
