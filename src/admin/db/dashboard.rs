//! The dashboard's figures and the staff's order lists.

use super::*;

/// Today's, this week's (from Monday) and this month's figures at `now`.
pub async fn period_figures(
    db: impl PgExecutor<'_>,
    now: DateTime<Utc>,
) -> sqlx::Result<(PeriodFigures, PeriodFigures, PeriodFigures)> {
    let today = now.date_naive();
    let day = start_of(today);
    let week = start_of(today - Duration::days(i64::from(today.weekday().num_days_from_monday())));
    let month = start_of(today.with_day(1).unwrap_or(today));
    let r = sqlx::query!(
        r#"SELECT COALESCE(sum(total) FILTER (WHERE created_at >= $1), 0) AS "day_revenue!",
                  count(*) FILTER (WHERE created_at >= $1) AS "day_orders!",
                  COALESCE(sum(total) FILTER (WHERE created_at >= $2), 0) AS "week_revenue!",
                  count(*) FILTER (WHERE created_at >= $2) AS "week_orders!",
                  COALESCE(sum(total) FILTER (WHERE created_at >= $3), 0) AS "month_revenue!",
                  count(*) FILTER (WHERE created_at >= $3) AS "month_orders!"
           FROM orders
           WHERE status IN ('PROCESSING', 'SHIPPED', 'DELIVERED')
             AND created_at >= least($2, $3) AND created_at <= $4"#,
        day,
        week,
        month,
        now
    )
    .fetch_one(db)
    .await?;
    Ok((
        PeriodFigures { revenue: r.day_revenue, orders: r.day_orders },
        PeriodFigures { revenue: r.week_revenue, orders: r.week_orders },
        PeriodFigures { revenue: r.month_revenue, orders: r.month_orders },
    ))
}

/// Revenue and orders per day (UTC) for the `days` days up to and including today.
pub async fn revenue_by_day(db: impl PgExecutor<'_>, now: DateTime<Utc>, days: i64) -> sqlx::Result<Vec<DayRevenue>> {
    let last = now.date_naive();
    let first = last - Duration::days(days - 1);
    let rows = sqlx::query!(
        r#"WITH daily AS (
               SELECT (created_at AT TIME ZONE 'UTC')::date AS day, sum(total) AS revenue, count(*) AS orders
               FROM orders
               WHERE status IN ('PROCESSING', 'SHIPPED', 'DELIVERED') AND created_at >= $1 AND created_at <= $2
               GROUP BY 1
           )
           SELECT d::date AS "day!", COALESCE(daily.revenue, 0) AS "revenue!", COALESCE(daily.orders, 0) AS "orders!"
           FROM generate_series($3::date, $4::date, interval '1 day') AS d
           LEFT JOIN daily ON daily.day = d::date
           ORDER BY 1"#,
        start_of(first),
        now,
        first,
        last
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| DayRevenue { day: r.day.to_string(), revenue: r.revenue, orders: r.orders }).collect())
}

/// Variants on sale (of active products) with the least stock, at most
/// `limit`: "Shirt — M / Blue" runs out while the shirt's other sizes sell on.
pub async fn low_stock(db: impl PgExecutor<'_>, limit: i64) -> sqlx::Result<Vec<LowStock>> {
    let rows = sqlx::query!(
        r#"SELECT p.id, p.name, variant_label(v.option_values) AS "options!", v.stock
           FROM product_variants v JOIN products p ON p.id = v.product_id
           WHERE v.active AND p.active AND v.stock <= $1
           ORDER BY v.stock, p.id, v.position, v.id LIMIT $2"#,
        LOW_STOCK,
        limit
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| LowStock { id: r.id, name: crate::product::rules::variant_title(&r.name, &r.options), stock: r.stock })
        .collect())
}

/// `[from, to]` days of a filter as instants: from the first midnight to the
/// midnight after the last day.
fn date_range(filter: &OrderFilter) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let parse = |d: &Option<String>| d.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    (parse(&filter.from).map(start_of), parse(&filter.to).map(|d| start_of(d + Duration::days(1))))
}

/// One page of orders matching the filter, newest first.
pub async fn orders(db: impl PgExecutor<'_>, filter: &OrderFilter, limit: i64) -> sqlx::Result<(Vec<OrderRow>, bool)> {
    let (from, to) = date_range(filter);
    let customer = filter.customer.trim();
    let rows = sqlx::query!(
        r#"SELECT o.number, o.created_at, u.first_name || ' ' || u.last_name AS "customer!",
                  COALESCE(e.email, '') AS "email!", o.status AS "status: OrderStatus",
                  o.payment_method AS "payment_method: PaymentMethod", o.paid_at IS NOT NULL AS "paid!", o.total
           FROM orders o
           JOIN users u ON u.id = o.user_id
           LEFT JOIN user_emails e ON e.user_id = o.user_id AND e.is_primary
           WHERE ($1::order_status IS NULL OR o.status = $1)
             AND ($2::payment_method IS NULL OR o.payment_method = $2)
             AND ($3::timestamptz IS NULL OR o.created_at >= $3)
             AND ($4::timestamptz IS NULL OR o.created_at < $4)
             AND ($5 = '' OR u.username ILIKE $6 OR u.first_name || ' ' || u.last_name ILIKE $6
                  OR e.email ILIKE $6 OR o.ship_full_name ILIKE $6)
           ORDER BY o.created_at DESC, o.number DESC
           LIMIT $7 OFFSET $8"#,
        filter.status as Option<OrderStatus>,
        filter.method as Option<PaymentMethod>,
        from,
        to,
        customer,
        contains_pattern(customer),
        limit + 1,
        offset(filter.page)
    )
    .fetch_all(db)
    .await?;
    let (rows, has_next) = crate::db::one_page(rows, limit);
    let orders = rows
        .into_iter()
        .map(|r| OrderRow {
            number: OrderNumber(r.number),
            placed_at: r.created_at.into(),
            customer: r.customer,
            email: r.email,
            status: r.status,
            payment_method: r.payment_method,
            paid: r.paid,
            total: r.total,
        })
        .collect();
    Ok((orders, has_next))
}

pub async fn order_list(db: impl PgExecutor<'_>, filter: &OrderFilter) -> sqlx::Result<OrderList> {
    let (orders, has_next) = orders(db, filter, PAGE_SIZE).await?;
    Ok(OrderList { orders, page: filter.page.max(1), has_next })
}

/// The customer of an order: id, name and primary email.
pub async fn order_customer(
    db: impl PgExecutor<'_>,
    number: OrderNumber,
) -> sqlx::Result<Option<(UserId, String, String)>> {
    let row = sqlx::query!(
        r#"SELECT u.id, u.first_name || ' ' || u.last_name AS "name!",
                  COALESCE((SELECT e.email FROM user_emails e WHERE e.user_id = u.id AND e.is_primary), '') AS "email!"
           FROM orders o JOIN users u ON u.id = o.user_id WHERE o.number = $1"#,
        number.0
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (UserId(r.id), r.name, r.email)))
}
