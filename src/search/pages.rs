//! The search results page: `/search?q=…&sort=…&page=…`, a plain GET page.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

use super::api::get_search;
use super::{SearchRequest, SearchResults, SearchSort};
use crate::catalog::components::{ProductGrid, product_count};
use crate::catalog::facet_panel::{FacetPanel, FilterLinks};
use crate::ui::{ErrorView, Loading};
use crate::wishlist::Saved;
use crate::wishlist::components::WishlistContext;

#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let results = Resource::new(
        move || query.get(),
        |q| {
            let get = |name: &str| q.get(name);
            get_search(
                get("q"),
                get("sort"),
                get("page").and_then(|p| p.parse::<u32>().ok()),
                get("category"),
                get("min"),
                get("max"),
                get("stock"),
                get("offer"),
                get("rating"),
                get("opt"),
            )
        },
    );
    let wishlist = use_context::<WishlistContext>();
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                let saved = WishlistContext::saved(wishlist).await;
                match results.await {
                    Ok(r) => view! { <ResultsView r saved /> }.into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ResultsView(r: SearchResults, saved: Saved) -> impl IntoView {
    let request = r.request.clone();
    let query = request.query.clone();
    let title = if query.is_empty() { "Search".to_owned() } else { format!("Search results for “{query}”") };
    let narrowed = request.category.is_some() || !request.filters.is_empty();
    let summary = match (query.is_empty(), r.total, r.fuzzy) {
        (true, _, _) => "Type what you are looking for.".to_owned(),
        (false, n, _) if n > 0 && r.corrected.is_some() => format!(
            "Nothing matches “{query}”. Showing {} for “{}”.",
            product_count(n),
            r.corrected.as_deref().unwrap_or_default()
        ),
        (false, 0, _) if narrowed && r.facets.is_some() => format!("Nothing matches “{query}” with these filters."),
        (false, 0, _) => format!("Nothing matches “{query}”. Try fewer or other words."),
        (false, _, true) => format!("No exact matches for “{query}”. Showing similar names."),
        (false, n, false) => format!("{} found.", product_count(n)),
    };
    let at = |sort: SearchSort, page: u32| SearchRequest { sort, page, ..request.clone() }.href();
    let (sort, page) = (request.sort, request.page);
    let mut keep = vec![("q", query.clone())];
    if sort != SearchSort::Relevance {
        keep.push(("sort", sort.param().to_owned()));
    }
    let links = FilterLinks {
        path: Some("/search".to_owned()),
        keep,
        category: request.category.clone(),
        filters: request.filters.clone(),
    };
    let layout = if r.facets.is_some() { "listing-layout" } else { "" };
    let panel = r.facets.clone().map(|facets| view! { <FacetPanel links facets /> });
    view! {
        <Title text=title.clone() />
        <Meta name="robots" content="noindex" />
        <section class="search-page">
            <h1>{title}</h1>
            <div class=layout>
                {panel}
                <div class="listing-main">
                    <h2 class="visually-hidden">"Results"</h2>
                    <p role="status">{summary}</p>
                    {(r.total > 1 && !r.fuzzy).then(|| view! {
                        <nav class="sort-links" aria-label="Sort results">
                            <ul>
                                {SearchSort::ALL.into_iter().map(|s| view! {
                                    <li><a href=at(s, 1) aria-current=(s == sort).then_some("true")>{s.label()}</a></li>
                                }).collect_view()}
                            </ul>
                        </nav>
                    })}
                    {(!r.products.is_empty()).then(|| view! {
                        <ProductGrid products=r.products.clone() label="Products".to_owned() saved filters=request.filters.clone() />
                    })}
                    <nav class="pagination" aria-label="Result pages">
                        {(page > 1).then(|| view! { <a rel="prev" href=at(sort, page - 1)>"Previous page"</a> })}
                        {r.has_next.then(|| view! { <a rel="next" href=at(sort, page + 1)>"Next page"</a> })}
                    </nav>
                </div>
            </div>
        </section>
    }
}
