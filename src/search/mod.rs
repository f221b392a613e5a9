//! Product search: full-text with weights (name, then category, then
//! description), exact names first, trigram similarity when nothing matches
//! (typos), and suggestions as the shopper types.

// `get_search` takes one argument per query parameter (nine); the browser-side
// function `#[server]` generates for it cannot carry an `allow` of its own.
#[allow(clippy::too_many_arguments)]
pub mod api;
pub mod components;
pub mod pages;
pub mod rules;

#[cfg(feature = "ssr")]
pub mod db;

use serde::{Deserialize, Serialize};

use crate::catalog::filters::{Facets, Filters};
use crate::product::ProductSummary;

/// What a shopper asked for: words, order, page, and how to narrow them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchRequest {
    pub query: String,
    pub sort: SearchSort,
    pub page: u32,
    /// A category's slug.
    pub category: Option<String>,
    pub filters: Filters,
}

impl SearchRequest {
    /// The results page's URL for this request (page 1 leaves `page` out).
    pub fn href(&self) -> String {
        let mut href = format!("/search?q={}", crate::ui::encode_component(&self.query));
        if self.sort != SearchSort::Relevance {
            href.push_str(&format!("&sort={}", self.sort.param()));
        }
        if let Some(category) = &self.category {
            href.push_str(&format!("&category={}", crate::ui::encode_component(category)));
        }
        for (name, value) in self.filters.params() {
            href.push_str(&format!("&{name}={value}"));
        }
        if self.page > 1 {
            href.push_str(&format!("&page={}", self.page));
        }
        href
    }
}

/// A search narrowed to a category the shop does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownCategory;

/// The id of the category a search is narrowed to (`slug`, when given).
pub fn category_id(
    categories: &[crate::catalog::Category],
    slug: Option<&str>,
) -> Result<Option<i64>, UnknownCategory> {
    match slug {
        None => Ok(None),
        Some(slug) => categories.iter().find(|c| c.slug == slug).map(|c| Some(c.id.0)).ok_or(UnknownCategory),
    }
}

/// How search results are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SearchSort {
    #[default]
    Relevance,
    PriceAsc,
    PriceDesc,
    Newest,
    Rating,
}

impl SearchSort {
    pub const ALL: [SearchSort; 5] =
        [SearchSort::Relevance, SearchSort::PriceAsc, SearchSort::PriceDesc, SearchSort::Newest, SearchSort::Rating];

    pub fn param(self) -> &'static str {
        match self {
            SearchSort::Relevance => "relevance",
            SearchSort::PriceAsc => "price-asc",
            SearchSort::PriceDesc => "price-desc",
            SearchSort::Newest => "newest",
            SearchSort::Rating => "rating",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SearchSort::Relevance => "Best match",
            SearchSort::PriceAsc => "Price: low to high",
            SearchSort::PriceDesc => "Price: high to low",
            SearchSort::Newest => "Newest",
            SearchSort::Rating => "Top rated",
        }
    }

    pub fn from_param(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.param() == value)
    }
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    pub request: SearchRequest,
    pub products: Vec<ProductSummary>,
    /// Matches under every filter.
    pub total: i64,
    pub has_next: bool,
    /// Nothing matched the words; these are the closest names (typos).
    pub fuzzy: bool,
    /// Nothing matched the words as typed; these results are for this
    /// correction of them ("wirless hedset" → "wireless headset").
    pub corrected: Option<String>,
    /// Counts beside each filter choice (none for typo matches).
    pub facets: Option<Facets>,
}

/// A product offered while typing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    pub name: String,
    pub slug: String,
}
