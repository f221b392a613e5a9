//! The JSON API under `/api/v1`, for integrators: bearer tokens only (no
//! session cookie is read, so no other site can act with a shopper's
//! sign-in), RFC 9457 errors, money as decimal strings with the currency.
//! Every operation calls the same queries, rules and services the pages use.
//!
//! One file per part: the catalog (open to all), the token's person's
//! account, cart and orders, and the shop's staff operations.

mod account;
mod cart;
mod catalog;
mod chat;
mod docs;
mod orders;
mod staff;
mod variants;

use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Extension, Json};
use rust_decimal::Decimal;
use serde::{Serialize, de::DeserializeOwned};

use crate::account::{Role, Viewer};
use crate::error::AppError;
use crate::integrations::Scope;
use crate::integrations::bearer::{Caller, Details, Problem, authenticate};
use crate::state::AppState;

pub use docs::docs;

/// A request body larger than this is refused (413); pictures have their own.
const MAX_BODY: usize = 64 * 1024;

/// The API's routes, with their authentication and limits.
pub fn router(state: AppState) -> Router<AppState> {
    let pictures = post(staff::upload_image).layer(DefaultBodyLimit::max(crate::admin::upload::MAX_FILE_BYTES));
    Router::new()
        .route("/categories", get(catalog::categories).post(staff::create_category))
        .route("/categories/{id}", put(staff::update_category).delete(staff::delete_category))
        .route("/products", get(catalog::products).post(staff::create_product))
        .route("/products/{product}", get(catalog::product).put(staff::update_product).delete(staff::remove_product))
        .route("/products/{product}/reviews", get(catalog::reviews))
        .route("/products/{product}/reviews/mine", put(account::save_review).delete(account::delete_review))
        .route("/products/{product}/stock", get(staff::stock).put(staff::set_stock))
        .route("/products/{product}/price", put(staff::set_price))
        .route("/products/{product}/active", put(staff::set_active))
        .route("/products/{product}/images", pictures)
        .route("/search", get(catalog::search))
        .route("/suggestions", get(catalog::suggestions))
        .route("/inventory", post(staff::bulk_stock))
        .route("/inventory/{sku}", get(variants::stock).put(variants::set_stock))
        .route("/promos", get(staff::promos).post(staff::create_promo))
        .route("/promos/{id}", put(staff::update_promo))
        .route("/promos/{id}/active", put(staff::set_promo_active))
        .route("/customers", get(staff::customers))
        .route("/customers/{id}", get(staff::customer))
        .route("/me", get(account::me))
        .route("/addresses", get(account::addresses).post(account::add_address))
        .route("/addresses/{id}", put(account::update_address).delete(account::delete_address))
        .route("/wishlist", get(account::wishlist))
        .route("/wishlist/{product}", put(account::wish).delete(account::unwish))
        .route("/cart", get(cart::cart))
        .route("/cart/lines/{product}", put(cart::set_line).delete(cart::remove_line))
        .route("/orders", get(orders::orders).post(orders::place))
        .route("/orders/{number}", get(orders::order))
        .route("/orders/{number}/payment", post(orders::card_payment))
        .route("/orders/{number}/cancel", post(orders::cancel))
        .route("/staff/orders", get(orders::staff_orders))
        .route("/conversations", get(chat::conversations).post(chat::start))
        .route("/conversations/{id}", get(chat::conversation))
        .route("/conversations/{id}/messages", post(chat::post))
        .route("/staff/conversations", get(chat::inbox))
        .route("/staff/orders/{number}/{action}", post(orders::staff_step))
        .route("/openapi.json", get(docs::openapi_json))
        .fallback(|| async { Problem::new(StatusCode::NOT_FOUND, "Not found").detail("No such API operation.") })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(from_fn_with_state(state.pages.clone(), crate::page_cache::serve_cached_json))
        .layer(axum::middleware::from_fn(catalog_scope))
        .layer(from_fn_with_state(state, authenticate))
}

/// Catalog reads with a token that lacks `catalog:read` are refused before
/// the cached answers (which every allowed caller shares) are looked at.
async fn catalog_scope(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if request.method() == axum::http::Method::GET
        && let Some(caller) = request.extensions().get::<Caller>()
        && let Err(refused) = caller.require(Scope::CatalogRead)
    {
        let path = request.uri().path();
        let catalog = ["/categories", "/products", "/search", "/suggestions"].contains(&path)
            || path.strip_prefix("/products/").is_some_and(|rest| !rest.contains('/'));
        if catalog {
            return refused.into_response();
        }
    }
    next.run(request).await
}

type Answer<T> = Result<Json<T>, Problem>;
type Params = std::collections::HashMap<String, String>;

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

/// The person a staff change is made as: a USER token's owner, or for a
/// CLIENT token the admin who made it, acting as an admin.
async fn staff_viewer(state: &AppState, caller: &Caller) -> Result<Viewer, Problem> {
    let mut viewer = crate::account::db::viewer(&state.pool, caller.actor()).await?.ok_or(AppError::Unauthorized)?;
    if caller.person.is_none() {
        viewer.role = Role::Admin;
    }
    Ok(viewer)
}

/// How the audit log names the way a change came in.
fn via(caller: &Caller) -> String {
    format!("API token {}", caller.token)
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

/// `value` as JSON with a strong `ETag` of its bytes, or 304 when the
/// caller's `If-None-Match` already names it.
fn conditional<T: Serialize>(headers: &HeaderMap, value: &T) -> Result<Response, Problem> {
    use sha2::Digest;
    let body = serde_json::to_vec(value).map_err(|_| AppError::Internal)?;
    let digest = sha2::Sha256::digest(&body);
    let tag = format!("\"{}\"", digest.iter().take(12).map(|b| format!("{b:02x}")).collect::<String>());
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    let etag = (header::ETAG, tag);
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, [etag]).into_response());
    }
    Ok(([etag, (header::CONTENT_TYPE, "application/json".to_owned())], body).into_response())
}

/// Which page of a list (from 1).
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct PageQuery {
    #[param(minimum = 1, maximum = 100000)]
    page: Option<u32>,
}

/// The `page` parameter: 1 when absent, else a whole number from 1 to 100,000 (or 400).
fn page_param(params: &Params) -> Result<u32, Problem> {
    match params.get("page") {
        None => Ok(1),
        Some(text) => text.parse().ok().filter(|p| (1..=100_000).contains(p)).ok_or_else(|| {
            Problem::new(StatusCode::BAD_REQUEST, "Bad request")
                .detail("`page` must be a whole number from 1 to 100000.")
        }),
    }
}

/// A number from the path: anything but a whole number names nothing.
fn path_id(text: &str, missing: fn() -> Problem) -> Result<i64, Problem> {
    text.parse().map_err(|_| missing())
}

fn no_product() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "Not found").detail("No product has that id.")
}

/// A product's row version (`admin::db::lock_version`) as an `ETag`.
fn version_tag(version: i64) -> String {
    format!("\"v{version}\"")
}

/// Locks a product's row in `tx`; with `If-Match`, it must still be the
/// version the caller read (412 otherwise, so no one's change is lost).
async fn if_match(tx: &mut sqlx::PgConnection, headers: &HeaderMap, id: i64) -> Result<(), Problem> {
    let version = crate::admin::db::lock_version(tx, id).await?.ok_or_else(no_product)?;
    let Some(expected) = headers.get(header::IF_MATCH) else { return Ok(()) };
    let tag = version_tag(version);
    if expected.to_str().is_ok_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*")) {
        Ok(())
    } else {
        Err(Problem::new(StatusCode::PRECONDITION_FAILED, "Precondition failed")
            .detail("The product has changed since the version in If-Match: read it again, then retry."))
    }
}

/// `response` with the product's version as its `ETag`.
async fn with_version(db: impl sqlx::PgExecutor<'_>, id: i64, mut response: Response) -> Result<Response, Problem> {
    if let Some(version) = crate::admin::db::version(db, id).await?
        && let Ok(value) = axum::http::HeaderValue::from_str(&version_tag(version))
    {
        response.headers_mut().insert(header::ETAG, value);
    }
    Ok(response)
}

/// The `Idempotency-Key` header: none, or 1 to 200 visible characters (or 400).
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Problem> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|k| (1..=200).contains(&k.len()))
            .map(|k| Some(k.to_owned()))
            .ok_or_else(|| {
                Problem::new(StatusCode::BAD_REQUEST, "Bad request")
                    .detail("Idempotency-Key must be 1 to 200 visible characters.")
            }),
    }
}

/// The error responses most operations share, described once in the
/// OpenAPI document and named by each operation.
mod responses {
    use super::Details;

    /// 401 where a token is optional.
    #[derive(utoipa::ToResponse)]
    #[response(description = "A token was sent and is not valid (unknown, revoked, expired or its owner disabled)",
        content_type = "application/problem+json",
        headers(("WWW-Authenticate" = String, description = "Bearer, with the error")))]
    pub struct BadToken(#[allow(dead_code)] Details);

    /// 401 where a token is required.
    #[derive(utoipa::ToResponse)]
    #[response(description = "No token, or not a valid one (unknown, revoked, expired or its owner disabled)",
        content_type = "application/problem+json",
        headers(("WWW-Authenticate" = String, description = "Bearer, with the error")))]
    pub struct NeedsToken(#[allow(dead_code)] Details);

    /// 403.
    #[derive(utoipa::ToResponse)]
    #[response(
        description = "The token lacks the scope this operation names, or is not allowed it (a client token \
        on a person's operation, or a person whose role does not allow it)",
        content_type = "application/problem+json"
    )]
    pub struct Forbidden(#[allow(dead_code)] Details);

    /// 429.
    #[derive(utoipa::ToResponse)]
    #[response(description = "Too many requests from this token or address: wait as long as Retry-After says",
        content_type = "application/problem+json",
        headers(("Retry-After" = u32, description = "Seconds to wait")))]
    pub struct TooMany(#[allow(dead_code)] Details);

    /// 400 on operations with a body.
    #[derive(utoipa::ToResponse)]
    #[response(description = "The body is not JSON", content_type = "application/problem+json")]
    pub struct NotJson(#[allow(dead_code)] Details);

    /// 422 on operations with fields.
    #[derive(utoipa::ToResponse)]
    #[response(
        description = "A field is missing or wrong: `errors` names each with why",
        content_type = "application/problem+json"
    )]
    pub struct Invalid(#[allow(dead_code)] Details);

    /// 404 on operations on a product by id.
    #[derive(utoipa::ToResponse)]
    #[response(description = "No product has that id", content_type = "application/problem+json")]
    pub struct NoProduct(#[allow(dead_code)] Details);

    /// 413.
    #[derive(utoipa::ToResponse)]
    #[response(description = "The body is too large")]
    pub struct TooLarge;

    /// 412 on writes that take `If-Match`.
    #[derive(utoipa::ToResponse)]
    #[response(
        description = "The product changed since the version sent in If-Match; nothing was changed",
        content_type = "application/problem+json"
    )]
    pub struct Changed(#[allow(dead_code)] Details);

    /// 304.
    #[derive(utoipa::ToResponse)]
    #[response(description = "Unchanged since the ETag sent in If-None-Match")]
    pub struct Unchanged;
}
