//! The catalog: categories, products and their images, as shoppers browse them.

pub mod api;
#[cfg(feature = "ssr")]
pub mod cache;
pub mod components;
#[cfg(feature = "ssr")]
pub mod db;
pub mod facet_panel;
pub mod filters;
pub mod pages;
pub mod picker;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod seo;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use rules::{ListingQuery, Sort};

use crate::product::{ImageRef, ProductId, ProductOption, ProductSummary, Rating, Variant};

/// A category's database id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CategoryId(pub i64);

/// A category as the navigation and breadcrumbs name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryLink {
    pub name: String,
    pub slug: String,
}

impl CategoryLink {
    pub fn href(&self) -> String {
        format!("/c/{}", self.slug)
    }
}

/// A category with the text its page opens with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub id: CategoryId,
    pub name: String,
    pub slug: String,
    pub description: String,
}

impl Category {
    pub fn link(&self) -> CategoryLink {
        CategoryLink { name: self.name.clone(), slug: self.slug.clone() }
    }
}

impl ProductDetail {
    pub fn href(&self) -> String {
        format!("/p/{}", self.slug)
    }
}

/// Everything the product page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductDetail {
    pub id: ProductId,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub price: Decimal,
    pub offer_price: Option<Decimal>,
    pub stock: i32,
    pub category: CategoryLink,
    /// Primary image first, then by position.
    pub images: Vec<ImageRef>,
    pub rating: Rating,
    /// Its options (none for a product sold one way) and its variants on sale.
    pub options: Vec<ProductOption>,
    pub variants: Vec<Variant>,
    /// JSON-LD (schema.org Product with its Offer and AggregateRating, and the
    /// BreadcrumbList), made on the server and safe inside a `<script>`.
    pub structured_data: String,
}

/// One page of a product listing, with links to its neighbours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing {
    pub products: Vec<ProductSummary>,
    pub query: ListingQuery,
    /// The cursor for the previous page, when there is one.
    pub prev: Option<ProductId>,
    /// The cursor for the next page, when there is one.
    pub next: Option<ProductId>,
    /// Counts beside each filter choice; `total` is every page's products together.
    pub facets: filters::Facets,
}

/// The header and footer's data: the store's name and its categories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    pub store_name: String,
    pub categories: Vec<CategoryLink>,
    /// Where shoppers reach the store (`TROVE_PUBLIC_URL`, no trailing slash),
    /// for canonical and Open Graph URLs.
    pub public_url: String,
}

/// The home page: featured and newest products and the category tiles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Home {
    pub featured: Vec<ProductSummary>,
    pub newest: Vec<ProductSummary>,
    pub categories: Vec<Category>,
}

/// A category page: the category and one page of its products.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryListing {
    pub category: Category,
    pub listing: Listing,
}
