//! Pure catalog logic, compiled for the server and the browser alike.

use serde::{Deserialize, Serialize};

use super::filters::Filters;
use crate::error::AppError;
use crate::product::ProductId;

/// Products on one listing page.
pub const PAGE_SIZE: usize = 24;

/// The orders a listing can be sorted in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sort {
    #[default]
    Newest,
    PriceAsc,
    PriceDesc,
    Rating,
    Name,
}

impl Sort {
    pub const ALL: [Sort; 5] = [Sort::Newest, Sort::PriceAsc, Sort::PriceDesc, Sort::Rating, Sort::Name];

    /// The value used in URLs (`?sort=price-asc`).
    pub fn param(self) -> &'static str {
        match self {
            Sort::Newest => "newest",
            Sort::PriceAsc => "price-asc",
            Sort::PriceDesc => "price-desc",
            Sort::Rating => "rating",
            Sort::Name => "name",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Newest => "Newest",
            Sort::PriceAsc => "Price: low to high",
            Sort::PriceDesc => "Price: high to low",
            Sort::Rating => "Top rated",
            Sort::Name => "Name",
        }
    }

    pub fn from_param(value: &str) -> Option<Sort> {
        Sort::ALL.into_iter().find(|sort| sort.param() == value)
    }
}

/// Which page of a listing to show. Pages are reached by keyset cursors (the id
/// of the last product on the page before, or the first on the page after), so
/// page 2,000 costs what page 1 does. `page` is only the number shown.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ListingQuery {
    pub sort: Sort,
    #[serde(default)]
    pub filters: Filters,
    pub after: Option<ProductId>,
    pub before: Option<ProductId>,
    pub page: u32,
}

impl Default for ListingQuery {
    /// The first page, newest first, unfiltered.
    fn default() -> Self {
        ListingQuery { sort: Sort::default(), filters: Filters::default(), after: None, before: None, page: 1 }
    }
}

impl ListingQuery {
    /// Reads a listing's URL query parameters (`get` looks one up by name);
    /// anything malformed is a 400.
    pub fn parse<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Self, AppError> {
        let filters = Filters::parse(&get)?;
        let (sort, after, before, page) = (get("sort"), get("after"), get("before"), get("page"));
        let bad = |what: &str| AppError::BadRequest(format!("That link has an invalid {what}."));
        let sort = match sort {
            None | Some("") => Sort::default(),
            Some(value) => Sort::from_param(value).ok_or_else(|| bad("sort order"))?,
        };
        let cursor = |value: Option<&str>| match value {
            None | Some("") => Ok(None),
            Some(value) => value
                .parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .map(|id| Some(ProductId(id)))
                .ok_or_else(|| bad("page cursor")),
        };
        let (after, before) = (cursor(after)?, cursor(before)?);
        if after.is_some() && before.is_some() {
            return Err(bad("page cursor"));
        }
        let page = match page {
            None | Some("") => 1,
            Some(value) => value.parse::<u32>().ok().filter(|p| *p >= 1).ok_or_else(|| bad("page number"))?,
        };
        let page = if after.is_none() && before.is_none() { 1 } else { page };
        Ok(ListingQuery { sort, filters, after, before, page })
    }

    /// The URL query string for this page (empty for the default first page).
    pub fn to_query_string(&self) -> String {
        let mut parts = Vec::new();
        if self.sort != Sort::default() {
            parts.push(format!("sort={}", self.sort.param()));
        }
        parts.extend(self.filters.params().into_iter().map(|(name, value)| format!("{name}={value}")));
        if let Some(ProductId(id)) = self.after {
            parts.push(format!("after={id}"));
        }
        if let Some(ProductId(id)) = self.before {
            parts.push(format!("before={id}"));
        }
        if self.page > 1 {
            parts.push(format!("page={}", self.page));
        }
        if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) }
    }

    /// The first page in a sort order, unfiltered.
    pub fn sorted(sort: Sort) -> Self {
        ListingQuery { sort, ..Default::default() }
    }

    /// The first page with these filters, in this sort order.
    pub fn first(sort: Sort, filters: Filters) -> Self {
        ListingQuery { sort, filters, ..Default::default() }
    }

    /// The page after this one, starting after `last`.
    pub fn next(&self, last: ProductId) -> Self {
        ListingQuery { after: Some(last), before: None, page: self.page + 1, ..self.clone() }
    }

    /// The page before this one, ending before `first`; page 1 drops the cursor.
    pub fn prev(&self, first: ProductId) -> Self {
        if self.page <= 2 {
            return Self::first(self.sort, self.filters.clone());
        }
        ListingQuery { after: None, before: Some(first), page: self.page - 1, ..self.clone() }
    }
}

/// A description's paragraphs: blocks separated by blank lines.
pub fn paragraphs(description: &str) -> Vec<String> {
    description
        .split("\n\n")
        .map(|block| block.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

/// A URL slug from a name: lowercase ASCII letters and digits joined by hyphens.
pub fn slugify(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'á' | 'à' | 'â' | 'ä' | 'å' | 'ã' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            other => other,
        };
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses a query from `name=value` pairs, as the URL would give them.
    fn parse(pairs: &[(&str, &str)]) -> Result<ListingQuery, AppError> {
        ListingQuery::parse(|name| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v))
    }

    #[test]
    fn listing_queries_round_trip_through_the_url() {
        let filters = Filters { in_stock: true, min_rating: Some(4), ..Filters::default() };
        let query = ListingQuery { sort: Sort::PriceDesc, filters, after: Some(ProductId(42)), before: None, page: 3 };
        assert_eq!(query.to_query_string(), "?sort=price-desc&stock=1&rating=4&after=42&page=3");
        let parsed =
            parse(&[("sort", "price-desc"), ("stock", "1"), ("rating", "4"), ("after", "42"), ("page", "3")]).unwrap();
        assert_eq!(parsed, query);
        assert_eq!(ListingQuery::default().to_query_string(), "");
    }

    #[test]
    fn malformed_listing_links_are_bad_requests() {
        for pairs in [
            &[("sort", "cheapest")][..],
            &[("after", "abc")],
            &[("after", "-4")],
            &[("after", "4"), ("before", "5")],
            &[("after", "4"), ("page", "0")],
            &[("max", "lots")],
        ] {
            let error = parse(pairs).unwrap_err();
            assert_eq!(error.status(), 400, "{pairs:?}");
        }
    }

    #[test]
    fn a_page_number_without_a_cursor_is_the_first_page() {
        assert_eq!(parse(&[("page", "7")]).unwrap().page, 1);
    }

    #[test]
    fn previous_from_page_two_is_the_plain_first_page() {
        let page2 = ListingQuery::sorted(Sort::Name).next(ProductId(9));
        assert_eq!(page2.page, 2);
        assert_eq!(page2.prev(ProductId(10)), ListingQuery::sorted(Sort::Name));
        let page3 = page2.next(ProductId(20));
        assert_eq!(page3.prev(ProductId(21)).before, Some(ProductId(21)));
        // Paging keeps the filters.
        let offers = ListingQuery::first(Sort::Name, Filters { on_offer: true, ..Filters::default() });
        let page2 = offers.next(ProductId(9));
        assert!(page2.filters.on_offer && page2.prev(ProductId(10)).filters.on_offer);
    }

    #[test]
    fn descriptions_split_into_paragraphs() {
        assert_eq!(paragraphs("One\nline.\n\n\nTwo.\n\n  "), vec!["One line.", "Two."]);
    }

    #[test]
    fn slugs_are_lowercase_ascii_with_hyphens() {
        assert_eq!(slugify("Crème Fraîche, 200 g"), "creme-fraiche-200-g");
        assert_eq!(slugify("  USB-C -> HDMI!! "), "usb-c-hdmi");
    }
}
