//! The catalog's building blocks: cards, grids, sorting, pagination, gallery.

use leptos::prelude::*;

use super::facet_panel::{FacetPanel, FilterLinks};
use super::filters::Filters;
use super::rules::{ListingQuery, Sort};
use super::{CategoryLink, Listing};
use crate::cart::components::AddToCartForm;
use crate::product::components::{Price, StockBadge};
use crate::product::{ImageRef, ProductSummary};
use crate::wishlist::Saved;
use crate::wishlist::components::WishlistButton;

/// How many cards at the top of a grid load eagerly (they are on screen at once).
const EAGER_IMAGES: usize = 4;

/// How wide a card's picture is shown (style/main.css: two columns on phones,
/// three from 640 px, four from 960 px in a page at most 1,200 px wide).
const CARD_IMAGE_SIZES: &str = "(min-width: 1200px) 270px, (min-width: 960px) 22vw, (min-width: 640px) 30vw, 45vw";

/// A product in a grid: image, name, price and stock state. `choice` is
/// the product page's query choosing option values (`size=m`) the listing
/// was narrowed to, for a product sold in variants.
#[component]
pub fn ProductCard(
    product: ProductSummary,
    #[prop(optional)] eager: bool,
    wished: bool,
    #[prop(default = None)] choice: Option<String>,
) -> impl IntoView {
    let href = match choice.filter(|_| product.choices) {
        Some(choice) => format!("{}?{choice}", product.href()),
        None => product.href(),
    };
    let image = match &product.image {
        Some(image) => {
            let srcset = image.srcset();
            let sizes = srcset.is_some().then_some(CARD_IMAGE_SIZES);
            view! {
                // The card's title, in the same link, names the product: the
                // picture is decorative there (axe: image-redundant-alt).
                <img
                    src=image.url_at(400)
                    srcset=srcset
                    sizes=sizes
                    alt=""
                    width="400"
                    height="400"
                    loading=if eager { "eager" } else { "lazy" }
                />
            }
            .into_any()
        }
        None => view! { <div class="card-placeholder" aria-hidden="true"></div> }.into_any(),
    };
    view! {
        <li class="card">
            <a class="card-link" href=href.clone()>
                {image}
                <h3 class="card-title">{product.name.clone()}</h3>
            </a>
            <Price price=product.price offer_price=product.offer_price from=product.from />
            {product.rating.average().map(|average| view! {
                <p class="card-rating">
                    <span aria-hidden="true"><crate::ui::icons::StarIcon filled=true />{format!(" {average} ({})", product.rating.count)}</span>
                    <span class="visually-hidden">{product.rating.describe()}</span>
                </p>
            })}
            <StockBadge stock=product.stock />
            {if product.choices {
                view! {
                    <a class="button button-secondary card-choose" href=href.clone()>
                        "Choose options" <span class="visually-hidden">{format!(": {}", product.name)}</span>
                    </a>
                }.into_any()
            } else {
                view! { <AddToCartForm product=product.id name=product.name.clone() stock=product.stock /> }.into_any()
            }}
            <WishlistButton product=product.id name=product.name.clone() slug=product.slug.clone() wished />
        </li>
    }
}

/// A responsive grid of product cards; the hearts of the products in
/// `saved` (the viewer's wishlist) pressed. `filters` narrowed the grid: a
/// card of a product in variants links to its page with the chosen values.
#[component]
pub fn ProductGrid(
    products: Vec<ProductSummary>,
    label: String,
    saved: Saved,
    #[prop(optional)] filters: Option<Filters>,
) -> impl IntoView {
    let choice = filters.and_then(|f| f.product_choice());
    view! {
        <ul class="product-grid" aria-label=label>
            {products
                .into_iter()
                .enumerate()
                .map(|(i, product)| {
                    let wished = saved.contains(product.id.0);
                    view! { <ProductCard product eager=i < EAGER_IMAGES wished choice=choice.clone() /> }
                })
                .collect_view()}
        </ul>
    }
}

/// Links to the first page in each sort order, keeping the filters; the current one is marked.
#[component]
pub fn SortLinks(base: String, query: ListingQuery) -> impl IntoView {
    view! {
        <nav class="sort" aria-label="Sort products">
            <span class="sort-label">"Sort by"</span>
            <ul>
                {Sort::ALL
                    .into_iter()
                    .map(|sort| {
                        let href = format!("{base}{}", ListingQuery::first(sort, query.filters.clone()).to_query_string());
                        let current = (sort == query.sort).then_some("true");
                        view! {
                            <li>
                                <a href=href aria-current=current>
                                    {sort.label()}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}

/// Previous / next links around the current page number.
#[component]
pub fn Pagination(base: String, listing: Listing) -> impl IntoView {
    let query = listing.query.clone();
    let prev = listing.prev.map(|first| format!("{base}{}", query.prev(first).to_query_string()));
    let next = listing.next.map(|last| format!("{base}{}", query.next(last).to_query_string()));
    view! {
        <nav class="pagination" aria-label="Pagination">
            {prev.map(|href| view! { <a href=href rel="prev">"← Previous"</a> })}
            <span class="page-number" aria-current="page">{format!("Page {}", query.page)}</span>
            {next.map(|href| view! { <a href=href rel="next">"Next →"</a> })}
        </nav>
    }
}

/// "1 product", "1,234 products".
pub fn product_count(count: i64) -> String {
    let digits = count.to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{grouped} product{}", if count == 1 { "" } else { "s" })
}

/// A whole listing: the filter panel beside sort links, the grid (or a
/// friendly empty state) and pagination. `category` is the page's category slug.
#[component]
pub fn ListingView(category: Option<String>, listing: Listing, saved: Saved) -> impl IntoView {
    let base = match &category {
        Some(slug) => format!("/c/{slug}"),
        None => "/products".to_owned(),
    };
    let query = listing.query.clone();
    let keep = (query.sort != Sort::default()).then(|| ("sort", query.sort.param().to_owned())).into_iter().collect();
    let links = FilterLinks { path: None, keep, category, filters: query.filters.clone() };
    let body = if listing.products.is_empty() {
        let (text, href) = if query.filters.is_empty() {
            ("No products here yet. ", base.clone())
        } else {
            ("No products match these filters. ", links.href(links.category.as_deref(), &Default::default()))
        };
        view! { <p class="empty">{text} <a href=href>{if query.filters.is_empty() { "Back to the first page" } else { "Clear filters" }}</a></p> }
            .into_any()
    } else {
        view! {
            <ProductGrid
                products=listing.products.clone()
                label="Products".to_owned()
                saved
                filters=query.filters.clone()
            />
        }
        .into_any()
    };
    view! {
        <div class="listing-layout">
            <FacetPanel links facets=listing.facets.clone() />
            <div class="listing-main">
                // The cards' titles are h3s: on a phone the filter panel's h2
                // is folded away, and headings must not jump from h1 to h3.
                <h2 class="visually-hidden">"Products"</h2>
                <p class="result-count" role="status">{product_count(listing.facets.total)}</p>
                <SortLinks base=base.clone() query />
                {body}
                <Pagination base listing />
            </div>
        </div>
    }
}

/// Home › Category › Product.
#[component]
pub fn Breadcrumbs(category: CategoryLink, #[prop(optional)] current: Option<String>) -> impl IntoView {
    let category_item = match current.clone() {
        Some(_) => view! { <li><a href=category.href()>{category.name.clone()}</a></li> }.into_any(),
        None => view! { <li aria-current="page">{category.name.clone()}</li> }.into_any(),
    };
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <ol>
                <li><a href="/">"Home"</a></li>
                {category_item}
                {current.map(|name| view! { <li aria-current="page">{name}</li> })}
            </ol>
        </nav>
    }
}

/// The product's images: one large, with thumbnails that swap it in place.
///
/// Thumbnails are links to `?image=N`, so they work before hydration; once
/// hydrated, a click swaps the image without loading a page.
#[component]
pub fn Gallery(images: Vec<ImageRef>, initial: usize, product_name: String) -> impl IntoView {
    if images.is_empty() {
        return view! { <div class="gallery"><div class="gallery-main card-placeholder" aria-hidden="true"></div></div> }
            .into_any();
    }
    let count = images.len();
    let selected = RwSignal::new(initial.min(count - 1));
    let images = StoredValue::new(images);
    let main_src = move || images.with_value(|all| all[selected.get()].url());
    let main_alt = move || images.with_value(|all| all[selected.get()].alt.clone());
    let thumbnails = (count > 1).then(|| {
        let items = (0..count)
            .map(|i| {
                let (src, alt) = images.with_value(|all| (all[i].url_at(144), all[i].alt.clone()));
                let label = format!("Show image {} of {count}: {alt}", i + 1);
                view! {
                    <li>
                        <a
                            href=format!("?image={}", i + 1)
                            class="thumbnail"
                            aria-label=label
                            aria-current=move || (selected.get() == i).then_some("true")
                            on:click=move |ev| {
                                ev.prevent_default();
                                selected.set(i);
                            }
                        >
                            <img src=src alt="" width="80" height="80" />
                        </a>
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="thumbnails" aria-label=format!("Images of {product_name}")>{items}</ul> }
    });
    view! {
        <div class="gallery">
            <img class="gallery-main" src=main_src alt=main_alt width="800" height="800" />
            {thumbnails}
        </div>
    }
    .into_any()
}

/// The layout resource every page shares (store name, categories, public URL).
#[derive(Clone, Copy)]
pub struct LayoutContext(pub Resource<Result<super::Layout, crate::error::AppError>>);

impl LayoutContext {
    /// The store's public URL (no trailing slash), once the layout is loaded.
    pub async fn base(self) -> String {
        self.0.await.map(|layout| layout.public_url).unwrap_or_default()
    }
}

/// A page's description, canonical URL and Open Graph tags. `path` and
/// `image` are site paths; `base` makes them absolute.
#[component]
pub fn PageMeta(
    title: String,
    description: String,
    path: String,
    base: String,
    #[prop(default = None)] image: Option<String>,
    #[prop(default = "website")] kind: &'static str,
) -> impl IntoView {
    use leptos_meta::{Link, Meta};
    let url = format!("{base}{path}");
    view! {
        <Meta name="description" content=description.clone() />
        <Link rel="canonical" href=url.clone() />
        <Meta property="og:type" content=kind />
        <Meta property="og:title" content=title />
        <Meta property="og:description" content=description />
        <Meta property="og:url" content=url />
        {image.map(|image| view! { <Meta property="og:image" content=format!("{base}{image}") /> })}
        <Meta name="twitter:card" content="summary_large_image" />
    }
}
