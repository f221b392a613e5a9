//! The token's person: who they are, their address book, wishlist and
//! reviews. USER tokens only; a client token acts for no person.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use super::catalog::{CardOut, product_on_sale};
use super::responses::{Forbidden, Invalid, NeedsToken, NotJson, TooLarge, TooMany};
use super::{Answer, body, caller, path_id};
use crate::account::AddressInput;
use crate::error::AppError;
use crate::integrations::Scope;
use crate::integrations::bearer::{Caller, Details, Problem};
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct MeOut {
    id: String,
    username: String,
    first_name: String,
    role: &'static str,
    scopes: Vec<&'static str>,
}

/// The person a USER token acts as, and the scopes it holds now.
#[utoipa::path(get, path = "/api/v1/me", tag = "Account",
    responses((status = 200, description = "The token's person", body = MeOut),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 429, response = TooMany)),
    security(("bearer" = ["account:read"])))]
pub(super) async fn me(State(state): State<AppState>, who: Option<Extension<Caller>>) -> Answer<MeOut> {
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

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct AddressOut {
    id: i64,
    /// The address orders go to unless another is chosen.
    primary: bool,
    address: AddressInput,
}

fn no_address() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "Not found").detail("No address of yours has that id.")
}

/// The token's person's address book, the primary address first.
#[utoipa::path(get, path = "/api/v1/addresses", tag = "Account",
    responses((status = 200, description = "The addresses", body = [AddressOut]),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 429, response = TooMany)),
    security(("bearer" = ["account:read"])))]
pub(super) async fn addresses(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
) -> Answer<Vec<AddressOut>> {
    let caller = caller(who)?;
    caller.require(Scope::AccountRead)?;
    let user = caller.person()?;
    let addresses = crate::account::db::addresses(&state.pool, user).await?;
    Ok(Json(addresses.into_iter().map(|a| AddressOut { id: a.id, primary: a.is_primary, address: a.fields }).collect()))
}

/// Adds an address to the book (the first one becomes the primary).
#[utoipa::path(post, path = "/api/v1/addresses", tag = "Account",
    request_body(content = AddressInput, example = json!({"full_name": "Amy Pond", "line1": "1 Main St",
        "city": "Leadworth", "postal_code": "12345", "country": "GB"})),
    responses((status = 201, description = "The address as kept", body = AddressOut,
            headers(("Location" = String, description = "The address's own URL"))),
        (status = 400, response = NotJson),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 413, response = TooLarge),
        (status = 422, response = Invalid),
        (status = 429, response = TooMany)),
    security(("bearer" = ["account:write"])))]
pub(super) async fn add_address(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    bytes: Bytes,
) -> Result<Response, Problem> {
    let caller = caller(who)?;
    caller.require(Scope::AccountWrite)?;
    let user = caller.person()?;
    let input: AddressInput = body(&bytes)?;
    let address = input.checked()?;
    let mut tx = state.pool.begin().await?;
    let id = crate::account::db::add_address(&mut tx, user, &address).await?;
    tx.commit().await?;
    let kept = crate::account::db::addresses(&state.pool, user).await?.into_iter().find(|a| a.id == id);
    let kept = kept.ok_or(AppError::Internal)?;
    let location = [(axum::http::header::LOCATION, format!("/api/v1/addresses/{id}"))];
    let out = AddressOut { id, primary: kept.is_primary, address: kept.fields };
    Ok((StatusCode::CREATED, location, Json(out)).into_response())
}

/// Changes one of the token's person's addresses.
#[utoipa::path(put, path = "/api/v1/addresses/{id}", tag = "Account",
    params(("id" = i64, Path, description = "The address's id")),
    request_body(content = AddressInput, example = json!({"full_name": "Amy Pond", "line1": "2 Main St",
        "city": "Leadworth", "postal_code": "12345", "country": "GB"})),
    responses((status = 200, description = "The address as kept", body = AddressOut),
        (status = 400, response = NotJson),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, description = "No address of theirs has that id", body = Details, content_type = "application/problem+json"),
        (status = 413, response = TooLarge),
        (status = 422, response = Invalid),
        (status = 429, response = TooMany)),
    security(("bearer" = ["account:write"])))]
pub(super) async fn update_address(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Answer<AddressOut> {
    let caller = caller(who)?;
    caller.require(Scope::AccountWrite)?;
    let user = caller.person()?;
    let id = path_id(&id, no_address)?;
    let input: AddressInput = body(&bytes)?;
    let address = input.checked()?;
    if !crate::account::db::update_address(&state.pool, user, id, &address).await? {
        return Err(no_address());
    }
    let kept = crate::account::db::addresses(&state.pool, user).await?.into_iter().find(|a| a.id == id);
    let kept = kept.ok_or_else(no_address)?;
    Ok(Json(AddressOut { id, primary: kept.is_primary, address: kept.fields }))
}

/// Removes one of the token's person's addresses (orders keep their copy;
/// when it was the primary, another becomes primary).
#[utoipa::path(delete, path = "/api/v1/addresses/{id}", tag = "Account",
    params(("id" = i64, Path, description = "The address's id")),
    responses((status = 204, description = "Removed"),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, description = "No address of theirs has that id", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security(("bearer" = ["account:write"])))]
pub(super) async fn delete_address(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    let caller = caller(who)?;
    caller.require(Scope::AccountWrite)?;
    let user = caller.person()?;
    let id = path_id(&id, no_address)?;
    let mut tx = state.pool.begin().await?;
    if !crate::account::db::delete_address(&mut tx, user, id).await? {
        return Err(no_address());
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct WishlistOut {
    /// Newest first; products no longer on sale are left out.
    products: Vec<CardOut>,
}

/// The token's person's wishlist.
#[utoipa::path(get, path = "/api/v1/wishlist", tag = "Account",
    responses((status = 200, description = "The wishlist", body = WishlistOut),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 429, response = TooMany)),
    security(("bearer" = ["account:read"])))]
pub(super) async fn wishlist(State(state): State<AppState>, who: Option<Extension<Caller>>) -> Answer<WishlistOut> {
    let caller = caller(who)?;
    caller.require(Scope::AccountRead)?;
    let user = caller.person()?;
    let products = crate::wishlist::db::list(&state.pool, user).await?;
    let currency = &state.config.currency;
    Ok(Json(WishlistOut { products: products.into_iter().map(|p| CardOut::new(p, currency)).collect() }))
}

/// Puts a product on the wishlist (done if it is there already).
#[utoipa::path(put, path = "/api/v1/wishlist/{product}", tag = "Account",
    params(("product" = i64, Path, description = "The product's id")),
    responses((status = 204, description = "It is on the wishlist"),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, description = "No product on sale has that id", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security(("bearer" = ["account:write"])))]
pub(super) async fn wish(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(product): Path<String>,
) -> Result<StatusCode, Problem> {
    let caller = caller(who)?;
    caller.require(Scope::AccountWrite)?;
    let user = caller.person()?;
    let missing = || Problem::new(StatusCode::NOT_FOUND, "Not found").detail("No product on sale has that id.");
    let product = path_id(&product, missing)?;
    if !crate::wishlist::db::add(&state.pool, user, product).await? {
        return Err(missing());
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Takes a product off the wishlist (done whether or not it was on it).
#[utoipa::path(delete, path = "/api/v1/wishlist/{product}", tag = "Account",
    params(("product" = i64, Path, description = "The product's id")),
    responses((status = 204, description = "It is not on the wishlist"),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, description = "The id is not a number", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security(("bearer" = ["account:write"])))]
pub(super) async fn unwish(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(product): Path<String>,
) -> Result<StatusCode, Problem> {
    let caller = caller(who)?;
    caller.require(Scope::AccountWrite)?;
    let user = caller.person()?;
    let product = path_id(&product, super::no_product)?;
    crate::wishlist::db::remove(&state.pool, user, product).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ReviewIn {
    /// 1 to 5 stars.
    rating: i64,
    title: String,
    #[serde(default)]
    body: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ReviewSaved {
    product: i64,
    rating: i64,
    title: String,
    body: String,
}

/// Writes (201) or edits (200) the token's person's review of a product
/// they bought and had delivered; it counts towards the product's rating
/// at once.
#[utoipa::path(put, path = "/api/v1/products/{product}/reviews/mine", tag = "Account",
    params(("product" = String, Path, description = "The product's id or slug")),
    request_body(content = ReviewIn, example = json!({"rating": 5, "title": "Lovely", "body": "Strong and smooth."})),
    responses((status = 201, description = "The review was written", body = ReviewSaved),
        (status = 200, description = "The review was edited", body = ReviewSaved),
        (status = 400, description = "The body is not JSON; or they have not had the product delivered, or a moderator hid their earlier review", body = Details, content_type = "application/problem+json"),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, description = "No product on sale has that id or slug", body = Details, content_type = "application/problem+json"),
        (status = 413, response = TooLarge),
        (status = 422, description = "The rating, title or text is wrong (each named)", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security(("bearer" = ["reviews:write"])))]
pub(super) async fn save_review(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(product): Path<String>,
    bytes: Bytes,
) -> Result<Response, Problem> {
    let caller = caller(who)?;
    caller.require(Scope::ReviewsWrite)?;
    let user = caller.person()?;
    let product = {
        let mut conn = state.pool.acquire().await?;
        product_on_sale(&mut conn, &product).await?.id.0
    };
    let input: ReviewIn = body(&bytes)?;
    let created =
        crate::reviews::service::save(&state, user, product, &input.rating.to_string(), &input.title, &input.body)
            .await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    let out = ReviewSaved {
        product,
        rating: input.rating,
        title: input.title.trim().to_owned(),
        body: input.body.trim().to_owned(),
    };
    Ok((status, Json(out)).into_response())
}

/// Deletes the token's person's review of a product.
#[utoipa::path(delete, path = "/api/v1/products/{product}/reviews/mine", tag = "Account",
    params(("product" = String, Path, description = "The product's id or slug")),
    responses((status = 204, description = "Deleted"),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, description = "No such product, or they have not reviewed it", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security(("bearer" = ["reviews:write"])))]
pub(super) async fn delete_review(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(product): Path<String>,
) -> Result<StatusCode, Problem> {
    let caller = caller(who)?;
    caller.require(Scope::ReviewsWrite)?;
    let user = caller.person()?;
    let mut conn = state.pool.acquire().await?;
    let product = product_on_sale(&mut conn, &product).await?.id.0;
    if !crate::reviews::db::delete(&mut conn, user, product).await? {
        return Err(Problem::new(StatusCode::NOT_FOUND, "Not found").detail("You have not reviewed this product."));
    }
    Ok(StatusCode::NO_CONTENT)
}
