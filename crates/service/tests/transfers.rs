//! Transfers over HTTP: two Porto stores after a planning round, one holding milk that
//! will expire unsold, the other holding none. The proposer moves milk from one to the
//! other and says why; planners edit, approve and reject by version; an approval takes
//! the donor's units (a donor that sold out meanwhile moves nothing and is refused);
//! delivery brings them in; a recall flags a transfer on its way. On SQLite, and again
//! on PostgreSQL when `FRESHROUTE_TEST_POSTGRES_URL` is set.

#[allow(dead_code)]
mod common;

use common::{call, key, monaco, on_both};
use freshroute_service::rules::FixRules;
use freshroute_service::{AppState, Clock, RateLimit, router};
use freshroute_store::{AnyStore, Role, Storage};
use serde_json::{Value, json};

const DONOR: &str = "porto-aliados";
const RECEIVER: &str = "porto-ribeira";
/// 2026-12-01 09:00 in Lisbon (UTC in winter).
const MORNING_MS: i64 = 1_796_115_600_000;

fn units_of(stock: &Value, store: &str, sku: &str) -> i64 {
    stock["lots"]
        .as_array()
        .expect("lots")
        .iter()
        .filter(|l| l["store_id"] == store && l["sku"] == sku)
        .map(|l| l["units"].as_i64().expect("units"))
        .sum()
}

async fn transfers_flow(store: AnyStore) {
    for (id, lat) in [(DONOR, 41.1496), (RECEIVER, 41.1406)] {
        let mut shop = common::porto_shop(id);
        shop.lat = lat;
        store.insert_shop(&shop).await.expect("store");
    }
    let admin = key(&store, Role::Admin, None).await;
    let ana = key(&store, Role::Planner, None).await;
    let dispatcher = key(&store, Role::Dispatcher, None).await;
    let mut state = AppState::load(
        store.clone(),
        monaco(),
        FixRules::default(),
        RateLimit::default(),
    )
    .await
    .expect("state");
    state.clock = Clock::manual(MORNING_MS);
    let app = router(state.clone());
    // Without a round there is no forecast to weigh.
    let r = call(&app, "POST", "/v1/transfers/propose", Some(&ana), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["notice"], "no_catalog");
    state.procurement = Some(common::running::procurement_data());
    let app = router(state.clone());
    let r = call(&app, "POST", "/v1/transfers/propose", Some(&ana), None).await;
    assert_eq!(r.body["notice"], "no_round", "{}", r.body);
    // Milk at the donor ending tomorrow, far more than it sells; none at the receiver.
    let milk = json!({"lots": [{"sku": "MILK-WHOLE", "lot_number": "M-1",
        "expiry_date": "2026-12-02", "units": 300}]});
    let r = call(
        &app,
        "PUT",
        &format!("/v1/stock/{DONOR}"),
        Some(&ana),
        Some(milk),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let round = json!({"date": "2026-12-01", "stores": [DONOR, RECEIVER]});
    let r = call(
        &app,
        "POST",
        "/v1/procurement/rounds",
        Some(&ana),
        Some(round),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = call(&app, "POST", "/v1/transfers/propose", Some(&ana), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let proposals = r.body["transfers"].as_array().expect("transfers").clone();
    let t = proposals
        .iter()
        .find(|t| t["sku"] == "MILK-WHOLE")
        .unwrap_or_else(|| panic!("milk moves: {}", r.body));
    assert_eq!(
        (&t["from_store"], &t["to_store"], &t["status"]),
        (&json!(DONOR), &json!(RECEIVER), &json!("proposed"))
    );
    let proposed = t["units"].as_i64().expect("units");
    assert!(proposed > 0);
    assert!(t["why"]["saves_waste_units"].as_f64().expect("saved") > 0.0);
    assert!(
        t["why"]["summary"]
            .as_str()
            .expect("summary")
            .contains("would throw away"),
        "{t}"
    );
    let id = t["id"].as_str().expect("id").to_string();
    // Dispatchers read transfers; couriers do not.
    let r = call(
        &app,
        "GET",
        "/v1/transfers?status=proposed",
        Some(&dispatcher),
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(
        r.body["transfers"]
            .as_array()
            .expect("list")
            .iter()
            .any(|x| x["id"] == id.as_str())
    );
    let r = call(&app, "GET", "/v1/transfers?status=lost", Some(&ana), None).await;
    assert_eq!(
        (r.status.as_u16(), r.body["code"].as_str()),
        (400, Some("invalid_status"))
    );
    // Edits: whole units at the version read.
    let uri = format!("/v1/transfers/{id}");
    for (body, status, code) in [
        (json!({"version": 1, "units": 2.5}), 422, "invalid_units"),
        (json!({"version": 7, "units": 5}), 409, "changed_meanwhile"),
    ] {
        let r = call(&app, "PATCH", &uri, Some(&ana), Some(body)).await;
        assert_eq!(
            (r.status.as_u16(), r.body["code"].as_str()),
            (status, Some(code)),
            "{}",
            r.body
        );
    }
    let r = call(
        &app,
        "PATCH",
        &uri,
        Some(&ana),
        Some(json!({"version": 1, "units": 5})),
    )
    .await;
    assert_eq!(
        (r.body["units"].as_i64(), r.body["version"].as_i64()),
        (Some(5), Some(2)),
        "{}",
        r.body
    );
    let r = call(
        &app,
        "POST",
        &format!("{uri}/approve"),
        Some(&dispatcher),
        Some(json!({"version": 2})),
    )
    .await;
    assert_eq!(
        r.status, 403,
        "dispatchers read transfers; planners decide them"
    );
    let r = call(
        &app,
        "POST",
        &format!("{uri}/approve"),
        Some(&ana),
        Some(json!({"version": 2})),
    )
    .await;
    assert_eq!(r.body["status"], "approved", "{}", r.body);
    let r = call(
        &app,
        "POST",
        &format!("{uri}/approve"),
        Some(&ana),
        Some(json!({"version": 3})),
    )
    .await;
    assert_eq!(r.body["code"], "transfer_not_open");
    let r = call(&app, "GET", "/v1/stock", Some(&ana), None).await;
    assert_eq!(
        units_of(&r.body, DONOR, "MILK-WHOLE"),
        295,
        "five units left the donor"
    );
    assert_eq!(
        units_of(&r.body, RECEIVER, "MILK-WHOLE"),
        0,
        "and are on their way"
    );
    // Units on their way count as the receiver's: the proposer does not send them twice.
    let r = call(&app, "POST", "/v1/transfers/propose", Some(&ana), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let again = r.body["transfers"]
        .as_array()
        .expect("transfers")
        .iter()
        .filter(|t| t["sku"] == "MILK-WHOLE" && t["to_store"] == RECEIVER)
        .map(|t| t["units"].as_i64().expect("units"))
        .sum::<i64>();
    assert!(
        again <= proposed - 5,
        "{again} more units proposed while 5 of {proposed} are on the way: {}",
        r.body
    );
    // Delivered: in the receiver's stock, the same lot.
    let r = call(
        &app,
        "POST",
        &format!("{uri}/delivered"),
        Some(&dispatcher),
        None,
    )
    .await;
    assert_eq!(r.body["status"], "delivered", "{}", r.body);
    let r = call(&app, "GET", "/v1/stock", Some(&ana), None).await;
    assert_eq!(units_of(&r.body, RECEIVER, "MILK-WHOLE"), 5);
    let r = call(
        &app,
        "POST",
        "/v1/transfers/TR-none/delivered",
        Some(&ana),
        None,
    )
    .await;
    assert_eq!(
        (r.status.as_u16(), r.body["code"].as_str()),
        (404, Some("unknown_transfer"))
    );
    // A donor that sold out meanwhile: nothing moves, the transfer is stale.
    let r = call(&app, "POST", "/v1/transfers/propose", Some(&ana), None).await;
    let next = r.body["transfers"]
        .as_array()
        .expect("transfers")
        .iter()
        .find(|t| t["sku"] == "MILK-WHOLE" && t["from_store"] == DONOR)
        .cloned()
        .unwrap_or_else(|| panic!("milk still moves: {}", r.body));
    let empty = json!({"lots": []});
    call(
        &app,
        "PUT",
        &format!("/v1/stock/{DONOR}"),
        Some(&ana),
        Some(empty),
    )
    .await;
    let next_uri = format!("/v1/transfers/{}", next["id"].as_str().expect("id"));
    let r = call(
        &app,
        "POST",
        &format!("{next_uri}/approve"),
        Some(&ana),
        Some(json!({"version": 1})),
    )
    .await;
    assert_eq!(
        (r.status.as_u16(), r.body["code"].as_str()),
        (409, Some("donor_short")),
        "{}",
        r.body
    );
    let r = call(&app, "GET", "/v1/transfers?status=stale", Some(&ana), None).await;
    assert_eq!(r.body["transfers"].as_array().expect("list").len(), 1);
    // A recall flags a transfer on its way: milk back at the donor, a transfer approved.
    let milk = json!({"lots": [{"sku": "MILK-WHOLE", "lot_number": "M-2",
        "expiry_date": "2026-12-02", "units": 300}]});
    call(
        &app,
        "PUT",
        &format!("/v1/stock/{DONOR}"),
        Some(&ana),
        Some(milk),
    )
    .await;
    let r = call(&app, "POST", "/v1/transfers/propose", Some(&ana), None).await;
    let third = r.body["transfers"]
        .as_array()
        .expect("transfers")
        .iter()
        .find(|t| t["sku"] == "MILK-WHOLE")
        .cloned()
        .unwrap_or_else(|| panic!("milk moves again: {}", r.body));
    let third_uri = format!("/v1/transfers/{}", third["id"].as_str().expect("id"));
    let r = call(
        &app,
        "POST",
        &format!("{third_uri}/approve"),
        Some(&ana),
        Some(json!({"version": 1})),
    )
    .await;
    assert_eq!(r.body["status"], "approved", "{}", r.body);
    let r = call(
        &app,
        "POST",
        "/v1/lots/MILK-WHOLE:M-2/recall",
        Some(&ana),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["transfers_on_the_way"], json!([third["id"]]));
    let r = call(
        &app,
        "POST",
        &format!("{third_uri}/delivered"),
        Some(&dispatcher),
        None,
    )
    .await;
    assert_eq!(r.body["recalled_lot"], "MILK-WHOLE:M-2", "{}", r.body);
    let r = call(&app, "GET", "/v1/stock", Some(&admin), None).await;
    assert_eq!(
        units_of(&r.body, RECEIVER, "MILK-WHOLE"),
        5,
        "the recalled milk is off sale"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planners_propose_decide_and_deliver_transfers_and_a_recall_flags_one_on_its_way() {
    on_both(transfers_flow).await;
}
