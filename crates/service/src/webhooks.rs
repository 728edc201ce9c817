//! Webhooks: the chain's systems register a URL and receive every notice they want,
//! signed with HMAC-SHA256, retried with back-off until received or out of attempts,
//! every attempt logged. Sending runs in its own task: an endpoint that is down delays
//! only its own notices, never the planner or the API.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use freshroute_store::{AfterAttempt, Attempt, DueDelivery, NoticeKind, Outbox, Role, Webhook};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Sha256;

use crate::auth::{Caller, new_secret};
use crate::destinations::{Destinations, ForbiddenDestination};
use crate::ingest::now_ms;
use crate::state::AppState;
use crate::time::format_ms;
use crate::{ApiError, ErrorBody};

/// How notices are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookPolicy {
    /// Longest wait for an answer to one attempt.
    pub timeout: Duration,
    /// Wait before the first retry; each further retry waits twice as long…
    pub first_retry: Duration,
    /// … but never longer than this.
    pub max_backoff: Duration,
    /// Attempts before a delivery is given up (it stays in the log).
    pub max_attempts: i64,
    /// How often due deliveries are looked for when nothing new wakes the sender.
    pub poll: Duration,
}

impl Default for WebhookPolicy {
    fn default() -> Self {
        // 5 s, 10 s, 20 s … capped at an hour: 20 attempts span about 13 hours.
        Self {
            timeout: Duration::from_secs(5),
            first_retry: Duration::from_secs(5),
            max_backoff: Duration::from_secs(3_600),
            max_attempts: 20,
            poll: Duration::from_secs(1),
        }
    }
}

impl WebhookPolicy {
    /// What a failed attempt (the `attempts`-th, counting from 1) leaves the delivery as.
    fn after_failure(&self, attempts: i64, now_ms: i64) -> AfterAttempt {
        if attempts >= self.max_attempts {
            return AfterAttempt::GiveUp;
        }
        let doubling = 1u32 << (attempts - 1).clamp(0, 20) as u32;
        let wait = self
            .first_retry
            .saturating_mul(doubling)
            .min(self.max_backoff);
        AfterAttempt::RetryAt(now_ms + wait.as_millis() as i64)
    }
}

/// The signature header's value: `t=SECONDS,v1=HEX`, where HEX is the HMAC-SHA256 of
/// `SECONDS.BODY` under the webhook's secret. A receiver recomputes it and compares, and
/// refuses a `t` too far from its clock (replays).
pub fn signature(secret: &str, unix_s: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC accepts keys of every length");
    mac.update(unix_s.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={unix_s},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// The body sent for a notice.
fn body(d: &DueDelivery) -> Vec<u8> {
    let n = &d.notice;
    json!({
        "id": n.id,
        "event": n.kind.as_str(),
        "order_id": n.order_id,
        "at": format_ms(n.at_ms),
        "eta": n.eta_ms.map(format_ms),
        "data": n.payload,
    })
    .to_string()
    .into_bytes()
}

/// One attempt: the HTTP status that came back, if one did, and the outcome when it is
/// not a success. Outcomes are coarse on purpose (`timeout`, `connection_failed`,
/// `tls_failed`, `invalid_response`, `redirect_not_followed`, `http_error`,
/// `forbidden_destination`): the log must not tell a port scanner what it found.
async fn attempt(
    client: &reqwest::Client,
    destinations: &Destinations,
    d: &DueDelivery,
) -> (Option<i64>, Option<&'static str>) {
    // Checked before every attempt: an address in the URL never reaches the resolver,
    // and the allow list may have changed since the webhook was added.
    if destinations.check_url(&d.url).is_err() {
        return (None, Some("forbidden_destination"));
    }
    let body = body(d);
    let sent = client
        .post(&d.url)
        .header("content-type", "application/json")
        .header("freshroute-event", d.notice.kind.as_str())
        .header("freshroute-notice", d.notice.id.to_string())
        .header(
            "freshroute-signature",
            signature(&d.secret, now_ms().div_euclid(1000), &body),
        )
        .body(body)
        .send()
        .await;
    match sent {
        Ok(r) => {
            let status = Some(i64::from(r.status().as_u16()));
            if r.status().is_success() {
                (status, None)
            } else if r.status().is_redirection() {
                (status, Some("redirect_not_followed"))
            } else {
                (status, Some("http_error"))
            }
        }
        Err(e) => (None, Some(outcome(&e))),
    }
}

/// The coarse outcome of a transport error.
fn outcome(e: &reqwest::Error) -> &'static str {
    let mut text = String::new();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if s.is::<ForbiddenDestination>() {
            return "forbidden_destination";
        }
        text.push_str(&s.to_string().to_ascii_lowercase());
        source = s.source();
    }
    if e.is_timeout() {
        "timeout"
    } else if text.contains("certificate") || text.contains("tls") {
        "tls_failed"
    } else if e.is_connect() {
        "connection_failed"
    } else {
        "invalid_response"
    }
}

/// The client webhooks are sent with: no redirects (a 3xx is a failed attempt, so a
/// receiver cannot bounce the signed body elsewhere), no proxy from the environment,
/// and a resolver that only hands out allowed addresses.
fn client(policy: &WebhookPolicy, destinations: &Destinations) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(policy.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(destinations.resolver())
        .build()
}

/// Sends what is due, for ever: woken when a notice is stored or an attempt ends, and
/// every `poll` for retries. Attempts run side by side, at most [`PER_WEBHOOK`] per
/// webhook; each is logged with its outcome.
pub async fn deliver_forever(state: AppState, policy: WebhookPolicy) {
    let client = match client(&policy, &state.destinations) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "no HTTP client: webhooks are not sent");
            return;
        }
    };
    let in_flight: InFlight = Arc::default();
    loop {
        // An attempt under way while the due list is read may end (and be logged as
        // delivered) before the list comes back: what the list says of it is stale, so
        // it waits for the next round rather than being sent twice.
        let before: HashSet<(i64, String)> =
            in_flight.lock().map(|f| f.clone()).unwrap_or_default();
        let flying = before.len() as u32;
        let due = match state
            .store
            .due_deliveries(state.clock.now_ms(), 64 + flying)
            .await
        {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "could not read due webhook deliveries");
                Vec::new()
            }
        };
        for d in due {
            let key = (d.notice.id, d.webhook_id.clone());
            if before.contains(&key) {
                continue;
            }
            {
                let Ok(mut flying) = in_flight.lock() else {
                    continue;
                };
                let busy = flying.iter().filter(|(_, w)| *w == d.webhook_id).count();
                if busy >= PER_WEBHOOK || !flying.insert(key.clone()) {
                    continue;
                }
            }
            let (client, state, in_flight) = (client.clone(), state.clone(), in_flight.clone());
            tokio::spawn(async move {
                deliver(&state, &client, &policy, &d).await;
                if let Ok(mut flying) = in_flight.lock() {
                    flying.remove(&key);
                }
                // Room for the next one of this webhook.
                state.outbox_wake.notify_one();
            });
        }
        // Until a notice is stored, an attempt ends, or the next poll.
        let _ = tokio::time::timeout(policy.poll, state.outbox_wake.notified()).await;
    }
}

/// Deliveries being attempted, as (notice, webhook): each is attempted once at a time.
type InFlight = Arc<std::sync::Mutex<HashSet<(i64, String)>>>;

/// Attempts one webhook may have under way at once: a slow receiver holds up its own
/// notices only, never another's.
const PER_WEBHOOK: usize = 8;

/// One attempt of `d`, logged with its outcome and what becomes of the delivery.
async fn deliver(
    state: &AppState,
    client: &reqwest::Client,
    policy: &WebhookPolicy,
    d: &DueDelivery,
) {
    let started = Instant::now();
    let at_ms = state.clock.now_ms();
    let (http_status, error) = attempt(client, &state.destinations, d).await;
    let after = if error.is_none() {
        AfterAttempt::Delivered
    } else {
        policy.after_failure(d.attempts + 1, state.clock.now_ms())
    };
    let log = Attempt {
        notice_id: d.notice.id,
        webhook_id: d.webhook_id.clone(),
        at_ms,
        http_status,
        error: error.map(str::to_string),
        duration_ms: started.elapsed().as_millis() as i64,
    };
    if let Some(e) = &log.error {
        tracing::warn!(webhook = %d.webhook_id, notice = d.notice.id, error = %e, ?after, "webhook attempt failed");
    }
    if let Err(e) = state.store.record_attempt(&log, after).await {
        tracing::warn!(error = %e, "could not log a webhook attempt; it will be sent again");
    }
}

/// A webhook to add.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewWebhook {
    /// Where notices are POSTed: `https://…` (or `http://`).
    #[schema(example = "https://pos.example.com/freshroute")]
    url: String,
    /// The notices it wants (`assigned`, `unassigned`, `picked_up`, `delivered`,
    /// `failed`, `cancelled`, `delayed`, `eta_changed`); empty or absent: all.
    #[serde(default)]
    #[schema(example = json!(["delayed", "delivered"]))]
    events: Vec<String>,
}

/// A webhook as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct WebhookView {
    /// Its id.
    #[schema(example = "wh_3f9a0c2b7d1e4a6")]
    id: String,
    /// Where it sends (without credentials).
    url: String,
    /// The notices it wants.
    #[schema(example = json!(["delayed", "delivered"]))]
    events: Vec<String>,
    /// When it was added, ISO 8601.
    created: String,
    /// When it was switched off.
    disabled: Option<String>,
    /// Its signing secret, shown only when it is created.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

fn view(w: &Webhook) -> WebhookView {
    WebhookView {
        id: w.id.clone(),
        url: without_credentials(&w.url),
        events: w.events.iter().map(|k| k.as_str().to_string()).collect(),
        created: format_ms(w.created_ms),
        disabled: w.disabled_ms.map(format_ms),
        secret: None,
    }
}

/// Every webhook.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct WebhookList {
    webhooks: Vec<WebhookView>,
}

/// One attempt to deliver a notice.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct AttemptView {
    /// The notice.
    notice_id: i64,
    /// When, ISO 8601.
    at: String,
    /// The HTTP status answered; absent when nothing answered.
    http_status: Option<i64>,
    /// Why it was not delivered: `timeout`, `connection_failed`, `tls_failed`,
    /// `invalid_response`, `redirect_not_followed`, `http_error`, `forbidden_destination`.
    error: Option<String>,
    /// How long it took, milliseconds.
    duration_ms: i64,
}

/// A webhook's delivery log, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct AttemptLog {
    attempts: Vec<AttemptView>,
}

/// A URL as shown back: without a user or password, should one be stored from before
/// they were refused.
fn without_credentials(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// A webhook's URL and events checked: a destination it may reach, kinds that exist
/// (each once).
fn checked(state: &AppState, url: &str, names: &[String]) -> Result<Vec<NoticeKind>, ApiError> {
    state
        .destinations
        .check_url(url)
        .map_err(|r| ApiError::bad_request(r.code, r.message).at("url"))?;
    let mut events = Vec::new();
    for (i, e) in names.iter().enumerate() {
        let kind: NoticeKind = e
            .parse()
            .map_err(|m| ApiError::bad_request("unknown_event", m).at(format!("events[{i}]")))?;
        if !events.contains(&kind) {
            events.push(kind);
        }
    }
    Ok(events)
}

/// Changes where a webhook sends or what it wants (its secret stays).
#[utoipa::path(patch, path = "/v1/webhooks/{id}", tag = "notices", request_body = NewWebhook,
    security(("api_key" = [])),
    params(("id" = String, Path, description = "The webhook's id")),
    responses(
        (status = 200, description = "The webhook as it now is", body = WebhookView),
        (status = 400, description = "As for a new webhook", body = ErrorBody),
        (status = 404, description = "No such webhook on (switched off ones stay off)", body = ErrorBody),
    ))]
pub(crate) async fn change(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Json<NewWebhook>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<WebhookView>, ApiError> {
    caller.require(&[Role::Admin])?;
    let Json(new) = body?;
    let events = checked(&state, &new.url, &new.events)?;
    if !state.store.change_webhook(&id, &new.url, &events).await? {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_webhook",
            format!("no webhook {id:?} is on: GET /v1/webhooks lists them"),
        ));
    }
    let hook = state
        .store
        .webhooks()
        .await?
        .into_iter()
        .find(|w| w.id == id)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "unknown_webhook", "gone"))?;
    Ok(Json(view(&hook)))
}

/// Adds a webhook; its signing secret is shown once, in this answer.
#[utoipa::path(post, path = "/v1/webhooks", tag = "notices", request_body = NewWebhook,
    security(("api_key" = [])),
    responses(
        (status = 201, description = "The webhook with its `secret`: every body is signed as `freshroute-signature: t=SECONDS,v1=HEX`, HEX the HMAC-SHA256 of `SECONDS.BODY` under it", body = WebhookView),
        (status = 400, description = "Not a usable URL (`invalid_url`), credentials in it (`credentials_in_url`), a destination inside the network not on the allow list (`forbidden_destination`), or an unknown event", body = ErrorBody),
        (status = 403, description = "Not an admin key", body = ErrorBody),
    ))]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<NewWebhook>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<WebhookView>), ApiError> {
    caller.require(&[Role::Admin])?;
    let Json(new) = body?;
    let events = checked(&state, &new.url, &new.events)?;
    let hook = Webhook {
        id: new_secret("wh_")[..19].to_string(),
        url: new.url,
        secret: new_secret("whsec_"),
        events,
        created_ms: state.clock.now_ms(),
        disabled_ms: None,
    };
    state.store.insert_webhook(&hook).await?;
    let answer = WebhookView {
        secret: Some(hook.secret.clone()),
        ..view(&hook)
    };
    Ok((StatusCode::CREATED, Json(answer)))
}

/// Every webhook (never their secrets).
#[utoipa::path(get, path = "/v1/webhooks", tag = "notices", security(("api_key" = [])),
    responses(
        (status = 200, description = "Every webhook, never their secrets", body = WebhookList),
        (status = 403, description = "Not an admin key", body = ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<WebhookList>, ApiError> {
    caller.require(&[Role::Admin])?;
    let hooks = state.store.webhooks().await?;
    Ok(Json(WebhookList {
        webhooks: hooks.iter().map(view).collect(),
    }))
}

/// Switches a webhook off: nothing new goes to it, and what was still due to it is
/// cancelled.
#[utoipa::path(delete, path = "/v1/webhooks/{id}", tag = "notices", security(("api_key" = [])),
    params(("id" = String, Path, description = "The webhook's id")),
    responses(
        (status = 204, description = "Switched off"),
        (status = 404, description = "No such webhook, or already off", body = ErrorBody),
    ))]
pub(crate) async fn disable(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(&[Role::Admin])?;
    if state
        .store
        .disable_webhook(&id, state.clock.now_ms())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(unknown_webhook(&id))
    }
}

fn unknown_webhook(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_webhook",
        format!("no webhook {id:?} is on; GET /v1/webhooks lists them"),
    )
}

/// How many attempts to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct AttemptListing {
    /// At most this many, newest first (1 to 1,000; default 100).
    limit: Option<u32>,
}

/// A webhook's delivery log.
#[utoipa::path(get, path = "/v1/webhooks/{id}/attempts", tag = "notices", security(("api_key" = [])),
    params(("id" = String, Path, description = "The webhook's id"), AttemptListing),
    responses(
        (status = 200, description = "`{\"attempts\": [...]}`, newest first: notice, time, HTTP status (absent when nothing answered), outcome when not delivered (`timeout`, `connection_failed`, `tls_failed`, `invalid_response`, `redirect_not_followed`, `http_error`, `forbidden_destination`), duration", body = AttemptLog),
        (status = 404, description = "No such webhook", body = ErrorBody),
    ))]
pub(crate) async fn attempts(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<AttemptListing>,
) -> Result<Json<AttemptLog>, ApiError> {
    caller.require(&[Role::Admin])?;
    let limit = crate::fields::listing_limit(q.limit)?;
    if !state.store.webhooks().await?.iter().any(|w| w.id == id) {
        return Err(unknown_webhook(&id));
    }
    let log = state.store.attempts(&id, limit).await?;
    let attempts = log
        .iter()
        .map(|a| AttemptView {
            notice_id: a.notice_id,
            at: format_ms(a.at_ms),
            http_status: a.http_status,
            error: a.error.clone(),
            duration_ms: a.duration_ms,
        })
        .collect();
    Ok(Json(AttemptLog { attempts }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_the_cap_then_give_up() {
        let p = WebhookPolicy {
            first_retry: Duration::from_secs(5),
            max_backoff: Duration::from_secs(60),
            max_attempts: 6,
            ..WebhookPolicy::default()
        };
        let waits: Vec<AfterAttempt> = (1..=6).map(|n| p.after_failure(n, 0)).collect();
        assert_eq!(
            waits,
            [
                AfterAttempt::RetryAt(5_000),
                AfterAttempt::RetryAt(10_000),
                AfterAttempt::RetryAt(20_000),
                AfterAttempt::RetryAt(40_000),
                AfterAttempt::RetryAt(60_000),
                AfterAttempt::GiveUp,
            ]
        );
    }

    #[test]
    fn signature_is_hmac_sha256_of_time_and_body() {
        // Expected value from Python's hmac module:
        // hmac.new(b"whsec_test", b'1764000000.{"event":"delayed"}', hashlib.sha256)
        assert_eq!(
            signature("whsec_test", 1_764_000_000, br#"{"event":"delayed"}"#),
            "t=1764000000,v1=a53408d6deab3a68590197152b2874656ee8c078438fb646d432fd61ea1a9181"
        );
    }
}
