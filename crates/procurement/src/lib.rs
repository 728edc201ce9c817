//! Procurement rounds for the chain: the catalog, each store's room, the forecasts of
//! its articles and its stock turned into a purchase-order model per store
//! ([`round`]), solved in parallel by the solver; a round on a given day turned into
//! purchase-order proposals that explain themselves ([`proposals`]); the stock a store holds, sold oldest
//! first ([`shelf`]); transfers between stores proposed by the region's model and moved
//! from shelf to shelf ([`transfers`]); the reorder rules planners use today
//! ([`policies`]); and the chain run day by day on held-back demand under all of them
//! ([`simulate`]), its stock kept on a stock ledger too when given one ([`book`]), the
//! dessert stores baking by one rule ([`bake`]).
//!
//! Pure computation: no I/O.

pub mod bake;
pub mod book;
pub mod policies;
pub mod proposals;
pub mod round;
pub mod shelf;
pub mod simulate;
pub mod transfers;
