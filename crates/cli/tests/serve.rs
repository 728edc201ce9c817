//! `freshroute serve` as an operator runs it: the listen address checked before anything
//! else, a settings file read and checked with the path of what is wrong, tracking links
//! as full URLs on the public address it names, map tiles from the server it names, logs on stderr without colour codes off
//! a terminal, and a clean shutdown said on SIGTERM.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn serve(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_freshroute"))
        .arg("serve")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn post(port: u16, path: &str, key: &str, body: &str) -> Option<String> {
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: {}",
        body.len()
    );
    ask(port, &head, body)
}

/// Sends `head`'s request line and headers, then `body`; the whole answer.
fn ask(port: u16, head: &str, body: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
    write!(s, "{head}\r\nConnection: close\r\n\r\n{body}").ok()?;
    let mut answer = String::new();
    s.read_to_string(&mut answer).ok()?;
    Some(answer)
}

#[test]
fn a_busy_port_is_said_before_anything_is_created() {
    let held = TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = held.local_addr().expect("address").to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("never.db");
    let started = Instant::now();
    let out = serve(&[
        "--listen",
        &addr,
        "--database-url",
        db.to_str().expect("utf-8"),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&addr), "{stderr}");
    assert!(!db.exists(), "no database was created");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "nothing was imported first"
    );
}

#[test]
fn a_settings_file_that_does_not_read_is_refused_with_its_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (text, path) in [
        (r#"{"delivery_radius_m": -5}"#, "delivery_radius_m"),
        (
            r#"{"ride_limits_s": {"frozen": 0}}"#,
            "ride_limits_s.frozen",
        ),
        (
            r#"{"ride_limits_s": {"frozen": "ten"}}"#,
            "ride_limits_s.frozen",
        ),
        (r#"{"colour": "red"}"#, "colour"),
        (
            r#"{"public_base_url": "track.example.pt"}"#,
            "public_base_url",
        ),
        (
            r#"{"map_tiles": {"url": "https://tile.example.pt/{z}/{x}.png"}}"#,
            "map_tiles",
        ),
    ] {
        let file = dir.path().join("settings.json");
        std::fs::write(&file, text).expect("write");
        let out = serve(&[
            "--settings",
            file.to_str().expect("utf-8"),
            "--listen",
            "127.0.0.1:0",
        ]);
        assert!(!out.status.success(), "{text}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(path), "{text}: {stderr}");
    }
}

#[test]
fn settings_name_the_public_address_logs_are_plain_and_shutdown_is_said() {
    let dir = tempfile::tempdir().expect("tempdir");
    let graph = common::monaco_graph(dir.path());
    let db = dir.path().join("serve.db");
    let port = free_port();
    let settings = dir.path().join("settings.json");
    std::fs::write(
        &settings,
        format!(
            r#"{{"listen": "127.0.0.1:{port}", "database_url": "{}", "public_base_url": "https://track.example.pt/",
                "time_zone": "Europe/Monaco", "delivery_radius_m": 5000, "replan_every_s": 0,
                "map_tiles": {{"url": "https://tile.example.pt/{{z}}/{{x}}/{{y}}.png"}}}}"#,
            db.display()
        ),
    )
    .expect("write");
    let key = Command::new(env!("CARGO_BIN_EXE_freshroute"))
        .args([
            "keys",
            "create",
            "--role",
            "admin",
            "--name",
            "Ops",
            "--database-url",
        ])
        .arg(&db)
        .output()
        .expect("keys create");
    let key = String::from_utf8(key.stdout)
        .expect("utf-8")
        .trim()
        .to_string();
    let log = dir.path().join("serve.log");
    let mut server = Command::new(env!("CARGO_BIN_EXE_freshroute"))
        .args(["serve", "--no-sample-chain", "--graph"])
        .arg(&graph)
        .arg("--settings")
        .arg(&settings)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("the server starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    let shop = r#"{"id":"mc-casino","name":"Casino","address":"Place du Casino","location":{"type":"Point","coordinates":[7.4276,43.7394]},"opening_hours":[],"storage":{"frozen_litres":100,"chilled_litres":100,"ambient_litres":100}}"#;
    let answer = loop {
        if let Some(a) = post(port, "/v1/stores", &key, shop) {
            break a;
        }
        assert!(Instant::now() < deadline, "the server did not come up");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    assert!(
        answer.contains(r#""time_zone":"Europe/Monaco""#),
        "{answer}"
    );
    let order = r#"{"id":"o-1","store_id":"mc-casino","customer":{"name":"Léa","address":"Quai Antoine 1er","location":{"type":"Point","coordinates":[7.4206,43.7347]}},"items":[{"sku":"gelato","quantity":1,"class":"frozen"}]}"#;
    let answer = post(port, "/v1/orders", &key, order).expect("an answer");
    assert!(
        answer.contains(r#""url":"https://track.example.pt/track/fr_ord_"#),
        "{answer}"
    );
    // The tracking page may load the tiles the settings name, and nothing else elsewhere.
    let token = answer
        .split("/track/")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .expect("a tracking token");
    let page = ask(
        port,
        &format!("GET /track/{token} HTTP/1.1\r\nHost: x\r\nAccept: text/html"),
        "",
    )
    .expect("the tracking page");
    assert!(
        page.to_ascii_lowercase().contains(
            "content-security-policy: default-src 'none'; img-src https://tile.example.pt;"
        ),
        "{page}"
    );
    let status = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let exit = server.wait().expect("the server ends");
    assert!(exit.success(), "{exit:?}");
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(
        !text.contains('\u{1b}'),
        "no colour codes in a file: {text}"
    );
    assert!(text.contains("/v1/orders"), "a line per request: {text}");
    assert!(text.contains("freshroute stopped"), "{text}");
}

#[test]
fn a_tile_archive_that_does_not_open_stops_serve_with_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let not_tiles = dir.path().join("notes.pmtiles");
    std::fs::write(&not_tiles, "notes, not tiles; ".repeat(20)).expect("write");
    let db = dir.path().join("t.db");
    let out = serve(&[
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        db.to_str().expect("utf-8"),
        "--no-sample-chain",
        "--map-pmtiles",
        not_tiles.to_str().expect("utf-8"),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--map-pmtiles") && stderr.contains("not a PMTiles archive"),
        "{stderr}"
    );
}
