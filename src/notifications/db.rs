//! All of the notifications' SQL.

use sqlx::PgExecutor;

use super::Notification;
use crate::account::UserId;

pub async fn create(db: impl PgExecutor<'_>, user: UserId, title: &str, body: &str, link: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "INSERT INTO notifications (user_id, title, body, link) VALUES ($1, $2, $3, $4) RETURNING id",
        user.0,
        title,
        body,
        link
    )
    .fetch_one(db)
    .await
}

/// Notifies every active account whose role includes `role` (staff alerts).
pub async fn notify_role(
    db: impl PgExecutor<'_>,
    role: crate::account::Role,
    title: &str,
    body: &str,
    link: &str,
) -> sqlx::Result<u64> {
    // `user_role` is declared MEMBER < MODERATOR < ADMIN: a higher role includes the lower.
    let done = sqlx::query!(
        "INSERT INTO notifications (user_id, title, body, link)
         SELECT id, $2, $3, $4 FROM users WHERE role >= $1 AND disabled_at IS NULL",
        role as crate::account::Role,
        title,
        body,
        link
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

pub async fn unread_count(db: impl PgExecutor<'_>, user: UserId) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM notifications WHERE user_id = $1 AND read_at IS NULL"#, user.0)
        .fetch_one(db)
        .await
}

/// The newest notifications, each saying whether it was unread until now;
/// all of them are marked read.
pub async fn take_recent(db: impl PgExecutor<'_>, user: UserId, limit: i64) -> sqlx::Result<Vec<Notification>> {
    let rows = sqlx::query!(
        r#"WITH recent AS (
               SELECT id FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT $2
           ), before AS (
               SELECT n.id, n.title, n.body, n.link, n.created_at, n.read_at IS NULL AS unread
               FROM notifications n JOIN recent USING (id)
           ), marked AS (
               UPDATE notifications SET read_at = now()
               WHERE user_id = $1 AND read_at IS NULL
           )
           SELECT id AS "id!", title AS "title!", body AS "body!", link AS "link!",
                  created_at AS "created_at!", unread AS "unread!"
           FROM before ORDER BY id DESC"#,
        user.0,
        limit
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Notification {
            id: r.id,
            title: r.title,
            body: r.body,
            link: r.link,
            created_at: r.created_at.into(),
            unread: r.unread,
        })
        .collect())
}
