//! What goes out: notices about orders, the webhooks that receive them, each delivery's
//! state and every attempt, and compensation coupons. A notice and the rows that deliver
//! it are written in one transaction, so a notice that is stored is never lost on its way
//! out.

use std::fmt;
use std::future::Future;
use std::str::FromStr;

use crate::{Storage, StoreError};

/// What a notice says happened to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    /// A courier was given the order.
    Assigned,
    /// The order was taken back from its courier.
    Unassigned,
    /// The courier has it.
    PickedUp,
    /// The customer has it.
    Delivered,
    /// It could not be delivered.
    Failed,
    /// It was called off.
    Cancelled,
    /// Its ETA passed the promise by more than the allowed margin (once per order).
    Delayed,
    /// Its ETA moved by more than the threshold since the customer was last told one.
    EtaChanged,
    /// A lot it was sold from was recalled.
    Recalled,
}

impl NoticeKind {
    /// Every kind, in the order of an order's life.
    pub const ALL: [NoticeKind; 9] = [
        NoticeKind::Assigned,
        NoticeKind::Unassigned,
        NoticeKind::PickedUp,
        NoticeKind::Delivered,
        NoticeKind::Failed,
        NoticeKind::Cancelled,
        NoticeKind::Delayed,
        NoticeKind::EtaChanged,
        NoticeKind::Recalled,
    ];

    /// The kind as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Assigned => "assigned",
            NoticeKind::Unassigned => "unassigned",
            NoticeKind::PickedUp => "picked_up",
            NoticeKind::Delivered => "delivered",
            NoticeKind::Failed => "failed",
            NoticeKind::Cancelled => "cancelled",
            NoticeKind::Delayed => "delayed",
            NoticeKind::EtaChanged => "eta_changed",
            NoticeKind::Recalled => "recalled",
        }
    }
}

impl fmt::Display for NoticeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for NoticeKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NoticeKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let all: Vec<&str> = NoticeKind::ALL.iter().map(|k| k.as_str()).collect();
                format!("unknown event {s:?}; one of {}", all.join(", "))
            })
    }
}

/// A notice about an order.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// Given by storage; 0 on a notice not yet stored.
    pub id: i64,
    /// The order.
    pub order_id: String,
    /// What happened.
    pub kind: NoticeKind,
    /// The ETA the notice tells, if it tells one (epoch ms).
    pub eta_ms: Option<i64>,
    /// What is sent, besides the envelope.
    pub payload: serde_json::Value,
    /// When it happened.
    pub at_ms: i64,
}

/// Where notices go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Chosen by the service.
    pub id: String,
    /// `http://` or `https://`.
    pub url: String,
    /// The HMAC-SHA256 key every body sent is signed with.
    pub secret: String,
    /// The kinds it receives; empty: every kind.
    pub events: Vec<NoticeKind>,
    /// When it was added.
    pub created_ms: i64,
    /// When it was switched off, if it was.
    pub disabled_ms: Option<i64>,
}

impl Webhook {
    /// Whether it receives notices of `kind`.
    pub fn wants(&self, kind: NoticeKind) -> bool {
        self.disabled_ms.is_none() && (self.events.is_empty() || self.events.contains(&kind))
    }
}

/// A notice due to be sent to a webhook, with what sending needs.
#[derive(Debug, Clone, PartialEq)]
pub struct DueDelivery {
    /// The notice.
    pub notice: Notice,
    /// Where it goes.
    pub webhook_id: String,
    /// The webhook's URL.
    pub url: String,
    /// The webhook's signing key.
    pub secret: String,
    /// Attempts made so far.
    pub attempts: i64,
}

/// One attempt to send a notice to a webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The notice.
    pub notice_id: i64,
    /// The webhook.
    pub webhook_id: String,
    /// When it started.
    pub at_ms: i64,
    /// The HTTP status answered, if any came.
    pub http_status: Option<i64>,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: i64,
}

/// What an attempt leaves the delivery as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterAttempt {
    /// Received: nothing more to do.
    Delivered,
    /// Try again at this time (epoch ms).
    RetryAt(i64),
    /// Out of attempts: kept in the log, not tried again.
    GiveUp,
}

/// A compensation for an order that broke its promise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coupon {
    /// What the customer types in.
    pub code: String,
    /// The order it makes up for.
    pub order_id: String,
    /// Its value, cents.
    pub value_cents: i64,
    /// Why it was given.
    pub reason: String,
    /// When.
    pub created_ms: i64,
}

/// Storage of what goes out.
pub trait Outbox: Storage {
    /// Adds a webhook; [`StoreError::Conflict`] if its id is taken.
    fn insert_webhook(&self, w: &Webhook) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Every webhook, switched off or not, by id.
    fn webhooks(&self) -> impl Future<Output = Result<Vec<Webhook>, StoreError>> + Send;

    /// Changes where a webhook on sends and what it wants; `false` when no such webhook
    /// is on. Deliveries already due go to the new URL.
    fn change_webhook(
        &self,
        id: &str,
        url: &str,
        events: &[NoticeKind],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Switches a webhook off: it receives nothing new, and what was still due to it is
    /// given up.
    /// `false` when no such webhook is on.
    fn disable_webhook(
        &self,
        id: &str,
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Stores a notice, a delivery of it to every webhook that wants it, and `coupon` if
    /// given, in one transaction; returns the notice's id. `None`, writing nothing, when
    /// the order already has a `delayed` notice and this is one.
    fn record_notice(
        &self,
        notice: &Notice,
        coupon: Option<&Coupon>,
    ) -> impl Future<Output = Result<Option<i64>, StoreError>> + Send;

    /// An order's notices, oldest first.
    fn notices(
        &self,
        order_id: &str,
    ) -> impl Future<Output = Result<Vec<Notice>, StoreError>> + Send;

    /// Deliveries due at `now_ms`, earliest first, at most `limit`.
    fn due_deliveries(
        &self,
        now_ms: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<DueDelivery>, StoreError>> + Send;

    /// Logs an attempt and moves its delivery on, in one transaction; a delivery
    /// cancelled meanwhile (its webhook switched off) stays cancelled.
    fn record_attempt(
        &self,
        attempt: &Attempt,
        after: AfterAttempt,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// A webhook's attempts, newest first, at most `limit`.
    fn attempts(
        &self,
        webhook_id: &str,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Attempt>, StoreError>> + Send;

    /// The coupon given for an order, if one was.
    fn coupon(
        &self,
        order_id: &str,
    ) -> impl Future<Output = Result<Option<Coupon>, StoreError>> + Send;
}
