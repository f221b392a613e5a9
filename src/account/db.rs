//! All of the accounts feature's SQL. Functions take a pool or a connection so
//! that callers compose them inside one transaction.

use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

use super::password::PasswordHash;
use super::rules::SignUp;
use super::tokens::{self, NewToken};
use super::{Account, Address, AddressInput, ContactEntry, ContactKind, Role, SignedInDevice, UserId, Viewer};
use crate::error::{AppError, ConstraintField};

/// How long a refresh token (and so a sign-in) lasts without use, in days.
pub const REFRESH_TOKEN_DAYS: i32 = 30;
/// A successor issued this recently may still be on its way to the browser
/// whose concurrent request got another one: it stays valid.
const ROTATION_GRACE_SECONDS: f64 = 20.0;

/// The accounts' unique constraints, as form errors.
const CONSTRAINTS: &[ConstraintField] = &[
    ("users_username_key", "username", "That username is taken."),
    ("user_emails_email_key", "email", "That email address belongs to another account."),
    ("user_phones_user_phone_key", "phone", "That number is already on your account."),
];

fn conflict(error: sqlx::Error) -> AppError {
    AppError::from_constraint(error, CONSTRAINTS)
}

// ---- users -----------------------------------------------------------------

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

// ---- emails and phones ------------------------------------------------------

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

// ---- addresses ----------------------------------------------------------------

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

// ---- refresh tokens -----------------------------------------------------------

/// Issues a refresh token: a new family at sign-in, or the next one in `family`.
pub async fn issue_refresh_token(
    conn: &mut PgConnection,
    user: UserId,
    family: Option<Uuid>,
    user_agent: &str,
) -> Result<(Uuid, NewToken), AppError> {
    let token = tokens::generate()?;
    let id = sqlx::query_scalar!(
        "INSERT INTO refresh_tokens (user_id, family, token_hash, user_agent, expires_at)
         VALUES ($1, coalesce($2, gen_random_uuid()), $3, $4, now() + make_interval(days => $5))
         RETURNING id",
        user.0,
        family,
        token.hash,
        user_agent.chars().take(300).collect::<String>(),
        REFRESH_TOKEN_DAYS
    )
    .fetch_one(conn)
    .await?;
    Ok((id, token))
}

/// What presenting a refresh token led to.
#[derive(Debug)]
pub enum Rotation {
    /// The token was good, or its successor was never used (a response lost or
    /// raced by the same browser): here is a new successor in the same family.
    Renewed { viewer: Viewer, token_id: Uuid, token: NewToken },
    /// The token had already been rotated and its successor used by someone:
    /// two parties hold the family, so all of it is now revoked.
    Reused { user: UserId },
    /// Unknown, expired, signed out, or the account is disabled.
    Invalid,
}

/// Swaps a presented refresh token for a new one, detecting reuse.
///
/// The presented row is locked, so requests presenting one token at once are
/// served one after the other. A token already rotated is judged by its
/// successor: used by its holder means two parties hold the family (theft:
/// all of it is revoked); never used means the same browser again, whose
/// response was lost or whose other tab raced it, and it gets a successor of
/// its own. Within the grace period the unused successor stays valid (both
/// responses may still reach the browser, in either order); after it, the
/// unused one is superseded, so whoever turns up holding it later reveals a
/// second party and revokes the family.
pub async fn rotate_refresh_token(pool: &PgPool, presented: &str, user_agent: &str) -> Result<Rotation, AppError> {
    let mut tx = pool.begin().await?;
    let Some(row) = sqlx::query!(
        r#"SELECT t.id, t.user_id AS "user_id: UserId", t.family,
                  t.revoked_at IS NOT NULL AS "revoked!",
                  t.revoked_at > now() - make_interval(secs => $2) AS "recently_rotated",
                  t.expires_at <= now() AS "expired!",
                  s.id AS "successor?",
                  s.used_at IS NOT NULL AS "successor_used?",
                  s.revoked_at IS NOT NULL AS "successor_revoked?"
           FROM refresh_tokens t LEFT JOIN refresh_tokens s ON s.id = t.replaced_by
           WHERE t.token_hash = $1 FOR UPDATE OF t"#,
        tokens::hash(presented),
        ROTATION_GRACE_SECONDS
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(Rotation::Invalid);
    };
    if row.expired {
        return Ok(Rotation::Invalid);
    }
    let mut superseded = None;
    if row.revoked {
        let Some(successor) = row.successor else {
            // Signed out, or revoked with the rest of its sign-ins.
            return Ok(Rotation::Invalid);
        };
        if row.successor_used == Some(true) {
            revoke_family(&mut tx, row.family).await?;
            tx.commit().await?;
            return Ok(Rotation::Reused { user: row.user_id });
        }
        if row.successor_revoked == Some(true) {
            return Ok(Rotation::Invalid);
        }
        if row.recently_rotated != Some(true) {
            superseded = Some(successor);
        }
    }
    let Some(viewer) = viewer(&mut *tx, row.user_id).await? else {
        return Ok(Rotation::Invalid);
    };
    let (token_id, token) = issue_refresh_token(&mut tx, row.user_id, Some(row.family), user_agent).await?;
    sqlx::query!(
        "UPDATE refresh_tokens
         SET revoked_at = coalesce(revoked_at, now()), replaced_by = $2,
             last_used_at = CASE WHEN id = $1 THEN now() ELSE last_used_at END,
             used_at = CASE WHEN id = $1 THEN coalesce(used_at, now()) ELSE used_at END
         WHERE id = $1 OR id = $3",
        row.id,
        token_id,
        superseded
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Rotation::Renewed { viewer, token_id, token })
}

/// Revokes every live token of a sign-in's family (the theft response).
async fn revoke_family(conn: &mut PgConnection, family: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE refresh_tokens SET revoked_at = now() WHERE family = $1 AND revoked_at IS NULL", family)
        .execute(conn)
        .await?;
    Ok(())
}

/// The user behind a live session's token, and whether the token needs a
/// write: its last-used time is stale enough to refresh, or this is the first
/// request its holder made with it. `None` once the token is revoked or
/// expired, or the account disabled: the session ends at once.
pub async fn session_viewer(pool: &PgPool, token_id: Uuid) -> Result<Option<(Viewer, bool)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT u.id AS "id: UserId", u.username, u.first_name, u.role AS "role: Role",
                  (t.last_used_at < now() - interval '5 minutes' OR t.used_at IS NULL) AS "stale!"
           FROM refresh_tokens t JOIN users u ON u.id = t.user_id
           WHERE t.id = $1 AND t.revoked_at IS NULL AND t.expires_at > now() AND u.disabled_at IS NULL"#,
        token_id
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| (Viewer { id: r.id, username: r.username, first_name: r.first_name, role: r.role }, r.stale)))
}

/// Why a session's token no longer opens it: `Some(user)` when it was rotated
/// (someone else presented it while this session lived, since a browser with
/// a live session never rotates): its family is revoked, ending the other
/// party's sign-in too. `None` when it was signed out, expired or disabled.
pub async fn revoke_if_rotated_under_session(pool: &PgPool, token_id: Uuid) -> Result<Option<UserId>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query!(
        r#"SELECT user_id AS "user_id: UserId", family FROM refresh_tokens
           WHERE id = $1 AND replaced_by IS NOT NULL FOR UPDATE"#,
        token_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    revoke_family(&mut tx, row.family).await?;
    tx.commit().await?;
    Ok(Some(row.user_id))
}

/// Records a use of a live token: its last-used time, and the first use.
pub async fn touch_refresh_token(pool: &PgPool, token_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE refresh_tokens SET last_used_at = now(), used_at = coalesce(used_at, now()) WHERE id = $1",
        token_id
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn revoke_refresh_token(executor: impl PgExecutor<'_>, token_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE refresh_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", token_id)
        .execute(executor)
        .await?;
    Ok(())
}

/// Revokes one of the user's sign-ins (a row of the sessions list).
pub async fn revoke_device(pool: &PgPool, user: UserId, token_id: Uuid) -> Result<bool, sqlx::Error> {
    let result = sqlx::query!(
        "UPDATE refresh_tokens SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
        token_id,
        user.0
    )
    .execute(pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Revokes every live token of the user except `keep`; returns how many.
pub async fn revoke_all_tokens(
    executor: impl PgExecutor<'_>,
    user: UserId,
    keep: Option<Uuid>,
) -> Result<u64, sqlx::Error> {
    // Reset links die too: they are another way into the account.
    let result = sqlx::query!(
        "WITH resets AS (UPDATE password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL)
         UPDATE refresh_tokens SET revoked_at = now()
         WHERE user_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $2",
        user.0,
        keep
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected())
}

/// Where the user is signed in: each live token, newest use first.
pub async fn devices(pool: &PgPool, user: UserId, current: Uuid) -> Result<Vec<SignedInDevice>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT t.id, t.user_agent, t.last_used_at,
                  (SELECT min(f.created_at) FROM refresh_tokens f WHERE f.family = t.family) AS "signed_in_at!"
           FROM refresh_tokens t
           WHERE t.user_id = $1 AND t.revoked_at IS NULL AND t.expires_at > now()
           ORDER BY t.last_used_at DESC"#,
        user.0
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SignedInDevice {
            id: r.id,
            device: super::rules::describe_device(&r.user_agent),
            signed_in_at: r.signed_in_at.into(),
            last_used_at: r.last_used_at.into(),
            current: r.id == current,
        })
        .collect())
}

// ---- password resets ------------------------------------------------------------

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

// ---- email verification ----------------------------------------------------------

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

// ---- housekeeping -------------------------------------------------------------------

/// Deletes expired sessions, tokens, reset links and rate-limit windows.
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
    deleted += sqlx::query!("DELETE FROM rate_limits WHERE window_start < now() - interval '1 day'")
        .execute(pool)
        .await?
        .rows_affected();
    Ok(deleted)
}
