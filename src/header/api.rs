//! The header's server function.

use leptos::prelude::*;

use super::HeaderCounts;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {crate::account::session::Auth, crate::cart::db, crate::state::AppState};

/// The header's counts: cart items, unread notifications and unread
/// messages from the shop, in one call so
/// each page render pays for one resource, not two.
#[server(prefix = "/api", endpoint = "header/counts")]
pub async fn get_header_counts() -> Result<HeaderCounts, AppError> {
    let state = AppState::current()?;
    let auth = Auth::current()?;
    // Signed in with no guest cart to merge (nearly always): one query.
    if let Some(viewer) = auth.viewer()
        && auth.carried_cart().await?.is_none()
    {
        return Ok(super::db::counts(&state.pool, viewer.id).await?);
    }
    let cart = match crate::cart::service::current_cart(&state, &auth, false).await? {
        Some(cart) => db::count(&state.pool, cart).await?,
        None => 0,
    };
    let (unread, messages) = match auth.viewer() {
        Some(viewer) => (
            crate::notifications::db::unread_count(&state.pool, viewer.id).await?,
            crate::chat::service::unread(&state, viewer.id).await?,
        ),
        None => (0, 0),
    };
    Ok(HeaderCounts { cart, unread, messages })
}
