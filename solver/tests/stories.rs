//! The routing solver as a dispatcher meets it: small named instances, each a story.

use freshroute_model::{Metres, Seconds};
use freshroute_solver::{
    Job, Limits, OnBoard, Problem, ProblemBuilder, Quiet, Shipment, SoftEnd, Solution, Stop,
    StopKind, TimeWindow, TravelMatrix, UnassignedReason, Vehicle, check, solve,
};

/// Locations on a line, 1 km apart, 60 s per km: index = kilometre.
fn line_matrix(n: usize) -> TravelMatrix {
    let mut durations = Vec::new();
    let mut distances = Vec::new();
    for a in 0..n {
        for b in 0..n {
            let km = a.abs_diff(b) as i64;
            durations.push(Seconds(60 * km));
            distances.push(Metres(1000 * km));
        }
    }
    TravelMatrix::new(n, durations, distances)
}

fn window(start: i64, end: i64) -> Vec<TimeWindow> {
    vec![TimeWindow {
        start: Seconds(start),
        end: Seconds(end),
    }]
}

fn stop(location: usize) -> Stop {
    Stop {
        location,
        service: Seconds(60),
        windows: Vec::new(),
        soft_end: None,
    }
}

fn courier(skills: &[&str]) -> Vehicle {
    Vehicle {
        start: 0,
        end: Some(0),
        shift: TimeWindow {
            start: Seconds(0),
            end: Seconds(4 * 3600),
        },
        capacity: vec![10],
        skills: skills.iter().map(|s| s.to_string()).collect(),
        fixed_cost: 0,
        cost_per_second: 0,
        cost_per_metre: 1,
        max_duration: None,
        profile: 0,
    }
}

fn job(location: usize, amount: i64) -> Job {
    Job {
        stop: stop(location),
        delivery: vec![amount],
        pickup: vec![0],
        skills: Vec::new(),
        unassigned_penalty: 1_000_000_000,
    }
}

/// One tub of ice cream from the store at km 1 to a customer at km `to`, who takes
/// it within `opens`, with a ride limit in seconds.
fn ice_cream_from_store(opens: (i64, i64), to: usize, max_ride: i64) -> Shipment {
    Shipment {
        pickup: stop(1),
        delivery: Stop {
            windows: window(opens.0, opens.1),
            ..stop(to)
        },
        amount: vec![1],
        skills: Vec::new(),
        max_ride: Some(Seconds(max_ride)),
        unassigned_penalty: 1_000_000_000,
    }
}

fn run(pb: &Problem) -> Solution {
    run_for(pb, 300)
}

/// Solved with `iterations` of search, and checked.
fn run_for(pb: &Problem, iterations: u64) -> Solution {
    let limits = Limits {
        time: None,
        iterations: Some(iterations),
        seed: 7,
    };
    let s = solve(pb, &limits, &mut Quiet);
    let report = check(pb, &s);
    assert!(report.is_valid(), "checker: {:?}", report.violations);
    s
}

#[test]
fn one_courier_serves_a_line_of_customers_in_one_sweep() {
    let mut b = ProblemBuilder::new();
    b.add_matrix(line_matrix(5)).add_vehicle(courier(&[]));
    for loc in [3, 1, 4, 2] {
        b.add_job(job(loc, 1));
    }
    let s = run(&b.build().expect("valid"));
    assert_eq!(s.routes.len(), 1);
    assert_eq!(s.distance(), Metres(8_000), "out to km 4 and back");
}

#[test]
fn a_frozen_order_goes_only_to_a_courier_with_a_freezer_box() {
    let mut b = ProblemBuilder::new();
    b.add_matrix(line_matrix(5))
        .add_vehicle(courier(&[]))
        .add_vehicle(courier(&["frozen"]));
    let ice_cream = b.add_job(Job {
        skills: vec!["frozen".into()],
        ..job(2, 1)
    });
    let s = run(&b.build().expect("valid"));
    let route = s
        .routes
        .iter()
        .find(|r| r.stops.iter().any(|st| st.task == ice_cream))
        .expect("served");
    assert_eq!(route.vehicle, 1);
}

#[test]
fn an_order_nobody_can_carry_is_left_out_with_its_reason() {
    let mut b = ProblemBuilder::new();
    b.add_matrix(line_matrix(5)).add_vehicle(courier(&[]));
    let frozen = b.add_job(Job {
        skills: vec!["frozen".into()],
        ..job(2, 1)
    });
    let huge = b.add_job(job(3, 50));
    let late = b.add_job(Job {
        stop: Stop {
            windows: window(-100, -50),
            ..stop(4)
        },
        ..job(4, 1)
    });
    let s = run(&b.build().expect("valid"));
    let reason = |t| s.unassigned.iter().find(|u| u.task == t).map(|u| u.reason);
    assert_eq!(reason(frozen), Some(UnassignedReason::NoSkill));
    assert_eq!(reason(huge), Some(UnassignedReason::Capacity));
    assert_eq!(reason(late), Some(UnassignedReason::TimeWindow));
}

#[test]
fn a_frozen_shipment_is_never_planned_past_its_ride_limit() {
    // A store at km 1, customers at km 4 and km 2. Without the limit one courier
    // would pick both up and deliver km 2 on the way out (a 240 s ride for the far
    // one); with a 200 s limit on the far customer's ice cream, it must go there first.
    let mut b = ProblemBuilder::new();
    b.add_matrix(line_matrix(6)).add_vehicle(courier(&[]));
    let far = b.add_shipment(Shipment {
        pickup: stop(1),
        delivery: stop(4),
        amount: vec![1],
        skills: Vec::new(),
        max_ride: Some(Seconds(200)),
        unassigned_penalty: 1_000_000_000,
    });
    b.add_shipment(Shipment {
        pickup: stop(1),
        delivery: stop(2),
        amount: vec![1],
        skills: Vec::new(),
        max_ride: None,
        unassigned_penalty: 1_000_000_000,
    });
    let s = run(&b.build().expect("valid"));
    assert!(s.unassigned.is_empty());
    let stops = &s.routes[0].stops;
    let deliveries: Vec<_> = stops
        .iter()
        .filter(|st| st.kind == StopKind::Delivery)
        .collect();
    assert_eq!(
        deliveries[0].task, far,
        "the frozen order is delivered first"
    );
    assert!(deliveries[0].ride.is_some_and(|r| r <= Seconds(200)));
}

#[test]
fn a_courier_waits_at_the_store_rather_than_with_the_ice_cream_on_board() {
    // The customer opens at 20 minutes; the store is 1 minute from the depot and
    // 3 minutes from the customer. Picking up at once would put 16 minutes of
    // waiting on the ride; waiting at the store keeps the ride at 3 minutes.
    let mut b = ProblemBuilder::new();
    b.add_matrix(line_matrix(6)).add_vehicle(courier(&[]));
    b.add_shipment(ice_cream_from_store((1200, 1500), 4, 300));
    let s = run(&b.build().expect("valid"));
    assert!(s.unassigned.is_empty(), "{:?}", s.unassigned);
    let stops = &s.routes[0].stops;
    assert_eq!(stops[1].ride, Some(Seconds(180)));
    assert_eq!(stops[0].start, Seconds(1200 - 180 - 60));
}

#[test]
fn a_courier_may_wait_before_an_earlier_stop_to_keep_a_ride_short() {
    // Store at km 1, a pastry drop at km 2 (open until 1100 s), the ice cream's
    // customer at km 3 (opens at 1200 s), ride limit 300 s. The one-sweep route
    // store, pastry, customer keeps the ride only if the courier waits before the
    // store so that the pastry is served late in its window: then the ice cream
    // rides 180 s. Serving the pastry early would leave it 660 s on board.
    let mut b = ProblemBuilder::new();
    b.add_matrix(line_matrix(6)).add_vehicle(courier(&[]));
    let ice = b.add_shipment(ice_cream_from_store((1200, 1300), 3, 300));
    let pastry = b.add_job(Job {
        stop: Stop {
            windows: window(600, 1100),
            ..stop(2)
        },
        ..job(2, 1)
    });
    let s = run(&b.build().expect("valid"));
    assert!(s.unassigned.is_empty(), "{:?}", s.unassigned);
    let route = &s.routes[0];
    let order: Vec<_> = route.stops.iter().map(|st| (st.task, st.kind)).collect();
    assert_eq!(
        order,
        [
            (ice, StopKind::Pickup),
            (pastry, StopKind::Job),
            (ice, StopKind::Delivery)
        ]
    );
    assert_eq!(s.distance(), Metres(6000), "one sweep out and back");
    assert!(route.stops[2].ride.is_some_and(|r| r <= Seconds(300)));
}

#[test]
fn a_plan_whose_stated_times_break_a_rule_fails_the_checker() {
    let mut b = ProblemBuilder::new();
    b.add_matrix(line_matrix(6)).add_vehicle(courier(&[]));
    b.add_shipment(ice_cream_from_store((1200, 1500), 4, 300));
    let pb = b.build().expect("valid");
    let good = run(&pb);
    // Picking up at once is the same stop sequence but a ride far past the limit.
    let mut early = good.clone();
    let pickup = &mut early.routes[0].stops[0];
    pickup.start = pickup.arrival;
    pickup.departure = Seconds(pickup.arrival.0 + 60);
    let report = check(&pb, &early);
    assert!(
        report
            .violations
            .iter()
            .any(|v| v.contains("exceeds its limit")),
        "{:?}",
        report.violations
    );
    // A start before the stated arrival is refused too.
    let mut rushed = good.clone();
    rushed.routes[0].stops[1].start = Seconds(rushed.routes[0].stops[1].arrival.0 - 1);
    assert!(!check(&pb, &rushed).is_valid());
}

#[test]
fn the_same_seed_and_iteration_budget_give_the_same_plan() {
    let mut b = ProblemBuilder::new();
    b.add_matrix(line_matrix(8))
        .add_vehicle(courier(&[]))
        .add_vehicle(courier(&[]));
    for loc in 1..8 {
        b.add_job(job(loc, 3));
    }
    let pb = b.build().expect("valid");
    assert_eq!(run(&pb), run(&pb));
}

#[test]
fn capacity_splits_the_work_between_couriers() {
    let mut b = ProblemBuilder::new();
    b.add_matrix(line_matrix(5))
        .add_vehicle(courier(&[]))
        .add_vehicle(courier(&[]));
    for loc in 1..5 {
        b.add_job(job(loc, 4));
    }
    let s = run(&b.build().expect("valid"));
    assert_eq!(s.routes.len(), 2, "16 units, 10 per courier");
    for r in &s.routes {
        assert!(r.stops.first().is_some_and(|st| st.load[0] <= 10));
    }
}

#[test]
fn an_open_route_ends_at_its_last_stop() {
    let mut b = ProblemBuilder::new();
    b.add_matrix(line_matrix(5)).add_vehicle(Vehicle {
        end: None,
        ..courier(&[])
    });
    for loc in [2, 4] {
        b.add_job(job(loc, 1));
    }
    let s = run(&b.build().expect("valid"));
    assert_eq!(s.distance(), Metres(4_000));
}

#[test]
fn a_short_shift_leaves_out_what_it_cannot_reach_back_from() {
    let mut b = ProblemBuilder::new();
    b.add_matrix(line_matrix(6)).add_vehicle(Vehicle {
        max_duration: Some(Seconds(500)),
        ..courier(&[])
    });
    let far = b.add_job(job(5, 1));
    let s = run(&b.build().expect("valid"));
    assert_eq!(
        s.unassigned.first().map(|u| (u.task, u.reason)),
        Some((far, UnassignedReason::ShiftTooShort))
    );
}

#[test]
fn invalid_problems_are_refused_with_a_stable_code() {
    let mut b = ProblemBuilder::new();
    b.add_matrix(TravelMatrix::new(
        3,
        vec![Seconds(0); 8],
        vec![Metres(0); 9],
    ))
    .add_vehicle(courier(&[]));
    assert_eq!(b.build().map_err(|e| e.code()).err(), Some("matrix_size"));

    let mut b = ProblemBuilder::new();
    b.add_matrix(line_matrix(3)).add_vehicle(courier(&[]));
    b.add_job(Job {
        stop: Stop {
            windows: window(500, 100),
            ..stop(1)
        },
        ..job(1, 1)
    });
    assert_eq!(
        b.build().map_err(|e| e.code()).err(),
        Some("bad_time_window")
    );

    let mut b = ProblemBuilder::new();
    b.add_matrix(line_matrix(3)).add_vehicle(courier(&[]));
    b.add_job(job(7, 1));
    assert_eq!(
        b.build().map_err(|e| e.code()).err(),
        Some("unknown_location")
    );

    let mut b = ProblemBuilder::new();
    b.add_matrix(line_matrix(5)).add_vehicle(courier(&[]));
    b.add_shipment(Shipment {
        pickup: stop(0),
        delivery: stop(4),
        amount: vec![1],
        skills: Vec::new(),
        max_ride: Some(Seconds(100)),
        unassigned_penalty: 1,
    });
    assert_eq!(
        b.build().map_err(|e| e.code()).err(),
        Some("ride_below_direct")
    );

    let mut d = vec![Seconds(0); 4];
    d[1] = Seconds(-5);
    let mut b = ProblemBuilder::new();
    b.add_matrix(TravelMatrix::new(2, d, vec![Metres(0); 4]))
        .add_vehicle(courier(&[]));
    assert_eq!(
        b.build().map_err(|e| e.code()).err(),
        Some("negative_travel")
    );

    assert_eq!(
        ProblemBuilder::new().build().map_err(|e| e.code()).err(),
        Some("no_vehicle")
    );
}

#[test]
fn goods_on_board_stay_with_their_courier_and_fill_its_box() {
    // Courier 1 carries 8 of its 10 units for a customer at km 3; a new order of 5
    // units at km 3 must go to courier 0, which has room, even though courier 1 passes by.
    let mut b = ProblemBuilder::new();
    b.add_matrix(line_matrix(5))
        .add_vehicle(courier(&[]))
        .add_vehicle(courier(&[]));
    let carried = b.add_on_board(OnBoard {
        vehicle: 1,
        delivery: stop(3),
        amount: vec![8],
        deadline: Some(Seconds(600)),
        unassigned_penalty: 1_000_000_000,
    });
    let order = b.add_job(job(3, 5));
    let s = run(&b.build().expect("valid"));
    assert!(s.unassigned.is_empty(), "{:?}", s.unassigned);
    let vehicle_of = |t| {
        s.routes
            .iter()
            .find(|r| r.stops.iter().any(|st| st.task == t))
            .map(|r| r.vehicle)
    };
    assert_eq!(vehicle_of(carried), Some(1));
    assert_eq!(vehicle_of(order), Some(0));
}

#[test]
fn goods_on_board_past_their_deadline_are_reported_not_planned_late() {
    let mut b = ProblemBuilder::new();
    b.add_matrix(line_matrix(5)).add_vehicle(courier(&[]));
    let melted = b.add_on_board(OnBoard {
        vehicle: 0,
        delivery: stop(4),
        amount: vec![1],
        deadline: Some(Seconds(120)),
        unassigned_penalty: 1_000_000_000,
    });
    let s = run(&b.build().expect("valid"));
    assert_eq!(
        s.unassigned.first().map(|u| (u.task, u.reason)),
        Some((melted, UnassignedReason::TimeWindow))
    );

    let mut b = ProblemBuilder::new();
    b.add_matrix(line_matrix(5)).add_vehicle(courier(&[]));
    b.add_on_board(OnBoard {
        vehicle: 0,
        delivery: stop(2),
        amount: vec![11],
        deadline: None,
        unassigned_penalty: 1,
    });
    assert_eq!(
        b.build().map_err(|e| e.code()).err(),
        Some("bad_amount"),
        "more than the box holds"
    );
}

#[test]
fn amounts_too_large_to_add_up_are_refused_before_they_can_wrap() {
    // Two deliveries near i64::MAX once wrapped to a start load of -2.
    for (capacity, amount) in [
        (
            freshroute_solver::MAX_AMOUNT,
            freshroute_solver::MAX_AMOUNT + 1,
        ),
        (i64::MAX, 1),
        (10, i64::MAX),
    ] {
        let mut b = ProblemBuilder::new();
        let mut v = courier(&[]);
        v.capacity = vec![capacity];
        b.add_matrix(line_matrix(3)).add_vehicle(v);
        b.add_job(job(1, amount));
        b.add_job(job(2, amount));
        assert_eq!(
            b.build().map_err(|e| e.code()).err(),
            Some("bad_amount"),
            "capacity {capacity}, amount {amount}"
        );
    }
    let mut b = ProblemBuilder::new();
    let mut v = courier(&[]);
    v.capacity = vec![freshroute_solver::MAX_AMOUNT];
    b.add_matrix(line_matrix(3)).add_vehicle(v);
    b.add_job(job(1, freshroute_solver::MAX_AMOUNT));
    b.add_job(job(2, freshroute_solver::MAX_AMOUNT));
    let problem = b.build().expect("at the limit");
    let s = run(&problem);
    assert_eq!(s.unassigned.len(), 1, "the two do not fit together");
    assert!(freshroute_solver::check(&problem, &s).is_valid());
}

/// Courier 0 starts at km 0, courier 1 at km 3; one order from the store at km 1 to
/// km 2. Courier 0 is 2 km closer all told.
fn two_couriers_one_order() -> (ProblemBuilder, freshroute_solver::TaskId) {
    let mut b = ProblemBuilder::new();
    b.add_matrix(line_matrix(5))
        .add_vehicle(Vehicle {
            end: None,
            ..courier(&[])
        })
        .add_vehicle(Vehicle {
            start: 3,
            end: None,
            ..courier(&["frozen"])
        });
    let order = b.add_shipment(ice_cream_from_store((0, 3600), 2, 1200));
    (b, order)
}

fn served_by(s: &Solution, task: freshroute_solver::TaskId) -> Option<usize> {
    s.routes
        .iter()
        .find(|r| r.stops.iter().any(|st| st.task == task))
        .map(|r| r.vehicle)
}

#[test]
fn an_order_stays_with_its_courier_unless_moving_it_gains_more_than_the_switching_cost() {
    // Courier 0 drives 2 km, courier 1 drives 3 km (back to km 1, then km 2).
    let (b, order) = two_couriers_one_order();
    let s = run(&b.build().expect("valid"));
    assert_eq!(served_by(&s, order), Some(0), "the nearer courier");

    // It was courier 1's: switching to courier 0 gains 1,000 (metres), less than 5,000.
    let (mut b, order) = two_couriers_one_order();
    b.prefer(order, 1, 5_000);
    let s = run(&b.build().expect("valid"));
    assert_eq!(
        served_by(&s, order),
        Some(1),
        "kept: the gain is below the switching cost"
    );
    assert_eq!(s.cost, 3_000, "no switching cost paid");

    // A small switching cost does not hold it back.
    let (mut b, order) = two_couriers_one_order();
    b.prefer(order, 1, 500);
    let s = run(&b.build().expect("valid"));
    assert_eq!(served_by(&s, order), Some(0));
    assert_eq!(s.cost, 2_000 + 500, "the switch is paid for");
}

#[test]
fn a_pinned_order_goes_to_its_courier_or_is_left_out_with_the_reason() {
    let (mut b, order) = two_couriers_one_order();
    b.pin(order, 1);
    let s = run(&b.build().expect("valid"));
    assert_eq!(served_by(&s, order), Some(1), "the pin wins over distance");

    // Pinned to a courier without the frozen box the order needs.
    let mut b = ProblemBuilder::new();
    b.add_matrix(line_matrix(5))
        .add_vehicle(courier(&[]))
        .add_vehicle(courier(&["frozen"]));
    let order = b.add_shipment(Shipment {
        skills: vec!["frozen".into()],
        ..ice_cream_from_store((0, 3600), 2, 1200)
    });
    b.pin(order, 0);
    let s = run(&b.build().expect("valid"));
    assert_eq!(served_by(&s, order), None);
    assert_eq!(s.unassigned[0].reason, UnassignedReason::NoSkill);

    // Pins and preferences must name what exists.
    let (mut b, order) = two_couriers_one_order();
    b.pin(order, 7);
    assert_eq!(b.build().expect_err("no vehicle 7").code(), "bad_binding");
    let (mut b, _) = two_couriers_one_order();
    b.prefer(freshroute_solver::TaskId(9), 0, 10);
    assert_eq!(b.build().expect_err("no task 9").code(), "bad_binding");
    let (mut b, order) = two_couriers_one_order();
    b.prefer(order, 0, -1);
    assert_eq!(b.build().expect_err("negative").code(), "negative_value");
}

/// A shipment from the store at km 1 to a door at km `to`, no limits.
fn parcel(to: usize) -> Shipment {
    Shipment {
        pickup: stop(1),
        delivery: stop(to),
        amount: vec![1],
        skills: Vec::new(),
        max_ride: None,
        unassigned_penalty: 1_000_000_000,
    }
}

#[test]
fn a_dispatchers_order_of_the_stops_is_kept_and_others_still_served() {
    // From km 0: doors at km 4 and km 2. Left alone the courier drops km 2 on the way;
    // the dispatcher has it go to km 4 first.
    let build = |keep: bool, warm: bool| {
        let mut b = ProblemBuilder::new();
        b.add_matrix(line_matrix(6)).add_vehicle(Vehicle {
            end: None,
            ..courier(&[])
        });
        let far = b.add_shipment(parcel(4));
        let near = b.add_shipment(parcel(2));
        let on_the_way = b.add_job(job(3, 1));
        if keep {
            b.keep_order(
                0,
                vec![(far, StopKind::Delivery), (near, StopKind::Delivery)],
            );
        }
        if warm {
            // The plan before went the other way: the order set since wins.
            b.warm_route(0, vec![far, near, near, far, on_the_way]);
        }
        (b.build().expect("valid"), far, near, on_the_way)
    };
    let doors = |s: &Solution, far, near| {
        let seq = stops_of(s, 0);
        let at = |t: freshroute_solver::TaskId| {
            seq.iter()
                .position(|&x| x == (t.0, StopKind::Delivery))
                .expect("served")
        };
        (at(far), at(near))
    };
    let (pb, far, near, _) = build(false, false);
    let (f, n) = doors(&run(&pb), far, near);
    assert!(n < f, "left alone, the near door first");
    for warm in [false, true] {
        let (pb, far, near, job) = build(true, warm);
        let s = run(&pb);
        let (f, n) = doors(&s, far, near);
        assert!(f < n, "the far door first, as the dispatcher set it");
        assert!(s.unassigned.is_empty());
        let seq = stops_of(&s, 0);
        assert!(
            seq.contains(&(job.0, StopKind::Job)),
            "the job unlisted, served: {seq:?}"
        );
    }

    // A route against the order is judged so.
    let (pb, far, near, _) = build(true, false);
    let against = [
        (far, StopKind::Pickup),
        (near, StopKind::Pickup),
        (near, StopKind::Delivery),
        (far, StopKind::Delivery),
    ];
    let v = freshroute_solver::judge_route(&pb, 0, &against).expect("vehicle 0");
    assert_eq!(v.stops[3].breaches, [freshroute_solver::Breach::OutOfOrder]);
}

#[test]
fn an_order_of_the_stops_must_name_what_exists_once_and_in_a_possible_order() {
    let refused = |f: &dyn Fn(&mut ProblemBuilder, freshroute_solver::TaskId)| {
        let (mut b, order) = two_couriers_one_order();
        f(&mut b, order);
        b.build().expect_err("refused").code()
    };
    let both = |o| vec![(o, StopKind::Delivery), (o, StopKind::Pickup)];
    assert_eq!(
        refused(&|b, o| {
            b.keep_order(0, both(o));
        }),
        "bad_binding"
    );
    assert_eq!(
        refused(&|b, o| {
            b.keep_order(0, vec![(o, StopKind::Job)]);
        }),
        "bad_binding"
    );
    assert_eq!(
        refused(&|b, o| {
            b.pin(o, 1).keep_order(0, vec![(o, StopKind::Pickup)]);
        }),
        "bad_binding"
    );
    assert_eq!(
        refused(&|b, o| {
            b.keep_order(0, vec![(o, StopKind::Pickup)]);
            b.keep_order(0, vec![(o, StopKind::Delivery)]);
        }),
        "bad_binding"
    );
    // Listing a stop pins its task: the farther courier serves it.
    let (mut b, order) = two_couriers_one_order();
    b.keep_order(1, vec![(order, StopKind::Delivery)]);
    assert_eq!(served_by(&run(&b.build().expect("valid")), order), Some(1));
}

/// Solved with no search at all: what the start (the warm routes, then insertion) gives.
fn start_only(pb: &Problem) -> Solution {
    run_for(pb, 0)
}

fn stops_of(s: &Solution, vehicle: usize) -> Vec<(u32, StopKind)> {
    s.routes
        .iter()
        .filter(|r| r.vehicle == vehicle)
        .flat_map(|r| r.stops.iter().map(|st| (st.task.0, st.kind)))
        .collect()
}

#[test]
fn the_search_starts_from_the_previous_routes_as_they_were() {
    // A courier at km 0 with drops at km 1 and km 4; the previous plan went to km 4 first.
    let build = |warm: bool| {
        let mut b = ProblemBuilder::new();
        b.add_matrix(line_matrix(5)).add_vehicle(Vehicle {
            end: None,
            ..courier(&[])
        });
        let near = b.add_job(job(1, 1));
        let far = b.add_job(job(4, 1));
        if warm {
            b.warm_route(0, vec![far, near]);
        }
        b.build().expect("valid")
    };
    let fresh = start_only(&build(false));
    assert_eq!(
        stops_of(&fresh, 0),
        [(0, StopKind::Job), (1, StopKind::Job)]
    );
    let resumed = start_only(&build(true));
    assert_eq!(
        stops_of(&resumed, 0),
        [(1, StopKind::Job), (0, StopKind::Job)],
        "kept in the previous order"
    );
    // The search is still free to do better.
    assert_eq!(stops_of(&run(&build(true)), 0), stops_of(&fresh, 0));
}

#[test]
fn stops_of_the_previous_routes_that_no_longer_fit_are_inserted_afresh() {
    // The previous route of courier 0 (no frozen box) held frozen goods, half a shipment,
    // a task twice and more than its box takes.
    let mut b = ProblemBuilder::new();
    b.add_matrix(line_matrix(5))
        .add_vehicle(Vehicle {
            capacity: vec![2],
            ..courier(&[])
        })
        .add_vehicle(courier(&["frozen"]));
    let frozen = b.add_shipment(Shipment {
        skills: vec!["frozen".into()],
        ..ice_cream_from_store((0, 3600), 2, 1200)
    });
    let half = b.add_shipment(ice_cream_from_store((0, 3600), 3, 1200));
    let big = b.add_job(job(4, 2));
    let small = b.add_job(job(3, 1));
    b.warm_route(0, vec![frozen, half, small, big, frozen]);
    let s = start_only(&b.build().expect("valid"));
    assert_eq!(served_by(&s, small), Some(0), "kept: it came first");
    assert_eq!(served_by(&s, big), Some(1), "no room left beside it");
    assert!(
        s.unassigned.is_empty(),
        "the rest inserted: {:?}",
        s.unassigned
    );
    assert_eq!(served_by(&s, frozen), Some(1));

    let mut b = ProblemBuilder::new();
    b.add_matrix(line_matrix(5)).add_vehicle(courier(&[]));
    b.warm_route(0, vec![freshroute_solver::TaskId(3)]);
    assert_eq!(b.build().expect_err("no task 3").code(), "bad_binding");
}

/// A courier at km 3 with two drops: at km 0, promised by `promise` (each second later
/// costing `late_cost`), and at km 5; distance costs 1 a metre.
fn promise_and_a_shorter_way(promise: Option<(i64, i64)>) -> Problem {
    let mut b = ProblemBuilder::new();
    b.add_matrix(line_matrix(7)).add_vehicle(Vehicle {
        start: 3,
        end: None,
        ..courier(&[])
    });
    let mut promised = job(0, 1);
    promised.stop.soft_end = promise.map(|(at, cost)| SoftEnd {
        at: Seconds(at),
        cost_per_second: cost,
        cost_once: 0,
        once_at: Seconds(0),
    });
    b.add_job(promised);
    b.add_job(job(5, 1));
    b.build().expect("valid")
}

fn first_drop(s: &Solution) -> usize {
    s.routes[0].stops[0].location
}

#[test]
fn a_promise_goes_before_the_shorter_way() {
    // Without a promise the shorter way wins: km 5 first (7 km against 8 km).
    let free = run(&promise_and_a_shorter_way(None));
    assert_eq!(first_drop(&free), 5);
    assert_eq!(free.cost, 7_000);
    // Promised by 200 s at 100 a second: km 5 first would reach km 0 at 480 s, 280 s
    // late (28,000); km 0 first is on time at 180 s for one more km.
    let pb = promise_and_a_shorter_way(Some((200, 100)));
    let kept = run(&pb);
    assert_eq!(first_drop(&kept), 0);
    assert_eq!(kept.cost, 8_000, "on time: distance alone");
    // A promise that cannot be kept is still served, as early as the costs allow, and
    // the checker recomputes what its lateness costs.
    let pb = promise_and_a_shorter_way(Some((60, 100)));
    let late = run(&pb);
    assert_eq!(first_drop(&late), 0);
    assert_eq!(late.cost, 8_000 + 100 * (180 - 60));
    let report = check(&pb, &late);
    assert_eq!(report.cost, late.cost);
}

/// A courier at km 3 with drops at km 0, 5 and 6, promised by 180, 480 and 600 s, each
/// second late costing 10 and being late at all `once`; 1 a metre. No way keeps all three.
fn one_late_or_two(once: i64) -> Problem {
    let mut b = ProblemBuilder::new();
    b.add_matrix(line_matrix(7)).add_vehicle(Vehicle {
        start: 3,
        end: None,
        ..courier(&[])
    });
    for (at, promise) in [(0, 180), (5, 480), (6, 600)] {
        let mut j = job(at, 1);
        j.stop.soft_end = Some(SoftEnd {
            at: Seconds(promise),
            cost_per_second: 10,
            cost_once: once,
            once_at: Seconds(0),
        });
        b.add_job(j);
    }
    b.build().expect("valid")
}

/// Each drop's place and start.
fn drops(s: &Solution) -> Vec<(usize, i64)> {
    s.routes[0]
        .stops
        .iter()
        .map(|s| (s.location, s.start.0))
        .collect()
}

#[test]
fn a_cost_once_late_keeps_more_promises_than_a_cost_per_second_alone() {
    // Per second alone: km 0, 5, 6 (9 km), km 5 and 6 a minute late each (1,200).
    let spread = run(&one_late_or_two(0));
    assert_eq!(drops(&spread), [(0, 180), (5, 540), (6, 660)]);
    assert_eq!(spread.cost, 9_000 + 1_200);
    // Each late order also costing 5,000: km 0, 6, 5 (10 km), only km 5 late, by four
    // minutes (2,400 + 5,000), cheaper than two late (11,200 more than the distance).
    let pb = one_late_or_two(5_000);
    let kept = run(&pb);
    assert_eq!(drops(&kept), [(0, 180), (6, 600), (5, 720)]);
    assert_eq!(kept.cost, 10_000 + 2_400 + 5_000);
    assert_eq!(check(&pb, &kept).cost, kept.cost, "the checker agrees");
}

#[test]
fn a_cost_of_lateness_outside_its_range_is_refused() {
    for (cost, once) in [
        (-1, 0),
        (freshroute_solver::MAX_LATE_COST + 1, 0),
        (1, -1),
        (1, freshroute_solver::MAX_LATE_ONCE + 1),
    ] {
        let mut b = ProblemBuilder::new();
        b.add_matrix(line_matrix(2)).add_vehicle(courier(&[]));
        let mut j = job(1, 1);
        j.stop.soft_end = Some(SoftEnd {
            at: Seconds(0),
            cost_per_second: cost,
            cost_once: once,
            once_at: Seconds(0),
        });
        b.add_job(j);
        let e = b.build().expect_err("refused");
        assert_eq!(e.code(), "bad_late_cost", "{e}");
    }
}

#[test]
fn a_courier_takes_nothing_after_its_last_pickup_and_delivers_what_it_took() {
    // Food ready at the store (km 1) at 20 min, for a customer at km 3. The courier at
    // km 0 is nearest; the one at km 4 is the other choice.
    let solved = |last_pickup: i64| {
        let mut b = ProblemBuilder::new();
        b.add_matrix(line_matrix(5))
            .add_vehicle(courier(&[]))
            .add_vehicle(Vehicle {
                start: 4,
                end: Some(4),
                ..courier(&[])
            });
        b.add_shipment(Shipment {
            pickup: Stop {
                windows: window(1200, 3 * 3600),
                ..stop(1)
            },
            delivery: stop(3),
            amount: vec![1],
            skills: Vec::new(),
            max_ride: None,
            unassigned_penalty: 1_000_000_000,
        });
        b.last_pickup(0, Seconds(last_pickup));
        let s = run(&b.build().expect("valid"));
        let route = &s
            .routes
            .iter()
            .find(|r| !r.stops.is_empty())
            .expect("served");
        (
            route.vehicle,
            route.stops[0].start.0,
            route.stops[1].start.0,
        )
    };
    // Its last pickup at 10 min: the other courier goes.
    assert_eq!(solved(600).0, 1);
    // At 20 min: it picks up just in time and delivers after it.
    let (vehicle, pickup, delivery) = solved(1200);
    assert_eq!(vehicle, 0);
    assert_eq!(pickup, 1200);
    assert!(delivery > 1200);
}
