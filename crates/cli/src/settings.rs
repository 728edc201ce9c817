//! `serve --settings FILE`: what a chain sets once, in a JSON file. A flag given on the
//! command line wins over the file; what neither gives keeps its default.

use std::path::Path;

use serde::Deserialize;

use crate::error::CliError;

/// The settings file. Every field may be left out.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Settings {
    /// Address to listen on (`0.0.0.0:8080` for phones on the network).
    pub(crate) listen: Option<String>,
    /// As `--database-url`.
    pub(crate) database_url: Option<String>,
    /// Where customers and phones reach the service (`https://track.example.pt`): the
    /// start of tracking links.
    pub(crate) public_base_url: Option<String>,
    /// The chain's IANA time zone.
    pub(crate) time_zone: Option<String>,
    /// How far from its store a customer may be, straight-line metres.
    pub(crate) delivery_radius_m: Option<f64>,
    /// A store's preparation time for orders that name no ready time, seconds.
    pub(crate) preparation_s: Option<i64>,
    /// The promise after ready for orders that name none, seconds.
    pub(crate) promise_s: Option<i64>,
    /// Longest ride per cold-chain class, seconds.
    pub(crate) ride_limits_s: Option<RideLimits>,
    /// Time the solver may take per plan, seconds.
    pub(crate) plan_time_limit_s: Option<f64>,
    /// As `--replan-every`, seconds.
    pub(crate) replan_every_s: Option<u64>,
    /// Raster tiles under the pages' maps, as `--map-tiles` and its attribution.
    pub(crate) map_tiles: Option<TilesSetting>,
}

/// Where map tiles come from (a server, or a local archive: one of the two), and whose
/// they are.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TilesSetting {
    /// `https://host/{z}/{x}/{y}.png`, as `--map-tiles`.
    pub(crate) url: Option<String>,
    /// A PMTiles archive of raster tiles, as `--map-pmtiles`.
    pub(crate) pmtiles: Option<std::path::PathBuf>,
    /// What every map says of them [default: © OpenStreetMap contributors].
    pub(crate) attribution: Option<String>,
}

/// Longest ride per cold-chain class, seconds; a class left out keeps its default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RideLimits {
    pub(crate) frozen: Option<i64>,
    pub(crate) hot: Option<i64>,
    pub(crate) chilled: Option<i64>,
}

impl Settings {
    /// Reads and checks a settings file; a refusal names the file and the JSON path.
    pub(crate) fn read(path: &Path) -> Result<Self, CliError> {
        let bad = |field: &str, message: String| {
            CliError::Usage(format!("{}: {field}: {message}", path.display()))
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad("", e.to_string()))?;
        let mut de = serde_json::Deserializer::from_str(&text);
        let s: Settings = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| bad(&e.path().to_string(), e.inner().to_string()))?;
        let positive = |v: Option<f64>, field: &str, max: f64| match v {
            Some(x) if !(x.is_finite() && x > 0.0 && x <= max) => {
                Err(bad(field, format!("must be above 0 and at most {max}")))
            }
            _ => Ok(()),
        };
        positive(s.delivery_radius_m, "delivery_radius_m", 100_000.0)?;
        positive(s.plan_time_limit_s, "plan_time_limit_s", 60.0)?;
        let seconds = [
            ("preparation_s", s.preparation_s),
            ("promise_s", s.promise_s),
            (
                "ride_limits_s.frozen",
                s.ride_limits_s.as_ref().and_then(|r| r.frozen),
            ),
            (
                "ride_limits_s.hot",
                s.ride_limits_s.as_ref().and_then(|r| r.hot),
            ),
            (
                "ride_limits_s.chilled",
                s.ride_limits_s.as_ref().and_then(|r| r.chilled),
            ),
        ];
        for (field, v) in seconds {
            positive(v.map(|x| x as f64), field, 86_400.0)?;
        }
        if let Some(u) = &s.public_base_url
            && !(u.starts_with("http://") || u.starts_with("https://"))
        {
            return Err(bad(
                "public_base_url",
                "must start with http:// or https://".to_string(),
            ));
        }
        if let Some(t) = &s.map_tiles {
            let credit = t.attribution.as_deref().unwrap_or(OSM);
            match (&t.url, &t.pmtiles) {
                (Some(url), None) => {
                    freshroute_service::MapTiles::new(url, credit)
                        .map_err(|m| bad("map_tiles.url", m))?;
                }
                (None, Some(_)) => {
                    freshroute_service::MapTiles::local(credit)
                        .map_err(|m| bad("map_tiles.attribution", m))?;
                }
                _ => {
                    return Err(bad(
                        "map_tiles",
                        "give either url (a tile server) or pmtiles (a local archive)".into(),
                    ));
                }
            }
        }
        Ok(s)
    }
}

/// The credit OpenStreetMap's tiles ask for.
pub(crate) const OSM: &str = "© OpenStreetMap contributors";
