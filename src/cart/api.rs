//! The cart's server functions. Forms post to them directly, so every change
//! works before hydration (the browser is sent back to the page it came from).

use leptos::prelude::*;

use super::Cart;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
    super::Pick,
    super::db,
    super::rules::{for_line, parse_quantity},
    super::service::{current_cart, load_cart},
    crate::account::session::Auth,
    crate::product::{ProductId, VariantId},
    crate::state::AppState,
};

/// The cart with current prices, stock and any problems.
#[server(prefix = "/api", endpoint = "cart/get")]
pub async fn get_cart() -> Result<Cart, AppError> {
    load_cart(&AppState::current()?, &Auth::current()?).await
}

/// Adds `quantity` (default 1) of a product's variant (which one is needed
/// only when it has several); answers the cart's new count.
/// Quantities arrive as typed (see `parse_quantity`). A form with a quantity
/// field says so (`typed`): an empty field (or one the browser could not
/// read, which posts nothing) is then an error, not one.
#[server(prefix = "/api", endpoint = "cart/add")]
pub async fn add_to_cart(
    product: i64,
    variant: Option<i64>,
    quantity: Option<String>,
    typed: Option<String>,
) -> Result<i32, AppError> {
    let quantity = match (quantity.as_deref(), typed.is_some()) {
        (Some(text), _) => parse_quantity(text)?,
        (None, true) => parse_quantity("")?,
        (None, false) => 1,
    };
    let state = AppState::current()?;
    let auth = Auth::current()?;
    let cart = current_cart(&state, &auth, true).await?.ok_or(AppError::Internal)?;
    let mut tx = state.pool.begin().await?;
    let pick = Pick { product: ProductId(product), variant: variant.map(VariantId) };
    db::add(&mut tx, cart, pick, quantity).await?;
    let count = db::count(&mut *tx, cart).await?;
    tx.commit().await?;
    Ok(count)
}

/// Sets a line's quantity (1 to 999; "Remove" takes a line out). Errors
/// about the quantity name the line's field (`line_field`).
#[server(prefix = "/api", endpoint = "cart/update")]
pub async fn update_cart_line(variant: i64, quantity: String) -> Result<(), AppError> {
    let variant = VariantId(variant);
    let quantity = parse_quantity(&quantity).map_err(|error| for_line(variant, error))?;
    let state = AppState::current()?;
    let auth = Auth::current()?;
    let Some(cart) = current_cart(&state, &auth, false).await? else { return Err(AppError::NotFound) };
    let mut tx = state.pool.begin().await?;
    db::set_quantity(&mut tx, cart, variant, quantity).await.map_err(|error| for_line(variant, error))?;
    tx.commit().await?;
    Ok(())
}

/// Takes a variant out of the cart.
#[server(prefix = "/api", endpoint = "cart/remove")]
pub async fn remove_from_cart(variant: i64) -> Result<(), AppError> {
    let state = AppState::current()?;
    let auth = Auth::current()?;
    if let Some(cart) = current_cart(&state, &auth, false).await? {
        let mut conn = state.pool.acquire().await?;
        db::remove(&mut conn, cart, VariantId(variant)).await?;
    }
    Ok(())
}
