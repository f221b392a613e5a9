//! API tokens in the database.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use super::{Scope, TokenKind, TokenSummary};
use crate::account::{Role, UserId};
use crate::error::AppError;

/// What a new token is.
pub struct NewToken<'a> {
    pub kind: TokenKind,
    pub user: Option<UserId>,
    pub integration: Option<&'a str>,
    pub name: &'a str,
    pub scopes: &'a [Scope],
    pub secret_hash: &'a [u8],
    pub display: &'a str,
    pub created_by: UserId,
    pub expires_at: Option<DateTime<Utc>>,
}

pub async fn insert(conn: &mut PgConnection, token: NewToken<'_>) -> Result<i64, AppError> {
    let scopes: Vec<String> = token.scopes.iter().map(|s| s.as_str().to_owned()).collect();
    let id = sqlx::query_scalar!(
        "INSERT INTO api_tokens (kind, user_id, integration, name, scopes, secret_hash, display, created_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        token.kind as TokenKind,
        token.user.map(|u| u.0),
        token.integration,
        token.name,
        &scopes,
        token.secret_hash,
        token.display,
        token.created_by.0,
        token.expires_at
    )
    .fetch_one(conn)
    .await?;
    Ok(id)
}

struct Row {
    id: i64,
    kind: TokenKind,
    name: String,
    owner: Option<String>,
    display: String,
    scopes: Vec<String>,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
    last_used_from: Option<String>,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<Row> for TokenSummary {
    fn from(row: Row) -> Self {
        TokenSummary {
            id: row.id,
            kind: row.kind,
            name: row.name,
            owner: row.owner.unwrap_or_default(),
            display: row.display,
            scopes: row.scopes,
            created: row.created_at.into(),
            expired: row.expires_at.is_some_and(|at| at <= Utc::now()),
            expires: row.expires_at.map(Into::into),
            last_used: row.last_used_at.map(Into::into),
            last_used_from: row.last_used_from,
            revoked: row.revoked_at.map(Into::into),
        }
    }
}

/// One person's tokens, newest first.
pub async fn for_user(db: impl PgExecutor<'_>, user: UserId) -> Result<Vec<TokenSummary>, AppError> {
    let rows = sqlx::query_as!(
        Row,
        r#"SELECT t.id, t.kind AS "kind: TokenKind", t.name, u.username AS "owner?", t.display, t.scopes,
                  t.created_at, t.expires_at, t.last_used_at, t.last_used_from, t.revoked_at
           FROM api_tokens t JOIN users u ON u.id = t.user_id
           WHERE t.user_id = $1 ORDER BY t.created_at DESC, t.id DESC"#,
        user.0
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Every token for the admin's integrations page: the shop's client tokens,
/// then people's tokens that still work (newest first, at most `limit`).
pub async fn all(db: impl PgExecutor<'_>, limit: i64) -> Result<Vec<TokenSummary>, AppError> {
    let rows = sqlx::query_as!(
        Row,
        r#"SELECT t.id, t.kind AS "kind: TokenKind", t.name, coalesce(t.integration, u.username) AS "owner?",
                  t.display, t.scopes, t.created_at, t.expires_at, t.last_used_at, t.last_used_from, t.revoked_at
           FROM api_tokens t LEFT JOIN users u ON u.id = t.user_id
           WHERE t.kind = 'CLIENT' OR (t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now()))
           ORDER BY t.kind DESC, t.created_at DESC, t.id DESC
           LIMIT $1"#,
        limit
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Revokes token `id` (only if it is `owner`'s, when given); answers
/// what it was (`None`: no such token of theirs, or already revoked).
pub async fn revoke(
    conn: &mut PgConnection,
    id: i64,
    by: UserId,
    owner: Option<UserId>,
) -> Result<Option<(TokenKind, String)>, AppError> {
    let row = sqlx::query!(
        r#"UPDATE api_tokens SET revoked_at = now(), revoked_by = $2
           WHERE id = $1 AND revoked_at IS NULL AND ($3::uuid IS NULL OR user_id = $3)
           RETURNING kind AS "kind: TokenKind", name"#,
        id,
        by.0,
        owner.map(|o| o.0)
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| (r.kind, r.name)))
}

/// A token found by its secret's hash, with what decides whether it works now.
#[derive(Debug, Clone)]
pub struct Found {
    pub id: i64,
    pub kind: TokenKind,
    pub user: Option<UserId>,
    pub role: Option<Role>,
    pub owner_disabled: bool,
    pub scopes: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked: bool,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_by: UserId,
}

pub async fn find(db: impl PgExecutor<'_>, secret_hash: &[u8]) -> Result<Option<Found>, AppError> {
    let row = sqlx::query!(
        r#"SELECT t.id, t.kind AS "kind: TokenKind", t.user_id, u.role AS "role?: Role",
                  (u.disabled_at IS NOT NULL) AS "owner_disabled?", t.scopes, t.expires_at,
                  (t.revoked_at IS NOT NULL) AS "revoked!", t.last_used_at, t.created_by
           FROM api_tokens t LEFT JOIN users u ON u.id = t.user_id
           WHERE t.secret_hash = $1"#,
        secret_hash
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| Found {
        id: r.id,
        kind: r.kind,
        user: r.user_id.map(UserId),
        role: r.role,
        owner_disabled: r.owner_disabled.unwrap_or(false),
        scopes: r.scopes,
        expires_at: r.expires_at,
        revoked: r.revoked,
        last_used_at: r.last_used_at,
        created_by: UserId(r.created_by),
    }))
}

/// Records a use: at most one write a minute per token, however busy it is.
pub async fn touch(db: impl PgExecutor<'_>, id: i64, from: &str) -> Result<(), AppError> {
    sqlx::query!(
        "UPDATE api_tokens SET last_used_at = now(), last_used_from = $2
         WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
        id,
        from
    )
    .execute(db)
    .await?;
    Ok(())
}

/// An answer remembered for an Idempotency-Key.
pub struct Remembered {
    pub operation: String,
    pub request_hash: Vec<u8>,
    pub status: i16,
    pub response: serde_json::Value,
}

/// Claims `key` for `token` in the caller's transaction: `None` when it is
/// new (the transaction then holds it until it commits, so a concurrent
/// retry waits), else what the first request with it answered.
pub async fn claim_idempotency_key(conn: &mut PgConnection, token: i64, key: &str) -> sqlx::Result<Option<Remembered>> {
    let claimed = sqlx::query_scalar!(
        r#"INSERT INTO api_idempotency (token_id, key, operation, request_hash, status, response)
           VALUES ($1, $2, '', '', 200, 'null') ON CONFLICT (token_id, key) DO NOTHING RETURNING true AS "claimed!""#,
        token,
        key
    )
    .fetch_optional(&mut *conn)
    .await?;
    if claimed.is_some() {
        return Ok(None);
    }
    sqlx::query_as!(
        Remembered,
        "SELECT operation, request_hash, status, response FROM api_idempotency WHERE token_id = $1 AND key = $2",
        token,
        key
    )
    .fetch_optional(&mut *conn)
    .await
}

/// Writes the answer a claimed key gives from now on.
pub async fn remember_answer(conn: &mut PgConnection, token: i64, key: &str, answer: &Remembered) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE api_idempotency SET operation = $3, request_hash = $4, status = $5, response = $6
         WHERE token_id = $1 AND key = $2",
        token,
        key,
        answer.operation,
        answer.request_hash,
        answer.status,
        answer.response
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}
