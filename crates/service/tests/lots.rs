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
use freshroute_store::{AnyStore, Ledger, Lot, MoveKind, Movement, Role, StorageZone};
use serde_json::{Value, json};

const STORE: &str = "mc-casino";
const CREAM: &str = "CREAM-35:CR-1";
const CAKE: &str = "CHEESECAKE:B-1";

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

/// A customer's cheesecake delivered.
async fn deliver_a_cake(app: &Router, admin: &str) {
    let now = freshroute_service::now_ms();
    let order = json!({
        "id": "o-1", "store_id": STORE,
        "customer": {"name": "Léa", "address": "Quai Antoine 1er, Monaco",
            "location": {"type": "Point", "coordinates": [7.4206, 43.7347]}},
        "items": [{"sku": "CHEESECAKE", "quantity": 1, "class": "chilled"}],
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

/// Cream and strawberries into four cheesecakes (batch b-1), as production will record it.
async fn bake(store: &AnyStore) {
    store
        .add_lot(&Lot {
            id: CAKE.to_string(),
            sku: "CHEESECAKE".to_string(),
            lot_number: "B-1".to_string(),
            expiry_date: "2099-01-02".to_string(),
            po_id: None,
            made_by: Some("b-1".to_string()),
            recalled_ms: None,
            created_ms: 1,
        })
        .await
        .expect("the cake's lot");
    let mv = |lot: &str, kind, units| Movement {
        id: 0,
        lot_id: lot.to_string(),
        shop_id: STORE.to_string(),
        zone: StorageZone::Chilled,
        kind,
        units,
        reference: Some("b-1".to_string()),
        actor: "kitchen".to_string(),
        at_ms: freshroute_service::now_ms(),
    };
    store
        .record(&[
            mv(CREAM, MoveKind::Used, -2),
            mv("STRAWBERRY:ST-1", MoveKind::Used, -1),
            mv(CAKE, MoveKind::Made, 4),
        ])
        .await
        .expect("baked");
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
            let app = router(state);
            let lot = |sku: &str, number: &str, units: i64| {
                json!({"sku": sku, "lot_number": number, "expiry_date": "2099-01-01", "units": units})
            };
            // The store's stock, counted; a cake baked from it and sold to Léa.
            open_store(&app, &admin).await;
            let r = call(&app, "PUT", &format!("/v1/stock/{STORE}"), Some(&planner),
                Some(json!({"lots": [lot("CREAM-35", "CR-1", 10), lot("STRAWBERRY", "ST-1", 6)]}))).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            bake(&store).await;
            deliver_a_cake(&app, &admin).await;
            let on_hand = |body: &Value| -> Vec<(String, i64)> {
                body["lots"].as_array().expect("lots").iter()
                    .map(|l| (l["lot_id"].as_str().expect("id").to_string(), l["units"].as_i64().expect("units")))
                    .collect()
            };
            let r = call(&app, "GET", &format!("/v1/stock?store_id={STORE}"), Some(&planner), None).await;
            assert_eq!(
                on_hand(&r.body),
                [(CAKE.to_string(), 3), (CREAM.to_string(), 8), ("STRAWBERRY:ST-1".to_string(), 5)],
                "the delivery took its cake"
            );

            // Downstream from the cream: the cake, its batch, the store, Léa's order.
            let r = call(&app, "GET", &format!("/v1/lots/{CREAM}/trace"), Some(&planner), None).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            assert_eq!(ids(&r.body, "lots"), [CREAM, CAKE]);
            assert_eq!(ids(&r.body, "orders"), ["o-1"]);
            assert_eq!(ids(&r.body, "batches"), ["b-1"]);
            assert_eq!(ids(&r.body, "stores"), [STORE]);
            assert_eq!(r.body["movements"].as_array().map(Vec::len), Some(2 + 2));
            // Upstream from the cake: what it was made from.
            let r = call(&app, "GET", &format!("/v1/lots/{CAKE}/trace?direction=upstream"), Some(&planner), None).await;
            assert_eq!(ids(&r.body, "lots"), [CAKE, CREAM, "STRAWBERRY:ST-1"]);
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
            assert_eq!(ids(&r.body, "lots"), [CREAM, CAKE]);
            let off: Vec<(String, i64)> = r.body["taken_off"].as_array().expect("taken off").iter()
                .map(|t| (t["lot_id"].as_str().expect("id").to_string(), t["units"].as_i64().expect("units")))
                .collect();
            assert_eq!(off, [(CREAM.to_string(), 8), (CAKE.to_string(), 3)]);
            assert_eq!(r.body["orders"][0]["customer_name"], json!("Léa"));
            let r = call(&app, "POST", &format!("/v1/lots/{CREAM}/recall"), Some(&planner), None).await;
            assert_eq!((r.status, r.body["code"].as_str()), (StatusCode::CONFLICT, Some("already_recalled")));
            let r = call(&app, "POST", "/v1/lots/NOPE:1/recall", Some(&planner), None).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND);
            let r = call(&app, "GET", &format!("/v1/stock?store_id={STORE}"), Some(&planner), None).await;
            assert_eq!(on_hand(&r.body), [("STRAWBERRY:ST-1".to_string(), 5)]);
            // Its units are never counted back into stock.
            let r = call(&app, "PUT", &format!("/v1/stock/{STORE}"), Some(&planner),
                Some(json!({"lots": [lot("CREAM-35", "CR-1", 2)]}))).await;
            assert_eq!((r.status, r.body["code"].as_str()), (StatusCode::CONFLICT, Some("recalled_lot")));
            let r = call(&app, "GET", &format!("/v1/lots/{CAKE}/trace"), Some(&planner), None).await;
            assert!(r.body["lots"][0]["recalled_at"].is_string(), "{}", r.body);
        }
    })
    .await;
}
