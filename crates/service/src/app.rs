//! The router and the layers every request passes: body limit, timeout, request id,
//! tracing.

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, StatusCode};
use axum::routing::{get, post};
use freshroute_store::Storage;
use serde_json::json;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::state::AppState;
use crate::{ApiError, couriers, fixes, telemetry};

/// Largest request body accepted, bytes (a full batch of fixes fits).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Longest a request may take before it is answered 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Every route of the service.
pub fn router<S: Storage>(state: AppState<S>) -> Router {
    telemetry::handle();
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .route("/healthz", get(healthz::<S>))
        .route("/metrics", get(telemetry::render))
        .route("/v1/couriers", post(couriers::create::<S>))
        .route("/v1/couriers/{id}", get(couriers::get::<S>))
        .route("/v1/couriers/{id}/fixes", get(couriers::fixes::<S>))
        .route("/v1/fixes", post(fixes::batch::<S>))
        .route(
            "/osmand/{secret}",
            get(fixes::osmand::<S>).post(fixes::osmand::<S>),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .route_layer(axum::middleware::from_fn(telemetry::track))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

async fn healthz<S: Storage>(
    axum::extract::State(state): axum::extract::State<AppState<S>>,
) -> axum::Json<serde_json::Value> {
    axum::Json(json!({"status": "ok", "storage": state.store.backend()}))
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint; see the README for the API",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take that method",
    )
}
