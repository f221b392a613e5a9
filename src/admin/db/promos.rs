//! Promo codes: the admin list and edits (creation goes through checkout's one constructor).

use super::*;

pub async fn promos(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<PromoRow>> {
    let rows = sqlx::query!(
        r#"SELECT id, code, kind::text = 'PERCENT' AS "percent!", value, min_subtotal, expires_at, usage_limit,
                  used_count, active
           FROM promo_codes ORDER BY active DESC, code"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PromoRow {
            id: r.id,
            code: r.code,
            percent: r.percent,
            value: r.value,
            min_subtotal: r.min_subtotal,
            // Stored as the first instant after the chosen day.
            expires_on: r.expires_at.map(|at| (at - Duration::seconds(1)).date_naive().to_string()).unwrap_or_default(),
            expires_at: r.expires_at.map(Into::into),
            usage_limit: r.usage_limit,
            used_count: r.used_count,
            active: r.active,
        })
        .collect())
}

fn promo_conflict(error: sqlx::Error) -> AppError {
    AppError::from_constraint(error, crate::checkout::db::PROMO_CONSTRAINTS)
}

fn expiry(d: &PromoDraft) -> Option<DateTime<Utc>> {
    d.expires_on
        .as_deref()
        .and_then(|day| NaiveDate::parse_from_str(day, "%Y-%m-%d").ok())
        .map(|day| start_of(day + Duration::days(1)))
}

pub fn promo_json(d: &PromoDraft) -> Value {
    json!({
        "code": d.code, "kind": if d.percent { "PERCENT" } else { "FIXED" }, "value": d.value.to_string(),
        "min_subtotal": d.min_subtotal.map(|m| m.to_string()), "expires_on": d.expires_on, "usage_limit": d.usage_limit,
    })
}

pub fn promo_row_json(p: &PromoRow) -> Value {
    json!({
        "code": p.code, "kind": if p.percent { "PERCENT" } else { "FIXED" }, "value": p.value.to_string(),
        "min_subtotal": p.min_subtotal.map(|m| m.to_string()),
        "expires_on": (!p.expires_on.is_empty()).then(|| p.expires_on.clone()), "usage_limit": p.usage_limit,
    })
}

pub async fn create_promo(conn: &mut PgConnection, d: &PromoDraft) -> Result<i64, AppError> {
    use crate::checkout::rules::DiscountKind;
    let promo = crate::checkout::db::NewPromo {
        code: &d.code,
        kind: if d.percent { DiscountKind::Percent } else { DiscountKind::Fixed },
        value: d.value,
        min_subtotal: d.min_subtotal,
        expires_at: expiry(d),
        usage_limit: d.usage_limit,
    };
    crate::checkout::db::create_promo(conn, &promo).await
}

pub async fn update_promo(conn: &mut PgConnection, id: i64, d: &PromoDraft) -> Result<bool, AppError> {
    let done = sqlx::query!(
        "UPDATE promo_codes SET code = $2, kind = (CASE WHEN $3 THEN 'PERCENT' ELSE 'FIXED' END)::discount_kind,
                value = $4, min_subtotal = $5, expires_at = $6, usage_limit = $7, updated_at = now()
         WHERE id = $1",
        id,
        d.code,
        d.percent,
        d.value,
        d.min_subtotal,
        expiry(d),
        d.usage_limit
    )
    .execute(conn)
    .await
    .map_err(promo_conflict)?;
    Ok(done.rows_affected() == 1)
}

pub async fn promo(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<PromoRow>> {
    Ok(promos(db).await?.into_iter().find(|p| p.id == id))
}

pub async fn set_promo_active(conn: &mut PgConnection, id: i64, active: bool) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "UPDATE promo_codes SET active = $2, updated_at = now() WHERE id = $1 RETURNING code",
        id,
        active
    )
    .fetch_optional(conn)
    .await
}
