//! Planners over HTTP: a planning round on the bundled procurement data, then purchase
//! orders edited (with the model's cost of the edit), approved once or twice, sent,
//! confirmed and received into stock lots, or rejected; and every refusal the workflow
//! owes: roles that may not act, a second approval by the same key, changes of an
//! order already sent, bad lots and counts. Against a temporary SQLite file, and again
//! against PostgreSQL when `FRESHROUTE_TEST_POSTGRES_URL` is set.

mod common;

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::http::StatusCode;
use common::{Reply, key, monaco};
use freshroute_service::rounds::ProcurementData;
use freshroute_service::rules::FixRules;
use freshroute_service::{AppState, PurchasingPolicy, RateLimit, router};
use freshroute_store::{AnyStore, Role, Storage};
use serde_json::{Value, json};

/// The bundled procurement data, read once per test binary.
fn data() -> Arc<ProcurementData> {
    static DATA: OnceLock<Arc<ProcurementData>> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/procurement");
        Arc::new(ProcurementData::load(&dir).expect("the bundled procurement data"))
    })
    .clone()
}

const STORE: &str = "porto-aliados";

async fn call(app: &Router, method: &str, uri: &str, key: &str, body: Option<Value>) -> Reply {
    common::call(app, method, uri, Some(key), body).await
}

fn code(r: &Reply) -> (StatusCode, Option<&str>) {
    (r.status, r.body["code"].as_str())
}

async fn workflow(store: AnyStore) {
    store
        .insert_shop(&common::porto_shop(STORE))
        .await
        .expect("store");
    let admin = key(&store, Role::Admin, None).await;
    let ana = key(&store, Role::Planner, None).await;
    let rui = key(&store, Role::Planner, None).await;
    let dispatcher = key(&store, Role::Dispatcher, None).await;
    let bare = AppState::load(
        store.clone(),
        monaco(),
        FixRules::default(),
        RateLimit::default(),
    )
    .await
    .expect("state");
    let round = json!({"date": "2026-12-01", "stores": [STORE]});

    // Without procurement data, rounds are refused.
    let app = router(bare.clone());
    let r = call(
        &app,
        "POST",
        "/v1/procurement/rounds",
        &ana,
        Some(round.clone()),
    )
    .await;
    assert_eq!(
        code(&r),
        (StatusCode::SERVICE_UNAVAILABLE, Some("no_procurement_data"))
    );

    // Every order needs two approvers here; `single` approves with one.
    let mut state = bare.clone();
    state.procurement = Some(data());
    state.purchasing = PurchasingPolicy {
        second_approval_above_cents: 0,
        ..PurchasingPolicy::default()
    };
    let app = router(state.clone());
    let mut single = state.clone();
    single.purchasing = PurchasingPolicy {
        second_approval_above_cents: i64::MAX,
        ..PurchasingPolicy::default()
    };
    let single = router(single);

    // The round: planners only; bad dates and stores refused.
    let r = call(
        &app,
        "POST",
        "/v1/procurement/rounds",
        &dispatcher,
        Some(round.clone()),
    )
    .await;
    assert_eq!(code(&r), (StatusCode::FORBIDDEN, Some("forbidden_role")));
    let r = call(
        &app,
        "POST",
        "/v1/procurement/rounds",
        &ana,
        Some(json!({"date": "2027-02-01"})),
    )
    .await;
    assert_eq!(
        code(&r),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("sales_missing_days")),
        "{:?}",
        r.body
    );
    let r = call(
        &app,
        "POST",
        "/v1/procurement/rounds",
        &ana,
        Some(json!({"date": "2026-12-01", "stores": ["nowhere"]})),
    )
    .await;
    assert_eq!(
        code(&r),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_store"))
    );
    // A store named twice is refused before any model is built.
    let r = call(
        &app,
        "POST",
        "/v1/procurement/rounds",
        &ana,
        Some(json!({"date": "2026-12-01", "stores": [STORE, STORE]})),
    )
    .await;
    assert_eq!(
        (code(&r), r.body["field"].as_str()),
        (
            (StatusCode::BAD_REQUEST, Some("duplicate_store")),
            Some("stores[1]")
        )
    );
    let r = call(
        &app,
        "POST",
        "/v1/procurement/rounds",
        &ana,
        Some(round.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let report = &r.body;
    assert_eq!(report["stores"][0]["store"], STORE);
    let status = report["stores"][0]["status"].as_str().expect("status");
    assert!(
        ["optimal", "within_gap", "time_limit"].contains(&status),
        "{report}"
    );
    let made = report["proposals"].as_u64().expect("count") as usize;
    assert!(
        made >= 3,
        "an empty store orders from several suppliers: {report}"
    );
    let r = call(&app, "GET", "/v1/procurement/rounds/latest", &ana, None).await;
    assert_eq!(r.body["id"], report["round_id"]);

    // The proposals explain themselves.
    let r = call(
        &app,
        "GET",
        "/v1/purchase-orders?status=proposed",
        &ana,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let orders = r.body["purchase_orders"].as_array().expect("list").clone();
    assert_eq!(orders.len(), made);
    let ids: Vec<String> = orders
        .iter()
        .map(|o| o["id"].as_str().expect("id").to_string())
        .collect();
    for o in &orders {
        assert_eq!(o["status"], "proposed");
        assert_eq!(o["order_date"], "2026-12-01");
        let lines = o["lines"].as_array().expect("lines");
        let why = o["explanation"]["lines"].as_array().expect("why");
        assert_eq!(lines.len(), why.len());
        let sum: i64 = lines
            .iter()
            .map(|l| l["cost_cents"].as_i64().expect("cost"))
            .sum();
        assert_eq!(o["value_cents"].as_i64(), Some(sum));
        for (l, w) in lines.iter().zip(why) {
            assert_eq!(l["sku"], w["sku"]);
            assert_eq!(
                l["units"].as_i64(),
                Some(l["cases"].as_i64().expect("cases") * l["case_pack"].as_i64().expect("pack"))
            );
            let w = &w["why"];
            assert!(w["forecast"].as_array().is_some_and(|f| !f.is_empty()));
            assert!(w["safety_units"].as_f64().is_some());
            assert!(w["stock"].is_array() && w["offers"].is_array());
            assert!(
                w["supplier"]
                    .as_str()
                    .is_some_and(|s| s.contains(o["supplier_id"].as_str().expect("supplier")))
            );
            assert!(w["quantity"].as_str().is_some_and(|s| s.contains("cases")));
        }
    }
    let r = call(
        &app,
        "GET",
        &format!("/v1/purchase-orders/{}", ids[0]),
        &ana,
        None,
    )
    .await;
    assert_eq!(r.body["events"][0]["action"], "proposed");

    // Edits: priced by the model; refused for articles the supplier does not sell.
    let first = &orders[0];
    let line = &first["lines"][0];
    let sku = line["sku"].as_str().expect("sku").to_string();
    let cases = line["cases"].as_i64().expect("cases");
    let uri = format!("/v1/purchase-orders/{}", ids[0]);
    let r = call(
        &app,
        "PATCH",
        &uri,
        &ana,
        Some(json!({"lines": [{"sku": sku, "cases": -1}]})),
    )
    .await;
    assert_eq!(
        code(&r),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("bad_cases"))
    );
    let foreign = data()
        .catalog
        .skus
        .iter()
        .map(|s| s.id.clone())
        .find(|id| {
            !data()
                .catalog
                .offers
                .iter()
                .any(|o| &o.sku == id && o.supplier == first["supplier_id"])
        })
        .expect("an article this supplier does not sell");
    let r = call(
        &app,
        "PATCH",
        &uri,
        &ana,
        Some(json!({"lines": [{"sku": foreign, "cases": 1}]})),
    )
    .await;
    assert_eq!(
        code(&r),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("not_sold_by_supplier")
        )
    );
    let r = call(
        &app,
        "PATCH",
        &uri,
        &ana,
        Some(json!({"version": 1, "lines": [{"sku": sku, "cases": cases + 20}]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let cost = r.body["edit_cost_cents"].as_i64().expect("the edit's cost");
    assert!(
        cost > 0,
        "twenty more cases than the optimum cost more: {cost}"
    );
    let edited = r.body["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["sku"] == sku.as_str())
        .expect("the line")
        .clone();
    assert_eq!(edited["cases"].as_i64(), Some(cases + 20));
    assert_eq!(edited["proposed_cases"].as_i64(), Some(cases));
    assert_eq!(r.body["version"], 2);
    // A stale version is refused.
    let r = call(
        &app,
        "PATCH",
        &uri,
        &ana,
        Some(json!({"version": 1, "lines": [{"sku": sku, "cases": cases}]})),
    )
    .await;
    assert_eq!(code(&r), (StatusCode::CONFLICT, Some("changed_meanwhile")));

    // Approval: not by a dispatcher; twice needed here, never twice by the same key.
    let approve = format!("{uri}/approve");
    let r = call(&app, "POST", &approve, &dispatcher, None).await;
    assert_eq!(code(&r), (StatusCode::FORBIDDEN, Some("forbidden_role")));
    // An approval is of the version its approver saw: Rui approves, Ana then raises the
    // order, and Rui's approval is gone, so Ana alone cannot approve what Rui never saw.
    let r = call(&app, "POST", &approve, &rui, None).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["approvals"].as_array().map(Vec::len), Some(1));
    let r = call(
        &app,
        "PATCH",
        &uri,
        &ana,
        Some(json!({"lines": [{"sku": sku, "cases": cases + 21}]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["approvals"], json!([]), "{:?}", r.body);
    let r = call(&app, "GET", &uri, &ana, None).await;
    let cleared = r.body["events"]
        .as_array()
        .and_then(|a| a.iter().rev().find(|e| e["action"] == "edited"))
        .map(|e| e["detail"]["approvals_cleared"].clone());
    assert_eq!(
        cleared.as_ref().and_then(Value::as_array).map(Vec::len),
        Some(1),
        "the audit trail says whose approval the edit cleared: {:?}",
        r.body
    );
    let r = call(&app, "POST", &approve, &ana, None).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        (
            r.body["status"].as_str(),
            r.body["approvals_needed"].as_u64()
        ),
        (Some("proposed"), Some(2))
    );
    let r = call(&app, "POST", &approve, &ana, None).await;
    assert_eq!(
        code(&r),
        (StatusCode::CONFLICT, Some("already_approved_by_you"))
    );
    let r = call(&app, "POST", &approve, &rui, Some(json!({"version": 5}))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["status"], "approved");
    assert_eq!(r.body["approvals"].as_array().map(Vec::len), Some(2));
    // Audit trails name who holds each key, once it is named.
    let hash = freshroute_service::auth::hash(&rui);
    assert!(
        store
            .rename_api_key(&hash, "Rui Sousa")
            .await
            .expect("rename")
    );
    let r = call(&app, "GET", &uri, &ana, None).await;
    let names: Vec<&Value> = r.body["approved_by"]
        .as_array()
        .map(|a| a.iter().map(|w| &w["name"]).collect())
        .unwrap_or_default();
    assert_eq!(
        names,
        [&Value::Null, &json!("Rui Sousa")],
        "{}",
        r.body["approved_by"]
    );
    assert!(
        r.body["events"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["by"]["name"] == json!("Rui Sousa"))),
        "{}",
        r.body["events"]
    );
    assert!(
        r.body["created"]
            .as_str()
            .is_some_and(|t| t.ends_with("+00:00")),
        "{}",
        r.body["created"]
    );
    let r = call(
        &app,
        "PATCH",
        &uri,
        &ana,
        Some(json!({"lines": [{"sku": sku, "cases": 1}]})),
    )
    .await;
    assert_eq!(
        code(&r),
        (StatusCode::CONFLICT, Some("order_already_approved"))
    );

    // Sent: no more edits or rejections; confirmed; received into lots.
    let r = call(&app, "POST", &format!("{uri}/confirm"), &ana, None).await;
    assert_eq!(code(&r), (StatusCode::CONFLICT, Some("invalid_transition")));
    let r = call(&app, "POST", &format!("{uri}/send"), &ana, None).await;
    assert_eq!(r.body["status"], "sent", "{:?}", r.body);
    let r = call(
        &app,
        "PATCH",
        &uri,
        &ana,
        Some(json!({"lines": [{"sku": sku, "cases": 1}]})),
    )
    .await;
    assert_eq!(code(&r), (StatusCode::CONFLICT, Some("order_already_sent")));
    let r = call(
        &app,
        "POST",
        &format!("{uri}/reject"),
        &ana,
        Some(json!({"reason": "too late"})),
    )
    .await;
    assert_eq!(code(&r), (StatusCode::CONFLICT, Some("order_already_sent")));
    let r = call(&app, "POST", &format!("{uri}/confirm"), &rui, None).await;
    assert_eq!(r.body["status"], "confirmed");
    let receive = format!("{uri}/receive");
    let lot = |sku: &str, number: &str, expiry: &str, units: f64| json!({"sku": sku, "lot_number": number, "expiry_date": expiry, "units": units});
    let r = call(
        &app,
        "POST",
        &receive,
        &ana,
        Some(json!({"lots": [lot(&sku, "L-1", "2020-01-01", 5.0)]})),
    )
    .await;
    assert_eq!(
        code(&r),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("expired_lot"))
    );
    let r = call(
        &app,
        "POST",
        &receive,
        &ana,
        Some(json!({"lots": [lot(&foreign, "L-1", "2099-01-01", 5.0)]})),
    )
    .await;
    assert_eq!(
        code(&r),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_article"))
    );
    let r = call(
        &app,
        "POST",
        &receive,
        &ana,
        Some(json!({"lots": [lot(&sku, "L-1", "2099-01-01", -5.0)]})),
    )
    .await;
    assert_eq!(
        code(&r),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("negative_stock"))
    );
    // Scanned: the case's GS1 label in place of article, lot and last day. A label that
    // does not read, or names no article, is refused at the scan with why.
    let gtin = data()
        .catalog
        .skus
        .iter()
        .find(|a| a.id == sku)
        .and_then(|a| a.gtin.clone())
        .expect("the article's GTIN");
    let scanned = |label: String, units: f64| json!({"scan": label, "units": units});
    let refused = |body: Value| call(&app, "POST", &receive, &ana, Some(body));
    let mut wrong_check = gtin.clone();
    let last = wrong_check
        .pop()
        .and_then(|c| c.to_digit(10))
        .expect("a digit");
    wrong_check.push(char::from_digit((last + 1) % 10, 10).expect("a digit"));
    for (label, want) in [
        (
            format!("(01){wrong_check}(17)300105(10)L-1"),
            "gs1_bad_check_digit",
        ),
        (
            "(01)05601234567892(17)300105(10)L-1".to_string(),
            "unknown_gtin",
        ),
        (format!("(01){gtin}(10)L-1"), "gs1_incomplete"),
    ] {
        let r = refused(json!({"lots": [scanned(label, 1.0)]})).await;
        assert_eq!(
            (code(&r), r.body["field"].as_str()),
            (
                (StatusCode::UNPROCESSABLE_ENTITY, Some(want)),
                Some("lots[0].scan")
            ),
            "{:?}",
            r.body
        );
    }
    let both = json!({"lots": [{"scan": format!("(01){gtin}(17)300105(10)L-1"), "sku": sku, "units": 1.0}]});
    assert_eq!(
        code(&refused(both).await),
        (StatusCode::BAD_REQUEST, Some("scan_and_fields"))
    );
    let neither = json!({"lots": [{"sku": sku, "lot_number": "L-1", "units": 1.0}]});
    let r = refused(neither).await;
    assert_eq!(
        (code(&r), r.body["field"].as_str()),
        (
            (StatusCode::BAD_REQUEST, Some("missing_field")),
            Some("lots[0].expiry_date")
        )
    );

    // A partial delivery, scanned, leaves the order open with what is missing; the rest
    // closes it.
    let units = edited["units"].as_f64().expect("units");
    let label = format!("]C101{gtin}17300105\u{1d}10L-7730");
    let r = call(
        &app,
        "POST",
        &receive,
        &ana,
        Some(json!({"lots": [scanned(label, units - 2.0)]})),
    )
    .await;
    assert_eq!(r.body["status"], "confirmed", "{:?}", r.body);
    let missing = r.body["missing"].as_array().cloned().unwrap_or_default();
    let short = missing.iter().find(|m| m["sku"] == json!(sku));
    assert!(
        short.is_some_and(|m| m["received_units"] == json!(units - 2.0)
            && m["missing_units"].as_f64() == m["ordered_units"].as_f64().map(|o| o - units + 2.0)),
        "{missing:?}"
    );
    let rest: Vec<Value> = missing
        .iter()
        .enumerate()
        .map(|(k, m)| {
            let number = if m["sku"] == json!(sku) {
                "L-7731".to_string()
            } else {
                format!("L-9{k}")
            };
            lot(
                m["sku"].as_str().expect("sku"),
                &number,
                "2099-01-05",
                m["missing_units"].as_f64().expect("units"),
            )
        })
        .collect();
    let r = call(&app, "POST", &receive, &ana, Some(json!({"lots": rest}))).await;
    assert_eq!(r.body["status"], "received", "{:?}", r.body);
    assert_eq!(r.body["missing"], json!([]), "{:?}", r.body);
    assert!(
        r.body["lots"]
            .as_array()
            .is_some_and(|l| l.iter().any(|l| l["lot_number"] == "L-7731"))
    );
    let r = call(
        &app,
        "POST",
        &receive,
        &ana,
        Some(json!({"lots": [lot(&sku, "L-8", "2099-01-05", 1.0)]})),
    )
    .await;
    assert_eq!(code(&r), (StatusCode::CONFLICT, Some("invalid_transition")));
    let r = call(
        &app,
        "GET",
        &format!("/v1/stock?store_id={STORE}"),
        &ana,
        None,
    )
    .await;
    let lots = r.body["lots"].as_array().expect("lots");
    let of_sku: Vec<&str> = lots
        .iter()
        .filter(|l| l["sku"] == json!(sku))
        .filter_map(|l| l["lot_number"].as_str())
        .collect();
    assert_eq!(of_sku, ["L-7730", "L-7731"], "{lots:?}");
    assert!(lots.iter().all(|l| {
        let scanned = l["lot_number"] == "L-7730";
        l["expiry_date"] == if scanned { "2030-01-05" } else { "2099-01-05" }
            && l["purchase_order_id"].as_str() == Some(ids[0].as_str())
    }));

    // The audit trail: who did what, in order.
    let r = call(&app, "GET", &uri, &admin, None).await;
    let trail: Vec<&str> = r.body["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    assert_eq!(
        trail,
        [
            "proposed",
            "edited",
            "approved",
            "edited",
            "approved",
            "approved",
            "sent",
            "confirmed",
            "received_in_part",
            "received"
        ]
    );
    let actors: Vec<&str> = r.body["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["actor"].as_str().expect("actor"))
        .collect();
    assert_ne!(actors[4], actors[5], "two different approvers");
    assert!(actors[1].starts_with("planner:"));
    assert_eq!(
        r.body["events"][1]["detail"]["edit_cost_cents"].as_i64(),
        Some(cost)
    );

    // Below the threshold one approval is enough; a rejection needs a reason.
    let second = format!("/v1/purchase-orders/{}", ids[1]);
    let r = call(&single, "POST", &format!("{second}/approve"), &rui, None).await;
    assert_eq!(r.body["status"], "approved", "{:?}", r.body);
    let third = format!("/v1/purchase-orders/{}", ids[2]);
    let r = call(
        &app,
        "POST",
        &format!("{third}/reject"),
        &ana,
        Some(json!({"reason": " "})),
    )
    .await;
    assert_eq!(code(&r), (StatusCode::BAD_REQUEST, Some("invalid_text")));
    let r = call(
        &app,
        "POST",
        &format!("{third}/reject"),
        &ana,
        Some(json!({"reason": "the terrace is closed this week"})),
    )
    .await;
    assert_eq!(
        (r.body["status"].as_str(), r.body["reason"].as_str()),
        (Some("rejected"), Some("the terrace is closed this week"))
    );
    let r = call(&app, "POST", &format!("{third}/approve"), &rui, None).await;
    assert_eq!(code(&r), (StatusCode::CONFLICT, Some("order_closed")));

    // Counts: negative stock refused; a count replaces the store's lots.
    let r = call(
        &app,
        "PUT",
        &format!("/v1/stock/{STORE}"),
        &ana,
        Some(json!({"lots": [lot(&sku, "C-1", "2099-01-01", -2.0)]})),
    )
    .await;
    assert_eq!(
        code(&r),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("negative_stock"))
    );
    let r = call(
        &app,
        "PUT",
        &format!("/v1/stock/{STORE}"),
        &ana,
        Some(json!({"lots": [lot(&sku, "C-1", "2099-01-01", 2.5)]})),
    )
    .await;
    assert_eq!(
        (code(&r), r.body["field"].as_str()),
        (
            (StatusCode::UNPROCESSABLE_ENTITY, Some("fractional_units")),
            Some("lots[0].units")
        )
    );
    // A count moves the ledger to what was counted: the scanned lot counted short, the
    // rest gone.
    let r = call(
        &app,
        "PUT",
        &format!("/v1/stock/{STORE}"),
        &ana,
        Some(json!({"lots": [lot(&sku, "L-7730", "2030-01-05", 1.0)]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let after: Vec<(&str, i64)> = r.body["lots"]
        .as_array()
        .expect("lots")
        .iter()
        .map(|l| {
            (
                l["lot_number"].as_str().unwrap_or(""),
                l["units"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(after, [("L-7730", 1)]);
    let r = call(
        &app,
        "PUT",
        &format!("/v1/stock/{STORE}"),
        &ana,
        Some(json!({"lots": [lot(&sku, "L-7730", "2031-01-05", 1.0)]})),
    )
    .await;
    assert_eq!(
        code(&r),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_value")),
        "a lot number known with another last day: {:?}",
        r.body
    );
    let r = call(
        &app,
        "PUT",
        "/v1/stock/nowhere",
        &ana,
        Some(json!({"lots": []})),
    )
    .await;
    assert_eq!(code(&r), (StatusCode::NOT_FOUND, Some("unknown_store")));

    // A second round supersedes proposals nobody acted on, and leaves the others.
    let r = call(&app, "POST", "/v1/procurement/rounds", &admin, Some(round)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    for (id, status) in [
        (&ids[0], "received"),
        (&ids[1], "approved"),
        (&ids[2], "rejected"),
    ] {
        let r = call(
            &app,
            "GET",
            &format!("/v1/purchase-orders/{id}"),
            &ana,
            None,
        )
        .await;
        assert_eq!(r.body["status"], status);
    }
    for id in &ids[3..] {
        let r = call(
            &app,
            "GET",
            &format!("/v1/purchase-orders/{id}"),
            &ana,
            None,
        )
        .await;
        assert_eq!(r.body["status"], "superseded");
    }
}

#[tokio::test]
async fn planners_run_rounds_and_take_orders_through_approval_to_stock() {
    common::on_both(workflow).await;
}
