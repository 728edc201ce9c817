//! The dispatcher's console as a page: counters, alerts, a map of couriers, stores and
//! orders over the city's own streets, the queue of orders that need a courier (each
//! with a menu to assign it), every open order by state, and each courier's timeline.
//! Rendered on the server from a [`Board`]; its script (`assets/console.js`) keeps the
//! map and the lists current from the live stream.

use std::fmt::Write;

use freshroute_calendar::Zone;

use crate::map_frame::Frame;
use crate::pages::{clock, esc, said_banner, signed_in_as};

/// The map's picture size and margin, in its units.
pub(crate) const MAP_SIZE: (f64, f64) = (640.0, 420.0);
const MAP_PAD: f64 = 14.0;
/// A timeline's width and the minutes it shows from now.
const LINE_W: f64 = 360.0;
const LINE_MIN: i64 = 60;

/// How a courier stands, as its colour and word on the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CourierState {
    /// On shift with nothing to do.
    Idle,
    /// Has stops, none of them late.
    OnTheWay,
    /// Has a stop the plan brings after its promise.
    LateRisk,
    /// On shift but its latest fix is old (or it never sent one).
    Silent,
}

impl CourierState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CourierState::Idle => "idle",
            CourierState::OnTheWay => "on_the_way",
            CourierState::LateRisk => "late_risk",
            CourierState::Silent => "silent",
        }
    }

    fn words(self) -> &'static str {
        match self {
            CourierState::Idle => "idle",
            CourierState::OnTheWay => "on the way",
            CourierState::LateRisk => "late risk",
            CourierState::Silent => "silent",
        }
    }
}

/// A store on the map.
pub(crate) struct StoreMark {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) at: [f64; 2],
}

/// One planned stop on a courier's timeline.
pub(crate) struct StopMark {
    pub(crate) order_id: String,
    pub(crate) kind: &'static str,
    pub(crate) start_ms: i64,
    /// After its order's promise.
    pub(crate) late: bool,
}

/// A courier on shift.
pub(crate) struct CourierRow {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) state: CourierState,
    /// Its latest fix, `[lon, lat]`.
    pub(crate) at: Option<[f64; 2]>,
    /// Its planned road, `[lon, lat]`.
    pub(crate) road: Vec<[f64; 2]>,
    pub(crate) stops: Vec<StopMark>,
    /// Its stops are in an order a dispatcher set (the plan keeps it).
    pub(crate) kept: bool,
}

/// An open order.
pub(crate) struct OrderRow {
    pub(crate) id: String,
    pub(crate) store: String,
    /// `placed`, `assigned` or `picked_up`.
    pub(crate) status: &'static str,
    pub(crate) courier: Option<String>,
    pub(crate) ready_ms: i64,
    pub(crate) promised_ms: i64,
    pub(crate) eta_ms: Option<i64>,
    /// Why the plan brings it after its promise (`kitchen`, `distance`,
    /// `no_courier_free`), if it does.
    pub(crate) late_cause: Option<&'static str>,
    /// Why the plan leaves it without a courier, if it does.
    pub(crate) unplanned: Option<&'static str>,
    /// The courier the plan gives it, if not assigned yet.
    pub(crate) planned_for: Option<String>,
    /// The couriers its menu offers, in order (the plan's choice first).
    pub(crate) choices: Vec<String>,
    /// The door, `[lon, lat]`.
    pub(crate) door: [f64; 2],
}

/// Something a dispatcher should look at now.
pub(crate) struct Alert {
    /// `late_risk`, `ready_waiting`, `courier_silent` or `cold_chain`.
    pub(crate) kind: &'static str,
    pub(crate) text: String,
}

/// Everything the console shows.
pub(crate) struct Board {
    pub(crate) now_ms: i64,
    pub(crate) zone: Zone,
    /// Who is signed in, as shown.
    pub(crate) who: String,
    pub(crate) stores: Vec<StoreMark>,
    /// The store the lists are filtered to.
    pub(crate) only_store: Option<String>,
    /// The regions the planner plans apart, by name.
    pub(crate) regions: Vec<String>,
    /// The region the lists are filtered to.
    pub(crate) only_region: Option<String>,
    pub(crate) couriers: Vec<CourierRow>,
    pub(crate) orders: Vec<OrderRow>,
    pub(crate) alerts: Vec<Alert>,
    /// The street segments under the map.
    pub(crate) streets: Vec<[[f64; 2]; 2]>,
    /// Tiles to draw under the map instead of the streets, when a deployment sets them.
    pub(crate) tiles: Option<crate::MapTiles>,
    /// What the last action did: `(true, …)` done, `(false, …)` refused and why.
    pub(crate) said: Option<crate::pages::Said>,
}

/// The frame of the console's map: every store, courier and open door.
pub(crate) fn frame(stores: &[[f64; 2]], others: &[[f64; 2]]) -> Option<Frame> {
    let origin = *stores.first().or(others.first())?;
    Some(Frame::fitting(
        origin,
        stores.iter().chain(others).copied(),
        MAP_SIZE,
        MAP_PAD,
        500.0,
    ))
}

/// The page's body.
pub(crate) fn body(b: &Board, frame: Option<&Frame>) -> String {
    let mut out = header(b);
    if let Some(said) = &b.said {
        out += &said_banner(said);
    }
    out += "<div id=\"lists\">\n";
    out += &lists(b);
    out += "</div>\n";
    if let Some(f) = frame {
        out += &map(b, f);
    }
    out
}

/// What the live stream swaps in place: counters, alerts, the queue, the orders and the
/// couriers.
pub(crate) fn lists(b: &Board) -> String {
    let mut out = counters(b);
    out += &alerts(b);
    out += &queue(b);
    out += &orders(b);
    out += &couriers(b);
    out
}

fn header(b: &Board) -> String {
    let stores: Vec<(String, String)> = b
        .stores
        .iter()
        .map(|s| (s.id.clone(), s.name.clone()))
        .collect();
    let mut filters = menu(
        "store",
        "Store",
        "every store",
        &stores,
        b.only_store.as_deref(),
    );
    if b.regions.len() > 1 {
        let regions: Vec<(String, String)> =
            b.regions.iter().map(|r| (r.clone(), r.clone())).collect();
        filters += &menu(
            "region",
            "Region",
            "every region",
            &regions,
            b.only_region.as_deref(),
        );
    }
    format!(
        "<header class=\"bar\"><h1>Dispatch</h1><nav><a href=\"/console/transfers\">Transfer trips</a></nav>\
<form method=\"get\" action=\"/console\" class=\"filter\">{filters}<button type=\"submit\">Show</button></form>\
{}</header>\n",
        signed_in_as(&b.who)
    )
}

/// A labelled menu of `(value, label)` with `all` first, `chosen` selected.
fn menu(
    name: &str,
    label: &str,
    all: &str,
    items: &[(String, String)],
    chosen: Option<&str>,
) -> String {
    let mut options = format!("<option value=\"\">{all}</option>");
    for (value, text) in items {
        let selected = if chosen == Some(value.as_str()) {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            options,
            "<option value=\"{}\"{selected}>{}</option>",
            esc(value),
            esc(text)
        );
    }
    format!(
        "<label for=\"{name}\">{label}</label> <select id=\"{name}\" name=\"{name}\">{options}</select> "
    )
}

fn counters(b: &Board) -> String {
    let count = |s: &str| b.orders.iter().filter(|o| o.status == s).count();
    let late = b.orders.iter().filter(|o| o.late_cause.is_some()).count();
    let working = b
        .couriers
        .iter()
        .filter(|c| c.state != CourierState::Idle && c.state != CourierState::Silent)
        .count();
    let idle = b
        .couriers
        .iter()
        .filter(|c| c.state == CourierState::Idle)
        .count();
    let items = [
        ("needs a courier", count("placed"), "placed"),
        ("assigned", count("assigned"), "assigned"),
        ("on board", count("picked_up"), "picked_up"),
        ("late risk", late, "late"),
        ("couriers working", working, "working"),
        ("couriers idle", idle, "idle"),
    ];
    let mut out = String::from("<ul class=\"counters\" aria-label=\"Counts\">");
    for (label, n, key) in items {
        let _ = write!(
            out,
            "<li data-count=\"{key}\"><strong>{n}</strong> {label}</li>"
        );
    }
    out + "</ul>\n"
}

fn alerts(b: &Board) -> String {
    if b.alerts.is_empty() {
        return "<section aria-labelledby=\"alerts-h\"><h2 id=\"alerts-h\">Alerts</h2><p class=\"quiet\">Nothing needs you now.</p></section>\n".to_string();
    }
    let mut out = String::from(
        "<section aria-labelledby=\"alerts-h\"><h2 id=\"alerts-h\">Alerts</h2><ul class=\"alerts\">",
    );
    for a in &b.alerts {
        let _ = write!(out, "<li class=\"alert {}\">{}</li>", a.kind, esc(&a.text));
    }
    out + "</ul></section>\n"
}

/// The orders that need a courier, late risk first, each with a menu of couriers.
fn queue(b: &Board) -> String {
    let mut waiting: Vec<&OrderRow> = b.orders.iter().filter(|o| o.status == "placed").collect();
    waiting.sort_by_key(|o| (o.late_cause.is_none(), o.promised_ms));
    let mut out = String::from(
        "<section aria-labelledby=\"queue-h\"><h2 id=\"queue-h\">Needs a courier</h2>\
<p class=\"quiet\">Choose a courier in an order's menu, or drag the order onto a courier below: \
it is pinned to that courier. A courier's stops move with earlier and later, or by dragging one onto another.</p>",
    );
    if waiting.is_empty() {
        return out + "<p class=\"quiet\">Every open order has a courier.</p></section>\n";
    }
    out += "<table class=\"queue\"><thead><tr><th scope=\"col\">Order</th><th scope=\"col\">Store</th>\
<th scope=\"col\">Ready</th><th scope=\"col\">Promise</th><th scope=\"col\">Plan</th>\
<th scope=\"col\">Assign</th></tr></thead><tbody>";
    for o in waiting {
        let _ = write!(
            out,
            "<tr id=\"order-{id}\" data-order=\"{id}\" draggable=\"true\"{late}><th scope=\"row\">{id}</th><td>{store}</td><td>{ready}</td><td>{promise}</td><td>{plan}</td><td>{menu}</td></tr>",
            id = esc(&o.id),
            late = if o.late_cause.is_some() {
                " class=\"late\""
            } else {
                ""
            },
            store = esc(&o.store),
            ready = clock(b.zone, o.ready_ms, "ready"),
            promise = clock(b.zone, o.promised_ms, "promise"),
            plan = plan_words(b, o),
            menu = assign_menu(b, o),
        );
    }
    out + "</tbody></table></section>\n"
}

/// What the plan says of an order, in words.
fn plan_words(b: &Board, o: &OrderRow) -> String {
    let mut words = match (&o.planned_for, o.unplanned) {
        (Some(c), _) => {
            let name = b
                .couriers
                .iter()
                .find(|r| &r.id == c)
                .map_or(c, |r| &r.name);
            format!("planned for {}", esc(name))
        }
        (None, Some(why)) => format!("not planned: {}", why.replace('_', " ")),
        (None, None) => "waiting for the next plan".to_string(),
    };
    if let Some(eta) = o.eta_ms {
        words += &format!(", at the door {}", clock(b.zone, eta, "eta"));
    }
    if let Some(cause) = o.late_cause {
        words += &format!(
            " <strong class=\"late-mark\">late: {}</strong>",
            cause.replace('_', " ")
        );
    }
    words
}

/// A form to give the order to one of its couriers (the plan's choice first).
fn assign_menu(b: &Board, o: &OrderRow) -> String {
    let id = esc(&o.id);
    let mut options = String::new();
    for c in &o.choices {
        let Some(row) = b.couriers.iter().find(|r| &r.id == c) else {
            continue;
        };
        let _ = write!(
            options,
            "<option value=\"{}\">{} ({})</option>",
            esc(c),
            esc(&row.name),
            row.state.words()
        );
    }
    format!(
        "<form method=\"post\" action=\"/console/assign\" class=\"assign\">\
<input type=\"hidden\" name=\"order_id\" value=\"{id}\">\
<label class=\"hidden\" for=\"to-{id}\">Courier for order {id}</label>\
<select id=\"to-{id}\" name=\"courier_id\">{options}</select> \
<button type=\"submit\">Assign</button> \
<button type=\"submit\" formaction=\"/console/check\">Check</button></form>"
    )
}

/// Every open order, by state.
fn orders(b: &Board) -> String {
    let mut out =
        String::from("<section aria-labelledby=\"orders-h\"><h2 id=\"orders-h\">Open orders</h2>");
    for (status, title) in [("assigned", "Assigned"), ("picked_up", "On board")] {
        let rows: Vec<&OrderRow> = b.orders.iter().filter(|o| o.status == status).collect();
        let _ = write!(out, "<h3>{title} ({})</h3>", rows.len());
        if rows.is_empty() {
            out += "<p class=\"quiet\">None.</p>";
            continue;
        }
        out += "<ul class=\"orders\">";
        for o in rows {
            let courier = o.courier.as_deref().unwrap_or("?");
            let undo = if status == "assigned" {
                format!(
                    " <form method=\"post\" action=\"/console/unassign\" class=\"inline\">\
<input type=\"hidden\" name=\"order_id\" value=\"{id}\"><button type=\"submit\" aria-label=\"Unassign order {id}\">Unassign</button></form>",
                    id = esc(&o.id)
                )
            } else {
                String::new()
            };
            let _ = write!(
                out,
                "<li id=\"order-{id}\" data-order=\"{id}\"{late}><strong>{id}</strong> from {store} with {courier}, promised {promise}{eta}{cause}{undo}</li>",
                id = esc(&o.id),
                late = if o.late_cause.is_some() {
                    " class=\"late\""
                } else {
                    ""
                },
                store = esc(&o.store),
                courier = esc(courier),
                promise = clock(b.zone, o.promised_ms, "promise"),
                eta = o.eta_ms.map_or_else(String::new, |t| format!(
                    ", at the door {}",
                    clock(b.zone, t, "eta")
                )),
                cause = o.late_cause.map_or_else(String::new, |c| format!(
                    " <strong class=\"late-mark\">late: {}</strong>",
                    c.replace('_', " ")
                )),
            );
        }
        out += "</ul>";
    }
    out + "</section>\n"
}

/// Each courier with its timeline: the next hour, now at the left, a mark per stop
/// (late ones red), and the stops in words.
fn couriers(b: &Board) -> String {
    let mut out = String::from(
        "<section aria-labelledby=\"couriers-h\"><h2 id=\"couriers-h\">Couriers</h2><ul class=\"couriers\">",
    );
    for c in &b.couriers {
        let _ = write!(
            out,
            "<li id=\"courier-{id}\" data-courier=\"{id}\"><span class=\"dot {state}\" aria-hidden=\"true\"></span>\
<strong>{name}</strong> <span class=\"state\">{words}</span>{line}{stops}</li>",
            id = esc(&c.id),
            state = c.state.as_str(),
            name = esc(&c.name),
            words = c.state.words(),
            line = timeline(b.now_ms, c),
            stops = stop_list(b.zone, c),
        );
    }
    out + "</ul></section>\n"
}

fn timeline(now_ms: i64, c: &CourierRow) -> String {
    let x = |ms: i64| ((ms - now_ms) as f64 / (LINE_MIN * 60_000) as f64).clamp(0.0, 1.0) * LINE_W;
    let mut marks = String::new();
    for s in &c.stops {
        let (fill, h) = match (s.late, s.kind) {
            (true, _) => ("#b42318", 18),
            (false, "pickup") => ("#1d4f91", 12),
            _ => ("#2f6b3f", 16),
        };
        let _ = write!(
            marks,
            "<rect x=\"{:.1}\" y=\"{}\" width=\"4\" height=\"{h}\" fill=\"{fill}\"/>",
            x(s.start_ms) - 2.0,
            (20 - h) / 2
        );
    }
    let late = c.stops.iter().filter(|s| s.late).count();
    format!(
        "<svg class=\"timeline\" viewBox=\"0 0 {w} 20\" role=\"img\" aria-label=\"Next hour: {n} stops, {late} late\">\
<rect width=\"{w}\" height=\"20\" fill=\"#f1f3f2\"/>{marks}<line class=\"now\" x1=\"1\" x2=\"1\" y1=\"0\" y2=\"20\" stroke=\"#1a1a1a\" stroke-width=\"2\"/></svg>",
        w = LINE_W,
        n = c.stops.len()
    )
}

/// The courier's stops in words, each with buttons to serve it earlier or later than its
/// neighbour (none past its own order's other stop), and draggable to another place:
/// one form, whose buttons name the move.
fn stop_list(zone: Zone, c: &CourierRow) -> String {
    if c.stops.is_empty() {
        return String::new();
    }
    let id = esc(&c.id);
    let mut out = format!(
        "<form method=\"post\" action=\"/console/reorder\" class=\"stops\">\
<input type=\"hidden\" name=\"courier_id\" value=\"{id}\"><ol class=\"stops\">"
    );
    let last = c.stops.len() - 1;
    for (i, s) in c.stops.iter().enumerate() {
        let what = if s.kind == "pickup" {
            "pick up"
        } else {
            "deliver"
        };
        let late = if s.late {
            " <strong class=\"late-mark\">late</strong>"
        } else {
            ""
        };
        let order = esc(&s.order_id);
        let button = |to: usize, word: &str| {
            format!(
                " <button type=\"submit\" name=\"move\" value=\"{to}:{kind}:{order}\" \
aria-label=\"{what} {order} {word}\" class=\"step\">{word}</button>",
                kind = s.kind,
            )
        };
        // No button for a move past the order's own other stop: a delivery is never
        // before its pickup.
        let swaps_with = |k: usize| c.stops.get(k).is_some_and(|o| o.order_id != s.order_id);
        let earlier = if i > 0 && swaps_with(i - 1) {
            button(i - 1, "earlier")
        } else {
            String::new()
        };
        let later = if i < last && swaps_with(i + 1) {
            button(i + 1, "later")
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "<li draggable=\"true\" data-stop=\"{i}:{kind}:{order}\">{} {what} {order}{late}{earlier}{later}</li>",
            clock(zone, s.start_ms, "stop"),
            kind = s.kind,
        );
    }
    out += "</ol>";
    if c.kept {
        out += "<p class=\"quiet\">In the order a dispatcher set. \
<button type=\"submit\" formaction=\"/console/release\">Let the plan order them</button></p>";
    }
    out + "</form>"
}

/// The map: streets, each courier's planned road, stores, open doors and couriers
/// coloured by state.
fn map(b: &Board, f: &Frame) -> String {
    let (w, h) = MAP_SIZE;
    let mut roads = String::new();
    for c in b.couriers.iter().filter(|c| c.road.len() > 1) {
        let _ = write!(
            roads,
            "<polyline class=\"road\" data-courier=\"{}\" points=\"{}\"/>",
            esc(&c.id),
            f.polyline(&c.road)
        );
    }
    let mut marks = String::new();
    for s in &b.stores {
        let (x, y) = f.svg(s.at);
        let _ = write!(
            marks,
            "<rect class=\"store\" x=\"{:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\"><title>{}</title></rect>",
            x - 5.0,
            y - 5.0,
            esc(&s.name)
        );
    }
    for o in &b.orders {
        let (x, y) = f.svg(o.door);
        let class = if o.late_cause.is_some() {
            "door late"
        } else {
            "door"
        };
        let _ = write!(
            marks,
            "<circle class=\"{class}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\"><title>Order {}</title></circle>",
            esc(&o.id)
        );
    }
    for c in &b.couriers {
        let Some(at) = c.at else { continue };
        let (x, y) = f.svg(at);
        let _ = write!(
            marks,
            "<circle class=\"courier {}\" data-courier=\"{}\" cx=\"0\" cy=\"0\" r=\"7\" style=\"transform:translate({x:.1}px,{y:.1}px)\"><title>{} ({})</title></circle>",
            c.state.as_str(),
            esc(&c.id),
            esc(&c.name),
            c.state.words()
        );
    }
    let placed = b.couriers.iter().filter(|c| c.at.is_some()).count();
    let (background, credit) = match &b.tiles {
        Some(t) => (t.images(f), format!(" {}.", t.credit())),
        None => (
            format!(
                "<path d=\"{}\" fill=\"none\" stroke=\"#c4ccc7\" stroke-width=\"1\"/>",
                f.segments_path(&b.streets)
            ),
            String::new(),
        ),
    };
    format!(
        "<section aria-labelledby=\"map-h\" class=\"map\"><h2 id=\"map-h\">Map</h2>\
<svg viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"Map of {placed} couriers, {} stores and {} open orders\" data-frame=\"{}\">\
<rect width=\"{w}\" height=\"{h}\" fill=\"#eef2f0\"/>{background}{roads}{marks}</svg>\
<p class=\"legend\">Squares are stores, small dots open orders' doors (red: late risk); couriers are \
<span class=\"key idle\">grey when idle</span>, <span class=\"key on_the_way\">blue on the way</span>, \
<span class=\"key late_risk\">red at late risk</span>, <span class=\"key silent\">hollow when silent</span>.{credit}</p></section>\n",
        b.stores.len(),
        b.orders.len(),
        esc(&f.data()),
    )
}

/// The console's styles.
pub(crate) const STYLE: &str = "body{margin:0;font:15px/1.45 system-ui,sans-serif;color:#1a1a1a;background:#fff}\
main{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1.1fr);gap:1rem;padding:0 1rem 1rem}\
.bar{grid-column:1/-1;display:flex;flex-wrap:wrap;gap:1rem;align-items:center;border-bottom:1px solid #c9d1cc}\
.bar h1{font-size:1.3rem;margin:.5rem 0}.who{margin-left:auto}\
.done,.error{grid-column:1/-1;grid-row:2;padding:.5rem .75rem;margin:.5rem 0}.done{background:#edf7ef;border-left:4px solid #2f6b3f}\
.error{background:#fdecea;border-left:4px solid #b42318}\
#lists{grid-column:2;grid-row:3/span 8}.map{grid-column:1;grid-row:3}.map svg{width:100%;height:auto;border-radius:6px}\
h2{font-size:1.1rem;margin:1rem 0 .4rem}h3{font-size:1rem;margin:.6rem 0 .3rem}\
.counters{display:flex;flex-wrap:wrap;gap:.5rem;list-style:none;padding:0;margin:.5rem 0}\
.counters li{padding:.3rem .6rem;background:#f1f3f2;border-radius:4px}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.25rem .4rem;border-bottom:1px solid #e1e5e3;vertical-align:top}\
tr.late th,li.late strong{color:#8a1c12}tr[draggable]{cursor:grab}.couriers>li.drop,li[data-stop].drop{outline:3px dashed #1d4f91}li[data-stop]{cursor:grab}\
.step{font-size:.8rem;padding:0 .3rem;margin-left:.3rem}form.stops{margin:0}.late-mark{color:#8a1c12}.quiet{color:#4d4d4d}\
.alerts{padding-left:1.2rem}.alert.late_risk,.alert.cold_chain{color:#8a1c12}\
.orders,.couriers,.stops{padding-left:1.2rem;margin:.2rem 0}.couriers>li{margin:.4rem 0}\
.timeline{display:block;width:100%;max-width:360px;height:20px;margin:.2rem 0}\
.inline{display:inline}.hidden{position:absolute;left:-9999px}\
.dot{display:inline-block;width:.8rem;height:.8rem;border-radius:50%;margin-right:.3rem;vertical-align:middle}\
.dot.idle{background:#6b7280}.dot.on_the_way{background:#1d4f91}.dot.late_risk{background:#b42318}.dot.silent{border:2px solid #6b7280}\
.road{fill:none;stroke:#3a6ea5;stroke-width:2;stroke-opacity:.6}.store{fill:#1a1a1a}\
.door{fill:#2f6b3f}.door.late{fill:#b42318}.courier{stroke:#fff;stroke-width:2;transition:transform .8s linear}\
.courier.idle{fill:#6b7280}.courier.on_the_way{fill:#1d4f91}.courier.late_risk{fill:#b42318}.courier.silent{fill:#fff;stroke:#6b7280}\
.legend{font-size:.9rem;color:#4d4d4d}\
button,select{font:inherit}a{color:#1d4f91}\
@media (max-width:900px){main{grid-template-columns:1fr}#lists,.map{grid-column:1;grid-row:auto}}";

#[cfg(test)]
mod tests {
    use super::*;

    fn board() -> Board {
        let now = 1_764_000_000_000;
        Board {
            now_ms: now,
            zone: "Europe/Lisbon".parse().expect("zone"),
            who: "Ana (dispatcher)".to_string(),
            stores: vec![StoreMark {
                id: "s1".to_string(),
                name: "Gelato <Ribeira>".to_string(),
                at: [-8.61, 41.14],
            }],
            only_store: None,
            regions: vec!["north".to_string(), "south".to_string()],
            only_region: Some("south".to_string()),
            couriers: vec![CourierRow {
                id: "c1".to_string(),
                name: "Rui".to_string(),
                state: CourierState::LateRisk,
                at: Some([-8.62, 41.15]),
                road: vec![[-8.62, 41.15], [-8.61, 41.14]],
                stops: vec![StopMark {
                    order_id: "o2".to_string(),
                    kind: "delivery",
                    start_ms: now + 20 * 60_000,
                    late: true,
                }],
                kept: false,
            }],
            orders: vec![
                OrderRow {
                    id: "o1".to_string(),
                    store: "Gelato <Ribeira>".to_string(),
                    status: "placed",
                    courier: None,
                    ready_ms: now,
                    promised_ms: now + 25 * 60_000,
                    eta_ms: None,
                    late_cause: None,
                    unplanned: Some("no_courier_free"),
                    planned_for: None,
                    choices: vec!["c1".to_string()],
                    door: [-8.60, 41.16],
                },
                OrderRow {
                    id: "o2".to_string(),
                    store: "Gelato <Ribeira>".to_string(),
                    status: "assigned",
                    courier: Some("c1".to_string()),
                    ready_ms: now,
                    promised_ms: now + 10 * 60_000,
                    eta_ms: Some(now + 20 * 60_000),
                    late_cause: Some("kitchen"),
                    unplanned: None,
                    planned_for: None,
                    choices: Vec::new(),
                    door: [-8.605, 41.155],
                },
            ],
            alerts: vec![Alert {
                kind: "late_risk",
                text: "o2 will be 10 min late (kitchen)".to_string(),
            }],
            streets: vec![[[-8.62, 41.14], [-8.61, 41.15]]],
            tiles: None,
            said: Some((false, "the courier is off duty".to_string())),
        }
    }

    #[test]
    fn the_console_shows_counts_the_queue_with_a_menu_and_late_marks_with_names_escaped() {
        let b = board();
        let points: Vec<[f64; 2]> = b.orders.iter().map(|o| o.door).collect();
        let f = frame(&[b.stores[0].at], &points);
        let html = body(&b, f.as_ref());
        assert!(html.contains("<li data-count=\"placed\"><strong>1</strong> needs a courier</li>"));
        assert!(html.contains("<li data-count=\"late\"><strong>1</strong> late risk</li>"));
        assert!(html.contains("Gelato &lt;Ribeira&gt;") && !html.contains("<Ribeira>"));
        assert!(
            html.contains("action=\"/console/assign\"")
                && html.contains("name=\"order_id\" value=\"o1\"")
        );
        assert!(html.contains("not planned: no courier free"));
        assert!(html.contains("<option value=\"c1\">Rui (late risk)</option>"));
        assert!(html.contains("action=\"/console/unassign\""));
        assert!(html.contains("role=\"alert\">the courier is off duty</p>"));
        assert!(html.contains("late: kitchen"));
        assert!(html.contains("aria-label=\"Next hour: 1 stops, 1 late\""));
        assert!(html.contains("class=\"courier late_risk\" data-courier=\"c1\""));
        assert!(html.contains("<option value=\"south\" selected>south</option>"));
    }

    #[test]
    fn each_stop_moves_earlier_or_later_and_an_order_set_by_hand_can_be_let_go() {
        let mut c = board().couriers.remove(0);
        let second = StopMark {
            order_id: "o<3>".to_string(),
            kind: "pickup",
            start_ms: c.stops[0].start_ms + 60_000,
            late: false,
        };
        c.stops.push(second);
        let zone = board().zone;
        let html = stop_list(zone, &c);
        assert!(html.contains("name=\"courier_id\" value=\"c1\""));
        assert!(html.contains("value=\"1:delivery:o2\" aria-label=\"deliver o2 later\""));
        assert!(
            html.contains(
                "value=\"0:pickup:o&lt;3&gt;\" aria-label=\"pick up o&lt;3&gt; earlier\""
            )
        );
        assert_eq!(
            html.matches("class=\"step\"").count(),
            2,
            "no earlier for the first, no later for the last"
        );
        assert!(!html.contains("/console/release"));
        c.kept = true;
        assert!(stop_list(zone, &c).contains("formaction=\"/console/release\""));
        // An order's own pickup and delivery side by side: no button swaps them.
        c.stops[1].order_id = "o2".to_string();
        assert_eq!(stop_list(zone, &c).matches("class=\"step\"").count(), 0);
    }

    #[test]
    fn with_tiles_set_the_map_draws_them_credited_instead_of_the_streets() {
        let mut b = board();
        let points: Vec<[f64; 2]> = b.orders.iter().map(|o| o.door).collect();
        let f = frame(&[b.stores[0].at], &points).expect("a frame");
        assert!(map(&b, &f).contains("<path d=\"M"), "streets by default");
        b.tiles = Some(
            crate::MapTiles::new(
                "https://t.example/{z}/{x}/{y}.png",
                "© OpenStreetMap contributors",
            )
            .expect("valid"),
        );
        let html = map(&b, &f);
        assert!(html.contains("<image href=\"https://t.example/"), "{html}");
        assert!(!html.contains("<path d=\"M"), "no streets under tiles");
        assert!(html.contains("Map tiles: © OpenStreetMap contributors."));
    }

    #[test]
    fn a_stop_past_the_hour_sits_at_the_timelines_end_and_one_now_at_its_start() {
        let mut c = board().couriers.remove(0);
        let now = 1_764_000_000_000;
        c.stops[0].start_ms = now + 3 * 3_600_000;
        assert!(timeline(now, &c).contains(&format!("x=\"{:.1}\"", LINE_W - 2.0)));
        c.stops[0].start_ms = now - 60_000;
        assert!(timeline(now, &c).contains("x=\"-2.0\""));
    }
}
