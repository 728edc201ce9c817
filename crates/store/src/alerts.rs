//! Alert lines set by hand per store and article, and the crossings of alert lines
//! recorded as events (the service derives the other lines from the forecast).

use std::future::Future;

use sqlx::Row;

use crate::{PgStore, SqliteStore, Storage, StoreError};

/// An alert line a planner set by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertLine {
    /// The store.
    pub shop_id: String,
    /// The article.
    pub sku: String,
    /// Units below which the store wants to hear of it.
    pub units: i64,
    /// Who set it.
    pub actor: String,
    /// When.
    pub set_ms: i64,
}

/// A store's stock of an article falling below its alert line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crossing {
    /// Its number (0 before it is stored).
    pub id: i64,
    /// The store.
    pub shop_id: String,
    /// The article.
    pub sku: String,
    /// The line crossed.
    pub line: i64,
    /// Units left.
    pub on_hand: i64,
    /// When.
    pub at_ms: i64,
}

/// Where alert lines and their crossings are kept.
pub trait StockAlerts: Storage {
    /// Sets a store's line for an article, replacing one set before; the store must exist.
    fn set_alert_line(&self, l: &AlertLine) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Clears a line set by hand (the forecast's applies again); `false` when none was set.
    fn clear_alert_line(
        &self,
        shop_id: &str,
        sku: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The lines set by hand at a store, by article.
    fn alert_lines(
        &self,
        shop_id: &str,
    ) -> impl Future<Output = Result<Vec<AlertLine>, StoreError>> + Send;

    /// Records a crossing; returns its number.
    fn record_crossing(&self, c: &Crossing)
    -> impl Future<Output = Result<i64, StoreError>> + Send;

    /// The crossings from `since_ms` on, oldest first.
    fn crossings(
        &self,
        since_ms: i64,
    ) -> impl Future<Output = Result<Vec<Crossing>, StoreError>> + Send;
}

fn missing_store(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
            StoreError::MissingReference("the alert's store")
        }
        _ => StoreError::Database(e),
    }
}

macro_rules! alerts_impl {
    ($store:ty) => {
        impl StockAlerts for $store {
            async fn set_alert_line(&self, l: &AlertLine) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO alert_lines (shop_id, sku, units, actor, set_ms) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (shop_id, sku) DO UPDATE SET \
                     units = excluded.units, actor = excluded.actor, set_ms = excluded.set_ms",
                )
                .bind(&l.shop_id)
                .bind(&l.sku)
                .bind(l.units)
                .bind(&l.actor)
                .bind(l.set_ms)
                .execute(&self.pool)
                .await
                .map_err(missing_store)?;
                Ok(())
            }

            async fn clear_alert_line(&self, shop_id: &str, sku: &str) -> Result<bool, StoreError> {
                let n = sqlx::query("DELETE FROM alert_lines WHERE shop_id = $1 AND sku = $2")
                    .bind(shop_id)
                    .bind(sku)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                Ok(n > 0)
            }

            async fn alert_lines(&self, shop_id: &str) -> Result<Vec<AlertLine>, StoreError> {
                let rows = sqlx::query(
                    "SELECT shop_id, sku, units, actor, set_ms FROM alert_lines \
                     WHERE shop_id = $1 ORDER BY sku",
                )
                .bind(shop_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(AlertLine {
                            shop_id: r.try_get("shop_id")?,
                            sku: r.try_get("sku")?,
                            units: r.try_get("units")?,
                            actor: r.try_get("actor")?,
                            set_ms: r.try_get("set_ms")?,
                        })
                    })
                    .collect()
            }

            async fn record_crossing(&self, c: &Crossing) -> Result<i64, StoreError> {
                let id: i64 = sqlx::query(
                    "INSERT INTO stock_alerts (shop_id, sku, line, on_hand, at_ms) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(&c.shop_id)
                .bind(&c.sku)
                .bind(c.line)
                .bind(c.on_hand)
                .bind(c.at_ms)
                .fetch_one(&self.pool)
                .await
                .map_err(missing_store)?
                .try_get("id")?;
                Ok(id)
            }

            async fn crossings(&self, since_ms: i64) -> Result<Vec<Crossing>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, shop_id, sku, line, on_hand, at_ms FROM stock_alerts \
                     WHERE at_ms >= $1 ORDER BY at_ms, id",
                )
                .bind(since_ms)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(Crossing {
                            id: r.try_get("id")?,
                            shop_id: r.try_get("shop_id")?,
                            sku: r.try_get("sku")?,
                            line: r.try_get("line")?,
                            on_hand: r.try_get("on_hand")?,
                            at_ms: r.try_get("at_ms")?,
                        })
                    })
                    .collect()
            }
        }
    };
}

alerts_impl!(SqliteStore);
alerts_impl!(PgStore);

crate::any_store::any_store! { StockAlerts {
    fn set_alert_line(&self, l: &AlertLine) -> ();
    fn clear_alert_line(&self, shop_id: &str, sku: &str) -> bool;
    fn alert_lines(&self, shop_id: &str) -> Vec<AlertLine>;
    fn record_crossing(&self, c: &Crossing) -> i64;
    fn crossings(&self, since_ms: i64) -> Vec<Crossing>;
} }
