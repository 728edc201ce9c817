//! What every page for people shares: the document around a screen's body, escaping,
//! the problem page, and the headers that keep a page to this host (no font, tile or
//! script from anywhere else; no framing by other sites).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use freshroute_calendar::Zone;

/// A page: its title (escaped already), styles, the one script it loads from
/// `/assets/` (if any), the attributes of its `<main>` and its body.
pub(crate) struct Page<'a> {
    pub(crate) title: &'a str,
    pub(crate) style: &'a str,
    pub(crate) script: Option<&'a str>,
    pub(crate) main_attrs: &'a str,
    pub(crate) body: &'a str,
}

/// The whole document: styles inline, a policy that lets the browser load nothing but
/// this host's script, stream and forms.
pub(crate) fn document(status: StatusCode, page: &Page) -> Response {
    let script = page.script.map_or_else(String::new, |s| {
        format!("<script src=\"/assets/{s}\" defer></script>\n")
    });
    let html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n\
<style>{}</style>\n{script}</head>\n<body>\n<main{}>\n{}</main>\n</body>\n</html>\n",
        page.title, page.style, page.main_attrs, page.body
    );
    let mut res = (status, html).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::CONTENT_SECURITY_POLICY, policy(None));
    h.insert(
        header::REFERRER_POLICY,
        // Links say nothing to other hosts (a tracking link is a secret); this host's
        // own forms keep their Origin, which a session's changes must show.
        HeaderValue::from_static("same-origin"),
    );
    res
}

/// What a page may load: this host's script, stream and forms, and images only from
/// `images_from` when a map draws tiles from there.
fn policy(images_from: Option<&str>) -> HeaderValue {
    let images = images_from.map_or_else(String::new, |o| format!("img-src {o}; "));
    HeaderValue::from_str(&format!(
        "default-src 'none'; {images}style-src 'unsafe-inline'; script-src 'self'; \
         connect-src 'self'; form-action 'self'; frame-ancestors 'none'"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"))
}

/// Lets a page's map load its tiles, when tiles are set.
pub(crate) fn allow_tiles(res: &mut Response, tiles: Option<&crate::MapTiles>) {
    if let Some(t) = tiles {
        res.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, policy(Some(t.origin())));
    }
}

/// The plain style of pages that only say something.
pub(crate) const PLAIN_STYLE: &str = "body{margin:0;font:16px/1.5 system-ui,sans-serif;\
color:#1a1a1a;background:#fff}main{max-width:32rem;margin:0 auto;padding:1rem}\
h1{font-size:1.4rem;margin:.5rem 0}a{color:#1d4f91}label{display:block;margin:.8rem 0 .2rem}\
input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box}\
button{font:inherit;padding:.4rem 1rem;margin-top:.8rem}\
.error{padding:.6rem;background:#fdecea;border-left:4px solid #b42318}";

/// A page that says why there is nothing to show: `message` as a paragraph, and
/// `more` (HTML, trusted) after it.
pub(crate) fn problem(status: StatusCode, title: &str, message: &str, more: &str) -> Response {
    let title = esc(title);
    let body = format!("<h1>{title}</h1>\n<p>{}</p>\n{more}", esc(message));
    document(
        status,
        &Page {
            title: &title,
            style: PLAIN_STYLE,
            script: None,
            main_attrs: "",
            body: &body,
        },
    )
}

/// `text` safe inside HTML text and attributes.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What an action on a page said: `(true, text)` done, `(false, text)` refused.
pub(crate) type Said = (bool, String);

/// An action's outcome as a page tells it, and the status the page answers with: done
/// (200), or refused with the reason, nothing changed (the refusal's status).
pub(crate) fn outcome(done: Result<String, crate::ApiError>) -> (Said, StatusCode) {
    match done {
        Ok(text) => ((true, text), StatusCode::OK),
        Err(e) => (
            (false, format!("Nothing was changed: {}", e.message)),
            e.status,
        ),
    }
}

/// What an action said, as the paragraph at the top of a page (read out by screen
/// readers: a status when done, an alert when refused).
pub(crate) fn said_banner(said: &Said) -> String {
    let (class, role) = if said.0 {
        ("done", "status")
    } else {
        ("error", "alert")
    };
    format!(
        "<p class=\"{class}\" role=\"{role}\">{}</p>\n",
        esc(&said.1)
    )
}

/// Who is signed in, with the button that signs out.
pub(crate) fn signed_in_as(who: &str) -> String {
    format!(
        "<form method=\"post\" action=\"/logout\" class=\"who\"><span>{}</span> <button type=\"submit\">Sign out</button></form>",
        esc(who)
    )
}

/// Cents as money, two decimals.
pub(crate) fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

/// An instant as a wall clock in `zone`, `HH:MM`, in a `<time>` of `class` with the full
/// instant (ISO 8601 with its offset).
pub(crate) fn clock(zone: Zone, ms: i64, class: &str) -> String {
    let minute = zone.minute_of_day(ms);
    format!(
        "<time class=\"{class}\" datetime=\"{}\">{:02}:{:02}</time>",
        zone.format(ms),
        minute / 60,
        minute % 60
    )
}

/// 303 to `to` (a path on this host), setting `cookie` unless it is empty.
pub(crate) fn see_other(to: &str, cookie: &str) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(to) {
        h.insert(header::LOCATION, v);
    }
    if let Some(v) = Some(cookie)
        .filter(|c| !c.is_empty())
        .and_then(|c| HeaderValue::from_str(c).ok())
    {
        h.insert(header::SET_COOKIE, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// `text` safe as a value in a query string (a path keeps its slashes).
pub(crate) fn query_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_loads_images_only_from_the_tile_server_a_deployment_sets() {
        let page = Page {
            title: "t",
            style: "",
            script: None,
            main_attrs: "",
            body: "",
        };
        let csp = |res: &Response| {
            res.headers()[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .expect("ascii")
                .to_string()
        };
        let mut res = document(StatusCode::OK, &page);
        assert!(!csp(&res).contains("img-src"), "{}", csp(&res));
        allow_tiles(&mut res, None);
        assert!(!csp(&res).contains("img-src"));
        let tiles =
            crate::MapTiles::new("https://t.example:8443/{z}/{x}/{y}.png", "OSM").expect("valid");
        allow_tiles(&mut res, Some(&tiles));
        assert!(
            csp(&res).starts_with("default-src 'none'; img-src https://t.example:8443; "),
            "{}",
            csp(&res)
        );
    }

    #[test]
    fn money_reads_as_money() {
        assert_eq!(money(123_456), "1234.56");
        assert_eq!(money(-5), "-0.05");
        assert_eq!(money(0), "0.00");
    }

    #[test]
    fn text_is_escaped_for_html_text_and_attributes() {
        assert_eq!(
            esc("<a href=\"x\">Tom & Jerry's</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
        );
    }
}
