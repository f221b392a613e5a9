//! The catalog's pages: home, all products, a category, a product.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::api::{get_category, get_home, get_listing, get_product};
use super::components::{Breadcrumbs, Gallery, LayoutContext, ListingView, PageMeta, ProductGrid};
use super::picker::{BuyPanel, use_choice, variant_gallery};
use super::rules::{ListingQuery, paragraphs};
use crate::error::AppError;
use crate::reviews::api::{DeleteReview, SaveReview, get_product_reviews};
use crate::reviews::components::ReviewsSection;
use crate::ui::{ErrorView, Loading};
use crate::wishlist::components::{WishlistButton, WishlistContext};

/// The listing query in the current URL, or the 400 a malformed link earns.
fn listing_query() -> Memo<Result<ListingQuery, AppError>> {
    let query = use_query_map();
    Memo::new(move |_| query.with(|q| ListingQuery::parse(|name| q.get_str(name))))
}

/// A listing's canonical query: its sort order and page, not its filters
/// (a filtered page shows a part of the unfiltered one).
fn canonical_query(query: &ListingQuery) -> String {
    ListingQuery { filters: Default::default(), ..query.clone() }.to_query_string()
}

/// Filtered listings are for shoppers, not search engines' indexes.
#[component]
fn FilteredNoIndex(query: ListingQuery) -> impl IntoView {
    (!query.filters.is_empty()).then(|| view! { <leptos_meta::Meta name="robots" content="noindex, follow" /> })
}

#[component]
pub fn HomePage() -> impl IntoView {
    let home = Resource::new(|| (), |_| get_home());
    let layout = expect_context::<LayoutContext>();
    let wishlist = use_context::<WishlistContext>();
    view! {
        <Title text="Fresh groceries and tech gear" />
        <section class="hero">
            <h1>"Fresh groceries and tech gear"</h1>
            <p>"Everything for the kitchen and the desk, from one shop."</p>
            <a class="button" href="/products">"Shop all products"</a>
        </section>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                let base = layout.base().await;
                let saved = WishlistContext::saved(wishlist).await;
                match home.await {
                    Ok(home) => view! {
                        <PageMeta title="Fresh groceries and tech gear".into() base path="/".into()
                            description="Fresh groceries and the tech gear you need, from one shop.".into() />
                        <section class="home-section" aria-labelledby="featured-heading">
                            <h2 id="featured-heading">"Featured"</h2>
                            <ProductGrid products=home.featured label="Featured products".to_owned() saved=saved.clone() />
                        </section>
                        <section class="home-section" aria-labelledby="categories-heading">
                            <h2 id="categories-heading">"Shop by category"</h2>
                            <ul class="category-tiles">
                                {home.categories.into_iter().map(|c| {
                                    let href = c.link().href();
                                    view! {
                                        <li>
                                            <a href=href>
                                                <span class="tile-name">{c.name}</span>
                                                <span class="tile-text">{c.description}</span>
                                            </a>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </section>
                        <section class="home-section" aria-labelledby="newest-heading">
                            <h2 id="newest-heading">"New arrivals"</h2>
                            <ProductGrid products=home.newest label="New arrivals".to_owned() saved />
                        </section>
                    }.into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Every active product, sortable and paged.
#[component]
pub fn ProductsPage() -> impl IntoView {
    let query = listing_query();
    let listing = Resource::new(
        move || query.get(),
        |query| async move {
            match query {
                Ok(query) => get_listing(query).await,
                Err(error) => Err(error),
            }
        },
    );
    let layout = expect_context::<LayoutContext>();
    let wishlist = use_context::<WishlistContext>();
    view! {
        <Title text="All products" />
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                let base = layout.base().await;
                let saved = WishlistContext::saved(wishlist).await;
                match listing.await {
                    Ok(listing) => view! {
                        <PageMeta title="All products".into() base path=format!("/products{}", canonical_query(&listing.query))
                            description="Browse every product in the shop.".into() />
                        <FilteredNoIndex query=listing.query.clone() />
                        <header class="page-header">
                            <h1>"All products"</h1>
                        </header>
                        <ListingView category=None listing saved />
                    }.into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A category's active products, sortable and paged.
#[component]
pub fn CategoryPage() -> impl IntoView {
    let params = use_params_map();
    let query = listing_query();
    let page = Resource::new(
        move || (params.with(|p| p.get("slug").unwrap_or_default()), query.get()),
        |(slug, query)| async move {
            match query {
                Ok(query) => get_category(slug, query).await,
                Err(error) => Err(error),
            }
        },
    );
    let layout = expect_context::<LayoutContext>();
    let wishlist = use_context::<WishlistContext>();
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                let site = layout.base().await;
                let saved = WishlistContext::saved(wishlist).await;
                match page.await {
                    Ok(page) => {
                        let base = format!("/c/{}", page.category.slug);
                        let description = page.category.description.clone();
                        let slug = page.category.slug.clone();
                        view! {
                            <Title text=page.category.name.clone() />
                            <PageMeta title=page.category.name.clone() base=site description=description.clone()
                                path=format!("{base}{}", canonical_query(&page.listing.query)) />
                            <FilteredNoIndex query=page.listing.query.clone() />
                            <Breadcrumbs category=page.category.link() />
                            <header class="page-header">
                                <h1>{page.category.name.clone()}</h1>
                                <p>{description}</p>
                            </header>
                            <ListingView category=Some(slug) listing=page.listing saved />
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// One product: gallery, price, stock, description, breadcrumb.
#[component]
pub fn ProductPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let slug = Signal::derive(move || params.with(|p| p.get("slug").unwrap_or_default()));
    let layout = expect_context::<LayoutContext>();
    let wishlist = use_context::<WishlistContext>();
    let product = Resource::new(move || slug.get(), get_product);
    let save_review = crate::flash::action::<SaveReview>();
    let delete_review = crate::flash::action::<DeleteReview>();
    let reviews = Resource::new(
        move || (slug.get(), save_review.version().get(), delete_review.version().get()),
        |(slug, _, _)| get_product_reviews(slug),
    );
    // `?image=N` (1-based) picks the image shown first; thumbnails link there.
    // Without it, the chosen variant's picture is.
    let initial = move || {
        // `try_`: the render may run on after its request ended, the query gone.
        query
            .try_with_untracked(|q| q.get_str("image").and_then(|n| n.parse::<usize>().ok()))
            .flatten()
            .map(|n| n.max(1) - 1)
    };
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                let base = layout.base().await;
                let saved = WishlistContext::saved(wishlist).await;
                match product.await {
                    Ok(product) => {
                        let summary = paragraphs(&product.description);
                        let meta = summary.first().cloned().unwrap_or_default();
                        let options = StoredValue::new(product.options.clone());
                        let variants = StoredValue::new(product.variants.clone());
                        let choice = use_choice(options, variants);
                        let images = StoredValue::new(product.images.clone());
                        let asked = initial();
                        let gallery = {
                            let name = product.name.clone();
                            move || {
                                let shown = images.with_value(|all| choice.with(|c| variant_gallery(all, c)));
                                view! { <Gallery images=shown initial=asked.unwrap_or(0) product_name=name.clone() /> }
                            }
                        };
                        view! {
                            <Title text=product.name.clone() />
                            <PageMeta title=product.name.clone() description=meta base kind="product"
                                path=product.href() image=product.images.first().map(|i| i.url()) />
                            <script type="application/ld+json" inner_html=product.structured_data.clone()></script>
                            <Breadcrumbs category=product.category.clone() current=product.name.clone() />
                            <article class="product">
                                {gallery}
                                <div class="product-info">
                                    <h1>{product.name.clone()}</h1>
                                    {product.rating.describe().map(|text| view! {
                                        <p class="rating"><a href="#reviews-heading">{text}</a></p>
                                    })}
                                    <BuyPanel product=product.id name=product.name.clone() href=product.href()
                                        options variants choice />
                                    <WishlistButton product=product.id name=product.name.clone() slug=product.slug.clone() wished=saved.contains(product.id.0) />
                                    <div class="description">
                                        {summary.into_iter().map(|p| view! { <p>{p}</p> }).collect_view()}
                                    </div>
                                </div>
                            </article>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Suspense>
        <ReviewsSection reviews save=save_review delete=delete_review slug />
    }
}
