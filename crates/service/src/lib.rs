//! freshroute's HTTP service: couriers, API keys and GPS fixes, stored through
//! [`freshroute_store::Storage`].
//!
//! Every answer that is not a success has one shape, `{code, message, field}`
//! ([`ApiError`]). A fix is acknowledged only once it is committed to storage.

mod alert_lines;
mod app;
mod assets;
pub mod auth;
mod chain_rules;
mod charts;
mod connections;
mod console;
mod console_board;
mod console_stops;
mod console_transfers;
mod console_view;
mod courier_edits;
mod courier_page;
mod couriers;
mod desk;
mod desk_lots;
mod desk_transfers;
mod desk_view;
pub mod destinations;
mod error;
mod fields;
mod fixes;
mod geojson;
mod guessing;
pub mod idempotency;
mod ingest;
pub mod inputs;
mod limiter;
pub mod live;
mod login;
pub mod lots;
mod map_frame;
mod map_tiles;
mod notices;
mod order_views;
mod orders;
mod osmand;
mod pages;
mod places;
mod plan_mode;
mod plan_views;
pub mod planner;
pub mod pmtiles;
mod production;
mod purchase_views;
mod purchasing;
pub mod retention;
pub mod rounds;
pub mod rules;
mod sales;
mod sample;
mod shop_edits;
mod shops;
mod snapshot;
mod state;
mod stock;
pub mod stock_sales;
pub mod stock_upkeep;
mod stop_orders;
mod streets;
mod telemetry;
mod time;
pub mod trace_export;
mod track_page;
mod tracking;
pub mod transfer_proposals;
mod transfer_trips;
mod transfers;
mod vroom;
pub mod webhooks;
mod writer;

pub use app::{MAX_BODY_BYTES, REQUEST_TIMEOUT, openapi, router};
pub use chain_rules::OrderRules;
pub use connections::{ConnectionLimits, serve as serve_until};
pub use error::ApiError;
pub(crate) use error::ErrorBody;
pub use ingest::now_ms;
pub use limiter::RateLimit;
pub use map_tiles::MapTiles;
pub use notices::NoticePolicy;
pub use pmtiles::PmTiles;
pub use purchasing::PurchasingPolicy;
pub use sample::{SampleLoad, load_sample_chain, stock_sample_stores};
pub use state::AppState;
pub use time::Clock;
pub use vroom::SolveSlots;

/// Serves `app` on `listener` until Ctrl-C or SIGTERM, then finishes what is in flight;
/// connections are held to the [`ConnectionLimits`] defaults.
pub async fn serve(listener: tokio::net::TcpListener, app: axum::Router) -> std::io::Result<()> {
    connections::serve(
        listener,
        app,
        ConnectionLimits::default(),
        shutdown_signal(),
    )
    .await
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
