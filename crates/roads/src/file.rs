//! The graph file: an 8-byte magic, a format version, then the network in postcard.
//!
//! Files are written to a temporary name and renamed into place, so a crash
//! mid-write never leaves a half-written graph where a good one is expected.
//! Loading checks every index before any query can use it.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::RoadsError;
use crate::graph::ProfileGraph;
use crate::network::{ProfileData, RoadNetwork};

const MAGIC: &[u8; 8] = b"FRROADS\0";
/// Bumped whenever the stored layout or the meaning of a stored value changes.
pub const FORMAT_VERSION: u32 = 2;

#[derive(Serialize, Deserialize)]
struct Body {
    source: String,
    profiles: Vec<ProfileData>,
}

fn invalid(path: &Path, reason: impl Into<String>) -> RoadsError {
    RoadsError::GraphFileInvalid {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RoadsError + '_ {
    move |source| RoadsError::Io {
        path: path.to_owned(),
        source,
    }
}

impl RoadNetwork {
    /// Writes the network to `path` (atomically) and returns the file's size in bytes.
    pub fn save(&self, path: &Path) -> Result<u64, RoadsError> {
        let body = Body {
            source: self.source.clone(),
            profiles: self.profiles.iter().map(|g| g.data.clone()).collect(),
        };
        let mut bytes = Vec::with_capacity(64 << 20);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        let bytes = postcard::to_extend(&body, bytes)
            .map_err(|e| invalid(path, format!("cannot encode the graph: {e}")))?;
        // Each writer its own temporary file: two imports of the same city at once (two
        // processes, or two threads) each rename a whole file into place, the last one wins.
        static WRITES: AtomicU64 = AtomicU64::new(0);
        let tmp = path.with_extension(format!(
            "frgraph.{}-{}.tmp",
            std::process::id(),
            WRITES.fetch_add(1, Ordering::Relaxed)
        ));
        {
            let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
            f.write_all(&bytes).map_err(io(&tmp))?;
            f.sync_all().map_err(io(&tmp))?;
        }
        std::fs::rename(&tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io(path)(e)
        })?;
        Ok(bytes.len() as u64)
    }

    /// Reads a network written by [`RoadNetwork::save`].
    pub fn load(path: &Path) -> Result<Self, RoadsError> {
        let bytes = std::fs::read(path).map_err(io(path))?;
        if bytes.len() < 12 || &bytes[..8] != MAGIC {
            return Err(invalid(
                path,
                "it does not start like a freshroute graph file",
            ));
        }
        let mut version = [0u8; 4];
        version.copy_from_slice(&bytes[8..12]);
        let version = u32::from_le_bytes(version);
        if version != FORMAT_VERSION {
            return Err(invalid(
                path,
                format!("format version {version}, this build reads version {FORMAT_VERSION}"),
            ));
        }
        let (body, rest): (Body, _) = postcard::take_from_bytes(&bytes[12..])
            .map_err(|e| invalid(path, format!("damaged or truncated: {e}")))?;
        if !rest.is_empty() {
            return Err(invalid(path, "trailing bytes after the graph"));
        }
        for p in &body.profiles {
            p.check().map_err(|reason| invalid(path, reason))?;
        }
        Ok(Self {
            source: body.source,
            profiles: body.profiles.into_iter().map(ProfileGraph::new).collect(),
        })
    }
}
