//! Stores post their till sales (JSON or CSV), and a planning round for today then has
//! yesterday's sales; rows that do not read are refused with their path. On SQLite, and
//! again on PostgreSQL when `FRESHROUTE_TEST_POSTGRES_URL` is set.

#[allow(dead_code)]
mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::NaiveDate;
use common::{Reply, key, monaco, on_both, send};
use freshroute_service::rounds::ProcurementData;
use freshroute_service::rules::FixRules;
use freshroute_service::{AppState, Clock, RateLimit, router, stock_sample_stores};
use freshroute_store::{AnyStore, Ledger, Role, Storage, Zone};
use serde_json::{Value, json};

const STORE: &str = "porto-aliados";

fn day(s: &str) -> NaiveDate {
    s.parse().expect("a date")
}

fn refusal(r: &Reply) -> (u16, Option<&str>, Option<&str>) {
    (
        r.status.as_u16(),
        r.body["code"].as_str(),
        r.body["field"].as_str(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_for_today_plans_from_the_sales_posted_yesterday() {
    let chain = freshroute_sample::generate(42, 30);
    // The history ends the day before yesterday: yesterday's sales are not in yet.
    let data = Arc::new(ProcurementData::sample(&chain, 42, day("2026-12-01"), 120));
    on_both(|store: AnyStore| {
        let data = Arc::clone(&data);
        async move {
            store.insert_shop(&common::porto_shop(STORE)).await.expect("shop");
            let planner = key(&store, Role::Planner, None).await;
            let dispatcher = key(&store, Role::Dispatcher, None).await;
            let mut state =
                AppState::load(store, monaco(), FixRules::default(), RateLimit::default())
                    .await
                    .expect("state");
            let lisbon: Zone = "Europe/Lisbon".parse().expect("zone");
            state.clock = Clock::manual(lisbon.at(day("2026-12-03"), 10 * 60));
            state.time_zone = lisbon;
            state.procurement = Some(Arc::clone(&data));
            // The sample's stores open with two days of stock, once.
            let stocked = stock_sample_stores(&state, &data, day("2026-12-03")).await;
            assert_eq!(stocked.ok(), Some(1));
            let lots = state.store.stock(Some(STORE)).await.expect("lots");
            assert!(lots.len() > 20 && lots.iter().all(|l| l.units > 0 && l.lot.expiry_date.as_str() > "2026-12-03"), "{lots:?}");
            assert_eq!(stock_sample_stores(&state, &data, day("2026-12-03")).await.ok(), Some(0));
            let ledger = state.store.clone();
            let app = router(state);
            let call = |k: &str, method: &str, uri: &str, body: Option<Value>| {
                let app = app.clone();
                let k = k.to_string();
                let (method, uri) = (method.to_string(), uri.to_string());
                async move { common::call(&app, &method, &uri, Some(&k), body).await }
            };
            let round = json!({"date": "2026-12-03", "stores": [STORE], "time_limit_s": 5});
            let r = call(&planner, "POST", "/v1/procurement/rounds", Some(round.clone())).await;
            assert_eq!(r.body["code"], json!("sales_missing_days"), "{}", r.body);

            // Yesterday's till, every article.
            let rows: Vec<Value> = data
                .catalog
                .skus
                .iter()
                .enumerate()
                .map(|(k, s)| json!({"date": "2026-12-02", "store_id": STORE, "sku": s.id, "units": (k % 7) as f64 * 3.5}))
                .collect();
            let r = call(&dispatcher, "POST", "/v1/sales", Some(json!({"sales": rows.clone()}))).await;
            assert_eq!(refusal(&r), (403, Some("forbidden_role"), None));
            let on_hand = || async {
                let mut by_sku = std::collections::BTreeMap::<String, i64>::new();
                for l in ledger.stock(Some(STORE)).await.expect("stock") {
                    *by_sku.entry(l.lot.sku).or_default() += l.units;
                }
                by_sku
            };
            let before = on_hand().await;
            let r = call(&planner, "POST", "/v1/sales", Some(json!({"sales": rows.clone()}))).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            assert_eq!(r.body["recorded"], json!(data.catalog.skus.len()));
            assert_eq!(r.body["history_until"], json!("2026-12-02"));
            // Yesterday's till took its whole units from the lots, oldest first; what
            // the lots did not hold is short, never negative stock.
            let after = on_hand().await;
            let mut short = 0;
            for (k, s) in data.catalog.skus.iter().enumerate() {
                let sold = ((k % 7) as f64 * 3.5).floor() as i64;
                let had = before.get(&s.id).copied().unwrap_or(0);
                let left = after.get(&s.id).copied().unwrap_or(0);
                assert_eq!(left, had - sold.min(had), "{}", s.id);
                short += (sold - had).max(0);
            }
            assert_eq!(r.body["short_units"], json!(short));
            // Posted again, the day takes nothing more.
            let r = call(&planner, "POST", "/v1/sales", Some(json!({"sales": rows}))).await;
            assert_eq!(r.body["short_units"], json!(0), "{}", r.body);
            assert_eq!(on_hand().await, after);
            let r = call(&planner, "POST", "/v1/procurement/rounds", Some(round)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            assert_eq!(r.body["date"], json!("2026-12-03"));

            // Refusals name the row and the field.
            let sku = data.catalog.skus[0].id.clone();
            for (row, expected) in [
                (json!({"date": "2026-12-04", "store_id": STORE, "sku": sku, "units": 1}), (422, Some("future_date"), Some("sales[1].date"))),
                (json!({"date": "2026-12-02", "store_id": STORE, "sku": "NOPE", "units": 1}), (422, Some("unknown_sku"), Some("sales[1].sku"))),
                (json!({"date": "2026-12-02", "store_id": "porto-nowhere", "sku": sku, "units": 1}), (422, Some("unknown_store"), Some("sales[1].store_id"))),
                (json!({"date": "2026-12-02", "store_id": STORE, "sku": sku, "units": -1}), (400, Some("invalid_units"), Some("sales[1].units"))),
                (json!({"date": "2 Dec", "store_id": STORE, "sku": sku, "units": 1}), (400, Some("invalid_date"), Some("sales[1].date"))),
            ] {
                let ok = json!({"date": "2026-12-02", "store_id": STORE, "sku": sku, "units": 2});
                let r = call(&planner, "POST", "/v1/sales", Some(json!({"sales": [ok, row]}))).await;
                assert_eq!(refusal(&r), expected, "{}", r.body);
            }

            // The same day again as CSV replaces it.
            let csv = |text: &str| {
                Request::builder()
                    .method("POST")
                    .uri("/v1/sales")
                    .header("authorization", format!("Bearer {planner}"))
                    .header("content-type", "text/csv")
                    .body(Body::from(text.to_string()))
                    .expect("request")
            };
            let r = send(&app, csv(&format!("date,store,sku,units\n2026-12-02,{STORE},{sku},5\n"))).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            assert_eq!(r.body["recorded"], json!(1));
            let r = send(&app, csv("day,shop,article,qty\n")).await;
            assert_eq!(refusal(&r), (400, Some("invalid_header"), Some("sales")));
            let r = send(&app, csv(&format!("date,store,sku,units\n2026-12-02,{STORE},{sku},many\n"))).await;
            assert_eq!(refusal(&r), (400, Some("invalid_value"), Some("sales[0].units")));
        }
    })
    .await;
}
