//! `kill -9` of a real `freshroute serve` while fixes and orders stream in loses nothing
//! that was acknowledged: on restart, every fix answered 200 and every order answered 201
//! is there. The server runs on the bundled Monaco extract's roads.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// One HTTP/1.1 exchange; `None` if the connection fails (the server is gone).
fn http(
    port: u16,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<&str>,
) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    if let Some(k) = key {
        req += &format!("Authorization: Bearer {k}\r\n");
    }
    let body = body.unwrap_or("");
    if !body.is_empty() {
        req += &format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        );
    }
    req += "\r\n";
    req += body;
    s.write_all(req.as_bytes()).ok()?;
    let mut answer = String::new();
    s.read_to_string(&mut answer).ok()?;
    let status = answer.split(' ').nth(1)?.parse().ok()?;
    let body = answer
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    Some((status, body))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn start(db: &Path, graph: &Path, port: u16) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_freshroute"))
        .args([
            "serve",
            "--no-sample-chain",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--graph",
        ])
        .arg(graph)
        .arg("--database-url")
        .arg(db)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while http(port, "GET", "/healthz", None, None).is_none_or(|(s, _)| s != 200) {
        assert!(Instant::now() < deadline, "the server did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

#[test]
fn a_killed_server_keeps_every_acknowledged_fix_and_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("crash.db");
    let graph = common::monaco_graph(dir.path());
    let key_out = Command::new(env!("CARGO_BIN_EXE_freshroute"))
        .args(["keys", "create", "--role", "admin", "--database-url"])
        .arg(&db)
        .output()
        .expect("keys create runs");
    assert!(
        key_out.status.success(),
        "{}",
        String::from_utf8_lossy(&key_out.stderr)
    );
    let key = String::from_utf8(key_out.stdout)
        .expect("utf-8")
        .trim()
        .to_string();

    let port = free_port();
    let mut server = start(&db, &graph, port);
    let shop = r#"{"id":"mc-casino","name":"Casino","address":"Place du Casino, Monaco","location":{"type":"Point","coordinates":[7.4276,43.7394]},"opening_hours":[],"storage":{"frozen_litres":100,"chilled_litres":100,"ambient_litres":100}}"#;
    let (status, body) = http(port, "POST", "/v1/stores", Some(&key), Some(shop)).expect("answer");
    assert_eq!(status, 201, "{body}");
    let courier = r#"{"id":"c1","name":"Ana","profile":"car","box_capacity":10,"shift_start":"2026-01-01T08:00:00Z","shift_end":"2026-01-01T16:00:00Z","device_id":"864"}"#;
    let (status, body) =
        http(port, "POST", "/v1/couriers", Some(&key), Some(courier)).expect("answer");
    assert_eq!(status, 201, "{body}");
    let created: Value = serde_json::from_str(&body).expect("json");
    let track = created["tracking_url_path"]
        .as_str()
        .expect("path")
        .to_string();

    // Two streams: single OsmAnd reports and batches, each remembering what was acknowledged.
    let now_s = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let stop = Arc::new(AtomicBool::new(false));
    let osmand = {
        let (stop, track) = (stop.clone(), track.clone());
        std::thread::spawn(move || {
            let mut acked = Vec::new();
            for k in 0..100_000i64 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let t = now_s - 3000 + k; // one fix a second, 10 m apart
                let lat = 41.0 + k as f64 * 0.0001;
                let path = format!("{track}?id=864&timestamp={t}&lat={lat:.4}&lon=-8.6");
                match http(port, "GET", &path, None, None) {
                    Some((200, _)) => acked.push(t * 1000),
                    // Faster than a phone: the flood limit answers 429; slow down.
                    Some((429, _)) => std::thread::sleep(Duration::from_millis(100)),
                    _ => break,
                }
            }
            acked
        })
    };
    let batches = {
        let (stop, key) = (stop.clone(), key.clone());
        std::thread::spawn(move || {
            let mut acked = Vec::new();
            for b in 0..10_000i64 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let times: Vec<i64> = (0..20)
                    .map(|i| (now_s - 90_000 + b * 20 + i) * 1000)
                    .collect();
                let fixes: Vec<String> = times
                    .iter()
                    .map(|t| format!(r#"{{"courier_id":"c1","time":{t},"lat":42.0,"lon":-8.6}}"#))
                    .collect();
                let body = format!(r#"{{"fixes":[{}]}}"#, fixes.join(","));
                match http(port, "POST", "/v1/fixes", Some(&key), Some(&body)) {
                    Some((200, _)) => acked.extend(times),
                    _ => break,
                }
            }
            acked
        })
    };
    let orders = {
        let (stop, key) = (stop.clone(), key.clone());
        std::thread::spawn(move || {
            let mut acked = Vec::new();
            for k in 0..100_000 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let id = format!("o-{k}");
                let ready = now_s + 600;
                let body = format!(
                    r#"{{"id":"{id}","store_id":"mc-casino","customer":{{"name":"Léa","address":"Quai Antoine 1er","location":{{"type":"Point","coordinates":[7.4206,43.7347]}}}},"items":[{{"sku":"gelato","quantity":1,"class":"frozen"}}],"ready_at":"{ready}","promised_by":"{}"}}"#,
                    ready + 1500
                );
                match http(port, "POST", "/v1/orders", Some(&key), Some(&body)) {
                    Some((201, _)) => acked.push(id),
                    _ => break,
                }
            }
            acked
        })
    };
    std::thread::sleep(Duration::from_millis(1500));
    server.kill().expect("SIGKILL"); // kill -9
    server.wait().expect("reaped");
    stop.store(true, Ordering::Relaxed);
    let mut acked = osmand.join().expect("osmand stream");
    let from_batches = batches.join().expect("batch stream");
    let acked_orders = orders.join().expect("order stream");
    assert!(
        acked.len() >= 10 && from_batches.len() >= 20 && acked_orders.len() >= 5,
        "{} reports, {} batch fixes, {} orders",
        acked.len(),
        from_batches.len(),
        acked_orders.len()
    );
    eprintln!(
        "acknowledged before the kill: {} single reports, {} batch fixes, {} orders",
        acked.len(),
        from_batches.len(),
        acked_orders.len()
    );
    acked.extend(from_batches);

    let port = free_port();
    let mut server = start(&db, &graph, port);
    let lost_orders: Vec<&String> = acked_orders
        .iter()
        .filter(|id| {
            http(port, "GET", &format!("/v1/orders/{id}"), Some(&key), None)
                .is_none_or(|(s, _)| s != 200)
        })
        .collect();
    let (status, body) =
        http(port, "GET", "/v1/couriers/c1/fixes", Some(&key), None).expect("answer");
    assert_eq!(status, 200);
    let stored: Value = serde_json::from_str(&body).expect("json");
    let times: std::collections::HashSet<String> = stored["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| {
            f["properties"]["time"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    let lost: Vec<&i64> = acked
        .iter()
        .filter(|t| {
            let iso = service_time(**t);
            !times.contains(&iso)
        })
        .collect();
    server.kill().expect("stop");
    server.wait().expect("reaped");
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged fixes lost",
        lost.len(),
        acked.len()
    );
    assert!(
        lost_orders.is_empty(),
        "{} of {} acknowledged orders lost: {lost_orders:?}",
        lost_orders.len(),
        acked_orders.len()
    );
}

/// The service's time format for epoch ms (RFC 3339, UTC, `+00:00`).
fn service_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .expect("in range")
        .to_rfc3339()
}
