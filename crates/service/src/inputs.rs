//! What every request's text must be before any handler sees it: no control or
//! bidirectional-override characters in the path, the query or any text of the body
//! (but GS1's group separator in a field named `scan`, where a raw label has it), and no
//! text longer than [`MAX_TEXT_CHARS`]. Checked once here, the same for every
//! endpoint and both storage backends (PostgreSQL cannot store a NUL; SQLite would).

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::{ApiError, MAX_BODY_BYTES};

/// The group separator a raw GS1 scan ends a variable field with: allowed in a field
/// named `scan`, nowhere else.
const GS1_SEPARATOR: char = '\u{1d}';

/// Longest text any field may hold, characters; fields have tighter limits of their own.
pub const MAX_TEXT_CHARS: usize = 10_000;

/// Refuses a request whose path, query or body text breaks the rules above.
pub(crate) async fn guard(req: Request, next: Next) -> Response {
    if let Err(e) = check_uri(req.uri()) {
        return e.into_response();
    }
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("the body is over {MAX_BODY_BYTES} bytes, or was cut off; send less"),
            )
            .into_response();
        }
    };
    let csv = parts
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/csv"));
    let checked = if csv {
        check_csv(&bytes)
    } else {
        check_body(&bytes)
    };
    if let Err(e) = checked {
        return e.into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// A character no text may hold: a control character (a tab, line feed or carriage
/// return only where `lines` allows them) or one that reorders text on screen.
fn forbidden(c: char, lines: bool) -> bool {
    (c.is_control() && !(lines && matches!(c, '\t' | '\n' | '\r')))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Refuses `text` at `field` if it holds a forbidden character or is too long.
fn check_text(field: &str, text: &str, lines: bool) -> Result<(), ApiError> {
    if let Some(c) = text.chars().find(|&c| forbidden(c, lines)) {
        return Err(ApiError::bad_request(
            "control_character",
            format!(
                "{field} holds the character U+{:04X}; texts may not hold control or \
                 text-direction characters: remove it",
                u32::from(c)
            ),
        )
        .at(field));
    }
    if text.chars().nth(MAX_TEXT_CHARS).is_some() {
        return Err(ApiError::bad_request(
            "text_too_long",
            format!("{field} is longer than {MAX_TEXT_CHARS} characters; shorten it"),
        )
        .at(field));
    }
    Ok(())
}

fn check_uri(uri: &axum::http::Uri) -> Result<(), ApiError> {
    check_text("path", &percent_decoded(uri.path()), false)?;
    if let Some(q) = uri.query()
        && let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(q)
    {
        for (name, value) in &pairs {
            check_text("query", name, false)?;
            check_text(name, value, false)?;
        }
    }
    Ok(())
}

/// A body's texts: every string and key of a JSON body, named by its path; every value
/// of a form body, named by its parameter.
fn check_body(bytes: &[u8]) -> Result<(), ApiError> {
    if bytes.is_empty() || plainly_clean_json(bytes) {
        return Ok(());
    }
    if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
        return check_json(&v, &mut String::new());
    }
    if let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes) {
        for (name, value) in &pairs {
            check_text("body", name, false)?;
            check_text(name, value, false)?;
        }
    }
    Ok(())
}

/// A CSV body, line by line: each line is a text (its line break aside), named by its
/// row (`sales[i]`, the header not counted) as the sales endpoint names rows.
fn check_csv(bytes: &[u8]) -> Result<(), ApiError> {
    let text = String::from_utf8_lossy(bytes);
    let lines = text.lines().filter(|l| !l.trim().is_empty());
    for (i, line) in lines.enumerate() {
        let field = match i {
            0 => "sales".to_string(),
            i => format!("sales[{}]", i - 1),
        };
        check_text(&field, line.trim_end_matches('\r'), false)?;
    }
    Ok(())
}

/// Whether a JSON body surely passes, read as bytes without parsing it (most bodies,
/// fix batches among them): no backslash (so no escaped character, and every string is
/// exactly what lies between two quotes), no control byte but whitespace, no C1 control
/// or text-direction character in UTF-8, and no run between quotes longer than the
/// limit. Anything else is parsed and checked text by text.
fn plainly_clean_json(bytes: &[u8]) -> bool {
    if !matches!(bytes.first(), Some(b'{' | b'[')) {
        return false;
    }
    let mut quote_at = None;
    for (i, &b) in bytes.iter().enumerate() {
        let next = bytes.get(i + 1).copied().unwrap_or(0);
        let after = bytes.get(i + 2).copied().unwrap_or(0);
        let suspicious = b == b'\\'
            || b == 0x7F
            || (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
            || (b == 0xC2 && (0x80..=0x9F).contains(&next))
            || (b == 0xE2 && next == 0x80 && (0xAA..=0xAE).contains(&after))
            || (b == 0xE2 && next == 0x81 && (0xA6..=0xA9).contains(&after));
        if suspicious {
            return false;
        }
        if b == b'"' {
            match quote_at.take() {
                Some(open) if i - open - 1 > MAX_TEXT_CHARS => return false,
                Some(_) => {}
                None => quote_at = Some(i),
            }
        }
    }
    true
}

fn check_json(v: &Value, path: &mut String) -> Result<(), ApiError> {
    let field = |path: &str| {
        if path.is_empty() {
            "body".to_string()
        } else {
            path.to_string()
        }
    };
    match v {
        // A scanned GS1 label keeps its group separators (FNC1), and only those.
        Value::String(s) if path == "scan" || path.ends_with(".scan") => {
            check_text(&field(path), &s.replace(GS1_SEPARATOR, ""), true)
        }
        Value::String(s) => check_text(&field(path), s, true),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                check_json(item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Object(members) => {
            for (key, item) in members {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                check_text(&field(path), key, false)?;
                check_json(item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// `%XX` sequences decoded, as the path extractors will see them.
fn percent_decoded(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(body: &str) -> Option<(&'static str, String)> {
        check_body(body.as_bytes())
            .err()
            .map(|e| (e.code, e.field.unwrap_or_default()))
    }

    #[test]
    fn a_nul_or_direction_override_anywhere_in_a_body_is_named_by_its_path() {
        assert_eq!(
            refusal(r#"{"customer": {"name": "L\u0000a"}}"#),
            Some(("control_character", "customer.name".into()))
        );
        assert_eq!(
            refusal(r#"{"items": [{"sku": "ok"}, {"sku": "ev\u202Eil"}]}"#),
            Some(("control_character", "items[1].sku".into()))
        );
        assert_eq!(
            refusal(r#"{"na\u0001me": "x"}"#),
            Some(("control_character", "na\u{1}me".into()))
        );
        assert_eq!(
            refusal("id=864&lat=41%00"),
            Some(("control_character", "lat".into()))
        );
        assert_eq!(refusal(r#"{"reason": "two\nlines\tand a tab"}"#), None);
        assert_eq!(refusal(r#"{"n": 1, "ok": [true, null, "fine"]}"#), None);
    }

    #[test]
    fn a_scan_keeps_its_group_separators_and_nothing_else_does() {
        let scan = r#"{"lots": [{"scan": "0102000000000015\u001d10L-1", "units": 1}]}"#;
        assert_eq!(refusal(scan), None);
        assert_eq!(
            refusal(r#"{"lots": [{"scan": "01\u0000"}]}"#),
            Some(("control_character", "lots[0].scan".into()))
        );
        assert_eq!(
            refusal(r#"{"lots": [{"lot_number": "L\u001d1"}]}"#),
            Some(("control_character", "lots[0].lot_number".into()))
        );
    }

    #[test]
    fn the_byte_scan_passes_only_what_parsing_would_pass() {
        let long = "x".repeat(MAX_TEXT_CHARS + 1);
        for (body, plain) in [
            (
                r#"{"fixes": [{"courier_id": "c-1", "lat": 41.1}]}"#.to_string(),
                true,
            ),
            ("{\"name\": \"Café Ł\"}".to_string(), true),
            (r#"{"name": "L\u0000a"}"#.to_string(), false),
            (r#"{"name": "say \"hi\""}"#.to_string(), false),
            ("{\"name\": \"a\u{202E}b\"}".to_string(), false),
            ("{\"name\": \"a\u{2067}b\"}".to_string(), false),
            ("{\"name\": \"a\u{85}b\"}".to_string(), false),
            ("{\"name\": \"a\u{7F}b\"}".to_string(), false),
            (format!(r#"{{"name": "{long}"}}"#), false),
            ("id=1&lat=41".to_string(), false),
        ] {
            assert_eq!(plainly_clean_json(body.as_bytes()), plain, "{body:.60}");
            if plain {
                assert!(
                    check_json(
                        &serde_json::from_str(&body).expect("json"),
                        &mut String::new()
                    )
                    .is_ok()
                );
            }
        }
    }

    #[test]
    fn texts_longer_than_the_limit_are_refused() {
        let long = "x".repeat(MAX_TEXT_CHARS + 1);
        assert_eq!(
            refusal(&format!(r#"{{"name": "{long}"}}"#)),
            Some(("text_too_long", "name".into()))
        );
        let fits = "é".repeat(MAX_TEXT_CHARS);
        assert_eq!(refusal(&format!(r#"{{"name": "{fits}"}}"#)), None);
    }

    #[test]
    fn paths_and_queries_are_read_as_decoded() {
        let uri: axum::http::Uri = "/v1/orders/o%001".parse().expect("uri");
        assert_eq!(
            check_uri(&uri).map_err(|e| e.code),
            Err("control_character")
        );
        let uri: axum::http::Uri = "/v1/orders?status=placed%0A".parse().expect("uri");
        assert_eq!(
            check_uri(&uri).map_err(|e| e.field),
            Err(Some("status".into()))
        );
        let uri: axum::http::Uri = "/v1/orders/caf%C3%A9?limit=5".parse().expect("uri");
        assert!(check_uri(&uri).is_ok());
    }
}
