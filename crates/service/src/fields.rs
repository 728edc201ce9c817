//! Checks of request fields shared by the endpoints, each refusal naming its field.

use crate::ApiError;
use crate::time::{format_ms, parse_timestamp};

/// Refuses an identifier that is not 1 to 64 letters, digits, `-`, `_` or `.`.
pub(crate) fn valid_id(field: &str, value: &str) -> Result<(), ApiError> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "invalid_identifier",
            format!("{field} must be 1 to 64 letters, digits, '-', '_' or '.'"),
        )
        .at(field))
    }
}

/// A timestamp (ISO 8601, or epoch seconds or milliseconds) as epoch milliseconds.
pub(crate) fn time_field(field: &str, value: &str) -> Result<i64, ApiError> {
    parse_timestamp(value).map_err(|m| ApiError::bad_request("invalid_timestamp", m).at(field))
}

/// A timestamp that must lie within `[now - past_ms, now + future_ms]`.
pub(crate) fn time_near(
    field: &str,
    value: &str,
    now_ms: i64,
    past_ms: i64,
    future_ms: i64,
) -> Result<i64, ApiError> {
    let t = time_field(field, value)?;
    if t < now_ms - past_ms || t > now_ms + future_ms {
        return Err(ApiError::bad_request(
            "time_out_of_range",
            format!(
                "{field} {} is outside {} to {}; check the date and the time zone",
                format_ms(t),
                format_ms(now_ms - past_ms),
                format_ms(now_ms + future_ms)
            ),
        )
        .at(field));
    }
    Ok(t)
}

/// Refuses an empty text or one longer than `max` characters.
pub(crate) fn text(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    let n = value.trim().chars().count();
    if n == 0 || n > max {
        return Err(ApiError::bad_request(
            "invalid_text",
            format!("{field} must be 1 to {max} characters"),
        )
        .at(field));
    }
    Ok(())
}

/// A `status` field or query parameter read as `T` (an order's, a purchase order's
/// status), refused with `invalid_status` and the statuses it may be.
pub(crate) fn status<T: std::str::FromStr<Err = String>>(value: &str) -> Result<T, ApiError> {
    value
        .parse()
        .map_err(|m| ApiError::bad_request("invalid_status", m).at("status"))
}

/// A listing's `limit`: 1 to 1,000, 100 when not given.
pub(crate) fn listing_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    let limit = limit.unwrap_or(100);
    if (1..=1_000).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::bad_request("invalid_limit", "limit must be 1 to 1000").at("limit"))
    }
}
