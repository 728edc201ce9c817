//! The forecast backtest's table and JSON: per horizon, the chosen methods' WAPE, bias
//! and MASE beside the two naive baselines of the same run, with the targets
//! for the data set they were set on. WAPE and MASE score the model's median, bias its
//! mean; the WAPE of its mean is shown beside.

use freshroute_forecast::{Backtest, Score};
use freshroute_formats::DemandKind;
use serde_json::{Value, json};

use crate::BenchTable;

/// Store-day revenue WAPE at 3 days ahead on the sample chain.
pub const TARGET_REVENUE_WAPE: f64 = 0.08;
/// Store × article × day WAPE at least this much below the better baseline.
pub const TARGET_GAIN_OVER_BASELINE: f64 = 0.20;
/// Weekly WAPE on Dominick's orange juice, horizons 1–3.
pub const TARGET_WEEKLY_WAPE: f64 = 0.50;

fn pct(v: f64) -> String {
    format!("{:.1} %", 100.0 * v)
}

fn better_baseline(h: &freshroute_forecast::HorizonScore) -> f64 {
    h.last_cycle.wape.min(h.mean_last_4.wape)
}

/// The table of a backtest of `kind` data named `name`.
pub fn table(name: &str, kind: DemandKind, b: &Backtest, labels: (&str, &str)) -> BenchTable {
    let (unit, baselines) = match kind {
        DemandKind::Daily => (
            "day",
            "same weekday last week / mean of last 4 same weekdays",
        ),
        DemandKind::Weekly => ("week", "last week / mean of last 4 weeks"),
    };
    let mut t = BenchTable {
        title: format!(
            "freshroute forecast backtest — {name}: {} series, targets {} … {}, rolling origin, 1–{} {unit}s ahead",
            b.series,
            labels.0,
            labels.1,
            b.horizons.len()
        ),
        judge: true,
        rows: Vec::new(),
    };
    for h in &b.horizons {
        let base = better_baseline(h);
        let series_row = format!("h={}: WAPE, series level (model / {baselines})", h.h);
        let figure = format!(
            "{} / {} / {}",
            pct(h.model.wape),
            pct(h.last_cycle.wape),
            pct(h.mean_last_4.wape)
        );
        match kind {
            DemandKind::Daily => t.check(
                series_row,
                figure,
                format!(
                    "≥ {:.0} % below the better baseline",
                    100.0 * TARGET_GAIN_OVER_BASELINE
                ),
                h.model.wape <= (1.0 - TARGET_GAIN_OVER_BASELINE) * base,
            ),
            DemandKind::Weekly => t.check(
                series_row,
                figure,
                format!("≤ {TARGET_WEEKLY_WAPE:.2}"),
                h.model.wape <= TARGET_WEEKLY_WAPE,
            ),
        }
        t.info(
            format!("h={}: WAPE, series level, of the model's mean", h.h),
            pct(h.model.wape_of_mean),
        );
        let group_row = format!(
            "h={}: WAPE of store-{unit} revenue (model / the same two)",
            h.h
        );
        let figure = format!(
            "{} / {} / {}",
            pct(h.model.group_wape),
            pct(h.last_cycle.group_wape),
            pct(h.mean_last_4.group_wape)
        );
        if kind == DemandKind::Daily && h.h == 3 {
            t.check(
                group_row,
                figure,
                format!("≤ {:.0} %", 100.0 * TARGET_REVENUE_WAPE),
                h.model.group_wape <= TARGET_REVENUE_WAPE,
            );
        } else {
            t.info(group_row, figure);
        }
        t.info(
            format!("h={}: bias (model / the same two)", h.h),
            format!(
                "{:+.1} % / {:+.1} % / {:+.1} %",
                100.0 * h.model.bias,
                100.0 * h.last_cycle.bias,
                100.0 * h.mean_last_4.bias
            ),
        );
        t.info(
            format!("h={}: MASE (model / the same two)", h.h),
            format!(
                "{:.3} / {:.3} / {:.3}",
                h.model.mase, h.last_cycle.mase, h.mean_last_4.mase
            ),
        );
        t.info(
            format!("h={}: actuals inside the 80 % interval", h.h),
            pct(h.coverage_80),
        );
    }
    let list = |m: &std::collections::BTreeMap<&str, usize>| {
        m.iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    t.info("methods chosen per series", list(&b.chosen));
    t.info("points scored per series", list(&b.points));
    t.info("Syntetos–Boylan classes", list(&b.patterns));
    t
}

fn score(s: &Score) -> Value {
    json!({ "wape": s.wape, "bias": s.bias, "mase": s.mase, "group_wape": s.group_wape })
}

/// The JSON object of a backtest: `horizons` holds `h`, `wape`, `bias`, `mase` and the
/// baselines' scores.
pub fn to_json(name: &str, b: &Backtest, labels: (&str, &str), all_pass: bool) -> Value {
    json!({
        "data": name,
        "series": b.series,
        "first_target": labels.0,
        "last_target": labels.1,
        "horizons": b.horizons.iter().map(|h| json!({
            "h": h.h,
            "wape": h.model.wape,
            "wape_of_mean": h.model.wape_of_mean,
            "bias": h.model.bias,
            "mase": h.model.mase,
            "revenue_wape": h.model.group_wape,
            "coverage_80": h.coverage_80,
            "baselines": {
                "last_cycle": score(&h.last_cycle),
                "mean_last_4": score(&h.mean_last_4),
            },
        })).collect::<Vec<_>>(),
        "chosen": b.chosen,
        "points": b.points,
        "patterns": b.patterns,
        "targets_met": all_pass,
    })
}
