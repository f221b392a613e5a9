//! Users: creating them, signing in, profiles and roles.

use super::*;

/// Creates a member with a primary email. Named constraints become field errors.
pub async fn create_user(conn: &mut PgConnection, form: &SignUp, hash: &PasswordHash) -> Result<UserId, AppError> {
    let id = sqlx::query_scalar!(
        r#"INSERT INTO users (username, first_name, last_name, password_hash)
           VALUES ($1, $2, $3, $4) RETURNING id AS "id: UserId""#,
        form.username,
        form.first_name,
        form.last_name,
        hash.as_stored(),
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(conflict)?;
    sqlx::query!("INSERT INTO user_emails (user_id, email, is_primary) VALUES ($1, $2, true)", id.0, form.email)
        .execute(&mut *conn)
        .await
        .map_err(conflict)?;
    Ok(id)
}

/// What sign-in needs to know about an account.
pub struct Credentials {
    pub id: UserId,
    pub password_hash: PasswordHash,
    pub disabled: bool,
}

/// Finds an account by email (when `login` holds an `@`) or by username.
pub async fn credentials(pool: &PgPool, login: &str) -> Result<Option<Credentials>, sqlx::Error> {
    let row = if login.contains('@') {
        sqlx::query!(
            r#"SELECT u.id AS "id: UserId", u.password_hash, u.disabled_at IS NOT NULL AS "disabled!"
               FROM user_emails e JOIN users u ON u.id = e.user_id
               WHERE lower(e.email) = lower($1)"#,
            login
        )
        .fetch_optional(pool)
        .await?
        .map(|r| (r.id, r.password_hash, r.disabled))
    } else {
        sqlx::query!(
            r#"SELECT id AS "id: UserId", password_hash, disabled_at IS NOT NULL AS "disabled!"
               FROM users WHERE lower(username) = lower($1)"#,
            login
        )
        .fetch_optional(pool)
        .await?
        .map(|r| (r.id, r.password_hash, r.disabled))
    };
    Ok(row.map(|(id, hash, disabled)| Credentials { id, password_hash: PasswordHash::from_stored(hash), disabled }))
}

pub async fn password_hash(conn: &mut PgConnection, user: UserId) -> Result<PasswordHash, sqlx::Error> {
    let hash = sqlx::query_scalar!("SELECT password_hash FROM users WHERE id = $1", user.0).fetch_one(conn).await?;
    Ok(PasswordHash::from_stored(hash))
}

pub async fn set_password(conn: &mut PgConnection, user: UserId, hash: &PasswordHash) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1", user.0, hash.as_stored())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn viewer(executor: impl PgExecutor<'_>, user: UserId) -> Result<Option<Viewer>, sqlx::Error> {
    sqlx::query_as!(
        Viewer,
        r#"SELECT id AS "id: UserId", username, first_name, role AS "role: Role"
           FROM users WHERE id = $1 AND disabled_at IS NULL"#,
        user.0
    )
    .fetch_optional(executor)
    .await
}

pub async fn user_by_username(executor: impl PgExecutor<'_>, username: &str) -> Result<Option<UserId>, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT id AS "id: UserId" FROM users WHERE lower(username) = lower($1)"#, username)
        .fetch_optional(executor)
        .await
}

pub async fn set_role(executor: impl PgExecutor<'_>, user: UserId, role: Role) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE users SET role = $2, updated_at = now() WHERE id = $1", user.0, role as Role)
        .execute(executor)
        .await?;
    Ok(())
}

/// The account overview: profile, avatar, emails and phones (primary first).
pub async fn account(pool: &PgPool, user: UserId) -> Result<Option<Account>, sqlx::Error> {
    let Some(profile) = sqlx::query!(
        r#"SELECT username, first_name, last_name, role AS "role: Role", avatar_key FROM users WHERE id = $1"#,
        user.0
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let emails = sqlx::query_as!(
        ContactEntry,
        r#"SELECT id, email AS value, is_primary, verified_at IS NOT NULL AS "verified!"
           FROM user_emails WHERE user_id = $1 ORDER BY is_primary DESC, id"#,
        user.0
    )
    .fetch_all(pool)
    .await?;
    let phones = sqlx::query_as!(
        ContactEntry,
        r#"SELECT id, phone AS value, is_primary, true AS "verified!"
           FROM user_phones WHERE user_id = $1 ORDER BY is_primary DESC, id"#,
        user.0
    )
    .fetch_all(pool)
    .await?;
    Ok(Some(Account {
        username: profile.username,
        first_name: profile.first_name,
        last_name: profile.last_name,
        role: profile.role,
        avatar_url: profile.avatar_key.map(|key| format!("/media/{key}")),
        emails,
        phones,
    }))
}

pub async fn update_profile(pool: &PgPool, user: UserId, first_name: &str, last_name: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE users SET first_name = $2, last_name = $3, updated_at = now() WHERE id = $1",
        user.0,
        first_name,
        last_name
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Sets the avatar and returns the key it replaces, for deletion.
pub async fn set_avatar(pool: &PgPool, user: UserId, key: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"UPDATE users u SET avatar_key = $2, updated_at = now()
           FROM (SELECT avatar_key FROM users WHERE id = $1 FOR UPDATE) old
           WHERE u.id = $1 RETURNING old.avatar_key"#,
        user.0,
        key
    )
    .fetch_one(pool)
    .await
}

pub async fn primary_email_id(executor: impl PgExecutor<'_>, user: UserId) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!("SELECT id FROM user_emails WHERE user_id = $1 AND is_primary", user.0)
        .fetch_optional(executor)
        .await
}

pub async fn primary_email(executor: impl PgExecutor<'_>, user: UserId) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!("SELECT email FROM user_emails WHERE user_id = $1 AND is_primary", user.0)
        .fetch_optional(executor)
        .await
}
