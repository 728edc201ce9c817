//! API keys and secrets: made from the OS's randomness, stored only as SHA-256 hashes.
//!
//! A request names its key as `Authorization: Bearer KEY`. The Traccar Client cannot
//! send headers, so a courier's OsmAnd endpoint carries a per-courier secret in its
//! path instead; a device id alone never authenticates anything.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use freshroute_store::{ApiKey, Order, Role, Storage};
use sha2::{Digest, Sha256};

use crate::ApiError;
use crate::state::AppState;

/// A new secret: 32 random bytes, hex, with a prefix saying what it is (`fr_key_`, `fr_trk_`).
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    // The OS's randomness is there on every platform freshroute runs on; without it no
    // key can be made safely, so stopping is right.
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    format!("{prefix}{}", hex::encode(bytes))
}

/// Characters of a key's hash that name it (`freshroute keys list` shows them).
pub const KEY_ID_CHARS: usize = 12;

/// The stored form of a secret.
pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Who is calling: the role of the key presented, and its courier for a courier key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// What the key may do.
    pub role: Role,
    /// For a courier key, its courier.
    pub courier_id: Option<String>,
    /// The key's id: the start of its hash, as `freshroute keys list` shows it.
    pub key_id: String,
    /// Who holds the key, as it was named; may be empty.
    pub name: String,
}

impl Caller {
    /// The caller an API key speaks for.
    pub fn of_key(key: ApiKey) -> Caller {
        Caller {
            role: key.role,
            courier_id: key.courier_id,
            key_id: key.key_hash.chars().take(KEY_ID_CHARS).collect(),
            name: key.name,
        }
    }

    /// Refuses with 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            let allowed: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden_role",
                format!(
                    "a {} key may not do this; it needs one of: {}",
                    self.role,
                    allowed.join(", ")
                ),
            ))
        }
    }

    /// Refuses with 403 a courier key acting for another courier.
    pub fn may_act_for(&self, courier_id: &str) -> Result<(), ApiError> {
        match (&self.role, &self.courier_id) {
            (Role::Courier, Some(own)) if own != courier_id => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "not_your_courier",
                format!("this key speaks for courier {own:?}, not {courier_id:?}"),
            )),
            _ => Ok(()),
        }
    }
}

impl Caller {
    /// Refuses with 403 a courier key acting on an order that is not assigned to it.
    pub fn may_carry(&self, order: &Order) -> Result<(), ApiError> {
        match (&self.role, &self.courier_id) {
            // The same answer as for an order that does not exist: a courier's key does
            // not learn which orders others carry.
            (Role::Courier, Some(own)) if order.courier_id.as_ref() != Some(own) => {
                Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    "unknown_order",
                    format!("no order has id {:?}", order.id),
                ))
            }
            _ => Ok(()),
        }
    }

    /// Who, by key, as purchase orders record every change and approval: the role and
    /// the key's id. One key, one approver: every planner has a key of their own.
    pub fn by_key(&self) -> String {
        format!("{}:{}", self.role, self.key_id)
    }

    /// Who this is, as order events record it: `courier:ID` for a courier's key, else
    /// the role and the key's id, as [`Caller::by_key`].
    pub fn actor(&self) -> String {
        match &self.courier_id {
            Some(id) => format!("courier:{id}"),
            None => self.by_key(),
        }
    }
}

/// Who holds each named key, by the key as audit trails record it
/// (`planner:d802ea5b36b0`).
pub(crate) async fn key_names(
    state: &AppState,
) -> Result<std::collections::HashMap<String, String>, ApiError> {
    Ok(state
        .store
        .api_keys()
        .await?
        .into_iter()
        .filter(|k| !k.name.is_empty())
        .map(|k| {
            let id: String = k.key_hash.chars().take(KEY_ID_CHARS).collect();
            (format!("{}:{id}", k.role), k.name)
        })
        .collect())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let unauthorized = |code, message: &str| {
            ApiError::new(StatusCode::UNAUTHORIZED, code, message.to_string())
        };
        let Some(header) = parts.headers.get(axum::http::header::AUTHORIZATION) else {
            return match crate::login::caller(state, &parts.headers).await {
                Some(found) => {
                    same_site(parts)?;
                    found
                }
                None => Err(unauthorized(
                    "missing_api_key",
                    "send an API key as `Authorization: Bearer KEY` (freshroute keys create makes one)",
                )),
            };
        };
        let key = header
            .to_str()
            .ok()
            // The scheme's name is case-insensitive (RFC 9110, section 11.1).
            .and_then(|h| h.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, key)| key.trim())
            .filter(|k| !k.is_empty())
            .ok_or_else(|| {
                unauthorized(
                    "malformed_authorization",
                    "the Authorization header must read `Bearer KEY`",
                )
            })?;
        let found: Option<ApiKey> = state.store.api_key(&hash(key)).await?;
        let key =
            found.ok_or_else(|| unauthorized("invalid_api_key", "this API key is not known"))?;
        if key.revoked_ms.is_some() {
            return Err(unauthorized(
                "revoked_api_key",
                "this API key was revoked; ask an admin for a new one",
            ));
        }
        Ok(Caller::of_key(key))
    }
}

/// A browser's change made with its session cookie must come from this host's pages:
/// the browser says so (`Sec-Fetch-Site: same-origin`) or, where it does not say, its
/// `Origin` names the host it was sent to. Reads need no check; a change another
/// site makes the browser send is refused with 403 `cross_site_request`.
fn same_site(parts: &Parts) -> Result<(), ApiError> {
    use axum::http::{Method, header};
    if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let fetch_site = parts
        .headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok());
    if fetch_site == Some("same-origin") {
        return Ok(());
    }
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok());
    let origin_host = parts
        .headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| rest);
    match (host, origin_host, fetch_site) {
        (Some(h), Some(o), None) if h.eq_ignore_ascii_case(o) => Ok(()),
        _ => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "cross_site_request",
            "a change made with a browser session must come from freshroute's own pages",
        )),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;

    fn parts(method: &str, headers: &[(&str, &str)]) -> Parts {
        let mut req = Request::builder().method(method).uri("/console/assign");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.body(()).expect("request").into_parts().0
    }

    #[test]
    fn a_sessions_change_comes_from_this_hosts_pages_or_is_refused() {
        let host = ("host", "fr.test");
        assert!(same_site(&parts("GET", &[])).is_ok(), "reads need no check");
        assert!(same_site(&parts("POST", &[("sec-fetch-site", "same-origin")])).is_ok());
        assert!(same_site(&parts("POST", &[host, ("origin", "http://fr.test")])).is_ok());
        for refused in [
            parts("POST", &[host]),
            parts("POST", &[host, ("origin", "null")]),
            parts("POST", &[host, ("origin", "http://evil.example")]),
            parts(
                "POST",
                &[
                    host,
                    ("origin", "http://fr.test"),
                    ("sec-fetch-site", "cross-site"),
                ],
            ),
        ] {
            let e = same_site(&refused).expect_err("refused");
            assert_eq!(e.code, "cross_site_request");
        }
    }
}
