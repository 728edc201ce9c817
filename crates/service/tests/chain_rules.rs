//! The chain's own rules, refused alike on SQLite and PostgreSQL: orders while a store is
//! closed (and taken for the opening when no time is named), customers beyond the
//! delivery radius, orders given to couriers off duty or retired; couriers' rosters and
//! duty in local time, changed and retired through the API.

#[allow(dead_code)]
mod common;

use axum::Router;
use common::{Reply, key, monaco, on_both};
use freshroute_service::rules::FixRules;
use freshroute_service::{AppState, Clock, RateLimit, router};
use freshroute_store::{AnyStore, Role, Storage, Zone};
use serde_json::{Value, json};

/// Thursday 2026-12-03, 06:00 in Monaco (UTC+1 in winter): where the clock starts.
const THURSDAY_6: &str = "2026-12-03T06:00:00+01:00";

fn ms(iso: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(iso)
        .expect("ISO 8601")
        .timestamp_millis()
}

struct Chain {
    app: Router,
    clock: Clock,
    dispatcher: String,
    store: AnyStore,
}

impl Chain {
    async fn new(store: AnyStore) -> Self {
        let dispatcher = key(&store, Role::Dispatcher, None).await;
        let mut state = AppState::load(
            store.clone(),
            monaco(),
            FixRules::default(),
            RateLimit::default(),
        )
        .await
        .expect("state");
        let clock = Clock::manual(ms(THURSDAY_6));
        state.clock = clock.clone();
        state.time_zone = "Europe/Monaco".parse::<Zone>().expect("zone");
        let chain = Self {
            app: router(state),
            clock,
            dispatcher,
            store,
        };
        let r = chain
            .call("POST", "/v1/stores", Some(json!({
                "id": "mc-casino", "name": "Casino", "address": "Place du Casino",
                "location": {"type": "Point", "coordinates": [7.4275, 43.7396]},
                "opening_hours": [{"days": ["mon", "tue", "wed", "thu", "fri"], "opens": "08:00", "closes": "20:00"}],
                "storage": {"frozen_litres": 100, "chilled_litres": 100, "ambient_litres": 100}})))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["properties"]["time_zone"], json!("Europe/Monaco"));
        chain
    }

    async fn call(&self, method: &str, uri: &str, body: Option<Value>) -> Reply {
        common::call(&self.app, method, uri, Some(&self.dispatcher), body).await
    }

    /// Moves the clock (only forward).
    fn at(&self, iso: &str) {
        self.clock.set_ms(ms(iso));
        assert_eq!(self.clock.now_ms(), ms(iso), "the clock moves only forward");
    }
}

fn order(id: &str, times: Option<(&str, &str)>, lon: f64, lat: f64) -> Value {
    let mut o = json!({
        "id": id, "store_id": "mc-casino",
        "customer": {"name": "Léa", "address": "Quai Antoine 1er",
            "location": {"type": "Point", "coordinates": [lon, lat]}},
        "items": [{"sku": "gelato-500", "quantity": 1, "class": "frozen"}]});
    if let Some((ready, promised)) = times {
        o["ready_at"] = json!(ready);
        o["promised_by"] = json!(promised);
    }
    o
}

fn refusal(r: &Reply) -> (u16, Option<&str>, Option<&str>) {
    (
        r.status.as_u16(),
        r.body["code"].as_str(),
        r.body["field"].as_str(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_follow_the_stores_hours_and_delivery_radius() {
    on_both(|store| async move {
        let c = Chain::new(store).await;
        c.at("2026-12-03T09:00:00+01:00");
        // Open: an order with no times is ready in 10 minutes, promised 25 after.
        let r = c
            .call(
                "POST",
                "/v1/orders",
                Some(order("o-1", None, 7.4206, 43.7347)),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(
            ms(r.body["properties"]["ready_at"].as_str().expect("ready")),
            ms("2026-12-03T09:10:00+01:00")
        );
        assert_eq!(
            ms(r.body["properties"]["promised_by"]
                .as_str()
                .expect("promise")),
            ms("2026-12-03T09:35:00+01:00")
        );
        // The order's history names who took it, by key and by name.
        let hash = freshroute_service::auth::hash(&c.dispatcher);
        assert!(
            c.store
                .rename_api_key(&hash, "Rita Almeida")
                .await
                .expect("rename")
        );
        let r = c.call("GET", "/v1/orders/o-1", None).await;
        let first = &r.body["properties"]["events"][0];
        assert!(
            first["by"]
                .as_str()
                .is_some_and(|b| b.starts_with("dispatcher:")),
            "{first}"
        );
        assert_eq!(first["by_name"], json!("Rita Almeida"), "{first}");
        // Ready at 21:00, after closing: refused, naming the next opening.
        let late = order(
            "o-2",
            Some(("2026-12-03T21:00:00+01:00", "2026-12-03T21:30:00+01:00")),
            7.4206,
            43.7347,
        );
        let r = c.call("POST", "/v1/orders", Some(late)).await;
        assert_eq!(
            refusal(&r),
            (422, Some("store_closed"), Some("ready_at")),
            "{}",
            r.body
        );
        assert!(
            r.body["message"]
                .as_str()
                .is_some_and(|m| m.contains("2026-12-04T08:00:00+01:00")),
            "{}",
            r.body
        );
        // Friday 23:00 with no times: taken for Monday's opening.
        c.at("2026-12-04T23:00:00+01:00");
        let r = c
            .call(
                "POST",
                "/v1/orders",
                Some(order("o-3", None, 7.4206, 43.7347)),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(
            ms(r.body["properties"]["ready_at"].as_str().expect("ready")),
            ms("2026-12-07T08:10:00+01:00")
        );
        // Nice, 14 km away: beyond the 8 km radius.
        c.at("2026-12-07T09:00:00+01:00");
        let r = c
            .call(
                "POST",
                "/v1/orders",
                Some(order("o-4", None, 7.2620, 43.6960)),
            )
            .await;
        assert_eq!(
            refusal(&r),
            (
                422,
                Some("beyond_delivery_radius"),
                Some("customer.location")
            ),
            "{}",
            r.body
        );
        // The store's hours changed to close at 22:00: a 21:00 order is taken.
        let r = c
            .call(
                "PATCH",
                "/v1/stores/mc-casino",
                Some(json!({"opening_hours":
            [{"days": ["mon", "tue", "wed", "thu", "fri"], "opens": "08:00", "closes": "22:00"}]})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            r.body["properties"]["name"],
            json!("Casino"),
            "the rest is kept"
        );
        let evening = order(
            "o-5",
            Some(("2026-12-07T21:00:00+01:00", "2026-12-07T21:30:00+01:00")),
            7.4206,
            43.7347,
        );
        let r = c.call("POST", "/v1/orders", Some(evening)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        for (change, expected) in [
            (
                json!({"id": "mc-other"}),
                (400, Some("immutable_field"), Some("id")),
            ),
            (
                json!({"time_zone": "Europe/Nowhere"}),
                (400, Some("unknown_time_zone"), Some("time_zone")),
            ),
            (
                json!({"opening_hours": [{"days": ["mon"], "opens": "08:00", "closes": "08:00"}]}),
                (400, Some("empty_hours"), Some("opening_hours[0].closes")),
            ),
            (
                json!({"storage": {"frozen_litres": 1}}),
                (422, Some("invalid_body"), Some("storage.chilled_litres")),
            ),
        ] {
            let r = c.call("PATCH", "/v1/stores/mc-casino", Some(change)).await;
            assert_eq!(refusal(&r), expected, "{}", r.body);
        }
        // Retired only once its open orders are done; then it takes no new one.
        let r = c.call("DELETE", "/v1/stores/mc-casino", None).await;
        assert_eq!(
            refusal(&r),
            (409, Some("store_has_orders"), None),
            "{}",
            r.body
        );
        for id in ["o-1", "o-3", "o-5"] {
            let r = c
                .call(
                    "POST",
                    &format!("/v1/orders/{id}/status"),
                    Some(json!({"status": "cancelled", "reason": "store closing"})),
                )
                .await;
            assert_eq!(r.status, 200, "{id}: {}", r.body);
        }
        let r = c.call("DELETE", "/v1/stores/mc-casino", None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body["properties"]["retired"].is_string(), "{}", r.body);
        let r = c
            .call(
                "POST",
                "/v1/orders",
                Some(order("o-6", None, 7.4206, 43.7347)),
            )
            .await;
        assert_eq!(
            refusal(&r),
            (409, Some("store_retired"), Some("store_id")),
            "{}",
            r.body
        );
        let r = c
            .call(
                "PATCH",
                "/v1/stores/mc-casino",
                Some(json!({"name": "Casino 2"})),
            )
            .await;
        assert_eq!(refusal(&r), (409, Some("store_retired"), None));
        let r = c.call("GET", "/v1/stores/mc-casino", None).await;
        assert_eq!(r.status, 200, "kept for history: {}", r.body);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_go_only_to_couriers_on_duty_by_their_roster() {
    on_both(|store| async move {
        let c = Chain::new(store).await;
        let r = c.call("POST", "/v1/couriers", Some(json!({
            "id": "c-1", "name": "Inès", "profile": "scooter", "box_capacity": 10,
            "skills": ["frozen"], "device_id": "901",
            "roster": {"weekly": [{"days": ["mon", "tue", "wed", "thu", "fri"], "starts": "10:00", "ends": "18:00"}],
                       "exceptions": [{"date": "2026-12-08", "kind": "off"}]}}))).await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["time_zone"], json!("Europe/Monaco"));
        assert_eq!(r.body["shift"], Value::Null, "06:00: the shift is four hours off");
        // Plan mode reads the same roster: off duty, a pickup breaks `off_duty`.
        let fix = json!({"fixes": [{"courier_id": "c-1", "time": "2026-12-03T06:00:00+01:00",
            "lat": 43.7396, "lon": 7.4275, "accuracy_m": 5.0}]});
        let r = c.call("POST", "/v1/fixes", Some(fix)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = c.call("POST", "/v1/orders", Some(order("o-1", Some(("2026-12-03T08:10:00+01:00", "2026-12-03T08:40:00+01:00")), 7.4206, 43.7347))).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let route = json!({"courier_id": "c-1", "stops": [
            {"order_id": "o-1", "kind": "pickup"}, {"order_id": "o-1", "kind": "delivery"}]});
        let r = c.call("POST", "/v1/plan/check", Some(route.clone())).await;
        assert_eq!(r.body["feasible"], json!(false), "{}", r.body);
        assert_eq!(r.body["stops"][0]["violations"][0]["code"], json!("off_duty"), "{}", r.body);
        c.at("2026-12-03T07:00:00+01:00");
        let r = c.call("GET", "/v1/couriers/c-1", None).await;
        assert_eq!(r.body["shift"]["starts"], json!("2026-12-03T10:00:00+01:00"), "07:00: the next shift, within three hours");
        // A roster that does not read is refused with its path.
        let r = c.call("PATCH", "/v1/couriers/c-1", Some(json!({
            "roster": {"weekly": [{"days": ["mon"], "starts": "25:00", "ends": "18:00"}]}}))).await;
        assert_eq!(refusal(&r), (400, Some("invalid_time_of_day"), Some("roster.weekly[0].starts")));
        let r = c.call("PATCH", "/v1/couriers/c-1", Some(json!({"time_zone": "Mars/Olympus"}))).await;
        assert_eq!(refusal(&r), (400, Some("unknown_time_zone"), Some("time_zone")));
        for (capacity, code) in [(-1, "negative_capacity"), (2_000_000, "capacity_too_large")] {
            let r = c.call("PATCH", "/v1/couriers/c-1", Some(json!({"box_capacity": capacity}))).await;
            assert_eq!(refusal(&r), (400, Some(code), Some("box_capacity")));
        }
        // 07:00, its shift three hours off: an order ready at 08:10 cannot go to it; put
        // on duty now, it can.
        let assign = json!({"status": "assigned", "courier_id": "c-1"});
        let r = c.call("POST", "/v1/orders/o-1/status", Some(assign.clone())).await;
        assert_eq!(refusal(&r), (409, Some("courier_off_duty"), Some("courier_id")), "{}", r.body);
        let r = c.call("POST", "/v1/couriers/c-1/duty", Some(json!({"on_duty": true}))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["shift"]["starts"], json!("2026-12-03T07:00:00+01:00"));
        assert_eq!(r.body["shift"]["ends"], json!("2026-12-03T18:00:00+01:00"), "joins the rostered shift");
        // Its fix is an hour old: the planner leaves out a courier gone quiet, and so
        // does plan mode; a fresh fix, and the route holds.
        let r = c.call("POST", "/v1/plan/check", Some(route.clone())).await;
        assert_eq!(r.body["violations"][0]["code"], json!("position_stale"), "{}", r.body);
        let fix = json!({"fixes": [{"courier_id": "c-1", "time": "2026-12-03T07:00:00+01:00",
            "lat": 43.7347, "lon": 7.4206, "accuracy_m": 5.0}]});
        let r = c.call("POST", "/v1/fixes", Some(fix)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = c.call("POST", "/v1/plan/check", Some(route)).await;
        assert_eq!(r.body["feasible"], json!(true), "on duty now: {}", r.body);
        let r = c.call("POST", "/v1/orders/o-1/status", Some(assign.clone())).await;
        assert_eq!(r.status, 200, "{}", r.body);
        // Picked up before ready: allowed, and recorded.
        let r = c.call("POST", "/v1/orders/o-1/status", Some(json!({"status": "picked_up"}))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let events = r.body["properties"]["events"].as_array().cloned().unwrap_or_default();
        assert!(
            events.iter().any(|e| e["reason"].as_str().is_some_and(|m| m.starts_with("picked_up_before_ready"))),
            "{events:?}"
        );
        // A courier with an order cannot be retired; once it is delivered, it can, and
        // it is never given another.
        let r = c.call("DELETE", "/v1/couriers/c-1", None).await;
        assert_eq!(refusal(&r), (409, Some("courier_has_orders"), None));
        let r = c.call("POST", "/v1/orders/o-1/status", Some(json!({"status": "delivered"}))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        // Tuesday the 8th is its day off: no shift, even at noon.
        c.at("2026-12-08T12:00:00+01:00");
        let r = c.call("GET", "/v1/couriers/c-1", None).await;
        assert_eq!(r.body["shift"], Value::Null, "{}", r.body);
        let r = c.call("DELETE", "/v1/couriers/c-1", None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body["retired"].is_string());
        let r = c.call("POST", "/v1/orders", Some(order("o-2", None, 7.4206, 43.7347))).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let r = c.call("POST", "/v1/orders/o-2/status", Some(assign)).await;
        assert_eq!(refusal(&r), (409, Some("courier_retired"), Some("courier_id")));
        let r = c.call("PATCH", "/v1/couriers/c-1", Some(json!({"name": "Inês"}))).await;
        assert_eq!(refusal(&r), (409, Some("courier_retired"), None));
    })
    .await;
}
