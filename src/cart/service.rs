//! The cart's operations (server only): finding the asker's cart (a user's,
//! or this browser's guest cart), merging a guest cart after sign-in, and
//! loading it priced as it is now. Server functions here and elsewhere
//! (checkout, the header, wishlist) call them.

use uuid::Uuid;

use super::{Cart, db};
use crate::account::UserId;
use crate::account::session::Auth;
use crate::error::AppError;
use crate::state::AppState;

/// The cart of whoever is asking: the user's own when signed in (a guest cart
/// this browser still carries is merged into it first), else this browser's
/// guest cart. With `create`, a missing cart is made.
pub async fn current_cart(state: &AppState, auth: &Auth, create: bool) -> Result<Option<Uuid>, AppError> {
    match auth.viewer() {
        Some(viewer) => {
            if let Some(guest) = auth.carried_cart().await? {
                return merge_guest_cart(state, auth, viewer.id, guest).await.map(Some);
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

/// Merges the guest cart this browser brought to sign-in (or sign-up) into
/// the user's cart and forgets it; done on the first read of the cart after
/// signing in (every page reads its count for the header), so the account
/// feature need not know about carts. Returns the user's cart.
async fn merge_guest_cart(state: &AppState, auth: &Auth, user: UserId, guest: Uuid) -> Result<Uuid, AppError> {
    let mut tx = state.pool.begin().await?;
    let cart = db::merge_into_user(&mut tx, guest, user).await?;
    tx.commit().await?;
    auth.forget_carried_cart().await?;
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
