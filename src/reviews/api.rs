//! Review server functions: reading is public; writing needs a signed-in
//! shopper who bought the product; moderation needs a moderator or admin.

use leptos::prelude::*;

use super::{ModeratedReview, ProductReviews};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
    super::db,
    crate::account::Role,
    crate::account::guard::{require_role, require_user},
    crate::account::session::Auth,
    crate::audit::Audit,
    crate::state::AppState,
    serde_json::json,
};

/// The reviews part of the product page at `/p/{slug}`.
#[server(prefix = "/api", endpoint = "reviews/get")]
pub async fn get_product_reviews(slug: String) -> Result<ProductReviews, AppError> {
    let state = AppState::current()?;
    let viewer = Auth::current()?.viewer();
    let (product, rating) = db::active_product_rating(&state.pool, &slug).await?.ok_or(AppError::NotFound)?;
    let reviews = db::visible(&state.pool, product).await?;
    let user = viewer.map(|v| v.id);
    let own = match user {
        Some(user) => db::own(&state.pool, user, product).await?,
        None => None,
    };
    let eligibility = db::eligibility(&state.pool, user, product).await?;
    Ok(ProductReviews { product, rating, reviews, own, eligibility })
}

/// Writes or edits the viewer's review of `product`.
#[server(prefix = "/api", endpoint = "reviews/save")]
pub async fn save_review(
    product: i64,
    rating: String,
    title: String,
    body: Option<String>,
) -> Result<String, AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    let created =
        super::service::save(&state, viewer.id, product, &rating, &title, body.as_deref().unwrap_or("")).await?;
    Ok(if created { "Thank you for your review.".into() } else { "Your review has been updated.".into() })
}

#[server(prefix = "/api", endpoint = "reviews/delete")]
pub async fn delete_review(product: i64) -> Result<(), AppError> {
    let viewer = require_user()?;
    let state = AppState::current()?;
    let mut conn = state.pool.acquire().await?;
    if !db::delete(&mut conn, viewer.id, product).await? {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Reviews for moderation: visible ones, or (`hidden`) the hidden ones.
#[server(prefix = "/api", endpoint = "admin/reviews/list")]
pub async fn get_reviews_for_moderation(
    hidden: Option<bool>,
    page: Option<u32>,
) -> Result<(Vec<ModeratedReview>, bool), AppError> {
    require_role(Role::Moderator)?;
    let state = AppState::current()?;
    Ok(db::for_moderation(&state.pool, hidden.unwrap_or(false), page.unwrap_or(1)).await?)
}

/// Hides a review with a reason (`hide`), or shows it again.
#[server(prefix = "/api", endpoint = "admin/reviews/moderate")]
pub async fn moderate_review(id: i64, hide: bool, reason: Option<String>) -> Result<String, AppError> {
    let viewer = require_role(Role::Moderator)?;
    let state = AppState::current()?;
    let reason = reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
    let reason = match (hide, reason) {
        (true, None) => return Err(AppError::field("reason", "Say why the review is hidden.")),
        (true, Some(r)) if r.chars().count() > 300 => {
            return Err(AppError::field("reason", "Use at most 300 characters."));
        }
        (true, Some(r)) => Some(r),
        (false, _) => None,
    };
    let mut tx = state.pool.begin().await?;
    let (product, title, before) =
        db::moderate(&mut tx, id, viewer.id, reason.as_deref()).await?.ok_or(AppError::NotFound)?;
    Audit::new(viewer.id, if hide { "review.hide" } else { "review.show" }, "review", id)
        .summary(format!("{} the review \"{title}\" of {product}", if hide { "Hid" } else { "Showed" }))
        .change(json!({ "hidden_reason": before }), json!({ "hidden_reason": reason }))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(if hide { format!("Hidden: \"{title}\".") } else { format!("Shown again: \"{title}\".") })
}
