//! The cart's operations (server only): finding the asker's cart (a user's,
//! or this browser's guest cart), merging a guest cart at sign-in, and
//! loading it priced as it is now. Server functions here and elsewhere
//! (checkout, the header, wishlist, sign-in) call them.

use uuid::Uuid;

use super::{Cart, db};
use crate::error::AppError;
use crate::session::Auth;
use crate::state::AppState;

/// The cart of whoever is asking: the user's own when signed in (a guest cart
/// this browser still carries is merged into it first), else this browser's
/// guest cart. With `create`, a missing cart is made.
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
pub async fn load_cart(state: &AppState, auth: &Auth) -> Result<Cart, AppError> {
    let lines = match current_cart(state, auth, false).await? {
        Some(cart) => db::lines(&state.pool, cart).await?,
        None => Vec::new(),
    };
    Ok(Cart { lines })
}
