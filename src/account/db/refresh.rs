//! Refresh tokens: issuing, rotation with reuse detection, sign-outs and the devices list.

use super::*;
use crate::personal::ShopPage;

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
    let hash = tokens::hash(presented);
    // Lock first, read after: a request that waited here for a concurrent
    // rotation must see the successor that rotation made. (Read in the same
    // statement as the lock, the successor row would come from the snapshot
    // taken before the wait, where it did not exist yet.)
    sqlx::query!("SELECT id FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE", hash)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(row) = sqlx::query!(
        r#"SELECT t.id, t.user_id AS "user_id: UserId", t.family,
                  t.revoked_at IS NOT NULL AS "revoked!",
                  t.revoked_at > now() - make_interval(secs => $2) AS "recently_rotated",
                  t.expires_at <= now() AS "expired!",
                  s.id AS "successor?",
                  s.used_at IS NOT NULL AS "successor_used?",
                  s.revoked_at IS NOT NULL AS "successor_revoked?"
           FROM refresh_tokens t LEFT JOIN refresh_tokens s ON s.id = t.replaced_by
           WHERE t.token_hash = $1"#,
        hash,
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

/// A live session's person, as one statement reads it per request.
#[derive(Debug)]
pub struct SessionViewer {
    pub viewer: Viewer,
    /// The token needs a write: its last-used time is stale enough to
    /// refresh, or this is the first request its holder made with it.
    pub stale: bool,
    /// Their parts of a shared page, when asked for (`with_parts`).
    pub parts: Option<PageParts>,
}

/// What a page every visitor shares shows of one signed-in person: the
/// header's counts and the wishlist's products (ascending), and on a
/// product page whether they bought or reviewed it (their reviews section
/// then holds a form of their own: see `reviews::db::has_review_form`).
#[derive(Debug, Clone)]
pub struct PageParts {
    pub counts: crate::header::HeaderCounts,
    pub saved: Vec<i64>,
    pub review_form: bool,
}

/// The user behind a live session's token; `None` once the token is revoked
/// or expired, or the account disabled: the session ends at once. For a
/// shared page (`parts`), the same statement reads the person's parts of it
/// too (a signed-in listing or product page then costs the session's row
/// and this one statement); otherwise those subqueries are not run.
pub async fn session_viewer(
    pool: &PgPool,
    token_id: Uuid,
    parts: Option<&ShopPage>,
) -> Result<Option<SessionViewer>, sqlx::Error> {
    let product = match parts {
        Some(ShopPage::Product(slug)) => Some(slug.as_str()),
        _ => None,
    };
    let row = sqlx::query!(
        r#"SELECT u.id AS "id: UserId", u.username, u.first_name, u.role AS "role: Role",
                  (t.last_used_at < now() - interval '5 minutes' OR t.used_at IS NULL) AS "stale!",
                  CASE WHEN $2 THEN (SELECT COALESCE(sum(i.quantity), 0)::int FROM carts c
                                     JOIN cart_items i ON i.cart_id = c.id WHERE c.user_id = u.id) END AS cart,
                  CASE WHEN $2 THEN (SELECT count(*) FROM notifications n
                                     WHERE n.user_id = u.id AND n.read_at IS NULL) END AS unread,
                  CASE WHEN $2 THEN chat_unread(u.id) END AS messages,
                  CASE WHEN $2 THEN ARRAY(SELECT w.product_id FROM wishlist_items w
                                          WHERE w.user_id = u.id ORDER BY w.product_id) END AS saved,
                  CASE WHEN $3::text IS NOT NULL THEN review_form(u.id, $3) END AS review_form
           FROM refresh_tokens t JOIN users u ON u.id = t.user_id
           WHERE t.id = $1 AND t.revoked_at IS NULL AND t.expires_at > now() AND u.disabled_at IS NULL"#,
        token_id,
        parts.is_some(),
        product
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| {
        let parts = match (r.cart, r.unread, r.messages, r.saved) {
            (Some(cart), Some(unread), Some(messages), Some(saved)) => Some(PageParts {
                counts: crate::header::HeaderCounts { cart, unread, messages },
                saved,
                review_form: r.review_form.unwrap_or(false),
            }),
            _ => None,
        };
        let viewer = Viewer { id: r.id, username: r.username, first_name: r.first_name, role: r.role };
        SessionViewer { viewer, stale: r.stale, parts }
    }))
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
            device: crate::account::rules::describe_device(&r.user_agent),
            signed_in_at: r.signed_in_at.into(),
            last_used_at: r.last_used_at.into(),
            current: r.id == current,
        })
        .collect())
}

/// Whether the sign-in that `token` belongs to still holds: its family's
/// newest token is neither revoked (signed out, everywhere or here) nor
/// expired. For connections that outlive their request (the chat's stream).
pub async fn still_signed_in(db: impl PgExecutor<'_>, token: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (
               SELECT 1 FROM refresh_tokens newest
               WHERE newest.family = (SELECT family FROM refresh_tokens WHERE id = $1)
                 AND newest.replaced_by IS NULL AND newest.revoked_at IS NULL AND newest.expires_at > now()
           ) AS "alive!""#,
        token
    )
    .fetch_one(db)
    .await
}
