//! Nothing lost: three stores' 90 days, drawn at random (seeded) through the ledger's
//! own operations: receipts, sales taken oldest first, production batches (some short of
//! an ingredient, refused whole), transfers between the stores (some the donor cannot
//! fill, which move nothing; delivered the next day), counts, damage, expiry and a recall. Every fifteen
//! days, for every lot at every place, what came in less what went out is what the place
//! holds (never below zero); and no unit of a lot was ever sold or used past its last
//! day, its hour or its recall. On SQLite, and on PostgreSQL when
//! `FRESHROUTE_TEST_POSTGRES_URL` names a server.

use std::collections::{BTreeMap, BTreeSet};

use freshroute_store::testing::porto_store;
use freshroute_store::{
    AnyStore, Batch, Decided, Decision, Ingredient, Ledger, Lot, MoveKind, Movement, PgStore,
    SqliteStore, Storage, StorageZone, Take, Transfer, TransferStatus, Transfers,
};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

const DAY_MS: i64 = 86_400_000;
/// 2026-09-01 00:00 UTC.
const FIRST_MS: i64 = 1_788_220_800_000;
const STORES: [&str; 3] = ["s1", "s2", "s3"];
/// Articles: id, zone, days they keep.
const ARTICLES: [(&str, StorageZone, i64); 4] = [
    ("MILK", StorageZone::Chilled, 5),
    ("CREAM", StorageZone::Chilled, 10),
    ("GELATO", StorageZone::Frozen, 60),
    ("CUPS", StorageZone::Ambient, 365),
];

fn date(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.date_naive().to_string())
        .unwrap_or_default()
}

fn lot(
    id: String,
    sku: &str,
    last_ms: i64,
    made_by: Option<String>,
    expires_ms: Option<i64>,
) -> Lot {
    Lot {
        lot_number: id.clone(),
        id,
        sku: sku.to_string(),
        expiry_date: date(last_ms),
        po_id: None,
        made_by,
        recalled_ms: None,
        created_ms: FIRST_MS,
        expires_ms,
    }
}

/// One seeded history, checked day by day.
async fn days(store: &AnyStore, seed: u64) {
    for s in STORES {
        store
            .insert_shop(&porto_store(s, FIRST_MS))
            .await
            .expect("shop");
    }
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut lots: BTreeSet<String> = BTreeSet::new();
    let mut on_the_way: Vec<String> = Vec::new();
    for d in 0..90 {
        let morning = FIRST_MS + d * DAY_MS + 8 * 3_600_000;
        let today = date(morning);
        let mut at = morning;
        let mut tick = || {
            at += 60_000;
            at
        };
        for s in STORES {
            // Receipts.
            for (sku, zone, keeps) in ARTICLES {
                if rng.random_bool(0.35) {
                    let id = format!("{sku}:{s}-{d}");
                    store
                        .add_lot(&lot(id.clone(), sku, morning + keeps * DAY_MS, None, None))
                        .await
                        .expect("lot");
                    let units = rng.random_range(1..=30);
                    let m = movement(&id, s, zone, MoveKind::Received, units, tick());
                    store.record(&[m]).await.expect("received");
                    lots.insert(id);
                }
            }
            // A batch of cakes that keep three hours, sometimes short of cream.
            if rng.random_bool(0.4) {
                let batch = format!("b-{s}-{d}");
                let now = tick();
                let cake = lot(
                    format!("CAKE:{batch}"),
                    "CAKE",
                    now,
                    Some(batch.clone()),
                    Some(now + 3 * 3_600_000),
                );
                let before = store.balances(Some(s)).await.expect("read");
                let made = store
                    .produce(&Batch {
                        id: batch,
                        shop_id: s.to_string(),
                        made: cake.clone(),
                        zone: StorageZone::Chilled,
                        units: 6,
                        ingredients: vec![
                            Ingredient {
                                sku: "CREAM".into(),
                                zone: StorageZone::Chilled,
                                units: rng.random_range(1..=12),
                            },
                            Ingredient {
                                sku: "MILK".into(),
                                zone: StorageZone::Chilled,
                                units: 1,
                            },
                        ],
                        today: today.clone(),
                        actor: "kitchen".into(),
                        at_ms: now,
                    })
                    .await;
                match made {
                    Ok(_) => {
                        lots.insert(cake.id);
                    }
                    Err(e) => {
                        assert_eq!(e.code(), "not_enough_stock", "{e}");
                        assert_eq!(
                            store.balances(Some(s)).await.expect("read"),
                            before,
                            "a refused batch stores nothing"
                        );
                    }
                }
            }
            // Sales, through the day.
            for (sku, zone, _) in ARTICLES.iter().chain(&[("CAKE", StorageZone::Chilled, 0)]) {
                let units = rng.random_range(1..=12);
                store
                    .take_oldest_first(&Take {
                        shop_id: s.to_string(),
                        zone: *zone,
                        sku: sku.to_string(),
                        units,
                        kind: MoveKind::Sold,
                        today: today.clone(),
                        reference: Some(format!("till:{s}:{today}")),
                        actor: "till".into(),
                        at_ms: tick(),
                    })
                    .await
                    .expect("sold");
            }
            // Now and then a count a unit off, or a damaged unit thrown away.
            if rng.random_bool(0.05) {
                let mut counted = store.stock(Some(s)).await.expect("stock");
                for l in &mut counted {
                    l.units = (l.units + rng.random_range(-1..=1)).max(0);
                }
                store
                    .count(s, &counted, "count", tick())
                    .await
                    .expect("count");
            }
            let damaged = rng.random_bool(0.1);
            if let Some(b) = store.balances(Some(s)).await.expect("read").first()
                && damaged
            {
                let m = movement(&b.lot_id, s, b.zone, MoveKind::Wasted, -1, tick());
                store.record(&[m]).await.expect("damaged");
            }
        }
        // Transfers: yesterday's approved ones delivered, a few new ones proposed and
        // approved (all of their units or none), now and then one rejected.
        for id in std::mem::take(&mut on_the_way) {
            let done = store
                .decide_transfer(&id, &Decision::Deliver, "driver", tick())
                .await
                .expect("delivered");
            assert!(matches!(done, Decided::Done(..)), "{done:?}");
        }
        let mut proposals = Vec::new();
        for k in 0..rng.random_range(0..=3) {
            let (sku, zone, _) = ARTICLES[rng.random_range(0..ARTICLES.len())];
            let from = STORES[rng.random_range(0..STORES.len())];
            let to = STORES.iter().find(|&&x| x != from).copied().unwrap_or("s1");
            proposals.push(Transfer {
                id: format!("t-{d}-{k}"),
                from_shop: from.to_string(),
                to_shop: to.to_string(),
                sku: sku.to_string(),
                zone,
                units: rng.random_range(1..=15),
                status: TransferStatus::Proposed,
                why: "{}".into(),
                value_cents: 100,
                proposed_ms: tick(),
                decided_by: None,
                decided_ms: None,
                delivered_ms: None,
                recalled_lot: None,
                version: 1,
            });
        }
        store
            .propose_transfers(&proposals, tick())
            .await
            .expect("proposed");
        for t in &proposals {
            let before = store.balances(Some(&t.from_shop)).await.expect("read");
            let decision = if rng.random_bool(0.2) {
                Decision::Reject { version: 1 }
            } else {
                Decision::Approve {
                    version: 1,
                    today: today.clone(),
                }
            };
            match store
                .decide_transfer(&t.id, &decision, "planner", tick())
                .await
                .expect("decided")
            {
                Decided::Done(done, moves) => {
                    let out: i64 = moves.iter().map(|m| -m.units).sum();
                    if done.status == TransferStatus::Approved {
                        assert_eq!(out, t.units, "an approval moves every unit");
                        on_the_way.push(done.id);
                    }
                }
                Decided::DonorShort(stale, short) => {
                    assert!(short > 0);
                    assert_eq!(stale.status, TransferStatus::Stale);
                    assert_eq!(
                        store.balances(Some(&t.from_shop)).await.expect("read"),
                        before,
                        "a transfer the donor cannot fill moves nothing"
                    );
                }
                other => panic!("{other:?}"),
            }
        }
        // A cream lot recalled mid-history, with the cakes made from it.
        if d == 45 {
            let cream = lots
                .iter()
                .find(|l| l.starts_with("CREAM:"))
                .cloned()
                .expect("a cream lot");
            store
                .recall(&cream, "qa", tick())
                .await
                .expect("recall")
                .expect("a lot");
        }
        let night = FIRST_MS + (d + 1) * DAY_MS;
        store
            .expire(&date(night), night, "expiry")
            .await
            .expect("expired");
        if d % 15 == 14 {
            check(store, &lots).await;
        }
    }
}

fn movement(
    lot: &str,
    shop: &str,
    zone: StorageZone,
    kind: MoveKind,
    units: i64,
    at_ms: i64,
) -> Movement {
    Movement {
        id: 0,
        lot_id: lot.to_string(),
        shop_id: shop.to_string(),
        zone,
        kind,
        units,
        reference: None,
        actor: "test".into(),
        at_ms,
    }
}

/// Every lot's movements add up to its balances; none sold or used when it could not be.
async fn check(store: &AnyStore, lots: &BTreeSet<String>) {
    let mut held: BTreeMap<(String, String, StorageZone), i64> = BTreeMap::new();
    for b in store.balances(None).await.expect("balances") {
        assert!(b.units > 0, "a listed balance holds units: {b:?}");
        held.insert((b.lot_id, b.shop_id, b.zone), b.units);
    }
    let mut summed: BTreeMap<(String, String, StorageZone), i64> = BTreeMap::new();
    for id in lots {
        let l = store.lot(id).await.expect("read").expect("a lot");
        for m in store.lot_movements(id).await.expect("movements") {
            *summed
                .entry((m.lot_id.clone(), m.shop_id.clone(), m.zone))
                .or_default() += m.units;
            if matches!(m.kind, MoveKind::Sold | MoveKind::Used) {
                assert!(
                    date(m.at_ms) <= l.expiry_date,
                    "{m:?} past its last day {}",
                    l.expiry_date
                );
                assert!(
                    l.expires_ms.is_none_or(|e| m.at_ms < e),
                    "{m:?} past its hour"
                );
                assert!(
                    l.recalled_ms.is_none_or(|r| m.at_ms <= r),
                    "{m:?} after its recall"
                );
            }
        }
    }
    summed.retain(|_, units| {
        assert!(*units >= 0, "a place below zero");
        *units != 0
    });
    assert_eq!(summed, held, "movements and balances disagree");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ninety_days_lose_nothing_and_sell_nothing_they_should_not() {
    for seed in [1, 2] {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("days.db");
        let sqlite = SqliteStore::open(path.to_str().expect("utf-8"))
            .await
            .expect("open");
        days(&sqlite.into(), seed).await;
    }
    let Ok(url) = std::env::var("FRESHROUTE_TEST_POSTGRES_URL") else {
        eprintln!("FRESHROUTE_TEST_POSTGRES_URL is not set: PostgreSQL run skipped");
        return;
    };
    let db = freshroute_store::testing::TempPgDatabase::create(&url)
        .await
        .expect("database");
    let pg = PgStore::connect(db.url()).await.expect("connect");
    days(&pg.into(), 3).await;
    db.drop_now().await.expect("drop");
}

/// Sales at once, as a busy service takes them: none fails for the lock, none takes a
/// unit another took.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sales_at_once_each_take_their_own_units() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("busy.db");
    let store: AnyStore = SqliteStore::open(path.to_str().expect("utf-8"))
        .await
        .expect("open")
        .into();
    store
        .insert_shop(&porto_store("s1", FIRST_MS))
        .await
        .expect("shop");
    store
        .add_lot(&lot(
            "MILK:A".into(),
            "MILK",
            FIRST_MS + 5 * DAY_MS,
            None,
            None,
        ))
        .await
        .expect("lot");
    let m = movement(
        "MILK:A",
        "s1",
        StorageZone::Chilled,
        MoveKind::Received,
        100,
        FIRST_MS,
    );
    store.record(&[m]).await.expect("received");
    let takes: Vec<_> = (0..20)
        .map(|k| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .take_oldest_first(&Take {
                        shop_id: "s1".into(),
                        zone: StorageZone::Chilled,
                        sku: "MILK".into(),
                        units: 3,
                        kind: MoveKind::Sold,
                        today: date(FIRST_MS),
                        reference: Some(format!("order:o{k}")),
                        actor: "till".into(),
                        at_ms: FIRST_MS + k,
                    })
                    .await
            })
        })
        .collect();
    for t in takes {
        let taken = t.await.expect("joined").expect("taken");
        assert_eq!(taken.shortfall, 0);
    }
    let left: i64 = store
        .balances(None)
        .await
        .expect("read")
        .iter()
        .map(|b| b.units)
        .sum();
    assert_eq!(left, 40);
}

/// A recall flags a transfer on its way; its delivery brings the units in and takes them
/// off sale at once. Editing, rejecting and deciding twice answer as they should.
async fn recall_on_the_way(store: &AnyStore) {
    for s in ["s1", "s2"] {
        store
            .insert_shop(&porto_store(s, FIRST_MS))
            .await
            .expect("shop");
    }
    let cream = lot("CREAM:R".into(), "CREAM", FIRST_MS + 9 * DAY_MS, None, None);
    store.add_lot(&cream).await.expect("lot");
    let m = movement(
        "CREAM:R",
        "s1",
        StorageZone::Chilled,
        MoveKind::Received,
        10,
        FIRST_MS,
    );
    store.record(&[m]).await.expect("received");
    let proposal = |id: &str, units| Transfer {
        id: id.to_string(),
        from_shop: "s1".into(),
        to_shop: "s2".into(),
        sku: "CREAM".into(),
        zone: StorageZone::Chilled,
        units,
        status: TransferStatus::Proposed,
        why: "{}".into(),
        value_cents: 900,
        proposed_ms: FIRST_MS,
        decided_by: None,
        decided_ms: None,
        delivered_ms: None,
        recalled_lot: None,
        version: 1,
    };
    store
        .propose_transfers(&[proposal("a", 4), proposal("b", 1)], FIRST_MS)
        .await
        .expect("proposed");
    let today = date(FIRST_MS);
    let edit = Decision::Edit {
        version: 1,
        units: 6,
    };
    let Decided::Done(edited, _) = store
        .decide_transfer("a", &edit, "ana", FIRST_MS + 1)
        .await
        .expect("edit")
    else {
        panic!("edit refused")
    };
    assert_eq!((edited.units, edited.version), (6, 2));
    let stale = Decision::Approve {
        version: 1,
        today: today.clone(),
    };
    let overtaken = store
        .decide_transfer("a", &stale, "ana", FIRST_MS + 2)
        .await;
    assert!(
        matches!(overtaken, Ok(Decided::Overtaken(_))),
        "{overtaken:?}"
    );
    let approve = Decision::Approve {
        version: 2,
        today: today.clone(),
    };
    let Decided::Done(approved, moves) = store
        .decide_transfer("a", &approve, "ana", FIRST_MS + 3)
        .await
        .expect("approve")
    else {
        panic!("approval refused")
    };
    assert_eq!(approved.status, TransferStatus::Approved);
    assert_eq!(moves.len(), 1);
    assert_eq!(moves[0].kind, MoveKind::TransferredOut);
    let again = store
        .decide_transfer("a", &approve, "ana", FIRST_MS + 4)
        .await;
    assert!(matches!(again, Ok(Decided::Refused(_))), "{again:?}");
    // A newer set supersedes the open proposal "b".
    store
        .propose_transfers(&[proposal("c", 1)], FIRST_MS + 5)
        .await
        .expect("proposed again");
    let b = store.transfer("b").await.expect("read").expect("b");
    assert_eq!(b.status, TransferStatus::Superseded);
    let recall = store
        .recall("CREAM:R", "qa", FIRST_MS + 6)
        .await
        .expect("recall")
        .expect("lot");
    assert_eq!(recall.transfers, ["a"]);
    let Decided::Done(delivered, moves) = store
        .decide_transfer("a", &Decision::Deliver, "driver", FIRST_MS + 7)
        .await
        .expect("deliver")
    else {
        panic!("delivery refused")
    };
    assert_eq!(delivered.status, TransferStatus::Delivered);
    assert_eq!(delivered.recalled_lot.as_deref(), Some("CREAM:R"));
    let kinds: Vec<_> = moves.iter().map(|m| (m.kind, m.units)).collect();
    assert_eq!(
        kinds,
        [(MoveKind::TransferredIn, 6), (MoveKind::Recalled, -6)]
    );
    let held: i64 = store
        .balances(None)
        .await
        .expect("read")
        .iter()
        .map(|b| b.units)
        .sum();
    assert_eq!(held, 0, "nothing of a recalled lot stays on hand");
    let missing = store
        .decide_transfer("zz", &Decision::Deliver, "x", 0)
        .await;
    assert!(matches!(missing, Ok(Decided::Missing)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recall_flags_transfers_on_the_way_on_both_backends() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("recall.db");
    let sqlite = SqliteStore::open(path.to_str().expect("utf-8"))
        .await
        .expect("open");
    recall_on_the_way(&sqlite.into()).await;
    let Ok(url) = std::env::var("FRESHROUTE_TEST_POSTGRES_URL") else {
        eprintln!("FRESHROUTE_TEST_POSTGRES_URL is not set: PostgreSQL run skipped");
        return;
    };
    let db = freshroute_store::testing::TempPgDatabase::create(&url)
        .await
        .expect("database");
    let pg = PgStore::connect(db.url()).await.expect("connect");
    recall_on_the_way(&pg.into()).await;
    db.drop_now().await.expect("drop");
}
