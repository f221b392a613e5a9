//! The filter panel beside a listing or search results. Every choice is a
//! link to the same page with that choice made or undone (so filters work
//! without JavaScript, land in the URL and the browser's history), each
//! with the number of products it would show; a custom price range is a
//! small GET form.

use leptos::prelude::*;
use rust_decimal::Decimal;

use super::filters::{Facets, Filters};
use crate::ui::encode_query_value;

/// Where filter choices lead: the current page with other choices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterLinks {
    /// The page's path when the category is a `category` parameter (search);
    /// `None` when categories are pages of their own (`/c/slug`, `/products`).
    pub path: Option<String>,
    /// Parameters every link keeps (the search words, the sort order).
    pub keep: Vec<(&'static str, String)>,
    /// The chosen category's slug.
    pub category: Option<String>,
    pub filters: Filters,
}

impl FilterLinks {
    fn path_for(&self, category: Option<&str>) -> String {
        match (&self.path, category) {
            (Some(path), _) => path.clone(),
            (None, Some(slug)) => format!("/c/{slug}"),
            (None, None) => "/products".to_owned(),
        }
    }

    /// The parameters of a page with `category` and `filters`, form-encoded pairs.
    fn params(&self, category: Option<&str>, filters: &Filters) -> Vec<(&'static str, String)> {
        let mut params = self.keep.clone();
        if let (Some(_), Some(slug)) = (&self.path, category) {
            params.push(("category", slug.to_owned()));
        }
        params.extend(filters.params());
        params
    }

    /// The first page with `category` and `filters`.
    pub fn href(&self, category: Option<&str>, filters: &Filters) -> String {
        let query: Vec<String> = self
            .params(category, filters)
            .into_iter()
            .map(|(name, value)| format!("{name}={}", encode_query_value(&value)))
            .collect();
        let path = self.path_for(category);
        if query.is_empty() { path } else { format!("{path}?{}", query.join("&")) }
    }
}

/// One choice: a link with its count, marked when chosen. A choice that would
/// show nothing is plain text.
#[component]
fn Choice(label: String, count: i64, href: String, chosen: bool) -> impl IntoView {
    let text = format!("{label} ({count})");
    if count == 0 && !chosen {
        return view! { <li><span class="facet-empty">{text}</span></li> }.into_any();
    }
    view! {
        <li>
            <a href=href aria-current=chosen.then_some("true") rel="nofollow">{text}</a>
        </li>
    }
    .into_any()
}

/// The filter panel for the products `links` describe.
#[component]
pub fn FacetPanel(links: FilterLinks, facets: Facets) -> impl IntoView {
    let currency = crate::money::use_currency();
    let filters = links.filters.clone();
    let category = links.category.clone();
    let here = category.as_deref();
    let clear = (!filters.is_empty()).then(|| {
        view! { <p><a class="facets-clear" href=links.href(here, &Filters::default())>"Clear filters"</a></p> }
    });
    let all_categories = view! {
        <Choice label="All categories".to_owned() count=facets.categories.iter().map(|c| c.count).sum()
            href=links.href(None, &filters) chosen=category.is_none() />
    };
    let categories = facets
        .categories
        .iter()
        .map(|c| view! { <Choice label=c.name.clone() count=c.count href=links.href(Some(&c.slug), &filters) chosen=c.selected /> })
        .collect_view();
    let prices = facets
        .prices
        .iter()
        .filter_map(|&(range, count)| {
            let (min, max) = range.bounds();
            let chosen = filters.min_price == min && filters.max_price == max;
            let next = if chosen { filters.with_price(None, None) } else { filters.with_price(min, max) };
            (count > 0 || chosen).then(|| {
                view! { <Choice label=range.label(currency) count href=links.href(here, &next) chosen /> }
            })
        })
        .collect_view();
    let ratings = facets
        .ratings
        .iter()
        .filter_map(|&(stars, count)| {
            let chosen = filters.min_rating == Some(stars);
            let next = filters.with_rating(if chosen { None } else { Some(stars) });
            (count > 0 || chosen).then(|| {
                view! { <Choice label=format!("{stars} stars & up") count href=links.href(here, &next) chosen /> }
            })
        })
        .collect_view();
    // An option's values are alternatives: each link adds or removes one.
    let options = facets
        .options
        .iter()
        .map(|option| {
            let (heading, labelled_by) = (format!("facet-option-{}", option.slug), format!("facet-option-{}", option.slug));
            let values = option
                .values
                .iter()
                .map(|v| {
                    let next = filters.toggle_option(&option.slug, &v.slug);
                    view! { <Choice label=v.label.clone() count=v.count href=links.href(here, &next) chosen=v.selected /> }
                })
                .collect_view();
            view! {
                <section aria-labelledby=labelled_by>
                    <h3 id=heading>{option.name.clone()}</h3>
                    <ul>{values}</ul>
                </section>
            }
        })
        .collect_view();
    // The price form sends everything else along as hidden fields.
    let without_price = filters.with_price(None, None);
    let hidden = links
        .params(here, &without_price)
        .into_iter()
        .map(|(name, value)| view! { <input type="hidden" name=name value=value /> })
        .collect_view();
    let amount = |value: Option<Decimal>| value.map(|v| v.to_string()).unwrap_or_default();
    // A search's category is a filter; a category page's is the page itself.
    let active = filters.active() + usize::from(links.path.is_some() && category.is_some());
    // On a phone the panel folds behind its "Filters" button, so the first
    // products show without scrolling: the panel follows an empty
    // `<details>` and shows while it is open (style/main.css; no JavaScript
    // needed). From 900px wide the button goes and the panel always shows.
    view! {
        <aside class="facets" aria-labelledby="facets-heading">
            <details class="facets-fold">
                <summary class="facets-summary">
                    "Filters"
                    {(active > 0).then(|| view! { <span class="facets-active">{format!("{active} active")}</span> })}
                </summary>
            </details>
            <div class="facets-body">
            <h2 id="facets-heading">"Filter"</h2>
            {clear}
            <section aria-labelledby="facet-category">
                <h3 id="facet-category">"Category"</h3>
                <ul>{all_categories}{categories}</ul>
            </section>
            <section aria-labelledby="facet-price">
                <h3 id="facet-price">"Price"</h3>
                <ul>{prices}</ul>
                <form class="price-form" method="get" action=links.path_for(here)>
                    {hidden}
                    <label>"From" <input type="number" name="min" min="0" step="0.01" inputmode="decimal" value=amount(filters.min_price) /></label>
                    <label>"Under" <input type="number" name="max" min="0" step="0.01" inputmode="decimal" value=amount(filters.max_price) /></label>
                    <button type="submit" class="button button-secondary">"Apply price"</button>
                </form>
            </section>
            {options}
            <section aria-labelledby="facet-availability">
                <h3 id="facet-availability">"Availability"</h3>
                <ul>
                    <Choice label="In stock".to_owned() count=facets.in_stock href=links.href(here, &filters.toggle_stock()) chosen=filters.in_stock />
                    <Choice label="On offer".to_owned() count=facets.on_offer href=links.href(here, &filters.toggle_offer()) chosen=filters.on_offer />
                </ul>
            </section>
            <section aria-labelledby="facet-rating">
                <h3 id="facet-rating">"Customer rating"</h3>
                <ul>{ratings}</ul>
            </section>
            </div>
        </aside>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_words_and_sort_and_change_one_thing() {
        let filters = Filters { in_stock: true, ..Filters::default() };
        let search = FilterLinks {
            path: Some("/search".into()),
            keep: vec![("q", "tea & cake".into()), ("sort", "price-asc".into())],
            category: Some("pantry".into()),
            filters: filters.clone(),
        };
        assert_eq!(
            search.href(Some("pantry"), &filters.toggle_offer()),
            "/search?q=tea%20%26%20cake&sort=price-asc&category=pantry&stock=1&offer=1"
        );
        assert_eq!(search.href(None, &Filters::default()), "/search?q=tea%20%26%20cake&sort=price-asc");
        let listing = FilterLinks { path: None, keep: vec![], category: None, filters: filters.clone() };
        assert_eq!(listing.href(Some("fresh-fruit"), &filters), "/c/fresh-fruit?stock=1");
        assert_eq!(listing.href(None, &Filters::default()), "/products");
    }
}
