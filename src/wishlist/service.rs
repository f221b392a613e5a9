//! The wishlist's operations that other features call (server only).

use super::db;
use crate::account::session::Auth;
use crate::error::AppError;
use crate::state::AppState;

/// Marks the products on the signed-in viewer's wishlist (nothing for guests).
pub async fn mark_for_viewer(
    state: &AppState,
    products: &mut [crate::product::ProductSummary],
) -> Result<(), AppError> {
    if let Some(viewer) = Auth::current()?.viewer() {
        db::mark(&state.pool, viewer.id, products).await?;
    }
    Ok(())
}
