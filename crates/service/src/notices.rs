//! Notices about orders: one per status change (stored with the change itself), one
//! `delayed` per order whose ETA passes its promise by more than a margin (with a
//! compensation coupon for the customer), and `eta_changed` when an ETA moves by more
//! than a threshold from the one last told. Stored notices are sent by
//! [`crate::webhooks`].

use std::collections::{HashMap, HashSet};

use freshroute_store::{
    Coupon, Notice, NoticeKind, Order, OrderEvent, OrderStatus, Outbox, Storage,
};
use serde_json::json;

use crate::ApiError;
use crate::auth::new_secret;
use crate::state::AppState;
use crate::time::format_ms;

/// When customers are told of delays and changed ETAs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoticePolicy {
    /// An ETA later than the promise by more than this is a delay, seconds.
    pub delay_margin_s: i64,
    /// An ETA that moved by more than this from the one last told is news, seconds.
    pub eta_change_s: i64,
    /// The coupon a delayed order earns, cents.
    pub coupon_cents: i64,
}

impl Default for NoticePolicy {
    fn default() -> Self {
        Self {
            delay_margin_s: 5 * 60,
            eta_change_s: 5 * 60,
            coupon_cents: 300,
        }
    }
}

/// The notice a status change sends, with the ETA the plan gives it if any.
pub(crate) fn status_notice(order: &Order, e: &OrderEvent, eta_ms: Option<i64>) -> Notice {
    let kind = match e.status {
        OrderStatus::Assigned => NoticeKind::Assigned,
        OrderStatus::Placed => NoticeKind::Unassigned,
        OrderStatus::PickedUp => NoticeKind::PickedUp,
        OrderStatus::Delivered => NoticeKind::Delivered,
        OrderStatus::Failed => NoticeKind::Failed,
        OrderStatus::Cancelled => NoticeKind::Cancelled,
    };
    let eta_ms = eta_ms.filter(|_| !e.status.is_final());
    Notice {
        id: 0,
        order_id: order.id.clone(),
        kind,
        eta_ms,
        payload: json!({
            "status": e.status.as_str(),
            "courier_id": e.courier_id,
            "reason": e.reason,
            "store_id": order.shop_id,
            "promised_by": format_ms(order.promised_ms),
        }),
        at_ms: e.at_ms,
    }
}

/// What each open order's customer was last told.
#[derive(Debug, Default)]
pub(crate) struct EtaWatch {
    /// The last ETA told (or, before any was, the first one seen).
    told: HashMap<String, i64>,
    /// Orders already reported delayed.
    delayed: HashSet<String>,
    /// Orders whose stored notices have been read (after a restart).
    loaded: HashSet<String>,
}

impl EtaWatch {
    /// The ETA each order's customer was last told.
    pub(crate) fn told(&self) -> &HashMap<String, i64> {
        &self.told
    }

    /// Notes the ETA a notice just told (with a status change).
    pub(crate) fn tell(&mut self, order_id: &str, eta_ms: i64) {
        self.told.insert(order_id.to_string(), eta_ms);
    }

    /// Forgets an order that is done.
    pub(crate) fn forget(&mut self, order_id: &str) {
        self.told.remove(order_id);
        self.delayed.remove(order_id);
        self.loaded.remove(order_id);
    }
}

/// An order's ETA as the plan or its courier's latest fix gives it; `None`: nothing
/// plans it.
#[derive(Debug, Clone)]
pub(crate) struct EtaUpdate {
    pub(crate) order_id: String,
    pub(crate) promised_ms: i64,
    pub(crate) eta_ms: Option<i64>,
}

/// Whether the order is still placed, with no courier.
async fn awaits_courier(state: &AppState, order_id: &str) -> Result<bool, ApiError> {
    let order = state.store.order(order_id).await?;
    Ok(order.is_some_and(|o| o.status == OrderStatus::Placed))
}

fn coupon_code() -> String {
    // 16 hex digits of the OS's randomness, grouped for reading aloud.
    let s = new_secret("");
    format!("FR-{}-{}", &s[..8], &s[8..16]).to_uppercase()
}

/// Compares fresh ETAs with what customers were told, and stores the notices (and
/// coupons) that follow; wakes the webhook sender when any was stored.
pub(crate) async fn watch(state: &AppState, updates: &[EtaUpdate]) -> Result<(), ApiError> {
    let policy = state.notices;
    let now = state.clock.now_ms();
    let mut stored = 0;
    let mut watch = state.eta_watch.lock().await;
    for u in updates {
        if !watch.loaded.contains(&u.order_id) {
            for n in state.store.notices(&u.order_id).await? {
                if let Some(eta) = n.eta_ms {
                    watch.told.insert(u.order_id.clone(), eta);
                }
                if n.kind == NoticeKind::Delayed {
                    watch.delayed.insert(u.order_id.clone());
                }
            }
            watch.loaded.insert(u.order_id.clone());
        }
        let late_after = u.promised_ms + policy.delay_margin_s * 1000;
        // An order nothing plans is late once its promise and the margin have passed.
        let late = match u.eta_ms {
            Some(eta) => eta > late_after,
            None => now > late_after,
        };
        let notice = |kind, payload| Notice {
            id: 0,
            order_id: u.order_id.clone(),
            kind,
            eta_ms: u.eta_ms,
            payload,
            at_ms: now,
        };
        if late && !watch.delayed.contains(&u.order_id) {
            // While no courier has the order, a late ETA is the plan's forecast, which the
            // next plan may still mend: the delay (and its coupon) waits until a courier
            // takes it or its promise has really passed.
            if now <= late_after && awaits_courier(state, &u.order_id).await? {
                continue;
            }
            let n = notice(
                NoticeKind::Delayed,
                json!({"promised_by": format_ms(u.promised_ms), "late_by_s": u.eta_ms.map(|e| (e - u.promised_ms) / 1000)}),
            );
            let coupon = Coupon {
                code: coupon_code(),
                order_id: u.order_id.clone(),
                value_cents: policy.coupon_cents,
                reason: "delivered later than promised".to_string(),
                created_ms: now,
            };
            if state
                .store
                .record_notice(&n, Some(&coupon))
                .await?
                .is_some()
            {
                stored += 1;
            }
            watch.delayed.insert(u.order_id.clone());
            if let Some(eta) = u.eta_ms {
                watch.told.insert(u.order_id.clone(), eta);
            }
            continue;
        }
        let Some(eta) = u.eta_ms else { continue };
        match watch.told.get(&u.order_id) {
            None => {
                watch.told.insert(u.order_id.clone(), eta);
            }
            Some(&told) if (eta - told).abs() > policy.eta_change_s * 1000 => {
                let n = notice(
                    NoticeKind::EtaChanged,
                    json!({"previous_eta": format_ms(told), "promised_by": format_ms(u.promised_ms)}),
                );
                state.store.record_notice(&n, None).await?;
                stored += 1;
                watch.told.insert(u.order_id.clone(), eta);
            }
            Some(_) => {}
        }
    }
    if stored > 0 {
        state.outbox_wake.notify_one();
    }
    Ok(())
}
