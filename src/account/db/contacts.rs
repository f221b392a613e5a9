//! Emails and phones: one primary each; an email must be confirmed before it becomes primary.

use super::*;

pub async fn add_contact(
    conn: &mut PgConnection,
    user: UserId,
    kind: ContactKind,
    value: &str,
) -> Result<i64, AppError> {
    let result = match kind {
        ContactKind::Email => {
            sqlx::query_scalar!(
                r#"INSERT INTO user_emails (user_id, email, is_primary)
                   VALUES ($1, $2, NOT EXISTS (SELECT 1 FROM user_emails WHERE user_id = $1)) RETURNING id"#,
                user.0,
                value
            )
            .fetch_one(&mut *conn)
            .await
        }
        ContactKind::Phone => {
            sqlx::query_scalar!(
                r#"INSERT INTO user_phones (user_id, phone, is_primary)
                   VALUES ($1, $2, NOT EXISTS (SELECT 1 FROM user_phones WHERE user_id = $1)) RETURNING id"#,
                user.0,
                value
            )
            .fetch_one(&mut *conn)
            .await
        }
    };
    result.map_err(conflict)
}

/// Makes one entry the primary. Two statements, because a unique index is
/// checked row by row: clearing and setting in one UPDATE can collide.
pub async fn make_contact_primary(
    conn: &mut PgConnection,
    user: UserId,
    kind: ContactKind,
    id: i64,
) -> Result<(), AppError> {
    let owned = match kind {
        ContactKind::Email => {
            sqlx::query_scalar!(
                r#"SELECT EXISTS (SELECT 1 FROM user_emails WHERE id = $1 AND user_id = $2) AS "owned!""#,
                id,
                user.0
            )
            .fetch_one(&mut *conn)
            .await?
        }
        ContactKind::Phone => {
            sqlx::query_scalar!(
                r#"SELECT EXISTS (SELECT 1 FROM user_phones WHERE id = $1 AND user_id = $2) AS "owned!""#,
                id,
                user.0
            )
            .fetch_one(&mut *conn)
            .await?
        }
    };
    if !owned {
        return Err(AppError::NotFound);
    }
    match kind {
        ContactKind::Email => {
            let unverified = sqlx::query_scalar!(
                "SELECT email FROM user_emails WHERE id = $1 AND verified_at IS NULL AND NOT is_primary",
                id
            )
            .fetch_optional(&mut *conn)
            .await?;
            if let Some(email) = unverified {
                return Err(AppError::BadRequest(format!(
                    "Confirm {email} first: open the link we emailed to it. Then it can become your primary address."
                )));
            }
            sqlx::query!(
                "UPDATE user_emails SET is_primary = false WHERE user_id = $1 AND is_primary AND id <> $2",
                user.0,
                id
            )
            .execute(&mut *conn)
            .await?;
            sqlx::query!("UPDATE user_emails SET is_primary = true WHERE id = $1", id).execute(&mut *conn).await?;
        }
        ContactKind::Phone => {
            sqlx::query!(
                "UPDATE user_phones SET is_primary = false WHERE user_id = $1 AND is_primary AND id <> $2",
                user.0,
                id
            )
            .execute(&mut *conn)
            .await?;
            sqlx::query!("UPDATE user_phones SET is_primary = true WHERE id = $1", id).execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// Removes an entry. The last email can't go: it is how the account signs in
/// and recovers its password.
pub async fn remove_contact(conn: &mut PgConnection, user: UserId, kind: ContactKind, id: i64) -> Result<(), AppError> {
    // Lock the user's row so two removals can't each leave the other as "not the last".
    sqlx::query!("SELECT id FROM users WHERE id = $1 FOR UPDATE", user.0).fetch_one(&mut *conn).await?;
    let removed = match kind {
        ContactKind::Email => {
            let count = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM user_emails WHERE user_id = $1"#, user.0)
                .fetch_one(&mut *conn)
                .await?;
            let exists = sqlx::query_scalar!(
                r#"SELECT EXISTS (SELECT 1 FROM user_emails WHERE id = $1 AND user_id = $2) AS "e!""#,
                id,
                user.0
            )
            .fetch_one(&mut *conn)
            .await?;
            if exists && count <= 1 {
                return Err(AppError::BadRequest(
                    "Your account needs at least one email address. Add another before removing this one.".into(),
                ));
            }
            sqlx::query_scalar!(
                "DELETE FROM user_emails WHERE id = $1 AND user_id = $2 RETURNING is_primary",
                id,
                user.0
            )
            .fetch_optional(&mut *conn)
            .await?
        }
        ContactKind::Phone => {
            sqlx::query_scalar!(
                "DELETE FROM user_phones WHERE id = $1 AND user_id = $2 RETURNING is_primary",
                id,
                user.0
            )
            .fetch_optional(&mut *conn)
            .await?
        }
    };
    match removed {
        None => Err(AppError::NotFound),
        Some(false) => Ok(()),
        Some(true) => {
            match kind {
                // The oldest verified address takes over, never an unconfirmed one if there is another.
                ContactKind::Email => sqlx::query!(
                    "UPDATE user_emails SET is_primary = true
                     WHERE id = (SELECT id FROM user_emails WHERE user_id = $1 ORDER BY verified_at IS NULL, id LIMIT 1)",
                    user.0
                )
                .execute(&mut *conn)
                .await?,
                ContactKind::Phone => sqlx::query!(
                    "UPDATE user_phones SET is_primary = true WHERE id = (SELECT min(id) FROM user_phones WHERE user_id = $1)",
                    user.0
                )
                .execute(&mut *conn)
                .await?,
            };
            Ok(())
        }
    }
}
