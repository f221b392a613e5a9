//! Narrowing a listing or search results: price range, in stock, on offer,
//! minimum rating, option values such as a size or a colour (the category
//! is the page's own, or a search parameter), and the count each choice
//! would give. Filters live in the URL, so a
//! narrowed page can be shared, bookmarked and left with the back button.
//!
//! Counts follow the usual shop rule: a choice's count is what the page
//! would hold with that choice made and every *other* filter kept, so
//! picking a second price range never shows "0" for all the others.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The edges of the price ranges offered, in the store's currency: under 5,
/// 5 to 10, …, 1,000 and over (groceries sit low, laptops high). A range
/// includes its lower edge, not its upper.
pub const PRICE_EDGES: [u32; 8] = [5, 10, 25, 50, 100, 250, 500, 1000];
/// The minimum-rating choices offered, best first.
pub const RATING_CHOICES: [u8; 4] = [4, 3, 2, 1];
/// At most this many options in one filter, and values of one option: a
/// link narrows a listing, it is not a query language.
pub const MAX_OPTION_FILTERS: usize = 8;
pub const MAX_OPTION_VALUES: usize = 30;

/// Filters a shopper has chosen. `max_price` is exclusive ("under").
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Filters {
    pub min_price: Option<Decimal>,
    pub max_price: Option<Decimal>,
    pub in_stock: bool,
    pub on_offer: bool,
    /// Average rating at least this (1–5).
    pub min_rating: Option<u8>,
    /// Option values chosen, by option slug, each list sorted: a product
    /// passes when, for every option named, some active variant has one of
    /// its chosen values (`opt=colour:blue;size:l,m`).
    #[serde(default)]
    pub options: BTreeMap<String, Vec<String>>,
}

impl Filters {
    /// Reads the URL parameters `min`, `max`, `stock`, `offer`, `rating`
    /// and `opt`; a malformed value is a 400 naming it. A range typed backwards is turned round.
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
        // Taken exactly as written (no trimming), as the API documents it.
        let options = match get("opt").filter(|v| !v.is_empty()) {
            None => BTreeMap::new(),
            Some(value) => parse_options(value).ok_or_else(|| bad("option filter"))?,
        };
        Ok(Filters {
            min_price,
            max_price,
            in_stock: flag("stock", "stock filter")?,
            on_offer: flag("offer", "offer filter")?,
            min_rating,
            options,
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
        if !self.options.is_empty() {
            params.push(("opt", self.options_param()));
        }
        params
    }

    /// The option filters as the `opt` parameter writes them: `colour:blue;size:l,m`.
    pub fn options_param(&self) -> String {
        let groups: Vec<String> =
            self.options.iter().map(|(option, values)| format!("{option}:{}", values.join(","))).collect();
        groups.join(";")
    }

    /// The filter keys (`size:m`) of each option filtered on, in the
    /// options' order: a product passes with one key of every group.
    pub fn option_groups(&self) -> Vec<(&str, Vec<String>)> {
        self.options
            .iter()
            .map(|(option, values)| (option.as_str(), values.iter().map(|value| format!("{option}:{value}")).collect()))
            .collect()
    }

    /// A product page's query choosing the value of each option narrowed to
    /// one (`colour=blue&size=m`), so a card leads to what was asked for;
    /// `None` when no option is narrowed to one value.
    pub fn product_choice(&self) -> Option<String> {
        let pairs: Vec<String> = self
            .options
            .iter()
            .filter_map(|(option, values)| match values.as_slice() {
                [value] => Some(format!("{option}={value}")),
                _ => None,
            })
            .collect();
        (!pairs.is_empty()).then(|| pairs.join("&"))
    }

    /// Every chosen filter key, as the search's SQL takes them.
    pub fn option_keys(&self) -> Vec<String> {
        self.option_groups().into_iter().flat_map(|(_, keys)| keys).collect()
    }

    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }

    /// How many filters are on, as the panel's "Filters" button counts them
    /// (a price range is one).
    pub fn active(&self) -> usize {
        let price = self.min_price.is_some() || self.max_price.is_some();
        [price, self.in_stock, self.on_offer, self.min_rating.is_some()].into_iter().filter(|on| *on).count()
            + self.options.len()
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

    /// These filters with `value` of `option` chosen, or no longer chosen.
    pub fn toggle_option(&self, option: &str, value: &str) -> Self {
        let mut options = self.options.clone();
        let values = options.entry(option.to_owned()).or_default();
        match values.binary_search_by(|v| v.as_str().cmp(value)) {
            Ok(at) => {
                values.remove(at);
            }
            Err(at) => values.insert(at, value.to_owned()),
        }
        if values.is_empty() {
            options.remove(option);
        }
        Filters { options, ..self.clone() }
    }
}

/// `colour:blue;size:m,l` as option slug → sorted value slugs; `None` when
/// malformed or longer than a listing takes (more than `MAX_OPTION_FILTERS`
/// groups, `MAX_OPTION_VALUES` values in one, a slug over 60 characters).
/// Letters are taken in either case.
fn parse_options(text: &str) -> Option<BTreeMap<String, Vec<String>>> {
    let slug = |text: &str| {
        let fits = (1..=60).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        fits.then(|| text.to_ascii_lowercase())
    };
    let groups: Vec<&str> = text.split(';').collect();
    if groups.len() > MAX_OPTION_FILTERS {
        return None;
    }
    let mut options: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for group in groups {
        let (option, values) = group.split_once(':')?;
        let values: Vec<&str> = values.split(',').collect();
        if values.len() > MAX_OPTION_VALUES {
            return None;
        }
        let chosen = options.entry(slug(option)?).or_default();
        for value in values {
            chosen.push(slug(value)?);
        }
        chosen.sort();
        chosen.dedup();
    }
    Some(options)
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

/// An option offered as a filter ("Size"), with its values' counts in the
/// shop's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionFacet {
    pub name: String,
    pub slug: String,
    pub values: Vec<ValueCount>,
}

/// One value of an option ("M") and how many products it would show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueCount {
    pub label: String,
    pub slug: String,
    pub count: i64,
    pub selected: bool,
}

/// What a filter key (`size:m`) is called: the option's name and the
/// value's, as products spell them (one spelling per slug). Read in the
/// order the panel lists them.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionLabel {
    pub option: String,
    pub name: String,
    pub value: String,
    pub label: String,
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
    /// Options whose values some counted product has (or that are chosen).
    #[serde(default)]
    pub options: Vec<OptionFacet>,
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
    /// The filter keys of its option values (`size:m`), sorted.
    pub options: Vec<String>,
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
    /// The option filtered on at this place in `Filters::option_groups`.
    Option(usize),
}

/// Every count for `filters` within `category` (`None`: all categories), from
/// the cells; `labels` name the option values, in the panel's order.
///
/// A choice's count keeps every filter but its own facet's, so a cell counts
/// for every choice when it passes all filters, for its failing facet's
/// choices when it fails just one, and for none when it fails more: one
/// pass over the cells answers every count.
#[cfg(feature = "ssr")]
pub fn count_facets(
    cells: &[FacetCell],
    categories: &[super::Category],
    labels: &[OptionLabel],
    category: Option<i64>,
    filters: &Filters,
) -> Facets {
    let ranges = PriceRange::all();
    let groups = filters.option_groups();
    // Beside `categories`, found by a scan: a store has tens of them.
    let mut by_category = vec![0_i64; categories.len()];
    let mut prices = vec![0_i64; ranges.len()];
    let mut ratings = [0_i64; RATING_CHOICES.len()];
    let mut by_value: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
    let (mut total, mut in_stock, mut on_offer) = (0, 0, 0);
    for cell in cells {
        let (mut first, mut more) = (None, false);
        let mut check = |facet: Facet, ok: bool| {
            if !ok {
                more |= first.is_some();
                first = first.or(Some(facet));
            }
        };
        check(Facet::Category, category.is_none_or(|id| cell.category_id == id));
        check(Facet::Price, cell.in_range);
        check(Facet::Stock, !filters.in_stock || cell.in_stock);
        check(Facet::Offer, !filters.on_offer || cell.on_offer);
        check(Facet::Rating, filters.min_rating.is_none_or(|r| cell.stars >= i32::from(r)));
        for (at, (_, keys)) in groups.iter().enumerate() {
            check(Facet::Option(at), keys.iter().any(|key| cell.options.binary_search(key).is_ok()));
        }
        if more {
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
        for key in &cell.options {
            let option = key.split_once(':').map_or(key.as_str(), |(option, _)| option);
            let facet = groups.iter().position(|(slug, _)| *slug == option).map(Facet::Option);
            if facet.map_or(first.is_none(), counts_for) {
                *by_value.entry(key).or_default() += cell.count;
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
        options: option_facets(labels, &by_value, filters),
    }
}

/// The options to offer, in `labels`' order: each value some counted product
/// has, and each chosen one (named by its slug when no product spells it).
#[cfg(feature = "ssr")]
fn option_facets(
    labels: &[OptionLabel],
    by_value: &std::collections::HashMap<&str, i64>,
    filters: &Filters,
) -> Vec<OptionFacet> {
    let chosen = |option: &str, value: &str| filters.options.get(option).is_some_and(|v| v.iter().any(|c| c == value));
    let mut options: Vec<OptionFacet> = Vec::new();
    let mut add = |option: &str, name: &str, value: &str, label: &str| {
        let count = by_value.get(format!("{option}:{value}").as_str()).copied().unwrap_or(0);
        let selected = chosen(option, value);
        if count == 0 && !selected {
            return;
        }
        if options.last().is_none_or(|o| o.slug != option) {
            options.push(OptionFacet { name: name.to_owned(), slug: option.to_owned(), values: Vec::new() });
        }
        if let Some(facet) = options.last_mut() {
            facet.values.push(ValueCount { label: label.to_owned(), slug: value.to_owned(), count, selected });
        }
    };
    for l in labels {
        add(&l.option, &l.name, &l.value, &l.label);
    }
    let named = |option: &str, value: &str| labels.iter().any(|l| l.option == option && l.value == value);
    for (option, values) in &filters.options {
        for value in values.iter().filter(|value| !named(option, value)) {
            add(option, option, value, value);
        }
    }
    // A chosen value no product spells may have started a second group of its option.
    let mut merged: Vec<OptionFacet> = Vec::with_capacity(options.len());
    for facet in options {
        match merged.iter_mut().find(|o| o.slug == facet.slug) {
            Some(existing) => existing.values.extend(facet.values),
            None => merged.push(facet),
        }
    }
    merged
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
            options: vec![],
            count,
        };
        let cells = [
            cell(1, 0, true, false, 4, 3),
            cell(1, 1, false, true, 0, 2),
            cell(2, 1, true, true, 5, 4),
            cell(2, 3, true, false, 2, 1),
        ];
        let categories = [cat(1, "Fruit"), cat(2, "Tech"), cat(3, "Empty")];
        let all = count_facets(&cells, &categories, &[], None, &Filters::default());
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
        let fruit = count_facets(&cells, &categories, &[], Some(1), &filters);
        assert_eq!(fruit.total, 3);
        assert_eq!(fruit.in_stock, 3);
        assert_eq!(fruit.on_offer, 0);
        assert_eq!(
            fruit.categories.iter().map(|c| (c.slug.as_str(), c.count, c.selected)).collect::<Vec<_>>(),
            [("fruit", 3, true), ("tech", 5, false)]
        );
        assert_eq!(fruit.prices.iter().map(|p| p.1).collect::<Vec<_>>(), [3, 0, 0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn option_filters_read_in_any_order_and_write_one_way() {
        let filters = parse(&[("opt", "Size:m,L,m;colour:blue")]).unwrap();
        assert_eq!(parse(&[("opt", "size:s;size:m")]).unwrap().options_param(), "size:m,s");
        assert_eq!(filters.options_param(), "colour:blue;size:l,m");
        assert_eq!(filters.params(), vec![("opt", "colour:blue;size:l,m".to_owned())]);
        assert_eq!(filters.active(), 2, "each option is one filter");
        assert_eq!(filters.option_keys(), ["colour:blue", "size:l", "size:m"]);
        let fewer = filters.toggle_option("size", "l").toggle_option("colour", "blue");
        assert_eq!(fewer.options_param(), "size:m");
        assert_eq!(filters.product_choice().as_deref(), Some("colour=blue"), "sizes: two to choose from");
        assert_eq!(fewer.product_choice().as_deref(), Some("size=m"));
        assert_eq!(fewer.toggle_option("size", "m"), Filters::default());
        let nine = (0..9).map(|i| format!("o{i}:v")).collect::<Vec<_>>().join(";");
        for bad in ["size", "size:", ":m", "size:m;x:a b", "size:m/l", "size:m;", "size:m,,l", " size:m", &nine] {
            let error = parse(&[("opt", bad)]).unwrap_err();
            assert_eq!(error, AppError::BadRequest("That link has an invalid option filter.".into()), "{bad}");
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn option_values_are_counted_like_the_other_facets() {
        let cell = |options: &[&str], in_stock, count| FacetCell {
            category_id: 1,
            bucket: 2,
            in_range: true,
            in_stock,
            on_offer: false,
            stars: 0,
            options: options.iter().map(|k| k.to_string()).collect(),
            count,
        };
        let cells = [
            cell(&["colour:blue", "size:m"], true, 4),
            cell(&["colour:red", "size:l", "size:m"], true, 2),
            cell(&["colour:red", "size:s"], false, 1),
            cell(&[], true, 10),
        ];
        let label = |option: &str, name: &str, value: &str, label: &str| OptionLabel {
            option: option.into(),
            name: name.into(),
            value: value.into(),
            label: label.into(),
        };
        let labels = [
            label("size", "Size", "s", "S"),
            label("size", "Size", "m", "M"),
            label("size", "Size", "l", "L"),
            label("size", "Size", "xl", "XL"),
            label("colour", "Colour", "blue", "Blue"),
            label("colour", "Colour", "red", "Red"),
        ];
        let counts = |facets: &Facets| {
            facets
                .options
                .iter()
                .map(|o| {
                    let values: Vec<String> = o
                        .values
                        .iter()
                        .map(|v| format!("{} {}{}", v.label, v.count, if v.selected { "*" } else { "" }))
                        .collect();
                    format!("{}: {}", o.name, values.join(", "))
                })
                .collect::<Vec<_>>()
        };
        let all = count_facets(&cells, &[], &labels, None, &Filters::default());
        assert_eq!(all.total, 17);
        assert_eq!(counts(&all), ["Size: S 1, M 6, L 2", "Colour: Blue 4, Red 3"], "XL: no product has it");

        // Size M or L, in stock: sizes keep their alternatives, colours follow the sizes.
        let filters = parse(&[("opt", "size:m,l"), ("stock", "1")]).unwrap();
        let chosen = count_facets(&cells, &[], &labels, None, &filters);
        assert_eq!(chosen.total, 6);
        assert_eq!(counts(&chosen), ["Size: M 6*, L 2*", "Colour: Blue 4, Red 2"]);
        assert_eq!(chosen.in_stock, 6, "the stock count keeps the size filter");

        // Red too: the colour counts ignore the colour filter, the sizes do not.
        let red = count_facets(&cells, &[], &labels, None, &filters.toggle_option("colour", "red"));
        assert_eq!(red.total, 2);
        assert_eq!(counts(&red), ["Size: M 2*, L 2*", "Colour: Blue 4, Red 2*"]);

        // A chosen value no product has is still offered, to be undone.
        let gone = count_facets(&cells, &[], &labels, None, &parse(&[("opt", "size:xxl")]).unwrap());
        assert_eq!(gone.total, 0);
        assert_eq!(counts(&gone), ["Size: S 1, M 6, L 2, xxl 0*"], "colours count only what passes the sizes");
    }
}
