//! Guessing secrets: a client address whose requests keep failing authentication (an
//! unknown API key, tracking secret or tracking token) gets 429 for a while. The
//! secrets are 256 bits, so this is defence in depth: it keeps a scanner from using
//! the service as a free oracle and shows up in the logs.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::ApiError;
use crate::limiter::RateLimit;
use crate::state::AppState;

/// Failed guesses a client address may make: 20 at once, then one every 5 s.
pub(crate) const GUESSES: RateLimit = RateLimit {
    per_second: 0.2,
    burst: 20.0,
};

/// Refuses a client that failed too often; counts this request's failure, if it fails.
/// Requests with no client address (served in process) are not counted.
pub(crate) async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(peer) = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
    else {
        return next.run(req).await;
    };
    if !state.guesses.has_room(&peer) {
        tracing::warn!(client = %peer, "too many failed guesses");
        return ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_failures",
            "too many requests from this address failed to authenticate; wait a minute and check the key, secret or link",
        )
        .into_response();
    }
    let tracking = req.uri().path().starts_with("/track/");
    let answer = next.run(req).await;
    let failed = answer.status() == StatusCode::UNAUTHORIZED
        || (tracking && answer.status() == StatusCode::NOT_FOUND);
    if failed {
        state.guesses.allow(&peer);
    }
    answer
}
