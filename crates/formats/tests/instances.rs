//! Reading, solving and checking real benchmark instances; refusing broken ones.

use std::path::{Path, PathBuf};

use freshroute_formats::{BuildOptions, Translated, read_instance, verify, write_sintef};
use freshroute_solver::{Limits, Quiet, check, solve};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn solve_file(path: &Path, opts: &BuildOptions) -> (f64, usize, String) {
    let inst = read_instance(path).expect("readable");
    let t = Translated::new(&inst, opts).expect("valid");
    let limits = Limits {
        time: None,
        iterations: Some(400),
        seed: 3,
    };
    let s = solve(&t.problem, &limits, &mut Quiet);
    assert!(check(&t.problem, &s).is_valid());
    assert!(s.unassigned.is_empty());
    let routes = t.routes_of(&s);
    let distance = verify(&inst, opts, &routes).expect("valid under the benchmark rules");
    (distance, routes.len(), write_sintef(&inst, &routes))
}

#[test]
fn solomon_c101_is_solved_near_its_best_known_distance() {
    let (distance, vehicles, text) = solve_file(&data("C101.txt"), &BuildOptions::default());
    assert!(distance < 828.94 * 1.03, "{distance}");
    assert!(vehicles >= 10);
    assert!(text.starts_with("Route 1 : "), "{text}");
    assert_eq!(text.lines().count(), vehicles);
}

#[test]
fn li_lim_lc101_is_solved_with_and_without_a_cold_chain_limit() {
    let (free, _, _) = solve_file(&data("lc101.txt"), &BuildOptions::default());
    assert!(free < 828.94 * 1.05, "{free}");
    let cold = BuildOptions {
        fleet_factor: 2.0,
        max_ride_factor: Some(2.0),
        hierarchical: false,
    };
    let (limited, _, _) = solve_file(&data("lc101.txt"), &cold);
    assert!(
        limited >= free - 1e-6,
        "a ride limit cannot make routes shorter"
    );
}

fn refused(name: &str, text: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join(name);
    std::fs::write(&p, text).expect("write");
    let e = read_instance(&p)
        .and_then(|i| Translated::new(&i, &BuildOptions::default()).map(|_| ()))
        .expect_err("refused");
    format!("{}: {e}", e.code())
}

const SOLOMON_HEAD: &str = "T1\n\nVEHICLE\nNUMBER     CAPACITY\n  2         50\n\nCUSTOMER\nCUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME\n\n    0      40         50          0          0       1236          0\n";

#[test]
fn broken_instances_are_refused_with_the_record_and_a_code() {
    let missing = refused("a.txt", "T1\nVEHICLE\nNUMBER CAPACITY\n2 50\n");
    assert!(missing.starts_with("missing_section"), "{missing}");
    // One bad customer line after a valid header: what it says, and the code and words expected.
    for (file, customer, code, words) in [
        ("b.txt", "1 45 68 10 912 967", "column_count", ":11:"),
        (
            "c.txt",
            "1 45 68 -10 912 967 90",
            "bad_value",
            "negative demand",
        ),
        (
            "d.txt",
            "1 45 68 10 967 912 90",
            "bad_value",
            "closes at 912 before it opens at 967",
        ),
        ("e.txt", "1 NaN 68 10 912 967 90", "bad_value", "NaN"),
    ] {
        let e = refused(file, &format!("{SOLOMON_HEAD}{customer}\n"));
        assert!(e.starts_with(code) && e.contains(words), "{file}: {e}");
    }
    let unpaired = refused(
        "f.txt",
        "2\t50\t1\n0\t40\t50\t0\t0\t1236\t0\t0\t0\n1\t45\t68\t10\t0\t967\t90\t0\t2\n2\t45\t70\t-10\t0\t870\t90\t0\t0\n",
    );
    assert!(unpaired.starts_with("unpaired_pickup"), "{unpaired}");
    let io = read_instance(Path::new("/nonexistent/x.txt")).expect_err("missing file");
    assert_eq!(io.code(), "io_error");
}

/// Two shipments on a line; the first one's customer (site 3) opens at 200, and
/// its ice cream may ride 40. The route 1, 2, 4, 3 keeps that ride only if the
/// vehicle waits before site 1 so that it picks up at 160; site 2 must then be
/// served by `second_pickup_due`.
fn waiting_instance(second_pickup_due: u32) -> String {
    format!(
        "1\t100\t1\n\
         0\t0\t0\t0\t0\t1000\t0\t0\t0\n\
         1\t10\t0\t10\t0\t1000\t0\t0\t3\n\
         2\t20\t0\t10\t0\t{second_pickup_due}\t0\t0\t4\n\
         3\t30\t0\t-10\t200\t210\t0\t1\t0\n\
         4\t25\t0\t-10\t0\t1000\t0\t2\t0\n"
    )
}

#[test]
fn the_benchmark_rules_let_a_vehicle_wait_before_an_earlier_stop_to_keep_a_ride() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cold = BuildOptions {
        fleet_factor: 1.0,
        max_ride_factor: Some(2.0),
        hierarchical: false,
    };
    let path = dir.path().join("wait.txt");
    std::fs::write(&path, waiting_instance(180)).expect("write");
    let inst = read_instance(&path).expect("readable");
    let distance = verify(&inst, &cold, &[vec![1, 2, 4, 3]]).expect("feasible by waiting");
    assert!((distance - 60.0).abs() < 1e-9, "{distance}");
    // The solver finds that route, and both checkers accept it.
    let (solved, vehicles, _) = solve_file(&path, &cold);
    assert_eq!((solved, vehicles), (60.0, 1));

    // Site 2 closing at 150 leaves no schedule: the rules refuse the same route.
    let tight = dir.path().join("tight.txt");
    std::fs::write(&tight, waiting_instance(150)).expect("write");
    let inst = read_instance(&tight).expect("readable");
    let errors = verify(&inst, &cold, &[vec![1, 2, 4, 3]]).expect_err("infeasible");
    assert!(errors[0].contains("site"), "{errors:?}");
}
