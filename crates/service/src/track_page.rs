//! The tracking link as a page for the customer: the order's steps, the promise and the
//! ETA in the store's local time, and, only while the courier's next stop is this door,
//! a small map of its road here. Rendered on the server and read whole without script;
//! no font, no tile, no request to any other host. Its one script (`assets/track.js`,
//! from this binary) follows the live stream: the courier moves on the map and the ETA
//! stays current. It never reloads on a timer (an accessibility failure, WCAG 2.2.1);
//! without script a link checks again.

use std::fmt::Write;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use freshroute_calendar::Zone;
use freshroute_store::OrderStatus;

use crate::map_frame::Frame;
use crate::pages::{self, Page, clock, document, esc};

/// What the page shows, as instants and places.
pub(crate) struct Tracked<'a> {
    pub(crate) status: OrderStatus,
    pub(crate) store_name: Option<&'a str>,
    /// The store's time zone: times are shown as its wall clock.
    pub(crate) zone: Zone,
    pub(crate) promised_ms: i64,
    pub(crate) eta_ms: Option<i64>,
    /// The door, `[lon, lat]`.
    pub(crate) door: [f64; 2],
    /// While its next stop is this door: the courier's latest fix and the road from
    /// there to the door, `[lon, lat]`.
    pub(crate) courier: Option<([f64; 2], &'a [[f64; 2]])>,
    /// The streets around, as segments' ends, `[lon, lat]`, drawn under the courier's
    /// road (those that cross [`map_corners`]).
    pub(crate) streets: &'a [[[f64; 2]; 2]],
    /// A coupon a delay earned: its code and value, cents.
    pub(crate) coupon: Option<(&'a str, i64)>,
    /// Tiles to draw under the map instead of the streets, when a deployment sets them.
    pub(crate) tiles: Option<&'a crate::MapTiles>,
}

/// Whether the request is a browser's, asking for a page rather than JSON.
pub(crate) fn wants_page(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

/// The tracking page.
pub(crate) fn page(t: &Tracked) -> Response {
    let open = !t.status.is_final();
    let from = t.store_name.map_or_else(
        || "Your order".to_string(),
        |s| format!("Your order from {}", esc(s)),
    );
    let mut body = format!("<h1>{from}</h1>\n");
    body += &headline(t);
    body += &steps(t.status);
    if let Some((at, road)) = t.courier {
        body += &map(t, at, road);
    }
    if let Some((code, cents)) = t.coupon {
        let _ = writeln!(
            body,
            "<p class=\"coupon\">We are sorry for the delay: coupon <strong>{}</strong>, worth {} off your next order.</p>",
            esc(code),
            pages::money(cents)
        );
    }
    if open {
        body += "<p class=\"small\"><a href=\"\">Check again</a> for the latest.</p>\n";
    }
    let live = format!(
        " data-status=\"{}\" data-courier=\"{}\"",
        t.status.as_str(),
        u8::from(t.courier.is_some())
    );
    document(
        StatusCode::OK,
        &Page {
            title: &from,
            style: STYLE,
            script: Some("track.js"),
            main_attrs: &live,
            body: &body,
        },
    )
}

/// A page saying why there is nothing to track (unknown or expired link).
pub(crate) fn problem(status: StatusCode, title: &str, message: &str) -> Response {
    pages::problem(status, title, message, "")
}

/// The status in a sentence, with the promise and the ETA.
fn headline(t: &Tracked) -> String {
    let promised = clock(t.zone, t.promised_ms, "promise");
    let said = match (t.status, t.eta_ms) {
        (OrderStatus::Delivered, _) => "Delivered. Enjoy!".to_string(),
        (OrderStatus::Cancelled, _) => "This order was cancelled.".to_string(),
        (OrderStatus::Failed, _) => {
            "We could not deliver this order; the store will contact you.".to_string()
        }
        (_, Some(eta)) if eta > t.promised_ms => format!(
            "Running late: expected at {}, promised by {promised}.",
            clock(t.zone, eta, "eta")
        ),
        (_, Some(eta)) => format!(
            "Expected at {}, promised by {promised}.",
            clock(t.zone, eta, "eta")
        ),
        (_, None) => format!("Promised by {promised}."),
    };
    format!("<p class=\"headline\" role=\"status\">{said}</p>\n")
}

/// The order's steps, the current one marked.
fn steps(status: OrderStatus) -> String {
    const STEPS: [(OrderStatus, &str); 4] = [
        (OrderStatus::Placed, "Order received"),
        (
            OrderStatus::Assigned,
            "A courier is on the way to the store",
        ),
        (OrderStatus::PickedUp, "On its way to you"),
        (OrderStatus::Delivered, "Delivered"),
    ];
    let Some(now) = STEPS.iter().position(|(s, _)| *s == status) else {
        return String::new();
    };
    let mut out = String::from("<ol class=\"steps\">\n");
    for (k, (_, label)) in STEPS.iter().enumerate() {
        let (class, current) = match k.cmp(&now) {
            std::cmp::Ordering::Less => ("done", ""),
            std::cmp::Ordering::Equal => ("now", " aria-current=\"step\""),
            std::cmp::Ordering::Greater => ("next", ""),
        };
        let _ = writeln!(out, "<li class=\"{class}\"{current}>{label}</li>");
    }
    out + "</ol>\n"
}

/// Width and height of the map, and its margin, in SVG units.
const MAP_W: f64 = 320.0;
const MAP_H: f64 = 200.0;
const MAP_PAD: f64 = 16.0;

/// The frame that shows the door, the courier and its road, at least 100 m across.
fn frame(door: [f64; 2], courier: [f64; 2], road: &[[f64; 2]]) -> Frame {
    Frame::fitting(
        door,
        road.iter().copied().chain([courier]),
        (MAP_W, MAP_H),
        MAP_PAD,
        100.0,
    )
}

/// The south-west and north-east corners, `[lon, lat]`, of the map of a courier at
/// `courier` on `road` to `door`: the streets to draw are those that cross it.
pub(crate) fn map_corners(
    door: [f64; 2],
    courier: [f64; 2],
    road: &[[f64; 2]],
) -> ([f64; 2], [f64; 2]) {
    frame(door, courier, road).corners()
}

/// The streets around, the courier's road to the door, the courier and the door, to
/// scale.
fn map(t: &Tracked, courier: [f64; 2], road: &[[f64; 2]]) -> String {
    let frame = frame(t.door, courier, road);
    let (background, credit) = match t.tiles {
        Some(tiles) => (tiles.images(&frame), format!(" {}.", tiles.credit())),
        None => (
            format!(
                "<path d=\"{}\" fill=\"none\" stroke=\"#c4ccc7\" stroke-width=\"1.5\" stroke-linecap=\"round\"/>",
                frame.segments_path(t.streets)
            ),
            String::new(),
        ),
    };
    let line = frame.polyline(road);
    let (dx, dy) = frame.svg(t.door);
    let (kx, ky) = frame.svg(courier);
    let (ex, ny) = frame.local(courier);
    let away_m = (ex.hypot(ny) / 10.0).round() * 10.0;
    let label = format!("Map: the courier is {} from your door", distance(away_m));
    let data = esc(&frame.data());
    format!(
        "<figure class=\"map\">\n<svg viewBox=\"0 0 {MAP_W} {MAP_H}\" role=\"img\" aria-labelledby=\"map-title\" data-frame=\"{data}\">\
<title id=\"map-title\">{label}</title>\
<rect width=\"{MAP_W}\" height=\"{MAP_H}\" fill=\"#eef2f0\"/>\
{background}\
<polyline points=\"{line}\" fill=\"none\" stroke=\"#3a6ea5\" stroke-width=\"4\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>\
<circle cx=\"{dx:.1}\" cy=\"{dy:.1}\" r=\"7\" fill=\"#1a1a1a\"/>\
<circle class=\"courier\" cx=\"{kx:.1}\" cy=\"{ky:.1}\" r=\"8\" fill=\"#c2410c\" stroke=\"#fff\" stroke-width=\"2\"/>\
</svg>\n<figcaption>{label}: orange is the courier, black your door.{credit}</figcaption>\n</figure>\n"
    )
}

/// Metres as a person reads them.
fn distance(m: f64) -> String {
    if m >= 1000.0 {
        format!("{:.1} km", m / 1000.0)
    } else {
        format!("{m:.0} m")
    }
}

const STYLE: &str = "body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1a1a1a;background:#fff}\
main{max-width:32rem;margin:0 auto;padding:1rem}h1{font-size:1.4rem;margin:.5rem 0}\
.headline{font-size:1.15rem;font-weight:600}.steps{list-style:none;padding:0}\
.steps li{padding:.4rem .75rem;border-left:4px solid #c9d1cc;margin:.2rem 0}\
.steps .done{border-color:#2f6b3f}.steps .now{border-color:#c2410c;font-weight:700;background:#fff4ec}\
.steps .next{color:#4d4d4d}.map svg{width:100%;height:auto;border-radius:6px}\
figure{margin:1rem 0}figcaption,.small{font-size:.9rem;color:#4d4d4d}\
.coupon{padding:.6rem;background:#f3f6f4;border-radius:6px}a{color:#1d4f91}";

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn tracked(status: OrderStatus) -> Tracked<'static> {
        Tracked {
            status,
            store_name: Some("Café <Aliados> & \"Co\""),
            zone: "Europe/Lisbon".parse().expect("zone"),
            // 2026-07-01 11:35 UTC, 12:35 in Lisbon (summer time).
            promised_ms: 1_782_905_700_000,
            eta_ms: Some(1_782_905_700_000 + 6 * 60_000),
            door: [-8.6110, 41.1496],
            courier: None,
            streets: &[],
            coupon: None,
            tiles: None,
        }
    }

    async fn text(res: Response) -> String {
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .expect("body");
        String::from_utf8(bytes.to_vec()).expect("utf-8")
    }

    #[tokio::test]
    async fn a_late_order_says_so_in_the_stores_time_with_names_escaped() {
        let html = text(page(&tracked(OrderStatus::Assigned))).await;
        assert!(
            html.contains("Café &lt;Aliados&gt; &amp; &quot;Co&quot;"),
            "{html}"
        );
        assert!(!html.contains("<Aliados>"));
        assert!(html.contains("Running late: expected at <time class=\"eta\" datetime=\"2026-07-01T12:41:00+01:00\">12:41</time>, promised by <time class=\"promise\" datetime=\"2026-07-01T12:35:00+01:00\">12:35</time>"), "{html}");
        assert!(html.contains(
            "<li class=\"now\" aria-current=\"step\">A courier is on the way to the store</li>"
        ));
        assert!(
            html.contains(">Check again</a>"),
            "an open order can be checked again"
        );
        assert_eq!(
            html.matches("<script").count(),
            1,
            "only the page's own script, which it reads whole without"
        );
        assert!(html.contains("<script src=\"/assets/track.js\" defer></script>"));
        assert!(
            !html.contains("<svg"),
            "no map before the courier heads here"
        );
    }

    #[tokio::test]
    async fn the_map_shows_the_courier_on_its_road_only_when_given() {
        let road = [[-8.6200, 41.1550], [-8.6150, 41.1520], [-8.6110, 41.1496]];
        let streets = [[[-8.6300, 41.1600], [-8.6000, 41.1400]]];
        let mut t = tracked(OrderStatus::PickedUp);
        t.courier = Some((road[0], &road));
        t.streets = &streets;
        let html = text(page(&t)).await;
        assert!(html.contains("<svg"), "{html}");
        assert!(
            html.contains("<path d=\"M"),
            "the streets are drawn: {html}"
        );
        // The map's corners hold the door and the courier.
        let (sw, ne) = map_corners(t.door, road[0], &road);
        for p in [t.door, road[0]] {
            assert!((sw[0]..=ne[0]).contains(&p[0]) && (sw[1]..=ne[1]).contains(&p[1]));
        }
        assert!(
            html.contains("the courier is 960 m from your door"),
            "{html}"
        );
        // Every drawn point lies inside the picture.
        let points = html
            .split("points=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("a road");
        for p in points.split(' ') {
            let (x, y) = p.split_once(',').expect("x,y");
            let (x, y): (f64, f64) = (x.parse().expect("x"), y.parse().expect("y"));
            assert!(
                (0.0..=MAP_W).contains(&x) && (0.0..=MAP_H).contains(&y),
                "{p}"
            );
        }
    }

    #[tokio::test]
    async fn a_closed_order_has_nothing_to_check_again_and_an_expired_link_says_so() {
        let html = text(page(&tracked(OrderStatus::Delivered))).await;
        assert!(html.contains("Delivered. Enjoy!"));
        assert!(!html.contains("Check again"));
        let res = problem(StatusCode::GONE, "This tracking link has expired", "at <b>");
        assert_eq!(res.status(), StatusCode::GONE);
        let html = text(res).await;
        assert!(
            html.contains("<h1>This tracking link has expired</h1>")
                && html.contains("at &lt;b&gt;")
        );
    }

    #[test]
    fn only_a_browser_asking_for_html_gets_the_page() {
        let mut h = HeaderMap::new();
        assert!(!wants_page(&h));
        h.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        assert!(!wants_page(&h));
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/html,application/xhtml+xml,*/*;q=0.8"),
        );
        assert!(wants_page(&h));
    }
}
