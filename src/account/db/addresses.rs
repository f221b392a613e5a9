//! The address book, with one primary address.

use super::*;

/// The address book, primary first, then newest.
pub async fn addresses(executor: impl PgExecutor<'_>, user: UserId) -> Result<Vec<Address>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, full_name, line1, line2, city, province, postal_code, country, phone, is_primary
         FROM addresses WHERE user_id = $1 ORDER BY is_primary DESC, id DESC",
        user.0
    )
    .fetch_all(executor)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Address {
            id: r.id,
            is_primary: r.is_primary,
            fields: AddressInput {
                full_name: r.full_name,
                line1: r.line1,
                line2: r.line2,
                city: r.city,
                province: r.province,
                postal_code: r.postal_code,
                country: r.country,
                phone: r.phone,
            },
        })
        .collect())
}

/// One of the user's addresses; `None` when it is not theirs.
pub async fn address(
    executor: impl PgExecutor<'_>,
    user: UserId,
    id: i64,
) -> Result<Option<AddressInput>, sqlx::Error> {
    sqlx::query_as!(
        AddressInput,
        "SELECT full_name, line1, line2, city, province, postal_code, country, phone
         FROM addresses WHERE id = $2 AND user_id = $1",
        user.0,
        id
    )
    .fetch_optional(executor)
    .await
}

/// Adds an address; the first one becomes the primary.
pub async fn add_address(conn: &mut PgConnection, user: UserId, a: &AddressInput) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO addresses (user_id, full_name, line1, line2, city, province, postal_code, country, phone, is_primary)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NOT EXISTS (SELECT 1 FROM addresses WHERE user_id = $1))
         RETURNING id",
        user.0,
        a.full_name,
        a.line1,
        a.line2,
        a.city,
        a.province,
        a.postal_code,
        a.country,
        a.phone
    )
    .fetch_one(conn)
    .await
}

/// Edits one of the user's addresses; `false` when it is not theirs.
pub async fn update_address(
    executor: impl PgExecutor<'_>,
    user: UserId,
    id: i64,
    a: &AddressInput,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query!(
        "UPDATE addresses SET full_name = $3, line1 = $4, line2 = $5, city = $6, province = $7, postal_code = $8,
                country = $9, phone = $10, updated_at = now()
         WHERE id = $1 AND user_id = $2",
        id,
        user.0,
        a.full_name,
        a.line1,
        a.line2,
        a.city,
        a.province,
        a.postal_code,
        a.country,
        a.phone
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Deletes an address; deleting the primary promotes the newest remaining one.
pub async fn delete_address(conn: &mut PgConnection, user: UserId, id: i64) -> Result<bool, sqlx::Error> {
    let Some(was_primary) =
        sqlx::query_scalar!("DELETE FROM addresses WHERE id = $1 AND user_id = $2 RETURNING is_primary", id, user.0)
            .fetch_optional(&mut *conn)
            .await?
    else {
        return Ok(false);
    };
    if was_primary {
        sqlx::query!(
            "UPDATE addresses SET is_primary = true WHERE id = (SELECT max(id) FROM addresses WHERE user_id = $1)",
            user.0
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(true)
}

pub async fn make_address_primary(conn: &mut PgConnection, user: UserId, id: i64) -> Result<bool, sqlx::Error> {
    let owned = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM addresses WHERE id = $1 AND user_id = $2) AS "owned!""#,
        id,
        user.0
    )
    .fetch_one(&mut *conn)
    .await?;
    if !owned {
        return Ok(false);
    }
    sqlx::query!("UPDATE addresses SET is_primary = false WHERE user_id = $1 AND is_primary AND id <> $2", user.0, id)
        .execute(&mut *conn)
        .await?;
    sqlx::query!("UPDATE addresses SET is_primary = true WHERE id = $1", id).execute(&mut *conn).await?;
    Ok(true)
}
