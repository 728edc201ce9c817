//! The dispatch plan as last made, order by order, so that a restarted service plans
//! on from it: which courier each open order was planned for, the delivery's place in
//! that courier's stops and its planned start. A plan replaces the one before it whole,
//! in one transaction.

use std::future::Future;

use sqlx::Row;

use crate::backend::{AnyStore, PgStore, SqliteStore};
use crate::{Storage, StoreError};

/// One order in the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedOrder {
    /// The order.
    pub order_id: String,
    /// The courier it is planned for.
    pub courier_id: String,
    /// Its delivery's place among the courier's stops, from 0.
    pub position: i64,
    /// The planned start of its delivery, epoch ms.
    pub eta_ms: Option<i64>,
    /// When the plan was made, epoch ms.
    pub planned_ms: i64,
}

/// Storage of the latest plan.
pub trait PlanStore: Storage {
    /// Replaces the stored plan with `orders`, in one transaction.
    /// [`StoreError::MissingReference`] (storing nothing) when an order or courier is not
    /// known.
    fn replace_plan(
        &self,
        orders: &[PlannedOrder],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The stored plan, by courier and then position.
    fn planned_orders(&self) -> impl Future<Output = Result<Vec<PlannedOrder>, StoreError>> + Send;
}

macro_rules! plan_store_impl {
    ($store:ty) => {
        impl PlanStore for $store {
            async fn replace_plan(&self, orders: &[PlannedOrder]) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                sqlx::query("DELETE FROM planned_orders")
                    .execute(&mut *tx)
                    .await?;
                for o in orders {
                    sqlx::query(
                        "INSERT INTO planned_orders (order_id, courier_id, position, eta_ms, \
                         planned_ms) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&o.order_id)
                    .bind(&o.courier_id)
                    .bind(o.position)
                    .bind(o.eta_ms)
                    .bind(o.planned_ms)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| match &e {
                        sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                            StoreError::MissingReference("the planned order or its courier")
                        }
                        _ => StoreError::Database(e),
                    })?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn planned_orders(&self) -> Result<Vec<PlannedOrder>, StoreError> {
                let rows = sqlx::query(
                    "SELECT order_id, courier_id, position, eta_ms, planned_ms \
                     FROM planned_orders ORDER BY courier_id, position, order_id",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(PlannedOrder {
                            order_id: row.try_get("order_id")?,
                            courier_id: row.try_get("courier_id")?,
                            position: row.try_get("position")?,
                            eta_ms: row.try_get("eta_ms")?,
                            planned_ms: row.try_get("planned_ms")?,
                        })
                    })
                    .collect()
            }
        }
    };
}

plan_store_impl!(SqliteStore);
plan_store_impl!(PgStore);

impl PlanStore for AnyStore {
    async fn replace_plan(&self, orders: &[PlannedOrder]) -> Result<(), StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.replace_plan(orders).await,
            AnyStore::Postgres(s) => s.replace_plan(orders).await,
        }
    }

    async fn planned_orders(&self) -> Result<Vec<PlannedOrder>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.planned_orders().await,
            AnyStore::Postgres(s) => s.planned_orders().await,
        }
    }
}
