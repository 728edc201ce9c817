//! The listener's loop: HTTP/1.1 connections held to time limits, so that clients that
//! send half a request, or open connections and say nothing, cannot hold sockets for
//! ever. `axum::serve` sets no timer, and without one hyper enforces none.

use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tower::ServiceExt;

/// How long a connection may keep the service waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// From the moment the service waits for a request on a connection (new, or idle
    /// after an answer) to the end of its headers; past it the connection is closed.
    /// It bounds idle keep-alive connections as well as half-sent headers.
    pub header_read: Duration,
    /// Once stopping, how long a connection may take to finish the answer it is giving;
    /// past it the connection is closed. A request's own time limit is 30 s, so the
    /// default lets every one finish; it ends the streams that never would (a tracking
    /// page's live stream, whose browser reconnects when the service is back).
    pub drain: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(10),
            drain: Duration::from_secs(35),
        }
    }
}

/// Serves `app` on `listener` under `limits` until `stop` completes, then lets each
/// connection finish the answer it is giving, within [`ConnectionLimits::drain`].
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    stop: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let (closing, closed) = watch::channel(false);
    // Every connection task holds a sender; when all are gone, every connection is done.
    let (alive, mut all_done) = mpsc::channel::<()>(1);
    let mut stop = std::pin::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait, then accept again.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        // Each request carries its client's address, as `ConnectInfo`.
        let service =
            TowerToHyperService::new(app.clone().map_request(move |mut r: Request<Incoming>| {
                r.extensions_mut().insert(ConnectInfo(peer));
                r.map(axum::body::Body::new)
            }));
        let (mut closed, alive) = (closed.clone(), alive.clone());
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            let mut conn = std::pin::pin!(conn);
            let stopping = async move {
                let _ = closed.wait_for(|c| *c).await;
            };
            tokio::select! {
                _ = conn.as_mut() => {}
                () = stopping => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(limits.drain, conn).await;
                }
            }
            drop(alive);
        });
    }
    let _ = closing.send(true);
    drop(alive);
    let _ = all_done.recv().await;
    Ok(())
}
