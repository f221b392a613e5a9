//! Single-use emailed links (password resets, email confirmations) and housekeeping.

use super::*;

/// Records a reset token valid for one hour.
pub async fn create_password_reset(conn: &mut PgConnection, user: UserId, hash: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO password_resets (user_id, token_hash, expires_at) VALUES ($1, $2, now() + interval '1 hour')",
        user.0,
        hash
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether a reset link can still be used (for showing its form).
pub async fn password_reset_is_usable(pool: &PgPool, hash: &[u8]) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()) AS "usable!""#,
        hash
    )
    .fetch_one(pool)
    .await
}

/// Uses up a reset token; the user it was for, if it was still good.
pub async fn consume_password_reset(conn: &mut PgConnection, hash: &[u8]) -> Result<Option<UserId>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"UPDATE password_resets SET used_at = now()
           WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
           RETURNING user_id AS "user_id: UserId""#,
        hash
    )
    .fetch_optional(conn)
    .await
}

/// How long an email confirmation link works.
pub const VERIFY_EMAIL_HOURS: i32 = 48;

/// Records a confirmation link for one of a user's addresses.
pub async fn create_email_verification(conn: &mut PgConnection, email: i64, hash: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO email_verifications (email_id, token_hash, expires_at)
         VALUES ($1, $2, now() + make_interval(hours => $3))",
        email,
        hash,
        VERIFY_EMAIL_HOURS
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Uses up a confirmation link and marks its address verified; the address,
/// if the link was still good.
pub async fn consume_email_verification(conn: &mut PgConnection, hash: &[u8]) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"WITH used AS (
               UPDATE email_verifications SET used_at = now()
               WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
               RETURNING email_id
           )
           UPDATE user_emails e SET verified_at = coalesce(e.verified_at, now())
           FROM used WHERE e.id = used.email_id
           RETURNING e.email"#,
        hash
    )
    .fetch_optional(conn)
    .await
}

/// Deletes expired sessions, tokens, reset links, rate-limit windows and
/// remembered API answers.
pub async fn delete_expired(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let mut deleted = 0;
    deleted += sqlx::query!("DELETE FROM sessions WHERE expires_at < now()").execute(pool).await?.rows_affected();
    // Rotated tokens stay until they expire: reuse detection needs them.
    deleted += sqlx::query!("DELETE FROM refresh_tokens WHERE expires_at < now()").execute(pool).await?.rows_affected();
    deleted += sqlx::query!("DELETE FROM email_verifications WHERE expires_at < now() - interval '1 day'")
        .execute(pool)
        .await?
        .rows_affected();
    deleted += sqlx::query!("DELETE FROM password_resets WHERE expires_at < now() - interval '1 day'")
        .execute(pool)
        .await?
        .rows_affected();
    deleted += sqlx::query!("DELETE FROM api_idempotency WHERE created_at < now() - interval '1 day'")
        .execute(pool)
        .await?
        .rows_affected();
    deleted += sqlx::query!("DELETE FROM rate_limits WHERE window_start < now() - interval '1 day'")
        .execute(pool)
        .await?
        .rows_affected();
    Ok(deleted)
}
