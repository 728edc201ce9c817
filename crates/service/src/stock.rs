//! Stock as the ledger holds it: lots as delivered or counted, read from JSON or off a
//! case's GS1 label, checked and placed in their store's temperature zone; the stock
//! listing; and counts, which move the ledger to what was counted.

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::NaiveDate;
use freshroute_sample::catalog::Zone as ArticleZone;
use freshroute_store::{Ledger, Lot, Role, StockLot, Storage, StorageZone};
use serde::Deserialize;

use crate::ApiError;
use crate::auth::Caller;
use crate::error::ErrorBody;
use crate::fields::valid_id;
use crate::purchase_views::{LotList, lot_list};
use crate::rounds::ProcurementData;
use crate::state::AppState;

/// Who may receive, count and read stock.
pub(crate) const STOCK_KEEPERS: [Role; 2] = [Role::Planner, Role::Admin];

/// Most units one lot may hold: far above any store's shelf, far below what would
/// break the purchase model's arithmetic.
const MAX_LOT_UNITS: f64 = 1.0e6;

/// A lot as delivered or counted.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LotIn {
    /// The article (with `lot_number` and `expiry_date`, or give `scan` instead).
    #[serde(default)]
    sku: Option<String>,
    /// The supplier's lot number (1 to 64 letters, digits, `-`, `_`, `.`).
    #[serde(default)]
    lot_number: Option<String>,
    /// The last day it may be sold, YYYY-MM-DD.
    #[serde(default)]
    expiry_date: Option<String>,
    /// The case's label as scanned, in place of the three above: a GS1 element string
    /// with the article's GTIN (01), the lot (10) and the expiry (17) or best before
    /// (15), bracketed (`(01)02000000000015(17)270131(10)L-42`) or raw with FNC1.
    #[serde(default)]
    #[schema(example = "(01)02000000000015(17)270131(10)L-42")]
    scan: Option<String>,
    /// Where it is kept: `frozen`, `chilled` or `ambient` [default: the catalog's zone
    /// for the article].
    #[serde(default)]
    zone: Option<String>,
    /// Whole units (a receipt: 1 to 1,000,000; a count: 0 to 1,000,000).
    units: f64,
}

/// The articles a receipt or count may name: the catalog's (any, if none is loaded),
/// or only those of `only`.
pub(crate) struct Articles<'a> {
    pub(crate) data: Option<&'a ProcurementData>,
    pub(crate) only: Option<&'a [String]>,
}

impl Articles<'_> {
    fn known(&self, sku: &str) -> bool {
        let in_catalog = self.data.is_none_or(|d| zone_of_article(d, sku).is_some());
        in_catalog && self.only.is_none_or(|only| only.iter().any(|s| s == sku))
    }

    /// The article of the catalog whose GTIN is `gtin`.
    fn by_gtin(&self, gtin: &str) -> Option<String> {
        self.data?
            .catalog
            .skus
            .iter()
            .find(|s| s.gtin.as_deref() == Some(gtin))
            .map(|s| s.id.clone())
    }

    /// Where the catalog keeps the article.
    fn zone(&self, sku: &str) -> Option<StorageZone> {
        zone_of_article(self.data?, sku)
    }
}

/// Where the catalog keeps an article, bought or made in the store.
pub(crate) fn zone_of_article(data: &ProcurementData, sku: &str) -> Option<StorageZone> {
    let bought = data
        .catalog
        .skus
        .iter()
        .find(|s| s.id == sku)
        .map(|s| s.zone);
    let made = || data.catalog.recipe(sku).map(|r| r.zone);
    bought.or_else(made).map(storage_zone)
}

/// The store's zone for an article the catalog keeps in `zone`.
pub(crate) fn storage_zone(zone: ArticleZone) -> StorageZone {
    match zone {
        ArticleZone::Frozen => StorageZone::Frozen,
        ArticleZone::Chilled => StorageZone::Chilled,
        ArticleZone::Ambient => StorageZone::Ambient,
    }
}

/// A lot's article, number and last day: as given, or read off its scan.
fn lot_fields(
    l: &LotIn,
    i: usize,
    articles: &Articles,
    today: NaiveDate,
) -> Result<(String, String, String), ApiError> {
    let field = |f: &str| format!("lots[{i}].{f}");
    let Some(scan) = &l.scan else {
        let given = |v: &Option<String>, f: &str| {
            v.clone().ok_or_else(|| {
                ApiError::bad_request(
                    "missing_field",
                    format!(
                        "give {f} (or the case's scan in place of sku, lot_number and expiry_date)"
                    ),
                )
                .at(field(f))
            })
        };
        return Ok((
            given(&l.sku, "sku")?,
            given(&l.lot_number, "lot_number")?,
            given(&l.expiry_date, "expiry_date")?,
        ));
    };
    if l.sku.is_some() || l.lot_number.is_some() || l.expiry_date.is_some() {
        return Err(ApiError::bad_request(
            "scan_and_fields",
            "give the scan or sku, lot_number and expiry_date, not both",
        )
        .at(field("scan")));
    }
    let read = freshroute_formats::read_gs1(scan, today).map_err(|e| {
        ApiError::unprocessable(
            e.code,
            format!("{} (character {} of the scan)", e.message, e.at),
        )
        .at(field("scan"))
    })?;
    let missing = |what: &str| {
        ApiError::unprocessable(
            "gs1_incomplete",
            format!("the scan has no {what}: scan the case's full label"),
        )
        .at(field("scan"))
    };
    let gtin = read.gtin.ok_or_else(|| missing("GTIN (01)"))?;
    let lot = read.lot.ok_or_else(|| missing("lot (10)"))?;
    let day = read
        .expiry
        .or(read.best_before)
        .ok_or_else(|| missing("expiry (17) or best before (15)"))?;
    let sku = articles.by_gtin(&gtin).ok_or_else(|| {
        ApiError::unprocessable(
            "unknown_gtin",
            format!("no article of the catalog has GTIN {gtin}"),
        )
        .at(field("scan"))
    })?;
    Ok((sku, lot, day.to_string()))
}

/// Whole units from 'least' to a lot's most.
fn whole_units(units: f64, least: i64, field: String) -> Result<i64, ApiError> {
    if !units.is_finite() || units < 0.0 {
        return Err(ApiError::unprocessable(
            "negative_stock",
            format!("{units} units: count again; units are 0 or more"),
        )
        .at(field));
    }
    if units > MAX_LOT_UNITS {
        return Err(ApiError::unprocessable(
            "too_many_units",
            format!("{units} units in one lot: count again; a lot holds at most {MAX_LOT_UNITS}"),
        )
        .at(field));
    }
    if units.fract() != 0.0 {
        return Err(ApiError::unprocessable(
            "fractional_units",
            format!("{units} units: stock is kept in whole units (a case's units, not cases)"),
        )
        .at(field));
    }
    if (units as i64) < least {
        return Err(ApiError::unprocessable(
            "no_units",
            format!("a lot received holds {least} unit or more: leave out a lot that did not come"),
        )
        .at(field));
    }
    Ok(units as i64)
}

/// The zone a lot is kept in: as given, or the catalog's for its article.
fn zone_in(
    l: &LotIn,
    sku: &str,
    articles: &Articles,
    field: String,
) -> Result<StorageZone, ApiError> {
    match &l.zone {
        Some(z) => StorageZone::parse(z).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_zone",
                format!("zone {z:?} is not one: give frozen, chilled or ambient"),
            )
            .at(field)
        }),
        None => articles.zone(sku).ok_or_else(|| {
            ApiError::bad_request(
                "missing_field",
                format!("give the zone {sku} is kept in: no catalog names it"),
            )
            .at(field)
        }),
    }
}

/// What a receipt or count from outside brings.
pub(crate) struct Intake<'a> {
    /// The store.
    pub(crate) shop_id: &'a str,
    /// The articles it may name.
    pub(crate) articles: Articles<'a>,
    /// The store's day: a lot past its last day is refused.
    pub(crate) today: NaiveDate,
    /// The purchase order delivered, for a receipt.
    pub(crate) po_id: Option<&'a str>,
    /// Fewest units a lot may hold (a receipt 1, a count 0).
    pub(crate) least_units: i64,
    /// When.
    pub(crate) at_ms: i64,
}

/// Checks lots from outside into lots on hand at `intake`'s store.
pub(crate) fn lots_in(lots: &[LotIn], intake: &Intake) -> Result<Vec<StockLot>, ApiError> {
    let mut out: Vec<StockLot> = Vec::with_capacity(lots.len());
    for (i, l) in lots.iter().enumerate() {
        let field = |f: &str| format!("lots[{i}].{f}");
        let (sku, lot_number, expiry_date) = lot_fields(l, i, &intake.articles, intake.today)?;
        if !intake.articles.known(&sku) {
            return Err(ApiError::unprocessable(
                "unknown_article",
                format!("{sku:?} is not an article here"),
            )
            .at(field("sku")));
        }
        valid_id(&field("lot_number"), &lot_number)?;
        let units = whole_units(l.units, intake.least_units, field("units"))?;
        let zone = zone_in(l, &sku, &intake.articles, field("zone"))?;
        let expiry = NaiveDate::parse_from_str(&expiry_date, "%Y-%m-%d").map_err(|_| {
            ApiError::bad_request("invalid_date", "expiry_date must be YYYY-MM-DD")
                .at(field("expiry_date"))
        })?;
        if expiry < intake.today {
            return Err(ApiError::unprocessable(
                "expired_lot",
                format!("lot {lot_number} expired on {expiry}: it cannot enter stock"),
            )
            .at(field("expiry_date")));
        }
        if out
            .iter()
            .any(|x| x.lot.sku == sku && x.lot.lot_number == lot_number && x.zone == zone)
        {
            return Err(ApiError::unprocessable(
                "duplicate_lot",
                format!("lot {lot_number} of {sku} is given twice"),
            )
            .at(field("lot_number")));
        }
        out.push(StockLot {
            lot: Lot {
                id: Lot::supplier_lot_id(&sku, &lot_number),
                sku,
                lot_number,
                expiry_date: expiry.to_string(),
                po_id: intake.po_id.map(str::to_string),
                made_by: None,
                recalled_ms: None,
                created_ms: intake.at_ms,
                expires_ms: None,
            },
            shop_id: intake.shop_id.to_string(),
            zone,
            units,
        });
    }
    Ok(out)
}

/// Today in the chain's time zone.
pub(crate) fn today(state: &AppState) -> NaiveDate {
    state.time_zone.date_of(state.clock.now_ms())
}

/// Filters of a stock listing.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct StockListing {
    /// Only this store's lots.
    store_id: Option<String>,
}

/// The lots on hand, by store, article, last day and lot, each in its zone.
#[utoipa::path(get, path = "/v1/stock", tag = "procurement", params(StockListing),
    security(("api_key" = [])),
    responses((status = 200, description = "The lots on hand", body = LotList)))]
pub(crate) async fn stock(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<StockListing>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<LotList>, ApiError> {
    caller.require(&STOCK_KEEPERS)?;
    let Query(q) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let lots = state.store.stock(q.store_id.as_deref()).await?;
    Ok(Json(lot_list(&lots, state.time_zone)))
}

/// A window of `within_hours` (1 to 720, 24 when not given) in ms, or why not.
pub(crate) fn window_ms(within_hours: Option<i64>) -> Result<i64, ApiError> {
    let hours = within_hours.unwrap_or(24);
    if (1..=720).contains(&hours) {
        Ok(hours * 3_600_000)
    } else {
        Err(ApiError::bad_request(
            "invalid_hours",
            format!("within_hours {hours}: give 1 to 720"),
        )
        .at("within_hours"))
    }
}

/// What a warning of expiry covers.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExpiringListing {
    /// Hours from now (1 to 720) [default: 24].
    within_hours: Option<i64>,
    /// Only this store's lots.
    store_id: Option<String>,
}

/// Lots on hand that expire within the hours asked (their last day, or for goods that
/// keep hours their instant): sell, use or move them first. What has expired is moved
/// to waste by the service as it runs.
#[utoipa::path(get, path = "/v1/stock/expiring", tag = "procurement", params(ExpiringListing),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The lots that expire within the window", body = LotList),
        (status = 400, description = "Hours out of range (`invalid_hours`)", body = ErrorBody),
    ))]
pub(crate) async fn expiring(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ExpiringListing>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<LotList>, ApiError> {
    caller.require(&STOCK_KEEPERS)?;
    let Query(q) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let window = window_ms(q.within_hours)?;
    let by_ms = state.clock.now_ms() + window;
    let by_day = state.time_zone.date_of(by_ms).to_string();
    let lots: Vec<StockLot> = state
        .store
        .expiring(&by_day, by_ms)
        .await?
        .into_iter()
        .filter(|l| q.store_id.as_deref().is_none_or(|s| s == l.shop_id))
        .collect();
    Ok(Json(lot_list(&lots, state.time_zone)))
}

/// A stock count.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Count {
    /// Every lot on hand (the store's other lots are gone).
    lots: Vec<LotIn>,
}

/// Records a count of a store: the ledger moves to what was counted, a `counted`
/// movement per lot and zone that differs (a lot the count does not list is gone).
#[utoipa::path(put, path = "/v1/stock/{store_id}", tag = "procurement",
    params(("store_id" = String, Path, description = "The store")),
    request_body = Count, security(("api_key" = [])),
    responses(
        (status = 200, description = "The store's lots on hand after the count", body = LotList),
        (status = 404, description = "No such store", body = ErrorBody),
        (status = 409, description = "Units counted of a recalled lot (`recalled_lot`)", body = ErrorBody),
        (status = 422, description = "Negative (`negative_stock`) or fractional (`fractional_units`) units, over a million in a lot (`too_many_units`), an unknown article, an expired lot, a lot number known with another last day (`invalid_value`)", body = ErrorBody),
    ))]
pub(crate) async fn count(
    State(state): State<AppState>,
    caller: Caller,
    Path(store_id): Path<String>,
    body: Result<Json<Count>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<LotList>, ApiError> {
    caller.require(&STOCK_KEEPERS)?;
    let Json(c) = body?;
    if state.store.shop(&store_id).await?.is_none() {
        return Err(crate::shops::unknown_shop(&store_id));
    }
    let data = state.procurement.clone();
    let now = state.clock.now_ms();
    let lots = lots_in(
        &c.lots,
        &Intake {
            shop_id: &store_id,
            articles: Articles {
                data: data.as_deref(),
                only: None,
            },
            today: today(&state),
            po_id: None,
            least_units: 0,
            at_ms: now,
        },
    )?;
    state
        .store
        .count(&store_id, &lots, &caller.by_key(), now)
        .await?;
    let after = state.store.stock(Some(&store_id)).await?;
    Ok(Json(lot_list(&after, state.time_zone)))
}
