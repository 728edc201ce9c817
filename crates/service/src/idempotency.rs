//! `Idempotency-Key`: a client that lost an answer retries with the same key and gets
//! the first answer again, instead of a conflict that hides what it needed (an order's
//! tracking token is shown only in that answer). Keys belong to the API key that sent
//! them; the answer is stored with what it answers, in one transaction, and kept a day.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use freshroute_store::{Storage, StoredReply};
use serde_json::Value;

use crate::ApiError;
use crate::auth::{Caller, hash};
use crate::state::AppState;

/// How long a stored answer is replayed (and kept).
pub const REPLY_KEPT_MS: i64 = 24 * 3_600_000;

/// A request's idempotency: its key and what identifies the request under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Idempotent {
    scope: String,
    key: String,
    request_hash: String,
}

impl Idempotent {
    /// The request's `Idempotency-Key`, if it sent one (1 to 255 visible ASCII
    /// characters), with `caller`'s scope and a hash of `request` (its parsed body).
    pub(crate) fn of(
        headers: &HeaderMap,
        caller: &Caller,
        request: &Value,
    ) -> Result<Option<Self>, ApiError> {
        let Some(value) = headers.get("idempotency-key") else {
            return Ok(None);
        };
        let key = value
            .to_str()
            .ok()
            .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_idempotency_key",
                    "Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID, say)",
                )
                .at("Idempotency-Key")
            })?;
        Ok(Some(Self {
            scope: caller.key_id.clone(),
            key: key.to_string(),
            request_hash: hash(&request.to_string()),
        }))
    }

    /// The first answer under this key, replayed; `None` when there is none yet.
    pub(crate) async fn replay(&self, state: &AppState) -> Result<Option<Response>, ApiError> {
        let Some(stored) = state.store.stored_reply(&self.scope, &self.key).await? else {
            return Ok(None);
        };
        if stored.request_hash != self.request_hash {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "this Idempotency-Key was used for another request; send a new key with a new request",
            )
            .at("Idempotency-Key"));
        }
        let status = u16::try_from(stored.status)
            .ok()
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::OK);
        let mut answer = (status, Json(stored.body)).into_response();
        answer
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
        Ok(Some(answer))
    }

    /// What to store with the request's effect: `status` and `body`, first answered at
    /// `now_ms`.
    pub(crate) fn reply(&self, status: StatusCode, body: &Value, now_ms: i64) -> StoredReply {
        StoredReply {
            scope: self.scope.clone(),
            key: self.key.clone(),
            request_hash: self.request_hash.clone(),
            status: i64::from(status.as_u16()),
            body: body.clone(),
            created_ms: now_ms,
        }
    }
}
