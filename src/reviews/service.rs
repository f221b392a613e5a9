//! Writing reviews (server only): what the product page's form and the JSON
//! API both call.

use super::{Eligibility, db, rules};
use crate::account::UserId;
use crate::error::AppError;
use crate::state::AppState;

/// Writes or edits `user`'s review of `product` (a product on sale, bought
/// and delivered to them); answers whether it is new.
pub async fn save(
    state: &AppState,
    user: UserId,
    product: i64,
    rating: &str,
    title: &str,
    body: &str,
) -> Result<bool, AppError> {
    let name = db::active_product_name(&state.pool, product).await?.ok_or(AppError::NotFound)?;
    let (rating, title, body) = rules::check(rating, title, body).map_err(AppError::Validation)?;
    if db::eligibility(&state.pool, Some(user), product).await? != Eligibility::May {
        return Err(AppError::BadRequest(format!(
            "Only shoppers who bought {name} can review it, once their order has been delivered."
        )));
    }
    let mut conn = state.pool.acquire().await?;
    let own = db::own(&mut *conn, user, product).await?;
    if own.is_none()
        && let Some(reason) = db::tombstone(&mut *conn, user, product).await?
    {
        return Err(AppError::BadRequest(format!(
            "A moderator hid your earlier review of {name} ({reason}), so you cannot post another."
        )));
    }
    db::save(&mut conn, user, product, rating, &title, &body).await
}
