//! Slow movers: articles that sell on some days and not on others.
//!
//! - The Syntetos–Boylan classification (2005) by the mean interval between sales (ADI)
//!   and the squared coefficient of variation of the sizes (CV²), cut at 1.32 and 0.49.
//! - Croston (1972): sizes and intervals smoothed apart, forecast size / interval.
//! - SBA (Syntetos & Boylan 2005): Croston times (1 − α/2), which removes its bias.
//! - TSB (Teunter, Syntetos & Babai 2011): the chance of a sale smoothed every period,
//!   so that a dying article's forecast falls even while it does not sell.
//!
//! Each takes the history in order (missing periods left out) and forecasts a flat rate
//! per period.

/// Demand pattern by Syntetos–Boylan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// Sells most periods, steady sizes.
    Smooth,
    /// Sells most periods, sizes vary a lot.
    Erratic,
    /// Long gaps, steady sizes.
    Intermittent,
    /// Long gaps, sizes vary a lot.
    Lumpy,
    /// No sale at all.
    NoSales,
}

impl Pattern {
    /// Whether Croston-type methods are the ones for it.
    pub fn is_intermittent(self) -> bool {
        matches!(self, Self::Intermittent | Self::Lumpy)
    }

    /// The pattern's name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Smooth => "smooth",
            Self::Erratic => "erratic",
            Self::Intermittent => "intermittent",
            Self::Lumpy => "lumpy",
            Self::NoSales => "no_sales",
        }
    }
}

/// The cut of the mean interval between sales.
pub const ADI_CUT: f64 = 1.32;
/// The cut of the squared coefficient of variation of the sizes.
pub const CV2_CUT: f64 = 0.49;

/// Classifies a history.
pub fn classify(history: &[f64]) -> Pattern {
    let sizes: Vec<f64> = history.iter().copied().filter(|&v| v > 0.0).collect();
    if sizes.is_empty() {
        return Pattern::NoSales;
    }
    let adi = history.len() as f64 / sizes.len() as f64;
    let mean = sizes.iter().sum::<f64>() / sizes.len() as f64;
    let var = sizes.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / sizes.len() as f64;
    let cv2 = var / (mean * mean);
    match (adi >= ADI_CUT, cv2 >= CV2_CUT) {
        (false, false) => Pattern::Smooth,
        (false, true) => Pattern::Erratic,
        (true, false) => Pattern::Intermittent,
        (true, true) => Pattern::Lumpy,
    }
}

/// Croston's size and interval, smoothed with `alpha`; `None` before the first sale.
fn croston_parts(history: &[f64], alpha: f64) -> Option<(f64, f64)> {
    let mut state: Option<(f64, f64)> = None;
    let mut since = 1.0;
    for &v in history {
        if v > 0.0 {
            state = Some(match state {
                None => (v, since),
                Some((z, p)) => (z + alpha * (v - z), p + alpha * (since - p)),
            });
            since = 1.0;
        } else {
            since += 1.0;
        }
    }
    state
}

/// Croston's rate per period.
pub fn croston(history: &[f64], alpha: f64) -> f64 {
    croston_parts(history, alpha).map_or(0.0, |(z, p)| z / p)
}

/// The Syntetos–Boylan approximation: Croston without its upward bias.
pub fn sba(history: &[f64], alpha: f64) -> f64 {
    croston(history, alpha) * (1.0 - alpha / 2.0)
}

/// TSB: the chance of a sale (smoothed every period with `beta`) times its size
/// (smoothed at each sale with `alpha`).
pub fn tsb(history: &[f64], alpha: f64, beta: f64) -> f64 {
    let Some(first) = history.iter().position(|&v| v > 0.0) else {
        return 0.0;
    };
    let mut size = history[first];
    let mut chance = 1.0 / (first + 1) as f64;
    for &v in &history[first + 1..] {
        if v > 0.0 {
            size += alpha * (v - size);
            chance += beta * (1.0 - chance);
        } else {
            chance -= beta * chance;
        }
    }
    chance * size
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_classes_follow_the_cuts() {
        assert_eq!(classify(&[5.0, 6.0, 5.0, 6.0]), Pattern::Smooth);
        assert_eq!(classify(&[1.0, 9.0, 1.0, 12.0]), Pattern::Erratic);
        assert_eq!(
            classify(&[0.0, 0.0, 4.0, 0.0, 0.0, 5.0]),
            Pattern::Intermittent
        );
        assert_eq!(classify(&[0.0, 0.0, 1.0, 0.0, 0.0, 12.0]), Pattern::Lumpy);
        assert_eq!(classify(&[0.0, 0.0]), Pattern::NoSales);
        assert!(!Pattern::Erratic.is_intermittent() && Pattern::Lumpy.is_intermittent());
    }

    #[test]
    fn croston_sba_and_tsb_estimate_a_steady_rate() {
        // Two units every fourth period: a rate of 0.5.
        let history: Vec<f64> = (0..200)
            .map(|t| if t % 4 == 3 { 2.0 } else { 0.0 })
            .collect();
        assert!((croston(&history, 0.1) - 0.5).abs() < 1e-6);
        assert!((sba(&history, 0.1) - 0.475).abs() < 1e-6);
        let t = tsb(&history, 0.1, 0.1);
        assert!((t - 0.5).abs() < 0.15, "{t}");
        // After a long run without sales TSB falls, Croston does not.
        let mut dying = history.clone();
        dying.extend(std::iter::repeat_n(0.0, 40));
        assert!(tsb(&dying, 0.1, 0.1) < 0.05);
        assert!((croston(&dying, 0.1) - 0.5).abs() < 1e-6);
        assert_eq!(croston(&[0.0; 5], 0.1), 0.0);
    }
}
