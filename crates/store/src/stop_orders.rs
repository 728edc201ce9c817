//! The order a dispatcher set for a courier's stops: kept until the dispatcher clears
//! or replaces it, or retention sweeps it once it is old; the planner reads it with
//! every snapshot and keeps it for the stops still bound to the courier.

use std::future::Future;

use sqlx::Row;

use crate::{PgStore, SqliteStore, Storage, StoreError};

/// A courier's stops in the order a dispatcher set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopOrder {
    /// The courier.
    pub courier_id: String,
    /// Its stops in order: the order's id, and `pickup` or `delivery`.
    pub stops: Vec<(String, String)>,
    /// When it was set, epoch ms.
    pub set_ms: i64,
}

/// Where stop orders are kept.
pub trait StopOrders: Storage {
    /// Sets a courier's stop order, replacing the one before; the courier must exist.
    fn set_stop_order(&self, o: &StopOrder) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Every stop order, by courier id.
    fn stop_orders(&self) -> impl Future<Output = Result<Vec<StopOrder>, StoreError>> + Send;

    /// Clears a courier's stop order (the plan orders its stops again); `false` when it
    /// had none.
    fn clear_stop_order(
        &self,
        courier_id: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Deletes the stop orders set before `ms`; returns how many.
    fn delete_stop_orders_set_before(
        &self,
        ms: i64,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
}

fn stops_json(stops: &[(String, String)]) -> Result<String, StoreError> {
    serde_json::to_string(stops).map_err(|e| corrupt(&e))
}

fn stops_from(json: &str) -> Result<Vec<(String, String)>, StoreError> {
    serde_json::from_str(json).map_err(|e| corrupt(&e))
}

fn corrupt(e: &serde_json::Error) -> StoreError {
    StoreError::Corrupt {
        what: "stop order",
        detail: e.to_string(),
    }
}

macro_rules! stop_orders_impl {
    ($store:ty) => {
        impl StopOrders for $store {
            async fn set_stop_order(&self, o: &StopOrder) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO stop_orders (courier_id, stops, set_ms) VALUES ($1, $2, $3) \
                     ON CONFLICT (courier_id) DO UPDATE SET stops = excluded.stops, \
                     set_ms = excluded.set_ms",
                )
                .bind(&o.courier_id)
                .bind(stops_json(&o.stops)?)
                .bind(o.set_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn stop_orders(&self) -> Result<Vec<StopOrder>, StoreError> {
                let rows = sqlx::query(
                    "SELECT courier_id, stops, set_ms FROM stop_orders ORDER BY courier_id",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        let stops: String = row.try_get("stops")?;
                        Ok(StopOrder {
                            courier_id: row.try_get("courier_id")?,
                            stops: stops_from(&stops)?,
                            set_ms: row.try_get("set_ms")?,
                        })
                    })
                    .collect()
            }

            async fn clear_stop_order(&self, courier_id: &str) -> Result<bool, StoreError> {
                let done = sqlx::query("DELETE FROM stop_orders WHERE courier_id = $1")
                    .bind(courier_id)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn delete_stop_orders_set_before(&self, ms: i64) -> Result<u64, StoreError> {
                let done = sqlx::query("DELETE FROM stop_orders WHERE set_ms < $1")
                    .bind(ms)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }
        }
    };
}

stop_orders_impl!(SqliteStore);
stop_orders_impl!(PgStore);

crate::any_store::any_store! { StopOrders {
    fn set_stop_order(&self, o: &StopOrder) -> ();
    fn stop_orders(&self) -> Vec<StopOrder>;
    fn clear_stop_order(&self, courier_id: &str) -> bool;
    fn delete_stop_orders_set_before(&self, ms: i64) -> u64;
} }
