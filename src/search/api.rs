//! Search server functions: public, read-only.

use leptos::prelude::*;

use super::{SearchResults, Suggestion};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
    super::{SearchRequest, SearchSort, db, rules::clean},
    crate::catalog::filters::Filters,
    crate::state::AppState,
};

/// The results page's data for `q` (a GET form, so it works without
/// JavaScript), narrowed by `category` (a slug) and the listing filters
/// (`min`, `max`, `stock`, `offer`, `rating`, `opt`); a malformed value is a 400.
#[server(prefix = "/api", endpoint = "search", input = leptos::server_fn::codec::GetUrl)]
pub async fn get_search(
    q: Option<String>,
    sort: Option<String>,
    page: Option<u32>,
    category: Option<String>,
    min: Option<String>,
    max: Option<String>,
    stock: Option<String>,
    offer: Option<String>,
    rating: Option<String>,
    opt: Option<String>,
) -> Result<SearchResults, AppError> {
    let state = AppState::current()?;
    let filters = Filters::parse(|name| match name {
        "min" => min.as_deref(),
        "max" => max.as_deref(),
        "stock" => stock.as_deref(),
        "offer" => offer.as_deref(),
        "rating" => rating.as_deref(),
        "opt" => opt.as_deref(),
        _ => None,
    })?;
    let sort = match sort.as_deref() {
        None | Some("") => SearchSort::default(),
        Some(value) => SearchSort::from_param(value)
            .ok_or_else(|| AppError::BadRequest("That link has an invalid sort order.".into()))?,
    };
    let caches = crate::catalog::cache::CatalogCaches::current()?;
    let (categories, labels) =
        tokio::try_join!(caches.categories.get(state.catalog_pool()), caches.option_labels.get(state.catalog_pool()))?;
    let category = category.filter(|slug| !slug.is_empty());
    let category_id = super::category_id(&categories, category.as_deref())
        .map_err(|_| AppError::BadRequest("That link names a category the shop does not have.".into()))?;
    let request =
        SearchRequest { query: clean(q.as_deref().unwrap_or("")), sort, page: page.unwrap_or(1), category, filters };
    Ok(db::search(state.catalog_pool(), &request, category_id, &categories, &labels).await?)
}

/// Up to eight products for what the shopper has typed so far.
#[server(prefix = "/api", endpoint = "search/suggest", input = leptos::server_fn::codec::GetUrl)]
pub async fn get_suggestions(q: String) -> Result<Vec<Suggestion>, AppError> {
    let state = AppState::current()?;
    let query = clean(&q);
    if query.chars().count() < 2 {
        return Ok(Vec::new());
    }
    Ok(db::suggest(state.catalog_pool(), &query).await?)
}
