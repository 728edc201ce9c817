//! A local PMTiles archive of raster tiles (version 3: one file, a header, directories
//! of Hilbert-curve tile ids, the tiles), read for `serve --map-pmtiles FILE`: the maps
//! draw its tiles from this host (`/map/tiles/{z}/{x}/{y}`), so a deployment with no
//! tile server and no internet still has a drawn map.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// Bytes in a version 3 header.
const HEADER_LEN: usize = 127;
/// Directories are followed at most this deep (the root, then leaves).
const MAX_DEPTH: usize = 4;
/// The largest directory read, bytes (a leaf holds a few thousand entries).
const MAX_DIRECTORY: u64 = 16 << 20;

/// An open archive.
#[derive(Debug)]
pub struct PmTiles {
    file: File,
    header: Header,
    root: Vec<Entry>,
}

#[derive(Debug, Clone, Copy)]
struct Header {
    root: (u64, u64),
    leaves: (u64, u64),
    data: (u64, u64),
    gzip_directories: bool,
    content_type: &'static str,
    max_zoom: u8,
}

/// One directory entry: tiles `tile_id..tile_id + run_length` are the bytes at `offset`
/// (from the tile data) of `length`; a run length of 0 points to a leaf directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    tile_id: u64,
    offset: u64,
    length: u64,
    run_length: u64,
}

impl PmTiles {
    /// Opens `path`: a version 3 archive of PNG, JPEG or WebP tiles whose directories are
    /// stored plain or gzipped and whose tiles are stored plain; refused with what is wrong.
    pub fn open(path: &Path) -> Result<Self, String> {
        let mut file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut bytes = [0_u8; HEADER_LEN];
        file.read_exact(&mut bytes)
            .map_err(|_| format!("{}: too short for a PMTiles header", path.display()))?;
        let header = header(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut archive = Self {
            file,
            header,
            root: Vec::new(),
        };
        archive.root = archive
            .directory(header.root.0, header.root.1)
            .map_err(|e| format!("{}: its root directory: {e}", path.display()))?;
        Ok(archive)
    }

    /// The media type of its tiles.
    pub(crate) fn content_type(&self) -> &'static str {
        self.header.content_type
    }

    /// Tile `z/x/y`'s bytes; `None` when the archive has no such tile.
    pub(crate) fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<Vec<u8>>, String> {
        if z > self.header.max_zoom || z > 31 || x >> z != 0 || y >> z != 0 {
            return Ok(None);
        }
        let id = tile_id(z, x, y);
        let mut entries = self.root.clone();
        for _ in 0..MAX_DEPTH {
            let Some(e) = find(&entries, id) else {
                return Ok(None);
            };
            if e.run_length > 0 {
                let (start, len) = self.header.data;
                if e.offset.saturating_add(e.length) > len {
                    return Err(format!("tile {z}/{x}/{y} lies past the tile data"));
                }
                return self.read(start + e.offset, e.length).map(Some);
            }
            let (start, len) = self.header.leaves;
            if e.offset.saturating_add(e.length) > len {
                return Err(format!(
                    "a leaf directory for {z}/{x}/{y} lies past its section"
                ));
            }
            entries = self.directory(start + e.offset, e.length)?;
        }
        Err(format!(
            "directories nest deeper than {MAX_DEPTH} for {z}/{x}/{y}"
        ))
    }

    fn read(&self, offset: u64, length: u64) -> Result<Vec<u8>, String> {
        let len = usize::try_from(length).map_err(|_| "a length past memory".to_string())?;
        let mut buf = vec![0_u8; len];
        self.file
            .read_exact_at(&mut buf, offset)
            .map_err(|e| format!("reading {length} bytes at {offset}: {e}"))?;
        Ok(buf)
    }

    fn directory(&self, offset: u64, length: u64) -> Result<Vec<Entry>, String> {
        if length > MAX_DIRECTORY {
            return Err(format!("a directory of {length} bytes"));
        }
        let raw = self.read(offset, length)?;
        let plain = if self.header.gzip_directories {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(raw.as_slice())
                .read_to_end(&mut out)
                .map_err(|e| format!("a directory does not unzip: {e}"))?;
            out
        } else {
            raw
        };
        entries(&plain)
    }
}

/// Writes a version 3 archive of `runs` to `path`: each run a first tile id (see
/// [`tile_id`]), how many tiles from it share the bytes, and the bytes, in rising order;
/// `tile_type` 2 (PNG), 3 (JPEG) or 4 (WebP). Directories are stored plain, in the root
/// alone. For packing a few tiles by hand, and for tests of what serves them.
pub fn write(path: &Path, tile_type: u8, runs: &[(u64, u64, Vec<u8>)]) -> std::io::Result<()> {
    let mut data = Vec::new();
    let mut entries = Vec::with_capacity(runs.len());
    for (first, run, bytes) in runs {
        entries.push(Entry {
            tile_id: *first,
            offset: data.len() as u64,
            length: bytes.len() as u64,
            run_length: *run,
        });
        data.extend_from_slice(bytes);
    }
    let root = directory(&entries);
    let root_at = HEADER_LEN as u64;
    let data_at = root_at + root.len() as u64;
    let mut h = vec![0_u8; HEADER_LEN];
    h[..7].copy_from_slice(b"PMTiles");
    h[7] = 3;
    for (k, v) in [
        (8, root_at),
        (16, root.len() as u64),
        (40, data_at),
        (48, 0),
        (56, data_at),
        (64, data.len() as u64),
    ] {
        h[k..k + 8].copy_from_slice(&v.to_le_bytes());
    }
    (h[97], h[98], h[99], h[101]) = (1, 1, tile_type, MAX_ZOOM);
    std::fs::write(path, [h, root, data].concat())
}

/// The deepest zoom an archive this module writes says it holds.
const MAX_ZOOM: u8 = 22;

fn push_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A directory as the format stores it: ids as deltas, offsets right after the
/// entry before written as 0.
fn directory(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    push_varint(&mut out, entries.len() as u64);
    let mut last = 0;
    for e in entries {
        push_varint(&mut out, e.tile_id - last);
        last = e.tile_id;
    }
    for e in entries {
        push_varint(&mut out, e.run_length);
    }
    for e in entries {
        push_varint(&mut out, e.length);
    }
    for (k, e) in entries.iter().enumerate() {
        let follows = k > 0 && e.offset == entries[k - 1].offset + entries[k - 1].length;
        push_varint(&mut out, if follows { 0 } else { e.offset + 1 });
    }
    out
}

/// The header's fields this reader needs, checked.
fn header(b: &[u8; HEADER_LEN]) -> Result<Header, String> {
    if &b[..7] != b"PMTiles" {
        return Err("not a PMTiles archive".into());
    }
    if b[7] != 3 {
        return Err(format!("PMTiles version {}, not 3", b[7]));
    }
    let u64_at = |k: usize| u64::from_le_bytes(b[k..k + 8].try_into().unwrap_or([0; 8]));
    let gzip_directories = match b[97] {
        1 => false,
        2 => true,
        c => {
            return Err(format!(
                "directories compressed with kind {c}: only none (1) and gzip (2) are read"
            ));
        }
    };
    if b[98] != 1 {
        return Err(format!(
            "tiles compressed with kind {}: raster tiles are stored plain (1)",
            b[98]
        ));
    }
    let content_type = match b[99] {
        2 => "image/png",
        3 => "image/jpeg",
        4 => "image/webp",
        t => {
            return Err(format!(
                "tile type {t}: only raster tiles (PNG 2, JPEG 3, WebP 4) can be drawn"
            ));
        }
    };
    Ok(Header {
        root: (u64_at(8), u64_at(16)),
        leaves: (u64_at(40), u64_at(48)),
        data: (u64_at(56), u64_at(64)),
        gzip_directories,
        content_type,
        max_zoom: b[101],
    })
}

/// A directory's entries: their count, then each column as varints (tile ids as
/// deltas, run lengths, lengths, offsets with 0 meaning right after the entry before).
fn entries(b: &[u8]) -> Result<Vec<Entry>, String> {
    let mut at = 0;
    let mut next = || varint(b, &mut at);
    let n = usize::try_from(next()?).map_err(|_| "too many entries".to_string())?;
    if n > b.len() {
        return Err(format!("{n} entries in {} bytes", b.len()));
    }
    let mut out = vec![
        Entry {
            tile_id: 0,
            offset: 0,
            length: 0,
            run_length: 0
        };
        n
    ];
    let mut id = 0_u64;
    for e in &mut out {
        id = id.checked_add(next()?).ok_or("tile ids overflow")?;
        e.tile_id = id;
    }
    for e in &mut out {
        e.run_length = next()?;
    }
    for e in &mut out {
        e.length = next()?;
    }
    for k in 0..n {
        let v = next()?;
        out[k].offset = match (v, k) {
            (0, k) if k > 0 => out[k - 1].offset + out[k - 1].length,
            (v, _) => v
                .checked_sub(1)
                .ok_or("an offset of 0 on the first entry")?,
        };
    }
    Ok(out)
}

/// An unsigned LEB128 varint at `*at`, moving past it.
fn varint(b: &[u8], at: &mut usize) -> Result<u64, String> {
    let mut v = 0_u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*at).ok_or("a directory ends inside a number")?;
        *at += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err("a number longer than 64 bits".into())
}

/// The entry whose run holds `id` or that points to the leaf that may: the last entry
/// whose tile id is at most `id`.
fn find(entries: &[Entry], id: u64) -> Option<Entry> {
    let k = entries
        .partition_point(|e| e.tile_id <= id)
        .checked_sub(1)?;
    let e = entries[k];
    (e.run_length == 0 || id < e.tile_id + e.run_length).then_some(e)
}

/// Tile `z/x/y`'s id: the tiles of every lower zoom, then its place on the zoom's
/// Hilbert curve.
pub fn tile_id(z: u8, x: u32, y: u32) -> u64 {
    let before = ((1_u64 << (2 * u32::from(z))) - 1) / 3;
    let n = 1_u64 << z;
    let (mut x, mut y) = (u64::from(x), u64::from(y));
    let mut d = 0;
    let mut s = n / 2;
    while s > 0 {
        let rx = u64::from(x & s > 0);
        let ry = u64::from(y & s > 0);
        d += s * s * ((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                x = n - 1 - x;
                y = n - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    before + d
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn tile_ids_follow_the_hilbert_curve_zoom_by_zoom() {
        assert_eq!(tile_id(0, 0, 0), 0);
        assert_eq!(tile_id(1, 0, 0), 1);
        assert_eq!(tile_id(1, 0, 1), 2);
        assert_eq!(tile_id(1, 1, 1), 3);
        assert_eq!(tile_id(1, 1, 0), 4);
        assert_eq!(tile_id(2, 0, 0), 5);
        assert_eq!(tile_id(2, 1, 3), 11);
        assert_eq!(tile_id(3, 3, 0), 26);
        assert_eq!(tile_id(12, 3423, 1763), 19_078_479);
    }

    fn gzip(b: &[u8]) -> Vec<u8> {
        let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b).expect("gzip");
        z.finish().expect("gzip")
    }

    fn entry(tile_id: u64, offset: u64, length: u64, run_length: u64) -> Entry {
        Entry {
            tile_id,
            offset,
            length,
            run_length,
        }
    }

    /// An archive of PNG "tiles" (their bytes spell their names): 0/0/0, 1/0/0 and
    /// 1/1/0 the same bytes (a run), and 12/3423/1763 behind a leaf directory.
    fn archive(dir: &Path) -> std::path::PathBuf {
        let tiles: [&[u8]; 3] = [b"world", b"corner", b"porto"];
        let data: Vec<u8> = tiles.concat();
        let far = tile_id(12, 3423, 1763);
        let leaf = gzip(&directory(&[entry(far, 11, 5, 1)]));
        let root = gzip(&directory(&[
            entry(0, 0, 5, 1),
            entry(1, 5, 6, 1),
            entry(4, 5, 6, 1),
            entry(far - 10, 0, leaf.len() as u64, 0),
        ]));
        let mut h = vec![0_u8; HEADER_LEN];
        h[..7].copy_from_slice(b"PMTiles");
        h[7] = 3;
        let mut put = |k: usize, v: u64| h[k..k + 8].copy_from_slice(&v.to_le_bytes());
        let root_at = HEADER_LEN as u64;
        let leaves_at = root_at + root.len() as u64;
        let data_at = leaves_at + leaf.len() as u64;
        put(8, root_at);
        put(16, root.len() as u64);
        put(40, leaves_at);
        put(48, leaf.len() as u64);
        put(56, data_at);
        put(64, data.len() as u64);
        h[97] = 2;
        h[98] = 1;
        h[99] = 2;
        h[101] = 14;
        let path = dir.join("porto.pmtiles");
        std::fs::write(&path, [h, root, leaf, data].concat()).expect("write");
        path
    }

    #[test]
    fn tiles_are_found_through_the_root_runs_and_leaf_directories() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = PmTiles::open(&archive(dir.path())).expect("opens");
        assert_eq!(a.content_type(), "image/png");
        let tile = |z, x, y| a.tile(z, x, y).expect("reads");
        assert_eq!(tile(0, 0, 0).as_deref(), Some(&b"world"[..]));
        assert_eq!(tile(1, 0, 0).as_deref(), Some(&b"corner"[..]));
        assert_eq!(tile(1, 1, 0).as_deref(), Some(&b"corner"[..]));
        assert_eq!(tile(1, 1, 1), None, "not in the archive");
        assert_eq!(tile(12, 3423, 1763).as_deref(), Some(&b"porto"[..]));
        assert_eq!(tile(12, 3423, 1764), None);
        assert_eq!(tile(15, 0, 0), None, "past its deepest zoom");
        assert_eq!(tile(1, 2, 0), None, "no such tile at zoom 1");
    }

    #[test]
    fn an_archive_written_here_reads_back_run_by_run() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("w.pmtiles");
        let runs = vec![
            (0, 5, b"low".to_vec()),
            (tile_id(12, 3423, 1763), 1, b"porto".to_vec()),
        ];
        write(&path, 3, &runs).expect("write");
        let a = PmTiles::open(&path).expect("opens");
        assert_eq!(a.content_type(), "image/jpeg");
        assert_eq!(
            a.tile(1, 1, 0).expect("reads").as_deref(),
            Some(&b"low"[..]),
            "id 4, in the run"
        );
        assert_eq!(a.tile(2, 0, 0).expect("reads"), None, "id 5, past it");
        assert_eq!(
            a.tile(12, 3423, 1763).expect("reads").as_deref(),
            Some(&b"porto"[..])
        );
    }

    #[test]
    fn what_is_not_a_raster_archive_is_refused_with_why() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = archive(dir.path());
        let good = std::fs::read(&path).expect("read");
        let refused = |patch: &dyn Fn(&mut Vec<u8>)| {
            let mut b = good.clone();
            patch(&mut b);
            let p = dir.path().join("bad.pmtiles");
            std::fs::write(&p, &b).expect("write");
            PmTiles::open(&p).expect_err("refused")
        };
        assert!(refused(&|b| b[0] = b'X').contains("not a PMTiles archive"));
        assert!(refused(&|b| b[7] = 2).contains("version 2"));
        assert!(refused(&|b| b[99] = 1).contains("raster"));
        assert!(refused(&|b| b.truncate(40)).contains("too short"));
        assert!(refused(&|b| b[16] = 255).contains("root directory"));
    }
}
