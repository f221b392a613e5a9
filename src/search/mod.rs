//! Product search: full-text with weights (name, then category, then
//! description), exact names first, trigram similarity when nothing matches
//! (typos), and suggestions as the shopper types.

pub mod api;
pub mod components;
pub mod pages;
pub mod rules;

#[cfg(feature = "ssr")]
pub mod db;

use serde::{Deserialize, Serialize};

use crate::catalog::ProductSummary;

/// How search results are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SearchSort {
    #[default]
    Relevance,
    PriceAsc,
    PriceDesc,
    Newest,
}

impl SearchSort {
    pub const ALL: [SearchSort; 4] = [SearchSort::Relevance, SearchSort::PriceAsc, SearchSort::PriceDesc, SearchSort::Newest];

    pub fn param(self) -> &'static str {
        match self {
            SearchSort::Relevance => "relevance",
            SearchSort::PriceAsc => "price-asc",
            SearchSort::PriceDesc => "price-desc",
            SearchSort::Newest => "newest",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SearchSort::Relevance => "Best match",
            SearchSort::PriceAsc => "Price: low to high",
            SearchSort::PriceDesc => "Price: high to low",
            SearchSort::Newest => "Newest",
        }
    }

    pub fn from_param(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.param() == value)
    }
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    pub query: String,
    pub sort: SearchSort,
    pub products: Vec<ProductSummary>,
    pub total: i64,
    pub page: u32,
    pub has_next: bool,
    /// Nothing matched the words; these are the closest names (typos).
    pub fuzzy: bool,
    pub currency: String,
}

/// A product offered while typing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    pub name: String,
    pub slug: String,
}
