//! The screens in a real browser (headless Chromium over WebDriver): each opened on a
//! service serving a loopback port, checked by what a person reads and does there, with
//! axe-core, for requests to other hosts, and kept as a screenshot under
//! `target/screenshots/`.

mod common;

use common::browser::Browser;
use common::running::{
    Running, fix, gelato_taken, picked_up_and_replanned, start, store_and_courier,
};
use freshroute_service::NoticePolicy;
use freshroute_store::Storage;
use serde_json::json;

/// The checks every screen passes: no serious or critical accessibility violation,
/// nothing loaded from another host; then its screenshot.
async fn checked(browser: &Browser, name: &str) {
    let violations = browser.serious_violations().await;
    assert!(violations.is_empty(), "{name}: {violations:?}");
    let elsewhere = browser.requests_elsewhere().await;
    assert!(
        elsewhere.is_empty(),
        "{name} asked other hosts: {elsewhere:?}"
    );
    browser.screenshot(name).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_follows_the_tracking_link_through_pickup_and_delivery() {
    let Running {
        api,
        dispatcher,
        store,
        _dir,
        ..
    } = start(NoticePolicy::default(), &[]).await;
    store_and_courier(&api, &dispatcher).await;
    let link = format!(
        "{}{}",
        api.base,
        gelato_taken(&api, &dispatcher, "o-1").await
    );
    let browser = Browser::start().await;

    // Taken: the first step is the current one, the promise is given, no map yet.
    browser.open(&link).await;
    let text = browser.text().await;
    assert!(text.contains("Your order from Casino"), "{text}");
    assert!(
        text.contains("Promised by") || text.contains("Expected at"),
        "{text}"
    );
    let current = browser
        .run("return document.querySelector('[aria-current=step]').textContent;")
        .await;
    assert_eq!(current, json!("Order received"));
    assert_eq!(
        browser
            .run("return [...document.scripts].map(s => new URL(s.src).pathname);")
            .await,
        json!(["/assets/track.js"]),
        "one script, from this host"
    );
    assert_eq!(
        browser
            .run("return document.querySelectorAll('svg').length;")
            .await,
        json!(0)
    );
    checked(&browser, "tracking-placed").await;

    // Planned, picked up, the courier's next stop is this door: the map shows it.
    picked_up_and_replanned(&api, &dispatcher, "o-1").await;
    browser.open(&link).await;
    let current = browser
        .run("return document.querySelector('[aria-current=step]').textContent;")
        .await;
    assert_eq!(current, json!("On its way to you"));
    let map = browser
        .run("const s = document.querySelector('svg[role=img]'); return s && s.getBoundingClientRect().width;")
        .await;
    assert!(
        map.as_f64().is_some_and(|w| w > 200.0),
        "a map as wide as a phone: {map}"
    );
    let text = browser.text().await;
    assert!(text.contains("from your door"), "{text}");
    // Light for a phone on a weak connection: the whole page, map and streets included,
    // well under 100 KB before compression.
    let size = browser
        .run("return document.documentElement.outerHTML.length;")
        .await;
    eprintln!("tracking page with its map: {size} characters");
    assert!(size.as_u64().is_some_and(|n| n < 100_000), "{size}");
    checked(&browser, "tracking-on-the-way").await;

    // A fix further on moves the courier on the open page, pushed, with no reload.
    let marker = "const c = document.querySelector('svg .courier'); return [c.getAttribute('cx'), c.getAttribute('cy')];";
    let before = browser.run(marker).await;
    browser.run("window.notReloaded = true; return true;").await;
    let sent = std::time::Instant::now();
    fix(&api, &dispatcher, 43.7372, 7.4236, 90_000).await;
    let mut moved = None;
    // Whether it moves, not how fast: the 2 s target belongs to a benchmark under load.
    while sent.elapsed() < std::time::Duration::from_secs(15) {
        if browser.run(marker).await != before {
            moved = Some(sent.elapsed());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let moved = moved.expect("the courier's marker moved after its fix");
    eprintln!(
        "tracking page: marker moved {} ms after the fix",
        moved.as_millis()
    );
    assert_eq!(
        browser.run("return window.notReloaded === true;").await,
        json!(true),
        "moved in place"
    );

    // At the door, delivered: said so, with nothing left to check again.
    fix(&api, &dispatcher, 43.7347, 7.4206, 0).await;
    let (s, b) = api
        .call(
            "POST",
            "/v1/orders/o-1/status",
            &dispatcher,
            Some(json!({"status": "delivered"})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    browser.open(&link).await;
    let text = browser.text().await;
    assert!(text.contains("Delivered. Enjoy!"), "{text}");
    assert!(!text.contains("Check again"), "{text}");
    checked(&browser, "tracking-delivered").await;

    // The same link still answers JSON to a program, and says it varies by what is asked.
    let res = reqwest::Client::new()
        .get(&link)
        .send()
        .await
        .expect("the service answers");
    assert_eq!(res.headers()["vary"], "accept");
    let v: serde_json::Value =
        serde_json::from_str(&res.text().await.expect("body")).expect("JSON");
    assert_eq!(v["status"], json!("delivered"));

    // A link that is not known says so, on a page.
    browser
        .open(&format!("{}/track/fr_ord_guess", api.base))
        .await;
    let text = browser.text().await;
    assert!(text.contains("This tracking link is not known"), "{text}");
    checked(&browser, "tracking-unknown").await;

    // A link of last week's says it has expired, and when.
    let mut old = store.order("o-1").await.expect("read").expect("o-1");
    old.id = "o-last-week".to_string();
    old.tracking_hash = freshroute_service::auth::hash("fr_ord_last_week");
    old.tracking_expires_ms = freshroute_service::now_ms() - 6 * 24 * 3_600_000;
    store
        .insert_order(&old, "admin", None)
        .await
        .expect("insert");
    browser
        .open(&format!("{}/track/fr_ord_last_week", api.base))
        .await;
    let text = browser.text().await;
    assert!(
        text.contains("This tracking link has expired") && text.contains("a day after"),
        "{text}"
    );
    checked(&browser, "tracking-expired").await;
}
