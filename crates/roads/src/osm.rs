//! Reading road ways and their node positions from an OSM PBF extract.
//!
//! Two passes keep memory proportional to the road network, not the extract:
//! the first keeps the ways some profile may use, the second only the positions
//! of the nodes those ways refer to.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use osmpbf::{Element, ElementReader};

use crate::profile::{Profile, WayUse};
use crate::{Progress, RoadsError};

/// A way that at least one profile may use.
pub(crate) struct RoadWay {
    /// OSM node ids in way order.
    pub refs: Vec<i64>,
    /// Per profile (in [`Profile::ALL`] order), how it may use the way.
    pub uses: [Option<WayUse>; 3],
}

/// Road ways and the positions of their nodes.
pub(crate) struct RoadData {
    /// Ways usable by some profile.
    pub ways: Vec<RoadWay>,
    /// Sorted ids of every node a kept way refers to.
    pub node_ids: Vec<i64>,
    /// Position of `node_ids[i]` as (lat, lon) in 1e-7 degrees; `None` where the extract lacks the node.
    pub positions: Vec<Option<(i32, i32)>>,
    /// Ways read in all.
    pub ways_read: u64,
}

fn pbf_error(path: &Path, e: osmpbf::Error) -> RoadsError {
    match e.into_kind() {
        osmpbf::ErrorKind::Io(source) if source.kind() == std::io::ErrorKind::NotFound => {
            RoadsError::Io {
                path: path.to_owned(),
                source,
            }
        }
        kind => RoadsError::PbfInvalid {
            path: path.to_owned(),
            reason: format!("{kind:?}"),
        },
    }
}

fn reader(path: &Path) -> Result<ElementReader<std::io::BufReader<std::fs::File>>, RoadsError> {
    let io = |source| RoadsError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    check_signature(&mut file).map_err(|reason| RoadsError::PbfInvalid {
        path: path.to_owned(),
        reason,
    })?;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    Ok(ElementReader::new(std::io::BufReader::new(file)))
}

/// A PBF file opens with a blob header (its length as 4 big-endian bytes) of type `OSMHeader`.
fn check_signature(file: &mut std::fs::File) -> Result<(), String> {
    let mut len = [0u8; 4];
    file.read_exact(&mut len)
        .map_err(|_| "the file is shorter than a PBF header".to_owned())?;
    let len = u32::from_be_bytes(len);
    if len == 0 || len > 64 * 1024 {
        return Err(format!(
            "it does not start with a PBF blob header (length field {len})"
        ));
    }
    let mut header = vec![0u8; len as usize];
    file.read_exact(&mut header)
        .map_err(|_| "the file ends inside its first blob header".to_owned())?;
    if !header.windows(9).any(|w| w == b"OSMHeader") {
        return Err("its first blob is not an OSMHeader".into());
    }
    Ok(())
}

/// Reads the road ways of `path` and the positions of their nodes.
pub(crate) fn read_roads(path: &Path, progress: &mut dyn Progress) -> Result<RoadData, RoadsError> {
    let mut ways = Vec::new();
    let mut ways_read = 0u64;
    progress.stage("reading ways");
    reader(path)?
        .for_each(|element| {
            if let Element::Way(way) = element {
                ways_read += 1;
                let tags: Vec<(&str, &str)> = way.tags().collect();
                if tags.iter().all(|(k, _)| *k != "highway") {
                    return;
                }
                let uses = Profile::ALL.map(|p| p.way_use(tags.as_slice()));
                if uses.iter().any(Option::is_some) {
                    ways.push(RoadWay {
                        refs: way.refs().collect(),
                        uses,
                    });
                }
            }
        })
        .map_err(|e| pbf_error(path, e))?;
    progress.note(&format!(
        "{ways_read} ways read, {} usable by some profile",
        ways.len()
    ));

    let mut node_ids: Vec<i64> = ways.iter().flat_map(|w| w.refs.iter().copied()).collect();
    node_ids.sort_unstable();
    node_ids.dedup();
    let mut positions = vec![None; node_ids.len()];
    progress.stage("reading node positions");
    let mut record = |id: i64, lat: i32, lon: i32| {
        // A node off the globe (a damaged file) counts as missing, like a clipped one.
        let on_globe = (-900_000_000..=900_000_000).contains(&lat)
            && (-1_800_000_000..=1_800_000_000).contains(&lon);
        if !on_globe {
            return;
        }
        if let Ok(i) = node_ids.binary_search(&id) {
            positions[i] = Some((lat, lon));
        }
    };
    reader(path)?
        .for_each(|element| match element {
            Element::DenseNode(n) => record(n.id(), n.decimicro_lat(), n.decimicro_lon()),
            Element::Node(n) => record(n.id(), n.decimicro_lat(), n.decimicro_lon()),
            _ => {}
        })
        .map_err(|e| pbf_error(path, e))?;
    Ok(RoadData {
        ways,
        node_ids,
        positions,
        ways_read,
    })
}
