//! VROOM's formats on their own, without the service: a problem with its own matrix
//! solved and answered in VROOM's terms, and what the solver cannot honour refused with
//! the field's path.

use std::time::{Duration, Instant};

use freshroute_formats::vroom::{VroomErrorKind, VroomProblem, solve};
use freshroute_model::Metres;
use freshroute_roads::testing::monaco;

fn problem(extra_vehicle_field: Option<(&str, serde_json::Value)>) -> VroomProblem {
    let mut vehicle =
        serde_json::json!({"id": 7, "start_index": 0, "end_index": 0, "capacity": [2]});
    if let Some((k, v)) = extra_vehicle_field {
        vehicle[k] = v;
    }
    serde_json::from_value(serde_json::json!({
        "vehicles": [vehicle],
        "jobs": [
            {"id": 1, "location_index": 1, "delivery": [1], "service": 60},
            {"id": 2, "location_index": 2, "delivery": [1], "service": 60}
        ],
        "matrix": [[0, 100, 200], [100, 0, 100], [200, 100, 0]]
    }))
    .expect("a VROOM problem")
}

fn run(p: &VroomProblem) -> Result<serde_json::Value, freshroute_formats::vroom::VroomError> {
    let deadline = Instant::now() + Duration::from_secs(10);
    solve(
        p,
        &monaco(),
        Metres(200),
        Duration::from_millis(100),
        deadline,
    )
    .map(|s| serde_json::to_value(s).expect("JSON"))
}

#[test]
fn a_problem_with_its_own_matrix_is_answered_in_vroom_terms() {
    let answer = run(&problem(None)).expect("solved");
    assert_eq!(answer["code"], 0);
    assert_eq!(answer["unassigned"], serde_json::json!([]));
    let steps: Vec<&str> = answer["routes"][0]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["type"].as_str().expect("type"))
        .collect();
    assert_eq!(steps, ["start", "job", "job", "end"]);
    assert_eq!(answer["routes"][0]["vehicle"], 7);
    assert_eq!(answer["summary"]["duration"], 400, "0 → 1 → 2 → 0");
}

#[test]
fn what_the_solver_cannot_honour_is_refused_at_its_field() {
    let breaks = (
        "breaks",
        serde_json::json!([{"id": 1, "time_windows": [[0, 10]]}]),
    );
    let e = run(&problem(Some(breaks))).expect_err("breaks are refused");
    assert_eq!(e.kind, VroomErrorKind::Invalid);
    assert_eq!(e.code, "breaks_unsupported");
    assert_eq!(e.field.as_deref(), Some("vehicles[0].breaks"));
}
