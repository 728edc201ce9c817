//! The `freshroute` binary as a newcomer meets it: JSON on stdout, errors with codes on stderr.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(name)
}

fn freshroute(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_freshroute"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object on stdout")
}

fn refused(out: &Output, code: &str) -> String {
    assert!(
        !out.status.success(),
        "expected failure, got {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        stderr.contains(&format!("error[{code}]")),
        "expected {code}, got: {stderr}"
    );
    assert!(stderr.contains("hint:"), "{stderr}");
    stderr
}

/// Monaco imported once for all the tests of this file.
fn monaco_graph() -> &'static str {
    static GRAPH: OnceLock<(tempfile::TempDir, String)> = OnceLock::new();
    &GRAPH
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("tempdir");
            let out = dir.path().join("monaco.frgraph");
            let out_s = out.to_string_lossy().into_owned();
            let monaco = data("monaco.osm.pbf");
            let report = json(&freshroute(&[
                "roads",
                "import",
                &monaco.to_string_lossy(),
                "--out",
                &out_s,
            ]));
            assert_eq!(report["profiles"].as_array().map(Vec::len), Some(3));
            (dir, out_s)
        })
        .1
}

#[test]
fn import_reports_what_each_profile_kept_and_dropped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("m.frgraph");
    let run = freshroute(&[
        "roads",
        "import",
        &data("monaco.osm.pbf").to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
    ]);
    let report = json(&run);
    let car = &report["profiles"][0];
    assert_eq!(car["profile"], "car");
    assert!(
        car["nodes"]
            .as_u64()
            .is_some_and(|n| (13_000..16_000).contains(&n)),
        "{car}"
    );
    assert!(
        car["nodes_dropped"].as_u64().is_some_and(|n| n > 0),
        "{car}"
    );
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("contracting the car graph"),
        "progress on stderr"
    );
    assert!(out.exists());
}

#[test]
fn route_prints_duration_distance_and_a_geojson_line() {
    let r = json(&freshroute(&[
        "roads",
        "route",
        "--graph",
        monaco_graph(),
        "--profile",
        "scooter",
        "--from",
        "43.7384,7.4246",
        "--to",
        "43.7311,7.4197",
    ]));
    let (d, m) = (
        r["duration_s"].as_i64().expect("s"),
        r["distance_m"].as_i64().expect("m"),
    );
    assert!((60..900).contains(&d) && (900..3_000).contains(&m), "{r}");
    assert_eq!(r["geometry"]["type"], "LineString");
    let coords = r["geometry"]["coordinates"]
        .as_array()
        .expect("coordinates");
    assert!(coords.len() > 2);
    // GeoJSON order: longitude first.
    assert!(
        (coords[0][0].as_f64().expect("lon") - 7.4246).abs() < 0.01,
        "{}",
        coords[0]
    );
}

#[test]
fn table_prints_square_row_major_arrays() {
    let dir = tempfile::tempdir().expect("tempdir");
    let points = dir.path().join("points.txt");
    std::fs::write(
        &points,
        "# three places in Monaco\n43.7384,7.4246\n43.7311,7.4197\n43.7396,7.4272\n",
    )
    .expect("write");
    let t = json(&freshroute(&[
        "roads",
        "table",
        "--graph",
        monaco_graph(),
        "--profile",
        "car",
        "--points",
        &points.to_string_lossy(),
    ]));
    let durations = t["durations"].as_array().expect("durations");
    let distances = t["distances"].as_array().expect("distances");
    assert_eq!((durations.len(), distances.len()), (9, 9));
    for i in 0..3 {
        assert_eq!(durations[i * 3 + i], 0, "diagonal");
    }
    assert!(durations[1].as_i64().is_some_and(|s| s > 0), "{t}");
}

#[test]
fn bad_input_gets_a_code_a_hint_and_a_non_zero_exit() {
    let g = monaco_graph();
    let route = |profile: &str, from: &str, to: &str| {
        freshroute(&[
            "roads",
            "route",
            "--graph",
            g,
            "--profile",
            profile,
            "--from",
            from,
            "--to",
            to,
        ])
    };
    for (profile, from, code) in [
        ("boat", "43.7384,7.4246", "unknown_profile"),
        ("car", "95,7.4246", "invalid_latitude"),
        ("car", "43.7384,NaN", "invalid_longitude"),
        ("car", "43.7384 7.4246", "invalid_coordinate_syntax"),
    ] {
        refused(&route(profile, from, "43.7311,7.4197"), code);
    }
    let sea = refused(
        &route("car", "43.7000,7.4500", "43.7311,7.4197"),
        "too_far_from_road",
    );
    assert!(sea.contains("43.700000,7.450000"), "names the point: {sea}");

    let dir = tempfile::tempdir().expect("tempdir");
    let points = dir.path().join("points.txt");
    std::fs::write(&points, "43.7384,7.4246\n43.73;7.41\n").expect("write");
    let bad = refused(
        &freshroute(&[
            "roads",
            "table",
            "--graph",
            g,
            "--points",
            &points.to_string_lossy(),
        ]),
        "points_line_invalid",
    );
    assert!(bad.contains("points.txt:2"), "{bad}");

    let not_pbf = dir.path().join("x.osm.pbf");
    std::fs::write(&not_pbf, "this is not a PBF file at all").expect("write");
    refused(
        &freshroute(&["roads", "import", &not_pbf.to_string_lossy()]),
        "pbf_invalid",
    );
    refused(
        &freshroute(&[
            "roads",
            "route",
            "--graph",
            &not_pbf.to_string_lossy(),
            "--from",
            "1,1",
            "--to",
            "1,1",
        ]),
        "graph_file_invalid",
    );
    refused(
        &freshroute(&["roads", "cell", "--at", "43.7,7.4", "--resolution", "16"]),
        "invalid_resolution",
    );

    let many = dir.path().join("many.txt");
    std::fs::write(&many, "43.7384,7.4246\n".repeat(5_001)).expect("write");
    let many = many.to_string_lossy().into_owned();
    refused(
        &freshroute(&["roads", "table", "--graph", g, "--points", &many]),
        "too_many_points",
    );
    let radius = freshroute(&[
        "roads",
        "snap",
        "--graph",
        g,
        "--at",
        "43.7384,7.4246",
        "--snap-radius",
        "0",
    ]);
    assert!(!radius.status.success(), "a zero snap radius is refused");
}

#[test]
fn cell_names_the_h3_cell_of_a_position() {
    let c = json(&freshroute(&[
        "roads",
        "cell",
        "--at",
        "41.1466,-8.6112",
        "--resolution",
        "9",
    ]));
    let cell = c["cell"].as_str().expect("cell");
    assert_eq!(cell.len(), 15, "{cell}");
    assert!(
        cell.starts_with("89"),
        "resolution 9 cells start with 89: {cell}"
    );
}

#[test]
fn without_a_graph_the_bundled_city_is_imported_once_then_reused() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        data("porto_portugal.osm.pbf"),
        dir.path().join("porto_portugal.osm.pbf"),
    )
    .expect("copy");
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_freshroute"))
            .args([
                "roads",
                "route",
                "--profile",
                "scooter",
                "--from",
                "41.1466,-8.6112",
                "--to",
                "41.1579,-8.6291",
            ])
            .env("FRESHROUTE_DATA_DIR", dir.path())
            .output()
            .expect("runs")
    };
    let first = run();
    assert!(String::from_utf8_lossy(&first.stderr).contains("importing the bundled city"));
    let second = run();
    assert!(
        !String::from_utf8_lossy(&second.stderr).contains("importing"),
        "cached"
    );
    assert_eq!(json(&first), json(&second));
    assert!(dir.path().join("cache/porto_portugal.frgraph").exists());
}

#[test]
fn keys_are_made_listed_and_revoked_from_the_shell() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("keys.db");
    let db = db.to_str().expect("utf-8");
    let made = freshroute(&[
        "keys",
        "create",
        "--role",
        "dispatcher",
        "--name",
        "Inês Moura",
        "--database-url",
        db,
    ]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let key = String::from_utf8(made.stdout)
        .expect("utf-8")
        .trim()
        .to_string();
    assert!(key.starts_with("fr_key_") && key.len() == 7 + 64, "{key}");
    let refused_role = freshroute(&["keys", "create", "--role", "boss", "--database-url", db]);
    refused(&refused_role, "invalid_argument");
    let unbound = freshroute(&["keys", "create", "--role", "courier", "--database-url", db]);
    refused(&unbound, "invalid_argument");

    let listed = freshroute(&["keys", "list", "--database-url", db]);
    let text = String::from_utf8(listed.stdout).expect("utf-8");
    let row = text.lines().nth(1).expect("one key listed");
    assert!(
        row.contains("dispatcher") && row.contains("Inês Moura") && row.ends_with('-'),
        "{text}"
    );
    assert!(!text.contains(&key[7..]), "the key itself is never shown");
    let id = row.split_whitespace().next().expect("id");
    // Every column starts where its header does, whatever the widths. Cells are looked
    // for past the id, whose random hex may hold "20" itself.
    let header = text.lines().next().expect("header");
    for (column, cell) in [("name", "Inês Moura"), ("created", "20")] {
        let at = |line: &str, what: &str| {
            let past_id = line.find(' ').unwrap_or(0);
            line[past_id..]
                .find(what)
                .map(|b| line[..past_id + b].chars().count())
        };
        assert_eq!(at(header, column), at(row, cell), "{text}");
    }
    let renamed = freshroute(&[
        "keys",
        "rename",
        id,
        "--name",
        "Inês M.",
        "--database-url",
        db,
    ]);
    assert!(
        renamed.status.success(),
        "{}",
        String::from_utf8_lossy(&renamed.stderr)
    );

    refused(
        &freshroute(&["keys", "revoke", "abc", "--database-url", db]),
        "invalid_argument",
    );
    let revoked = freshroute(&["keys", "revoke", id, "--database-url", db]);
    assert!(
        revoked.status.success(),
        "{}",
        String::from_utf8_lossy(&revoked.stderr)
    );
    let again = freshroute(&["keys", "revoke", &key, "--database-url", db]);
    assert!(refused(&again, "invalid_argument").contains("already revoked"));
    let listed = freshroute(&["keys", "list", "--database-url", db]);
    let text = String::from_utf8(listed.stdout).expect("utf-8");
    assert!(
        text.lines()
            .nth(1)
            .is_some_and(|r| r.ends_with("+00:00") && r.contains("Inês M.")),
        "{text}"
    );
}

#[test]
fn bench_mdrp_refuses_a_folder_without_instances() {
    refused(
        &freshroute(&["bench", "mdrp", "/nonexistent/mdrp"]),
        "io_error",
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().to_str().expect("utf-8");
    refused(&freshroute(&["bench", "mdrp", empty]), "invalid_argument");
    std::fs::write(dir.path().join("orders.txt"), "order\tx\n").expect("write");
    refused(&freshroute(&["bench", "mdrp", empty]), "io_error");
}

#[test]
fn the_bundled_sales_history_is_what_the_generator_draws() {
    // `freshroute sample-procurement` is seeded: drawn again, the bundled files come out
    // byte for byte (the sales file compared after decompression).
    let dir = tempfile::tempdir().expect("temp dir");
    let out = freshroute(&[
        "sample-procurement",
        "--out",
        dir.path().to_str().expect("utf-8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for file in ["catalog.json", "promotions.csv"] {
        let drawn = std::fs::read(dir.path().join(file)).expect("written");
        let bundled = std::fs::read(data("procurement").join(file)).expect("bundled");
        assert!(drawn == bundled, "{file} differs from the bundled one");
    }
    let unzip = |p: PathBuf| {
        let mut text = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(std::fs::File::open(p).expect("opens")),
            &mut text,
        )
        .expect("gzip");
        text
    };
    let drawn = unzip(dir.path().join("sales.csv.gz"));
    assert!(drawn == unzip(data("procurement").join("sales.csv.gz")));
    assert_eq!(drawn.lines().count(), 1 + 730 * 12 * 29);
    let made = unzip(dir.path().join("made-sales.csv.gz"));
    assert!(made == unzip(data("procurement").join("made-sales.csv.gz")));
    assert_eq!(made.lines().count(), 1 + 730 * 12 * 2);
}

#[test]
fn the_forecast_backtest_scores_the_model_against_both_baselines() {
    // A short history keeps the debug build quick: 120 days, 14 scored, 14 to choose on.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().to_str().expect("utf-8");
    let out = freshroute(&["sample-procurement", "--days", "120", "--out", path]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sales = dir.path().join("sales.csv.gz");
    let sales = sales.to_str().expect("utf-8");
    let v = json(&freshroute(&[
        "forecast",
        "backtest",
        "--data",
        sales,
        "--json",
        "--evaluate",
        "14",
        "--select",
        "14",
    ]));
    assert_eq!(v["series"], 12 * 29);
    assert_eq!(v["last_target"], "2026-11-30");
    let horizons = v["horizons"].as_array().expect("horizons");
    assert_eq!(horizons.len(), 3);
    for h in horizons {
        let wape = h["wape"].as_f64().expect("wape");
        let last = h["baselines"]["last_cycle"]["wape"]
            .as_f64()
            .expect("baseline");
        let mean4 = h["baselines"]["mean_last_4"]["wape"]
            .as_f64()
            .expect("baseline");
        assert!(wape > 0.0 && wape < last.min(mean4), "{h}");
        for key in ["bias", "mase", "revenue_wape", "coverage_80"] {
            assert!(h[key].is_number(), "{key} in {h}");
        }
    }
    // Too little history for what is asked: a clear code, not a panic.
    let out = freshroute(&["forecast", "backtest", "--data", sales, "--evaluate", "100"]);
    refused(&out, "history_too_short");
    // Not a demand file.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "day,units\n1,2\n").expect("write");
    let out = freshroute(&[
        "forecast",
        "backtest",
        "--data",
        bad.to_str().expect("utf-8"),
    ]);
    refused(&out, "bad_value");
}

#[test]
fn a_small_procurement_round_plans_whole_cases_and_bad_options_are_refused() {
    let v = json(&freshroute(&[
        "bench",
        "procurement",
        "--stores",
        "2",
        "--articles",
        "12",
        "--days",
        "7",
        "--json",
    ]));
    assert_eq!(v["stores"], 2);
    assert_eq!(v["no_plan"], 0, "{v}");
    assert!(v["round_s"].as_f64().expect("seconds") > 0.0);
    let out = freshroute(&["bench", "procurement", "--time-limit", "0"]);
    refused(&out, "invalid_argument");
    let out = freshroute(&["simulate", "procurement", "--days", "3"]);
    assert!(
        !out.status.success(),
        "fewer than 7 days is refused by the parser"
    );
}

#[test]
fn a_planning_round_from_the_shell_stores_proposals_with_progress() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("freshroute.db");
    let db_s = db.to_string_lossy().into_owned();
    // The stores, as the service would have stored them: one with sales, one without.
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(async {
            use freshroute_store::Storage;
            let store = freshroute_store::SqliteStore::open(&db_s)
                .await
                .expect("db");
            for id in ["porto-boavista", "porto-bolhao"] {
                store
                    .insert_shop(&freshroute_store::Shop {
                        id: id.to_string(),
                        name: "Bolhão".to_string(),
                        address: "Rua Formosa, Porto".to_string(),
                        lat: 41.1496,
                        lon: -8.6050,
                        snapped: serde_json::json!({}),
                        opening_hours: serde_json::json!([]),
                        frozen_litres: 300,
                        chilled_litres: 700,
                        ambient_litres: 2_000,
                        created_ms: 0,
                        time_zone: "UTC".to_string(),
                        retired_ms: None,
                    })
                    .await
                    .expect("shop");
            }
        });
    let round = |extra: &[&str]| {
        let mut args = vec!["plan", "procurement", "--database-url", &db_s];
        args.extend_from_slice(extra);
        freshroute(&args)
    };
    // The sample's sales history ends yesterday in Lisbon, so the round is for today
    // (read before and after the run, in case it straddles midnight).
    let lisbon: freshroute_calendar::Zone = "Europe/Lisbon".parse().expect("zone");
    let today = || lisbon.date_of(chrono::Utc::now().timestamp_millis());
    let before = today();
    let out = round(&["--store", "porto-boavista"]);
    let after = today();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("forecast porto-boavista (1 of 1)"),
        "{stderr}"
    );
    assert!(stderr.contains("solved porto-boavista"), "{stderr}");
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains(&format!("for {before}")) || table.contains(&format!("for {after}")),
        "today, the day after the sales: {table}"
    );
    assert!(
        table.lines().any(|l| l.starts_with("porto-boavista")),
        "{table}"
    );
    // Without --store: every store of the database that has sales.
    let past = (before - chrono::Duration::days(13)).to_string();
    let v = json(&round(&["--date", &past, "--json"]));
    assert_eq!(v["stores"].as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!(v["date"], serde_json::json!(past));
    assert!(v["proposals"].as_u64().expect("count") > 0, "{v}");
    assert_eq!(v["kept_earlier"].as_array().map(Vec::len), Some(0));
    let ahead = (before + chrono::Duration::days(90)).to_string();
    refused(&round(&["--date", &ahead]), "sales_missing_days");
    refused(&round(&["--store", "porto-bolhao"]), "no_sales_history");
    refused(&round(&["--time-limit", "0"]), "bad_time_limit");
    refused(
        &round(&["--data", dir.path().to_str().expect("utf-8")]),
        "unreadable_file",
    );
}

/// A lot of cream in a store's fridge, two of its units used in a batch of cakes.
async fn a_cream_lot_baked_into_cakes(db: &str) {
    use freshroute_store::{Ledger, Lot, MoveKind, Movement, SqliteStore, Storage, StorageZone};
    let store = SqliteStore::open(db).await.expect("open");
    store
        .insert_shop(&freshroute_store::testing::porto_store("s1", 1))
        .await
        .expect("shop");
    let lot = |id: &str, sku: &str, made_by: Option<&str>| Lot {
        id: id.to_string(),
        sku: sku.to_string(),
        lot_number: id.to_string(),
        expiry_date: "2099-01-01".to_string(),
        po_id: None,
        made_by: made_by.map(str::to_string),
        recalled_ms: None,
        created_ms: 1,
        expires_ms: None,
    };
    store
        .add_lot(&lot("CR-1", "CREAM-35", None))
        .await
        .expect("cream");
    store
        .add_lot(&lot("CK-1", "CHEESECAKE", Some("b-1")))
        .await
        .expect("cake");
    let mv = |lot: &str, kind, units| Movement {
        id: 0,
        lot_id: lot.to_string(),
        shop_id: "s1".to_string(),
        zone: StorageZone::Chilled,
        kind,
        units,
        reference: Some("b-1".to_string()),
        actor: "test".to_string(),
        // 2026-11-29, winter in Lisbon.
        at_ms: 1_796_000_000_000,
    };
    store
        .record(&[
            mv("CR-1", MoveKind::Received, 10),
            mv("CR-1", MoveKind::Used, -2),
            mv("CK-1", MoveKind::Made, 4),
        ])
        .await
        .expect("movements");
}

#[test]
fn a_lot_is_traced_and_recalled_from_the_shell() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("lots.db");
    let db = db.to_str().expect("utf-8");
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(a_cream_lot_baked_into_cakes(db));
    let traced = freshroute(&["trace", "CR-1", "--database-url", db]);
    let t = json(&traced);
    let lots: Vec<&str> = t["lots"]
        .as_array()
        .expect("lots")
        .iter()
        .filter_map(|l| l["lot_id"].as_str())
        .collect();
    assert_eq!(lots, ["CR-1", "CK-1"]);
    let up = json(&freshroute(&[
        "trace",
        "CK-1",
        "--direction",
        "upstream",
        "--database-url",
        db,
    ]));
    assert_eq!(up["lots"][1]["lot_id"], "CR-1");
    let epcis = json(&freshroute(&[
        "trace",
        "CR-1",
        "--format",
        "epcis",
        "--time-zone",
        "Europe/Lisbon",
        "--database-url",
        db,
    ]));
    assert_eq!(epcis["type"], "EPCISDocument");
    assert_eq!(
        epcis["epcisBody"]["eventList"][0]["eventTimeZoneOffset"],
        "+00:00"
    );
    refused(
        &freshroute(&["trace", "NOPE", "--database-url", db]),
        "unknown_lot",
    );
    refused(
        &freshroute(&["trace", "CR-1", "--format", "xml", "--database-url", db]),
        "invalid_argument",
    );

    let recalled = freshroute(&["recall", "CR-1", "--by", "Ana Silva", "--database-url", db]);
    let r = json(&recalled);
    let off: Vec<(String, i64)> = r["taken_off"]
        .as_array()
        .expect("taken off")
        .iter()
        .map(|t| {
            (
                t["lot_id"].as_str().expect("id").to_string(),
                t["units"].as_i64().expect("units"),
            )
        })
        .collect();
    assert_eq!(off, [("CR-1".to_string(), 8), ("CK-1".to_string(), 4)]);
    assert_eq!(r["actor"], "shell:Ana Silva");
    assert!(
        String::from_utf8_lossy(&recalled.stderr).contains("recalled 2 lots: 12 units off sale")
    );
    refused(
        &freshroute(&["recall", "CR-1", "--by", "Ana Silva", "--database-url", db]),
        "already_recalled",
    );
    refused(
        &freshroute(&["recall", "NOPE", "--by", "Ana", "--database-url", db]),
        "unknown_lot",
    );
}
