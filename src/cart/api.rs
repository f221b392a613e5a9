//! The cart's server functions. Forms post to them directly, so every change
//! works before hydration (the browser is sent back to the page it came from).

use leptos::prelude::*;

use super::Cart;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
    super::db,
    super::service::{current_cart, load_cart},
    crate::account::session::Auth,
    crate::product::ProductId,
    crate::state::AppState,
};

/// The cart with current prices, stock and any problems.
#[server(prefix = "/api", endpoint = "cart/get")]
pub async fn get_cart() -> Result<Cart, AppError> {
    load_cart(&AppState::current()?, &Auth::current()?).await
}

/// Adds `quantity` (default 1) of a product; answers the cart's new count.
#[server(prefix = "/api", endpoint = "cart/add")]
pub async fn add_to_cart(product: i64, quantity: Option<i32>) -> Result<i32, AppError> {
    let state = AppState::current()?;
    let auth = Auth::current()?;
    let cart = current_cart(&state, &auth, true).await?.ok_or(AppError::Internal)?;
    let mut tx = state.pool.begin().await?;
    db::add(&mut tx, cart, ProductId(product), quantity.unwrap_or(1)).await?;
    let count = db::count(&mut *tx, cart).await?;
    tx.commit().await?;
    Ok(count)
}

/// Sets a line's quantity; 0 removes it.
#[server(prefix = "/api", endpoint = "cart/update")]
pub async fn update_cart_line(product: i64, quantity: i32) -> Result<(), AppError> {
    let state = AppState::current()?;
    let auth = Auth::current()?;
    let Some(cart) = current_cart(&state, &auth, false).await? else { return Err(AppError::NotFound) };
    let mut tx = state.pool.begin().await?;
    db::set_quantity(&mut tx, cart, ProductId(product), quantity).await?;
    tx.commit().await?;
    Ok(())
}

/// Takes a product out of the cart.
#[server(prefix = "/api", endpoint = "cart/remove")]
pub async fn remove_from_cart(product: i64) -> Result<(), AppError> {
    let state = AppState::current()?;
    let auth = Auth::current()?;
    if let Some(cart) = current_cart(&state, &auth, false).await? {
        let mut conn = state.pool.acquire().await?;
        db::remove(&mut conn, cart, ProductId(product)).await?;
    }
    Ok(())
}
