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
pub mod rules;
#[cfg(feature = "ssr")]
pub mod seo;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use rules::{ListingQuery, Sort};

/// A product's database id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProductId(pub i64);

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

/// An image in media storage, with the text a screen reader speaks for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRef {
    pub key: String,
    pub alt: String,
}

impl ImageRef {
    pub fn url(&self) -> String {
        format!("/media/{}", self.key)
    }
}

/// A product's visible ratings: how many, and their sum (1–5 each).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub count: i32,
    pub sum: i32,
}

impl Rating {
    /// The average to one decimal, e.g. `4.3`; `None` without reviews.
    pub fn average(self) -> Option<Decimal> {
        (self.count > 0).then(|| {
            let mut average = (Decimal::from(self.sum) / Decimal::from(self.count)).round_dp(1);
            average.rescale(1);
            average
        })
    }

    /// "4.3 out of 5 from 12 reviews"
    pub fn describe(self) -> Option<String> {
        self.average().map(|avg| {
            format!("Rated {avg} out of 5 from {} review{}", self.count, if self.count == 1 { "" } else { "s" })
        })
    }
}

/// What a product card in a listing shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSummary {
    pub id: ProductId,
    pub slug: String,
    pub name: String,
    pub price: Decimal,
    pub offer_price: Option<Decimal>,
    pub stock: i32,
    pub image: Option<ImageRef>,
    pub rating: Rating,
    /// On the signed-in viewer's wishlist.
    #[serde(default)]
    pub wished: bool,
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
    pub currency: String,
    pub rating: Rating,
    /// On the signed-in viewer's wishlist.
    #[serde(default)]
    pub wished: bool,
    /// JSON-LD (schema.org Product with its Offer and AggregateRating, and the
    /// BreadcrumbList), made on the server and safe inside a `<script>`.
    pub structured_data: String,
}

impl ProductSummary {
    pub fn href(&self) -> String {
        format!("/p/{}", self.slug)
    }
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
    pub currency: String,
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
    pub currency: String,
}

/// A category page: the category and one page of its products.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryListing {
    pub category: Category,
    pub listing: Listing,
}
