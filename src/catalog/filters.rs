//! Narrowing a listing or search results: price range, in stock, on offer,
//! minimum rating (the category is the page's own, or a search parameter),
//! and the count each choice would give. Filters live in the URL, so a
//! narrowed page can be shared, bookmarked and left with the back button.
//!
//! Counts follow the usual shop rule: a choice's count is what the page
//! would hold with that choice made and every *other* filter kept, so
//! picking a second price range never shows "0" for all the others.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The edges of the price ranges offered, in the store's currency: under 5,
/// 5 to 10, …, 1,000 and over (groceries sit low, laptops high). A range
/// includes its lower edge, not its upper.
pub const PRICE_EDGES: [u32; 8] = [5, 10, 25, 50, 100, 250, 500, 1000];
/// The minimum-rating choices offered, best first.
pub const RATING_CHOICES: [u8; 4] = [4, 3, 2, 1];

/// Filters a shopper has chosen. `max_price` is exclusive ("under").
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Filters {
    pub min_price: Option<Decimal>,
    pub max_price: Option<Decimal>,
    pub in_stock: bool,
    pub on_offer: bool,
    /// Average rating at least this (1–5).
    pub min_rating: Option<u8>,
}

impl Filters {
    /// Reads the URL parameters `min`, `max`, `stock`, `offer` and `rating`;
    /// a malformed value is a 400 naming it. A range typed backwards is turned round.
    pub fn parse<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Self, AppError> {
        let bad = |what: &str| AppError::BadRequest(format!("That link has an invalid {what}."));
        let present = |name: &str| get(name).map(str::trim).filter(|v| !v.is_empty());
        let price = |name: &str, what: &str| match present(name) {
            None => Ok(None),
            Some(value) => value
                .parse::<Decimal>()
                .ok()
                .filter(|d| !d.is_sign_negative() && d.scale() <= 2 && *d < Decimal::from(1_000_000_000))
                .map(|d| Some(d.normalize()))
                .ok_or_else(|| bad(what)),
        };
        let flag = |name: &str, what: &str| match present(name) {
            None => Ok(false),
            Some("1" | "on" | "true") => Ok(true),
            Some(_) => Err(bad(what)),
        };
        let (mut min_price, mut max_price) = (price("min", "minimum price")?, price("max", "maximum price")?);
        if let (Some(min), Some(max)) = (min_price, max_price)
            && min > max
        {
            (min_price, max_price) = (Some(max), Some(min));
        }
        let min_rating = match present("rating") {
            None => None,
            Some(value) => Some(value.parse::<u8>().ok().filter(|r| (1..=5).contains(r)).ok_or_else(|| bad("rating"))?),
        };
        Ok(Filters {
            min_price,
            max_price,
            in_stock: flag("stock", "stock filter")?,
            on_offer: flag("offer", "offer filter")?,
            min_rating,
        })
    }

    /// The URL parameters, in a fixed order (`min=10`, `stock=1`, …).
    pub fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = Vec::new();
        if let Some(min) = self.min_price {
            params.push(("min", min.normalize().to_string()));
        }
        if let Some(max) = self.max_price {
            params.push(("max", max.normalize().to_string()));
        }
        if self.in_stock {
            params.push(("stock", "1".to_owned()));
        }
        if self.on_offer {
            params.push(("offer", "1".to_owned()));
        }
        if let Some(rating) = self.min_rating {
            params.push(("rating", rating.to_string()));
        }
        params
    }

    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }

    /// How many filters are on, as the panel's "Filters" button counts them
    /// (a price range is one).
    pub fn active(&self) -> usize {
        let price = self.min_price.is_some() || self.max_price.is_some();
        [price, self.in_stock, self.on_offer, self.min_rating.is_some()].into_iter().filter(|on| *on).count()
    }

    pub fn with_price(&self, min: Option<Decimal>, max: Option<Decimal>) -> Self {
        Filters { min_price: min, max_price: max, ..self.clone() }
    }

    pub fn with_rating(&self, min_rating: Option<u8>) -> Self {
        Filters { min_rating, ..self.clone() }
    }

    pub fn toggle_stock(&self) -> Self {
        Filters { in_stock: !self.in_stock, ..self.clone() }
    }

    pub fn toggle_offer(&self) -> Self {
        Filters { on_offer: !self.on_offer, ..self.clone() }
    }
}

/// One of the offered price ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceRange {
    pub min: Option<u32>,
    pub max: Option<u32>,
}

impl PriceRange {
    /// The ranges in order; the `i`th is what Postgres' `width_bucket(price, PRICE_EDGES)` calls `i`.
    pub fn all() -> Vec<PriceRange> {
        let mut ranges = Vec::with_capacity(PRICE_EDGES.len() + 1);
        let mut low = None;
        for edge in PRICE_EDGES {
            ranges.push(PriceRange { min: low, max: Some(edge) });
            low = Some(edge);
        }
        ranges.push(PriceRange { min: low, max: None });
        ranges
    }

    pub fn bounds(self) -> (Option<Decimal>, Option<Decimal>) {
        (self.min.map(Decimal::from), self.max.map(Decimal::from))
    }

    /// "Under $10", "$10 to $25", "$250 and over".
    pub fn label(self, currency: crate::money::Currency) -> String {
        let money = |amount: u32| {
            let text = currency.format(Decimal::from(amount));
            text.strip_suffix(".00").map(str::to_owned).unwrap_or(text)
        };
        match (self.min, self.max) {
            (None, Some(max)) => format!("Under {}", money(max)),
            (Some(min), Some(max)) => format!("{} to {}", money(min), money(max)),
            (Some(min), None) => format!("{} and over", money(min)),
            (None, None) => "Any price".to_owned(),
        }
    }
}

/// A category among the results, with how many products it would show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCount {
    pub name: String,
    pub slug: String,
    pub count: i64,
    pub selected: bool,
}

/// The counts beside every choice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facets {
    /// Products matching every filter.
    pub total: i64,
    /// Categories with products under the other filters, by name.
    pub categories: Vec<CategoryCount>,
    /// Each of `PriceRange::all()` with its count.
    pub prices: Vec<(PriceRange, i64)>,
    pub in_stock: i64,
    pub on_offer: i64,
    /// Each of `RATING_CHOICES` with its count.
    pub ratings: Vec<(u8, i64)>,
}

/// How many products share one combination of the facets' values; a listing's
/// or search's products grouped this way (a few hundred cells at most) answer
/// every count without another query.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, sqlx::FromRow)]
pub struct FacetCell {
    pub category_id: i64,
    /// The price range, as `width_bucket` numbers them (0 = under the first edge).
    pub bucket: i32,
    /// Within the shopper's own price range (true when they chose none).
    pub in_range: bool,
    pub in_stock: bool,
    pub on_offer: bool,
    /// The average rating rounded down (0 without reviews).
    pub stars: i32,
    pub count: i64,
}

/// The facet a cell fails, if it fails exactly one.
#[cfg(feature = "ssr")]
#[derive(Clone, Copy, PartialEq, Eq)]
enum Facet {
    Category,
    Price,
    Stock,
    Offer,
    Rating,
}

/// Every count for `filters` within `category` (`None`: all categories), from the cells.
///
/// A choice's count keeps every filter but its own facet's, so a cell counts
/// for every choice when it passes all filters, for its failing facet's
/// choices when it fails just one, and for none when it fails more: one
/// pass over the cells answers every count.
#[cfg(feature = "ssr")]
pub fn count_facets(
    cells: &[FacetCell],
    categories: &[super::Category],
    category: Option<i64>,
    filters: &Filters,
) -> Facets {
    let ranges = PriceRange::all();
    // Beside `categories`, found by a scan: a store has tens of them.
    let mut by_category = vec![0_i64; categories.len()];
    let mut prices = vec![0_i64; ranges.len()];
    let mut ratings = [0_i64; RATING_CHOICES.len()];
    let (mut total, mut in_stock, mut on_offer) = (0, 0, 0);
    for cell in cells {
        let checks = [
            (Facet::Category, category.is_none_or(|id| cell.category_id == id)),
            (Facet::Price, cell.in_range),
            (Facet::Stock, !filters.in_stock || cell.in_stock),
            (Facet::Offer, !filters.on_offer || cell.on_offer),
            (Facet::Rating, filters.min_rating.is_none_or(|r| cell.stars >= i32::from(r))),
        ];
        let mut failed = checks.iter().filter(|(_, ok)| !ok).map(|(facet, _)| *facet);
        let (first, second) = (failed.next(), failed.next());
        if second.is_some() {
            continue;
        }
        let counts_for = |facet: Facet| first.is_none_or(|failed| failed == facet);
        if first.is_none() {
            total += cell.count;
        }
        if counts_for(Facet::Category)
            && let Some(i) = categories.iter().position(|c| c.id.0 == cell.category_id)
        {
            by_category[i] += cell.count;
        }
        if counts_for(Facet::Price)
            && let Some(slot) = usize::try_from(cell.bucket).ok().and_then(|i| prices.get_mut(i))
        {
            *slot += cell.count;
        }
        if counts_for(Facet::Stock) && cell.in_stock {
            in_stock += cell.count;
        }
        if counts_for(Facet::Offer) && cell.on_offer {
            on_offer += cell.count;
        }
        if counts_for(Facet::Rating) {
            for (slot, r) in ratings.iter_mut().zip(RATING_CHOICES) {
                if cell.stars >= i32::from(r) {
                    *slot += cell.count;
                }
            }
        }
    }
    let categories = categories
        .iter()
        .zip(by_category)
        .map(|(c, count)| CategoryCount {
            name: c.name.clone(),
            slug: c.slug.clone(),
            count,
            selected: category == Some(c.id.0),
        })
        .filter(|c| c.count > 0 || c.selected)
        .collect();
    Facets {
        total,
        categories,
        prices: ranges.into_iter().zip(prices).collect(),
        in_stock,
        on_offer,
        ratings: RATING_CHOICES.into_iter().zip(ratings).collect(),
    }
}

/// The price edges as Postgres' `width_bucket` takes them.
#[cfg(feature = "ssr")]
pub fn price_edges() -> Vec<Decimal> {
    PRICE_EDGES.iter().map(|&edge| Decimal::from(edge)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(pairs: &[(&str, &str)]) -> Result<Filters, AppError> {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        Filters::parse(|name| map.get(name).copied())
    }

    #[test]
    fn filters_round_trip_through_the_url() {
        let filters =
            parse(&[("min", "10.50"), ("max", "25"), ("stock", "1"), ("offer", "on"), ("rating", "4")]).unwrap();
        assert_eq!(filters.min_price, Some(Decimal::new(105, 1)));
        let params = filters.params();
        assert_eq!(
            params,
            vec![
                ("min", "10.5".into()),
                ("max", "25".into()),
                ("stock", "1".into()),
                ("offer", "1".into()),
                ("rating", "4".into())
            ]
        );
        let again: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(parse(&again).unwrap(), filters);
        assert!(parse(&[("min", ""), ("stock", "")]).unwrap().is_empty());
    }

    #[test]
    fn active_filters_are_counted_with_a_price_range_as_one() {
        assert_eq!(Filters::default().active(), 0);
        let filters = parse(&[("min", "5"), ("max", "20"), ("offer", "1"), ("rating", "4")]).unwrap();
        assert_eq!(filters.active(), 3);
    }

    #[test]
    fn a_backwards_range_is_turned_round_and_bad_values_are_named() {
        let filters = parse(&[("min", "50"), ("max", "10")]).unwrap();
        assert_eq!((filters.min_price, filters.max_price), (Some(Decimal::from(10)), Some(Decimal::from(50))));
        for (name, value, message) in [
            ("min", "cheap", "minimum price"),
            ("max", "-3", "maximum price"),
            ("min", "1.005", "minimum price"),
            ("rating", "6", "rating"),
            ("rating", "0", "rating"),
            ("stock", "yes please", "stock filter"),
        ] {
            let error = parse(&[(name, value)]).unwrap_err();
            assert_eq!(error, AppError::BadRequest(format!("That link has an invalid {message}.")), "{name}={value}");
        }
    }

    #[test]
    fn price_ranges_cover_every_price_once() {
        let ranges = PriceRange::all();
        assert_eq!(ranges.len(), PRICE_EDGES.len() + 1);
        assert_eq!(ranges[0].label(crate::money::Currency::USD), "Under $5");
        assert_eq!(ranges[2].label(crate::money::Currency::USD), "$10 to $25");
        assert_eq!(ranges[8].label(crate::money::Currency::parse("EUR").unwrap()), "€1,000 and over");
        for pair in ranges.windows(2) {
            assert_eq!(pair[0].max, pair[1].min, "ranges meet without gaps");
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn each_count_keeps_every_other_filter() {
        use crate::catalog::{Category, CategoryId};
        let cat = |id: i64, name: &str| Category {
            id: CategoryId(id),
            name: name.into(),
            slug: name.to_lowercase(),
            description: String::new(),
        };
        let cell = |category_id, bucket, in_stock, on_offer, stars, count| FacetCell {
            category_id,
            bucket,
            in_range: true,
            in_stock,
            on_offer,
            stars,
            count,
        };
        let cells = [
            cell(1, 0, true, false, 4, 3),
            cell(1, 1, false, true, 0, 2),
            cell(2, 1, true, true, 5, 4),
            cell(2, 3, true, false, 2, 1),
        ];
        let categories = [cat(1, "Fruit"), cat(2, "Tech"), cat(3, "Empty")];
        let all = count_facets(&cells, &categories, None, &Filters::default());
        assert_eq!(all.total, 10);
        assert_eq!(
            all.categories.iter().map(|c| (c.slug.as_str(), c.count)).collect::<Vec<_>>(),
            [("fruit", 5), ("tech", 5)]
        );
        assert_eq!(all.prices.iter().map(|p| p.1).collect::<Vec<_>>(), [3, 6, 0, 1, 0, 0, 0, 0, 0]);
        assert_eq!((all.in_stock, all.on_offer), (8, 6));
        assert_eq!(all.ratings, [(4, 7), (3, 7), (2, 8), (1, 8)]);

        // In stock within Fruit: the stock count ignores the stock filter,
        // the category counts ignore the category.
        let filters = Filters { in_stock: true, ..Filters::default() };
        let fruit = count_facets(&cells, &categories, Some(1), &filters);
        assert_eq!(fruit.total, 3);
        assert_eq!(fruit.in_stock, 3);
        assert_eq!(fruit.on_offer, 0);
        assert_eq!(
            fruit.categories.iter().map(|c| (c.slug.as_str(), c.count, c.selected)).collect::<Vec<_>>(),
            [("fruit", 3, true), ("tech", 5, false)]
        );
        assert_eq!(fruit.prices.iter().map(|p| p.1).collect::<Vec<_>>(), [3, 0, 0, 0, 0, 0, 0, 0, 0]);
    }
}
