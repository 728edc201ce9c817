//! Orders as the API shows them: to dispatchers and couriers a GeoJSON Feature at the
//! customer's door with its history, to the customer the tracking page.

use std::collections::HashMap;

use freshroute_store::{Coupon, Notice, Order, OrderEvent};
use serde::Serialize;
use serde_json::Value;

use crate::geojson::{Feature, Sighting};
use crate::orders::Item;
use crate::places::point;
use crate::time::format_ms;

/// Who the order is for.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct CustomerView {
    name: String,
    address: String,
    /// For the courier: door codes, floor, where to leave it.
    notes: String,
}

/// A status change of an order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct EventView {
    /// The status it moved to.
    #[schema(example = "assigned")]
    status: String,
    courier_id: Option<String>,
    /// Why, where one was given (a cancellation, a failed delivery, a pickup before ready).
    reason: Option<String>,
    /// The key that made it (`dispatcher:KEYID`), or `planner` for the plan's commitments.
    by: String,
    /// Who holds that key, where it is named.
    by_name: Option<String>,
    /// When, ISO 8601.
    at: String,
}

/// A notice sent about the order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct NoticeView {
    id: i64,
    /// `delayed`, `delivered`, …
    event: String,
    at: String,
    /// The ETA it announced.
    eta: Option<String>,
}

/// The coupon a delay earned.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct CouponView {
    code: String,
    value_cents: i64,
    reason: String,
    created: String,
}

/// A customer's tracking link.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TrackingLink {
    /// The token (shown once).
    token: String,
    /// `/track/{token}`.
    path: String,
    /// The same as a full URL, for the customer's message.
    url: String,
    /// When it stops working.
    expires: String,
}

/// A new tracking link.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct NewTracking {
    pub(crate) tracking: TrackingLink,
}

/// What an order is, as its Feature's properties.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct OrderProperties {
    store_id: String,
    customer: CustomerView,
    #[schema(value_type = Vec<Item>)]
    items: Value,
    /// Room it takes in a courier's box.
    box_units: i64,
    /// When the food is ready at the store, ISO 8601.
    ready_at: String,
    /// When it was promised at the door.
    promised_by: String,
    /// `placed`, `assigned`, `picked_up`, `delivered`, `failed` or `cancelled`.
    status: String,
    courier_id: Option<String>,
    /// Per profile, the nearest road point to the door.
    #[schema(value_type = Object)]
    snapped: Value,
    created: String,
    updated: String,
    /// The customer's tracking link: only when the order is taken (and to retries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tracking: Option<TrackingLink>,
    /// Its status changes, oldest first: with one order, not in listings.
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<Vec<EventView>>,
    /// The notices sent about it: with one order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) notices: Option<Vec<NoticeView>>,
    /// The coupon a delay earned (`null` when none): with one order.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<CouponView>)]
    pub(crate) coupon: Option<Option<CouponView>>,
}

/// An order as a GeoJSON Feature at the customer's door, with its events if given (and
/// who holds each key that made them).
pub(crate) fn feature(
    o: &Order,
    events: Option<(&[OrderEvent], &HashMap<String, String>)>,
) -> Feature<OrderProperties> {
    let properties = OrderProperties {
        store_id: o.shop_id.clone(),
        customer: CustomerView {
            name: o.customer_name.clone(),
            address: o.customer_address.clone(),
            notes: o.notes.clone(),
        },
        items: o.items.clone(),
        box_units: o.box_units,
        ready_at: format_ms(o.ready_ms),
        promised_by: format_ms(o.promised_ms),
        status: o.status.as_str().to_string(),
        courier_id: o.courier_id.clone(),
        snapped: o.snapped.clone(),
        created: format_ms(o.created_ms),
        updated: format_ms(o.updated_ms),
        tracking: None,
        events: events.map(|(events, names)| {
            events
                .iter()
                .map(|e| EventView {
                    status: e.status.as_str().to_string(),
                    courier_id: e.courier_id.clone(),
                    reason: e.reason.clone(),
                    by: e.actor.clone(),
                    by_name: names.get(&e.actor).cloned(),
                    at: format_ms(e.at_ms),
                })
                .collect()
        }),
        notices: None,
        coupon: None,
    };
    Feature::new(Some(o.id.clone()), point(o.lat, o.lon), properties)
}

/// A tracking link: the token, its path and URL, and when it stops working.
pub(crate) fn tracking_link(base_url: &str, token: &str, expires_ms: i64) -> TrackingLink {
    TrackingLink {
        token: token.to_string(),
        path: format!("/track/{token}"),
        url: format!("{base_url}/track/{token}"),
        expires: format_ms(expires_ms),
    }
}

/// A notice as an order shows it.
pub(crate) fn notice_view(n: &Notice) -> NoticeView {
    NoticeView {
        id: n.id,
        event: n.kind.as_str().to_string(),
        at: format_ms(n.at_ms),
        eta: n.eta_ms.map(format_ms),
    }
}

/// A coupon as an order and its tracking page show it.
pub(crate) fn coupon_view(c: Option<&Coupon>) -> Option<CouponView> {
    c.map(|c| CouponView {
        code: c.code.clone(),
        value_cents: c.value_cents,
        reason: c.reason.clone(),
        created: format_ms(c.created_ms),
    })
}

/// The store on a tracking page.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TrackStore {
    pub(crate) name: String,
    /// A GeoJSON Point.
    #[schema(value_type = Object)]
    pub(crate) geometry: Value,
}

/// What a customer sees of an order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TrackPage {
    pub(crate) order_id: String,
    /// `placed`, `assigned`, `picked_up`, `delivered`, `failed` or `cancelled`.
    pub(crate) status: String,
    pub(crate) promised_by: String,
    /// When the courier is expected at the door; `null` once it is closed or unplanned.
    pub(crate) eta: Option<String>,
    pub(crate) store: Option<TrackStore>,
    /// The courier, only while its next stop is this door.
    pub(crate) courier_position: Option<Sighting>,
    /// The coupon a delay earned.
    pub(crate) coupon: Option<CouponView>,
}
