//! A seeded sample chain for the bundled city (Porto): a dozen coffee and dessert stores
//! at real addresses, and a courier fleet of mixed profiles, boxes and shifts.
//!
//! [`generate`] is pure: the same seed gives the same chain, byte for byte once
//! serialised. The shapes are those of the service's `POST /v1/stores` and
//! `POST /v1/couriers` bodies: stores' hours and couriers' weekly rosters are local times
//! of the chain's time zone (`Europe/Lisbon`), so the chain works on any day.
//! [`orders::day`] draws a day of customers' orders for the chain.

pub mod catalog;
pub mod history;
pub mod orders;

use freshroute_calendar::{DAYS, Roster, RosterSpan};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// The seed of the chain bundled in `data/sample-chain.json`.
pub const DEFAULT_SEED: u64 = 42;

/// What a store mostly sells, which sets its hours and its freezer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Coffee, pastries and cakes: opens early.
    Coffee,
    /// Ice cream and desserts: opens late, big freezer.
    Dessert,
}

/// A real place in Porto and Matosinhos where a store of the chain plausibly stands
/// (positions on the street in front, WGS84).
struct Site {
    id: &'static str,
    name: &'static str,
    address: &'static str,
    lat: f64,
    lon: f64,
    kind: Kind,
}

const SITES: [Site; 12] = [
    Site {
        id: "porto-aliados",
        name: "Aliados",
        address: "Avenida dos Aliados 120, 4000-065 Porto",
        lat: 41.14795,
        lon: -8.61100,
        kind: Kind::Coffee,
    },
    Site {
        id: "porto-santa-catarina",
        name: "Santa Catarina",
        address: "Rua de Santa Catarina 210, 4000-443 Porto",
        lat: 41.14880,
        lon: -8.60630,
        kind: Kind::Dessert,
    },
    Site {
        id: "porto-ribeira",
        name: "Ribeira",
        address: "Cais da Ribeira 24, 4050-510 Porto",
        lat: 41.14055,
        lon: -8.61260,
        kind: Kind::Dessert,
    },
    Site {
        id: "porto-cedofeita",
        name: "Cedofeita",
        address: "Rua de Cedofeita 330, 4050-174 Porto",
        lat: 41.15330,
        lon: -8.61790,
        kind: Kind::Coffee,
    },
    Site {
        id: "porto-boavista",
        name: "Boavista",
        address: "Avenida da Boavista 1277, 4100-130 Porto",
        lat: 41.15790,
        lon: -8.63150,
        kind: Kind::Coffee,
    },
    Site {
        id: "porto-foz",
        name: "Foz",
        address: "Avenida do Brasil 60, 4150-153 Porto",
        lat: 41.15330,
        lon: -8.67640,
        kind: Kind::Dessert,
    },
    Site {
        id: "matosinhos-brito-capelo",
        name: "Matosinhos",
        address: "Rua Brito Capelo 150, 4450-073 Matosinhos",
        lat: 41.18390,
        lon: -8.69330,
        kind: Kind::Dessert,
    },
    Site {
        id: "porto-campanha",
        name: "Campanhã",
        address: "Rua de Pinto Bessa 10, 4300-428 Porto",
        lat: 41.14870,
        lon: -8.58630,
        kind: Kind::Coffee,
    },
    Site {
        id: "porto-antas",
        name: "Antas",
        address: "Avenida Fernão de Magalhães 1800, 4350-158 Porto",
        lat: 41.16150,
        lon: -8.58950,
        kind: Kind::Coffee,
    },
    Site {
        id: "porto-costa-cabral",
        name: "Costa Cabral",
        address: "Rua de Costa Cabral 750, 4200-212 Porto",
        lat: 41.16590,
        lon: -8.60220,
        kind: Kind::Coffee,
    },
    Site {
        id: "porto-asprela",
        name: "Asprela",
        address: "Rua Dr. Roberto Frias 200, 4200-465 Porto",
        lat: 41.17800,
        lon: -8.59790,
        kind: Kind::Coffee,
    },
    Site {
        id: "gaia-republica",
        name: "Gaia",
        address: "Avenida da República 700, 4430-190 Vila Nova de Gaia",
        lat: 41.12830,
        lon: -8.61120,
        kind: Kind::Dessert,
    },
];

const FIRST_NAMES: [&str; 24] = [
    "Ana",
    "Beatriz",
    "Bruno",
    "Carla",
    "Daniel",
    "Diogo",
    "Eduarda",
    "Filipe",
    "Gonçalo",
    "Inês",
    "João",
    "Joana",
    "Leonor",
    "Luís",
    "Mariana",
    "Miguel",
    "Nuno",
    "Patrícia",
    "Pedro",
    "Rafael",
    "Rita",
    "Rui",
    "Sofia",
    "Tiago",
];

/// A GeoJSON Point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Always `Point`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `[longitude, latitude]`.
    pub coordinates: [f64; 2],
}

/// Opening hours on some days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hours {
    /// `mon` … `sun`.
    pub days: Vec<String>,
    /// `HH:MM`.
    pub opens: String,
    /// `HH:MM`.
    pub closes: String,
}

/// Storage room per temperature zone, litres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Zones {
    /// Freezer.
    pub frozen_litres: i64,
    /// Refrigerated.
    pub chilled_litres: i64,
    /// Room temperature.
    pub ambient_litres: i64,
}

/// A store, as `POST /v1/stores` takes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Store {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Street address.
    pub address: String,
    /// Position.
    pub location: Point,
    /// Opening hours.
    pub opening_hours: Vec<Hours>,
    /// Storage room.
    pub storage: Zones,
}

/// A courier, as `POST /v1/couriers` takes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Courier {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `car`, `scooter` or `bike`.
    pub profile: String,
    /// Box room, in the chain's box units.
    pub box_capacity: i64,
    /// `insulated`, `frozen`.
    pub skills: Vec<String>,
    /// Weekly shifts, local time.
    pub roster: Roster,
    /// What the tracking app sends as its id.
    pub device_id: String,
}

/// The whole sample chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleChain {
    /// What this is and where its data come from.
    pub about: String,
    /// The seed it was generated from.
    pub seed: u64,
    /// The city its positions lie in.
    pub city: String,
    /// The chain's IANA time zone: its stores' hours and couriers' rosters are read in it.
    pub time_zone: String,
    /// Stores.
    pub stores: Vec<Store>,
    /// Couriers.
    pub couriers: Vec<Courier>,
}

fn hhmm(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn days(list: &[&str]) -> Vec<String> {
    list.iter().map(|d| d.to_string()).collect()
}

/// Litres between `lo` and `hi`, in steps of 50.
fn litres(rng: &mut StdRng, lo: i64, hi: i64) -> i64 {
    rng.random_range(lo / 50..=hi / 50) * 50
}

/// How a kind of store keeps its hours and what room it has (litre ranges).
struct Habits {
    /// Earliest weekday opening, minutes after midnight, and how many half hours later it may be.
    opens: (u32, u32),
    /// Earliest weekday closing, and how many half hours later it may be.
    closes: (u32, u32),
    /// Weekend opening and closing, minutes after the weekday's.
    weekend_shift: (i64, i64),
    frozen: (i64, i64),
    chilled: (i64, i64),
    ambient: (i64, i64),
}

const COFFEE: Habits = Habits {
    opens: (7 * 60, 2),
    closes: (19 * 60, 3),
    weekend_shift: (60, 0),
    frozen: (150, 400),
    chilled: (600, 1_200),
    ambient: (2_000, 4_000),
};

const DESSERT: Habits = Habits {
    opens: (11 * 60, 2),
    closes: (22 * 60, 2),
    weekend_shift: (-60, 30),
    frozen: (600, 1_500),
    chilled: (500, 1_000),
    ambient: (1_000, 2_500),
};

fn store(site: &Site, rng: &mut StdRng) -> Store {
    let h = match site.kind {
        Kind::Coffee => &COFFEE,
        Kind::Dessert => &DESSERT,
    };
    let opens = h.opens.0 + 30 * rng.random_range(0..=h.opens.1);
    let closes = h.closes.0 + 30 * rng.random_range(0..=h.closes.1);
    let shifted = |m: u32, by: i64| hhmm((i64::from(m) + by).clamp(0, 24 * 60) as u32);
    let opening_hours = vec![
        Hours {
            days: days(&["mon", "tue", "wed", "thu", "fri"]),
            opens: hhmm(opens),
            closes: hhmm(closes),
        },
        Hours {
            days: days(&["sat", "sun"]),
            opens: shifted(opens, h.weekend_shift.0),
            closes: shifted(closes, h.weekend_shift.1),
        },
    ];
    let storage = Zones {
        frozen_litres: litres(rng, h.frozen.0, h.frozen.1),
        chilled_litres: litres(rng, h.chilled.0, h.chilled.1),
        ambient_litres: litres(rng, h.ambient.0, h.ambient.1),
    };
    Store {
        id: site.id.to_string(),
        name: format!("freshroute {}", site.name),
        address: site.address.to_string(),
        location: Point {
            kind: "Point".to_string(),
            coordinates: [site.lon, site.lat],
        },
        opening_hours,
        storage,
    }
}

fn courier(k: usize, rng: &mut StdRng) -> Courier {
    // Half on scooters, a third on bikes, the rest in small cars, as urban fleets run.
    let roll: f64 = rng.random();
    let (profile, box_capacity) = if roll < 0.5 {
        ("scooter", rng.random_range(12..=20))
    } else if roll < 0.83 {
        ("bike", rng.random_range(8..=12))
    } else {
        ("car", rng.random_range(30..=40))
    };
    // Every box keeps warm or cold; about two in five also carry a frozen compartment,
    // every car does.
    let mut skills = vec!["insulated".to_string()];
    if profile == "car" || rng.random_bool(0.4) {
        skills.push("frozen".to_string());
    }
    let (start, end) = match rng.random_range(0..4) {
        0 => (7 * 60, 15 * 60),
        1 => (11 * 60, 15 * 60),
        2 => (15 * 60, 23 * 60),
        _ => (10 * 60, 18 * 60),
    };
    // Five days a week, the two days off moving round the fleet so every day is covered.
    let off = [k % 7, (k + 3) % 7];
    let work: Vec<String> = DAYS
        .iter()
        .enumerate()
        .filter(|(d, _)| !off.contains(d))
        .map(|(_, d)| d.to_string())
        .collect();
    Courier {
        id: format!("c-{:02}", k + 1),
        name: FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())].to_string(),
        profile: profile.to_string(),
        box_capacity,
        skills,
        roster: Roster {
            weekly: vec![RosterSpan {
                days: work,
                starts: hhmm(start),
                ends: hhmm(end),
            }],
            exceptions: Vec::new(),
        },
        device_id: format!("{}", rng.random_range(100_000..1_000_000u32)),
    }
}

/// The sample chain of `seed` with `couriers` couriers.
pub fn generate(seed: u64, couriers: usize) -> SampleChain {
    let mut rng = StdRng::seed_from_u64(seed);
    let stores = SITES.iter().map(|s| store(s, &mut rng)).collect();
    let couriers = (0..couriers).map(|k| courier(k, &mut rng)).collect();
    SampleChain {
        about: "freshroute's sample coffee-and-dessert chain, generated by `freshroute sample-chain`. \
                Store positions are real street addresses in Porto, Matosinhos and Vila Nova de Gaia; \
                everything else is invented."
            .to_string(),
        seed,
        city: "Porto".to_string(),
        time_zone: TIME_ZONE.to_string(),
        stores,
        couriers,
    }
}

/// The sample chain's time zone.
pub const TIME_ZONE: &str = "Europe/Lisbon";

/// Couriers in the bundled chain.
pub const DEFAULT_COURIERS: usize = 30;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_chain_and_another_a_different_one() {
        assert_eq!(generate(7, 30), generate(7, 30));
        assert_ne!(generate(7, 30).couriers, generate(8, 30).couriers);
    }

    #[test]
    fn the_chain_is_plausible() {
        let chain = generate(DEFAULT_SEED, DEFAULT_COURIERS);
        assert_eq!(chain.stores.len(), 12);
        assert_eq!(chain.couriers.len(), 30);
        let mut ids: Vec<&str> = chain.couriers.iter().map(|c| c.id.as_str()).collect();
        ids.dedup();
        assert_eq!(ids.len(), 30, "courier ids are unique");
        for profile in ["scooter", "bike", "car"] {
            assert!(
                chain.couriers.iter().any(|c| c.profile == profile),
                "no {profile}"
            );
        }
        assert!(
            chain
                .couriers
                .iter()
                .any(|c| c.skills.contains(&"frozen".to_string()))
        );
        assert!(
            chain
                .couriers
                .iter()
                .any(|c| !c.skills.contains(&"frozen".to_string()))
        );
        for s in &chain.stores {
            let [lon, lat] = s.location.coordinates;
            assert!(
                (41.0..41.3).contains(&lat) && (-8.8..-8.5).contains(&lon),
                "{} is not in Porto",
                s.id
            );
            for h in &s.opening_hours {
                assert!(h.opens < h.closes, "{}: {h:?}", s.id);
            }
        }
        for c in &chain.couriers {
            assert!(c.roster.check().is_ok(), "{}", c.id);
            assert_eq!(c.roster.weekly[0].days.len(), 5, "{}", c.id);
        }
    }
}
