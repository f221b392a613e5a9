//! The catalog's server functions: thin calls into `db`, readable by anyone.

use leptos::prelude::*;

use super::{CategoryListing, Home, Layout, Listing, ListingQuery, ProductDetail};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {super::cache::CatalogCaches, super::db, crate::state::AppState};

/// How many featured products the home page shows.
pub const FEATURED_COUNT: i64 = 8;

/// The store's name and category navigation, for the header and footer.
#[server(prefix = "/api", endpoint = "catalog/layout")]
pub async fn get_layout() -> Result<Layout, AppError> {
    let state = AppState::current()?;
    let categories =
        CatalogCaches::current()?.categories.get(state.catalog_pool()).await?.iter().map(|c| c.link()).collect();
    let public_url = state.config.public_url.trim_end_matches('/').to_owned();
    Ok(Layout { store_name: state.config.store_name.clone(), categories, public_url })
}

/// Featured and newest products and every category.
#[server(prefix = "/api", endpoint = "catalog/home")]
pub async fn get_home() -> Result<Home, AppError> {
    let state = AppState::current()?;
    let featured = db::featured_products(state.catalog_pool(), FEATURED_COUNT).await?;
    let newest = db::newest_products(state.catalog_pool(), FEATURED_COUNT).await?;
    let categories = CatalogCaches::current()?.categories.get(state.catalog_pool()).await?.as_ref().clone();
    Ok(Home { featured, newest, categories })
}

/// One page of every active product.
#[server(prefix = "/api", endpoint = "catalog/listing")]
pub async fn get_listing(query: ListingQuery) -> Result<Listing, AppError> {
    let (state, caches) = (AppState::current()?, CatalogCaches::current()?);
    let (mut listing, facets) = tokio::try_join!(
        db::list_products(state.catalog_pool(), None, &query),
        listing_facets(&state, &caches, None, &query.filters),
    )?;
    listing.facets = facets;
    Ok(listing)
}

/// A category and one page of its active products; `NotFound` for an unknown slug.
#[server(prefix = "/api", endpoint = "catalog/category")]
pub async fn get_category(slug: String, query: ListingQuery) -> Result<CategoryListing, AppError> {
    let (state, caches) = (AppState::current()?, CatalogCaches::current()?);
    let category = caches.categories.by_slug(state.catalog_pool(), &slug).await?.ok_or(AppError::NotFound)?;
    let (mut listing, facets) = tokio::try_join!(
        db::list_products(state.catalog_pool(), Some(category.id), &query),
        listing_facets(&state, &caches, Some(category.id), &query.filters),
    )?;
    listing.facets = facets;
    Ok(CategoryListing { category, listing })
}

/// An active product by its slug; `NotFound` for unknown slugs and drafts.
#[server(prefix = "/api", endpoint = "catalog/product")]
pub async fn get_product(slug: String) -> Result<ProductDetail, AppError> {
    let state = AppState::current()?;
    let mut conn = state.catalog_pool().acquire().await?;
    let mut product = db::product_by_slug(&mut conn, &slug).await?.ok_or(AppError::NotFound)?;
    product.structured_data =
        super::seo::product_json_ld(&product, &state.config.currency, state.config.public_url.trim_end_matches('/'));
    Ok(product)
}

/// The counts beside each filter choice of a listing, from the cells of all
/// active products (kept in memory until the catalog changes).
#[cfg(feature = "ssr")]
async fn listing_facets(
    state: &AppState,
    caches: &CatalogCaches,
    category: Option<super::CategoryId>,
    filters: &super::filters::Filters,
) -> sqlx::Result<super::filters::Facets> {
    let pool = state.catalog_pool();
    let (cells, categories, labels) = tokio::try_join!(
        caches.facets.get(pool, filters.min_price, filters.max_price),
        caches.categories.get(pool),
        caches.option_labels.get(pool),
    )?;
    Ok(super::filters::count_facets(&cells.cells, &categories, &labels, category.map(|c| c.0), filters))
}
