//! freshroute's storage: stores, couriers, orders, API keys and GPS fixes behind one trait,
//! what goes out (notices, webhooks, coupons) behind a second, [`Outbox`], and the
//! latest dispatch plan behind a third, [`PlanStore`].
//!
//! [`Storage`] is what the service needs; [`SqliteStore`] (the embedded default, one
//! file in WAL mode) and [`PgStore`] implement it, each migrated at connect time from its
//! own folder under `migrations/`. Queries are checked at run time, so building needs no
//! database. Every write that returns `Ok` is committed: a caller may acknowledge it.

mod alerts;
mod any_store;
mod backend;
mod error;
mod ledger;
mod outbox;
mod outbox_sql;
mod plans;
mod purchasing;
mod records;
mod sales;
mod sessions;
mod stop_orders;
pub mod testing;
mod transfers;

use std::future::Future;

pub use alerts::{AlertLine, Crossing, StockAlerts};
pub use backend::{AnyStore, PgStore, SqliteStore, connect};
pub use error::StoreError;
pub use ledger::{
    Balance, Batch, Direction, Ingredient, Ledger, Lot, MoveKind, Movement, ORDER_REFERENCE,
    Recall, StockLot, StorageZone, Take, Taken, Trace,
};
pub use outbox::{AfterAttempt, Attempt, Coupon, DueDelivery, Notice, NoticeKind, Outbox, Webhook};
pub use plans::{PlanStore, PlannedOrder};
pub use purchasing::{PoEvent, PoStatus, ProcurementRound, PurchaseOrder, Purchasing, StoreModel};
pub use records::{
    ApiKey, Courier, Duty, FixRecord, Order, OrderEvent, OrderStatus, Role, Roster, Shop,
    StoredReply, Window, Zone,
};
pub use sales::{SaleDay, Sales};
pub use sessions::{Session, Sessions};
pub use stop_orders::{StopOrder, StopOrders};
pub use transfers::{Decided, Decision, TRANSFER_REFERENCE, Transfer, TransferStatus, Transfers};

/// What the service stores and reads back.
pub trait Storage: Clone + Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// How many write transactions are worth running at once: one for SQLite (a single
    /// writer holds the file's lock), more for PostgreSQL (one commit's sync to disk
    /// overlaps the next one's inserts).
    fn concurrent_writes(&self) -> usize;

    /// Adds a courier; [`StoreError::Conflict`] if its id, device id or secret is taken.
    fn insert_courier(&self, c: &Courier) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Replaces a courier's changeable fields (all but its id, secret and creation time);
    /// `false` when no courier has its id. A device id another courier has is a conflict.
    fn update_courier(&self, c: &Courier) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// A courier by id.
    fn courier(&self, id: &str)
    -> impl Future<Output = Result<Option<Courier>, StoreError>> + Send;

    /// A courier by the hash of the secret in its tracking URL.
    fn courier_by_secret(
        &self,
        secret_hash: &str,
    ) -> impl Future<Output = Result<Option<Courier>, StoreError>> + Send;

    /// Replaces a courier's tracking secret (its hash); `false` if no courier has `id`.
    fn set_courier_secret(
        &self,
        id: &str,
        secret_hash: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Adds an API key (its hash).
    fn insert_api_key(&self, key: &ApiKey) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Every API key, oldest first.
    fn api_keys(&self) -> impl Future<Output = Result<Vec<ApiKey>, StoreError>> + Send;

    /// Names a key (the person or system holding it); `false` when no key has the hash.
    fn rename_api_key(
        &self,
        key_hash: &str,
        name: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Marks a key revoked at `at_ms`; `false` if no unrevoked key has this hash.
    fn revoke_api_key(
        &self,
        key_hash: &str,
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// An API key by its hash.
    fn api_key(
        &self,
        key_hash: &str,
    ) -> impl Future<Output = Result<Option<ApiKey>, StoreError>> + Send;

    /// The courier's accepted fix closest before `fix_ms`, if any.
    fn accepted_fix_before(
        &self,
        courier_id: &str,
        fix_ms: i64,
    ) -> impl Future<Output = Result<Option<FixRecord>, StoreError>> + Send;

    /// Stores fixes in one transaction. A fix given as accepted whose courier already
    /// has an accepted fix at the same time is stored as filtered with reason
    /// `duplicate`. Returns each fix's final reason (`None`: accepted).
    fn insert_fixes(
        &self,
        fixes: &[FixRecord],
    ) -> impl Future<Output = Result<Vec<Option<String>>, StoreError>> + Send;

    /// Every courier's latest accepted fix (by fix time).
    fn latest_fixes(&self) -> impl Future<Output = Result<Vec<FixRecord>, StoreError>> + Send;

    /// A courier's fixes, accepted or not, with fix times in `[from_ms, to_ms]`, by fix time.
    fn fixes(
        &self,
        courier_id: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> impl Future<Output = Result<Vec<FixRecord>, StoreError>> + Send;

    /// Deletes fixes received before `server_ms`; returns how many.
    fn delete_fixes_before(
        &self,
        server_ms: i64,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Adds a store of the chain; [`StoreError::Conflict`] if its id is taken.
    fn insert_shop(&self, shop: &Shop) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Replaces a store's changeable fields (all but its id and creation time); `false`
    /// when no store has its id.
    fn update_shop(&self, shop: &Shop) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// A store by id.
    fn shop(&self, id: &str) -> impl Future<Output = Result<Option<Shop>, StoreError>> + Send;

    /// Every store, by id.
    fn shops(&self) -> impl Future<Output = Result<Vec<Shop>, StoreError>> + Send;

    /// Every courier, by id.
    fn couriers(&self) -> impl Future<Output = Result<Vec<Courier>, StoreError>> + Send;

    /// Adds an order with its first event (its status, set by `actor`) and, when the
    /// request carried an idempotency key, the answer to replay to its retries, in one
    /// transaction; [`StoreError::Conflict`] if its id (or the key) is taken,
    /// [`StoreError::MissingReference`] if its store or courier is unknown.
    fn insert_order(
        &self,
        order: &Order,
        actor: &str,
        reply: Option<&StoredReply>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The answer stored for idempotency key `key` of `scope`, if any.
    fn stored_reply(
        &self,
        scope: &str,
        key: &str,
    ) -> impl Future<Output = Result<Option<StoredReply>, StoreError>> + Send;

    /// Deletes the stored answers first given before `created_ms`; returns how many.
    fn delete_replies_before(
        &self,
        created_ms: i64,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Gives an order a new tracking token (its hash) and expiry; the old one stops
    /// working. `false` when no such order exists.
    fn set_order_tracking(
        &self,
        order_id: &str,
        tracking_hash: &str,
        expires_ms: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// An order by id.
    fn order(&self, id: &str) -> impl Future<Output = Result<Option<Order>, StoreError>> + Send;

    /// The order whose tracking token hashes to `tracking_hash`.
    fn order_by_tracking(
        &self,
        tracking_hash: &str,
    ) -> impl Future<Output = Result<Option<Order>, StoreError>> + Send;

    /// Orders, newest first, at most `limit`, optionally of one status or one store.
    fn orders(
        &self,
        status: Option<OrderStatus>,
        shop_id: Option<&str>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Order>, StoreError>> + Send;

    /// How many orders are open (placed, assigned or picked up) and when the latest of
    /// them last changed, ms (0 when none is): a mark that moves whenever an open order
    /// is added, changed or closed, read in one query.
    fn open_orders_mark(&self) -> impl Future<Output = Result<(i64, i64), StoreError>> + Send;

    /// Moves an order from status `from` to the event's status and courier, and records
    /// the event and `notice` (with its webhook deliveries, see [`Outbox`]), in one
    /// transaction. Returns `false`, changing nothing, when the order is no longer in
    /// status `from` (another change came first).
    fn update_order_status(
        &self,
        from: OrderStatus,
        event: &OrderEvent,
        notice: Option<&Notice>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// An order's events, oldest first.
    fn order_events(
        &self,
        order_id: &str,
    ) -> impl Future<Output = Result<Vec<OrderEvent>, StoreError>> + Send;
}
