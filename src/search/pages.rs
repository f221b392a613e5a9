//! The search results page: `/search?q=…&sort=…&page=…`, a plain GET page.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

use super::api::get_search;
use super::{SearchResults, SearchSort};
use crate::account::components::encode_component;
use crate::catalog::components::ProductGrid;
use crate::ui::{ErrorView, Loading};

#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let results = Resource::new(
        move || query.with(|q| (q.get("q"), q.get("sort"), q.get("page").and_then(|p| p.parse::<u32>().ok()))),
        |(q, sort, page)| get_search(q, sort, page),
    );
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match results.await {
                    Ok(r) => view! { <ResultsView r /> }.into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn href(query: &str, sort: SearchSort, page: u32) -> String {
    let mut href = format!("/search?q={}", encode_component(query));
    if sort != SearchSort::Relevance {
        href.push_str(&format!("&sort={}", sort.param()));
    }
    if page > 1 {
        href.push_str(&format!("&page={page}"));
    }
    href
}

#[component]
fn ResultsView(r: SearchResults) -> impl IntoView {
    let title = if r.query.is_empty() { "Search".to_owned() } else { format!("Search results for “{}”", r.query) };
    let summary = match (r.query.is_empty(), r.total, r.fuzzy) {
        (true, _, _) => "Type what you are looking for.".to_owned(),
        (false, 0, _) => format!("Nothing matches “{}”. Try fewer or other words.", r.query),
        (false, _, true) => format!("No exact matches for “{}”. Showing similar names.", r.query),
        (false, n, false) => format!("{n} product{} found.", if n == 1 { "" } else { "s" }),
    };
    let (query, sort, page) = (r.query.clone(), r.sort, r.page);
    view! {
        <Title text=title.clone() />
        <Meta name="robots" content="noindex" />
        <section class="search-page">
            <h1>{title}</h1>
            <p role="status">{summary}</p>
            {(r.total > 1 && !r.fuzzy).then(|| {
                let query = query.clone();
                view! {
                    <nav class="sort-links" aria-label="Sort results">
                        <ul>
                            {SearchSort::ALL.into_iter().map(|s| view! {
                                <li><a href=href(&query, s, 1) aria-current=(s == sort).then_some("true")>{s.label()}</a></li>
                            }).collect_view()}
                        </ul>
                    </nav>
                }
            })}
            {(!r.products.is_empty()).then(|| view! {
                <ProductGrid products=r.products.clone() currency=r.currency.clone() label="Products".to_owned() />
            })}
            <nav class="pagination" aria-label="Result pages">
                {(page > 1).then(|| view! { <a rel="prev" href=href(&query, sort, page - 1)>"Previous page"</a> })}
                {r.has_next.then(|| view! { <a rel="next" href=href(&query, sort, page + 1)>"Next page"</a> })}
            </nav>
        </section>
    }
}
