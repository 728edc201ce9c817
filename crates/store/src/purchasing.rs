//! Procurement's storage: planning rounds with the store models they solved, purchase
//! orders with every change audited; what a received order brings goes into the stock
//! ledger.
//!
//! A purchase order changes by compare-and-set on its version, in one transaction with
//! its audit event (and, when it is received, the movements of the lots it brings), so two racing changes
//! cannot both win and the trail is complete. A round stores its new proposals and
//! supersedes the proposals still open for the stores it planned, in one transaction;
//! a store whose model failed keeps its earlier proposals.

use std::fmt;
use std::future::Future;
use std::str::FromStr;

use serde_json::Value;
use sqlx::Row;

use crate::backend::{AnyStore, PgStore, SqliteStore};
use crate::ledger::{MoveKind, Movement, StockLot};
use crate::{Storage, StoreError};

/// Where a purchase order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PoStatus {
    /// Proposed by a planning round; a planner may edit, approve or reject it.
    Proposed,
    /// Approved by enough planners; ready to send.
    Approved,
    /// Sent to the supplier.
    Sent,
    /// The supplier confirmed it.
    Confirmed,
    /// Delivered; its lots are in stock.
    Received,
    /// Rejected by a planner, with a reason.
    Rejected,
    /// Replaced by a later round's proposal before anyone acted on it.
    Superseded,
}

impl PoStatus {
    /// Every status, in workflow order.
    pub const ALL: [PoStatus; 7] = [
        PoStatus::Proposed,
        PoStatus::Approved,
        PoStatus::Sent,
        PoStatus::Confirmed,
        PoStatus::Received,
        PoStatus::Rejected,
        PoStatus::Superseded,
    ];

    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            PoStatus::Proposed => "proposed",
            PoStatus::Approved => "approved",
            PoStatus::Sent => "sent",
            PoStatus::Confirmed => "confirmed",
            PoStatus::Received => "received",
            PoStatus::Rejected => "rejected",
            PoStatus::Superseded => "superseded",
        }
    }

    /// Whether the supplier has it: sent, confirmed or received.
    pub fn is_with_supplier(self) -> bool {
        matches!(
            self,
            PoStatus::Sent | PoStatus::Confirmed | PoStatus::Received
        )
    }
}

impl fmt::Display for PoStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PoStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PoStatus::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown purchase-order status {s:?}: use proposed, approved, sent, confirmed, received, rejected or superseded"
                )
            })
    }
}

/// A purchase order: one store, one supplier, one delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct PurchaseOrder {
    /// Made by the round.
    pub id: String,
    /// The round that proposed it.
    pub round_id: String,
    /// The store it is for.
    pub shop_id: String,
    /// The supplier.
    pub supplier_id: String,
    /// The day it is placed, YYYY-MM-DD.
    pub order_date: String,
    /// The day it arrives, YYYY-MM-DD.
    pub delivery_date: String,
    /// Where it stands.
    pub status: PoStatus,
    /// Its lines' value, cents.
    pub value_cents: i64,
    /// Its lines (JSON array; the service owns their shape).
    pub lines: Value,
    /// Why the round proposed it (JSON).
    pub explanation: Value,
    /// Who approved it, in order.
    pub approvals: Vec<String>,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// Raised by every change.
    pub version: i64,
    /// When the round proposed it.
    pub created_ms: i64,
    /// Its last change.
    pub updated_ms: i64,
}

/// One change of a purchase order: who, when, what.
#[derive(Debug, Clone, PartialEq)]
pub struct PoEvent {
    /// The order.
    pub po_id: String,
    /// When.
    pub at_ms: i64,
    /// Who (as the service names callers).
    pub actor: String,
    /// `proposed`, `edited`, `approved`, `sent`, `confirmed`, `received`, `rejected`,
    /// `superseded`.
    pub action: String,
    /// What changed (JSON).
    pub detail: Value,
}

/// A planning round as run.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcurementRound {
    /// Its id.
    pub id: String,
    /// The day its orders are placed, YYYY-MM-DD.
    pub plan_date: String,
    /// Who ran it.
    pub actor: String,
    /// When it started.
    pub started_ms: i64,
    /// When it ended.
    pub finished_ms: i64,
    /// Per store, how its model ended (JSON).
    pub report: Value,
}

/// A store's model as a round solved it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreModel {
    /// The round.
    pub round_id: String,
    /// The store.
    pub shop_id: String,
    /// The model (JSON).
    pub model: Value,
    /// Its optimal cost as solved, cents.
    pub objective_cents: i64,
}

/// Storage of procurement.
pub trait Purchasing: Storage {
    /// Stores a round, the models it solved and its proposals, and supersedes the
    /// still-proposed orders of `replaced` stores, in one transaction.
    fn record_round(
        &self,
        round: &ProcurementRound,
        models: &[StoreModel],
        replaced: &[String],
        orders: &[PurchaseOrder],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The latest round (by start).
    fn latest_round(
        &self,
    ) -> impl Future<Output = Result<Option<ProcurementRound>, StoreError>> + Send;

    /// A store's model of a round.
    fn store_model(
        &self,
        round_id: &str,
        shop_id: &str,
    ) -> impl Future<Output = Result<Option<StoreModel>, StoreError>> + Send;

    /// A purchase order by id.
    fn purchase_order(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<PurchaseOrder>, StoreError>> + Send;

    /// Purchase orders, newest first, at most `limit`, optionally of one status or store.
    fn purchase_orders(
        &self,
        status: Option<PoStatus>,
        shop_id: Option<&str>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<PurchaseOrder>, StoreError>> + Send;

    /// An order's audit trail, oldest first.
    fn purchase_order_events(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Vec<PoEvent>, StoreError>> + Send;

    /// Writes `next` over the order if it still has version `seen_version`, with
    /// `event` and the `lots` it brings (each added to the ledger unless it is there,
    /// and received at its place), in one transaction. `false`, changing nothing, when
    /// another change came first; [`StoreError::Invalid`] when a lot's number is known
    /// with another article or last day, [`StoreError::Recalled`] when it was recalled.
    fn change_purchase_order(
        &self,
        next: &PurchaseOrder,
        seen_version: i64,
        event: &PoEvent,
        lots: &[StockLot],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

const PO_COLUMNS: &str = "id, round_id, shop_id, supplier_id, order_date, delivery_date, status, \
     value_cents, lines, explanation, approvals, reason, version, created_ms, updated_ms";
const EVENT_INSERT: &str = "INSERT INTO purchase_order_events \
     (po_id, at_ms, actor, action, detail) VALUES ($1, $2, $3, $4, $5)";

fn json(what: &'static str, s: &str) -> Result<Value, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt {
        what,
        detail: e.to_string(),
    })
}

macro_rules! purchasing_impl {
    ($store:ty, $db:ty, $row:ty) => {
        impl $store {
            fn po_row(row: &$row) -> Result<PurchaseOrder, StoreError> {
    let status: String = row.try_get("status")?;
    let approvals: String = row.try_get("approvals")?;
    Ok(PurchaseOrder {
        id: row.try_get("id")?,
        round_id: row.try_get("round_id")?,
        shop_id: row.try_get("shop_id")?,
        supplier_id: row.try_get("supplier_id")?,
        order_date: row.try_get("order_date")?,
        delivery_date: row.try_get("delivery_date")?,
        status: status.parse().map_err(|detail| StoreError::Corrupt {
            what: "purchase-order status",
            detail,
        })?,
        value_cents: row.try_get("value_cents")?,
        lines: json("purchase-order lines", &row.try_get::<String, _>("lines")?)?,
        explanation: json(
            "purchase-order explanation",
            &row.try_get::<String, _>("explanation")?,
        )?,
        approvals: serde_json::from_str(&approvals).map_err(|e| StoreError::Corrupt {
            what: "purchase-order approvals",
            detail: e.to_string(),
        })?,
        reason: row.try_get("reason")?,
        version: row.try_get("version")?,
        created_ms: row.try_get("created_ms")?,
        updated_ms: row.try_get("updated_ms")?,
    })
}

            async fn insert_po_event(
                tx: &mut sqlx::Transaction<'_, $db>,
                e: &PoEvent,
            ) -> Result<(), StoreError> {
                sqlx::query(EVENT_INSERT)
                    .bind(&e.po_id)
                    .bind(e.at_ms)
                    .bind(&e.actor)
                    .bind(&e.action)
                    .bind(e.detail.to_string())
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            /// Brings each lot into the ledger and receives its units at its place.
            async fn receive_lots(
                tx: &mut sqlx::Transaction<'_, $db>,
                po_id: &str,
                event: &PoEvent,
                lots: &[StockLot],
            ) -> Result<(), StoreError> {
                for (k, l) in lots.iter().enumerate() {
                    Self::bring_lot(tx, &l.lot, true).await?;
                    let m = Movement {
                        id: 0,
                        lot_id: l.lot.id.clone(),
                        shop_id: l.shop_id.clone(),
                        zone: l.zone,
                        kind: MoveKind::Received,
                        units: l.units,
                        reference: Some(po_id.to_string()),
                        actor: event.actor.clone(),
                        at_ms: event.at_ms,
                    };
                    Self::append(tx, k, &m).await?;
                }
                Ok(())
            }
        }

        impl Purchasing for $store {
            async fn record_round(
                &self,
                round: &ProcurementRound,
                models: &[StoreModel],
                replaced: &[String],
                orders: &[PurchaseOrder],
            ) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(
                    "INSERT INTO procurement_rounds (id, plan_date, actor, started_ms, \
                     finished_ms, report) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&round.id)
                .bind(&round.plan_date)
                .bind(&round.actor)
                .bind(round.started_ms)
                .bind(round.finished_ms)
                .bind(round.report.to_string())
                .execute(&mut *tx)
                .await
                .map_err(|e| crate::backend::conflict(e, "a round with this id"))?;
                for m in models {
                    sqlx::query(
                        "INSERT INTO store_models (round_id, shop_id, model, objective_cents) \
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(&m.round_id)
                    .bind(&m.shop_id)
                    .bind(m.model.to_string())
                    .bind(m.objective_cents)
                    .execute(&mut *tx)
                    .await?;
                }
                for shop in replaced {
                    let open = sqlx::query(
                        "UPDATE purchase_orders SET status = 'superseded', \
                         version = version + 1, updated_ms = $1 \
                         WHERE shop_id = $2 AND status = 'proposed' RETURNING id",
                    )
                    .bind(round.finished_ms)
                    .bind(shop)
                    .fetch_all(&mut *tx)
                    .await?;
                    for row in open {
                        let event = PoEvent {
                            po_id: row.try_get("id")?,
                            at_ms: round.finished_ms,
                            actor: round.actor.clone(),
                            action: "superseded".to_string(),
                            detail: serde_json::json!({ "round": round.id }),
                        };
                        Self::insert_po_event(&mut tx, &event).await?;
                    }
                }
                for o in orders {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "INSERT INTO purchase_orders ({PO_COLUMNS}) VALUES \
                         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
                    )))
                    .bind(&o.id)
                    .bind(&o.round_id)
                    .bind(&o.shop_id)
                    .bind(&o.supplier_id)
                    .bind(&o.order_date)
                    .bind(&o.delivery_date)
                    .bind(o.status.as_str())
                    .bind(o.value_cents)
                    .bind(o.lines.to_string())
                    .bind(o.explanation.to_string())
                    .bind(serde_json::json!(o.approvals).to_string())
                    .bind(&o.reason)
                    .bind(o.version)
                    .bind(o.created_ms)
                    .bind(o.updated_ms)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| crate::backend::conflict(e, "a purchase order with this id"))?;
                    let event = PoEvent {
                        po_id: o.id.clone(),
                        at_ms: o.created_ms,
                        actor: round.actor.clone(),
                        action: "proposed".to_string(),
                        detail: serde_json::json!({
                            "round": round.id,
                            "value_cents": o.value_cents,
                            "lines": o.lines,
                        }),
                    };
                    Self::insert_po_event(&mut tx, &event).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn latest_round(&self) -> Result<Option<ProcurementRound>, StoreError> {
                let row = sqlx::query(
                    "SELECT id, plan_date, actor, started_ms, finished_ms, report \
                     FROM procurement_rounds ORDER BY started_ms DESC, id DESC LIMIT 1",
                )
                .fetch_optional(&self.pool)
                .await?;
                row.map(|row| {
                    Ok(ProcurementRound {
                        id: row.try_get("id")?,
                        plan_date: row.try_get("plan_date")?,
                        actor: row.try_get("actor")?,
                        started_ms: row.try_get("started_ms")?,
                        finished_ms: row.try_get("finished_ms")?,
                        report: json("round report", &row.try_get::<String, _>("report")?)?,
                    })
                })
                .transpose()
            }

            async fn store_model(
                &self,
                round_id: &str,
                shop_id: &str,
            ) -> Result<Option<StoreModel>, StoreError> {
                let row = sqlx::query(
                    "SELECT round_id, shop_id, model, objective_cents FROM store_models \
                     WHERE round_id = $1 AND shop_id = $2",
                )
                .bind(round_id)
                .bind(shop_id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|row| {
                    Ok(StoreModel {
                        round_id: row.try_get("round_id")?,
                        shop_id: row.try_get("shop_id")?,
                        model: json("store model", &row.try_get::<String, _>("model")?)?,
                        objective_cents: row.try_get("objective_cents")?,
                    })
                })
                .transpose()
            }

            async fn purchase_order(&self, id: &str) -> Result<Option<PurchaseOrder>, StoreError> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {PO_COLUMNS} FROM purchase_orders WHERE id = $1"
                )))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(Self::po_row).transpose()
            }

            async fn purchase_orders(
                &self,
                status: Option<PoStatus>,
                shop_id: Option<&str>,
                limit: u32,
            ) -> Result<Vec<PurchaseOrder>, StoreError> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {PO_COLUMNS} FROM purchase_orders \
                     WHERE ($1 IS NULL OR status = $1) AND ($2 IS NULL OR shop_id = $2) \
                     ORDER BY created_ms DESC, id LIMIT $3"
                )))
                .bind(status.map(PoStatus::as_str))
                .bind(shop_id)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(Self::po_row).collect()
            }

            async fn purchase_order_events(&self, id: &str) -> Result<Vec<PoEvent>, StoreError> {
                let rows = sqlx::query(
                    "SELECT po_id, at_ms, actor, action, detail FROM purchase_order_events \
                     WHERE po_id = $1 ORDER BY id",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(PoEvent {
                            po_id: row.try_get("po_id")?,
                            at_ms: row.try_get("at_ms")?,
                            actor: row.try_get("actor")?,
                            action: row.try_get("action")?,
                            detail: json("event detail", &row.try_get::<String, _>("detail")?)?,
                        })
                    })
                    .collect()
            }

            async fn change_purchase_order(
                &self,
                next: &PurchaseOrder,
                seen_version: i64,
                event: &PoEvent,
                lots: &[StockLot],
            ) -> Result<bool, StoreError> {
                let mut tx = self.pool.begin().await?;
                let changed = sqlx::query(
                    "UPDATE purchase_orders SET status = $1, value_cents = $2, lines = $3, \
                     approvals = $4, reason = $5, version = $6, updated_ms = $7, \
                     delivery_date = $8 WHERE id = $9 AND version = $10",
                )
                .bind(next.status.as_str())
                .bind(next.value_cents)
                .bind(next.lines.to_string())
                .bind(serde_json::json!(next.approvals).to_string())
                .bind(&next.reason)
                .bind(next.version)
                .bind(next.updated_ms)
                .bind(&next.delivery_date)
                .bind(&next.id)
                .bind(seen_version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if changed == 0 {
                    return Ok(false);
                }
                Self::insert_po_event(&mut tx, event).await?;
                Self::receive_lots(&mut tx, &next.id, event, lots).await?;
                tx.commit().await?;
                Ok(true)
            }

        }
    };
}

purchasing_impl!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
purchasing_impl!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow);

macro_rules! delegate {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            AnyStore::Sqlite($s) => $call.await,
            AnyStore::Postgres($s) => $call.await,
        }
    };
}

impl Purchasing for AnyStore {
    async fn record_round(
        &self,
        round: &ProcurementRound,
        models: &[StoreModel],
        replaced: &[String],
        orders: &[PurchaseOrder],
    ) -> Result<(), StoreError> {
        delegate!(self, s => s.record_round(round, models, replaced, orders))
    }

    async fn latest_round(&self) -> Result<Option<ProcurementRound>, StoreError> {
        delegate!(self, s => s.latest_round())
    }

    async fn store_model(
        &self,
        round_id: &str,
        shop_id: &str,
    ) -> Result<Option<StoreModel>, StoreError> {
        delegate!(self, s => s.store_model(round_id, shop_id))
    }

    async fn purchase_order(&self, id: &str) -> Result<Option<PurchaseOrder>, StoreError> {
        delegate!(self, s => s.purchase_order(id))
    }

    async fn purchase_orders(
        &self,
        status: Option<PoStatus>,
        shop_id: Option<&str>,
        limit: u32,
    ) -> Result<Vec<PurchaseOrder>, StoreError> {
        delegate!(self, s => s.purchase_orders(status, shop_id, limit))
    }

    async fn purchase_order_events(&self, id: &str) -> Result<Vec<PoEvent>, StoreError> {
        delegate!(self, s => s.purchase_order_events(id))
    }

    async fn change_purchase_order(
        &self,
        next: &PurchaseOrder,
        seen_version: i64,
        event: &PoEvent,
        lots: &[StockLot],
    ) -> Result<bool, StoreError> {
        delegate!(self, s => s.change_purchase_order(next, seen_version, event, lots))
    }
}
