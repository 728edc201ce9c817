//! Regions: the chain's stores grouped so that each group is planned on its own (a city
//! per region, or districts of one city), by H3 cell or by an explicit list. An order
//! belongs to its store's region; a courier to the region of the orders it carries or
//! was given, else of the store nearest its latest fix.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use freshroute_model::LatLon;

use crate::config::PlannerConfig;
use crate::plan::Plan;
use crate::planner::plan;
use crate::snapshot::{Snapshot, Status, Store};
use crate::travel::Travel;

/// How stores are grouped into regions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Regions {
    /// One region: every store.
    #[default]
    Whole,
    /// The H3 cell of each store at this resolution (0 to 15; 6 is about 36 km²).
    H3(u8),
    /// Named regions, by store id; a store not listed is a region of its own.
    Stores(HashMap<String, String>),
}

impl Regions {
    /// The region of a store.
    pub fn of(&self, store: &Store) -> String {
        match self {
            Regions::Whole => "all".to_string(),
            Regions::H3(res) => {
                let cell = h3o::Resolution::try_from(*res)
                    .ok()
                    .zip(LatLon::new(store.lat, store.lon).ok())
                    .map(|(r, at)| freshroute_roads::h3_cell(at, r).to_string());
                cell.unwrap_or_else(|| "all".to_string())
            }
            Regions::Stores(names) => names
                .get(&store.id)
                .cloned()
                .unwrap_or_else(|| store.id.clone()),
        }
    }
}

/// Squared distance on a local plane: enough to find the nearest store.
fn near(a: (f64, f64), b: (f64, f64)) -> f64 {
    let k = a.0.to_radians().cos();
    let (dy, dx) = (a.0 - b.0, (a.1 - b.1) * k);
    dx * dx + dy * dy
}

/// The snapshot of each region, by name.
pub fn split(snap: &Snapshot, regions: &Regions) -> Vec<(String, Snapshot)> {
    let store_region: HashMap<&str, String> = snap
        .stores
        .iter()
        .map(|s| (s.id.as_str(), regions.of(s)))
        .collect();
    let mut names: Vec<String> = store_region.values().cloned().collect();
    names.sort();
    names.dedup();
    if names.len() <= 1 {
        return vec![(
            names.pop().unwrap_or_else(|| "all".to_string()),
            snap.clone(),
        )];
    }
    let region_of_order = |shop_id: &str| store_region.get(shop_id).cloned();
    let courier_region = |id: &str| -> Option<String> {
        let bound = snap.orders.iter().find(|o| {
            o.courier_id.as_deref() == Some(id)
                && matches!(o.status, Status::Assigned | Status::PickedUp)
        });
        if let Some(o) = bound {
            return region_of_order(&o.store_id);
        }
        let fix = snap.couriers.iter().find(|c| c.id == id)?.position?;
        let nearest = snap.stores.iter().min_by(|a, b| {
            near((fix.lat, fix.lon), (a.lat, a.lon))
                .total_cmp(&near((fix.lat, fix.lon), (b.lat, b.lon)))
        })?;
        store_region.get(nearest.id.as_str()).cloned()
    };
    names
        .into_iter()
        .map(|name| {
            let part = Snapshot {
                now_ms: snap.now_ms,
                stores: snap
                    .stores
                    .iter()
                    .filter(|s| store_region.get(s.id.as_str()) == Some(&name))
                    .cloned()
                    .collect(),
                couriers: snap
                    .couriers
                    .iter()
                    .filter(|c| courier_region(&c.id).as_ref() == Some(&name))
                    .cloned()
                    .collect(),
                orders: snap
                    .orders
                    .iter()
                    .filter(|o| region_of_order(&o.store_id).as_ref() == Some(&name))
                    .cloned()
                    .collect(),
                previous: snap.previous.clone(),
                told: snap.told.clone(),
                heading: snap.heading.clone(),
                kept_orders: snap.kept_orders.clone(),
            };
            (name, part)
        })
        .collect()
}

/// Plans each region on its own, in parallel on the machine's cores (each worker takes
/// the next region), each with a share of the solver's time in proportion to its open
/// orders (times the number of workers, at most the whole limit, so that the regions
/// together take about the limit), and puts the plans together in region order.
pub fn plan_regions(
    snap: &Snapshot,
    travel: &dyn Travel,
    config: &PlannerConfig,
    regions: &Regions,
) -> Plan {
    let clock = Instant::now();
    let mut parts = split(snap, regions);
    // No news for the whole chain is no news for any region.
    let basis = snap.basis(config.stale_fix_s);
    let unchanged = snap.previous.basis == Some(basis);
    for (_, part) in &mut parts {
        part.previous.basis = unchanged.then(|| part.basis(config.stale_fix_s));
    }
    let total: usize = parts
        .iter()
        .map(|(_, s)| s.orders.len())
        .sum::<usize>()
        .max(1);
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, parts.len().max(1));
    let next = AtomicUsize::new(0);
    let plan_part = |k: usize| -> Option<(usize, Plan)> {
        let (name, part) = parts.get(k)?;
        let share = (part.orders.len() * workers) as f64 / total as f64;
        let one = PlannerConfig {
            time_limit: config
                .time_limit
                .mul_f64(share.min(1.0))
                .max(std::time::Duration::from_millis(20)),
            ..*config
        };
        let mut p = plan(part, travel, &one);
        for r in &mut p.routes {
            r.region = name.clone();
        }
        Some((k, p))
    };
    let mut plans: Vec<(usize, Plan)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    std::iter::from_fn(|| plan_part(next.fetch_add(1, Ordering::Relaxed)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    plans.sort_by_key(|(k, _)| *k);
    let mut all = plans
        .into_iter()
        .map(|(_, p)| p)
        .reduce(|mut all, p| {
            all.routes.extend(p.routes);
            all.unassigned.extend(p.unassigned);
            all.idle.extend(p.idle);
            all.broken_pins.extend(p.broken_pins);
            all.late.extend(p.late);
            all.behind.extend(p.behind);
            all
        })
        .unwrap_or_else(|| plan(snap, travel, config));
    all.solve_ms = clock.elapsed().as_millis();
    all.basis = basis;
    all.regions = parts
        .iter()
        .map(|(name, s)| (name.clone(), s.orders.len(), s.couriers.len()))
        .collect();
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{Courier, Fix, Order, Previous};
    use freshroute_roads::Profile;

    fn store(id: &str, lat: f64, lon: f64) -> Store {
        Store {
            id: id.to_string(),
            lat,
            lon,
        }
    }

    fn courier(id: &str, lat: f64, lon: f64) -> Courier {
        Courier {
            id: id.to_string(),
            profile: Some(Profile::Car),
            box_capacity: 10,
            skills: vec![],
            shift: Some(freshroute_calendar::Window {
                start_ms: 0,
                end_ms: i64::MAX,
            }),
            retired: false,
            position: Some(Fix { lat, lon, at_ms: 0 }),
        }
    }

    fn order(id: &str, store: &str, status: Status, courier: Option<&str>) -> Order {
        Order {
            id: id.to_string(),
            store_id: store.to_string(),
            lat: 0.0,
            lon: 0.0,
            box_units: 1,
            ready_ms: 0,
            promised_ms: 0,
            classes: vec![],
            status,
            courier_id: courier.map(str::to_string),
            since_ms: 0,
        }
    }

    #[test]
    fn each_region_gets_its_orders_and_the_couriers_near_or_bound_to_it() {
        let snap = Snapshot {
            now_ms: 0,
            stores: vec![
                store("porto", 41.148, -8.611),
                store("lisbon", 38.722, -9.139),
            ],
            // c-p is in Porto; c-l in Lisbon; c-x is in Lisbon carrying a Porto order.
            couriers: vec![
                courier("c-p", 41.15, -8.6),
                courier("c-l", 38.72, -9.14),
                courier("c-x", 38.73, -9.13),
            ],
            orders: vec![
                order("o-p", "porto", Status::Placed, None),
                order("o-x", "porto", Status::PickedUp, Some("c-x")),
                order("o-l", "lisbon", Status::Placed, None),
            ],
            previous: Previous::default(),
            told: HashMap::new(),
            heading: HashMap::new(),
            kept_orders: HashMap::new(),
        };
        let parts = split(&snap, &Regions::H3(5));
        assert_eq!(parts.len(), 2);
        let ids = |s: &Snapshot| {
            (
                s.couriers.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
                s.orders.iter().map(|o| o.id.clone()).collect::<Vec<_>>(),
            )
        };
        let porto = parts
            .iter()
            .find(|(_, s)| s.stores.iter().any(|x| x.id == "porto"))
            .expect("Porto's region");
        assert_eq!(
            ids(&porto.1),
            (
                vec!["c-p".to_string(), "c-x".to_string()],
                vec!["o-p".to_string(), "o-x".to_string()]
            )
        );
        let lisbon = parts.iter().find(|(n, _)| *n != porto.0).expect("Lisbon's");
        assert_eq!(
            ids(&lisbon.1),
            (vec!["c-l".to_string()], vec!["o-l".to_string()])
        );
        assert_eq!(split(&snap, &Regions::Whole).len(), 1);
    }

    #[test]
    fn stores_group_by_cell_or_by_list() {
        let porto = store("porto", 41.148, -8.611);
        let aliados = store("aliados", 41.1485, -8.6105);
        let lisbon = store("lisbon", 38.722, -9.139);
        let by_cell = Regions::H3(5);
        assert_eq!(by_cell.of(&porto), by_cell.of(&aliados));
        assert_ne!(by_cell.of(&porto), by_cell.of(&lisbon));
        assert_eq!(Regions::Whole.of(&lisbon), "all");
        let listed = Regions::Stores(HashMap::from([("porto".to_string(), "north".to_string())]));
        assert_eq!(listed.of(&porto), "north");
        assert_eq!(
            listed.of(&lisbon),
            "lisbon",
            "a store not listed is its own region"
        );
    }
}
