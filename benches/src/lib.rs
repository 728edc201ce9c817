//! freshroute's benchmarks: each measures on real data and returns a table of
//! figures beside their targets, printed by `freshroute bench`.

mod bounds;
pub mod clairvoyant;
pub mod forecast;
pub mod ingest;
pub mod ledger;
pub mod mdrp;
pub mod procurement;
pub mod replan;
pub mod roads;
pub mod screens;
pub mod simulate;
pub mod stock_book;
mod table;
pub mod transfers;
pub mod transfers_service;
pub mod vrp;

pub use table::{BenchTable, Row};
