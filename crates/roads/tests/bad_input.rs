//! Bad input gets a clear error with a stable code, never a panic.

use std::path::{Path, PathBuf};

use freshroute_model::{LatLon, Metres};
use freshroute_roads::{Profile, RoadNetwork, RoadsError, Silent, read_points};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn monaco() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/monaco.osm.pbf")
}

fn import_err(path: &Path) -> RoadsError {
    match RoadNetwork::import(path, &mut Silent) {
        Ok(_) => panic!("{} imported", path.display()),
        Err(e) => e,
    }
}

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).expect("write");
    p
}

#[test]
fn files_that_are_not_pbf_extracts_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = write(&dir, "notes.osm.pbf", b"<?xml version='1.0'?><osm></osm>\n");
    assert_eq!(import_err(&text).code(), "pbf_invalid");
    let short = write(&dir, "hostname.osm.pbf", b"courier-07\n");
    assert_eq!(import_err(&short).code(), "pbf_invalid");
    let empty = write(&dir, "empty.osm.pbf", b"");
    assert_eq!(import_err(&empty).code(), "pbf_invalid");
    assert_eq!(
        import_err(&dir.path().join("missing.osm.pbf")).code(),
        "io_error"
    );
}

#[test]
fn a_truncated_extract_is_refused() {
    let bytes = std::fs::read(monaco()).expect("monaco");
    let dir = tempfile::tempdir().expect("tempdir");
    for cut in [10, 1_000, bytes.len() / 2, bytes.len() - 1] {
        let p = write(&dir, "cut.osm.pbf", &bytes[..cut]);
        let e = import_err(&p);
        assert_eq!(e.code(), "pbf_invalid", "cut at {cut}: {e}");
    }
}

#[test]
fn a_corrupted_extract_fails_cleanly_or_imports_without_panicking() {
    let original = std::fs::read(fixture("oneway.osm.pbf")).expect("fixture");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rng = StdRng::seed_from_u64(11);
    for _ in 0..200 {
        let mut bytes = original.clone();
        for _ in 0..rng.random_range(1..4) {
            let i = rng.random_range(0..bytes.len());
            bytes[i] = rng.random();
        }
        let p = write(&dir, "flipped.osm.pbf", &bytes);
        if let Err(e) = RoadNetwork::import(&p, &mut Silent) {
            assert!(["pbf_invalid", "no_roads"].contains(&e.code()), "{e}");
        }
    }
}

/// The oneway fixture imported and saved: its folder, path and bytes.
fn saved_graph() -> (tempfile::TempDir, PathBuf, Vec<u8>) {
    let (network, _) =
        RoadNetwork::import(&fixture("oneway.osm.pbf"), &mut Silent).expect("import");
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good.frgraph");
    network.save(&good).expect("save");
    let bytes = std::fs::read(&good).expect("read");
    (dir, good, bytes)
}

#[test]
fn saves_of_one_graph_at_once_each_succeed_and_leave_one_whole_file() {
    let (network, _) =
        RoadNetwork::import(&fixture("oneway.osm.pbf"), &mut Silent).expect("import");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("shared.frgraph");
    std::thread::scope(|s| {
        let saves: Vec<_> = (0..4).map(|_| s.spawn(|| network.save(&path))).collect();
        for save in saves {
            save.join().expect("no panic").expect("each save succeeds");
        }
    });
    assert!(RoadNetwork::load(&path).is_ok());
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["shared.frgraph"], "no temporary file left behind");
}

#[test]
fn graph_files_that_are_foreign_damaged_or_from_another_version_are_refused() {
    let (dir, good, bytes) = saved_graph();
    assert!(RoadNetwork::load(&good).is_ok());

    let foreign = write(
        &dir,
        "foreign.frgraph",
        b"PK\x03\x04 a zip file, not a graph",
    );
    let mut other_version = bytes.clone();
    other_version[8] = other_version[8].wrapping_add(1);
    let other_version = write(&dir, "version.frgraph", &other_version);
    let truncated = write(&dir, "truncated.frgraph", &bytes[..bytes.len() * 2 / 3]);
    for p in [&foreign, &other_version, &truncated] {
        let e = RoadNetwork::load(p).err().expect("refused");
        assert_eq!(e.code(), "graph_file_invalid", "{}: {e}", p.display());
    }
    let e = RoadNetwork::load(&other_version).err().expect("refused");
    assert!(e.to_string().contains("format version"), "{e}");
}

#[test]
fn a_graph_file_with_flipped_bytes_never_panics_on_load_or_query() {
    let (dir, _, original) = saved_graph();
    let mut rng = StdRng::seed_from_u64(5);
    let from = LatLon::new(41.150, -8.610).expect("valid");
    let to = LatLon::new(41.149, -8.609).expect("valid");
    for _ in 0..300 {
        let mut bytes = original.clone();
        let i = rng.random_range(12..bytes.len());
        bytes[i] = rng.random();
        let p = write(&dir, "flipped.frgraph", &bytes);
        let Ok(net) = RoadNetwork::load(&p) else {
            continue;
        };
        let Ok(g) = net.profile(Profile::Car) else {
            continue;
        };
        let (Ok(a), Ok(b)) = (g.snap(from, Metres(5_000)), g.snap(to, Metres(5_000))) else {
            continue;
        };
        let _ = g.router().route(&a, &b);
        let _ = g.table(&[a], &[b]);
    }
}

#[test]
fn a_points_file_names_the_line_that_is_wrong() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(
        &dir,
        "points.txt",
        b"# stores\n41.15,-8.61\n\n41.16;-8.62\n",
    );
    let e = read_points(&p).expect_err("line 4 is malformed");
    assert_eq!(e.code(), "points_line_invalid");
    assert!(e.to_string().contains("points.txt:4"), "{e}");
    let p = write(&dir, "range.txt", b"41.15,-8.61\n95,-8.61\n");
    let e = read_points(&p).expect_err("latitude 95");
    assert_eq!(e.code(), "points_line_invalid");
    assert!(e.to_string().contains("range.txt:2: latitude 95"), "{e}");
    let p = write(&dir, "empty.txt", b"# nothing\n");
    assert_eq!(
        read_points(&p).err().map(|e| e.code()),
        Some("points_empty")
    );
    let p = write(&dir, "ok.txt", b"41.15,-8.61\n 41.16 , -8.62 \n");
    assert_eq!(read_points(&p).map(|v| v.len()).ok(), Some(2));
}
