//! One suite for every backend: always against a temporary SQLite file, and against
//! PostgreSQL when `FRESHROUTE_TEST_POSTGRES_URL` names a server (each run gets its own
//! fresh database there, dropped at the end).

use freshroute_store::{
    AfterAttempt, AlertLine, AnyStore, ApiKey, Attempt, Balance, Batch, Coupon, Courier, Crossing,
    Direction, FixRecord, Ingredient, Ledger, Lot, MoveKind, Movement, Notice, NoticeKind, Order,
    OrderEvent, OrderStatus, Outbox, PgStore, PlanStore, PlannedOrder, PoEvent, PoStatus,
    ProcurementRound, PurchaseOrder, Purchasing, Role, SaleDay, Sales, Session, Sessions, Shop,
    SqliteStore, StockAlerts, StockLot, StopOrder, StopOrders, Storage, StorageZone, StoreModel,
    StoredReply, Take, Webhook,
};
use serde_json::json;

fn courier(id: &str) -> Courier {
    Courier {
        id: id.to_string(),
        name: format!("Courier {id}"),
        profile: "scooter".to_string(),
        box_capacity: 12,
        skills: vec!["frozen".to_string()],
        time_zone: "UTC".to_string(),
        roster: Default::default(),
        duty: Some(freshroute_store::Duty {
            on: true,
            from_ms: 1_700_000_000_000,
            until_ms: 1_700_028_800_000,
        }),
        device_id: format!("device-{id}"),
        secret_hash: format!("secret-hash-{id}"),
        created_ms: 1_700_000_000_000,
        retired_ms: None,
    }
}

fn fix(courier_id: &str, fix_ms: i64, reason: Option<&str>) -> FixRecord {
    FixRecord {
        courier_id: courier_id.to_string(),
        fix_ms,
        server_ms: fix_ms + 500,
        lat: 41.1466,
        lon: -8.6112,
        speed_mps: Some(4.2),
        bearing_deg: None,
        altitude_m: Some(80.0),
        accuracy_m: Some(6.0),
        battery_pct: Some(77.0),
        source: "batch".to_string(),
        reason: reason.map(str::to_string),
    }
}

fn shop(id: &str) -> Shop {
    Shop {
        id: id.to_string(),
        name: format!("Store {id}"),
        address: "Rua de Santa Catarina 100, Porto".to_string(),
        lat: 41.1496,
        lon: -8.6066,
        snapped: json!({"scooter": {"coordinates": [-8.6067, 41.1495], "distance_m": 9}}),
        opening_hours: json!([{"days": ["mon", "tue"], "opens": "08:00", "closes": "20:00"}]),
        frozen_litres: 400,
        chilled_litres: 900,
        ambient_litres: 3_000,
        created_ms: 1_700_000_000_000,
        time_zone: "UTC".to_string(),
        retired_ms: None,
    }
}

fn order(id: &str, shop_id: &str, created_ms: i64) -> Order {
    Order {
        id: id.to_string(),
        shop_id: shop_id.to_string(),
        customer_name: "Ana".to_string(),
        customer_address: "Rua do Almada 10".to_string(),
        lat: 41.1480,
        lon: -8.6110,
        snapped: json!({"bike": {"coordinates": [-8.6111, 41.1481], "distance_m": 4}}),
        items: json!([{"sku": "ice-cream-500ml", "quantity": 2, "class": "frozen"}]),
        box_units: 2,
        ready_ms: created_ms + 600_000,
        promised_ms: created_ms + 1_800_000,
        status: OrderStatus::Placed,
        courier_id: None,
        tracking_hash: format!("tracking-{id}"),
        tracking_expires_ms: created_ms + 86_400_000,
        created_ms,
        updated_ms: created_ms,
        notes: format!("ring twice at {id}"),
    }
}

async fn shops_and_orders(s: &impl Storage) {
    // Stores: stored and read back whole, ids unique.
    s.insert_shop(&shop("s2")).await.expect("insert s2");
    s.insert_shop(&shop("s1")).await.expect("insert s1");
    assert_eq!(s.shop("s1").await.expect("read"), Some(shop("s1")));
    assert_eq!(s.shop("nowhere").await.expect("read"), None);
    let ids: Vec<String> = s
        .shops()
        .await
        .expect("list")
        .into_iter()
        .map(|x| x.id)
        .collect();
    assert_eq!(ids, ["s1", "s2"]);
    let again = s.insert_shop(&shop("s1")).await.expect_err("taken");
    assert_eq!(again.code(), "conflict", "{again}");
    // Changed and retired, read back as written.
    let mut changed = shop("s2");
    changed.name = "Bolhão 2".to_string();
    changed.time_zone = "Europe/Lisbon".to_string();
    changed.opening_hours = json!([{"days": ["mon"], "opens": "08:00", "closes": "02:00"}]);
    changed.retired_ms = Some(99);
    assert!(s.update_shop(&changed).await.expect("update"));
    assert_eq!(s.shop("s2").await.expect("read"), Some(changed));
    assert!(!s.update_shop(&shop("s9")).await.expect("update"));
    assert!(s.update_shop(&shop("s2")).await.expect("restore"));

    // Orders: stored with their first event, found by id and tracking hash.
    s.insert_order(&order("o1", "s1", 10), "dispatcher", None)
        .await
        .expect("insert o1");
    s.insert_order(&order("o2", "s2", 20), "dispatcher", None)
        .await
        .expect("insert o2");
    assert_eq!(
        s.order("o1").await.expect("read"),
        Some(order("o1", "s1", 10))
    );
    assert_eq!(
        s.order_by_tracking("tracking-o2")
            .await
            .expect("read")
            .map(|o| o.id),
        Some("o2".to_string())
    );
    assert_eq!(s.order_by_tracking("tracking-x").await.expect("read"), None);
    let taken = s
        .insert_order(&order("o1", "s1", 30), "admin", None)
        .await
        .expect_err("taken");
    assert_eq!(taken.code(), "conflict", "{taken}");

    // An order taken under an idempotency key keeps its answer, in the same
    // transaction: a second order under the same key is refused whole.
    let reply = StoredReply {
        scope: "key-1".to_string(),
        key: "retry-me".to_string(),
        request_hash: "h".to_string(),
        status: 201,
        body: json!({"id": "o4", "tracking": {"token": "t"}}),
        created_ms: 40,
    };
    s.insert_order(&order("o4", "s1", 40), "admin", Some(&reply))
        .await
        .expect("o4");
    assert_eq!(
        s.stored_reply("key-1", "retry-me").await.expect("read"),
        Some(reply.clone())
    );
    assert_eq!(
        s.stored_reply("key-2", "retry-me").await.expect("read"),
        None
    );
    let twice = s
        .insert_order(&order("o5", "s1", 41), "admin", Some(&reply))
        .await
        .expect_err("key taken");
    assert_eq!(twice.code(), "conflict", "{twice}");
    assert_eq!(s.order("o5").await.expect("read"), None);
    assert_eq!(s.delete_replies_before(40).await.expect("prune"), 0);
    assert_eq!(s.delete_replies_before(41).await.expect("prune"), 1);
    // A new tracking token replaces the old one.
    assert!(
        s.set_order_tracking("o4", "tracking-new", 99)
            .await
            .expect("set")
    );
    assert_eq!(
        s.order_by_tracking("tracking-o4").await.expect("read"),
        None
    );
    let o4 = s.order_by_tracking("tracking-new").await.expect("read");
    assert_eq!(
        o4.map(|o| (o.id, o.tracking_expires_ms)),
        Some(("o4".into(), 99))
    );
    assert!(!s.set_order_tracking("nope", "x", 1).await.expect("none"));
    let orphan = s
        .insert_order(&order("o3", "ghost", 30), "admin", None)
        .await
        .expect_err("no store");
    assert_eq!(orphan.code(), "missing_reference", "{orphan}");
    assert_eq!(
        s.order("o3").await.expect("read"),
        None,
        "nothing of it stays"
    );

    // Listing: newest first, filtered by status and store.
    let list = |st, shop: Option<&'static str>| async move {
        s.orders(st, shop, 10)
            .await
            .expect("list")
            .into_iter()
            .map(|o| o.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(list(None, None).await, ["o4", "o2", "o1"]);
    assert_eq!(list(None, Some("s1")).await, ["o4", "o1"]);
    assert_eq!(
        list(Some(OrderStatus::Assigned), None).await,
        Vec::<String>::new()
    );
    assert_eq!(s.orders(None, None, 1).await.expect("list").len(), 1);

    // Status changes: only from the status the caller saw; each one recorded.
    let assign = OrderEvent {
        order_id: "o1".to_string(),
        status: OrderStatus::Assigned,
        courier_id: Some("c1".to_string()),
        reason: None,
        actor: "dispatcher".to_string(),
        at_ms: 40,
    };
    assert!(
        s.update_order_status(OrderStatus::Placed, &assign, None)
            .await
            .expect("assign")
    );
    assert!(
        !s.update_order_status(OrderStatus::Placed, &assign, None)
            .await
            .expect("stale"),
        "a change from a status the order no longer has is refused"
    );
    let ghost = OrderEvent {
        courier_id: Some("ghost".to_string()),
        ..assign.clone()
    };
    let refused = s
        .update_order_status(OrderStatus::Assigned, &ghost, None)
        .await
        .expect_err("unknown courier");
    assert_eq!(refused.code(), "missing_reference", "{refused}");
    let o1 = s.order("o1").await.expect("read").expect("o1");
    assert_eq!(
        (o1.status, o1.courier_id.as_deref(), o1.updated_ms),
        (OrderStatus::Assigned, Some("c1"), 40)
    );
    let failed = OrderEvent {
        status: OrderStatus::Failed,
        reason: Some("customer absent".to_string()),
        actor: "courier:c1".to_string(),
        at_ms: 50,
        ..assign.clone()
    };
    assert!(
        s.update_order_status(OrderStatus::Assigned, &failed, None)
            .await
            .expect("fail")
    );
    let events = s.order_events("o1").await.expect("events");
    let first = OrderEvent {
        status: OrderStatus::Placed,
        courier_id: None,
        at_ms: 10,
        ..assign.clone()
    };
    assert_eq!(events, [first, assign, failed]);
}

/// Notices reach every webhook that wants them, with their status change; one delay per
/// order; attempts are logged and move deliveries on.
async fn outbox(s: &impl Outbox) {
    let hook = |id: &str, events: Vec<NoticeKind>| Webhook {
        id: id.to_string(),
        url: format!("http://127.0.0.1:9/{id}"),
        secret: format!("secret-{id}"),
        events,
        created_ms: 1,
        disabled_ms: None,
    };
    s.insert_webhook(&hook("all", vec![])).await.expect("all");
    s.insert_webhook(&hook("delays", vec![NoticeKind::Delayed]))
        .await
        .expect("delays");
    s.insert_webhook(&hook("off", vec![])).await.expect("off");
    assert!(s.disable_webhook("off", 2).await.expect("disable"));
    assert!(!s.disable_webhook("off", 3).await.expect("twice"));
    // Changed while on; a webhook switched off stays off.
    let kinds = [NoticeKind::Delayed, NoticeKind::EtaChanged];
    assert!(
        s.change_webhook("delays", "https://pos.example/v2", &kinds)
            .await
            .expect("change")
    );
    assert!(
        !s.change_webhook("off", "https://x.example", &[])
            .await
            .expect("off")
    );
    assert!(
        s.change_webhook(
            "delays",
            "http://127.0.0.1:9/delays",
            &[NoticeKind::Delayed]
        )
        .await
        .expect("back")
    );
    let refused = s
        .insert_webhook(&hook("all", vec![]))
        .await
        .expect_err("taken");
    assert_eq!(refused.code(), "conflict");
    let hooks = s.webhooks().await.expect("webhooks");
    assert_eq!(hooks.len(), 3);
    assert_eq!(hooks[1].events, [NoticeKind::Delayed]);
    assert_eq!(hooks[1].url, "http://127.0.0.1:9/delays");
    assert_eq!(hooks[2].disabled_ms, Some(2));

    s.insert_order(&order("o9", "s1", 100), "dispatcher", None)
        .await
        .expect("o9");
    let assign = OrderEvent {
        order_id: "o9".to_string(),
        status: OrderStatus::Assigned,
        courier_id: Some("c1".to_string()),
        reason: None,
        actor: "dispatcher".to_string(),
        at_ms: 200,
    };
    let assigned = Notice {
        id: 0,
        order_id: "o9".to_string(),
        kind: NoticeKind::Assigned,
        eta_ms: Some(900),
        payload: json!({"courier_id": "c1"}),
        at_ms: 200,
    };
    assert!(
        s.update_order_status(OrderStatus::Placed, &assign, Some(&assigned))
            .await
            .expect("assign")
    );
    let delayed = Notice {
        kind: NoticeKind::Delayed,
        eta_ms: Some(2_000),
        at_ms: 300,
        ..assigned.clone()
    };
    let coupon = Coupon {
        code: "FR-TEST".to_string(),
        order_id: "o9".to_string(),
        value_cents: 300,
        reason: "late".to_string(),
        created_ms: 300,
    };
    let first = s
        .record_notice(&delayed, Some(&coupon))
        .await
        .expect("delay");
    assert!(first.is_some());
    assert_eq!(
        s.record_notice(&delayed, Some(&coupon))
            .await
            .expect("again"),
        None,
        "one delay per order"
    );
    assert_eq!(s.coupon("o9").await.expect("coupon"), Some(coupon));
    let notices = s.notices("o9").await.expect("notices");
    assert_eq!(
        notices
            .iter()
            .map(|n| (n.kind, n.eta_ms))
            .collect::<Vec<_>>(),
        [
            (NoticeKind::Assigned, Some(900)),
            (NoticeKind::Delayed, Some(2_000))
        ]
    );
    assert_eq!(notices[0].payload, json!({"courier_id": "c1"}));

    // The assignment goes to "all"; the delay to "all" and "delays"; nothing to "off".
    let due = s.due_deliveries(1_000, 10).await.expect("due");
    let mut pairs: Vec<(NoticeKind, &str)> = due
        .iter()
        .map(|d| (d.notice.kind, d.webhook_id.as_str()))
        .collect();
    pairs.sort_by_key(|p| (p.0.as_str(), p.1));
    assert_eq!(
        pairs,
        [
            (NoticeKind::Assigned, "all"),
            (NoticeKind::Delayed, "all"),
            (NoticeKind::Delayed, "delays")
        ]
    );
    assert!(s.due_deliveries(250, 10).await.expect("early").len() == 1);
    let attempt = |webhook: &str, notice_id: i64, at_ms: i64, http_status: Option<i64>| Attempt {
        notice_id,
        webhook_id: webhook.to_string(),
        at_ms,
        http_status,
        error: http_status
            .is_none()
            .then(|| "connection refused".to_string()),
        duration_ms: 5,
    };
    let delay_id = first.expect("id");
    s.record_attempt(
        &attempt("delays", delay_id, 1_000, None),
        AfterAttempt::RetryAt(5_000),
    )
    .await
    .expect("retry");
    s.record_attempt(
        &attempt("all", delay_id, 1_000, Some(204)),
        AfterAttempt::Delivered,
    )
    .await
    .expect("delivered");
    s.record_attempt(
        &attempt("all", notices[0].id, 1_000, Some(500)),
        AfterAttempt::GiveUp,
    )
    .await
    .expect("give up");
    assert!(s.due_deliveries(4_999, 10).await.expect("due").is_empty());
    let later = s.due_deliveries(5_000, 10).await.expect("due later");
    assert_eq!(later.len(), 1);
    assert_eq!(
        (later[0].webhook_id.as_str(), later[0].attempts),
        ("delays", 1)
    );
    assert_eq!(later[0].secret, "secret-delays");
    let log = s.attempts("all", 10).await.expect("log");
    assert_eq!(
        log.iter().map(|a| a.http_status).collect::<Vec<_>>(),
        [Some(500), Some(204)],
        "newest first"
    );
    // Switching a webhook off cancels what was still due to it.
    assert!(s.disable_webhook("delays", 6_000).await.expect("off"));
    assert!(
        s.due_deliveries(i64::MAX, 10)
            .await
            .expect("due")
            .is_empty()
    );
}

/// The latest plan replaces the one before it whole; one naming an unknown order or
/// courier is refused and changes nothing.
fn round(id: &str, at: i64) -> ProcurementRound {
    ProcurementRound {
        id: id.to_string(),
        plan_date: "2026-12-01".to_string(),
        actor: "planner:test".to_string(),
        started_ms: at,
        finished_ms: at + 10,
        report: json!({ "stores": [] }),
    }
}

fn po(id: &str, round_id: &str, shop_id: &str, at: i64) -> PurchaseOrder {
    PurchaseOrder {
        id: id.to_string(),
        round_id: round_id.to_string(),
        shop_id: shop_id.to_string(),
        supplier_id: "dairy".to_string(),
        order_date: "2026-12-01".to_string(),
        delivery_date: "2026-12-02".to_string(),
        status: PoStatus::Proposed,
        value_cents: 12_000,
        lines: json!([{ "sku": "MILK", "cases": 5 }]),
        explanation: json!({ "why": "forecast" }),
        approvals: Vec::new(),
        reason: None,
        version: 1,
        created_ms: at,
        updated_ms: at,
    }
}

fn lot(shop_id: &str, number: &str, units: i64, po_id: Option<&str>) -> StockLot {
    StockLot {
        lot: Lot {
            id: Lot::supplier_lot_id("MILK", number),
            sku: "MILK".to_string(),
            lot_number: number.to_string(),
            expiry_date: "2026-12-09".to_string(),
            po_id: po_id.map(str::to_string),
            made_by: None,
            recalled_ms: None,
            created_ms: 50,
            expires_ms: None,
        },
        shop_id: shop_id.to_string(),
        zone: StorageZone::Chilled,
        units,
    }
}

/// Rounds, purchase orders and their receipts into the ledger, and counts, at stores of
/// its own.
async fn purchasing(s: &(impl Purchasing + Ledger)) {
    s.insert_shop(&shop("p1")).await.expect("insert p1");
    s.insert_shop(&shop("p2")).await.expect("insert p2");
    assert_eq!(s.latest_round().await.expect("none yet"), None);
    let model = StoreModel {
        round_id: "r1".to_string(),
        shop_id: "s1".to_string(),
        model: json!({ "articles": [] }),
        objective_cents: 4_200,
    };
    let first = [po("po1", "r1", "s1", 10), po("po2", "r1", "s2", 10)];
    s.record_round(&round("r1", 10), std::slice::from_ref(&model), &[], &first)
        .await
        .expect("first round");
    assert_eq!(s.store_model("r1", "s1").await.expect("model"), Some(model));
    assert_eq!(s.store_model("r1", "s2").await.expect("model"), None);
    // A second round replaces s1's open proposal, and leaves s2's (its model failed).
    s.record_round(
        &round("r2", 20),
        &[],
        &["s1".to_string()],
        &[po("po3", "r2", "s1", 20)],
    )
    .await
    .expect("second round");
    assert_eq!(
        s.latest_round().await.expect("read").map(|r| r.id),
        Some("r2".to_string())
    );
    let po1 = s.purchase_order("po1").await.expect("read").expect("po1");
    assert_eq!(po1.status, PoStatus::Superseded);
    assert_eq!(po1.version, 2);
    let open = s
        .purchase_orders(Some(PoStatus::Proposed), None, 10)
        .await
        .expect("list");
    let ids: Vec<&str> = open.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["po3", "po2"], "newest first");
    assert_eq!(
        s.purchase_orders(None, Some("s1"), 10)
            .await
            .expect("list")
            .len(),
        2
    );
    // Changes are compare-and-set on the version, each with its event.
    let mut approved = s.purchase_order("po3").await.expect("read").expect("po3");
    approved.status = PoStatus::Approved;
    approved.approvals = vec!["planner:a".to_string()];
    approved.version = 2;
    let event = |action: &str| PoEvent {
        po_id: "po3".to_string(),
        at_ms: 30,
        actor: "planner:a".to_string(),
        action: action.to_string(),
        detail: json!({}),
    };
    assert!(
        s.change_purchase_order(&approved, 1, &event("approved"), &[])
            .await
            .expect("approve")
    );
    assert!(
        !s.change_purchase_order(&approved, 1, &event("approved"), &[])
            .await
            .expect("stale"),
        "a change from a version seen before the last one is refused"
    );
    let mut received = approved.clone();
    received.status = PoStatus::Received;
    received.version = 3;
    let lots = [
        lot("p1", "L-1", 30, Some("po3")),
        lot("p1", "L-2", 12, Some("po3")),
    ];
    assert!(
        s.change_purchase_order(&received, 2, &event("received"), &lots)
            .await
            .expect("receive")
    );
    assert_eq!(
        s.purchase_order("po3").await.expect("read"),
        Some(received.clone())
    );
    let trail: Vec<String> = s
        .purchase_order_events("po3")
        .await
        .expect("events")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(trail, ["proposed", "approved", "received"]);
    assert_eq!(s.stock(Some("p1")).await.expect("lots"), lots);
    let receipt = s.lot_movements("MILK:L-1").await.expect("moves");
    assert_eq!(
        (
            receipt[0].kind,
            receipt[0].units,
            receipt[0].reference.as_deref()
        ),
        (MoveKind::Received, 30, Some("po3"))
    );
    // A lot number known with another last day refuses the whole change.
    let mut again = received.clone();
    again.version = 4;
    let other_day = StockLot {
        lot: Lot {
            expiry_date: "2027-01-01".to_string(),
            ..lot("p2", "L-1", 1, None).lot
        },
        ..lot("p2", "L-1", 1, None)
    };
    let refused = s
        .change_purchase_order(
            &again,
            3,
            &event("received"),
            &[lot("p2", "L-9", 3, None), other_day],
        )
        .await
        .expect_err("another last day");
    assert_eq!(refused.code(), "invalid_value");
    assert_eq!(
        s.purchase_order("po3")
            .await
            .expect("read")
            .map(|o| o.version),
        Some(3)
    );
    assert_eq!(
        s.stock(Some("p2")).await.expect("lots"),
        vec![],
        "nothing half-written"
    );
    assert_eq!(s.lot("MILK:L-9").await.expect("read"), None);
    // The same supplier lot delivered to a second store is the same lot.
    assert!(
        s.change_purchase_order(&again, 3, &event("received"), &[lot("p2", "L-1", 4, None)])
            .await
            .expect("receive")
    );
    let at_s2 = s.stock(Some("p2")).await.expect("lots");
    assert_eq!((at_s2[0].lot.id.as_str(), at_s2[0].units), ("MILK:L-1", 4));
    assert_eq!(
        at_s2[0].lot.po_id.as_deref(),
        Some("po3"),
        "as first received"
    );

    // A count brings the ledger to what was counted: differences, lot by lot.
    let diffs = s
        .count(
            "p1",
            &[lot("p1", "L-1", 25, None), lot("p1", "COUNT-1", 7, None)],
            "planner:a",
            60,
        )
        .await
        .expect("count");
    let moved: Vec<(&str, i64)> = diffs.iter().map(|m| (m.lot_id.as_str(), m.units)).collect();
    assert_eq!(
        moved,
        [("MILK:COUNT-1", 7), ("MILK:L-1", -5), ("MILK:L-2", -12)]
    );
    assert!(diffs.iter().all(|m| m.kind == MoveKind::Counted));
    let on_hand: Vec<(String, i64)> = s
        .stock(Some("p1"))
        .await
        .expect("lots")
        .into_iter()
        .map(|l| (l.lot.id, l.units))
        .collect();
    assert_eq!(
        on_hand,
        [
            ("MILK:COUNT-1".to_string(), 7),
            ("MILK:L-1".to_string(), 25)
        ]
    );
    assert_eq!(
        s.count("p1", &[lot("p1", "L-1", 25, None)], "planner:a", 61)
            .await
            .expect("count")
            .len(),
        1,
        "only what differs moves"
    );
    let below = s
        .count("p1", &[lot("p1", "L-1", -1, None)], "planner:a", 62)
        .await;
    assert_eq!(below.expect_err("refused").code(), "invalid_value");
    s.recall("MILK:L-2", "qa", 70).await.expect("recall");
    let recalled = s
        .count("p1", &[lot("p1", "L-2", 1, None)], "planner:a", 71)
        .await;
    assert_eq!(recalled.expect_err("refused").code(), "recalled_lot");
    assert_eq!(
        s.stock(Some("p1")).await.expect("lots").len(),
        1,
        "the refused counts changed nothing"
    );
}

async fn plans(s: &impl PlanStore) {
    assert_eq!(s.planned_orders().await.expect("none yet"), []);
    let planned = |order: &str, courier: &str, position: i64, at: i64| PlannedOrder {
        order_id: order.to_string(),
        courier_id: courier.to_string(),
        position,
        eta_ms: Some(at + 600_000),
        planned_ms: at,
    };
    let first = [planned("o1", "c2", 1, 5), planned("o2", "c1", 3, 5)];
    s.replace_plan(&first).await.expect("first plan");
    let second = [
        planned("o9", "c2", 0, 9),
        planned("o2", "c1", 1, 9),
        planned("o1", "c1", 3, 9),
    ];
    s.replace_plan(&second).await.expect("second plan");
    let by_courier = [second[1].clone(), second[2].clone(), second[0].clone()];
    assert_eq!(s.planned_orders().await.expect("read"), by_courier);
    let refused = s
        .replace_plan(&[planned("o1", "c1", 0, 12), planned("nobody", "c1", 1, 12)])
        .await
        .expect_err("an unknown order");
    assert_eq!(refused.code(), "missing_reference");
    assert_eq!(
        s.planned_orders().await.expect("read"),
        by_courier,
        "nothing of it stored"
    );
}

async fn sales(s: &impl Sales) {
    let row = |date: &str, sku: &str, units: f64| SaleDay {
        shop_id: "s1".to_string(),
        sku: sku.to_string(),
        date: date.to_string(),
        units,
        unit_value_cents: 150,
        promo: true,
        holiday: false,
        temp_c: 11.5,
        recorded_ms: 7,
        actor: "planner:abc".to_string(),
    };
    let posted = [
        row("2026-12-01", "NATA", 4.5),
        row("2026-12-02", "NATA", 3.0),
        row("2026-12-02", "BEAN", 1.0),
    ];
    assert_eq!(s.record_sales(&posted).await.expect("record"), 3);
    // The same day again replaces it.
    assert_eq!(
        s.record_sales(&[row("2026-12-02", "NATA", 9.0)])
            .await
            .expect("replace"),
        1
    );
    let back = s.sales_from("2026-12-02").await.expect("read");
    assert_eq!(
        back,
        vec![
            row("2026-12-02", "BEAN", 1.0),
            row("2026-12-02", "NATA", 9.0)
        ]
    );
    assert_eq!(s.sales_from("2026-01-01").await.expect("read").len(), 3);
    let bad = s.record_sales(&[row("2026-12-03", "NATA", -1.0)]).await;
    assert!(bad.is_err(), "negative units are refused");
    assert_eq!(s.sales_from("2026-12-03").await.expect("read"), vec![]);
}

/// Sessions: opened on a key that exists, read back by hash, ended once, and swept
/// once expired. Runs after the key `abc` exists.
async fn sessions(s: &impl Sessions) {
    let opened = Session {
        token_hash: "t1".to_string(),
        key_hash: "abc".to_string(),
        created_ms: 1_000,
        expires_ms: 5_000,
    };
    s.insert_session(&opened).await.expect("open");
    assert_eq!(s.session("t1").await.expect("read"), Some(opened.clone()));
    assert_eq!(s.session("t2").await.expect("read"), None);
    let orphan = Session {
        token_hash: "t2".to_string(),
        key_hash: "no such key".to_string(),
        ..opened.clone()
    };
    assert!(
        s.insert_session(&orphan).await.is_err(),
        "a session needs its key"
    );
    let twice = s.insert_session(&opened).await;
    assert!(twice.is_err(), "a token is one session");
    let later = Session {
        token_hash: "t3".to_string(),
        expires_ms: 9_000,
        ..opened.clone()
    };
    s.insert_session(&later).await.expect("open another");
    assert!(s.delete_session("t1").await.expect("sign out"));
    assert!(!s.delete_session("t1").await.expect("again"));
    assert_eq!(
        s.delete_sessions_expired_before(9_000)
            .await
            .expect("sweep"),
        0
    );
    assert_eq!(
        s.delete_sessions_expired_before(9_001)
            .await
            .expect("sweep"),
        1
    );
    assert_eq!(s.session("t3").await.expect("read"), None);
}

/// Stop orders: set on a courier that exists, replaced whole, read back, cleared once,
/// and swept once old. Runs after couriers `c1` and `c2` exist.
async fn stop_orders(s: &impl StopOrders) {
    let stops = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(o, k)| (o.to_string(), k.to_string()))
            .collect()
    };
    let first = StopOrder {
        courier_id: "c1".to_string(),
        stops: stops(&[("o1", "delivery"), ("o2", "pickup"), ("o2", "delivery")]),
        set_ms: 1_000,
    };
    s.set_stop_order(&first).await.expect("set");
    let again = StopOrder {
        stops: stops(&[("o2", "delivery"), ("o1", "delivery")]),
        set_ms: 2_000,
        ..first.clone()
    };
    s.set_stop_order(&again).await.expect("replace");
    let other = StopOrder {
        courier_id: "c2".to_string(),
        stops: stops(&[("o3", "delivery")]),
        set_ms: 5_000,
    };
    s.set_stop_order(&other).await.expect("set c2");
    assert_eq!(
        s.stop_orders().await.expect("read"),
        vec![again.clone(), other.clone()]
    );
    let nobody = StopOrder {
        courier_id: "nobody".to_string(),
        ..other.clone()
    };
    assert!(
        s.set_stop_order(&nobody).await.is_err(),
        "a stop order needs its courier"
    );
    assert!(s.clear_stop_order("c1").await.expect("clear"));
    assert!(!s.clear_stop_order("c1").await.expect("again"));
    assert_eq!(
        s.delete_stop_orders_set_before(5_000).await.expect("sweep"),
        0
    );
    assert_eq!(
        s.delete_stop_orders_set_before(5_001).await.expect("sweep"),
        1
    );
    assert_eq!(s.stop_orders().await.expect("read"), vec![]);
}

/// The stock ledger: lots unique by id and by article and number; a batch of movements
/// stored whole with the balances in step, or not at all when one would take more than
/// its place holds, moves against its kind, or names an unknown lot. Runs after stores
/// `s1` and `s2` exist.
async fn ledger(s: &(impl Ledger + Outbox)) {
    let lot = |id: &str, sku: &str, number: &str| Lot {
        id: id.to_string(),
        sku: sku.to_string(),
        lot_number: number.to_string(),
        expiry_date: "2026-12-20".to_string(),
        po_id: None,
        made_by: None,
        recalled_ms: None,
        created_ms: 1_000,
        expires_ms: None,
    };
    s.add_lot(&lot("L1", "gelato", "A1")).await.expect("add");
    s.add_lot(&lot("L2", "cream", "A1"))
        .await
        .expect("same number, other article");
    let taken = s
        .add_lot(&lot("L3", "gelato", "A1"))
        .await
        .expect_err("taken");
    assert_eq!(taken.code(), "conflict");
    assert_eq!(
        s.lot("L1").await.expect("read"),
        Some(lot("L1", "gelato", "A1"))
    );
    assert_eq!(s.lot("L9").await.expect("read"), None);
    let mv = |lot: &str, shop: &str, kind: MoveKind, units: i64| Movement {
        id: 0,
        lot_id: lot.to_string(),
        shop_id: shop.to_string(),
        zone: StorageZone::Frozen,
        kind,
        units,
        reference: Some("t-1".to_string()),
        actor: "test".to_string(),
        at_ms: 2_000,
    };
    let ids = s
        .record(&[
            mv("L1", "s1", MoveKind::Received, 10),
            mv("L1", "s1", MoveKind::Sold, -3),
            mv("L1", "s1", MoveKind::TransferredOut, -2),
            mv("L1", "s2", MoveKind::TransferredIn, 2),
        ])
        .await
        .expect("record");
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let balance = |shop: &str, units: i64| Balance {
        lot_id: "L1".to_string(),
        shop_id: shop.to_string(),
        zone: StorageZone::Frozen,
        units,
    };
    let both = vec![balance("s1", 5), balance("s2", 2)];
    assert_eq!(s.balances(None).await.expect("read"), both);
    assert_eq!(
        s.balances(Some("s2")).await.expect("read"),
        vec![balance("s2", 2)]
    );

    // More than the place holds, second in its batch: nothing of the batch is stored.
    let short = s
        .record(&[
            mv("L1", "s2", MoveKind::Sold, -1),
            mv("L1", "s1", MoveKind::Sold, -6),
        ])
        .await
        .expect_err("not enough");
    assert_eq!(short.code(), "not_enough_stock", "{short}");
    assert!(short.to_string().contains("s1/frozen"), "{short}");
    let wrong_way = s.record(&[mv("L1", "s1", MoveKind::Received, -1)]).await;
    assert_eq!(wrong_way.expect_err("refused").code(), "invalid_value");
    let unknown = s.record(&[mv("L9", "s1", MoveKind::Received, 1)]).await;
    assert_eq!(unknown.expect_err("refused").code(), "missing_reference");
    assert_eq!(
        s.balances(None).await.expect("read"),
        both,
        "nothing half-written"
    );

    // Every movement of the lot, in order; they add up to its balances.
    let moves = s.lot_movements("L1").await.expect("read");
    assert_eq!(moves.len(), 4);
    assert_eq!(moves[1].kind, MoveKind::Sold);
    assert_eq!(moves.iter().map(|m| m.id).collect::<Vec<_>>(), ids);
    let at = |shop: &str| -> i64 {
        moves
            .iter()
            .filter(|m| m.shop_id == shop)
            .map(|m| m.units)
            .sum()
    };
    assert_eq!((at("s1"), at("s2")), (5, 2));
    // Sold out, a place is no longer listed.
    s.record(&[mv("L1", "s2", MoveKind::Wasted, -2)])
        .await
        .expect("waste");
    assert_eq!(s.balances(Some("s2")).await.expect("read"), vec![]);

    // Traced through production: milk and cream into cakes (batch b-1), a cake into a
    // dessert (b-2); a cake sold to order o-9.
    let made = |id: &str, batch: &str| Lot {
        made_by: Some(batch.to_string()),
        ..lot(id, &format!("made-{id}"), batch)
    };
    s.add_lot(&lot("M1", "milk", "M-1")).await.expect("milk");
    s.add_lot(&lot("C1", "cream", "C-1")).await.expect("cream");
    s.add_lot(&made("K1", "b-1")).await.expect("cake");
    s.add_lot(&made("D1", "b-2")).await.expect("dessert");
    let with = |m: Movement, reference: &str| Movement {
        reference: Some(reference.to_string()),
        ..m
    };
    s.record(&[
        mv("M1", "s1", MoveKind::Received, 5),
        mv("C1", "s1", MoveKind::Received, 5),
        with(mv("M1", "s1", MoveKind::Used, -2), "b-1"),
        with(mv("C1", "s1", MoveKind::Used, -1), "b-1"),
        with(mv("K1", "s1", MoveKind::Made, 4), "b-1"),
        with(mv("K1", "s1", MoveKind::Sold, -1), "order:o1"),
        with(mv("K1", "s1", MoveKind::Used, -1), "b-2"),
        with(mv("D1", "s1", MoveKind::Made, 2), "b-2"),
    ])
    .await
    .expect("production");
    let ids = |t: &freshroute_store::Trace| t.lots.iter().map(|l| l.id.clone()).collect::<Vec<_>>();
    let down = s
        .trace("M1", Direction::Downstream)
        .await
        .expect("trace")
        .expect("a lot");
    assert_eq!(ids(&down), ["M1", "K1", "D1"]);
    assert!(
        down.movements
            .iter()
            .any(|m| m.lot_id == "K1" && m.order() == Some("o1")),
        "the order the cake went to: {:?}",
        down.movements
    );
    assert_eq!(down.movements.len(), 2 + 3 + 1);
    let up = s
        .trace("D1", Direction::Upstream)
        .await
        .expect("trace")
        .expect("a lot");
    assert_eq!(ids(&up), ["D1", "K1", "C1", "M1"]);
    assert_eq!(
        s.trace("L9", Direction::Upstream).await.expect("trace"),
        None
    );
    // Sold oldest last day first, never past its last day nor recalled; what is not
    // there is a shortfall.
    let cake = |id: &str, last_day: &str, recalled_ms: Option<i64>| Lot {
        expiry_date: last_day.to_string(),
        recalled_ms,
        ..lot(id, "tart", id)
    };
    s.add_lot(&cake("T-later", "2026-12-10", None))
        .await
        .expect("lot");
    s.add_lot(&cake("T-sooner", "2026-12-08", None))
        .await
        .expect("lot");
    s.add_lot(&cake("T-expired", "2026-12-06", None))
        .await
        .expect("lot");
    s.add_lot(&cake("T-recalled", "2026-12-07", Some(1_500)))
        .await
        .expect("lot");
    let fridge = |lot: &str, units: i64| Movement {
        zone: StorageZone::Chilled,
        ..mv(lot, "s1", MoveKind::Received, units)
    };
    s.record(&[
        fridge("T-later", 3),
        fridge("T-sooner", 2),
        fridge("T-expired", 5),
        fridge("T-recalled", 5),
    ])
    .await
    .expect("stocked");
    let sell = |units: i64| Take {
        shop_id: "s1".to_string(),
        zone: StorageZone::Chilled,
        sku: "tart".to_string(),
        units,
        kind: MoveKind::Sold,
        today: "2026-12-07".to_string(),
        reference: Some("till".to_string()),
        actor: "till".to_string(),
        at_ms: 3_000,
    };
    let taken = s.take_oldest_first(&sell(4)).await.expect("sold");
    let took = |t: &freshroute_store::Taken| -> Vec<(String, i64)> {
        t.movements
            .iter()
            .map(|m| (m.lot_id.clone(), m.units))
            .collect()
    };
    assert_eq!(
        took(&taken),
        [("T-sooner".to_string(), -2), ("T-later".to_string(), -2)]
    );
    assert_eq!(taken.shortfall, 0);
    let more = s.take_oldest_first(&sell(5)).await.expect("sold");
    assert_eq!(took(&more), [("T-later".to_string(), -1)]);
    assert_eq!(
        more.shortfall, 4,
        "the expired and the recalled lots are not sold"
    );
    assert_eq!(
        s.taken_for("till", "tart").await.expect("read"),
        4 + 5,
        "what a reference took, its shortfall included"
    );
    assert_eq!(s.taken_for("till", "gelato").await.expect("read"), 0);
    let left: Vec<(String, i64)> = s
        .balances(Some("s1"))
        .await
        .expect("read")
        .into_iter()
        .filter(|b| b.zone == StorageZone::Chilled)
        .map(|b| (b.lot_id, b.units))
        .collect();
    assert_eq!(
        left,
        [("T-expired".to_string(), 5), ("T-recalled".to_string(), 5)]
    );
    let odd = s
        .take_oldest_first(&Take {
            units: 0,
            ..sell(1)
        })
        .await;
    assert_eq!(odd.expect_err("refused").code(), "invalid_value");

    // A batch takes its ingredients oldest first and makes a lot that keeps hours; short
    // of an ingredient, nothing of it is stored.
    s.add_lot(&Lot {
        expiry_date: "2026-12-30".to_string(),
        ..lot("F1", "flour", "F-1")
    })
    .await
    .expect("flour");
    s.record(&[Movement {
        zone: StorageZone::Ambient,
        ..mv("F1", "s1", MoveKind::Received, 10)
    }])
    .await
    .expect("flour in");
    let cake_lot = Lot {
        made_by: Some("b-9".to_string()),
        expires_ms: Some(10_000),
        ..lot("SC1", "strawberry-cake", "SC-1")
    };
    let batch = |flour: i64| Batch {
        id: "b-9".to_string(),
        shop_id: "s1".to_string(),
        made: cake_lot.clone(),
        zone: StorageZone::Chilled,
        units: 6,
        ingredients: vec![Ingredient {
            sku: "flour".to_string(),
            zone: StorageZone::Ambient,
            units: flour,
        }],
        today: "2026-12-07".to_string(),
        actor: "kitchen".to_string(),
        at_ms: 5_000,
    };
    let short = s.produce(&batch(11)).await.expect_err("short of flour");
    assert_eq!(short.code(), "not_enough_stock", "{short}");
    assert_eq!(s.lot("SC1").await.expect("read"), None, "nothing half-made");
    let made = s.produce(&batch(4)).await.expect("made");
    let what: Vec<(MoveKind, &str, i64)> = made
        .iter()
        .map(|m| (m.kind, m.lot_id.as_str(), m.units))
        .collect();
    assert_eq!(
        what,
        [(MoveKind::Used, "F1", -4), (MoveKind::Made, "SC1", 6)]
    );
    assert_eq!(
        s.lots_used_by("b-9").await.expect("read").len(),
        1,
        "the batch is traced through"
    );
    let cake_sale = |at_ms: i64| Take {
        zone: StorageZone::Chilled,
        sku: "strawberry-cake".to_string(),
        units: 1,
        at_ms,
        ..sell(1)
    };
    let before = s.take_oldest_first(&cake_sale(9_999)).await.expect("sold");
    assert_eq!(before.shortfall, 0, "sold before its hour");
    let after = s
        .take_oldest_first(&cake_sale(10_000))
        .await
        .expect("not sold");
    assert_eq!(after.shortfall, 1, "never sold past its hour");
    let soon: Vec<String> = s
        .expiring("2026-12-06", 10_000)
        .await
        .expect("read")
        .into_iter()
        .map(|l| l.lot.id)
        .collect();
    assert_eq!(soon, ["SC1", "T-expired"]);
    let wasted = s
        .expire("2026-12-07", 10_000, "upkeep")
        .await
        .expect("expired");
    let gone: Vec<(&str, i64)> = wasted
        .iter()
        .map(|m| (m.lot_id.as_str(), m.units))
        .collect();
    assert_eq!(gone, [("SC1", -5), ("T-expired", -5)]);
    assert!(wasted.iter().all(|m| m.kind == MoveKind::Wasted));
    assert_eq!(
        s.expire("2026-12-07", 10_000, "upkeep")
            .await
            .expect("none")
            .len(),
        0
    );

    // A recall of the milk marks it and what was made from it, and takes every unit of
    // them off sale, wherever it is; a second recall is refused, an unknown lot is none.
    let recall = s
        .recall("M1", "qa", 4_000)
        .await
        .expect("recall")
        .expect("a lot");
    assert_eq!(recall.lots, ["M1", "K1", "D1"]);
    let off: Vec<(String, i64)> = recall
        .movements
        .iter()
        .map(|m| (m.lot_id.clone(), m.units))
        .collect();
    assert_eq!(
        off,
        [
            ("M1".to_string(), -3),
            ("K1".to_string(), -2),
            ("D1".to_string(), -2)
        ]
    );
    assert!(
        recall
            .movements
            .iter()
            .all(|m| m.kind == MoveKind::Recalled)
    );
    // The customer's order the cake went to is told, in the recall's transaction.
    assert_eq!(recall.orders, [("o1".to_string(), "s1".to_string())]);
    assert_eq!(recall.told, ["o1"]);
    let told = s.notices("o1").await.expect("notices");
    let last = told.last().expect("a notice");
    assert_eq!(
        (last.kind, last.payload["lot_id"].as_str()),
        (NoticeKind::Recalled, Some("M1"))
    );
    for id in ["M1", "K1", "D1"] {
        let l = s.lot(id).await.expect("read").expect("a lot");
        assert_eq!(l.recalled_ms, Some(4_000), "{id}");
    }
    assert!(
        s.balances(Some("s1"))
            .await
            .expect("read")
            .iter()
            .all(|b| !["M1", "K1", "D1"].contains(&b.lot_id.as_str())),
        "no unit of them left on sale"
    );
    let again = s
        .recall("M1", "qa", 5_000)
        .await
        .expect_err("recalled already");
    assert_eq!(again.code(), "conflict");
    assert_eq!(s.recall("L9", "qa", 5_000).await.expect("none"), None);
}

/// Alert lines set by hand replace each other and clear; crossings are recorded and
/// read back from a time on. Runs after store `s1` exists.
async fn alerts(s: &impl StockAlerts) {
    let line = |units: i64, at: i64| AlertLine {
        shop_id: "s1".to_string(),
        sku: "tart".to_string(),
        units,
        actor: "planner:a".to_string(),
        set_ms: at,
    };
    s.set_alert_line(&line(6, 1)).await.expect("set");
    s.set_alert_line(&line(8, 2)).await.expect("replaced");
    assert_eq!(s.alert_lines("s1").await.expect("read"), vec![line(8, 2)]);
    let nowhere = s
        .set_alert_line(&AlertLine {
            shop_id: "nowhere".to_string(),
            ..line(1, 3)
        })
        .await;
    assert_eq!(nowhere.expect_err("refused").code(), "missing_reference");
    assert!(s.clear_alert_line("s1", "tart").await.expect("cleared"));
    assert!(!s.clear_alert_line("s1", "tart").await.expect("none"));
    let crossing = |at: i64| Crossing {
        id: 0,
        shop_id: "s1".to_string(),
        sku: "tart".to_string(),
        line: 8,
        on_hand: 5,
        at_ms: at,
    };
    let first = s.record_crossing(&crossing(10)).await.expect("recorded");
    let second = s.record_crossing(&crossing(20)).await.expect("recorded");
    let since = s.crossings(15).await.expect("read");
    assert_eq!(
        since,
        vec![Crossing {
            id: second,
            ..crossing(20)
        }]
    );
    assert!(first < second);
}

async fn suite(
    s: impl Outbox + PlanStore + Purchasing + Sales + Sessions + StopOrders + Ledger + StockAlerts,
) {
    sales(&s).await;
    // Couriers: stored, read back by id and by secret; ids and devices are unique.
    s.insert_courier(&courier("c1")).await.expect("insert c1");
    s.insert_courier(&courier("c2")).await.expect("insert c2");
    assert_eq!(s.courier("c1").await.expect("read"), Some(courier("c1")));
    assert_eq!(s.courier("nobody").await.expect("read"), None);
    assert_eq!(
        s.courier_by_secret("secret-hash-c2").await.expect("read"),
        Some(courier("c2"))
    );
    assert!(
        s.set_courier_secret("c2", "new-hash")
            .await
            .expect("rotate")
    );
    assert!(!s.set_courier_secret("nobody", "x").await.expect("rotate"));
    assert_eq!(
        s.courier_by_secret("secret-hash-c2").await.expect("read"),
        None
    );
    assert!(
        s.set_courier_secret("c2", "secret-hash-c2")
            .await
            .expect("rotate back")
    );
    let again = s.insert_courier(&courier("c1")).await.expect_err("taken");
    assert_eq!(again.code(), "conflict", "{again}");
    stop_orders(&s).await;
    // Changed and retired: roster, duty, zone and retirement read back as written.
    let mut changed = courier("c1");
    changed.name = "Inês".to_string();
    changed.time_zone = "Europe/Lisbon".to_string();
    changed.roster = serde_json::from_value(serde_json::json!({
        "weekly": [{"days": ["mon", "fri"], "starts": "18:00", "ends": "02:00"}],
        "exceptions": [{"date": "2026-12-24", "kind": "off"}]
    }))
    .expect("a roster");
    changed.duty = Some(freshroute_store::Duty {
        on: false,
        from_ms: 10,
        until_ms: 20,
    });
    changed.retired_ms = Some(30);
    assert!(s.update_courier(&changed).await.expect("update"));
    assert_eq!(s.courier("c1").await.expect("read"), Some(changed.clone()));
    changed.duty = None;
    changed.retired_ms = None;
    assert!(s.update_courier(&changed).await.expect("update"));
    assert_eq!(s.courier("c1").await.expect("read"), Some(changed));
    let mut nobody = courier("nobody");
    nobody.device_id = "device-nobody".to_string();
    assert!(!s.update_courier(&nobody).await.expect("update"));
    let mut stolen = courier("c1");
    stolen.device_id = "device-c2".to_string();
    let taken = s.update_courier(&stolen).await.expect_err("c2's device");
    assert_eq!(taken.code(), "conflict", "{taken}");
    assert!(s.update_courier(&courier("c1")).await.expect("restore"));

    // API keys: stored by hash, read back with role and courier.
    let key = ApiKey {
        key_hash: "abc".to_string(),
        role: Role::Courier,
        courier_id: Some("c1".to_string()),
        created_ms: 5,
        revoked_ms: None,
        name: String::new(),
    };
    s.insert_api_key(&key).await.expect("insert key");
    assert_eq!(s.api_key("abc").await.expect("read"), Some(key));
    assert_eq!(s.api_key("abd").await.expect("read"), None);
    // A courier key must name a courier, and only a courier key may.
    let unbound = ApiKey {
        key_hash: "k2".to_string(),
        role: Role::Courier,
        courier_id: None,
        created_ms: 5,
        revoked_ms: None,
        name: String::new(),
    };
    assert!(s.insert_api_key(&unbound).await.is_err());
    // Revoking: once, kept on record.
    assert!(s.revoke_api_key("abc", 9).await.expect("revoke"));
    assert!(
        !s.revoke_api_key("abc", 10).await.expect("again"),
        "already revoked"
    );
    assert!(!s.revoke_api_key("nope", 10).await.expect("unknown"));
    let keys = s.api_keys().await.expect("list");
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].revoked_ms, Some(9));
    sessions(&s).await;

    // Fixes: out of order is fine; a repeated accepted fix becomes a duplicate; filtered ones are kept.
    let batch = [
        fix("c1", 3_000, None),
        fix("c1", 1_000, None),
        fix("c1", 2_000, Some("low_accuracy")),
        fix("c1", 3_000, None),
        fix("c2", 1_500, None),
    ];
    let reasons = s.insert_fixes(&batch).await.expect("insert fixes");
    assert_eq!(
        reasons,
        [
            None,
            None,
            Some("low_accuracy".into()),
            Some("duplicate".into()),
            None
        ]
    );
    let stored = s.fixes("c1", 0, 10_000).await.expect("read fixes");
    let times: Vec<_> = stored
        .iter()
        .map(|f| (f.fix_ms, f.reason.clone()))
        .collect();
    assert_eq!(
        times,
        [
            (1_000, None),
            (2_000, Some("low_accuracy".into())),
            (3_000, None),
            (3_000, Some("duplicate".into()))
        ]
    );
    assert_eq!(stored[0], batch[1], "every field comes back as stored");
    let before = s.accepted_fix_before("c1", 3_000).await.expect("read");
    assert_eq!(
        before.map(|f| f.fix_ms),
        Some(1_000),
        "skips the filtered fix"
    );
    let latest = s.latest_fixes().await.expect("latest");
    let latest: Vec<_> = latest
        .iter()
        .map(|f| (f.courier_id.as_str(), f.fix_ms))
        .collect();
    assert_eq!(latest, [("c1", 3_000), ("c2", 1_500)]);

    // A fix for an unknown courier is refused, and the whole batch with it.
    assert!(
        s.insert_fixes(&[fix("c2", 9_000, None), fix("ghost", 1, None)])
            .await
            .is_err()
    );
    assert!(s.fixes("c2", 9_000, 9_000).await.expect("read").is_empty());

    // Large batches go in several statements: repeats are found within and across them.
    let big: Vec<FixRecord> = (0..1_200)
        .map(|k| fix("c2", 100_000 + if k % 7 == 6 { k - 600 } else { k }, None))
        .collect();
    let reasons = s.insert_fixes(&big).await.expect("insert a large batch");
    let expected: Vec<Option<String>> = (0..1_200)
        .map(|k| (k % 7 == 6 && k >= 600 && (k - 600) % 7 != 6).then(|| "duplicate".into()))
        .collect();
    assert_eq!(reasons, expected);
    let stored = s.fixes("c2", 99_000, 200_000).await.expect("read");
    assert_eq!(stored.len(), 1_200, "repeats are kept too, as duplicates");

    shops_and_orders(&s).await;
    ledger(&s).await;
    alerts(&s).await;
    purchasing(&s).await;
    // The open orders' mark: their count and latest change, as the listing says them.
    let open: Vec<Order> = s
        .orders(None, None, 1_000)
        .await
        .expect("orders")
        .into_iter()
        .filter(|o| !o.status.is_final())
        .collect();
    let newest = open.iter().map(|o| o.updated_ms).max().unwrap_or(0);
    assert_eq!(
        s.open_orders_mark().await.expect("mark"),
        (open.len() as i64, newest)
    );
    outbox(&s).await;
    plans(&s).await;
    let everyone: Vec<String> = s
        .couriers()
        .await
        .expect("couriers")
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(everyone, ["c1", "c2"]);

    // Two writers storing the same fixes in opposite orders at once: neither fails, and
    // each fix is accepted exactly once.
    let forward: Vec<FixRecord> = (0..300).map(|k| fix("c1", 500_000 + k, None)).collect();
    let backward: Vec<FixRecord> = forward.iter().rev().cloned().collect();
    let (a, b) = tokio::join!(s.insert_fixes(&forward), s.insert_fixes(&backward));
    let (a, b) = (a.expect("first writer"), b.expect("second writer"));
    for k in 0..300 {
        let pair = (a[k].as_deref(), b[299 - k].as_deref());
        assert!(
            pair == (None, Some("duplicate")) || pair == (Some("duplicate"), None),
            "fix {k}: {pair:?}"
        );
    }

    // Retention deletes by server time.
    assert_eq!(s.delete_fixes_before(2_001).await.expect("delete"), 2);
    assert_eq!(s.fixes("c1", 0, 10_000).await.expect("read").len(), 3);
}

#[tokio::test]
async fn sqlite_backend_conforms() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("freshroute.db");
    let store = SqliteStore::open(path.to_str().expect("utf-8 path"))
        .await
        .expect("open");
    assert_eq!(store.backend(), "sqlite");
    suite(AnyStore::from(store)).await;
    // Reopening migrates nothing twice and finds the data.
    let again = SqliteStore::open(path.to_str().expect("utf-8 path"))
        .await
        .expect("reopen");
    assert!(again.courier("c1").await.expect("read").is_some());
}

#[tokio::test]
async fn postgres_backend_conforms() {
    let Ok(url) = std::env::var("FRESHROUTE_TEST_POSTGRES_URL") else {
        eprintln!("FRESHROUTE_TEST_POSTGRES_URL is not set: PostgreSQL suite skipped");
        return;
    };
    let db = freshroute_store::testing::TempPgDatabase::create(&url)
        .await
        .expect("create a database for this run");
    let store = PgStore::connect(db.url()).await.expect("connect");
    assert_eq!(store.backend(), "postgres");
    suite(store).await;
    db.drop_now().await.expect("drop the run's database");
}
