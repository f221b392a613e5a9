//! The reviews' SQL. The product's rating count and sum follow every change
//! through the `reviews_rating` trigger.

use sqlx::{PgConnection, PgExecutor};

use super::{Eligibility, ModeratedReview, OwnReview, Review};
use crate::account::UserId;
use crate::error::AppError;

/// The name of a product on sale (drafts and archived products take no reviews).
pub async fn active_product_name(db: impl PgExecutor<'_>, product: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!("SELECT name FROM products WHERE id = $1 AND active", product).fetch_optional(db).await
}

/// A product on sale by slug, with its rating.
pub async fn active_product_rating(
    db: impl PgExecutor<'_>,
    slug: &str,
) -> sqlx::Result<Option<(i64, crate::product::Rating)>> {
    let row = sqlx::query!("SELECT id, rating_count, rating_sum FROM products WHERE slug = $1 AND active", slug)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| (r.id, crate::product::Rating { count: r.rating_count, sum: r.rating_sum })))
}

/// Reviews shown on a product page.
pub const SHOWN: i64 = 20;
/// Reviews per page of the moderation queue.
pub const MODERATION_PAGE: i64 = 25;

/// Whether `user` received `product` in a delivered order: the "verified
/// purchase" rule (the SQL function `received`).
pub async fn has_bought(db: impl PgExecutor<'_>, user: UserId, product: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar!(r#"SELECT received($1, $2) AS "bought!""#, user.0, product).fetch_one(db).await
}

/// Whether `user` may review, or has reviewed, the product at `/p/{slug}`:
/// their reviews section then holds their own form (see `personal`, which
/// reads the same with the session's statement when it can:
/// `account::db::session_viewer`).
pub async fn has_review_form(db: impl PgExecutor<'_>, user: UserId, slug: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar!(r#"SELECT review_form($1, $2) AS "found!""#, user.0, slug).fetch_one(db).await
}

pub async fn eligibility(db: impl PgExecutor<'_>, user: Option<UserId>, product: i64) -> sqlx::Result<Eligibility> {
    Ok(match user {
        None => Eligibility::SignInFirst,
        Some(user) if has_bought(db, user, product).await? => Eligibility::May,
        Some(_) => Eligibility::NotBought,
    })
}

/// The newest visible reviews of an active product.
pub async fn visible(db: impl PgExecutor<'_>, product: i64) -> sqlx::Result<Vec<Review>> {
    let rows = sqlx::query!(
        r#"SELECT r.id, u.first_name || ' ' || left(u.last_name, 1) || '.' AS "author!", r.rating, r.title, r.body,
                  r.created_at, r.updated_at > r.created_at + interval '1 minute' AS "edited!"
           FROM reviews r JOIN users u ON u.id = r.user_id
           WHERE r.product_id = $1 AND r.hidden_at IS NULL
           ORDER BY r.created_at DESC, r.id DESC
           LIMIT $2"#,
        product,
        SHOWN
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Review {
            id: r.id,
            author: r.author,
            rating: r.rating,
            title: r.title,
            body: r.body,
            written: r.created_at.into(),
            edited: r.edited,
        })
        .collect())
}

pub async fn own(db: impl PgExecutor<'_>, user: UserId, product: i64) -> sqlx::Result<Option<OwnReview>> {
    let row = sqlx::query!(
        "SELECT rating, title, body, hidden_reason FROM reviews WHERE user_id = $1 AND product_id = $2",
        user.0,
        product
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| OwnReview { rating: r.rating, title: r.title, body: r.body, hidden_reason: r.hidden_reason }))
}

/// Writes the user's review of `product`, or replaces it (a hidden review
/// stays hidden: editing is not a way around moderation).
pub async fn save(
    conn: &mut PgConnection,
    user: UserId,
    product: i64,
    rating: i16,
    title: &str,
    body: &str,
) -> Result<bool, AppError> {
    let created = sqlx::query_scalar!(
        r#"INSERT INTO reviews (product_id, user_id, rating, title, body) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT ON CONSTRAINT reviews_product_user_key
           DO UPDATE SET rating = excluded.rating, title = excluded.title, body = excluded.body, updated_at = now()
           RETURNING (xmax = 0) AS "created!""#,
        product,
        user.0,
        rating,
        title,
        body
    )
    .fetch_one(conn)
    .await?;
    Ok(created)
}

/// Deletes the author's review. A hidden one leaves a tombstone, so that
/// deleting it is not a way to post it again past the moderator.
pub async fn delete(conn: &mut PgConnection, user: UserId, product: i64) -> sqlx::Result<bool> {
    let deleted = sqlx::query_scalar!(
        r#"WITH gone AS (
               DELETE FROM reviews WHERE user_id = $1 AND product_id = $2
               RETURNING hidden_reason, hidden_by
           ), kept AS (
               INSERT INTO review_tombstones (product_id, user_id, hidden_reason, hidden_by)
               SELECT $2, $1, hidden_reason, hidden_by FROM gone WHERE hidden_reason IS NOT NULL
               ON CONFLICT ON CONSTRAINT review_tombstones_pkey DO NOTHING
           )
           SELECT count(*) AS "deleted!" FROM gone"#,
        user.0,
        product
    )
    .fetch_one(conn)
    .await?;
    Ok(deleted == 1)
}

/// Why the author may not review the product again: the reason a moderator
/// gave for hiding the review they then deleted.
pub async fn tombstone(db: impl PgExecutor<'_>, user: UserId, product: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "SELECT hidden_reason FROM review_tombstones WHERE user_id = $1 AND product_id = $2",
        user.0,
        product
    )
    .fetch_optional(db)
    .await
}

/// Reviews for moderation, newest first: `hidden` picks hidden or visible ones.
pub async fn for_moderation(
    db: impl PgExecutor<'_>,
    hidden: bool,
    page: u32,
) -> sqlx::Result<(Vec<ModeratedReview>, bool)> {
    let limit = MODERATION_PAGE;
    let rows = sqlx::query!(
        r#"SELECT r.id, p.name AS product, p.slug, u.username, r.rating, r.title, r.body, r.created_at, r.hidden_reason
           FROM reviews r JOIN products p ON p.id = r.product_id JOIN users u ON u.id = r.user_id
           WHERE (r.hidden_at IS NOT NULL) = $1
           ORDER BY r.created_at DESC, r.id DESC
           LIMIT $2 OFFSET $3"#,
        hidden,
        limit + 1,
        i64::from(page.max(1) - 1) * limit
    )
    .fetch_all(db)
    .await?;
    let (rows, more) = crate::db::one_page(rows, limit);
    let reviews = rows
        .into_iter()
        .map(|r| ModeratedReview {
            id: r.id,
            product: r.product,
            product_slug: r.slug,
            author: r.username,
            rating: r.rating,
            title: r.title,
            body: r.body,
            written: r.created_at.into(),
            hidden_reason: r.hidden_reason,
        })
        .collect();
    Ok((reviews, more))
}

/// Hides a review with a reason, or shows it again (`reason` None). Returns
/// the product's name and the review's title, before the change.
pub async fn moderate(
    conn: &mut PgConnection,
    id: i64,
    staff: UserId,
    reason: Option<&str>,
) -> sqlx::Result<Option<(String, String, Option<String>)>> {
    let before = sqlx::query!(
        r#"SELECT p.name, r.title, r.hidden_reason FROM reviews r JOIN products p ON p.id = r.product_id WHERE r.id = $1 FOR UPDATE OF r"#,
        id
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(before) = before else { return Ok(None) };
    sqlx::query!(
        "UPDATE reviews SET hidden_at = CASE WHEN $2::text IS NULL THEN NULL ELSE COALESCE(hidden_at, now()) END,
                hidden_reason = $2, hidden_by = CASE WHEN $2::text IS NULL THEN NULL ELSE $3::uuid END
         WHERE id = $1",
        id,
        reason,
        staff.0
    )
    .execute(conn)
    .await?;
    Ok(Some((before.name, before.title, before.hidden_reason)))
}
