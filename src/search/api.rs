//! Search server functions: public, read-only.

use leptos::prelude::*;

use super::{SearchResults, Suggestion};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {super::SearchSort, super::db, super::rules::clean, crate::state::AppState};

/// The results page's data for `q` (a GET form, so it works without JavaScript).
#[server(prefix = "/api", endpoint = "search", input = leptos::server_fn::codec::GetUrl)]
pub async fn get_search(q: Option<String>, sort: Option<String>, page: Option<u32>) -> Result<SearchResults, AppError> {
    let state = AppState::current()?;
    let query = clean(q.as_deref().unwrap_or(""));
    let sort = sort.as_deref().and_then(SearchSort::from_param).unwrap_or_default();
    let mut results = db::search(&state.pool, &query, sort, page.unwrap_or(1), &state.config.currency).await?;
    crate::wishlist::api::mark_for_viewer(&state, &mut results.products).await?;
    Ok(results)
}

/// Up to eight products for what the shopper has typed so far.
#[server(prefix = "/api", endpoint = "search/suggest", input = leptos::server_fn::codec::GetUrl)]
pub async fn get_suggestions(q: String) -> Result<Vec<Suggestion>, AppError> {
    let state = AppState::current()?;
    let query = clean(&q);
    if query.chars().count() < 2 {
        return Ok(Vec::new());
    }
    Ok(db::suggest(&state.pool, &query).await?)
}
