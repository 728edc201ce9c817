//! The router and the layers every request passes: body limit, timeout, request id,
//! tracing.

use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use freshroute_store::Storage;

use tower_http::LatencyUnit;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;
use crate::{
    ApiError, alert_lines, assets, console, console_stops, console_transfers, courier_edits,
    courier_page, couriers, desk, desk_lots, desk_transfers, fixes, guessing, inputs, login, lots,
    map_tiles, orders, plan_mode, planner, production, purchasing, sales, shop_edits, shops, stock,
    stop_orders, streets, telemetry, tracking, transfer_trips, transfers, vroom, webhooks,
};

/// Largest request body accepted, bytes (a full batch of fixes fits).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Longest a request may take before it is answered 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The OpenAPI document's frame; the paths and schemas come from the handlers themselves.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "freshroute",
        description = "Stores, couriers, orders and GPS fixes of a food and beverage chain's \
            delivery. Errors are always `{code, message, field}` with a stable code. Send an API \
            key as `Authorization: Bearer KEY` (`freshroute keys create` makes one); the OsmAnd \
            endpoint authenticates by the secret in its path and `/track/{token}` by its token."
    ),
    modifiers(&ApiKeyScheme),
    tags(
        (name = "stores", description = "The chain's stores"),
        (name = "couriers", description = "Couriers and their positions"),
        (name = "orders", description = "Customers' orders and their statuses"),
        (name = "fixes", description = "GPS fixes: JSON batches and the Traccar Client"),
        (name = "tracking", description = "What a customer sees"),
        (name = "pages", description = "Screens for people: sign-in, the dispatcher's console and their scripts"),
        (name = "planning", description = "Route planning: VROOM-compatible solving"),
        (name = "notices", description = "Webhooks: signed notices of what happens to orders"),
        (name = "procurement", description = "Planners: planning rounds, purchase orders and their approval, stock lots"),
        (name = "operations", description = "Health, metrics and this document"),
    )
)]
struct ApiDoc;

/// Declares the bearer API key the paths name as `api_key`.
struct ApiKeyScheme;

impl utoipa::Modify for ApiKeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API key made by `freshroute keys create`"))
                    .build(),
            ),
        );
    }
}

/// Every route with its OpenAPI description, from one list so the two cannot drift.
fn routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(healthz))
        .routes(routes!(telemetry::render))
        .routes(routes!(openapi_json))
        .routes(routes!(shops::create, shops::list))
        .routes(routes!(shops::get, shop_edits::change, shop_edits::retire))
        .routes(routes!(couriers::create, couriers::list))
        .routes(routes!(
            couriers::get,
            courier_edits::change,
            courier_edits::retire
        ))
        .routes(routes!(courier_edits::duty))
        .routes(routes!(couriers::fixes))
        .routes(routes!(couriers::new_tracking_secret))
        .routes(routes!(stop_orders::put, stop_orders::delete))
        .routes(routes!(orders::create, orders::list))
        .routes(routes!(orders::get))
        .routes(routes!(orders::change_status))
        .routes(routes!(orders::new_tracking))
        .routes(routes!(fixes::batch))
        .routes(routes!(fixes::osmand))
        .routes(routes!(login::page, login::sign_in))
        .routes(routes!(login::sign_out))
        .routes(routes!(tracking::track))
        .routes(routes!(tracking::live))
        .routes(routes!(assets::asset))
        .routes(routes!(console::page))
        .routes(routes!(console::lists))
        .routes(routes!(console::assign))
        .routes(routes!(console::unassign))
        .routes(routes!(console::check))
        .routes(routes!(console_stops::reorder))
        .routes(routes!(console_stops::release))
        .routes(routes!(console::live))
        .routes(routes!(console_transfers::page))
        .routes(routes!(console_transfers::delivered))
        .routes(routes!(desk::page))
        .routes(routes!(desk::order))
        .routes(routes!(desk::act))
        .routes(routes!(desk_lots::page))
        .routes(routes!(desk_lots::recall))
        .routes(routes!(desk_transfers::page))
        .routes(routes!(desk_transfers::act))
        .routes(routes!(courier_page::page))
        .routes(routes!(courier_page::step))
        .routes(routes!(streets::streets))
        .routes(routes!(map_tiles::tile))
        .routes(routes!(vroom::solve_vroom))
        .routes(routes!(planner::trigger, planner::current))
        .routes(routes!(planner::courier_stops))
        .routes(routes!(plan_mode::check))
        .routes(routes!(planner::arrived))
        .routes(routes!(webhooks::create, webhooks::list))
        .routes(routes!(webhooks::disable, webhooks::change))
        .routes(routes!(webhooks::attempts))
        .routes(routes!(purchasing::create_round))
        .routes(routes!(purchasing::latest_round))
        .routes(routes!(purchasing::list))
        .routes(routes!(purchasing::get, purchasing::edit))
        .routes(routes!(purchasing::approve))
        .routes(routes!(purchasing::reject))
        .routes(routes!(purchasing::send))
        .routes(routes!(purchasing::confirm))
        .routes(routes!(purchasing::receive))
        .routes(routes!(stock::stock))
        .routes(routes!(stock::expiring))
        .routes(routes!(stock::count))
        .routes(routes!(lots::trace))
        .routes(routes!(lots::recall))
        .routes(routes!(production::make))
        .routes(routes!(alert_lines::list))
        .routes(routes!(alert_lines::set))
        .routes(routes!(alert_lines::crossings))
        .routes(routes!(transfers::propose))
        .routes(routes!(transfers::list))
        .routes(routes!(transfers::approve))
        .routes(routes!(transfers::edit))
        .routes(routes!(transfers::reject))
        .routes(routes!(transfers::delivered))
        .routes(routes!(transfer_trips::trips))
        .routes(routes!(sales::post))
        .split_for_parts()
}

/// The OpenAPI document of the service.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().1
}

/// Every route of the service.
pub fn router(state: AppState) -> Router {
    telemetry::handle();
    let request_id = HeaderName::from_static("x-request-id");
    let (routes, _) = routes();
    routes
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state.clone())
        .route_layer(axum::middleware::from_fn(telemetry::track))
        .layer(axum::middleware::from_fn_with_state(state, guessing::guard))
        .layer(axum::middleware::from_fn(inputs::guard))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(time_limit))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(
                    DefaultOnResponse::new()
                        .level(tracing::Level::INFO)
                        .latency_unit(LatencyUnit::Millis),
                ),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// The service's health.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Health {
    /// `ok`.
    #[schema(example = "ok")]
    status: &'static str,
    /// The storage in use: `sqlite` or `postgres`.
    #[schema(example = "sqlite")]
    storage: &'static str,
}

/// Whether the service is up, and which storage it uses.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Up, with the storage it uses", body = Health)))]
async fn healthz(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok",
        storage: state.store.backend(),
    })
}

/// This document: the OpenAPI 3.1 description of every endpoint, generated from the code.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI document", body = Value)))]
async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    static DOC: std::sync::OnceLock<utoipa::openapi::OpenApi> = std::sync::OnceLock::new();
    Json(DOC.get_or_init(openapi).clone())
}

/// The span a request is logged in: its method and path, with the secrets some paths
/// carry (a courier's tracking secret, a customer's tracking token) left out.
fn request_span<B>(req: &axum::http::Request<B>) -> tracing::Span {
    tracing::info_span!(
        "request",
        method = %req.method(),
        path = %redacted(req.uri().path()),
    )
}

/// `path` with the segment after `/osmand/` or `/track/` replaced by `…`; no query.
fn redacted(path: &str) -> String {
    for prefix in ["/osmand/", "/track/"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            let tail = rest.find('/').map_or("", |i| &rest[i..]);
            return format!("{prefix}…{tail}");
        }
    }
    path.to_string()
}

/// Answers 408 in the API's error shape when a request runs past [`REQUEST_TIMEOUT`].
async fn time_limit(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(req)).await {
        Ok(answer) => answer,
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            format!(
                "the request took longer than {} s and was stopped; retry, with less work if it was a solve",
                REQUEST_TIMEOUT.as_secs()
            ),
        )
        .into_response(),
    }
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

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_in_paths_never_reach_the_log() {
        assert_eq!(super::redacted("/osmand/fr_trk_abc"), "/osmand/…");
        assert_eq!(super::redacted("/track/fr_ord_abc"), "/track/…");
        assert_eq!(super::redacted("/v1/orders/o1"), "/v1/orders/o1");
    }

    #[test]
    fn every_successful_answer_has_a_typed_body() {
        // The OpenAPI document itself is described by the OpenAPI specification.
        let doc = serde_json::to_value(super::openapi()).expect("document");
        let mut untyped = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("item") {
                for (status, answer) in op["responses"].as_object().into_iter().flatten() {
                    let schema = &answer["content"]["application/json"]["schema"];
                    let described = schema.get("$ref").is_some()
                        || schema.get("properties").is_some()
                        || schema.get("type").is_some_and(|t| t != "object");
                    let own = path == "/openapi.json";
                    if status.starts_with('2') && !schema.is_null() && !described && !own {
                        untyped.push(format!("{method} {path} {status}"));
                    }
                }
            }
        }
        assert!(
            untyped.is_empty(),
            "answers without a typed body: {untyped:?}"
        );
    }
}
