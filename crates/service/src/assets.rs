//! The pages' scripts, embedded in the binary and served from this host only: each page
//! reads whole without them.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::{ApiError, ErrorBody};

/// Every asset by name: the tracking page's script follows its live stream; the
/// console's moves couriers and swaps its lists.
const ASSETS: [(&str, &str); 2] = [
    ("track.js", include_str!("assets/track.js")),
    ("console.js", include_str!("assets/console.js")),
];

/// A page's script.
#[utoipa::path(get, path = "/assets/{name}", tag = "pages",
    params(("name" = String, Path, description = "`track.js` or `console.js`")),
    responses(
        (status = 200, description = "The script", content_type = "text/javascript", body = String),
        (status = 404, description = "No such asset", body = ErrorBody),
    ))]
pub(crate) async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _)| *n == name) {
        Some((_, text)) => (
            [
                (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            *text,
        )
            .into_response(),
        None => ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_asset",
            format!("no asset is called {name:?}; there are track.js and console.js"),
        )
        .into_response(),
    }
}
