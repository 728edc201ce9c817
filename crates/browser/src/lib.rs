//! Headless Chromium driven over WebDriver: Debian's `chromium` and `chromium-driver`,
//! which `.ci/setup` installs. A screen is opened, read, typed into, checked with
//! axe-core (vendored, `vendor/axe-core`), and its screenshot kept under
//! `target/screenshots/`. The service's browser tests and `freshroute bench screens`
//! drive it; nothing here is part of what freshroute serves.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

/// The axe-core build the screens are checked with.
const AXE: &str = include_str!("../vendor/axe-core/axe.min.js");

/// The Tab key, for [`Browser::keys`].
pub const TAB: char = '\u{E004}';
/// The Enter key.
pub const ENTER: char = '\u{E007}';
/// The down arrow.
pub const DOWN: char = '\u{E015}';

/// A browser session, and the driver process behind it (stopped when dropped).
pub struct Browser {
    http: reqwest::Client,
    session: String,
    driver: Child,
}

impl Browser {
    /// Starts `chromedriver` on a free loopback port and a headless Chromium session.
    pub async fn start() -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is not installed: run .ci/setup (Debian's chromium and chromium-driver)");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let mut ready = false;
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(ready, "chromedriver did not answer on {base} within 10 s");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                         "--window-size=412,915", "--use-angle=swiftshader"]
            }
        }}});
        let v = answer(
            http.post(format!("{base}/session"))
                .header("content-type", "application/json")
                .body(caps.to_string()),
        )
        .await;
        let session = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("Chromium did not start: {v}"))
            .to_string();
        Browser {
            http,
            session: format!("{base}/session/{session}"),
            driver,
        }
    }

    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.session));
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let v = answer(req).await;
        assert!(v["value"]["error"].is_null(), "WebDriver {path}: {v}");
        v["value"].clone()
    }

    /// Opens `url` and waits for it to load.
    pub async fn open(&self, url: &str) {
        self.command(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    /// Makes the window `width` × `height` CSS pixels (a dispatcher's desk, say).
    pub async fn resize(&self, width: u32, height: u32) {
        self.command(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        )
        .await;
    }

    /// Presses `keys` one after another on whatever has the focus, as a person at the
    /// keyboard does (WebDriver's key codes: [`TAB`], [`ENTER`], [`DOWN`]).
    pub async fn keys(&self, keys: &str) {
        let mut actions = Vec::new();
        for k in keys.chars() {
            actions.push(json!({"type": "keyDown", "value": k.to_string()}));
            actions.push(json!({"type": "keyUp", "value": k.to_string()}));
        }
        self.command(
            reqwest::Method::POST,
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        )
        .await;
    }

    /// Sets a cookie for the page's host (a session made elsewhere, say); a page of that
    /// host must be open.
    pub async fn add_cookie(&self, name: &str, value: &str) {
        self.command(
            reqwest::Method::POST,
            "/cookie",
            Some(json!({"cookie": {"name": name, "value": value, "path": "/"}})),
        )
        .await;
    }

    /// Runs `script` in the page (its `return` is the answer).
    pub async fn run(&self, script: &str) -> Value {
        self.command(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Runs `script` in the page, which calls its last argument with the answer.
    pub async fn run_async(&self, script: &str) -> Value {
        self.command(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// The page's text as a person reads it.
    pub async fn text(&self) -> String {
        self.run("return document.body.innerText;")
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The serious and critical accessibility violations axe-core finds on the page.
    pub async fn serious_violations(&self) -> Vec<String> {
        self.run(&format!("{AXE}\nreturn true;")).await;
        let found = self
            .command(
                reqwest::Method::POST,
                "/execute/async",
                Some(
                    json!({"script": "const done = arguments[arguments.length - 1];
                    axe.run(document, {resultTypes: ['violations']})
                      .then(r => done(r.violations
                        .filter(v => v.impact === 'serious' || v.impact === 'critical')
                        .map(v => v.id + ': ' + v.help + ' (' + v.nodes.length + ')')))
                      .catch(e => done(['axe failed: ' + e]));", "args": []}),
                ),
            )
            .await;
        found
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    }

    /// What the page loaded from anywhere but its own host.
    pub async fn requests_elsewhere(&self) -> Vec<String> {
        let v = self
            .run(
                "return performance.getEntriesByType('resource').map(e => e.name)
                   .filter(n => new URL(n).host !== location.host);",
            )
            .await;
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    }

    /// Keeps a PNG of the window as `target/screenshots/{name}.png`.
    pub async fn screenshot(&self, name: &str) {
        let v = self
            .command(reqwest::Method::GET, "/screenshot", None)
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("base64"))
            .expect("a PNG");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("screenshot");
    }
}

/// What chromedriver answered, as JSON.
async fn answer(req: reqwest::RequestBuilder) -> Value {
    let text = req
        .send()
        .await
        .expect("chromedriver answers")
        .text()
        .await
        .expect("a body");
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("chromedriver answered {text}"))
}

impl Drop for Browser {
    /// Ends the WebDriver session first, so that Chromium quits (killing the driver alone
    /// leaves the browser's processes behind), then stops the driver.
    fn drop(&mut self) {
        end_session(&self.session);
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// `DELETE` of the session at `url` (`http://127.0.0.1:PORT/session/ID`), over a plain
/// socket since a drop cannot wait on async I/O; waits at most a few seconds.
fn end_session(url: &str) {
    use std::io::{Read, Write};
    let Some((host, path)) = url
        .strip_prefix("http://")
        .and_then(|rest| rest.split_once('/'))
    else {
        return;
    };
    let Ok(mut socket) = std::net::TcpStream::connect(host) else {
        return;
    };
    let _ = socket.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!(
        "DELETE /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    if socket.write_all(request.as_bytes()).is_ok() {
        let _ = socket.read_to_end(&mut Vec::new());
    }
}
