//! Two years of the sample chain's daily sales per store × article, drawn from a seed:
//! a weekday pattern by kind of store (coffee stores busiest on workdays, dessert stores
//! at weekends), Portuguese public holidays (and Porto's São João), a Porto temperature
//! series that drives ice cream and cold drinks up and hot chocolate down, chain-wide
//! week-long promotions, slow growth, a store-day shock shared by all articles (a
//! football match, a closed street), and over-dispersed counts of servings
//! (Gamma–Poisson), which makes slow movers intermittent.
//!
//! What the till counts are servings (an espresso, a scoop); what is bought and stocked
//! are units (a kilo of beans, a 5 L tub). Sales are recorded in units, to a thousandth:
//! 2.248 kg of beans is 281 espressos.
//!
//! Sales here are demand: stores are assumed never to run out in the history.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Gamma, LogNormal, Normal, Poisson};

use crate::catalog::{self, Catalog};
use crate::{Kind, SITES, SampleChain};

/// One day of the calendar.
#[derive(Debug, Clone, PartialEq)]
pub struct Day {
    /// The date.
    pub date: NaiveDate,
    /// The public holiday on that date, if any.
    pub holiday: Option<&'static str>,
    /// Porto's mean temperature that day, °C, to a tenth.
    pub temp_c: f64,
}

/// A chain-wide promotion of one article (known to the stores in advance).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promotion {
    /// The article's index in the catalog.
    pub sku: usize,
    /// First day, index into [`History::days`].
    pub first: usize,
    /// Last day, inclusive.
    pub last: usize,
}

/// Daily sales of every store × article.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// The articles (columns of `units`).
    pub catalog: Catalog,
    /// The stores' ids.
    pub stores: Vec<String>,
    /// The days, one after another.
    pub days: Vec<Day>,
    /// Promotions.
    pub promotions: Vec<Promotion>,
    /// Units sold, indexed `[(day * stores + store) * skus + sku]`.
    pub units: Vec<f64>,
    /// Units of the articles the stores make (the catalog's recipes) sold, whole,
    /// indexed `[(day * stores + store) * recipes + recipe]`.
    pub made: Vec<f64>,
}

impl History {
    /// Units of article `sku` sold at `store` on day `day` (indices).
    pub fn units(&self, day: usize, store: usize, sku: usize) -> f64 {
        self.units[(day * self.stores.len() + store) * self.catalog.skus.len() + sku]
    }

    /// Units of made article `recipe` sold at `store` on day `day` (indices).
    pub fn made_units(&self, day: usize, store: usize, recipe: usize) -> f64 {
        self.made[(day * self.stores.len() + store) * self.catalog.recipes.len() + recipe]
    }

    /// Whether article `sku` is on promotion on day `day`.
    pub fn on_promotion(&self, day: usize, sku: usize) -> bool {
        self.promotions
            .iter()
            .any(|p| p.sku == sku && (p.first..=p.last).contains(&day))
    }
}

/// The first day of the bundled history.
pub fn default_first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 12, 1).unwrap_or_default()
}

/// Days in the bundled history (two years, to 30 November 2026).
pub const DEFAULT_DAYS: usize = 730;

/// Easter Sunday of `year` (the anonymous Gregorian computus).
fn easter(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).unwrap_or_default()
}

/// Portugal's public holidays and Porto's municipal one.
pub fn holiday(date: NaiveDate) -> Option<&'static str> {
    let fixed = match (date.month(), date.day()) {
        (1, 1) => Some("Ano Novo"),
        (4, 25) => Some("Dia da Liberdade"),
        (5, 1) => Some("Dia do Trabalhador"),
        (6, 10) => Some("Dia de Portugal"),
        (6, 24) => Some("São João (Porto)"),
        (8, 15) => Some("Assunção de Nossa Senhora"),
        (10, 5) => Some("Implantação da República"),
        (11, 1) => Some("Dia de Todos os Santos"),
        (12, 1) => Some("Restauração da Independência"),
        (12, 8) => Some("Imaculada Conceição"),
        (12, 25) => Some("Natal"),
        _ => None,
    };
    if fixed.is_some() {
        return fixed;
    }
    let e = easter(date.year());
    if date == e - Duration::days(2) {
        Some("Sexta-feira Santa")
    } else if date == e {
        Some("Páscoa")
    } else if date == e + Duration::days(60) {
        Some("Corpo de Deus")
    } else {
        None
    }
}

/// Weekday multipliers, Monday first.
fn weekday_factor(kind: Kind, day: Weekday) -> f64 {
    const COFFEE: [f64; 7] = [1.06, 1.02, 1.0, 1.04, 1.1, 0.92, 0.8];
    const DESSERT: [f64; 7] = [0.78, 0.8, 0.86, 0.92, 1.12, 1.38, 1.22];
    let k = day.num_days_from_monday() as usize;
    match kind {
        Kind::Coffee => COFFEE[k],
        Kind::Dessert => DESSERT[k],
    }
}

fn holiday_factor(kind: Kind) -> f64 {
    match kind {
        Kind::Coffee => 0.72,
        Kind::Dessert => 1.35,
    }
}

/// Porto's daily mean temperature: a yearly wave (coolest mid-January, warmest early
/// August) and persistent weather anomalies.
fn temperatures(first: NaiveDate, days: usize, rng: &mut StdRng) -> Vec<f64> {
    let noise = Normal::new(0.0, 1.6).unwrap_or_else(|_| unreachable!("valid"));
    let mut anomaly = 0.0;
    (0..days)
        .map(|k| {
            let date = first + Duration::days(k as i64);
            let doy = f64::from(date.ordinal());
            let wave = 14.8 + 5.4 * (2.0 * std::f64::consts::PI * (doy - 115.0) / 365.25).sin();
            anomaly = 0.75 * anomaly + noise.sample(rng);
            ((wave + anomaly) * 10.0).round() / 10.0
        })
        .collect()
}

/// About six week-long promotions a year for each article that is ever promoted.
fn promotions(lifts: &[f64], days: usize, rng: &mut StdRng) -> Vec<Promotion> {
    let mut out = Vec::new();
    for (sku, &lift) in lifts.iter().enumerate() {
        if lift <= 1.0 {
            continue;
        }
        let mut day = rng.random_range(0..40);
        while day + 7 <= days {
            out.push(Promotion {
                sku,
                first: day,
                last: day + 6,
            });
            day += rng.random_range(35..90);
        }
    }
    out
}

fn kind_of(store_id: &str) -> Kind {
    SITES
        .iter()
        .find(|s| s.id == store_id)
        .map_or(Kind::Coffee, |s| s.kind)
}

/// `days` days of sales from `first` for the stores of `chain`, drawn from `seed`.
pub fn history(chain: &SampleChain, seed: u64, first: NaiveDate, days: usize) -> History {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5a1e_5eed);
    let catalog = catalog::catalog();
    let demand: Vec<catalog::Demand> = catalog::demand().collect();
    let temps = temperatures(first, days, &mut rng);
    let lifts: Vec<f64> = demand.iter().map(|d| d.promo_lift).collect();
    let promotions = promotions(&lifts, days, &mut rng);
    let stores: Vec<String> = chain.stores.iter().map(|s| s.id.clone()).collect();
    let kinds: Vec<Kind> = stores.iter().map(|s| kind_of(s)).collect();
    // Each store's size and yearly growth.
    let scale: Vec<f64> = stores.iter().map(|_| rng.random_range(0.7..1.4)).collect();
    let growth: Vec<f64> = stores
        .iter()
        .map(|_| rng.random_range(0.03..0.10))
        .collect();
    let shock = LogNormal::new(0.0, 0.04).unwrap_or_else(|_| unreachable!("valid"));
    // Gamma–Poisson: the Gamma's shape sets the over-dispersion (a coefficient of
    // variation of 1/√25 = 20 % on top of the counts' own).
    const SHAPE: f64 = 25.0;
    let gamma = Gamma::new(SHAPE, 1.0 / SHAPE).unwrap_or_else(|_| unreachable!("valid"));
    let mut promoted = vec![false; days * demand.len()];
    for p in &promotions {
        for day in p.first..=p.last.min(days - 1) {
            promoted[day * demand.len() + p.sku] = true;
        }
    }
    let mut calendar = Vec::with_capacity(days);
    let mut units = Vec::with_capacity(days * stores.len() * demand.len());
    // Each store-day's size, for the made articles' sales.
    let mut bases = Vec::with_capacity(days * stores.len());
    for (day, &temp_c) in temps.iter().enumerate() {
        let date = first + Duration::days(day as i64);
        let hol = holiday(date);
        calendar.push(Day {
            date,
            holiday: hol,
            temp_c,
        });
        let years = day as f64 / 365.25;
        for (s, &kind) in kinds.iter().enumerate() {
            let base = scale[s]
                * (1.0 + growth[s]).powf(years)
                * weekday_factor(kind, date.weekday())
                * if hol.is_some() {
                    holiday_factor(kind)
                } else {
                    1.0
                }
                * shock.sample(&mut rng);
            bases.push(base);
            for (k, d) in demand.iter().enumerate() {
                let per_kind = match kind {
                    Kind::Coffee => d.coffee,
                    Kind::Dessert => d.dessert,
                };
                let lift = if promoted[day * demand.len() + k] {
                    d.promo_lift
                } else {
                    1.0
                };
                let servings = base
                    * per_kind
                    * d.servings
                    * (d.per_degree * (temp_c - 15.0)).exp()
                    * lift
                    * gamma.sample(&mut rng);
                let n = if servings > 0.0 {
                    Poisson::new(servings).map_or(0.0, |p| p.sample(&mut rng))
                } else {
                    0.0
                };
                units.push((n / d.servings * 1000.0).round() / 1000.0);
            }
        }
    }
    let made = made_sales(seed, &catalog, &kinds, &calendar, &bases);
    History {
        catalog,
        stores,
        days: calendar,
        promotions,
        units,
        made,
    }
}

/// How a made article sells at a dessert store of average size on an average day:
/// units a day and the change per degree above 15 °C; coffee stores do not make them.
fn made_demand(recipe: &str) -> (f64, f64) {
    match recipe {
        "STRAWBERRY-CAKE" => (22.0, 0.0),
        "ICE-CREAM-CAKE" => (1.6, 0.05),
        _ => (0.0, 0.0),
    }
}

/// The made articles' daily sales, whole units, indexed as [`History::made`], drawn from
/// a stream of their own (the bought articles' sales do not change with them): each
/// store-day's size (`bases`, the same as its bought articles') × the article's rate ×
/// the temperature's effect, over-dispersed as the rest.
fn made_sales(
    seed: u64,
    catalog: &Catalog,
    kinds: &[Kind],
    calendar: &[Day],
    bases: &[f64],
) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x0b4c_ed00);
    let gamma = Gamma::new(25.0, 1.0 / 25.0).unwrap_or_else(|_| unreachable!("valid"));
    let mut made = Vec::with_capacity(bases.len() * catalog.recipes.len());
    for (i, &base) in bases.iter().enumerate() {
        let temp_c = calendar[i / kinds.len()].temp_c;
        for r in &catalog.recipes {
            let (rate, per_degree) = match kinds[i % kinds.len()] {
                Kind::Dessert => made_demand(&r.id),
                Kind::Coffee => (0.0, 0.0),
            };
            let mean = base * rate * (per_degree * (temp_c - 15.0)).exp() * gamma.sample(&mut rng);
            made.push(if mean > 0.0 {
                Poisson::new(mean).map_or(0.0, |p| p.sample(&mut rng))
            } else {
                0.0
            });
        }
    }
    made
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DEFAULT_COURIERS, DEFAULT_SEED, generate};

    #[test]
    fn easter_and_the_holidays_that_follow_it_are_right() {
        assert_eq!(
            easter(2025),
            NaiveDate::from_ymd_opt(2025, 4, 20).unwrap_or_default()
        );
        assert_eq!(
            easter(2026),
            NaiveDate::from_ymd_opt(2026, 4, 5).unwrap_or_default()
        );
        let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default();
        assert_eq!(holiday(d(4, 3)), Some("Sexta-feira Santa"));
        assert_eq!(holiday(d(6, 4)), Some("Corpo de Deus"));
        assert_eq!(holiday(d(6, 24)), Some("São João (Porto)"));
        assert_eq!(holiday(d(6, 23)), None);
    }

    #[test]
    fn the_history_is_seeded_and_shows_the_patterns_it_is_drawn_from() {
        let chain = generate(DEFAULT_SEED, DEFAULT_COURIERS);
        let a = history(&chain, 1, default_first_day(), 400);
        assert_eq!(a, history(&chain, 1, default_first_day(), 400));
        assert_ne!(a.units, history(&chain, 2, default_first_day(), 400).units);
        assert_eq!(a.units.len(), 400 * 12 * a.catalog.skus.len());
        let sku = |id: &str| {
            a.catalog
                .skus
                .iter()
                .position(|s| s.id == id)
                .unwrap_or(usize::MAX)
        };
        // Ice cream sells more on the warmest quarter of days than on the coldest.
        let ice = sku("IC-VANILLA");
        let mut by_temp: Vec<(f64, f64)> = (0..a.days.len())
            .map(|d| {
                let sold: f64 = (0..a.stores.len()).map(|s| a.units(d, s, ice)).sum();
                (a.days[d].temp_c, sold)
            })
            .collect();
        by_temp.sort_by(|x, y| x.0.total_cmp(&y.0));
        let q = by_temp.len() / 4;
        let cold: f64 = by_temp[..q].iter().map(|x| x.1).sum();
        let warm: f64 = by_temp[by_temp.len() - q..].iter().map(|x| x.1).sum();
        assert!(warm > cold * 2.0, "warm {warm} vs cold {cold}");
        // A slow mover sells nothing on most days.
        let cake = sku("BIRTHDAY-CAKE");
        let zero = (0..a.days.len())
            .filter(|&d| a.units(d, 0, cake) == 0.0)
            .count();
        assert!(zero > a.days.len() / 2, "{zero} days without a sale");
        assert!(!a.promotions.is_empty());
    }

    #[test]
    fn only_dessert_stores_sell_what_they_make() {
        let chain = generate(DEFAULT_SEED, DEFAULT_COURIERS);
        let a = history(&chain, 1, default_first_day(), 120);
        assert_eq!(a.made.len(), 120 * 12 * a.catalog.recipes.len());
        assert!(a.made.iter().all(|u| *u >= 0.0 && u.fract() == 0.0));
        let strawberry = a
            .catalog
            .recipes
            .iter()
            .position(|r| r.id == "STRAWBERRY-CAKE")
            .unwrap_or(usize::MAX);
        for (s, store) in a.stores.iter().enumerate() {
            let sold: f64 = (0..120).map(|d| a.made_units(d, s, strawberry)).sum();
            match kind_of(store) {
                Kind::Coffee => assert_eq!(sold, 0.0, "{store}"),
                Kind::Dessert => assert!(sold / 120.0 > 10.0, "{store}: {sold}"),
            }
        }
    }
}
