//! The token's person's cart, priced as it is now, with the rules the cart
//! page uses (quantities 1–999, never more than in stock).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use super::responses::{Forbidden, NeedsToken, TooLarge, TooMany};
use super::{Answer, Money, body, caller, no_product, path_id};
use crate::integrations::Scope;
use crate::integrations::bearer::{Caller, Details, Problem};
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct CartLineOut {
    product: i64,
    /// Which of the product's variants (every product has at least one).
    variant: i64,
    slug: String,
    name: String,
    /// The variant's option values, "M / Blue" (empty without options).
    options: String,
    quantity: i32,
    /// What one costs now.
    unit_price: Money,
    line_total: Money,
    /// What stops this line from being ordered, if anything.
    problem: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct CartOut {
    lines: Vec<CartLineOut>,
    subtotal: Money,
    /// Whether every line can be ordered as it stands.
    ready: bool,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct QuantityIn {
    quantity: i64,
    /// Which variant, needed when the product has several.
    #[serde(default)]
    variant: Option<i64>,
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
                variant: line.variant.0,
                slug: line.slug.clone(),
                name: line.name.clone(),
                options: line.options.clone(),
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
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 429, response = TooMany)),
    security(("bearer" = ["cart:write"])))]
pub(super) async fn cart(State(state): State<AppState>, who: Option<Extension<Caller>>) -> Answer<CartOut> {
    let caller = caller(who)?;
    caller.require(Scope::CartWrite)?;
    let user = caller.person()?;
    Ok(Json(cart_out(&state, user).await?))
}

/// Puts `quantity` of a product's variant in the cart (adding the line if it
/// is not there); `variant` is needed when the product has several.
#[utoipa::path(put, path = "/api/v1/cart/lines/{product}", tag = "Cart",
    params(("product" = i64, Path, description = "The product's id")),
    request_body(content = QuantityIn, example = json!({"quantity": 2, "variant": 31})),
    responses((status = 200, description = "The cart now", body = CartOut),
        (status = 400, description = "The body is not JSON, or the product or variant is not for sale", body = Details, content_type = "application/problem+json"),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, description = "The id is not a product's", body = Details, content_type = "application/problem+json"),
        (status = 409, description = "Fewer are in stock", body = Details, content_type = "application/problem+json"),
        (status = 413, response = TooLarge),
        (status = 422, description = "The quantity is not from 1 to 999, or the product has several variants and none was named", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security(("bearer" = ["cart:write"])))]
pub(super) async fn set_line(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(product): Path<String>,
    bytes: Bytes,
) -> Answer<CartOut> {
    let caller = caller(who)?;
    caller.require(Scope::CartWrite)?;
    let user = caller.person()?;
    let product = path_id(&product, no_product)?;
    let input: QuantityIn = body(&bytes)?;
    let quantity = i32::try_from(input.quantity).unwrap_or(i32::MAX);
    crate::cart::rules::check_quantity(quantity)?;
    let pick = crate::cart::Pick {
        product: crate::product::ProductId(product),
        variant: input.variant.map(crate::product::VariantId),
    };
    let cart = crate::cart::db::ensure_user_cart(&state.pool, user).await?;
    let mut tx = state.pool.begin().await?;
    let variant = crate::cart::db::resolve(&mut tx, pick).await?;
    match crate::cart::db::set_quantity(&mut tx, cart, variant, quantity).await {
        Err(crate::error::AppError::NotFound) => {
            crate::cart::db::add(&mut tx, cart, crate::cart::Pick { variant: Some(variant), ..pick }, quantity).await?
        }
        other => other?,
    }
    tx.commit().await?;
    Ok(Json(cart_out(&state, user).await?))
}

/// Takes a product (every variant of it) out of the cart (done whether or not
/// it was there).
#[utoipa::path(delete, path = "/api/v1/cart/lines/{product}", tag = "Cart",
    params(("product" = i64, Path, description = "The product's id")),
    responses((status = 200, description = "The cart now", body = CartOut),
        (status = 401, response = NeedsToken),
        (status = 403, response = Forbidden),
        (status = 404, description = "The id is not a product's", body = Details, content_type = "application/problem+json"),
        (status = 429, response = TooMany)),
    security(("bearer" = ["cart:write"])))]
pub(super) async fn remove_line(
    State(state): State<AppState>,
    who: Option<Extension<Caller>>,
    Path(product): Path<String>,
) -> Answer<CartOut> {
    let caller = caller(who)?;
    caller.require(Scope::CartWrite)?;
    let user = caller.person()?;
    let product = path_id(&product, no_product)?;
    if let Some(cart) = crate::cart::db::user_cart(&state.pool, user).await? {
        let mut conn = state.pool.acquire().await?;
        crate::cart::db::remove_product(&mut conn, cart, crate::product::ProductId(product)).await?;
    }
    Ok(Json(cart_out(&state, user).await?))
}
