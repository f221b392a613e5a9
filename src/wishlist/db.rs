//! The wishlist's SQL.

use sqlx::{PgConnection, PgExecutor};

use crate::account::UserId;
use crate::product::ProductSummary;
use crate::product::db::CardRow;

/// Adds or removes `product`; answers whether it is now on the list.
pub async fn toggle(conn: &mut PgConnection, user: UserId, product: i64) -> sqlx::Result<bool> {
    let removed = sqlx::query!("DELETE FROM wishlist_items WHERE user_id = $1 AND product_id = $2", user.0, product)
        .execute(&mut *conn)
        .await?;
    if removed.rows_affected() == 1 {
        return Ok(false);
    }
    sqlx::query!(
        "INSERT INTO wishlist_items (user_id, product_id) SELECT $1, id FROM products WHERE id = $2 AND active
         ON CONFLICT DO NOTHING",
        user.0,
        product
    )
    .execute(conn)
    .await
    .map(|done| done.rows_affected() == 1)
}

pub async fn remove(db: impl PgExecutor<'_>, user: UserId, product: i64) -> sqlx::Result<bool> {
    let done = sqlx::query!("DELETE FROM wishlist_items WHERE user_id = $1 AND product_id = $2", user.0, product)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The user's wishlist, newest first (products since withdrawn are left out).
pub async fn list(db: impl PgExecutor<'_>, user: UserId) -> sqlx::Result<Vec<ProductSummary>> {
    let rows = sqlx::query_as!(
        CardRow,
        r#"SELECT p.id, p.slug, p.name, p.price, p.offer_price, p.sale_price, p.price_varies, p.variant_count, p.stock, p.rating_count, p.rating_sum,
                  i.storage_key AS "image_key?", i.alt_text AS "image_alt?"
           FROM wishlist_items w
           JOIN products p ON p.id = w.product_id AND p.active
           LEFT JOIN product_images i ON i.product_id = p.id AND i.is_primary
           WHERE w.user_id = $1
           ORDER BY w.created_at DESC, p.id"#,
        user.0
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(ProductSummary::from).collect())
}

/// The ids of the products on `user`'s wishlist, ascending.
pub async fn saved(db: impl PgExecutor<'_>, user: UserId) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!("SELECT product_id FROM wishlist_items WHERE user_id = $1 ORDER BY product_id", user.0)
        .fetch_all(db)
        .await
}

/// Puts `product` on the list (kept if it is there already); answers false
/// when no product on sale has that id.
pub async fn add(db: impl PgExecutor<'_>, user: UserId, product: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"WITH found AS (SELECT id FROM products WHERE id = $2 AND active),
                added AS (INSERT INTO wishlist_items (user_id, product_id) SELECT $1, id FROM found
                          ON CONFLICT DO NOTHING)
           SELECT EXISTS (SELECT 1 FROM found) AS "found!""#,
        user.0,
        product
    )
    .fetch_one(db)
    .await
}
