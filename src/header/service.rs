//! The header's counts for whoever a request is for (server only): what the
//! header's server function answers and what `crate::personal` puts into a
//! shared page, from one definition.

use super::HeaderCounts;
use crate::account::session::Auth;
use crate::error::AppError;
use crate::state::AppState;

/// Items in the visitor's cart, and for a signed-in person their unread
/// notifications and unread answers from the shop.
pub async fn counts(state: &AppState, auth: &Auth) -> Result<HeaderCounts, AppError> {
    // Signed in with no guest cart to merge (nearly always): one query.
    if let Some(viewer) = auth.viewer()
        && auth.carried_cart().await?.is_none()
    {
        return Ok(super::db::counts(&state.pool, viewer.id).await?);
    }
    let cart = match crate::cart::service::current_cart(state, auth, false).await? {
        Some(cart) => crate::cart::db::count(&state.pool, cart).await?,
        None => 0,
    };
    let (unread, messages) = match auth.viewer() {
        Some(viewer) => (
            crate::notifications::db::unread_count(&state.pool, viewer.id).await?,
            crate::chat::service::unread(state, viewer.id).await?,
        ),
        None => (0, 0),
    };
    Ok(HeaderCounts { cart, unread, messages })
}
