//! Till sales posted by the stores, a day at a time or in batches (JSON, or CSV in the
//! daily sales format): stored, and read by every planning round over the chain's
//! history, so that a round for today has yesterday's sales.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use chrono::NaiveDate;
use freshroute_store::{Role, SaleDay, Sales, Storage};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::rounds::ProcurementData;
use crate::state::AppState;
use crate::{ApiError, ErrorBody};

/// Most rows one request may post: a month of a 30-store chain's 50 articles.
const MAX_ROWS: usize = 50_000;
/// Most units of one article a store sells in a day.
const MAX_UNITS: f64 = 1_000_000.0;

/// One store's sales of one article on one day.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PostedSale {
    /// The store's local date, YYYY-MM-DD; not after today.
    #[schema(example = "2026-12-02")]
    date: String,
    #[schema(example = "porto-aliados")]
    store_id: String,
    /// An article of the catalog.
    #[schema(example = "NATA")]
    sku: String,
    /// Units sold, 0 or more (fractions where the till sells servings).
    #[schema(example = 84.0)]
    units: f64,
    /// What one unit brought in, cents [default: the catalog's price].
    #[serde(default)]
    unit_value_cents: Option<i64>,
    /// On promotion [default: whether a planned promotion covered the day].
    #[serde(default)]
    promo: Option<bool>,
    /// A public holiday [default: Portugal's calendar, the sample chain's].
    #[serde(default)]
    holiday: Option<bool>,
    /// The day's mean temperature, °C [default: the history's a year before].
    #[serde(default)]
    temp_c: Option<f64>,
}

/// A batch of posted sales.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SalesBatch {
    /// 1 to 50,000 rows; a row for a store, article and day already posted replaces it.
    sales: Vec<PostedSale>,
}

/// Posts till sales. `application/json`: `{"sales": [...]}`; `text/csv`: the daily sales
/// format (`date,store,sku,units` and optionally `unit_value_cents,promo,holiday,temp_c`).
#[utoipa::path(post, path = "/v1/sales", tag = "procurement", request_body = SalesBatch,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "`{\"recorded\", \"first_day\", \"last_day\", \"history_until\"}`: rows stored, and the last day a round now has sales for", body = SalesRecorded),
        (status = 400, description = "A row that does not read, with its path (`sales[3].units`)", body = ErrorBody),
        (status = 403, description = "Not an admin or planner key", body = ErrorBody),
        (status = 422, description = "An unknown store or article, or a day after today (`unknown_store`, `unknown_sku`, `future_date`)", body = ErrorBody),
        (status = 503, description = "No procurement data loaded", body = ErrorBody),
    ))]
pub(crate) async fn post(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<SalesRecorded>, ApiError> {
    caller.require(&[Role::Admin, Role::Planner])?;
    let data = state.procurement.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_procurement_data",
            "the service was started without procurement data: start it with --procurement-data DIR",
        )
    })?;
    let csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/csv"));
    let rows = if csv {
        from_csv(&body)?
    } else {
        crate::error::read_json::<SalesBatch>(&body, "a sales batch")?.sales
    };
    if rows.is_empty() || rows.len() > MAX_ROWS {
        return Err(ApiError::bad_request(
            "invalid_batch",
            format!("post 1 to {MAX_ROWS} rows at once"),
        )
        .at("sales"));
    }
    let shops: Vec<String> = state
        .store
        .shops()
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let now = state.clock.now_ms();
    let today = state.time_zone.date_of(now);
    let check = Check {
        data: &data,
        shops: &shops,
        today,
        now,
        actor: caller.by_key(),
    };
    let days = rows
        .iter()
        .enumerate()
        .map(|(i, r)| check.row(r).map_err(|e| e.within("sales", i)))
        .collect::<Result<Vec<SaleDay>, ApiError>>()?;
    let recorded = state.store.record_sales(&days).await?;
    // The rows are stored; a take that fails now is taken when the day is posted again.
    let short_units = match crate::stock_sales::till_sold(&state, &days).await {
        Ok(short) => short,
        Err(e) => {
            tracing::error!(error = %e, "posted till sales were not taken from stock");
            0
        }
    };
    let first = days
        .iter()
        .map(|d| d.date.as_str())
        .min()
        .unwrap_or_default();
    let last = days
        .iter()
        .map(|d| d.date.as_str())
        .max()
        .unwrap_or_default();
    // The last day a round now has sales for: the history's, or the latest posted.
    let after = (data.last + chrono::Duration::days(1)).to_string();
    let posted_last = state
        .store
        .sales_from(&after)
        .await?
        .into_iter()
        .map(|d| d.date)
        .max();
    let until = posted_last.unwrap_or_else(|| data.last.to_string());
    Ok(Json(SalesRecorded {
        recorded,
        first_day: first.to_string(),
        last_day: last.to_string(),
        history_until: until,
        short_units,
    }))
}

/// What a sales post stored.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SalesRecorded {
    /// Rows stored (a row for a day already posted replaces it).
    recorded: u64,
    /// The earliest day posted, `YYYY-MM-DD`.
    first_day: String,
    /// The latest day posted.
    last_day: String,
    /// The last day a procurement round now has sales for.
    history_until: String,
    /// Units of today's and yesterday's rows that the stores' lots did not hold: sold
    /// beyond what the ledger knows (a count puts it right).
    short_units: i64,
}

struct Check<'a> {
    data: &'a ProcurementData,
    shops: &'a [String],
    today: NaiveDate,
    now: i64,
    actor: String,
}

impl Check<'_> {
    fn row(&self, r: &PostedSale) -> Result<SaleDay, ApiError> {
        let date = NaiveDate::parse_from_str(&r.date, "%Y-%m-%d").map_err(|_| {
            ApiError::bad_request("invalid_date", format!("{:?} is not YYYY-MM-DD", r.date))
                .at("date")
        })?;
        if date > self.today {
            return Err(ApiError::unprocessable(
                "future_date",
                format!(
                    "{date} is after today ({}): post a day once it is sold",
                    self.today
                ),
            )
            .at("date"));
        }
        if date < self.data.first {
            return Err(ApiError::unprocessable(
                "before_history",
                format!(
                    "{date} is before the history's first day, {}",
                    self.data.first
                ),
            )
            .at("date"));
        }
        if !self.shops.contains(&r.store_id) {
            return Err(ApiError::unprocessable(
                "unknown_store",
                format!("no store {:?}: see GET /v1/stores", r.store_id),
            )
            .at("store_id"));
        }
        let Some(sku) = self.data.catalog.skus.iter().find(|s| s.id == r.sku) else {
            return Err(ApiError::unprocessable(
                "unknown_sku",
                format!("{:?} is not an article of the catalog", r.sku),
            )
            .at("sku"));
        };
        if !(r.units.is_finite() && (0.0..=MAX_UNITS).contains(&r.units)) {
            return Err(ApiError::bad_request(
                "invalid_units",
                format!("units must be a number from 0 to {MAX_UNITS}"),
            )
            .at("units"));
        }
        let value = r.unit_value_cents.unwrap_or(sku.revenue_cents);
        if !(0..=100_000_000).contains(&value) {
            return Err(ApiError::bad_request(
                "invalid_value",
                "unit_value_cents must be 0 to 100,000,000",
            )
            .at("unit_value_cents"));
        }
        let temp_c = r
            .temp_c
            .unwrap_or_else(|| self.data.temp_a_year_before(date));
        if !(temp_c.is_finite() && (-50.0..=60.0).contains(&temp_c)) {
            return Err(ApiError::bad_request(
                "invalid_temperature",
                "temp_c must be −50 to 60 °C",
            )
            .at("temp_c"));
        }
        Ok(SaleDay {
            shop_id: r.store_id.clone(),
            sku: r.sku.clone(),
            date: date.to_string(),
            units: r.units,
            unit_value_cents: value,
            promo: r.promo.unwrap_or_else(|| self.data.promoted(&r.sku, date)),
            holiday: r
                .holiday
                .unwrap_or_else(|| freshroute_sample::history::holiday(date).is_some()),
            temp_c,
            recorded_ms: self.now,
            actor: self.actor.clone(),
        })
    }
}

/// CSV rows in the daily sales format, header first; the last four columns may be left
/// out. A cell that does not read is refused at `sales[i].column`.
fn from_csv(body: &[u8]) -> Result<Vec<PostedSale>, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::bad_request("invalid_body", "the CSV is not UTF-8"))?;
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines
        .next()
        .map(|h| h.split(',').map(str::trim).collect())
        .unwrap_or_default();
    let columns = [
        "date",
        "store",
        "sku",
        "units",
        "unit_value_cents",
        "promo",
        "holiday",
        "temp_c",
    ];
    if header.len() < 4 || header.len() > 8 || header[..] != columns[..header.len()] {
        return Err(ApiError::bad_request(
            "invalid_header",
            format!(
                "the first line must be {}, or its first 4 to 7 columns",
                columns.join(",")
            ),
        )
        .at("sales"));
    }
    lines
        .enumerate()
        .map(|(i, line)| {
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            if cells.len() != header.len() {
                return Err(ApiError::bad_request(
                    "invalid_row",
                    format!(
                        "{} cells where the header has {}",
                        cells.len(),
                        header.len()
                    ),
                )
                .at(format!("sales[{i}]")));
            }
            csv_row(&cells).map_err(|e| e.within("sales", i))
        })
        .collect()
}

fn csv_row(cells: &[&str]) -> Result<PostedSale, ApiError> {
    fn cell<T: std::str::FromStr>(
        cells: &[&str],
        k: usize,
        name: &str,
    ) -> Result<Option<T>, ApiError> {
        cells
            .get(k)
            .map(|c| {
                c.parse().map_err(|_| {
                    ApiError::bad_request("invalid_value", format!("{name} {c:?} does not read"))
                        .at(name)
                })
            })
            .transpose()
    }
    let flag = |k: usize, name: &str| -> Result<Option<bool>, ApiError> {
        cell::<u8>(cells, k, name)?
            .map(|v| match v {
                0 => Ok(false),
                1 => Ok(true),
                _ => Err(
                    ApiError::bad_request("invalid_value", format!("{name} is 0 or 1")).at(name),
                ),
            })
            .transpose()
    };
    Ok(PostedSale {
        date: cells[0].to_string(),
        store_id: cells[1].to_string(),
        sku: cells[2].to_string(),
        units: cell(cells, 3, "units")?.unwrap_or(f64::NAN),
        unit_value_cents: cell(cells, 4, "unit_value_cents")?,
        promo: flag(5, "promo")?,
        holiday: flag(6, "holiday")?,
        temp_c: cell(cells, 7, "temp_c")?,
    })
}
