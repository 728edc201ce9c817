//! Poisson regression with a log link, fitted by iteratively reweighted least squares:
//! the mean of a count is `exp(x·β)`, so effects multiply (a weekday 20 % busier, a
//! promotion lifting sales by half), and zero counts are fine. Rows carry weights (the
//! recency of the observation); a ridge penalty on every coefficient but the first
//! (the intercept) keeps rare effects (a holiday seen twice) from running wild.

/// The least dispersion a fit reports.
pub const MIN_DISPERSION: f64 = 1e-3;

/// A fitted model.
#[derive(Debug, Clone, PartialEq)]
pub struct PoissonFit {
    /// Coefficients, intercept first.
    pub beta: Vec<f64>,
    /// Pearson dispersion: 1 for Poisson counts, more when counts vary more, less for
    /// sales in fractions of a unit (kilos of beans sold by the espresso).
    pub dispersion: f64,
}

impl PoissonFit {
    /// The mean at feature row `x`.
    pub fn mean(&self, x: &[f64]) -> f64 {
        eta(&self.beta, x).exp()
    }
}

/// The largest change of a coefficient from `old` to `new`.
fn largest_change(new: &[f64], old: &[f64]) -> f64 {
    new.iter()
        .zip(old)
        .map(|(n, o)| (n - o).abs())
        .fold(0.0, f64::max)
}

fn eta(beta: &[f64], x: &[f64]) -> f64 {
    beta.iter()
        .zip(x)
        .map(|(b, v)| b * v)
        .sum::<f64>()
        .clamp(-30.0, 30.0)
}

/// Solves `a · x = b` for a symmetric positive definite `a` (`p × p`, row-major) by
/// Cholesky; `None` when `a` is not positive definite.
pub fn solve_spd(a: &[f64], b: &[f64]) -> Option<Vec<f64>> {
    let p = b.len();
    let mut l = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..=i {
            let mut s = a[i * p + j];
            for k in 0..j {
                s -= l[i * p + k] * l[j * p + k];
            }
            if i == j {
                if s <= 1e-12 {
                    return None;
                }
                l[i * p + i] = s.sqrt();
            } else {
                l[i * p + j] = s / l[j * p + j];
            }
        }
    }
    let mut y = vec![0.0; p];
    for i in 0..p {
        let s: f64 = (0..i).map(|k| l[i * p + k] * y[k]).sum();
        y[i] = (b[i] - s) / l[i * p + i];
    }
    let mut x = vec![0.0; p];
    for i in (0..p).rev() {
        let s: f64 = (i + 1..p).map(|k| l[k * p + i] * x[k]).sum();
        x[i] = (y[i] - s) / l[i * p + i];
    }
    Some(x)
}

/// Fits counts `y` on rows `x` (`y.len()` rows of `p` features, the first always
/// one) with weights `w`. `None` when there is nothing to fit (no weight, no sale) or the
/// system is singular even with the ridge.
pub fn fit_poisson(x: &[f64], y: &[f64], w: &[f64], p: usize, ridge: f64) -> Option<PoissonFit> {
    fit_poisson_offset(x, y, w, &vec![0.0; y.len()], p, ridge)
}

/// [`fit_poisson`] with a known part of each row's log mean (`offset`): the mean of row
/// `r` is `exp(offset[r] + x_r·β)`. The fit's dispersion is of this model; its
/// [`PoissonFit::mean`] leaves the offset out.
pub fn fit_poisson_offset(
    x: &[f64],
    y: &[f64],
    w: &[f64],
    offset: &[f64],
    p: usize,
    ridge: f64,
) -> Option<PoissonFit> {
    let n = y.len();
    if n == 0 || p == 0 || x.len() != n * p || w.len() != n || offset.len() != n {
        return None;
    }
    let wsum: f64 = w.iter().sum();
    let wy: f64 = w.iter().zip(y).map(|(w, y)| w * y).sum();
    if wsum <= 0.0 || wy <= 0.0 {
        return None;
    }
    let mut beta = vec![0.0; p];
    let wmu: f64 = w.iter().zip(offset).map(|(w, o)| w * o.exp()).sum();
    beta[0] = (wy / wmu.max(1e-300)).ln();
    let mut a = vec![0.0; p * p];
    let mut b = vec![0.0; p];
    for _ in 0..30 {
        a.fill(0.0);
        b.fill(0.0);
        for r in 0..n {
            let row = &x[r * p..(r + 1) * p];
            let e = eta(&beta, row);
            let mu = (e + offset[r]).clamp(-30.0, 30.0).exp().max(1e-9);
            let z = e + (y[r] - mu) / mu;
            let weight = w[r] * mu;
            for i in 0..p {
                let wi = weight * row[i];
                b[i] += wi * z;
                for j in 0..=i {
                    a[i * p + j] += wi * row[j];
                }
            }
        }
        for i in 0..p {
            for j in 0..i {
                a[j * p + i] = a[i * p + j];
            }
            if i > 0 {
                a[i * p + i] += ridge;
            }
        }
        let next = solve_spd(&a, &b)?;
        let change = largest_change(&next, &beta);
        beta = next;
        if change < 1e-6 {
            break;
        }
    }
    let dispersion = pearson_dispersion(y, w, p, |r| {
        (eta(&beta, &x[r * p..(r + 1) * p]) + offset[r])
            .clamp(-30.0, 30.0)
            .exp()
    });
    Some(PoissonFit { beta, dispersion })
}

/// The Pearson dispersion of counts `y` (weights `w`) around the means `mu(row)` of a
/// fit of `params` coefficients: Σ w (y − μ)² / μ over the weights less the
/// coefficients, at least [`MIN_DISPERSION`].
pub fn pearson_dispersion(y: &[f64], w: &[f64], params: usize, mu: impl Fn(usize) -> f64) -> f64 {
    let (mut chi2, mut weights) = (0.0, 0.0);
    for (r, (y, w)) in y.iter().zip(w).enumerate() {
        let m = mu(r).max(1e-9);
        chi2 += w * (y - m).powi(2) / m;
        weights += w;
    }
    (chi2 / (weights - params as f64).max(1.0)).max(MIN_DISPERSION)
}

/// The rows of one group in [`fit_poisson_grouped`]: counts, weights, offsets and `k`
/// covariates a row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupRows {
    /// Counts.
    pub y: Vec<f64>,
    /// Weights.
    pub w: Vec<f64>,
    /// Known parts of the log means.
    pub offset: Vec<f64>,
    /// Covariates, `k` a row, flattened.
    pub x: Vec<f64>,
}

/// Per-group sums of the profile likelihood at `beta`: its value (up to a constant), its
/// gradient and its negative Hessian (`k × k`, row-major), the ridge included.
fn grouped_likelihood(groups: &[GroupRows], beta: &[f64], ridge: f64) -> (f64, Vec<f64>, Vec<f64>) {
    let k = beta.len();
    let mut ll = -0.5 * ridge * beta.iter().map(|b| b * b).sum::<f64>();
    let mut grad: Vec<f64> = beta.iter().map(|b| -ridge * b).collect();
    let mut hess = vec![0.0; k * k];
    for i in 0..k {
        hess[i * k + i] = ridge;
    }
    let (mut s1, mut s2) = (vec![0.0; k], vec![0.0; k * k]);
    for g in groups {
        let y0: f64 = g.w.iter().zip(&g.y).map(|(w, y)| w * y).sum();
        if y0 <= 0.0 {
            continue;
        }
        let mut s0 = 0.0;
        s1.fill(0.0);
        s2.fill(0.0);
        for r in 0..g.y.len() {
            let x = &g.x[r * k..(r + 1) * k];
            let xb = eta(beta, x);
            let m = g.w[r] * (g.offset[r] + xb).clamp(-30.0, 30.0).exp();
            ll += g.w[r] * g.y[r] * xb;
            s0 += m;
            for i in 0..k {
                grad[i] += g.w[r] * g.y[r] * x[i];
                s1[i] += m * x[i];
                for j in 0..=i {
                    s2[i * k + j] += m * x[i] * x[j];
                }
            }
        }
        let s0 = s0.max(1e-300);
        ll -= y0 * s0.ln();
        // The group's intercept at its optimum scales its means by y0 / s0.
        let c = y0 / s0;
        for i in 0..k {
            grad[i] -= c * s1[i];
            for j in 0..=i {
                hess[i * k + j] += c * (s2[i * k + j] - s1[i] * s1[j] / s0);
            }
        }
    }
    for i in 0..k {
        for j in 0..i {
            hess[j * k + i] = hess[i * k + j];
        }
    }
    (ll, grad, hess)
}

/// Poisson regression of several groups' rows with an intercept of each group's own and
/// `k` effects shared by all of them (an article's promotion lift and temperature
/// response, the same at every store that sells it): the mean of row `r` of group `g` is
/// `exp(offset[r] + α_g + x_r·β)`. The intercepts are profiled out (each has its
/// closed form given `β`), and `β` found by Newton's method on the profile likelihood,
/// which is concave, with step halving; a ridge penalty on `β`. Groups without a sale
/// tell nothing of `β` and are skipped. The search starts from `start` when given (the
/// fit of the day before converges in a step or two). Returns `β`; `None` when no group
/// has a sale or the system is singular even with the ridge.
pub fn fit_poisson_grouped(
    groups: &[GroupRows],
    k: usize,
    ridge: f64,
    start: Option<&[f64]>,
) -> Option<Vec<f64>> {
    let sold = groups
        .iter()
        .any(|g| g.w.iter().zip(&g.y).any(|(w, y)| w * y > 0.0));
    if !sold
        || groups.iter().any(|g| {
            g.w.len() != g.y.len() || g.offset.len() != g.y.len() || g.x.len() != g.y.len() * k
        })
    {
        return None;
    }
    let mut beta = start
        .filter(|b| b.len() == k && b.iter().all(|v| v.is_finite()))
        .map_or_else(|| vec![0.0; k], <[f64]>::to_vec);
    let (mut ll, mut grad, mut hess) = grouped_likelihood(groups, &beta, ridge);
    for _ in 0..50 {
        let step = solve_spd(&hess, &grad)?;
        let mut scale = 1.0;
        let (next, next_fit) = loop {
            let next: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b + scale * s).collect();
            let fit = grouped_likelihood(groups, &next, ridge);
            if fit.0 >= ll - 1e-9 * ll.abs().max(1.0) {
                break (next, fit);
            }
            scale /= 2.0;
            if scale < 1e-6 {
                return Some(beta);
            }
        };
        let change = largest_change(&next, &beta);
        beta = next;
        (ll, grad, hess) = next_fit;
        if change < 1e-7 {
            break;
        }
    }
    Some(beta)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use rand_distr::{Distribution, Poisson};

    #[test]
    fn cholesky_solves_a_small_system() {
        let a = [4.0, 2.0, 2.0, 3.0];
        let x = solve_spd(&a, &[6.0, 5.0]).expect("positive definite");
        assert!(
            (x[0] - 1.0).abs() < 1e-12 && (x[1] - 1.0).abs() < 1e-12,
            "{x:?}"
        );
        assert_eq!(solve_spd(&[1.0, 2.0, 2.0, 1.0], &[1.0, 1.0]), None);
    }

    #[test]
    fn the_fit_recovers_multiplicative_effects_from_counts() {
        // mean = 8 · 1.5^promo · e^(0.05·temp)
        let mut rng = StdRng::seed_from_u64(3);
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for r in 0..3_000 {
            let promo = f64::from(u8::from(r % 5 == 0));
            let temp = f64::from(r % 21) - 10.0;
            let mean = 8.0 * 1.5f64.powf(promo) * (0.05 * temp).exp();
            x.extend([1.0, promo, temp]);
            y.push(Poisson::new(mean).expect("positive").sample(&mut rng));
        }
        let w = vec![1.0; y.len()];
        let fit = fit_poisson(&x, &y, &w, 3, 0.0).expect("fits");
        assert!((fit.beta[0].exp() - 8.0).abs() < 0.3, "{:?}", fit.beta);
        assert!((fit.beta[1].exp() - 1.5).abs() < 0.05, "{:?}", fit.beta);
        assert!((fit.beta[2] - 0.05).abs() < 0.005, "{:?}", fit.beta);
        assert!(fit.dispersion < 1.2, "Poisson counts: {}", fit.dispersion);
        assert_eq!(fit_poisson(&x, &vec![0.0; y.len()], &w, 3, 0.0), None);
        // The temperature effect given as an offset: the rest is found on top of it.
        let offset: Vec<f64> = x.chunks(3).map(|r| 0.05 * r[2]).collect();
        let own: Vec<f64> = x.chunks(3).flat_map(|r| [r[0], r[1]]).collect();
        let fit = fit_poisson_offset(&own, &y, &w, &offset, 2, 0.0).expect("fits");
        assert!((fit.beta[0].exp() - 8.0).abs() < 0.3, "{:?}", fit.beta);
        assert!((fit.beta[1].exp() - 1.5).abs() < 0.05, "{:?}", fit.beta);
    }

    #[test]
    fn groups_with_levels_of_their_own_share_their_effects() {
        // Five stores of very different size, one promotion lift and one temperature
        // response for all; a sixth store that never sold the article tells nothing.
        let mut rng = StdRng::seed_from_u64(11);
        let mut groups: Vec<GroupRows> = [2.0, 4.0, 6.0, 8.0, 10.0]
            .iter()
            .map(|&level| {
                let mut g = GroupRows::default();
                for r in 0..400 {
                    let promo = f64::from(u8::from(r % 9 == 0));
                    let temp = f64::from(r % 15) - 7.0;
                    let offset = 0.1 * f64::from(r % 7);
                    let mean = level * offset.exp() * 1.5f64.powf(promo) * (0.05 * temp).exp();
                    g.y.push(Poisson::new(mean).expect("positive").sample(&mut rng));
                    g.w.push(1.0);
                    g.offset.push(offset);
                    g.x.extend([promo, temp]);
                }
                g
            })
            .collect();
        groups.push(GroupRows {
            y: vec![0.0; 3],
            w: vec![1.0; 3],
            offset: vec![0.0; 3],
            x: vec![1.0, 5.0, 0.0, -5.0, 1.0, 0.0],
        });
        let beta = fit_poisson_grouped(&groups, 2, 0.0, None).expect("fits");
        assert!((beta[0].exp() - 1.5).abs() < 0.05, "{beta:?}");
        assert!((beta[1] - 0.05).abs() < 0.005, "{beta:?}");
        // From a start near the optimum, the same optimum.
        let warm = fit_poisson_grouped(&groups, 2, 0.0, Some(&[0.3, 0.04])).expect("fits");
        assert!(largest_change(&warm, &beta) < 1e-6, "{warm:?} vs {beta:?}");
        // Nothing sold anywhere, or rows of the wrong width: nothing to fit.
        assert_eq!(fit_poisson_grouped(&groups[5..], 2, 1.0, None), None);
        assert_eq!(fit_poisson_grouped(&groups[..1], 3, 1.0, None), None);
    }
}
