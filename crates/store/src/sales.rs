//! Till sales the stores post, one row per store, article and day.

use std::future::Future;

use sqlx::Row;

use crate::{AnyStore, PgStore, SqliteStore, Storage, StoreError};

/// A day's sales of one article at one store.
#[derive(Debug, Clone, PartialEq)]
pub struct SaleDay {
    /// The store.
    pub shop_id: String,
    /// The article.
    pub sku: String,
    /// The local date, YYYY-MM-DD.
    pub date: String,
    /// Units sold (fractions where the till sells servings).
    pub units: f64,
    /// What one unit brought in, cents.
    pub unit_value_cents: i64,
    /// On promotion that day.
    pub promo: bool,
    /// A public holiday.
    pub holiday: bool,
    /// The day's mean temperature, °C.
    pub temp_c: f64,
    /// When it was posted.
    pub recorded_ms: i64,
    /// Who posted it.
    pub actor: String,
}

/// Storage of posted sales.
pub trait Sales: Storage {
    /// Stores rows in one transaction; a row for a store, article and day already held
    /// replaces it. Returns how many rows were written.
    fn record_sales(
        &self,
        rows: &[SaleDay],
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Every row from `first_date` (YYYY-MM-DD) on, by date, store and article.
    fn sales_from(
        &self,
        first_date: &str,
    ) -> impl Future<Output = Result<Vec<SaleDay>, StoreError>> + Send;
}

const UPSERT: &str = "INSERT INTO daily_sales (shop_id, sku, sale_date, units, unit_value_cents, \
     promo, holiday, temp_c, recorded_ms, actor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
     ON CONFLICT (shop_id, sku, sale_date) DO UPDATE SET units = excluded.units, \
     unit_value_cents = excluded.unit_value_cents, promo = excluded.promo, \
     holiday = excluded.holiday, temp_c = excluded.temp_c, recorded_ms = excluded.recorded_ms, \
     actor = excluded.actor";

macro_rules! sales_impl {
    ($store:ty) => {
        impl Sales for $store {
            async fn record_sales(&self, rows: &[SaleDay]) -> Result<u64, StoreError> {
                let mut tx = self.pool.begin().await?;
                for r in rows {
                    sqlx::query(UPSERT)
                        .bind(&r.shop_id)
                        .bind(&r.sku)
                        .bind(&r.date)
                        .bind(r.units)
                        .bind(r.unit_value_cents)
                        .bind(r.promo)
                        .bind(r.holiday)
                        .bind(r.temp_c)
                        .bind(r.recorded_ms)
                        .bind(&r.actor)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(rows.len() as u64)
            }

            async fn sales_from(&self, first_date: &str) -> Result<Vec<SaleDay>, StoreError> {
                let rows = sqlx::query(
                    "SELECT shop_id, sku, sale_date, units, unit_value_cents, promo, holiday, \
                     temp_c, recorded_ms, actor FROM daily_sales WHERE sale_date >= $1 \
                     ORDER BY sale_date, shop_id, sku",
                )
                .bind(first_date)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(SaleDay {
                            shop_id: row.try_get("shop_id")?,
                            sku: row.try_get("sku")?,
                            date: row.try_get("sale_date")?,
                            units: row.try_get("units")?,
                            unit_value_cents: row.try_get("unit_value_cents")?,
                            promo: row.try_get("promo")?,
                            holiday: row.try_get("holiday")?,
                            temp_c: row.try_get("temp_c")?,
                            recorded_ms: row.try_get("recorded_ms")?,
                            actor: row.try_get("actor")?,
                        })
                    })
                    .collect()
            }
        }
    };
}

sales_impl!(SqliteStore);
sales_impl!(PgStore);

impl Sales for AnyStore {
    async fn record_sales(&self, rows: &[SaleDay]) -> Result<u64, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.record_sales(rows).await,
            AnyStore::Postgres(s) => s.record_sales(rows).await,
        }
    }

    async fn sales_from(&self, first_date: &str) -> Result<Vec<SaleDay>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.sales_from(first_date).await,
            AnyStore::Postgres(s) => s.sales_from(first_date).await,
        }
    }
}
