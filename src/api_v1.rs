//! The JSON API under `/api/v1`, for integrators: bearer tokens only (no
//! session cookie is read, so no other site can act with a shopper's
//! sign-in), RFC 9457 errors, money as decimal strings with the currency.
//! Every operation calls the same queries and rules the pages use.
//!
//! This is the API's first part: the catalog's categories and products, the
//! caller, orders, and staff price and stock changes.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Extension, Json};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::json;

use crate::account::Role;
use crate::audit::Audit;
use crate::integrations::Scope;
use crate::integrations::bearer::{Caller, Details, Problem, authenticate};
use crate::state::AppState;

/// A request body larger than this is refused (413).
const MAX_BODY: usize = 64 * 1024;

/// The API's routes, with their authentication and limits.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/categories", get(categories))
        .route("/products", get(products))
        .route("/products/{slug}", get(product))
        .route("/products/{slug}/reviews", get(reviews))
        .route("/suggestions", get(suggestions))
        .route("/customers", get(customers))
        .route("/customers/{id}", get(customer))
        .route("/products/{id}/stock", put(set_stock))
        .route("/products/{id}/price", put(set_price))
        .route("/inventory", axum::routing::post(bulk_stock))
        .route("/me", get(me))
        .route("/orders", get(orders).post(place_order))
        .route("/orders/{number}/cancel", axum::routing::post(cancel_order))
        .route("/staff/orders/{number}/{action}", axum::routing::post(staff_order))
        .route("/cart", get(cart))
        .route("/cart/lines/{product}", put(set_cart_line).delete(remove_cart_line))
        .route("/openapi.json", get(openapi_json))
        .fallback(|| async { Problem::new(StatusCode::NOT_FOUND, "Not found").detail("No such API operation.") })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(from_fn_with_state(state, authenticate))
}

type Answer<T> = Result<Json<T>, Problem>;

/// The caller, required.
fn caller(caller: Option<Extension<Caller>>) -> Result<Caller, Problem> {
    caller
        .map(|Extension(c)| c)
        .ok_or_else(|| Problem::unauthorized("invalid_request", "This operation needs a token."))
}

/// A token, when one was sent, must allow catalog reads.
fn may_read_catalog(caller: &Option<Extension<Caller>>) -> Result<(), Problem> {
    match caller {
        Some(Extension(caller)) => caller.require(Scope::CatalogRead),
        None => Ok(()),
    }
}

/// A JSON body, or 400 (not JSON) / 422 (not the expected shape, or text
/// holding a NUL, which no stored text may) saying why.
fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, Problem> {
    let nul = bytes.contains(&0) || bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000"));
    if nul {
        return Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "Invalid body")
            .detail("Text may not contain NUL characters."));
    }
    serde_json::from_slice(bytes).map_err(|error| {
        let status = if error.is_syntax() || error.is_eof() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        Problem::new(status, "Invalid body").detail(format!("The body could not be read as expected: {error}."))
    })
}

/// Staff operations: a CLIENT token, or a USER token whose owner has `role`.
fn staff(caller: &Caller, role: Role, scope: Scope) -> Result<(), Problem> {
    caller.require(scope)?;
    if caller.is_staff(role) {
        Ok(())
    } else {
        Err(Problem::new(StatusCode::FORBIDDEN, "Forbidden").detail("This operation is for staff."))
    }
}

/// An amount in the shop's currency.
#[derive(Serialize, utoipa::ToSchema)]
struct Money {
    amount: String,
    currency: String,
}

impl Money {
    fn new(amount: Decimal, currency: &str) -> Self {
        Money { amount: format!("{amount:.2}"), currency: currency.to_owned() }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct CategoryOut {
    id: i64,
    slug: String,
    name: String,
}

/// The shop's categories, in their menu order.
#[utoipa::path(get, path = "/api/v1/categories", tag = "Catalog",
    responses((status = 200, description = "The categories", body = [CategoryOut],
            headers(("ETag" = String, description = "Send it back as If-None-Match"))),
        (status = 304, description = "Unchanged since the ETag sent in If-None-Match"),
        (status = 401, description = "A token was sent and is not valid", body = Details, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks catalog:read", body = Details, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Details, content_type = "application/problem+json")),
    security((), ("bearer" = ["catalog:read"])))]
async fn categories(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    headers: axum::http::HeaderMap,
) -> Result<Response, Problem> {
    may_read_catalog(&who)?;
    let categories = crate::catalog::db::categories(&state.pool).await?;
    let out: Vec<CategoryOut> =
        categories.into_iter().map(|c| CategoryOut { id: c.id.0, slug: c.slug, name: c.name }).collect();
    conditional(&headers, &out)
}

/// A product as lists show it.
#[derive(Serialize, utoipa::ToSchema)]
struct CardOut {
    id: i64,
    slug: String,
    name: String,
    price: Money,
    offer_price: Option<Money>,
    stock: i32,
    in_stock: bool,
    /// The average of its visible reviews, one decimal ("4.5").
    rating: Option<String>,
    reviews: i64,
    image: Option<String>,
}

/// One page of products and where the next one is.
#[derive(Serialize, utoipa::ToSchema)]
struct ProductsOut {
    products: Vec<CardOut>,
    /// The next page's address, or null on the last page.
    next: Option<String>,
}

/// The storefront's listing filters and sorts, as query parameters.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct ProductsQuery {
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
    /// The cursor from the previous page's `next`.
    after: Option<i64>,
}

/// Products, with the storefront's filters and sorts, in pages of 24; each
/// page names the next (in the body and a `Link` header).
#[utoipa::path(get, path = "/api/v1/products", tag = "Catalog", params(ProductsQuery),
    responses((status = 200, description = "One page of products", body = ProductsOut,
            headers(("ETag" = String, description = "Send it back as If-None-Match"),
                ("Link" = String, description = "The next page, rel=\"next\""))),
        (status = 304, description = "Unchanged since the ETag sent in If-None-Match"),
        (status = 400, description = "A parameter is malformed", body = Details, content_type = "application/problem+json"),
        (status = 401, description = "A token was sent and is not valid", body = Details, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks catalog:read", body = Details, content_type = "application/problem+json"),
        (status = 404, description = "No category has that slug", body = Details, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Details, content_type = "application/problem+json")),
    security((), ("bearer" = ["catalog:read"])))]
async fn products(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    headers: axum::http::HeaderMap,
    Query(params): Query<std::collections::HashMap<String, String>>,
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
            let categories = crate::catalog::db::categories(&state.pool).await?;
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
    let listing = crate::catalog::db::list_products(&state.pool, category, &query).await?;
    let currency = &state.config.currency;
    let next = listing.next.map(|after| {
        let mut kept: Vec<(String, String)> =
            params.iter().filter(|(k, _)| k.as_str() != "after").map(|(k, v)| (k.clone(), v.clone())).collect();
        kept.sort();
        kept.push(("after".into(), after.0.to_string()));
        let query: Vec<String> = kept.iter().map(|(k, v)| format!("{k}={}", crate::ui::encode_component(v))).collect();
        format!("/api/v1/products?{}", query.join("&"))
    });
    let products = listing
        .products
        .into_iter()
        .map(|p| CardOut {
            id: p.id.0,
            slug: p.slug,
            name: p.name,
            price: Money::new(p.price, currency),
            offer_price: p.offer_price.map(|o| Money::new(o, currency)),
            stock: p.stock,
            in_stock: p.stock > 0,
            rating: p.rating.average().map(|a| a.to_string()),
            reviews: i64::from(p.rating.count),
            image: p.image.map(|i| crate::product::image_url(&i.key, 400)),
        })
        .collect();
    let link = next.as_ref().map(|next| format!("<{next}>; rel=\"next\""));
    let mut response = conditional(&headers, &ProductsOut { products, next })?;
    if let Some(link) = link.and_then(|l| axum::http::HeaderValue::from_str(&l).ok()) {
        response.headers_mut().insert(axum::http::header::LINK, link);
    }
    Ok(response)
}

/// `value` as JSON with a strong `ETag` of its bytes, or 304 when the
/// caller's `If-None-Match` already names it.
fn conditional<T: Serialize>(headers: &axum::http::HeaderMap, value: &T) -> Result<Response, Problem> {
    use sha2::Digest;
    let body = serde_json::to_vec(value).map_err(|_| crate::error::AppError::Internal)?;
    let digest = sha2::Sha256::digest(&body);
    let tag = format!("\"{}\"", digest.iter().take(12).map(|b| format!("{b:02x}")).collect::<String>());
    let matches = headers
        .get(axum::http::header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    let etag = (axum::http::header::ETAG, tag);
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, [etag]).into_response());
    }
    Ok(([etag, (axum::http::header::CONTENT_TYPE, "application/json".to_owned())], body).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
struct ProductOut {
    id: i64,
    slug: String,
    name: String,
    description: String,
    price: Money,
    offer_price: Option<Money>,
    stock: i32,
    in_stock: bool,
    category: String,
    /// The average of its visible reviews, one decimal ("4.5").
    rating: Option<String>,
    reviews: i64,
    images: Vec<String>,
}

/// A product by its slug: prices, stock, rating and pictures.
#[utoipa::path(get, path = "/api/v1/products/{slug}", tag = "Catalog",
    params(("slug" = String, Path, description = "The product's slug, as in its page's address", example = "espresso-beans-1-kg")),
    responses((status = 200, description = "The product", body = ProductOut,
            headers(("ETag" = String, description = "Send it back as If-None-Match"))),
        (status = 304, description = "Unchanged since the ETag sent in If-None-Match"),
        (status = 401, description = "A token was sent and is not valid", body = Details, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks catalog:read", body = Details, content_type = "application/problem+json"),
        (status = 404, description = "No product has that slug", body = Details, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Details, content_type = "application/problem+json")),
    security((), ("bearer" = ["catalog:read"])))]
async fn product(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    headers: axum::http::HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, Problem> {
    may_read_catalog(&who)?;
    let mut conn = state.pool.acquire().await?;
    let product = crate::catalog::db::product_by_slug(&mut conn, &slug)
        .await?
        .ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, "Not found").detail("No product has that slug."))?;
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
            stock: product.stock,
            in_stock: product.stock > 0,
            category: product.category.slug,
            rating: product.rating.average().map(|a| a.to_string()),
            reviews: i64::from(product.rating.count),
            images: product.images.iter().map(|i| crate::product::image_url(&i.key, 800)).collect(),
        },
    )
}

#[derive(Serialize, utoipa::ToSchema)]
struct MeOut {
    id: String,
    username: String,
    first_name: String,
    role: &'static str,
    scopes: Vec<&'static str>,
}

/// The person a USER token acts as, and the scopes it holds now.
#[utoipa::path(get, path = "/api/v1/me", tag = "Account",
    responses((status = 200, description = "The token's person", body = MeOut),
        (status = 401, description = "No token, or not a valid one", body = Details, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks account:read, or is a client token", body = Details, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Details, content_type = "application/problem+json")),
    security(("bearer" = ["account:read"])))]
async fn me(State(state): State<AppState>, who: Option<Extension<Caller>>) -> Answer<MeOut> {
    let caller = caller(who)?;
    caller.require(Scope::AccountRead)?;
    let user = caller.person()?;
    let viewer = crate::account::db::viewer(&state.pool, user)
        .await?
        .ok_or_else(|| Problem::unauthorized("invalid_token", "Unknown token."))?;
    Ok(Json(MeOut {
        id: viewer.id.0.to_string(),
        username: viewer.username,
        first_name: viewer.first_name,
        role: viewer.role.label(),
        scopes: caller.scopes().iter().map(|s| s.as_str()).collect(),
    }))
}

/// Which page of a list (from 1).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct PageQuery {
    #[param(minimum = 1, maximum = 100000)]
    page: Option<u32>,
}

/// The `page` parameter: 1 when absent, else a whole number from 1 to 100,000 (or 400).
fn page_param(params: &std::collections::HashMap<String, String>) -> Result<u32, Problem> {
    match params.get("page") {
        None => Ok(1),
        Some(text) => text.parse().ok().filter(|p| (1..=100_000).contains(p)).ok_or_else(|| {
            Problem::new(StatusCode::BAD_REQUEST, "Bad request")
                .detail("`page` must be a whole number from 1 to 100000.")
        }),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct OrderOut {
    number: i64,
    placed_at: String,
    status: &'static str,
    total: Money,
}

impl OrderOut {
    fn new(
        number: crate::orders::OrderNumber,
        placed_at: crate::ui::Moment,
        status: crate::orders::OrderStatus,
        total: Money,
    ) -> Self {
        OrderOut { number: number.0, placed_at: placed_at.iso, status: status.label(), total }
    }

    /// A row of the shop's order list (staff), in the shop's currency.
    fn of_row(row: crate::admin::OrderRow, currency: &str) -> Self {
        OrderOut::new(row.number, row.placed_at, row.status, Money::new(row.total, currency))
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct OrdersOut {
    orders: Vec<OrderOut>,
    page: u32,
    next: Option<String>,
}

/// Orders, newest first: a USER token's person's own, or the shop's for a
/// client token.
#[utoipa::path(get, path = "/api/v1/orders", tag = "Orders", params(PageQuery),
    responses((status = 200, description = "One page of orders", body = OrdersOut),
        (status = 400, description = "`page` is not a whole number from 1 to 100000", body = Details, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a valid one", body = Details, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks orders:read", body = Details, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Details, content_type = "application/problem+json")),
    security(("bearer" = ["orders:read"])))]
async fn orders(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Query(params): Query<std::collections::HashMap<String, String>>,
) -> Answer<OrdersOut> {
    let caller = caller(who)?;
    caller.require(Scope::OrdersRead)?;
    let page = page_param(&params)?;
    let (orders, has_next) = match caller.person {
        Some((user, _)) => {
            let history = crate::orders::db::history(&state.pool, user, page).await?;
            let orders = history
                .orders
                .into_iter()
                .map(|o| OrderOut::new(o.number, o.placed_at, o.status, Money::new(o.total, &o.currency)))
                .collect();
            (orders, history.has_next)
        }
        None => {
            let filter = crate::admin::OrderFilter { page, ..Default::default() };
            let list = crate::admin::db::order_list(&state.pool, &filter).await?;
            let orders = list.orders.into_iter().map(|o| OrderOut::of_row(o, &state.config.currency)).collect();
            (orders, list.has_next)
        }
    };
    let next = has_next.then(|| format!("/api/v1/orders?page={}", page + 1));
    Ok(Json(OrdersOut { orders, page, next }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct StockIn {
    stock: i64,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PriceIn {
    price: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct StockOut {
    id: i64,
    stock: i32,
    price: Money,
}

/// Sets a product's stock (staff).
#[utoipa::path(put, path = "/api/v1/products/{id}/stock", tag = "Inventory",
    params(("id" = i64, Path, description = "The product's id")),
    request_body(content = StockIn, example = json!({"stock": 42})),
    responses((status = 200, description = "The product's stock and price now", body = StockOut),
        (status = 400, description = "The body is not JSON", body = Details, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a valid one", body = Details, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks inventory:write, or its owner is not an admin", body = Details, content_type = "application/problem+json"),
        (status = 404, description = "No product has that id", body = Details, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large"),
        (status = 422, description = "The stock is not a whole number, 0 or more", body = Details, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Details, content_type = "application/problem+json")),
    security(("bearer" = ["inventory:write"])))]
async fn set_stock(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, Problem> {
    let caller = caller(who)?;
    staff(&caller, Role::Admin, Scope::InventoryWrite)?;
    let id = product_id(&id)?;
    let input: StockIn = body(&bytes)?;
    let stock = i32::try_from(input.stock)
        .ok()
        .filter(|s| *s >= 0)
        .ok_or_else(|| crate::error::AppError::field("stock", "Stock must be a whole number, 0 or more."))?;
    let mut tx = state.pool.begin().await?;
    let (before, price) = crate::admin::db::quick_edit(&mut tx, id, Some(stock), None).await?.ok_or_else(not_found)?;
    let name = crate::admin::db::product_name(&mut *tx, id).await?.unwrap_or_default();
    Audit::new(caller.actor(), "product.stock", "product", id)
        .summary(format!("Stock of {name} (API token {})", caller.token))
        .change(json!({ "stock": before }), json!({ "stock": stock }))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Json(StockOut { id, stock, price: Money::new(price, &state.config.currency) }).into_response())
}

/// Sets a product's price (staff); an offer no longer below it is cleared.
#[utoipa::path(put, path = "/api/v1/products/{id}/price", tag = "Catalog",
    params(("id" = i64, Path, description = "The product's id")),
    request_body(content = PriceIn, example = json!({"price": "12.50"})),
    responses((status = 200, description = "The product's stock and price now", body = StockOut),
        (status = 400, description = "The body is not JSON", body = Details, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a valid one", body = Details, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks catalog:write, or its owner is not an admin", body = Details, content_type = "application/problem+json"),
        (status = 404, description = "No product has that id", body = Details, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large"),
        (status = 422, description = "The price is not an amount above zero", body = Details, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Details, content_type = "application/problem+json")),
    security(("bearer" = ["catalog:write"])))]
async fn set_price(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, Problem> {
    let caller = caller(who)?;
    staff(&caller, Role::Admin, Scope::CatalogWrite)?;
    let id = product_id(&id)?;
    let input: PriceIn = body(&bytes)?;
    let price = crate::admin::rules::parse_money(&input.price).filter(|p| *p > Decimal::ZERO).ok_or_else(|| {
        crate::error::AppError::field("price", "The price must be an amount above zero, like \"12.50\".")
    })?;
    let mut tx = state.pool.begin().await?;
    let (stock, before) = crate::admin::db::quick_edit(&mut tx, id, None, Some(price)).await?.ok_or_else(not_found)?;
    let name = crate::admin::db::product_name(&mut *tx, id).await?.unwrap_or_default();
    Audit::new(caller.actor(), "product.price", "product", id)
        .summary(format!("Price of {name} (API token {})", caller.token))
        .change(json!({ "price": before.to_string() }), json!({ "price": price.to_string() }))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Json(StockOut { id, stock, price: Money::new(price, &state.config.currency) }).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
struct CartLineOut {
    product: i64,
    slug: String,
    name: String,
    quantity: i32,
    /// What one costs now.
    unit_price: Money,
    line_total: Money,
    /// What stops this line from being ordered, if anything.
    problem: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct CartOut {
    lines: Vec<CartLineOut>,
    subtotal: Money,
    /// Whether every line can be ordered as it stands.
    ready: bool,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct QuantityIn {
    quantity: i64,
}

async fn cart_out(state: &AppState, user: crate::account::UserId) -> Result<CartOut, Problem> {
    let lines = match crate::cart::db::user_cart(&state.pool, user).await? {
        Some(cart) => crate::cart::db::lines(&state.pool, cart).await?,
        None => Vec::new(),
    };
    let cart = crate::cart::Cart { lines };
    let currency = &state.config.currency;
    Ok(CartOut {
        subtotal: Money::new(cart.subtotal(), currency),
        ready: cart.ready(),
        lines: cart
            .lines
            .iter()
            .map(|line| CartLineOut {
                product: line.product.0,
                slug: line.slug.clone(),
                name: line.name.clone(),
                quantity: line.quantity,
                unit_price: Money::new(line.unit_price, currency),
                line_total: Money::new(line.line_total(), currency),
                problem: line.problem(),
            })
            .collect(),
    })
}

/// The token's person's cart, priced as it is now.
#[utoipa::path(get, path = "/api/v1/cart", tag = "Cart",
    responses((status = 200, description = "The cart", body = CartOut),
        (status = 401, description = "No token, or not a valid one", body = Details, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks cart:write, or is a client token", body = Details, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Details, content_type = "application/problem+json")),
    security(("bearer" = ["cart:write"])))]
async fn cart(State(state): State<AppState>, who: Option<Extension<Caller>>) -> Answer<CartOut> {
    let caller = caller(who)?;
    caller.require(Scope::CartWrite)?;
    let user = caller.person()?;
    Ok(Json(cart_out(&state, user).await?))
}

/// Puts `quantity` of a product in the cart (adding the line if it is not there).
#[utoipa::path(put, path = "/api/v1/cart/lines/{product}", tag = "Cart",
    params(("product" = i64, Path, description = "The product's id")),
    request_body(content = QuantityIn, example = json!({"quantity": 2})),
    responses((status = 200, description = "The cart now", body = CartOut),
        (status = 400, description = "The body is not JSON, or the product is not for sale", body = Details, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a valid one", body = Details, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks cart:write, or is a client token", body = Details, content_type = "application/problem+json"),
        (status = 404, description = "The id is not a product's", body = Details, content_type = "application/problem+json"),
        (status = 409, description = "Fewer are in stock", body = Details, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large"),
        (status = 422, description = "The quantity is not from 1 to 999", body = Details, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Details, content_type = "application/problem+json")),
    security(("bearer" = ["cart:write"])))]
async fn set_cart_line(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(product): Path<String>,
    bytes: Bytes,
) -> Answer<CartOut> {
    let caller = caller(who)?;
    caller.require(Scope::CartWrite)?;
    let user = caller.person()?;
    let product = product_id(&product)?;
    let input: QuantityIn = body(&bytes)?;
    let quantity = i32::try_from(input.quantity).unwrap_or(i32::MAX);
    crate::cart::rules::check_quantity(quantity)?;
    let product = crate::product::ProductId(product);
    let cart = crate::cart::db::ensure_user_cart(&state.pool, user).await?;
    let mut tx = state.pool.begin().await?;
    match crate::cart::db::set_quantity(&mut tx, cart, product, quantity).await {
        Err(crate::error::AppError::NotFound) => crate::cart::db::add(&mut tx, cart, product, quantity).await?,
        other => other?,
    }
    tx.commit().await?;
    Ok(Json(cart_out(&state, user).await?))
}

/// Takes a product out of the cart (done whether or not it was there).
#[utoipa::path(delete, path = "/api/v1/cart/lines/{product}", tag = "Cart",
    params(("product" = i64, Path, description = "The product's id")),
    responses((status = 200, description = "The cart now", body = CartOut),
        (status = 401, description = "No token, or not a valid one", body = Details, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks cart:write, or is a client token", body = Details, content_type = "application/problem+json"),
        (status = 404, description = "The id is not a product's", body = Details, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Details, content_type = "application/problem+json")),
    security(("bearer" = ["cart:write"])))]
async fn remove_cart_line(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(product): Path<String>,
) -> Answer<CartOut> {
    let caller = caller(who)?;
    caller.require(Scope::CartWrite)?;
    let user = caller.person()?;
    let product = product_id(&product)?;
    if let Some(cart) = crate::cart::db::user_cart(&state.pool, user).await? {
        let mut conn = state.pool.acquire().await?;
        crate::cart::db::remove(&mut conn, cart, crate::product::ProductId(product)).await?;
    }
    Ok(Json(cart_out(&state, user).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PlaceIn {
    /// `cash` (on delivery).
    payment: String,
    /// A saved address's id; or give `address`.
    address_id: Option<i64>,
    /// A new address (kept in the address book when `save_address` is true).
    address: Option<crate::account::AddressInput>,
    #[serde(default)]
    save_address: bool,
    /// A promo code.
    promo: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct PlacedOut {
    number: i64,
    status: &'static str,
    payment: &'static str,
    total: Money,
}

/// The checkout token an `Idempotency-Key` stands for: the same key from the
/// same person always names the same order.
fn idempotency_token(headers: &axum::http::HeaderMap, user: crate::account::UserId) -> Result<uuid::Uuid, Problem> {
    use sha2::Digest;
    let key = match headers.get("idempotency-key") {
        None => return Ok(uuid::Uuid::new_v4()),
        Some(value) => {
            value.to_str().ok().map(str::trim).filter(|k| (1..=200).contains(&k.len())).ok_or_else(|| {
                Problem::new(StatusCode::BAD_REQUEST, "Bad request")
                    .detail("Idempotency-Key must be 1 to 200 visible characters.")
            })?
        }
    };
    let digest = sha2::Sha256::digest(format!("{}:{key}", user.0).as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Ok(uuid::Builder::from_random_bytes(bytes).into_uuid())
}

/// Places the token's person's cart as an order, priced by the store, paid
/// in cash on delivery. With an `Idempotency-Key`, a retry answers with the
/// order the first request placed (200) and places nothing more.
#[utoipa::path(post, path = "/api/v1/orders", tag = "Orders",
    params(("Idempotency-Key" = Option<String>, Header, description = "Any key of yours: a retry with it returns the first order")),
    request_body(content = PlaceIn, example = json!({"payment": "cash", "address": {"full_name": "Amy Pond", "line1": "1 Main St",
        "city": "Leadworth", "postal_code": "12345", "country": "GB"}, "save_address": true})),
    responses((status = 201, description = "The order was placed", body = PlacedOut),
        (status = 200, description = "A retry: the order its Idempotency-Key placed", body = PlacedOut),
        (status = 400, description = "The body is not JSON, or the cart is empty", body = Details, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a valid one", body = Details, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks orders:write, or is a client token", body = Details, content_type = "application/problem+json"),
        (status = 409, description = "Fewer are in stock, or too many orders wait to ship", body = Details, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large"),
        (status = 422, description = "A field is wrong (each named)", body = Details, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Details, content_type = "application/problem+json")),
    security(("bearer" = ["orders:write"])))]
async fn place_order(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    headers: axum::http::HeaderMap,
    bytes: Bytes,
) -> Result<Response, Problem> {
    use crate::checkout::service::{ShipTo, place};
    let caller = caller(who)?;
    caller.require(Scope::OrdersWrite)?;
    let user = caller.person()?;
    let token = idempotency_token(&headers, user)?;
    let input: PlaceIn = body(&bytes)?;
    if input.payment != "cash" {
        return Err(crate::error::AppError::field(
            "payment",
            "Over the API, orders are paid in cash on delivery (\"cash\").",
        )
        .into());
    }
    let ship_to = match (input.address_id, input.address) {
        (Some(id), None) => ShipTo::Saved(id),
        (None, Some(address)) => ShipTo::New { address, save: input.save_address },
        _ => return Err(crate::error::AppError::field("address", "Give either address_id or address.").into()),
    };
    let placed =
        place(&state, user, token, crate::orders::PaymentMethod::CashOnDelivery, ship_to, input.promo.as_deref())
            .await?;
    let status = if placed.created { StatusCode::CREATED } else { StatusCode::OK };
    let out = PlacedOut {
        number: placed.number.0,
        status: placed.status.label(),
        payment: placed.method.label(),
        total: Money::new(placed.total, &state.config.currency),
    };
    let location = format!("/api/v1/orders/{}", placed.number.0);
    Ok((status, [(axum::http::header::LOCATION, location)], Json(out)).into_response())
}

/// An order number from the path: anything but a whole number names no order.
fn order_number(text: &str) -> Result<crate::orders::OrderNumber, Problem> {
    text.parse()
        .map(crate::orders::OrderNumber)
        .map_err(|_| Problem::new(StatusCode::NOT_FOUND, "Not found").detail("No order has that number."))
}

#[derive(Serialize, utoipa::ToSchema)]
struct OrderStateOut {
    number: i64,
    status: &'static str,
}

/// Cancels one of the token's person's orders that has not shipped: its
/// stock comes back, and a card payment is refunded.
#[utoipa::path(post, path = "/api/v1/orders/{number}/cancel", tag = "Orders",
    params(("number" = i64, Path, description = "The order's number")),
    responses((status = 200, description = "The order is cancelled", body = OrderStateOut),
        (status = 400, description = "The order can no longer be cancelled", body = Details, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a valid one", body = Details, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks orders:write, or is a client token", body = Details, content_type = "application/problem+json"),
        (status = 404, description = "No order of theirs has that number", body = Details, content_type = "application/problem+json"),
        (status = 409, description = "The order can no longer be cancelled", body = Details, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Details, content_type = "application/problem+json")),
    security(("bearer" = ["orders:write"])))]
async fn cancel_order(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(number): Path<String>,
) -> Answer<OrderStateOut> {
    let caller = caller(who)?;
    caller.require(Scope::OrdersWrite)?;
    let user = caller.person()?;
    let number = order_number(&number)?;
    let viewer = crate::account::db::viewer(&state.pool, user).await?.ok_or(crate::error::AppError::Unauthorized)?;
    crate::orders::service::cancel_by_shopper(&state, &viewer, number).await?;
    Ok(Json(OrderStateOut { number: number.0, status: crate::orders::OrderStatus::Cancelled.label() }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct StaffIn {
    /// A note for the order's timeline (at most 500 characters).
    note: Option<String>,
}

/// Moves an order one step as staff: `ship` and `deliver` (moderators and
/// admins), `cancel` and `refund` (admins); the customer is told, and the
/// step is in the audit log.
#[utoipa::path(post, path = "/api/v1/staff/orders/{number}/{action}", tag = "Orders",
    params(("number" = i64, Path, description = "The order's number"),
        ("action" = String, Path, description = "ship, deliver, cancel or refund")),
    request_body(content = Option<StaffIn>, example = json!({"note": "Sent with DPD, parcel 123"})),
    responses((status = 200, description = "The order's status now", body = OrderStateOut),
        (status = 400, description = "The body is not JSON", body = Details, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a valid one", body = Details, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks orders:write, or its owner's role does not allow the step", body = Details, content_type = "application/problem+json"),
        (status = 404, description = "No such order or step", body = Details, content_type = "application/problem+json"),
        (status = 409, description = "The step is not allowed from the order's status", body = Details, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large"),
        (status = 422, description = "The note is too long", body = Details, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Details, content_type = "application/problem+json")),
    security(("bearer" = ["orders:write"])))]
async fn staff_order(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path((number, action)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer<OrderStateOut> {
    let caller = caller(who)?;
    staff(&caller, Role::Moderator, Scope::OrdersWrite)?;
    let number = order_number(&number)?;
    let action = crate::orders::StaffAction::from_param(&action).ok_or_else(|| {
        Problem::new(StatusCode::NOT_FOUND, "Not found").detail("The step is ship, deliver, cancel or refund.")
    })?;
    let input: StaffIn = if bytes.is_empty() { StaffIn { note: None } } else { body(&bytes)? };
    let note = input.note.unwrap_or_default();
    if note.trim().chars().count() > 500 {
        return Err(crate::error::AppError::field("note", "Use at most 500 characters.").into());
    }
    // A client token acts for the shop, answered for by the admin who made it.
    let mut viewer =
        crate::account::db::viewer(&state.pool, caller.actor()).await?.ok_or(crate::error::AppError::Unauthorized)?;
    if caller.person.is_none() {
        viewer.role = Role::Admin;
    }
    let ended = crate::orders::service::staff_action(&state, &viewer, number, action, note.trim()).await?;
    Ok(Json(OrderStateOut { number: number.0, status: ended.label() }))
}

#[derive(Serialize, utoipa::ToSchema)]
struct ReviewOut {
    author: String,
    rating: i16,
    title: String,
    body: String,
    /// RFC 3339.
    written: String,
    edited: bool,
}

/// A product's visible reviews, newest first.
#[utoipa::path(get, path = "/api/v1/products/{slug}/reviews", tag = "Catalog",
    params(("slug" = String, Path, description = "The product's slug")),
    responses((status = 200, description = "The reviews", body = [ReviewOut],
            headers(("ETag" = String, description = "Send it back as If-None-Match"))),
        (status = 304, description = "Unchanged since the ETag sent in If-None-Match"),
        (status = 401, description = "A token was sent and is not valid", body = Details, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks catalog:read", body = Details, content_type = "application/problem+json"),
        (status = 404, description = "No product has that slug", body = Details, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Details, content_type = "application/problem+json")),
    security((), ("bearer" = ["catalog:read"])))]
async fn reviews(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    headers: axum::http::HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, Problem> {
    may_read_catalog(&who)?;
    let mut conn = state.pool.acquire().await?;
    let product = crate::catalog::db::product_by_slug(&mut conn, &slug)
        .await?
        .ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, "Not found").detail("No product has that slug."))?;
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
struct SuggestionOut {
    name: String,
    slug: String,
}

/// What the search box offers while `q` is typed.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct SuggestQuery {
    /// What has been typed so far.
    q: Option<String>,
}

/// Products to offer while a shopper types (names starting with the words).
#[utoipa::path(get, path = "/api/v1/suggestions", tag = "Catalog", params(SuggestQuery),
    responses((status = 200, description = "Up to ten suggestions", body = [SuggestionOut]),
        (status = 401, description = "A token was sent and is not valid", body = Details, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks catalog:read", body = Details, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Details, content_type = "application/problem+json")),
    security((), ("bearer" = ["catalog:read"])))]
async fn suggestions(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Query(params): Query<std::collections::HashMap<String, String>>,
) -> Answer<Vec<SuggestionOut>> {
    may_read_catalog(&who)?;
    let typed = crate::search::rules::clean(params.get("q").map(String::as_str).unwrap_or_default());
    if typed.chars().count() < 2 {
        return Ok(Json(Vec::new()));
    }
    let found = crate::search::db::suggest(&state.pool, &typed).await?;
    Ok(Json(found.into_iter().map(|s| SuggestionOut { name: s.name, slug: s.slug }).collect()))
}

#[derive(Serialize, utoipa::ToSchema)]
struct CustomerOut {
    id: String,
    username: String,
    name: String,
    email: String,
    role: &'static str,
    disabled: bool,
    /// RFC 3339.
    joined: String,
    orders: i64,
}

impl From<crate::admin::UserRow> for CustomerOut {
    fn from(u: crate::admin::UserRow) -> Self {
        CustomerOut {
            id: u.id.0.to_string(),
            username: u.username,
            name: u.name,
            email: u.email,
            role: u.role.label(),
            disabled: u.disabled,
            joined: u.joined.iso,
            orders: u.orders,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct CustomersOut {
    customers: Vec<CustomerOut>,
    page: u32,
    next: Option<String>,
}

/// Customers, newest first, optionally matching `search`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct CustomersQuery {
    /// Part of a name, username or email.
    search: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    page: Option<u32>,
}

/// Customers (staff: admins).
#[utoipa::path(get, path = "/api/v1/customers", tag = "Customers", params(CustomersQuery),
    responses((status = 200, description = "One page of customers", body = CustomersOut),
        (status = 400, description = "`page` is not a whole number from 1 to 100000", body = Details, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a valid one", body = Details, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks customers:read, or its owner is not an admin", body = Details, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Details, content_type = "application/problem+json")),
    security(("bearer" = ["customers:read"])))]
async fn customers(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Query(params): Query<std::collections::HashMap<String, String>>,
) -> Answer<CustomersOut> {
    let caller = caller(who)?;
    staff(&caller, Role::Admin, Scope::CustomersRead)?;
    let page = page_param(&params)?;
    let search = crate::search::rules::clean(params.get("search").map(String::as_str).unwrap_or_default());
    let list = crate::admin::db::users(&state.pool, &search, page).await?;
    let next = list
        .has_next
        .then(|| format!("/api/v1/customers?search={}&page={}", crate::ui::encode_component(&search), page + 1));
    Ok(Json(CustomersOut { customers: list.users.into_iter().map(Into::into).collect(), page, next }))
}

#[derive(Serialize, utoipa::ToSchema)]
struct CustomerDetailOut {
    customer: CustomerOut,
    orders: Vec<OrderOut>,
}

/// A customer with their orders (staff: admins).
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "Customers",
    params(("id" = String, Path, description = "The customer's id (a UUID)")),
    responses((status = 200, description = "The customer and their orders", body = CustomerDetailOut),
        (status = 401, description = "No token, or not a valid one", body = Details, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks customers:read, or its owner is not an admin", body = Details, content_type = "application/problem+json"),
        (status = 404, description = "No customer has that id", body = Details, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Details, content_type = "application/problem+json")),
    security(("bearer" = ["customers:read"])))]
async fn customer(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(id): Path<String>,
) -> Answer<CustomerDetailOut> {
    let caller = caller(who)?;
    staff(&caller, Role::Admin, Scope::CustomersRead)?;
    let missing = || Problem::new(StatusCode::NOT_FOUND, "Not found").detail("No customer has that id.");
    let id = uuid::Uuid::parse_str(&id).map_err(|_| missing())?;
    let mut conn = state.pool.acquire().await?;
    let detail = crate::admin::db::user(&mut conn, crate::account::UserId(id)).await?.ok_or_else(missing)?;
    let orders = detail.orders.into_iter().map(|o| OrderOut::of_row(o, &state.config.currency)).collect();
    Ok(Json(CustomerDetailOut { customer: detail.user.into(), orders }))
}

/// The most rows one bulk stock update may hold.
const MAX_BULK_ROWS: usize = 1000;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct BulkStockIn {
    /// 1 to 1,000 rows, each product at most once.
    items: Vec<BulkStockRow>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct BulkStockRow {
    /// The product's id.
    id: i64,
    stock: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
struct BulkStockOut {
    /// How many products' stock was set.
    updated: usize,
}

/// Sets the stock of up to 1,000 products in one transaction: all of them,
/// or (with every bad row named, as `items[3].stock`) none.
#[utoipa::path(post, path = "/api/v1/inventory", tag = "Inventory",
    request_body(content = BulkStockIn, example = json!({"items": [{"id": 17, "stock": 40}, {"id": 18, "stock": 0}]})),
    responses((status = 200, description = "Every row was applied", body = BulkStockOut),
        (status = 400, description = "The body is not JSON", body = Details, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a valid one", body = Details, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks inventory:write, or its owner is not an admin", body = Details, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large"),
        (status = 422, description = "Some rows are wrong (each named); nothing was changed", body = Details, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Details, content_type = "application/problem+json")),
    security(("bearer" = ["inventory:write"])))]
async fn bulk_stock(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    bytes: Bytes,
) -> Answer<BulkStockOut> {
    let caller = caller(who)?;
    staff(&caller, Role::Admin, Scope::InventoryWrite)?;
    let input: BulkStockIn = body(&bytes)?;
    let mut errors = crate::error::FieldErrors::new();
    if input.items.is_empty() || input.items.len() > MAX_BULK_ROWS {
        errors.insert("items".into(), format!("Send from 1 to {MAX_BULK_ROWS} rows."));
        return Err(crate::error::AppError::Validation(errors).into());
    }
    let mut seen = std::collections::HashSet::new();
    let (mut ids, mut stocks) = (Vec::new(), Vec::new());
    for (at, row) in input.items.iter().enumerate() {
        match i32::try_from(row.stock).ok().filter(|s| *s >= 0) {
            Some(stock) => stocks.push(stock),
            None => {
                errors.insert(format!("items[{at}].stock"), "Stock must be a whole number, 0 or more.".into());
                stocks.push(0);
            }
        }
        if !seen.insert(row.id) {
            errors.insert(format!("items[{at}].id"), "This product is already in an earlier row.".into());
        }
        ids.push(row.id);
    }
    let mut tx = state.pool.begin().await?;
    let before: std::collections::HashMap<i64, i32> =
        crate::admin::db::set_stocks(&mut tx, &ids, &stocks).await?.into_iter().collect();
    for (at, id) in ids.iter().enumerate() {
        if !before.contains_key(id) {
            errors.insert(format!("items[{at}].id"), "No product has this id.".into());
        }
    }
    if !errors.is_empty() {
        // Nothing is kept: the transaction is rolled back when dropped.
        return Err(crate::error::AppError::Validation(errors).into());
    }
    let changed: Vec<(i64, i32, i32)> = ids
        .iter()
        .zip(&stocks)
        .filter(|(id, stock)| before[*id] != **stock)
        .map(|(id, s)| (*id, before[id], *s))
        .collect();
    Audit::new(caller.actor(), "product.stock_bulk", "product", format!("{} products", ids.len()))
        .summary(format!(
            "Bulk stock update: {} rows, {} changed (API token {})",
            ids.len(),
            changed.len(),
            caller.token
        ))
        .change(
            json!(changed.iter().map(|(id, b, _)| (id.to_string(), json!(b))).collect::<serde_json::Map<_, _>>()),
            json!(changed.iter().map(|(id, _, a)| (id.to_string(), json!(a))).collect::<serde_json::Map<_, _>>()),
        )
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Json(BulkStockOut { updated: ids.len() }))
}

/// A product id from the path: anything but a whole number names no product.
fn product_id(text: &str) -> Result<i64, Problem> {
    text.parse().map_err(|_| not_found())
}

fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "Not found").detail("No product has that id.")
}

/// The OpenAPI 3.1 document of this API, made from the annotations above.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Trove API", version = "1", description = "The JSON API of a Trove store. Send a token as `Authorization: Bearer <token>`: a personal token (`trove_pat_…`, made under Account → API tokens) acts as its person; a client token (`trove_cli_…`, made by an admin under Integrations) acts for the shop. Errors are RFC 9457 problem documents; money is a decimal string with its currency."),
    paths(categories, products, product, reviews, suggestions, customers, customer, me, orders, place_order, cancel_order, staff_order, cart, set_cart_line, remove_cart_line, set_stock, set_price, bulk_stock),
    components(schemas(ReviewOut, SuggestionOut, CustomerOut, CustomersOut, CustomerDetailOut, crate::account::AddressInput, PlaceIn, PlacedOut, OrderStateOut, StaffIn, BulkStockIn, BulkStockRow, BulkStockOut, CartOut, CartLineOut, QuantityIn, Details, Money, CategoryOut, CardOut, ProductsOut, ProductOut, MeOut, OrderOut, OrdersOut, StockIn, PriceIn, StockOut)),
    modifiers(&BearerTokens),
    tags((name = "Catalog", description = "Products and categories; open without a token at a lower rate"),
        (name = "Account", description = "The token's person"),
        (name = "Orders", description = "Orders"),
        (name = "Cart", description = "The token's person's cart"),
        (name = "Customers", description = "The shop's customers (admins)"),
        (name = "Inventory", description = "Stock levels (staff)"))
)]
struct ApiDoc;

/// The bearer scheme every operation's security names.
struct BearerTokens;

impl utoipa::Modify for BearerTokens {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let scopes: Vec<&str> = crate::integrations::rules::SCOPES.iter().map(|s| s.as_str()).collect();
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(format!("A Trove API token. Scopes: {}.", scopes.join(", "))))
            .build();
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// `GET /api/v1/openapi.json`: the document, made once.
async fn openapi_json() -> Response {
    use utoipa::OpenApi;
    static DOCUMENT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let body = DOCUMENT.get_or_init(|| ApiDoc::openapi().to_pretty_json().unwrap_or_default());
    ([(axum::http::header::CONTENT_TYPE, "application/json")], body.as_str()).into_response()
}

/// The policy of the docs page: scripts only from this origin (Swagger UI and
/// its starter are files here), calls only to this origin; Swagger UI sets
/// inline styles, which only this page allows.
const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
    connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// `GET /api/docs`: the API's interactive documentation (Swagger UI over
/// `/api/v1/openapi.json`), where a person can paste a token and try calls.
pub async fn docs() -> Response {
    let page = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Trove API</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/api-docs/swagger-ui.css">
</head>
<body>
<main id="docs"><noscript><p>The interactive documentation needs JavaScript. The API is described in
<a href="/api/v1/openapi.json">its OpenAPI document</a>.</p></noscript></main>
<script src="/api-docs/swagger-ui-bundle.js"></script>
<script src="/api-docs/start.js"></script>
</body>
</html>
"#;
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (axum::http::header::CONTENT_SECURITY_POLICY, DOCS_CSP),
        ],
        page,
    )
        .into_response()
}
