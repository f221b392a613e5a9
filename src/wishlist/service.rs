//! The wishlist's operations that other features call (server only).

use super::{Saved, db};
use crate::account::UserId;
use crate::state::AppState;

/// The ids of the products on `user`'s wishlist.
pub async fn saved(state: &AppState, user: UserId) -> sqlx::Result<Saved> {
    Ok(Saved { products: db::saved(&state.pool, user).await? })
}
