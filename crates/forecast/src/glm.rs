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
        let change = next
            .iter()
            .zip(&beta)
            .map(|(n, o)| (n - o).abs())
            .fold(0.0, f64::max);
        beta = next;
        if change < 1e-6 {
            break;
        }
    }
    let (mut chi2, mut weights) = (0.0, 0.0);
    for r in 0..n {
        let mu = (eta(&beta, &x[r * p..(r + 1) * p]) + offset[r])
            .clamp(-30.0, 30.0)
            .exp()
            .max(1e-9);
        chi2 += w[r] * (y[r] - mu).powi(2) / mu;
        weights += w[r];
    }
    let dof = (weights - p as f64).max(1.0);
    Some(PoissonFit {
        beta,
        dispersion: (chi2 / dof).max(MIN_DISPERSION),
    })
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
}
