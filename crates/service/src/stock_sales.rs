//! Sales take stock, with nothing typed at the till: a delivered order's items and the
//! till's daily rows take units from their store's lots in the article's zone, oldest
//! last day first, never a lot past its day or recalled (the ledger's take). Each sale
//! has a reference (`order:ID`, `till:STORE:DAY`) and takes only what it has not taken
//! yet, shortfalls counted, so a sale told twice, a till day posted again, or a catch-up
//! after a crash never takes twice.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use freshroute_store::{
    Ledger, MoveKind, ORDER_REFERENCE, Order, OrderStatus, SaleDay, Storage, StoreError, Take,
};

use crate::alert_lines::LinesSeen;
use crate::orders::stored_items;
use crate::state::AppState;
use crate::stock::zone_of_article;

/// Till days older than this many days before today are history being loaded, not
/// today's stock leaving the shelf.
const TILL_DAYS_TAKEN: i64 = 1;

/// Delivered orders looked at again by [`catch_up`]: those delivered in the last two days.
const CATCH_UP_MS: i64 = 2 * 24 * 3_600_000;

/// One article's units sold at a store.
struct Sale<'a> {
    shop_id: &'a str,
    sku: &'a str,
    units: i64,
    reference: String,
    day: NaiveDate,
}

/// Takes what `sale` has not taken yet; an article the catalog neither stocks nor
/// makes (or no catalog) takes nothing. A take across the article's alert line is
/// recorded as a crossing. Returns the units short.
async fn take(
    state: &AppState,
    sale: Sale<'_>,
    actor: &str,
    lines: &mut LinesSeen,
) -> Result<i64, StoreError> {
    let Some(zone) = state
        .procurement
        .as_deref()
        .and_then(|d| zone_of_article(d, sale.sku))
    else {
        return Ok(0);
    };
    let wanted = sale.units - state.store.taken_for(&sale.reference, sale.sku).await?;
    if wanted <= 0 {
        return Ok(0);
    }
    let taken = state
        .store
        .take_oldest_first(&Take {
            shop_id: sale.shop_id.to_string(),
            zone,
            sku: sale.sku.to_string(),
            units: wanted,
            kind: MoveKind::Sold,
            today: sale.day.to_string(),
            reference: Some(sale.reference),
            actor: actor.to_string(),
            at_ms: state.clock.now_ms(),
        })
        .await?;
    let units: i64 = taken.movements.iter().map(|m| -m.units).sum();
    lines
        .after_take(state, sale.shop_id, sale.sku, units)
        .await?;
    Ok(taken.shortfall)
}

/// Takes a delivered order's items from its store's lots, an article's lines together
/// (its reference says what the order took of each article).
pub(crate) async fn order_delivered(state: &AppState, order: &Order) -> Result<(), StoreError> {
    let day = state.time_zone.date_of(state.clock.now_ms());
    let mut lines = LinesSeen::default();
    let mut by_sku: BTreeMap<String, i64> = BTreeMap::new();
    for item in stored_items(order) {
        *by_sku.entry(item.sku().to_string()).or_default() += item.quantity();
    }
    for (sku, units) in &by_sku {
        let short = take(
            state,
            Sale {
                shop_id: &order.shop_id,
                sku,
                units: *units,
                reference: format!("{ORDER_REFERENCE}{}", order.id),
                day,
            },
            "delivery",
            &mut lines,
        )
        .await?;
        if short > 0 {
            tracing::warn!(order = %order.id, sku, short, "an order sold more than its store's lots held");
        }
    }
    Ok(())
}

/// Takes what posted till rows of today and yesterday add to what their day took;
/// older rows are history and take nothing. Returns the units short.
pub(crate) async fn till_sold(state: &AppState, rows: &[SaleDay]) -> Result<i64, StoreError> {
    let today = state.time_zone.date_of(state.clock.now_ms());
    let mut lines = LinesSeen::default();
    let mut short = 0;
    for row in rows {
        let Ok(day) = NaiveDate::parse_from_str(&row.date, "%Y-%m-%d") else {
            continue;
        };
        if day < today - Duration::days(TILL_DAYS_TAKEN) {
            continue;
        }
        short += take(
            state,
            Sale {
                shop_id: &row.shop_id,
                sku: &row.sku,
                // A till selling servings: whole units leave the shelf.
                units: row.units.floor() as i64,
                reference: format!("till:{}:{}", row.shop_id, row.date),
                day,
            },
            &row.actor,
            &mut lines,
        )
        .await?;
    }
    Ok(short)
}

/// Takes the items of orders delivered lately that have not taken theirs (a crash
/// between an order's delivery and its take): run when the service starts.
pub async fn catch_up(state: &AppState) -> Result<usize, StoreError> {
    let since = state.clock.now_ms() - CATCH_UP_MS;
    let delivered = state
        .store
        .orders(Some(OrderStatus::Delivered), None, 100_000)
        .await?;
    let mut n = 0;
    for order in delivered.iter().filter(|o| o.updated_ms >= since) {
        order_delivered(state, order).await?;
        n += 1;
    }
    Ok(n)
}
