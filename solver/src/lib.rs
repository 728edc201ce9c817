//! freshroute's optimisation core: courier routing and purchase-order planning.
//!
//! The crate is pure computation: it takes problems built from unit-typed
//! quantities and returns plans, with no file, network or database access.
//! Its models arrive with the routing-solver and procurement work; for now it
//! only fixes the crate's place in the workspace and its dependency rule
//! (it may depend on `freshroute-model` and nothing that does I/O).
