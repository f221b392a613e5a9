//! Users: search, a user's detail and orders, roles and disabling.

use super::*;

pub async fn users(db: impl PgExecutor<'_>, search: &str, page: u32) -> sqlx::Result<UserList> {
    let search = search.trim();
    let rows = sqlx::query!(
        r#"SELECT u.id, u.username, u.first_name || ' ' || u.last_name AS "name!", COALESCE(e.email, '') AS "email!",
                  u.role AS "role: Role", u.disabled_at IS NOT NULL AS "disabled!", u.created_at,
                  (SELECT count(*) FROM orders o WHERE o.user_id = u.id) AS "orders!"
           FROM users u LEFT JOIN user_emails e ON e.user_id = u.id AND e.is_primary
           WHERE $1 = '' OR u.username ILIKE $2 OR u.first_name || ' ' || u.last_name ILIKE $2
              OR EXISTS (SELECT 1 FROM user_emails m WHERE m.user_id = u.id AND m.email ILIKE $2)
           ORDER BY u.created_at DESC, u.id
           LIMIT $3 OFFSET $4"#,
        search,
        contains_pattern(search),
        PAGE_SIZE + 1,
        offset(page)
    )
    .fetch_all(db)
    .await?;
    let (rows, has_next) = crate::db::one_page(rows, PAGE_SIZE);
    let users = rows
        .into_iter()
        .map(|r| UserRow {
            id: UserId(r.id),
            username: r.username,
            name: r.name,
            email: r.email,
            role: r.role,
            disabled: r.disabled,
            joined: r.created_at.into(),
            orders: r.orders,
        })
        .collect();
    Ok(UserList { users, page: page.max(1), has_next })
}

pub async fn user(conn: &mut PgConnection, id: UserId) -> sqlx::Result<Option<UserDetail>> {
    let r = sqlx::query!(
        r#"SELECT u.id, u.username, u.first_name || ' ' || u.last_name AS "name!",
                  COALESCE((SELECT e.email FROM user_emails e WHERE e.user_id = u.id AND e.is_primary), '') AS "email!",
                  u.role AS "role: Role", u.disabled_at IS NOT NULL AS "disabled!", u.created_at,
                  (SELECT count(*) FROM orders o WHERE o.user_id = u.id) AS "orders!"
           FROM users u WHERE u.id = $1"#,
        id.0
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = r else { return Ok(None) };
    let rows = sqlx::query!(
        r#"SELECT o.number, o.created_at, o.status AS "status: OrderStatus",
                  o.payment_method AS "payment_method: PaymentMethod", o.paid_at IS NOT NULL AS "paid!", o.total
           FROM orders o WHERE o.user_id = $1 ORDER BY o.created_at DESC LIMIT 50"#,
        id.0
    )
    .fetch_all(&mut *conn)
    .await?;
    let user = UserRow {
        id: UserId(r.id),
        username: r.username,
        name: r.name,
        email: r.email,
        role: r.role,
        disabled: r.disabled,
        joined: r.created_at.into(),
        orders: r.orders,
    };
    let orders = rows
        .into_iter()
        .map(|o| OrderRow {
            number: OrderNumber(o.number),
            placed_at: o.created_at.into(),
            customer: user.name.clone(),
            email: user.email.clone(),
            status: o.status,
            payment_method: o.payment_method,
            paid: o.paid,
            total: o.total,
        })
        .collect();
    Ok(Some(UserDetail { user, orders, is_self: false }))
}

/// Changes a role, refusing to leave the store without an active admin.
/// Returns the previous role.
pub async fn change_role(conn: &mut PgConnection, id: UserId, role: Role) -> Result<Option<Role>, AppError> {
    // Role changes queue on this lock, so two admins demoting each other
    // cannot both pass the "another admin remains" check.
    sqlx::query!("SELECT pg_advisory_xact_lock(hashtext('trove.user_roles'))").execute(&mut *conn).await?;
    let before = sqlx::query_scalar!(r#"SELECT role AS "role: Role" FROM users WHERE id = $1 FOR UPDATE"#, id.0)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(before) = before else { return Ok(None) };
    if before == Role::Admin && role != Role::Admin && other_admins(&mut *conn, id).await? == 0 {
        return Err(AppError::field("role", "This is the only admin account; make another admin first."));
    }
    sqlx::query!("UPDATE users SET role = $2, updated_at = now() WHERE id = $1", id.0, role as Role)
        .execute(conn)
        .await?;
    Ok(Some(before))
}

async fn other_admins(conn: &mut PgConnection, id: UserId) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM users WHERE role = 'ADMIN' AND disabled_at IS NULL AND id <> $1"#,
        id.0
    )
    .fetch_one(conn)
    .await
}

/// Disables an account (its sign-ins are revoked at once, see
/// `session_viewer`) or enables it again. Returns the username.
pub async fn set_disabled(conn: &mut PgConnection, id: UserId, disabled: bool) -> Result<Option<String>, AppError> {
    sqlx::query!("SELECT pg_advisory_xact_lock(hashtext('trove.user_roles'))").execute(&mut *conn).await?;
    let row = sqlx::query!(r#"SELECT username, role AS "role: Role" FROM users WHERE id = $1 FOR UPDATE"#, id.0)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    if disabled && row.role == Role::Admin && other_admins(&mut *conn, id).await? == 0 {
        return Err(AppError::BadRequest("The only admin account cannot be disabled.".into()));
    }
    sqlx::query!(
        "UPDATE users SET disabled_at = CASE WHEN $2 THEN COALESCE(disabled_at, now()) END, updated_at = now() WHERE id = $1",
        id.0,
        disabled
    )
    .execute(&mut *conn)
    .await?;
    if disabled {
        sqlx::query!("UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL", id.0)
            .execute(&mut *conn)
            .await?;
        sqlx::query!("DELETE FROM sessions WHERE data->>'user_id' = $1", id.0.to_string()).execute(&mut *conn).await?;
    }
    Ok(Some(row.username))
}
