//! The cart's server functions. Forms post to them directly, so every change
//! works before hydration (the browser is sent back to the page it came from).

use leptos::prelude::*;

use super::Cart;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {super::db, crate::catalog::ProductId, crate::session::Auth, crate::state::AppState, uuid::Uuid};

/// The cart of whoever is asking: the user's own when signed in (a guest cart
/// this browser still carries is merged into it first), else this browser's
/// guest cart. With `create`, a missing cart is made.
#[cfg(feature = "ssr")]
pub async fn current_cart(state: &AppState, auth: &Auth, create: bool) -> Result<Option<Uuid>, AppError> {
    match auth.viewer() {
        Some(viewer) => {
            if auth.guest_cart().is_some() {
                return merge_guest_cart(state, auth).await.map(Some);
            }
            if create {
                Ok(Some(db::ensure_user_cart(&state.pool, viewer.id).await?))
            } else {
                Ok(db::user_cart(&state.pool, viewer.id).await?)
            }
        }
        None => {
            if let Some(cart) = auth.guest_cart() {
                if db::guest_cart_exists(&state.pool, cart).await? {
                    return Ok(Some(cart));
                }
                auth.set_guest_cart(None);
            }
            if !create {
                return Ok(None);
            }
            // A client that never keeps the cookie would make a cart a request.
            crate::security::GUEST_CARTS_PER_CLIENT.take(&state.pool, auth.client()).await?;
            let cart = db::create_guest_cart(&state.pool).await?;
            auth.set_guest_cart(Some(cart));
            Ok(Some(cart))
        }
    }
}

/// Merges this browser's guest cart into the signed-in user's cart and
/// forgets it; called at sign-in and sign-up. Returns the user's cart.
#[cfg(feature = "ssr")]
pub async fn merge_guest_cart(state: &AppState, auth: &Auth) -> Result<Uuid, AppError> {
    let viewer = auth.viewer().ok_or(AppError::Unauthorized)?;
    let mut tx = state.pool.begin().await?;
    let cart = match auth.guest_cart() {
        Some(guest) => db::merge_into_user(&mut tx, guest, viewer.id).await?,
        None => db::ensure_user_cart(&mut *tx, viewer.id).await?,
    };
    tx.commit().await?;
    if auth.guest_cart().is_some() {
        auth.set_guest_cart(None);
    }
    Ok(cart)
}

/// The asker's cart priced as it is now (empty when there is none yet).
#[cfg(feature = "ssr")]
pub async fn load_cart(state: &AppState, auth: &Auth) -> Result<Cart, AppError> {
    let lines = match current_cart(state, auth, false).await? {
        Some(cart) => db::lines(&state.pool, cart).await?,
        None => Vec::new(),
    };
    Ok(Cart { lines, currency: state.config.currency.clone() })
}

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
