//! Notices end to end, over real sockets: the service on a local port, a webhook
//! receiver that is down at first and comes up later, orders moved through their life
//! and one whose promise cannot be kept. Every notice must arrive, signed, after its
//! failed attempts were logged; the late order earns one coupon its customer sees.

mod common;

use common::free_addr;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::post;
use common::running::{
    Api, Running, fix, gelato_order, gelato_taken, picked_up_and_replanned, start,
    store_and_courier,
};
use freshroute_service::webhooks::signature;
use freshroute_service::{NoticePolicy, now_ms};
use serde_json::{Value, json};

/// One request the receiver got: its headers and body.
type Received = Arc<Mutex<Vec<(HeaderMap, String)>>>;

/// Serves the webhook receiver on `addr`: records every request, answers 204.
async fn receiver(addr: SocketAddr, got: Received) {
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: String| {
            let got = got.clone();
            async move {
                got.lock().expect("lock").push((headers, body));
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .expect("the receiver's port is free again");
    tokio::spawn(async move { axum::serve(listener, app).await });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notices_reach_a_webhook_that_was_down_signed_and_complete() {
    let Running {
        api,
        admin,
        dispatcher,
        _dir,
        ..
    } = start(
        NoticePolicy {
            delay_margin_s: 60,
            ..NoticePolicy::default()
        },
        &["127.0.0.1"],
    )
    .await;

    // The receiver's port, reserved and let go: nothing listens there yet.
    let hook_addr = free_addr();

    // Webhooks: bad input refused with its field; a good one gets its secret once.
    let (s, b) = api
        .call(
            "POST",
            "/v1/webhooks",
            &admin,
            Some(json!({"url": "ftp://x"})),
        )
        .await;
    assert_eq!((s, b["code"].as_str()), (400, Some("invalid_url")), "{b}");
    let (s, b) = api
        .call(
            "POST",
            "/v1/webhooks",
            &admin,
            Some(json!({"url": "http://127.0.0.1:1/x", "events": ["teleported"]})),
        )
        .await;
    assert_eq!((s, b["code"].as_str()), (400, Some("unknown_event")), "{b}");
    let (s, _) = api
        .call(
            "POST",
            "/v1/webhooks",
            &dispatcher,
            Some(json!({"url": "http://127.0.0.1:1/x"})),
        )
        .await;
    assert_eq!(s, 403, "only admins add webhooks");
    let (s, hook) = api
        .call(
            "POST",
            "/v1/webhooks",
            &admin,
            Some(json!({"url": format!("http://{hook_addr}/hook")})),
        )
        .await;
    assert_eq!(s, 201, "{hook}");
    let hook_id = hook["id"].as_str().expect("id").to_string();
    let secret = hook["secret"].as_str().expect("secret").to_string();
    let (_, listed) = api.call("GET", "/v1/webhooks", &admin, None).await;
    assert!(
        listed["webhooks"][0].get("secret").is_none(),
        "secrets are shown once"
    );
    // A webhook can be changed: a bad event is refused with its path, an unknown id too;
    // set back to every kind, it receives everything below.
    let uri = format!("/v1/webhooks/{hook_id}");
    let url = format!("http://{hook_addr}/hook");
    let (s, b) = api
        .call(
            "PATCH",
            &uri,
            &admin,
            Some(json!({"url": url, "events": ["delivered", "x"]})),
        )
        .await;
    assert_eq!(
        (s, b["code"].as_str(), b["field"].as_str()),
        (400, Some("unknown_event"), Some("events[1]")),
        "{b}"
    );
    let (s, b) = api
        .call(
            "PATCH",
            &uri,
            &admin,
            Some(json!({"url": url, "events": ["delivered"]})),
        )
        .await;
    assert_eq!((s, b["events"].clone()), (200, json!(["delivered"])), "{b}");
    let (s, _) = api
        .call(
            "PATCH",
            "/v1/webhooks/wh_nothing",
            &admin,
            Some(json!({"url": url})),
        )
        .await;
    assert_eq!(s, 404);
    let (s, b) = api
        .call("PATCH", &uri, &admin, Some(json!({"url": url})))
        .await;
    assert_eq!((s, b["events"].clone()), (200, json!([])), "{b}");

    // A store, a courier near it, and two orders: one easy, one promised in a minute.
    store_and_courier(&api, &dispatcher).await;
    let order = gelato_order;
    let now = now_ms();
    let (s, b) = api
        .call(
            "POST",
            "/v1/orders",
            &dispatcher,
            Some(order("o-easy", now, now + 40 * 60_000)),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = api
        .call(
            "POST",
            "/v1/orders",
            &dispatcher,
            Some(order("o-late", now, now + 60_000)),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let late_track = b["properties"]["tracking"]["path"]
        .as_str()
        .expect("tracking path")
        .to_string();

    // The plan cannot bring o-late within a minute: one delay, one coupon, however often
    // it is planned again.
    for _ in 0..2 {
        let (s, b) = api.call("POST", "/v1/plan", &dispatcher, None).await;
        assert_eq!(s, 200, "{b}");
    }
    let (s, late) = api
        .call("GET", "/v1/orders/o-late", &dispatcher, None)
        .await;
    assert_eq!(s, 200, "{late}");
    let kinds: Vec<&str> = late["properties"]["notices"]
        .as_array()
        .expect("notices")
        .iter()
        .filter_map(|n| n["event"].as_str())
        .collect();
    // The planner committed the courier's first stop: the late order's pickup.
    assert_eq!(kinds, ["assigned", "delayed"], "{late}");
    let code = late["properties"]["coupon"]["code"]
        .as_str()
        .expect("a coupon")
        .to_string();
    let (s, tracked) = api.call("GET", &late_track, "", None).await;
    assert_eq!(s, 200, "{tracked}");
    assert_eq!(tracked["coupon"]["code"].as_str(), Some(code.as_str()));
    assert!(tracked["eta"].is_string(), "{tracked}");

    // o-easy through its life while the receiver is down. The plan may take o-late to its
    // door first and fetch o-easy after (40 minutes of slack), leaving it uncommitted:
    // then the dispatcher gives it to the courier now.
    let (_, easy) = api
        .call("GET", "/v1/orders/o-easy", &dispatcher, None)
        .await;
    if easy["properties"]["status"] == json!("placed") {
        let assign = json!({"status": "assigned", "courier_id": "c1"});
        let (s, b) = api
            .call(
                "POST",
                "/v1/orders/o-easy/status",
                &dispatcher,
                Some(assign),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }
    let (_, easy) = api
        .call("GET", "/v1/orders/o-easy", &dispatcher, None)
        .await;
    assert_eq!(easy["properties"]["status"], json!("assigned"), "{easy}");
    for change in [
        json!({"status": "picked_up"}),
        json!({"status": "delivered", "reason": "handed over at the store's door"}),
    ] {
        let (s, b) = api
            .call(
                "POST",
                "/v1/orders/o-easy/status",
                &dispatcher,
                Some(change),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }

    // Failed attempts are logged while nothing listens.
    let mut failures = 0;
    for _ in 0..50 {
        let (_, log) = api
            .call(
                "GET",
                &format!("/v1/webhooks/{hook_id}/attempts"),
                &admin,
                None,
            )
            .await;
        failures = log["attempts"]
            .as_array()
            .expect("attempts")
            .iter()
            .filter(|a| a["http_status"].is_null() && a["error"].is_string())
            .count();
        if failures >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(failures >= 5, "each of the 5 notices failed at least once");

    // The receiver comes up: every notice arrives, signed with the webhook's secret.
    let got: Received = Arc::default();
    receiver(hook_addr, got.clone()).await;
    let mut events = Vec::new();
    for _ in 0..100 {
        events = got
            .lock()
            .expect("lock")
            .iter()
            .map(|(h, body)| {
                let v: Value = serde_json::from_str(body).expect("JSON body");
                let t: i64 = h["freshroute-signature"]
                    .to_str()
                    .expect("ascii")
                    .split(',')
                    .find_map(|p| p.strip_prefix("t="))
                    .expect("t=")
                    .parse()
                    .expect("seconds");
                assert_eq!(
                    h["freshroute-signature"].to_str().expect("ascii"),
                    signature(&secret, t, body.as_bytes()),
                    "signed with the webhook's secret"
                );
                assert_eq!(h["freshroute-event"], v["event"].as_str().expect("event"));
                (
                    v["order_id"].as_str().expect("order").to_string(),
                    v["event"].as_str().expect("event").to_string(),
                )
            })
            .collect::<Vec<_>>();
        if events.len() >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    events.sort();
    let expected: Vec<(String, String)> = [
        ("o-easy", "assigned"),
        ("o-easy", "delivered"),
        ("o-easy", "picked_up"),
        ("o-late", "assigned"),
        ("o-late", "delayed"),
    ]
    .iter()
    .map(|(o, e)| (o.to_string(), e.to_string()))
    .collect();
    assert_eq!(events, expected, "every notice once, none lost");
    let (_, log) = api
        .call(
            "GET",
            &format!("/v1/webhooks/{hook_id}/attempts"),
            &admin,
            None,
        )
        .await;
    let delivered = log["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .filter(|a| a["http_status"] == json!(204))
        .count();
    assert_eq!(delivered, 5, "{log}");

    // Switched off: once.
    let (s, _) = api
        .call("DELETE", &format!("/v1/webhooks/{hook_id}"), &admin, None)
        .await;
    assert_eq!(s, 204);
    let (s, b) = api
        .call("DELETE", &format!("/v1/webhooks/{hook_id}"), &admin, None)
        .await;
    assert_eq!((s, b["code"].as_str()), (404, Some("unknown_webhook")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_courier_sent_the_wrong_way_changes_the_eta_and_the_webhook_hears_of_it() {
    let Running {
        api,
        admin,
        dispatcher,
        _dir,
        ..
    } = start(
        NoticePolicy {
            eta_change_s: 60,
            ..NoticePolicy::default()
        },
        &["127.0.0.1"],
    )
    .await;
    let hook_addr = free_addr();
    let got: Received = Arc::default();
    receiver(hook_addr, got.clone()).await;
    let (s, hook) = api
        .call(
            "POST",
            "/v1/webhooks",
            &admin,
            Some(json!({"url": format!("http://{hook_addr}/hook"), "events": ["eta_changed"]})),
        )
        .await;
    assert_eq!(s, 201, "{hook}");
    store_and_courier(&api, &dispatcher).await;
    let track = gelato_taken(&api, &dispatcher, "o-1").await;
    // Planned and committed; the courier reaches the store and takes the gelato.
    picked_up_and_replanned(&api, &dispatcher, "o-1").await;
    // Its next stop is this customer's door: the customer sees where it is.
    let (_, tracked) = api.call("GET", &track, "", None).await;
    assert_eq!(
        tracked["courier_position"]["geometry"]["type"],
        json!("Point"),
        "{tracked}"
    );
    let eta_at = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v.as_str().expect("an ETA"))
            .expect("RFC 3339")
            .timestamp_millis()
    };
    // What the customer was last told (the pickup, or an earlier change, told it).
    let (_, order) = api.call("GET", "/v1/orders/o-1", &dispatcher, None).await;
    let told = order["properties"]["notices"]
        .as_array()
        .expect("notices")
        .iter()
        .filter_map(|n| n["eta"].as_str())
        .map(|e| eta_at(&json!(e)))
        .next_back()
        .expect("an ETA was told");
    // Then it rides off east past Larvotto, the far side of Monaco from the customer.
    fix(&api, &dispatcher, 43.7510, 7.4400, 1_000).await;
    let mut later: Vec<Value> = Vec::new();
    for _ in 0..100 {
        later = got
            .lock()
            .expect("lock")
            .iter()
            .map(|(_, body)| serde_json::from_str::<Value>(body).expect("JSON body"))
            .filter(|n| n["eta"].is_string() && eta_at(&n["eta"]) > told + 60_000)
            .collect();
        if !later.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(later.len(), 1, "one notice of the later ETA: {later:?}");
    let n = &later[0];
    assert_eq!(
        (n["event"].as_str(), n["order_id"].as_str()),
        (Some("eta_changed"), Some("o-1")),
        "{n}"
    );
    assert_eq!(eta_at(&n["data"]["previous_eta"]), told, "{n}");
}

/// Serves a receiver on `addr` that answers every POST with a 307 to `to`, counting them.
async fn redirector(addr: SocketAddr, to: String, count: Arc<Mutex<usize>>) {
    let app = Router::new().route(
        "/hook",
        post(move || {
            let (to, count) = (to.clone(), count.clone());
            async move {
                *count.lock().expect("lock") += 1;
                (
                    axum::http::StatusCode::TEMPORARY_REDIRECT,
                    [(axum::http::header::LOCATION, to)],
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
    tokio::spawn(async move { axum::serve(listener, app).await });
}

/// A webhook's attempts, newest first, once at least `n` are logged.
async fn attempts_at_least(api: &Api, admin: &str, hook: &str, n: usize) -> Vec<Value> {
    let mut rows = Vec::new();
    for _ in 0..100 {
        let (_, log) = api
            .call("GET", &format!("/v1/webhooks/{hook}/attempts"), admin, None)
            .await;
        rows = log["attempts"].as_array().cloned().unwrap_or_default();
        if rows.len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    rows
}

/// Adds a webhook to `addr`'s `/hook` (all notices) and returns its id.
async fn add_webhook(api: &Api, admin: &str, addr: SocketAddr) -> String {
    let (s, hook) = api
        .call(
            "POST",
            "/v1/webhooks",
            admin,
            Some(json!({"url": format!("http://{addr}/hook")})),
        )
        .await;
    assert_eq!(s, 201, "{hook}");
    hook["id"].as_str().expect("id").to_string()
}

/// Places an order at the Casino store and assigns it to `c1`: a notice to send.
async fn assigned_order(api: &Api, dispatcher: &str, id: &str) {
    gelato_taken(api, dispatcher, id).await;
    let (s, b) = api
        .call(
            "POST",
            &format!("/v1/orders/{id}/status"),
            dispatcher,
            Some(json!({"status": "assigned", "courier_id": "c1"})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_never_reach_inside_the_network_unless_allowed() {
    let Running {
        api,
        admin,
        dispatcher: _,
        _dir,
        ..
    } = start(NoticePolicy::default(), &[]).await;
    for (url, code) in [
        ("http://127.0.0.1:8080/hook", "forbidden_destination"),
        ("http://2130706433/hook", "forbidden_destination"),
        ("http://0x7f.1/hook", "forbidden_destination"),
        ("http://[::1]/hook", "forbidden_destination"),
        ("http://0.0.0.0/hook", "forbidden_destination"),
        ("http://localhost:5432/", "forbidden_destination"),
        (
            "http://169.254.169.254/latest/meta-data/",
            "forbidden_destination",
        ),
        ("http://10.0.0.1/", "forbidden_destination"),
        ("http://metadata.google.internal/", "forbidden_destination"),
        ("https://user:pw@pos.example.com/hook", "credentials_in_url"),
    ] {
        let (s, b) = api
            .call("POST", "/v1/webhooks", &admin, Some(json!({"url": url})))
            .await;
        assert_eq!((s, b["code"].as_str()), (400, Some(code)), "{url}: {b}");
        assert_eq!(b["field"], json!("url"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_a_failed_attempt_and_switching_off_cancels_what_is_due() {
    let Running {
        api,
        admin,
        dispatcher,
        _dir,
        ..
    } = start(NoticePolicy::default(), &["127.0.0.1"]).await;
    store_and_courier(&api, &dispatcher).await;

    // A receiver that bounces to another: the signed body must never reach the second.
    let (bouncer, target) = (free_addr(), free_addr());
    let got: Received = Arc::default();
    receiver(target, got.clone()).await;
    let bounced = Arc::new(Mutex::new(0));
    redirector(bouncer, format!("http://{target}/hook"), bounced.clone()).await;
    let bouncing = add_webhook(&api, &admin, bouncer).await;
    assigned_order(&api, &dispatcher, "o-r").await;
    let log = attempts_at_least(&api, &admin, &bouncing, 2).await;
    assert!(log.len() >= 2, "{log:?}");
    for a in &log {
        assert_eq!(
            (a["http_status"].as_i64(), a["error"].as_str()),
            (Some(307), Some("redirect_not_followed")),
            "{a}"
        );
    }
    assert!(
        got.lock().expect("lock").is_empty(),
        "the redirect was followed"
    );

    // A receiver that is down: the log says only that no connection was made; once the
    // webhook is switched off, nothing more is attempted.
    let (s, b) = api
        .call("DELETE", &format!("/v1/webhooks/{bouncing}"), &admin, None)
        .await;
    assert_eq!(s, 204, "{b}");
    let down = add_webhook(&api, &admin, free_addr()).await;
    assigned_order(&api, &dispatcher, "o-d").await;
    let log = attempts_at_least(&api, &admin, &down, 1).await;
    assert_eq!(
        (log[0]["http_status"].as_i64(), log[0]["error"].as_str()),
        (None, Some("connection_failed")),
        "{log:?}"
    );
    let (s, _) = api
        .call("DELETE", &format!("/v1/webhooks/{down}"), &admin, None)
        .await;
    assert_eq!(s, 204);
    // An attempt already under way may still log itself.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let tried = attempts_at_least(&api, &admin, &down, 0).await.len();
    let bounces = *bounced.lock().expect("lock");
    // Retries come every 200-800 ms here: two seconds would see several.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(attempts_at_least(&api, &admin, &down, 0).await.len(), tried);
    assert_eq!(*bounced.lock().expect("lock"), bounces);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_never_answers_holds_up_no_other() {
    let Running {
        api,
        admin,
        dispatcher,
        _dir,
        ..
    } = start(NoticePolicy::default(), &["127.0.0.1"]).await;
    store_and_courier(&api, &dispatcher).await;
    // Accepts connections and never answers: each attempt lasts the 2 s timeout.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let silent_addr = silent.local_addr().expect("addr");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let fast = free_addr();
    let got: Received = Arc::default();
    receiver(fast, got.clone()).await;
    let silent_hook = add_webhook(&api, &admin, silent_addr).await;
    add_webhook(&api, &admin, fast).await;
    // Two notices, one after the other: the second reaches the fast receiver while
    // the silent one still holds the first.
    for (n, order) in ["o-a", "o-b"].into_iter().enumerate() {
        assigned_order(&api, &dispatcher, order).await;
        for _ in 0..100 {
            if got.lock().expect("lock").len() > n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(got.lock().expect("lock").len(), n + 1, "notice {n}");
    }
    let (_, log) = api
        .call(
            "GET",
            &format!("/v1/webhooks/{silent_hook}/attempts"),
            &admin,
            None,
        )
        .await;
    assert_eq!(
        log["attempts"].as_array().map(Vec::len),
        Some(0),
        "the silent receiver's first attempt is still open: {log}"
    );
}
