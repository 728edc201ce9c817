//! The customer's side of an order, behind its tracking token only: what it is doing as
//! JSON for programs, as a page for a browser (`track_page.rs`), and as a stream of
//! changes the page follows live.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use freshroute_store::{Coupon, FixRecord, Order, OrderStatus, Outbox, Shop, Storage};

use crate::auth::hash;
use crate::geojson::Sighting;
use crate::order_views::{TrackPage, TrackStore, coupon_view};
use crate::orders::eta_ms;
use crate::places::point;
use crate::state::AppState;
use crate::time::format_ms;
use crate::track_page;
use crate::{ApiError, ErrorBody};

/// What a customer sees of an order: JSON, or the tracking page when a browser asks for
/// HTML (`Accept: text/html`).
#[utoipa::path(get, path = "/track/{token}", tag = "tracking",
    params(("token" = String, Path, description = "The tracking token given when the order was taken")),
    responses(
        (status = 200, description = "Status, promise, ETA, store, the courier's position while it is on the way to this customer, and the coupon a delay earned; for a browser, the page (read whole without script)", body = TrackPage),
        (status = 404, description = "Unknown token", body = ErrorBody),
        (status = 410, description = "The token has expired", body = ErrorBody),
    ))]
pub(crate) async fn track(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let as_page = track_page::wants_page(&headers);
    let mut res = match tracked(&state, &token, as_page).await {
        Ok(res) => res,
        Err(e) if as_page => {
            // In a customer's words, not the API's.
            let (title, message) = match e.code {
                "unknown_tracking_token" => (
                    "This tracking link is not known",
                    "Check that the whole link was copied from your message.",
                ),
                "tracking_expired" => (
                    "This tracking link has expired",
                    "A tracking link works until a day after its delivery was promised.",
                ),
                _ => (
                    "This order cannot be shown just now",
                    "Please try again in a minute.",
                ),
            };
            track_page::problem(e.status, title, message)
        }
        Err(e) => e.into_response(),
    };
    // The same link answers JSON or a page: a cache keeps them apart.
    res.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept"));
    res
}

/// What a tracking token shows, gathered once for the JSON, the page and the stream.
struct Seen {
    order: Order,
    shop: Option<Shop>,
    eta_ms: Option<i64>,
    /// While the courier's next stop is this door: its latest fix and its road here.
    courier: Option<(FixRecord, Vec<[f64; 2]>)>,
    coupon: Option<Coupon>,
}

/// The order behind `token`, refused when unknown or expired.
async fn seen(state: &AppState, token: &str) -> Result<Seen, ApiError> {
    let order = state
        .store
        .order_by_tracking(&hash(token))
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_tracking_token",
                "this tracking link is not known; check it was copied whole",
            )
        })?;
    if state.clock.now_ms() > order.tracking_expires_ms {
        return Err(ApiError::new(
            StatusCode::GONE,
            "tracking_expired",
            format!(
                "this tracking link expired at {}",
                format_ms(order.tracking_expires_ms)
            ),
        ));
    }
    let shop = state.store.shop(&order.shop_id).await?;
    let eta_ms = if !order.status.is_final() {
        eta_ms(state, &order.id).await
    } else {
        None
    };
    // The courier is shown only when its next stop is this customer's door: not while
    // it still serves another (whose address its position would give away), nor when
    // no live route says where it goes next.
    let road_here = match (&order.courier_id, order.status) {
        (Some(c), OrderStatus::PickedUp) => {
            let live = state.live.lock().expect("live routes lock");
            live.heading_to(c, &order.id)
                .then(|| live.stops_of(c))
                .flatten()
                .and_then(|stops| stops.into_iter().next())
                .map(|s| s.road.geometry)
        }
        _ => None,
    };
    let courier = match (&order.courier_id, road_here) {
        (Some(c), Some(road)) => state
            .latest
            .read()
            .await
            .get(c)
            .cloned()
            .map(|fix| (fix, road)),
        _ => None,
    };
    let coupon = state.store.coupon(&order.id).await?;
    Ok(Seen {
        order,
        shop,
        eta_ms,
        courier,
        coupon,
    })
}

/// The order behind `token`, as JSON or as the page.
async fn tracked(state: &AppState, token: &str, as_page: bool) -> Result<Response, ApiError> {
    let seen = seen(state, token).await?;
    Ok(if as_page {
        page_of(state, &seen)
    } else {
        Json(json_of(seen)).into_response()
    })
}

/// What a program reads.
fn json_of(seen: Seen) -> TrackPage {
    TrackPage {
        status: seen.order.status.as_str().to_string(),
        promised_by: format_ms(seen.order.promised_ms),
        eta: seen.eta_ms.map(format_ms),
        store: seen.shop.map(|s| TrackStore {
            geometry: point(s.lat, s.lon),
            name: s.name,
        }),
        courier_position: seen.courier.map(|(f, _)| Sighting {
            geometry: point(f.lat, f.lon),
            time: format_ms(f.fix_ms),
        }),
        coupon: coupon_view(seen.coupon.as_ref()),
        order_id: seen.order.id,
    }
}

/// What a person reads.
fn page_of(state: &AppState, seen: &Seen) -> Response {
    let order = &seen.order;
    let zone = seen
        .shop
        .as_ref()
        .and_then(|s| s.time_zone.parse().ok())
        .unwrap_or(freshroute_calendar::Zone::UTC);
    let door = [order.lon, order.lat];
    let courier = seen
        .courier
        .as_ref()
        .map(|(f, road)| ([f.lon, f.lat], road.as_slice()));
    let streets = match courier {
        Some((at, road)) if state.map_tiles.is_none() => streets_around(state, door, at, road),
        _ => Vec::new(),
    };
    let mut res = track_page::page(&track_page::Tracked {
        status: order.status,
        store_name: seen.shop.as_ref().map(|s| s.name.as_str()),
        zone,
        promised_ms: order.promised_ms,
        eta_ms: seen.eta_ms,
        door,
        courier,
        streets: &streets,
        coupon: seen
            .coupon
            .as_ref()
            .map(|c| (c.code.as_str(), c.value_cents)),
        tiles: state.map_tiles.as_ref(),
    });
    crate::pages::allow_tiles(&mut res, state.map_tiles.as_ref());
    res
}

/// How often the stream looks for a change.
const LIVE_EVERY: Duration = Duration::from_secs(1);

/// The tracking link's changes as they happen: what `/track/{token}` answers, sent again
/// whenever it changes (looked at every second), until the order is closed or the link
/// expires. The page follows it to move the courier on its map.
#[utoipa::path(get, path = "/track/{token}/live", tag = "tracking",
    params(("token" = String, Path, description = "The tracking token given when the order was taken")),
    responses(
        (status = 200, description = "Server-sent events: `track`, the same JSON as `/track/{token}`, on every change; `gone` with an error code when the link stops working", content_type = "text/event-stream", body = TrackPage),
        (status = 404, description = "Unknown token", body = ErrorBody),
        (status = 410, description = "The token has expired", body = ErrorBody),
    ))]
pub(crate) async fn live(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    seen(&state, &token).await?;
    let changes = futures_util::stream::unfold(
        (state, token, None::<String>, false),
        |(state, token, last, done)| async move {
            if done {
                return None;
            }
            loop {
                if last.is_some() {
                    tokio::time::sleep(LIVE_EVERY).await;
                }
                let seen = match seen(&state, &token).await {
                    Ok(seen) => seen,
                    Err(e) => {
                        let gone = Event::default().event("gone").data(e.code);
                        return Some((Ok::<_, Infallible>(gone), (state, token, last, true)));
                    }
                };
                let closed = seen.order.status.is_final();
                let json = serde_json::to_string(&json_of(seen)).unwrap_or_default();
                if last.as_deref() != Some(json.as_str()) || closed {
                    let event = Event::default().event("track").data(&json);
                    return Some((Ok(event), (state, token, Some(json), closed)));
                }
            }
        },
    );
    Ok(Sse::new(changes)
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// The streets to draw under a courier's road to a door: at most 3,000 segments, so that
/// a tracking page stays small.
fn streets_around(
    state: &AppState,
    door: [f64; 2],
    courier: [f64; 2],
    road: &[[f64; 2]],
) -> Vec<[[f64; 2]; 2]> {
    let (south_west, north_east) = track_page::map_corners(door, courier, road);
    crate::streets::within(state, south_west, north_east, 3_000)
}
