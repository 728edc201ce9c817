//! The SQLite and PostgreSQL backends: the same SQL (`$n` placeholders, which both
//! accept) behind one implementation generated for each pool type.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use sqlx::Row;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::{
    ApiKey, Courier, Duty, FixRecord, Notice, Order, OrderEvent, OrderStatus, Role, Roster, Shop,
    Storage, StoreError, StoredReply,
};

/// The embedded default: one SQLite file, WAL journal, every commit synced.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
}

/// PostgreSQL, for deployments that outgrow one machine.
#[derive(Debug, Clone)]
pub struct PgStore {
    pub(crate) pool: PgPool,
}

/// A store of either kind, as a database URL chooses.
#[derive(Debug, Clone)]
pub enum AnyStore {
    /// `sqlite://PATH` or a plain file path.
    Sqlite(SqliteStore),
    /// `postgres://…` or `postgresql://…`.
    Postgres(PgStore),
}

/// Opens (creating and migrating as needed) the database a URL names.
pub async fn connect(url: &str) -> Result<AnyStore, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(AnyStore::Postgres(PgStore::connect(url).await?))
    } else if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| (!url.contains("://")).then_some(url))
    {
        Ok(AnyStore::Sqlite(SqliteStore::open(path).await?))
    } else {
        Err(StoreError::UnsupportedUrl(url.to_string()))
    }
}

impl SqliteStore {
    /// Opens the file at `path`, creating it if needed, and migrates it.
    pub async fn open(path: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // 64 MB of pages cached per connection (the default is 2 MB): a lot's trace
            // or a round's stock reads far more than that from a chain's history.
            .pragma("cache_size", "-65536");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        sqlx::migrate!("../../migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }
}

impl PgStore {
    /// Connects to `url` and migrates the database.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        sqlx::migrate!("../../migrations/postgres")
            .run(&pool)
            .await?;
        Ok(Self { pool })
    }
}

pub(crate) fn conflict(e: sqlx::Error, what: &'static str) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(what),
        _ => StoreError::Database(e),
    }
}

/// A refused insert of an order: a taken id, or a store or courier that does not exist.
fn order_refused(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
            StoreError::MissingReference("the order's store or courier")
        }
        _ => conflict(e, "an order with this id"),
    }
}

fn json(what: &'static str, s: &str) -> Result<serde_json::Value, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt {
        what,
        detail: e.to_string(),
    })
}

fn status(s: &str) -> Result<OrderStatus, StoreError> {
    s.parse().map_err(|detail| StoreError::Corrupt {
        what: "order status",
        detail,
    })
}

const KEY_COLUMNS: &str = "key_hash, role, courier_id, created_ms, revoked_ms, name";
const SHOP_COLUMNS: &str = "id, name, address, lat, lon, snapped, opening_hours, \
     frozen_litres, chilled_litres, ambient_litres, created_ms, time_zone, retired_ms";
const ORDER_COLUMNS: &str = "id, shop_id, customer_name, customer_address, lat, lon, snapped, \
     items, box_units, ready_ms, promised_ms, status, courier_id, tracking_hash, \
     tracking_expires_ms, created_ms, updated_ms, notes";
const EVENT_INSERT: &str = "INSERT INTO order_events \
     (order_id, status, courier_id, reason, actor, at_ms) VALUES ($1, $2, $3, $4, $5, $6)";

fn role(s: String) -> Result<Role, StoreError> {
    s.parse().map_err(|detail| StoreError::Corrupt {
        what: "role",
        detail,
    })
}

fn skills(s: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt {
        what: "skills",
        detail: e.to_string(),
    })
}

fn roster(s: &str) -> Result<Roster, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt {
        what: "roster",
        detail: e.to_string(),
    })
}

fn roster_text(r: &Roster) -> String {
    serde_json::to_string(r).unwrap_or_else(|_| "{}".to_string())
}

fn duty(state: &str, from_ms: i64, until_ms: i64) -> Option<Duty> {
    let on = match state {
        "on" => true,
        "off" => false,
        _ => return None,
    };
    Some(Duty {
        on,
        from_ms,
        until_ms,
    })
}

fn duty_columns(d: Option<Duty>) -> (&'static str, i64, i64) {
    match d {
        Some(d) => (if d.on { "on" } else { "off" }, d.from_ms, d.until_ms),
        None => ("none", 0, 0),
    }
}

const COURIER_COLUMNS: &str = "id, name, profile, box_capacity, skills, duty, duty_from_ms, \
     duty_until_ms, device_id, secret_hash, created_ms, time_zone, roster, retired_ms";
/// Rows per multi-row insert with SQLite. Per row, statements of 20 to 50 rows are the fastest
/// with SQLite here: 1,000 fixes take 14 ms in 25-row statements, 32 ms one by one and
/// 90 ms in 500-row statements (binding cost grows faster than the row count).
/// PostgreSQL takes column arrays instead (`PgStore::insert_chunk`).
const SQLITE_ROWS_PER_INSERT: usize = 25;
/// The reason given to a repeat of an accepted fix.
const DUPLICATE: &str = "duplicate";

/// `INSERT` of `rows` fixes that skips repeats of accepted fixes and returns what went in.
fn insert_sql(rows: usize) -> String {
    let mut sql = format!("INSERT INTO fixes ({FIX_COLUMNS}) VALUES ");
    for r in 0..rows {
        let p = r * 12;
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 1..=12 {
            if c > 1 {
                sql.push(',');
            }
            sql.push_str(&format!("${}", p + c));
        }
        sql.push(')');
    }
    sql.push_str(" ON CONFLICT DO NOTHING RETURNING courier_id, fix_ms, reason");
    sql
}

const FIX_COLUMNS: &str = "courier_id, fix_ms, server_ms, lat, lon, speed_mps, bearing_deg, \
     altitude_m, accuracy_m, battery_pct, source, reason";

macro_rules! storage_impl {
    ($store:ty, $name:literal) => {
        impl $store {
            fn courier_row(row: &<$store as Backend>::Row) -> Result<Courier, StoreError> {
                Ok(Courier {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    profile: row.try_get("profile")?,
                    box_capacity: row.try_get("box_capacity")?,
                    skills: skills(row.try_get::<&str, _>("skills")?)?,
                    time_zone: row.try_get("time_zone")?,
                    roster: roster(row.try_get::<&str, _>("roster")?)?,
                    duty: duty(
                        row.try_get::<&str, _>("duty")?,
                        row.try_get("duty_from_ms")?,
                        row.try_get("duty_until_ms")?,
                    ),
                    device_id: row.try_get("device_id")?,
                    secret_hash: row.try_get("secret_hash")?,
                    created_ms: row.try_get("created_ms")?,
                    retired_ms: row.try_get("retired_ms")?,
                })
            }

            fn fix_row(row: &<$store as Backend>::Row) -> Result<FixRecord, StoreError> {
                Ok(FixRecord {
                    courier_id: row.try_get("courier_id")?,
                    fix_ms: row.try_get("fix_ms")?,
                    server_ms: row.try_get("server_ms")?,
                    lat: row.try_get("lat")?,
                    lon: row.try_get("lon")?,
                    speed_mps: row.try_get("speed_mps")?,
                    bearing_deg: row.try_get("bearing_deg")?,
                    altitude_m: row.try_get("altitude_m")?,
                    accuracy_m: row.try_get("accuracy_m")?,
                    battery_pct: row.try_get("battery_pct")?,
                    source: row.try_get("source")?,
                    reason: row.try_get("reason")?,
                })
            }

            fn key_row(row: &<$store as Backend>::Row) -> Result<ApiKey, StoreError> {
                Ok(ApiKey {
                    key_hash: row.try_get("key_hash")?,
                    role: role(row.try_get("role")?)?,
                    courier_id: row.try_get("courier_id")?,
                    created_ms: row.try_get("created_ms")?,
                    revoked_ms: row.try_get("revoked_ms")?,
                    name: row.try_get("name")?,
                })
            }

            fn shop_row(row: &<$store as Backend>::Row) -> Result<Shop, StoreError> {
                Ok(Shop {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    address: row.try_get("address")?,
                    lat: row.try_get("lat")?,
                    lon: row.try_get("lon")?,
                    snapped: json("snapped position", row.try_get("snapped")?)?,
                    opening_hours: json("opening hours", row.try_get("opening_hours")?)?,
                    frozen_litres: row.try_get("frozen_litres")?,
                    chilled_litres: row.try_get("chilled_litres")?,
                    ambient_litres: row.try_get("ambient_litres")?,
                    created_ms: row.try_get("created_ms")?,
                    time_zone: row.try_get("time_zone")?,
                    retired_ms: row.try_get("retired_ms")?,
                })
            }

            fn order_row(row: &<$store as Backend>::Row) -> Result<Order, StoreError> {
                Ok(Order {
                    id: row.try_get("id")?,
                    shop_id: row.try_get("shop_id")?,
                    customer_name: row.try_get("customer_name")?,
                    customer_address: row.try_get("customer_address")?,
                    lat: row.try_get("lat")?,
                    lon: row.try_get("lon")?,
                    snapped: json("snapped position", row.try_get("snapped")?)?,
                    items: json("order items", row.try_get("items")?)?,
                    box_units: row.try_get("box_units")?,
                    ready_ms: row.try_get("ready_ms")?,
                    promised_ms: row.try_get("promised_ms")?,
                    status: status(row.try_get("status")?)?,
                    courier_id: row.try_get("courier_id")?,
                    tracking_hash: row.try_get("tracking_hash")?,
                    tracking_expires_ms: row.try_get("tracking_expires_ms")?,
                    notes: row.try_get("notes")?,
                    created_ms: row.try_get("created_ms")?,
                    updated_ms: row.try_get("updated_ms")?,
                })
            }

            async fn order_where(
                &self,
                column: &'static str,
                value: &str,
            ) -> Result<Option<Order>, StoreError> {
                let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE {column} = $1");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(value)
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map(Self::order_row)
                    .transpose()
            }

            async fn courier_where(
                &self,
                column: &'static str,
                value: &str,
            ) -> Result<Option<Courier>, StoreError> {
                let sql = format!("SELECT {COURIER_COLUMNS} FROM couriers WHERE {column} = $1");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(value)
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map(Self::courier_row)
                    .transpose()
            }
        }

        impl Storage for $store {
            fn backend(&self) -> &'static str {
                $name
            }

            fn concurrent_writes(&self) -> usize {
                <$store as Backend>::CONCURRENT_WRITES
            }

            async fn insert_courier(&self, c: &Courier) -> Result<(), StoreError> {
                let skills = serde_json::Value::from(c.skills.clone()).to_string();
                let sql = format!(
                    "INSERT INTO couriers ({COURIER_COLUMNS}) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
                );
                let (duty, from, until) = duty_columns(c.duty);
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(&c.id)
                    .bind(&c.name)
                    .bind(&c.profile)
                    .bind(c.box_capacity)
                    .bind(skills)
                    .bind(duty)
                    .bind(from)
                    .bind(until)
                    .bind(&c.device_id)
                    .bind(&c.secret_hash)
                    .bind(c.created_ms)
                    .bind(&c.time_zone)
                    .bind(roster_text(&c.roster))
                    .bind(c.retired_ms)
                    .execute(&self.pool)
                    .await
                    .map_err(|e| conflict(e, "a courier with this id or device id"))?;
                Ok(())
            }

            async fn update_courier(&self, c: &Courier) -> Result<bool, StoreError> {
                let skills = serde_json::Value::from(c.skills.clone()).to_string();
                let (duty, from, until) = duty_columns(c.duty);
                let done = sqlx::query(
                    "UPDATE couriers SET name = $2, profile = $3, box_capacity = $4, skills = $5, \
                     duty = $6, duty_from_ms = $7, duty_until_ms = $8, device_id = $9, \
                     time_zone = $10, roster = $11, retired_ms = $12 WHERE id = $1",
                )
                .bind(&c.id)
                .bind(&c.name)
                .bind(&c.profile)
                .bind(c.box_capacity)
                .bind(skills)
                .bind(duty)
                .bind(from)
                .bind(until)
                .bind(&c.device_id)
                .bind(&c.time_zone)
                .bind(roster_text(&c.roster))
                .bind(c.retired_ms)
                .execute(&self.pool)
                .await
                .map_err(|e| conflict(e, "a courier with this device id"))?;
                Ok(done.rows_affected() == 1)
            }

            async fn courier(&self, id: &str) -> Result<Option<Courier>, StoreError> {
                self.courier_where("id", id).await
            }

            async fn courier_by_secret(
                &self,
                secret_hash: &str,
            ) -> Result<Option<Courier>, StoreError> {
                self.courier_where("secret_hash", secret_hash).await
            }

            async fn set_courier_secret(
                &self,
                id: &str,
                secret_hash: &str,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query("UPDATE couriers SET secret_hash = $1 WHERE id = $2")
                    .bind(secret_hash)
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn insert_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO api_keys (key_hash, role, courier_id, created_ms, revoked_ms, name) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&key.key_hash)
                .bind(key.role.as_str())
                .bind(&key.courier_id)
                .bind(key.created_ms)
                .bind(key.revoked_ms)
                .bind(&key.name)
                .execute(&self.pool)
                .await
                .map_err(|e| conflict(e, "this API key"))?;
                Ok(())
            }

            async fn api_key(&self, key_hash: &str) -> Result<Option<ApiKey>, StoreError> {
                let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE key_hash = $1");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(key_hash)
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map(Self::key_row)
                    .transpose()
            }

            async fn api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
                let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys ORDER BY created_ms, key_hash");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(Self::key_row)
                    .collect()
            }

            async fn rename_api_key(&self, key_hash: &str, name: &str) -> Result<bool, StoreError> {
                let done = sqlx::query("UPDATE api_keys SET name = $1 WHERE key_hash = $2")
                    .bind(name)
                    .bind(key_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn revoke_api_key(&self, key_hash: &str, at_ms: i64) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE api_keys SET revoked_ms = $1 WHERE key_hash = $2 AND revoked_ms IS NULL",
                )
                .bind(at_ms)
                .bind(key_hash)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn accepted_fix_before(
                &self,
                courier_id: &str,
                fix_ms: i64,
            ) -> Result<Option<FixRecord>, StoreError> {
                let sql = format!(
                    "SELECT {FIX_COLUMNS} FROM fixes WHERE courier_id = $1 AND reason IS NULL \
                     AND fix_ms < $2 ORDER BY fix_ms DESC LIMIT 1"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(courier_id)
                    .bind(fix_ms)
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map(Self::fix_row)
                    .transpose()
            }

            async fn insert_fixes(
                &self,
                fixes: &[FixRecord],
            ) -> Result<Vec<Option<String>>, StoreError> {
                // In key order, so that concurrent transactions lock index entries in the
                // same order and cannot deadlock; answers go back in the caller's order.
                let mut order: Vec<usize> = (0..fixes.len()).collect();
                order.sort_by(|&a, &b| {
                    (&fixes[a].courier_id, fixes[a].fix_ms)
                        .cmp(&(&fixes[b].courier_id, fixes[b].fix_ms))
                });
                let sorted: Vec<FixRecord> = order.iter().map(|&i| fixes[i].clone()).collect();
                let mut tx = self.pool.begin().await?;
                let mut reasons: Vec<Option<String>> =
                    fixes.iter().map(|f| f.reason.clone()).collect();
                let mut duplicates: Vec<FixRecord> = Vec::new();
                let per = <$store as Backend>::ROWS_PER_INSERT;
                for (c, chunk) in sorted.chunks(per).enumerate() {
                    let rows = Self::insert_chunk(&mut tx, chunk).await?;
                    // Accepted fixes that went in; the others hit the accepted-once index.
                    let mut inserted: HashMap<(String, i64), usize> = HashMap::new();
                    for row in &rows {
                        let reason: Option<String> = row.try_get("reason")?;
                        if reason.is_none() {
                            *inserted
                                .entry((row.try_get("courier_id")?, row.try_get("fix_ms")?))
                                .or_default() += 1;
                        }
                    }
                    for (k, f) in chunk.iter().enumerate() {
                        if f.reason.is_some() {
                            continue;
                        }
                        match inserted.get_mut(&(f.courier_id.clone(), f.fix_ms)) {
                            Some(n) if *n > 0 => *n -= 1,
                            _ => {
                                reasons[order[c * per + k]] = Some(DUPLICATE.to_string());
                                duplicates.push(FixRecord {
                                    reason: Some(DUPLICATE.to_string()),
                                    ..f.clone()
                                });
                            }
                        }
                    }
                }
                for chunk in duplicates.chunks(per) {
                    Self::insert_chunk(&mut tx, chunk).await?;
                }
                tx.commit().await?;
                Ok(reasons)
            }

            async fn latest_fixes(&self) -> Result<Vec<FixRecord>, StoreError> {
                let sql = format!(
                    "SELECT {FIX_COLUMNS} FROM fixes f WHERE reason IS NULL AND fix_ms = \
                     (SELECT MAX(fix_ms) FROM fixes g WHERE g.courier_id = f.courier_id \
                     AND g.reason IS NULL) ORDER BY courier_id"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(Self::fix_row)
                    .collect()
            }

            async fn fixes(
                &self,
                courier_id: &str,
                from_ms: i64,
                to_ms: i64,
            ) -> Result<Vec<FixRecord>, StoreError> {
                let sql = format!(
                    "SELECT {FIX_COLUMNS} FROM fixes WHERE courier_id = $1 AND fix_ms >= $2 \
                     AND fix_ms <= $3 ORDER BY fix_ms, id"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(courier_id)
                    .bind(from_ms)
                    .bind(to_ms)
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(Self::fix_row)
                    .collect()
            }

            async fn delete_fixes_before(&self, server_ms: i64) -> Result<u64, StoreError> {
                let done = sqlx::query("DELETE FROM fixes WHERE server_ms < $1")
                    .bind(server_ms)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn insert_shop(&self, shop: &Shop) -> Result<(), StoreError> {
                let sql = format!(
                    "INSERT INTO shops ({SHOP_COLUMNS}) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(&shop.id)
                    .bind(&shop.name)
                    .bind(&shop.address)
                    .bind(shop.lat)
                    .bind(shop.lon)
                    .bind(shop.snapped.to_string())
                    .bind(shop.opening_hours.to_string())
                    .bind(shop.frozen_litres)
                    .bind(shop.chilled_litres)
                    .bind(shop.ambient_litres)
                    .bind(shop.created_ms)
                    .bind(&shop.time_zone)
                    .bind(shop.retired_ms)
                    .execute(&self.pool)
                    .await
                    .map_err(|e| conflict(e, "a store with this id"))?;
                Ok(())
            }

            async fn update_shop(&self, shop: &Shop) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE shops SET name = $2, address = $3, lat = $4, lon = $5, snapped = $6, \
                     opening_hours = $7, frozen_litres = $8, chilled_litres = $9, \
                     ambient_litres = $10, time_zone = $11, retired_ms = $12 WHERE id = $1",
                )
                .bind(&shop.id)
                .bind(&shop.name)
                .bind(&shop.address)
                .bind(shop.lat)
                .bind(shop.lon)
                .bind(shop.snapped.to_string())
                .bind(shop.opening_hours.to_string())
                .bind(shop.frozen_litres)
                .bind(shop.chilled_litres)
                .bind(shop.ambient_litres)
                .bind(&shop.time_zone)
                .bind(shop.retired_ms)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn shop(&self, id: &str) -> Result<Option<Shop>, StoreError> {
                let sql = format!("SELECT {SHOP_COLUMNS} FROM shops WHERE id = $1");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map(Self::shop_row)
                    .transpose()
            }

            async fn shops(&self) -> Result<Vec<Shop>, StoreError> {
                let sql = format!("SELECT {SHOP_COLUMNS} FROM shops ORDER BY id");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(Self::shop_row)
                    .collect()
            }

            async fn couriers(&self) -> Result<Vec<Courier>, StoreError> {
                let sql = format!("SELECT {COURIER_COLUMNS} FROM couriers ORDER BY id");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(Self::courier_row)
                    .collect()
            }

            async fn insert_order(
                &self,
                o: &Order,
                actor: &str,
                reply: Option<&StoredReply>,
            ) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                let sql = format!(
                    "INSERT INTO orders ({ORDER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, \
                     $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(&o.id)
                    .bind(&o.shop_id)
                    .bind(&o.customer_name)
                    .bind(&o.customer_address)
                    .bind(o.lat)
                    .bind(o.lon)
                    .bind(o.snapped.to_string())
                    .bind(o.items.to_string())
                    .bind(o.box_units)
                    .bind(o.ready_ms)
                    .bind(o.promised_ms)
                    .bind(o.status.as_str())
                    .bind(&o.courier_id)
                    .bind(&o.tracking_hash)
                    .bind(o.tracking_expires_ms)
                    .bind(o.created_ms)
                    .bind(o.updated_ms)
                    .bind(&o.notes)
                    .execute(&mut *tx)
                    .await
                    .map_err(order_refused)?;
                sqlx::query(EVENT_INSERT)
                    .bind(&o.id)
                    .bind(o.status.as_str())
                    .bind(&o.courier_id)
                    .bind(None::<String>)
                    .bind(actor)
                    .bind(o.created_ms)
                    .execute(&mut *tx)
                    .await?;
                if let Some(r) = reply {
                    sqlx::query(
                        "INSERT INTO idempotent_replies (scope, idem_key, request_hash, status, \
                         body, created_ms) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&r.scope)
                    .bind(&r.key)
                    .bind(&r.request_hash)
                    .bind(r.status)
                    .bind(r.body.to_string())
                    .bind(r.created_ms)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict(e, "an answer under this idempotency key"))?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn stored_reply(
                &self,
                scope: &str,
                key: &str,
            ) -> Result<Option<StoredReply>, StoreError> {
                let row = sqlx::query(
                    "SELECT scope, idem_key, request_hash, status, body, created_ms \
                     FROM idempotent_replies WHERE scope = $1 AND idem_key = $2",
                )
                .bind(scope)
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|row| {
                    Ok(StoredReply {
                        scope: row.try_get("scope")?,
                        key: row.try_get("idem_key")?,
                        request_hash: row.try_get("request_hash")?,
                        status: row.try_get("status")?,
                        body: json("stored reply", row.try_get::<&str, _>("body")?)?,
                        created_ms: row.try_get("created_ms")?,
                    })
                })
                .transpose()
            }

            async fn delete_replies_before(&self, created_ms: i64) -> Result<u64, StoreError> {
                let done = sqlx::query("DELETE FROM idempotent_replies WHERE created_ms < $1")
                    .bind(created_ms)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn set_order_tracking(
                &self,
                order_id: &str,
                tracking_hash: &str,
                expires_ms: i64,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE orders SET tracking_hash = $1, tracking_expires_ms = $2 WHERE id = $3",
                )
                .bind(tracking_hash)
                .bind(expires_ms)
                .bind(order_id)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn order(&self, id: &str) -> Result<Option<Order>, StoreError> {
                self.order_where("id", id).await
            }

            async fn order_by_tracking(
                &self,
                tracking_hash: &str,
            ) -> Result<Option<Order>, StoreError> {
                self.order_where("tracking_hash", tracking_hash).await
            }

            async fn orders(
                &self,
                status: Option<OrderStatus>,
                shop_id: Option<&str>,
                limit: u32,
            ) -> Result<Vec<Order>, StoreError> {
                let sql = format!(
                    "SELECT {ORDER_COLUMNS} FROM orders WHERE ($1 IS NULL OR status = $1) \
                     AND ($2 IS NULL OR shop_id = $2) ORDER BY created_ms DESC, id LIMIT $3"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(status.map(OrderStatus::as_str))
                    .bind(shop_id)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(Self::order_row)
                    .collect()
            }

            async fn open_orders_mark(&self) -> Result<(i64, i64), StoreError> {
                let row = sqlx::query(
                    "SELECT COUNT(*) AS open, COALESCE(MAX(updated_ms), 0) AS newest FROM orders \
                     WHERE status IN ('placed', 'assigned', 'picked_up')",
                )
                .fetch_one(&self.pool)
                .await?;
                Ok((row.try_get("open")?, row.try_get("newest")?))
            }

            async fn update_order_status(
                &self,
                from: OrderStatus,
                e: &OrderEvent,
                notice: Option<&Notice>,
            ) -> Result<bool, StoreError> {
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query(
                    "UPDATE orders SET status = $1, courier_id = $2, updated_ms = $3 \
                     WHERE id = $4 AND status = $5",
                )
                .bind(e.status.as_str())
                .bind(&e.courier_id)
                .bind(e.at_ms)
                .bind(&e.order_id)
                .bind(from.as_str())
                .execute(&mut *tx)
                .await
                .map_err(|err| match &err {
                    sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                        StoreError::MissingReference("the courier")
                    }
                    _ => StoreError::Database(err),
                })?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                sqlx::query(EVENT_INSERT)
                    .bind(&e.order_id)
                    .bind(e.status.as_str())
                    .bind(&e.courier_id)
                    .bind(&e.reason)
                    .bind(&e.actor)
                    .bind(e.at_ms)
                    .execute(&mut *tx)
                    .await?;
                if let Some(n) = notice {
                    Self::notice_in(&mut tx, n).await?;
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn order_events(&self, order_id: &str) -> Result<Vec<OrderEvent>, StoreError> {
                let rows = sqlx::query(
                    "SELECT order_id, status, courier_id, reason, actor, at_ms \
                     FROM order_events WHERE order_id = $1 ORDER BY id",
                )
                .bind(order_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(OrderEvent {
                            order_id: row.try_get("order_id")?,
                            status: status(row.try_get("status")?)?,
                            courier_id: row.try_get("courier_id")?,
                            reason: row.try_get("reason")?,
                            actor: row.try_get("actor")?,
                            at_ms: row.try_get("at_ms")?,
                        })
                    })
                    .collect()
            }
        }
    };
}

/// What differs between the backends, for the generated implementation.
trait Backend {
    type Row: Row;
    /// Fixes per insert statement.
    const ROWS_PER_INSERT: usize;
    /// Write transactions worth running at once.
    const CONCURRENT_WRITES: usize;
}
impl Backend for SqliteStore {
    type Row = sqlx::sqlite::SqliteRow;
    const ROWS_PER_INSERT: usize = SQLITE_ROWS_PER_INSERT;
    const CONCURRENT_WRITES: usize = 1;
}
impl Backend for PgStore {
    type Row = sqlx::postgres::PgRow;
    /// One statement of column arrays: its cost hardly grows with the rows.
    const ROWS_PER_INSERT: usize = 5_000;
    const CONCURRENT_WRITES: usize = 2;
}

impl SqliteStore {
    /// Inserts fixes in one multi-row statement, skipping repeats of accepted fixes;
    /// returns the rows that went in.
    async fn insert_chunk(
        tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
        chunk: &[FixRecord],
    ) -> Result<Vec<sqlx::sqlite::SqliteRow>, StoreError> {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(insert_sql(chunk.len())));
        for f in chunk {
            query = query
                .bind(&f.courier_id)
                .bind(f.fix_ms)
                .bind(f.server_ms)
                .bind(f.lat)
                .bind(f.lon)
                .bind(f.speed_mps)
                .bind(f.bearing_deg)
                .bind(f.altitude_m)
                .bind(f.accuracy_m)
                .bind(f.battery_pct)
                .bind(&f.source)
                .bind(&f.reason);
        }
        Ok(query.fetch_all(&mut **tx).await?)
    }
}

impl PgStore {
    /// Inserts fixes in one statement over column arrays, skipping repeats of accepted
    /// fixes; returns the rows that went in.
    async fn insert_chunk(
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        chunk: &[FixRecord],
    ) -> Result<Vec<sqlx::postgres::PgRow>, StoreError> {
        let sql = format!(
            "INSERT INTO fixes ({FIX_COLUMNS}) SELECT * FROM UNNEST($1::text[], $2::int8[], \
             $3::int8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::float8[], \
             $9::float8[], $10::float8[], $11::text[], $12::text[]) \
             ON CONFLICT DO NOTHING RETURNING courier_id, fix_ms, reason"
        );
        let col = |f: fn(&FixRecord) -> Option<f64>| chunk.iter().map(f).collect::<Vec<_>>();
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(
                chunk
                    .iter()
                    .map(|f| f.courier_id.clone())
                    .collect::<Vec<_>>(),
            )
            .bind(chunk.iter().map(|f| f.fix_ms).collect::<Vec<_>>())
            .bind(chunk.iter().map(|f| f.server_ms).collect::<Vec<_>>())
            .bind(chunk.iter().map(|f| f.lat).collect::<Vec<_>>())
            .bind(chunk.iter().map(|f| f.lon).collect::<Vec<_>>())
            .bind(col(|f| f.speed_mps))
            .bind(col(|f| f.bearing_deg))
            .bind(col(|f| f.altitude_m))
            .bind(col(|f| f.accuracy_m))
            .bind(col(|f| f.battery_pct))
            .bind(chunk.iter().map(|f| f.source.clone()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|f| f.reason.clone()).collect::<Vec<_>>())
            .fetch_all(&mut **tx)
            .await?;
        Ok(rows)
    }
}

storage_impl!(SqliteStore, "sqlite");
storage_impl!(PgStore, "postgres");

/// `AnyStore` answers each call with the backend it holds.
macro_rules! delegate {
    ($( fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty; )*) => {
        impl Storage for AnyStore {
            fn backend(&self) -> &'static str {
                match self {
                    AnyStore::Sqlite(s) => s.backend(),
                    AnyStore::Postgres(s) => s.backend(),
                }
            }
            fn concurrent_writes(&self) -> usize {
                match self {
                    AnyStore::Sqlite(s) => s.concurrent_writes(),
                    AnyStore::Postgres(s) => s.concurrent_writes(),
                }
            }
            $(
                async fn $name(&self $(, $arg: $ty)*) -> Result<$ret, StoreError> {
                    match self {
                        AnyStore::Sqlite(s) => s.$name($($arg),*).await,
                        AnyStore::Postgres(s) => s.$name($($arg),*).await,
                    }
                }
            )*
        }
    };
}

delegate! {
    fn insert_courier(&self, c: &Courier) -> ();
    fn update_courier(&self, c: &Courier) -> bool;
    fn courier(&self, id: &str) -> Option<Courier>;
    fn courier_by_secret(&self, secret_hash: &str) -> Option<Courier>;
    fn set_courier_secret(&self, id: &str, secret_hash: &str) -> bool;
    fn insert_api_key(&self, key: &ApiKey) -> ();
    fn api_key(&self, key_hash: &str) -> Option<ApiKey>;
    fn api_keys(&self) -> Vec<ApiKey>;
    fn revoke_api_key(&self, key_hash: &str, at_ms: i64) -> bool;
    fn rename_api_key(&self, key_hash: &str, name: &str) -> bool;
    fn accepted_fix_before(&self, courier_id: &str, fix_ms: i64) -> Option<FixRecord>;
    fn insert_fixes(&self, fixes: &[FixRecord]) -> Vec<Option<String>>;
    fn latest_fixes(&self) -> Vec<FixRecord>;
    fn fixes(&self, courier_id: &str, from_ms: i64, to_ms: i64) -> Vec<FixRecord>;
    fn delete_fixes_before(&self, server_ms: i64) -> u64;
    fn insert_shop(&self, shop: &Shop) -> ();
    fn update_shop(&self, shop: &Shop) -> bool;
    fn shop(&self, id: &str) -> Option<Shop>;
    fn shops(&self) -> Vec<Shop>;
    fn couriers(&self) -> Vec<Courier>;
    fn insert_order(&self, order: &Order, actor: &str, reply: Option<&StoredReply>) -> ();
    fn stored_reply(&self, scope: &str, key: &str) -> Option<StoredReply>;
    fn delete_replies_before(&self, created_ms: i64) -> u64;
    fn set_order_tracking(&self, order_id: &str, tracking_hash: &str, expires_ms: i64) -> bool;
    fn order(&self, id: &str) -> Option<Order>;
    fn order_by_tracking(&self, tracking_hash: &str) -> Option<Order>;
    fn orders(&self, status: Option<OrderStatus>, shop_id: Option<&str>, limit: u32) -> Vec<Order>;
    fn open_orders_mark(&self) -> (i64, i64);
    fn update_order_status(&self, from: OrderStatus, event: &OrderEvent, notice: Option<&Notice>) -> bool;
    fn order_events(&self, order_id: &str) -> Vec<OrderEvent>;
}

impl From<SqliteStore> for AnyStore {
    fn from(s: SqliteStore) -> Self {
        AnyStore::Sqlite(s)
    }
}

impl From<PgStore> for AnyStore {
    fn from(s: PgStore) -> Self {
        AnyStore::Postgres(s)
    }
}
