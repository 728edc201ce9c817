//! Browser sessions: the cookie a person's browser carries after signing in with an API
//! key, stored only as its hash, acting with that key's role until it expires.

use std::future::Future;

use sqlx::Row;

use crate::{PgStore, SqliteStore, Storage, StoreError};

/// A signed-in browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the cookie's value, hex; the value itself is never stored.
    pub token_hash: String,
    /// The API key it was opened with: the session acts with that key's role.
    pub key_hash: String,
    /// When it was opened.
    pub created_ms: i64,
    /// When it ends, whatever happens.
    pub expires_ms: i64,
}

/// Where sessions are kept.
pub trait Sessions: Storage {
    /// Opens a session; its key must exist.
    fn insert_session(&self, s: &Session) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// A session by its hash, expired or not.
    fn session(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<Option<Session>, StoreError>> + Send;

    /// Ends a session (signing out); `false` when none has this hash.
    fn delete_session(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Deletes the sessions that expired before `ms`; returns how many.
    fn delete_sessions_expired_before(
        &self,
        ms: i64,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
}

macro_rules! sessions_impl {
    ($store:ty) => {
        impl Sessions for $store {
            async fn insert_session(&self, s: &Session) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO sessions (token_hash, key_hash, created_ms, expires_ms) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(&s.token_hash)
                .bind(&s.key_hash)
                .bind(s.created_ms)
                .bind(s.expires_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn session(&self, token_hash: &str) -> Result<Option<Session>, StoreError> {
                let row = sqlx::query(
                    "SELECT token_hash, key_hash, created_ms, expires_ms FROM sessions \
                     WHERE token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|row| {
                    Ok(Session {
                        token_hash: row.try_get("token_hash")?,
                        key_hash: row.try_get("key_hash")?,
                        created_ms: row.try_get("created_ms")?,
                        expires_ms: row.try_get("expires_ms")?,
                    })
                })
                .transpose()
            }

            async fn delete_session(&self, token_hash: &str) -> Result<bool, StoreError> {
                let done = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn delete_sessions_expired_before(&self, ms: i64) -> Result<u64, StoreError> {
                let done = sqlx::query("DELETE FROM sessions WHERE expires_ms < $1")
                    .bind(ms)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }
        }
    };
}

sessions_impl!(SqliteStore);
sessions_impl!(PgStore);

crate::any_store::any_store! { Sessions {
    fn insert_session(&self, s: &Session) -> ();
    fn session(&self, token_hash: &str) -> Option<Session>;
    fn delete_session(&self, token_hash: &str) -> bool;
    fn delete_sessions_expired_before(&self, ms: i64) -> u64;
} }
