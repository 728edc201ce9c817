//! Charts drawn on the server as SVG, each with the table of its figures beside it, so
//! that a person can look or read: bars (a value per label) and a forecast against what
//! happened (the expected line, its interval as a band, the actual as dots).

use std::fmt::Write;

use crate::pages::esc;

const W: f64 = 420.0;
const ROW_H: f64 = 22.0;
const LABEL_W: f64 = 130.0;

/// One day of a forecast chart: what sold, what was expected and its 90th percentile.
pub(crate) struct Day {
    pub(crate) date: String,
    pub(crate) actual: Option<f64>,
    pub(crate) mean: Option<f64>,
    pub(crate) p90: Option<f64>,
}

/// Horizontal bars, one per `(label, value)`: `heads` names the table's two columns
/// (what the labels are, what the values are); `id` names the figure.
pub(crate) fn bars(id: &str, caption: &str, heads: (&str, &str), rows: &[(String, f64)]) -> String {
    let (what, unit) = heads;
    if rows.is_empty() {
        return format!(
            "<p class=\"quiet\">{}: nothing to show.</p>\n",
            esc(caption)
        );
    }
    let top = highest(rows.iter().map(|r| r.1));
    let h = ROW_H * rows.len() as f64 + 4.0;
    let mut svg = String::new();
    for (k, (label, value)) in rows.iter().enumerate() {
        bar(&mut svg, 2.0 + ROW_H * k as f64, label, *value, top);
    }
    let table: String = rows
        .iter()
        .map(|(l, v)| {
            format!(
                "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td></tr>",
                esc(l),
                figure(*v)
            )
        })
        .collect();
    chart(
        id,
        caption,
        &format!(
            "<svg viewBox=\"0 0 {W} {h:.0}\" role=\"img\" aria-labelledby=\"{id}-c\" class=\"bars\">{svg}</svg>"
        ),
        &format!(
            "<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>{table}</tbody>",
            esc(what),
            esc(unit)
        ),
    )
}

/// Bars in groups (a store's weeks): each group named on a row of its own above its
/// bars, all bars on one scale; the table says group, label and value.
pub(crate) fn grouped_bars(
    id: &str,
    caption: &str,
    (group, what, unit): (&str, &str, &str),
    groups: &[(String, Vec<(String, f64)>)],
) -> String {
    if groups.iter().all(|(_, rows)| rows.is_empty()) {
        return format!(
            "<p class=\"quiet\">{}: nothing to show.</p>\n",
            esc(caption)
        );
    }
    let top = highest(groups.iter().flat_map(|(_, rows)| rows.iter().map(|r| r.1)));
    let mut svg = String::new();
    let mut table = String::new();
    let mut y = 2.0;
    for (name, rows) in groups {
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{:.1}\" font-weight=\"600\">{}</text>",
            y + 15.0,
            esc(name)
        );
        y += ROW_H;
        for (label, value) in rows {
            bar(&mut svg, y, label, *value, top);
            y += ROW_H;
            let _ = write!(
                table,
                "<tr><th scope=\"row\">{}</th><td>{}</td><td class=\"num\">{}</td></tr>",
                esc(name),
                esc(label),
                figure(*value)
            );
        }
    }
    chart(
        id,
        caption,
        &format!(
            "<svg viewBox=\"0 0 {W} {:.0}\" role=\"img\" aria-labelledby=\"{id}-c\" class=\"bars\">{svg}</svg>",
            y + 2.0
        ),
        &format!(
            "<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>{table}</tbody>",
            esc(group),
            esc(what),
            esc(unit)
        ),
    )
}

/// The longest bar's value; 1 when all are (near) nothing, so that bars of nothing are
/// not drawn a rounding error's length.
fn highest(values: impl Iterator<Item = f64>) -> f64 {
    let top = values.fold(0.0_f64, f64::max);
    if top < 1e-6 { 1.0 } else { top }
}

/// One bar at `y`: its label, its length on the scale `top` gives, its figure.
fn bar(svg: &mut String, y: f64, label: &str, value: f64, top: f64) {
    let len = (W - LABEL_W - 60.0) * (value / top).max(0.0);
    let _ = write!(
        svg,
        "<text x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
<rect x=\"{LABEL_W}\" y=\"{:.1}\" width=\"{len:.1}\" height=\"{:.1}\" fill=\"#1d4f91\"/>\
<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
        LABEL_W - 6.0,
        y + 15.0,
        esc(label),
        y + 3.0,
        ROW_H - 6.0,
        LABEL_W + len + 4.0,
        y + 15.0,
        figure(value)
    );
}

/// Days of sales and forecast: the forecast's mean as a line, up to its 90th percentile
/// as a band, the sales as dots.
pub(crate) fn forecast(id: &str, caption: &str, days: &[Day]) -> String {
    if days.is_empty() {
        return format!(
            "<p class=\"quiet\">{}: nothing to show.</p>\n",
            esc(caption)
        );
    }
    let (h, pad) = (160.0, 24.0);
    let top = days
        .iter()
        .flat_map(|d| [d.actual, d.mean, d.p90])
        .flatten()
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let step = (W - 2.0 * pad) / (days.len().max(2) - 1) as f64;
    let x = |k: usize| pad + step * k as f64;
    let y = |v: f64| h - pad - (h - 2.0 * pad) * v / top;
    let mut band_top = Vec::new();
    let mut band_bottom = Vec::new();
    let mut line = Vec::new();
    let mut dots = String::new();
    for (k, d) in days.iter().enumerate() {
        if let (Some(m), Some(p)) = (d.mean, d.p90) {
            band_top.push(format!("{:.1},{:.1}", x(k), y(p)));
            band_bottom.push(format!("{:.1},{:.1}", x(k), y(m)));
            line.push(format!("{:.1},{:.1}", x(k), y(m)));
        }
        if let Some(a) = d.actual {
            let _ = write!(
                dots,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"#1a1a1a\"/>",
                x(k),
                y(a)
            );
        }
    }
    band_bottom.reverse();
    band_top.extend(band_bottom);
    let svg = format!(
        "<svg viewBox=\"0 0 {W} {h}\" role=\"img\" aria-labelledby=\"{id}-c\" class=\"forecast\">\
<line x1=\"{pad}\" x2=\"{:.0}\" y1=\"{:.0}\" y2=\"{:.0}\" stroke=\"#c4ccc7\"/>\
<polygon points=\"{}\" fill=\"#c9dcf0\"/><polyline points=\"{}\" fill=\"none\" stroke=\"#1d4f91\" stroke-width=\"2\"/>{dots}\
<text x=\"{pad}\" y=\"14\">{}</text><text x=\"{pad}\" y=\"{:.0}\">{}</text><text x=\"{:.0}\" y=\"{:.0}\" text-anchor=\"end\">{}</text></svg>",
        W - pad,
        h - pad,
        h - pad,
        band_top.join(" "),
        line.join(" "),
        figure(top),
        h - 6.0,
        esc(&days[0].date),
        W - pad,
        h - 6.0,
        esc(&days[days.len() - 1].date),
    );
    let cell = |v: Option<f64>| v.map_or_else(|| "–".to_string(), figure);
    let rows: String = days
        .iter()
        .map(|d| {
            format!(
                "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&d.date),
                cell(d.actual),
                cell(d.mean),
                cell(d.p90)
            )
        })
        .collect();
    chart(
        id,
        caption,
        &svg,
        &format!(
            "<thead><tr><th scope=\"col\">Day</th><th scope=\"col\">Sold</th><th scope=\"col\">Expected</th><th scope=\"col\">90th percentile</th></tr></thead><tbody>{rows}</tbody>"
        ),
    )
}

fn chart(id: &str, caption: &str, svg: &str, table: &str) -> String {
    format!(
        "<figure class=\"chart\" id=\"{id}\"><figcaption id=\"{id}-c\">{}</figcaption>{svg}\
<table class=\"figures\" aria-label=\"{} (figures)\">{table}</table></figure>\n",
        esc(caption),
        esc(caption)
    )
}

/// A figure as a person reads it: whole when large, one decimal when small, two below
/// one (so that a small value drawn as a bar never reads 0.0).
fn figure(v: f64) -> String {
    if v.abs() >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// The charts' styles.
pub(crate) const STYLE: &str = ".chart{display:grid;grid-template-columns:minmax(0,1.3fr) minmax(0,1fr);gap:1rem;\
align-items:start;margin:.5rem 0 1.5rem}.chart figcaption{grid-column:1/-1;font-weight:600}\
.chart svg{width:100%;height:auto;font-size:12px;fill:#1a1a1a}.figures{font-size:.9rem}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_as_long_as_their_values_and_their_table_says_them() {
        let html = bars(
            "v",
            "Value by store",
            ("Store", "EUR"),
            &[
                ("Ribeira <1>".to_string(), 200.0),
                ("Foz".to_string(), 50.0),
            ],
        );
        let full = format!("width=\"{:.1}\"", W - LABEL_W - 60.0);
        let quarter = format!("width=\"{:.1}\"", (W - LABEL_W - 60.0) / 4.0);
        assert!(html.contains(&full) && html.contains(&quarter), "{html}");
        assert!(
            html.contains("<th scope=\"row\">Ribeira &lt;1&gt;</th><td class=\"num\">200</td>")
        );
        assert!(html.contains("<th scope=\"col\">EUR</th>"));
        assert!(bars("e", "Empty", ("Day", "units"), &[]).contains("nothing to show"));
    }

    #[test]
    fn grouped_bars_name_each_group_once_and_share_one_scale() {
        let groups = vec![
            (
                "Foz".to_string(),
                vec![("30 Nov".to_string(), 4.0), ("07 Dec".to_string(), 2.0)],
            ),
            ("Ribeira".to_string(), vec![("30 Nov".to_string(), 1.0)]),
        ];
        let html = grouped_bars("w", "Waste", ("Store", "Week", "Units"), &groups);
        assert_eq!(
            html.matches("font-weight=\"600\">Foz<").count(),
            1,
            "{html}"
        );
        let full = format!("width=\"{:.1}\"", W - LABEL_W - 60.0);
        let quarter = format!("width=\"{:.1}\"", (W - LABEL_W - 60.0) / 4.0);
        assert!(html.contains(&full) && html.contains(&quarter), "{html}");
        assert!(html.contains(
            "<tr><th scope=\"row\">Ribeira</th><td>30 Nov</td><td class=\"num\">1</td></tr>"
        ));
        assert!(grouped_bars("e", "Empty", ("a", "b", "c"), &[]).contains("nothing to show"));
    }

    #[test]
    fn a_forecast_draws_its_band_and_lists_each_day() {
        let days = [
            Day {
                date: "2026-12-01".into(),
                actual: Some(4.0),
                mean: None,
                p90: None,
            },
            Day {
                date: "2026-12-02".into(),
                actual: None,
                mean: Some(5.0),
                p90: Some(8.0),
            },
            Day {
                date: "2026-12-03".into(),
                actual: None,
                mean: Some(6.0),
                p90: Some(9.5),
            },
        ];
        let html = forecast("f", "Sold and expected", &days);
        assert_eq!(html.matches("<circle").count(), 1);
        assert!(html.contains("<polygon points=\""));
        assert!(html.contains("<th scope=\"row\">2026-12-03</th><td>–</td><td>6</td><td>9.5</td>"));
    }
}
