//! A lot through the ledger over HTTP: counted into a store, used in a production batch
//! whose cake is delivered to a customer (the delivery takes it from stock, oldest
//! first), traced both ways as JSON, GS1 EPCIS 2.0 (valid against GS1's schema) and the
//! FSMA 204 CSV, then recalled: every unit of it and of the cake off sale, the customer's
//! order named, a second recall refused, its units never counted or sold again. On
//! SQLite, and again on PostgreSQL when `FRESHROUTE_TEST_POSTGRES_URL` is set.

#[allow(dead_code)]
mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{call, key, monaco, on_both};
use freshroute_service::rules::FixRules;
use freshroute_service::{AppState, RateLimit, router};
use freshroute_store::{AnyStore, NoticeKind, Outbox, Role};
use serde_json::{Value, json};

const STORE: &str = "mc-casino";
const CREAM: &str = "CREAM-35:CR-1";

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .expect("a time")
        .to_rfc3339()
}

fn schema() -> jsonschema::Validator {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/epcis/EPCIS-JSON-Schema.json");
    let text = std::fs::read_to_string(path).expect("the EPCIS schema");
    let schema: Value = serde_json::from_str(&text).expect("JSON");
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("a schema")
}

async fn text(app: &Router, uri: &str, key: &str) -> (StatusCode, String) {
    let req = Request::builder()
        .uri(uri)
        .header("authorization", format!("Bearer {key}"))
        .body(Body::empty())
        .expect("request");
    let res = tower::ServiceExt::oneshot(app.clone(), req)
        .await
        .expect("answer");
    let status = res.status();
    let body = http_body_util::BodyExt::collect(res.into_body())
        .await
        .expect("body")
        .to_bytes();
    (status, String::from_utf8(body.to_vec()).expect("utf-8"))
}

/// The store and a courier on shift.
async fn open_store(app: &Router, admin: &str) {
    let store = json!({
        "id": STORE, "name": "Casino", "address": "Place du Casino, Monaco",
        "location": {"type": "Point", "coordinates": [7.4275, 43.7396]},
        "opening_hours": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "opens": "00:00", "closes": "24:00"}],
        "storage": {"frozen_litres": 300, "chilled_litres": 600, "ambient_litres": 2000}
    });
    let r = call(app, "POST", "/v1/stores", Some(admin), Some(store)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let now = freshroute_service::now_ms();
    let hour = 3_600_000;
    let courier = json!({
        "id": "c1", "name": "Inès", "profile": "scooter", "box_capacity": 10,
        "skills": ["insulated", "frozen"], "shift_start": iso(now - hour),
        "shift_end": iso(now + 8 * hour), "device_id": "990"});
    let r = call(app, "POST", "/v1/couriers", Some(admin), Some(courier)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

/// A customer's two slices of strawberry cake (two lines) delivered.
async fn deliver_a_cake(app: &Router, admin: &str) {
    let now = freshroute_service::now_ms();
    let order = json!({
        "id": "o-1", "store_id": STORE,
        "customer": {"name": "Léa", "address": "Quai Antoine 1er, Monaco",
            "location": {"type": "Point", "coordinates": [7.4206, 43.7347]}},
        "items": [
            {"sku": "STRAWBERRY-CAKE", "quantity": 1, "class": "chilled"},
            {"sku": "STRAWBERRY-CAKE", "quantity": 1, "class": "chilled", "name": "A second slice"}
        ],
        "ready_at": iso(now), "promised_by": iso(now + 40 * 60_000)});
    let r = call(app, "POST", "/v1/orders", Some(admin), Some(order)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    for step in [
        json!({"status": "assigned", "courier_id": "c1"}),
        json!({"status": "picked_up"}),
        json!({"status": "delivered"}),
    ] {
        let r = call(
            app,
            "POST",
            "/v1/orders/o-1/status",
            Some(admin),
            Some(step),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
}

fn ids(v: &Value, field: &str) -> Vec<String> {
    v[field]
        .as_array()
        .expect("a list")
        .iter()
        .map(|x| {
            x.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| x["lot_id"].as_str().expect("an id").to_string())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lot_is_traced_both_ways_exported_and_recalled_with_the_orders_it_reached() {
    let schema = schema();
    on_both(|store: AnyStore| {
        let schema = &schema;
        async move {
            let admin = key(&store, Role::Admin, None).await;
            let planner = key(&store, Role::Planner, None).await;
            let dispatcher = key(&store, Role::Dispatcher, None).await;
            let mut state = AppState::load(store.clone(), monaco(), FixRules::default(), RateLimit::default())
                .await
                .expect("state");
            state.procurement = Some(common::running::procurement_data());
            let app = router(state.clone());
            let lot = |sku: &str, number: &str, units: i64| {
                json!({"sku": sku, "lot_number": number, "expiry_date": "2099-01-01", "units": units})
            };
            // The store's stock, counted; a cake baked from it and sold to Léa.
            open_store(&app, &admin).await;
            let r = call(&app, "PUT", &format!("/v1/stock/{STORE}"), Some(&planner),
                Some(json!({"lots": [lot("CREAM-35", "CR-1", 10), lot("STRAWBERRY", "ST-1", 6), lot("BUTTER", "BU-1", 4)]}))).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            // A batch of strawberry cake: its ingredients taken oldest first, a lot of
            // eight slices good for three hours.
            let batches = format!("/v1/stores/{STORE}/batches");
            let r = call(&app, "POST", &batches, Some(&planner), Some(json!({"recipe": "STRAWBERRY-CAKE"}))).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            let cake = r.body["lot_id"].as_str().expect("the cake's lot").to_string();
            assert_eq!((r.body["units"].as_i64(), r.body["zone"].as_str()), (Some(8), Some("ambient")));
            let used: Vec<(&str, i64)> = r.body["used"].as_array().expect("used").iter()
                .map(|u| (u["lot_id"].as_str().unwrap_or(""), u["units"].as_i64().unwrap_or(0)))
                .collect();
            assert_eq!(used, [("CREAM-35:CR-1", 1), ("STRAWBERRY:ST-1", 2), ("BUTTER:BU-1", 1)]);
            for (body, expected) in [
                (json!({"recipe": "STRAWBERRY-CAKE", "batches": 5}), (StatusCode::CONFLICT, Some("not_enough_stock"))),
                (json!({"recipe": "FLAN"}), (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_recipe"))),
                (json!({"recipe": "STRAWBERRY-CAKE", "batches": 0}), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_batches"))),
            ] {
                let r = call(&app, "POST", &batches, Some(&planner), Some(body)).await;
                assert_eq!((r.status, r.body["code"].as_str()), expected, "{}", r.body);
            }
            let r = call(&app, "POST", "/v1/stores/nowhere/batches", Some(&planner), Some(json!({"recipe": "STRAWBERRY-CAKE"}))).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND);
            // An alert line set by hand at seven slices: the delivery that leaves six
            // crosses it, an event.
            let cake_line = format!("/v1/stores/{STORE}/alert-lines/STRAWBERRY-CAKE");
            let r = call(&app, "PUT", &cake_line, Some(&planner), Some(json!({"units": 7}))).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            for (uri, body, code) in [
                (cake_line.as_str(), json!({"units": 2.5}), "invalid_units"),
                ("/v1/stores/mc-casino/alert-lines/FLAN", json!({"units": 2}), "unknown_article"),
            ] {
                let r = call(&app, "PUT", uri, Some(&planner), Some(body)).await;
                assert_eq!(r.body["code"], json!(code), "{}", r.body);
            }
            deliver_a_cake(&app, &admin).await;
            let r = call(&app, "GET", &format!("/v1/stores/{STORE}/alert-lines"), Some(&planner), None).await;
            let cake_view = r.body["lines"].as_array().expect("lines").iter()
                .find(|l| l["sku"] == "STRAWBERRY-CAKE").cloned().expect("the cake's line");
            assert_eq!(
                (cake_view["units"].as_i64(), cake_view["source"].as_str(), cake_view["on_hand"].as_i64(), cake_view["below"].as_bool()),
                (Some(7), Some("hand"), Some(6), Some(true)),
                "{}", r.body
            );
            let r = call(&app, "GET", "/v1/stock/alerts", Some(&planner), None).await;
            let crossed: Vec<(&str, i64, i64)> = r.body["crossings"].as_array().expect("crossings").iter()
                .map(|c| (c["sku"].as_str().unwrap_or(""), c["line"].as_i64().unwrap_or(-1), c["on_hand"].as_i64().unwrap_or(-1)))
                .collect();
            assert_eq!(crossed, [("STRAWBERRY-CAKE", 7, 6)]);
            let r = call(&app, "PUT", &cake_line, Some(&planner), Some(json!({"units": null}))).await;
            assert!(r.body["lines"].as_array().is_some_and(|l| l.iter().all(|l| l["sku"] != "STRAWBERRY-CAKE")), "cleared: {}", r.body);
            let on_hand = |body: &Value| -> Vec<(String, i64)> {
                body["lots"].as_array().expect("lots").iter()
                    .map(|l| (l["lot_id"].as_str().expect("id").to_string(), l["units"].as_i64().expect("units")))
                    .collect()
            };
            let r = call(&app, "GET", &format!("/v1/stock?store_id={STORE}"), Some(&planner), None).await;
            let s = |id: &str, units: i64| (id.to_string(), units);
            assert_eq!(
                on_hand(&r.body),
                [s("BUTTER:BU-1", 3), s(CREAM, 9), s("STRAWBERRY:ST-1", 4), s(&cake, 6)],
                "the batch used its ingredients, the delivery took both slices; the refused batch nothing"
            );

            // Downstream from the cream: the cake, its batch, the store, Léa's order.
            let r = call(&app, "GET", &format!("/v1/lots/{CREAM}/trace"), Some(&planner), None).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            assert_eq!(ids(&r.body, "lots"), [CREAM, cake.as_str()]);
            assert_eq!(ids(&r.body, "orders"), ["o-1"]);
            assert_eq!(ids(&r.body, "batches").len(), 1);
            assert_eq!(ids(&r.body, "stores"), [STORE]);
            assert_eq!(r.body["movements"].as_array().map(Vec::len), Some(2 + 2));
            // Upstream from the cake: what it was made from.
            let r = call(&app, "GET", &format!("/v1/lots/{cake}/trace?direction=upstream"), Some(&planner), None).await;
            assert_eq!(ids(&r.body, "lots"), [cake.as_str(), "BUTTER:BU-1", CREAM, "STRAWBERRY:ST-1"]);
            assert_eq!(r.body["lots"][2]["steps"], json!(1));

            // As EPCIS 2.0: valid against GS1's schema, the batch one transformation.
            let (status, body) = text(&app, &format!("/v1/lots/{CREAM}/trace?format=epcis"), &planner).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let doc: Value = serde_json::from_str(&body).expect("JSON");
            let errors: Vec<String> = schema.iter_errors(&doc).map(|e| format!("{} at {}", e, e.instance_path())).collect();
            assert!(errors.is_empty(), "{errors:?}\n{doc:#}");
            let events = doc["epcisBody"]["eventList"].as_array().expect("events");
            for e in events {
                let mut alone = e.clone();
                alone["@context"] = doc["@context"].clone();
                assert!(schema.is_valid(&alone), "{alone:#}");
            }
            let kinds: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
            assert_eq!(kinds, ["ObjectEvent", "ObjectEvent", "TransformationEvent"], "{doc:#}");
            assert!(body.contains("https://id.gs1.org/01/"), "GTINs as Digital Links: {body}");
            // As the FSMA 204 CSV: a row per movement.
            let (status, csv) = text(&app, &format!("/v1/lots/{CREAM}/trace?format=csv"), &planner).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(csv.lines().count(), 1 + 4, "{csv}");
            assert!(csv.lines().any(|l| l.contains(",sale,") && l.contains("order:o-1")), "{csv}");

            // Refusals.
            let r = call(&app, "GET", "/v1/lots/NOPE:1/trace", Some(&planner), None).await;
            assert_eq!((r.status, r.body["code"].as_str()), (StatusCode::NOT_FOUND, Some("unknown_lot")));
            let r = call(&app, "GET", &format!("/v1/lots/{CREAM}/trace?direction=sideways"), Some(&planner), None).await;
            assert_eq!((r.status, r.body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("direction")));
            let r = call(&app, "POST", &format!("/v1/lots/{CREAM}/recall"), Some(&dispatcher), None).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN);

            // The recall: the cream and the cake off sale, Léa's order named.
            let r = call(&app, "POST", &format!("/v1/lots/{CREAM}/recall"), Some(&planner), None).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            assert_eq!(ids(&r.body, "lots"), [CREAM, cake.as_str()]);
            let off: Vec<(String, i64)> = r.body["taken_off"].as_array().expect("taken off").iter()
                .map(|t| (t["lot_id"].as_str().expect("id").to_string(), t["units"].as_i64().expect("units")))
                .collect();
            assert_eq!(off, [s(CREAM, 9), s(&cake, 6)]);
            assert_eq!(r.body["orders"][0]["customer_name"], json!("Léa"));
            let told = store.notices("o-1").await.expect("notices");
            assert_eq!(told.last().map(|n| n.kind), Some(NoticeKind::Recalled), "Léa's order is told, for the webhooks");
            let r = call(&app, "POST", &format!("/v1/lots/{CREAM}/recall"), Some(&planner), None).await;
            assert_eq!((r.status, r.body["code"].as_str()), (StatusCode::CONFLICT, Some("already_recalled")));
            let r = call(&app, "POST", "/v1/lots/NOPE:1/recall", Some(&planner), None).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND);
            let r = call(&app, "GET", &format!("/v1/stock?store_id={STORE}"), Some(&planner), None).await;
            assert_eq!(on_hand(&r.body), [s("BUTTER:BU-1", 3), s("STRAWBERRY:ST-1", 4)]);
            // Its units are never counted back into stock.
            let r = call(&app, "PUT", &format!("/v1/stock/{STORE}"), Some(&planner),
                Some(json!({"lots": [lot("CREAM-35", "CR-1", 2)]}))).await;
            assert_eq!((r.status, r.body["code"].as_str()), (StatusCode::CONFLICT, Some("recalled_lot")));
            let r = call(&app, "GET", &format!("/v1/lots/{cake}/trace"), Some(&planner), None).await;
            assert!(r.body["lots"][0]["recalled_at"].is_string(), "{}", r.body);

            // An ice-cream cake keeps three days: warned of within them, moved to waste
            // once they are over.
            let r = call(&app, "PUT", &format!("/v1/stock/{STORE}"), Some(&planner),
                Some(json!({"lots": [lot("BUTTER", "BU-1", 3), lot("IC-VANILLA", "IV-1", 1), lot("BERRIES-FROZEN", "BF-1", 1)]}))).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            let r = call(&app, "POST", &batches, Some(&planner), Some(json!({"recipe": "ICE-CREAM-CAKE"}))).await;
            assert_eq!((r.status, r.body["zone"].as_str()), (StatusCode::CREATED, Some("frozen")), "{}", r.body);
            let frozen_cake = r.body["lot_id"].as_str().expect("a lot").to_string();
            let warned = |hours: i64| {
                let app = app.clone();
                let planner = planner.clone();
                async move {
                    let r = call(&app, "GET", &format!("/v1/stock/expiring?within_hours={hours}"), Some(&planner), None).await;
                    r.body["lots"].as_array().map(|l| l.iter().filter_map(|l| l["lot_id"].as_str().map(str::to_string)).collect::<Vec<_>>())
                }
            };
            assert_eq!(warned(24).await, Some(vec![]));
            assert_eq!(warned(73).await, Some(vec![frozen_cake.clone()]));
            let r = call(&app, "GET", "/v1/stock/expiring?within_hours=0", Some(&planner), None).await;
            assert_eq!(r.body["code"], json!("invalid_hours"));
            let mut later = state.clone();
            later.clock = freshroute_service::Clock::manual(freshroute_service::now_ms() + 73 * 3_600_000);
            let wasted = freshroute_service::stock_upkeep::expire_now(&later).await.expect("expired");
            assert_eq!(wasted, 2);
            let r = call(&app, "GET", &format!("/v1/stock?store_id={STORE}"), Some(&planner), None).await;
            assert!(!on_hand(&r.body).iter().any(|(id, _)| *id == frozen_cake), "{}", r.body);
        }
    })
    .await;
}
