//! The stock ledger: lots, every movement of a lot at a place (a store's temperature
//! zone), appended and never changed, and each lot's balance per place kept in step in
//! the same transaction, never below zero. A batch of movements is stored whole or not
//! at all. A trace follows a lot through the production batches that used it, or back
//! through the batch that made it.

use std::future::Future;

use sqlx::Row;

use crate::{Notice, NoticeKind, PgStore, SqliteStore, Storage, StoreError};

/// An article's batch: from a supplier (its lot number on the case) or made in a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lot {
    /// Its id in the ledger.
    pub id: String,
    /// The article.
    pub sku: String,
    /// The supplier's lot number, or the batch's.
    pub lot_number: String,
    /// The last day it may be sold, YYYY-MM-DD.
    pub expiry_date: String,
    /// The purchase order it came with.
    pub po_id: Option<String>,
    /// The production batch that made it.
    pub made_by: Option<String>,
    /// When it was recalled.
    pub recalled_ms: Option<i64>,
    /// When the ledger first saw it.
    pub created_ms: i64,
    /// The instant it may no longer be sold, for goods that keep hours rather than days
    /// (a strawberry cake made in the store); its last day still bounds it.
    pub expires_ms: Option<i64>,
}

impl Lot {
    /// The id of a supplier's lot: its article and number, which no other lot shares
    /// (`:` is in neither).
    pub fn supplier_lot_id(sku: &str, lot_number: &str) -> String {
        format!("{sku}:{lot_number}")
    }
}

/// A lot's units on hand at a place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockLot {
    /// The lot.
    pub lot: Lot,
    /// The store.
    pub shop_id: String,
    /// Where in the store.
    pub zone: StorageZone,
    /// Whole units.
    pub units: i64,
}

/// Where stock stands in a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StorageZone {
    /// The freezer.
    Frozen,
    /// The fridge.
    Chilled,
    /// The shelf.
    Ambient,
}

impl StorageZone {
    /// Every zone.
    pub const ALL: [StorageZone; 3] = [Self::Frozen, Self::Chilled, Self::Ambient];

    /// `frozen`, `chilled` or `ambient`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Frozen => "frozen",
            Self::Chilled => "chilled",
            Self::Ambient => "ambient",
        }
    }

    /// The zone a name says, if any.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|z| z.as_str() == name)
    }
}

/// What moved stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MoveKind {
    /// Received from a supplier (in).
    Received,
    /// Sold, at the till or to a delivered order (out).
    Sold,
    /// Used in production (out).
    Used,
    /// Made in the store (in).
    Made,
    /// Sent to another store (out).
    TransferredOut,
    /// Come from another store (in).
    TransferredIn,
    /// Thrown away: expired or damaged (out).
    Wasted,
    /// A count's difference from the ledger (in or out).
    Counted,
    /// Taken off sale by a recall (out).
    Recalled,
}

impl MoveKind {
    /// Every kind.
    pub const ALL: [MoveKind; 9] = [
        Self::Received,
        Self::Sold,
        Self::Used,
        Self::Made,
        Self::TransferredOut,
        Self::TransferredIn,
        Self::Wasted,
        Self::Counted,
        Self::Recalled,
    ];

    /// Its name in the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Sold => "sold",
            Self::Used => "used",
            Self::Made => "made",
            Self::TransferredOut => "transferred_out",
            Self::TransferredIn => "transferred_in",
            Self::Wasted => "wasted",
            Self::Counted => "counted",
            Self::Recalled => "recalled",
        }
    }

    /// The kind a name says, if any.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Whether `units` (signed: in is positive) fits the kind: receipts, production and
    /// transfers in add; sales, use, transfers out, waste and recalls take; a count may
    /// do either; none moves nothing.
    pub fn allows(self, units: i64) -> bool {
        match self {
            Self::Received | Self::Made | Self::TransferredIn => units > 0,
            Self::Counted => units != 0,
            _ => units < 0,
        }
    }
}

/// A movement of a lot at a place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement {
    /// Its number in the ledger (0 before it is stored).
    pub id: i64,
    /// The lot.
    pub lot_id: String,
    /// The store.
    pub shop_id: String,
    /// Where in the store.
    pub zone: StorageZone,
    /// What moved it.
    pub kind: MoveKind,
    /// Whole units, in (+) or out (−) of the place.
    pub units: i64,
    /// What it belongs to: the order, transfer, batch, receipt or count.
    pub reference: Option<String>,
    /// Who recorded it.
    pub actor: String,
    /// When.
    pub at_ms: i64,
}

/// A lot's units at a place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balance {
    /// The lot.
    pub lot_id: String,
    /// The store.
    pub shop_id: String,
    /// Where in the store.
    pub zone: StorageZone,
    /// Units on hand.
    pub units: i64,
}

/// Units of an article taken from a place's lots, oldest expiry first: a sale, a use in
/// production, waste or a transfer out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Take {
    /// The store.
    pub shop_id: String,
    /// Where in the store.
    pub zone: StorageZone,
    /// The article.
    pub sku: String,
    /// Whole units wanted, above 0.
    pub units: i64,
    /// What takes them (a kind that moves stock out).
    pub kind: MoveKind,
    /// The day: lots whose last day is before it are not taken.
    pub today: String,
    /// What it belongs to.
    pub reference: Option<String>,
    /// Who records it.
    pub actor: String,
    /// When.
    pub at_ms: i64,
}

/// What a take took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    /// A movement per lot taken from, oldest expiry first, as stored.
    pub movements: Vec<Movement>,
    /// Units wanted that no sellable lot held: a shortfall, never negative stock.
    pub shortfall: i64,
}

/// An ingredient of a production batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingredient {
    /// The article.
    pub sku: String,
    /// Where the store keeps it.
    pub zone: StorageZone,
    /// Whole units the batch uses, above 0.
    pub units: i64,
}

/// A production batch: ingredients used, a lot made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Its id: the reference of its movements, the made lot's `made_by`.
    pub id: String,
    /// The store.
    pub shop_id: String,
    /// The lot it makes (new).
    pub made: Lot,
    /// Where the made lot is kept.
    pub zone: StorageZone,
    /// Units made, above 0.
    pub units: i64,
    /// What it uses.
    pub ingredients: Vec<Ingredient>,
    /// The day: ingredient lots past their last day are not used.
    pub today: String,
    /// Who made it.
    pub actor: String,
    /// When.
    pub at_ms: i64,
}

/// What a recall did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recall {
    /// The lots marked recalled: the one recalled, then what was made from it.
    pub lots: Vec<String>,
    /// The units taken off sale, a `recalled` movement per lot and place that held any.
    pub movements: Vec<Movement>,
    /// The customers' orders any of them was sold to, with the store that sold it, by id.
    pub orders: Vec<(String, String)>,
    /// Those still stored, each told by a `recalled` notice (sent to the webhooks that
    /// want it) in the recall's transaction.
    pub told: Vec<String>,
    /// Transfers on their way that carry any of the lots, flagged in the same transaction.
    pub transfers: Vec<String>,
}

/// How a movement's reference names a customer's order: `order:ID`.
pub const ORDER_REFERENCE: &str = "order:";

impl Movement {
    /// The customer's order the movement's reference names, if it names one.
    pub fn order(&self) -> Option<&str> {
        self.reference.as_deref()?.strip_prefix(ORDER_REFERENCE)
    }
}

/// Which way a trace goes from its lot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// To what was made from it, and from that, on.
    Downstream,
    /// To what it was made from, and that from, back.
    Upstream,
}

/// What a trace reaches from a lot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trace {
    /// The lots, the one traced first, then by how many batches away they are.
    pub lots: Vec<Lot>,
    /// How many production batches away from the lot traced each lot is, lot by lot.
    pub steps: Vec<i64>,
    /// Every movement of those lots, lot by lot in that order, each in the order recorded.
    pub movements: Vec<Movement>,
}

/// The stock ledger.
pub trait Ledger: Storage {
    /// Adds a lot; [`StoreError::Conflict`] when its id, or its article and number, is taken.
    fn add_lot(&self, lot: &Lot) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// A lot by id.
    fn lot(&self, id: &str) -> impl Future<Output = Result<Option<Lot>, StoreError>> + Send;

    /// Appends `moves` and changes the balances they touch, in one transaction: all are
    /// stored, or none ([`StoreError::NotEnough`] when one would take more than its place
    /// holds, [`StoreError::Invalid`] when its sign does not fit its kind,
    /// [`StoreError::MissingReference`] for an unknown lot or store). Returns their ids.
    fn record(
        &self,
        moves: &[Movement],
    ) -> impl Future<Output = Result<Vec<i64>, StoreError>> + Send;

    /// The units on hand of every lot at every place of `shop_id` (or of every store),
    /// by store, zone and lot; places left empty are not listed.
    fn balances(
        &self,
        shop_id: Option<&str>,
    ) -> impl Future<Output = Result<Vec<Balance>, StoreError>> + Send;

    /// The lots on hand at every place of `shop_id` (or of every store), by store,
    /// article, last day, lot number and zone; places left empty are not listed.
    fn stock(
        &self,
        shop_id: Option<&str>,
    ) -> impl Future<Output = Result<Vec<StockLot>, StoreError>> + Send;

    /// Records a count of a store, in one transaction: each lot counted is added to the
    /// ledger unless it is there, and a `counted` movement per place brings the ledger
    /// to what was counted (a place the count does not list holds nothing). Returns the
    /// differences, as stored. [`StoreError::Recalled`] when units of a recalled lot are
    /// counted; [`StoreError::Invalid`] when a lot's number is known with another article
    /// or last day, or a count is below zero.
    fn count(
        &self,
        shop_id: &str,
        counted: &[StockLot],
        actor: &str,
        at_ms: i64,
    ) -> impl Future<Output = Result<Vec<Movement>, StoreError>> + Send;

    /// Every movement of a lot, in the order recorded.
    fn lot_movements(
        &self,
        lot_id: &str,
    ) -> impl Future<Output = Result<Vec<Movement>, StoreError>> + Send;

    /// The lots a lot leads to (`Downstream`: those made by the batches that used it,
    /// and on) or comes from (`Upstream`: those the batch that made it used, and back),
    /// the one traced first, then by how many batches away, with all their movements;
    /// `None` when no lot has this id. One recursive query finds the lots, one more
    /// reads their movements.
    fn trace(
        &self,
        lot_id: &str,
        direction: Direction,
    ) -> impl Future<Output = Result<Option<Trace>, StoreError>> + Send;

    /// Takes `take.units` of the article from the place's lots, oldest last day first,
    /// never from a lot past its last day or recalled, in one transaction; what the lots
    /// do not hold is the shortfall, recorded with it. [`StoreError::NotEnough`] only when another writer
    /// took the same units meanwhile (nothing is stored; take again).
    fn take_oldest_first(
        &self,
        take: &Take,
    ) -> impl Future<Output = Result<Taken, StoreError>> + Send;

    /// Recalls a lot and every lot made from it (its downstream trace): each marked
    /// recalled, every unit of them, wherever it is, taken off sale, and every stored
    /// customer's order they were sold to told by a `recalled` notice, in one
    /// transaction. `None` when no lot has this id; [`StoreError::Conflict`] when it
    /// was recalled already.
    fn recall(
        &self,
        lot_id: &str,
        actor: &str,
        at_ms: i64,
    ) -> impl Future<Output = Result<Option<Recall>, StoreError>> + Send;

    /// Makes a production batch in one transaction: each ingredient taken from the
    /// store's lots oldest first (as a sale is), the batch's lot added and its units
    /// made; [`StoreError::Short`] (nothing stored) when an ingredient's sellable lots
    /// hold too little. Returns the movements, the uses first.
    fn produce(
        &self,
        batch: &Batch,
    ) -> impl Future<Output = Result<Vec<Movement>, StoreError>> + Send;

    /// Moves every unit of a lot past its last day (before `today`) or its instant
    /// (`now_ms`) to waste, `wasted` with reference `expired`, in one transaction.
    fn expire(
        &self,
        today: &str,
        now_ms: i64,
        actor: &str,
    ) -> impl Future<Output = Result<Vec<Movement>, StoreError>> + Send;

    /// Lots on hand whose last day is `by_day` or sooner, or whose instant is `by_ms` or
    /// sooner: what will expire, to warn of.
    fn expiring(
        &self,
        by_day: &str,
        by_ms: i64,
    ) -> impl Future<Output = Result<Vec<StockLot>, StoreError>> + Send;

    /// Units of `sku` taken for `reference` so far, the shortfalls included: what of a
    /// sale was served, so that a sale told again takes only what it adds.
    fn taken_for(
        &self,
        reference: &str,
        sku: &str,
    ) -> impl Future<Output = Result<i64, StoreError>> + Send;

    /// The lots a production batch made.
    fn lots_made_by(
        &self,
        batch: &str,
    ) -> impl Future<Output = Result<Vec<Lot>, StoreError>> + Send;

    /// The lots a production batch used.
    fn lots_used_by(
        &self,
        batch: &str,
    ) -> impl Future<Output = Result<Vec<Lot>, StoreError>> + Send;
}

/// Refuses a movement whose sign does not fit its kind.
fn check(index: usize, m: &Movement) -> Result<(), StoreError> {
    if m.kind.allows(m.units) {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "movement {index} ({}) of {} units: {} moves stock {}",
            m.kind.as_str(),
            m.units,
            m.kind.as_str(),
            match m.kind {
                MoveKind::Received | MoveKind::Made | MoveKind::TransferredIn => "in",
                MoveKind::Counted => "in or out",
                _ => "out",
            }
        )))
    }
}

/// A refused balance change: below zero, or a lot or store that does not exist.
fn refused(e: sqlx::Error, index: usize, m: &Movement) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_check_violation() => StoreError::NotEnough {
            lot: m.lot_id.clone(),
            place: format!("{}/{}", m.shop_id, m.zone.as_str()),
            index,
        },
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
            StoreError::MissingReference("the movement's lot or store")
        }
        _ => StoreError::Database(e),
    }
}

/// A stored zone read back.
fn zone_of(name: &str) -> Result<StorageZone, StoreError> {
    StorageZone::parse(name).ok_or_else(|| corrupt("zone", name))
}

fn corrupt(what: &'static str, value: &str) -> StoreError {
    StoreError::Corrupt {
        what,
        detail: format!("{value:?} is not one"),
    }
}

/// Most production steps a trace follows from its lot (no real recipe is this deep; a
/// lot that would be made from itself cannot loop).
const TRACE_DEPTH: i64 = 64;

/// The lots a trace reaches, as `reach (id, depth)`, from lot `$1` at most `$2` batches away.
fn reach(direction: Direction) -> &'static str {
    match direction {
        Direction::Downstream => {
            "WITH RECURSIVE reach (id, depth) AS ( \
               SELECT id, CAST(0 AS BIGINT) FROM lots WHERE id = $1 \
               UNION \
               SELECT made.id, r.depth + 1 FROM reach r \
               JOIN stock_movements m ON m.lot_id = r.id AND m.kind = 'used' \
               JOIN lots made ON made.made_by = m.reference \
               WHERE r.depth < $2) "
        }
        Direction::Upstream => {
            "WITH RECURSIVE reach (id, depth) AS ( \
               SELECT id, CAST(0 AS BIGINT) FROM lots WHERE id = $1 \
               UNION \
               SELECT m.lot_id, r.depth + 1 FROM reach r \
               JOIN lots me ON me.id = r.id \
               JOIN stock_movements m ON m.kind = 'used' AND m.reference = me.made_by \
               WHERE r.depth < $2) "
        }
    }
}

const LOT_COLUMNS: &str =
    "id, sku, lot_number, expiry_date, po_id, made_by, recalled_ms, created_ms, expires_ms";
const MOVE_COLUMNS: &str = "id, lot_id, shop_id, zone, kind, units, reference, actor, at_ms";

/// Refuses a lot given with an article or last day other than the ledger's.
fn same_lot(given: &Lot, stored: &Lot) -> Result<(), StoreError> {
    if given.sku == stored.sku && given.expiry_date == stored.expiry_date {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "lot {} is known as {} with last day {}, not {} with last day {}",
            given.lot_number, stored.sku, stored.expiry_date, given.sku, given.expiry_date
        )))
    }
}

/// `$ids_of_json`: the backend's query of the texts of the JSON array bound as `$1`;
/// `$begin_write`: how a transaction that reads before it writes begins. SQLite's takes
/// the write lock at once (waiting its turn), or a read that another writer overtook
/// could not become a write and would fail at once with "database is locked".
macro_rules! ledger_impl {
    ($store:ty, $db:ty, $ids_of_json:expr, $begin_write:expr) => {
        impl $store {
            /// A lot's columns read back.
            fn lot_of(row: &<$db as sqlx::Database>::Row) -> Result<Lot, StoreError> {
                Ok(Lot {
                    id: row.try_get("id")?,
                    sku: row.try_get("sku")?,
                    lot_number: row.try_get("lot_number")?,
                    expiry_date: row.try_get("expiry_date")?,
                    po_id: row.try_get("po_id")?,
                    made_by: row.try_get("made_by")?,
                    recalled_ms: row.try_get("recalled_ms")?,
                    created_ms: row.try_get("created_ms")?,
                    expires_ms: row.try_get("expires_ms")?,
                })
            }

            /// Takes `t` in `tx`, its movements numbered from `first` in their batch; what
            /// the lots lack is the shortfall, not recorded here.
            pub(crate) async fn take_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                t: &Take,
                first: usize,
            ) -> Result<Taken, StoreError> {
                if t.units <= 0 || !t.kind.allows(-1) || t.kind == MoveKind::Counted {
                    return Err(StoreError::Invalid(format!(
                        "a take is of units above 0 by a kind that moves stock out; not {} by {}",
                        t.units,
                        t.kind.as_str()
                    )));
                }
                let rows = sqlx::query(
                    "SELECT b.lot_id, b.units FROM stock_balances b JOIN lots l ON l.id = b.lot_id \
                     WHERE b.shop_id = $1 AND b.zone = $2 AND l.sku = $3 AND b.units > 0 \
                     AND l.expiry_date >= $4 AND (l.expires_ms IS NULL OR l.expires_ms > $5) \
                     AND l.recalled_ms IS NULL \
                     ORDER BY l.expiry_date, COALESCE(l.expires_ms, 9223372036854775807), l.id",
                )
                .bind(&t.shop_id)
                .bind(t.zone.as_str())
                .bind(&t.sku)
                .bind(&t.today)
                .bind(t.at_ms)
                .fetch_all(&mut **tx)
                .await?;
                let mut left = t.units;
                let mut movements = Vec::new();
                for row in &rows {
                    if left == 0 {
                        break;
                    }
                    let on_hand: i64 = row.try_get("units")?;
                    let units = on_hand.min(left);
                    left -= units;
                    let mut m = Movement {
                        id: 0,
                        lot_id: row.try_get("lot_id")?,
                        shop_id: t.shop_id.clone(),
                        zone: t.zone,
                        kind: t.kind,
                        units: -units,
                        reference: t.reference.clone(),
                        actor: t.actor.clone(),
                        at_ms: t.at_ms,
                    };
                    m.id = Self::append(tx, first + movements.len(), &m).await?;
                    movements.push(m);
                }
                Ok(Taken {
                    movements,
                    shortfall: left,
                })
            }

            /// Inserts a lot in `tx`, `then` the statement's ending (`ON CONFLICT DO
            /// NOTHING` to keep a lot already there); [`StoreError::Conflict`] when its
            /// id, or its article and number, is taken.
            async fn insert_lot(
                tx: &mut sqlx::Transaction<'_, $db>,
                lot: &Lot,
                then: &str,
            ) -> Result<(), StoreError> {
                let sql = format!(
                    "INSERT INTO lots (id, sku, lot_number, expiry_date, po_id, made_by, \
                     recalled_ms, created_ms, expires_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) {then}"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(&lot.id)
                .bind(&lot.sku)
                .bind(&lot.lot_number)
                .bind(&lot.expiry_date)
                .bind(&lot.po_id)
                .bind(&lot.made_by)
                .bind(lot.recalled_ms)
                .bind(lot.created_ms)
                .bind(lot.expires_ms)
                .execute(&mut **tx)
                .await
                .map_err(|e| {
                    crate::backend::conflict(e, "a lot with this id, or this article and number")
                })?;
                Ok(())
            }

            /// Lots on hand of `shop_id` (or every store) whose lot meets `condition`
            /// (on `$2` text and `$3` an integer), in the stock's order.
            async fn stock_where(
                &self,
                shop_id: Option<&str>,
                condition: &str,
                text: &str,
                number: i64,
            ) -> Result<Vec<StockLot>, StoreError> {
                let sql = format!(
                    "SELECT l.id, l.sku, l.lot_number, l.expiry_date, l.po_id, l.made_by, \
                     l.recalled_ms, l.created_ms, l.expires_ms, b.shop_id, b.zone, b.units \
                     FROM stock_balances b JOIN lots l ON l.id = b.lot_id \
                     WHERE b.units > 0 AND ($1 IS NULL OR b.shop_id = $1) AND {condition} \
                     ORDER BY b.shop_id, l.sku, l.expiry_date, l.lot_number, b.zone"
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(shop_id)
                    .bind(text)
                    .bind(number)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(Self::stock_lot_of).collect()
            }

            /// A lot's columns with its place's (`shop_id`, `zone`, `units`) read back.
            pub(crate) fn stock_lot_of(
                row: &<$db as sqlx::Database>::Row,
            ) -> Result<StockLot, StoreError> {
                let zone: String = row.try_get("zone")?;
                Ok(StockLot {
                    lot: Self::lot_of(row)?,
                    shop_id: row.try_get("shop_id")?,
                    zone: zone_of(&zone)?,
                    units: row.try_get("units")?,
                })
            }

            /// Tells each of `orders` still stored that `lot_id` was recalled: a
            /// `recalled` notice and its deliveries, in `tx`. Returns the orders told.
            async fn tell_recall(
                tx: &mut sqlx::Transaction<'_, $db>,
                lot_id: &str,
                orders: &[(String, String)],
                at_ms: i64,
            ) -> Result<Vec<String>, StoreError> {
                let ids: Vec<&str> = orders.iter().map(|(o, _)| o.as_str()).collect();
                let sql = format!("SELECT id FROM orders WHERE id IN ({}) ORDER BY id", $ids_of_json);
                let stored: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(serde_json::json!(ids).to_string())
                    .fetch_all(&mut **tx)
                    .await?
                    .iter()
                    .map(|r| r.try_get("id"))
                    .collect::<Result<_, _>>()?;
                for (order_id, shop_id) in orders.iter().filter(|(o, _)| stored.contains(o)) {
                    let notice = Notice {
                        id: 0,
                        order_id: order_id.clone(),
                        kind: NoticeKind::Recalled,
                        eta_ms: None,
                        payload: serde_json::json!({"lot_id": lot_id, "store_id": shop_id}),
                        at_ms,
                    };
                    Self::notice_in(tx, &notice).await?;
                }
                Ok(stored)
            }

            /// A movement's columns read back.
            fn movement_of(row: &<$db as sqlx::Database>::Row) -> Result<Movement, StoreError> {
                let zone: String = row.try_get("zone")?;
                let kind: String = row.try_get("kind")?;
                Ok(Movement {
                    id: row.try_get("id")?,
                    lot_id: row.try_get("lot_id")?,
                    shop_id: row.try_get("shop_id")?,
                    zone: zone_of(&zone)?,
                    kind: MoveKind::parse(&kind).ok_or_else(|| corrupt("movement kind", &kind))?,
                    units: row.try_get("units")?,
                    reference: row.try_get("reference")?,
                    actor: row.try_get("actor")?,
                    at_ms: row.try_get("at_ms")?,
                })
            }

            /// Adds `lot` in `tx` unless the ledger has it, and checks the one it has is
            /// the same (and, if `to_stock`, not recalled).
            pub(crate) async fn bring_lot(
                tx: &mut sqlx::Transaction<'_, $db>,
                lot: &Lot,
                to_stock: bool,
            ) -> Result<(), StoreError> {
                Self::insert_lot(tx, lot, "ON CONFLICT DO NOTHING").await?;
                let sql = format!("SELECT {LOT_COLUMNS} FROM lots WHERE id = $1");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(&lot.id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or(StoreError::Conflict("a lot with this article and number"))?;
                let stored = Self::lot_of(&row)?;
                same_lot(lot, &stored)?;
                if to_stock && stored.recalled_ms.is_some() {
                    return Err(StoreError::Recalled(stored.id));
                }
                Ok(())
            }

            /// Appends movement `k` of its batch and changes its balance, in `tx`.
            pub(crate) async fn append(
                tx: &mut sqlx::Transaction<'_, $db>,
                k: usize,
                m: &Movement,
            ) -> Result<i64, StoreError> {
                let id: i64 = sqlx::query(
                    "INSERT INTO stock_movements (lot_id, shop_id, zone, kind, units, \
                     reference, actor, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     RETURNING id",
                )
                .bind(&m.lot_id)
                .bind(&m.shop_id)
                .bind(m.zone.as_str())
                .bind(m.kind.as_str())
                .bind(m.units)
                .bind(&m.reference)
                .bind(&m.actor)
                .bind(m.at_ms)
                .fetch_one(&mut **tx)
                .await
                .map_err(|e| refused(e, k, m))?
                .try_get("id")?;
                // The place's row first (a proposed row is checked before its
                // conflict is), then the change, which the check keeps at zero or more.
                sqlx::query(
                    "INSERT INTO stock_balances (lot_id, shop_id, zone, units) \
                     VALUES ($1, $2, $3, 0) ON CONFLICT (lot_id, shop_id, zone) DO NOTHING",
                )
                .bind(&m.lot_id)
                .bind(&m.shop_id)
                .bind(m.zone.as_str())
                .execute(&mut **tx)
                .await
                .map_err(|e| refused(e, k, m))?;
                sqlx::query(
                    "UPDATE stock_balances SET units = units + $4 \
                     WHERE lot_id = $1 AND shop_id = $2 AND zone = $3",
                )
                .bind(&m.lot_id)
                .bind(&m.shop_id)
                .bind(m.zone.as_str())
                .bind(m.units)
                .execute(&mut **tx)
                .await
                .map_err(|e| refused(e, k, m))?;
                Ok(id)
            }

            /// The lots `condition` (on one bound text, `$1`) picks, by id.
            async fn lots_where(&self, condition: &str, value: &str) -> Result<Vec<Lot>, StoreError> {
                let sql = format!("SELECT {LOT_COLUMNS} FROM lots WHERE {condition} ORDER BY id");
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(value)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(Self::lot_of).collect()
            }
        }

        impl Ledger for $store {
            async fn add_lot(&self, lot: &Lot) -> Result<(), StoreError> {
                let mut tx = self.pool.begin_with($begin_write).await?;
                Self::insert_lot(&mut tx, lot, "").await?;
                tx.commit().await?;
                Ok(())
            }

            async fn lot(&self, id: &str) -> Result<Option<Lot>, StoreError> {
                Ok(self.lots_where("id = $1", id).await?.pop())
            }

            async fn lots_made_by(&self, batch: &str) -> Result<Vec<Lot>, StoreError> {
                self.lots_where("made_by = $1", batch).await
            }

            async fn recall(
                &self,
                lot_id: &str,
                actor: &str,
                at_ms: i64,
            ) -> Result<Option<Recall>, StoreError> {
                let Some(trace) = self.trace(lot_id, Direction::Downstream).await? else {
                    return Ok(None);
                };
                if trace.lots[0].recalled_ms.is_some() {
                    return Err(StoreError::Conflict("a recall of this lot"));
                }
                let mut tx = self.pool.begin_with($begin_write).await?;
                let mut movements = Vec::new();
                for lot in &trace.lots {
                    sqlx::query("UPDATE lots SET recalled_ms = $1 WHERE id = $2 AND recalled_ms IS NULL")
                        .bind(at_ms)
                        .bind(&lot.id)
                        .execute(&mut *tx)
                        .await?;
                    let held = sqlx::query(
                        "SELECT shop_id, zone, units FROM stock_balances \
                         WHERE lot_id = $1 AND units > 0 ORDER BY shop_id, zone",
                    )
                    .bind(&lot.id)
                    .fetch_all(&mut *tx)
                    .await?;
                    for row in &held {
                        let zone: String = row.try_get("zone")?;
                        let units: i64 = row.try_get("units")?;
                        let mut m = Movement {
                            id: 0,
                            lot_id: lot.id.clone(),
                            shop_id: row.try_get("shop_id")?,
                            zone: zone_of(&zone)?,
                            kind: MoveKind::Recalled,
                            units: -units,
                            reference: Some(format!("recall:{lot_id}")),
                            actor: actor.to_string(),
                            at_ms,
                        };
                        m.id = Self::append(&mut tx, movements.len(), &m).await?;
                        movements.push(m);
                    }
                }
                let ids: Vec<&str> = trace.lots.iter().map(|l| l.id.as_str()).collect();
                let sql = format!(
                    "UPDATE transfers SET recalled_lot = $2 WHERE status = 'approved' \
                     AND recalled_lot IS NULL AND id IN (SELECT substr(reference, {}) \
                     FROM stock_movements WHERE kind = 'transferred_out' AND lot_id IN ({})) \
                     RETURNING id",
                    crate::TRANSFER_REFERENCE.len() + 1,
                    $ids_of_json
                );
                let mut transfers: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(serde_json::json!(ids).to_string())
                    .bind(lot_id)
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(|r| r.try_get("id"))
                    .collect::<Result<_, _>>()?;
                transfers.sort();
                let mut orders: Vec<(String, String)> = trace
                    .movements
                    .iter()
                    .filter_map(|m| Some((m.order()?.to_string(), m.shop_id.clone())))
                    .collect();
                orders.sort();
                orders.dedup();
                let told = Self::tell_recall(&mut tx, lot_id, &orders, at_ms).await?;
                tx.commit().await?;
                Ok(Some(Recall {
                    lots: trace.lots.into_iter().map(|l| l.id).collect(),
                    movements,
                    orders,
                    told,
                    transfers,
                }))
            }

            async fn take_oldest_first(&self, t: &Take) -> Result<Taken, StoreError> {
                let mut tx = self.pool.begin_with($begin_write).await?;
                let taken = Self::take_in(&mut tx, t, 0).await?;
                if taken.shortfall > 0 {
                    sqlx::query(
                        "INSERT INTO stock_shortfalls (shop_id, zone, sku, kind, units, \
                         reference, actor, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(&t.shop_id)
                    .bind(t.zone.as_str())
                    .bind(&t.sku)
                    .bind(t.kind.as_str())
                    .bind(taken.shortfall)
                    .bind(&t.reference)
                    .bind(&t.actor)
                    .bind(t.at_ms)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| match &e {
                        sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                            StoreError::MissingReference("the take's store")
                        }
                        _ => StoreError::Database(e),
                    })?;
                }
                tx.commit().await?;
                Ok(taken)
            }

            async fn produce(&self, batch: &Batch) -> Result<Vec<Movement>, StoreError> {
                if batch.units <= 0 || batch.made.made_by.as_deref() != Some(batch.id.as_str()) {
                    return Err(StoreError::Invalid(format!(
                        "batch {} makes units above 0 of a lot it made; not {} of one made by {:?}",
                        batch.id, batch.units, batch.made.made_by
                    )));
                }
                let mut tx = self.pool.begin_with($begin_write).await?;
                let mut movements = Vec::new();
                for i in &batch.ingredients {
                    let take = Take {
                        shop_id: batch.shop_id.clone(),
                        zone: i.zone,
                        sku: i.sku.clone(),
                        units: i.units,
                        kind: MoveKind::Used,
                        today: batch.today.clone(),
                        reference: Some(batch.id.clone()),
                        actor: batch.actor.clone(),
                        at_ms: batch.at_ms,
                    };
                    let taken = Self::take_in(&mut tx, &take, movements.len()).await?;
                    if taken.shortfall > 0 {
                        return Err(StoreError::Short {
                            sku: i.sku.clone(),
                            place: format!("{}/{}", batch.shop_id, i.zone.as_str()),
                            units: taken.shortfall,
                        });
                    }
                    movements.extend(taken.movements);
                }
                Self::insert_lot(&mut tx, &batch.made, "").await?;
                let mut made = Movement {
                    id: 0,
                    lot_id: batch.made.id.clone(),
                    shop_id: batch.shop_id.clone(),
                    zone: batch.zone,
                    kind: MoveKind::Made,
                    units: batch.units,
                    reference: Some(batch.id.clone()),
                    actor: batch.actor.clone(),
                    at_ms: batch.at_ms,
                };
                made.id = Self::append(&mut tx, movements.len(), &made).await?;
                movements.push(made);
                tx.commit().await?;
                Ok(movements)
            }

            async fn expire(&self, today: &str, now_ms: i64, actor: &str) -> Result<Vec<Movement>, StoreError> {
                let mut tx = self.pool.begin_with($begin_write).await?;
                let held = sqlx::query(
                    "SELECT b.lot_id, b.shop_id, b.zone, b.units FROM stock_balances b \
                     JOIN lots l ON l.id = b.lot_id WHERE b.units > 0 \
                     AND (l.expiry_date < $1 OR l.expires_ms <= $2) \
                     ORDER BY b.shop_id, b.zone, b.lot_id",
                )
                .bind(today)
                .bind(now_ms)
                .fetch_all(&mut *tx)
                .await?;
                let mut movements = Vec::with_capacity(held.len());
                for row in &held {
                    let zone: String = row.try_get("zone")?;
                    let mut m = Movement {
                        id: 0,
                        lot_id: row.try_get("lot_id")?,
                        shop_id: row.try_get("shop_id")?,
                        zone: zone_of(&zone)?,
                        kind: MoveKind::Wasted,
                        units: -row.try_get::<i64, _>("units")?,
                        reference: Some("expired".to_string()),
                        actor: actor.to_string(),
                        at_ms: now_ms,
                    };
                    m.id = Self::append(&mut tx, movements.len(), &m).await?;
                    movements.push(m);
                }
                tx.commit().await?;
                Ok(movements)
            }

            async fn expiring(&self, by_day: &str, by_ms: i64) -> Result<Vec<StockLot>, StoreError> {
                let condition = "(l.expiry_date <= $2 OR l.expires_ms <= $3)";
                self.stock_where(None, condition, by_day, by_ms).await
            }

            async fn taken_for(&self, reference: &str, sku: &str) -> Result<i64, StoreError> {
                let row = sqlx::query(
                    "SELECT \
                     CAST((SELECT COALESCE(SUM(-m.units), 0) FROM stock_movements m \
                      JOIN lots l ON l.id = m.lot_id \
                      WHERE m.reference = $1 AND l.sku = $2 AND m.units < 0) AS BIGINT) AS moved, \
                     CAST((SELECT COALESCE(SUM(units), 0) FROM stock_shortfalls \
                      WHERE reference = $1 AND sku = $2) AS BIGINT) AS short",
                )
                .bind(reference)
                .bind(sku)
                .fetch_one(&self.pool)
                .await?;
                Ok(row.try_get::<i64, _>("moved")? + row.try_get::<i64, _>("short")?)
            }

            async fn lots_used_by(&self, batch: &str) -> Result<Vec<Lot>, StoreError> {
                self.lots_where(
                    "id IN (SELECT lot_id FROM stock_movements WHERE kind = 'used' AND reference = $1)",
                    batch,
                )
                .await
            }

            async fn record(&self, moves: &[Movement]) -> Result<Vec<i64>, StoreError> {
                for (k, m) in moves.iter().enumerate() {
                    check(k, m)?;
                }
                let mut tx = self.pool.begin_with($begin_write).await?;
                let mut ids = Vec::with_capacity(moves.len());
                for (k, m) in moves.iter().enumerate() {
                    ids.push(Self::append(&mut tx, k, m).await?);
                }
                tx.commit().await?;
                Ok(ids)
            }

            async fn balances(&self, shop_id: Option<&str>) -> Result<Vec<Balance>, StoreError> {
                let rows = sqlx::query(
                    "SELECT lot_id, shop_id, zone, units FROM stock_balances \
                     WHERE units > 0 AND ($1 IS NULL OR shop_id = $1) \
                     ORDER BY shop_id, zone, lot_id",
                )
                .bind(shop_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        let zone: String = row.try_get("zone")?;
                        Ok(Balance {
                            lot_id: row.try_get("lot_id")?,
                            shop_id: row.try_get("shop_id")?,
                            zone: zone_of(&zone)?,
                            units: row.try_get("units")?,
                        })
                    })
                    .collect()
            }

            async fn stock(&self, shop_id: Option<&str>) -> Result<Vec<StockLot>, StoreError> {
                // Every lot: a condition that always holds, on the two values bound.
                self.stock_where(shop_id, "($2 = $2 AND $3 = $3)", "", 0).await
            }

            async fn count(
                &self,
                shop_id: &str,
                counted: &[StockLot],
                actor: &str,
                at_ms: i64,
            ) -> Result<Vec<Movement>, StoreError> {
                let mut wanted: std::collections::BTreeMap<(String, StorageZone), i64> =
                    Default::default();
                let mut tx = self.pool.begin_with($begin_write).await?;
                for c in counted {
                    if c.units < 0 {
                        return Err(StoreError::Invalid(format!(
                            "a count of {} units of lot {}",
                            c.units, c.lot.lot_number
                        )));
                    }
                    Self::bring_lot(&mut tx, &c.lot, c.units > 0).await?;
                    *wanted.entry((c.lot.id.clone(), c.zone)).or_default() += c.units;
                }
                let held = sqlx::query(
                    "SELECT lot_id, zone, units FROM stock_balances \
                     WHERE shop_id = $1 AND units > 0",
                )
                .bind(shop_id)
                .fetch_all(&mut *tx)
                .await?;
                for row in &held {
                    let zone: String = row.try_get("zone")?;
                    let units: i64 = row.try_get("units")?;
                    *wanted.entry((row.try_get("lot_id")?, zone_of(&zone)?)).or_default() -= units;
                }
                let mut movements = Vec::new();
                for ((lot_id, zone), units) in wanted {
                    if units == 0 {
                        continue;
                    }
                    let mut m = Movement {
                        id: 0,
                        lot_id,
                        shop_id: shop_id.to_string(),
                        zone,
                        kind: MoveKind::Counted,
                        units,
                        reference: Some("count".to_string()),
                        actor: actor.to_string(),
                        at_ms,
                    };
                    m.id = Self::append(&mut tx, movements.len(), &m).await?;
                    movements.push(m);
                }
                tx.commit().await?;
                Ok(movements)
            }

            async fn trace(
                &self,
                lot_id: &str,
                direction: Direction,
            ) -> Result<Option<Trace>, StoreError> {
                let with = reach(direction);
                let sql = format!(
                    "{with} SELECT l.id, l.sku, l.lot_number, l.expiry_date, l.po_id, \
                     l.made_by, l.recalled_ms, l.created_ms, l.expires_ms, MIN(r.depth) AS depth \
                     FROM reach r JOIN lots l ON l.id = r.id \
                     GROUP BY l.id, l.sku, l.lot_number, l.expiry_date, l.po_id, l.made_by, \
                     l.recalled_ms, l.created_ms, l.expires_ms ORDER BY depth, l.id"
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(lot_id)
                    .bind(TRACE_DEPTH)
                    .fetch_all(&self.pool)
                    .await?;
                if rows.is_empty() {
                    return Ok(None);
                }
                let lots = rows.iter().map(Self::lot_of).collect::<Result<Vec<_>, _>>()?;
                let steps = rows
                    .iter()
                    .map(|r| r.try_get::<i64, _>("depth"))
                    .collect::<Result<Vec<_>, _>>()?;
                // Their movements, by the ids just found, given as one JSON array.
                let ids: Vec<&str> = lots.iter().map(|l| l.id.as_str()).collect();
                let sql = format!(
                    "SELECT {MOVE_COLUMNS} FROM stock_movements WHERE lot_id IN ({})",
                    $ids_of_json
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(serde_json::json!(ids).to_string())
                    .fetch_all(&self.pool)
                    .await?;
                let mut by_lot: std::collections::HashMap<String, Vec<Movement>> =
                    std::collections::HashMap::new();
                for row in &rows {
                    let m = Self::movement_of(row)?;
                    by_lot.entry(m.lot_id.clone()).or_default().push(m);
                }
                for moves in by_lot.values_mut() {
                    moves.sort_unstable_by_key(|m| m.id);
                }
                let movements = lots
                    .iter()
                    .flat_map(|l| by_lot.remove(&l.id).unwrap_or_default())
                    .collect();
                Ok(Some(Trace {
                    lots,
                    steps,
                    movements,
                }))
            }

            async fn lot_movements(&self, lot_id: &str) -> Result<Vec<Movement>, StoreError> {
                let sql = format!(
                    "SELECT {MOVE_COLUMNS} FROM stock_movements WHERE lot_id = $1 ORDER BY id"
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(lot_id)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(Self::movement_of).collect()
            }
        }
    };
}

ledger_impl!(
    SqliteStore,
    sqlx::Sqlite,
    "SELECT value FROM json_each($1)",
    "BEGIN IMMEDIATE"
);
ledger_impl!(
    PgStore,
    sqlx::Postgres,
    "SELECT jsonb_array_elements_text(CAST($1 AS jsonb))",
    "BEGIN"
);

crate::any_store::any_store! { Ledger {
    fn add_lot(&self, lot: &Lot) -> ();
    fn lot(&self, id: &str) -> Option<Lot>;
    fn record(&self, moves: &[Movement]) -> Vec<i64>;
    fn balances(&self, shop_id: Option<&str>) -> Vec<Balance>;
    fn lot_movements(&self, lot_id: &str) -> Vec<Movement>;
    fn trace(&self, lot_id: &str, direction: Direction) -> Option<Trace>;
    fn stock(&self, shop_id: Option<&str>) -> Vec<StockLot>;
    fn count(&self, shop_id: &str, counted: &[StockLot], actor: &str, at_ms: i64) -> Vec<Movement>;
    fn take_oldest_first(&self, take: &Take) -> Taken;
    fn recall(&self, lot_id: &str, actor: &str, at_ms: i64) -> Option<Recall>;
    fn taken_for(&self, reference: &str, sku: &str) -> i64;
    fn produce(&self, batch: &Batch) -> Vec<Movement>;
    fn expire(&self, today: &str, now_ms: i64, actor: &str) -> Vec<Movement>;
    fn expiring(&self, by_day: &str, by_ms: i64) -> Vec<StockLot>;
    fn lots_made_by(&self, batch: &str) -> Vec<Lot>;
    fn lots_used_by(&self, batch: &str) -> Vec<Lot>;
} }

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_moves_stock_its_own_way_and_names_read_back() {
        assert!(MoveKind::Received.allows(3) && !MoveKind::Received.allows(-3));
        assert!(MoveKind::Sold.allows(-1) && !MoveKind::Sold.allows(1));
        assert!(MoveKind::Counted.allows(-2) && MoveKind::Counted.allows(2));
        assert!(MoveKind::ALL.iter().all(|k| !k.allows(0)));
        for k in MoveKind::ALL {
            assert_eq!(MoveKind::parse(k.as_str()), Some(k));
        }
        for z in StorageZone::ALL {
            assert_eq!(StorageZone::parse(z.as_str()), Some(z));
        }
        assert_eq!(StorageZone::parse("attic"), None);
    }
}
