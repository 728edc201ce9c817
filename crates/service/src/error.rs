//! The one error shape of the API: `{code, message, field}` with a stable code.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use freshroute_store::StoreError;
use serde::Serialize;

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// What is wrong and how to fix it.
    pub message: String,
    /// The offending field, as a path into the request (`fixes[3].lat`), if one.
    pub field: Option<String>,
}

/// The body of every error answer.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorBody<'a> {
    /// Stable machine-readable code, e.g. `invalid_latitude`.
    #[schema(example = "too_far_from_road")]
    code: &'a str,
    /// What is wrong and how to fix it.
    message: &'a str,
    /// The offending field, as a path into the request (`items[2].quantity`), if one.
    field: Option<&'a str>,
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    /// 400: the request is malformed or a value is invalid.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 422: the request reads, but a value breaks a rule (an unknown article, a unit
    /// count out of range).
    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// Names the offending field.
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// The same refusal placed inside item `i` of the list `list` it came from
    /// (`units` → `sales[3].units`).
    pub fn within(self, list: &str, i: usize) -> Self {
        let field = match &self.field {
            Some(f) => format!("{list}[{i}].{f}"),
            None => format!("{list}[{i}]"),
        };
        self.at(field)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            code: self.code,
            message: &self.message,
            field: self.field.as_deref(),
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<freshroute_calendar::CalendarError> for ApiError {
    fn from(e: freshroute_calendar::CalendarError) -> Self {
        let field = (!e.path.is_empty()).then_some(e.path);
        Self {
            field,
            ..Self::bad_request(e.code, e.message)
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => Self::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("{what} already exists"),
            ),
            StoreError::Recalled(lot) => Self::new(
                StatusCode::CONFLICT,
                "recalled_lot",
                format!(
                    "lot {lot} was recalled: none of its units enters stock; set them aside and record them as waste"
                ),
            ),
            StoreError::Short { .. } => Self::new(
                StatusCode::CONFLICT,
                "not_enough_stock",
                format!("{e}: nothing was made; receive or count it first"),
            ),
            StoreError::NotEnough { .. } => Self::new(
                StatusCode::CONFLICT,
                "not_enough_stock",
                format!("{e}: nothing was stored; read the stock again"),
            ),
            StoreError::Invalid(why) => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_value", why)
            }
            other => {
                tracing::error!(error = %other, "storage failed");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    other.code(),
                    "storage is unavailable; nothing was stored, retry later",
                )
            }
        }
    }
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(r: axum::extract::rejection::JsonRejection) -> Self {
        use axum::extract::rejection::JsonRejection as J;
        let (status, code) = match &r {
            J::MissingJsonContentType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_content_type",
            ),
            J::JsonSyntaxError(_) => (StatusCode::BAD_REQUEST, "malformed_json"),
            J::JsonDataError(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
            J::BytesRejection(_) => (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
            _ => (StatusCode::BAD_REQUEST, "invalid_body"),
        };
        let field = match &r {
            J::JsonDataError(e) => path_in(e),
            _ => None,
        };
        Self {
            field: Some(field.unwrap_or_else(|| WHOLE_BODY.to_string())),
            ..Self::new(status, code, r.body_text())
        }
    }
}

/// The field of a refusal about the body as a whole (it does not parse, it is too large).
pub(crate) const WHOLE_BODY: &str = "body";

/// The JSON path of the value a body could not be read into, from the deserialiser's
/// error: `items[0].quantity`; for a missing or unknown field, the field itself.
fn path_in(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut source = Some(e);
    while let Some(err) = source {
        if let Some(p) = err.downcast_ref::<serde_path_to_error::Error<serde_json::Error>>() {
            return Some(json_path(p));
        }
        source = err.source();
    }
    None
}

fn json_path(e: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let path = e.path().to_string();
    let base = if path == "." { String::new() } else { path };
    let inner = e.inner().to_string();
    let named = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|p| inner.strip_prefix(p))
        .and_then(|rest| rest.split('`').next());
    match (named, base.is_empty()) {
        (Some(f), true) => f.to_string(),
        (Some(f), false) if !base.ends_with(f) => format!("{base}.{f}"),
        (_, true) => WHOLE_BODY.to_string(),
        _ => base,
    }
}

/// Reads a JSON value into `T`, refusing with 422 `invalid_body` at the path of the value
/// that does not fit and `what` the body should be.
pub(crate) fn read_body<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
    what: &str,
) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = json_path(&e);
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            format!("the body is not {what}: {}", e.inner()),
        )
        .at(field)
    })
}

/// Reads JSON bytes into `T`: 400 `malformed_json` at `body` when they do not parse,
/// else as [`read_body`].
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    what: &str,
) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request("malformed_json", format!("the body is not JSON: {e}")).at(WHOLE_BODY)
    })?;
    read_body(value, what)
}
