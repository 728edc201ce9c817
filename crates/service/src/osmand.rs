//! The OsmAnd protocol exactly as the Traccar Client sends it: parameters in the query
//! string or a form body (`id`/`deviceid`, `timestamp`, `lat`, `lon` or `location`,
//! `speed` in knots, `bearing`/`heading`, `altitude`, `accuracy`, `batt`), or the JSON
//! body of Traccar Client 9 and later (`device_id`, `location.timestamp`,
//! `location.coords` with speed in m/s and -1 for unknown, `location.battery.level`
//! from 0 to 1). Parameters the protocol defines but freshroute does not use (`hdop`,
//! `cell`, `wifi`, `valid`, …) are accepted and ignored.

use serde_json::Value;

use crate::ApiError;
use crate::ingest::IncomingFix;
use crate::time::parse_timestamp;

/// Metres per second in a knot.
const KNOT_MPS: f64 = 1852.0 / 3600.0;

/// A parsed OsmAnd report: the device id it names, and its fix.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Report {
    /// What the app sends as its identifier.
    pub(crate) device_id: String,
    /// The fix.
    pub(crate) fix: IncomingFix,
}

/// A finite number: `NaN`, `inf` and `infinity`, which Rust's parser takes, are refused.
fn number(name: &str, value: &str) -> Result<f64, ApiError> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_parameter",
                format!("{name}={value:?} is not a finite number"),
            )
            .at(name)
        })
}

/// The query or form parameter that carries each measurement.
fn param_name(measurement: &str) -> &'static str {
    match measurement {
        "lat" => "lat",
        "lon" => "lon",
        "speed_mps" => "speed",
        "bearing_deg" => "bearing",
        "altitude_m" => "altitude",
        "accuracy_m" => "accuracy",
        _ => "batt",
    }
}

/// The member of the Traccar Client 9 JSON that carries each measurement.
fn json_name(measurement: &str) -> &'static str {
    match measurement {
        "lat" => "location.coords.latitude",
        "lon" => "location.coords.longitude",
        "speed_mps" => "location.coords.speed",
        "bearing_deg" => "location.coords.heading",
        "altitude_m" => "location.coords.altitude",
        "accuracy_m" => "location.coords.accuracy",
        _ => "location.battery.level",
    }
}

/// Parses query or form parameters; `now_ms` stands in for a missing timestamp.
pub(crate) fn from_params(params: &[(String, String)], now_ms: i64) -> Result<Report, ApiError> {
    let mut device_id = None;
    let mut fix_ms = None;
    let (mut lat, mut lon) = (None, None);
    let mut fix = IncomingFix {
        fix_ms: now_ms,
        lat: 0.0,
        lon: 0.0,
        speed_mps: None,
        bearing_deg: None,
        altitude_m: None,
        accuracy_m: None,
        battery_pct: None,
    };
    for (name, value) in params {
        match name.as_str() {
            "id" | "deviceid" => device_id = Some(value.trim().to_string()),
            "timestamp" => {
                fix_ms =
                    Some(parse_timestamp(value).map_err(|m| {
                        ApiError::bad_request("invalid_timestamp", m).at("timestamp")
                    })?);
            }
            "lat" => lat = Some(number(name, value)?),
            "lon" => lon = Some(number(name, value)?),
            "location" => {
                let (a, b) = value.split_once(',').ok_or_else(|| {
                    ApiError::bad_request(
                        "invalid_parameter",
                        format!("location={value:?} is not LAT,LON"),
                    )
                    .at("location")
                })?;
                lat = Some(number("location", a)?);
                lon = Some(number("location", b)?);
            }
            "speed" => fix.speed_mps = Some(number(name, value)? * KNOT_MPS),
            "bearing" | "heading" => fix.bearing_deg = Some(number(name, value)?),
            "altitude" => fix.altitude_m = Some(number(name, value)?),
            "accuracy" => fix.accuracy_m = Some(number(name, value)?),
            "batt" => fix.battery_pct = Some(number(name, value)?),
            _ => {}
        }
    }
    let device_id = device_id.filter(|d| !d.is_empty()).ok_or_else(|| {
        ApiError::bad_request("missing_device_id", "send the device identifier as id=…").at("id")
    })?;
    let (Some(lat), Some(lon)) = (lat, lon) else {
        return Err(ApiError::bad_request(
            "missing_coordinates",
            "send lat and lon (or location=LAT,LON)",
        )
        .at("lat"));
    };
    fix.fix_ms = fix_ms.unwrap_or(now_ms);
    fix.lat = lat;
    fix.lon = lon;
    fix.check().map_err(|b| b.at(param_name(b.name)))?;
    Ok(Report { device_id, fix })
}

/// `-1` (and anything negative) means unknown in the app's JSON.
fn known(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64).filter(|x| *x >= 0.0)
}

/// Parses the JSON body of Traccar Client 9 and later.
pub(crate) fn from_json(body: &[u8], now_ms: i64) -> Result<Report, ApiError> {
    let root: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request("malformed_json", format!("the body is not JSON: {e}"))
    })?;
    let device_id = match root.get("device_id") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            return Err(ApiError::bad_request(
                "missing_device_id",
                "the JSON body needs device_id",
            )
            .at("device_id"));
        }
    };
    let location = root.get("location").ok_or_else(|| {
        ApiError::bad_request("missing_coordinates", "the JSON body needs location").at("location")
    })?;
    let coords = location.get("coords");
    let coord = |name: &str| coords.and_then(|c| c.get(name)).and_then(Value::as_f64);
    let (Some(lat), Some(lon)) = (coord("latitude"), coord("longitude")) else {
        return Err(ApiError::bad_request(
            "missing_coordinates",
            "location.coords needs latitude and longitude",
        )
        .at("location.coords"));
    };
    let fix_ms = match location.get("timestamp") {
        None | Some(Value::Null) => now_ms,
        Some(Value::String(s)) => parse_timestamp(s)
            .map_err(|m| ApiError::bad_request("invalid_timestamp", m).at("location.timestamp"))?,
        Some(Value::Number(n)) => parse_timestamp(&n.to_string())
            .map_err(|m| ApiError::bad_request("invalid_timestamp", m).at("location.timestamp"))?,
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_timestamp",
                "location.timestamp must be ISO 8601 text or epoch seconds",
            )
            .at("location.timestamp"));
        }
    };
    let level = location.get("battery").and_then(|b| known(b.get("level")));
    if level.is_some_and(|l| l > 1.0) {
        return Err(ApiError::bad_request(
            "invalid_measurement",
            "location.battery.level must be from 0 to 1, or -1 for unknown; nothing was stored",
        )
        .at("location.battery.level"));
    }
    let report = Report {
        device_id,
        fix: IncomingFix {
            fix_ms,
            lat,
            lon,
            speed_mps: known(coords.and_then(|c| c.get("speed"))),
            bearing_deg: known(coords.and_then(|c| c.get("heading"))),
            altitude_m: coord("altitude"),
            accuracy_m: known(coords.and_then(|c| c.get("accuracy"))),
            battery_pct: level.map(|l| l * 100.0),
        },
    };
    report.fix.check().map_err(|b| b.at(json_name(b.name)))?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: &str) -> Vec<(String, String)> {
        serde_urlencoded::from_str(q).expect("query")
    }

    #[test]
    fn the_query_string_of_the_traccar_client_is_read_with_its_units() {
        let r = from_params(
            &params("id=864&timestamp=1764064800&lat=41.1466&lon=-8.6112&speed=10&bearing=90.5&altitude=80&accuracy=6.5&batt=77&hdop=1.2&valid=true"),
            0,
        )
        .expect("valid");
        assert_eq!(r.device_id, "864");
        assert_eq!(r.fix.fix_ms, 1_764_064_800_000);
        assert_eq!((r.fix.lat, r.fix.lon), (41.1466, -8.6112));
        assert!(
            (r.fix.speed_mps.expect("speed") - 5.1444).abs() < 1e-3,
            "knots to m/s"
        );
        assert_eq!(r.fix.bearing_deg, Some(90.5));
        assert_eq!(r.fix.accuracy_m, Some(6.5));
        assert_eq!(r.fix.battery_pct, Some(77.0));
        let alt =
            from_params(&params("deviceid=864&location=41.1,-8.6&heading=10"), 5).expect("valid");
        assert_eq!((alt.fix.lat, alt.fix.lon, alt.fix.fix_ms), (41.1, -8.6, 5));
        assert_eq!(alt.fix.bearing_deg, Some(10.0));
    }

    #[test]
    fn the_json_of_traccar_client_9_is_read_with_unknowns_left_out() {
        let body = br#"{"location":{"timestamp":"2025-11-25T10:00:00.000Z","coords":{"latitude":41.1466,"longitude":-8.6112,"accuracy":5.2,"speed":-1,"heading":-1,"altitude":80},"is_moving":true,"odometer":0,"battery":{"level":0.77,"is_charging":false},"activity":{"type":"still"}},"device_id":"864"}"#;
        let r = from_json(body, 0).expect("valid");
        assert_eq!(r.device_id, "864");
        assert_eq!(r.fix.fix_ms, 1_764_064_800_000);
        assert_eq!(r.fix.speed_mps, None);
        assert_eq!(r.fix.bearing_deg, None);
        assert_eq!(r.fix.accuracy_m, Some(5.2));
        assert!((r.fix.battery_pct.expect("battery") - 77.0).abs() < 1e-9);
    }

    #[test]
    fn broken_reports_are_refused_with_a_code_and_field() {
        let cases = [
            ("lat=41&lon=-8", "missing_device_id"),
            ("id=1&lat=41", "missing_coordinates"),
            ("id=1&lat=north&lon=-8", "invalid_parameter"),
            ("id=1&lat=41&lon=-8&timestamp=soon", "invalid_timestamp"),
            ("id=1&location=41", "invalid_parameter"),
            ("id=1&lat=NaN&lon=-8", "invalid_parameter"),
            ("id=1&lat=41&lon=inf", "invalid_parameter"),
            ("id=1&lat=41&lon=-8&speed=-infinity", "invalid_parameter"),
            ("id=1&location=nan,nan", "invalid_parameter"),
            ("id=1&lat=91&lon=-8", "invalid_coordinates"),
            ("id=1&lat=41&lon=-180.5", "invalid_coordinates"),
            ("id=1&lat=41&lon=-8&accuracy=-3", "invalid_measurement"),
            ("id=1&lat=41&lon=-8&batt=1e30", "invalid_measurement"),
            ("id=1&lat=41&lon=-8&bearing=400", "invalid_measurement"),
        ];
        for (q, code) in cases {
            let e = from_params(&params(q), 0).expect_err(q);
            assert_eq!(e.code, code, "{q}");
            assert!(e.field.is_some(), "{q}");
        }
        assert_eq!(from_json(b"{", 0).expect_err("json").code, "malformed_json");
        let battery = br#"{"device_id":"1","location":{"coords":{"latitude":41,"longitude":-8},"battery":{"level":1e30}}}"#;
        let e = from_json(battery, 0).expect_err("battery");
        assert_eq!(
            (e.code, e.field.as_deref()),
            ("invalid_measurement", Some("location.battery.level"))
        );
        let lat = br#"{"device_id":"1","location":{"coords":{"latitude":1e300,"longitude":-8}}}"#;
        let e = from_json(lat, 0).expect_err("latitude");
        assert_eq!(
            (e.code, e.field.as_deref()),
            ("invalid_coordinates", Some("location.coords.latitude"))
        );
        assert_eq!(
            from_json(br#"{"device_id":"1","location":{}}"#, 0)
                .expect_err("coords")
                .code,
            "missing_coordinates"
        );
    }
}
