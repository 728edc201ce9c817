//! Transfer proposals from what the service holds: every open store's lots in the
//! ledger, the latest round's forecast per store and article (from today on), the
//! stores' room, the catalog's prices and the dispatcher's cold-chain ride limits, and
//! the drive between stores on the city's roads. The region's transfer model (in the
//! solver) proposes; the proposals replace the open ones; those worth less than the
//! configured value are approved on their own. A crossing of an alert line wakes the
//! proposer; so does a planner's request and a refused approval.

use std::collections::HashMap;
use std::sync::Arc;

use freshroute_dispatch::ColdChain;
use freshroute_dispatch::travel::{Place, Travel};
use freshroute_procurement::transfers::{TripRates, problem, transfer_article};
use freshroute_roads::Profile;
use freshroute_solver::procurement::{Lot, StoreProblem};
use freshroute_solver::transfers::{Position, Store, TransferProblem, propose};
use freshroute_store::{
    Decided, Decision, Ledger, Purchasing, Shop, StockLot, Storage, StorageZone, Transfer,
    TransferStatus, Transfers,
};
use serde_json::json;

use crate::ApiError;
use crate::rounds::ProcurementData;
use crate::state::AppState;
use crate::stock::{storage_zone, today};

/// Who approves proposals on their own.
pub(crate) const AUTO: &str = "auto";

/// What a proposal run did.
#[derive(Debug, Default)]
pub(crate) struct Proposed {
    /// The proposals stored (approved ones included).
    pub(crate) transfers: Vec<Transfer>,
    /// Milliseconds from reading the stock to storing the proposals.
    pub(crate) took_ms: i64,
    /// Store × article needs the model considered.
    pub(crate) needs: usize,
    /// Why nothing could be proposed, when so: `no_round`, `no_catalog`.
    pub(crate) notice: Option<&'static str>,
}

/// Proposes the region's transfers now and stores them.
pub(crate) async fn propose_now(state: &AppState) -> Result<Proposed, ApiError> {
    let started = std::time::Instant::now();
    let Some(data) = state.procurement.clone() else {
        return Ok(nothing("no_catalog"));
    };
    let Some(round) = state.store.latest_round().await? else {
        return Ok(nothing("no_round"));
    };
    let shops: Vec<Shop> = state
        .store
        .shops()
        .await?
        .into_iter()
        .filter(|s| s.retired_ms.is_none())
        .collect();
    let mut models = Vec::with_capacity(shops.len());
    for s in &shops {
        let model = state.store.store_model(&round.id, &s.id).await?;
        models.push(model.and_then(|m| serde_json::from_value::<StoreProblem>(m.model).ok()));
    }
    // Units on their way count as the receiver's: proposed again, they would travel twice.
    let mut stock = state.store.stock(None).await?;
    stock.extend(state.store.on_the_way().await?);
    let day = today(state);
    let offset = chrono::NaiveDate::parse_from_str(&round.plan_date, "%Y-%m-%d")
        .map_or(0, |d| (day - d).num_days().max(0) as usize);
    let rates = trip_rates(state);
    let travel = drive_table(state, &shops);
    let now = state.clock.now_ms();
    let problem = region(
        &data,
        &shops,
        &models,
        &stock,
        offset,
        &day.to_string(),
        now,
        &travel,
        &rates,
    );
    let plan = tokio::task::spawn_blocking(move || propose(&problem).map(|p| (p, problem)))
        .await
        .map_err(|e| unavailable("transfer_model_failed", e.to_string()))?
        .map_err(|e| unavailable(e.code(), e.to_string()))?;
    let (plan, problem) = plan;
    let rows = rows(&problem, &plan, &data, now, day);
    state.store.propose_transfers(&rows, now).await?;
    let mut stored = Vec::with_capacity(rows.len());
    for t in rows {
        stored.push(auto_approve(state, t, &day.to_string(), now).await?);
    }
    Ok(Proposed {
        transfers: stored,
        took_ms: started.elapsed().as_millis() as i64,
        needs: plan.needs,
        notice: None,
    })
}

fn unavailable(code: &'static str, why: String) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        code,
        format!("the transfer model gave no plan ({why}); nothing was stored, retry"),
    )
}

fn nothing(notice: &'static str) -> Proposed {
    Proposed {
        notice: Some(notice),
        ..Proposed::default()
    }
}

/// Approves `t` as [`AUTO`] when it is worth less than the configured value.
async fn auto_approve(
    state: &AppState,
    t: Transfer,
    today: &str,
    now: i64,
) -> Result<Transfer, ApiError> {
    if t.value_cents >= state.purchasing.transfer_auto_below_cents {
        return Ok(t);
    }
    let approve = Decision::Approve {
        version: t.version,
        today: today.to_string(),
    };
    Ok(
        match state
            .store
            .decide_transfer(&t.id, &approve, AUTO, now)
            .await?
        {
            Decided::Done(done, _) | Decided::DonorShort(done, _) => done,
            _ => t,
        },
    )
}

/// The slot of a store's zone in the model's lists (frozen, chilled, ambient).
pub(crate) fn zone_index(z: StorageZone) -> usize {
    match z {
        StorageZone::Frozen => 0,
        StorageZone::Chilled => 1,
        StorageZone::Ambient => 2,
    }
}

/// Trip rates with the dispatcher's ride limits by zone (frozen, chilled, ambient),
/// seconds; goods with none may ride four hours. Proposals and trips both use them.
pub(crate) fn trip_rates(state: &AppState) -> TripRates {
    let limit = |c| state.planner.ride_limit(&[c]).unwrap_or(4 * 3600);
    TripRates {
        max_ride_s: [
            limit(ColdChain::Frozen),
            limit(ColdChain::Chilled),
            limit(ColdChain::Ambient),
        ],
        ..TripRates::default()
    }
}

/// Driving between the stores by car, (seconds, metres); a pair the roads do not join
/// is driven straight × 1.3 at 25 km/h.
pub(crate) fn drive_table(state: &AppState, shops: &[Shop]) -> Vec<Vec<(i64, i64)>> {
    let places: Vec<Place> = shops
        .iter()
        .map(|s| Place {
            lat: s.lat,
            lon: s.lon,
        })
        .collect();
    let table = Travel::table(&*state.roads, Profile::Car, &places);
    (0..shops.len())
        .map(|a| {
            (0..shops.len())
                .map(|b| {
                    let (secs, metres) = (table.travel(a, b).0, table.metres(a, b).0);
                    if a == b || secs < 12 * 3600 {
                        (secs, metres)
                    } else {
                        let m = (straight_m(&shops[a], &shops[b]) * 1.3) as i64;
                        (m * 36 / 250, m)
                    }
                })
                .collect()
        })
        .collect()
}

fn straight_m(a: &Shop, b: &Shop) -> f64 {
    use geo::{Distance, Haversine, Point};
    Haversine.distance(Point::new(a.lon, a.lat), Point::new(b.lon, b.lat))
}

/// The region's model from the stores, their models and their lots.
#[allow(clippy::too_many_arguments)]
fn region(
    data: &ProcurementData,
    shops: &[Shop],
    models: &[Option<StoreProblem>],
    stock: &[StockLot],
    offset: usize,
    today: &str,
    now: i64,
    travel: &[Vec<(i64, i64)>],
    rates: &TripRates,
) -> TransferProblem {
    let skus = &data.catalog.skus;
    let index: HashMap<&str, usize> = skus
        .iter()
        .enumerate()
        .map(|(k, s)| (s.id.as_str(), k))
        .collect();
    let shop_index: HashMap<&str, usize> = shops
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let articles: Vec<_> = skus
        .iter()
        .map(|sku| {
            let price = data
                .catalog
                .offers_of(&sku.id)
                .into_iter()
                .map(|(_, c)| c)
                .min();
            transfer_article(sku, price.unwrap_or(0), rates)
        })
        .collect();
    let h = rates.horizon_days as usize;
    let mut lots: HashMap<(usize, usize), Vec<Lot>> = HashMap::new();
    let mut rooms: Vec<Vec<i64>> = shops
        .iter()
        .map(|s| {
            vec![
                s.frozen_litres * 1000,
                s.chilled_litres * 1000,
                s.ambient_litres * 1000,
            ]
        })
        .collect();
    for l in stock {
        let (Some(&s), Some(&k)) = (
            shop_index.get(l.shop_id.as_str()),
            index.get(l.lot.sku.as_str()),
        ) else {
            continue;
        };
        rooms[s][articles[k].zone] -= l.units * articles[k].unit_ml;
        let sellable = l.lot.recalled_ms.is_none()
            && l.lot.expiry_date.as_str() >= today
            && l.lot.expires_ms.is_none_or(|e| e > now)
            && l.zone == storage_zone(skus[k].zone);
        if let (true, Some(days)) = (sellable, days_left(&l.lot.expiry_date, today)) {
            lots.entry((s, k)).or_default().push(Lot {
                units: l.units as f64,
                days_left: days,
            });
        }
    }
    let mut positions = Vec::new();
    for (s, model) in models.iter().enumerate() {
        let Some(model) = model else { continue };
        let left = share_of_day_left(&shops[s], now);
        for a in &model.articles {
            let Some(&k) = index.get(a.id.as_str()) else {
                continue;
            };
            if a.demand.len() < offset + h {
                continue;
            }
            let position = Position {
                store: s,
                article: k,
                lots: lots.remove(&(s, k)).unwrap_or_default(),
                demand: a.demand[offset..offset + h].to_vec(),
                upside: upside(a, offset, h),
                keep: a.safety.get(offset + h - 1).copied().unwrap_or(0.0),
            };
            positions.push(position.rest_of_today(left));
        }
    }
    let stores = shops
        .iter()
        .zip(rooms)
        .map(|(s, room)| Store {
            id: s.id.clone(),
            room_ml: room.into_iter().map(|r| r.max(0)).collect(),
        })
        .collect();
    problem(stores, articles, positions, travel, rates)
}

/// The share of today's sales still to come at a store at `now`: its hours open still
/// ahead (the stock read already lacks what sold); a store without hours is taken to
/// sell all day.
fn share_of_day_left(shop: &Shop, now: i64) -> f64 {
    if shop.opening_hours.as_array().is_none_or(|l| l.is_empty()) {
        return 1.0;
    }
    crate::shops::opening_hours(shop).map_or(1.0, |h| h.share_of_day_left(now))
}

/// What each day may sell beyond the forecast's mean: the store model's safety stock
/// for it (the upper forecast less the mean of the next day; today's from its own).
fn upside(a: &freshroute_solver::procurement::Article, offset: usize, h: usize) -> Vec<f64> {
    (offset..offset + h)
        .map(|t| {
            a.safety
                .get(t.saturating_sub(1))
                .copied()
                .unwrap_or(0.0)
                .max(0.0)
        })
        .collect()
}

/// Days a lot whose last day is `expiry` can still be sold from `today`, today included.
fn days_left(expiry: &str, today: &str) -> Option<u32> {
    let e = chrono::NaiveDate::parse_from_str(expiry, "%Y-%m-%d").ok()?;
    let t = chrono::NaiveDate::parse_from_str(today, "%Y-%m-%d").ok()?;
    u32::try_from((e - t).num_days() + 1)
        .ok()
        .filter(|d| *d >= 1)
}

/// The model's transfers as rows to store, each explaining itself.
fn rows(
    p: &TransferProblem,
    plan: &freshroute_solver::transfers::TransferPlan,
    data: &Arc<ProcurementData>,
    now: i64,
    day: chrono::NaiveDate,
) -> Vec<Transfer> {
    plan.transfers
        .iter()
        .map(|t| {
            let (from, to) = (&p.stores[t.from].id, &p.stores[t.to].id);
            let sku = &data.catalog.skus[t.article];
            let trip_cents = p
                .pairs
                .iter()
                .find(|q| q.from == t.from && q.to == t.to)
                .map_or(0, |q| q.trip_cents);
            let why = json!({
                "summary": summary(t, from, to),
                "covers_short_units": t.why.covers_short_units,
                "covers_upside_units": t.why.covers_upside_units,
                "covers_keep_units": t.why.covers_keep_units,
                "sells_in_place_units": t.why.sells_in_place_units,
                "saves_waste_units": t.why.saves_waste_units,
                "donor_keeps_units": t.why.donor_keeps_units,
                "lots": t.lots.iter().map(|(d, u)| json!({"days_left": d, "units": u})).collect::<Vec<_>>(),
                "trip_cents": trip_cents,
            });
            Transfer {
                id: crate::rounds::new_id("TR", day),
                from_shop: from.clone(),
                to_shop: to.clone(),
                sku: sku.id.clone(),
                zone: storage_zone(sku.zone),
                units: t.units,
                status: TransferStatus::Proposed,
                why: why.to_string(),
                value_cents: t.why.value_cents,
                proposed_ms: now,
                decided_by: None,
                decided_ms: None,
                delivered_ms: None,
                recalled_lot: None,
                version: 1,
            }
        })
        .collect()
}

/// One sentence on what a transfer does.
fn summary(t: &freshroute_solver::transfers::Transfer, from: &str, to: &str) -> String {
    let mut parts = Vec::new();
    if t.why.covers_short_units >= 0.5 {
        parts.push(format!(
            "covers {:.0} units {to} would fail to sell",
            t.why.covers_short_units
        ));
    }
    if t.why.covers_upside_units >= 0.5 {
        parts.push(format!(
            "{:.0} more {to} may sell if demand runs high",
            t.why.covers_upside_units
        ));
    }
    if t.why.covers_keep_units >= 0.5 {
        parts.push(format!(
            "brings {to} {:.0} units up to its safety stock",
            t.why.covers_keep_units
        ));
    }
    if t.why.sells_in_place_units >= 0.5 {
        parts.push(format!(
            "{to} sells {:.0} before they expire in place of its fresher stock",
            t.why.sells_in_place_units
        ));
    }
    if t.why.saves_waste_units >= 0.5 {
        parts.push(format!(
            "saves {:.0} units {from} would throw away",
            t.why.saves_waste_units
        ));
    }
    parts.push(format!("{from} keeps {:.0}", t.why.donor_keeps_units));
    parts.join("; ")
}

/// Proposes again whenever woken (an alert line crossed, an approval the donor could not
/// fill); errors are logged and the next wake tries again.
pub async fn propose_forever(state: AppState) {
    loop {
        state.transfer_wake.notified().await;
        match propose_now(&state).await {
            Ok(p) => tracing::info!(
                transfers = p.transfers.len(),
                needs = p.needs,
                took_ms = p.took_ms,
                notice = p.notice,
                "transfers proposed"
            ),
            Err(e) => tracing::warn!(error = ?e, "transfer proposal failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop(hours: serde_json::Value) -> Shop {
        Shop {
            id: "s".to_string(),
            name: "S".to_string(),
            address: String::new(),
            lat: 41.15,
            lon: -8.61,
            snapped: json!({}),
            opening_hours: hours,
            frozen_litres: 0,
            chilled_litres: 0,
            ambient_litres: 0,
            created_ms: 0,
            time_zone: "Europe/Lisbon".to_string(),
            retired_ms: None,
        }
    }

    #[test]
    fn late_in_the_day_a_store_has_only_the_hours_left_to_sell() {
        let weekdays = json!([{"days": ["mon", "tue", "wed", "thu", "fri"],
            "opens": "08:00", "closes": "20:00"}]);
        // Tuesday 2026-12-01, Lisbon on UTC in winter.
        let at = |h: i64| 1_796_083_200_000 + h * 3_600_000;
        assert_eq!(share_of_day_left(&shop(weekdays.clone()), at(6)), 1.0);
        assert_eq!(share_of_day_left(&shop(weekdays.clone()), at(14)), 0.5);
        assert_eq!(share_of_day_left(&shop(weekdays), at(21)), 0.0);
        assert_eq!(
            share_of_day_left(&shop(json!([])), at(21)),
            1.0,
            "no hours: sells all day"
        );
    }
}
