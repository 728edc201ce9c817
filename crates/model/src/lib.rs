//! Shared vocabulary of freshroute: coordinates and unit newtypes.
//!
//! Every quantity that crosses a crate boundary carries its unit in its type, so
//! that a duration is never added to a distance and money is never a float.

mod coord;
mod units;

pub use coord::{CoordError, LatLon};
pub use units::{Cents, Metres, Seconds};
