//! Approved transfers driven in shared trips: each transfer's goods of one temperature
//! zone are a shipment (picked up at the donor store, delivered at the receiver, within
//! the zone's ride limit), vans leave a depot and come back within their shift, and the
//! routing solver puts several transfers in one trip where that saves driving. The
//! plan is compared with one direct trip per transfer (depot, donor, receiver, depot),
//! the way a chain without routing drives them.

use freshroute_model::Seconds;
use freshroute_solver::{
    Limits, ProblemBuilder, ProblemError, Quiet, Shipment, Solution, Stop, StopKind, TaskId,
    TimeWindow, TravelMatrix, Vehicle, check, solve,
};

/// Goods of one zone moved from one place to another.
#[derive(Debug, Clone, PartialEq)]
pub struct TripLoad {
    /// Donor place (index into the travel table).
    pub from: usize,
    /// Receiver place.
    pub to: usize,
    /// Room the goods take per zone (frozen, chilled, ambient), millilitres.
    pub ml: [i64; 3],
    /// Longest ride the goods allow, seconds (their zone's cold-chain limit).
    pub max_ride_s: Option<i64>,
}

/// A van of the chain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Van {
    /// Where it starts and ends (index into the travel table).
    pub depot: usize,
    /// Room per zone (frozen, chilled, ambient), millilitres.
    pub capacity_ml: [i64; 3],
    /// When it may leave and must be back, seconds of the day.
    pub shift: (i64, i64),
}

/// How trips are planned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TripOptions {
    /// Time at each stop (parking, carrying in or out), seconds.
    pub stop_s: i64,
    /// What using a van at all costs against a metre driven: trips are few first.
    pub van_cost_m: i64,
    /// The search's budget.
    pub limits: Limits,
}

impl Default for TripOptions {
    fn default() -> Self {
        Self {
            stop_s: 5 * 60,
            van_cost_m: 20_000,
            limits: Limits {
                time: Some(std::time::Duration::from_millis(500)),
                iterations: None,
                seed: 1,
            },
        }
    }
}

/// A stop on a trip.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TripStop {
    /// Index into the loads.
    pub load: usize,
    /// Picking up at the donor (true) or delivering at the receiver.
    pub pickup: bool,
    /// Place.
    pub place: usize,
    /// When service starts, seconds of the day.
    pub at_s: i64,
}

/// One van's trip.
#[derive(Debug, Clone, PartialEq)]
pub struct Trip {
    /// Index into the vans.
    pub van: usize,
    /// Its stops in order.
    pub stops: Vec<TripStop>,
    /// Metres driven.
    pub metres: i64,
    /// From leaving the depot to coming back, seconds.
    pub seconds: i64,
}

/// The trips, and the direct trips they replace.
#[derive(Debug, Clone, PartialEq)]
pub struct TripPlan {
    /// Trips driven.
    pub trips: Vec<Trip>,
    /// Loads no van could take, with the solver's reason code.
    pub unassigned: Vec<(usize, &'static str)>,
    /// Direct trips the loads would take: one per donor → receiver pair.
    pub direct_trips: usize,
    /// Their metres.
    pub direct_metres: i64,
    /// Cold-chain, capacity and shift breaches the independent checker found (0 expected).
    pub violations: usize,
}

impl TripPlan {
    /// Metres the trips drive.
    pub fn metres(&self) -> i64 {
        self.trips.iter().map(|t| t.metres).sum()
    }
}

/// A travel matrix from a table of (seconds, metres) between places, row by row.
pub fn matrix_of(table: &[Vec<(i64, i64)>]) -> TravelMatrix {
    let flat = table.iter().flatten();
    TravelMatrix::new(
        table.len(),
        flat.clone().map(|&(s, _)| Seconds(s)).collect(),
        flat.map(|&(_, m)| freshroute_model::Metres(m)).collect(),
    )
}

/// Plans the loads' trips on `table` (seconds and metres between places).
pub fn plan_trips(
    loads: &[TripLoad],
    vans: &[Van],
    table: &TravelMatrix,
    o: &TripOptions,
) -> Result<TripPlan, ProblemError> {
    let mut b = ProblemBuilder::new();
    b.add_matrix(table.clone());
    for v in vans {
        b.add_vehicle(Vehicle {
            start: v.depot,
            end: Some(v.depot),
            shift: TimeWindow {
                start: Seconds(v.shift.0),
                end: Seconds(v.shift.1),
            },
            capacity: v.capacity_ml.to_vec(),
            skills: Vec::new(),
            fixed_cost: o.van_cost_m,
            cost_per_second: 0,
            cost_per_metre: 1,
            max_duration: None,
            profile: 0,
        });
    }
    let stop = |place: usize| Stop {
        location: place,
        service: Seconds(o.stop_s),
        windows: Vec::new(),
        soft_end: None,
    };
    let ids: Vec<TaskId> = loads
        .iter()
        .map(|l| {
            b.add_shipment(Shipment {
                pickup: stop(l.from),
                delivery: stop(l.to),
                amount: l.ml.to_vec(),
                skills: Vec::new(),
                max_ride: l.max_ride_s.map(Seconds),
                unassigned_penalty: 1_000_000_000,
            })
        })
        .collect();
    let problem = b.build()?;
    let solution = solve(&problem, &o.limits, &mut Quiet);
    let violations = check(&problem, &solution).violations.len();
    let load_of = |t: TaskId| ids.iter().position(|&i| i == t).unwrap_or(usize::MAX);
    let (direct_trips, direct_metres) = direct(loads, vans, table);
    Ok(TripPlan {
        trips: trips(&solution, &load_of),
        unassigned: solution
            .unassigned
            .iter()
            .map(|u| (load_of(u.task), u.reason.code()))
            .collect(),
        direct_trips,
        direct_metres,
        violations,
    })
}

fn trips(solution: &Solution, load_of: &dyn Fn(TaskId) -> usize) -> Vec<Trip> {
    solution
        .routes
        .iter()
        .map(|r| Trip {
            van: r.vehicle,
            stops: r
                .stops
                .iter()
                .map(|s| TripStop {
                    load: load_of(s.task),
                    pickup: s.kind == StopKind::Pickup,
                    place: s.location,
                    at_s: s.start.0,
                })
                .collect(),
            metres: r.distance.0,
            seconds: r.duration.0,
        })
        .collect()
}

/// One trip per donor → receiver pair from the first van's depot: there, to the donor,
/// to the receiver, back.
fn direct(loads: &[TripLoad], vans: &[Van], table: &TravelMatrix) -> (usize, i64) {
    let Some(depot) = vans.first().map(|v| v.depot) else {
        return (0, 0);
    };
    let mut pairs: Vec<(usize, usize)> = loads.iter().map(|l| (l.from, l.to)).collect();
    pairs.sort();
    pairs.dedup();
    let metres = |a: usize, b: usize| table.metres(a, b).0;
    let total = pairs
        .iter()
        .map(|&(f, t)| metres(depot, f) + metres(f, t) + metres(t, depot))
        .sum();
    (pairs.len(), total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use freshroute_model::Metres;

    /// Places on a line, 1 km apart, driven at 10 m/s.
    fn line(n: usize) -> TravelMatrix {
        let mut secs = Vec::new();
        let mut metres = Vec::new();
        for a in 0..n {
            for b in 0..n {
                let d = (a as i64 - b as i64).abs() * 1000;
                metres.push(Metres(d));
                secs.push(Seconds(d / 10));
            }
        }
        TravelMatrix::new(n, secs, metres)
    }

    fn van() -> Van {
        Van {
            depot: 0,
            capacity_ml: [50_000, 50_000, 200_000],
            shift: (8 * 3600, 18 * 3600),
        }
    }

    fn load(from: usize, to: usize, ml: [i64; 3], ride: Option<i64>) -> TripLoad {
        TripLoad {
            from,
            to,
            ml,
            max_ride_s: ride,
        }
    }

    #[test]
    fn transfers_along_one_way_share_a_trip() {
        // 1 → 2, 3 → 4, 5 → 6: one trip along the line instead of three.
        let loads = [
            load(1, 2, [0, 5_000, 0], Some(3600)),
            load(3, 4, [0, 5_000, 0], Some(3600)),
            load(5, 6, [2_000, 0, 0], Some(1800)),
        ];
        let plan =
            plan_trips(&loads, &[van(), van()], &line(7), &TripOptions::default()).expect("trips");
        assert_eq!(plan.trips.len(), 1, "{plan:?}");
        assert_eq!(plan.metres(), 12_000);
        assert_eq!(plan.direct_trips, 3);
        assert_eq!(plan.direct_metres, 4_000 + 8_000 + 12_000);
        assert_eq!(plan.violations, 0);
        assert!(plan.unassigned.is_empty());
    }

    #[test]
    fn a_ride_limit_keeps_frozen_goods_off_a_long_detour() {
        // Frozen goods from 1 to 2 may ride 3 minutes: no pickup at 6 between them.
        let loads = [
            load(1, 2, [5_000, 0, 0], Some(180)),
            load(6, 3, [0, 0, 5_000], None),
        ];
        let plan = plan_trips(&loads, &[van()], &line(7), &TripOptions::default()).expect("trips");
        assert_eq!(plan.violations, 0);
        for trip in &plan.trips {
            let pick = trip
                .stops
                .iter()
                .find(|s| s.load == 0 && s.pickup)
                .expect("trips");
            let drop = trip
                .stops
                .iter()
                .find(|s| s.load == 0 && !s.pickup)
                .expect("trips");
            assert!(drop.at_s - pick.at_s <= 180 + 300, "{trip:?}");
        }
    }

    #[test]
    fn a_van_too_small_leaves_the_load_unassigned_with_its_reason() {
        let loads = [load(1, 2, [80_000, 0, 0], None)];
        let plan = plan_trips(&loads, &[van()], &line(3), &TripOptions::default()).expect("trips");
        assert!(plan.trips.is_empty());
        assert_eq!(plan.unassigned, [(0, "capacity")]);
    }
}
