//! Reading the audit log (writing it is `crate::audit`).

use super::*;

pub async fn audit_log(db: impl PgExecutor<'_>, entity: &str, actor: &str, page: u32) -> sqlx::Result<AuditPage> {
    let actor = actor.trim();
    let rows = sqlx::query!(
        r#"SELECT a.id, a.created_at, COALESCE(u.username, 'deleted user') AS "actor!", a.action, a.entity, a.entity_id,
                  a.summary, a.before, a.after
           FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
           WHERE ($1 = '' OR a.entity = $1) AND ($2 = '' OR u.username ILIKE $3)
           ORDER BY a.created_at DESC, a.id DESC
           LIMIT $4 OFFSET $5"#,
        entity,
        // Unfiltered, rows whose actor was deleted (no user row) are listed too.
        actor,
        contains_pattern(actor),
        PAGE_SIZE + 1,
        offset(page)
    )
    .fetch_all(db)
    .await?;
    let (rows, has_next) = crate::db::one_page(rows, PAGE_SIZE);
    let entries = rows
        .into_iter()
        .map(|r| AuditEntry {
            id: r.id,
            at: r.created_at.into(),
            actor: r.actor,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            summary: r.summary,
            before: r.before.map(|v| v.to_string()),
            after: r.after.map(|v| v.to_string()),
        })
        .collect();
    Ok(AuditPage { entries, page: page.max(1), has_next })
}
