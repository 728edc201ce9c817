//! Demand forecasting for the chain's stores: per series (store × article) and period
//! (day or week), a point forecast with a prediction interval, for the next few periods.
//!
//! - [`panel`]: the data a forecast is made from: series of units on one period axis,
//!   each period's season (weekday) and the covariates known in advance (holiday,
//!   promotion, temperature forecast, price).
//! - [`glm`]: a Poisson regression (log link, recency-weighted, ridge) on season,
//!   covariates and trend, fitted by iteratively reweighted least squares.
//! - [`intermittent`]: Croston, SBA and TSB for slow movers, and the Syntetos–Boylan
//!   classification that says which series are slow movers.
//! - [`model`]: the methods behind one name, each giving a forecast at an origin.
//! - [`backtest`]: rolling-origin evaluation (WAPE, bias, MASE per horizon) against the
//!   naive baselines measured in the same run, and the choice of method per series on
//!   the periods before the evaluated ones.
//!
//! Pure computation: no I/O, no clock.

pub mod backtest;
pub mod glm;
pub mod intermittent;
pub mod model;
pub mod panel;

pub use backtest::{
    Backtest, BacktestOptions, Choice, HorizonScore, Score, backtest, choose_method,
};
pub use model::{Forecast, Method, ModelOptions, Point, Profiles, forecast, forecast_with};
pub use panel::{DAILY_COVARIATES, Panel, PanelError, Series, daily_covariates};
