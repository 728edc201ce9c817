//! Transfers between stores: proposals stored as a set (a new set supersedes the open
//! proposals), and each decision (approve, edit, reject, deliver) one transaction with
//! the ledger movements it makes. Approving takes the donor's units oldest expiry first,
//! never past their day or recalled, all of them or nothing (a donor that sold out
//! meanwhile leaves the transfer `stale`, to be proposed again); delivering brings the
//! same lots into the receiver, and a lot recalled on the way is recorded recalled there.

use std::future::Future;

use sqlx::Row;

use crate::ledger::{MoveKind, Movement, StockLot, StorageZone, Take};
use crate::{PgStore, SqliteStore, Storage, StoreError};

/// Where a transfer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferStatus {
    /// Proposed by the model, waiting for a planner.
    Proposed,
    /// Approved: the units left the donor and are on their way.
    Approved,
    /// Rejected by a planner.
    Rejected,
    /// Delivered into the receiver's stock.
    Delivered,
    /// Replaced by a newer set of proposals before anyone decided.
    Superseded,
    /// The donor no longer held the units when it was approved.
    Stale,
}

impl TransferStatus {
    /// Every status.
    pub const ALL: [Self; 6] = [
        Self::Proposed,
        Self::Approved,
        Self::Rejected,
        Self::Delivered,
        Self::Superseded,
        Self::Stale,
    ];

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proposed => "proposed",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Delivered => "delivered",
            Self::Superseded => "superseded",
            Self::Stale => "stale",
        }
    }

    /// The status of a name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// A transfer of an article from one store to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// Its id.
    pub id: String,
    /// The donor store.
    pub from_shop: String,
    /// The receiving store.
    pub to_shop: String,
    /// The article.
    pub sku: String,
    /// Where both stores keep it.
    pub zone: StorageZone,
    /// Whole units.
    pub units: i64,
    /// Where it stands.
    pub status: TransferStatus,
    /// What it does, JSON (the model's explanation).
    pub why: String,
    /// Lost sales and waste it avoids, cents.
    pub value_cents: i64,
    /// When it was proposed.
    pub proposed_ms: i64,
    /// Who decided it last.
    pub decided_by: Option<String>,
    /// When.
    pub decided_ms: Option<i64>,
    /// When it was delivered.
    pub delivered_ms: Option<i64>,
    /// The lot whose recall reached it (it carries that lot or one made from it),
    /// flagged while on the way.
    pub recalled_lot: Option<String>,
    /// Changes so far, from 1.
    pub version: i64,
}

/// The ledger reference of a transfer's movements: `transfer:ID`.
pub const TRANSFER_REFERENCE: &str = "transfer:";

/// What a planner or driver does to a transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Approve a proposal as it stands at `version`: the units leave the donor now.
    Approve {
        /// The version decided on.
        version: i64,
        /// The day: donor lots past it are not sent.
        today: String,
    },
    /// Change a proposal's units (above 0) at `version`.
    Edit {
        /// The version edited.
        version: i64,
        /// New units.
        units: i64,
    },
    /// Reject a proposal at `version`.
    Reject {
        /// The version rejected.
        version: i64,
    },
    /// Record an approved transfer delivered.
    Deliver,
}

/// How a decision ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    /// Done: the transfer as it is now, and the ledger movements made.
    Done(Transfer, Vec<Movement>),
    /// No transfer has this id.
    Missing,
    /// The transfer is not in a state that allows it (as it is).
    Refused(Transfer),
    /// Another change came first (the transfer as it is).
    Overtaken(Transfer),
    /// The donor no longer holds the units: nothing moved, the transfer is now stale.
    DonorShort(Transfer, i64),
}

/// Where transfers are kept.
pub trait Transfers: Storage {
    /// Stores a new set of proposals; the open ones before it are superseded.
    fn propose_transfers(
        &self,
        proposals: &[Transfer],
        at_ms: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Transfers, newest first; of one status when given.
    fn transfers(
        &self,
        status: Option<TransferStatus>,
    ) -> impl Future<Output = Result<Vec<Transfer>, StoreError>> + Send;

    /// One transfer.
    fn transfer(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<Transfer>, StoreError>> + Send;

    /// The lots of approved transfers not yet delivered, as the receivers will hold them
    /// (their store and zone, the units taken from each donor lot), by receiver, article
    /// and last day: stock that counts for the receiver, not yet on its shelf.
    fn on_the_way(&self) -> impl Future<Output = Result<Vec<StockLot>, StoreError>> + Send;

    /// Applies a decision in one transaction.
    fn decide_transfer(
        &self,
        id: &str,
        decision: &Decision,
        actor: &str,
        at_ms: i64,
    ) -> impl Future<Output = Result<Decided, StoreError>> + Send;
}

const COLUMNS: &str = "id, from_shop, to_shop, sku, zone, units, status, why, value_cents, \
     proposed_ms, decided_by, decided_ms, delivered_ms, recalled_lot, version";

fn corrupt(what: &'static str, value: &str) -> StoreError {
    StoreError::Corrupt {
        what,
        detail: value.to_string(),
    }
}

macro_rules! transfers_impl {
    ($store:ty, $db:ty, $begin_write:expr) => {
        impl $store {
            fn transfer_of(row: &<$db as sqlx::Database>::Row) -> Result<Transfer, StoreError> {
                let zone: String = row.try_get("zone")?;
                let status: String = row.try_get("status")?;
                Ok(Transfer {
                    id: row.try_get("id")?,
                    from_shop: row.try_get("from_shop")?,
                    to_shop: row.try_get("to_shop")?,
                    sku: row.try_get("sku")?,
                    zone: StorageZone::parse(&zone)
                        .ok_or_else(|| corrupt("transfer zone", &zone))?,
                    units: row.try_get("units")?,
                    status: TransferStatus::parse(&status)
                        .ok_or_else(|| corrupt("transfer status", &status))?,
                    why: row.try_get("why")?,
                    value_cents: row.try_get("value_cents")?,
                    proposed_ms: row.try_get("proposed_ms")?,
                    decided_by: row.try_get("decided_by")?,
                    decided_ms: row.try_get("decided_ms")?,
                    delivered_ms: row.try_get("delivered_ms")?,
                    recalled_lot: row.try_get("recalled_lot")?,
                    version: row.try_get("version")?,
                })
            }

            async fn transfer_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: &str,
            ) -> Result<Option<Transfer>, StoreError> {
                let sql = format!("SELECT {COLUMNS} FROM transfers WHERE id = $1");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?;
                row.as_ref().map(Self::transfer_of).transpose()
            }

            async fn set_status(
                tx: &mut sqlx::Transaction<'_, $db>,
                t: &Transfer,
                status: TransferStatus,
                units: i64,
                actor: &str,
                at_ms: i64,
            ) -> Result<Transfer, StoreError> {
                let delivered = (status == TransferStatus::Delivered).then_some(at_ms);
                sqlx::query(
                    "UPDATE transfers SET status = $1, units = $2, decided_by = $3, \
                     decided_ms = $4, delivered_ms = COALESCE($5, delivered_ms), \
                     version = version + 1 WHERE id = $6",
                )
                .bind(status.as_str())
                .bind(units)
                .bind(actor)
                .bind(at_ms)
                .bind(delivered)
                .bind(&t.id)
                .execute(&mut **tx)
                .await?;
                Ok(Transfer {
                    status,
                    units,
                    decided_by: Some(actor.to_string()),
                    decided_ms: Some(at_ms),
                    delivered_ms: delivered.or(t.delivered_ms),
                    version: t.version + 1,
                    ..t.clone()
                })
            }

            /// Brings the lots the transfer took from the donor into the receiver; a
            /// lot recalled since is recorded recalled there at once.
            async fn bring_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                t: &Transfer,
                actor: &str,
                at_ms: i64,
            ) -> Result<Vec<Movement>, StoreError> {
                let rows = sqlx::query(
                    "SELECT m.lot_id, CAST(-SUM(m.units) AS BIGINT) AS units, \
                     MAX(l.recalled_ms) AS recalled_ms \
                     FROM stock_movements m JOIN lots l ON l.id = m.lot_id \
                     WHERE m.reference = $1 AND m.kind = 'transferred_out' \
                     GROUP BY m.lot_id ORDER BY m.lot_id",
                )
                .bind(format!("{TRANSFER_REFERENCE}{}", t.id))
                .fetch_all(&mut **tx)
                .await?;
                let mut moves = Vec::new();
                for row in &rows {
                    let lot_id: String = row.try_get("lot_id")?;
                    let units: i64 = row.try_get("units")?;
                    let recalled: Option<i64> = row.try_get("recalled_ms")?;
                    let mut kinds = vec![(MoveKind::TransferredIn, units)];
                    if recalled.is_some() {
                        kinds.push((MoveKind::Recalled, -units));
                    }
                    for (kind, units) in kinds {
                        let mut m = Movement {
                            id: 0,
                            lot_id: lot_id.clone(),
                            shop_id: t.to_shop.clone(),
                            zone: t.zone,
                            kind,
                            units,
                            reference: Some(format!("{TRANSFER_REFERENCE}{}", t.id)),
                            actor: actor.to_string(),
                            at_ms,
                        };
                        m.id = Self::append(tx, moves.len(), &m).await?;
                        moves.push(m);
                    }
                }
                Ok(moves)
            }
        }

        impl Transfers for $store {
            async fn propose_transfers(
                &self,
                proposals: &[Transfer],
                at_ms: i64,
            ) -> Result<(), StoreError> {
                let mut tx = self.pool.begin_with($begin_write).await?;
                sqlx::query(
                    "UPDATE transfers SET status = 'superseded', decided_ms = $1, \
                     version = version + 1 WHERE status = 'proposed'",
                )
                .bind(at_ms)
                .execute(&mut *tx)
                .await?;
                for t in proposals {
                    sqlx::query(
                        "INSERT INTO transfers (id, from_shop, to_shop, sku, zone, units, \
                         status, why, value_cents, proposed_ms, version) \
                         VALUES ($1, $2, $3, $4, $5, $6, 'proposed', $7, $8, $9, 1)",
                    )
                    .bind(&t.id)
                    .bind(&t.from_shop)
                    .bind(&t.to_shop)
                    .bind(&t.sku)
                    .bind(t.zone.as_str())
                    .bind(t.units)
                    .bind(&t.why)
                    .bind(t.value_cents)
                    .bind(t.proposed_ms)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| match &e {
                        sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                            StoreError::MissingReference("the transfer's store")
                        }
                        sqlx::Error::Database(d) if d.is_unique_violation() => {
                            StoreError::Conflict("a transfer with this id")
                        }
                        sqlx::Error::Database(d) if d.is_check_violation() => StoreError::Invalid(
                            format!("transfer {}: units above 0 between two stores", t.id),
                        ),
                        _ => StoreError::Database(e),
                    })?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn transfers(
                &self,
                status: Option<TransferStatus>,
            ) -> Result<Vec<Transfer>, StoreError> {
                let sql = format!(
                    "SELECT {COLUMNS} FROM transfers WHERE $1 = '' OR status = $1 \
                     ORDER BY proposed_ms DESC, id"
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(status.map_or("", |s| s.as_str()))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(Self::transfer_of).collect()
            }

            async fn transfer(&self, id: &str) -> Result<Option<Transfer>, StoreError> {
                let sql = format!("SELECT {COLUMNS} FROM transfers WHERE id = $1");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(Self::transfer_of).transpose()
            }

            async fn on_the_way(&self) -> Result<Vec<StockLot>, StoreError> {
                let rows = sqlx::query(
                    "SELECT l.id, l.sku, l.lot_number, l.expiry_date, l.po_id, l.made_by, \
                     l.recalled_ms, l.created_ms, l.expires_ms, t.to_shop AS shop_id, t.zone, \
                     CAST(-SUM(m.units) AS BIGINT) AS units \
                     FROM transfers t \
                     JOIN stock_movements m ON m.reference = $1 || t.id \
                     AND m.kind = 'transferred_out' \
                     JOIN lots l ON l.id = m.lot_id \
                     WHERE t.status = 'approved' \
                     GROUP BY l.id, l.sku, l.lot_number, l.expiry_date, l.po_id, l.made_by, \
                     l.recalled_ms, l.created_ms, l.expires_ms, t.to_shop, t.zone \
                     ORDER BY t.to_shop, l.sku, l.expiry_date, l.lot_number, t.zone",
                )
                .bind(TRANSFER_REFERENCE)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(Self::stock_lot_of).collect()
            }

            async fn decide_transfer(
                &self,
                id: &str,
                decision: &Decision,
                actor: &str,
                at_ms: i64,
            ) -> Result<Decided, StoreError> {
                let mut tx = self.pool.begin_with($begin_write).await?;
                let Some(t) = Self::transfer_in(&mut tx, id).await? else {
                    return Ok(Decided::Missing);
                };
                let wanted = match decision {
                    Decision::Deliver => TransferStatus::Approved,
                    _ => TransferStatus::Proposed,
                };
                if t.status != wanted {
                    return Ok(Decided::Refused(t));
                }
                let seen = match decision {
                    Decision::Approve { version, .. }
                    | Decision::Edit { version, .. }
                    | Decision::Reject { version } => Some(*version),
                    Decision::Deliver => None,
                };
                if seen.is_some_and(|v| v != t.version) {
                    return Ok(Decided::Overtaken(t));
                }
                let (next, moves) = match decision {
                    Decision::Edit { units, .. } => {
                        if *units <= 0 {
                            return Err(StoreError::Invalid(format!(
                                "a transfer moves units above 0, not {units}"
                            )));
                        }
                        let t =
                            Self::set_status(&mut tx, &t, t.status, *units, actor, at_ms).await?;
                        (t, Vec::new())
                    }
                    Decision::Reject { .. } => {
                        let t = Self::set_status(
                            &mut tx,
                            &t,
                            TransferStatus::Rejected,
                            t.units,
                            actor,
                            at_ms,
                        )
                        .await?;
                        (t, Vec::new())
                    }
                    Decision::Approve { today, .. } => {
                        let take = Take {
                            shop_id: t.from_shop.clone(),
                            zone: t.zone,
                            sku: t.sku.clone(),
                            units: t.units,
                            kind: MoveKind::TransferredOut,
                            today: today.clone(),
                            reference: Some(format!("{TRANSFER_REFERENCE}{}", t.id)),
                            actor: actor.to_string(),
                            at_ms,
                        };
                        let taken = Self::take_in(&mut tx, &take, 0).await?;
                        if taken.shortfall > 0 {
                            tx.rollback().await?;
                            let mut tx = self.pool.begin_with($begin_write).await?;
                            let t = Self::set_status(
                                &mut tx,
                                &t,
                                TransferStatus::Stale,
                                t.units,
                                actor,
                                at_ms,
                            )
                            .await?;
                            tx.commit().await?;
                            return Ok(Decided::DonorShort(t, taken.shortfall));
                        }
                        let t = Self::set_status(
                            &mut tx,
                            &t,
                            TransferStatus::Approved,
                            t.units,
                            actor,
                            at_ms,
                        )
                        .await?;
                        (t, taken.movements)
                    }
                    Decision::Deliver => {
                        let moves = Self::bring_in(&mut tx, &t, actor, at_ms).await?;
                        let t = Self::set_status(
                            &mut tx,
                            &t,
                            TransferStatus::Delivered,
                            t.units,
                            actor,
                            at_ms,
                        )
                        .await?;
                        (t, moves)
                    }
                };
                tx.commit().await?;
                Ok(Decided::Done(next, moves))
            }
        }
    };
}

transfers_impl!(SqliteStore, sqlx::Sqlite, "BEGIN IMMEDIATE");
transfers_impl!(PgStore, sqlx::Postgres, "BEGIN");

crate::any_store::any_store! { Transfers {
    fn propose_transfers(&self, proposals: &[Transfer], at_ms: i64) -> ();
    fn transfers(&self, status: Option<TransferStatus>) -> Vec<Transfer>;
    fn transfer(&self, id: &str) -> Option<Transfer>;
    fn on_the_way(&self) -> Vec<StockLot>;
    fn decide_transfer(&self, id: &str, decision: &Decision, actor: &str, at_ms: i64) -> Decided;
} }
