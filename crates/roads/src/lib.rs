//! freshroute's road engine.
//!
//! Imports an OpenStreetMap extract into one directed graph per courier
//! [`Profile`], contracts each into a hierarchy, and answers the queries every
//! plan is built on: [`ProfileGraph::snap`] a position to the nearest road,
//! [`Router::route`] between two positions, [`ProfileGraph::table`] of durations
//! and distances, and [`h3_cell`] for spatial grouping.
//!
//! Durations are kept in milliseconds and distances in decimetres inside
//! ([`Weight`]); the API answers whole seconds and metres.

mod assemble;
mod ch;
mod error;
mod file;
mod graph;
mod network;
mod osm;
mod points;
mod profile;
pub mod reference;
mod router;
mod snap;
pub mod testing;
mod weight;

pub use assemble::{ProfileReport, Segment};
pub use error::RoadsError;
pub use file::FORMAT_VERSION;
pub use graph::{DEFAULT_SNAP_RADIUS, ProfileGraph, Snap, Table};
pub use network::{ImportReport, RoadNetwork};
pub use points::read_points;
pub use profile::{Profile, WayUse, parse_maxspeed_kmh};
pub use router::{Route, Router};
pub use weight::Weight;

use freshroute_model::LatLon;

/// Receives progress of long work such as an import; every method defaults to silence.
pub trait Progress {
    /// A new stage begins.
    fn stage(&mut self, _name: &str) {}
    /// Something worth telling about the current stage.
    fn note(&mut self, _message: &str) {}
    /// `done` of `total` units of the current stage are finished.
    fn fraction(&mut self, _done: u64, _total: u64) {}
}

/// Progress that nobody watches.
pub struct Silent;
impl Progress for Silent {}

/// The H3 cell of a position at `resolution` (0–15).
pub fn h3_cell(at: LatLon, resolution: h3o::Resolution) -> h3o::CellIndex {
    // LatLon is validated on construction, so h3o accepts it.
    h3o::LatLng::new(at.lat(), at.lon())
        .map(|ll| ll.to_cell(resolution))
        .unwrap_or_else(|_| unreachable!("LatLon is always a valid coordinate"))
}
