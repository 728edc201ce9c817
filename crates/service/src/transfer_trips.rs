//! The van trips that drive the approved transfers on their way, for dispatchers:
//! each donor → receiver pair and zone a shipment within the zone's ride limit, vans
//! from the store nearest the chain's middle, planned by the routing solver and
//! compared with one direct trip per pair.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use freshroute_dispatch::transfer_trips::{TripLoad, TripOptions, Van, matrix_of, plan_trips};
use freshroute_store::{Shop, Storage, Transfer, TransferStatus, Transfers};
use serde::Serialize;

use crate::ApiError;
use crate::auth::Caller;
use crate::error::ErrorBody;
use crate::state::AppState;
use crate::transfer_proposals::{drive_table, trip_rates, zone_index};
use crate::transfers::READERS;

/// The room of each van that drives transfers, per zone (frozen, chilled, ambient),
/// millilitres; how many there are is `PurchasingPolicy::transfer_vans`.
pub(crate) const VAN_ROOM_ML: [i64; 3] = [200_000, 500_000, 1_500_000];
/// How long a van may be out, seconds.
const SHIFT_S: i64 = 10 * 3600;

/// A stop on a trip.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TripStopView {
    pub(crate) store_id: String,
    /// `pickup` or `delivery`.
    pub(crate) action: &'static str,
    /// The transfers picked up or delivered here.
    pub(crate) transfers: Vec<String>,
    /// When, ISO 8601 with its offset.
    pub(crate) at: String,
}

/// One van's trip.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TripView {
    pub(crate) van: usize,
    pub(crate) stops: Vec<TripStopView>,
    pub(crate) metres: i64,
    pub(crate) minutes: i64,
}

/// The trips of the transfers on their way.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TripsView {
    /// Where the vans start and end.
    pub(crate) depot: Option<String>,
    pub(crate) trips: Vec<TripView>,
    /// Transfers no van could take, with the solver's reason.
    pub(crate) left_out: Vec<(String, &'static str)>,
    /// One direct trip per donor → receiver pair, for comparison.
    pub(crate) direct_trips: usize,
    pub(crate) direct_metres: i64,
    /// Cold-chain, room and shift breaches the independent checker found (0).
    pub(crate) violations: usize,
}

/// Plans the van trips of the approved transfers not yet delivered.
#[utoipa::path(get, path = "/v1/transfers/trips", tag = "procurement",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The trips, stop by stop, against direct trips", body = TripsView),
        (status = 503, description = "The trips could not be planned (`trips_unplanned`)", body = ErrorBody),
    ))]
pub(crate) async fn trips(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<TripsView>, ApiError> {
    caller.require(&READERS)?;
    let on_the_way = state
        .store
        .transfers(Some(TransferStatus::Approved))
        .await?;
    let shops: Vec<Shop> = state.store.shops().await?;
    Ok(Json(plan(&state, &on_the_way, &shops).await?))
}

/// The trips of `on_the_way`, the approved transfers, between `shops`.
pub(crate) async fn plan(
    state: &AppState,
    on_the_way: &[Transfer],
    shops: &[Shop],
) -> Result<TripsView, ApiError> {
    let index: HashMap<&str, usize> = shops
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let unit_ml = |sku: &str| {
        state
            .procurement
            .as_deref()
            .and_then(|d| d.catalog.skus.iter().find(|s| s.id == sku))
            .map_or(1_000, |s| s.unit_ml)
    };
    let max_ride_s = trip_rates(state).max_ride_s;
    let mut loads: Vec<TripLoad> = Vec::new();
    let mut carried: Vec<Vec<String>> = Vec::new();
    for t in on_the_way {
        let (Some(&from), Some(&to)) = (
            index.get(t.from_shop.as_str()),
            index.get(t.to_shop.as_str()),
        ) else {
            continue;
        };
        let z = zone_index(t.zone);
        let k = match loads
            .iter()
            .position(|l| l.from == from && l.to == to && l.ml[z] > 0)
        {
            Some(k) => k,
            None => {
                loads.push(TripLoad {
                    from,
                    to,
                    ml: [0; 3],
                    max_ride_s: Some(max_ride_s[z]),
                });
                carried.push(Vec::new());
                loads.len() - 1
            }
        };
        loads[k].ml[z] += t.units * unit_ml(&t.sku);
        carried[k].push(t.id.clone());
    }
    let depot = middle(shops);
    if loads.is_empty() || depot.is_none() {
        return Ok(TripsView {
            depot: depot.map(|d| shops[d].id.clone()),
            trips: Vec::new(),
            left_out: Vec::new(),
            direct_trips: 0,
            direct_metres: 0,
            violations: 0,
        });
    }
    let depot = depot.unwrap_or(0);
    let table = matrix_of(&drive_table(state, shops));
    let vans = vec![
        Van {
            depot,
            capacity_ml: VAN_ROOM_ML,
            shift: (0, SHIFT_S)
        };
        state.purchasing.transfer_vans.max(1)
    ];
    let planned = tokio::task::spawn_blocking(move || {
        plan_trips(&loads, &vans, &table, &TripOptions::default())
    })
    .await
    .map_err(|e| unplanned(e.to_string()))?
    .map_err(|e| unplanned(format!("{e} ({})", e.code())))?;
    let now = state.clock.now_ms();
    let trips = planned
        .trips
        .iter()
        .map(|trip| TripView {
            van: trip.van,
            stops: trip
                .stops
                .iter()
                .map(|s| TripStopView {
                    store_id: shops[s.place].id.clone(),
                    action: if s.pickup { "pickup" } else { "delivery" },
                    transfers: carried.get(s.load).cloned().unwrap_or_default(),
                    at: state.time_zone.format(now + s.at_s * 1000),
                })
                .collect(),
            metres: trip.metres,
            minutes: (trip.seconds + 59) / 60,
        })
        .collect();
    Ok(TripsView {
        depot: Some(shops[depot].id.clone()),
        trips,
        left_out: planned
            .unassigned
            .iter()
            .flat_map(|&(k, why)| {
                carried
                    .get(k)
                    .into_iter()
                    .flatten()
                    .map(move |id| (id.clone(), why))
            })
            .collect(),
        direct_trips: planned.direct_trips,
        direct_metres: planned.direct_metres,
        violations: planned.violations,
    })
}

fn unplanned(why: String) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "trips_unplanned",
        format!("the transfer trips could not be planned ({why}); retry"),
    )
}

/// The open store nearest the stores' mean position.
fn middle(shops: &[Shop]) -> Option<usize> {
    let open: Vec<usize> = (0..shops.len())
        .filter(|&i| shops[i].retired_ms.is_none())
        .collect();
    let n = open.len() as f64;
    let (lat, lon) = open.iter().fold((0.0, 0.0), |(a, b), &i| {
        (a + shops[i].lat / n, b + shops[i].lon / n)
    });
    open.into_iter().min_by(|&a, &b| {
        let d = |i: usize| (shops[i].lat - lat).powi(2) + (shops[i].lon - lon).powi(2);
        d(a).total_cmp(&d(b))
    })
}
