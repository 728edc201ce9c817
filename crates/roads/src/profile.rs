//! Courier travel profiles and the OSM tag rules that decide where and how fast each may go.
//!
//! Speeds are average speeds of a courier in European city traffic, traffic lights
//! and junctions included, not legal limits: an ETA a customer sees must not be
//! optimistic.
//! A tagged `maxspeed` can slow a way down, never speed it up: a car or scooter
//! goes at most 70 % of it (traffic and junctions), a bike at most the limit itself.
//! A scooter goes as a car would but never faster than 40 km/h. Outside cities these
//! speeds are pessimistic, which errs on the side of a kept promise. Turn costs and
//! turn restrictions are not modelled.
//!
//! | highway class | car km/h | scooter km/h | bike km/h |
//! |---|---|---|---|
//! | motorway | 85 | — | — |
//! | motorway_link | 45 | — | — |
//! | trunk | 55 | — | — (unless `bicycle=yes`) |
//! | trunk_link | 35 | — | — (unless `bicycle=yes`) |
//! | primary | 30 | 30 | 16 |
//! | secondary | 27 | 27 | 16 |
//! | tertiary | 24 | 24 | 16 |
//! | primary_link, secondary_link, tertiary_link | 22 | 22 | 16 |
//! | unclassified | 20 | 20 | 16 |
//! | residential | 18 | 18 | 16 |
//! | service | 10 | 10 | 12 |
//! | living_street | 8 | 8 | 8 |
//! | track | — | — | 12 |
//! | cycleway | — | — | 18 |
//! | path, footway, pedestrian | — | — | 8, only with `bicycle=yes` or `designated` |
//!
//! Access: the most specific tag present decides (`motorcar` / `moped` / `bicycle`,
//! then `motor_vehicle` for car and scooter, then `vehicle`, then `access`); `no`,
//! `private`, `agricultural`, `forestry`, `emergency` and `use_sidepath` refuse,
//! other values such as `destination` or `delivery` allow. A scooter also keeps off
//! `motorroad=yes`. One-way: `oneway=yes|1|true` forward, `-1|reverse` backward,
//! `no` both ways; implied on `junction=roundabout|circular` and `highway=motorway`;
//! `reversible` and `alternating` ways are left out of motor profiles. Bikes ignore
//! one-way where `oneway:bicycle=no` or `cycleway=opposite*` says they may.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::RoadsError;

/// A courier's means of travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Profile {
    /// A car or van.
    Car,
    /// A moped or e-scooter: no motorways, trunk roads or motorroads, at most 40 km/h.
    Scooter,
    /// A bicycle or e-bike.
    Bike,
}

impl Profile {
    /// Every profile, in the order graphs are built.
    pub const ALL: [Profile; 3] = [Profile::Car, Profile::Scooter, Profile::Bike];

    /// Position in [`Profile::ALL`].
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The profile's name as used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Car => "car",
            Self::Scooter => "scooter",
            Self::Bike => "bike",
        }
    }

    /// Access tags from most to least specific.
    fn access_keys(self) -> &'static [&'static str] {
        match self {
            Self::Car => &["motorcar", "motor_vehicle", "vehicle", "access"],
            Self::Scooter => &["moped", "motor_vehicle", "vehicle", "access"],
            Self::Bike => &["bicycle", "vehicle", "access"],
        }
    }

    fn default_speed_kmh(self, highway: &str, bicycle_tag: Option<&str>) -> Option<f64> {
        let motor = || {
            Some(match highway {
                "motorway" => 85.0,
                "motorway_link" => 45.0,
                "trunk" => 55.0,
                "trunk_link" => 35.0,
                "primary" => 30.0,
                "secondary" => 27.0,
                "tertiary" => 24.0,
                "primary_link" | "secondary_link" | "tertiary_link" => 22.0,
                "unclassified" => 20.0,
                "residential" => 18.0,
                "service" => 10.0,
                "living_street" => 8.0,
                _ => return None,
            })
        };
        let bike_allowed_explicitly = matches!(bicycle_tag, Some("yes" | "designated"));
        match self {
            Self::Car => motor(),
            Self::Scooter if highway.starts_with("motorway") || highway.starts_with("trunk") => {
                None
            }
            Self::Scooter => motor(),
            Self::Bike => Some(match highway {
                "trunk" | "trunk_link" if bike_allowed_explicitly => 16.0,
                "primary" | "primary_link" | "secondary" | "secondary_link" | "tertiary"
                | "tertiary_link" | "unclassified" | "residential" => 16.0,
                "service" | "track" => 12.0,
                "living_street" => 8.0,
                "cycleway" => 18.0,
                "path" | "footway" | "pedestrian" if bike_allowed_explicitly => 8.0,
                _ => return None,
            }),
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Profile {
    type Err = RoadsError;
    fn from_str(s: &str) -> Result<Self, RoadsError> {
        Self::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| RoadsError::UnknownProfile(s.to_owned()))
    }
}

/// How one profile may use one way.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WayUse {
    /// May travel in the way's node order.
    pub forward: bool,
    /// May travel against the way's node order.
    pub backward: bool,
    /// Travel speed in km/h.
    pub speed_kmh: f64,
}

/// The tags of one way, looked up by key.
pub trait Tags {
    /// The value of `key`, if tagged.
    fn get(&self, key: &str) -> Option<&str>;
}

impl Tags for [(&str, &str)] {
    fn get(&self, key: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

impl Profile {
    /// How this profile may use a way with these tags, or `None` where it may not.
    pub fn way_use(self, tags: &(impl Tags + ?Sized)) -> Option<WayUse> {
        let highway = tags.get("highway")?;
        if tags.get("area") == Some("yes") {
            return None;
        }
        let mut speed = self.default_speed_kmh(highway, tags.get("bicycle"))?;
        if !self.access_allowed(tags) {
            return None;
        }
        if self == Self::Scooter && tags.get("motorroad") == Some("yes") {
            return None;
        }
        if let Some(limit) = tags.get("maxspeed").and_then(parse_maxspeed_kmh) {
            speed = match self {
                Self::Car | Self::Scooter => speed.min(limit * 0.7),
                Self::Bike => speed.min(limit),
            };
        }
        if self == Self::Scooter {
            speed = speed.min(40.0);
        }
        let (forward, backward) = self.directions(highway, tags)?;
        Some(WayUse {
            forward,
            backward,
            speed_kmh: speed.clamp(3.0, 130.0),
        })
    }

    fn access_allowed(self, tags: &(impl Tags + ?Sized)) -> bool {
        for key in self.access_keys() {
            match tags.get(key) {
                Some(
                    "no" | "private" | "agricultural" | "forestry" | "emergency" | "use_sidepath",
                ) => {
                    return false;
                }
                Some(
                    "yes" | "permissive" | "designated" | "destination" | "delivery" | "customers"
                    | "official",
                ) => return true,
                _ => {}
            }
        }
        true
    }

    fn directions(self, highway: &str, tags: &(impl Tags + ?Sized)) -> Option<(bool, bool)> {
        if self == Self::Bike
            && (tags.get("oneway:bicycle") == Some("no")
                || tags
                    .get("cycleway")
                    .is_some_and(|c| c.starts_with("opposite")))
        {
            return Some((true, true));
        }
        match tags.get("oneway") {
            Some("yes" | "1" | "true") => return Some((true, false)),
            Some("-1" | "reverse") => return Some((false, true)),
            Some("no" | "false" | "0") => return Some((true, true)),
            Some("reversible" | "alternating") => {
                return (self == Self::Bike).then_some((true, true));
            }
            _ => {}
        }
        let roundabout = matches!(tags.get("junction"), Some("roundabout" | "circular"));
        if roundabout || highway == "motorway" {
            return Some((true, false));
        }
        Some((true, true))
    }
}

/// A `maxspeed` value in km/h: numbers, `N mph`, `walk` and national codes such as `PT:urban`.
pub fn parse_maxspeed_kmh(value: &str) -> Option<f64> {
    let value = value.trim();
    if let Some((_, kind)) = value.split_once(':') {
        return match kind {
            "urban" => Some(50.0),
            "rural" => Some(90.0),
            "trunk" => Some(100.0),
            "motorway" => Some(120.0),
            "living_street" => Some(20.0),
            "zone30" => Some(30.0),
            _ => None,
        };
    }
    if value == "walk" {
        return Some(6.0);
    }
    let (number, factor) = match value.strip_suffix("mph") {
        Some(n) => (n.trim(), 1.609_344),
        None => (value.strip_suffix("km/h").unwrap_or(value).trim(), 1.0),
    };
    let v: f64 = number.parse().ok()?;
    (v.is_finite() && v > 0.0).then_some(v * factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn way(tags: &[(&str, &str)], profile: Profile) -> Option<WayUse> {
        profile.way_use(tags)
    }

    #[test]
    fn scooters_keep_off_motorways_and_trunk_roads() {
        assert!(way(&[("highway", "motorway")], Profile::Scooter).is_none());
        assert!(way(&[("highway", "trunk")], Profile::Scooter).is_none());
        assert!(
            way(
                &[("highway", "primary"), ("motorroad", "yes")],
                Profile::Scooter
            )
            .is_none()
        );
        assert!(way(&[("highway", "primary")], Profile::Scooter).is_some());
    }

    #[test]
    fn motorways_and_roundabouts_are_one_way_unless_tagged_otherwise() {
        let m = way(&[("highway", "motorway")], Profile::Car).expect("car on motorway");
        assert!((m.forward, m.backward) == (true, false));
        let r = way(
            &[("highway", "residential"), ("junction", "roundabout")],
            Profile::Car,
        );
        assert_eq!(r.map(|w| (w.forward, w.backward)), Some((true, false)));
        let r = way(&[("highway", "primary"), ("oneway", "-1")], Profile::Car);
        assert_eq!(r.map(|w| (w.forward, w.backward)), Some((false, true)));
        let r = way(&[("highway", "motorway"), ("oneway", "no")], Profile::Car);
        assert_eq!(r.map(|w| (w.forward, w.backward)), Some((true, true)));
    }

    #[test]
    fn the_most_specific_access_tag_decides() {
        let tags = [
            ("highway", "residential"),
            ("access", "no"),
            ("moped", "yes"),
        ];
        assert!(way(&tags, Profile::Scooter).is_some());
        assert!(way(&tags, Profile::Car).is_none());
        let tags = [("highway", "residential"), ("motor_vehicle", "private")];
        assert!(way(&tags, Profile::Car).is_none());
        assert!(way(&tags, Profile::Bike).is_some());
        let tags = [("highway", "service"), ("access", "delivery")];
        assert!(way(&tags, Profile::Car).is_some());
    }

    #[test]
    fn bikes_may_ride_against_one_way_where_allowed() {
        let tags = [
            ("highway", "residential"),
            ("oneway", "yes"),
            ("oneway:bicycle", "no"),
        ];
        assert_eq!(way(&tags, Profile::Bike).map(|w| w.backward), Some(true));
        assert_eq!(way(&tags, Profile::Car).map(|w| w.backward), Some(false));
        assert!(way(&[("highway", "footway")], Profile::Bike).is_none());
        assert!(way(&[("highway", "footway"), ("bicycle", "yes")], Profile::Bike).is_some());
    }

    #[test]
    fn maxspeed_is_honoured_in_its_many_spellings() {
        assert_eq!(parse_maxspeed_kmh("50"), Some(50.0));
        assert_eq!(parse_maxspeed_kmh("30 mph").map(|v| v.round()), Some(48.0));
        assert_eq!(parse_maxspeed_kmh("PT:urban"), Some(50.0));
        assert_eq!(parse_maxspeed_kmh("none"), None);
        assert_eq!(parse_maxspeed_kmh("-5"), None);
        let speed = |tags: &[(&str, &str)], p: Profile| way(tags, p).map(|w| w.speed_kmh);
        // A limit slows a way down...
        let zone = [("highway", "primary"), ("maxspeed", "20")];
        assert_eq!(speed(&zone, Profile::Scooter), Some(14.0));
        assert_eq!(speed(&zone, Profile::Bike), Some(16.0));
        let walk = [("highway", "residential"), ("maxspeed", "walk")];
        assert_eq!(speed(&walk, Profile::Bike), Some(6.0));
        // ...but never speeds a city street up beyond its class.
        let fast = [("highway", "primary"), ("maxspeed", "100")];
        assert_eq!(speed(&fast, Profile::Car), Some(30.0));
        let motorway = [("highway", "motorway"), ("maxspeed", "100")];
        assert_eq!(speed(&motorway, Profile::Car), Some(70.0));
        assert_eq!(
            speed(&[("highway", "motorway_link")], Profile::Scooter),
            None
        );
    }

    #[test]
    fn profiles_parse_by_name_or_refuse() {
        assert_eq!("scooter".parse::<Profile>().ok(), Some(Profile::Scooter));
        assert_eq!(
            "boat".parse::<Profile>().map_err(|e| e.code()),
            Err("unknown_profile")
        );
    }
}
