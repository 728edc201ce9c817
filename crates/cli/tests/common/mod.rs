//! What the binary's tests share.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Imports the bundled Monaco extract into a graph file in `dir` with the binary itself,
/// and returns its path.
pub(crate) fn monaco_graph(dir: &Path) -> PathBuf {
    let graph = dir.join("monaco.frgraph");
    let monaco = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/monaco.osm.pbf");
    let import = Command::new(env!("CARGO_BIN_EXE_freshroute"))
        .args(["roads", "import"])
        .arg(&monaco)
        .arg("--out")
        .arg(&graph)
        .output()
        .expect("roads import runs");
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    graph
}
