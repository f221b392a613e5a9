//! Product images: adding, ordering, choosing the primary, removing.

use super::*;

pub async fn images(db: impl PgExecutor<'_>, product: i64) -> sqlx::Result<Vec<AdminImage>> {
    let rows = sqlx::query!(
        "SELECT id, storage_key, alt_text, is_primary FROM product_images WHERE product_id = $1 ORDER BY position, id",
        product
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AdminImage { id: r.id, key: r.storage_key, alt: r.alt_text, is_primary: r.is_primary })
        .collect())
}

/// Adds an image after the others; the first image of a product becomes primary.
pub async fn add_image(conn: &mut PgConnection, product: i64, key: &str, alt: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "INSERT INTO product_images (product_id, storage_key, alt_text, position, is_primary)
         SELECT $1, $2, $3,
                COALESCE((SELECT max(position) + 1 FROM product_images WHERE product_id = $1), 0),
                NOT EXISTS (SELECT 1 FROM product_images WHERE product_id = $1 AND is_primary)
         RETURNING id",
        product,
        key,
        alt
    )
    .fetch_one(conn)
    .await
}

pub async fn set_primary_image(conn: &mut PgConnection, product: i64, image: i64) -> sqlx::Result<bool> {
    let exists = sqlx::query_scalar!(
        "SELECT id FROM product_images WHERE id = $1 AND product_id = $2 FOR UPDATE",
        image,
        product
    )
    .fetch_optional(&mut *conn)
    .await?;
    if exists.is_none() {
        return Ok(false);
    }
    sqlx::query!(
        "UPDATE product_images SET is_primary = false WHERE product_id = $1 AND is_primary AND id <> $2",
        product,
        image
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!("UPDATE product_images SET is_primary = true WHERE id = $1", image).execute(&mut *conn).await?;
    Ok(true)
}

/// Moves an image one place earlier (`-1`) or later (`1`) by swapping positions.
pub async fn move_image(conn: &mut PgConnection, product: i64, image: i64, by: i32) -> sqlx::Result<bool> {
    let mut ids = sqlx::query_scalar!(
        "SELECT id FROM product_images WHERE product_id = $1 ORDER BY position, id FOR UPDATE",
        product
    )
    .fetch_all(&mut *conn)
    .await?;
    let Some(at) = ids.iter().position(|id| *id == image) else { return Ok(false) };
    let to = at as i64 + i64::from(by);
    if to < 0 || to >= ids.len() as i64 {
        return Ok(true);
    }
    ids.swap(at, to as usize);
    let positions: Vec<i32> = (0..ids.len() as i32).collect();
    sqlx::query!(
        "UPDATE product_images i SET position = n.position FROM unnest($1::bigint[], $2::int[]) AS n(id, position) WHERE i.id = n.id",
        &ids,
        &positions
    )
    .execute(conn)
    .await?;
    Ok(true)
}

pub async fn set_image_alt(conn: &mut PgConnection, product: i64, image: i64, alt: &str) -> sqlx::Result<bool> {
    let done =
        sqlx::query!("UPDATE product_images SET alt_text = $3 WHERE id = $1 AND product_id = $2", image, product, alt)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes an image; if it was primary, the first remaining one becomes
/// primary. Returns its storage key.
pub async fn remove_image(conn: &mut PgConnection, product: i64, image: i64) -> sqlx::Result<Option<String>> {
    let key = sqlx::query_scalar!(
        "DELETE FROM product_images WHERE id = $1 AND product_id = $2 RETURNING storage_key",
        image,
        product
    )
    .fetch_optional(&mut *conn)
    .await?;
    if key.is_some() {
        sqlx::query!(
            "UPDATE product_images SET is_primary = true
             WHERE id = (SELECT id FROM product_images WHERE product_id = $1 ORDER BY position, id LIMIT 1)
               AND NOT EXISTS (SELECT 1 FROM product_images WHERE product_id = $1 AND is_primary)",
            product
        )
        .execute(conn)
        .await?;
    }
    Ok(key)
}
