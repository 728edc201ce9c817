//! What the sample chain buys and from whom: articles (SKUs) with their temperature zone,
//! shelf life, volume and case pack, and suppliers with their lead times, delivery
//! weekdays, minimum order, delivery fee, truck volume and prices; some articles can be
//! bought from two suppliers (the specialist and a cash-and-carry at a higher price).
//!
//! Fixed tables, not drawn: the seed only moves demand (see [`crate::history`]).

use serde::{Deserialize, Serialize};

/// Where an article is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Zone {
    /// Freezer (−18 °C).
    Frozen,
    /// Refrigerator (0–5 °C).
    Chilled,
    /// Room temperature.
    Ambient,
}

impl Zone {
    /// The zone's name in files: `frozen`, `chilled`, `ambient`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Frozen => "frozen",
            Self::Chilled => "chilled",
            Self::Ambient => "ambient",
        }
    }
}

/// An article the chain sells or uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sku {
    /// Id, as in sales and purchase orders.
    pub id: String,
    /// What it is.
    pub name: String,
    /// Where it is kept.
    pub zone: Zone,
    /// Days from delivery to expiry.
    pub shelf_life_days: i64,
    /// Room one unit takes, millilitres.
    pub unit_ml: i64,
    /// Units in one case; orders are whole cases.
    pub case_pack: i64,
    /// What one unit brings in at the till, cents (a tub of ice cream counts as the
    /// scoops it serves).
    pub revenue_cents: i64,
    /// Its GTIN-14 as its cases' labels carry it: what a scan names it by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gtin: Option<String>,
}

/// A supplier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Supplier {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Days from ordering to delivery.
    pub lead_days: i64,
    /// Weekdays it delivers on (`mon` … `sun`).
    pub delivery_days: Vec<String>,
    /// Smallest order it takes, cents.
    pub min_order_cents: i64,
    /// What one delivery costs, cents.
    pub delivery_fee_cents: i64,
    /// Most room one delivery to one store carries, litres.
    pub truck_litres: i64,
}

impl Supplier {
    /// Whether it delivers on `date`.
    pub fn delivers_on(&self, date: chrono::NaiveDate) -> bool {
        use chrono::Datelike;
        let name = WEEKDAYS[date.weekday().num_days_from_monday() as usize];
        self.delivery_days.iter().any(|d| d == name)
    }
}

/// A supplier's price for an article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    /// The supplier's id.
    pub supplier: String,
    /// The article's id.
    pub sku: String,
    /// Price per unit, cents.
    pub unit_cost_cents: i64,
}

/// The articles, suppliers and prices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// Articles.
    pub skus: Vec<Sku>,
    /// Suppliers.
    pub suppliers: Vec<Supplier>,
    /// Prices; an article may have more than one.
    pub offers: Vec<Offer>,
    /// What the stores make themselves, and from what.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipes: Vec<Recipe>,
}

/// An article a store makes, in batches, from articles of the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipe {
    /// The article made: an id of its own, not an article bought.
    pub id: String,
    /// What it is.
    pub name: String,
    /// Where it is kept once made.
    pub zone: Zone,
    /// Hours a unit may be sold after its batch is made.
    pub shelf_life_hours: i64,
    /// Units one batch makes.
    pub batch_units: i64,
    /// What one batch uses.
    pub ingredients: Vec<RecipeLine>,
}

/// An ingredient of a recipe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecipeLine {
    /// An article of the catalog.
    pub sku: String,
    /// Whole units one batch uses.
    pub units: i64,
}

/// How an article sells, which [`crate::history`] draws sales from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Demand {
    /// Mean units a day at a coffee store and at a dessert store, on an ordinary
    /// weekday at 15 °C without a promotion.
    pub(crate) coffee: f64,
    pub(crate) dessert: f64,
    /// Change of the log of demand per °C above 15.
    pub(crate) per_degree: f64,
    /// Demand multiplier while on promotion (1: never promoted).
    pub(crate) promo_lift: f64,
    /// Servings the till sells from one unit (125 espressos from a kilo of beans, 50
    /// scoops from a tub); 1 for what is sold as it is bought.
    pub(crate) servings: f64,
}

struct Row {
    id: &'static str,
    name: &'static str,
    zone: Zone,
    shelf_life_days: i64,
    unit_ml: i64,
    case_pack: i64,
    revenue_cents: i64,
    demand: Demand,
    /// (supplier, cost per unit in cents)
    offers: &'static [(&'static str, i64)],
}

const fn d(coffee: f64, dessert: f64, per_degree: f64, promo_lift: f64, servings: f64) -> Demand {
    Demand {
        coffee,
        dessert,
        per_degree,
        promo_lift,
        servings,
    }
}

use Zone::{Ambient, Chilled, Frozen};

#[rustfmt::skip]
const ROWS: [Row; 29] = [
    Row { id: "BEAN-HOUSE", name: "House espresso beans 1 kg", zone: Ambient, shelf_life_days: 180, unit_ml: 1_500, case_pack: 6, revenue_cents: 9_000, demand: d(2.2, 0.8, -0.01, 1.0, 125.0), offers: &[("torrefacao-invicta", 1_450), ("cash-carry-maia", 1_690)] },
    Row { id: "BEAN-DECAF", name: "Decaf beans 1 kg", zone: Ambient, shelf_life_days: 180, unit_ml: 1_500, case_pack: 6, revenue_cents: 9_000, demand: d(0.3, 0.1, 0.0, 1.0, 125.0), offers: &[("torrefacao-invicta", 1_650)] },
    Row { id: "TEA-ASSORTED", name: "Tea bags, box of 100", zone: Ambient, shelf_life_days: 365, unit_ml: 900, case_pack: 12, revenue_cents: 15_000, demand: d(0.35, 0.2, -0.03, 1.0, 100.0), offers: &[("cash-carry-maia", 820)] },
    Row { id: "COCOA", name: "Hot chocolate powder 1 kg", zone: Ambient, shelf_life_days: 270, unit_ml: 1_200, case_pack: 6, revenue_cents: 6_000, demand: d(0.5, 0.6, -0.07, 1.4, 40.0), offers: &[("cash-carry-maia", 780)] },
    Row { id: "SYRUP-CARAMEL", name: "Caramel syrup 1 L", zone: Ambient, shelf_life_days: 365, unit_ml: 1_100, case_pack: 6, revenue_cents: 4_000, demand: d(0.25, 0.3, 0.0, 1.0, 40.0), offers: &[("cash-carry-maia", 690)] },
    Row { id: "CUP-12OZ", name: "Paper cups 12 oz, sleeve of 50", zone: Ambient, shelf_life_days: 3_650, unit_ml: 2_000, case_pack: 20, revenue_cents: 0, demand: d(3.2, 2.4, 0.01, 1.0, 50.0), offers: &[("embalagens-leca", 340), ("cash-carry-maia", 420)] },
    Row { id: "LID-12OZ", name: "Lids 12 oz, sleeve of 50", zone: Ambient, shelf_life_days: 3_650, unit_ml: 800, case_pack: 20, revenue_cents: 0, demand: d(2.9, 1.6, 0.0, 1.0, 50.0), offers: &[("embalagens-leca", 160), ("cash-carry-maia", 210)] },
    Row { id: "SUGAR-STICKS", name: "Sugar sticks, box of 1000", zone: Ambient, shelf_life_days: 730, unit_ml: 6_000, case_pack: 4, revenue_cents: 0, demand: d(0.18, 0.1, 0.0, 1.0, 1000.0), offers: &[("cash-carry-maia", 1_150)] },
    Row { id: "WATER-STILL", name: "Still water 0.5 L", zone: Ambient, shelf_life_days: 365, unit_ml: 550, case_pack: 24, revenue_cents: 120, demand: d(18.0, 22.0, 0.05, 1.3, 1.0), offers: &[("cash-carry-maia", 22)] },
    Row { id: "ICED-TEA", name: "Iced tea can 0.33 L", zone: Chilled, shelf_life_days: 270, unit_ml: 380, case_pack: 24, revenue_cents: 200, demand: d(9.0, 14.0, 0.08, 1.5, 1.0), offers: &[("cash-carry-maia", 48)] },
    Row { id: "MILK-WHOLE", name: "Fresh whole milk 1 L", zone: Chilled, shelf_life_days: 7, unit_ml: 1_100, case_pack: 6, revenue_cents: 1_100, demand: d(14.0, 6.0, -0.01, 1.0, 6.0), offers: &[("lactea-norte", 78), ("cash-carry-maia", 95)] },
    Row { id: "MILK-OAT", name: "Oat drink 1 L", zone: Chilled, shelf_life_days: 10, unit_ml: 1_100, case_pack: 6, revenue_cents: 1_300, demand: d(3.5, 1.5, 0.0, 1.0, 6.0), offers: &[("lactea-norte", 165)] },
    Row { id: "CREAM-35", name: "Whipping cream 35 % 1 L", zone: Chilled, shelf_life_days: 12, unit_ml: 1_100, case_pack: 6, revenue_cents: 2_500, demand: d(1.6, 3.4, 0.01, 1.0, 20.0), offers: &[("lactea-norte", 420)] },
    Row { id: "BUTTER", name: "Butter 250 g", zone: Chilled, shelf_life_days: 45, unit_ml: 300, case_pack: 20, revenue_cents: 0, demand: d(2.0, 1.2, 0.0, 1.0, 25.0), offers: &[("lactea-norte", 210), ("cash-carry-maia", 245)] },
    Row { id: "OJ-FRESH", name: "Fresh orange juice 1 L", zone: Chilled, shelf_life_days: 5, unit_ml: 1_100, case_pack: 6, revenue_cents: 1_200, demand: d(4.0, 3.0, 0.04, 1.5, 4.0), offers: &[("frutas-bolhao", 260)] },
    Row { id: "STRAWBERRY", name: "Strawberries 500 g", zone: Chilled, shelf_life_days: 3, unit_ml: 1_200, case_pack: 8, revenue_cents: 1_800, demand: d(1.2, 4.0, 0.03, 1.4, 5.0), offers: &[("frutas-bolhao", 290)] },
    Row { id: "LEMON", name: "Lemons 1 kg", zone: Chilled, shelf_life_days: 14, unit_ml: 1_500, case_pack: 5, revenue_cents: 900, demand: d(0.6, 0.5, 0.04, 1.0, 10.0), offers: &[("frutas-bolhao", 180), ("cash-carry-maia", 230)] },
    Row { id: "NATA", name: "Pastel de nata", zone: Chilled, shelf_life_days: 2, unit_ml: 120, case_pack: 12, revenue_cents: 130, demand: d(70.0, 30.0, -0.01, 1.3, 1.0), offers: &[("pastelaria-central", 38)] },
    Row { id: "CROISSANT", name: "Butter croissant", zone: Chilled, shelf_life_days: 2, unit_ml: 250, case_pack: 12, revenue_cents: 160, demand: d(45.0, 12.0, -0.01, 1.3, 1.0), offers: &[("pastelaria-central", 45)] },
    Row { id: "CHEESECAKE", name: "Whole cheesecake (12 slices)", zone: Chilled, shelf_life_days: 4, unit_ml: 3_000, case_pack: 1, revenue_cents: 4_200, demand: d(0.25, 0.8, 0.01, 1.0, 12.0), offers: &[("pastelaria-central", 1_350)] },
    Row { id: "BIRTHDAY-CAKE", name: "Celebration cake (whole)", zone: Chilled, shelf_life_days: 3, unit_ml: 5_000, case_pack: 1, revenue_cents: 3_500, demand: d(0.08, 0.3, 0.0, 1.0, 1.0), offers: &[("pastelaria-central", 1_500)] },
    Row { id: "IC-VANILLA", name: "Vanilla ice cream 5 L tub", zone: Frozen, shelf_life_days: 180, unit_ml: 5_500, case_pack: 2, revenue_cents: 9_000, demand: d(0.3, 2.2, 0.07, 1.3, 50.0), offers: &[("gelados-douro", 1_400), ("cash-carry-maia", 1_750)] },
    Row { id: "IC-CHOCOLATE", name: "Chocolate ice cream 5 L tub", zone: Frozen, shelf_life_days: 180, unit_ml: 5_500, case_pack: 2, revenue_cents: 9_000, demand: d(0.25, 1.8, 0.07, 1.3, 50.0), offers: &[("gelados-douro", 1_450)] },
    Row { id: "IC-PISTACHIO", name: "Pistachio ice cream 5 L tub", zone: Frozen, shelf_life_days: 180, unit_ml: 5_500, case_pack: 2, revenue_cents: 10_000, demand: d(0.05, 0.6, 0.07, 1.0, 50.0), offers: &[("gelados-douro", 2_100)] },
    Row { id: "POPSICLE", name: "Fruit popsicles, box of 20", zone: Frozen, shelf_life_days: 365, unit_ml: 2_500, case_pack: 4, revenue_cents: 4_000, demand: d(0.2, 0.9, 0.09, 1.6, 20.0), offers: &[("gelados-douro", 900)] },
    Row { id: "BERRIES-FROZEN", name: "Frozen mixed berries 1 kg", zone: Frozen, shelf_life_days: 365, unit_ml: 1_300, case_pack: 10, revenue_cents: 3_000, demand: d(0.6, 1.1, 0.05, 1.0, 10.0), offers: &[("cash-carry-maia", 540)] },
    Row { id: "RETAIL-BEANS-250", name: "House beans 250 g, retail bag", zone: Ambient, shelf_life_days: 180, unit_ml: 400, case_pack: 10, revenue_cents: 790, demand: d(0.6, 0.2, 0.0, 1.5, 1.0), offers: &[("torrefacao-invicta", 360)] },
    Row { id: "GIFT-BOX", name: "Chocolate gift box", zone: Ambient, shelf_life_days: 240, unit_ml: 1_500, case_pack: 6, revenue_cents: 1_450, demand: d(0.15, 0.4, -0.02, 1.0, 1.0), offers: &[("cash-carry-maia", 640)] },
    Row { id: "IC-TAKEHOME-1L", name: "Take-home ice cream 1 L", zone: Frozen, shelf_life_days: 180, unit_ml: 1_100, case_pack: 6, revenue_cents: 890, demand: d(0.1, 0.9, 0.08, 1.4, 1.0), offers: &[("gelados-douro", 390)] },
];

fn weekdays(list: &[&str]) -> Vec<String> {
    list.iter().map(|d| d.to_string()).collect()
}

fn suppliers() -> Vec<Supplier> {
    let all_but_sunday = ["mon", "tue", "wed", "thu", "fri", "sat"];
    let s = |id: &str, name: &str, lead, days: &[&str], min, fee, truck| Supplier {
        id: id.to_string(),
        name: name.to_string(),
        lead_days: lead,
        delivery_days: weekdays(days),
        min_order_cents: min,
        delivery_fee_cents: fee,
        truck_litres: truck,
    };
    vec![
        s(
            "lactea-norte",
            "Láctea do Norte (dairy)",
            1,
            &all_but_sunday,
            4_000,
            600,
            600,
        ),
        s(
            "pastelaria-central",
            "Pastelaria Central (bakery)",
            1,
            &["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            2_000,
            300,
            400,
        ),
        s(
            "frutas-bolhao",
            "Frutas do Bolhão (fruit)",
            1,
            &all_but_sunday,
            2_500,
            500,
            300,
        ),
        s(
            "gelados-douro",
            "Gelados do Douro (ice cream)",
            2,
            &["tue", "fri"],
            12_000,
            1_200,
            800,
        ),
        s(
            "torrefacao-invicta",
            "Torrefação Invicta (coffee roaster)",
            3,
            &["mon", "thu"],
            6_000,
            0,
            300,
        ),
        s(
            "embalagens-leca",
            "Embalagens Leça (packaging)",
            4,
            &["wed"],
            5_000,
            800,
            2_000,
        ),
        s(
            "cash-carry-maia",
            "Cash & Carry Maia (wholesale)",
            1,
            &["mon", "tue", "wed", "thu", "fri"],
            0,
            1_500,
            1_500,
        ),
    ]
}

/// A catalog that cannot be planned with: what is wrong, with a stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogError {
    /// `duplicate_id`, `bad_article`, `bad_supplier`, `unknown_reference`.
    pub code: &'static str,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl std::fmt::Display for CatalogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for CatalogError {}

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl Catalog {
    /// Recipes make an article of their own, good for some hours, a batch of at least
    /// one unit, from known articles in whole units.
    fn validate_recipes(&self) -> Result<(), CatalogError> {
        let err = |message: String| {
            Err(CatalogError {
                code: "bad_recipe",
                message,
            })
        };
        for (k, r) in self.recipes.iter().enumerate() {
            let taken = self.skus.iter().any(|s| s.id == r.id)
                || self.recipes[..k].iter().any(|o| o.id == r.id);
            if r.id.is_empty() || taken {
                return err(format!(
                    "recipe {:?} is empty, given twice or an article bought",
                    r.id
                ));
            }
            if r.shelf_life_hours < 1 || r.batch_units < 1 || r.ingredients.is_empty() {
                return err(format!(
                    "recipe {} needs shelf_life_hours and batch_units of 1 or more and an ingredient",
                    r.id
                ));
            }
            if let Some(l) = r
                .ingredients
                .iter()
                .find(|l| l.units < 1 || !self.skus.iter().any(|s| s.id == l.sku))
            {
                return err(format!(
                    "recipe {} uses {} units of {:?}: an article of the catalog, 1 unit or more",
                    r.id, l.units, l.sku
                ));
            }
        }
        Ok(())
    }

    /// The recipe that makes `id`.
    pub fn recipe(&self, id: &str) -> Option<&Recipe> {
        self.recipes.iter().find(|r| r.id == id)
    }

    /// Checks a catalog read from outside: unique ids, positive shelf lives, volumes and
    /// case packs, suppliers with known delivery weekdays and sane terms, offers of known
    /// articles from known suppliers at a price ≥ 0. An article nobody offers is allowed
    /// (planning reports it).
    pub fn validate(&self) -> Result<(), CatalogError> {
        let err = |code, message: String| Err(CatalogError { code, message });
        let mut seen = std::collections::HashSet::new();
        for id in self.skus.iter().map(|s| &s.id) {
            if id.is_empty() || !seen.insert(id) {
                return err(
                    "duplicate_id",
                    format!("article id {id:?} is empty or given twice"),
                );
            }
        }
        self.validate_recipes()?;
        for s in &self.skus {
            if s.shelf_life_days < 1 || s.unit_ml < 1 || s.case_pack < 1 || s.revenue_cents < 0 {
                return err(
                    "bad_article",
                    format!(
                        "{}: shelf life, unit volume and case pack must be ≥ 1 and revenue ≥ 0",
                        s.id
                    ),
                );
            }
        }
        let mut seen = std::collections::HashSet::new();
        for s in &self.suppliers {
            if s.id.is_empty() || !seen.insert(&s.id) {
                return err(
                    "duplicate_id",
                    format!("supplier id {:?} is empty or given twice", s.id),
                );
            }
            let bad_day = s
                .delivery_days
                .iter()
                .find(|d| !WEEKDAYS.contains(&d.as_str()));
            if let Some(d) = bad_day {
                return err(
                    "bad_supplier",
                    format!(
                        "{}: delivery day {d:?}: use mon, tue, wed, thu, fri, sat, sun",
                        s.id
                    ),
                );
            }
            if !(0..=60).contains(&s.lead_days)
                || s.min_order_cents < 0
                || s.delivery_fee_cents < 0
                || s.truck_litres < 1
            {
                return err(
                    "bad_supplier",
                    format!(
                        "{}: lead time 0 to 60 days, minimum order and fee ≥ 0, truck ≥ 1 litre",
                        s.id
                    ),
                );
            }
        }
        for o in &self.offers {
            let known = self.skus.iter().any(|s| s.id == o.sku)
                && self.suppliers.iter().any(|s| s.id == o.supplier);
            if !known || o.unit_cost_cents < 0 {
                return err(
                    "unknown_reference",
                    format!(
                        "offer of {} by {} at {} cents: both must be in the catalog, the price ≥ 0",
                        o.sku, o.supplier, o.unit_cost_cents
                    ),
                );
            }
        }
        Ok(())
    }

    /// Who sells article `sku` and at what price per unit: (supplier index, cents).
    pub fn offers_of(&self, sku: &str) -> Vec<(usize, i64)> {
        self.offers
            .iter()
            .filter(|o| o.sku == sku)
            .filter_map(|o| {
                let j = self.suppliers.iter().position(|s| s.id == o.supplier)?;
                Some((j, o.unit_cost_cents))
            })
            .collect()
    }
}

/// The `item`th GTIN-14 of the chain's own numbering: GS1 prefix 2 (restricted
/// circulation, meaningful only inside the chain), the item number, and the check digit.
pub fn restricted_gtin(item: u64) -> String {
    let body = format!("02{:011}", item % 100_000_000_000);
    let sum: u32 = body
        .chars()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(k, d)| if k % 2 == 0 { 3 * d } else { d })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// The chain's catalog.
pub fn catalog() -> Catalog {
    let skus = ROWS
        .iter()
        .enumerate()
        .map(|(k, r)| Sku {
            id: r.id.to_string(),
            name: r.name.to_string(),
            zone: r.zone,
            shelf_life_days: r.shelf_life_days,
            unit_ml: r.unit_ml,
            case_pack: r.case_pack,
            revenue_cents: r.revenue_cents,
            gtin: Some(restricted_gtin(k as u64 + 1)),
        })
        .collect();
    let offers = ROWS
        .iter()
        .flat_map(|r| {
            r.offers.iter().map(|(supplier, cost)| Offer {
                supplier: supplier.to_string(),
                sku: r.id.to_string(),
                unit_cost_cents: *cost,
            })
        })
        .collect();
    Catalog {
        skus,
        suppliers: suppliers(),
        offers,
        recipes: recipes(),
    }
}

/// What the sample chain's dessert stores make: a strawberry cake good for three hours
/// on the counter, and an ice-cream cake kept frozen for three days.
fn recipes() -> Vec<Recipe> {
    let line = |sku: &str, units| RecipeLine {
        sku: sku.to_string(),
        units,
    };
    vec![
        Recipe {
            id: "STRAWBERRY-CAKE".to_string(),
            name: "Strawberry cream cake, slice".to_string(),
            zone: Zone::Ambient,
            shelf_life_hours: 3,
            batch_units: 8,
            ingredients: vec![
                line("CREAM-35", 1),
                line("STRAWBERRY", 2),
                line("BUTTER", 1),
            ],
        },
        Recipe {
            id: "ICE-CREAM-CAKE".to_string(),
            name: "Vanilla and berry ice-cream cake".to_string(),
            zone: Zone::Frozen,
            shelf_life_hours: 72,
            batch_units: 2,
            ingredients: vec![line("IC-VANILLA", 1), line("BERRIES-FROZEN", 1)],
        },
    ]
}

/// How each article of [`catalog`] sells, in the same order.
pub(crate) fn demand() -> impl Iterator<Item = Demand> {
    ROWS.iter().map(|r| r.demand)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipes_make_articles_of_their_own_from_known_articles() {
        let c = catalog();
        assert!(c.validate().is_ok());
        assert_eq!(
            c.recipe("STRAWBERRY-CAKE").map(|r| r.shelf_life_hours),
            Some(3)
        );
        let mut bad = c.clone();
        bad.recipes[0].ingredients[0].sku = "NOPE".to_string();
        assert_eq!(bad.validate().map_err(|e| e.code), Err("bad_recipe"));
        let mut bought = c.clone();
        bought.recipes[0].id = "NATA".to_string();
        assert_eq!(bought.validate().map_err(|e| e.code), Err("bad_recipe"));
    }

    #[test]
    fn every_article_has_a_supplier_and_every_offer_a_known_supplier() {
        let c = catalog();
        for s in &c.skus {
            assert!(
                c.offers.iter().any(|o| o.sku == s.id),
                "{} has no supplier",
                s.id
            );
            assert!(s.case_pack >= 1 && s.unit_ml > 0 && s.shelf_life_days >= 1);
        }
        for o in &c.offers {
            assert!(
                c.suppliers.iter().any(|s| s.id == o.supplier),
                "{} is not a supplier",
                o.supplier
            );
        }
        let two = c
            .skus
            .iter()
            .filter(|s| c.offers.iter().filter(|o| o.sku == s.id).count() == 2)
            .count();
        assert!(two >= 5, "only {two} articles with two suppliers");
        for zone in [Zone::Frozen, Zone::Chilled, Zone::Ambient] {
            assert!(c.skus.iter().any(|s| s.zone == zone));
        }
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn a_catalog_from_outside_is_checked_with_codes() {
        let code = |edit: &dyn Fn(&mut Catalog)| {
            let mut c = catalog();
            edit(&mut c);
            c.validate().map_err(|e| e.code)
        };
        assert_eq!(
            code(&|c| c.skus[1].id = c.skus[0].id.clone()),
            Err("duplicate_id")
        );
        assert_eq!(code(&|c| c.skus[0].case_pack = 0), Err("bad_article"));
        assert_eq!(
            code(&|c| c.suppliers[0].delivery_days.push("monday".into())),
            Err("bad_supplier")
        );
        assert_eq!(
            code(&|c| c.suppliers[0].truck_litres = 0),
            Err("bad_supplier")
        );
        assert_eq!(
            code(&|c| c.offers[0].supplier = "nobody".into()),
            Err("unknown_reference")
        );
        assert_eq!(
            code(&|c| c.offers[0].unit_cost_cents = -1),
            Err("unknown_reference")
        );
        // An article nobody sells is planned around, not refused.
        assert_eq!(code(&|c| c.offers.retain(|o| o.sku != "NATA")), Ok(()));
    }
}
