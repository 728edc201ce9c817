//! The [`Outbox`] of both backends: the same SQL, generated for each pool type.

use sqlx::Row;

use crate::StoreError;
use crate::backend::{PgStore, SqliteStore};
use crate::outbox::{
    AfterAttempt, Attempt, Coupon, DueDelivery, Notice, NoticeKind, Outbox, Webhook,
};

fn kind(s: &str) -> Result<NoticeKind, StoreError> {
    s.parse().map_err(|detail| StoreError::Corrupt {
        what: "notice kind",
        detail,
    })
}

fn kinds(s: &str) -> Result<Vec<NoticeKind>, StoreError> {
    let names: Vec<String> = serde_json::from_str(s).map_err(|e| StoreError::Corrupt {
        what: "webhook events",
        detail: e.to_string(),
    })?;
    names.iter().map(|n| kind(n)).collect()
}

fn payload(s: &str) -> Result<serde_json::Value, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt {
        what: "notice payload",
        detail: e.to_string(),
    })
}

const NOTICE_INSERT: &str = "INSERT INTO notices (order_id, kind, eta_ms, payload, at_ms) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id";
/// A delivery of notice `$1` to every webhook on that wants kind `$3` (a JSON string
/// pattern), due at `$2`.
const DELIVERIES_INSERT: &str = "INSERT INTO webhook_deliveries (notice_id, webhook_id, \
     next_attempt_ms) SELECT $1, id, $2 FROM webhooks WHERE disabled_ms IS NULL \
     AND (events = '[]' OR events LIKE $3)";
const WEBHOOK_COLUMNS: &str = "id, url, secret, events, created_ms, disabled_ms";

macro_rules! outbox_impl {
    ($store:ty, $db:ty) => {
        impl $store {
            /// A notice from a row, its id in column `id`.
            fn notice_row(
                row: &<$db as sqlx::Database>::Row,
                id: &str,
            ) -> Result<Notice, StoreError> {
                Ok(Notice {
                    id: row.try_get(id)?,
                    order_id: row.try_get("order_id")?,
                    kind: kind(row.try_get::<&str, _>("kind")?)?,
                    eta_ms: row.try_get("eta_ms")?,
                    payload: payload(row.try_get::<&str, _>("payload")?)?,
                    at_ms: row.try_get("at_ms")?,
                })
            }

            /// Stores a notice and its deliveries inside `tx`; `None` when it is a second
            /// `delayed` notice of its order.
            pub(crate) async fn notice_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                n: &Notice,
            ) -> Result<Option<i64>, StoreError> {
                let id: Option<i64> = sqlx::query(NOTICE_INSERT)
                    .bind(&n.order_id)
                    .bind(n.kind.as_str())
                    .bind(n.eta_ms)
                    .bind(n.payload.to_string())
                    .bind(n.at_ms)
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(|e| match &e {
                        sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                            StoreError::MissingReference("the notice's order")
                        }
                        _ => StoreError::Database(e),
                    })?
                    .map(|row| row.try_get("id"))
                    .transpose()?;
                if let Some(id) = id {
                    sqlx::query(DELIVERIES_INSERT)
                        .bind(id)
                        .bind(n.at_ms)
                        .bind(format!("%\"{}\"%", n.kind.as_str()))
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(id)
            }
        }

        impl Outbox for $store {
            async fn insert_webhook(&self, w: &Webhook) -> Result<(), StoreError> {
                let events: Vec<&str> = w.events.iter().map(|k| k.as_str()).collect();
                let sql = format!(
                    "INSERT INTO webhooks ({WEBHOOK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(&w.id)
                    .bind(&w.url)
                    .bind(&w.secret)
                    .bind(serde_json::Value::from(events).to_string())
                    .bind(w.created_ms)
                    .bind(w.disabled_ms)
                    .execute(&self.pool)
                    .await
                    .map_err(|e| match &e {
                        sqlx::Error::Database(d) if d.is_unique_violation() => {
                            StoreError::Conflict("a webhook with this id")
                        }
                        _ => StoreError::Database(e),
                    })?;
                Ok(())
            }

            async fn webhooks(&self) -> Result<Vec<Webhook>, StoreError> {
                let sql = format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks ORDER BY id");
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|row| {
                        Ok(Webhook {
                            id: row.try_get("id")?,
                            url: row.try_get("url")?,
                            secret: row.try_get("secret")?,
                            events: kinds(row.try_get::<&str, _>("events")?)?,
                            created_ms: row.try_get("created_ms")?,
                            disabled_ms: row.try_get("disabled_ms")?,
                        })
                    })
                    .collect()
            }

            async fn change_webhook(
                &self,
                id: &str,
                url: &str,
                events: &[NoticeKind],
            ) -> Result<bool, StoreError> {
                let events: Vec<&str> = events.iter().map(|k| k.as_str()).collect();
                let done = sqlx::query(
                    "UPDATE webhooks SET url = $1, events = $2 WHERE id = $3 AND disabled_ms IS NULL",
                )
                .bind(url)
                .bind(serde_json::Value::from(events).to_string())
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn disable_webhook(&self, id: &str, at_ms: i64) -> Result<bool, StoreError> {
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query(
                    "UPDATE webhooks SET disabled_ms = $1 WHERE id = $2 AND disabled_ms IS NULL",
                )
                .bind(at_ms)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                // What was still due to it is cancelled: given up now.
                sqlx::query(
                    "UPDATE webhook_deliveries SET next_attempt_ms = NULL, gave_up_ms = $1 \
                     WHERE webhook_id = $2 AND next_attempt_ms IS NOT NULL",
                )
                .bind(at_ms)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            }

            async fn record_notice(
                &self,
                n: &Notice,
                coupon: Option<&Coupon>,
            ) -> Result<Option<i64>, StoreError> {
                let mut tx = self.pool.begin().await?;
                let Some(id) = Self::notice_in(&mut tx, n).await? else {
                    return Ok(None);
                };
                if let Some(c) = coupon {
                    sqlx::query(
                        "INSERT INTO coupons (code, order_id, value_cents, reason, created_ms) \
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    )
                    .bind(&c.code)
                    .bind(&c.order_id)
                    .bind(c.value_cents)
                    .bind(&c.reason)
                    .bind(c.created_ms)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(Some(id))
            }

            async fn notices(&self, order_id: &str) -> Result<Vec<Notice>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, order_id, kind, eta_ms, payload, at_ms FROM notices \
                     WHERE order_id = $1 ORDER BY id",
                )
                .bind(order_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(|row| Self::notice_row(row, "id")).collect()
            }

            async fn due_deliveries(
                &self,
                now_ms: i64,
                limit: u32,
            ) -> Result<Vec<DueDelivery>, StoreError> {
                let rows = sqlx::query(
                    "SELECT d.notice_id, d.webhook_id, d.attempts, w.url, w.secret, \
                     n.order_id, n.kind, n.eta_ms, n.payload, n.at_ms \
                     FROM webhook_deliveries d \
                     JOIN notices n ON n.id = d.notice_id \
                     JOIN webhooks w ON w.id = d.webhook_id \
                     WHERE d.next_attempt_ms IS NOT NULL AND d.next_attempt_ms <= $1 \
                     ORDER BY d.next_attempt_ms, d.notice_id LIMIT $2",
                )
                .bind(now_ms)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(DueDelivery {
                            notice: Self::notice_row(row, "notice_id")?,
                            webhook_id: row.try_get("webhook_id")?,
                            url: row.try_get("url")?,
                            secret: row.try_get("secret")?,
                            attempts: row.try_get("attempts")?,
                        })
                    })
                    .collect()
            }

            async fn record_attempt(
                &self,
                a: &Attempt,
                after: AfterAttempt,
            ) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(
                    "INSERT INTO webhook_attempts (notice_id, webhook_id, at_ms, http_status, \
                     error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(a.notice_id)
                .bind(&a.webhook_id)
                .bind(a.at_ms)
                .bind(a.http_status)
                .bind(&a.error)
                .bind(a.duration_ms)
                .execute(&mut *tx)
                .await?;
                let end = a.at_ms + a.duration_ms;
                let (next, delivered, gave_up) = match after {
                    AfterAttempt::Delivered => (None, Some(end), None),
                    AfterAttempt::RetryAt(at) => (Some(at), None, None),
                    AfterAttempt::GiveUp => (None, None, Some(end)),
                };
                sqlx::query(
                    "UPDATE webhook_deliveries SET attempts = attempts + 1, \
                     next_attempt_ms = $1, delivered_ms = $2, gave_up_ms = $3 \
                     WHERE notice_id = $4 AND webhook_id = $5 AND next_attempt_ms IS NOT NULL",
                )
                .bind(next)
                .bind(delivered)
                .bind(gave_up)
                .bind(a.notice_id)
                .bind(&a.webhook_id)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn attempts(
                &self,
                webhook_id: &str,
                limit: u32,
            ) -> Result<Vec<Attempt>, StoreError> {
                let rows = sqlx::query(
                    "SELECT notice_id, webhook_id, at_ms, http_status, error, duration_ms \
                     FROM webhook_attempts WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2",
                )
                .bind(webhook_id)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(Attempt {
                            notice_id: row.try_get("notice_id")?,
                            webhook_id: row.try_get("webhook_id")?,
                            at_ms: row.try_get("at_ms")?,
                            http_status: row.try_get("http_status")?,
                            error: row.try_get("error")?,
                            duration_ms: row.try_get("duration_ms")?,
                        })
                    })
                    .collect()
            }

            async fn coupon(&self, order_id: &str) -> Result<Option<Coupon>, StoreError> {
                let row = sqlx::query(
                    "SELECT code, order_id, value_cents, reason, created_ms FROM coupons \
                     WHERE order_id = $1",
                )
                .bind(order_id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|row| {
                    Ok(Coupon {
                        code: row.try_get("code")?,
                        order_id: row.try_get("order_id")?,
                        value_cents: row.try_get("value_cents")?,
                        reason: row.try_get("reason")?,
                        created_ms: row.try_get("created_ms")?,
                    })
                })
                .transpose()
            }
        }
    };
}

outbox_impl!(SqliteStore, sqlx::Sqlite);
outbox_impl!(PgStore, sqlx::Postgres);

crate::any_store::any_store! { Outbox {
    fn insert_webhook(&self, w: &Webhook) -> ();
    fn webhooks(&self) -> Vec<Webhook>;
    fn change_webhook(&self, id: &str, url: &str, events: &[NoticeKind]) -> bool;
    fn disable_webhook(&self, id: &str, at_ms: i64) -> bool;
    fn record_notice(&self, notice: &Notice, coupon: Option<&Coupon>) -> Option<i64>;
    fn notices(&self, order_id: &str) -> Vec<Notice>;
    fn due_deliveries(&self, now_ms: i64, limit: u32) -> Vec<DueDelivery>;
    fn record_attempt(&self, attempt: &Attempt, after: AfterAttempt) -> ();
    fn attempts(&self, webhook_id: &str, limit: u32) -> Vec<Attempt>;
    fn coupon(&self, order_id: &str) -> Option<Coupon>;
} }
