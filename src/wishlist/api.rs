//! Wishlist server functions. A signed-out shopper pressing a heart is sent
//! to sign in and brought back to the product.

use leptos::prelude::*;

use super::{Saved, WishState, Wishlist};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
    super::{db, service},
    crate::account::guard::require_user,
    crate::account::session::Auth,
    crate::product::ProductId,
    crate::state::AppState,
};

/// Adds `product` to the wishlist, or takes it off; answers whether it is on
/// it now. Signed out, the answer is a redirect to sign in (then back to
/// `/p/{slug}`).
#[server(prefix = "/api", endpoint = "wishlist/toggle")]
pub async fn toggle_wishlist(product: i64, slug: String) -> Result<WishState, AppError> {
    let Some(viewer) = Auth::current()?.viewer() else {
        let slug: String = slug.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
        leptos_axum::redirect(&format!("/sign-in?next=/p/{slug}"));
        return Ok(WishState { product, wished: false });
    };
    let state = AppState::current()?;
    let mut conn = state.pool.acquire().await?;
    let wished = db::toggle(&mut conn, viewer.id, product).await?;
    Ok(WishState { product, wished })
}

/// The ids of the products on the viewer's wishlist; none for guests.
#[server(prefix = "/api", endpoint = "wishlist/saved")]
pub async fn get_saved() -> Result<Saved, AppError> {
    match Auth::current()?.viewer() {
        Some(viewer) => Ok(service::saved(&AppState::current()?, viewer.id).await?),
        None => Ok(Saved::default()),
    }
}

#[server(prefix = "/api", endpoint = "wishlist/list")]
pub async fn get_wishlist() -> Result<Wishlist, AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    Ok(Wishlist { products: db::list(&state.pool, viewer.id).await? })
}

#[server(prefix = "/api", endpoint = "wishlist/remove")]
pub async fn remove_from_wishlist(product: i64) -> Result<(), AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    if !db::remove(&state.pool, viewer.id, product).await? {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Puts one of the product in the cart and takes it off the wishlist, in one
/// transaction (refused, and kept on the list, when it is sold out).
#[server(prefix = "/api", endpoint = "wishlist/move_to_cart")]
pub async fn move_to_cart(product: i64) -> Result<String, AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    let auth = Auth::current()?;
    let cart = crate::cart::service::current_cart(&state, &auth, true).await?.ok_or(AppError::Internal)?;
    let mut tx = state.pool.begin().await?;
    if !db::remove(&mut *tx, viewer.id, product).await? {
        return Err(AppError::NotFound);
    }
    crate::cart::db::add(&mut tx, cart, ProductId(product), 1).await?;
    tx.commit().await?;
    Ok("Moved to your cart.".into())
}
