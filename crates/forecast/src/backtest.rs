//! Rolling-origin evaluation.
//!
//! The last `evaluate` periods of the panel are the targets. Each target `t` is
//! forecast from origins `t − h`, h = 1 … `horizons`, with only the sales up to the
//! origin and the covariates known in advance. Each series' method is chosen before
//! that, on the `select` periods that end where the first evaluated forecast starts:
//! the one with the least absolute error there among the pooled and the shared
//! regressions and, for series the Syntetos–Boylan classification calls intermittent
//! or lumpy, Croston, SBA and TSB. The naive baselines are scored on the same targets
//! in the same run.
//!
//! Scores per horizon. Absolute errors score each series' point, chosen with its
//! method: the forecast's median, the number that makes them least when the forecast's
//! distribution fits (a mean pays for the right skew of small counts on every day), or
//! its mean where the backtest says the median does worse. WAPE = Σ|actual − point| /
//! Σ actual, and MASE = the mean over series of their mean absolute error over the mean
//! absolute one-cycle difference of their history before the targets; the WAPE of the
//! means is reported beside. Bias = Σ(mean − actual) / Σ actual. The group WAPE is of
//! the means' unit values summed per group and period (store-day revenue: a sum's
//! point is the sum of the means). Last, the share of actuals inside the 80 % interval.
//! The baselines' forecasts are single values, their own median and mean.

use std::collections::BTreeMap;

use crate::intermittent::{self, Pattern};
use crate::model::{Forecast, Method, ModelOptions, Point, Profiles, forecast_with};
use crate::panel::{Panel, PanelError, Series};

/// What to evaluate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BacktestOptions {
    /// Periods ahead, 1 to this.
    pub horizons: usize,
    /// Target periods at the end of the panel.
    pub evaluate: usize,
    /// Target periods before them on which each series' method is chosen.
    pub select: usize,
    /// The methods' tuning.
    pub model: ModelOptions,
    /// Worker threads (at least 1).
    pub threads: usize,
}

/// Scores of one forecaster at one horizon.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Score {
    /// Weighted absolute percentage error of the series' points, series level.
    pub wape: f64,
    /// The same of the mean.
    pub wape_of_mean: f64,
    /// Σ(forecast − actual) / Σ actual.
    pub bias: f64,
    /// Mean absolute scaled error.
    pub mase: f64,
    /// WAPE of the groups' value per period (store-day revenue).
    pub group_wape: f64,
}

/// The scores at one horizon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HorizonScore {
    /// Periods ahead.
    pub h: usize,
    /// The chosen methods.
    pub model: Score,
    /// Same season one cycle back.
    pub last_cycle: Score,
    /// Mean of the last four same-season values.
    pub mean_last_4: Score,
    /// Share of actuals inside the chosen methods' 80 % interval.
    pub coverage_80: f64,
}

/// The outcome of a backtest.
#[derive(Debug, Clone, PartialEq)]
pub struct Backtest {
    /// Per horizon.
    pub horizons: Vec<HorizonScore>,
    /// Series evaluated.
    pub series: usize,
    /// First and last target period.
    pub targets: (usize, usize),
    /// How many series chose each method.
    pub chosen: BTreeMap<&'static str, usize>,
    /// How many series are scored by each point.
    pub points: BTreeMap<&'static str, usize>,
    /// How many series fall in each Syntetos–Boylan class.
    pub patterns: BTreeMap<&'static str, usize>,
}

/// Sums of one forecaster at one horizon.
#[derive(Debug, Clone, Default)]
struct Sums {
    /// Σ|actual − point|.
    abs: f64,
    /// Σ|actual − mean|.
    mean_abs: f64,
    signed: f64,
    actual: f64,
    /// Σ over series of (their mean absolute error / their scale).
    mase: f64,
    mase_series: usize,
    inside: usize,
    scored: usize,
}

/// Per (group, target): forecast value, actual value.
type GroupSums = BTreeMap<(String, usize), (f64, f64)>;

/// One series' contributions: per forecaster (model, last cycle, mean of 4) and horizon.
struct SeriesResult {
    sums: [Vec<Sums>; 3],
    groups: [Vec<Vec<(usize, f64, f64)>>; 3],
    choice: Choice,
}

fn candidates(pattern: Pattern) -> Vec<Method> {
    let mut m = vec![Method::Pooled, Method::Shared];
    if pattern.is_intermittent() {
        m.extend([Method::Croston, Method::Sba, Method::Tsb]);
    }
    m
}

/// Absolute error of `method` over the targets `first..=last` at every horizon, of each
/// [`Point`] (in the order of [`Point::ALL`]).
fn error(
    panel: &Panel,
    s: &Series,
    first: usize,
    last: usize,
    method: Method,
    o: &BacktestOptions,
    profiles: &Profiles,
) -> [f64; 2] {
    let mut total = [0.0; 2];
    for origin in first.saturating_sub(o.horizons)..last {
        let f = forecast_with(panel, s, origin, o.horizons, method, &o.model, profiles);
        for (k, fc) in f.iter().enumerate() {
            let t = origin + 1 + k;
            if (first..=last).contains(&t)
                && let Some(a) = s.units[t]
            {
                for (sum, p) in total.iter_mut().zip(Point::ALL) {
                    *sum += (a - fc.point(p)).abs();
                }
            }
        }
    }
    total
}

/// Mean absolute one-cycle difference of the known history before `end`.
fn scale(panel: &Panel, s: &Series, end: usize) -> f64 {
    let (mut sum, mut n) = (0.0, 0usize);
    for t in panel.cycle..end {
        if let (Some(a), Some(b)) = (s.units[t], s.units[t - panel.cycle]) {
            sum += (a - b).abs();
            n += 1;
        }
    }
    if n == 0 { 0.0 } else { sum / n as f64 }
}

/// What a series is forecast by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    /// The method.
    pub method: Method,
    /// The value that stands for its forecasts where one number is scored.
    pub point: Point,
    /// The series' Syntetos–Boylan class.
    pub pattern: Pattern,
}

/// The method for series `s` as of `origin`: its Syntetos–Boylan class from the sales
/// up to the origin, and among the candidates for that class and the two points the
/// pair with the least absolute error on the `o.select` targets that end at the
/// origin, 1 to `o.horizons` periods ahead.
pub fn choose_method(
    panel: &Panel,
    s: &Series,
    origin: usize,
    o: &BacktestOptions,
    profiles: &Profiles,
) -> Choice {
    let history: Vec<f64> = s.units[..=origin].iter().flatten().copied().collect();
    let pattern = intermittent::classify(&history);
    let select_first = (origin + 1).saturating_sub(o.select).max(o.horizons + 1);
    let (method, point) = candidates(pattern)
        .into_iter()
        .flat_map(|m| {
            let e = error(panel, s, select_first, origin, m, o, profiles);
            Point::ALL.into_iter().zip(e).map(move |(p, e)| ((m, p), e))
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map_or((Method::Regression, Point::Mean), |(c, _)| c);
    Choice {
        method,
        point,
        pattern,
    }
}

fn evaluate_series(
    panel: &Panel,
    s: &Series,
    o: &BacktestOptions,
    profiles: &Profiles,
) -> SeriesResult {
    let first_target = panel.periods - o.evaluate;
    let first_origin = first_target - o.horizons;
    let choice = choose_method(panel, s, first_origin, o, profiles);
    let sc = scale(panel, s, first_target);
    let methods = [choice.method, Method::LastCycle, Method::MeanLast4];
    let mut sums: [Vec<Sums>; 3] = std::array::from_fn(|_| vec![Sums::default(); o.horizons]);
    let mut groups: [Vec<Vec<(usize, f64, f64)>>; 3] =
        std::array::from_fn(|_| vec![Vec::new(); o.horizons]);
    for origin in first_origin..panel.periods - 1 {
        for (m, &method) in methods.iter().enumerate() {
            let f: Vec<Forecast> =
                forecast_with(panel, s, origin, o.horizons, method, &o.model, profiles);
            for (k, fc) in f.iter().enumerate() {
                let t = origin + 1 + k;
                if t < first_target {
                    continue;
                }
                let Some(a) = s.units[t] else { continue };
                let sum = &mut sums[m][k];
                sum.abs += (a - fc.point(choice.point)).abs();
                sum.mean_abs += (a - fc.mean).abs();
                sum.signed += fc.mean - a;
                sum.actual += a;
                sum.scored += 1;
                if (fc.lo..=fc.hi).contains(&a) {
                    sum.inside += 1;
                }
                groups[m][k].push((t, fc.mean * s.unit_value[t], a * s.unit_value[t]));
            }
        }
    }
    if sc > 0.0 {
        for sum in sums.iter_mut().flatten().filter(|x| x.scored > 0) {
            sum.mase = sum.abs / sum.scored as f64 / sc;
            sum.mase_series = 1;
        }
    }
    SeriesResult {
        sums,
        groups,
        choice,
    }
}

fn score(sums: &Sums, groups: &GroupSums) -> Score {
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    let (g_abs, g_actual) = groups
        .values()
        .fold((0.0, 0.0), |(e, a), (f, v)| (e + (f - v).abs(), a + v));
    Score {
        wape: ratio(sums.abs, sums.actual),
        wape_of_mean: ratio(sums.mean_abs, sums.actual),
        bias: ratio(sums.signed, sums.actual),
        mase: ratio(sums.mase, sums.mase_series as f64),
        group_wape: ratio(g_abs, g_actual),
    }
}

/// Runs the backtest; `progress(done, total)` is called as series finish.
pub fn backtest(
    panel: &Panel,
    o: &BacktestOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Backtest, PanelError> {
    panel.validate()?;
    if o.horizons == 0 || o.evaluate == 0 {
        return Err(PanelError::TooShort {
            what: "at least one horizon and one evaluated period are needed".to_string(),
        });
    }
    let needed = o.evaluate + o.horizons + o.select + 2 * panel.cycle + 1;
    if panel.periods < needed {
        return Err(PanelError::TooShort {
            what: format!(
                "{} periods of history; evaluating {} periods {} ahead after choosing on {} needs at least {needed}",
                panel.periods, o.evaluate, o.horizons, o.select
            ),
        });
    }
    if panel.series.is_empty() {
        return Err(PanelError::TooShort {
            what: "no series to evaluate".to_string(),
        });
    }
    let total = panel.series.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let threads = o.threads.clamp(1, total);
    let chunk = total.div_ceil(threads);
    let profiles = Profiles::default();
    let results: Vec<SeriesResult> = std::thread::scope(|scope| {
        let handles: Vec<_> = panel
            .series
            .chunks(chunk)
            .map(|part| {
                let (done, profiles) = (&done, &profiles);
                scope.spawn(move || {
                    part.iter()
                        .map(|s| {
                            let r = evaluate_series(panel, s, o, profiles);
                            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                            progress(n, total);
                            r
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut horizons = Vec::with_capacity(o.horizons);
    for k in 0..o.horizons {
        let mut per: [(Sums, GroupSums); 3] = Default::default();
        for (r, s) in results.iter().zip(&panel.series) {
            for (m, (sums, groups)) in per.iter_mut().enumerate() {
                let x = &r.sums[m][k];
                sums.abs += x.abs;
                sums.mean_abs += x.mean_abs;
                sums.signed += x.signed;
                sums.actual += x.actual;
                sums.mase += x.mase;
                sums.mase_series += x.mase_series;
                sums.inside += x.inside;
                sums.scored += x.scored;
                for &(t, f, a) in &r.groups[m][k] {
                    let e = groups.entry((s.group.clone(), t)).or_insert((0.0, 0.0));
                    e.0 += f;
                    e.1 += a;
                }
            }
        }
        let coverage = if per[0].0.scored > 0 {
            per[0].0.inside as f64 / per[0].0.scored as f64
        } else {
            0.0
        };
        horizons.push(HorizonScore {
            h: k + 1,
            model: score(&per[0].0, &per[0].1),
            last_cycle: score(&per[1].0, &per[1].1),
            mean_last_4: score(&per[2].0, &per[2].1),
            coverage_80: coverage,
        });
    }
    let mut chosen = BTreeMap::new();
    let mut patterns = BTreeMap::new();
    let mut points = BTreeMap::new();
    for r in &results {
        *chosen.entry(r.choice.method.as_str()).or_insert(0) += 1;
        *points.entry(r.choice.point.as_str()).or_insert(0) += 1;
        *patterns.entry(r.choice.pattern.as_str()).or_insert(0) += 1;
    }
    Ok(Backtest {
        horizons,
        series: total,
        targets: (panel.periods - o.evaluate, panel.periods - 1),
        chosen,
        points,
        patterns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use rand_distr::{Distribution, Poisson};

    /// Daily series with a weekday pattern, promotions on one week in five, and one
    /// slow mover.
    fn panel(periods: usize) -> Panel {
        let mut rng = StdRng::seed_from_u64(11);
        let weekday = [1.0, 0.9, 0.9, 1.0, 1.3, 1.6, 0.7];
        let series = [("s1/fast", 20.0), ("s1/slow", 0.2), ("s2/fast", 35.0)]
            .iter()
            .map(|&(key, level)| {
                let (mut units, mut known) = (Vec::new(), Vec::new());
                for t in 0..periods {
                    let promo = f64::from(u8::from((t / 7) % 5 == 2));
                    let mean = level * weekday[t % 7] * (1.0 + 0.6 * promo);
                    units.push(Some(Poisson::new(mean).map_or(0.0, |p| p.sample(&mut rng))));
                    known.push(promo);
                }
                Series {
                    key: key.to_string(),
                    group: key[..2].to_string(),
                    article: key[3..].to_string(),
                    units,
                    known,
                    unit_value: vec![2.0; periods],
                }
            })
            .collect();
        weekly_cycle(periods, series)
    }

    /// Daily `series` of `periods` days with a weekly season and a promotion covariate.
    fn weekly_cycle(periods: usize, series: Vec<Series>) -> Panel {
        Panel {
            periods,
            cycle: 7,
            season: (0..periods).map(|t| t % 7).collect(),
            covariates: vec!["promo".to_string()],
            series,
        }
    }

    fn options() -> BacktestOptions {
        BacktestOptions {
            horizons: 3,
            evaluate: 28,
            select: 21,
            model: ModelOptions::daily(),
            threads: 2,
        }
    }

    #[test]
    fn the_chosen_methods_beat_the_naive_baselines_where_there_is_structure() {
        let b = backtest(&panel(400), &options(), &|_, _| {}).expect("runs");
        assert_eq!(b.series, 3);
        assert_eq!(b.targets, (372, 399));
        assert_eq!(b.horizons.len(), 3);
        for h in &b.horizons {
            let base = h.last_cycle.wape.min(h.mean_last_4.wape);
            assert!(h.model.wape < 0.9 * base, "h={}: {:?}", h.h, h);
            assert!(h.model.bias.abs() < 0.1, "{h:?}");
            assert!((0.6..=0.97).contains(&h.coverage_80), "{h:?}");
            assert!(h.model.group_wape > 0.0 && h.model.group_wape < h.model.wape);
        }
        assert_eq!(
            b.patterns.get("intermittent").copied().unwrap_or(0),
            1,
            "{:?}",
            b.patterns
        );
        assert_eq!(b.chosen.values().sum::<usize>(), 3);
    }

    #[test]
    fn slow_articles_learn_their_store_s_weekday_pattern_from_its_other_articles() {
        // One store, twelve articles of one to two a day, a strong weekday pattern the
        // store gives them all: pooled, each article's forecast borrows the pattern.
        let mut rng = StdRng::seed_from_u64(5);
        let weekday = [0.6, 0.7, 0.8, 1.0, 1.3, 1.9, 1.5];
        let periods = 240;
        let series: Vec<Series> = (0..12)
            .map(|k| {
                let level = 1.0 + 0.1 * f64::from(k);
                Series {
                    key: format!("s1/a{k}"),
                    group: "s1".to_string(),
                    article: format!("a{k}"),
                    units: (0..periods)
                        .map(|t| {
                            Some(
                                Poisson::new(level * weekday[t % 7])
                                    .map_or(0.0, |p| p.sample(&mut rng)),
                            )
                        })
                        .collect(),
                    known: vec![0.0; periods],
                    unit_value: vec![1.0; periods],
                }
            })
            .collect();
        let p = weekly_cycle(periods, series);
        let o = ModelOptions::daily();
        let error = |method| {
            let mut e = 0.0;
            for s in &p.series {
                for origin in 200..periods - 1 {
                    let f = crate::forecast(&p, s, origin, 1, method, &o);
                    let truth = (1.0 + 0.1 * s.key[4..].parse::<f64>().unwrap_or(0.0))
                        * weekday[(origin + 1) % 7];
                    e += (f[0].mean - truth).abs();
                }
            }
            e
        };
        let (pooled, own) = (error(Method::Pooled), error(Method::Regression));
        assert!(pooled < 0.8 * own, "pooled {pooled} vs own {own}");
    }

    #[test]
    fn an_article_s_promotion_lift_is_learned_from_every_store_that_sells_it() {
        // Ten stores, each with a cake promoted for one week in its history and one in
        // the days forecast: alone, a store has seen seven promotion days; shared, the
        // cake's lift is seen on seventy. Scored on the promotion days forecast.
        let mut rng = StdRng::seed_from_u64(8);
        let periods = 240;
        let (lift, level) = (1.8, 3.0);
        let promo = |store: usize, t: usize| {
            let past = 40 + 13 * store;
            (past..past + 7).contains(&t) || (205 + store..212 + store).contains(&t)
        };
        let mut series = Vec::new();
        for store in 0..10 {
            for (article, base) in [("cake", level), ("nata", 20.0), ("milk", 8.0)] {
                let (mut units, mut known) = (Vec::new(), Vec::new());
                for t in 0..periods {
                    let on = article == "cake" && promo(store, t);
                    let mean = base * if on { lift } else { 1.0 };
                    units.push(Some(Poisson::new(mean).map_or(0.0, |p| p.sample(&mut rng))));
                    known.push(f64::from(u8::from(on)));
                }
                series.push(Series {
                    key: format!("s{store}/{article}"),
                    group: format!("s{store}"),
                    article: article.to_string(),
                    units,
                    known,
                    unit_value: vec![1.0; periods],
                });
            }
        }
        let p = weekly_cycle(periods, series);
        let (o, profiles) = (ModelOptions::daily(), Profiles::default());
        let error = |method| {
            let mut e = 0.0;
            for (store, s) in p.series.iter().step_by(3).enumerate() {
                for origin in (200..periods - 1).filter(|&t| promo(store, t + 1)) {
                    let f = forecast_with(&p, s, origin, 1, method, &o, &profiles);
                    e += (f[0].mean - level * lift).abs();
                }
            }
            e
        };
        let (shared, pooled) = (error(Method::Shared), error(Method::Pooled));
        assert!(shared < 0.8 * pooled, "shared {shared} vs pooled {pooled}");
    }

    #[test]
    fn too_short_a_history_and_bad_values_are_refused_with_a_code() {
        let e = backtest(&panel(60), &options(), &|_, _| {}).expect_err("too short");
        assert_eq!(e.code(), "history_too_short");
        assert!(e.to_string().contains("60 periods"), "{e}");
        let mut p = panel(400);
        p.series[1].units[5] = Some(-1.0);
        assert_eq!(
            backtest(&p, &options(), &|_, _| {})
                .expect_err("negative")
                .code(),
            "panel_bad_value"
        );
        let mut p = panel(400);
        p.series[0].known.pop();
        assert_eq!(
            backtest(&p, &options(), &|_, _| {})
                .expect_err("short")
                .code(),
            "panel_length"
        );
    }
}
