//! Prometheus metrics: requests by route and status with their latency, fixes by
//! verdict, and the size of each group the writer commits. Served at `/metrics`.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed on first use; `None` if another recorder was
/// installed first (then `/metrics` says so).
pub(crate) fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| PrometheusBuilder::new().install_recorder().ok())
        .as_ref()
}

/// Counts and times every request, labelled by its route pattern (never the raw path,
/// which holds secrets and ids) and status.
pub(crate) async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_string();
    let method = req.method().to_string();
    let started = Instant::now();
    let res = next.run(req).await;
    let labels = [
        ("route", route),
        ("method", method),
        ("status", res.status().as_u16().to_string()),
    ];
    metrics::counter!("freshroute_http_requests_total", &labels).increment(1);
    metrics::histogram!("freshroute_http_request_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    res
}

/// Counts `n` stored fixes of one source and verdict.
pub(crate) fn fixes_stored(source: &str, reason: Option<&str>, n: u64) {
    let labels = [
        ("source", source.to_string()),
        ("verdict", reason.unwrap_or("accepted").to_string()),
    ];
    metrics::counter!("freshroute_fixes_total", &labels).increment(n);
}

/// Records one committed group of the writer.
pub(crate) fn group_committed(fixes: usize, requests: usize) {
    metrics::histogram!("freshroute_writer_group_fixes").record(fixes as f64);
    metrics::histogram!("freshroute_writer_group_requests").record(requests as f64);
}

/// `GET /metrics`: the Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text exposition", body = String, content_type = "text/plain")))]
pub(crate) async fn render() -> String {
    handle().map_or_else(
        || "# metrics unavailable: another recorder is installed in this process\n".to_string(),
        PrometheusHandle::render,
    )
}
