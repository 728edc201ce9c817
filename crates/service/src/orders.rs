//! Customers' orders: taken with their items' cold-chain classes and a promise, moved
//! through their statuses by dispatchers and by the courier carrying them, followed by
//! the customer through an expiring tracking token.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use freshroute_dispatch::{ColdChain, needed_skills};
use freshroute_store::{Order, OrderEvent, OrderStatus, Outbox, Role, Storage};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::{Caller, hash, new_secret};
use crate::chain_rules::{delivered_at_the_door, may_take_orders};
use crate::couriers::unknown_courier;
use crate::fields::{text, time_near, valid_id};
use crate::geojson::{Feature, FeatureCollection};
use crate::idempotency::Idempotent;
use crate::notices;
use crate::order_views::{
    NewTracking, OrderProperties, coupon_view, feature, notice_view, tracking_link,
};
use crate::places::{Point, snap};
use crate::shops::unknown_shop;
use crate::state::AppState;

use crate::{ApiError, ErrorBody};

/// Most items one order may hold.
const MAX_ITEMS: usize = 100;
/// Most of one item.
const MAX_QUANTITY: i64 = 1_000;
/// How long a tracking token works after the promised time.
pub(crate) const TRACKING_GRACE_MS: i64 = 24 * 3_600_000;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// One line of an order.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Item {
    /// The chain's product code.
    #[schema(example = "gelato-pistachio-500ml")]
    sku: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Pistachio gelato, 500 ml")]
    name: Option<String>,
    /// How many, 1 to 1,000.
    #[schema(example = 2)]
    quantity: i64,
    /// How it must travel.
    class: ColdChain,
    /// Room one unit takes in a courier's box, in the chain's box units (default 1).
    #[serde(default = "one")]
    #[schema(example = 1)]
    box_units: i64,
}

fn one() -> i64 {
    1
}

/// Who receives an order, and where.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Customer {
    #[schema(example = "Ana Costa")]
    name: String,
    #[schema(example = "Rua do Almada 210, Porto")]
    address: String,
    /// Where to deliver; snapped to the roads of every profile.
    location: Point,
    /// What the courier should know at the door (up to 500 characters).
    #[serde(default)]
    #[schema(example = "3rd floor, ring twice")]
    notes: Option<String>,
}

/// An order to take.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewOrder {
    /// Chosen by the chain (its point-of-sale id, say); posting the same id again is refused.
    #[schema(example = "o-1001")]
    id: String,
    /// The store that prepares it.
    #[schema(example = "porto-aliados")]
    store_id: String,
    customer: Customer,
    items: Vec<Item>,
    /// When the store will have it ready (ISO 8601 with its offset), within the store's
    /// opening hours. Left out: the store's preparation time from now, or from its next
    /// opening when it is closed (an order taken for the opening).
    #[serde(default)]
    #[schema(example = "2026-11-25T18:10:00Z")]
    ready_at: Option<String>,
    /// When the customer was promised it. Left out: the chain's promise after `ready_at`.
    #[serde(default)]
    #[schema(example = "2026-11-25T18:35:00Z")]
    promised_by: Option<String>,
}

/// A status change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatusChange {
    /// `assigned`, `placed` (unassign), `picked_up`, `delivered`, `failed` or `cancelled`.
    #[schema(example = "picked_up")]
    pub(crate) status: String,
    /// The courier, for `assigned`.
    #[serde(default)]
    pub(crate) courier_id: Option<String>,
    /// Why, for `failed` and `cancelled`.
    #[serde(default)]
    pub(crate) reason: Option<String>,
}

/// Filters of an order listing.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct Listing {
    /// Only orders in this status.
    status: Option<String>,
    /// Only orders of this store.
    store_id: Option<String>,
    /// At most this many, newest first (1 to 1,000; default 100).
    limit: Option<u32>,
}

/// Whether `caller` may move an order from `from` to `to`; `Ok` means the move is allowed.
fn transition(caller: Role, from: OrderStatus, to: OrderStatus) -> Result<(), ApiError> {
    use OrderStatus::{Assigned, Cancelled, Delivered, Failed, PickedUp, Placed};
    let dispatching = matches!(caller, Role::Admin | Role::Dispatcher);
    let carrying = dispatching || caller == Role::Courier;
    let allowed = match (from, to) {
        (Placed | Assigned, Assigned) | (Assigned, Placed) | (Placed | Assigned, Cancelled) => {
            dispatching
        }
        (Assigned, PickedUp) | (PickedUp, Delivered) | (Assigned | PickedUp, Failed) => carrying,
        _ => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "invalid_transition",
                format!("an order that is {from} cannot become {to}"),
            )
            .at("status"));
        }
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden_role",
            format!("a {caller} key may not make an order {to}"),
        ))
    }
}

/// An order's items as stored (they were checked when the order was taken).
pub(crate) fn stored_items(order: &Order) -> Vec<Item> {
    serde_json::from_value(order.items.clone()).unwrap_or_default()
}

impl Item {
    /// The chain's product code.
    pub(crate) fn sku(&self) -> &str {
        &self.sku
    }

    /// How many.
    pub(crate) fn quantity(&self) -> i64 {
        self.quantity
    }

    /// How it must travel.
    pub(crate) fn class(&self) -> ColdChain {
        self.class
    }
}

async fn known_order(state: &AppState, id: &str) -> Result<Order, ApiError> {
    state
        .store
        .order(id)
        .await?
        .ok_or_else(|| unknown_order(id))
}

fn unknown_order(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_order",
        format!("no order has id {id:?}"),
    )
}

/// Validates a new order against the store it names and places it on the roads.
/// Returns the order and its tracking token.
pub(crate) async fn order_from(
    state: &AppState,
    n: NewOrder,
    now: i64,
) -> Result<(Order, String), ApiError> {
    valid_id("id", &n.id)?;
    valid_id("store_id", &n.store_id)?;
    text("customer.name", &n.customer.name, 200)?;
    text("customer.address", &n.customer.address, 500)?;
    if let Some(notes) = &n.customer.notes {
        text("customer.notes", notes, 500)?;
    }
    if n.items.is_empty() || n.items.len() > MAX_ITEMS {
        return Err(ApiError::bad_request(
            "invalid_items",
            format!("an order holds 1 to {MAX_ITEMS} items"),
        )
        .at("items"));
    }
    let mut box_units: i64 = 0;
    for (i, item) in n.items.iter().enumerate() {
        text(&format!("items[{i}].sku"), &item.sku, 100)?;
        if !(1..=MAX_QUANTITY).contains(&item.quantity) {
            return Err(ApiError::bad_request(
                "invalid_quantity",
                format!("quantity must be 1 to {MAX_QUANTITY}"),
            )
            .at(format!("items[{i}].quantity")));
        }
        if !(1..=100).contains(&item.box_units) {
            return Err(ApiError::bad_request(
                "invalid_box_units",
                "box_units must be 1 to 100 per unit",
            )
            .at(format!("items[{i}].box_units")));
        }
        box_units += item.quantity * item.box_units;
    }
    let ready = n
        .ready_at
        .map(|t| time_near("ready_at", &t, now, 6 * HOUR_MS, 7 * DAY_MS))
        .transpose()?;
    let promised = n
        .promised_by
        .map(|t| time_near("promised_by", &t, now, 6 * HOUR_MS, 8 * DAY_MS))
        .transpose()?;
    let at = n.customer.location.lat_lon("customer.location")?;
    let shop = state
        .store
        .shop(&n.store_id)
        .await?
        .ok_or_else(|| unknown_shop(&n.store_id).at("store_id"))?;
    let rules = &state.order_rules;
    let (ready, promised) = rules.ready_and_promise(&shop, now, ready, promised)?;
    if promised <= ready || promised - ready > DAY_MS {
        return Err(ApiError::bad_request(
            "invalid_promise",
            "promised_by must come after ready_at, within a day of it",
        )
        .at("promised_by"));
    }
    rules.within_reach(&shop, at)?;
    let snapped = snap(&state.roads, at, "customer.location")?;
    let token = new_secret("fr_ord_");
    let order = Order {
        id: n.id,
        shop_id: n.store_id,
        customer_name: n.customer.name,
        customer_address: n.customer.address,
        lat: at.lat(),
        lon: at.lon(),
        snapped,
        items: serde_json::to_value(&n.items).unwrap_or(Value::Null),
        box_units,
        ready_ms: ready,
        promised_ms: promised,
        status: OrderStatus::Placed,
        courier_id: None,
        tracking_hash: hash(&token),
        tracking_expires_ms: promised + TRACKING_GRACE_MS,
        created_ms: now,
        updated_ms: now,
        notes: n.customer.notes.unwrap_or_default(),
    };
    Ok((order, token))
}

/// Takes an order. The answer carries the customer's tracking token, once; a retry
/// with the same `Idempotency-Key` gets that answer again.
#[utoipa::path(post, path = "/v1/orders", tag = "orders", request_body = NewOrder,
    params(("Idempotency-Key" = Option<String>, Header,
        description = "Any unique text (a UUID): a retry with the same key and body replays the first answer, tracking token included, for a day")),
    security(("api_key" = [])),
    responses(
        (status = 201, description = "The order as a GeoJSON Feature, with `tracking` (token, path, expiry) shown this once (and to retries under its Idempotency-Key, marked `idempotent-replayed: true`)", body = Feature<OrderProperties>),
        (status = 400, description = "An invalid value", body = ErrorBody),
        (status = 404, description = "Unknown store", body = ErrorBody),
        (status = 409, description = "The id is taken", body = ErrorBody),
        (status = 422, description = "No road near the customer, a customer beyond the store's delivery radius (`beyond_delivery_radius`), a ready time while the store is closed (`store_closed`), or an Idempotency-Key used for another request", body = ErrorBody),
    ))]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher])?;
    let Json(raw) = body?;
    let idempotent = Idempotent::of(&headers, &caller, &raw)?;
    if let Some(i) = &idempotent
        && let Some(replayed) = i.replay(&state).await?
    {
        return Ok(replayed);
    }
    let n: NewOrder = crate::error::read_body(raw, "an order")?;
    let now = state.clock.now_ms();
    let (order, token) = order_from(&state, n, now).await?;
    let mut answer = feature(&order, None);
    answer.properties.tracking = Some(tracking_link(
        &state.public_base_url,
        &token,
        order.tracking_expires_ms,
    ));
    let answer = serde_json::to_value(answer)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    let reply = idempotent
        .as_ref()
        .map(|i| i.reply(StatusCode::CREATED, &answer, now));
    match state
        .store
        .insert_order(&order, &caller.actor(), reply.as_ref())
        .await
    {
        Ok(()) => {}
        // A retry that raced the first request: the first answer, if it was the same.
        Err(e @ freshroute_store::StoreError::Conflict(_)) => {
            if let Some(i) = &idempotent
                && let Some(replayed) = i.replay(&state).await?
            {
                return Ok(replayed);
            }
            return Err(e.into());
        }
        Err(e) => return Err(e.into()),
    }
    state.plan_wake.notify_one();
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

/// Issues a new tracking link for an order (the customer's was lost, or leaked); the old
/// one stops working at once.
#[utoipa::path(post, path = "/v1/orders/{id}/tracking", tag = "orders",
    params(("id" = String, Path, description = "The order's id")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The new link, shown this once", body = NewTracking),
        (status = 403, description = "Not a dispatcher or admin key", body = ErrorBody),
        (status = 404, description = "No such order", body = ErrorBody),
    ))]
pub(crate) async fn new_tracking(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<NewTracking>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher])?;
    let order = known_order(&state, &id).await?;
    let token = new_secret("fr_ord_");
    let expires =
        (order.promised_ms + TRACKING_GRACE_MS).max(state.clock.now_ms() + TRACKING_GRACE_MS);
    if !state
        .store
        .set_order_tracking(&order.id, &hash(&token), expires)
        .await?
    {
        return Err(unknown_order(&id));
    }
    Ok(Json(NewTracking {
        tracking: tracking_link(&state.public_base_url, &token, expires),
    }))
}

/// Orders, newest first.
#[utoipa::path(get, path = "/v1/orders", tag = "orders", params(Listing),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "A GeoJSON FeatureCollection of orders", body = FeatureCollection<Feature<OrderProperties>>),
        (status = 400, description = "An invalid filter", body = ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<Listing>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<FeatureCollection<Feature<OrderProperties>>>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher])?;
    let Query(q) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let status = q
        .status
        .as_deref()
        .map(crate::fields::status::<OrderStatus>)
        .transpose()?;
    let limit = crate::fields::listing_limit(q.limit)?;
    let orders = state
        .store
        .orders(status, q.store_id.as_deref(), limit)
        .await?;
    Ok(Json(FeatureCollection::of(
        orders.iter().map(|o| feature(o, None)).collect(),
    )))
}

/// One order with its history. A courier key sees only the orders assigned to it.
#[utoipa::path(get, path = "/v1/orders/{id}", tag = "orders", security(("api_key" = [])),
    params(("id" = String, Path, description = "The order's id")),
    responses(
        (status = 200, description = "The order as a GeoJSON Feature with its status events, the notices sent about it and its compensation coupon if it earned one", body = Feature<OrderProperties>),
        (status = 403, description = "Not this courier's order", body = ErrorBody),
        (status = 404, description = "No such order", body = ErrorBody),
    ))]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Feature<OrderProperties>>, ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher, Role::Courier])?;
    let order = known_order(&state, &id).await?;
    caller.may_carry(&order)?;
    let events = state.store.order_events(&id).await?;
    let names = crate::auth::key_names(&state).await?;
    let mut answer = feature(&order, Some((&events, &names)));
    let notices = state.store.notices(&id).await?;
    answer.properties.notices = Some(notices.iter().map(notice_view).collect());
    answer.properties.coupon = Some(coupon_view(state.store.coupon(&id).await?.as_ref()));
    Ok(Json(answer))
}

/// An order's ETA: from its courier's latest fix along the live route, else the plan's.
pub(crate) async fn eta_ms(state: &AppState, order_id: &str) -> Option<i64> {
    let live = state
        .live
        .lock()
        .expect("live routes lock")
        .eta_ms(order_id);
    match live {
        Some(eta) => Some(eta),
        None => state.plan.read().await.as_ref()?.eta_ms(order_id),
    }
}

/// A coupon as the dispatcher and the customer see it.
/// Moves an order to a new status. Dispatchers assign, unassign and cancel; the courier
/// carrying an order (or a dispatcher) marks it picked up, delivered or failed.
#[utoipa::path(post, path = "/v1/orders/{id}/status", tag = "orders", request_body = StatusChange,
    security(("api_key" = [])),
    params(("id" = String, Path, description = "The order's id")),
    responses(
        (status = 200, description = "The order after the change, with its events", body = Feature<OrderProperties>),
        (status = 403, description = "Not allowed for this key, or not this courier's order", body = ErrorBody),
        (status = 404, description = "No such order or courier", body = ErrorBody),
        (status = 409, description = "Not allowed from the order's status, or it changed meanwhile; the courier is off duty (`courier_off_duty`) or retired; or delivered far from the door without a reason (`far_from_door`)", body = ErrorBody),
        (status = 422, description = "The courier lacks a skill the items need", body = ErrorBody),
    ))]
pub(crate) async fn change_status(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Json<StatusChange>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Feature<OrderProperties>>, ApiError> {
    let Json(change) = body?;
    self::change(&state, &caller, &id, change).await?;
    let order = known_order(&state, &id).await?;
    let events = state.store.order_events(&id).await?;
    let names = crate::auth::key_names(&state).await?;
    Ok(Json(feature(&order, Some((&events, &names)))))
}

/// Moves order `id` as `change` asks, by `caller`: the rules of who may move an order
/// where, the courier's skills and duty, the door for a delivery; stored with its
/// notice, and the planner, the live routes and the webhook sender told. The console's
/// buttons and the API both move orders here.
pub(crate) async fn change(
    state: &AppState,
    caller: &Caller,
    id: &str,
    change: StatusChange,
) -> Result<(), ApiError> {
    caller.require(&[Role::Admin, Role::Dispatcher, Role::Courier])?;
    let to: OrderStatus = crate::fields::status(&change.status)?;
    let order = known_order(state, id).await?;
    caller.may_carry(&order)?;
    transition(caller.role, order.status, to)?;
    let courier_id = match to {
        OrderStatus::Assigned => {
            let cid = change.courier_id.as_deref().ok_or_else(|| {
                ApiError::bad_request("courier_required", "name the courier to assign")
                    .at("courier_id")
            })?;
            let courier = state
                .store
                .courier(cid)
                .await?
                .ok_or_else(|| unknown_courier(cid).at("courier_id"))?;
            if let Some(skill) = needed_skills(stored_items(&order).iter().map(Item::class))
                .into_iter()
                .find(|s| !courier.skills.iter().any(|c| c == s))
            {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "courier_lacks_skill",
                    format!(
                        "the items need a courier with skill {skill:?}; {cid:?} has {:?}",
                        courier.skills
                    ),
                )
                .at("courier_id"));
            }
            may_take_orders(&courier, state.clock.now_ms(), order.ready_ms)?;
            Some(courier.id)
        }
        OrderStatus::Placed | OrderStatus::Cancelled => None,
        _ => order.courier_id.clone(),
    };
    if change.courier_id.is_some() && to != OrderStatus::Assigned {
        return Err(ApiError::bad_request(
            "unexpected_courier",
            "courier_id goes only with status assigned",
        )
        .at("courier_id"));
    }
    let now = state.clock.now_ms();
    let reason = change.reason.filter(|r| !r.trim().is_empty()).or_else(|| {
        // A pickup before the kitchen said the order is ready is allowed, and recorded.
        (to == OrderStatus::PickedUp && now < order.ready_ms).then(|| {
            format!(
                "picked_up_before_ready: {} min before ready_at",
                (order.ready_ms - now + 59_999) / 60_000
            )
        })
    });
    if matches!(to, OrderStatus::Failed | OrderStatus::Cancelled) && reason.is_none() {
        return Err(
            ApiError::bad_request("reason_required", format!("say why the order is {to}"))
                .at("reason"),
        );
    }
    if to == OrderStatus::Delivered {
        let fix = match order.courier_id.as_deref() {
            Some(c) => state.latest.read().await.get(c).cloned(),
            None => None,
        };
        delivered_at_the_door(&order, fix.as_ref(), now, reason.as_deref())?;
    }
    let event = OrderEvent {
        order_id: order.id.clone(),
        status: to,
        courier_id,
        reason,
        actor: caller.actor(),
        at_ms: now,
    };
    let eta = eta_ms(state, &order.id).await;
    let notice = notices::status_notice(&order, &event, eta);
    if !state
        .store
        .update_order_status(order.status, &event, Some(&notice))
        .await?
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "status_changed",
            "the order changed while this request was handled; read it again and retry",
        ));
    }
    state.outbox_wake.notify_one();
    state.plan_wake.notify_one();
    if to == OrderStatus::Delivered {
        // The order is delivered whatever the ledger says; a take that fails now is
        // taken when the service starts again (stock_sales::catch_up).
        if let Err(e) = crate::stock_sales::order_delivered(state, &order).await {
            tracing::error!(order = %order.id, error = %e, "a delivered order's items were not taken from stock");
        }
    }
    if let Some(eta) = notice.eta_ms {
        state.eta_watch.lock().await.tell(id, eta);
    }
    state
        .live
        .lock()
        .expect("live routes lock")
        .order_moved(id, to);
    if to.is_final() {
        state.eta_watch.lock().await.forget(id);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderStatus::*;

    #[test]
    fn who_may_move_an_order_where() {
        let ok = |role, from, to| transition(role, from, to).is_ok();
        let code = |role, from, to| transition(role, from, to).expect_err("refused").code;
        assert!(ok(Role::Dispatcher, Placed, Assigned));
        assert!(ok(Role::Dispatcher, Assigned, Assigned), "reassign");
        assert!(ok(Role::Dispatcher, Assigned, Placed), "unassign");
        assert!(ok(Role::Courier, Assigned, PickedUp));
        assert!(ok(Role::Courier, PickedUp, Delivered));
        assert!(ok(Role::Courier, PickedUp, Failed));
        assert_eq!(code(Role::Courier, Placed, Assigned), "forbidden_role");
        assert_eq!(code(Role::Courier, Assigned, Cancelled), "forbidden_role");
        assert_eq!(code(Role::Planner, Assigned, PickedUp), "forbidden_role");
        assert_eq!(
            code(Role::Dispatcher, Placed, Delivered),
            "invalid_transition"
        );
        assert_eq!(
            code(Role::Dispatcher, PickedUp, Cancelled),
            "invalid_transition"
        );
        for end in [Delivered, Failed, Cancelled] {
            for to in OrderStatus::ALL {
                assert_eq!(
                    code(Role::Admin, end, to),
                    "invalid_transition",
                    "{end} → {to}"
                );
            }
        }
    }
}
