//! The chain's own rules, in one place: when a store takes orders, how far it delivers,
//! which courier may be given an order. Taking orders, assigning them and plan mode all
//! ask here, so they cannot disagree.

use axum::http::StatusCode;
use freshroute_model::LatLon;
use freshroute_store::{Courier, FixRecord, Order, Shop, Zone};
use geo::{Distance, Haversine, Point};

use crate::ApiError;
use crate::shops::opening_hours;

/// The rules' settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrderRules {
    /// How far from its store a customer may be, straight-line metres.
    pub delivery_radius_m: f64,
    /// How long a store takes to prepare an order that names no `ready_at`, ms.
    pub preparation_ms: i64,
    /// How long after it is ready an order that names no `promised_by` is promised, ms.
    pub promise_ms: i64,
}

impl Default for OrderRules {
    fn default() -> Self {
        Self {
            delivery_radius_m: 8_000.0,
            preparation_ms: 10 * 60_000,
            promise_ms: 25 * 60_000,
        }
    }
}

impl OrderRules {
    /// When an order at `shop` is ready and promised: as asked, or, left out, the
    /// store's preparation time from now (or from its next opening when it is closed)
    /// and the chain's promise after that. An order ready while the store is closed is
    /// refused, naming the next opening; so is an order at a retired store. A store
    /// with no hours given is always open.
    pub(crate) fn ready_and_promise(
        &self,
        shop: &Shop,
        now: i64,
        ready: Option<i64>,
        promised: Option<i64>,
    ) -> Result<(i64, i64), ApiError> {
        if shop.retired_ms.is_some() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "store_retired",
                format!(
                    "store {:?} is retired: take the order at another store",
                    shop.id
                ),
            )
            .at("store_id"));
        }
        let hours = opening_hours(shop).filter(|h| h.opening_at_or_after(now).is_some());
        let ready = match (ready, &hours) {
            (Some(t), Some(h)) if !h.is_open_at(t) => return Err(closed(shop, h, t)),
            (Some(t), _) => t,
            (None, None) => now + self.preparation_ms,
            (None, Some(h)) => {
                let opens = h.opening_at_or_after(now).map_or(now, |w| w.start_ms);
                let ready = opens.max(now) + self.preparation_ms;
                if h.is_open_at(ready) {
                    ready
                } else {
                    // Too close to closing: for the next opening.
                    h.opening_at_or_after(ready).map_or(ready, |w| w.start_ms) + self.preparation_ms
                }
            }
        };
        Ok((ready, promised.unwrap_or(ready + self.promise_ms)))
    }

    /// Refuses a customer farther from the store than the delivery radius.
    pub(crate) fn within_reach(&self, shop: &Shop, customer: LatLon) -> Result<(), ApiError> {
        let metres = Haversine.distance(
            Point::new(shop.lon, shop.lat),
            Point::new(customer.lon(), customer.lat()),
        );
        if metres > self.delivery_radius_m {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "beyond_delivery_radius",
                format!(
                    "the customer is {:.1} km from store {:?}, which delivers within {:.1} km: \
                     take the order at a nearer store",
                    metres / 1000.0,
                    shop.id,
                    self.delivery_radius_m / 1000.0
                ),
            )
            .at("customer.location"));
        }
        Ok(())
    }
}

fn closed(shop: &Shop, hours: &freshroute_calendar::OpeningHours, t: i64) -> ApiError {
    let zone = hours.zone();
    let next = hours
        .opening_at_or_after(t)
        .map_or_else(|| "never".to_string(), |w| zone.format(w.start_ms));
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "store_closed",
        format!(
            "store {:?} is closed at {} (local time); it opens {next}: send a ready_at \
             within its hours, or leave ready_at out to take the order for the opening",
            shop.id,
            zone.format(t)
        ),
    )
    .at("ready_at")
}

/// How far from the customer's door a courier's latest fix may be when it says
/// "delivered" without a reason, metres (GPS in streets between tall houses drifts).
pub(crate) const AT_THE_DOOR_M: f64 = 250.0;
/// A fix older than this says nothing about where the courier is now, ms.
const FIX_STILL_TELLS_MS: i64 = 10 * 60_000;

/// Refuses "delivered" when the courier's latest fix, taken in the last ten minutes, is
/// farther than [`AT_THE_DOOR_M`] from the customer, unless a reason is given.
pub(crate) fn delivered_at_the_door(
    order: &Order,
    fix: Option<&FixRecord>,
    now: i64,
    reason: Option<&str>,
) -> Result<(), ApiError> {
    let Some(fix) = fix.filter(|f| now - f.fix_ms <= FIX_STILL_TELLS_MS) else {
        return Ok(());
    };
    let metres = Haversine.distance(
        Point::new(fix.lon, fix.lat),
        Point::new(order.lon, order.lat),
    );
    if metres > AT_THE_DOOR_M && reason.is_none() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "far_from_door",
            format!(
                "the courier's latest position is {metres:.0} m from the customer: deliver at \
                 the door, or say why in `reason` (handed to a neighbour, met on the street)"
            ),
        )
        .at("reason"));
    }
    Ok(())
}

/// Refuses to give an order ready at `ready_ms` to a courier who is retired, or off duty
/// now with no shift beginning by the time the order is ready.
pub(crate) fn may_take_orders(c: &Courier, now: i64, ready_ms: i64) -> Result<(), ApiError> {
    if c.retired_ms.is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "courier_retired",
            format!("courier {:?} is retired", c.id),
        )
        .at("courier_id"));
    }
    if c.shift_at(now)
        .is_none_or(|w| w.start_ms > now.max(ready_ms))
    {
        let zone: Zone = c.time_zone.parse().unwrap_or(Zone::UTC);
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "courier_off_duty",
            format!(
                "courier {:?} is off duty at {}: put it on duty (POST /v1/couriers/{}/duty) \
                 or give the order to a courier on shift",
                c.id,
                zone.format(now),
                c.id
            ),
        )
        .at("courier_id"));
    }
    Ok(())
}
