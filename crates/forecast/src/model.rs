//! The forecasting methods behind one name: each forecasts a series from an origin
//! (the last period whose sales are known) for the next periods, using the covariates
//! known in advance of them.

use std::collections::HashMap;
use std::sync::Arc;

use statrs::distribution::{ContinuousCDF, Gamma};

use crate::glm::{
    GroupRows, MIN_DISPERSION, PoissonFit, fit_poisson, fit_poisson_grouped, fit_poisson_offset,
    pearson_dispersion,
};
use crate::intermittent;
use crate::panel::{Panel, Series};

/// A forecasting method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// Poisson regression on season, covariates and trend ([`crate::glm`]).
    Regression,
    /// Poisson regression on the series' own covariates on top of its group's profile
    /// (season, covariates and trend fitted on the group's total sales): the weekday
    /// pattern and growth a store shares across its articles are estimated from all of
    /// them.
    Pooled,
    /// [`Method::Pooled`] with the series' covariate effects (promotion lift, temperature
    /// response, holidays) shared by its article in every group that sells it, fitted on
    /// all of them at once: the series keeps only its own level.
    Shared,
    /// Croston's method.
    Croston,
    /// The Syntetos–Boylan approximation.
    Sba,
    /// Teunter–Syntetos–Babai.
    Tsb,
    /// The same season one cycle back (same weekday last week; last week).
    LastCycle,
    /// The mean of the last four same-season values.
    MeanLast4,
}

impl Method {
    /// The method's name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Regression => "regression",
            Self::Pooled => "pooled",
            Self::Shared => "shared",
            Self::Croston => "croston",
            Self::Sba => "sba",
            Self::Tsb => "tsb",
            Self::LastCycle => "last_cycle",
            Self::MeanLast4 => "mean_last_4",
        }
    }
}

/// A forecast of one period: its mean, median and 80 % prediction interval, units per
/// period. The mean is what sums (an order, a store's day) build on; the median is the
/// point an absolute error scores best (WAPE, MASE): half the outcomes fall below it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Forecast {
    /// Expected units.
    pub mean: f64,
    /// 50th percentile.
    pub median: f64,
    /// 10th percentile.
    pub lo: f64,
    /// 90th percentile.
    pub hi: f64,
}

/// Which of a forecast's values stands for it as one number. The median makes the
/// absolute error least when the forecast's distribution fits the sales; the mean when
/// their spread is not what the distribution assumes (weekly sales whose promotions
/// scatter them far more than their average).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Point {
    /// [`Forecast::mean`].
    Mean,
    /// [`Forecast::median`].
    Median,
}

impl Point {
    /// Both, in order.
    pub const ALL: [Point; 2] = [Point::Mean, Point::Median];

    /// The name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mean => "mean",
            Self::Median => "median",
        }
    }
}

impl Forecast {
    /// The value `point` names.
    pub fn point(&self, point: Point) -> f64 {
        match point {
            Point::Mean => self.mean,
            Point::Median => self.median,
        }
    }
}

/// How the methods are tuned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelOptions {
    /// The regression's observations lose half their weight every this many periods.
    pub half_life: f64,
    /// Most periods the regression looks back.
    pub window: usize,
    /// The regression's ridge penalty.
    pub ridge: f64,
    /// A trend term per this many periods (e.g. 365 for days: a yearly growth rate);
    /// `None` for no trend.
    pub trend_per: Option<f64>,
    /// Smoothing of sizes (Croston, SBA, TSB).
    pub alpha: f64,
    /// Smoothing of the chance of a sale (TSB).
    pub beta: f64,
}

impl ModelOptions {
    /// Daily store × article sales: half the weight after 180 days, two years back, a
    /// yearly growth rate. (Measured on the sample chain: a 90- or 365-day half-life, no
    /// trend or a stronger ridge move the 3-day WAPE by less than 0.3 points.)
    pub fn daily() -> Self {
        Self {
            half_life: 180.0,
            window: 730,
            ridge: 1.0,
            trend_per: Some(365.0),
            alpha: 0.1,
            beta: 0.05,
        }
    }

    /// Weekly sales: a year's half-life, no trend.
    pub fn weekly() -> Self {
        Self {
            half_life: 52.0,
            window: 156,
            ridge: 1.0,
            trend_per: None,
            alpha: 0.1,
            beta: 0.1,
        }
    }
}

/// The forecast of sales with mean `mean` and variance `dispersion × mean` (the
/// regressions' quasi-Poisson variance). Its percentiles are those of the distribution
/// function `F(x) = max(P₀, G(x))`: `G` the Gamma distribution of that mean and
/// variance, which like sales is never negative and skewed to the right when they are
/// few, and `P₀ = e^(−mean/dispersion)` the chance of no sale that a Poisson count of
/// the same shape has (the shape `mean/dispersion` is the same for a count and for the
/// count in fractions of a unit, kilos of beans sold by the espresso): for an article
/// sold once in three days the median is no sale.
fn interval(mean: f64, dispersion: f64) -> Forecast {
    let gamma = (mean > 1e-9 && mean.is_finite())
        .then(|| Gamma::new(mean / dispersion, 1.0 / dispersion).ok())
        .flatten();
    let Some(g) = gamma else {
        return Forecast {
            mean: 0.0,
            median: 0.0,
            lo: 0.0,
            hi: 0.0,
        };
    };
    let none = (-g.shape()).exp();
    Forecast {
        mean,
        median: percentile(&g, none, 0.5),
        lo: percentile(&g, none, 0.1),
        hi: percentile(&g, none, 0.9),
    }
}

/// The `p` quantile of `F(x) = max(none, G(x))`, `G` the distribution function of `g`;
/// zero where the search of `G`'s inverse fails (a small shape puts the quantile within
/// a hair of zero).
fn percentile(g: &Gamma, none: f64, p: f64) -> f64 {
    if p <= none {
        return 0.0;
    }
    let q = g.inverse_cdf(p);
    if q.is_finite() { q.max(0.0) } else { 0.0 }
}

/// The known sales up to and including `origin`, in order.
fn known(series: &Series, origin: usize) -> Vec<f64> {
    series.units[..=origin].iter().flatten().copied().collect()
}

/// The regression's feature row for period `t` seen from `origin`.
fn features(
    panel: &Panel,
    series: &Series,
    t: usize,
    origin: usize,
    opts: &ModelOptions,
    out: &mut Vec<f64>,
) {
    let k = panel.covariates.len();
    row(panel, t, origin, opts, |c| series.covariate(t, c, k), out);
}

/// One, the season's dummies, covariate `c` as `covariate(c)` gives it, the trend.
fn row(
    panel: &Panel,
    t: usize,
    origin: usize,
    opts: &ModelOptions,
    covariate: impl Fn(usize) -> f64,
    out: &mut Vec<f64>,
) {
    out.clear();
    out.push(1.0);
    for s in 1..panel.cycle {
        out.push(f64::from(u8::from(panel.season[t] == s)));
    }
    out.extend((0..panel.covariates.len()).map(covariate));
    if let Some(per) = opts.trend_per {
        out.push((t as f64 - origin as f64) / per);
    }
}

fn fit_regression(
    panel: &Panel,
    series: &Series,
    origin: usize,
    opts: &ModelOptions,
) -> Option<(PoissonFit, usize)> {
    let first = (origin + 1).saturating_sub(opts.window);
    let mut x = Vec::new();
    let mut y = Vec::new();
    let mut w = Vec::new();
    let mut row = Vec::new();
    for t in first..=origin {
        let Some(v) = series.units[t] else { continue };
        features(panel, series, t, origin, opts, &mut row);
        x.extend_from_slice(&row);
        y.push(v);
        w.push(0.5f64.powf((origin - t) as f64 / opts.half_life));
    }
    let p = row.len();
    fit_poisson(&x, &y, &w, p, opts.ridge).map(|f| (f, p))
}

/// What the pooled methods share, fitted so far, by origin: the groups' profiles and the
/// articles' effects. One per panel and options, shared by every series (each is fitted
/// once per origin instead of once per series).
#[derive(Debug, Default)]
pub struct Profiles {
    fitted: Cache<Profile>,
    effects: Cache<Vec<f64>>,
}

/// Fits by name (a group or an article) and origin; `None` where there was nothing to fit.
type Cache<T> = std::sync::Mutex<HashMap<(String, usize), Option<Arc<T>>>>;

/// The fit under `key`, fitted by `fit` the first time it is asked for.
fn cached<T>(
    cache: &Cache<T>,
    key: (String, usize),
    fit: impl FnOnce() -> Option<T>,
) -> Option<Arc<T>> {
    if let Some(p) = cache.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return p;
    }
    let p = fit().map(Arc::new);
    if let Ok(mut m) = cache.lock() {
        m.insert(key, p.clone());
    }
    p
}

/// A group's profile: its fit, its members (indices into the panel's series), and its
/// offsets (see [`group_offset`]) from period `first` to the origin.
#[derive(Debug)]
struct Profile {
    fit: PoissonFit,
    members: Vec<usize>,
    first: usize,
    past: Vec<f64>,
}

impl Profile {
    /// The offset at `t`: stored up to the origin, computed after it.
    fn offset(
        &self,
        panel: &Panel,
        t: usize,
        origin: usize,
        opts: &ModelOptions,
        row: &mut Vec<f64>,
    ) -> f64 {
        match t.checked_sub(self.first).and_then(|i| self.past.get(i)) {
            Some(&o) => o,
            None => group_offset(panel, self, t, origin, opts, row),
        }
    }
}

impl Profiles {
    fn get(
        &self,
        panel: &Panel,
        series: &Series,
        origin: usize,
        opts: &ModelOptions,
    ) -> Option<Arc<Profile>> {
        cached(&self.fitted, (series.group.clone(), origin), || {
            group_profile(panel, series, origin, opts)
        })
    }

    /// The covariate effects of `series`' article as of `origin`.
    fn effects(
        &self,
        panel: &Panel,
        series: &Series,
        origin: usize,
        opts: &ModelOptions,
    ) -> Option<Arc<Vec<f64>>> {
        // The day before's effects, when fitted, are where the search starts.
        let before = origin.checked_sub(1).and_then(|o| {
            self.effects
                .lock()
                .ok()
                .and_then(|m| m.get(&(series.article.clone(), o)).cloned().flatten())
        });
        cached(&self.effects, (series.article.clone(), origin), || {
            article_effects(
                panel,
                series,
                origin,
                opts,
                self,
                before.as_deref().map(Vec::as_slice),
            )
        })
    }
}

/// The group's feature row for period `t`: season, the mean of its series' covariates,
/// trend.
fn group_features(
    panel: &Panel,
    members: &[usize],
    t: usize,
    origin: usize,
    opts: &ModelOptions,
    out: &mut Vec<f64>,
) {
    let k = panel.covariates.len();
    let mean = |c: usize| {
        let sum: f64 = members
            .iter()
            .map(|&m| panel.series[m].covariate(t, c, k))
            .sum();
        sum / members.len().max(1) as f64
    };
    row(panel, t, origin, opts, mean, out);
}

/// The profile of `series`' group as of `origin`: a regression of the group's total
/// sales, whose log mean (without its intercept) is the offset of each member's own
/// regression. `None` when the group has no sales.
fn group_profile(
    panel: &Panel,
    series: &Series,
    origin: usize,
    opts: &ModelOptions,
) -> Option<Profile> {
    let members: Vec<usize> = (0..panel.series.len())
        .filter(|&m| panel.series[m].group == series.group)
        .collect();
    let first = (origin + 1).saturating_sub(opts.window);
    let (mut x, mut y, mut w, mut row) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for t in first..=origin {
        let (sum, known) = members
            .iter()
            .filter_map(|&m| panel.series[m].units[t])
            .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
        if known == 0 {
            continue;
        }
        group_features(panel, &members, t, origin, opts, &mut row);
        x.extend_from_slice(&row);
        y.push(sum * members.len() as f64 / known as f64);
        w.push(0.5f64.powf((origin - t) as f64 / opts.half_life));
    }
    let fit = fit_poisson(&x, &y, &w, row.len(), opts.ridge)?;
    let mut profile = Profile {
        fit,
        members,
        first,
        past: Vec::new(),
    };
    profile.past = (first..=origin)
        .map(|t| group_offset(panel, &profile, t, origin, opts, &mut row))
        .collect();
    Some(profile)
}

/// The group profile's log mean at `t`, its intercept left out.
fn group_offset(
    panel: &Panel,
    profile: &Profile,
    t: usize,
    origin: usize,
    opts: &ModelOptions,
    row: &mut Vec<f64>,
) -> f64 {
    group_features(panel, &profile.members, t, origin, opts, row);
    profile.fit.beta[1..]
        .iter()
        .zip(&row[1..])
        .map(|(b, v)| b * v)
        .sum()
}

/// A member's own row: one, then its covariates.
fn own_features(panel: &Panel, series: &Series, t: usize, out: &mut Vec<f64>) {
    out.clear();
    out.push(1.0);
    let k = panel.covariates.len();
    for c in 0..k {
        out.push(series.covariate(t, c, k));
    }
}

fn fit_pooled(
    panel: &Panel,
    series: &Series,
    origin: usize,
    opts: &ModelOptions,
    profiles: &Profiles,
) -> Option<(PoissonFit, Arc<Profile>)> {
    let profile = profiles.get(panel, series, origin, opts)?;
    let rows = own_rows(panel, series, &profile, origin, opts);
    let k = panel.covariates.len();
    let x: Vec<f64> = (0..rows.y.len())
        .flat_map(|r| std::iter::once(1.0).chain(rows.x[r * k..(r + 1) * k].iter().copied()))
        .collect();
    let fit = fit_poisson_offset(&x, &rows.y, &rows.w, &rows.offset, k + 1, opts.ridge)?;
    Some((fit, profile))
}

/// The rows the series' own regression is fitted on: counts, weights, its group's
/// offsets, its covariates.
fn own_rows(
    panel: &Panel,
    series: &Series,
    profile: &Profile,
    origin: usize,
    opts: &ModelOptions,
) -> GroupRows {
    let first = (origin + 1).saturating_sub(opts.window);
    let k = panel.covariates.len();
    let mut rows = GroupRows::default();
    let mut grow = Vec::new();
    for t in first..=origin {
        let Some(v) = series.units[t] else { continue };
        rows.y.push(v);
        rows.w
            .push(0.5f64.powf((origin - t) as f64 / opts.half_life));
        rows.offset
            .push(profile.offset(panel, t, origin, opts, &mut grow));
        rows.x.extend((0..k).map(|c| series.covariate(t, c, k)));
    }
    rows
}

/// The covariate effects of `series`' article as of `origin`, fitted on every series of
/// the article, each with its group's profile as offset and a level of its own.
fn article_effects(
    panel: &Panel,
    series: &Series,
    origin: usize,
    opts: &ModelOptions,
    profiles: &Profiles,
    start: Option<&[f64]>,
) -> Option<Vec<f64>> {
    let groups: Vec<GroupRows> = panel
        .series
        .iter()
        .filter(|s| s.article == series.article)
        .filter_map(|s| {
            let profile = profiles.get(panel, s, origin, opts)?;
            Some(own_rows(panel, s, &profile, origin, opts))
        })
        .collect();
    fit_poisson_grouped(&groups, panel.covariates.len(), opts.ridge, start)
}

/// The shared method's fit of `series`: its level given its article's effects, in the
/// shape of [`fit_pooled`]'s (intercept, then the covariates' effects).
fn fit_shared(
    panel: &Panel,
    series: &Series,
    origin: usize,
    opts: &ModelOptions,
    profiles: &Profiles,
) -> Option<(PoissonFit, Arc<Profile>)> {
    let profile = profiles.get(panel, series, origin, opts)?;
    let effects = profiles.effects(panel, series, origin, opts)?;
    let rows = own_rows(panel, series, &profile, origin, opts);
    let k = effects.len();
    let known: Vec<f64> = (0..rows.y.len())
        .map(|r| {
            let x = &rows.x[r * k..(r + 1) * k];
            let xb: f64 = effects.iter().zip(x).map(|(b, v)| b * v).sum();
            (rows.offset[r] + xb).clamp(-30.0, 30.0).exp()
        })
        .collect();
    let wy: f64 = rows.w.iter().zip(&rows.y).map(|(w, y)| w * y).sum();
    let wm: f64 = rows.w.iter().zip(&known).map(|(w, m)| w * m).sum();
    if wy <= 0.0 || wm <= 0.0 {
        return None;
    }
    let level = wy / wm;
    let mut beta = vec![level.ln()];
    beta.extend(effects.iter());
    let fit = PoissonFit {
        beta,
        dispersion: pearson_dispersion(&rows.y, &rows.w, 1, |r| level * known[r]),
    };
    Some((fit, profile))
}

/// The last `n` known same-season values before target `t` (not after `origin`),
/// newest first.
fn same_season(panel: &Panel, series: &Series, t: usize, origin: usize, n: usize) -> Vec<f64> {
    let cycle = panel.cycle;
    let mut out = Vec::with_capacity(n);
    let mut back = t;
    while out.len() < n && back >= cycle {
        back -= cycle;
        if back <= origin
            && let Some(v) = series.units[back]
        {
            out.push(v);
        }
    }
    out
}

/// Dispersion (variance over mean) of the recent known sales.
fn recent_dispersion(history: &[f64]) -> f64 {
    let recent = &history[history.len().saturating_sub(90)..];
    if recent.is_empty() {
        return 1.0;
    }
    let mean = recent.iter().sum::<f64>() / recent.len() as f64;
    if mean <= 0.0 {
        return 1.0;
    }
    let var = recent.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / recent.len() as f64;
    (var / mean).max(MIN_DISPERSION)
}

/// Forecasts of `series` for periods `origin + 1 ..= origin + horizons` (those inside
/// the panel), by `method`.
pub fn forecast(
    panel: &Panel,
    series: &Series,
    origin: usize,
    horizons: usize,
    method: Method,
    opts: &ModelOptions,
) -> Vec<Forecast> {
    forecast_with(
        panel,
        series,
        origin,
        horizons,
        method,
        opts,
        &Profiles::default(),
    )
}

/// [`forecast`], with the groups' profiles fitted so far (one [`Profiles`] per panel
/// and options).
pub fn forecast_with(
    panel: &Panel,
    series: &Series,
    origin: usize,
    horizons: usize,
    method: Method,
    opts: &ModelOptions,
    profiles: &Profiles,
) -> Vec<Forecast> {
    let targets = (origin + 1)..(origin + 1 + horizons).min(panel.periods);
    match method {
        Method::Regression => {
            let Some((fit, _)) = fit_regression(panel, series, origin, opts) else {
                return targets.map(|_| interval(0.0, 1.0)).collect();
            };
            let mut row = Vec::new();
            targets
                .map(|t| {
                    features(panel, series, t, origin, opts, &mut row);
                    interval(fit.mean(&row), fit.dispersion)
                })
                .collect()
        }
        Method::Pooled | Method::Shared => {
            let fitted = if method == Method::Pooled {
                fit_pooled(panel, series, origin, opts, profiles)
            } else {
                fit_shared(panel, series, origin, opts, profiles)
            };
            let Some((fit, profile)) = fitted else {
                return targets.map(|_| interval(0.0, 1.0)).collect();
            };
            let (mut row, mut grow) = (Vec::new(), Vec::new());
            targets
                .map(|t| {
                    own_features(panel, series, t, &mut row);
                    let offset = profile.offset(panel, t, origin, opts, &mut grow);
                    let mean = (offset
                        + fit.beta.iter().zip(&row).map(|(b, v)| b * v).sum::<f64>())
                    .clamp(-30.0, 30.0)
                    .exp();
                    interval(mean, fit.dispersion)
                })
                .collect()
        }
        Method::Croston | Method::Sba | Method::Tsb => {
            let history = known(series, origin);
            let rate = match method {
                Method::Croston => intermittent::croston(&history, opts.alpha),
                Method::Sba => intermittent::sba(&history, opts.alpha),
                _ => intermittent::tsb(&history, opts.alpha, opts.beta),
            };
            let dispersion = recent_dispersion(&history);
            targets.map(|_| interval(rate, dispersion)).collect()
        }
        Method::LastCycle | Method::MeanLast4 => {
            let n = if method == Method::LastCycle { 1 } else { 4 };
            let dispersion = recent_dispersion(&known(series, origin));
            targets
                .map(|t| {
                    let v = same_season(panel, series, t, origin, n);
                    let mean = if v.is_empty() {
                        0.0
                    } else {
                        v.iter().sum::<f64>() / v.len() as f64
                    };
                    // The baselines are the values themselves, mean and median alike.
                    Forecast {
                        median: mean,
                        ..interval(mean, dispersion)
                    }
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_follow_the_skew_and_the_zeros_of_few_sales() {
        // An article sold about once in three days: no sale is the likeliest outcome,
        // so the median and the 10th percentile are no sale.
        let slow = interval(0.3, 1.0);
        assert_eq!((slow.median, slow.lo), (0.0, 0.0), "{slow:?}");
        assert!(slow.hi > 0.3 && slow.hi < 2.0, "{slow:?}");
        // Fifty a day: nearly symmetric, the median a third below the mean as for a
        // Poisson count, the interval close to the normal one.
        let busy = interval(50.0, 1.0);
        assert!((busy.median - (50.0 - 1.0 / 3.0)).abs() < 0.05, "{busy:?}");
        let half_width = Z80_FOR_TESTS * 50f64.sqrt();
        assert!((busy.hi - 50.0 - half_width).abs() < 0.6, "{busy:?}");
        assert!((50.0 - busy.lo - half_width).abs() < 0.6, "{busy:?}");
        // Kilos of beans sold by the espresso: little spread, no zeros.
        let beans = interval(2.0, 0.01);
        assert!(
            beans.lo > 1.7 && beans.hi < 2.3 && beans.lo < beans.median,
            "{beans:?}"
        );
        // Nothing to expect, or a mean that is not a number: nothing forecast.
        assert_eq!(interval(0.0, 1.0).hi, 0.0);
        assert_eq!(interval(f64::NAN, 1.0).hi, 0.0);
        // Sold once in a hundred days: even the 90th percentile is no sale.
        let rare = interval(0.01, 1.0);
        assert_eq!((rare.lo, rare.median, rare.hi), (0.0, 0.0, 0.0), "{rare:?}");
    }

    /// z of the 90th percentile of the normal distribution.
    const Z80_FOR_TESTS: f64 = 1.281_551_6;
}
