//! Demand histories for the forecaster, read into a [`Panel`], every value checked.
//!
//! Two formats, told apart by their header:
//! - **Daily sales** (the sample chain's `data/procurement/sales.csv.gz`, plain or
//!   gzip): `date,store,sku,units,unit_value_cents,promo,holiday,temp_c`, one row per
//!   store × article × day. Seasons are weekdays; covariates: holiday (0/1), promotion
//!   (0/1) and the day's temperature (°C above 15; the recorded value stands in for the
//!   1–3-day weather forecast a planner would have).
//! - **Dominick's weekly orange juice** (`store,brand,week,units,logmove,price1…price11,
//!   deal,feat,profit`): one row per store × brand × week. One season; covariates known
//!   in advance: the log of the brand's own price, its price relative to the mean of
//!   the other brands, the deal flag and the feature share.

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use freshroute_forecast::{DAILY_COVARIATES, Panel, Series, daily_covariates};

use crate::FormatError;

/// The header of the daily sales format.
pub const DAILY_SALES_HEADER: &str = "date,store,sku,units,unit_value_cents,promo,holiday,temp_c";

/// One row of the daily sales format.
#[derive(Debug, Clone, PartialEq)]
pub struct DailySale {
    /// The day.
    pub date: NaiveDate,
    /// The store's id.
    pub store: String,
    /// The article's id.
    pub sku: String,
    /// Units sold (fractions of a unit where the till sells servings of it).
    pub units: f64,
    /// What one unit brings in, cents.
    pub unit_value_cents: i64,
    /// On promotion that day.
    pub promo: bool,
    /// A public holiday.
    pub holiday: bool,
    /// The day's mean temperature, °C.
    pub temp_c: f64,
}

/// Writes rows in the daily sales format, header first.
pub fn write_daily_sales(
    mut out: impl Write,
    rows: impl IntoIterator<Item = DailySale>,
) -> std::io::Result<()> {
    writeln!(out, "{DAILY_SALES_HEADER}")?;
    for r in rows {
        writeln!(
            out,
            "{},{},{},{},{},{},{},{:.1}",
            r.date.format("%Y-%m-%d"),
            r.store,
            r.sku,
            r.units,
            r.unit_value_cents,
            u8::from(r.promo),
            u8::from(r.holiday),
            r.temp_c
        )?;
    }
    out.flush()
}

/// Which format a demand file was in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemandKind {
    /// Daily sales per store × article.
    Daily,
    /// Weekly sales per store × brand (Dominick's).
    Weekly,
}

/// A demand history read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Demand {
    /// Which format it was.
    pub kind: DemandKind,
    /// The panel.
    pub panel: Panel,
    /// Label of each period (`2026-11-30`, `week 160`).
    pub labels: Vec<String>,
    /// Series × periods without a row.
    pub missing: usize,
}

fn open(path: &Path) -> Result<Box<dyn BufRead>, FormatError> {
    let file = std::fs::File::open(path).map_err(|source| FormatError::Io {
        path: path.to_owned(),
        source,
    })?;
    let reader: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::GzDecoder::new(file))
    } else {
        Box::new(file)
    };
    Ok(Box::new(BufReader::new(reader)))
}

struct Lines {
    path: PathBuf,
    inner: Box<dyn BufRead>,
    number: usize,
    buf: String,
}

impl Lines {
    /// The next non-empty line, split at commas, with its one-based number.
    fn next(&mut self) -> Result<Option<(usize, Vec<&str>)>, FormatError> {
        loop {
            self.buf.clear();
            let n = self
                .inner
                .read_line(&mut self.buf)
                .map_err(|source| FormatError::Io {
                    path: self.path.clone(),
                    source,
                })?;
            if n == 0 {
                return Ok(None);
            }
            self.number += 1;
            if !self.buf.trim().is_empty() {
                let cells = self
                    .buf
                    .trim_end_matches(['\n', '\r'])
                    .split(',')
                    .map(str::trim)
                    .collect();
                return Ok(Some((self.number, cells)));
            }
        }
    }
}

fn bad(path: &Path, line: usize, what: String) -> FormatError {
    FormatError::BadValue {
        path: path.to_owned(),
        line,
        what,
    }
}

fn number(path: &Path, line: usize, name: &str, cell: &str) -> Result<f64, FormatError> {
    cell.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| bad(path, line, format!("{name} {cell:?} is not a number")))
}

/// Reads a demand history, telling the format by its header.
pub fn read_demand(path: &Path) -> Result<Demand, FormatError> {
    let mut lines = Lines {
        path: path.to_owned(),
        inner: open(path)?,
        number: 0,
        buf: String::new(),
    };
    let header: Vec<String> = match lines.next()? {
        Some((_, cells)) => cells.iter().map(|c| c.to_ascii_lowercase()).collect(),
        None => {
            return Err(FormatError::MissingSection {
                path: path.to_owned(),
                section: "header",
            });
        }
    };
    if header.join(",") == DAILY_SALES_HEADER {
        read_daily(lines)
    } else if header.first().is_some_and(|h| h == "store")
        && header.get(1).is_some_and(|h| h == "brand")
        && header.get(2).is_some_and(|h| h == "week")
        && header.len() == 19
    {
        read_weekly(lines)
    } else {
        Err(bad(
            path,
            1,
            format!(
                "unknown header {:?}: expected the daily sales header `{DAILY_SALES_HEADER}` or Dominick's `store,brand,week,units,logmove,price1,…,price11,deal,feat,profit`",
                header.join(",")
            ),
        ))
    }
}

/// Cells of one series before it becomes a [`Series`]: per period, units and covariates.
struct Cells {
    group: String,
    article: String,
    units: Vec<Option<f64>>,
    known: Vec<f64>,
    value: Vec<f64>,
}

impl Cells {
    fn new(group: &str, article: &str, periods: usize, covariates: usize) -> Self {
        Self {
            group: group.to_string(),
            article: article.to_string(),
            units: vec![None; periods],
            known: vec![0.0; periods * covariates],
            value: vec![0.0; periods],
        }
    }
}

fn columns(path: &Path, line: usize, cells: &[&str], expected: usize) -> Result<(), FormatError> {
    if cells.len() == expected {
        Ok(())
    } else {
        Err(FormatError::Columns {
            path: path.to_owned(),
            line,
            got: cells.len(),
            expected,
        })
    }
}

fn flag(path: &Path, line: usize, name: &str, cell: &str) -> Result<bool, FormatError> {
    match cell {
        "0" => Ok(false),
        "1" => Ok(true),
        _ => Err(bad(path, line, format!("{name} {cell:?} is not 0 or 1"))),
    }
}

fn read_daily(mut lines: Lines) -> Result<Demand, FormatError> {
    let path = lines.path.clone();
    let mut rows = Vec::new();
    while let Some((line, cells)) = lines.next()? {
        columns(&path, line, &cells, 8)?;
        let date = NaiveDate::parse_from_str(cells[0], "%Y-%m-%d").map_err(|_| {
            bad(
                &path,
                line,
                format!("date {:?} is not YYYY-MM-DD", cells[0]),
            )
        })?;
        if cells[1].is_empty() || cells[2].is_empty() {
            return Err(bad(
                &path,
                line,
                "store and sku must not be empty".to_string(),
            ));
        }
        let units = number(&path, line, "units", cells[3])?;
        if units < 0.0 {
            return Err(bad(&path, line, format!("units {units} are negative")));
        }
        let value = cells[4]
            .parse::<i64>()
            .ok()
            .filter(|v| *v >= 0)
            .ok_or_else(|| {
                bad(
                    &path,
                    line,
                    format!("unit_value_cents {:?} is not a whole number ≥ 0", cells[4]),
                )
            })?;
        let promo = flag(&path, line, "promo", cells[5])?;
        let holiday = flag(&path, line, "holiday", cells[6])?;
        let temp = number(&path, line, "temp_c", cells[7])?;
        if !(-50.0..=60.0).contains(&temp) {
            return Err(bad(
                &path,
                line,
                format!("temp_c {temp} is outside −50…60 °C"),
            ));
        }
        rows.push((
            line,
            DailySale {
                date,
                store: cells[1].to_string(),
                sku: cells[2].to_string(),
                units,
                unit_value_cents: value,
                promo,
                holiday,
                temp_c: temp,
            },
        ));
    }
    daily_panel(&path, &rows)
}

/// Daily sales rows, already checked, as a demand history: one series per store ×
/// article over every day from the first row's to the last's (days without a row are
/// missing). Rows come from a file or storage; `path` names where for errors.
pub fn daily_demand(path: &Path, rows: &[DailySale]) -> Result<Demand, FormatError> {
    let numbered: Vec<(usize, DailySale)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (i + 1, r.clone()))
        .collect();
    daily_panel(path, &numbered)
}

/// A daily panel whose first day is `first`, with `rows` put in: a row replaces its
/// day's figure, days after the panel's last extend it (days between without a row are
/// missing), and a store × article the panel lacks becomes a new series. Returns the
/// panel and its last day. Rows before `first` are left out.
pub fn merge_daily(panel: &Panel, first: NaiveDate, rows: &[DailySale]) -> (Panel, NaiveDate) {
    let mut out = panel.clone();
    let covariates = out.covariates.len();
    let last_row = rows.iter().map(|r| r.date).max();
    let old_last = first + chrono::Duration::days(out.periods as i64 - 1);
    let last = last_row.map_or(old_last, |d| d.max(old_last));
    let periods = (last - first).num_days() as usize + 1;
    for t in out.periods..periods {
        let day = first + chrono::Duration::days(t as i64);
        out.season
            .push(day.weekday().num_days_from_monday() as usize % out.cycle.max(1));
    }
    out.periods = periods;
    for series in &mut out.series {
        series.units.resize(periods, None);
        series.known.resize(periods * covariates, 0.0);
        series.unit_value.resize(periods, 0.0);
    }
    let mut index: HashMap<String, usize> = out
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| (s.key.clone(), i))
        .collect();
    for r in rows.iter().filter(|r| r.date >= first) {
        let key = format!("{}/{}", r.store, r.sku);
        let i = *index.entry(key.clone()).or_insert_with(|| {
            out.series.push(Series {
                key,
                group: r.store.clone(),
                article: r.sku.clone(),
                units: vec![None; periods],
                known: vec![0.0; periods * covariates],
                unit_value: vec![0.0; periods],
            });
            out.series.len() - 1
        });
        let t = (r.date - first).num_days() as usize;
        let s = &mut out.series[i];
        s.units[t] = Some(r.units);
        let k = covariates.min(3);
        s.known[t * covariates..t * covariates + k]
            .copy_from_slice(&daily_covariates(r.holiday, r.promo, r.temp_c)[..k]);
        s.unit_value[t] = r.unit_value_cents as f64;
    }
    (out, last)
}

fn daily_panel(path: &Path, rows: &[(usize, DailySale)]) -> Result<Demand, FormatError> {
    let path = path.to_owned();
    let (Some(first), Some(last)) = (
        rows.iter().map(|r| r.1.date).min(),
        rows.iter().map(|r| r.1.date).max(),
    ) else {
        return Err(FormatError::MissingSection {
            path,
            section: "sales rows",
        });
    };
    let periods = (last - first).num_days() as usize + 1;
    let keys: BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| (r.1.store.clone(), r.1.sku.clone()))
        .collect();
    let index: HashMap<&(String, String), usize> =
        keys.iter().enumerate().map(|(i, k)| (k, i)).collect();
    let mut cells: Vec<Cells> = keys
        .iter()
        .map(|(store, sku)| Cells::new(store, sku, periods, 3))
        .collect();
    for (line, r) in rows {
        let t = (r.date - first).num_days() as usize;
        let c = &mut cells[index[&(r.store.clone(), r.sku.clone())]];
        if c.units[t].is_some() {
            return Err(bad(
                &path,
                *line,
                format!("a second row for {}/{} on {}", r.store, r.sku, r.date),
            ));
        }
        c.units[t] = Some(r.units);
        c.known[t * 3..t * 3 + 3].copy_from_slice(&daily_covariates(r.holiday, r.promo, r.temp_c));
        c.value[t] = r.unit_value_cents as f64;
    }
    let labels: Vec<String> = (0..periods)
        .map(|t| {
            (first + chrono::Duration::days(t as i64))
                .format("%Y-%m-%d")
                .to_string()
        })
        .collect();
    let season = (0..periods)
        .map(|t| {
            (first + chrono::Duration::days(t as i64))
                .weekday()
                .num_days_from_monday() as usize
        })
        .collect();
    Ok(finish(
        DemandKind::Daily,
        keys.iter().map(|(s, k)| format!("{s}/{k}")).collect(),
        cells,
        periods,
        7,
        season,
        DAILY_COVARIATES.iter().map(|c| c.to_string()).collect(),
        labels,
    ))
}

#[allow(clippy::too_many_arguments)]
fn finish(
    kind: DemandKind,
    keys: Vec<String>,
    cells: Vec<Cells>,
    periods: usize,
    cycle: usize,
    season: Vec<usize>,
    covariates: Vec<String>,
    labels: Vec<String>,
) -> Demand {
    let missing = cells
        .iter()
        .map(|c| c.units.iter().filter(|u| u.is_none()).count())
        .sum();
    let series = keys
        .into_iter()
        .zip(cells)
        .map(|(key, c)| Series {
            key,
            group: c.group,
            article: c.article,
            units: c.units,
            known: c.known,
            unit_value: c.value,
        })
        .collect();
    Demand {
        kind,
        panel: Panel {
            periods,
            cycle,
            season,
            covariates,
            series,
        },
        labels,
        missing,
    }
}

fn read_weekly(mut lines: Lines) -> Result<Demand, FormatError> {
    let path = lines.path.clone();
    struct Row {
        line: usize,
        store: String,
        brand: usize,
        week: usize,
        units: f64,
        prices: [f64; 11],
        deal: f64,
        feat: f64,
    }
    let mut rows = Vec::new();
    while let Some((line, cells)) = lines.next()? {
        columns(&path, line, &cells, 19)?;
        let int = |k: usize, name: &str, max: usize| {
            cells[k]
                .parse::<usize>()
                .ok()
                .filter(|v| *v <= max)
                .ok_or_else(|| {
                    bad(
                        &path,
                        line,
                        format!("{name} {:?} is not a whole number up to {max}", cells[k]),
                    )
                })
        };
        let brand = int(1, "brand", 11)?;
        if brand == 0 {
            return Err(bad(&path, line, "brand 0: brands are 1 to 11".to_string()));
        }
        let week = int(2, "week", 10_000)?;
        let units = number(&path, line, "units", cells[3])?;
        if units < 0.0 {
            return Err(bad(&path, line, format!("units {units} are negative")));
        }
        let mut prices = [0.0; 11];
        for (k, p) in prices.iter_mut().enumerate() {
            *p = number(&path, line, "price", cells[5 + k])?;
            if *p <= 0.0 {
                return Err(bad(
                    &path,
                    line,
                    format!("price{} {p} is not positive", k + 1),
                ));
            }
        }
        let deal = number(&path, line, "deal", cells[16])?;
        let feat = number(&path, line, "feat", cells[17])?;
        if !(0.0..=1.0).contains(&deal) || !(0.0..=1.0).contains(&feat) {
            return Err(bad(
                &path,
                line,
                "deal and feat are shares between 0 and 1".to_string(),
            ));
        }
        rows.push(Row {
            line,
            store: cells[0].to_string(),
            brand,
            week,
            units,
            prices,
            deal,
            feat,
        });
    }
    let (Some(first), Some(last)) = (
        rows.iter().map(|r| r.week).min(),
        rows.iter().map(|r| r.week).max(),
    ) else {
        return Err(FormatError::MissingSection {
            path,
            section: "sales rows",
        });
    };
    let periods = last - first + 1;
    let keys: BTreeSet<(String, usize)> = rows.iter().map(|r| (r.store.clone(), r.brand)).collect();
    let index: HashMap<&(String, usize), usize> =
        keys.iter().enumerate().map(|(i, k)| (k, i)).collect();
    const K: usize = 4;
    let mut cells: Vec<Cells> = keys
        .iter()
        .map(|(store, brand)| Cells::new(store, &format!("brand {brand}"), periods, K))
        .collect();
    for r in &rows {
        let t = r.week - first;
        let c = &mut cells[index[&(r.store.clone(), r.brand)]];
        if c.units[t].is_some() {
            return Err(bad(
                &path,
                r.line,
                format!(
                    "a second row for store {} brand {} week {}",
                    r.store, r.brand, r.week
                ),
            ));
        }
        let own = r.prices[r.brand - 1];
        let others = (r.prices.iter().sum::<f64>() - own) / 10.0;
        c.units[t] = Some(r.units);
        c.known[t * K] = own.ln();
        c.known[t * K + 1] = (own / others).ln();
        c.known[t * K + 2] = r.deal;
        c.known[t * K + 3] = r.feat;
        c.value[t] = own;
    }
    // Weeks without a row keep the last known prices and no promotion, so that a series
    // has covariates on every week (they are only used where units are known or forecast).
    for c in &mut cells {
        let mut last_known: Option<usize> = None;
        for t in 0..periods {
            match (c.units[t], last_known) {
                (Some(_), _) => last_known = Some(t),
                (None, Some(l)) => {
                    c.known[t * K] = c.known[l * K];
                    c.known[t * K + 1] = c.known[l * K + 1];
                    c.value[t] = c.value[l];
                }
                (None, None) => {}
            }
        }
    }
    let labels = (first..=last).map(|w| format!("week {w}")).collect();
    Ok(finish(
        DemandKind::Weekly,
        keys.iter()
            .map(|(s, b)| format!("store {s}/brand {b}"))
            .collect(),
        cells,
        periods,
        1,
        vec![0; periods],
        vec![
            "log_price".to_string(),
            "log_relative_price".to_string(),
            "deal".to_string(),
            "feat".to_string(),
        ],
        labels,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sale(date: &str, store: &str, units: f64) -> DailySale {
        DailySale {
            date: date.parse().expect("a date"),
            store: store.to_string(),
            sku: "NATA".to_string(),
            units,
            unit_value_cents: 150,
            promo: false,
            holiday: date.ends_with("12-08"),
            temp_c: 12.0,
        }
    }

    #[test]
    fn posted_days_merged_into_a_history_read_as_if_read_together() {
        let history = [
            sale("2026-12-01", "a", 3.0),
            sale("2026-12-02", "a", 4.0),
            sale("2026-12-01", "b", 5.0),
        ];
        let posted = [
            sale("2026-12-02", "a", 6.0),
            sale("2026-12-04", "a", 1.0),
            sale("2026-12-03", "c", 2.0),
            sale("2026-11-20", "a", 9.0),
        ];
        let path = Path::new("sales");
        let base = daily_demand(path, &history).expect("history");
        let first: NaiveDate = "2026-12-01".parse().expect("date");
        let (merged, last) = merge_daily(&base.panel, first, &posted);
        assert_eq!(last, "2026-12-04".parse::<NaiveDate>().expect("date"));
        let together = [
            sale("2026-12-01", "a", 3.0),
            sale("2026-12-02", "a", 6.0),
            sale("2026-12-04", "a", 1.0),
            sale("2026-12-01", "b", 5.0),
            sale("2026-12-03", "c", 2.0),
        ];
        let expected = daily_demand(path, &together).expect("together").panel;
        assert_eq!(merged, expected);
    }

    fn write(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        f.write_all(text.as_bytes()).expect("write");
        f
    }

    #[test]
    fn daily_sales_read_into_a_panel_with_gaps_counted() {
        let f = write(&format!(
            "{DAILY_SALES_HEADER}\n2026-11-02,s1,A,4,120,0,0,12.5\n2026-11-04,s1,A,6,120,1,0,13.0\n2026-11-02,s1,B,1,300,0,1,12.5\n"
        ));
        let d = read_demand(f.path()).expect("reads");
        assert_eq!(d.kind, DemandKind::Daily);
        assert_eq!(d.panel.periods, 3);
        assert_eq!(d.panel.season, [0, 1, 2], "2026-11-02 is a Monday");
        assert_eq!(d.panel.series[0].units, [Some(4.0), None, Some(6.0)]);
        assert_eq!(d.panel.series[0].known[6..9], [0.0, 1.0, -2.0]);
        assert_eq!(d.missing, 3, "A misses a day, B two");
        assert!(d.panel.validate().is_ok());
    }

    #[test]
    fn bad_rows_are_refused_with_their_line() {
        for (row, code, needle) in [
            ("2026-11-02,s1,A,-4,120,0,0,12.5", "bad_value", "units"),
            ("2026-13-02,s1,A,4,120,0,0,12.5", "bad_value", "YYYY-MM-DD"),
            ("2026-11-02,s1,A,4,120,2,0,12.5", "bad_value", "promo"),
            ("2026-11-02,s1,A,4,120,0,0,99", "bad_value", "temp_c"),
            ("2026-11-02,s1,A,4,120,0,0", "column_count", ""),
        ] {
            let f = write(&format!("{DAILY_SALES_HEADER}\n{row}\n"));
            let e = read_demand(f.path()).expect_err(row);
            assert_eq!(e.code(), code, "{row}: {e}");
            assert!(
                e.to_string().contains(needle) && e.to_string().contains(":2:"),
                "{e}"
            );
        }
        let f = write(&format!(
            "{DAILY_SALES_HEADER}\n2026-11-02,s1,A,4,120,0,0,12.5\n2026-11-02,s1,A,5,120,0,0,12.5\n"
        ));
        assert!(
            read_demand(f.path())
                .expect_err("twice")
                .to_string()
                .contains("second row")
        );
        let f = write("day,units\n1,2\n");
        assert!(
            read_demand(f.path())
                .expect_err("header")
                .to_string()
                .contains("unknown header")
        );
    }

    #[test]
    fn dominicks_rows_read_with_log_prices_and_promotions() {
        let prices = "0.05,0.04,0.04,0.04,0.04,0.04,0.04,0.04,0.04,0.04,0.04";
        let f = write(&format!(
            "store,brand,week,units,logmove,price1,price2,price3,price4,price5,price6,price7,price8,price9,price10,price11,deal,feat,profit\n\
             2,1,40,8256,9.0,{prices},1,0,37.9\n2,1,42,6144,8.7,{prices},0,0.5,30.1\n"
        ));
        let d = read_demand(f.path()).expect("reads");
        assert_eq!(d.kind, DemandKind::Weekly);
        assert_eq!(d.panel.periods, 3);
        assert_eq!(d.missing, 1);
        let s = &d.panel.series[0];
        assert_eq!(s.units, [Some(8256.0), None, Some(6144.0)]);
        assert!((s.known[0] - 0.05f64.ln()).abs() < 1e-12);
        assert!((s.known[1] - (0.05f64 / 0.04).ln()).abs() < 1e-12);
        assert_eq!(s.known[8 + 3], 0.5);
    }
}
