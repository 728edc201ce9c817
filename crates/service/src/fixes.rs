//! GPS ingest endpoints: a JSON batch for gateways and couriers' own apps, and the
//! OsmAnd protocol for phones running the Traccar Client.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use freshroute_store::{Courier, Role, Storage};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::auth::{Caller, hash};
use crate::couriers::unknown_courier;
use crate::ingest::{IncomingFix, ingest};
use crate::rules::Filtered;
use crate::state::AppState;
use crate::time::parse_timestamp;
use crate::{ApiError, ErrorBody, osmand};

/// Most fixes one batch may carry.
pub(crate) const MAX_BATCH: usize = 10_000;

/// A time as epoch milliseconds (a JSON integer) or ISO 8601 text.
#[derive(Debug, Clone, Copy, utoipa::ToSchema)]
#[schema(value_type = String, example = "2026-11-25T18:12:31Z")]
pub(crate) struct Millis(i64);

impl<'de> Deserialize<'de> for Millis {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Number(n) => n
                .as_i64()
                .map(Millis)
                .ok_or_else(|| serde::de::Error::custom("time must be whole epoch milliseconds")),
            Value::String(s) => parse_timestamp(&s)
                .map(Millis)
                .map_err(serde::de::Error::custom),
            _ => Err(serde::de::Error::custom(
                "time must be epoch milliseconds or ISO 8601 text",
            )),
        }
    }
}

/// One fix of a batch.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BatchFix {
    courier_id: String,
    time: Millis,
    lat: f64,
    lon: f64,
    speed_mps: Option<f64>,
    bearing_deg: Option<f64>,
    altitude_m: Option<f64>,
    accuracy_m: Option<f64>,
    battery_pct: Option<f64>,
}

/// A batch of fixes.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Batch {
    fixes: Vec<BatchFix>,
}

/// The verdict on one fix.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Outcome {
    /// Its place in the batch, from 0 (absent for a single report).
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<usize>,
    /// `accepted`, or `filtered` (stored, not used as the courier's position).
    #[schema(example = "accepted")]
    status: &'static str,
    /// Why it was filtered: `stale`, `future`, `poor_accuracy`, `impossible_speed`, …
    reason: Option<String>,
}

impl Outcome {
    fn of(index: Option<usize>, reason: Option<String>) -> Self {
        let status = if reason.is_none() {
            "accepted"
        } else {
            "filtered"
        };
        Self {
            index,
            status,
            reason,
        }
    }
}

/// The verdicts on a batch.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct BatchOutcome {
    /// Fixes accepted.
    accepted: usize,
    /// Fixes stored but filtered out.
    filtered: usize,
    /// Each fix's verdict, in the batch's order.
    results: Vec<Outcome>,
}

/// Stores a batch of up to 10,000 fixes; every fix is durable when the answer comes, and
/// the answer gives each one's verdict (accepted, or filtered with the reason).
#[utoipa::path(post, path = "/v1/fixes", tag = "fixes", request_body = Batch,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "`accepted`, `filtered`, and `results` with each fix's `index`, `status` and `reason`", body = BatchOutcome),
        (status = 403, description = "A courier key posting another courier's fix", body = ErrorBody),
        (status = 404, description = "An unknown courier; nothing was stored", body = ErrorBody),
        (status = 413, description = "More than 10,000 fixes, or more than 4 MiB", body = ErrorBody),
    ))]
pub(crate) async fn batch(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<Batch>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<BatchOutcome>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher, Role::Courier])?;
    let Json(batch) = body?;
    if batch.fixes.len() > MAX_BATCH {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!(
                "{} fixes in one batch; send at most {MAX_BATCH}",
                batch.fixes.len()
            ),
        )
        .at("fixes"));
    }
    let mut couriers: Vec<Courier> = Vec::new();
    let mut fixes = Vec::with_capacity(batch.fixes.len());
    for (i, f) in batch.fixes.into_iter().enumerate() {
        caller
            .may_act_for(&f.courier_id)
            .map_err(|e| e.at(format!("fixes[{i}].courier_id")))?;
        let c = match couriers.iter().position(|c| c.id == f.courier_id) {
            Some(c) => c,
            None => {
                let found = state.store.courier(&f.courier_id).await?.ok_or_else(|| {
                    let e = unknown_courier(&f.courier_id);
                    let message = format!("{}; nothing was stored", e.message);
                    ApiError { message, ..e }.at(format!("fixes[{i}].courier_id"))
                })?;
                couriers.push(found);
                couriers.len() - 1
            }
        };
        let fix = IncomingFix {
            fix_ms: f.time.0,
            lat: f.lat,
            lon: f.lon,
            speed_mps: f.speed_mps,
            bearing_deg: f.bearing_deg,
            altitude_m: f.altitude_m,
            accuracy_m: f.accuracy_m,
            battery_pct: f.battery_pct,
        };
        fix.check()
            .map_err(|b| b.at(format!("fixes[{i}].{}", b.name)))?;
        fixes.push((c, fix));
    }
    let verdicts = ingest(&state, &couriers, &fixes, "batch").await?;
    let accepted = verdicts.iter().filter(|v| v.is_none()).count();
    let results: Vec<Outcome> = verdicts
        .into_iter()
        .enumerate()
        .map(|(index, reason)| Outcome::of(Some(index), reason))
        .collect();
    Ok(Json(BatchOutcome {
        accepted,
        filtered: results.len() - accepted,
        results,
    }))
}

/// One report of the Traccar Client (OsmAnd protocol), in any of its forms: query or
/// form parameters (`id`, `timestamp`, `lat`, `lon` or `location`, `speed` in knots,
/// `bearing`, `altitude`, `accuracy`, `batt`), or the JSON body of Traccar Client 9+.
#[utoipa::path(method(get, post), path = "/osmand/{secret}", tag = "fixes",
    params(("secret" = String, Path, description = "The courier's tracking secret, from `tracking_url_path`")),
    request_body(description = "Nothing (parameters in the query), form parameters, or Traccar Client 9 JSON",
        content((String = "application/x-www-form-urlencoded"), (Value = "application/json"))),
    responses(
        (status = 200, description = "`status` accepted or filtered, with the `reason`", body = Outcome),
        (status = 400, description = "Malformed parameters, or a fix that can never be right", body = ErrorBody),
        (status = 401, description = "Unknown tracking secret", body = ErrorBody),
        (status = 403, description = "The device is not this courier's", body = ErrorBody),
        (status = 429, description = "Reports faster than any phone sends", body = ErrorBody),
    ))]
/// The secret in the path names the courier; the device id must be that courier's.
pub(crate) async fn osmand(
    State(state): State<AppState>,
    Path(secret): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Outcome>, ApiError> {
    let now = state.clock.now_ms();
    let courier = state
        .courier_by_secret(&hash(&secret))
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_tracking_secret",
                "this tracking URL is not known: copy the courier's tracking_url_path into the app's server URL",
            )
        })?;
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
        || body.first() == Some(&b'{');
    let report = match query.as_deref().filter(|q| !q.is_empty()) {
        Some(q) => osmand::from_params(&form(q.as_bytes())?, now)?,
        None if is_json => osmand::from_json(&body, now)?,
        None => osmand::from_params(&form(&body)?, now)?,
    };
    if !state.limiter.allow(&courier.id) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "this device sends reports faster than any phone should; slow down and retry",
        ));
    }
    if report.device_id != courier.device_id {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "device_mismatch",
            format!(
                "device {:?} is not the device of this tracking URL's courier",
                report.device_id
            ),
        )
        .at("id"));
    }
    let verdicts = ingest(
        &state,
        std::slice::from_ref(&courier),
        &[(0, report.fix)],
        "osmand",
    )
    .await?;
    let reason = verdicts.into_iter().next().flatten();
    // The fix is stored either way; a device that sends what can never be right hears so.
    if let Some(r) = reason.as_deref()
        && let Some(refusal) = Filtered::ALL
            .into_iter()
            .find(|f| f.code() == r && f.is_refusal())
    {
        return Err(ApiError::bad_request(
            refusal.code(),
            format!("the fix was recorded but not used: {r}"),
        ));
    }
    Ok(Json(Outcome::of(None, reason)))
}

fn form(bytes: &[u8]) -> Result<Vec<(String, String)>, ApiError> {
    serde_urlencoded::from_bytes(bytes).map_err(|e| {
        ApiError::bad_request(
            "malformed_parameters",
            format!("the parameters are not URL-encoded: {e}"),
        )
    })
}
