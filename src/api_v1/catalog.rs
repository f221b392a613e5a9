//! The catalog, open without a token (at a lower rate): categories,
//! products with the storefront's filters, a product, its reviews, search
//! and suggestions. Reads answer with an ETag; If-None-Match gives 304.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use super::responses::{BadToken, Forbidden, TooMany, Unchanged};
use super::{Answer, Money, Params, conditional, may_read_catalog};
use crate::integrations::bearer::{Caller, Details, Problem};
use crate::state::AppState;

/// A product on sale by its id (digits) or its slug, or 404.
pub(super) async fn product_on_sale(
    conn: &mut sqlx::PgConnection,
    key: &str,
) -> Result<crate::catalog::ProductDetail, Problem> {
    let missing = || Problem::new(StatusCode::NOT_FOUND, "Not found").detail("No product on sale has that id or slug.");
    let slug = match key.parse::<i64>() {
        Ok(id) => crate::catalog::db::slug_by_id(&mut *conn, id).await?.ok_or_else(missing)?,
        Err(_) => key.to_owned(),
    };
    crate::catalog::db::product_by_slug(conn, &slug).await?.ok_or_else(missing)
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct CategoryOut {
    pub(super) id: i64,
    pub(super) slug: String,
    pub(super) name: String,
}

/// The shop's categories, in their menu order.
#[utoipa::path(get, path = "/api/v1/categories", tag = "Catalog",
    responses((status = 200, description = "The categories", body = [CategoryOut],
            headers(("ETag" = String, description = "Send it back as If-None-Match"))),
        (status = 304, response = Unchanged),
        (status = 401, response = BadToken),
        (status = 403, response = Forbidden),
        (status = 429, response = TooMany)),
    security((), ("bearer" = ["catalog:read"])))]
pub(super) async fn categories(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    headers: axum::http::HeaderMap,
) -> Result<Response, Problem> {
    may_read_catalog(&who)?;
    let categories = crate::catalog::db::categories(state.catalog_reads(who.is_some())).await?;
    let out: Vec<CategoryOut> =
        categories.into_iter().map(|c| CategoryOut { id: c.id.0, slug: c.slug, name: c.name }).collect();
    conditional(&headers, &out)
}

/// Stock as shoppers are told it (staff read the exact number at
/// `/api/v1/products/{id}/stock`).
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct Availability {
    in_stock: bool,
    /// `in_stock`, `low` (5 or fewer left) or `sold_out`.
    availability: &'static str,
    /// How many are left, when 5 or fewer.
    only_left: Option<i32>,
}

impl Availability {
    fn of(stock: i32) -> Self {
        use crate::product::rules::StockState;
        let (availability, only_left) = match StockState::of(stock) {
            StockState::InStock => ("in_stock", None),
            StockState::Low(left) => ("low", Some(left)),
            StockState::OutOfStock => ("sold_out", None),
        };
        Availability { in_stock: stock > 0, availability, only_left }
    }
}

/// A product as lists show it.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct CardOut {
    id: i64,
    slug: String,
    name: String,
    price: Money,
    offer_price: Option<Money>,
    #[serde(flatten)]
    stock: Availability,
    /// The average of its visible reviews, one decimal ("4.5").
    rating: Option<String>,
    reviews: i64,
    image: Option<String>,
}

impl CardOut {
    pub(super) fn new(p: crate::product::ProductSummary, currency: &str) -> Self {
        CardOut {
            id: p.id.0,
            slug: p.slug,
            name: p.name,
            price: Money::new(p.price, currency),
            offer_price: p.offer_price.map(|o| Money::new(o, currency)),
            stock: Availability::of(p.stock),
            rating: p.rating.average().map(|a| a.to_string()),
            reviews: i64::from(p.rating.count),
            image: p.image.map(|i| crate::product::image_url(&i.key, 400)),
        }
    }
}

/// One page of products and where the next one is.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ProductsOut {
    products: Vec<CardOut>,
    /// The next page's address, or null on the last page.
    next: Option<String>,
}

/// The storefront's listing filters and sorts, as query parameters.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub(super) struct ProductsQuery {
    /// Only this category (its slug).
    category: Option<String>,
    /// `newest` (the default), `price-asc`, `price-desc` or `name`.
    sort: Option<String>,
    /// The lowest price (a decimal amount).
    min: Option<String>,
    /// The highest price.
    max: Option<String>,
    /// `1`: only products in stock.
    stock: Option<String>,
    /// `1`: only products on offer.
    offer: Option<String>,
    /// Only products rated at least this (1–5).
    rating: Option<u8>,
    /// Option values, by option: `colour:blue;size:m,l` is blue, in M or L
    /// (some variant on sale has each value named).
    #[param(
        pattern = r"^([A-Za-z0-9-]{1,60}:[A-Za-z0-9-]{1,60}(,[A-Za-z0-9-]{1,60}){0,29}(;[A-Za-z0-9-]{1,60}:[A-Za-z0-9-]{1,60}(,[A-Za-z0-9-]{1,60}){0,29}){0,7})?$"
    )]
    opt: Option<String>,
    /// The cursor from the previous page's `next`.
    after: Option<i64>,
}

/// Products, with the storefront's filters and sorts, in pages of 24; each
/// page names the next (in the body and a `Link` header).
#[utoipa::path(get, path = "/api/v1/products", tag = "Catalog", params(ProductsQuery),
    responses((status = 200, description = "One page of products", body = ProductsOut,
            headers(("ETag" = String, description = "Send it back as If-None-Match"),
                ("Link" = String, description = "The next page, rel=\"next\""))),
        (status = 304, response = Unchanged),
        (status = 400, description = "A parameter is malformed", body = Details, content_type = "application/problem+json"),
        (status = 401, response = BadToken),
        (status = 403, response = Forbidden),
        (status = 404, description = "No category has that slug", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security((), ("bearer" = ["catalog:read"])))]
pub(super) async fn products(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    headers: axum::http::HeaderMap,
    Query(params): Query<Params>,
) -> Result<Response, Problem> {
    may_read_catalog(&who)?;
    // The storefront's links may carry an empty filter (a form's blank field);
    // an API caller's integer parameter is an integer or absent.
    for name in ["rating", "after"] {
        if params.get(name).is_some_and(|v| v.trim().is_empty()) {
            return Err(Problem::new(StatusCode::BAD_REQUEST, "Bad request")
                .detail(format!("`{name}` must be a whole number.")));
        }
    }
    let query = crate::catalog::ListingQuery::parse(|name| params.get(name).map(String::as_str))?;
    let category = match params.get("category").filter(|c| !c.is_empty()) {
        None => None,
        Some(slug) => {
            let categories = crate::catalog::db::categories(state.catalog_reads(who.is_some())).await?;
            let found = categories.into_iter().find(|c| &c.slug == slug);
            Some(
                found
                    .ok_or_else(|| {
                        Problem::new(StatusCode::NOT_FOUND, "Not found").detail("No category has that slug.")
                    })?
                    .id,
            )
        }
    };
    let listing = crate::catalog::db::list_products(state.catalog_reads(who.is_some()), category, &query).await?;
    let currency = &state.config.currency;
    let next = listing.next.map(|after| {
        let mut kept: Vec<(String, String)> =
            params.iter().filter(|(k, _)| k.as_str() != "after").map(|(k, v)| (k.clone(), v.clone())).collect();
        kept.sort();
        kept.push(("after".into(), after.0.to_string()));
        let query: Vec<String> = kept.iter().map(|(k, v)| format!("{k}={}", crate::ui::encode_component(v))).collect();
        format!("/api/v1/products?{}", query.join("&"))
    });
    let products = listing.products.into_iter().map(|p| CardOut::new(p, currency)).collect();
    let link = next.as_ref().map(|next| format!("<{next}>; rel=\"next\""));
    let mut response = conditional(&headers, &ProductsOut { products, next })?;
    if let Some(link) = link.and_then(|l| axum::http::HeaderValue::from_str(&l).ok()) {
        response.headers_mut().insert(axum::http::header::LINK, link);
    }
    Ok(response)
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ProductOut {
    id: i64,
    slug: String,
    name: String,
    description: String,
    price: Money,
    offer_price: Option<Money>,
    #[serde(flatten)]
    stock: Availability,
    category: String,
    /// The average of its visible reviews, one decimal ("4.5").
    rating: Option<String>,
    reviews: i64,
    images: Vec<String>,
    /// Its options ("Size" with "S", "M", "L"), empty when it is sold one way.
    options: Vec<OptionOut>,
    /// Its variants on sale: one for a product sold one way. A cart line
    /// names one (`variant`) when the product has several.
    variants: Vec<VariantOut>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct OptionOut {
    name: String,
    values: Vec<String>,
}

/// A variant on sale: its option values (one per option, in order), SKU,
/// price and stock as shoppers are told it.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct VariantOut {
    id: i64,
    sku: String,
    /// Option name to value: {"Size": "M", "Colour": "Blue"}.
    #[schema(value_type = std::collections::BTreeMap<String, String>)]
    options: serde_json::Map<String, serde_json::Value>,
    price: Money,
    offer_price: Option<Money>,
    #[serde(flatten)]
    stock: Availability,
    /// Its first picture, when it has pictures of its own.
    image: Option<String>,
    /// Its pictures, in order (empty: the product's gallery is its).
    images: Vec<String>,
}

impl VariantOut {
    fn new(v: &crate::product::Variant, options: &[crate::product::ProductOption], currency: &str) -> Self {
        let named = options
            .iter()
            .filter_map(|o| {
                let value = o.values.iter().find(|value| v.values.contains(&value.id))?;
                Some((o.name.clone(), serde_json::Value::String(value.value.clone())))
            })
            .collect();
        VariantOut {
            id: v.id.0,
            sku: v.sku.clone(),
            options: named,
            price: Money::new(v.price, currency),
            offer_price: v.offer_price.map(|p| Money::new(p, currency)),
            stock: Availability::of(v.stock),
            image: v.images.first().map(|key| crate::product::image_url(key, 800)),
            images: v.images.iter().map(|key| crate::product::image_url(key, 800)).collect(),
        }
    }
}

/// A product by its id or slug: prices, stock, rating and pictures.
#[utoipa::path(get, path = "/api/v1/products/{product}", tag = "Catalog",
    params(("product" = String, Path, description = "The product's id, or its slug as in its page's address", example = "espresso-beans-1-kg")),
    responses((status = 200, description = "The product", body = ProductOut,
            headers(("ETag" = String, description = "Send it back as If-None-Match"))),
        (status = 304, response = Unchanged),
        (status = 401, response = BadToken),
        (status = 403, response = Forbidden),
        (status = 404, description = "No product on sale has that id or slug", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security((), ("bearer" = ["catalog:read"])))]
pub(super) async fn product(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    headers: axum::http::HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, Problem> {
    may_read_catalog(&who)?;
    let mut conn = state.catalog_reads(who.is_some()).acquire().await?;
    let product = product_on_sale(&mut conn, &slug).await?;
    let currency = &state.config.currency;
    conditional(
        &headers,
        &ProductOut {
            id: product.id.0,
            slug: product.slug,
            name: product.name,
            description: product.description,
            price: Money::new(product.price, currency),
            offer_price: product.offer_price.map(|p| Money::new(p, currency)),
            stock: Availability::of(product.stock),
            category: product.category.slug,
            rating: product.rating.average().map(|a| a.to_string()),
            reviews: i64::from(product.rating.count),
            images: product.images.iter().map(|i| crate::product::image_url(&i.key, 800)).collect(),
            variants: product.variants.iter().map(|v| VariantOut::new(v, &product.options, currency)).collect(),
            options: product
                .options
                .into_iter()
                .map(|o| OptionOut { name: o.name, values: o.values.into_iter().map(|v| v.value).collect() })
                .collect(),
        },
    )
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ReviewOut {
    author: String,
    rating: i16,
    title: String,
    body: String,
    /// RFC 3339.
    written: String,
    edited: bool,
}

/// A product's visible reviews, newest first.
#[utoipa::path(get, path = "/api/v1/products/{product}/reviews", tag = "Catalog",
    params(("product" = String, Path, description = "The product's id or slug")),
    responses((status = 200, description = "The reviews", body = [ReviewOut],
            headers(("ETag" = String, description = "Send it back as If-None-Match"))),
        (status = 304, response = Unchanged),
        (status = 401, response = BadToken),
        (status = 403, response = Forbidden),
        (status = 404, description = "No product on sale has that id or slug", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security((), ("bearer" = ["catalog:read"])))]
pub(super) async fn reviews(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    headers: axum::http::HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, Problem> {
    may_read_catalog(&who)?;
    let mut conn = state.catalog_reads(who.is_some()).acquire().await?;
    let product = product_on_sale(&mut conn, &slug).await?;
    let reviews = crate::reviews::db::visible(&mut *conn, product.id.0).await?;
    let out: Vec<ReviewOut> = reviews
        .into_iter()
        .map(|r| ReviewOut {
            author: r.author,
            rating: r.rating,
            title: r.title,
            body: r.body,
            written: r.written.iso,
            edited: r.edited,
        })
        .collect();
    conditional(&headers, &out)
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct SuggestionOut {
    name: String,
    slug: String,
}

/// What the search box offers while `q` is typed.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub(super) struct SuggestQuery {
    /// What has been typed so far.
    q: Option<String>,
}

/// Products to offer while a shopper types (names starting with the words).
#[utoipa::path(get, path = "/api/v1/suggestions", tag = "Catalog", params(SuggestQuery),
    responses((status = 200, description = "Up to ten suggestions", body = [SuggestionOut]),
        (status = 401, response = BadToken),
        (status = 403, response = Forbidden),
        (status = 429, response = TooMany)),
    security((), ("bearer" = ["catalog:read"])))]
pub(super) async fn suggestions(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Query(params): Query<Params>,
) -> Answer<Vec<SuggestionOut>> {
    may_read_catalog(&who)?;
    let typed = crate::search::rules::clean(params.get("q").map(String::as_str).unwrap_or_default());
    if typed.chars().count() < 2 {
        return Ok(Json(Vec::new()));
    }
    let found = crate::search::db::suggest(state.catalog_reads(who.is_some()), &typed).await?;
    Ok(Json(found.into_iter().map(|s| SuggestionOut { name: s.name, slug: s.slug }).collect()))
}

/// One page of search results.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct SearchOut {
    products: Vec<CardOut>,
    /// How many products match under every filter.
    total: i64,
    page: u32,
    /// Nothing matched the words; these are the closest names.
    fuzzy: bool,
    /// Nothing matched the words as typed; these are the results for this correction of them.
    corrected: Option<String>,
    next: Option<String>,
}

/// Search's words, sort and the storefront's filters.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub(super) struct SearchQuery {
    /// The words to look for (names, descriptions, categories; typos forgiven).
    q: Option<String>,
    /// `relevance` (the default), `price-asc`, `price-desc`, `newest` or `rating`.
    sort: Option<String>,
    /// Only this category (its slug).
    category: Option<String>,
    /// The lowest price (a decimal amount).
    min: Option<String>,
    /// The highest price.
    max: Option<String>,
    /// `1`: only products in stock.
    stock: Option<String>,
    /// `1`: only products on offer.
    offer: Option<String>,
    /// Only products rated at least this (1–5).
    rating: Option<u8>,
    /// Option values, by option: `colour:blue;size:m,l` is blue, in M or L
    /// (some variant on sale has each value named).
    #[param(
        pattern = r"^([A-Za-z0-9-]{1,60}:[A-Za-z0-9-]{1,60}(,[A-Za-z0-9-]{1,60}){0,29}(;[A-Za-z0-9-]{1,60}:[A-Za-z0-9-]{1,60}(,[A-Za-z0-9-]{1,60}){0,29}){0,7})?$"
    )]
    opt: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    page: Option<u32>,
}

/// Searches the catalog as the storefront's search page does, in pages of 24.
#[utoipa::path(get, path = "/api/v1/search", tag = "Catalog", params(SearchQuery),
    responses((status = 200, description = "One page of results", body = SearchOut,
            headers(("ETag" = String, description = "Send it back as If-None-Match"))),
        (status = 304, response = Unchanged),
        (status = 400, description = "A parameter is malformed, or names a category the shop does not have", body = Details, content_type = "application/problem+json"),
        (status = 401, response = BadToken),
        (status = 403, response = Forbidden),
        (status = 429, response = TooMany)),
    security((), ("bearer" = ["catalog:read"])))]
pub(super) async fn search(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    headers: axum::http::HeaderMap,
    Query(params): Query<Params>,
) -> Result<Response, Problem> {
    use crate::search::{SearchRequest, SearchSort};
    may_read_catalog(&who)?;
    let bad = |detail: &str| Problem::new(StatusCode::BAD_REQUEST, "Bad request").detail(detail.to_owned());
    if params.get("rating").is_some_and(|v| v.trim().is_empty()) {
        return Err(bad("`rating` must be a whole number from 1 to 5."));
    }
    let filters = crate::catalog::filters::Filters::parse(|name| params.get(name).map(String::as_str))?;
    let sort = match params.get("sort").map(String::as_str) {
        None | Some("") => SearchSort::default(),
        Some(value) => SearchSort::from_param(value)
            .ok_or_else(|| bad("`sort` is relevance, price-asc, price-desc, newest or rating."))?,
    };
    let page = super::page_param(&params)?;
    let categories = crate::catalog::db::categories(state.catalog_reads(who.is_some())).await?;
    let category = params.get("category").filter(|slug| !slug.is_empty()).cloned();
    let category_id = crate::search::category_id(&categories, category.as_deref())
        .map_err(|_| bad("`category` names a category the shop does not have."))?;
    let query = crate::search::rules::clean(params.get("q").map(String::as_str).unwrap_or_default());
    let request = SearchRequest { query, sort, page, category, filters };
    let results =
        crate::search::db::search(state.catalog_reads(who.is_some()), &request, category_id, &categories, &[]).await?;
    let next = results
        .has_next
        .then(|| format!("/api/v1{}", SearchRequest { page: page + 1, ..results.request.clone() }.href()));
    let currency = &state.config.currency;
    let out = SearchOut {
        products: results.products.into_iter().map(|p| CardOut::new(p, currency)).collect(),
        total: results.total,
        page,
        fuzzy: results.fuzzy,
        corrected: results.corrected,
        next,
    };
    let link = out.next.as_ref().and_then(|n| axum::http::HeaderValue::from_str(&format!("<{n}>; rel=\"next\"")).ok());
    let mut response = conditional(&headers, &out)?;
    if let Some(link) = link {
        response.headers_mut().insert(axum::http::header::LINK, link);
    }
    Ok(response)
}
