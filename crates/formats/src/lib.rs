//! Benchmark instance formats, kept outside the solver core.
//!
//! Readers for Solomon / Gehring & Homberger VRPTW and Li & Lim PDPTW files, the
//! translation into a solver [`Problem`] (Euclidean distances in double
//! precision, scaled to integers with travel times rounded up so that feasibility
//! stays exact), an independent check of a plan under the benchmark's own rules
//! in double precision, and the SINTEF solution text (`Route 1 : 12 5 7`); and the
//! Grubhub meal-delivery (MDRP) instances; demand histories for the forecaster (the
//! sample chain's daily sales, Dominick's weekly orange juice); and VROOM's problem and
//! solution formats ([`vroom`]), solved by freshroute's solver; and GS1 element strings
//! as scanners read them off cases and labels ([`read_gs1`]).

mod demand;
mod gs1;
mod instance;
mod mdrp;
mod sintef;
mod translate;
mod verify;
pub mod vroom;

pub use demand::{
    DAILY_SALES_HEADER, DailySale, Demand, DemandKind, daily_demand, merge_daily, read_demand,
    write_daily_sales,
};
pub use gs1::{Gs1Error, Gs1Scan, read_gs1};
pub use instance::{FormatError, Instance, InstanceKind, Site, read_instance};
pub use mdrp::{MdrpCourier, MdrpInstance, MdrpOrder, MdrpParams, Xy, read_mdrp};
pub use sintef::{read_reference_csv, write_sintef};
pub use translate::{BuildOptions, SCALE, Translated};
pub use verify::verify;

#[doc(no_inline)]
pub use freshroute_solver::Problem;
