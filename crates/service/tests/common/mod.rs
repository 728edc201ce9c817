//! What the service's test files share.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use freshroute_service::auth;
use freshroute_store::{ApiKey, Role, Storage};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub(crate) use freshroute_roads::testing::monaco;

/// Not every test binary runs a service on a socket.
#[allow(dead_code)]
pub(crate) mod running;

/// A new API key of `role` (for a courier key, its courier), stored as the service
/// stores keys; returns the key. Not every test binary asks for keys.
#[allow(dead_code)]
pub(crate) async fn key<S: Storage>(store: &S, role: Role, courier: Option<&str>) -> String {
    let key = auth::new_secret("fr_key_");
    store
        .insert_api_key(&ApiKey {
            key_hash: auth::hash(&key),
            role,
            courier_id: courier.map(str::to_string),
            created_ms: 0,
            revoked_ms: None,
            name: String::new(),
        })
        .await
        .expect("key");
    key
}

/// A loopback port reserved and let go: nothing listens there until a test serves on it.
#[allow(dead_code)]
pub(crate) fn free_addr() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
}

/// The service's answer: its status and its JSON body (null when the body is not JSON).
#[allow(dead_code)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Value,
}

/// Sends `req` through `app`.
#[allow(dead_code)]
pub(crate) async fn send(app: &Router, req: Request<Body>) -> Reply {
    let res = app.clone().oneshot(req).await.expect("infallible");
    let status = res.status();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply { status, body }
}

/// `method uri` through `app`, with `key` as the bearer token and `body` as JSON.
#[allow(dead_code)]
pub(crate) async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(k) = key {
        req = req.header("authorization", format!("Bearer {k}"));
    }
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    };
    send(app, req.expect("request")).await
}

/// Runs `scenario` on a temporary SQLite file, then on a fresh PostgreSQL database when
/// `FRESHROUTE_TEST_POSTGRES_URL` names a server.
#[allow(dead_code)]
pub(crate) async fn on_both<F, Fut>(scenario: F)
where
    F: Fn(freshroute_store::AnyStore) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.db");
    let sqlite = freshroute_store::SqliteStore::open(path.to_str().expect("utf-8"))
        .await
        .expect("open");
    scenario(sqlite.into()).await;
    let Ok(url) = std::env::var("FRESHROUTE_TEST_POSTGRES_URL") else {
        eprintln!("FRESHROUTE_TEST_POSTGRES_URL is not set: PostgreSQL run skipped");
        return;
    };
    let db = freshroute_store::testing::TempPgDatabase::create(&url)
        .await
        .expect("database");
    let pg = freshroute_store::PgStore::connect(db.url())
        .await
        .expect("connect");
    scenario(pg.into()).await;
    db.drop_now().await.expect("drop");
}

/// A store of the sample chain in Porto as storage holds it, with no hours (always open)
/// and a fridge, freezer and shelves of a coffee shop.
#[allow(dead_code)]
pub(crate) fn porto_shop(id: &str) -> freshroute_store::Shop {
    freshroute_store::Shop {
        id: id.to_string(),
        name: "Aliados".to_string(),
        address: "Avenida dos Aliados, Porto".to_string(),
        lat: 41.1496,
        lon: -8.6110,
        snapped: serde_json::json!({}),
        opening_hours: serde_json::json!([]),
        frozen_litres: 400,
        chilled_litres: 900,
        ambient_litres: 3_000,
        created_ms: 0,
        time_zone: "Europe/Lisbon".to_string(),
        retired_ms: None,
    }
}
