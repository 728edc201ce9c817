//! The one path every GPS fix takes, whatever endpoint brought it: judged against the
//! rules and the courier's previous accepted fix, stored (accepted or with its reason)
//! in one transaction, and only then acknowledged and cached as the latest position.

use std::collections::HashMap;

use freshroute_roads::Profile;
use freshroute_store::{Courier, FixRecord, Storage, StoreError};

use crate::ApiError;
use crate::rules::{Filtered, Position};
use crate::state::AppState;

/// A fix as an endpoint parsed it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IncomingFix {
    /// Fix time, epoch ms.
    pub(crate) fix_ms: i64,
    /// Latitude, degrees.
    pub(crate) lat: f64,
    /// Longitude, degrees.
    pub(crate) lon: f64,
    /// Speed, metres per second.
    pub(crate) speed_mps: Option<f64>,
    /// Heading, degrees clockwise from north.
    pub(crate) bearing_deg: Option<f64>,
    /// Altitude, metres.
    pub(crate) altitude_m: Option<f64>,
    /// Horizontal accuracy, metres.
    pub(crate) accuracy_m: Option<f64>,
    /// Battery level, percent.
    pub(crate) battery_pct: Option<f64>,
}

/// A measurement of a fix that is not a finite number in its range: which one (by its
/// name in [`IncomingFix`]), the error, for the parser to name in its own words.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BadMeasurement {
    /// `lat`, `lon`, `speed_mps`, `bearing_deg`, `altitude_m`, `accuracy_m` or `battery_pct`.
    pub(crate) name: &'static str,
    /// `invalid_coordinates` or `invalid_measurement`.
    pub(crate) code: &'static str,
    /// What the value must be.
    pub(crate) rule: String,
}

impl BadMeasurement {
    /// The refusal, naming the field as the request spelled it (`field`).
    pub(crate) fn at(&self, field: impl Into<String>) -> ApiError {
        let field = field.into();
        ApiError::bad_request(
            self.code,
            format!("{field} {}; nothing was stored", self.rule),
        )
        .at(field)
    }
}

/// Every measurement's range: (name, lowest, highest). Speed up to 300 m/s and altitude
/// from -1 km to 100 km leave room for any phone; a battery is a percentage.
const RANGES: [(&str, f64, f64, &str); 5] = [
    ("speed_mps", 0.0, 300.0, "m/s"),
    ("bearing_deg", 0.0, 360.0, "degrees"),
    ("altitude_m", -1_000.0, 100_000.0, "metres"),
    ("accuracy_m", 0.0, 1.0e7, "metres"),
    ("battery_pct", 0.0, 100.0, "percent"),
];

impl IncomingFix {
    /// Refuses a fix with a value that can never be right (not a number, infinite, or
    /// out of its range), before anything is stored: every parser calls it.
    pub(crate) fn check(&self) -> Result<(), BadMeasurement> {
        let coordinate = |name: &'static str, v: f64, max: f64| {
            if v.is_finite() && v.abs() <= max {
                Ok(())
            } else {
                Err(BadMeasurement {
                    name,
                    code: "invalid_coordinates",
                    rule: format!("must be a number from -{max} to {max}"),
                })
            }
        };
        coordinate("lat", self.lat, 90.0)?;
        coordinate("lon", self.lon, 180.0)?;
        let values = [
            self.speed_mps,
            self.bearing_deg,
            self.altitude_m,
            self.accuracy_m,
            self.battery_pct,
        ];
        for ((name, lo, hi, unit), v) in RANGES.into_iter().zip(values) {
            if let Some(v) = v
                && !(v.is_finite() && (lo..=hi).contains(&v))
            {
                return Err(BadMeasurement {
                    name,
                    code: "invalid_measurement",
                    rule: format!("must be a number from {lo} to {hi} {unit}, or left out"),
                });
            }
        }
        Ok(())
    }

    fn position(&self) -> Position {
        Position {
            fix_ms: self.fix_ms,
            lat: self.lat,
            lon: self.lon,
            accuracy_m: self.accuracy_m,
        }
    }
}

fn position_of(f: &FixRecord) -> Position {
    Position {
        fix_ms: f.fix_ms,
        lat: f.lat,
        lon: f.lon,
        accuracy_m: f.accuracy_m,
    }
}

/// The server's clock, epoch ms.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// What became of one fix: `None` if accepted, else the reason it was filtered.
pub(crate) type Verdict = Option<String>;

/// Judges and stores fixes of known couriers (`fixes[i].0` indexes `couriers`); returns
/// each fix's verdict, in order, once all are durable.
pub(crate) async fn ingest(
    state: &AppState,
    couriers: &[Courier],
    fixes: &[(usize, IncomingFix)],
    source: &str,
) -> Result<Vec<Verdict>, ApiError> {
    // The parsers refuse these with their own field names; nothing unchecked is stored.
    if let Some((i, bad)) = fixes
        .iter()
        .enumerate()
        .find_map(|(i, (_, f))| f.check().err().map(|b| (i, b)))
    {
        return Err(bad.at(format!("fixes[{i}].{}", bad.name)));
    }
    let now = state.clock.now_ms();
    // In fix-time order per courier, so that each is judged against the one before it.
    let mut order: Vec<usize> = (0..fixes.len()).collect();
    order.sort_by_key(|&i| (fixes[i].0, fixes[i].1.fix_ms));
    let cached: HashMap<String, Position> = {
        let latest = state.latest.read().await;
        couriers
            .iter()
            .filter_map(|c| latest.get(&c.id).map(|f| (c.id.clone(), position_of(f))))
            .collect()
    };
    let mut accepted_in_batch: HashMap<usize, Position> = HashMap::new();
    let mut records: Vec<Option<FixRecord>> = vec![None; fixes.len()];
    let profiles = couriers
        .iter()
        .map(|c| {
            c.profile
                .parse::<Profile>()
                .map_err(|e| StoreError::Corrupt {
                    what: "courier profile",
                    detail: e.to_string(),
                })
        })
        .collect::<Result<Vec<Profile>, StoreError>>()?;
    for i in order {
        let (c, fix) = &fixes[i];
        let courier = &couriers[*c];
        let pos = fix.position();
        let previous = match accepted_in_batch.get(c) {
            Some(p) if p.fix_ms < fix.fix_ms => Some(*p),
            _ => match cached.get(&courier.id) {
                Some(p) if p.fix_ms < fix.fix_ms => Some(*p),
                // Out of order: the accepted fix just before it, from storage.
                _ => state
                    .store
                    .accepted_fix_before(&courier.id, fix.fix_ms)
                    .await?
                    .map(|f| position_of(&f)),
            },
        };
        let reason = state
            .rules
            .judge(&pos, now, profiles[*c], previous.as_ref())
            .map(Filtered::code);
        if reason.is_none() {
            accepted_in_batch.insert(*c, pos);
        }
        records[i] = Some(FixRecord {
            courier_id: courier.id.clone(),
            fix_ms: fix.fix_ms,
            server_ms: now,
            lat: fix.lat,
            lon: fix.lon,
            speed_mps: fix.speed_mps,
            bearing_deg: fix.bearing_deg,
            altitude_m: fix.altitude_m,
            accuracy_m: fix.accuracy_m,
            battery_pct: fix.battery_pct,
            source: source.to_string(),
            reason: reason.map(str::to_string),
        });
    }
    let records: Vec<FixRecord> = records.into_iter().flatten().collect();
    let (records, verdicts) = state.writer.write(records).await?;
    // Durable now: the newest accepted fix per courier becomes its latest position.
    let mut moved = Vec::new();
    {
        let mut latest = state.latest.write().await;
        for (record, verdict) in records.into_iter().zip(&verdicts) {
            if verdict.is_some() {
                continue;
            }
            let newer = latest
                .get(&record.courier_id)
                .is_none_or(|old| old.fix_ms < record.fix_ms);
            if newer {
                moved.push(record.courier_id.clone());
                latest.insert(record.courier_id.clone(), record);
            }
        }
    }
    if !moved.is_empty() {
        let mut live = state.live.lock().expect("live routes lock");
        for c in &moved {
            live.mark(c);
        }
        state.live_wake.notify_one();
    }
    Ok(verdicts)
}
