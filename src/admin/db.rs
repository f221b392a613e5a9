//! All of the admin area's SQL: dashboard aggregates, the staff lists, the
//! catalog writes and the audit log. Every write takes the caller's
//! connection so that it and its audit row commit together.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};
use sqlx::{PgConnection, PgExecutor};

use super::rules::{ProductDraft, PromoDraft};
use super::{
    AdminImage, AuditEntry, AuditPage, CategoryRow, DayRevenue, LowStock, OrderFilter, OrderList, OrderRow, PAGE_SIZE,
    PeriodFigures, ProductFilter, ProductInput, ProductRow, PromoRow, UserDetail, UserList, UserRow,
};
use crate::account::{Role, UserId};
use crate::error::{AppError, ConstraintField};
use crate::orders::{OrderNumber, OrderStatus, PaymentMethod};

/// Products at or below this stock show on the dashboard.
pub const LOW_STOCK: i32 = 5;

/// `%text%` for ILIKE, with the pattern characters in `text` taken literally.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.trim().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

fn offset(page: u32) -> i64 {
    i64::from(page.max(1) - 1) * PAGE_SIZE
}

/// Midnight (UTC) at the start of `day`.
fn start_of(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
}

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

/// Active products with the least stock, at most `limit`.
pub async fn low_stock(db: impl PgExecutor<'_>, limit: i64) -> sqlx::Result<Vec<LowStock>> {
    let rows = sqlx::query!(
        "SELECT id, name, stock FROM products WHERE active AND stock <= $1 ORDER BY stock, id LIMIT $2",
        LOW_STOCK,
        limit
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| LowStock { id: r.id, name: r.name, stock: r.stock }).collect())
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

pub async fn order_list(db: impl PgExecutor<'_>, currency: &str, filter: &OrderFilter) -> sqlx::Result<OrderList> {
    let (orders, has_next) = orders(db, filter, PAGE_SIZE).await?;
    Ok(OrderList { currency: currency.to_owned(), orders, page: filter.page.max(1), has_next })
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

// ---- products ----

/// One page of the product table, with the number of matching products.
pub async fn products(db: impl PgExecutor<'_>, filter: &ProductFilter) -> sqlx::Result<(Vec<ProductRow>, bool, i64)> {
    let search = filter.search.trim();
    let rows = sqlx::query!(
        r#"SELECT p.id, p.name, p.slug, c.name AS category, p.price, p.offer_price, p.stock, p.active,
                  p.archived_at IS NOT NULL AS "archived!",
                  (SELECT i.storage_key FROM product_images i WHERE i.product_id = p.id
                   ORDER BY i.is_primary DESC, i.position, i.id LIMIT 1) AS image,
                  count(*) OVER () AS "total!"
           FROM products p JOIN categories c ON c.id = p.category_id
           WHERE ($1 = '' OR p.name ILIKE $2 OR p.slug ILIKE $2)
             AND ($3::bigint IS NULL OR p.category_id = $3)
             AND CASE $4
                   WHEN 'active' THEN p.active
                   WHEN 'draft' THEN NOT p.active AND p.archived_at IS NULL
                   WHEN 'archived' THEN p.archived_at IS NOT NULL
                   ELSE p.archived_at IS NULL
                 END
             AND (NOT $5 OR p.stock = 0)
             AND (NOT $6 OR p.offer_price IS NOT NULL)
           ORDER BY CASE WHEN $7 = 'price' THEN p.sale_price END,
                    CASE WHEN $7 = 'stock' THEN p.stock END,
                    CASE WHEN $7 = 'newest' THEN p.created_at END DESC,
                    lower(p.name), p.id
           LIMIT $8 OFFSET $9"#,
        search,
        contains_pattern(search),
        filter.category,
        filter.state.as_str(),
        filter.out_of_stock,
        filter.on_offer,
        filter.sort.as_str(),
        PAGE_SIZE + 1,
        offset(filter.page)
    )
    .fetch_all(db)
    .await?;
    let total = rows.first().map_or(0, |r| r.total);
    let (rows, has_next) = crate::db::one_page(rows, PAGE_SIZE);
    let products = rows
        .into_iter()
        .map(|r| ProductRow {
            id: r.id,
            name: r.name,
            slug: r.slug,
            category: r.category,
            price: r.price,
            offer_price: r.offer_price,
            stock: r.stock,
            active: r.active,
            archived: r.archived,
            image: r.image,
        })
        .collect();
    Ok((products, has_next, total))
}

/// The catalog's unique and foreign-key constraints, as form errors.
const PRODUCT_CONSTRAINTS: &[ConstraintField] = &[
    ("products_name_key", "name", "Another product already has this name."),
    ("products_slug_key", "slug", "Another product already uses this slug."),
    ("products_category_id_fkey", "category_id", "That category no longer exists."),
];

fn product_conflict(error: sqlx::Error) -> AppError {
    AppError::from_constraint(error, PRODUCT_CONSTRAINTS)
}

/// The editable fields of a product, for the form and the audit log.
pub async fn product_input(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<(ProductInput, bool, bool)>> {
    let row = sqlx::query!(
        r#"SELECT name, slug, category_id, description, price, offer_price, stock, active, featured,
                  archived_at IS NOT NULL AS "archived!",
                  EXISTS (SELECT 1 FROM order_items i WHERE i.product_id = p.id) AS "sold!"
           FROM products p WHERE id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| {
        let flag = |b: bool| b.then(|| "on".to_owned());
        (
            ProductInput {
                name: r.name,
                slug: r.slug,
                category_id: r.category_id.to_string(),
                description: r.description,
                price: r.price.to_string(),
                offer_price: r.offer_price.map(|p| p.to_string()).unwrap_or_default(),
                stock: r.stock.to_string(),
                active: flag(r.active),
                featured: flag(r.featured),
            },
            r.archived,
            r.sold,
        )
    }))
}

pub fn draft_json(d: &ProductDraft) -> Value {
    json!({
        "name": d.name, "slug": d.slug, "category_id": d.category_id, "description": d.description,
        "price": d.price.to_string(), "offer_price": d.offer_price.map(|p| p.to_string()),
        "stock": d.stock, "active": d.active, "featured": d.featured,
    })
}

pub fn input_json(i: &ProductInput) -> Value {
    json!({
        "name": i.name, "slug": i.slug, "category_id": i.category_id.parse::<i64>().ok(), "description": i.description,
        "price": i.price, "offer_price": (!i.offer_price.is_empty()).then(|| i.offer_price.clone()),
        "stock": i.stock.parse::<i32>().ok(), "active": i.active.is_some(), "featured": i.featured.is_some(),
    })
}

/// Refuses a name another product has (any letter case) before the write, so
/// the form names the field a person chose rather than the derived slug.
async fn check_name_free(conn: &mut PgConnection, id: Option<i64>, name: &str) -> Result<(), AppError> {
    let taken = sqlx::query_scalar!(
        "SELECT id FROM products WHERE lower(name) = lower($1) AND id IS DISTINCT FROM $2",
        name,
        id
    )
    .fetch_optional(conn)
    .await?;
    match taken {
        Some(_) => {
            Err(AppError::Conflict { field: "name".into(), message: "Another product already has this name.".into() })
        }
        None => Ok(()),
    }
}

pub async fn create_product(conn: &mut PgConnection, d: &ProductDraft) -> Result<i64, AppError> {
    check_name_free(conn, None, &d.name).await?;
    sqlx::query_scalar!(
        "INSERT INTO products (category_id, name, slug, description, price, offer_price, stock, active, featured)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        d.category_id,
        d.name,
        d.slug,
        d.description,
        d.price,
        d.offer_price,
        d.stock,
        d.active,
        d.featured
    )
    .fetch_one(conn)
    .await
    .map_err(product_conflict)
}

/// Writes every field; an archived product stays archived (and inactive).
pub async fn update_product(conn: &mut PgConnection, id: i64, d: &ProductDraft) -> Result<bool, AppError> {
    check_name_free(conn, Some(id), &d.name).await?;
    let done = sqlx::query!(
        "UPDATE products SET category_id = $2, name = $3, slug = $4, description = $5, price = $6, offer_price = $7,
                stock = $8, active = $9 AND archived_at IS NULL, featured = $10, updated_at = now()
         WHERE id = $1",
        id,
        d.category_id,
        d.name,
        d.slug,
        d.description,
        d.price,
        d.offer_price,
        d.stock,
        d.active,
        d.featured
    )
    .execute(conn)
    .await
    .map_err(product_conflict)?;
    Ok(done.rows_affected() == 1)
}

/// The quick edit from the table: stock and price (the offer is cleared if it
/// would no longer be below the price).
pub async fn quick_edit(
    conn: &mut PgConnection,
    id: i64,
    stock: i32,
    price: rust_decimal::Decimal,
) -> sqlx::Result<Option<(i32, rust_decimal::Decimal)>> {
    let before = sqlx::query!("SELECT stock, price FROM products WHERE id = $1 FOR UPDATE", id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(before) = before else { return Ok(None) };
    sqlx::query!(
        "UPDATE products SET stock = $2, price = $3,
                offer_price = CASE WHEN offer_price < $3 THEN offer_price END, updated_at = now()
         WHERE id = $1",
        id,
        stock,
        price
    )
    .execute(&mut *conn)
    .await?;
    Ok(Some((before.stock, before.price)))
}

pub async fn set_active(conn: &mut PgConnection, id: i64, active: bool) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE products SET active = $2, archived_at = CASE WHEN $2 THEN NULL ELSE archived_at END, updated_at = now()
         WHERE id = $1",
        id,
        active
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What removing a product did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    Deleted,
    /// It has sold: kept for the orders, hidden from everyone but staff.
    Archived,
}

/// Deletes a product that never sold (its images' keys are returned so the
/// caller can remove the files after commit); archives one that did. Carts
/// lose it either way.
pub async fn remove_product(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<(Removal, Vec<String>)>> {
    let sold = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM order_items WHERE product_id = $1) AS "sold!" FROM products WHERE id = $1 FOR UPDATE"#,
        id
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(sold) = sold else { return Ok(None) };
    sqlx::query!("DELETE FROM cart_items WHERE product_id = $1", id).execute(&mut *conn).await?;
    if sold {
        sqlx::query!("UPDATE products SET active = false, featured = false, archived_at = now(), updated_at = now() WHERE id = $1", id)
            .execute(&mut *conn)
            .await?;
        return Ok(Some((Removal::Archived, Vec::new())));
    }
    let keys = sqlx::query_scalar!("DELETE FROM product_images WHERE product_id = $1 RETURNING storage_key", id)
        .fetch_all(&mut *conn)
        .await?;
    sqlx::query!("DELETE FROM products WHERE id = $1", id).execute(&mut *conn).await?;
    Ok(Some((Removal::Deleted, keys)))
}

pub async fn product_name(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!("SELECT name FROM products WHERE id = $1", id).fetch_optional(db).await
}

// ---- product images ----

pub async fn images(db: impl PgExecutor<'_>, product: i64) -> sqlx::Result<Vec<AdminImage>> {
    let rows = sqlx::query!(
        "SELECT id, storage_key, alt_text, is_primary FROM product_images WHERE product_id = $1 ORDER BY position, id",
        product
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AdminImage { id: r.id, key: r.storage_key, alt: r.alt_text, is_primary: r.is_primary })
        .collect())
}

/// Adds an image after the others; the first image of a product becomes primary.
pub async fn add_image(conn: &mut PgConnection, product: i64, key: &str, alt: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "INSERT INTO product_images (product_id, storage_key, alt_text, position, is_primary)
         SELECT $1, $2, $3,
                COALESCE((SELECT max(position) + 1 FROM product_images WHERE product_id = $1), 0),
                NOT EXISTS (SELECT 1 FROM product_images WHERE product_id = $1 AND is_primary)
         RETURNING id",
        product,
        key,
        alt
    )
    .fetch_one(conn)
    .await
}

pub async fn set_primary_image(conn: &mut PgConnection, product: i64, image: i64) -> sqlx::Result<bool> {
    let exists = sqlx::query_scalar!(
        "SELECT id FROM product_images WHERE id = $1 AND product_id = $2 FOR UPDATE",
        image,
        product
    )
    .fetch_optional(&mut *conn)
    .await?;
    if exists.is_none() {
        return Ok(false);
    }
    sqlx::query!(
        "UPDATE product_images SET is_primary = false WHERE product_id = $1 AND is_primary AND id <> $2",
        product,
        image
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!("UPDATE product_images SET is_primary = true WHERE id = $1", image).execute(&mut *conn).await?;
    Ok(true)
}

/// Moves an image one place earlier (`-1`) or later (`1`) by swapping positions.
pub async fn move_image(conn: &mut PgConnection, product: i64, image: i64, by: i32) -> sqlx::Result<bool> {
    let mut ids = sqlx::query_scalar!(
        "SELECT id FROM product_images WHERE product_id = $1 ORDER BY position, id FOR UPDATE",
        product
    )
    .fetch_all(&mut *conn)
    .await?;
    let Some(at) = ids.iter().position(|id| *id == image) else { return Ok(false) };
    let to = at as i64 + i64::from(by);
    if to < 0 || to >= ids.len() as i64 {
        return Ok(true);
    }
    ids.swap(at, to as usize);
    let positions: Vec<i32> = (0..ids.len() as i32).collect();
    sqlx::query!(
        "UPDATE product_images i SET position = n.position FROM unnest($1::bigint[], $2::int[]) AS n(id, position) WHERE i.id = n.id",
        &ids,
        &positions
    )
    .execute(conn)
    .await?;
    Ok(true)
}

pub async fn set_image_alt(conn: &mut PgConnection, product: i64, image: i64, alt: &str) -> sqlx::Result<bool> {
    let done =
        sqlx::query!("UPDATE product_images SET alt_text = $3 WHERE id = $1 AND product_id = $2", image, product, alt)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes an image; if it was primary, the first remaining one becomes
/// primary. Returns its storage key.
pub async fn remove_image(conn: &mut PgConnection, product: i64, image: i64) -> sqlx::Result<Option<String>> {
    let key = sqlx::query_scalar!(
        "DELETE FROM product_images WHERE id = $1 AND product_id = $2 RETURNING storage_key",
        image,
        product
    )
    .fetch_optional(&mut *conn)
    .await?;
    if key.is_some() {
        sqlx::query!(
            "UPDATE product_images SET is_primary = true
             WHERE id = (SELECT id FROM product_images WHERE product_id = $1 ORDER BY position, id LIMIT 1)
               AND NOT EXISTS (SELECT 1 FROM product_images WHERE product_id = $1 AND is_primary)",
            product
        )
        .execute(conn)
        .await?;
    }
    Ok(key)
}

// ---- categories ----

pub async fn categories(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<CategoryRow>> {
    let rows = sqlx::query!(
        r#"SELECT c.id, c.name, c.slug, c.description,
                  (SELECT count(*) FROM products p WHERE p.category_id = c.id) AS "products!"
           FROM categories c ORDER BY lower(c.name)"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| CategoryRow { id: r.id, name: r.name, slug: r.slug, description: r.description, products: r.products })
        .collect())
}

const CATEGORY_CONSTRAINTS: &[ConstraintField] = &[
    ("categories_name_key", "name", "Another category already has this name."),
    ("categories_slug_key", "name", "Another category already has this name."),
];

fn category_conflict(error: sqlx::Error) -> AppError {
    AppError::from_constraint(error, CATEGORY_CONSTRAINTS)
}

pub async fn create_category(
    conn: &mut PgConnection,
    name: &str,
    slug: &str,
    description: &str,
) -> Result<i64, AppError> {
    sqlx::query_scalar!(
        "INSERT INTO categories (name, slug, description) VALUES ($1, $2, $3) RETURNING id",
        name,
        slug,
        description
    )
    .fetch_one(conn)
    .await
    .map_err(category_conflict)
}

/// Renames (the slug follows the name) and describes a category; returns the
/// old name and description.
pub async fn update_category(
    conn: &mut PgConnection,
    id: i64,
    name: &str,
    slug: &str,
    description: &str,
) -> Result<Option<(String, String)>, AppError> {
    let before = sqlx::query!("SELECT name, description FROM categories WHERE id = $1 FOR UPDATE", id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(before) = before else { return Ok(None) };
    sqlx::query!(
        "UPDATE categories SET name = $2, slug = $3, description = $4, updated_at = now() WHERE id = $1",
        id,
        name,
        slug,
        description
    )
    .execute(conn)
    .await
    .map_err(category_conflict)?;
    Ok(Some((before.name, before.description)))
}

/// Deletes a category, first moving its products to `move_to` when given.
/// Refused while products still use it.
pub async fn delete_category(
    conn: &mut PgConnection,
    id: i64,
    move_to: Option<i64>,
) -> Result<Option<String>, AppError> {
    let name = sqlx::query_scalar!("SELECT name FROM categories WHERE id = $1 FOR UPDATE", id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(name) = name else { return Ok(None) };
    if let Some(target) = move_to {
        if target == id {
            return Err(AppError::field("move_to", "Choose a different category to move the products to."));
        }
        let exists =
            sqlx::query_scalar!("SELECT id FROM categories WHERE id = $1", target).fetch_optional(&mut *conn).await?;
        if exists.is_none() {
            return Err(AppError::field("move_to", "That category no longer exists."));
        }
        sqlx::query!("UPDATE products SET category_id = $2, updated_at = now() WHERE category_id = $1", id, target)
            .execute(&mut *conn)
            .await?;
    }
    let used = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM products WHERE category_id = $1"#, id)
        .fetch_one(&mut *conn)
        .await?;
    if used > 0 {
        return Err(AppError::Conflict {
            field: "move_to".into(),
            message: format!(
                "{name} still has {used} product{}. Move them to another category first.",
                if used == 1 { "" } else { "s" }
            ),
        });
    }
    sqlx::query!("DELETE FROM categories WHERE id = $1", id).execute(conn).await?;
    Ok(Some(name))
}

// ---- promo codes ----

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

// ---- users ----

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

pub async fn user(conn: &mut PgConnection, id: UserId, currency: &str) -> sqlx::Result<Option<UserDetail>> {
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
    Ok(Some(UserDetail { user, currency: currency.to_owned(), orders, is_self: false }))
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

// ---- audit log ----

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_is_taken_literally() {
        assert_eq!(contains_pattern(" 50%_off "), "%50\\%\\_off%");
    }
}
